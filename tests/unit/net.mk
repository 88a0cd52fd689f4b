# unit tests of libgaia/net
