# libgaia/api: see the module header.
