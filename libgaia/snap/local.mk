# libgaia/snap: see the module header.
