/* raft.h - the consensus core: a pure, deterministic Raft state machine.
 *
 * Inputs: raft_step() (a message from a peer), raft_tick() (one unit of
 * time), raft_propose(), raft_read_index(), raft_change_membership(),
 * raft_transfer_leadership(). Output: a Ready batch taken with
 * raft_ready() and acknowledged with raft_advance(). The core performs no
 * I/O, reads no clock and owns no randomness source: time is ticks,
 * randomness comes from the injected generator, and snapshot bytes are read
 * through the caller's storage interface.
 *
 * Processing a Ready, in this order:
 *   1. send rd.msgs at once (the leader's AppendEntries go out in parallel
 *      with its own disk write);
 *   2. store each rd.snap_chunks[] at its offset (a snapshot arriving from
 *      the leader); if rd.has_install, restore the state machine from the
 *      assembled snapshot and discard the whole log;
 *   3. persist rd.hard_state (if rd.has_hard_state) and rd.entries: if the
 *      first entry's index is not after the last persisted one, truncate
 *      the persisted log from that index first;
 *   4. only then send rd.msgs_after (votes, acknowledgements: they promise
 *      durability);
 *   5. apply rd.committed in order; answer rd.reads once the applied index
 *      reaches each read's index;
 *   6. raft_advance(r, rd).
 * Between raft_ready() and raft_advance() the caller may keep calling
 * step/tick/propose (the disk write runs asynchronously); only one Ready
 * may be outstanding.
 *
 * Entry payloads are reference-counted buffers (struct raft_buf) so that
 * the log, messages and Ready batches share them without copies. All of
 * this runs on one thread. */
#ifndef GAIA_RAFT_H
#define GAIA_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gaia.h"

typedef uint64_t raft_id; /* 0 means "nobody" */

#define RAFT_MAX_SERVERS 16 /* voters + learners in one configuration */
#define RAFT_MAX_REMOVED 64 /* removed ids remembered (oldest forgotten) */

/* --- buffers and entries ------------------------------------------------ */

struct raft_buf {
	uint32_t refs;
	uint32_t len;
	uint8_t data[];
};

/* A new buffer holding a copy of data (refs = 1); NULL on ENOMEM. */
struct raft_buf *raft_buf_new(const void *data, size_t len);
struct raft_buf *raft_buf_ref(struct raft_buf *b);
void raft_buf_unref(struct raft_buf *b);

enum raft_entry_type {
	RAFT_ENTRY_NORMAL = 1, /* an application command */
	RAFT_ENTRY_NOOP = 2,   /* appended by every new leader */
	RAFT_ENTRY_CONF = 3,   /* a whole configuration (raft_conf_encode) */
};

struct raft_entry {
	uint64_t index;
	uint64_t term;
	uint8_t type;
	struct raft_buf *buf; /* NULL for an empty payload */
};

/* --- configuration ------------------------------------------------------ */

enum raft_server_role { RAFT_VOTER = 1, RAFT_LEARNER = 2 };

struct raft_server {
	raft_id id;
	uint8_t role;
};

struct raft_conf {
	uint32_t n;
	struct raft_server servers[RAFT_MAX_SERVERS];
	uint32_t n_removed;
	raft_id removed[RAFT_MAX_REMOVED];
};

enum raft_conf_op {
	RAFT_CONF_ADD_LEARNER = 1, /* a new node, receiving the log, not voting */
	RAFT_CONF_PROMOTE = 2,     /* learner -> voter */
	RAFT_CONF_REMOVE = 3,      /* voter or learner -> remembered as removed */
	RAFT_CONF_READD = 4,       /* a removed id -> learner again, its removal
				    * forgotten (the node's data must have been
				    * wiped: the caller's to ensure) */
};

const struct raft_server *raft_conf_get(const struct raft_conf *c, raft_id id);
bool raft_conf_is_voter(const struct raft_conf *c, raft_id id);
bool raft_conf_is_removed(const struct raft_conf *c, raft_id id);
uint32_t raft_conf_voters(const struct raft_conf *c);
/* Apply one single-server change to c; GAIA_EINVAL/EEXIST/ENOTFOUND/
 * EREMOVED when it does not fit (ADD_LEARNER of a removed id is EREMOVED;
 * READD of an id that was not removed is ENOTFOUND). */
int raft_conf_apply(struct raft_conf *c, int op, raft_id id);

/* The payload of a RAFT_ENTRY_CONF entry: the whole new configuration,
 * the change that produced it, and opaque caller context (addresses). */
struct raft_conf_change {
	struct raft_conf conf;
	uint8_t op;
	raft_id id;
	const uint8_t *ctx;
	uint32_t ctx_len;
};
struct raft_buf *raft_conf_encode(const struct raft_conf_change *cc);
/* Decode; cc->ctx points into data. GAIA_EINVAL on malformed input. */
int raft_conf_decode(const void *data, size_t len, struct raft_conf_change *cc);

/* --- snapshots and persistent state ------------------------------------- */

struct raft_snapshot_meta {
	uint64_t index; /* last index included */
	uint64_t term;  /* term of that entry */
	uint64_t size;  /* bytes of the snapshot data */
	/* Which file: two snapshots at one index may differ in bytes and
	 * size (taken by different leaders, or again). The caller sets it
	 * (the file's checksum); a transfer is (index, term, size, file_id)
	 * on both sides, and a chunk of another file restarts it at 0. */
	uint64_t file_id;
	struct raft_conf conf;
};

struct raft_hard_state {
	uint64_t term;
	raft_id vote;
	uint64_t commit;
};

/* --- messages ----------------------------------------------------------- */

enum raft_msg_type {
	RAFT_MSG_PREVOTE = 1,
	RAFT_MSG_PREVOTE_RESP,
	RAFT_MSG_VOTE,
	RAFT_MSG_VOTE_RESP,
	RAFT_MSG_APPEND,
	RAFT_MSG_APPEND_RESP,
	RAFT_MSG_HEARTBEAT,
	RAFT_MSG_HEARTBEAT_RESP,
	RAFT_MSG_SNAPSHOT,
	RAFT_MSG_SNAPSHOT_RESP,
	RAFT_MSG_TIMEOUT_NOW,
	RAFT_MSG_TYPE_COUNT
};

/* One flat message; each type uses the fields named beside them. */
struct raft_message {
	uint8_t type;
	raft_id from;
	raft_id to;
	uint64_t cluster_id;
	uint64_t term;

	/* PREVOTE, VOTE: the candidate's log; transfer = leadership transfer
	 * (voters ignore their leader lease) */
	uint64_t last_index;
	uint64_t last_term;
	bool transfer;

	/* *_RESP: refused */
	bool reject;

	/* APPEND: prev_index/prev_term, entries, commit.
	 * APPEND_RESP: index = last index now matching (accept) or the
	 * rejected prev_index (reject); hint_index/hint_term: conflict hints */
	uint64_t prev_index;
	uint64_t prev_term;
	uint64_t commit;
	struct raft_entry *entries;
	uint32_t n_entries;
	uint64_t index;
	uint64_t hint_index;
	uint64_t hint_term;

	/* HEARTBEAT(_RESP): read-index round being confirmed; the
	 * response's index is the follower's last log index */
	uint64_t ctx;

	/* SNAPSHOT: meta, chunk at offset, last = final chunk.
	 * SNAPSHOT_RESP: offset = bytes the follower holds (next expected);
	 * last = installed (or not needed). */
	struct raft_snapshot_meta snap;
	uint64_t offset;
	struct raft_buf *chunk;
	bool last;
};

/* Deep copy (references payloads); release with raft_message_release. */
int raft_message_clone(const struct raft_message *m, struct raft_message *out);
void raft_message_release(struct raft_message *m);
const char *raft_msg_type_name(int type);

/* --- Ready -------------------------------------------------------------- */

struct raft_snap_chunk {
	struct raft_snapshot_meta meta;
	uint64_t offset;
	struct raft_buf *data;
	bool last;
};

enum raft_read_status { RAFT_READ_OK = 0, RAFT_READ_FAILED = 1 };

struct raft_read {
	uint64_t ctx;   /* what the caller passed to raft_read_index */
	uint64_t index; /* serve the read once applied >= index */
	int status;     /* RAFT_READ_FAILED: leadership lost, retry */
};

struct raft_ready {
	bool has_hard_state;
	struct raft_hard_state hard_state;

	struct raft_entry *entries;
	size_t n_entries;

	struct raft_snap_chunk *snap_chunks;
	size_t n_snap_chunks;
	bool has_install;
	struct raft_snapshot_meta install;

	struct raft_message *msgs;
	size_t n_msgs;
	struct raft_message *msgs_after;
	size_t n_msgs_after;

	struct raft_entry *committed;
	size_t n_committed;

	struct raft_read *reads;
	size_t n_reads;
};

/* --- the core ----------------------------------------------------------- */

enum raft_role {
	RAFT_FOLLOWER = 0,
	RAFT_PRE_CANDIDATE,
	RAFT_CANDIDATE,
	RAFT_LEADER,
};
const char *raft_role_name(int role);

/* Switches that break one rule on purpose: the simulator's mutation tests
 * prove that its checks catch each. Never set outside tests. */
enum raft_mutation {
	RAFT_MUT_COMMIT_OLD_TERM = 1u << 0,    /* count earlier-term entries */
	RAFT_MUT_VOTE_NO_LOG_CHECK = 1u << 1,  /* grant votes to stale logs */
	RAFT_MUT_ACK_BEFORE_PERSIST = 1u << 2, /* follower acks before fsync */
	RAFT_MUT_READ_NO_QUORUM = 1u << 3,     /* release reads unconfirmed */
	RAFT_MUT_LEADER_MSGS_BEFORE_PERSIST = 1u << 4, /* a new term's leader
						* traffic leaves before the term
						* is durable */
	RAFT_MUT_SNAPSHOT_ID_BY_INDEX = 1u << 5, /* a transfer is known by its
						  * index alone */
	RAFT_MUT_NO_APPEND_VALIDATION = 1u << 6, /* network messages not
						  * validated (asserts may
						  * fire) */
	RAFT_MUT_READD_SAME_INCARNATION = 1u << 7, /* a node with no
						    * configuration grants
						    * votes */
};

/* The highest term a node moves to. A message of a higher term is invalid
 * (no campaign could reach it: it is a bug or an attack) and a node at
 * this term does not campaign (raft_term_exhausted). */
#define RAFT_TERM_MAX (UINT64_C(1) << 62)

struct raft_storage {
	void *ud;
	/* Copy up to len bytes of the snapshot ending at index, from offset,
	 * into buf; *n = bytes copied. Non-zero: unavailable now. */
	int (*snapshot_read)(void *ud, uint64_t index, uint64_t offset,
			     void *buf, size_t len, size_t *n);
};

struct raft_options {
	raft_id id;
	uint64_t cluster_id;
	uint32_t election_ticks;  /* election timeout in ticks (e.g. 10) */
	uint32_t heartbeat_ticks; /* heartbeat interval in ticks (e.g. 1) */
	uint32_t max_inflight_msgs;   /* appends in flight per follower */
	uint64_t max_inflight_bytes;  /* payload bytes in flight per follower */
	uint64_t max_msg_bytes;       /* payload bytes per AppendEntries */
	uint32_t snapshot_chunk_bytes;
	bool pre_vote;
	bool check_quorum;
	/* randomness: rand(rand_ud) if set, else a generator seeded here */
	uint64_t (*rand)(void *ud);
	void *rand_ud;
	uint64_t seed;
	struct raft_storage storage;
	uint32_t mutations; /* enum raft_mutation bits; tests only */
};

/* Sensible defaults for everything but id, cluster_id and storage. */
void raft_options_default(struct raft_options *o);

struct raft;

struct raft *raft_new(const struct raft_options *o);
void raft_free(struct raft *r);
const char *raft_errmsg(const struct raft *r);

/* Restore persisted state at start: hard state, the latest snapshot (NULL
 * if none) and the entries after it, in order. Call once, before anything
 * else; a fresh node calls nothing (or raft_bootstrap). */
int raft_load(struct raft *r, const struct raft_hard_state *hs,
	      const struct raft_snapshot_meta *snap,
	      const struct raft_entry *entries, size_t n);

/* Start a new cluster: on an empty node, append the first configuration
 * (index 1, term 1). Every node bootstrapped with the same conf agrees. */
int raft_bootstrap(struct raft *r, const struct raft_conf *conf);
/* The same, with caller context (addresses) stored in the entry. */
int raft_bootstrap_ctx(struct raft *r, const struct raft_conf *conf,
		       const void *ctx, size_t ctx_len);

/* A node created before it knew its cluster (waiting to be added) learns
 * the id from the first member that contacts it. */
void raft_set_cluster_id(struct raft *r, uint64_t cluster_id);

int raft_step(struct raft *r, const struct raft_message *m);
void raft_tick(struct raft *r);

/* Leader only. On success, index and term say where the entry will sit.
 * GAIA_ENOTLEADER, GAIA_EBUSY (leadership transfer in progress). */
int raft_propose(struct raft *r, struct raft_buf *data, uint64_t *index,
		 uint64_t *term);

/* Ask for a linearizable read point; released in a Ready's reads with the
 * same ctx. Leader only (GAIA_ENOTLEADER otherwise). */
int raft_read_index(struct raft *r, uint64_t ctx);

/* One single-server change; ctx travels in the entry for the caller.
 * GAIA_EBUSY while another change is uncommitted. */
int raft_change_membership(struct raft *r, int op, raft_id id,
			   const void *ctx, size_t ctx_len, uint64_t *index);

/* to = 0 picks the most up-to-date other voter. */
int raft_transfer_leadership(struct raft *r, raft_id to);

/* The transport saw the connection to id close or reset: if id is the
 * leader, campaign after two heartbeat intervals instead of an election
 * timeout; voters that saw it too grant without waiting their lease. */
void raft_peer_down(struct raft *r, raft_id id);

/* Start an election now (operator's force-election on a leaderless node).
 * GAIA_EINVAL if this node may not vote. */
int raft_campaign(struct raft *r);

bool raft_has_ready(const struct raft *r);
/* Take the pending batch; *rd is owned by the core until raft_advance. */
int raft_ready(struct raft *r, struct raft_ready *rd);
void raft_advance(struct raft *r, struct raft_ready *rd);

/* Snapshots taken by the caller. raft_snapshot_meta_at fills the term and
 * configuration of an applied index (size left 0 for the caller). Then,
 * once the snapshot is stored, raft_compact records it as the latest and
 * drops entries up to meta->index - trailing from the log. */
int raft_snapshot_meta_at(struct raft *r, uint64_t index,
			  struct raft_snapshot_meta *meta);
int raft_compact(struct raft *r, const struct raft_snapshot_meta *meta,
		 uint64_t trailing);

/* --- what the caller may read ------------------------------------------- */

enum raft_progress_state {
	RAFT_PROGRESS_PROBE = 0,
	RAFT_PROGRESS_REPLICATE,
	RAFT_PROGRESS_SNAPSHOT,
};
const char *raft_progress_state_name(int s);

struct raft_progress_info {
	raft_id id;
	bool voter;
	uint64_t match_index;
	uint64_t next_index;
	int state;               /* enum raft_progress_state */
	uint64_t last_contact;   /* tick count when last heard from */
	bool recent_active;
	uint32_t inflight;
};

raft_id raft_id_of(const struct raft *r);
int raft_role(const struct raft *r);
raft_id raft_leader(const struct raft *r);
uint64_t raft_term(const struct raft *r);
raft_id raft_vote(const struct raft *r);
uint64_t raft_commit_index(const struct raft *r);
uint64_t raft_applied_index(const struct raft *r);
uint64_t raft_first_index(const struct raft *r); /* first in memory */
uint64_t raft_last_index(const struct raft *r);
uint64_t raft_last_term(const struct raft *r);
uint64_t raft_stable_index(const struct raft *r);
uint64_t raft_ticks(const struct raft *r);
raft_id raft_transferee(const struct raft *r);
const struct raft_conf *raft_conf(const struct raft *r);
uint64_t raft_conf_index(const struct raft *r);
const struct raft_snapshot_meta *raft_snapshot(const struct raft *r);
/* Term of the entry at index: known down to the compaction point (the
 * point itself included); 0 below it or beyond the last entry. */
uint64_t raft_term_at(const struct raft *r, uint64_t index);
/* The entry at index if still in memory, else NULL. */
const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t index);
/* Was id removed by a committed configuration (its messages refused)? */
bool raft_removed_for_good_id(const struct raft *r, raft_id id);
/* Messages from the network that failed validation and were dropped,
 * by type (1..RAFT_MSG_TYPE_COUNT-1); type 0 sums them all. */
uint64_t raft_invalid_messages(const struct raft *r, int type);
/* The latest invalid message: who sent it, its type and why it was
 * refused (a static string); count says how many so far (0: none yet).
 * The caller logs it, rate-limited. */
struct raft_invalid_info {
	raft_id from;
	int type;
	const char *reason;
	uint64_t count;
};
void raft_last_invalid(const struct raft *r, struct raft_invalid_info *out);
/* The term reached RAFT_TERM_MAX: this node will not campaign again. */
bool raft_term_exhausted(const struct raft *r);

/* Leader only: progress of a follower (or self); GAIA_ENOTFOUND. */
int raft_progress(const struct raft *r, raft_id id,
		  struct raft_progress_info *out);

#endif
