# cmd/gaia-health: the Nagios plugin (client_health_check in libgaia/client)
bin_PROGRAMS += bin/gaia-health
bin_gaia_health_SOURCES = cmd/gaia-health/main.c
bin_gaia_health_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-health.1
dist_bashcompletion_DATA += completions/bash/gaia-health
dist_zshcompletion_DATA += completions/zsh/_gaia-health
