/* The calls of client_ctl.h: rejoin, the key listing by prefix, and a JSON request of any route. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_ctl.h"
#include "client/client_internal.h"
#include "util/errmsg.h"

int client_call_json(struct client *c, const char *method, const char *path, const json_t *body,
		     unsigned flags, json_t **out)
{
	struct client_response r = {0};
	char *text = NULL;
	int rc;

	*out = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
		flags |= CLIENT_BODY_JSON;
	}
	rc = client_request(c, method, path, text, text ? strlen(text) : 0, flags | CLIENT_JSON, &r);
	free(text);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc == GAIA_OK) {
		*out = r.json;
		r.json = NULL;
	}
	client_response_free(&r);
	return rc;
}

int client_rejoin(struct client *c, const char *leader_addr, bool reset, json_t **out)
{
	json_t *body = NULL;
	int rc;

	*out = NULL;
	if ((leader_addr && leader_addr[0]) || reset) {
		body = json_object();
		if (!body || (leader_addr && leader_addr[0] &&
			      json_object_set_new(body, "leader_address", json_string(leader_addr)) != 0) ||
		    (reset && json_object_set_new(body, "reset", json_true()) != 0)) {
			json_decref(body);
			return errmsg_set(client_errbuf(c), GAIA_EINVAL,
					  "the leader address must be UTF-8 text");
		}
	}
	rc = client_call_json(c, "POST", "/api/cluster/rejoin", body, 0, out);
	json_decref(body);
	return rc;
}

int client_kv_list(struct client *c, const char *prefix, uint64_t limit, bool stale, json_t **out)
{
	char tail[64];
	char *esc, *path;
	size_t need;
	int rc;

	*out = NULL;
	tail[0] = '\0';
	if (limit)
		snprintf(tail, sizeof tail, "&limit=%" PRIu64, limit);
	if (stale)
		strcat(tail, "&consistency=stale");
	esc = client_escape_key(prefix ? prefix : "");
	if (!esc)
		return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	need = strlen("/api/kv/?prefix=") + strlen(esc) + strlen(tail) + 1;
	path = malloc(need);
	if (path)
		snprintf(path, need, "/api/kv/?prefix=%s%s", esc, tail);
	free(esc);
	if (!path)
		return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	rc = client_call_json(c, "GET", path, NULL, 0, out);
	free(path);
	return rc;
}
