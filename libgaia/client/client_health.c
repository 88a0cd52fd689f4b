/* client_health.c - the health check of gaia-health: the cluster's or one node's state (DESIGN.md section 10) as a Nagios level, a summary line and performance data. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client/client_cluster.h"
#include "client/client_internal.h"
#include "util/errmsg.h"

#define CLIENT_HEALTH_POLL_MS 500
/* entries a node may have committed but not applied before it is degraded */
#define CLIENT_HEALTH_APPLY_LAG 1000

const char *client_health_label(int level)
{
	switch (level) {
	case CLIENT_HEALTH_OK:
		return "OK";
	case CLIENT_HEALTH_WARNING:
		return "WARNING";
	case CLIENT_HEALTH_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

void client_health_clear(struct client_health *h)
{
	json_decref(h->doc);
	memset(h, 0, sizeof *h);
}

static uint64_t jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static const char *jstr(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && s[0] ? s : dflt;
}

static void set(struct client_health *h, int level, const char *status)
{
	h->level = level;
	snprintf(h->status, sizeof h->status, "%s", status);
}

/* The cluster, from GET /api/cluster/health (the leader's view). */
static void client_health_cluster(struct client_health *h)
{
	const json_t *d = h->doc;
	const char *cs = jstr(d, "cluster_status", "unknown"), *leader = jstr(d, "leader_id", NULL);
	const char *node = jstr(d, "node_id", "?");
	uint64_t peers = jint(d, "peer_count"), ok = jint(d, "healthy_peers");
	uint64_t deg = jint(d, "degraded_peers"), bad = jint(d, "unhealthy_peers");
	uint64_t term = jint(d, "term"), last = jint(d, "last_log_index");

	snprintf(h->perfdata, sizeof h->perfdata,
		 "peers=%" PRIu64 " healthy_peers=%" PRIu64 " degraded_peers=%" PRIu64
		 " unhealthy_peers=%" PRIu64 " term=%" PRIu64 "c last_log_index=%" PRIu64 "c",
		 peers, ok, deg, bad, term, last);
	if (!strcmp(cs, "healthy")) {
		set(h, CLIENT_HEALTH_OK, "healthy");
		snprintf(h->summary, sizeof h->summary,
			 "cluster healthy, %" PRIu64 "/%" PRIu64 " peers healthy, leader %s", ok, peers,
			 leader ? leader : "?");
	} else if (!strcmp(cs, "degraded")) {
		set(h, CLIENT_HEALTH_WARNING, "degraded");
		snprintf(h->summary, sizeof h->summary,
			 "cluster degraded, %" PRIu64 "/%" PRIu64 " peers healthy (%" PRIu64
			 " degraded or catching up, %" PRIu64 " unhealthy), leader %s",
			 ok, peers, deg, bad, leader ? leader : "?");
	} else if (!strcmp(cs, "unhealthy")) {
		set(h, CLIENT_HEALTH_CRITICAL, "unhealthy");
		if (!leader)
			snprintf(h->summary, sizeof h->summary,
				 "cluster unhealthy, no leader (asked %s: term %" PRIu64 ", %" PRIu64
				 " members)", node, term, peers);
		else
			snprintf(h->summary, sizeof h->summary,
				 "cluster unhealthy, no quorum: %" PRIu64 "/%" PRIu64
				 " peers reachable, %" PRIu64 " unhealthy, leader %s",
				 peers - bad, peers, bad, leader);
	} else {
		set(h, CLIENT_HEALTH_UNKNOWN, "unknown");
		snprintf(h->summary, sizeof h->summary,
			 "cluster state unknown: %s could not get the view of leader %s", node,
			 leader ? leader : "?");
	}
}

/* The node itself, from GET /api/cluster/status. */
static void client_health_node(struct client_health *h)
{
	const json_t *d = h->doc, *n;
	const char *id = jstr(d, "node_id", "?"), *role = jstr(d, "role", "unknown");
	const char *state = jstr(d, "node_state", "running"), *leader = jstr(d, "leader_id", NULL);
	uint64_t term = jint(d, "term"), commit = jint(d, "commit_index");
	uint64_t applied = jint(d, "applied_index"), last = jint(d, "last_index");
	bool voter = false;
	size_t i;

	json_array_foreach(json_object_get(d, "nodes"), i, n)
		if (!strcmp(jstr(n, "id", ""), id))
			voter = json_is_true(json_object_get(n, "voter"));
	snprintf(h->perfdata, sizeof h->perfdata,
		 "term=%" PRIu64 "c last_index=%" PRIu64 "c commit_index=%" PRIu64
		 "c applied_index=%" PRIu64 "c",
		 term, last, commit, applied);
	if (!strcmp(state, "removed")) {
		set(h, CLIENT_HEALTH_CRITICAL, "unhealthy");
		snprintf(h->summary, sizeof h->summary, "node %s was removed from the cluster", id);
	} else if (!leader) {
		set(h, CLIENT_HEALTH_CRITICAL, "unhealthy");
		snprintf(h->summary, sizeof h->summary, "node %s knows no leader (%s, term %" PRIu64 ")",
			 id, role, term);
	} else if (strcmp(state, "running") != 0) {
		set(h, CLIENT_HEALTH_WARNING, "degraded");
		snprintf(h->summary, sizeof h->summary, "node %s is %s, leader %s", id, state, leader);
	} else if (!voter) {
		set(h, CLIENT_HEALTH_WARNING, "degraded");
		snprintf(h->summary, sizeof h->summary,
			 "node %s is a learner (catching up, not voting), leader %s", id, leader);
	} else if (commit > applied + CLIENT_HEALTH_APPLY_LAG) {
		set(h, CLIENT_HEALTH_WARNING, "degraded");
		snprintf(h->summary, sizeof h->summary,
			 "node %s applies behind: %" PRIu64 " committed entries not applied yet, "
			 "leader %s",
			 id, commit - applied, leader);
	} else {
		set(h, CLIENT_HEALTH_OK, "healthy");
		snprintf(h->summary, sizeof h->summary,
			 "node %s healthy, %s, leader %s, term %" PRIu64, id, role, leader, term);
	}
}

int client_health_check(struct client *c, bool node_only, struct client_health *h)
{
	uint64_t elapsed = h->elapsed_ms;
	unsigned checks = h->checks;
	int rc;

	json_decref(h->doc);
	memset(h, 0, sizeof *h);
	h->elapsed_ms = elapsed;
	h->checks = checks + 1;
	rc = client_get_json(c, node_only ? "/api/cluster/status" : "/api/cluster/health", &h->doc);
	if (rc == GAIA_OK && !json_is_object(h->doc))
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "%s: the answer is not a JSON object",
				client_target(c));
	if (rc != GAIA_OK) {
		json_decref(h->doc);
		h->doc = NULL;
		set(h, CLIENT_HEALTH_UNKNOWN, rc == GAIA_EIO ? "unreachable" : "unknown");
		snprintf(h->summary, sizeof h->summary, "%s", client_errmsg(c));
		return rc;
	}
	if (node_only)
		client_health_node(h);
	else
		client_health_cluster(h);
	return GAIA_OK;
}

int client_health_wait(struct client *c, bool node_only, uint64_t timeout_ms,
		       uint64_t interval_ms, client_health_fn fn, void *ud,
		       struct client_health *h)
{
	uint64_t t0 = client_mono_ms(), now;
	int rc;

	if (!interval_ms)
		interval_ms = CLIENT_HEALTH_POLL_MS;
	for (;;) {
		rc = client_health_check(c, node_only, h);
		now = client_mono_ms();
		h->elapsed_ms = now - t0;
		if (h->level == CLIENT_HEALTH_OK || now - t0 >= timeout_ms)
			return rc;
		if (fn)
			fn(h, ud);
		client_nap_ms(now - t0 + interval_ms > timeout_ms ? timeout_ms - (now - t0)
								  : interval_ms);
	}
}

json_t *client_health_json(const struct client_health *h, bool node_only, const char *error)
{
	json_t *doc, *check;

	check = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:I}", "status",
			  client_health_label(h->level), "exit_code", h->level, "state", h->status,
			  "summary", h->summary, "perfdata", h->perfdata, "mode",
			  node_only ? "node" : "cluster", "waited_ms", (json_int_t)h->elapsed_ms);
	if (!check)
		return NULL;
	if (h->doc)
		doc = json_deep_copy(h->doc);
	else
		doc = json_pack("{s:s, s:s?}", node_only ? "node_state" : "cluster_status",
				"unreachable", "error", error);
	if (!doc || json_object_set_new(doc, "check", check) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
