# unit tests of libgaia/config
check_PROGRAMS += tests/unit/test_config tests/unit/test_config_errors \
	tests/unit/test_config_parse
TESTS += tests/unit/test_config tests/unit/test_config_errors tests/unit/test_config_parse

# the shared helpers, and where the man page the tests read lives
CONFIG_TEST_SOURCES = tests/unit/test_config_util.c tests/unit/test_config_util.h
CONFIG_TEST_CFLAGS = $(GAIA_TEST_CFLAGS) -DCONFIG_MAN_PAGE='"$(top_srcdir)/man/gaia_go.yaml.5"'

tests_unit_test_config_SOURCES = tests/unit/test_config.c $(CONFIG_TEST_SOURCES)
tests_unit_test_config_CFLAGS = $(CONFIG_TEST_CFLAGS)
tests_unit_test_config_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_config_errors_SOURCES = tests/unit/test_config_errors.c $(CONFIG_TEST_SOURCES)
tests_unit_test_config_errors_CFLAGS = $(CONFIG_TEST_CFLAGS)
tests_unit_test_config_errors_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_config_parse_SOURCES = tests/unit/test_config_parse.c
tests_unit_test_config_parse_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_config_parse_LDADD = $(GAIA_TEST_LIBS)
