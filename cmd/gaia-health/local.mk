# cmd/gaia-health: the Nagios plugin (client_health_check in libgaia/client)
bin_PROGRAMS += bin/gaia-health
bin_gaia_health_SOURCES = cmd/gaia-health/main.c
bin_gaia_health_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-health.1
EXTRA_DIST += completions/bash/gaia-health completions/zsh/_gaia-health
