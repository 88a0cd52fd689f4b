# cmd/gaia-peers: list, show, remove peers, transfer leadership, watch lag (libgaia/client)
bin_PROGRAMS += bin/gaia-peers
bin_gaia_peers_SOURCES = cmd/gaia-peers/main.c
bin_gaia_peers_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-peers.1
dist_bashcompletion_DATA += completions/bash/gaia-peers
dist_zshcompletion_DATA += completions/zsh/_gaia-peers
