# libgaia/wal: see the module header.
