# unit tests of libgaia/snap
