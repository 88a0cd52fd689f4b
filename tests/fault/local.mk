# the fault suite: see tests/fault/README.md
