# unit tests of libgaia/util
check_PROGRAMS += tests/unit/test_crc32c
TESTS += tests/unit/test_crc32c
tests_unit_test_crc32c_SOURCES = tests/unit/test_crc32c.c
tests_unit_test_crc32c_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_crc32c_LDADD = $(GAIA_TEST_LIBS)
