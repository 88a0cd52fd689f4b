# libgaia/net: see the module header.
