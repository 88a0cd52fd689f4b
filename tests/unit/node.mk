# unit tests of libgaia/node
