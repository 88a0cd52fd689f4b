# unit tests of libgaia/wal
WAL_TEST_UTIL = tests/wal/wal_test_util.c tests/wal/wal_test_util.h

check_PROGRAMS += tests/unit/test_wal tests/unit/test_wal_model \
	tests/unit/test_wal_recovery tests/unit/test_wal_crash \
	tests/wal/wal_eio_helper tests/bench/wal_bench
TESTS += tests/unit/test_wal tests/unit/test_wal_model \
	tests/unit/test_wal_recovery tests/unit/test_wal_crash \
	tests/wal/test_wal_eio.sh
EXTRA_DIST += tests/wal/test_wal_eio.sh

tests_unit_test_wal_SOURCES = tests/unit/test_wal.c $(WAL_TEST_UTIL)
tests_unit_test_wal_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_wal_LDADD = $(GAIA_TEST_LIBS)

# random operations checked against a plain array
tests_unit_test_wal_model_SOURCES = tests/unit/test_wal_model.c $(WAL_TEST_UTIL)
tests_unit_test_wal_model_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_wal_model_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_wal_recovery_SOURCES = tests/unit/test_wal_recovery.c $(WAL_TEST_UTIL)
tests_unit_test_wal_recovery_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_wal_recovery_LDADD = $(GAIA_TEST_LIBS)

# SIGKILL a child appending through the writer thread, hundreds of times
tests_unit_test_wal_crash_SOURCES = tests/unit/test_wal_crash.c $(WAL_TEST_UTIL)
tests_unit_test_wal_crash_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_wal_crash_LDADD = $(GAIA_TEST_LIBS)

# driven by tests/wal/test_wal_eio.sh under strace fault injection
tests_wal_wal_eio_helper_SOURCES = tests/wal/wal_eio_helper.c $(WAL_TEST_UTIL)
tests_wal_wal_eio_helper_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_wal_wal_eio_helper_LDADD = $(GAIA_TEST_LIBS)

# benchmark, built with the tests but not run by them:
#   tests/bench/wal_bench [DIR] [SECONDS]
tests_bench_wal_bench_SOURCES = tests/bench/wal_bench.c
tests_bench_wal_bench_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_bench_wal_bench_LDADD = $(GAIA_TEST_LIBS)
