# cmd/gaia_go: the daemon
