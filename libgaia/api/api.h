/* api.h - the REST API of one node (DESIGN.md section 7): HTTP on TCP and on the local Unix socket, answered through node_submit(), forwarded to the leader when needed. */
/*
 * The HTTP contract beyond DESIGN.md section 7, decided here:
 * - Keys are the raw path after /api/kv/, %XX-decoded (a '+' stays a
 *   '+'); they must be 1..1024 bytes of UTF-8 without NUL. Query values
 *   are form-decoded ('+' is a space). Bad numbers in cas/limit, bad
 *   booleans (true/false/1/0/yes/no, or bare "?force") and bad
 *   consistency values are 400 naming the parameter.
 * - Errors: {"error","message"} + leader_id/leader_address when known;
 *   bad_request 400, not_found 404, method_not_allowed 405 (+ Allow),
 *   cas_mismatch 409 (+ modify_index), conflict 409 (membership busy,
 *   removed id, unreachable peer without ?force=true), payload_too_large
 *   413 (nothing reaches the node), no_leader / unavailable 503 (+
 *   Retry-After: 1), internal 500.
 * - A request the node answers with ENOTLEADER is sent on to the leader's
 *   API address with X-Gaia-Forwarded: 1 and the leader's answer relayed
 *   with X-Gaia-Leader: <leader id>; a request carrying X-Gaia-Forwarded
 *   is never forwarded again (503). DELETE /api/cluster/self on a
 *   follower becomes DELETE /api/cluster/peers/<this node> on the leader.
 * - Only the leader sees its peers' health: on a follower, GET
 *   /api/cluster/peers[/id] is the leader's answer, and the nodes[].state
 *   of GET /api/cluster/status come from the leader; either falls back on
 *   the local view ("unknown" states) if the leader does not answer
 *   within 1 s, or with ?stale=true.
 * - POST /api/cluster/peers: "voter" defaults to true (joins as a
 *   learner, promoted once caught up); 201 when added, 200 when it was
 *   already a member (GAIA_EEXIST from the node), so joiners can retry.
 * - Times are RFC 3339 UTC to the second; peers also carry
 *   last_contact_ms (null if never).
 */
#ifndef GAIA_API_H
#define GAIA_API_H

#include <stdint.h>

#include "gaia.h"
#include "node/node.h"

struct api_options {
	struct node *node;
	/* this node's name, so that /health answers without the loop;
	 * NULL or "": /health asks the node (NODE_OP_STATUS) */
	const char *node_id;
	/* "host:port", "[v6]:port" or ":port" (all addresses); port 0 picks a
	 * free one (api_http_port() tells which). NULL or "": no TCP. */
	const char *http_addr;
	/* Unix socket path, created mode 0660; a stale socket there is
	 * replaced, anything else is an error. NULL or "": none. */
	const char *socket_path;
	uint64_t max_body_bytes;     /* request bodies above get 413; 0: 2 MiB */
	/* bound for forwarding to the leader, and for the wait on the node
	 * (plus 1 s of grace: the node's own deadline should come first);
	 * 0: 10 s */
	uint64_t request_timeout_ms;
	node_log_fn log;             /* may be NULL */
	void *log_ud;
};

struct api;

/* Bind the listeners and start serving. At least one of http_addr and
 * socket_path must be set. errmsg (GAIA_ERRMSG_SIZE) says why not. */
int api_start(struct api **out, const struct api_options *o, char *errmsg);

/* Stop serving: no new connections; requests waiting on the node or on
 * the leader are answered 503 (their node requests are released later,
 * when the node calls done(), which may be after this returns); the Unix
 * socket is unlinked. The node must still be valid while this runs, and
 * must call done() for every request it holds before it is freed
 * (node_wait() does). */
void api_stop(struct api *a);

/* The TCP port bound, or -1 without TCP. */
int api_http_port(const struct api *a);

/* The Prometheus endpoint (GET /metrics on its own address): the node's
 * figures and the API's request counters. */
struct prom;
int prom_start(struct prom **out, struct node *node, struct api *api,
	       const char *addr, char *errmsg);
void prom_stop(struct prom *p);

#endif
