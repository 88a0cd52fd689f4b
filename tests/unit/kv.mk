# unit tests of libgaia/kv
