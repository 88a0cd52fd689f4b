/* raft_harness.h - a small in-memory cluster for the consensus core's unit
 * tests.
 *
 * Nodes have ids 1..n. Every message a core emits goes into one FIFO queue
 * that the test delivers (or drops) explicitly; nothing moves on its own.
 * Each node has a fake durable storage (hard state, log, snapshot bytes),
 * a trivial state machine (the payloads of applied normal entries, one
 * after another) and records of what its Ready batches carried. Ready
 * batches are processed in the order raft.h documents: send msgs, store
 * snapshot chunks (install), persist hard state and entries, send
 * msgs_after, apply committed entries, record reads, advance.
 *
 * The harness checks the Ready contract as it goes (entries contiguous
 * with the persisted log, committed entries applied in order without
 * gaps, snapshot chunks contiguous, the install matching the chunks); a
 * violation fails the running cmocka test. */
#ifndef GAIA_TESTS_RAFT_HARNESS_H
#define GAIA_TESTS_RAFT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

#define H_MAX_NODES 8
#define H_CLUSTER_ID 0x6761696167u

/* One snapshot chunk as a Ready handed it over. */
struct h_chunk_rec {
	uint64_t snap_index;
	uint64_t offset;
	uint32_t len;
	bool last;
	uint64_t ready_seq; /* n_readies of the Ready that carried it */
};

/* One message as it was stepped into its receiver (payloads not kept). */
struct h_rec {
	uint8_t type;
	raft_id from, to;
	uint64_t term;
	bool reject;
	bool transfer;
	bool last;
	uint64_t index, prev_index, prev_term, hint_index, hint_term;
	uint64_t commit, ctx, offset, last_index, last_term;
	uint32_t n_entries;
	uint64_t first_entry; /* index of entries[0] (0: none) */
};

struct harness;

struct h_node {
	struct harness *h;
	raft_id id;
	struct raft *r; /* NULL while crashed */
	struct raft_options o;
	uint64_t rand_val; /* what the injected generator returns */

	/* durable storage */
	struct raft_hard_state hs;
	struct raft_entry *log; /* persisted entries, contiguous */
	size_t n_log, cap_log;
	struct raft_snapshot_meta snap;
	uint8_t *snap_data;
	size_t snap_len;
	uint64_t snap_reads; /* snapshot_read calls answered */

	/* a snapshot arriving in chunks */
	uint8_t *recv_data;
	size_t recv_len, recv_cap;
	uint64_t recv_index, recv_term;

	/* the state machine */
	uint8_t *sm;
	size_t sm_len, sm_cap;
	uint64_t applied;
	uint64_t n_applied; /* entries applied (all types) since start */

	/* what Ready batches carried */
	uint64_t n_readies;
	struct raft_read *reads;
	size_t n_reads, cap_reads;
	struct h_chunk_rec *chunks;
	size_t n_chunks, cap_chunks;
	size_t n_installs;
	uint64_t install_ready_seq;
	struct raft_snapshot_meta last_install;
};

struct harness {
	int n;
	struct h_node nodes[H_MAX_NODES + 1]; /* 1-based */
	struct raft_message *q;               /* the network: FIFO */
	size_t nq, capq;
	bool cut[H_MAX_NODES + 1][H_MAX_NODES + 1]; /* cut[from][to]: dropped */
	size_t n_dropped;
	struct h_rec *trace; /* messages stepped, in order */
	size_t ntrace, captrace;
};

/* Options the tests start from: election 10 ticks, heartbeat 1, PreVote
 * and CheckQuorum on, cluster H_CLUSTER_ID. */
void h_default_options(struct raft_options *o);

/* n nodes (ids 1..n). Nodes 1..voters are voters and the next learners
 * are learners of the bootstrap configuration (index 1, term 1); the rest
 * start empty, outside the configuration. tmpl NULL: h_default_options.
 * Node i's injected generator returns i - 1 (election timeout T + i - 1)
 * until the test changes rand_val. Bootstrap state is persisted. */
void h_init(struct harness *h, int n, int voters, int learners,
	    const struct raft_options *tmpl);
void h_free(struct harness *h);

struct h_node *h_node(struct harness *h, raft_id id);
struct raft *h_raft(struct harness *h, raft_id id);

/* Ready processing, split so that tests can act between the two halves:
 * begin takes the Ready and sends rd->msgs; finish does the rest and
 * advances. */
void h_ready_begin(struct harness *h, raft_id id, struct raft_ready *rd);
void h_ready_finish(struct harness *h, raft_id id, struct raft_ready *rd);
/* Handle every pending Ready of one node / of all live nodes. */
bool h_process(struct harness *h, raft_id id);
bool h_process_all(struct harness *h);

/* Step m into node id (a copy; m stays the caller's), then process. */
void h_step(struct harness *h, raft_id id, const struct raft_message *m);

/* Deliver the messages queued now, in order (messages they cause are
 * queued behind); returns how many were stepped. */
size_t h_deliver(struct harness *h);
/* Deliver only the queued messages matching (type 0 / id 0 = any). */
size_t h_deliver_match(struct harness *h, int type, raft_id from, raft_id to);
/* Deliver only the first queued message matching; false if none. */
bool h_deliver_first(struct harness *h, int type, raft_id from, raft_id to);
/* Drop queued messages matching; returns how many. */
size_t h_drop(struct harness *h, int type, raft_id from, raft_id to);
size_t h_queued(const struct harness *h, int type, raft_id from, raft_id to);
/* The first queued message matching, or NULL. */
const struct raft_message *h_find_queued(const struct harness *h, int type,
					 raft_id from, raft_id to);
/* Process and deliver until nothing is left to do. */
void h_stabilize(struct harness *h);

/* Tick node id k times, processing its Ready after each (no delivery). */
void h_tick(struct harness *h, raft_id id, int k);
/* k rounds of: tick every live node, then stabilize. */
void h_run(struct harness *h, int k);

/* raft_campaign on id, then stabilize; asserts id leads. */
void h_elect(struct harness *h, raft_id id);
/* Propose s on id (asserting success); returns its index. */
uint64_t h_propose(struct harness *h, raft_id id, const char *s);
/* n proposals "<tag><i>;" on id, then stabilize. */
void h_propose_n(struct harness *h, raft_id id, int n, const char *tag);
/* The live leader with the highest term (0 if none). */
raft_id h_leader(const struct harness *h);

/* Partitions: messages between cut nodes are dropped at delivery. */
void h_cut(struct harness *h, raft_id a, raft_id b);
void h_cut_oneway(struct harness *h, raft_id from, raft_id to);
void h_heal(struct harness *h, raft_id a, raft_id b);
void h_isolate(struct harness *h, raft_id id);
void h_heal_all(struct harness *h);

/* Crash: the core is freed, durable storage stays, messages to it are
 * dropped. Restart: a new core loaded from durable storage. */
void h_crash(struct harness *h, raft_id id);
void h_restart(struct harness *h, raft_id id);
/* Wipe: crash id, delete its durable state, start an empty core (as a
 * node whose data dir was wiped: no configuration, term 0). */
void h_wipe(struct harness *h, raft_id id);

/* Replace id's durable state: a log whose entry i + 1 has term terms[i]
 * (entry 1 the configuration of voters 1..voters, the others normal
 * entries "<index>@<term>"), hard state {term, no vote, commit}; then
 * restart id from it. */
void h_preload(struct harness *h, raft_id id, uint64_t term, uint64_t commit,
	       int voters, const uint64_t *terms, size_t n);

/* Take a snapshot of node id at its applied index (data: its state
 * machine), store it and compact keeping trailing entries. */
void h_snapshot(struct harness *h, raft_id id, uint64_t trailing);
/* The same with other bytes standing for the state (a file taken again,
 * or by another node: same index, other bytes and size). */
void h_snapshot_bytes(struct harness *h, raft_id id, const void *data, size_t len,
		      uint64_t trailing);
/* The file id the harness gives snapshot bytes (a hash; never 0). */
uint64_t h_file_id(const void *data, size_t len);

/* Messages stepped so far matching (type 0 / id 0 = any; reject -1 any). */
size_t h_count(const struct harness *h, int type, raft_id from, raft_id to,
	       int reject);
void h_trace_clear(struct harness *h);

/* The state machine of id as a NUL-terminated string (static buffer). */
const char *h_sm(struct harness *h, raft_id id);

/* A message from -> to of type at term, cluster H_CLUSTER_ID. */
struct raft_message h_msg(int type, raft_id from, raft_id to, uint64_t term);

/* Persisted entries of id as the list "index:term,..." (static buffer). */
const char *h_log_str(struct harness *h, raft_id id);

#endif
