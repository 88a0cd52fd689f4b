/* The core against what a review found: a new leader's messages before
 * its term is durable, snapshot transfers spliced from two files, invalid
 * peer messages, votes of a wiped node, stale rejects, terms near 2^64.
 * Each test failed on the core before its fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "raft_harness.h"

/* What a node holds, to check that an invalid message changed nothing. */
struct snap_state {
	uint64_t term, vote, commit, last, last_term, applied;
	raft_id leader;
	int role;
	char log[512];
};

static void take(struct harness *h, raft_id id, struct snap_state *s)
{
	struct raft *r = h_raft(h, id);
	memset(s, 0, sizeof *s);
	s->term = raft_term(r);
	s->vote = raft_vote(r);
	s->commit = raft_commit_index(r);
	s->last = raft_last_index(r);
	s->last_term = raft_last_term(r);
	s->applied = raft_applied_index(r);
	s->leader = raft_leader(r);
	s->role = raft_role(r);
	snprintf(s->log, sizeof s->log, "%s", h_log_str(h, id));
}

static void assert_same(const struct snap_state *a, const struct snap_state *b)
{
	assert_int_equal(a->term, b->term);
	assert_int_equal(a->vote, b->vote);
	assert_int_equal(a->commit, b->commit);
	assert_int_equal(a->last, b->last);
	assert_int_equal(a->last_term, b->last_term);
	assert_int_equal(a->applied, b->applied);
	assert_int_equal(a->role, b->role);
	assert_string_equal(a->log, b->log);
}

/* --- 1. no message of a term before the term is durable ---------------- */

/* One voter and one learner. The voter elects itself and proposes E1 in
 * one go; its Ready is taken (messages sent) and the node crashes before
 * writing it. Restarted at the old term it wins the same term again and
 * proposes E2 at the same index. The APPEND of E1 held in the network
 * reaches the learner late: the learner must end with the leader's
 * state, never E1. */
static void test_leader_messages_wait_for_durable_term(void **state)
{
	struct harness h;
	struct raft_ready rd;
	uint64_t t0;
	(void)state;

	h_init(&h, 2, 1, 1, NULL);
	h_elect(&h, 1);
	h_propose_n(&h, 1, 2, "x");
	t0 = raft_term(h_raft(&h, 1));

	/* a new term: elected and E1 proposed before the Ready is taken */
	h_crash(&h, 1);
	h_restart(&h, 1);
	assert_int_equal(raft_campaign(h_raft(&h, 1)), GAIA_OK);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);
	assert_int_equal(raft_term(h_raft(&h, 1)), t0 + 1);
	{
		struct raft_buf *b = raft_buf_new("E1;", 3);
		assert_int_equal(raft_propose(h_raft(&h, 1), b, NULL, NULL), GAIA_OK);
		raft_buf_unref(b);
	}
	h_ready_begin(&h, 1, &rd); /* rd.msgs go out now */
	assert_true(rd.has_hard_state);
	/* the crash: nothing of this Ready was written */
	raft_advance(h_raft(&h, 1), &rd);
	h_crash(&h, 1);
	h_restart(&h, 1);
	assert_int_equal(raft_term(h_raft(&h, 1)), t0);

	/* the same term again, another entry at the same index */
	assert_int_equal(raft_campaign(h_raft(&h, 1)), GAIA_OK);
	assert_int_equal(raft_term(h_raft(&h, 1)), t0 + 1);
	{
		struct raft_buf *b = raft_buf_new("E2;", 3);
		assert_int_equal(raft_propose(h_raft(&h, 1), b, NULL, NULL), GAIA_OK);
		raft_buf_unref(b);
	}
	/* anything held from the crashed Ready is delivered first */
	h_stabilize(&h);
	h_run(&h, 3);
	assert_string_equal(h_sm(&h, 2), h_sm(&h, 1));
	assert_non_null(strstr(h_sm(&h, 1), "E2;"));
	assert_null(strstr(h_sm(&h, 2), "E1;"));
	h_free(&h);
}

/* --- 2. a snapshot transfer is one file -------------------------------- */

/* Run until the leader's first snapshot chunk to node 3 is queued. */
static bool await_snapshot_chunk(struct harness *h)
{
	for (int i = 0; i < 20; i++) {
		h_tick(h, 1, 1);
		for (;;) {
			if (h_find_queued(h, RAFT_MSG_SNAPSHOT, 1, 3) != NULL)
				return true;
			if (h_deliver(h) == 0)
				break;
		}
	}
	return false;
}

/* Node 3 falls behind a compaction; the leader sends its snapshot in
 * small chunks. After one chunk the leader takes a snapshot again at the
 * same index, with other bytes and another size (another file): what
 * node 3 installs must be one whole file. */
static void splice_case(size_t second_len)
{
	struct harness h;
	struct raft_options o;
	const struct h_node *n1, *n3;
	char other[256];
	(void)second_len;

	h_default_options(&o);
	o.snapshot_chunk_bytes = 8;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	h_isolate(&h, 3);
	h_propose_n(&h, 1, 6, "entry");
	h_snapshot(&h, 1, 0);
	h_heal_all(&h);

	/* the leader finds node 3 behind the snapshot: the first chunk */
	assert_true(await_snapshot_chunk(&h));
	assert_true(h_deliver_first(&h, RAFT_MSG_SNAPSHOT, 1, 3));
	h_process(&h, 3);

	/* the same index again, other bytes, other size */
	n1 = h_node(&h, 1);
	assert_true(second_len <= sizeof other);
	for (size_t i = 0; i < second_len; i++)
		other[i] = (char)('A' + i % 26);
	h_snapshot_bytes(&h, 1, other, second_len, 0);

	h_run(&h, 30);
	n3 = h_node(&h, 3);
	assert_true(n3->n_installs >= 1);
	assert_int_equal(n3->snap.index, n1->snap.index);
	assert_int_equal(n3->snap_len, n1->snap_len);
	assert_memory_equal(n3->snap_data, n1->snap_data, n1->snap_len);
	h_free(&h);
}

static void test_snapshot_transfer_longer_file(void **state)
{
	(void)state;
	splice_case(200);
}

static void test_snapshot_transfer_shorter_file(void **state)
{
	/* shorter than the offset reached: no underflow, no stall */
	(void)state;
	splice_case(5);
}

/* A SNAPSHOT_RESP claiming an offset past the file is dropped: the
 * transfer goes on and completes. */
static void test_snapshot_resp_offset_beyond_size(void **state)
{
	struct harness h;
	struct raft_options o;
	struct raft_message m;
	struct raft_progress_info pi;
	(void)state;

	h_default_options(&o);
	o.snapshot_chunk_bytes = 8;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	h_isolate(&h, 3);
	h_propose_n(&h, 1, 6, "entry");
	h_snapshot(&h, 1, 0);
	h_heal_all(&h);
	assert_true(await_snapshot_chunk(&h));
	assert_int_equal(raft_progress(h_raft(&h, 1), 3, &pi), GAIA_OK);
	assert_int_equal(pi.state, RAFT_PROGRESS_SNAPSHOT);

	m = h_msg(RAFT_MSG_SNAPSHOT_RESP, 3, 1, raft_term(h_raft(&h, 1)));
	m.snap = h_node(&h, 1)->snap;
	m.offset = m.snap.size + 1000;
	h_step(&h, 1, &m);
	assert_int_equal(raft_invalid_messages(h_raft(&h, 1), RAFT_MSG_SNAPSHOT_RESP), 1);

	h_run(&h, 40);
	assert_int_equal(raft_progress(h_raft(&h, 1), 3, &pi), GAIA_OK);
	assert_int_equal(pi.match_index, raft_last_index(h_raft(&h, 1)));
	assert_string_equal(h_sm(&h, 3), h_sm(&h, 1));
	h_free(&h);
}

/* --- 3. invalid messages change nothing -------------------------------- */

/* A 3-voter cluster with node 1 leading and 10 entries committed; node 2
 * receives the message from node 1 (an admitted peer gone wrong). */
static void setup3(struct harness *h)
{
	h_init(h, 3, 3, 0, NULL);
	h_elect(h, 1);
	h_propose_n(h, 1, 10, "v");
	assert_true(raft_commit_index(h_raft(h, 2)) >= 10);
}

static void step_invalid(struct harness *h, raft_id to, struct raft_message *m)
{
	struct snap_state before, after;
	uint64_t n0 = raft_invalid_messages(h_raft(h, to), m->type);
	struct raft_invalid_info info;
	take(h, to, &before);
	h_step(h, to, m);
	take(h, to, &after);
	assert_same(&before, &after);
	assert_int_equal(raft_invalid_messages(h_raft(h, to), m->type), n0 + 1);
	raft_last_invalid(h_raft(h, to), &info);
	assert_int_equal(info.from, m->from);
	assert_int_equal(info.type, m->type);
	assert_non_null(info.reason);
}

/* An APPEND from node 1 to node 2 in term: prev_index (its term as node 2
 * has it), then n no-op entries from first on, of entry_term; it must be
 * dropped as invalid and change nothing. */
static void invalid_append(struct harness *h, uint64_t term, uint64_t prev_index,
			   uint64_t first, uint32_t n, uint64_t entry_term)
{
	struct raft_message m = h_msg(RAFT_MSG_APPEND, 1, 2, term);
	struct raft_entry e[4];
	assert_true(n <= 4);
	m.prev_index = prev_index;
	m.prev_term = raft_term_at(h_raft(h, 2), prev_index);
	for (uint32_t i = 0; i < n; i++)
		e[i] = (struct raft_entry){first + i, entry_term, RAFT_ENTRY_NOOP, NULL};
	m.entries = e;
	m.n_entries = n;
	step_invalid(h, 2, &m);
}

/* prev = the commit point, but the entries claim to start below it, with
 * a newer term: the old core truncated committed entries (an assert, or
 * with NDEBUG a log overwritten below the commit) */
static void test_append_entries_not_consecutive(void **state)
{
	struct harness h;
	uint64_t c, t;
	(void)state;
	setup3(&h);
	c = raft_commit_index(h_raft(&h, 2));
	t = raft_term(h_raft(&h, 2));
	invalid_append(&h, t + 1, c, c - 3, 2, t + 1);
	h_free(&h);
}

static void test_append_entry_term_above_message(void **state)
{
	struct harness h;
	uint64_t last, t;
	(void)state;
	setup3(&h);
	last = raft_last_index(h_raft(&h, 2));
	t = raft_term(h_raft(&h, 2));
	invalid_append(&h, t, last, last + 1, 1, t + 5);
	h_free(&h);
}

/* a newer term's leader claiming other entries where ours are committed
 * (prev below the commit point) */
static void test_append_contradicts_commit(void **state)
{
	struct harness h;
	uint64_t c, t;
	(void)state;
	setup3(&h);
	c = raft_commit_index(h_raft(&h, 2));
	t = raft_term(h_raft(&h, 2));
	invalid_append(&h, t + 1, c - 2, c - 1, 2, t + 1);
	h_free(&h);
}

static void test_append_resp_beyond_last(void **state)
{
	struct harness h;
	struct raft_message m;
	struct raft_progress_info pi;
	uint64_t last;
	(void)state;
	setup3(&h);
	last = raft_last_index(h_raft(&h, 1));
	m = h_msg(RAFT_MSG_APPEND_RESP, 2, 1, raft_term(h_raft(&h, 1)));
	m.index = last + 100;
	step_invalid(&h, 1, &m);
	assert_int_equal(raft_progress(h_raft(&h, 1), 2, &pi), GAIA_OK);
	assert_int_equal(pi.match_index, last);
	h_free(&h);
}

static void test_snapshot_chunk_beyond_size(void **state)
{
	struct harness h;
	struct raft_message m;
	(void)state;
	setup3(&h);
	m = h_msg(RAFT_MSG_SNAPSHOT, 1, 2, raft_term(h_raft(&h, 2)));
	m.snap.index = raft_last_index(h_raft(&h, 2)) + 5;
	m.snap.term = raft_term(h_raft(&h, 2));
	m.snap.size = 4;
	m.offset = 2;
	m.chunk = raft_buf_new("abcd", 4);
	step_invalid(&h, 2, &m);
	raft_buf_unref(m.chunk);
	h_free(&h);
}

/* --- 4. a wiped node votes only once it has a configuration ------------ */

/* Five voters; node 5 is removed, added back (READD) and wiped. A vote
 * request sent to its earlier incarnation and held in the network
 * arrives now: granting it could make two leaders in one term (its
 * earlier incarnation may have voted in that term already). */
static void test_wiped_node_does_not_vote(void **state)
{
	struct harness h;
	struct raft_message m;
	uint64_t idx;
	(void)state;
	h_init(&h, 5, 5, 0, NULL);
	h_elect(&h, 1);
	h_propose_n(&h, 1, 3, "a");
	assert_int_equal(raft_change_membership(h_raft(&h, 1), RAFT_CONF_REMOVE, 5, NULL, 0, &idx),
			 GAIA_OK);
	h_stabilize(&h);
	h_wipe(&h, 5);
	assert_int_equal(raft_change_membership(h_raft(&h, 1), RAFT_CONF_READD, 5, NULL, 0, &idx),
			 GAIA_OK);
	h_process(&h, 1);
	h_drop(&h, 0, 1, 5); /* the leader has not reached it yet */

	m = h_msg(RAFT_MSG_VOTE, 2, 5, raft_term(h_raft(&h, 1)) + 1);
	m.last_index = raft_last_index(h_raft(&h, 2));
	m.last_term = raft_last_term(h_raft(&h, 2));
	h_step(&h, 5, &m);
	assert_int_equal(raft_vote(h_raft(&h, 5)), 0);
	{
		const struct raft_message *resp = h_find_queued(&h, RAFT_MSG_VOTE_RESP, 5, 2);
		assert_true(resp == NULL || resp->reject);
	}
	h_free(&h);
}

/* --- 5. stale rejects do not knock a follower back --------------------- */

static void test_stale_reject_keeps_match(void **state)
{
	struct harness h;
	struct raft_message m;
	struct raft_progress_info pi;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	while (raft_last_index(h_raft(&h, 1)) < 20)
		h_propose(&h, 1, "p;");
	h_stabilize(&h);
	assert_int_equal(raft_progress(h_raft(&h, 1), 2, &pi), GAIA_OK);
	assert_int_equal(pi.match_index, 20);

	/* an old reject: the follower once lacked 15, its log ending at 10 */
	m = h_msg(RAFT_MSG_APPEND_RESP, 2, 1, raft_term(h_raft(&h, 1)));
	m.reject = true;
	m.index = 15;
	m.hint_index = 11;
	m.hint_term = 0;
	h_step(&h, 1, &m);
	assert_int_equal(raft_progress(h_raft(&h, 1), 2, &pi), GAIA_OK);
	assert_int_equal(pi.match_index, 20);
	assert_int_equal(pi.state, RAFT_PROGRESS_REPLICATE);

	/* an old heartbeat answer from when its log ended at 10 */
	m = h_msg(RAFT_MSG_HEARTBEAT_RESP, 2, 1, raft_term(h_raft(&h, 1)));
	m.index = 10;
	m.ctx = 0;
	h_step(&h, 1, &m);
	assert_int_equal(raft_progress(h_raft(&h, 1), 2, &pi), GAIA_OK);
	assert_int_equal(pi.match_index, 20);
	assert_int_equal(pi.state, RAFT_PROGRESS_REPLICATE);
	h_free(&h);
}

/* An acknowledgement waiting for a batch's write must not name entries a
 * newer leader cut from the log in the same batch: it would promise what
 * the disk never holds. */
static void test_no_ack_of_truncated_entries(void **state)
{
	struct harness h;
	struct raft_message m;
	struct raft_entry e[1];
	uint64_t last, t;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose_n(&h, 1, 3, "a");
	last = raft_last_index(h_raft(&h, 3));
	t = raft_term(h_raft(&h, 3));

	/* the leader of t sends last + 1 to node 3: acknowledged after the write */
	m = h_msg(RAFT_MSG_APPEND, 1, 3, t);
	m.prev_index = last;
	m.prev_term = raft_last_term(h_raft(&h, 3));
	m.commit = raft_commit_index(h_raft(&h, 3));
	e[0] = (struct raft_entry){last + 1, t, RAFT_ENTRY_NOOP, NULL};
	m.entries = e;
	m.n_entries = 1;
	assert_int_equal(raft_step(h_raft(&h, 3), &m), GAIA_OK);
	/* before that batch is taken, a leader of t + 1 replaces last + 1 */
	m = h_msg(RAFT_MSG_APPEND, 2, 3, t + 1);
	m.prev_index = last;
	m.prev_term = raft_last_term(h_raft(&h, 3)) == t ? raft_term_at(h_raft(&h, 3), last) : 0;
	m.commit = raft_commit_index(h_raft(&h, 3));
	e[0] = (struct raft_entry){last + 1, t + 1, RAFT_ENTRY_NOOP, NULL};
	m.entries = e;
	m.n_entries = 1;
	assert_int_equal(raft_step(h_raft(&h, 3), &m), GAIA_OK);
	assert_int_equal(raft_invalid_messages(h_raft(&h, 3), 0), 0);
	assert_int_equal(raft_last_index(h_raft(&h, 3)), last + 1);
	assert_int_equal(raft_term(h_raft(&h, 3)), t + 1);
	assert_int_equal(raft_term_at(h_raft(&h, 3), last + 1), t + 1);
	h_process(&h, 3);
	for (const struct raft_message *q = h_find_queued(&h, RAFT_MSG_APPEND_RESP, 3, 1); q;
	     q = NULL)
		assert_true(q->reject || q->index <= last);
	assert_int_equal(h_queued(&h, RAFT_MSG_APPEND_RESP, 3, 2), 1);
	h_free(&h);
}

/* --- 6. terms never wrap ------------------------------------------------ */

static void test_huge_term_heartbeat(void **state)
{
	struct harness h;
	struct raft_message m;
	raft_id l;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose_n(&h, 1, 3, "a");

	m = h_msg(RAFT_MSG_HEARTBEAT, 2, 3, UINT64_MAX);
	step_invalid(&h, 3, &m);
	m = h_msg(RAFT_MSG_HEARTBEAT, 2, 3, RAFT_TERM_MAX + 1);
	step_invalid(&h, 3, &m);

	/* the cluster still elects and commits */
	h_crash(&h, 1);
	h_run(&h, 60);
	l = h_leader(&h);
	assert_true(l == 2 || l == 3);
	h_propose(&h, l, "after;");
	h_stabilize(&h);
	h_restart(&h, 1);
	h_run(&h, 20);
	assert_string_equal(h_sm(&h, 2), h_sm(&h, 3));
	assert_non_null(strstr(h_sm(&h, 3), "after;"));
	assert_true(raft_term(h_raft(&h, 3)) < 100);
	h_free(&h);
}

/* A node at the maximum term does not campaign (and says so). */
static void test_term_max_stops_campaigns(void **state)
{
	struct harness h;
	struct raft_message m;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	m = h_msg(RAFT_MSG_HEARTBEAT, 1, 3, RAFT_TERM_MAX);
	h_step(&h, 3, &m);
	assert_int_equal(raft_term(h_raft(&h, 3)), RAFT_TERM_MAX);
	assert_true(raft_term_exhausted(h_raft(&h, 3)));
	assert_int_not_equal(raft_campaign(h_raft(&h, 3)), GAIA_OK);
	assert_int_equal(raft_term(h_raft(&h, 3)), RAFT_TERM_MAX);
	h_free(&h);
}

/* A vote request of a higher term from outside the configuration moves
 * nothing. */
static void test_non_member_cannot_move_term(void **state)
{
	struct harness h;
	struct raft_message m;
	(void)state;
	h_init(&h, 4, 3, 0, NULL); /* node 4 is not a member */
	h_elect(&h, 1);
	m = h_msg(RAFT_MSG_VOTE, 4, 2, raft_term(h_raft(&h, 2)) + 3);
	m.last_index = 1000;
	m.last_term = raft_term(h_raft(&h, 2)) + 2;
	step_invalid(&h, 2, &m);
	h_free(&h);
}

/* Only the leader may hand leadership over: a TIMEOUT_NOW from another
 * follower would let any admitted peer force elections. */
static void test_timeout_now_only_from_leader(void **state)
{
	struct harness h;
	struct raft_message m;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	m = h_msg(RAFT_MSG_TIMEOUT_NOW, 2, 3, raft_term(h_raft(&h, 3)));
	step_invalid(&h, 3, &m);
	assert_int_equal(h_leader(&h), 1);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leader_messages_wait_for_durable_term),
		cmocka_unit_test(test_snapshot_transfer_longer_file),
		cmocka_unit_test(test_snapshot_transfer_shorter_file),
		cmocka_unit_test(test_snapshot_resp_offset_beyond_size),
		cmocka_unit_test(test_append_entries_not_consecutive),
		cmocka_unit_test(test_append_entry_term_above_message),
		cmocka_unit_test(test_append_contradicts_commit),
		cmocka_unit_test(test_append_resp_beyond_last),
		cmocka_unit_test(test_snapshot_chunk_beyond_size),
		cmocka_unit_test(test_wiped_node_does_not_vote),
		cmocka_unit_test(test_stale_reject_keeps_match),
		cmocka_unit_test(test_no_ack_of_truncated_entries),
		cmocka_unit_test(test_huge_term_heartbeat),
		cmocka_unit_test(test_term_max_stops_campaigns),
		cmocka_unit_test(test_non_member_cannot_move_term),
		cmocka_unit_test(test_timeout_now_only_from_leader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
