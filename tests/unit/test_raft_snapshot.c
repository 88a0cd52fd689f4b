/* Unit tests of the consensus core: log compaction with trailing entries,
 * InstallSnapshot in chunks (sending, receiving, restoring, resending a
 * lost chunk), and restarting from a snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* Proposes n entries "val-NN;" (7 bytes each) on the leader. */
static void propose_vals(struct harness *h, raft_id leader, int n)
{
	for (int i = 0; i < n; i++) {
		char s[16];
		snprintf(s, sizeof s, "val-%02u;", (unsigned)i % 100);
		h_propose(h, leader, s);
	}
}

/* raft_snapshot_meta_at fills the term and configuration of an applied
 * index; raft_compact records the snapshot and keeps `trailing` entries
 * before it in memory. */
static void test_compact_keeps_trailing(void **state)
{
	struct harness h;
	struct raft_snapshot_meta meta, m2;
	struct raft *r;
	uint64_t conf_idx;
	(void)state;
	h_init(&h, 4, 3, 0, NULL);
	h_elect(&h, 1);
	propose_vals(&h, 1, 20); /* 3..22 */
	h_stabilize(&h);
	r = h_raft(&h, 1);
	assert_int_equal(raft_applied_index(r), 22);

	/* the configuration as of each index */
	assert_int_equal(raft_change_membership(r, RAFT_CONF_ADD_LEARNER, 4, NULL, 0,
						&conf_idx),
			 GAIA_OK);
	assert_int_equal(conf_idx, 23);
	h_stabilize(&h);
	assert_int_equal(raft_snapshot_meta_at(r, 22, &meta), GAIA_OK);
	assert_int_equal(meta.conf.n, 3);
	assert_int_equal(raft_snapshot_meta_at(r, 23, &meta), GAIA_OK);
	assert_int_equal(meta.conf.n, 4);
	assert_int_equal(raft_conf_get(&meta.conf, 4)->role, RAFT_LEARNER);

	/* not applied, or nothing */
	assert_int_equal(raft_snapshot_meta_at(r, 24, &meta), GAIA_EINVAL);
	assert_int_equal(raft_snapshot_meta_at(r, 0, &meta), GAIA_EINVAL);

	assert_int_equal(raft_snapshot_meta_at(r, 15, &meta), GAIA_OK);
	assert_int_equal(meta.index, 15);
	assert_int_equal(meta.term, 2);
	assert_int_equal(meta.size, 0);
	assert_int_equal(meta.conf.n, 3);
	meta.size = 123;
	assert_int_equal(raft_compact(r, &meta, 5), GAIA_OK);
	assert_int_equal(raft_snapshot(r)->index, 15);
	assert_int_equal(raft_snapshot(r)->size, 123);
	assert_int_equal(raft_first_index(r), 11);
	assert_int_equal(raft_last_index(r), 23);
	assert_null(raft_entry_at(r, 10));
	/* the term just before the first entry is still known (it is what an
	 * append at 11 names as prev_term); earlier ones are not */
	assert_int_equal(raft_term_at(r, 10), 2);
	assert_int_equal(raft_term_at(r, 9), 0);
	assert_non_null(raft_entry_at(r, 11));
	assert_int_equal(raft_term_at(r, 11), 2);

	/* compacted entries cannot be described any more; the snapshot's own
	 * index still can */
	assert_int_equal(raft_snapshot_meta_at(r, 5, &m2), GAIA_ECOMPACTED);
	assert_int_equal(raft_snapshot_meta_at(r, 15, &m2), GAIA_OK);
	assert_int_equal(m2.index, 15);
	assert_int_equal(m2.term, 2);
	/* a configuration found neither in the log: the snapshot's */
	assert_int_equal(raft_snapshot_meta_at(r, 20, &m2), GAIA_OK);
	assert_int_equal(m2.conf.n, 3);

	/* an older snapshot changes nothing; one beyond applied is refused */
	assert_int_equal(raft_snapshot_meta_at(r, 12, &m2), GAIA_OK);
	assert_int_equal(raft_compact(r, &m2, 0), GAIA_OK);
	assert_int_equal(raft_snapshot(r)->index, 15);
	assert_int_equal(raft_first_index(r), 11);
	m2 = meta;
	m2.index = 30;
	assert_int_equal(raft_compact(r, &m2, 0), GAIA_EINVAL);
	assert_int_equal(raft_snapshot(r)->index, 15);

	/* no trailing entries: the log restarts after the snapshot */
	assert_int_equal(raft_snapshot_meta_at(r, 23, &meta), GAIA_OK);
	assert_int_equal(raft_compact(r, &meta, 0), GAIA_OK);
	assert_int_equal(raft_first_index(r), 24);
	assert_int_equal(raft_last_index(r), 23);
	assert_int_equal(raft_last_term(r), 2);
	assert_int_equal(raft_term_at(r, 23), 2);
	assert_null(raft_entry_at(r, 23));

	/* still leading and replicating */
	h_propose(&h, 1, "more");
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 24);
	h_free(&h);
}

/* A 3-node cluster where node 3 was cut off from the start; leader 1
 * commits 20 entries (7 bytes each: 140 bytes of state) and snapshots at
 * 22 keeping 2 trailing entries (log from 21). */
static void lagging_cluster(struct harness *h, struct raft_options *o)
{
	h_default_options(o);
	o->snapshot_chunk_bytes = 16;
	h_init(h, 3, 3, 0, o);
	h_cut(h, 1, 3);
	h_cut(h, 2, 3);
	h_elect(h, 1);
	propose_vals(h, 1, 20);
	h_stabilize(h);
	assert_int_equal(raft_commit_index(h_raft(h, 1)), 22);
	h_snapshot(h, 1, 2);
	assert_int_equal(raft_first_index(h_raft(h, 1)), 21);
	assert_int_equal(raft_snapshot(h_raft(h, 1))->size, 140);
	assert_int_equal(progress(h, 1, 3).state, RAFT_PROGRESS_PROBE);
	assert_int_equal(progress(h, 1, 3).match_index, 0);
	h_drop(h, 0, 0, 0);
	h_heal_all(h);
}

/* Node 3's next entry was compacted: it receives the snapshot in 16-byte
 * chunks read through the storage callback, each chunk lands in a Ready
 * in order, the last with has_install; afterwards its commit and applied
 * index are the snapshot's and it replicates normally. */
static void test_snapshot_in_chunks(void **state)
{
	struct harness h;
	struct raft_options o;
	struct h_node *n3;
	struct raft *f;
	(void)state;
	lagging_cluster(&h, &o);
	n3 = h_node(&h, 3);

	/* a heartbeat answer unpauses the probe: the snapshot starts */
	h_tick(&h, 1, 1);
	h_deliver(&h);
	h_trace_clear(&h);
	h_deliver(&h);
	assert_int_equal(progress(&h, 1, 3).state, RAFT_PROGRESS_SNAPSHOT);
	assert_int_equal(h_queued(&h, RAFT_MSG_SNAPSHOT, 1, 3), 1);
	assert_int_equal(h_find_queued(&h, RAFT_MSG_SNAPSHOT, 1, 3)->offset, 0);
	assert_int_equal(h_find_queued(&h, RAFT_MSG_SNAPSHOT, 1, 3)->snap.index, 22);
	h_stabilize(&h);

	/* 140 bytes: 8 chunks of 16 and one of 12, in order, in 9 Readies */
	assert_int_equal(n3->n_chunks, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_int_equal(n3->chunks[i].snap_index, 22);
		assert_int_equal(n3->chunks[i].offset, 16 * i);
		assert_int_equal(n3->chunks[i].len, i < 8 ? 16 : 12);
		assert_int_equal(n3->chunks[i].last, i == 8);
		if (i > 0)
			assert_true(n3->chunks[i].ready_seq > n3->chunks[i - 1].ready_seq);
	}
	assert_int_equal(n3->n_installs, 1);
	assert_int_equal(n3->install_ready_seq, n3->chunks[8].ready_seq);
	assert_int_equal(n3->last_install.index, 22);
	assert_int_equal(n3->last_install.term, 2);
	assert_int_equal(n3->last_install.size, 140);
	assert_int_equal(n3->last_install.conf.n, 3);
	assert_int_equal(h.nodes[1].snap_reads, 9);
	assert_int_equal(h_count(&h, RAFT_MSG_SNAPSHOT, 1, 3, -1), 9);
	assert_int_equal(h_count(&h, RAFT_MSG_SNAPSHOT_RESP, 3, 1, 1), 0);
	/* no entry at or before the snapshot was sent */
	for (size_t i = 0; i < h.ntrace; i++)
		if (h.trace[i].type == RAFT_MSG_APPEND && h.trace[i].to == 3 &&
		    h.trace[i].n_entries > 0)
			assert_true(h.trace[i].first_entry > 22);

	f = h_raft(&h, 3);
	assert_int_equal(raft_commit_index(f), 22);
	assert_int_equal(raft_applied_index(f), 22);
	assert_int_equal(raft_snapshot(f)->index, 22);
	assert_int_equal(raft_first_index(f), 23);
	assert_int_equal(raft_last_index(f), 22);
	assert_int_equal(raft_term(f), 2);
	assert_int_equal(raft_leader(f), 1);
	assert_int_equal(n3->n_log, 0);
	assert_int_equal(n3->applied, 22);
	assert_string_equal(h_sm(&h, 3), h_sm(&h, 1));
	assert_int_equal(progress(&h, 1, 3).state, RAFT_PROGRESS_REPLICATE);
	assert_int_equal(progress(&h, 1, 3).match_index, 22);

	/* and it goes on */
	assert_int_equal(h_propose(&h, 1, "after;"), 23);
	h_stabilize(&h);
	assert_int_equal(raft_commit_index(f), 23);
	assert_int_equal(n3->applied, 23);
	assert_string_equal(h_log_str(&h, 3), "23:2");
	assert_string_equal(h_sm(&h, 3), h_sm(&h, 1));

	/* and restarts from the snapshot plus its log */
	h_crash(&h, 3);
	h_restart(&h, 3);
	f = h_raft(&h, 3);
	assert_int_equal(raft_snapshot(f)->index, 22);
	assert_int_equal(raft_first_index(f), 23);
	assert_int_equal(raft_last_index(f), 23);
	h_run(&h, 2);
	assert_int_equal(raft_applied_index(f), 23);
	assert_string_equal(h_sm(&h, 3), h_sm(&h, 1));
	h_free(&h);
}

/* A lost chunk is sent again (from the last acknowledged offset) on a
 * heartbeat answer once an election timeout has passed since the last
 * chunk was sent; nothing before that. */
static void test_snapshot_lost_chunk_resent(void **state)
{
	struct harness h;
	struct raft_options o;
	struct h_node *n3;
	size_t sent;
	(void)state;
	lagging_cluster(&h, &o);
	n3 = h_node(&h, 3);
	h_tick(&h, 1, 1);
	h_deliver(&h);
	h_deliver(&h);
	/* chunks at 0 and 16 arrive; the one at 32 is lost */
	for (int i = 0; i < 2; i++) {
		assert_true(h_deliver_first(&h, RAFT_MSG_SNAPSHOT, 1, 3));
		assert_true(h_deliver_first(&h, RAFT_MSG_SNAPSHOT_RESP, 3, 1));
	}
	assert_int_equal(h_find_queued(&h, RAFT_MSG_SNAPSHOT, 1, 3)->offset, 32);
	assert_int_equal(h_drop(&h, RAFT_MSG_SNAPSHOT, 1, 3), 1);
	h_stabilize(&h);
	h_trace_clear(&h);
	h_run(&h, 9);
	assert_int_equal(h_count(&h, RAFT_MSG_SNAPSHOT, 1, 3, -1), 0);
	assert_int_equal(n3->n_chunks, 2);
	assert_int_equal(progress(&h, 1, 3).state, RAFT_PROGRESS_SNAPSHOT);
	h_run(&h, 1);
	sent = h_count(&h, RAFT_MSG_SNAPSHOT, 1, 3, -1);
	assert_int_equal(sent, 7); /* 32, 48, ..., 128 */
	for (size_t i = 0, k = 0; i < h.ntrace; i++)
		if (h.trace[i].type == RAFT_MSG_SNAPSHOT)
			assert_int_equal(h.trace[i].offset, 32 + 16 * k++);
	assert_int_equal(n3->n_chunks, 9);
	assert_int_equal(n3->n_installs, 1);
	assert_int_equal(raft_applied_index(h_raft(&h, 3)), 22);
	assert_string_equal(h_sm(&h, 3), h_sm(&h, 1));
	h_free(&h);
}

/* The receiving side on its own: chunks must come in order from offset
 * 0; a duplicate or a gap is refused with the offset expected; a
 * follower that already holds the snapshot's last entry does not install
 * it. */
static void test_snapshot_receiver_rules(void **state)
{
	struct harness h;
	struct raft_message m;
	struct raft_buf *b = raft_buf_new("0123456789abcdef", 16);
	const struct raft_message *resp;
	struct h_node *n2;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	n2 = h_node(&h, 2);
	m = h_msg(RAFT_MSG_SNAPSHOT, 1, 2, 2);
	m.snap.index = 40;
	m.snap.term = 2;
	m.snap.size = 32;
	m.snap.conf = *raft_conf(h_raft(&h, 1));
	m.chunk = b;

	m.offset = 16; /* not the start */
	h_step(&h, 2, &m);
	resp = h_find_queued(&h, RAFT_MSG_SNAPSHOT_RESP, 2, 1);
	assert_true(resp->reject);
	assert_int_equal(resp->offset, 0);
	assert_int_equal(resp->snap.index, 40);
	h_drop(&h, 0, 0, 0);

	m.offset = 0;
	h_step(&h, 2, &m);
	resp = h_find_queued(&h, RAFT_MSG_SNAPSHOT_RESP, 2, 1);
	assert_false(resp->reject);
	assert_false(resp->last);
	assert_int_equal(resp->offset, 16);
	assert_int_equal(n2->n_chunks, 1);
	h_drop(&h, 0, 0, 0);

	h_step(&h, 2, &m); /* a duplicate */
	resp = h_find_queued(&h, RAFT_MSG_SNAPSHOT_RESP, 2, 1);
	assert_true(resp->reject);
	assert_int_equal(resp->offset, 16);
	assert_int_equal(n2->n_chunks, 1);
	h_drop(&h, 0, 0, 0);

	m.offset = 16;
	m.last = true;
	h_step(&h, 2, &m);
	resp = h_find_queued(&h, RAFT_MSG_SNAPSHOT_RESP, 2, 1);
	assert_false(resp->reject);
	assert_true(resp->last);
	assert_int_equal(resp->offset, 32);
	assert_int_equal(n2->n_chunks, 2);
	assert_int_equal(n2->n_installs, 1);
	assert_int_equal(raft_commit_index(h_raft(&h, 2)), 40);
	assert_int_equal(raft_applied_index(h_raft(&h, 2)), 40);
	assert_int_equal(raft_last_index(h_raft(&h, 2)), 40);
	assert_string_equal(h_sm(&h, 2), "0123456789abcdef0123456789abcdef");
	h_drop(&h, 0, 0, 0);

	/* node 3 holds entry 1 of term 1: a snapshot at 1@1 is not needed */
	m = h_msg(RAFT_MSG_SNAPSHOT, 1, 3, 2);
	m.snap.index = 1;
	m.snap.term = 1;
	m.snap.size = 16;
	m.chunk = b;
	h_step(&h, 3, &m);
	resp = h_find_queued(&h, RAFT_MSG_SNAPSHOT_RESP, 3, 1);
	assert_false(resp->reject);
	assert_true(resp->last);
	assert_int_equal(resp->offset, 16);
	assert_int_equal(h_node(&h, 3)->n_chunks, 0);
	assert_int_equal(h_node(&h, 3)->n_installs, 0);
	assert_int_equal(raft_commit_index(h_raft(&h, 3)), 1);
	assert_int_equal(raft_last_index(h_raft(&h, 3)), 1);
	h_drop(&h, 0, 0, 0);
	raft_buf_unref(b);
	h_free(&h);
}

/* A leader restarted from a snapshot with trailing entries serves a
 * follower from those entries, and a follower behind them by snapshot. */
static void test_restart_with_trailing_entries(void **state)
{
	struct harness h;
	struct raft_options o;
	struct raft *r;
	(void)state;
	lagging_cluster(&h, &o);
	h_crash(&h, 1);
	h_restart(&h, 1);
	r = h_raft(&h, 1);
	assert_int_equal(raft_snapshot(r)->index, 22);
	assert_int_equal(raft_first_index(r), 21);
	assert_int_equal(raft_term_at(r, 20), 0);
	assert_int_equal(raft_term_at(r, 21), 2);
	assert_int_equal(raft_last_index(r), 22);
	assert_int_equal(raft_commit_index(r), 22);
	assert_int_equal(raft_applied_index(r), 22);
	assert_string_equal(h_sm(&h, 1), h_sm(&h, 2));
	h_tick(&h, 2, 10);
	h_tick(&h, 3, 10);
	h_elect(&h, 1);
	assert_int_equal(raft_term(r), 3);
	h_run(&h, 3);
	assert_int_equal(h_node(&h, 3)->n_installs, 1);
	assert_int_equal(raft_applied_index(h_raft(&h, 3)), 23);
	assert_int_equal(raft_applied_index(h_raft(&h, 2)), 23);
	assert_string_equal(h_sm(&h, 3), h_sm(&h, 1));
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_keeps_trailing),
		cmocka_unit_test(test_snapshot_in_chunks),
		cmocka_unit_test(test_snapshot_lost_chunk_resent),
		cmocka_unit_test(test_snapshot_receiver_rules),
		cmocka_unit_test(test_restart_with_trailing_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
