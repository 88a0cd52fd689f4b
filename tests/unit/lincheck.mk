# unit tests of the linearizability checker (tests/fault/lincheck, built by tests/fault/local.mk)
check_PROGRAMS += tests/unit/test_lincheck tests/unit/test_lincheck_big
TESTS += tests/unit/test_lincheck tests/unit/test_lincheck_big

tests_unit_test_lincheck_SOURCES = tests/unit/test_lincheck.c
tests_unit_test_lincheck_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fault/lincheck
tests_unit_test_lincheck_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_lincheck_LDADD = tests/fault/liblincheck.la $(JANSSON_LIBS) $(CMOCKA_LIBS)

tests_unit_test_lincheck_big_SOURCES = tests/unit/test_lincheck_big.c
tests_unit_test_lincheck_big_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fault/lincheck
tests_unit_test_lincheck_big_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_lincheck_big_LDADD = tests/fault/liblincheck.la $(JANSSON_LIBS) $(CMOCKA_LIBS)
