/* Unit tests of the consensus core: the no-op entry of a new leader, the
 * commit rule (Figure 8 of the Raft paper), conflict repair with fast
 * backtracking, pipelining and batching with flow control, probe and
 * replicate states, and the persistence order of Ready batches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "raft_harness.h"
#include "raft/raft_impl.h" /* RAFT_ENTRY_OVERHEAD, if flow control counts one */

#ifndef RAFT_ENTRY_OVERHEAD
#define RAFT_ENTRY_OVERHEAD 0
#endif
/* What one 10-byte entry costs against max_msg_bytes and
 * max_inflight_bytes: its payload plus the per-entry header overhead. */
#define COST (10 + RAFT_ENTRY_OVERHEAD)

static struct raft_progress_info progress(struct harness *h, raft_id leader,
					  raft_id id)
{
	struct raft_progress_info pi;
	memset(&pi, 0, sizeof pi);
	assert_int_equal(raft_progress(h_raft(h, leader), id, &pi), GAIA_OK);
	return pi;
}

/* Campaign and deliver round by round until id leads; what the new
 * leader sends stays queued. */
static void campaign_until_leader(struct harness *h, raft_id id)
{
	assert_int_equal(raft_campaign(h_raft(h, id)), GAIA_OK);
	h_process(h, id);
	for (int i = 0; raft_role(h_raft(h, id)) != RAFT_LEADER; i++) {
		assert_true(i < 10);
		assert_true(h_deliver(h) > 0);
	}
}

/* A new leader appends one empty no-op entry of its term, replicates and
 * commits it; nothing else is appended. */
static void test_noop_on_election(void **state)
{
	struct harness h;
	const struct raft_entry *e;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	campaign_until_leader(&h, 1);
	assert_int_equal(raft_last_index(h_raft(&h, 1)), 2);
	e = raft_entry_at(h_raft(&h, 1), 2);
	assert_non_null(e);
	assert_int_equal(e->type, RAFT_ENTRY_NOOP);
	assert_int_equal(e->term, 2);
	assert_null(e->buf);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 0);
	h_stabilize(&h);
	for (raft_id i = 1; i <= 3; i++) {
		assert_int_equal(raft_commit_index(h_raft(&h, i)), 2);
		assert_int_equal(raft_applied_index(h_raft(&h, i)), 2);
		assert_string_equal(h_log_str(&h, i), "1:1,2:2");
	}
	/* the next leader adds its own */
	h_crash(&h, 1);
	h_tick(&h, 2, 10); /* out of the lease */
	h_tick(&h, 3, 10);
	h_elect(&h, 2);
	assert_int_equal(raft_term(h_raft(&h, 2)), 3);
	assert_int_equal(raft_last_index(h_raft(&h, 2)), 3);
	assert_int_equal(raft_entry_at(h_raft(&h, 2), 3)->type, RAFT_ENTRY_NOOP);
	assert_int_equal(raft_commit_index(h_raft(&h, 3)), 3);
	assert_string_equal(h_log_str(&h, 3), "1:1,2:2,3:3");
	h_free(&h);
}

/* Figure 8 of the Raft paper. S1 (log 1@1 2@2) leads term 4 with S2's
 * vote; S3 (log 1@1 2@3) is cut off. With one entry per message, S1
 * brings S2 to 2@2: a majority (S1, S2) now holds 2@2, yet it is not
 * committed, because it is not of the current term. Returns S1's commit
 * index at that moment. Then (unless mutated) S1 crashes, S3 wins term 5
 * with S2's vote and overwrites 2@2 on S2: committing it would have lost
 * it. */
static uint64_t figure8(uint32_t mutations)
{
	static const uint64_t t1[] = {1, 2}, t2[] = {1}, t3[] = {1, 3};
	struct harness h;
	struct raft_options o;
	uint64_t commit;

	h_default_options(&o);
	o.max_msg_bytes = 1; /* one entry per AppendEntries */
	o.mutations = mutations;
	h_init(&h, 3, 0, 0, &o);
	h_preload(&h, 1, 3, 1, 3, t1, 2);
	h_preload(&h, 2, 3, 1, 3, t2, 1);
	h_preload(&h, 3, 3, 1, 3, t3, 2);
	h_process_all(&h);

	h_cut(&h, 1, 3);
	campaign_until_leader(&h, 1);
	assert_int_equal(raft_term(h_raft(&h, 1)), 4);
	assert_int_equal(raft_last_index(h_raft(&h, 1)), 3);
	assert_int_equal(raft_term_at(h_raft(&h, 1), 3), 4);
	while (progress(&h, 1, 2).match_index < 2)
		assert_true(h_deliver(&h) > 0);
	assert_int_equal(progress(&h, 1, 2).match_index, 2);
	assert_int_equal(progress(&h, 1, 1).match_index, 3);
	assert_int_equal(raft_last_index(h_raft(&h, 2)), 2);
	assert_int_equal(raft_term_at(h_raft(&h, 2), 2), 2);
	commit = raft_commit_index(h_raft(&h, 1));
	if (mutations != 0) {
		h_free(&h);
		return commit;
	}

	h_crash(&h, 1);
	h_drop(&h, 0, 1, 0); /* S1's entry 3 never arrives */
	h_tick(&h, 2, 10);   /* S2's lease on S1 ends */
	assert_int_equal(raft_campaign(h_raft(&h, 3)), GAIA_OK);
	h_stabilize(&h);
	/* S2 voted in term 4 already: S3 learns the term */
	assert_int_equal(raft_role(h_raft(&h, 3)), RAFT_FOLLOWER);
	assert_int_equal(raft_term(h_raft(&h, 3)), 4);
	assert_int_equal(raft_campaign(h_raft(&h, 3)), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(raft_role(h_raft(&h, 3)), RAFT_LEADER);
	assert_int_equal(raft_term(h_raft(&h, 3)), 5);
	assert_int_equal(raft_vote(h_raft(&h, 2)), 3);
	assert_string_equal(h_log_str(&h, 2), "1:1,2:3,3:5");
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 3);
	assert_int_equal(raft_commit_index(h_raft(&h, 3)), 3);
	h_free(&h);
	return commit;
}

static void test_figure8_commit_current_term_only(void **state)
{
	(void)state;
	assert_int_equal(figure8(0), 1);
	/* the test-only mutation that counts old terms commits it */
	assert_int_equal(figure8(RAFT_MUT_COMMIT_OLD_TERM), 2);
}

/* Once an entry of the current term reaches a majority, it commits and
 * everything before it with it. */
static void test_old_entries_commit_with_current(void **state)
{
	static const uint64_t t1[] = {1, 2}, t2[] = {1};
	struct harness h;
	struct raft_options o;
	(void)state;
	h_default_options(&o);
	o.max_msg_bytes = 1;
	h_init(&h, 3, 0, 0, &o);
	h_preload(&h, 1, 3, 1, 3, t1, 2);
	h_preload(&h, 2, 3, 1, 3, t2, 1);
	h_preload(&h, 3, 3, 1, 3, t2, 1);
	h_process_all(&h);
	h_cut(&h, 1, 3);
	campaign_until_leader(&h, 1);
	while (progress(&h, 1, 2).match_index < 2)
		assert_true(h_deliver(&h) > 0);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 1);
	h_deliver(&h); /* entry 3 (the no-op of term 4) reaches S2 */
	h_deliver(&h); /* its ack reaches S1 */
	assert_int_equal(progress(&h, 1, 2).match_index, 3);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);
	h_stabilize(&h);
	assert_int_equal(raft_applied_index(h_raft(&h, 1)), 3);
	assert_string_equal(h_sm(&h, 1), "2@2");
	assert_string_equal(h_sm(&h, 2), "2@2");
	h_free(&h);
}

/* A follower with a long divergent tail spanning several terms is
 * repaired with one rejection per divergent term (plus one because its
 * log is shorter), not one per entry: the hints name the follower's term
 * at the probed index and where that term starts. */
static void test_fast_backtracking(void **state)
{
	uint64_t lead[45], div[40];
	struct harness h;
	size_t nrej = 0;
	static const uint64_t want[][3] = {
		/* index (rejected prev), hint_index, hint_term */
		{45, 41, 0}, {40, 31, 6}, {30, 21, 4}, {20, 11, 3},
	};
	(void)state;
	/* leader and node 3: 1@1, 2..10@2, 11..45@7; node 2: 1@1, 2..10@2,
	 * 11..20@3, 21..30@4, 31..40@6 */
	for (int i = 0; i < 45; i++)
		lead[i] = i == 0 ? 1 : i < 10 ? 2 : 7;
	for (int i = 0; i < 40; i++)
		div[i] = i == 0 ? 1 : i < 10 ? 2 : i < 20 ? 3 : i < 30 ? 4 : 6;
	h_init(&h, 3, 0, 0, NULL);
	h_preload(&h, 1, 7, 1, 3, lead, 45);
	h_preload(&h, 2, 7, 1, 3, div, 40);
	h_preload(&h, 3, 7, 1, 3, lead, 45);
	h_process_all(&h);
	h_trace_clear(&h);
	h_elect(&h, 1);
	assert_int_equal(raft_term(h_raft(&h, 1)), 8);

	for (size_t i = 0; i < h.ntrace; i++) {
		const struct h_rec *t = &h.trace[i];
		if (t->type != RAFT_MSG_APPEND_RESP || t->from != 2 || !t->reject)
			continue;
		assert_true(nrej < 4);
		assert_int_equal(t->index, want[nrej][0]);
		assert_int_equal(t->hint_index, want[nrej][1]);
		assert_int_equal(t->hint_term, want[nrej][2]);
		nrej++;
	}
	assert_int_equal(nrej, 4);
	assert_int_equal(h_count(&h, RAFT_MSG_APPEND_RESP, 3, 1, 1), 0);
	/* repaired: the same log everywhere, everything committed */
	assert_string_equal(h_log_str(&h, 2), h_log_str(&h, 1));
	assert_int_equal(raft_last_index(h_raft(&h, 2)), 46);
	assert_int_equal(raft_term_at(h_raft(&h, 2), 11), 7);
	assert_int_equal(raft_term_at(h_raft(&h, 2), 46), 8);
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 46);
	assert_int_equal(progress(&h, 1, 2).match_index, 46);
	h_free(&h);
}

/* When the leader has entries of the follower's conflicting term, it
 * resumes right after its own last entry of that term. */
static void test_backtracking_leader_has_term(void **state)
{
	uint64_t lead[20], div[30];
	struct harness h;
	(void)state;
	/* leader: 1@1 2..10@2 11..15@3 16..20@5; node 2: 1@1 2..10@2
	 * 11..30@3 */
	for (int i = 0; i < 20; i++)
		lead[i] = i == 0 ? 1 : i < 10 ? 2 : i < 15 ? 3 : 5;
	for (int i = 0; i < 30; i++)
		div[i] = i == 0 ? 1 : i < 10 ? 2 : 3;
	h_init(&h, 3, 0, 0, NULL);
	h_preload(&h, 1, 5, 1, 3, lead, 20);
	h_preload(&h, 2, 5, 1, 3, div, 30);
	h_preload(&h, 3, 5, 1, 3, lead, 20);
	h_process_all(&h);
	h_trace_clear(&h);
	h_elect(&h, 1);
	assert_int_equal(h_count(&h, RAFT_MSG_APPEND_RESP, 2, 1, 1), 1);
	for (size_t i = 0, seen = 0; i < h.ntrace; i++) {
		const struct h_rec *t = &h.trace[i];
		if (t->type != RAFT_MSG_APPEND || t->to != 2 || t->n_entries == 0)
			continue;
		/* the probe at the end, then straight after 15@3 */
		assert_int_equal(t->prev_index, seen == 0 ? 20 : 15);
		if (++seen == 2)
			assert_int_equal(t->prev_term, 3);
	}
	assert_string_equal(h_log_str(&h, 2), h_log_str(&h, 1));
	assert_int_equal(raft_last_index(h_raft(&h, 2)), 21);
	h_free(&h);
}

static struct raft_options flow_options(uint32_t msgs, uint64_t bytes,
					uint64_t msg_bytes)
{
	struct raft_options o;
	h_default_options(&o);
	o.max_inflight_msgs = msgs;
	o.max_inflight_bytes = bytes;
	o.max_msg_bytes = msg_bytes;
	return o;
}

/* Leader 1 of 3 with follower 2 in replicate state and 3 cut off. */
static void flow_cluster(struct harness *h, const struct raft_options *o)
{
	h_init(h, 3, 3, 0, o);
	h_elect(h, 1);
	h_cut(h, 1, 3);
	assert_int_equal(progress(h, 1, 2).state, RAFT_PROGRESS_REPLICATE);
	assert_int_equal(progress(h, 1, 2).match_index, 2);
}

static void propose_n(struct harness *h, int n)
{
	for (int i = 0; i < n; i++) {
		char s[32];
		snprintf(s, sizeof s, "entry-%04u", (unsigned)i % 10000); /* 10 bytes */
		h_propose(h, 1, s);
	}
}

/* The queued appends 1 -> 2 as (first index, count) pairs. */
static size_t queued_appends(struct harness *h, uint64_t first[], uint32_t n[],
			     size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < h->nq; i++) {
		const struct raft_message *m = &h->q[i];
		if (m->type != RAFT_MSG_APPEND || m->from != 1 || m->to != 2)
			continue;
		assert_true(k < max);
		first[k] = m->n_entries ? m->entries[0].index : 0;
		n[k] = m->n_entries;
		k++;
	}
	return k;
}

/* At most max_inflight_msgs appends are in flight to a follower; each
 * acknowledgement opens the window by one. */
static void test_pipeline_max_inflight_msgs(void **state)
{
	struct raft_options o = flow_options(4, 1u << 20, COST);
	struct harness h;
	uint64_t first[16];
	uint32_t n[16];
	(void)state;
	flow_cluster(&h, &o);
	propose_n(&h, 10); /* indexes 3..12 */
	h_process(&h, 1);
	assert_int_equal(queued_appends(&h, first, n, 16), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(first[i], 3 + i);
		assert_int_equal(n[i], 1);
	}
	assert_int_equal(progress(&h, 1, 2).inflight, 4);
	assert_int_equal(progress(&h, 1, 2).next_index, 7);
	assert_int_equal(progress(&h, 1, 2).match_index, 2);

	/* the follower takes all four; one ack reaches the leader */
	h_drop(&h, 0, 1, 3);
	assert_int_equal(h_deliver_match(&h, RAFT_MSG_APPEND, 1, 2), 4);
	assert_int_equal(h_queued(&h, RAFT_MSG_APPEND_RESP, 2, 1), 4);
	assert_true(h_deliver_first(&h, RAFT_MSG_APPEND_RESP, 2, 1));
	assert_int_equal(progress(&h, 1, 2).match_index, 3);
	assert_int_equal(queued_appends(&h, first, n, 16), 1);
	assert_int_equal(first[0], 7);
	assert_int_equal(progress(&h, 1, 2).inflight, 4);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);

	/* three more acks: three more appends, the window stays full */
	assert_int_equal(h_deliver_match(&h, RAFT_MSG_APPEND_RESP, 2, 1), 3);
	assert_int_equal(queued_appends(&h, first, n, 16), 4);
	assert_int_equal(first[3], 10);
	assert_int_equal(progress(&h, 1, 2).inflight, 4);
	assert_int_equal(progress(&h, 1, 2).next_index, 11);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 6);

	h_stabilize(&h);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 12);
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 12);
	assert_int_equal(progress(&h, 1, 2).inflight, 0);
	h_free(&h);
}

/* max_inflight_bytes: the leader stops sending once the bytes in flight
 * reach the limit (checked before each send, as etcd does: with one entry
 * of COST bytes per message, a limit of 2 COST + 5 lets a third message
 * go, 3 COST does too, 2 COST does not). */
static void test_pipeline_max_inflight_bytes(void **state)
{
	static const struct {
		uint64_t limit;
		size_t msgs;
	} cases[] = {{2 * COST, 2}, {2 * COST + 5, 3}, {3 * COST, 3},
		     {3 * COST + 1, 4}};
	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct raft_options o = flow_options(64, cases[c].limit, COST);
		struct harness h;
		uint64_t first[16];
		uint32_t n[16];
		flow_cluster(&h, &o);
		propose_n(&h, 10);
		h_process(&h, 1);
		assert_int_equal(queued_appends(&h, first, n, 16), cases[c].msgs);
		assert_int_equal(progress(&h, 1, 2).inflight, cases[c].msgs);
		/* one ack frees 10 bytes: exactly one more message */
		h_drop(&h, 0, 1, 3);
		assert_int_equal(h_deliver_match(&h, RAFT_MSG_APPEND, 1, 2),
				 cases[c].msgs);
		assert_true(h_deliver_first(&h, RAFT_MSG_APPEND_RESP, 2, 1));
		assert_int_equal(queued_appends(&h, first, n, 16), 1);
		assert_int_equal(first[0], 3 + cases[c].msgs);
		h_stabilize(&h);
		assert_int_equal(raft_commit_index(h_raft(&h, 2)), 12);
		h_free(&h);
	}
}

/* Many entries per AppendEntries, up to max_msg_bytes; an entry larger
 * than that travels alone. */
static void test_batching_max_msg_bytes(void **state)
{
	struct harness h;
	struct raft_options o = flow_options(64, 1u << 20, 3 * COST + 5);
	uint64_t first[16];
	uint32_t n[16];
	char big[3 * COST + 6];
	(void)state;
	flow_cluster(&h, &o);
	propose_n(&h, 10); /* 3..12, 10 bytes each: 3 per message */
	h_process(&h, 1);
	assert_int_equal(queued_appends(&h, first, n, 16), 4);
	assert_int_equal(first[0], 3);
	assert_int_equal(n[0], 3);
	assert_int_equal(first[1], 6);
	assert_int_equal(n[1], 3);
	assert_int_equal(first[2], 9);
	assert_int_equal(n[2], 3);
	assert_int_equal(first[3], 12);
	assert_int_equal(n[3], 1);
	h_stabilize(&h);

	/* a payload alone above the limit */
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	h_propose(&h, 1, big);
	h_propose(&h, 1, "tail");
	h_process(&h, 1);
	assert_int_equal(queued_appends(&h, first, n, 16), 2);
	assert_int_equal(first[0], 13);
	assert_int_equal(n[0], 1);
	assert_int_equal(first[1], 14);
	assert_int_equal(n[1], 1);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 14);
	h_free(&h);

	/* the default limit (1 MiB): all ten in one message */
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	propose_n(&h, 10);
	h_process(&h, 1);
	assert_int_equal(queued_appends(&h, first, n, 16), 1);
	assert_int_equal(n[0], 10);
	h_stabilize(&h);
	h_free(&h);
}

/* A new leader probes each follower with one append at a time; the first
 * acceptance switches it to replicate (pipelined); a rejection sends it
 * back to probe at the follower's hint. */
static void test_probe_and_replicate(void **state)
{
	struct harness h;
	struct raft_progress_info pi;
	uint64_t first[16];
	uint32_t n[16];
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_cut(&h, 1, 3);
	campaign_until_leader(&h, 1);
	pi = progress(&h, 1, 2);
	assert_int_equal(pi.state, RAFT_PROGRESS_PROBE);
	assert_int_equal(pi.match_index, 0);
	assert_int_equal(pi.next_index, 2);
	assert_true(pi.voter);
	assert_int_equal(queued_appends(&h, first, n, 16), 1);
	assert_int_equal(first[0], 2);

	/* probing: no more appends until it answers */
	h_propose(&h, 1, "a");
	h_propose(&h, 1, "b");
	h_process(&h, 1);
	assert_int_equal(queued_appends(&h, first, n, 16), 1);

	assert_int_equal(h_deliver_match(&h, RAFT_MSG_APPEND, 1, 2), 1);
	assert_true(h_deliver_first(&h, RAFT_MSG_APPEND_RESP, 2, 1));
	pi = progress(&h, 1, 2);
	assert_int_equal(pi.state, RAFT_PROGRESS_REPLICATE);
	assert_int_equal(pi.match_index, 2);
	assert_int_equal(pi.next_index, 5);
	assert_int_equal(pi.inflight, 1);
	assert_int_equal(queued_appends(&h, first, n, 16), 1);
	assert_int_equal(first[0], 3);
	assert_int_equal(n[0], 2);
	h_drop(&h, 0, 1, 3);
	h_stabilize(&h);
	assert_int_equal(progress(&h, 1, 2).match_index, 4);

	/* replicate: appends go out without waiting; one is lost, the next
	 * is rejected (a gap) and the follower goes back to probe */
	h_propose(&h, 1, "c");
	h_process(&h, 1);
	assert_int_equal(h_drop(&h, RAFT_MSG_APPEND, 1, 2), 1);
	h_propose(&h, 1, "d");
	h_process(&h, 1);
	assert_int_equal(progress(&h, 1, 2).next_index, 7);
	assert_int_equal(progress(&h, 1, 2).inflight, 2);
	h_deliver_match(&h, RAFT_MSG_APPEND, 1, 2);
	h_trace_clear(&h);
	assert_true(h_deliver_first(&h, RAFT_MSG_APPEND_RESP, 2, 1));
	assert_int_equal(h_count(&h, RAFT_MSG_APPEND_RESP, 2, 1, 1), 1);
	assert_int_equal(h.trace[0].hint_index, 5);
	assert_int_equal(h.trace[0].hint_term, 0);
	pi = progress(&h, 1, 2);
	assert_int_equal(pi.state, RAFT_PROGRESS_PROBE);
	assert_int_equal(pi.next_index, 5);
	assert_int_equal(pi.match_index, 4);
	assert_int_equal(pi.inflight, 0);
	/* the probe resends both missing entries */
	assert_int_equal(queued_appends(&h, first, n, 16), 1);
	assert_int_equal(first[0], 5);
	assert_int_equal(n[0], 2);
	h_drop(&h, 0, 1, 3);
	h_stabilize(&h);
	pi = progress(&h, 1, 2);
	assert_int_equal(pi.state, RAFT_PROGRESS_REPLICATE);
	assert_int_equal(pi.match_index, 6);
	assert_string_equal(h_sm(&h, 2), "abcd");
	h_free(&h);
}

/* A lost probe: the follower's heartbeat answer unpauses it. */
static void test_lost_probe_resent_after_heartbeat(void **state)
{
	struct harness h;
	uint64_t first[16];
	uint32_t n[16];
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_cut(&h, 1, 3);
	campaign_until_leader(&h, 1);
	assert_int_equal(h_drop(&h, RAFT_MSG_APPEND, 1, 2), 1);
	h_propose(&h, 1, "a");
	h_process(&h, 1);
	assert_int_equal(queued_appends(&h, first, n, 16), 0);
	h_tick(&h, 1, 1); /* heartbeat */
	h_deliver_match(&h, RAFT_MSG_HEARTBEAT, 1, 2);
	assert_true(h_deliver_first(&h, RAFT_MSG_HEARTBEAT_RESP, 2, 1));
	assert_int_equal(queued_appends(&h, first, n, 16), 1);
	assert_int_equal(first[0], 2);
	assert_int_equal(n[0], 2);
	h_drop(&h, 0, 1, 3);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);
	h_free(&h);
}

/* Persistence order: the leader's appends are in msgs (sent before its
 * own write), a follower's acknowledgement is in msgs_after (sent once
 * the entries are durable). */
static void test_ready_order_appends_and_acks(void **state)
{
	struct harness h;
	struct raft_ready rd;
	struct raft *f;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "x");
	h_ready_begin(&h, 1, &rd);
	assert_int_equal(rd.n_entries, 1);
	assert_int_equal(rd.entries[0].index, 3);
	assert_int_equal(rd.n_msgs, 2);
	assert_int_equal(rd.msgs[0].type, RAFT_MSG_APPEND);
	assert_int_equal(rd.msgs[1].type, RAFT_MSG_APPEND);
	assert_int_equal(rd.n_msgs_after, 0);
	h_ready_finish(&h, 1, &rd);

	f = h_raft(&h, 2);
	assert_int_equal(raft_step(f, h_find_queued(&h, RAFT_MSG_APPEND, 1, 2)),
			 GAIA_OK);
	h_drop(&h, RAFT_MSG_APPEND, 1, 2);
	assert_int_equal(raft_ready(f, &rd), GAIA_OK);
	assert_int_equal(rd.n_entries, 1);
	assert_int_equal(rd.entries[0].index, 3);
	assert_int_equal(rd.n_msgs, 0);
	assert_int_equal(rd.n_msgs_after, 1);
	assert_int_equal(rd.msgs_after[0].type, RAFT_MSG_APPEND_RESP);
	assert_int_equal(rd.msgs_after[0].index, 3);
	assert_false(rd.msgs_after[0].reject);
	/* not durable yet: the core does not count it either */
	assert_int_equal(raft_stable_index(f), 2);
	raft_advance(f, &rd);
	assert_int_equal(raft_stable_index(f), 3);
	h_stabilize(&h);
	h_free(&h);
}

/* The test-only mutation that acks before persisting really moves the
 * acknowledgement into msgs (so the assertion above can fail). */
static void test_ack_before_persist_mutation(void **state)
{
	struct harness h;
	struct raft_options o;
	struct raft_ready rd;
	struct raft *f;
	(void)state;
	h_default_options(&o);
	o.mutations = RAFT_MUT_ACK_BEFORE_PERSIST;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	h_propose(&h, 1, "x");
	h_process(&h, 1);
	f = h_raft(&h, 2);
	assert_int_equal(raft_step(f, h_find_queued(&h, RAFT_MSG_APPEND, 1, 2)),
			 GAIA_OK);
	assert_int_equal(raft_ready(f, &rd), GAIA_OK);
	assert_int_equal(rd.n_msgs, 1);
	assert_int_equal(rd.msgs[0].type, RAFT_MSG_APPEND_RESP);
	assert_int_equal(rd.n_msgs_after, 0);
	raft_advance(f, &rd);
	h_drop(&h, 0, 0, 0);
	h_free(&h);
}

/* A candidate's vote for itself is durable before its requests leave. */
static void test_ready_order_candidate(void **state)
{
	struct harness h;
	struct raft_options o;
	struct raft_ready rd;
	struct raft *c;
	(void)state;
	h_default_options(&o);
	o.pre_vote = false;
	h_init(&h, 3, 3, 0, &o);
	c = h_raft(&h, 1);
	assert_int_equal(raft_campaign(c), GAIA_OK);
	assert_int_equal(raft_ready(c, &rd), GAIA_OK);
	assert_true(rd.has_hard_state);
	assert_int_equal(rd.hard_state.term, 2);
	assert_int_equal(rd.hard_state.vote, 1);
	assert_int_equal(rd.n_msgs, 0);
	assert_int_equal(rd.n_msgs_after, 2);
	assert_int_equal(rd.msgs_after[0].type, RAFT_MSG_VOTE);
	assert_int_equal(rd.msgs_after[1].type, RAFT_MSG_VOTE);
	raft_advance(c, &rd);
	h_free(&h);
}

/* One voter: the leader's own entries count only once raft_advance says
 * the Ready that carried them is durable; entries proposed meanwhile wait
 * for the next Ready. */
static void test_single_node_commit_after_advance(void **state)
{
	struct harness h;
	struct raft_ready rd;
	struct raft *r;
	(void)state;
	h_init(&h, 1, 1, 0, NULL);
	r = h_raft(&h, 1);
	assert_int_equal(raft_campaign(r), GAIA_OK);
	assert_int_equal(raft_role(r), RAFT_LEADER);
	assert_int_equal(raft_term(r), 2);
	assert_int_equal(raft_commit_index(r), 0);

	h_ready_begin(&h, 1, &rd);
	assert_int_equal(rd.n_entries, 1);
	assert_int_equal(rd.entries[0].index, 2);
	assert_int_equal(rd.n_committed, 0);
	assert_int_equal(h_propose(&h, 1, "p"), 3);
	assert_int_equal(raft_commit_index(r), 0);
	assert_int_equal(progress(&h, 1, 1).match_index, 1);
	h_ready_finish(&h, 1, &rd);
	assert_int_equal(progress(&h, 1, 1).match_index, 2);
	assert_int_equal(raft_commit_index(r), 2);

	h_ready_begin(&h, 1, &rd);
	assert_int_equal(rd.n_entries, 1);
	assert_int_equal(rd.entries[0].index, 3);
	assert_int_equal(rd.n_committed, 2);
	assert_int_equal(raft_commit_index(r), 2);
	h_ready_finish(&h, 1, &rd);
	assert_int_equal(raft_commit_index(r), 3);
	h_process(&h, 1);
	assert_int_equal(raft_applied_index(r), 3);
	assert_string_equal(h_sm(&h, 1), "p");
	h_free(&h);
}

/* Three voters, one follower acks before the leader's own write is done:
 * not a majority yet (the leader's match lags); the leader's advance
 * completes it. */
static void test_leader_counts_itself_after_advance(void **state)
{
	struct harness h;
	struct raft_ready rd;
	struct raft *l;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_cut(&h, 1, 3);
	l = h_raft(&h, 1);
	assert_int_equal(h_propose(&h, 1, "z"), 3);
	h_ready_begin(&h, 1, &rd);
	assert_int_equal(rd.n_entries, 1);
	h_deliver(&h); /* the append reaches node 2, which persists it */
	h_deliver(&h); /* its ack reaches the leader */
	assert_int_equal(progress(&h, 1, 2).match_index, 3);
	assert_int_equal(progress(&h, 1, 1).match_index, 2);
	assert_int_equal(raft_commit_index(l), 2);
	h_ready_finish(&h, 1, &rd);
	assert_int_equal(progress(&h, 1, 1).match_index, 3);
	assert_int_equal(raft_commit_index(l), 3);
	h_stabilize(&h);
	assert_string_equal(h_sm(&h, 2), "z");
	h_free(&h);
}

/* With two followers acknowledging, the leader's own write is not needed. */
static void test_majority_without_leader_write(void **state)
{
	struct harness h;
	struct raft_ready rd;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "z");
	h_ready_begin(&h, 1, &rd);
	h_deliver(&h);
	h_deliver(&h);
	assert_int_equal(progress(&h, 1, 1).match_index, 2);
	assert_int_equal(raft_commit_index(h_raft(&h, 1)), 3);
	h_ready_finish(&h, 1, &rd);
	h_stabilize(&h);
	h_free(&h);
}

/* A candidate whose Ready (its vote, an entry it received) is being
 * written may win before raft_advance: as leader it still counts for
 * itself only what the core knows is durable. */
static void test_new_leader_counts_only_durable(void **state)
{
	struct harness h;
	struct raft_options o;
	struct raft_ready rd;
	struct raft *c;
	(void)state;
	h_default_options(&o);
	o.pre_vote = false;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	h_propose(&h, 1, "x");
	h_process(&h, 1);
	c = h_raft(&h, 2);
	/* node 2 receives entry 3 but has not written it yet */
	assert_int_equal(raft_step(c, h_find_queued(&h, RAFT_MSG_APPEND, 1, 2)),
			 GAIA_OK);
	h_drop(&h, 0, 0, 0);
	h_crash(&h, 1);
	h_tick(&h, 3, 10);
	assert_int_equal(raft_campaign(c), GAIA_OK);
	h_ready_begin(&h, 2, &rd);
	assert_int_equal(rd.n_entries, 1);
	assert_int_equal(rd.entries[0].index, 3);
	assert_true(rd.has_hard_state);
	/* the ack to the old leader and two vote requests */
	assert_int_equal(rd.n_msgs_after, 3);
	/* the write is under way; the vote request to 3 goes out */
	for (size_t i = 0; i < rd.n_msgs_after; i++)
		if (rd.msgs_after[i].type == RAFT_MSG_VOTE && rd.msgs_after[i].to == 3)
			h_step(&h, 3, &rd.msgs_after[i]);
	assert_true(h_deliver_first(&h, RAFT_MSG_VOTE_RESP, 3, 2));
	assert_int_equal(raft_role(c), RAFT_LEADER);
	assert_int_equal(raft_term(c), 3);
	assert_int_equal(raft_stable_index(c), 2);
	assert_int_equal(progress(&h, 2, 2).match_index, 2);
	h_ready_finish(&h, 2, &rd);
	assert_int_equal(raft_stable_index(c), 3);
	assert_int_equal(progress(&h, 2, 2).match_index, 3);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(c), 4);
	assert_string_equal(h_sm(&h, 3), "x");
	h_free(&h);
}

/* A follower that restarts keeps its durable log: the leader resends only
 * what it missed. */
static void test_follower_restart_keeps_log(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose(&h, 1, "a");
	h_stabilize(&h);
	h_crash(&h, 3);
	h_propose(&h, 1, "b");
	h_propose(&h, 1, "c");
	h_stabilize(&h);
	h_restart(&h, 3);
	assert_int_equal(raft_last_index(h_raft(&h, 3)), 3);
	assert_int_equal(raft_term(h_raft(&h, 3)), 2);
	h_trace_clear(&h);
	h_run(&h, 3);
	assert_int_equal(raft_last_index(h_raft(&h, 3)), 5);
	assert_int_equal(raft_commit_index(h_raft(&h, 3)), 5);
	assert_string_equal(h_sm(&h, 3), "abc");
	for (size_t i = 0; i < h.ntrace; i++)
		if (h.trace[i].type == RAFT_MSG_APPEND && h.trace[i].to == 3 &&
		    h.trace[i].n_entries > 0)
			assert_true(h.trace[i].first_entry >= 4);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noop_on_election),
		cmocka_unit_test(test_figure8_commit_current_term_only),
		cmocka_unit_test(test_old_entries_commit_with_current),
		cmocka_unit_test(test_fast_backtracking),
		cmocka_unit_test(test_backtracking_leader_has_term),
		cmocka_unit_test(test_pipeline_max_inflight_msgs),
		cmocka_unit_test(test_pipeline_max_inflight_bytes),
		cmocka_unit_test(test_batching_max_msg_bytes),
		cmocka_unit_test(test_probe_and_replicate),
		cmocka_unit_test(test_lost_probe_resent_after_heartbeat),
		cmocka_unit_test(test_ready_order_appends_and_acks),
		cmocka_unit_test(test_ack_before_persist_mutation),
		cmocka_unit_test(test_ready_order_candidate),
		cmocka_unit_test(test_single_node_commit_after_advance),
		cmocka_unit_test(test_leader_counts_itself_after_advance),
		cmocka_unit_test(test_majority_without_leader_write),
		cmocka_unit_test(test_new_leader_counts_only_durable),
		cmocka_unit_test(test_follower_restart_keeps_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
