# unit tests of libgaia/api
