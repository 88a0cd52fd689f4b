# libgaia/config: see the module header.
