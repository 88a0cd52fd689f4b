/* Unit tests of the consensus core: ReadIndex. A read is released (in a
 * Ready's reads) only after a heartbeat round started after it was asked
 * is acknowledged by a quorum of voters, at the commit index of when it
 * was asked (or the new term's first commit); reads fail when leadership
 * is lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "raft_harness.h"

static void assert_read(const struct raft_read *rd, uint64_t ctx, uint64_t index,
			int status)
{
	assert_int_equal(rd->ctx, ctx);
	assert_int_equal(rd->index, index);
	assert_int_equal(rd->status, status);
}

/* Released only when a quorum (here the leader and node 2) acknowledged
 * the heartbeat round, at the commit index of the time it was asked even
 * if more commits since. */
static void test_read_after_quorum_round(void **state)
{
	struct harness h;
	struct raft *l;
	struct h_node *n1;
	const struct raft_message *hb;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "a");
	h_stabilize(&h);
	l = h_raft(&h, 1);
	n1 = h_node(&h, 1);
	assert_int_equal(raft_commit_index(l), 3);

	/* asked while entry 4 is in the log but not committed */
	assert_int_equal(h_propose(&h, 1, "b"), 4);
	assert_int_equal(raft_read_index(l, 7), GAIA_OK);
	h_process(&h, 1);
	assert_int_equal(n1->n_reads, 0);
	assert_int_equal(h_queued(&h, RAFT_MSG_HEARTBEAT, 1, 0), 2);
	hb = h_find_queued(&h, RAFT_MSG_HEARTBEAT, 1, 2);
	assert_int_equal(hb->ctx, 1);
	assert_int_equal(h_find_queued(&h, RAFT_MSG_HEARTBEAT, 1, 3)->ctx, 1);

	/* entry 4 commits first: the read stays at 3 */
	h_deliver_match(&h, RAFT_MSG_APPEND, 1, 0);
	h_deliver_match(&h, RAFT_MSG_APPEND_RESP, 0, 1);
	assert_int_equal(raft_commit_index(l), 4);
	assert_int_equal(n1->n_reads, 0);

	assert_int_equal(h_deliver_match(&h, RAFT_MSG_HEARTBEAT, 1, 2), 1);
	assert_int_equal(n1->n_reads, 0);
	assert_true(h_deliver_first(&h, RAFT_MSG_HEARTBEAT_RESP, 2, 1));
	assert_int_equal(n1->n_reads, 1);
	assert_read(&n1->reads[0], 7, 3, RAFT_READ_OK);

	/* the late answer of node 3 releases nothing more */
	h_stabilize(&h);
	assert_int_equal(n1->n_reads, 1);
	h_free(&h);
}

/* Reads asked before a Ready share that Ready's round; a read asked after
 * it needs a new round (ctx 2), which an old answer does not confirm. */
static void test_read_rounds(void **state)
{
	struct harness h;
	struct raft *l;
	struct h_node *n1;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	n1 = h_node(&h, 1);
	assert_int_equal(raft_read_index(l, 1), GAIA_OK);
	assert_int_equal(raft_read_index(l, 2), GAIA_OK);
	h_process(&h, 1);
	assert_int_equal(h_queued(&h, RAFT_MSG_HEARTBEAT, 1, 0), 2);
	h_deliver(&h); /* heartbeats of round 1 reach 2 and 3 */
	assert_int_equal(raft_read_index(l, 3), GAIA_OK);
	h_process(&h, 1);
	assert_int_equal(h_find_queued(&h, RAFT_MSG_HEARTBEAT, 1, 2)->ctx, 2);
	/* the answers to round 1 */
	assert_int_equal(h_deliver_match(&h, RAFT_MSG_HEARTBEAT_RESP, 0, 1), 2);
	assert_int_equal(n1->n_reads, 2);
	assert_read(&n1->reads[0], 1, 2, RAFT_READ_OK);
	assert_read(&n1->reads[1], 2, 2, RAFT_READ_OK);
	h_stabilize(&h);
	assert_int_equal(n1->n_reads, 3);
	assert_read(&n1->reads[2], 3, 2, RAFT_READ_OK);
	h_free(&h);
}

/* A leader cut off from its followers never releases a read; when
 * CheckQuorum deposes it, the read fails. */
static void test_read_cut_off_leader(void **state)
{
	struct harness h;
	struct raft *l;
	struct h_node *n1;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	n1 = h_node(&h, 1);
	h_isolate(&h, 1);
	assert_int_equal(raft_read_index(l, 5), GAIA_OK);
	for (int k = 1; k < 20; k++) {
		h_run(&h, 1);
		assert_int_equal(n1->n_reads, 0);
		assert_int_equal(raft_role(l), RAFT_LEADER);
	}
	h_run(&h, 1);
	assert_int_equal(raft_role(l), RAFT_FOLLOWER);
	assert_int_equal(n1->n_reads, 1);
	assert_read(&n1->reads[0], 5, 0, RAFT_READ_FAILED);
	assert_int_equal(raft_read_index(l, 6), GAIA_ENOTLEADER);
	h_free(&h);
}

/* The test-only mutation that skips the quorum round releases the read at
 * once, although the leader is cut off (so the test above can fail). */
static void test_read_mutation_releases_unconfirmed(void **state)
{
	struct harness h;
	struct raft_options o;
	(void)state;
	h_default_options(&o);
	o.mutations = RAFT_MUT_READ_NO_QUORUM;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	h_isolate(&h, 1);
	assert_int_equal(raft_read_index(h_raft(&h, 1), 5), GAIA_OK);
	h_process(&h, 1);
	assert_int_equal(h_node(&h, 1)->n_reads, 1);
	assert_read(&h_node(&h, 1)->reads[0], 5, 2, RAFT_READ_OK);
	h_free(&h);
}

/* Pending reads fail when a higher term deposes the leader. */
static void test_read_fails_on_lost_leadership(void **state)
{
	struct harness h;
	struct raft_message m;
	struct h_node *n1;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	n1 = h_node(&h, 1);
	assert_int_equal(raft_read_index(h_raft(&h, 1), 8), GAIA_OK);
	assert_int_equal(raft_read_index(h_raft(&h, 1), 9), GAIA_OK);
	h_process(&h, 1);
	h_drop(&h, 0, 0, 0);
	m = h_msg(RAFT_MSG_HEARTBEAT_RESP, 2, 1, 3);
	m.ctx = 1;
	h_step(&h, 1, &m);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_FOLLOWER);
	assert_int_equal(raft_term(h_raft(&h, 1)), 3);
	assert_int_equal(n1->n_reads, 2);
	assert_read(&n1->reads[0], 8, 0, RAFT_READ_FAILED);
	assert_read(&n1->reads[1], 9, 0, RAFT_READ_FAILED);
	/* followers do not serve reads */
	assert_int_equal(raft_read_index(h_raft(&h, 2), 1), GAIA_ENOTLEADER);
	h_free(&h);
}

/* A new leader that has not committed an entry of its term yet: even
 * with its leadership confirmed, the read waits for that commit and is
 * served at it. */
static void test_read_waits_for_term_commit(void **state)
{
	struct harness h;
	struct raft *l;
	struct h_node *n1;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "a");
	h_stabilize(&h);
	h_crash(&h, 1);
	h_tick(&h, 2, 10);
	h_tick(&h, 3, 10);
	l = h_raft(&h, 2);
	n1 = h_node(&h, 2);
	assert_int_equal(raft_campaign(l), GAIA_OK);
	h_process(&h, 2);
	while (raft_role(l) != RAFT_LEADER)
		assert_true(h_deliver(&h) > 0);
	assert_int_equal(raft_commit_index(l), 3);
	assert_int_equal(raft_read_index(l, 4), GAIA_OK);
	h_process(&h, 2);
	h_deliver_match(&h, RAFT_MSG_HEARTBEAT, 2, 3);
	h_deliver_match(&h, RAFT_MSG_HEARTBEAT_RESP, 3, 2);
	assert_int_equal(n1->n_reads, 0); /* confirmed, but 3 is of term 2 */
	h_stabilize(&h);                  /* the no-op (4) commits */
	assert_int_equal(raft_commit_index(l), 4);
	h_run(&h, 1);
	assert_int_equal(n1->n_reads, 1);
	assert_read(&n1->reads[0], 4, 4, RAFT_READ_OK);
	h_free(&h);
}

/* Learners' answers do not count toward the quorum. */
static void test_read_learner_not_counted(void **state)
{
	struct harness h;
	struct h_node *n1;
	(void)state;
	h_init(&h, 4, 3, 1, NULL);
	h_elect(&h, 1);
	n1 = h_node(&h, 1);
	h_cut(&h, 1, 2);
	h_cut(&h, 1, 3);
	assert_int_equal(raft_read_index(h_raft(&h, 1), 1), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(h_count(&h, RAFT_MSG_HEARTBEAT_RESP, 4, 1, -1), 1);
	assert_int_equal(n1->n_reads, 0);
	h_heal(&h, 1, 2);
	h_run(&h, 1);
	assert_int_equal(n1->n_reads, 1);
	assert_read(&n1->reads[0], 1, 2, RAFT_READ_OK);
	h_free(&h);
}

/* A single voter confirms itself: released in the Ready of the request. */
static void test_read_single_node(void **state)
{
	struct harness h;
	struct raft_ready rd;
	(void)state;
	h_init(&h, 1, 1, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "a");
	h_process(&h, 1);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);
	assert_int_equal(raft_read_index(h_raft(&h, 1), 11), GAIA_OK);
	assert_int_equal(raft_ready(h_raft(&h, 1), &rd), GAIA_OK);
	assert_int_equal(rd.n_reads, 1);
	assert_read(&rd.reads[0], 11, 3, RAFT_READ_OK);
	raft_advance(h_raft(&h, 1), &rd);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_after_quorum_round),
		cmocka_unit_test(test_read_rounds),
		cmocka_unit_test(test_read_cut_off_leader),
		cmocka_unit_test(test_read_mutation_releases_unconfirmed),
		cmocka_unit_test(test_read_fails_on_lost_leadership),
		cmocka_unit_test(test_read_waits_for_term_commit),
		cmocka_unit_test(test_read_learner_not_counted),
		cmocka_unit_test(test_read_single_node),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
