# cmd/gaia-discover: run one discovery, or show a daemon's (libgaia/discovery)
bin_PROGRAMS += bin/gaia-discover
bin_gaia_discover_SOURCES = cmd/gaia-discover/main.c
bin_gaia_discover_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-discover.1
EXTRA_DIST += completions/bash/gaia-discover completions/zsh/_gaia-discover
