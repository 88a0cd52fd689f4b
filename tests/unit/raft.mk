# unit tests of libgaia/raft
