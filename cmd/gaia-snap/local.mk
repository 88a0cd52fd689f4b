# cmd/gaia-snap: snapshots and backups (client_snap_* and node_backup_* in libgaia)
bin_PROGRAMS += bin/gaia-snap
bin_gaia_snap_SOURCES = cmd/gaia-snap/main.c
bin_gaia_snap_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-snap.1
dist_bashcompletion_DATA += completions/bash/gaia-snap
dist_zshcompletion_DATA += completions/zsh/_gaia-snap
EXTRA_DIST += examples/cron.d/gaia-snap
