/* client_ctl.h - typed calls of the operator routes (peers, membership, levers, key listing) on top of client_request(), for gaiactl and the other tools. */
/*
 * Every call hands back the answer's JSON document in *out (the caller
 * json_decref()s it; NULL on error) and returns a gaia error code with
 * client_errmsg() saying why, as client_check() maps HTTP statuses:
 * GAIA_ENOTFOUND for an unknown node or key, GAIA_EUNAVAIL for no leader
 * or no quorum (after the client's retries), GAIA_EIO when the node cannot
 * be reached. Ids and prefixes are %-escaped here.
 */
#ifndef GAIA_CLIENT_CTL_H
#define GAIA_CLIENT_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "client/client.h"

/* method path (query included, escaped) with body as JSON (NULL: none);
 * flags as client_request() (CLIENT_JSON is implied). A 2xx answer
 * without a body gives *out == NULL and GAIA_OK. */
int client_call_json(struct client *c, const char *method, const char *path, const json_t *body,
		     unsigned flags, json_t **out);

/* GET /api/cluster/peers/{id} */
int client_peer_get(struct client *c, const char *id, json_t **out);
/* POST /api/cluster/peers {node_id, address[, api_address]} */
int client_peer_add(struct client *c, const char *id, const char *addr, const char *api_addr,
		    json_t **out);
/* DELETE /api/cluster/peers/{id}[?force=true][&dry_run=true] */
int client_peer_remove(struct client *c, const char *id, bool force, bool dry_run, json_t **out);
/* POST /api/cluster/force-election[?target=id]: target NULL or "" lets
 * the leader choose (or, with no leader, the node campaigns). */
int client_force_election(struct client *c, const char *target, json_t **out);
/* POST /api/cluster/rejoin [{"leader_address"}] */
int client_rejoin(struct client *c, const char *leader_addr, json_t **out);
/* GET /api/kv/?prefix=P[&limit=N][&consistency=stale]: the sorted array
 * [{key, create_index, modify_index, size}]; limit 0: no limit. */
int client_kv_list(struct client *c, const char *prefix, uint64_t limit, bool stale, json_t **out);

#endif
