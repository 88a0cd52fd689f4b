# libgaia/kv: see the module header.
