/* /api/cluster/health, /metrics (JSON), /force-election, /rejoin and
 * /digest: the operator's views and levers beyond membership. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "metrics/metrics.h"

/* --- health (DESIGN.md section 10) --------------------------------------- */

static bool ask_leader(struct api_call *c)
{
	const struct node_status *s = &c->req.status;
	bool stale = false;
	api_arg_bool(c, "stale", &stale);
	return !c->forwarded && !stale && s->role && strcmp(s->role, "leader") != 0 &&
	       s->has_leader && s->leader_api_addr[0];
}

json_t *api_json_health(const struct node_status *s)
{
	unsigned healthy = 0, degraded = 0, unhealthy = 0, voters = 0, live_voters = 0;
	bool leader = s->role && !strcmp(s->role, "leader");
	const char *cluster;

	for (size_t i = 0; i < s->n_peers && i < RAFT_MAX_SERVERS; i++) {
		const struct node_peer_info *p = &s->peers[i];
		if (!strcmp(p->state, "healthy"))
			healthy++;
		else if (!strcmp(p->state, "unhealthy"))
			unhealthy++;
		else
			degraded++;
		if (p->voter) {
			voters++;
			if (strcmp(p->state, "unhealthy") != 0 && strcmp(p->state, "unknown") != 0)
				live_voters++;
		}
	}
	if (!s->has_leader || (leader && live_voters < voters / 2 + 1))
		cluster = "unhealthy";
	else if (!leader)
		cluster = "unknown"; /* only the leader sees its peers */
	else if (degraded || unhealthy)
		cluster = "degraded";
	else
		cluster = "healthy";
	return json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s, s:s}",
			 "cluster_status", cluster,
			 "leader_id", s->has_leader ? s->leader_id : NULL,
			 "term", (json_int_t)s->term,
			 "peer_count", (json_int_t)s->n_peers,
			 "healthy_peers", (json_int_t)healthy,
			 "degraded_peers", (json_int_t)degraded,
			 "unhealthy_peers", (json_int_t)unhealthy,
			 "last_log_index", (json_int_t)s->last_index,
			 "last_snapshot", s->snapshot_index
				 ? json_pack("{s:I}", "index", (json_int_t)s->snapshot_index)
				 : json_null(),
			 "node_id", s->node_id,
			 "role", s->role ? s->role : "unknown");
}

static int health_finish(struct api_call *c)
{
	json_t *j;
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	if (!c->fwd_done && ask_leader(c)) {
		c->fwd_fallback = true;
		c->fwd_timeout_ms = 1000;
		return api_forward_to_leader(c, &c->req.status, NULL);
	}
	j = api_json_health(&c->req.status);
	if (j != NULL && c->fwd_done)
		json_object_set_new(j, "stale", json_true()); /* the leader did not answer */
	return api_reply_json(c, MHD_HTTP_OK, j);
}

/* --- this node's figures as JSON ----------------------------------------- */

static int metrics_finish(struct api_call *c)
{
	const struct node_status *s = &c->req.status;
	char hb[40] = "";
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	if (s->last_heartbeat_ms)
		api_rfc3339(s->last_heartbeat_ms, hb, sizeof hb);
	return api_reply_json(c, MHD_HTTP_OK,
		json_pack("{s:s, s:b, s:s?, s:I, s:s?, s:s, s:I, s:I, s:I, s:I}",
			  "node_id", s->node_id,
			  "is_leader", s->role && !strcmp(s->role, "leader"),
			  "leader_id", s->has_leader ? s->leader_id : NULL,
			  "term", (json_int_t)s->term,
			  "last_heartbeat", hb[0] ? hb : NULL,
			  "state", s->role ? s->role : "unknown",
			  "match_index", (json_int_t)s->last_index,
			  "next_index", (json_int_t)(s->last_index + 1),
			  "commit_index", (json_int_t)s->commit_index,
			  "applied_index", (json_int_t)s->applied_index));
}

/* --- levers --------------------------------------------------------------- */

static int election_finish(struct api_call *c)
{
	const struct node_status *s = &c->req.status;
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	return api_reply_json(c, MHD_HTTP_OK,
		json_pack("{s:s?, s:s?, s:I, s:s}",
			  "leader_id", s->has_leader ? s->leader_id : NULL,
			  "leader_address", s->leader_api_addr[0] ? s->leader_api_addr : NULL,
			  "term", (json_int_t)s->term,
			  "action", c->req.action));
}

static int rejoin_finish(struct api_call *c)
{
	const struct node_status *s = &c->req.status;
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	return api_reply_json(c, MHD_HTTP_OK,
		json_pack("{s:s, s:s, s:s?, s:s}",
			  "node_id", s->node_id, "node_state", s->node_state,
			  "leader_id", s->has_leader ? s->leader_id : NULL,
			  "action", c->req.action));
}

static int digest_finish(struct api_call *c)
{
	char hex[20];
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)c->req.digest);
	return api_reply_json(c, MHD_HTTP_OK,
		json_pack("{s:I, s:s, s:I}", "applied_index", (json_int_t)c->req.index,
			  "digest", hex, "keys", (json_int_t)c->req.count));
}

static int rejoin(struct api_call *c)
{
	json_error_t jerr;
	json_t *j;
	const char *addr = NULL;
	int reset = 0;

	api_req_reset(c, NODE_OP_REJOIN);
	if (c->body_len > 0) {
		j = json_loadb(c->body, c->body_len, 0, &jerr);
		if (j == NULL)
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "bad JSON at line %d column %d: %s", jerr.line,
					       jerr.column, jerr.text);
		if (json_unpack_ex(j, &jerr, 0, "{s?s, s?b}", "leader_address", &addr,
				   "reset", &reset) != 0) {
			json_decref(j);
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", "%s",
					       jerr.text);
		}
		if (addr != NULL)
			snprintf(c->req.peer_addr, sizeof c->req.peer_addr, "%s", addr);
		json_decref(j);
	}
	c->req.reset = reset != 0;
	c->finish = rejoin_finish;
	return API_STEP_SUBMIT;
}

/* Routes under /api/cluster handled here; -1 when the path is not ours. */
int api_ops_route(struct api_call *c, const char *rest)
{
	bool get = api_method(c, "GET") || api_method(c, "HEAD");

	if (!strcmp(rest, "/health")) {
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD");
		api_req_reset(c, NODE_OP_STATUS);
		c->finish = health_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/metrics")) {
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD");
		api_req_reset(c, NODE_OP_STATUS);
		c->finish = metrics_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/digest")) {
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD");
		api_req_reset(c, NODE_OP_DIGEST);
		c->finish = digest_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/force-election")) {
		char target[NODE_NAME_MAX] = "";
		size_t len = 0;
		bool present = false;
		if (!api_method(c, "POST"))
			return api_reply_not_allowed(c, "POST");
		api_req_reset(c, NODE_OP_FORCE_ELECTION);
		if (api_arg(c, "target", target, sizeof target, &len, &present) != 0)
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "target: not a node id");
		if (present && len > 0)
			snprintf(c->req.peer_name, sizeof c->req.peer_name, "%s", target);
		c->finish = election_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/rejoin")) {
		if (!api_method(c, "POST"))
			return api_reply_not_allowed(c, "POST");
		return rejoin(c);
	}
	return -1;
}

/* --- request counters ----------------------------------------------------- */

/* The route a path counts under: /health, /api/kv, /api/cluster/<what>. */
static void route_of(const char *path, char *out, size_t size)
{
	const char *p;
	if (path == NULL) {
		snprintf(out, size, "other");
		return;
	}
	if (!strncmp(path, "/api/kv", 7)) {
		snprintf(out, size, "/api/kv");
		return;
	}
	if (!strncmp(path, "/api/cluster/", 13)) {
		p = strchr(path + 13, '/');
		snprintf(out, size, "%.*s", p ? (int)(p - path) : (int)strlen(path), path);
		return;
	}
	snprintf(out, size, "%s", !strcmp(path, "/health") ? "/health" : "other");
}

void api_count(struct api *a, const char *path, unsigned code)
{
	char route[40];
	size_t i;
	route_of(path, route, sizeof route);
	pthread_mutex_lock(&a->count_mu);
	for (i = 0; i < a->n_counts; i++)
		if (a->counts[i].code == code && !strcmp(a->counts[i].route, route))
			break;
	if (i == a->n_counts && i < sizeof a->counts / sizeof a->counts[0]) {
		snprintf(a->counts[i].route, sizeof a->counts[i].route, "%s", route);
		a->counts[i].code = code;
		a->counts[i].n = 0;
		a->n_counts++;
	}
	if (i < a->n_counts)
		a->counts[i].n++;
	pthread_mutex_unlock(&a->count_mu);
}

void api_metrics_write(struct api *a, struct metrics_buf *b)
{
	metrics_family(b, "gaia_http_requests_total", "counter",
		       "REST requests answered, by route and status code.");
	pthread_mutex_lock(&a->count_mu);
	for (size_t i = 0; i < a->n_counts; i++) {
		char lab[128] = "", code[8];
		snprintf(code, sizeof code, "%u", a->counts[i].code);
		metrics_label(lab, sizeof lab, "route", a->counts[i].route);
		metrics_label(lab, sizeof lab, "code", code);
		metrics_sample(b, "gaia_http_requests_total", lab, (double)a->counts[i].n);
	}
	pthread_mutex_unlock(&a->count_mu);
}
