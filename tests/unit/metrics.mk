# unit tests of libgaia/metrics
check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_metrics_LDADD = $(GAIA_TEST_LIBS) -lm
