# cmd/gaia-join: add a node (client_join, client_join_wait in libgaia/client)
bin_PROGRAMS += bin/gaia-join
bin_gaia_join_SOURCES = cmd/gaia-join/main.c
bin_gaia_join_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-join.1
dist_bashcompletion_DATA += completions/bash/gaia-join
dist_zshcompletion_DATA += completions/zsh/_gaia-join
