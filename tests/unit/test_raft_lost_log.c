/* A follower that lost the log it had acknowledged (its raft_logs deleted
 * while stopped, DESIGN.md section 5) is brought back by the leader: from
 * its snapshot and the leader's log, or from nothing by InstallSnapshot.
 * The leader must not keep trusting the old match index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "raft_harness.h"

/* What rm -rf raft_logs does to a stopped node: log and hard state gone;
 * with_snapshot false also removes its snapshot. */
static void lose_log(struct harness *h, raft_id id, bool with_snapshot)
{
	struct h_node *nd = h_node(h, id);

	h_crash(h, id);
	for (size_t i = 0; i < nd->n_log; i++)
		raft_buf_unref(nd->log[i].buf);
	nd->n_log = 0;
	memset(&nd->hs, 0, sizeof nd->hs);
	if (!with_snapshot) {
		free(nd->snap_data);
		nd->snap_data = NULL;
		nd->snap_len = 0;
		memset(&nd->snap, 0, sizeof nd->snap);
	}
	h_restart(h, id);
}

static void assert_caught_up(struct harness *h, raft_id leader, raft_id id)
{
	struct raft_progress_info pi;
	assert_int_equal(raft_last_index(h_raft(h, id)), raft_last_index(h_raft(h, leader)));
	assert_int_equal(raft_applied_index(h_raft(h, id)), raft_applied_index(h_raft(h, leader)));
	assert_string_equal(h_sm(h, id), h_sm(h, leader));
	assert_int_equal(raft_progress(h_raft(h, leader), id, &pi), GAIA_OK);
	assert_int_equal(pi.match_index, raft_last_index(h_raft(h, leader)));
}

static void test_log_lost_snapshot_kept(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose_n(&h, 1, 10, "a");
	h_snapshot(&h, 3, 0);
	h_propose_n(&h, 1, 5, "b");
	assert_int_equal(raft_commit_index(h_raft(&h, 3)), raft_last_index(h_raft(&h, 1)));

	lose_log(&h, 3, true); /* its log now ends at the snapshot, below its match */
	assert_true(raft_last_index(h_raft(&h, 3)) < raft_last_index(h_raft(&h, 1)));
	h_propose_n(&h, 1, 3, "c");
	h_run(&h, 5);
	assert_caught_up(&h, 1, 3);
	assert_int_equal(h_leader(&h), 1);
	h_free(&h);
}

static void test_everything_lost_leader_compacted(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose_n(&h, 1, 10, "a");
	h_snapshot(&h, 1, 2); /* entry 1 is gone from the leader's log */
	lose_log(&h, 3, false);
	assert_int_equal(raft_last_index(h_raft(&h, 3)), 0);
	h_run(&h, 5); /* heartbeats only: no new entry needed */
	assert_caught_up(&h, 1, 3);
	assert_true(h_node(&h, 3)->n_installs >= 1);
	h_propose_n(&h, 1, 2, "b");
	assert_caught_up(&h, 1, 3);
	h_free(&h);
}

static void test_everything_lost_log_complete(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_propose_n(&h, 1, 6, "a");
	lose_log(&h, 2, false);
	h_propose_n(&h, 1, 1, "b");
	h_run(&h, 3);
	assert_caught_up(&h, 1, 2); /* replayed from index 1, no snapshot */
	assert_int_equal(h_node(&h, 2)->n_installs, 0);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_lost_snapshot_kept),
		cmocka_unit_test(test_everything_lost_leader_compacted),
		cmocka_unit_test(test_everything_lost_log_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
