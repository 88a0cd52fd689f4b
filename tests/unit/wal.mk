# unit tests of libgaia/wal
