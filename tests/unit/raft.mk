# unit tests of libgaia/raft: deterministic scenarios on an in-memory
# cluster (tests/unit/raft_harness.[ch]), one program per area.
RAFT_HARNESS = tests/unit/raft_harness.c tests/unit/raft_harness.h

check_PROGRAMS += tests/unit/test_raft_election
TESTS += tests/unit/test_raft_election
tests_unit_test_raft_election_SOURCES = tests/unit/test_raft_election.c $(RAFT_HARNESS)
tests_unit_test_raft_election_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_election_LDADD = $(GAIA_TEST_LIBS)

check_PROGRAMS += tests/unit/test_raft_replication
TESTS += tests/unit/test_raft_replication
tests_unit_test_raft_replication_SOURCES = tests/unit/test_raft_replication.c $(RAFT_HARNESS)
tests_unit_test_raft_replication_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_replication_LDADD = $(GAIA_TEST_LIBS)

check_PROGRAMS += tests/unit/test_raft_snapshot
TESTS += tests/unit/test_raft_snapshot
tests_unit_test_raft_snapshot_SOURCES = tests/unit/test_raft_snapshot.c $(RAFT_HARNESS)
tests_unit_test_raft_snapshot_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_snapshot_LDADD = $(GAIA_TEST_LIBS)

check_PROGRAMS += tests/unit/test_raft_membership
TESTS += tests/unit/test_raft_membership
tests_unit_test_raft_membership_SOURCES = tests/unit/test_raft_membership.c $(RAFT_HARNESS)
tests_unit_test_raft_membership_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_membership_LDADD = $(GAIA_TEST_LIBS)

check_PROGRAMS += tests/unit/test_raft_transfer
TESTS += tests/unit/test_raft_transfer
tests_unit_test_raft_transfer_SOURCES = tests/unit/test_raft_transfer.c $(RAFT_HARNESS)
tests_unit_test_raft_transfer_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_transfer_LDADD = $(GAIA_TEST_LIBS)

check_PROGRAMS += tests/unit/test_raft_read
TESTS += tests/unit/test_raft_read
tests_unit_test_raft_read_SOURCES = tests/unit/test_raft_read.c $(RAFT_HARNESS)
tests_unit_test_raft_read_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_read_LDADD = $(GAIA_TEST_LIBS)

check_PROGRAMS += tests/unit/test_raft_safety
TESTS += tests/unit/test_raft_safety
tests_unit_test_raft_safety_SOURCES = tests/unit/test_raft_safety.c $(RAFT_HARNESS)
tests_unit_test_raft_safety_CFLAGS = $(GAIA_TEST_CFLAGS)
tests_unit_test_raft_safety_LDADD = $(GAIA_TEST_LIBS)
