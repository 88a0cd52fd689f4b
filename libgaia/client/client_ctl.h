/* client_ctl.h - the calls gaiactl needs beyond client_cluster.h and the snapshot calls of client.h: rejoin, the key listing, and a JSON request of any route. */
/*
 * Every call hands back the answer's JSON document in *out (the caller
 * json_decref()s it; NULL on error) and returns a gaia error code with
 * client_errmsg() saying why, as client_check() maps HTTP statuses:
 * GAIA_ENOTFOUND for an unknown node or key, GAIA_EUNAVAIL for no leader
 * or no quorum (after the client's retries), GAIA_EIO when the node cannot
 * be reached. Prefixes are %-escaped here.
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

/* POST /api/cluster/rejoin [{"leader_address"}] */
int client_rejoin(struct client *c, const char *leader_addr, bool reset, json_t **out);
/* GET /api/kv/?prefix=P[&limit=N][&consistency=stale]: the sorted array
 * [{key, create_index, modify_index, size}]; limit 0: no limit. */
int client_kv_list(struct client *c, const char *prefix, uint64_t limit, bool stale, json_t **out);

#endif
