# cmd/gaia-discover: run one discovery, or show a daemon's (libgaia/discovery)
bin_PROGRAMS += bin/gaia-discover
bin_gaia_discover_SOURCES = cmd/gaia-discover/main.c
bin_gaia_discover_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-discover.1
dist_bashcompletion_DATA += completions/bash/gaia-discover
dist_zshcompletion_DATA += completions/zsh/_gaia-discover
