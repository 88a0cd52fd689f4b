/* node.h - the runtime of one gaia_go node: a libuv loop thread that drives
 * the consensus core, persists through the WAL, talks to peers through the
 * transport, applies committed commands to the KV and answers requests.
 *
 * Threads. node_start() starts the loop thread and returns. Everything else
 * in the node runs on that thread. Other threads (the HTTP server's) talk
 * to it only through node_submit(): a request is queued, the loop takes it,
 * and req->done(req) is called ON THE LOOP THREAD exactly once, when the
 * outcome is known (or the request timed out, or the node stops). The
 * request's memory belongs to the caller; outputs stay valid until the
 * caller frees them with node_req_clear(). */
#ifndef GAIA_NODE_H
#define GAIA_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gaia.h"
#include "config/config.h"
#include "raft/raft.h"
#include "snap/snap.h"

#define NODE_NAME_MAX 64
#define NODE_ADDR_MAX 128

enum node_log_level { NODE_LOG_ERROR = 0, NODE_LOG_WARN, NODE_LOG_INFO, NODE_LOG_DEBUG };

/* One event for the log: component ("raft", "wal", "net", "node", ...),
 * message, then "key=value" pairs already formatted in kv (may be ""). */
typedef void (*node_log_fn)(void *ud, int level, const char *component,
			    const char *msg, const char *kv);

/* --- what the node reports ---------------------------------------------- */

struct node_peer_info {
	char name[NODE_NAME_MAX];
	raft_id id;
	char raft_addr[NODE_ADDR_MAX];
	char api_addr[NODE_ADDR_MAX];
	bool voter;
	bool is_leader;
	bool is_self;
	/* healthy, degraded, unhealthy, joining, catching_up, removed,
	 * unknown (not the leader: no view of peers) */
	const char *state;
	uint64_t match_index;
	uint64_t next_index;
	int64_t last_heartbeat_ms; /* unix ms of last contact; 0 unknown */
	uint64_t lag;              /* leader's last index - match */
};

struct node_status {
	char node_id[NODE_NAME_MAX];
	uint64_t cluster_id;
	const char *role;      /* follower, pre-candidate, candidate, leader */
	const char *node_state; /* running, waiting_to_join, removed */
	bool has_leader;
	char leader_id[NODE_NAME_MAX];
	char leader_api_addr[NODE_ADDR_MAX];
	uint64_t term;
	uint64_t first_index, last_index, commit_index, applied_index;
	uint64_t log_size_bytes;
	uint64_t snapshot_index;   /* of the latest snapshot file; 0: none */
	int64_t last_heartbeat_ms; /* follower: last contact with the leader */
	size_t n_peers;
	struct node_peer_info peers[RAFT_MAX_SERVERS];
};

/* --- requests ----------------------------------------------------------- */

enum node_op {
	NODE_OP_PUT = 1,      /* key, value, [has_cas, cas] */
	NODE_OP_DELETE,       /* key, [has_cas, cas] */
	NODE_OP_GET,          /* key, [stale] */
	NODE_OP_LIST,         /* prefix, limit, [stale] */
	NODE_OP_STATUS,       /* -> status */
	NODE_OP_ADD_PEER,     /* peer_name, peer_addr, [peer_api], [voter], [dry_run] */
	NODE_OP_REMOVE_PEER,  /* peer_name, [force], [dry_run] */
	NODE_OP_LEAVE,        /* this node leaves (leader transfers first) */
	NODE_OP_FORCE_ELECTION, /* [peer_name = target]: leader transfers, a
				 * leaderless node campaigns -> status */
	NODE_OP_REJOIN,       /* [peer_addr = leader address], [reset]: reconnect
			       * now; a removed node with reset: see on_reset */
	NODE_OP_DIGEST,       /* -> index (applied), digest, count */
	NODE_OP_METRICS,      /* -> out_value: Prometheus text of the node */
	NODE_OP_SNAPSHOT_TAKE,   /* -> snaps[0]; GAIA_EBUSY if one is running */
	NODE_OP_SNAPSHOT_STATUS, /* -> snaps (newest first), since_snapshot,
				  * in_progress */
	NODE_OP_SNAPSHOT_PRUNE,  /* older_than_s, keep, dry_run -> snaps
				  * (deleted), kept */
	NODE_OP_SNAPSHOT_OPEN,   /* key = file name -> fd, snaps[0] */
	NODE_OP_LOG_INFO,        /* -> status, count (segments) */
	NODE_OP_COUNT
};

struct node_snapshot_item {
	char filename[64];
	uint64_t index;
	uint64_t term;
	uint64_t size;
	int64_t created_at; /* unix seconds */
};

struct node_list_item {
	char *key;      /* NUL-terminated copy */
	size_t key_len;
	uint64_t create_index;
	uint64_t modify_index;
	size_t size;    /* value bytes */
};

struct node_req {
	int op;

	/* inputs (copied by node_submit; the caller may free them after) */
	const void *key;
	size_t key_len;
	const void *value;
	size_t value_len;
	bool has_cas;
	uint64_t cas;
	bool stale;         /* reads: serve locally, no ReadIndex */
	size_t limit;       /* LIST: 0 = no limit */
	char peer_name[NODE_NAME_MAX];
	char peer_addr[NODE_ADDR_MAX];
	char peer_api[NODE_ADDR_MAX];
	bool voter;         /* ADD_PEER: ask for a voter (still joins as a learner) */
	raft_id peer_raft_id; /* ADD_PEER: the joining incarnation's Raft id; 0: the
			       * leader asks the node at peer_addr (a probe) */
	bool force;         /* REMOVE_PEER: even if unreachable */
	bool reset;         /* REJOIN of a removed node: wipe and join again */
	bool dry_run;

	/* outputs, valid from done() until node_req_clear() */
	int err;            /* GAIA_OK or an enum gaia_err: see below */
	char errmsg[GAIA_ERRMSG_SIZE];
	uint64_t index;     /* writes: the Raft index of the entry */
	uint64_t create_index;
	uint64_t modify_index;
	uint8_t *out_value; /* GET: malloc'd copy */
	size_t out_len;
	struct node_list_item *items; /* LIST */
	size_t n_items;
	struct node_status status;    /* STATUS; also leader info on ENOTLEADER */
	/* ADD/REMOVE dry runs and results: voters/quorum/tolerance */
	uint32_t voters_before, voters_after;
	/* DIGEST: 64-bit digest and key count of the state at index */
	uint64_t digest;
	uint64_t count;
	/* FORCE_ELECTION, REJOIN: what the node did, for the answer */
	char action[256];
	/* SNAPSHOT_*: files (malloc'd, newest first), and the figures */
	struct node_snapshot_item *snaps;
	size_t n_snaps;
	uint64_t since_snapshot;   /* entries applied since the latest */
	bool in_progress;
	int64_t older_than_s;      /* PRUNE input; 0: not given */
	size_t keep;               /* PRUNE input; 0: not given */
	size_t kept;               /* PRUNE output */
	int fd;                    /* SNAPSHOT_OPEN: read-only, the caller's */

	void (*done)(struct node_req *req);
	void *ud;

	/* private to the node */
	struct node_req *next;
	uint64_t seq;
	uint64_t term;
	uint64_t read_index;
	uint64_t deadline_ms;
	uint64_t start_us;
	void *priv;
};

/* Errors in req->err:
 *   GAIA_ENOTLEADER  not the leader; status.leader_* name it if known
 *   GAIA_EUNAVAIL    no leader or no quorum now, or timed out with the
 *                    outcome unknown (errmsg says which): retry later
 *   GAIA_ECAS        compare-and-set mismatch (modify_index = current)
 *   GAIA_ENOTFOUND   no such key / peer
 *   GAIA_EINVAL, GAIA_ETOOBIG   bad input, nothing changed
 *   GAIA_EBUSY       another membership change or a transfer is running
 *   GAIA_EREMOVED    the peer id was removed for good
 *   GAIA_ESHUTDOWN   the node is stopping
 *   GAIA_ECANCELED   the write lost its place in the log: not applied */

/* Free the outputs (and only them). */
void node_req_clear(struct node_req *req);

/* --- the node ----------------------------------------------------------- */

struct node_options {
	const struct gaia_config *config;
	node_log_fn log;
	void *log_ud;
	/* Called on the loop thread once a removed node accepted a REJOIN with
	 * reset (after its answer): the owner then stops the node, reads
	 * node_reset_target(), frees it, node_wipe_data(), starts it again
	 * without bootstrap and asks that address to add it. NULL: resets are
	 * refused. */
	void (*on_reset)(void *ud);
	void *reset_ud;
	/* Called on the loop thread when the node stopped on a fatal error
	 * (the WAL or a directory sync failed): its reason is logged; the
	 * owner stops the node and exits non-zero, so that a supervisor
	 * restarts it. NULL: the node just stops. */
	void (*on_fatal)(void *ud);
	void *fatal_ud;
	/* A data dir without node.json starts a new incarnation of the node
	 * (a fresh Raft id) rather than its name's first one: set after a
	 * reset, whose node was removed and is added back. */
	bool fresh_identity;
};

struct node;

/* Open the data dir (locked against a second process), recover, start the
 * loop thread, listen on the Raft port. errmsg (GAIA_ERRMSG_SIZE) says why
 * not. */
int node_start(struct node **out, const struct node_options *o, char *errmsg);

/* Thread-safe: the node stopped on a fatal error (it must not be reported
 * healthy). */
bool node_failed(struct node *n);

/* Thread-safe. GAIA_ESHUTDOWN if stopping (done is then not called). */
int node_submit(struct node *n, struct node_req *req);

/* Thread-safe: begin a graceful stop (a leader transfers leadership
 * first, up to a short bound); node_wait() returns when it is done. */
void node_request_stop(struct node *n);
/* Join the loop thread and close the storage (WAL synced). Requests
 * submitted afterwards get GAIA_ESHUTDOWN. */
void node_wait(struct node *n);
/* Free the node; after node_wait, once no thread can submit any more. */
void node_free(struct node *n);

/* After node_wait: whether a reset was accepted, and the REST address
 * (host:port) to ask for the re-add. */
bool node_reset_target(struct node *n, char *addr, size_t len);

/* Delete a node's Raft state from its data dir (not running): raft_logs/,
 * snapshots/, node.json and the removed marker; other files stay. The
 * next start is an empty node waiting to be added. */
int node_wipe_data(const char *data_dir, char *errmsg);

/* --- discovery (node_discovery.c) ----------------------------------------- */

/* One address the node's discovery found (GET /api/cluster/discovered-nodes). */
struct node_discovered {
	char id[NODE_NAME_MAX];     /* the node's id; "" if it never answered a probe */
	char hostname[256];         /* as discovery found it */
	char address[64];           /* what was dialed */
	uint16_t raft_port;
	int64_t last_seen_ms;       /* unix ms of its last answer; 0 never */
	bool reachable;             /* answered the latest probe */
	bool member;                /* in this node's cluster configuration */
	uint64_t cluster_id;        /* its cluster; 0 waiting (or unknown) */
};

/* Thread-safe: a copy of what the latest refresh found (*out malloc'd,
 * free() it; NULL and 0 when nothing, or discovery is off). GAIA_OK or
 * GAIA_ENOMEM. */
int node_discovered_nodes(struct node *n, struct node_discovered **out, size_t *count);

/* The id a node name maps to in the core (64-bit FNV-1a, never 0): the
 * Raft id of a name's first incarnation. A node added again after its
 * removal is a new incarnation with a fresh id (node_id_fresh), kept in
 * its node.json; the address book maps names to the members' ids. */
raft_id node_id_from_name(const char *name);
/* A fresh incarnation's id for name (random, never name's first id). */
int node_id_fresh(const char *name, raft_id *out, char *errmsg);

/* --- backups, offline (gaia-snap inspect, restore) ----------------------- */

struct node_backup_member {
	char name[NODE_NAME_MAX];  /* "#<hex id>" when the file names none */
	char raft_addr[NODE_ADDR_MAX];
	char api_addr[NODE_ADDR_MAX];
	bool voter;                /* else a learner */
};

struct node_backup_info {
	struct snap_info snap;     /* index, term, created_at, entry_count, size */
	uint64_t keys;
	uint64_t digest;           /* as GET /api/cluster/digest of that state */
	size_t n_members;
	struct node_backup_member members[RAFT_MAX_SERVERS];
	size_t n_removed;          /* ids remembered as removed */
	/* restore only */
	uint64_t cluster_id;       /* of the new cluster */
	char restored_file[SNAP_FILENAME_MAX]; /* under <data_dir>/snapshots */
};

/* Read the snapshot file at path and check all of it the way a starting
 * node does: header, every record, order and indexes, count, checksums,
 * and that its membership decodes. GAIA_ECORRUPT (errmsg names the file,
 * the offset or record and what is wrong), GAIA_ENOTFOUND, GAIA_EIO,
 * GAIA_ENOMEM. Needs no daemon. */
int node_backup_inspect(const char *path, struct node_backup_info *out, char *errmsg);

/* Seed data_dir from the backup at path, for a new one-node cluster:
 * node.json (node_id, a fresh random cluster id) and one snapshot with the
 * backup's state, index and term and a configuration of node_id alone.
 * gaia_go started on it with that node id (CLUSTER_BOOTSTRAP=true, as a
 * runbook says; the node starts the same without it) leads a cluster that
 * holds exactly the backup's keys; others then join it. data_dir must be
 * missing or an empty directory: GAIA_EEXIST otherwise, and nothing is
 * changed. The file is checked in full before anything is written; on any
 * failure what was written is removed. GAIA_EINVAL for a bad node id. */
int node_backup_restore(const char *path, const char *data_dir, const char *node_id,
			struct node_backup_info *out, char *errmsg);

#endif
