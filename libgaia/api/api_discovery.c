/* GET /api/cluster/discovered-nodes: what this node's discovery found at
 * its latest refresh, answered without the node's loop. */
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"

int api_discovered_nodes(struct api_call *c)
{
	struct node_discovered *d = NULL;
	size_t n = 0;
	json_t *arr;

	if (!api_method(c, "GET") && !api_method(c, "HEAD"))
		return api_reply_not_allowed(c, "GET, HEAD");
	if (node_discovered_nodes(c->api->o.node, &d, &n) != GAIA_OK)
		return api_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++) {
		char seen[40], cid[24];
		json_t *o;
		api_rfc3339(d[i].last_seen_ms, seen, sizeof seen);
		snprintf(cid, sizeof cid, "%016llx", (unsigned long long)d[i].cluster_id);
		o = json_pack("{s:o, s:s, s:s, s:i, s:o, s:b, s:b, s:o}", "id",
			      d[i].id[0] ? json_string(d[i].id) : json_null(), "hostname",
			      d[i].hostname, "address", d[i].address, "raft_port", (int)d[i].raft_port,
			      "last_seen", d[i].last_seen_ms ? json_string(seen) : json_null(),
			      "member", d[i].member, "reachable", d[i].reachable, "cluster_id",
			      d[i].cluster_id ? json_string(cid) : json_null());
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	free(d);
	if (arr == NULL)
		return api_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
	return api_reply_json(c, MHD_HTTP_OK, arr);
}
