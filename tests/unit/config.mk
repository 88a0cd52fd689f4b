# unit tests of libgaia/config
