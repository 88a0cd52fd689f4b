/* A join that names a node and its address only (gaia-join, gaia_go
 * --cluster-join): the leader asks the address over the Raft handshake
 * who is there (a discovery probe, on the thread pool), and adds the
 * incarnation that answers. A node that cannot be reached is added under
 * its name's first id, as before incarnations, unless that id was
 * removed; one that answers with a refusal is not added.
 *
 * An empty node (no cluster yet: its data dir was emptied by hand) that
 * answers with its name's removed first id is asked to reset itself
 * (POST /api/cluster/rejoin {"reset": true}), which gives it a new
 * incarnation; the leader asks again until it answers with that one. */
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "client/client_ctl.h"
#include "discovery/discovery.h"
#include "node/node_internal.h"

#define JOIN_PROBE_MAX_MS 2000
#define JOIN_RENEW_MAX_MS 5000 /* an empty node's reset and restart (the API waits 7 s) */
#define JOIN_RENEW_POLL_MS 200

struct join_probe {
	uv_work_t work;
	struct node *n;
	struct node_req *r;
	char host[NODE_ADDR_MAX];
	uint16_t port;
	char probe_name[NODE_NAME_MAX];
	uint64_t timeout_ms;
	struct raft_conf conf;            /* the loop's, when the job started */
	char leader_api[NODE_ADDR_MAX];   /* ours, for the node's re-add */
	const bool *stop;                 /* the node's stop_requested */
	bool renewed;                     /* the node was asked to reset */
	char renew_err[GAIA_ERRMSG_SIZE];
	struct discovery_probe p;
};

static bool stopping(const struct join_probe *j)
{
	return __atomic_load_n(j->stop, __ATOMIC_RELAXED);
}

/* The empty node answered with a removed id: ask it to reset (a new
 * incarnation), then ask who is there until the new one answers. */
static void renew(struct join_probe *j)
{
	struct client_options o = {0};
	struct client *c = NULL;
	json_t *out = NULL;
	raft_id old = j->p.id;
	char api[DISCOVERY_ADDR_MAX];
	int rc;

	snprintf(api, sizeof api, "%s", j->p.api_addr);
	o.addr = api;
	o.timeout_ms = j->timeout_ms + 3000;
	o.max_attempts = 1;
	if (client_new(&c, &o, j->renew_err) != GAIA_OK)
		return;
	rc = client_rejoin(c, j->leader_api, true, &out);
	if (rc != GAIA_OK)
		snprintf(j->renew_err, sizeof j->renew_err, "%s", client_errmsg(c));
	json_decref(out);
	client_free(c);
	/* the answer may be lost as the node restarts: look in any case */
	j->renewed = true;
	for (uint64_t waited = 0; waited < JOIN_RENEW_MAX_MS && !stopping(j);
	     waited += JOIN_RENEW_POLL_MS) {
		uv_sleep(JOIN_RENEW_POLL_MS);
		discovery_probe_addr(j->host, j->port, j->probe_name, j->timeout_ms, &j->p);
		if (j->p.rc == GAIA_OK && j->p.id != old) {
			j->renew_err[0] = '\0';
			return;
		}
	}
	if (j->p.rc == GAIA_OK && j->p.id == old)
		snprintf(j->renew_err, sizeof j->renew_err,
			 "it did not come back as a new incarnation within %d s", JOIN_RENEW_MAX_MS / 1000);
}

static void probe_work(uv_work_t *w)
{
	struct join_probe *j = w->data;
	discovery_probe_addr(j->host, j->port, j->probe_name, j->timeout_ms, &j->p);
	if (j->p.rc == GAIA_OK && j->p.cluster_id == 0 && j->p.api_addr[0] &&
	    j->leader_api[0] && raft_conf_is_removed(&j->conf, j->p.id))
		renew(j);
}

/* Which id the answer (or its absence) gives; GAIA_OK or r is finished. */
static int pick_id(struct node *n, struct node_req *r, const struct discovery_probe *p)
{
	raft_id first = node_id_from_name(r->peer_name);
	if (p->rc == GAIA_OK) {
		if (strcmp(p->name, r->peer_name) != 0) {
			req_finish(r, GAIA_EINVAL, "%s answers as node '%s', not '%s'", r->peer_addr,
				   p->name, r->peer_name);
			return GAIA_EINVAL;
		}
		r->peer_raft_id = p->id;
		return GAIA_OK;
	}
	if (p->rc != GAIA_EIO) {
		/* something answered, but not with a hello we can take (a
		 * removed node refuses us, with its reason) */
		req_finish(r, GAIA_EBUSY, "cannot add node '%s': %s", r->peer_name, p->error);
		return GAIA_EBUSY;
	}
	if (raft_conf_is_removed(raft_conf(n->raft), first)) {
		req_finish(r, GAIA_EUNAVAIL,
			   "cannot ask node '%s' at %s which incarnation runs there (%s): its "
			   "first one was removed, so it must answer; start it, then add it again",
			   r->peer_name, r->peer_addr, p->error);
		return GAIA_EUNAVAIL;
	}
	node_log(n, NODE_LOG_INFO, "raft", NULL,
		 "node '%s' did not answer at %s (%s): adding it under its first incarnation "
		 "%016llx",
		 r->peer_name, r->peer_addr, p->error, (unsigned long long)first);
	r->peer_raft_id = first;
	return GAIA_OK;
}

static void probe_after(uv_work_t *w, int status)
{
	struct join_probe *j = w->data;
	struct node *n = j->n;
	struct node_req *r = j->r;
	(void)status;
	n->join_probes--;
	if (j->renewed || j->renew_err[0])
		node_log(n, j->renew_err[0] ? NODE_LOG_WARN : NODE_LOG_INFO, "raft", NULL,
			 "node '%s' at %s answered with a removed incarnation and no cluster: "
			 "asked it to reset to a new one%s%s",
			 r->peer_name, r->peer_addr, j->renew_err[0] ? ": " : "", j->renew_err);
	if (n->stop_requested || n->stopping)
		req_finish(r, GAIA_ESHUTDOWN, "the node is stopping");
	else if (pick_id(n, r, &j->p) == GAIA_OK)
		node_dispatch_again(n, r);
	free(j);
}

int node_join_probe(struct node *n, struct node_req *r)
{
	struct join_probe *j = calloc(1, sizeof *j);
	char host[CONFIG_STR];
	uint16_t port;

	if (j == NULL) {
		req_finish(r, GAIA_ENOMEM, "out of memory");
		return GAIA_ENOMEM;
	}
	if (config_parse_addr(r->peer_addr, host, sizeof host, &port) != GAIA_OK) {
		free(j);
		req_finish(r, GAIA_EINVAL, "'%s' is not a Raft address as host:port", r->peer_addr);
		return GAIA_EINVAL;
	}
	j->n = n;
	j->r = r;
	j->work.data = j;
	str_copy(j->host, sizeof j->host, host);
	j->port = port;
	snprintf(j->probe_name, sizeof j->probe_name, "probe.%.50s", n->name);
	j->timeout_ms = n->cfg.rpc_timeout_ms && n->cfg.rpc_timeout_ms < JOIN_PROBE_MAX_MS
				? n->cfg.rpc_timeout_ms
				: JOIN_PROBE_MAX_MS;
	j->conf = *raft_conf(n->raft);
	str_copy(j->leader_api, sizeof j->leader_api, n->api_addr);
	j->stop = &n->stop_requested;
	if (uv_queue_work(&n->loop, &j->work, probe_work, probe_after) != 0) {
		free(j);
		req_finish(r, GAIA_EIO, "cannot ask %s who it is", r->peer_addr);
		return GAIA_EIO;
	}
	n->join_probes++;
	return GAIA_OK;
}
