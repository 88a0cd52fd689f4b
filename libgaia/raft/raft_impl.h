/* raft_impl.h - the core's internal state, shared by its files only. */
#ifndef GAIA_RAFT_IMPL_H
#define GAIA_RAFT_IMPL_H

#include <assert.h>
#include <string.h>

#include "raft/raft.h"
#include "util/errmsg.h"

/* The in-memory log: entries first..last, with the compaction point
 * (snap_index, snap_term) just before them. */
struct raft_log {
	struct raft_entry *e;
	size_t cap;
	size_t head;  /* e[head] holds index snap_index + 1 ... */
	size_t count; /* ... and count entries follow */
	uint64_t snap_index;
	uint64_t snap_term;
};

void log_init(struct raft_log *l);
void log_free(struct raft_log *l);
uint64_t log_first(const struct raft_log *l); /* snap_index + 1 */
uint64_t log_last(const struct raft_log *l);
uint64_t log_last_term(const struct raft_log *l);
/* 0 if index is beyond the log or before the compaction point. */
uint64_t log_term(const struct raft_log *l, uint64_t index);
struct raft_entry *log_get(const struct raft_log *l, uint64_t index);
/* Append one entry taking a new reference to its buffer. */
int log_append(struct raft_log *l, const struct raft_entry *e);
/* Drop entries >= index. */
void log_truncate(struct raft_log *l, uint64_t index);
/* Drop entries <= index (they are in a snapshot). */
void log_compact(struct raft_log *l, uint64_t index, uint64_t term);
/* Drop everything: the log restarts after (index, term). */
void log_reset(struct raft_log *l, uint64_t index, uint64_t term);

/* In-flight AppendEntries to one follower: a ring of (last index, bytes). */
struct raft_inflight {
	uint64_t index;
	uint64_t bytes;
};

struct raft_progress {
	raft_id id;
	bool voter;
	int state;
	uint64_t match;
	uint64_t next;
	bool probe_sent;  /* PROBE: one append out, wait for an answer */
	bool recent_active;
	uint64_t last_contact;
	uint64_t read_ack; /* highest read-index round acknowledged */
	uint64_t match_round; /* read_round when match last advanced */
	uint64_t sent_commit; /* commit index last told to it */
	struct raft_inflight *ring;
	uint32_t ring_start;
	uint32_t ring_count;
	uint64_t inflight_bytes;
	/* SNAPSHOT state: the file being sent (index, term, size, file_id) */
	uint64_t snap_index;
	uint64_t snap_term;
	uint64_t snap_size;
	uint64_t snap_file_id;
	uint64_t snap_offset;  /* bytes acknowledged */
	uint64_t snap_sent_at; /* tick of the last chunk sent */
};

/* A message list growing by doubling. */
struct raft_msgq {
	struct raft_message *m;
	size_t n, cap;
};

struct raft_pending_read {
	uint64_t ctx;
	uint64_t index;
	uint64_t round;
};

struct raft {
	struct raft_options o;
	char errmsg[GAIA_ERRMSG_SIZE];
	uint64_t rng;

	/* persistent */
	uint64_t term;
	raft_id vote;
	struct raft_log log;

	/* volatile */
	int role;
	raft_id leader;
	uint64_t commit;
	uint64_t applied;
	uint64_t stable;        /* last index known durable */
	uint64_t unstable_from; /* first index not yet handed out in a Ready */
	uint64_t ticks;

	struct raft_conf conf;
	uint64_t conf_index;
	raft_id conf_removes; /* the id the last configuration removed */
	struct raft_snapshot_meta snap; /* latest snapshot (index 0: none) */

	uint32_t election_elapsed;
	uint32_t heartbeat_elapsed;
	uint32_t randomized_timeout;
	bool leader_down;           /* the transport lost the leader */
	uint32_t leader_down_elapsed;

	/* candidate */
	raft_id granted[RAFT_MAX_SERVERS];
	uint32_t n_granted;
	raft_id refused[RAFT_MAX_SERVERS];
	uint32_t n_refused;
	bool campaign_transfer;

	/* leader */
	struct raft_progress prs[RAFT_MAX_SERVERS];
	uint32_t n_prs;
	bool need_flush;
	raft_id transferee;
	uint32_t transfer_elapsed;
	uint64_t read_round;          /* last heartbeat round started */
	struct raft_pending_read *preads;
	size_t n_preads, cap_preads;

	/* follower receiving a snapshot */
	struct raft_snapshot_meta recv_snap;
	uint64_t recv_offset;

	/* output being accumulated for the next Ready */
	struct raft_msgq msgs;
	struct raft_msgq msgs_after;
	struct raft_snap_chunk *chunks;
	size_t n_chunks, cap_chunks;
	bool has_install;
	struct raft_snapshot_meta install;
	struct raft_read *reads;
	size_t n_reads, cap_reads;
	struct raft_hard_state last_hs; /* as of the last Ready */

	/* messages dropped by raft_validate */
	uint64_t invalid[RAFT_MSG_TYPE_COUNT];
	struct raft_invalid_info last_invalid;

	/* the outstanding Ready */
	bool rd_out;
	uint64_t rd_last_index;
	uint64_t rd_last_term;
	uint64_t rd_applied;
};

/* Bytes an entry header costs in flow control: index, term, type, length. */
#define RAFT_ENTRY_OVERHEAD 24

#define RAFT_MUT(r, bit) (((r)->o.mutations & (bit)) != 0)

/* raft_msg.c */
int msgq_push(struct raft_msgq *q, const struct raft_message *m);
void msgq_release(struct raft_msgq *q);
void msgq_free(struct raft_msgq *q);
void raft_msg_init(struct raft *r, struct raft_message *m, int type, raft_id to);
/* Queue m for sending: leader traffic at once, everything else after the
 * state it depends on is durable. Takes over m's references. */
void raft_send(struct raft *r, struct raft_message *m);

/* raft_rand.c */
uint64_t raft_rand(struct raft *r);
void raft_reset_randomized_timeout(struct raft *r);

/* raft_role.c */
void raft_become_follower(struct raft *r, uint64_t term, raft_id leader);
void raft_become_pre_candidate(struct raft *r);
void raft_become_candidate(struct raft *r);
void raft_become_leader(struct raft *r);
bool raft_promotable(const struct raft *r);
uint32_t raft_quorum(const struct raft *r);
void raft_start_campaign(struct raft *r, bool pre, bool transfer);

/* raft_progress.c */
struct raft_progress *progress_get(struct raft *r, raft_id id);
void progress_reset_all(struct raft *r);
void progress_sync_conf(struct raft *r);
void progress_become_probe(struct raft *r, struct raft_progress *p);
void progress_become_replicate(struct raft_progress *p);
bool progress_paused(const struct raft *r, const struct raft_progress *p);
void progress_inflight_add(struct raft *r, struct raft_progress *p,
			   uint64_t index, uint64_t bytes);
void progress_inflight_free_to(struct raft *r, struct raft_progress *p,
			       uint64_t index);
void progress_inflight_clear(struct raft_progress *p);
void progress_free_all(struct raft *r);
uint64_t progress_quorum_value(uint64_t *v, uint32_t n, uint32_t q);

/* raft_replication.c */
void raft_send_append(struct raft *r, struct raft_progress *p);
void raft_flush_appends(struct raft *r);
void raft_broadcast_heartbeat(struct raft *r, uint64_t ctx);
bool raft_maybe_commit(struct raft *r);
void raft_send_snapshot_chunk(struct raft *r, struct raft_progress *p);
/* Is meta the same snapshot file as (index, term, size, file_id)? */
bool raft_snap_same(const struct raft *r, const struct raft_snapshot_meta *meta,
		    uint64_t index, uint64_t term, uint64_t size, uint64_t file_id);
/* The leader advanced p's match: note it for lost-log detection. */
void progress_matched(struct raft *r, struct raft_progress *p, uint64_t match);
int raft_append_local(struct raft *r, uint8_t type, struct raft_buf *buf,
		      uint64_t *index);

/* raft_conf_track.c: the configuration follows the log */
void raft_conf_on_append(struct raft *r, const struct raft_entry *e);
void raft_conf_recompute(struct raft *r);
/* Removed for good: a removal that is not committed may still be undone,
 * and its target must be heard meanwhile. */
bool raft_removed_for_good(const struct raft *r, raft_id id);

/* recv_*.c */
void recv_vote(struct raft *r, const struct raft_message *m);
void recv_vote_resp(struct raft *r, const struct raft_message *m);
void recv_append(struct raft *r, const struct raft_message *m);
void recv_append_resp(struct raft *r, const struct raft_message *m);
void recv_heartbeat(struct raft *r, const struct raft_message *m);
void recv_heartbeat_resp(struct raft *r, const struct raft_message *m);
void recv_snapshot(struct raft *r, const struct raft_message *m);
void recv_snapshot_resp(struct raft *r, const struct raft_message *m);
void recv_timeout_now(struct raft *r, const struct raft_message *m);

/* raft_read.c */
void read_release_confirmed(struct raft *r);
void read_fail_all(struct raft *r);
void read_on_commit(struct raft *r);
int read_push_result(struct raft *r, uint64_t ctx, uint64_t index, int status);
void read_start_round(struct raft *r);

/* raft_validate.c: false = invalid (dropped and counted) */
bool raft_validate(struct raft *r, const struct raft_message *m);
/* Count m as invalid for why; returns false. */
bool raft_count_invalid(struct raft *r, const struct raft_message *m, const char *why);

/* raft_transfer.c */
void transfer_abort(struct raft *r);
void transfer_maybe_send_timeout_now(struct raft *r, struct raft_progress *p);

#endif
