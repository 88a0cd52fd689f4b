# cmd/gaia_go: the daemon
bin_PROGRAMS += bin/gaia_go
bin_gaia_go_SOURCES = cmd/gaia_go/main.c cmd/gaia_go/daemon.h \
	cmd/gaia_go/daemon_log.c cmd/gaia_go/join.c
bin_gaia_go_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia_go.8
dist_bashcompletion_DATA += completions/bash/gaia_go
dist_zshcompletion_DATA += completions/zsh/_gaia_go
