# unit tests of libgaia/discovery: static lists and probes against canned listeners
check_PROGRAMS += tests/unit/test_discovery
TESTS += tests/unit/test_discovery
tests_unit_test_discovery_SOURCES = tests/unit/test_discovery.c
tests_unit_test_discovery_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_discovery_LDADD = $(GAIA_TEST_LIBS) -lpthread
