/* Typed calls of the operator routes (client_ctl.h): paths built and escaped here, answers as JSON. */
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

/* prefix + escaped id + suffix, malloc'd; NULL (errmsg set) on a bad id or no memory */
static char *client_id_path(struct client *c, const char *prefix, const char *id, const char *suffix)
{
	char *esc, *path;
	size_t need;

	if (!id || !id[0]) {
		errmsg_set(client_errbuf(c), GAIA_EINVAL, "a node id must not be empty");
		return NULL;
	}
	esc = client_escape_key(id);
	if (!esc) {
		errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
		return NULL;
	}
	need = strlen(prefix) + strlen(esc) + strlen(suffix) + 1;
	path = malloc(need);
	if (path)
		snprintf(path, need, "%s%s%s", prefix, esc, suffix);
	else
		errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	free(esc);
	return path;
}

int client_peer_get(struct client *c, const char *id, json_t **out)
{
	char *path = client_id_path(c, "/api/cluster/peers/", id, "");
	int rc;

	*out = NULL;
	if (!path)
		return id && id[0] ? GAIA_ENOMEM : GAIA_EINVAL;
	rc = client_call_json(c, "GET", path, NULL, 0, out);
	free(path);
	return rc;
}

int client_peer_add(struct client *c, const char *id, const char *addr, const char *api_addr,
		    json_t **out)
{
	json_t *body;
	int rc;

	*out = NULL;
	if (!id || !id[0] || !addr || !addr[0])
		return errmsg_set(client_errbuf(c), GAIA_EINVAL, "a node id and an address are needed");
	body = json_pack("{s:s, s:s}", "node_id", id, "address", addr);
	if (body && api_addr && api_addr[0] &&
	    json_object_set_new(body, "api_address", json_string(api_addr)) != 0) {
		json_decref(body);
		body = NULL;
	}
	if (!body)
		return errmsg_set(client_errbuf(c), GAIA_EINVAL,
				  "the node id and addresses must be UTF-8 text");
	rc = client_call_json(c, "POST", "/api/cluster/peers", body, 0, out);
	json_decref(body);
	return rc;
}

int client_peer_remove(struct client *c, const char *id, bool force, bool dry_run, json_t **out)
{
	char query[40];
	char *path;
	int rc;

	*out = NULL;
	snprintf(query, sizeof query, "%s%s%s", force || dry_run ? "?" : "", force ? "force=true" : "",
		 dry_run ? (force ? "&dry_run=true" : "dry_run=true") : "");
	path = client_id_path(c, "/api/cluster/peers/", id, query);
	if (!path)
		return id && id[0] ? GAIA_ENOMEM : GAIA_EINVAL;
	rc = client_call_json(c, "DELETE", path, NULL, 0, out);
	free(path);
	return rc;
}

int client_force_election(struct client *c, const char *target, json_t **out)
{
	char *path;
	int rc;

	*out = NULL;
	if (!target || !target[0])
		return client_call_json(c, "POST", "/api/cluster/force-election", NULL, 0, out);
	path = client_id_path(c, "/api/cluster/force-election?target=", target, "");
	if (!path)
		return GAIA_ENOMEM;
	rc = client_call_json(c, "POST", path, NULL, 0, out);
	free(path);
	return rc;
}

int client_rejoin(struct client *c, const char *leader_addr, json_t **out)
{
	json_t *body = NULL;
	int rc;

	*out = NULL;
	if (leader_addr && leader_addr[0]) {
		body = json_pack("{s:s}", "leader_address", leader_addr);
		if (!body)
			return errmsg_set(client_errbuf(c), GAIA_EINVAL,
					  "the leader address must be UTF-8 text");
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
