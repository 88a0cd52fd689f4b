/* client_cluster.c - the peer routes for the tools: status, list, show, remove, leadership transfer, and a watch loop. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_cluster.h"
#include "util/hostport.h"
#include "client/client_internal.h"
#include "util/errmsg.h"

#define CLIENT_NODE_ID_MAX 63 /* NODE_NAME_MAX - 1 of the node */

uint64_t client_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void client_nap_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

bool client_node_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > CLIENT_NODE_ID_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '/' || *s == 0x7f)
			return false;
	return true;
}


/* "/api/cluster/peers/<escaped id><query>", malloc'd into *out. */
static int client_peer_path(struct client *c, const char *id, const char *query, char **out)
{
	char *esc;
	size_t need;

	*out = NULL;
	if (!client_node_id_ok(id))
		return errmsg_set(client_errbuf(c), GAIA_EINVAL,
				  "'%s' is not a node id (1 to %d bytes, no blanks or '/')",
				  id ? id : "", CLIENT_NODE_ID_MAX);
	esc = client_escape_key(id);
	if (!esc)
		return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	need = strlen("/api/cluster/peers/") + strlen(esc) + strlen(query) + 1;
	*out = malloc(need);
	if (*out)
		snprintf(*out, need, "/api/cluster/peers/%s%s", esc, query);
	free(esc);
	return *out ? GAIA_OK : errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
}

/* One request whose 2xx answer is a JSON document, handed to *out. */
static int client_call_json(struct client *c, const char *method, const char *path,
			    const char *body, unsigned flags, long *status, json_t **out)
{
	struct client_response r = {0};
	int rc;

	*out = NULL;
	rc = client_request(c, method, path, body, body ? strlen(body) : 0, flags | CLIENT_JSON, &r);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc == GAIA_OK && !r.json)
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "%s answered %s %s with no body",
				client_target(c), method, path);
	if (rc == GAIA_OK) {
		*out = r.json;
		r.json = NULL;
	}
	if (status)
		*status = r.status;
	client_response_free(&r);
	return rc;
}

int client_cluster_status(struct client *c, json_t **out)
{
	return client_get_json(c, "/api/cluster/status", out);
}

int client_peers_list(struct client *c, json_t **out)
{
	int rc = client_get_json(c, "/api/cluster/peers", out);

	if (rc == GAIA_OK && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "%s: the peer list is not an array",
				client_target(c));
	}
	return rc;
}

int client_peer_show(struct client *c, const char *id, json_t **out)
{
	char *path;
	int rc;

	*out = NULL;
	if ((rc = client_peer_path(c, id, "", &path)) != GAIA_OK)
		return rc;
	rc = client_get_json(c, path, out);
	free(path);
	return rc;
}

int client_peer_remove(struct client *c, const char *id, bool force, bool dry_run, json_t **out)
{
	char query[40], *path;
	int rc;

	*out = NULL;
	snprintf(query, sizeof query, "%s%s%s", force || dry_run ? "?" : "",
		 force ? "force=true" : "", dry_run ? (force ? "&dry_run=true" : "dry_run=true") : "");
	if ((rc = client_peer_path(c, id, query, &path)) != GAIA_OK)
		return rc;
	rc = client_call_json(c, "DELETE", path, NULL, 0, NULL, out);
	free(path);
	return rc;
}

int client_transfer_leader(struct client *c, const char *target, json_t **out)
{
	char *esc = NULL, *path;
	size_t need;
	int rc;

	*out = NULL;
	if (target) {
		if (!client_node_id_ok(target))
			return errmsg_set(client_errbuf(c), GAIA_EINVAL, "'%s' is not a node id",
					  target);
		if (!(esc = client_escape_key(target)))
			return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	}
	need = strlen("/api/cluster/force-election?target=") + (esc ? strlen(esc) : 0) + 1;
	path = malloc(need);
	if (!path) {
		free(esc);
		return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	}
	snprintf(path, need, "/api/cluster/force-election%s%s", esc ? "?target=" : "",
		 esc ? esc : "");
	rc = client_call_json(c, "POST", path, NULL, 0, NULL, out);
	free(path);
	free(esc);
	return rc;
}

int client_peers_watch(struct client *c, uint64_t count, uint64_t interval_ms, client_watch_fn fn,
		       void *ud)
{
	uint64_t n, good = 0, next = client_mono_ms(), now;
	json_t *peers;
	bool go_on = true;

	for (n = 1; go_on && (count == 0 || n <= count); n++) {
		if (client_peers_list(c, &peers) == GAIA_OK)
			good++;
		go_on = fn(peers, n, ud);
		json_decref(peers);
		if (!go_on || (count && n == count))
			break;
		next += interval_ms;
		now = client_mono_ms();
		if (next > now)
			client_nap_ms(next - now);
		else
			next = now;
	}
	if (good == 0 && client_errmsg(c)[0])
		return GAIA_EIO;
	return GAIA_OK;
}
