# unit tests of libgaia/cli
check_PROGRAMS += tests/unit/test_cli
TESTS += tests/unit/test_cli
tests_unit_test_cli_SOURCES = tests/unit/test_cli.c
tests_unit_test_cli_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_cli_LDADD = $(GAIA_TEST_LIBS)
