/* sim.h - the deterministic cluster simulator: real cores over a simulated
 * network and disk, driven by one seed, checked after every event. */
#ifndef GAIA_SIM_H
#define GAIA_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "raft/raft.h"

#define SIM_MAX_NODES 24 /* ids ever started in one run */
#define SIM_KEYS 5
#define SIM_TICK 10 /* time units per core tick */

/* What a node has made durable. */
struct sim_disk {
	struct raft_hard_state hs;
	struct raft_entry *log;
	size_t n, cap;
	struct raft_snapshot_meta snap;
	uint8_t *snap_data;
	uint8_t *recv; /* snapshot being received (a temp file: lost on crash) */
	size_t recv_len;
	uint64_t snap_takes; /* snapshots taken by this node (varies the bytes) */
};

struct sim_kv {
	uint64_t value[SIM_KEYS];  /* write id, 0 = absent */
	uint64_t modify[SIM_KEYS]; /* index that last wrote the key */
};

struct sim_read {
	uint64_t ctx;
	uint64_t index; /* 0 until released */
	int key;
	uint64_t floor; /* index of the last write acked before it began */
	uint64_t start;
};

struct sim_node {
	raft_id id;
	bool exists;
	bool up;
	bool member;  /* last known: in the configuration (liveness) */
	struct raft *r;
	struct sim_disk disk;
	struct sim_kv kv;
	uint64_t applied;
	bool rd_pending;
	struct raft_ready rd;
	uint64_t rd_done_at;
	uint64_t restart_at;
	uint64_t crash_at; /* a crash scheduled (0: none) */
	uint32_t tick_phase;
	uint64_t seen_commit;
	int seen_role;
	uint64_t led_term; /* term whose durable leadership was recorded */
	struct sim_read *reads;
	size_t n_reads, cap_reads;
};

struct sim_msg {
	uint64_t at;
	uint64_t seq;
	struct raft_message m;
};

enum sim_write_state { W_PENDING, W_ACKED, W_LOST };

struct sim_write {
	uint64_t id;
	int key;
	raft_id node;
	uint64_t index, term;
	uint64_t start, acked_at;
	int state;
};

struct sim_event {
	uint64_t t;
	int kind;
	uint64_t a, b, c, d, e;
};

struct sim_params {
	int nodes;    /* voters of the bootstrap configuration (1..9) */
	int learners; /* learners of it, never promoted by the schedule */
	bool adversary; /* one member's messages are mutated into invalid ones */
	uint64_t seed;
	bool trace;
	uint32_t mutations;
	uint64_t fault_ticks;    /* length of the faulty phase */
	uint64_t liveness_ticks; /* bound after healing */
};

struct sim {
	struct sim_params p;
	uint64_t rng;
	uint64_t now;
	uint64_t events;
	char failure[512];
	bool failed;

	/* knobs drawn per seed */
	uint32_t loss_pct, dup_pct, max_delay, max_disk;
	uint32_t crash_rate, part_rate, op_rate, member_rate, snap_rate;
	uint32_t trailing;
	uint32_t hold_pct; /* vote requests held for long (across re-adds) */
	uint32_t late_pct; /* a Ready taken a step late (more piles into it) */
	uint32_t new_leader_crash_pct; /* a new leader crashes before its
					* first batch is on disk */
	raft_id adversary; /* its messages are mutated (0: none) */
	uint64_t mutated;  /* messages it sent mutated */

	struct sim_node nodes[SIM_MAX_NODES];
	int n_nodes;
	bool blocked[SIM_MAX_NODES][SIM_MAX_NODES];
	uint64_t link_at[SIM_MAX_NODES][SIM_MAX_NODES]; /* FIFO once healed */
	bool partitioned;
	bool faults_on;
	bool tiny_msgs; /* one entry per AppendEntries */
	bool plain_votes; /* no PreVote, no CheckQuorum (directed schedules) */

	struct sim_msg *heap;
	size_t heap_n, heap_cap;
	uint64_t msg_seq;

	/* what every node must agree on */
	uint64_t *committed; /* index -> term */
	uint64_t *applied_term;
	uint64_t *applied_hash;
	size_t hist_cap;
	raft_id *leader_of_term;
	size_t terms_cap;

	struct sim_write *writes;
	size_t n_writes, cap_writes;
	uint64_t last_acked_index[SIM_KEYS];
	uint64_t next_ctx;
	uint64_t reads_served;

	struct sim_event ring[64];
	uint64_t ring_n;
};

/* sim_world.c */
uint64_t sim_rand(struct sim *s);
/* The file id the simulator gives snapshot bytes (a hash; never 0). */
uint64_t sim_file_id(const uint8_t *p, size_t len);
/* A learner never promoted by the schedule (--learners). */
bool sim_fixed_learner(const struct sim *s, raft_id id);
uint32_t sim_below(struct sim *s, uint32_t n);
int sim_init(struct sim *s, const struct sim_params *p);
void sim_free(struct sim *s);
struct sim_node *sim_node_by_id(struct sim *s, raft_id id);
int sim_slot(struct sim *s, raft_id id);
void sim_start_node(struct sim *s, struct sim_node *n, bool bootstrap,
		    const struct raft_conf *conf);
void sim_crash(struct sim *s, struct sim_node *n);
void sim_restart(struct sim *s, struct sim_node *n);
void sim_wipe(struct sim *s, struct sim_node *n);
void sim_pump(struct sim *s, struct sim_node *n);
void sim_deliver_due(struct sim *s);
void sim_complete_disk(struct sim *s);
void sim_take_snapshot(struct sim *s, struct sim_node *n);
/* Hold the queued messages matching (type, from, to) in the network until
 * time until; returns how many. */
size_t sim_hold(struct sim *s, int type, raft_id from, raft_id to, uint64_t until);

/* sim_check.c */
void sim_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_check_node(struct sim *s, struct sim_node *n);
void sim_check_logs(struct sim *s);
void sim_on_apply(struct sim *s, struct sim_node *n, const struct raft_entry *e);
void sim_on_read(struct sim *s, struct sim_node *n, const struct sim_read *rd);

/* sim_trace.c */
enum sim_ev {
	EV_DELIVER = 1, EV_DROP, EV_DUP, EV_CRASH, EV_RESTART, EV_PARTITION,
	EV_ONEWAY, EV_HEAL, EV_PROPOSE, EV_ACK, EV_READ, EV_READ_OK, EV_ADD,
	EV_PROMOTE, EV_REMOVE, EV_TRANSFER, EV_SNAPSHOT, EV_ROLE, EV_COMMIT,
	EV_INSTALL, EV_LIVENESS, EV_READD,
};
void sim_event(struct sim *s, int kind, uint64_t a, uint64_t b, uint64_t c,
	       uint64_t d, uint64_t e);
void sim_print_event(FILE *f, const struct sim_event *ev);
void sim_dump_ring(struct sim *s, FILE *f);

/* sim_run.c */
int sim_run(const struct sim_params *p, uint64_t *events);

/* sim_scenario.c: 0 passed, 1 a check failed, 2 unknown, 3 did not unfold */
int sim_scenario(const struct sim_params *p, const char *name, uint64_t *events);

#endif
