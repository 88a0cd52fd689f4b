# libgaia/node: see the module header.
