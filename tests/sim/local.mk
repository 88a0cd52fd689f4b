# the deterministic simulator
