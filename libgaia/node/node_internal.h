/* node_internal.h - the runtime's state, shared by the node's files only. */
#ifndef GAIA_NODE_INTERNAL_H
#define GAIA_NODE_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <uv.h>

#include "kv/kv.h"
#include "metrics/metrics.h"
#include "net/net.h"
#include "node/node.h"
#include "snap/snap.h"
#include "util/errmsg.h"
#include "wal/wal.h"

/* What the node knows of a server: from configuration entries (their
 * context), snapshots' membership, and handshakes. */
struct node_member {
	raft_id id;
	char name[NODE_NAME_MAX];
	char raft_addr[NODE_ADDR_MAX];
	char api_addr[NODE_ADDR_MAX];
};

struct node_book {
	struct node_member m[RAFT_MAX_SERVERS * 2];
	size_t n;
};

/* How a refusal of a removed node starts (the node that reads it knows). */
#define NODE_REMOVED_PREFIX "removed: "

/* A list of requests, FIFO. */
struct node_reqq {
	struct node_req *head, *tail;
};

struct node {
	struct gaia_config cfg;
	node_log_fn log_fn;
	void *log_ud;

	char name[NODE_NAME_MAX];
	raft_id id;          /* this incarnation's (node.json), see node_id_fresh */
	bool fresh_identity; /* no node.json: draw a new incarnation's id */
	uint64_t cluster_id;
	uint64_t copy_term, copy_vote; /* node.json's copy of the hard state */
	char api_addr[NODE_ADDR_MAX]; /* REST address others can dial */
	int lock_fd;
	char raft_dir[CONFIG_STR + 16];
	char snap_dir_path[CONFIG_STR + 16];

	/* loop thread */
	uv_loop_t loop;
	uv_thread_t thread;
	uv_timer_t tick_timer;
	uv_async_t wakeup;
	uv_poll_t wal_poll;
	bool loop_started;
	uint64_t tick_ms;
	uint64_t last_tick_ms;

	struct raft *raft;
	struct wal *wal;
	struct kv *kv;
	struct snap_dir snaps;
	bool snaps_open;
	struct net *net;
	struct node_book book;

	/* Ready in progress */
	bool rd_pending;
	struct raft_ready rd;
	uint64_t rd_seq;    /* WAL ticket the Ready waits for; 0 none */
	/* snapshot being received from the leader */
	int recv_fd;
	char recv_path[CONFIG_STR + 64];
	/* latest snapshot file (for sending chunks) */
	char latest_snap[SNAP_FILENAME_MAX];
	int snap_read_fd;                     /* latest_snap, open for chunks; -1 */
	char snap_read_name[SNAP_FILENAME_MAX];

	/* requests */
	pthread_mutex_t q_lock;
	struct node_reqq incoming;      /* from other threads */
	bool stopping;                  /* no new requests */
	struct node_reqq proposals;     /* waiting for their entry to apply */
	struct node_reqq reads_wait;    /* waiting for a ReadIndex */
	struct node_reqq reads_ready;   /* waiting for applied >= read_index */
	struct node_reqq conf_wait;     /* membership changes waiting to commit */
	struct node_reqq transfer_wait; /* forced elections waiting for a leader */
	uint64_t next_seq;

	/* health and status */
	int64_t leader_contact_ms;
	raft_id last_leader;
	int last_role;
	bool removed;        /* removed from the cluster: inert until wiped */
	bool reset_requested;
	unsigned digest_jobs;  /* digests running on worker threads */
	unsigned join_probes;  /* joins asking a node who it is (node_join.c) */
	void (*o_on_reset)(void *ud);
	void *o_reset_ud;
	char reset_target[NODE_ADDR_MAX]; /* REST address to ask for a re-add */
	bool want_reconnect;

	/* metrics */
	uint64_t m_elections;     /* leadership changes seen */
	uint64_t m_ops[4];        /* applied: put, delete, failed cas, other */
	struct metrics_hist m_commit;
	uint64_t m_snapshots;
	struct metrics_hist m_snap_seconds;

	/* snapshots */
	struct snap_job *snap_job;  /* the one being written, or NULL */
	uint64_t log_bytes_base;    /* WAL size right after the last compaction */
	uv_timer_t snap_timer;

	/* discovery, joining by itself, bootstrap-expect (node_discovery.c) */
	struct node_disc *disc;

	/* stop */
	bool fatal;
	int failed; /* fatal, readable from any thread (__atomic) */

	/* node_invalid.c: reports of what the core refused */
	uint64_t invalid_logged; /* count as of the last report */
	uint64_t invalid_logged_ms;
	bool term_max_logged;
	void (*o_on_fatal)(void *ud);
	void *o_fatal_ud;
	bool stop_requested;
	int stop_phase;
	uint64_t stop_deadline_ms;
};

/* node_invalid.c: on every tick */
void node_report_invalid(struct node *n);

/* node_ready.c: stop the node on an error that leaves its disk state in
 * doubt (what failed, why): logged, /health fails, the owner is told. */
void node_fatal(struct node *n, const char *what, const char *why);

/* Copy a NUL-terminated string into dst (size bytes), cutting it if need be. */
static inline void str_copy(char *dst, size_t size, const char *src)
{
	size_t l = strlen(src);
	if (l >= size)
		l = size - 1;
	memcpy(dst, src, l);
	dst[l] = 0;
}

/* node_removed.c: set removed and write the marker that keeps it across
 * restarts (idempotent); at start, set removed from the marker or the
 * committed configuration. */
void node_mark_removed(struct node *n, const char *why);
void node_check_removed(struct node *n);

/* node_log.c */
void node_log(struct node *n, int level, const char *component,
	      const char *kv, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int64_t node_now_ms(void);      /* wall clock, unix ms */
uint64_t node_mono_ms(void);    /* monotonic ms */

/* node_book.c: the address book, and the context of conf entries */
struct node_member *book_get(struct node_book *b, raft_id id);
struct node_member *book_find_name(struct node_book *b, const char *name);
void book_put(struct node_book *b, const struct node_member *m);
/* Encode members as the context of a configuration entry (malloc'd). */
uint8_t *book_ctx_encode(const struct node_member *m, size_t n, size_t *len);
/* Merge the members described in a context into the book. */
void book_ctx_merge(struct node_book *b, const uint8_t *ctx, size_t len);
/* The whole book for a snapshot's membership blob, and back. */
uint8_t *book_encode_all(const struct node_book *b, size_t *len);
void node_conf_entry_seen(struct node *n, const struct raft_entry *e);
/* The member (in configuration c) named name, or NULL. */
struct node_member *book_member_named(struct node_book *b, const struct raft_conf *c,
				      const char *name);

/* node_incarnation.c: which incarnation of a name may speak and join */
enum { NODE_HELLO_OK = 0, NODE_HELLO_REMOVED, NODE_HELLO_MISMATCH };
/* Decide on a peer's hello: its id removed (id_removed) or its name held
 * by a member of another id is refused, with reason naming the node. */
int node_hello_verdict(struct node_book *b, const struct raft_conf *c, bool id_removed,
		       const struct net_hello *h, char *reason, size_t len);
/* May incarnation id of name be added to c? GAIA_OK; GAIA_EEXIST (a
 * member already), GAIA_EBUSY (the name is a member with another id),
 * GAIA_EREMOVED (a removed incarnation), GAIA_EINVAL (the id is another
 * member's). */
int node_join_verdict(struct node_book *b, const struct raft_conf *c, const char *name,
		      raft_id id, char *errmsg);

/* node_join.c: an ADD_PEER without the node's Raft id asks the node
 * (GAIA_OK: r is taken and dispatched again once the answer is in) */
int node_join_probe(struct node *n, struct node_req *r);
void node_sync_net_peers(struct node *n);

/* node_storage.c */
int node_storage_open(struct node *n, char *errmsg);
int node_write_identity(struct node *n, char *errmsg);
int node_vote_copy(struct node *n, uint64_t term, uint64_t vote, char *errmsg);
int node_identity_store(const char *data_dir, const char *name, uint64_t cluster_id,
			char *errmsg);
uint8_t *node_membership_encode(struct node *n, const struct raft_conf *conf,
				size_t *len);
int node_membership_decode(struct node *n, const uint8_t *p, size_t len,
			   struct raft_conf *conf);
void node_storage_close(struct node *n);
int node_snapshot_read(void *ud, uint64_t index, uint64_t offset, void *buf,
		       size_t len, size_t *got);

/* node_ready.c */
void node_pump(struct node *n);
void node_on_wal(struct node *n);

/* node_apply.c */
void node_apply_entries(struct node *n, const struct raft_entry *e, size_t count);
void node_reads_released(struct node *n, const struct raft_read *reads, size_t count);
void node_serve_ready_reads(struct node *n);
void node_serve_read(struct node *n, struct node_req *r);
void node_fail_all(struct node *n, int err, const char *msg);
void node_expire_requests(struct node *n);
void req_finish(struct node_req *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void reqq_push(struct node_reqq *q, struct node_req *r);
struct node_req *reqq_pop(struct node_reqq *q);

/* node_req.c */
void node_take_requests(struct node *n);
void node_dispatch_again(struct node *n, struct node_req *r); /* on the loop */

/* node_snapshot.c */
struct snap_job;
void node_dispatch_snapshot(struct node *n, struct node_req *r);
void node_snapshot_policy(struct node *n);
uint64_t node_snapshot_index(struct node *n);

/* node_ops.c */
void node_dispatch_ops(struct node *n, struct node_req *r);
void node_transfers_progress(struct node *n);

/* node_discovery.c: started with the loop, stopped with the transport,
 * freed with the node */
int node_discovery_start(struct node *n, char *errmsg);
void node_discovery_stop(struct node *n);
void node_discovery_free(struct node *n);
/* node_storage.c: bootstrap an empty node now, on the loop (bootstrap-expect) */
int node_bootstrap_now(struct node *n, char *errmsg);

/* node_status.c */
void node_fill_status(struct node *n, struct node_status *st);

#endif
