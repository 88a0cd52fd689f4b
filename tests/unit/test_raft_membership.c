/* Unit tests of the consensus core: learners, promotion, single-server
 * membership changes (one uncommitted at a time, effective when
 * appended), a leader removing itself, and the messages that are dropped:
 * from removed ids and from another cluster. */
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

static int change(struct harness *h, raft_id leader, int op, raft_id id,
		  uint64_t *index)
{
	return raft_change_membership(h_raft(h, leader), op, id, "ctx", 3, index);
}

/* A learner added to a running cluster receives the whole log (from
 * index 1, its own configuration entry included) and applies it. */
static void test_add_learner_catches_up(void **state)
{
	struct harness h;
	struct raft *l;
	const struct raft_entry *e;
	struct raft_conf_change cc;
	uint64_t idx = 0;
	(void)state;
	h_init(&h, 4, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "a");
	h_stabilize(&h);
	l = h_raft(&h, 1);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 4, &idx), GAIA_OK);
	assert_int_equal(idx, 4);
	e = raft_entry_at(l, 4);
	assert_int_equal(e->type, RAFT_ENTRY_CONF);
	assert_int_equal(raft_conf_decode(e->buf->data, e->buf->len, &cc), GAIA_OK);
	assert_int_equal(cc.op, RAFT_CONF_ADD_LEARNER);
	assert_int_equal(cc.id, 4);
	assert_int_equal(cc.ctx_len, 3);
	assert_memory_equal(cc.ctx, "ctx", 3);
	assert_int_equal(cc.conf.n, 4);

	h_stabilize(&h);
	assert_int_equal(raft_commit_index(l), 4);
	assert_string_equal(h_log_str(&h, 4), "1:1,2:2,3:2,4:2");
	assert_int_equal(raft_commit_index(h_raft(&h, 4)), 4);
	assert_string_equal(h_sm(&h, 4), "a");
	assert_int_equal(raft_conf_get(raft_conf(h_raft(&h, 4)), 4)->role, RAFT_LEARNER);
	assert_false(progress(&h, 1, 4).voter);
	assert_int_equal(progress(&h, 1, 4).match_index, 4);
	assert_int_equal(progress(&h, 1, 4).state, RAFT_PROGRESS_REPLICATE);
	h_free(&h);
}

/* A learner does not count toward commit, is never asked for a vote,
 * never campaigns, and its granted vote is not counted. */
static void test_learner_no_vote_no_commit(void **state)
{
	struct harness h;
	struct raft_options o;
	struct raft_message m;
	(void)state;
	h_init(&h, 4, 3, 1, NULL);
	h_elect(&h, 1);
	assert_int_equal(h_count(&h, RAFT_MSG_PREVOTE, 1, 4, -1), 0);
	assert_int_equal(h_count(&h, RAFT_MSG_VOTE, 1, 4, -1), 0);
	assert_int_equal(raft_commit_index(h_raft(&h, 4)), 2);

	/* only the learner hears the leader: nothing commits */
	h_cut(&h, 1, 2);
	h_cut(&h, 1, 3);
	assert_int_equal(h_propose(&h, 1, "b"), 3);
	h_stabilize(&h);
	assert_int_equal(progress(&h, 1, 4).match_index, 3);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 2);
	h_heal_all(&h);
	h_run(&h, 1);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);

	/* it never campaigns, even when its leader is gone */
	h_isolate(&h, 4);
	h_tick(&h, 4, 100);
	assert_int_equal(raft_role(h_raft(&h, 4)), RAFT_FOLLOWER);
	assert_int_equal(raft_term(h_raft(&h, 4)), 2);
	assert_int_equal(h_queued(&h, 0, 4, 0), 0);
	assert_int_equal(raft_campaign(h_raft(&h, 4)), GAIA_EINVAL);
	h_drop(&h, 0, 0, 0);
	h_free(&h);

	/* a candidate ignores a learner's vote */
	h_default_options(&o);
	o.pre_vote = false;
	h_init(&h, 4, 3, 1, &o);
	h_isolate(&h, 1);
	assert_int_equal(raft_campaign(h_raft(&h, 1)), GAIA_OK);
	h_process(&h, 1);
	assert_int_equal(h_queued(&h, RAFT_MSG_VOTE, 1, 4), 0);
	assert_int_equal(h_queued(&h, RAFT_MSG_VOTE, 1, 0), 2);
	h_drop(&h, 0, 0, 0);
	m = h_msg(RAFT_MSG_VOTE_RESP, 4, 1, 2);
	h_step(&h, 1, &m);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_CANDIDATE);
	m = h_msg(RAFT_MSG_VOTE_RESP, 2, 1, 2);
	h_step(&h, 1, &m);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);
	h_drop(&h, 0, 0, 0);
	h_free(&h);
}

/* Promotion: the learner becomes a voter, the quorum grows to 3 of 4. */
static void test_promote_learner(void **state)
{
	struct harness h;
	uint64_t idx;
	(void)state;
	h_init(&h, 4, 3, 1, NULL);
	h_elect(&h, 1);
	assert_int_equal(change(&h, 1, RAFT_CONF_PROMOTE, 4, &idx), GAIA_OK);
	assert_int_equal(idx, 3);
	assert_true(raft_conf_is_voter(raft_conf(h_raft(&h, 1)), 4));
	assert_int_equal(raft_conf_voters(raft_conf(h_raft(&h, 1))), 4);
	assert_true(progress(&h, 1, 4).voter);
	h_stabilize(&h);
	assert_true(raft_conf_is_voter(raft_conf(h_raft(&h, 4)), 4));

	/* leader + one follower is no longer a majority */
	h_cut(&h, 1, 3);
	h_cut(&h, 1, 4);
	assert_int_equal(h_propose(&h, 1, "x"), 4);
	h_stabilize(&h);
	assert_int_equal(progress(&h, 1, 2).match_index, 4);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);
	h_heal(&h, 1, 4);
	h_run(&h, 1);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 4);

	/* and node 4 may now lead */
	h_heal_all(&h);
	h_crash(&h, 1);
	for (raft_id i = 2; i <= 4; i++)
		h_tick(&h, i, 10);
	h_elect(&h, 4);
	assert_int_equal(raft_term(h_raft(&h, 4)), 3);
	h_free(&h);
}

/* At most one uncommitted configuration change; a new leader waits for
 * its first commit; invalid changes are refused with the configuration
 * untouched. */
static void test_one_change_at_a_time(void **state)
{
	struct harness h;
	struct raft *l;
	uint64_t idx = 0;
	(void)state;
	h_init(&h, 5, 3, 0, NULL);
	assert_int_equal(raft_campaign(h_raft(&h, 1)), GAIA_OK);
	h_process(&h, 1);
	/* deliver the votes, not yet the first append */
	while (raft_role(h_raft(&h, 1)) != RAFT_LEADER)
		assert_true(h_deliver(&h) > 0);
	l = h_raft(&h, 1);
	assert_int_equal(raft_commit_index(l), 0);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 4, &idx), GAIA_EBUSY);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(l), 2);

	h_cut(&h, 1, 2);
	h_cut(&h, 1, 3);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 4, &idx), GAIA_OK);
	assert_int_equal(idx, 3);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(l), 2);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 5, &idx), GAIA_EBUSY);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 3, &idx), GAIA_EBUSY);
	assert_int_equal(change(&h, 1, RAFT_CONF_PROMOTE, 4, &idx), GAIA_EBUSY);
	assert_int_equal(raft_last_index(l), 3);
	assert_int_equal(raft_conf(l)->n, 4);
	h_heal_all(&h);
	h_run(&h, 1);
	assert_int_equal(raft_commit_index(l), 3);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 5, &idx), GAIA_OK);
	assert_int_equal(idx, 4);
	h_stabilize(&h);

	/* refusals */
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 2, &idx), GAIA_EEXIST);
	assert_int_equal(change(&h, 1, RAFT_CONF_PROMOTE, 2, &idx), GAIA_EEXIST);
	assert_int_equal(change(&h, 1, RAFT_CONF_PROMOTE, 9, &idx), GAIA_ENOTFOUND);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 9, &idx), GAIA_ENOTFOUND);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 0, &idx), GAIA_EINVAL);
	assert_int_equal(change(&h, 2, RAFT_CONF_ADD_LEARNER, 6, &idx),
			 GAIA_ENOTLEADER);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 5, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 5, &idx), GAIA_EREMOVED);
	assert_int_equal(raft_last_index(l), 5);
	assert_int_equal(raft_conf(l)->n, 4);
	assert_true(raft_conf_is_removed(raft_conf(l), 5));
	h_free(&h);
}

/* A removed id comes back only through an explicit re-add, once its data
 * was wiped: ADD_LEARNER of it is refused, READD of an id never removed
 * is refused, and after READD the wiped node catches up from scratch as a
 * learner, is no longer remembered as removed, and can be promoted. */
static void test_readd_removed_id(void **state)
{
	struct harness h;
	struct raft *l;
	uint64_t idx = 0;
	(void)state;
	h_init(&h, 4, 4, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "a");
	h_stabilize(&h);
	l = h_raft(&h, 1);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 4, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_true(raft_removed_for_good_id(l, 4));
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 4, &idx), GAIA_EREMOVED);
	assert_int_equal(change(&h, 1, RAFT_CONF_READD, 3, &idx), GAIA_ENOTFOUND);
	assert_int_equal(change(&h, 1, RAFT_CONF_READD, 9, &idx), GAIA_ENOTFOUND);

	h_wipe(&h, 4);
	h_propose(&h, 1, "b");
	assert_int_equal(change(&h, 1, RAFT_CONF_READD, 4, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_false(raft_conf_is_removed(raft_conf(l), 4));
	assert_false(raft_removed_for_good_id(l, 4));
	assert_int_equal(raft_conf_get(raft_conf(l), 4)->role, RAFT_LEARNER);
	assert_int_equal(raft_commit_index(h_raft(&h, 4)), raft_commit_index(l));
	assert_string_equal(h_log_str(&h, 4), h_log_str(&h, 1));
	assert_string_equal(h_sm(&h, 4), "ab");
	assert_int_equal(raft_conf_get(raft_conf(h_raft(&h, 4)), 4)->role, RAFT_LEARNER);

	assert_int_equal(change(&h, 1, RAFT_CONF_PROMOTE, 4, &idx), GAIA_OK);
	h_stabilize(&h);
	for (raft_id i = 1; i <= 4; i++)
		assert_true(raft_conf_is_voter(raft_conf(h_raft(&h, i)), 4));
	h_propose(&h, 1, "c");
	h_stabilize(&h);
	assert_string_equal(h_sm(&h, 4), "abc");
	h_free(&h);
}

/* A member that missed the re-add (its configuration still says removed)
 * follows the re-added node once that one leads: a leader of a term not
 * passed is heard (the simulator found it stuck otherwise). */
static void test_readded_leader_heard_by_stale_member(void **state)
{
	struct harness h;
	uint64_t idx = 0;
	(void)state;
	h_init(&h, 4, 4, 0, NULL);
	h_elect(&h, 1);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 4, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_true(raft_removed_for_good_id(h_raft(&h, 3), 4));
	h_isolate(&h, 3);
	h_wipe(&h, 4);
	assert_int_equal(change(&h, 1, RAFT_CONF_READD, 4, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(change(&h, 1, RAFT_CONF_PROMOTE, 4, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(raft_transfer_leadership(h_raft(&h, 1), 4), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(h_leader(&h), 4);
	h_propose(&h, 4, "x");
	h_stabilize(&h);
	assert_true(raft_removed_for_good_id(h_raft(&h, 3), 4)); /* still stale */
	h_heal_all(&h);
	h_run(&h, 20);
	h_stabilize(&h);
	assert_int_equal(h_leader(&h), 4);
	assert_false(raft_removed_for_good_id(h_raft(&h, 3), 4));
	assert_string_equal(h_log_str(&h, 3), h_log_str(&h, 4));
	assert_string_equal(h_sm(&h, 3), "x");
	h_free(&h);
}

/* A configuration takes effect when appended, before it commits, on the
 * leader and on followers; a follower that loses the uncommitted entry to
 * a new leader goes back to the previous configuration. */
static void test_conf_effective_when_appended(void **state)
{
	struct harness h;
	uint64_t idx = 0;
	(void)state;
	h_init(&h, 6, 5, 0, NULL);
	h_elect(&h, 1);
	assert_int_equal(change(&h, 1, RAFT_CONF_ADD_LEARNER, 6, &idx), GAIA_OK);
	assert_int_equal(idx, 3);
	assert_non_null(raft_conf_get(raft_conf(h_raft(&h, 1)), 6));
	assert_int_equal(raft_conf_index(h_raft(&h, 1)), 3);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 2);
	assert_int_equal(progress(&h, 1, 6).state, RAFT_PROGRESS_PROBE);

	/* only node 2 gets it */
	h_process(&h, 1);
	assert_int_equal(h_deliver_match(&h, RAFT_MSG_APPEND, 1, 2), 1);
	h_drop(&h, 0, 0, 0);
	assert_non_null(raft_conf_get(raft_conf(h_raft(&h, 2)), 6));
	assert_int_equal(raft_conf_index(h_raft(&h, 2)), 3);
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 2);
	assert_null(raft_conf_get(raft_conf(h_raft(&h, 3)), 6));

	/* node 3 takes over with 4 and 5; node 2's entry 3 is replaced */
	h_crash(&h, 1);
	for (raft_id i = 2; i <= 5; i++)
		h_tick(&h, i, 10);
	h_elect(&h, 3);
	assert_int_equal(raft_term(h_raft(&h, 3)), 3);
	assert_string_equal(h_log_str(&h, 2), "1:1,2:2,3:3");
	assert_null(raft_conf_get(raft_conf(h_raft(&h, 2)), 6));
	assert_int_equal(raft_conf_index(h_raft(&h, 2)), 1);
	assert_int_equal(raft_conf(h_raft(&h, 2))->n, 5);
	h_free(&h);
}

/* A leader that removes itself keeps leading (without counting itself)
 * until the change commits, then hands over with TimeoutNow and steps
 * down; the others go on without it and no longer hear it. */
static void test_leader_removes_itself(void **state)
{
	struct harness h;
	struct raft *l;
	uint64_t idx = 0;
	raft_id next;
	struct raft_message m;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 1, &idx), GAIA_OK);
	assert_int_equal(idx, 3);
	assert_null(raft_conf_get(raft_conf(l), 1));
	assert_true(raft_conf_is_removed(raft_conf(l), 1));
	assert_int_equal(raft_role(l), RAFT_LEADER);
	assert_int_equal(raft_progress(l, 1, &(struct raft_progress_info){0}),
			 GAIA_ENOTFOUND);

	h_process(&h, 1);
	assert_int_equal(h_deliver(&h), 2); /* appends reach 2 and 3 */
	assert_true(h_deliver_first(&h, RAFT_MSG_APPEND_RESP, 2, 1));
	assert_int_equal(raft_role(l), RAFT_LEADER);
	assert_int_equal(raft_commit_index(l), 2);
	assert_true(h_deliver_first(&h, RAFT_MSG_APPEND_RESP, 3, 1));
	assert_int_equal(raft_commit_index(l), 3);
	assert_int_equal(raft_role(l), RAFT_FOLLOWER);
	assert_int_equal(raft_leader(l), 0);
	assert_int_equal(raft_term(l), 2);
	assert_int_equal(h_queued(&h, RAFT_MSG_TIMEOUT_NOW, 1, 0), 1);
	next = h_find_queued(&h, RAFT_MSG_TIMEOUT_NOW, 1, 0)->to;
	assert_true(next == 2 || next == 3);

	h_stabilize(&h);
	assert_int_equal(h_leader(&h), next);
	assert_int_equal(raft_term(h_raft(&h, next)), 3);
	assert_int_equal(raft_conf_voters(raft_conf(h_raft(&h, next))), 2);
	assert_int_equal(raft_progress(h_raft(&h, next), 1,
				       &(struct raft_progress_info){0}),
			 GAIA_ENOTFOUND);
	assert_int_equal(h_propose(&h, next, "on"), 5);
	h_trace_clear(&h);
	h_run(&h, 30);
	assert_int_equal(h_count(&h, 0, 0, 1, -1), 0); /* nothing goes to 1 */
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 5);
	assert_int_equal(raft_commit_index(h_raft(&h, 3)), 5);
	/* node 1 is no voter: it never campaigns; if it spoke, nobody
	 * would listen */
	assert_int_equal(raft_role(l), RAFT_FOLLOWER);
	assert_int_equal(raft_campaign(l), GAIA_EINVAL);
	m = h_msg(RAFT_MSG_APPEND, 1, next, 2); /* its old term */
	h_step(&h, next, &m);
	assert_int_equal(raft_term(h_raft(&h, next)), 3);
	assert_int_equal(raft_role(h_raft(&h, next)), RAFT_LEADER);
	assert_int_equal(h.nq, 0);
	h_free(&h);
}

/* A leader appends its own removal and loses its quorum before the change
 * commits (CheckQuorum deposes it). Its log is the most up to date, so the
 * remaining voter cannot win without it: the node whose removal is still
 * uncommitted must stay able to campaign, win (counting the new
 * configuration's voters only), commit its removal and hand over. */
static void test_uncommitted_self_removal_stays_live(void **state)
{
	struct harness h;
	struct raft *n1, *n2;
	uint64_t idx;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	n1 = h_raft(&h, 1);
	n2 = h_raft(&h, 2);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 3, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(n2), 3);
	h_crash(&h, 3);

	h_cut(&h, 1, 2);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 1, &idx), GAIA_OK);
	assert_int_equal(idx, 4);
	h_run(&h, 20);
	assert_int_equal(raft_role(n1), RAFT_FOLLOWER);
	assert_int_equal(raft_commit_index(n1), 3);
	assert_int_equal(raft_conf_voters(raft_conf(n1)), 1);
	assert_false(raft_conf_is_voter(raft_conf(n1), 1));
	assert_int_equal(raft_last_index(n2), 3); /* node 2 never got entry 4 */

	h_heal_all(&h);
	h_run(&h, 100);
	assert_int_equal(h_leader(&h), 2);
	assert_int_equal(raft_commit_index(n2), raft_last_index(n2));
	assert_true(raft_commit_index(n2) >= 4);
	assert_int_equal(raft_term_at(n2, 4), 2);
	assert_int_equal(raft_conf_voters(raft_conf(n2)), 1);
	assert_true(raft_conf_is_removed(raft_conf(n2), 1));
	assert_int_equal(raft_role(n1), RAFT_FOLLOWER);
	idx = h_propose(&h, 2, "alone");
	assert_int_equal(idx, raft_last_index(n2));
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(n2), raft_last_index(n2));
	h_free(&h);
}

/* Messages from a removed node are dropped, whatever their term (its
 * campaigns disturb nobody); so are messages of another cluster and
 * messages addressed to another node. */
static void test_dropped_messages(void **state)
{
	struct harness h;
	struct raft_message m;
	uint64_t idx;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_isolate(&h, 3);
	assert_int_equal(change(&h, 1, RAFT_CONF_REMOVE, 3, &idx), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 3);
	assert_true(raft_conf_is_removed(raft_conf(h_raft(&h, 2)), 3));

	/* node 3 never learned it; it campaigns on and on */
	h_run(&h, 40);
	assert_true(h.n_dropped > 0);
	h_heal_all(&h);
	h_trace_clear(&h);
	h_run(&h, 40);
	assert_true(h_count(&h, RAFT_MSG_PREVOTE, 3, 0, -1) > 0);
	assert_int_equal(h_count(&h, 0, 1, 3, -1), 0);
	assert_int_equal(h_count(&h, 0, 2, 3, -1), 0);
	assert_int_equal(raft_term(h_raft(&h, 1)), 2);
	assert_int_equal(raft_term(h_raft(&h, 2)), 2);
	assert_int_equal(h_leader(&h), 1);

	/* even a transfer vote at a higher term, or an append of a term
	 * passed (only the leader of a term not passed is heard: it can only
	 * have been elected after being added back) */
	m = h_msg(RAFT_MSG_VOTE, 3, 2, 50);
	m.transfer = true;
	m.last_index = 100;
	m.last_term = 50;
	h_step(&h, 2, &m);
	m = h_msg(RAFT_MSG_APPEND, 3, 1, 1);
	h_step(&h, 1, &m);
	m = h_msg(RAFT_MSG_HEARTBEAT, 3, 2, 1);
	h_step(&h, 2, &m);
	assert_int_equal(h.nq, 0);
	assert_int_equal(raft_term(h_raft(&h, 1)), 2);
	assert_int_equal(raft_term(h_raft(&h, 2)), 2);
	assert_int_equal(raft_vote(h_raft(&h, 2)), 1);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);

	/* another cluster's messages, and messages for someone else */
	m = h_msg(RAFT_MSG_HEARTBEAT, 2, 1, 9);
	m.cluster_id = H_CLUSTER_ID + 1;
	h_step(&h, 1, &m);
	m = h_msg(RAFT_MSG_VOTE, 2, 1, 9);
	m.cluster_id = 0;
	m.transfer = true;
	m.last_index = 100;
	m.last_term = 9;
	h_step(&h, 1, &m);
	m = h_msg(RAFT_MSG_APPEND_RESP, 2, 3, 9);
	h_step(&h, 1, &m);
	m = h_msg(RAFT_MSG_TIMEOUT_NOW, 1, 2, 2);
	m.cluster_id = H_CLUSTER_ID + 1;
	h_step(&h, 2, &m);
	assert_int_equal(h.nq, 0);
	assert_false(raft_has_ready(h_raft(&h, 1)));
	assert_false(raft_has_ready(h_raft(&h, 2)));
	assert_int_equal(raft_term(h_raft(&h, 1)), 2);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);
	assert_int_equal(raft_role(h_raft(&h, 2)), RAFT_FOLLOWER);
	/* an unknown type is an error, not a crash */
	m = h_msg(RAFT_MSG_TYPE_COUNT, 2, 1, 2);
	assert_int_equal(raft_step(h_raft(&h, 1), &m), GAIA_EINVAL);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_learner_catches_up),
		cmocka_unit_test(test_learner_no_vote_no_commit),
		cmocka_unit_test(test_promote_learner),
		cmocka_unit_test(test_one_change_at_a_time),
		cmocka_unit_test(test_readd_removed_id),
		cmocka_unit_test(test_readded_leader_heard_by_stale_member),
		cmocka_unit_test(test_conf_effective_when_appended),
		cmocka_unit_test(test_leader_removes_itself),
		cmocka_unit_test(test_uncommitted_self_removal_stays_live),
		cmocka_unit_test(test_dropped_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
