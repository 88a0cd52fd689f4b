/* client.h - the REST client of the tools (DESIGN.md section 7, 9): one gaia_go node over TCP or its local Unix socket, keep-alive, retries on 503, typed answers; and gaia-bench's load generator built on it. */
/*
 * Where a client connects, first match wins:
 *   options.addr ("host:port", "[v6]:port", optionally "http://...")
 *   options.socket_path
 *   $GAIA_ADDR     (TCP; a comma-separated list uses its first entry)
 *   $GAIA_SOCKET
 *   $GAIA_DATA_DIR/gaia.sock  (where the daemon puts it by default)
 *   /var/lib/gaia_go/gaia.sock
 * So a flag beats the environment whatever the transport.
 *
 * One client holds one libcurl easy handle and so one kept-alive
 * connection: use one client per thread. Proxies from the environment
 * are ignored (the nodes are never behind one).
 *
 * An answer of any HTTP status is a success of client_request(): the
 * caller reads r->status (client_check() turns a non-2xx answer into an
 * error code and message). Only a failure to exchange (unreachable,
 * timeout, out of memory) is an error, with client_errmsg() saying e.g.
 * "cannot reach 127.0.0.2:8080: Connection refused".
 *
 * A 503 answer (no leader, no quorum) is retried after its Retry-After
 * (seconds; 1 s when absent or unreadable; capped by max_retry_wait_ms)
 * up to max_attempts in all. Only 503 is retried: the node answers it
 * before a write reaches the log, or when the wait for the log timed out,
 * in which case the write may still apply; a retried CAS can then see a
 * 409. Pass CLIENT_NO_RETRY where that matters.
 */
#ifndef GAIA_CLIENT_H
#define GAIA_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "gaia.h"

#define CLIENT_DEFAULT_SOCKET "/var/lib/gaia_go/gaia.sock"

struct client_options {
	const char *addr;             /* TCP "host:port"; NULL: see above */
	const char *socket_path;      /* Unix socket; NULL: see above */
	uint64_t timeout_ms;          /* one attempt, connect to last byte; 0: 10 s */
	uint64_t connect_timeout_ms;  /* 0: the smaller of timeout_ms and 3 s */
	unsigned max_attempts;        /* for 503 answers, in all; 0: 4; 1: never retry */
	uint64_t max_retry_wait_ms;   /* cap on one Retry-After wait; 0: 5 s */
};

struct client;

/* Flags of a request. */
enum {
	CLIENT_JSON = 1u << 0,      /* parse the answer's body into r->json */
	CLIENT_NO_RETRY = 1u << 1,  /* a 503 is returned, not retried */
	CLIENT_BODY_JSON = 1u << 2, /* the request body is JSON (else octet-stream) */
};

struct client_response {
	long status;                 /* HTTP status, 0 before any answer */
	char *body;                  /* malloc'd, NUL-terminated (also when empty) */
	size_t body_len;
	json_t *json;                /* CLIENT_JSON and a JSON body, else NULL */
	char leader[128];            /* X-Gaia-Leader, "" when absent */
	bool has_modify_index, has_create_index;
	uint64_t modify_index;       /* X-Gaia-Modify-Index */
	uint64_t create_index;       /* X-Gaia-Create-Index */
	unsigned retry_after_s;      /* Retry-After of the last answer, 0 when absent */
	unsigned attempts;           /* requests sent */
	uint64_t elapsed_us;         /* all attempts and waits */
};

/* Check the options and prepare the handle (no connection is made yet).
 * errmsg (GAIA_ERRMSG_SIZE) says why not: GAIA_EINVAL for a malformed
 * address, GAIA_ENOMEM, GAIA_EIO if libcurl cannot start. */
int client_new(struct client **out, const struct client_options *o, char *errmsg);
void client_free(struct client *c);

/* The last error's message, "" if none. */
const char *client_errmsg(const struct client *c);
/* What the client talks to: "127.0.0.2:8080" or the socket path. */
const char *client_target(const struct client *c);
/* Whether it talks over the Unix socket. */
bool client_is_unix(const struct client *c);

/* One request. path starts with '/', query included, already escaped.
 * body may be NULL (len 0). r is reset first and must be released with
 * client_response_free(), also on error. GAIA_OK once an HTTP answer
 * came back (any status); GAIA_EIO when the node could not be reached or
 * did not answer in time; GAIA_EINVAL when CLIENT_JSON was asked and a
 * 2xx body is not JSON; GAIA_ENOMEM. */
int client_request(struct client *c, const char *method, const char *path, const void *body,
		   size_t len, unsigned flags, struct client_response *r);

/* GET path into out: a 2xx body goes to out (not into r->body), any other
 * answer's body into r->body. Not retried after bytes were written. For
 * downloads (snapshots). Errors as client_request(), plus GAIA_EIO when
 * out fails. */
int client_download(struct client *c, const char *path, FILE *out, struct client_response *r);

void client_response_free(struct client_response *r);

/* Turn r into an error: GAIA_OK for 2xx; else GAIA_EINVAL 400,
 * GAIA_ENOTFOUND 404, GAIA_ECAS 409 cas_mismatch, GAIA_EEXIST other 409,
 * GAIA_ETOOBIG 413, GAIA_EUNAVAIL 503, GAIA_EIO otherwise, with the
 * client's errmsg "<target>: <message of the JSON error> (HTTP 503)". */
int client_check(struct client *c, const struct client_response *r);

/* --- the KV API ------------------------------------------------------------ */

#define CLIENT_NO_CAS (-1)

/* Keys are %-escaped here ('/' is kept). cas: CLIENT_NO_CAS, or the
 * modify index the key must have (0: must not exist). */
int client_kv_put(struct client *c, const char *key, const void *value, size_t len, int64_t cas,
		  unsigned flags, struct client_response *r);
/* stale: ?consistency=stale (any node's own state), else linearizable. */
int client_kv_get(struct client *c, const char *key, bool stale, unsigned flags,
		  struct client_response *r);
int client_kv_delete(struct client *c, const char *key, int64_t cas, unsigned flags,
		     struct client_response *r);

/* GET path and hand back its JSON (the caller json_decref()s it); any
 * non-2xx answer is an error as client_check() says. */
int client_get_json(struct client *c, const char *path, json_t **out);

/* Escape key for a /api/kv/ path into a malloc'd string (NULL: no
 * memory). */
char *client_escape_key(const char *key);

/* --- gaia-snap: the snapshot routes --------------------------------------- */

struct snap_info;

/* POST /api/cluster/snapshot: the node answers once the file is on disk;
 * *out is its answer {filename,index,term,size_bytes,created_at}. When
 * another snapshot is being taken (409), wait_ms 0 fails with GAIA_EBUSY;
 * else wait for it to end (polling snapshot-status) for up to wait_ms in
 * all, then take a new one. */
int client_snap_take(struct client *c, uint64_t wait_ms, json_t **out);
/* GET snapshot-status: {last_snapshot,snapshot_count,...,in_progress}. */
int client_snap_status(struct client *c, json_t **out);
/* GET snapshots: an array, newest first. */
int client_snap_list(struct client *c, json_t **out);
/* DELETE snapshots?older_than=..&keep=..&dry_run=..: {deleted[],kept,
 * dry_run}. At least one of older_than_ms, keep (GAIA_EINVAL). */
int client_snap_prune(struct client *c, uint64_t older_than_ms, uint64_t keep, bool dry_run,
		      json_t **out);
/* A consistent backup: take a snapshot (as client_snap_take, waiting up to
 * wait_ms for one in progress), download that file to "<path>.tmp",
 * fsync, check every byte (snap_verify), rename to path, fsync the
 * directory. On failure no path.tmp is left and path is untouched. With
 * stream non-NULL the checked bytes go there instead (via a temp file in
 * $TMPDIR) and path is not used. *info describes the file. */
int client_snap_save(struct client *c, const char *path, FILE *stream, uint64_t wait_ms,
		     struct snap_info *info);

/* --- gaia-bench: load over keep-alive connections -------------------------- */

enum client_bench_op {
	CLIENT_BENCH_PUT,
	CLIENT_BENCH_GET,
	CLIENT_BENCH_CAS,   /* GET the key's index, then PUT ?cas=index (cas=0 if absent) */
	CLIENT_BENCH_MIXED, /* GET with probability read_ratio, else PUT */
};
#define CLIENT_BENCH_KINDS 3 /* put, get, cas: what one request can be */

#define CLIENT_BENCH_MAX_TARGETS 16
#define CLIENT_BENCH_DEFAULT_KEYS 1000

struct client_bench_options {
	const char *const *addrs;    /* TCP targets, client i uses addrs[i % n_addrs] */
	size_t n_addrs;              /* 0: one target as client_new() resolves it */
	const char *socket_path;     /* with n_addrs 0 */
	unsigned clients;            /* threads, one client each; 0: 1 */
	uint64_t requests;           /* stop after this many; 0: no bound */
	uint64_t duration_ms;        /* stop after this long; 0: no bound */
	enum client_bench_op op;
	double read_ratio;           /* mixed */
	uint64_t keys;               /* key space; 0: CLIENT_BENCH_DEFAULT_KEYS */
	size_t value_size;
	bool stale;                  /* gets with ?consistency=stale */
	bool leader_only;            /* every client talks to the leader */
	bool prefill;                /* get/mixed/cas: write every key first (not measured) */
	const char *key_prefix;      /* NULL: "bench-" */
	uint64_t timeout_ms;         /* per request; 0: 10 s */
};

struct client_bench_stats {
	uint64_t requests;           /* sent */
	uint64_t ok;                 /* 2xx */
	uint64_t conflicts;          /* 409 of a CAS: answered, the race lost */
	uint64_t errors;             /* any other status, or no answer */
	double ops_per_s;            /* (ok + conflicts) / elapsed */
	/* latency of answered requests (ok + conflicts), ms; 0 when none */
	double mean_ms, p50_ms, p90_ms, p99_ms, max_ms;
};

struct client_bench_status {
	long status;                 /* HTTP status; 0: no answer (transport error) */
	uint64_t count;
};

struct client_bench_result {
	double elapsed_s;
	struct client_bench_stats all;
	struct client_bench_stats kind[CLIENT_BENCH_KINDS]; /* by enum client_bench_op */
	struct client_bench_status statuses[32];           /* by status, ascending */
	size_t n_statuses;
	char targets[CLIENT_BENCH_MAX_TARGETS][128];       /* what the clients talked to */
	size_t n_targets;
	char leader[128];            /* leader_only: the leader's id */
	char first_error[GAIA_ERRMSG_SIZE]; /* the first failure seen, "" if none */
};

/* Run the load and fill r. Errors (errmsg says which): GAIA_EINVAL for
 * bad options, GAIA_EUNAVAIL when leader_only finds no leader within the
 * timeout, GAIA_EIO when the prefill fails (the first failure), GAIA_ENOMEM.
 * Failed requests during the run are counted in r, not errors. With
 * neither requests nor duration_ms, 10000 requests. */
int client_bench_run(const struct client_bench_options *o, struct client_bench_result *r,
		     char *errmsg);

/* The latency percentile p (0-100] of n sorted samples, nearest rank. */
uint32_t client_bench_percentile(const uint32_t *sorted, size_t n, double p);

/* The result as one JSON document (NULL: no memory):
 * {op, clients, requests, ok, conflicts, errors, elapsed_s, ops_per_s,
 *  latency_ms{mean,p50,p90,p99,max}, status{"200":n,...}, transport_errors,
 *  by_op{put:{...},...}, targets[], leader, value_size, keys, consistency} */
json_t *client_bench_json(const struct client_bench_options *o,
			  const struct client_bench_result *r);

/* "put", "get", "cas", "mixed" */
const char *client_bench_op_name(enum client_bench_op op);

#endif
