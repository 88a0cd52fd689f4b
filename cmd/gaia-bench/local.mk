# cmd/gaia-bench: the load generator (client_bench_run in libgaia/client)
bin_PROGRAMS += bin/gaia-bench
bin_gaia_bench_SOURCES = cmd/gaia-bench/main.c
bin_gaia_bench_LDADD = libgaia_internal.la
dist_man_MANS += man/gaia-bench.1
dist_bashcompletion_DATA += completions/bash/gaia-bench
dist_zshcompletion_DATA += completions/zsh/_gaia-bench
