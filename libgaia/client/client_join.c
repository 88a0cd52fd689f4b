/* Asking a member to add a node: what gaia_go --cluster-join sends, and
 * what a node that finds its cluster through discovery sends itself. */
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "util/errmsg.h"

int client_join(const char *member_api, const char *node_id, const char *raft_addr,
		const char *api_addr, uint64_t timeout_ms, char *errmsg)
{
	struct client_options co = {.addr = member_api, .timeout_ms = timeout_ms, .max_attempts = 1};
	struct client_response r;
	struct client *c = NULL;
	json_t *req;
	char *payload;
	const char *m;
	int rv;

	req = json_pack("{s:s, s:s, s:b}", "node_id", node_id, "address", raft_addr, "voter", 1);
	if (req != NULL && api_addr != NULL && api_addr[0])
		json_object_set_new(req, "api_address", json_string(api_addr));
	payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (payload == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	rv = client_new(&c, &co, errmsg);
	if (rv != GAIA_OK)
		goto out;
	memset(&r, 0, sizeof r);
	rv = client_request(c, "POST", "/api/cluster/peers", payload, strlen(payload),
			    CLIENT_JSON | CLIENT_BODY_JSON | CLIENT_NO_RETRY, &r);
	if (rv != GAIA_OK) {
		rv = errmsg_set(errmsg, GAIA_EUNAVAIL, "%s", client_errmsg(c));
		goto out_resp;
	}
	if (r.status == 200 || r.status == 201)
		goto out_resp;
	m = r.json ? json_string_value(json_object_get(r.json, "message")) : NULL;
	if (m == NULL)
		m = r.body && r.body[0] ? r.body : "no reason given";
	if (r.status == 409 && strstr(m, "already a member"))
		rv = GAIA_EEXIST;
	else if (r.status == 409 && strstr(m, "removed"))
		rv = GAIA_EREMOVED;
	else if (r.status == 503 || r.status == 409)
		rv = GAIA_EUNAVAIL; /* no leader now, another change running: later */
	else
		rv = GAIA_EINVAL;
	errmsg_set(errmsg, rv, "%s refused to add %s (HTTP %ld): %s", member_api, node_id, r.status,
		   m);
out_resp:
	client_response_free(&r);
out:
	client_free(c);
	free(payload);
	return rv;
}
