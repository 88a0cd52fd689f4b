# unit tests of libgaia/kv
check_PROGRAMS += tests/unit/test_kv tests/unit/test_kv_command tests/unit/test_kv_model \
	tests/unit/test_kv_freeze
TESTS += tests/unit/test_kv tests/unit/test_kv_command tests/unit/test_kv_model \
	tests/unit/test_kv_freeze

tests_unit_test_kv_SOURCES = tests/unit/test_kv.c
tests_unit_test_kv_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_kv_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_kv_command_SOURCES = tests/unit/test_kv_command.c
tests_unit_test_kv_command_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_kv_command_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_kv_model_SOURCES = tests/unit/test_kv_model.c
tests_unit_test_kv_model_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_kv_model_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_kv_freeze_SOURCES = tests/unit/test_kv_freeze.c
tests_unit_test_kv_freeze_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_kv_freeze_LDADD = $(GAIA_TEST_LIBS)

# Benchmark (tests/bench has no fragment of its own yet): built with the
# tests so that it keeps compiling, never run by make check.
check_PROGRAMS += tests/bench/kv_bench
tests_bench_kv_bench_SOURCES = tests/bench/kv_bench.c
tests_bench_kv_bench_CFLAGS = $(AM_CFLAGS)
tests_bench_kv_bench_LDADD = libgaia_internal.la
