/* Unit tests of the consensus core: elections. Randomized timeouts,
 * PreVote, the vote rules, CheckQuorum, the leader lease, and fast
 * failover when the transport reports the leader's connection down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "raft_harness.h"

static struct raft_conf conf3(void)
{
	struct raft_conf c;
	memset(&c, 0, sizeof c);
	for (int i = 0; i < 3; i++)
		c.servers[c.n++] = (struct raft_server){.id = (raft_id)(i + 1),
							.role = RAFT_VOTER};
	return c;
}

/* A lone voter of a 3-voter configuration (its peers never answer). */
static struct raft *lone_node(uint64_t seed, uint64_t (*rnd)(void *), void *ud)
{
	struct raft_options o;
	struct raft_conf c = conf3();
	struct raft *r;
	h_default_options(&o);
	o.id = 1;
	o.seed = seed;
	o.rand = rnd;
	o.rand_ud = ud;
	r = raft_new(&o);
	assert_non_null(r);
	assert_int_equal(raft_bootstrap(r, &c), GAIA_OK);
	return r;
}

static void drain(struct raft *r)
{
	while (raft_has_ready(r)) {
		struct raft_ready rd;
		assert_int_equal(raft_ready(r, &rd), GAIA_OK);
		raft_advance(r, &rd);
	}
}

/* Ticks until the node leaves the follower role (at most limit). */
static int ticks_to_campaign(struct raft *r, int limit)
{
	for (int k = 1; k <= limit; k++) {
		raft_tick(r);
		if (raft_role(r) != RAFT_FOLLOWER)
			return k;
	}
	return -1;
}

/* With the built-in seeded generator, a follower campaigns after a
 * timeout drawn from [T, 2T): never before T, never at or after 2T, and
 * the draw really varies across seeds. */
static void test_timeout_in_range_seeded(void **state)
{
	int seen[20] = {0};
	int lo = 1000, hi = 0;
	(void)state;
	for (uint64_t seed = 1; seed <= 400; seed++) {
		struct raft *r = lone_node(seed, NULL, NULL);
		int k;
		drain(r);
		k = ticks_to_campaign(r, 40);
		assert_true(k >= 10);
		assert_true(k < 20);
		seen[k]++;
		lo = k < lo ? k : lo;
		hi = k > hi ? k : hi;
		/* PreVote: campaigning does not move the term */
		assert_int_equal(raft_role(r), RAFT_PRE_CANDIDATE);
		assert_int_equal(raft_term(r), 1);
		raft_free(r);
	}
	assert_int_equal(lo, 10);
	assert_int_equal(hi, 19);
	for (int k = 10; k < 20; k++)
		assert_true(seen[k] > 0);
}

static uint64_t fixed_rand(void *ud)
{
	return *(uint64_t *)ud;
}

/* With an injected generator the timeout is exactly T + rand % T; a
 * pre-candidate that hears nothing campaigns again after a new draw, and
 * its PreVote asks for term + 1 without taking it. */
static void test_timeout_injected(void **state)
{
	static const struct {
		uint64_t rand;
		int expect;
	} cases[] = {{0, 10}, {9, 19}, {10, 10}, {13, 13}, {UINT64_MAX, 15}};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t v = cases[i].rand;
		struct raft *r = lone_node(1, fixed_rand, &v);
		struct raft_ready rd;
		drain(r);
		v = 3; /* drawn when the campaign starts */
		assert_int_equal(ticks_to_campaign(r, 40), cases[i].expect);
		assert_int_equal(raft_ready(r, &rd), GAIA_OK);
		assert_int_equal(rd.n_msgs, 0);
		assert_int_equal(rd.n_msgs_after, 2);
		for (size_t j = 0; j < 2; j++) {
			assert_int_equal(rd.msgs_after[j].type, RAFT_MSG_PREVOTE);
			assert_int_equal(rd.msgs_after[j].term, 2);
			assert_int_equal(rd.msgs_after[j].last_index, 1);
			assert_int_equal(rd.msgs_after[j].last_term, 1);
		}
		assert_false(rd.has_hard_state);
		raft_advance(r, &rd);
		/* no answers: the next PreVote after a fresh timeout */
		for (int k = 1; k < 13; k++) {
			raft_tick(r);
			assert_false(raft_has_ready(r));
		}
		raft_tick(r);
		assert_true(raft_has_ready(r));
		assert_int_equal(raft_role(r), RAFT_PRE_CANDIDATE);
		assert_int_equal(raft_term(r), 1);
		drain(r);
		raft_free(r);
	}
}

/* A follower that hears from its leader never campaigns. */
static void test_heartbeats_keep_followers(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	assert_int_equal(raft_term(h_raft(&h, 1)), 2);
	h_trace_clear(&h);
	h_run(&h, 200);
	assert_int_equal(h_leader(&h), 1);
	for (raft_id i = 1; i <= 3; i++) {
		assert_int_equal(raft_term(h_raft(&h, i)), 2);
		assert_int_equal(raft_leader(h_raft(&h, i)), 1);
	}
	assert_int_equal(h_count(&h, RAFT_MSG_PREVOTE, 0, 0, -1), 0);
	assert_int_equal(h_count(&h, RAFT_MSG_VOTE, 0, 0, -1), 0);
	/* 200 ticks of heartbeat_ticks = 1: one heartbeat per follower each */
	assert_int_equal(h_count(&h, RAFT_MSG_HEARTBEAT, 1, 2, -1), 200);
	h_free(&h);
}

/* A partitioned node keeps pre-campaigning without moving its term; when
 * it rejoins, the cluster keeps its term and its leader. */
static void test_prevote_rejoin_keeps_term(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_isolate(&h, 3);
	h_run(&h, 100);
	assert_int_equal(raft_term(h_raft(&h, 3)), 2);
	assert_int_equal(raft_role(h_raft(&h, 3)), RAFT_PRE_CANDIDATE);
	assert_int_equal(h_leader(&h), 1);
	h_propose(&h, 1, "a");
	h_stabilize(&h);

	h_heal_all(&h);
	h_trace_clear(&h);
	h_run(&h, 30);
	for (raft_id i = 1; i <= 3; i++) {
		assert_int_equal(raft_term(h_raft(&h, i)), 2);
		assert_int_equal(raft_leader(h_raft(&h, i)), 1);
		assert_int_equal(raft_role(h_raft(&h, i)), i == 1 ? RAFT_LEADER
								 : RAFT_FOLLOWER);
	}
	assert_int_equal(h_count(&h, RAFT_MSG_VOTE, 0, 0, -1), 0);
	/* it caught up with what was committed meanwhile */
	assert_string_equal(h_sm(&h, 3), "a");
	h_free(&h);
}

/* The same without PreVote: the isolated node inflates its term and
 * deposes the leader on return (what PreVote prevents). */
static void test_without_prevote_rejoin_bumps_term(void **state)
{
	struct harness h;
	struct raft_options o;
	(void)state;
	h_default_options(&o);
	o.pre_vote = false;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	assert_int_equal(raft_term(h_raft(&h, 1)), 2);
	h_isolate(&h, 3);
	h_run(&h, 100);
	assert_true(raft_term(h_raft(&h, 3)) > 5);
	assert_int_equal(raft_role(h_raft(&h, 3)), RAFT_CANDIDATE);
	h_heal_all(&h);
	h_run(&h, 1);
	assert_true(raft_term(h_raft(&h, 1)) > 5);
	assert_int_not_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);
	h_free(&h);
}

/* Node 1 of a 3-voter cluster with persisted log terms [1, 2, 2] at
 * term 2, no vote and no leader. */
static void load_voter(struct harness *h, uint32_t mutations)
{
	static const uint64_t terms[] = {1, 2, 2};
	struct raft_options o;
	h_default_options(&o);
	o.mutations = mutations;
	h_init(h, 3, 0, 0, &o);
	h_preload(h, 1, 2, 1, 3, terms, 3);
	h_process(h, 1);
	h_drop(h, 0, 0, 0);
}

/* A vote (and a PreVote) is granted only to a log at least as up to date:
 * higher last term, or the same last term and a last index as high. */
static void test_vote_needs_up_to_date_log(void **state)
{
	static const struct {
		int type;
		uint64_t last_term, last_index;
		bool grant;
	} cases[] = {
		{RAFT_MSG_VOTE, 2, 2, false},    /* shorter, same term */
		{RAFT_MSG_VOTE, 1, 10, false},   /* longer, older term */
		{RAFT_MSG_VOTE, 2, 3, true},     /* identical */
		{RAFT_MSG_VOTE, 2, 4, true},     /* longer, same term */
		{RAFT_MSG_VOTE, 3, 1, true},     /* newer term, shorter */
		{RAFT_MSG_PREVOTE, 2, 2, false},
		{RAFT_MSG_PREVOTE, 1, 10, false},
		{RAFT_MSG_PREVOTE, 2, 3, true},
		{RAFT_MSG_PREVOTE, 3, 1, true},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct harness h;
		struct raft_message m;
		struct raft_ready rd;
		bool pre = cases[i].type == RAFT_MSG_PREVOTE;
		load_voter(&h, 0);
		m = h_msg(cases[i].type, 2, 1, 3);
		m.last_term = cases[i].last_term;
		m.last_index = cases[i].last_index;
		assert_int_equal(raft_step(h_raft(&h, 1), &m), GAIA_OK);
		assert_int_equal(raft_ready(h_raft(&h, 1), &rd), GAIA_OK);
		/* the answer waits for the hard state to be durable */
		assert_int_equal(rd.n_msgs, 0);
		assert_int_equal(rd.n_msgs_after, 1);
		assert_int_equal(rd.msgs_after[0].type,
				 pre ? RAFT_MSG_PREVOTE_RESP : RAFT_MSG_VOTE_RESP);
		assert_int_equal(rd.msgs_after[0].to, 2);
		assert_int_equal(rd.msgs_after[0].reject, !cases[i].grant);
		if (pre) {
			/* a PreVote changes nothing durable */
			assert_false(rd.has_hard_state);
			assert_int_equal(raft_term(h_raft(&h, 1)), 2);
			assert_int_equal(raft_vote(h_raft(&h, 1)), 0);
			assert_int_equal(rd.msgs_after[0].term, cases[i].grant ? 3 : 2);
		} else {
			/* a higher-term request moves the term either way */
			assert_true(rd.has_hard_state);
			assert_int_equal(rd.hard_state.term, 3);
			assert_int_equal(rd.hard_state.vote, cases[i].grant ? 2 : 0);
			assert_int_equal(raft_vote(h_raft(&h, 1)), cases[i].grant ? 2 : 0);
			assert_int_equal(rd.msgs_after[0].term, 3);
		}
		raft_advance(h_raft(&h, 1), &rd);
		h_free(&h);
	}
}

/* The test-only mutation that skips the log check really grants a stale
 * candidate (so the assertions above can fail). */
static void test_vote_mutation_grants_stale(void **state)
{
	struct harness h;
	struct raft_message m;
	(void)state;
	load_voter(&h, RAFT_MUT_VOTE_NO_LOG_CHECK);
	m = h_msg(RAFT_MSG_VOTE, 2, 1, 3);
	m.last_term = 1;
	m.last_index = 10;
	h_step(&h, 1, &m);
	assert_int_equal(raft_vote(h_raft(&h, 1)), 2);
	assert_false(h_find_queued(&h, RAFT_MSG_VOTE_RESP, 1, 2)->reject);
	h_free(&h);
}

static const struct raft_message *vote_answer(struct harness *h, raft_id from,
					      raft_id to, uint64_t term)
{
	struct raft_message m = h_msg(RAFT_MSG_VOTE, from, to, term);
	m.last_index = raft_last_index(h_raft(h, to));
	m.last_term = raft_last_term(h_raft(h, to));
	h_step(h, to, &m);
	assert_int_equal(h_queued(h, RAFT_MSG_VOTE_RESP, to, from), 1);
	return h_find_queued(h, RAFT_MSG_VOTE_RESP, to, from);
}

/* At most one vote per term, also across a restart; a repeated request
 * from the same candidate is granted again. */
static void test_one_vote_per_term(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);

	assert_false(vote_answer(&h, 2, 1, 2)->reject);
	h_drop(&h, 0, 0, 0);
	assert_int_equal(raft_vote(h_raft(&h, 1)), 2);
	assert_int_equal(h_node(&h, 1)->hs.term, 2);
	assert_int_equal(h_node(&h, 1)->hs.vote, 2);

	assert_true(vote_answer(&h, 3, 1, 2)->reject);
	h_drop(&h, 0, 0, 0);
	assert_false(vote_answer(&h, 2, 1, 2)->reject);
	h_drop(&h, 0, 0, 0);

	/* the vote is durable: a restarted node does not vote twice */
	h_crash(&h, 1);
	h_restart(&h, 1);
	h_process(&h, 1);
	assert_int_equal(raft_vote(h_raft(&h, 1)), 2);
	assert_true(vote_answer(&h, 3, 1, 2)->reject);
	h_drop(&h, 0, 0, 0);

	/* a new term, a new vote */
	assert_false(vote_answer(&h, 3, 1, 3)->reject);
	assert_int_equal(raft_vote(h_raft(&h, 1)), 3);
	assert_int_equal(h_node(&h, 1)->hs.vote, 3);
	h_drop(&h, 0, 0, 0);
	h_free(&h);
}

/* CheckQuorum: a leader cut off from every follower stays leader through
 * the election timeout in which it last heard from them and steps down at
 * the end of the next one (ticks 10 and 20 after its election); its term
 * does not move and it refuses writes. */
static void test_check_quorum_steps_down(void **state)
{
	struct harness h;
	struct raft *l;
	struct raft_buf *b = raft_buf_new("x", 1);
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	h_isolate(&h, 1);
	for (int k = 1; k < 20; k++) {
		h_tick(&h, 1, 1);
		assert_int_equal(raft_role(l), RAFT_LEADER);
	}
	h_tick(&h, 1, 1);
	assert_int_equal(raft_role(l), RAFT_FOLLOWER);
	assert_int_equal(raft_leader(l), 0);
	assert_int_equal(raft_term(l), 2);
	assert_int_equal(raft_propose(l, b, NULL, NULL), GAIA_ENOTLEADER);
	raft_buf_unref(b);
	h_free(&h);
}

/* One follower is a quorum of 3: the leader stays; the cut-off follower
 * cannot take over (its PreVotes are ignored inside the lease). */
static void test_check_quorum_majority_keeps_leader(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_cut(&h, 1, 3);
	h_run(&h, 100);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);
	assert_int_equal(h_leader(&h), 1);
	for (raft_id i = 1; i <= 3; i++)
		assert_int_equal(raft_term(h_raft(&h, i)), 2);
	/* node 3 asked, node 2 never answered */
	assert_true(h_count(&h, RAFT_MSG_PREVOTE, 3, 2, -1) > 0);
	assert_int_equal(h_count(&h, RAFT_MSG_PREVOTE_RESP, 2, 3, -1), 0);
	h_free(&h);
}

/* Without CheckQuorum a cut-off leader stays leader forever. */
static void test_no_check_quorum_keeps_leader(void **state)
{
	struct harness h;
	struct raft_options o;
	(void)state;
	h_default_options(&o);
	o.check_quorum = false;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	h_isolate(&h, 1);
	h_tick(&h, 1, 100);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);
	h_free(&h);
}

/* A follower in its leader's lease (heard from it less than an election
 * timeout ago) ignores higher-term PreVote and Vote requests: no answer,
 * no term change. Leadership transfer requests pass; after the lease,
 * requests are answered. */
static void test_lease_ignores_vote_requests(void **state)
{
	struct harness h;
	struct raft *f;
	struct raft_message m;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	f = h_raft(&h, 2);
	assert_int_equal(raft_vote(f), 1);

	m = h_msg(RAFT_MSG_VOTE, 3, 2, 5);
	m.last_index = raft_last_index(f);
	m.last_term = raft_last_term(f);
	h_step(&h, 2, &m);
	m.type = RAFT_MSG_PREVOTE;
	h_step(&h, 2, &m);
	assert_int_equal(h.nq, 0);
	assert_int_equal(raft_term(f), 2);
	assert_int_equal(raft_vote(f), 1);
	assert_int_equal(raft_leader(f), 1);

	/* still in the lease after 9 ticks without the leader */
	h_tick(&h, 2, 9);
	h_step(&h, 2, &m);
	assert_int_equal(h.nq, 0);
	/* out of it at 10 (node 2's own timeout is 11: it has not moved) */
	h_tick(&h, 2, 1);
	assert_int_equal(raft_role(f), RAFT_FOLLOWER);
	h_step(&h, 2, &m);
	assert_int_equal(h_queued(&h, RAFT_MSG_PREVOTE_RESP, 2, 3), 1);
	assert_false(h_find_queued(&h, RAFT_MSG_PREVOTE_RESP, 2, 3)->reject);
	assert_int_equal(h_find_queued(&h, RAFT_MSG_PREVOTE_RESP, 2, 3)->term, 5);
	assert_int_equal(raft_term(f), 2);
	m.type = RAFT_MSG_VOTE;
	h_step(&h, 2, &m);
	assert_false(h_find_queued(&h, RAFT_MSG_VOTE_RESP, 2, 3)->reject);
	assert_int_equal(raft_term(f), 5);
	assert_int_equal(raft_vote(f), 3);
	h_drop(&h, 0, 0, 0);
	h_free(&h);

	/* a transfer's vote passes the lease */
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	f = h_raft(&h, 2);
	m = h_msg(RAFT_MSG_VOTE, 3, 2, 3);
	m.last_index = raft_last_index(f);
	m.last_term = raft_last_term(f);
	m.transfer = true;
	h_step(&h, 2, &m);
	assert_int_equal(raft_term(f), 3);
	assert_int_equal(raft_vote(f), 3);
	assert_false(h_find_queued(&h, RAFT_MSG_VOTE_RESP, 2, 3)->reject);
	h_drop(&h, 0, 0, 0);
	h_free(&h);
}

/* raft_peer_down(leader): the follower campaigns after two heartbeat
 * intervals (here 2 x 2 ticks), and a voter told the same grants it
 * inside its lease. */
static void test_peer_down_fast_failover(void **state)
{
	struct harness h;
	struct raft_options o;
	(void)state;
	h_default_options(&o);
	o.heartbeat_ticks = 2;
	h_init(&h, 3, 3, 0, &o);
	h_elect(&h, 1);
	h_crash(&h, 1);
	raft_peer_down(h_raft(&h, 2), 1);
	raft_peer_down(h_raft(&h, 3), 1);
	h_tick(&h, 2, 3);
	assert_int_equal(raft_role(h_raft(&h, 2)), RAFT_FOLLOWER);
	assert_int_equal(h.nq, 0);
	h_tick(&h, 2, 1);
	assert_int_equal(raft_role(h_raft(&h, 2)), RAFT_PRE_CANDIDATE);
	assert_int_equal(h_queued(&h, RAFT_MSG_PREVOTE, 2, 3), 1);
	h_stabilize(&h);
	assert_int_equal(raft_role(h_raft(&h, 2)), RAFT_LEADER);
	assert_int_equal(raft_term(h_raft(&h, 2)), 3);
	assert_int_equal(raft_leader(h_raft(&h, 3)), 2);
	assert_int_equal(raft_vote(h_raft(&h, 3)), 2);
	h_free(&h);
}

/* The same when node 3 did not see the connection drop: it is in its
 * lease and ignores node 2, which stays a pre-candidate at term 2. */
static void test_peer_down_other_voter_in_lease(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	h_crash(&h, 1);
	raft_peer_down(h_raft(&h, 2), 1);
	h_tick(&h, 2, 2);
	assert_int_equal(raft_role(h_raft(&h, 2)), RAFT_PRE_CANDIDATE);
	h_stabilize(&h);
	assert_int_equal(h_count(&h, RAFT_MSG_PREVOTE, 2, 3, -1), 1);
	assert_int_equal(h_count(&h, RAFT_MSG_PREVOTE_RESP, 3, 2, -1), 0);
	assert_int_equal(raft_role(h_raft(&h, 2)), RAFT_PRE_CANDIDATE);
	assert_int_equal(raft_term(h_raft(&h, 2)), 2);
	assert_int_equal(raft_term(h_raft(&h, 3)), 2);
	h_free(&h);
}

/* raft_peer_down for a node that is not the leader changes nothing, and
 * a leader that is alive after all cancels it with its next message. */
static void test_peer_down_ignored(void **state)
{
	struct harness h;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	raft_peer_down(h_raft(&h, 2), 3);
	h_tick(&h, 2, 5);
	assert_int_equal(raft_role(h_raft(&h, 2)), RAFT_FOLLOWER);
	h_drop(&h, 0, 0, 0);

	raft_peer_down(h_raft(&h, 2), 1);
	raft_peer_down(h_raft(&h, 3), 1);
	h_trace_clear(&h);
	h_run(&h, 20); /* the leader's heartbeats arrive every tick */
	assert_int_equal(h_leader(&h), 1);
	for (raft_id i = 1; i <= 3; i++)
		assert_int_equal(raft_term(h_raft(&h, i)), 2);
	assert_int_equal(h_count(&h, RAFT_MSG_PREVOTE, 0, 0, -1), 0);
	h_free(&h);
}

/* A timed-out election: a candidate that gets no majority of votes stays
 * candidate and retries in a new term; two votes out of three win. */
static void test_candidate_needs_majority(void **state)
{
	struct harness h;
	struct raft_options o;
	(void)state;
	h_default_options(&o);
	o.pre_vote = false;
	h_init(&h, 3, 3, 0, &o);
	h_isolate(&h, 1);
	assert_int_equal(raft_campaign(h_raft(&h, 1)), GAIA_OK);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_CANDIDATE);
	assert_int_equal(raft_term(h_raft(&h, 1)), 2);
	assert_int_equal(raft_vote(h_raft(&h, 1)), 1);
	h_stabilize(&h);
	h_tick(&h, 1, 9);
	assert_int_equal(raft_term(h_raft(&h, 1)), 2);
	h_tick(&h, 1, 1); /* node 1's timeout: exactly T */
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_CANDIDATE);
	assert_int_equal(raft_term(h_raft(&h, 1)), 3);
	h_heal_all(&h);
	h_drop(&h, 0, 0, 0);
	/* node 3 still cut off: node 2's vote makes the majority */
	h_cut(&h, 1, 3);
	assert_int_equal(raft_campaign(h_raft(&h, 1)), GAIA_OK);
	h_stabilize(&h);
	assert_int_equal(raft_role(h_raft(&h, 1)), RAFT_LEADER);
	assert_int_equal(raft_term(h_raft(&h, 1)), 4);
	h_free(&h);
}

/* What the leader shows of each follower: last contact (tick of the last
 * answer) and recent activity, which CheckQuorum clears at each check. */
static void test_progress_contact(void **state)
{
	struct harness h;
	struct raft_progress_info p2, p3;
	struct raft *l;
	(void)state;
	h_init(&h, 3, 3, 0, NULL);
	h_elect(&h, 1);
	l = h_raft(&h, 1);
	h_run(&h, 5);
	assert_int_equal(raft_ticks(l), 5);
	assert_int_equal(raft_progress(l, 2, &p2), GAIA_OK);
	assert_int_equal(p2.id, 2);
	assert_int_equal(p2.last_contact, 5);
	assert_true(p2.recent_active);
	h_cut(&h, 1, 2);
	h_run(&h, 3);
	assert_int_equal(raft_progress(l, 2, &p2), GAIA_OK);
	assert_int_equal(raft_progress(l, 3, &p3), GAIA_OK);
	assert_int_equal(p2.last_contact, 5);
	assert_int_equal(p3.last_contact, 8);
	assert_true(p2.recent_active);
	h_run(&h, 2); /* the check at tick 10 */
	assert_int_equal(raft_progress(l, 2, &p2), GAIA_OK);
	assert_int_equal(raft_progress(l, 3, &p3), GAIA_OK);
	assert_false(p2.recent_active);
	assert_true(p3.recent_active);
	assert_int_equal(p3.last_contact, 10);
	assert_int_equal(raft_progress(l, 9, &p2), GAIA_ENOTFOUND);
	assert_int_equal(raft_progress(h_raft(&h, 2), 1, &p2), GAIA_ENOTLEADER);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_in_range_seeded),
		cmocka_unit_test(test_timeout_injected),
		cmocka_unit_test(test_heartbeats_keep_followers),
		cmocka_unit_test(test_prevote_rejoin_keeps_term),
		cmocka_unit_test(test_without_prevote_rejoin_bumps_term),
		cmocka_unit_test(test_vote_needs_up_to_date_log),
		cmocka_unit_test(test_vote_mutation_grants_stale),
		cmocka_unit_test(test_one_vote_per_term),
		cmocka_unit_test(test_check_quorum_steps_down),
		cmocka_unit_test(test_check_quorum_majority_keeps_leader),
		cmocka_unit_test(test_no_check_quorum_keeps_leader),
		cmocka_unit_test(test_progress_contact),
		cmocka_unit_test(test_lease_ignores_vote_requests),
		cmocka_unit_test(test_peer_down_fast_failover),
		cmocka_unit_test(test_peer_down_other_voter_in_lease),
		cmocka_unit_test(test_peer_down_ignored),
		cmocka_unit_test(test_candidate_needs_majority),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
