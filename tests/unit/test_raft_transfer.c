/* Unit tests of the consensus core: leadership transfer. The leader
 * brings the target up to date, then sends TimeoutNow; proposals and
 * membership changes are refused meanwhile; it gives up after an
 * election timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "raft_harness.h"

static struct raft_progress_info progress(struct harness *h, raft_id leader,
					  raft_id id)
{
	struct raft_progress_info pi;
	memset(&pi, 0, sizeof pi);
	assert_int_equal(raft_progress(h_raft(h, leader), id, &pi), GAIA_OK);
	return pi;
}

static int try_propose(struct harness *h, raft_id id)
{
	struct raft_buf *b = raft_buf_new("p", 1);
	int rv = raft_propose(h_raft(h, id), b, NULL, NULL);
	raft_buf_unref(b);
	return rv;
}

/* Node 3 lags (cut off since before the election, entries 3..5 missed);
 * a transfer to it first brings it up to date, and only then sends one
 * TimeoutNow; node 3 wins the next term at once (no PreVote, through the
 * lease of node 2). */
static void test_transfer_to_lagging_target(void **state)
{
	struct harness h;
	struct raft *l;
	uint64_t idx;
	const struct raft_message *tn;
	struct raft_options o;
	(void)state;
	h_default_options(&o);
	o.max_msg_bytes = 1; /* one entry per append: node 3 acks 2, 3, 4, 5 */
	h_init(&h, 3, 3, 0, &o);
	h_cut(&h, 1, 3);
	h_cut(&h, 2, 3);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	h_propose(&h, 1, "a");
	h_propose(&h, 1, "b");
	h_propose(&h, 1, "c");
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(l), 5);
	h_heal_all(&h);

	assert_int_equal(raft_transfer_leadership(l, 3), GAIA_OK);
	assert_int_equal(raft_transferee(l), 3);
	assert_int_equal(try_propose(&h, 1), GAIA_EBUSY);
	assert_int_equal(raft_change_membership(l, RAFT_CONF_REMOVE, 2, NULL, 0, &idx),
			 GAIA_EBUSY);
	assert_int_equal(raft_transfer_leadership(l, 2), GAIA_EBUSY);

	h_tick(&h, 1, 1); /* a heartbeat gets node 3 going */
	h_trace_clear(&h);
	for (int i = 0; h_queued(&h, RAFT_MSG_TIMEOUT_NOW, 1, 3) == 0; i++) {
		assert_true(i < 20);
		assert_true(progress(&h, 1, 3).match_index < 5);
		assert_int_equal(try_propose(&h, 1), GAIA_EBUSY);
		assert_true(h_deliver(&h) > 0);
	}
	/* sent as soon as node 3 matched the leader's last entry */
	assert_int_equal(progress(&h, 1, 3).match_index, 5);
	assert_int_equal(raft_last_index(h_raft(&h, 3)), 5);
	assert_int_equal(raft_role(l), RAFT_LEADER);
	tn = h_find_queued(&h, RAFT_MSG_TIMEOUT_NOW, 1, 3);
	assert_int_equal(tn->term, 2);

	h_stabilize(&h);
	assert_int_equal(h_count(&h, RAFT_MSG_TIMEOUT_NOW, 0, 0, -1), 1);
	assert_int_equal(h_count(&h, RAFT_MSG_PREVOTE, 3, 0, -1), 0);
	assert_int_equal(h_count(&h, RAFT_MSG_VOTE, 3, 0, -1), 2);
	for (size_t i = 0; i < h.ntrace; i++)
		if (h.trace[i].type == RAFT_MSG_VOTE)
			assert_true(h.trace[i].transfer);
	assert_int_equal(h_leader(&h), 3);
	assert_int_equal(raft_term(h_raft(&h, 3)), 3);
	assert_int_equal(raft_role(l), RAFT_FOLLOWER);
	assert_int_equal(raft_leader(l), 3);
	assert_int_equal(raft_transferee(l), 0);
	assert_int_equal(raft_leader(h_raft(&h, 2)), 3);
	h_propose(&h, 3, "d");
	h_stabilize(&h);
	assert_string_equal(h_sm(&h, 1), "abcd");
	h_free(&h);
}

/* An up-to-date target gets TimeoutNow in the very next Ready, in msgs. */
static void test_transfer_up_to_date_target(void **state)
{
	struct harness h;
	struct raft_ready rd;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	assert_int_equal(raft_transfer_leadership(h_raft(&h, 1), 2), GAIA_OK);
	assert_int_equal(raft_ready(h_raft(&h, 1), &rd), GAIA_OK);
	assert_int_equal(rd.n_msgs, 1);
	assert_int_equal(rd.msgs[0].type, RAFT_MSG_TIMEOUT_NOW);
	assert_int_equal(rd.msgs[0].to, 2);
	assert_int_equal(rd.n_msgs_after, 0);
	raft_advance(h_raft(&h, 1), &rd);
	h_free(&h);

	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	assert_int_equal(raft_transfer_leadership(h_raft(&h, 1), 2), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(h_leader(&h), 2);
	assert_int_equal(raft_term(h_raft(&h, 2)), 3);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_FOLLOWER);
	h_free(&h);
}

/* to = 0 picks the most up-to-date other voter; the odd cases. */
static void test_transfer_target_choice(void **state)
{
	struct harness h;
	struct raft *l;
	(void)state;
	h_init(&h, 4, 3, 1, NULL);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	h_cut(&h, 1, 2);
	h_propose(&h, 1, "a");
	h_stabilize(&h);
	assert_int_equal(progress(&h, 1, 3).match_index, 3);
	assert_int_equal(progress(&h, 1, 2).match_index, 2);
	assert_int_equal(raft_transfer_leadership(l, 0), GAIA_OK);
	assert_int_equal(raft_transferee(l), 3);
	h_stabilize(&h);
	assert_int_equal(h_leader(&h), 3);

	assert_int_equal(raft_transfer_leadership(l, 2), GAIA_ENOTLEADER);
	l = h_raft(&h, 3);
	assert_int_equal(raft_transfer_leadership(l, 4), GAIA_EINVAL); /* learner */
	assert_int_equal(raft_transfer_leadership(l, 9), GAIA_EINVAL);
	assert_int_equal(raft_transfer_leadership(l, 3), GAIA_OK); /* itself */
	assert_int_equal(raft_transferee(l), 0);
	h_free(&h);

	/* alone: nobody to hand over to */
	h_init(&h, 1, 1, 0, NULL);
	h_elect(&h, 1);
	assert_int_equal(raft_transfer_leadership(h_raft(&h, 1), 0), GAIA_ENOTFOUND);
	h_free(&h);
}

/* A transfer to an unreachable node is abandoned after one election
 * timeout: the leader stays and takes proposals again. */
static void test_transfer_gives_up(void **state)
{
	struct harness h;
	struct raft *l;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	h_isolate(&h, 3);
	h_propose(&h, 1, "a");
	h_stabilize(&h);
	assert_int_equal(raft_transfer_leadership(l, 3), GAIA_OK);
	h_run(&h, 9);
	assert_int_equal(raft_transferee(l), 3);
	assert_int_equal(try_propose(&h, 1), GAIA_EBUSY);
	h_run(&h, 1);
	assert_int_equal(raft_transferee(l), 0);
	assert_int_equal(raft_role(l), RAFT_LEADER);
	assert_int_equal(raft_term(l), 2);
	assert_int_equal(try_propose(&h, 1), GAIA_OK);
	assert_int_equal(h_count(&h, RAFT_MSG_TIMEOUT_NOW, 0, 0, -1), 0);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(l), 4);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transfer_to_lagging_target),
		cmocka_unit_test(test_transfer_up_to_date_target),
		cmocka_unit_test(test_transfer_target_choice),
		cmocka_unit_test(test_transfer_gives_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
