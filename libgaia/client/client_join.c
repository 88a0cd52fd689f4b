/* client_join.c - adding a node (gaia-join, gaia_go --cluster-join) and waiting until the leader has made it a voter. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_cluster.h"
#include "util/hostport.h"
#include "client/client_internal.h"
#include "util/errmsg.h"

#define CLIENT_JOIN_POLL_MS 250

int client_join(struct client *c, const struct client_join_request *j, bool *created,
		json_t **out)
{
	struct client_response r = {0};
	json_t *req;
	char *body;
	int rc;

	*out = NULL;
	*created = false;
	if (!client_node_id_ok(j->node_id))
		return errmsg_set(client_errbuf(c), GAIA_EINVAL,
				  "'%s' is not a node id (1 to 63 bytes, no blanks or '/')",
				  j->node_id ? j->node_id : "");
	if (!hostport_ok(j->address))
		return errmsg_set(client_errbuf(c), GAIA_EINVAL,
				  "'%s' is not the node's Raft address as HOST:PORT",
				  j->address ? j->address : "");
	if (j->api_address && !hostport_ok(j->api_address))
		return errmsg_set(client_errbuf(c), GAIA_EINVAL,
				  "'%s' is not the node's REST address as HOST:PORT", j->api_address);
	req = json_pack("{s:s, s:s}", "node_id", j->node_id, "address", j->address);
	if (req && j->api_address)
		json_object_set_new(req, "api_address", json_string(j->api_address));
	if (req && j->raft_id) {
		char rid[20];
		snprintf(rid, sizeof rid, "%016" PRIx64, j->raft_id);
		json_object_set_new(req, "raft_id", json_string(rid));
	}
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	rc = client_request(c, "POST", "/api/cluster/peers", body, strlen(body),
			    CLIENT_JSON | CLIENT_BODY_JSON, &r);
	free(body);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc == GAIA_OK) {
		*created = r.status == 201;
		*out = r.json ? r.json : json_object();
		r.json = NULL;
	}
	client_response_free(&r);
	return rc;
}

/* Read the peer document p into the progress record. */
static void client_join_read(const json_t *p, struct client_join_progress *g)
{
	const char *state = json_string_value(json_object_get(p, "state"));
	json_t *m = json_object_get(p, "match_index"), *lag = json_object_get(p, "lag");

	snprintf(g->state, sizeof g->state, "%s", state ? state : "unknown");
	g->voter = json_is_true(json_object_get(p, "voter"));
	g->match_index = json_is_integer(m) ? (uint64_t)json_integer_value(m) : 0;
	g->lag = json_is_integer(lag) ? (uint64_t)json_integer_value(lag) : 0;
	/* a follower that could not ask the leader knows no progress */
	g->have_figures = strcmp(g->state, "unknown") != 0;
}

int client_join_wait(struct client *c, const char *node_id, uint64_t timeout_ms,
		     uint64_t interval_ms, client_join_fn fn, void *ud,
		     struct client_join_progress *last)
{
	struct client_join_progress g;
	uint64_t t0 = client_mono_ms(), now;
	json_t *p;
	int rc;

	memset(&g, 0, sizeof g);
	snprintf(g.state, sizeof g.state, "unknown");
	if (!interval_ms)
		interval_ms = CLIENT_JOIN_POLL_MS;
	for (;;) {
		rc = client_peer_show(c, node_id, &p);
		g.polls++;
		g.elapsed_ms = client_mono_ms() - t0;
		if (rc == GAIA_OK) {
			g.last_error[0] = '\0';
			client_join_read(p, &g);
			json_decref(p);
		} else {
			snprintf(g.last_error, sizeof g.last_error, "%s", client_errmsg(c));
		}
		if (last)
			*last = g;
		if (fn)
			fn(&g, ud);
		if (rc == GAIA_ENOTFOUND)
			return errmsg_set(client_errbuf(c), GAIA_ENOTFOUND,
					  "%s is not a member of the cluster (%s)", node_id,
					  g.last_error);
		if (rc == GAIA_EINVAL || rc == GAIA_ENOMEM)
			return rc;
		if (rc == GAIA_OK && g.voter)
			return GAIA_OK;
		now = client_mono_ms();
		if (timeout_ms && now - t0 >= timeout_ms)
			break;
		client_nap_ms(timeout_ms && now - t0 + interval_ms > timeout_ms
				      ? timeout_ms - (now - t0)
				      : interval_ms);
	}
	if (g.last_error[0])
		return errmsg_set(client_errbuf(c), GAIA_EUNAVAIL,
				  "%s is not a voter after %.1f s; the last poll failed: %s", node_id,
				  (double)g.elapsed_ms / 1000, g.last_error);
	if (g.have_figures)
		return errmsg_set(client_errbuf(c), GAIA_EUNAVAIL,
				  "%s is not a voter after %.1f s: %s, holding up to index %" PRIu64
				  ", %" PRIu64 " entries behind the leader",
				  node_id, (double)g.elapsed_ms / 1000, g.state, g.match_index, g.lag);
	return errmsg_set(client_errbuf(c), GAIA_EUNAVAIL,
			  "%s is not a voter after %.1f s (state %s)", node_id,
			  (double)g.elapsed_ms / 1000, g.state);
}
