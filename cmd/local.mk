# the programs: one folder per program, each a thin main over libgaia
include cmd/gaia_go/local.mk
include cmd/gaia-bench/local.mk
include cmd/gaia-join/local.mk
include cmd/gaia-peers/local.mk
include cmd/gaia-health/local.mk
include cmd/gaia-snap/local.mk
include cmd/gaiactl/local.mk
