/* /api/cluster: status, peers (list, one, add, remove) and self (leave). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "util/hostport.h"

/* --- reads of the node's status ------------------------------------------ */

/* How long a follower waits for the leader's view of the peers before it
 * answers with its own: short, as a partitioned node is when it matters. */
#define API_PEERS_FWD_TIMEOUT_MS 1000

static bool api_ask_leader(struct api_call *c, const struct node_status *s)
{
	bool stale = false;

	api_arg_bool(c, "stale", &stale);
	return !c->fwd_done && !stale && !c->forwarded && s->role && strcmp(s->role, "leader") != 0 &&
	       s->has_leader && s->leader_api_addr[0];
}

/* The peers' states as the leader sees them, into our nodes[]. */
static void api_merge_states(json_t *status, const struct api_fwd_result *r)
{
	json_t *theirs, *mine, *n, *t;
	size_t i, k;

	if (r->status != MHD_HTTP_OK || !status)
		return;
	theirs = json_loadb(r->body ? r->body : "", r->len, 0, NULL);
	mine = json_object_get(status, "nodes");
	json_array_foreach(mine, i, n) {
		json_array_foreach(theirs, k, t) {
			if (json_equal(json_object_get(n, "id"), json_object_get(t, "id")) &&
			    json_is_string(json_object_get(t, "state"))) {
				json_object_set(n, "state", json_object_get(t, "state"));
				break;
			}
		}
	}
	json_decref(theirs);
}

/* This node's own view; a follower, which cannot see its peers' health,
 * takes their states from the leader when it answers quickly. */
static int api_status_finish(struct api_call *c)
{
	json_t *j;

	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	if (api_ask_leader(c, &c->req.status)) {
		if (!api_fwd_prepare(c, c->req.status.leader_id, c->req.status.leader_api_addr,
				     "/api/cluster/peers"))
			return api_reply_error(c, 500, "internal", "out of memory");
		c->fwd_local = true;
		c->fwd_timeout_ms = API_PEERS_FWD_TIMEOUT_MS;
		return API_STEP_FORWARD;
	}
	j = api_json_status(&c->req.status);
	if (c->fwd_done)
		api_merge_states(j, &c->fwd);
	return api_reply_json(c, MHD_HTTP_OK, j);
}

static const struct node_peer_info *api_find_peer(const struct node_status *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_peers && i < RAFT_MAX_SERVERS; i++)
		if (!strcmp(s->peers[i].name, name))
			return &s->peers[i];
	return NULL;
}

/* Only the leader sees its peers' progress: a follower asks it, and falls
 * back on its own view (state "unknown", every peer marked "stale": true)
 * when it cannot; ?stale=true asks for the local view. */
static int api_peers_finish(struct api_call *c)
{
	const struct node_status *s = &c->req.status;
	const struct node_peer_info *p;
	json_t *j;
	bool stale;

	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	if (api_ask_leader(c, s)) {
		c->fwd_fallback = true;
		c->fwd_timeout_ms = API_PEERS_FWD_TIMEOUT_MS;
		return api_forward_to_leader(c, s, NULL);
	}
	stale = !s->role || strcmp(s->role, "leader") != 0;
	if (!c->arg[0]) {
		json_t *a = api_json_peers(s), *e;
		size_t i;
		json_array_foreach(a, i, e)
			json_object_set_new(e, "stale", json_boolean(stale));
		return api_reply_json(c, MHD_HTTP_OK, a);
	}
	p = api_find_peer(s, c->arg);
	if (!p)
		return api_reply_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no peer '%s' in the cluster",
				       c->arg);
	j = api_json_peer(p);
	if (j)
		json_object_set_new(j, "stale", json_boolean(stale));
	return api_reply_json(c, MHD_HTTP_OK, j);
}

/* --- membership changes --------------------------------------------------- */

/* After a change: the new configuration, from a STATUS request. */
static int api_change_finish(struct api_call *c)
{
	json_t *j;
	unsigned status;

	if (c->stage == 0) {
		if (c->req.err != GAIA_OK && !(c->req.op == NODE_OP_ADD_PEER && c->req.err == GAIA_EEXIST)) {
			if (c->req.err == GAIA_ENOTFOUND)
				return api_reply_error(c, MHD_HTTP_NOT_FOUND, "not_found",
						       "no peer '%s' in the cluster", c->arg);
			return api_reply_node_error(c);
		}
		if (c->req.dry_run)
			return api_reply_json(c, MHD_HTTP_OK,
					      api_json_dry_run(c->req.voters_before, c->req.voters_after));
		c->created = c->req.op == NODE_OP_ADD_PEER && c->req.err == GAIA_OK;
		c->stage = 1;
		api_req_reset(c, NODE_OP_STATUS);
		return API_STEP_SUBMIT;
	}
	if (c->change_op == NODE_OP_REMOVE_PEER)
		j = json_pack("{s:s, s:b}", "node_id", c->arg, "removed", 1);
	else
		j = json_pack("{s:s}", "node_id", c->arg);
	if (j && c->req.err == GAIA_OK)
		json_object_set_new(j, "nodes", api_json_nodes(&c->req.status));
	status = c->created ? MHD_HTTP_CREATED : MHD_HTTP_OK;
	return api_reply_json(c, status, j);
}

static bool api_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NODE_NAME_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '/' || *s == 0x7f)
			return false;
	return true;
}

static int api_bad(struct api_call *c, const char *msg)
{
	return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", "%s", msg);
}

static int api_peer_add(struct api_call *c)
{
	json_error_t jerr;
	json_t *j, *v;
	const char *s;
	bool dry;
	int rv;

	if (api_arg_bool(c, "dry_run", &dry) != 0)
		return api_bad(c, "parameter 'dry_run' must be true or false");
	j = json_loadb(c->body ? c->body : "", c->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "invalid JSON: %s (line %d, column %d, position %d)", jerr.text,
				       jerr.line, jerr.column, jerr.position);
	api_req_reset(c, NODE_OP_ADD_PEER);
	if (!json_is_object(j)) {
		rv = api_bad(c, "the body must be a JSON object {\"node_id\", \"address\"}");
		goto out;
	}
	v = json_object_get(j, "node_id");
	s = json_string_value(v);
	if (!s || !s[0]) {
		rv = api_bad(c, "'node_id' is missing or empty");
		goto out;
	}
	if (!api_name_ok(s)) {
		rv = api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				     "'node_id' must be 1 to %d bytes without spaces, control characters or '/'",
				     NODE_NAME_MAX - 1);
		goto out;
	}
	snprintf(c->req.peer_name, sizeof c->req.peer_name, "%s", s);
	s = json_string_value(json_object_get(j, "address"));
	if (!s || !hostport_ok(s) || strlen(s) >= NODE_ADDR_MAX) {
		rv = api_bad(c, "'address' must be the peer's Raft address as host:port");
		goto out;
	}
	snprintf(c->req.peer_addr, sizeof c->req.peer_addr, "%s", s);
	v = json_object_get(j, "api_address");
	if (v && !json_is_null(v)) {
		s = json_string_value(v);
		if (!s || !hostport_ok(s) || strlen(s) >= NODE_ADDR_MAX) {
			rv = api_bad(c, "'api_address' must be the peer's REST address as host:port");
			goto out;
		}
		snprintf(c->req.peer_api, sizeof c->req.peer_api, "%s", s);
	}
	v = json_object_get(j, "raft_id");
	if (v && !json_is_null(v)) {
		/* the joining incarnation's id, 16 hex digits (a node asking
		 * for itself); without it the leader asks the node */
		s = json_string_value(v);
		if (s && strlen(s) == 16 && strspn(s, "0123456789abcdefABCDEF") == 16)
			c->req.peer_raft_id = strtoull(s, NULL, 16);
		if (c->req.peer_raft_id == 0) {
			rv = api_bad(c, "'raft_id' must be the node's Raft id as 16 hex digits");
			goto out;
		}
	}
	v = json_object_get(j, "voter");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			rv = api_bad(c, "'voter' must be true or false");
			goto out;
		}
		c->req.voter = json_is_true(v);
	} else {
		c->req.voter = true;
	}
	c->req.dry_run = dry;
	snprintf(c->arg, sizeof c->arg, "%s", c->req.peer_name);
	c->change_op = NODE_OP_ADD_PEER;
	c->finish = api_change_finish;
	rv = API_STEP_SUBMIT;
out:
	json_decref(j);
	return rv;
}

static int api_peer_remove(struct api_call *c)
{
	bool force, dry;

	if (api_arg_bool(c, "force", &force) != 0)
		return api_bad(c, "parameter 'force' must be true or false");
	if (api_arg_bool(c, "dry_run", &dry) != 0)
		return api_bad(c, "parameter 'dry_run' must be true or false");
	api_req_reset(c, NODE_OP_REMOVE_PEER);
	snprintf(c->req.peer_name, sizeof c->req.peer_name, "%s", c->arg);
	c->req.force = force;
	c->req.dry_run = dry;
	c->change_op = NODE_OP_REMOVE_PEER;
	c->finish = api_change_finish;
	return API_STEP_SUBMIT;
}

static int api_leave_finish(struct api_call *c)
{
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	return api_reply_json(c, MHD_HTTP_OK,
			      json_pack("{s:s, s:b}", "node_id",
					c->req.status.node_id[0] ? c->req.status.node_id : c->api->node_id,
					"left", 1));
}

/* --- routing --------------------------------------------------------------- */

/* The {id} of /peers/{id}, decoded into c->arg. */
static int api_peer_arg(struct api_call *c, const char *raw)
{
	char tmp[NODE_NAME_MAX * 3 + 1];
	size_t len = strlen(raw);
	ssize_t n;

	if (len >= sizeof tmp)
		return -1;
	memcpy(tmp, raw, len + 1);
	n = api_url_decode(tmp, len, false);
	if (n <= 0 || n >= NODE_NAME_MAX || memchr(tmp, '\0', (size_t)n))
		return -1;
	memcpy(c->arg, tmp, (size_t)n);
	c->arg[n] = '\0';
	return 0;
}

int api_cluster_route(struct api_call *c, const char *rest)
{
	bool get = api_method(c, "GET") || api_method(c, "HEAD");

	if (!strcmp(rest, "/status")) {
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD");
		api_req_reset(c, NODE_OP_STATUS);
		c->finish = api_status_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/peers") || !strcmp(rest, "/peers/")) {
		if (api_method(c, "POST"))
			return api_peer_add(c);
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD, POST");
		api_req_reset(c, NODE_OP_STATUS);
		c->finish = api_peers_finish;
		return API_STEP_SUBMIT;
	}
	if (!strncmp(rest, "/peers/", 7) && !strchr(rest + 7, '/')) {
		if (api_peer_arg(c, rest + 7) != 0)
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "the peer id is badly encoded or longer than %d bytes",
					       NODE_NAME_MAX - 1);
		if (api_method(c, "DELETE"))
			return api_peer_remove(c);
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD, DELETE");
		api_req_reset(c, NODE_OP_STATUS);
		c->finish = api_peers_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/self")) {
		if (!api_method(c, "DELETE"))
			return api_reply_not_allowed(c, "DELETE");
		api_req_reset(c, NODE_OP_LEAVE);
		c->finish = api_leave_finish;
		return API_STEP_SUBMIT;
	}
	return api_reply_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint: %s /api/cluster%s",
			       c->method, rest);
}
