# libgaia/raft: see the module header.
