/* api_internal.h - the REST API's state, shared by the api files only. */
#ifndef GAIA_API_INTERNAL_H
#define GAIA_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "api/api.h"
#include "node/node.h"

#define API_KEY_MAX 1024
#define API_DEFAULT_MAX_BODY (2u * 1024 * 1024)
#define API_DEFAULT_TIMEOUT_MS 10000
#define API_TIMEOUT_GRACE_MS 1000
#define API_HTTP_TOO_LARGE 413 /* MHD renamed its constant across versions */

struct api_fwd;

struct api {
	struct api_options o;
	char node_id[NODE_NAME_MAX];
	char http_addr[NODE_ADDR_MAX];
	char *socket_path;
	ino_t socket_ino;
	int http_port;

	struct MHD_Daemon *tcp;
	struct MHD_Daemon *unix_d;
	struct api_fwd *fwd;    /* the forwarding worker */

	/* Guards everything below and the shared fields of every call. */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	unsigned refs;          /* api_start's + one per live call */
	bool stopping;
	unsigned resuming;      /* MHD_resume_connection() calls under way */
	unsigned draining;      /* calls woken by api_stop, not yet closed */
	struct api_call *calls; /* every live call */
	/* requests answered, by route and status, for /metrics */
	pthread_mutex_t count_mu;
	struct api_count {
		char route[40];
		unsigned code;
		uint64_t n;
	} counts[64];
	size_t n_counts;
};

enum api_phase {
	API_PHASE_NEW = 0,  /* receiving the body */
	API_PHASE_NODE,     /* suspended, submitted to the node */
	API_PHASE_FORWARD,  /* suspended, with the forwarding worker */
	API_PHASE_ANSWERED, /* a response is queued */
};

/* What a handler did; the access handler does the rest. */
enum api_step {
	API_STEP_ANSWERED = 0, /* a response is queued, or the call is suspended */
	API_STEP_SUBMIT,       /* c->req is filled in: send it to the node */
	API_STEP_FORWARD,      /* send the request to the leader */
	API_STEP_FAIL,         /* no response could be queued: close */
};

struct api_call;
typedef int (*api_handler_fn)(struct api_call *c);

/* The leader's answer to a forwarded request. */
struct api_fwd_result {
	long status; /* 0: the leader could not be reached (error says why) */
	char error[CURL_ERROR_SIZE];
	char *body;
	size_t len, cap;
	char content_type[128];
	char retry_after[32];
	char allow[64];
	char modify_index[32];
	char create_index[32];
};

/* One HTTP request. Held by MHD (until its completion callback), by the
 * node while it has req, by the worker while it forwards; freed by the
 * last of them. */
struct api_call {
	struct api *api;
	struct api_call *prev, *next; /* api->calls */

	/* under api->mu */
	struct MHD_Connection *conn;  /* NULL once MHD is done with it */
	unsigned refs;
	bool suspended;
	bool node_busy;               /* the node holds req */
	bool fwd_busy;                /* the worker holds the fwd_ fields */
	bool aborted;                 /* api_stop() woke it: answer 503 */
	bool timed_out;               /* the node did not answer in time */
	bool draining;                /* counted in api->draining */
	uint64_t deadline_ms;
	struct api_call *wake_next;   /* lists of calls to resume */

	/* the daemon's thread only */
	enum api_phase phase;
	char method[16];
	char *path;                   /* raw, as sent, without the query */
	bool forwarded;               /* carries X-Gaia-Forwarded */
	bool too_large;
	bool oom;
	char *body;
	size_t body_len, body_cap;
	api_handler_fn finish;        /* after the node answers */
	int stage;                    /* of handlers that submit twice */
	int change_op;
	bool created;
	bool fwd_fallback;            /* a failed forward goes back to finish */
	bool fwd_local;               /* the leader's answer is for finish */
	bool fwd_done;
	uint64_t fwd_timeout_ms;      /* 0: the request timeout */
	char key[API_KEY_MAX + 1];
	size_t key_len;
	char arg[NODE_NAME_MAX];      /* the {id} of the route */
	char fwd_path[NODE_NAME_MAX * 3 + 32]; /* path to forward instead */
	bool req_done;                /* req holds outputs to clear */
	struct node_req req;

	/* the forwarding worker's while fwd_busy */
	char fwd_leader_id[NODE_NAME_MAX];
	char fwd_leader_addr[NODE_ADDR_MAX];
	char fwd_content_type[128];
	char *fwd_url;
	struct curl_slist *fwd_headers;
	CURL *fwd_easy;
	struct api_call *fwd_next;
	struct api_fwd_result fwd;
};

/* api.c */
void api_destroy(struct api *a);
void api_logf(struct api *a, int level, const char *kv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void api_log_call(struct api_call *c, int level, const char *msg);
uint64_t api_now_ms(void);

/* api_request.c: the life of a call */
struct api_call *api_call_new(struct api *a, struct MHD_Connection *conn, const char *method,
			      const char *url);
void api_call_unref(struct api_call *c);
void api_call_append(struct api_call *c, const char *data, size_t len);
/* Suspend c and send c->req to the node. */
int api_call_submit(struct api_call *c);
/* Under api->mu, on the daemon's thread: suspend c for phase, taking a
 * reference for whoever will wake it; false if the API is stopping. */
bool api_call_suspend_locked(struct api_call *c, enum api_phase phase);
/* Under api->mu: if c is suspended, mark it not and take a reference;
 * true if the caller must then call api_call_resume_end(c) unlocked. */
bool api_call_wake_locked(struct api_call *c);
void api_call_resume_end(struct api_call *c);
/* Wake the calls whose node answer is overdue (answered 503). */
void api_expire_calls(struct api *a);
void api_req_reset(struct api_call *c, int op);
/* Query arguments, decoded: 0, or -1 if badly encoded or too long. */
int api_arg(struct api_call *c, const char *name, char *buf, size_t size, size_t *len,
	    bool *present);
int api_arg_bool(struct api_call *c, const char *name, bool *out);
int api_arg_u64(struct api_call *c, const char *name, bool *present, uint64_t *out);
/* Decode %XX in place (and '+' as a space if plus): the new length, or
 * -1 on a bad escape. */
ssize_t api_url_decode(char *s, size_t len, bool plus);

/* api_route.c */
bool api_method(const struct api_call *c, const char *m);
int api_route(struct api_call *c);
int api_after_node(struct api_call *c);
int api_forward_to_leader(struct api_call *c, const struct node_status *s, const char *path);

/* api_kv.c, api_cluster.c */
int api_kv_route(struct api_call *c, const char *rest);
int api_cluster_route(struct api_call *c, const char *rest);
int api_ops_route(struct api_call *c, const char *rest); /* -1: not ours */
int api_snapshots_route(struct api_call *c, const char *rest); /* -1: not ours */
struct metrics_buf;
void api_count(struct api *a, const char *path, unsigned code);
void api_metrics_write(struct api *a, struct metrics_buf *b);
json_t *api_json_health(const struct node_status *s);

/* api_json.c */
json_t *api_json_status(const struct node_status *s);
json_t *api_json_node(const struct node_peer_info *p);
json_t *api_json_nodes(const struct node_status *s);
json_t *api_json_peer(const struct node_peer_info *p);
json_t *api_json_peers(const struct node_status *s);
json_t *api_json_dry_run(uint32_t voters_before, uint32_t voters_after);
json_t *api_json_bytes(const char *s, size_t len);
void api_rfc3339(int64_t unix_ms, char *out, size_t size);

/* api_error.c: answers (each returns an api_step) */
struct MHD_Response *api_resp_buf(void *body, size_t len, bool take);
struct MHD_Response *api_resp_json(json_t *j);
int api_queue(struct api_call *c, unsigned status, struct MHD_Response *r);
int api_reply_json(struct api_call *c, unsigned status, json_t *j);
int api_reply_error(struct api_call *c, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int api_reply_error_ex(struct api_call *c, unsigned status, const char *code, json_t *extra,
		       const char *msg);
int api_reply_not_allowed(struct api_call *c, const char *allow);
int api_reply_node_error(struct api_call *c);
json_t *api_leader_hint(const struct node_status *s);
void api_err_http(int err, unsigned *status, const char **code);
const char *api_err_name(int err);

/* api_forward.c */
int api_fwd_start(struct api *a, char *errmsg);
void api_fwd_stop(struct api *a);
bool api_fwd_prepare(struct api_call *c, const char *leader_id, const char *leader_addr,
		     const char *path);
int api_fwd_submit(struct api_call *c);
int api_reply_fwd(struct api_call *c);

/* api_discovery.c: GET /api/cluster/discovered-nodes */
int api_discovered_nodes(struct api_call *c);

#endif
