/* client_cluster.h - the cluster routes for the tools (DESIGN.md sections 7, 9, 10): peers (list, show, remove, watch), leadership transfer, joining a node and waiting until it votes, and the Nagios-style health check. */
/*
 * Every function here talks through a struct client (client.h) and leaves
 * its message in client_errmsg(). Nothing prints: progress and refreshes
 * reach the caller through callbacks, which the tools turn into output.
 *
 * Answers of the node that are not 2xx become errors as client_check()
 * maps them: GAIA_ENOTFOUND (404, an unknown node id), GAIA_EEXIST (409,
 * e.g. a refused removal), GAIA_EUNAVAIL (503, no leader or no quorum
 * after the retries), GAIA_EINVAL (400), GAIA_EIO (unreachable, timeout,
 * any other status).
 */
#ifndef GAIA_CLIENT_CLUSTER_H
#define GAIA_CLIENT_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "client/client.h"

/* --- reads and levers (client_cluster.c) ---------------------------------- */

/* GET /api/cluster/status: the node's view (nodes[], leader_id, term...). */
int client_cluster_status(struct client *c, json_t **out);

/* GET /api/cluster/peers: the array of peers as the leader sees them (a
 * follower asks the leader, else answers with its own view). */
int client_peers_list(struct client *c, json_t **out);

/* GET /api/cluster/peers/{id}: one peer; GAIA_ENOTFOUND when the cluster
 * has no such node. GAIA_EINVAL for an empty or malformed id. */
int client_peer_show(struct client *c, const char *id, json_t **out);

/* DELETE /api/cluster/peers/{id}[?force=true][&dry_run=true]. The answer:
 * {node_id, removed, nodes[]}, or with dry_run the quorum figures
 * {dry_run, voters_before, voters_after, quorum_*, failure_tolerance_*}.
 * A running peer that the leader cannot reach, or a removal that would
 * leave no live quorum, is refused (GAIA_EEXIST) unless force. */
int client_peer_remove(struct client *c, const char *id, bool force, bool dry_run,
		       json_t **out);

/* POST /api/cluster/force-election[?target=id]: the leader hands its role
 * to target (NULL: the best other voter); a node that knows no leader
 * campaigns. The answer: {leader_id, leader_address, term, action}. */
int client_transfer_leader(struct client *c, const char *target, json_t **out);

/* Call fn with the peers array (borrowed: valid during the call) count
 * times (0: until fn returns false), interval_ms apart. A failed fetch is
 * handed to fn as peers NULL with client_errmsg() set, and the watch goes
 * on: a leader change must not end it. Returns GAIA_OK, or GAIA_EIO when
 * not a single fetch succeeded. */
typedef bool (*client_watch_fn)(const json_t *peers, uint64_t n, void *ud);
int client_peers_watch(struct client *c, uint64_t count, uint64_t interval_ms, client_watch_fn fn,
		       void *ud);

/* Whether s is a node id the API accepts: 1 to 63 bytes, no blank,
 * control character or '/'. (host:port: hostport_ok in util/hostport.h) */
bool client_node_id_ok(const char *s);

/* Monotonic milliseconds, and a sleep that resumes after signals: the
 * waits of the client files. */
uint64_t client_mono_ms(void);
void client_nap_ms(uint64_t ms);

/* --- joining a node (client_join.c) ---------------------------------------- */

struct client_join_request {
	const char *node_id;     /* the new node's id */
	const char *address;     /* its Raft address, host:port */
	const char *api_address; /* its REST address; NULL: the node tells its peers */
	uint64_t raft_id;        /* its incarnation's Raft id when the node asks
				  * itself; 0: the leader asks the node */
};

/* POST /api/cluster/peers. *created is true for a new member, false when
 * the node was a member already (the request is idempotent). *out is the
 * answer {node_id, nodes[]}. The node joins as a learner and the leader
 * promotes it once caught up. GAIA_EINVAL for a malformed request (checked
 * here first, then by the node); GAIA_EEXIST (409) when the id was removed
 * from the cluster before and cannot come back as is. */
int client_join(struct client *c, const struct client_join_request *j, bool *created,
		json_t **out);

/* Where a joining node stands, as the leader sees it. */
struct client_join_progress {
	char state[32];         /* joining, catching_up, healthy, degraded, ... */
	bool voter;
	bool have_figures;      /* the leader's figures (a follower may not have them) */
	uint64_t match_index;   /* last entry the node holds */
	uint64_t lag;           /* entries behind the leader's last */
	uint64_t elapsed_ms;    /* since the wait began */
	unsigned polls;
	char last_error[GAIA_ERRMSG_SIZE]; /* of the latest failed poll, "" if it answered */
};

typedef void (*client_join_fn)(const struct client_join_progress *p, void *ud);

/* Poll GET /api/cluster/peers/{node_id} every interval_ms (0: 250 ms) and
 * call fn (may be NULL) after every poll, until the node is a voter. A
 * failed poll (no leader for a moment, the node asked restarting) is
 * retried. GAIA_OK once a voter; GAIA_ENOTFOUND when the node is not (or
 * no longer) a member; GAIA_EUNAVAIL after timeout_ms (0: no bound), the
 * message saying where the node stood. *last (may be NULL) holds the
 * last progress seen. */
int client_join_wait(struct client *c, const char *node_id, uint64_t timeout_ms,
		     uint64_t interval_ms, client_join_fn fn, void *ud,
		     struct client_join_progress *last);

/* --- health (client_health.c) ---------------------------------------------- */

/* Nagios plugin states, which gaia-health exits with. */
enum client_health_level {
	CLIENT_HEALTH_OK = 0,       /* healthy */
	CLIENT_HEALTH_WARNING = 1,  /* degraded */
	CLIENT_HEALTH_CRITICAL = 2, /* unhealthy: no leader or no quorum */
	CLIENT_HEALTH_UNKNOWN = 3,  /* unreachable, or the node cannot tell */
};

struct client_health {
	int level;                  /* enum client_health_level */
	char status[16];            /* healthy, degraded, unhealthy, unknown, unreachable */
	char summary[320];          /* one line, without the "GAIA OK - " head */
	char perfdata[256];         /* Nagios performance data, "" if none */
	json_t *doc;                /* the node's document, NULL when unreachable */
	uint64_t elapsed_ms;        /* client_health_wait: the time waited */
	unsigned checks;
};

/* One check. node_only: the node itself (GET /api/cluster/status: a
 * member that knows a leader), else the cluster as its leader sees it
 * (GET /api/cluster/health). h is always filled (clear it with
 * client_health_clear()); the return is GAIA_OK once the node answered,
 * else the error that made the level UNKNOWN. */
int client_health_check(struct client *c, bool node_only, struct client_health *h);

typedef void (*client_health_fn)(const struct client_health *h, void *ud);

/* Check every interval_ms (0: 500 ms) until the level is OK or timeout_ms
 * has passed, calling fn (may be NULL) after each check that is not OK.
 * h holds the last check; the return is that of the last check. */
int client_health_wait(struct client *c, bool node_only, uint64_t timeout_ms,
		       uint64_t interval_ms, client_health_fn fn, void *ud,
		       struct client_health *h);

void client_health_clear(struct client_health *h);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN" */
const char *client_health_label(int level);

/* h as one JSON document (new reference, NULL: no memory): the node's
 * document plus {check: {status, exit_code, summary, perfdata, mode}},
 * or {cluster_status: "unreachable", check: {...}, error} without one. */
json_t *client_health_json(const struct client_health *h, bool node_only, const char *error);

#endif
