# cmd/gaia_go: the daemon (enabled once libgaia/api lands)
EXTRA_DIST += cmd/gaia_go/main.c cmd/gaia_go/daemon.h cmd/gaia_go/daemon_log.c \
	cmd/gaia_go/join.c
