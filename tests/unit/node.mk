# unit tests of libgaia/node

# the consensus core's side of a node whose raft_logs were deleted
check_PROGRAMS += tests/unit/test_raft_lost_log
TESTS += tests/unit/test_raft_lost_log
tests_unit_test_raft_lost_log_SOURCES = tests/unit/test_raft_lost_log.c \
	tests/unit/raft_harness.c tests/unit/raft_harness.h
tests_unit_test_raft_lost_log_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_lost_log_LDADD = $(GAIA_TEST_LIBS)

# offline backups: inspect and restore (gaia-snap)
check_PROGRAMS += tests/unit/test_node_backup
TESTS += tests/unit/test_node_backup
tests_unit_test_node_backup_SOURCES = tests/unit/test_node_backup.c
tests_unit_test_node_backup_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_node_backup_LDADD = $(GAIA_TEST_LIBS)

# incarnations: fresh ids, the book's ids, the handshake's and the join's verdicts
check_PROGRAMS += tests/unit/test_node_incarnation
TESTS += tests/unit/test_node_incarnation
tests_unit_test_node_incarnation_SOURCES = tests/unit/test_node_incarnation.c
tests_unit_test_node_incarnation_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_node_incarnation_LDADD = $(GAIA_TEST_LIBS)
