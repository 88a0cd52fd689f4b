# unit tests of libgaia/client against a tiny HTTP server in the test, and
# gaia-bench on a live three-node cluster (bats)
CLIENT_TEST_SRC = tests/unit/test_client_server.c tests/unit/test_client_server.h
check_PROGRAMS += tests/unit/test_client tests/unit/test_client_bench
TESTS += tests/unit/test_client tests/unit/test_client_bench

tests_unit_test_client_SOURCES = tests/unit/test_client.c $(CLIENT_TEST_SRC)
tests_unit_test_client_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_client_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_client_bench_SOURCES = tests/unit/test_client_bench.c $(CLIENT_TEST_SRC)
tests_unit_test_client_bench_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_client_bench_LDADD = $(GAIA_TEST_LIBS)

TESTS += tests/bats/bench.bats
EXTRA_DIST += tests/bats/bench.bats tests/bench/cluster_bench.sh

# the cluster routes of gaia-join, gaia-peers, gaia-health (client_cluster.h)
check_PROGRAMS += tests/unit/test_client_cluster
TESTS += tests/unit/test_client_cluster
tests_unit_test_client_cluster_SOURCES = tests/unit/test_client_cluster.c $(CLIENT_TEST_SRC)
tests_unit_test_client_cluster_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_client_cluster_LDADD = $(GAIA_TEST_LIBS)

# gaiactl's calls beyond the cluster routes (client_ctl.h)
check_PROGRAMS += tests/unit/test_client_ctl
TESTS += tests/unit/test_client_ctl
tests_unit_test_client_ctl_SOURCES = tests/unit/test_client_ctl.c $(CLIENT_TEST_SRC)
tests_unit_test_client_ctl_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_client_ctl_LDADD = $(GAIA_TEST_LIBS)
