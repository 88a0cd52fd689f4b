# unit tests of libgaia/snap
check_PROGRAMS += tests/unit/test_snap tests/unit/test_snap_dir
TESTS += tests/unit/test_snap tests/unit/test_snap_dir

tests_unit_test_snap_SOURCES = tests/unit/test_snap.c
tests_unit_test_snap_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_snap_LDADD = $(GAIA_TEST_LIBS)

tests_unit_test_snap_dir_SOURCES = tests/unit/test_snap_dir.c
tests_unit_test_snap_dir_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_snap_dir_LDADD = $(GAIA_TEST_LIBS)
