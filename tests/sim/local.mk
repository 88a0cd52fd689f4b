# the deterministic simulator (tests/sim/gaia-sim) and its campaigns
check_PROGRAMS += tests/sim/gaia-sim
tests_sim_gaia_sim_SOURCES = tests/sim/sim.h tests/sim/sim_main.c \
	tests/sim/sim_world.c tests/sim/sim_check.c tests/sim/sim_trace.c \
	tests/sim/sim_run.c tests/sim/sim_scenario.c
tests_sim_gaia_sim_CFLAGS = $(AM_CFLAGS)
tests_sim_gaia_sim_LDADD = libgaia_internal.la

SIM_CAMPAIGNS = tests/sim/sim-3.test tests/sim/sim-5.test tests/sim/sim-7.test \
	tests/sim/sim-figure8.test tests/sim/sim-mutations.test \
	tests/sim/sim-replay.test tests/sim/sim-regressions.test \
	tests/sim/sim-learners.test tests/sim/sim-adversary.test tests/sim/sim-readd.test
TESTS += $(SIM_CAMPAIGNS)
EXTRA_DIST += tests/sim/campaign.sh $(SIM_CAMPAIGNS)
AM_TESTS_ENVIRONMENT = top_builddir=$(top_builddir); export top_builddir;
