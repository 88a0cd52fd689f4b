/* Discovery in the running node: every CLUSTER_DISCOVERY_REFRESH_RATE the
 * configured discovery runs on the loop and each address found is probed
 * for the node behind it. What was found serves GET
 * /api/cluster/discovered-nodes, and drives three things:
 *   - an empty node (no CLUSTER_BOOTSTRAP) asks a member it found to add it
 *     (the member forwards to the leader), again with backoff, until it is
 *     in the configuration; the leader promotes it once caught up;
 *   - with CLUSTER_BOOTSTRAP_EXPECT=N, empty nodes wait until N of them
 *     (no cluster yet) are found; the one with the smallest node id among
 *     all found bootstraps alone and the others join it as above, so there
 *     is only ever one cluster, grown by single-server changes;
 *   - a member that has no leader reconnects to its peers at once.
 * A lookup that fails (resolver or Consul unreachable) is a warning: the
 * last list stays and the next refresh tries again. */
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "client/client_cluster.h"
#include "discovery/discovery.h"
#include "node/node_internal.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000

struct node_disc {
	struct node *n;
	struct discovery *d;
	uv_timer_t timer;
	bool stopping;              /* the node stops: callbacks still to come
				     * (probes, join) do nothing; nd is freed
				     * with the node, once the loop has ended */
	uint64_t backoff_ms;
	char probe_name[NODE_NAME_MAX];
	char last_error[GAIA_ERRMSG_SIZE];
	char last_wait[512];

	pthread_mutex_t lock;       /* nodes and n_nodes, read by the API */
	size_t n_nodes;
	struct node_discovered nodes[DISCOVERY_MAX];
	struct discovery_probe probes[DISCOVERY_MAX]; /* loop thread only */

	/* the join request in flight */
	bool join_busy;
	uv_work_t join_work;
	char join_api[NODE_ADDR_MAX], join_name[NODE_NAME_MAX];
	int join_rc;
	char join_err[GAIA_ERRMSG_SIZE];
	size_t join_next;           /* round robin over the members found */
	bool join_asked;            /* a member accepted our request */
	uint64_t asked_ms;          /* when (monotonic) */
	bool looking;               /* a lookup runs */
	bool refused;               /* the cluster removed our id: stop asking */
};

static void schedule(struct node_disc *nd);

/* Log a waiting state once, and again only when it changes. */
static void say_wait(struct node_disc *nd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say_wait(struct node_disc *nd, const char *fmt, ...)
{
	char msg[sizeof nd->last_wait];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (strcmp(msg, nd->last_wait) == 0)
		return;
	str_copy(nd->last_wait, sizeof nd->last_wait, msg);
	node_log(nd->n, NODE_LOG_INFO, "discovery", NULL, "%s", msg);
}

static bool is_member(struct node *n, raft_id id)
{
	return raft_conf_get(raft_conf(n->raft), id) != NULL;
}

static bool is_empty(struct node *n)
{
	return raft_last_index(n->raft) == 0 && node_snapshot_index(n) == 0;
}

/* --- asking to be added ------------------------------------------------------- */

/* On the thread pool: one POST /api/cluster/peers to the member found,
 * with the same library call as gaia-join. join_rc: GAIA_OK added,
 * GAIA_EEXIST a member already, GAIA_EREMOVED our id was removed, else
 * retry later. */
static void join_work(uv_work_t *w)
{
	struct node_disc *nd = w->data;
	struct node *n = nd->n;
	struct client_options o = {0};
	struct client_join_request j = {0};
	struct client *c = NULL;
	json_t *answer = NULL;
	bool created = false;
	int rc;

	o.addr = nd->join_api;
	o.timeout_ms = n->cfg.rpc_timeout_ms + 2000;
	o.max_attempts = 1; /* the next round retries, with backoff */
	rc = client_new(&c, &o, nd->join_err);
	if (rc == GAIA_OK) {
		j.node_id = n->name;
		j.address = n->cfg.advertise_addr;
		j.api_address = n->api_addr;
		j.raft_id = n->id; /* this incarnation: the leader need not ask */
		rc = client_join(c, &j, &created, &answer);
		if (rc == GAIA_OK) {
			rc = created ? GAIA_OK : GAIA_EEXIST;
		} else {
			snprintf(nd->join_err, sizeof nd->join_err, "%s", client_errmsg(c));
			/* a 409 says why: a member already, an id removed for
			 * good, or another change running (retry) */
			if (rc == GAIA_EEXIST && strstr(nd->join_err, "removed"))
				rc = GAIA_EREMOVED;
			else if (rc != GAIA_EEXIST || !strstr(nd->join_err, "already a member"))
				rc = GAIA_EUNAVAIL;
		}
	}
	json_decref(answer);
	client_free(c);
	nd->join_rc = rc;
}

static void join_after(uv_work_t *w, int status)
{
	struct node_disc *nd = w->data;
	struct node *n = nd->n;
	(void)status;
	nd->join_busy = false;
	if (nd->stopping)
		return;
	switch (nd->join_rc) {
	case GAIA_OK:
		nd->join_asked = true;
		nd->asked_ms = node_mono_ms();
		node_log(n, NODE_LOG_INFO, "discovery", NULL,
			 "asked %s (%s) to add this node; waiting to become a voter", nd->join_name,
			 nd->join_api);
		break;
	case GAIA_EEXIST:
		nd->join_asked = true;
		nd->asked_ms = node_mono_ms();
		say_wait(nd, "%s says this node is a member already; waiting for the leader to "
			 "reach it", nd->join_name);
		break;
	case GAIA_EREMOVED:
		nd->refused = true;
		node_log(n, NODE_LOG_ERROR, "discovery", NULL,
			 "%s; not asking again (POST /api/cluster/rejoin {\"reset\": true} wipes "
			 "this node and joins it again)",
			 nd->join_err);
		break;
	default:
		node_log(n, NODE_LOG_WARN, "discovery", NULL, "cannot join yet: %s; retrying in %llu ms",
			 nd->join_err, (unsigned long long)nd->backoff_ms);
		nd->join_next++;
	}
}

static void ask_to_join(struct node_disc *nd)
{
	struct node *n = nd->n;
	size_t cands[DISCOVERY_MAX], nc = 0, pick, answered = 0;

	if (nd->join_busy)
		return;
	for (size_t i = 0; i < nd->n_nodes; i++) {
		const struct discovery_probe *p = &nd->probes[i];
		answered += p->rc == GAIA_OK && p->id != n->id;
		if (p->rc != GAIA_OK || p->cluster_id == 0 || p->id == n->id || !p->api_addr[0] ||
		    (n->cluster_id != 0 && p->cluster_id != n->cluster_id))
			continue;
		cands[nc++] = i;
	}
	if (nc == 0) {
		say_wait(nd, "waiting to join: discovery found %zu address%s, %zu other node%s "
			 "answered, none of them a cluster member yet; retrying with backoff",
			 nd->n_nodes, nd->n_nodes == 1 ? "" : "es", answered, answered == 1 ? "" : "s");
		return;
	}
	pick = cands[nd->join_next % nc];
	str_copy(nd->join_api, sizeof nd->join_api, nd->probes[pick].api_addr);
	str_copy(nd->join_name, sizeof nd->join_name, nd->probes[pick].name);
	nd->join_busy = true;
	nd->join_work.data = nd;
	if (uv_queue_work(&n->loop, &nd->join_work, join_work, join_after) != 0) {
		nd->join_busy = false;
		return;
	}
	say_wait(nd, "asking %s (%s) to add this node to its cluster", nd->join_name, nd->join_api);
}

/* --- bootstrap-expect ------------------------------------------------------------ */

/* true while this node still waits (or just bootstrapped) */
static bool expect_step(struct node_disc *nd)
{
	struct node *n = nd->n;
	uint32_t want = n->cfg.bootstrap_expect;
	const char *smallest = n->name;
	char names[256] = "";
	size_t found = 1, o = 0; /* ourselves */
	char err[GAIA_ERRMSG_SIZE];

	for (size_t i = 0; i < nd->n_nodes; i++) {
		const struct discovery_probe *p = &nd->probes[i];
		bool dup = false;
		if (p->rc != GAIA_OK)
			continue;
		if (p->cluster_id != 0)
			return false; /* a cluster exists: join it */
		if (p->id == n->id)
			continue;
		for (size_t k = 0; k < i; k++)
			dup = dup || (nd->probes[k].rc == GAIA_OK && nd->probes[k].id == p->id);
		if (dup)
			continue;
		found++;
		if (strcmp(p->name, smallest) < 0)
			smallest = p->name;
		o += (size_t)snprintf(names + o, o < sizeof names ? sizeof names - o : 0, "%s%s",
				      o ? ", " : "", p->name);
		if (o >= sizeof names)
			o = sizeof names - 1;
	}
	if (found < want) {
		say_wait(nd, "bootstrap-expect: waiting for %u nodes, found %zu (this one%s%s)", want,
			 found, names[0] ? ", " : "", names);
		return true;
	}
	if (strcmp(smallest, n->name) != 0) {
		say_wait(nd, "bootstrap-expect: found %zu of %u nodes; '%s' has the smallest id and "
			 "bootstraps, this node then joins it", found, want, smallest);
		return true;
	}
	if (node_bootstrap_now(n, err) != GAIA_OK) {
		node_log(n, NODE_LOG_ERROR, "discovery", NULL, "bootstrap-expect: %s", err);
		return true;
	}
	node_log(n, NODE_LOG_INFO, "discovery", NULL,
		 "bootstrap-expect: found %zu of %u nodes (this one, %s); this node has the "
		 "smallest id and bootstrapped the cluster, the others join it", found, want, names);
	return true;
}

/* --- after each refresh ------------------------------------------------------------ */

/* true when the node still needs discovery soon (backoff, not the refresh rate) */
static bool act(struct node_disc *nd)
{
	struct node *n = nd->n;
	const struct raft_server *self;

	if (n->removed && nd->d != NULL && n->cfg.discovery_type == DISCOVERY_CONSUL) {
		/* it left (or was removed): out of the catalog; the close
		 * deregisters it (a request of at most 2 s) */
		discovery_close(nd->d);
		nd->d = NULL;
		node_log(n, NODE_LOG_INFO, "discovery", NULL,
			 "this node left the cluster: deregistered from Consul, discovery stops");
	}
	if (n->removed || n->stopping || nd->refused)
		return false;
	self = raft_conf_get(raft_conf(n->raft), n->id);
	if (self != NULL && self->role == RAFT_VOTER) {
		if (nd->last_wait[0])
			node_log(n, NODE_LOG_INFO, "discovery", NULL, "this node is a voter");
		nd->last_wait[0] = '\0';
		nd->join_asked = false;
		/* a member without a leader for long: try its peers now */
		if (raft_leader(n->raft) == 0 && raft_role(n->raft) != RAFT_LEADER)
			n->want_reconnect = true;
		return false;
	}
	if (self != NULL) {
		say_wait(nd, "waiting to be promoted to voter (catching up with the leader)");
		return true;
	}
	if (n->cfg.bootstrap_expect > 0 && n->cluster_id == 0 && is_empty(n) && expect_step(nd))
		return true;
	/* not in the configuration (yet): ask, and after an accepted request
	 * give the leader time to reach us before asking again */
	if (nd->join_asked &&
	    node_mono_ms() - nd->asked_ms < 5000 + 4 * n->cfg.election_timeout_ms) {
		say_wait(nd, "waiting for the leader to add this node (asked %s)", nd->join_name);
		return true;
	}
	nd->join_asked = false;
	ask_to_join(nd);
	return true;
}

/* Merge one refresh into the list the API shows: the addresses of this
 * lookup, with what their probes said (or what was known before). */
static void merge(struct node_disc *nd, const struct discovery_list *l,
		  const struct discovery_probe *p)
{
	struct node *n = nd->n;
	struct node_discovered next[DISCOVERY_MAX];
	int64_t now = node_now_ms();

	for (size_t i = 0; i < l->n; i++) {
		struct node_discovered *e = &next[i];
		memset(e, 0, sizeof *e);
		str_copy(e->hostname, sizeof e->hostname, l->a[i].hostname);
		str_copy(e->address, sizeof e->address, l->a[i].ip[0] ? l->a[i].ip : l->a[i].hostname);
		e->raft_port = l->a[i].port;
		for (size_t k = 0; k < nd->n_nodes; k++) {
			const struct node_discovered *o = &nd->nodes[k];
			if (o->raft_port == e->raft_port && strcmp(o->address, e->address) == 0) {
				str_copy(e->id, sizeof e->id, o->id);
				e->last_seen_ms = o->last_seen_ms;
			}
		}
		if (p[i].rc == GAIA_OK) {
			str_copy(e->id, sizeof e->id, p[i].name);
			e->last_seen_ms = now;
			e->cluster_id = p[i].cluster_id;
		}
		e->reachable = p[i].rc == GAIA_OK;
		e->member = e->id[0] &&
			    book_member_named(&n->book, raft_conf(n->raft), e->id) != NULL &&
			    (p[i].rc != GAIA_OK || is_member(n, p[i].id));
	}
	pthread_mutex_lock(&nd->lock);
	memcpy(nd->nodes, next, l->n * sizeof next[0]);
	nd->n_nodes = l->n;
	pthread_mutex_unlock(&nd->lock);
	memcpy(nd->probes, p, l->n * sizeof p[0]);
}

/* A member found at another Raft address than the one we dial (it came
 * back elsewhere, e.g. with a new IP behind the same name): its own hello
 * says where it is now. */
static void follow_moved_members(struct node_disc *nd)
{
	struct node *n = nd->n;
	for (size_t i = 0; i < nd->n_nodes; i++) {
		const struct discovery_probe *p = &nd->probes[i];
		struct node_member m, *known;
		known = book_member_named(&n->book, raft_conf(n->raft), p->name);
		if (p->rc != GAIA_OK || p->id == n->id || !p->raft_addr[0] || known == NULL ||
		    known->id != p->id ||
		    (n->cluster_id != 0 && p->cluster_id != n->cluster_id))
			continue;
		if (strcmp(known->raft_addr, p->raft_addr) == 0)
			continue;
		node_log(n, NODE_LOG_INFO, "discovery", NULL, "member '%s' is now at %s (was %s)",
			 p->name, p->raft_addr, known->raft_addr[0] ? known->raft_addr : "unknown");
		memset(&m, 0, sizeof m);
		m.id = p->id;
		str_copy(m.name, sizeof m.name, p->name);
		str_copy(m.raft_addr, sizeof m.raft_addr, p->raft_addr);
		str_copy(m.api_addr, sizeof m.api_addr, p->api_addr);
		book_put(&n->book, &m);
		net_set_peer(n->net, p->id, p->raft_addr);
	}
}

static void finish_round(struct node_disc *nd)
{
	bool hurry = act(nd);
	if (hurry) {
		nd->backoff_ms = nd->backoff_ms ? nd->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (nd->backoff_ms > BACKOFF_MAX_MS)
			nd->backoff_ms = BACKOFF_MAX_MS;
		if (nd->backoff_ms > nd->n->cfg.discovery_refresh_ms)
			nd->backoff_ms = nd->n->cfg.discovery_refresh_ms;
	} else {
		nd->backoff_ms = 0;
	}
	schedule(nd);
}

static void on_probed(void *ud, const struct discovery_list *l, const struct discovery_probe *p)
{
	struct node_disc *nd = ud;
	if (nd->stopping)
		return;
	merge(nd, l, p);
	follow_moved_members(nd);
	finish_round(nd);
}

static void on_found(void *ud, int rc, const struct discovery_list *found, const char *errmsg)
{
	struct node_disc *nd = ud;
	struct node *n = nd->n;
	nd->looking = false;
	if (nd->stopping)
		return;
	if (rc != GAIA_OK) {
		/* the same failure again is not news */
		node_log(n, strcmp(errmsg, nd->last_error) ? NODE_LOG_WARN : NODE_LOG_DEBUG,
			 "discovery", NULL, "%s; keeping the last list (%zu address%s)", errmsg,
			 nd->n_nodes, nd->n_nodes == 1 ? "" : "es");
		str_copy(nd->last_error, sizeof nd->last_error, errmsg);
		finish_round(nd);
		return;
	}
	if (nd->last_error[0]) {
		node_log(n, NODE_LOG_INFO, "discovery", NULL, "discovery works again");
		nd->last_error[0] = '\0';
	}
	if (found->n == 0) {
		node_log(n, NODE_LOG_WARN, "discovery", NULL,
			 "%s discovery found no address; keeping the last list",
			 discovery_type_name(n->cfg.discovery_type));
		finish_round(nd);
		return;
	}
	if (discovery_probe_all(&n->loop, found, nd->probe_name,
				n->cfg.rpc_timeout_ms < 2000 ? n->cfg.rpc_timeout_ms : 2000, on_probed,
				nd) != GAIA_OK) {
		finish_round(nd);
	}
}

static void on_timer(uv_timer_t *t)
{
	struct node_disc *nd = t->data;
	if (nd->stopping || nd->d == NULL)
		return;
	if (discovery_lookup(nd->d, on_found, nd) == GAIA_OK)
		nd->looking = true;
	else
		schedule(nd);
}

static void schedule(struct node_disc *nd)
{
	uint64_t ms = nd->backoff_ms ? nd->backoff_ms : nd->n->cfg.discovery_refresh_ms;
	if (!nd->stopping)
		uv_timer_start(&nd->timer, on_timer, ms, 0);
}

/* --- start, stop, the API's view ---------------------------------------------------- */

int node_discovery_start(struct node *n, char *errmsg)
{
	struct discovery_options o;
	struct discovery_self self;
	struct node_disc *nd;
	int rv;

	if (n->cfg.discovery_type == DISCOVERY_STATIC && n->cfg.discovery_nodes[0] == '\0')
		return GAIA_OK; /* nothing to discover */
	nd = calloc(1, sizeof *nd);
	if (nd == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	nd->n = n;
	memset(&o, 0, sizeof o);
	o.type = n->cfg.discovery_type;
	o.nodes = n->cfg.discovery_nodes;
	o.domain = n->cfg.discovery_domain;
	o.port = (uint16_t)n->cfg.discovery_port;
	o.dns_server = n->cfg.discovery_dns_server;
	o.consul_addr = n->cfg.consul_addr;
	o.datacenter = n->cfg.consul_datacenter;
	o.timeout_ms = n->cfg.rpc_timeout_ms;
	if (o.type == DISCOVERY_CONSUL) {
		memset(&self, 0, sizeof self);
		str_copy(self.name, sizeof self.name, n->name);
		str_copy(self.raft_addr, sizeof self.raft_addr, n->cfg.advertise_addr);
		str_copy(self.api_addr, sizeof self.api_addr, n->api_addr);
		o.self = &self;
	}
	rv = discovery_new(&nd->d, &n->loop, &o, errmsg);
	if (rv != GAIA_OK) {
		free(nd);
		return rv;
	}
	/* the probe's name differs from every node's: a node accepts it
	 * without taking it for us */
	snprintf(nd->probe_name, sizeof nd->probe_name, "probe.%.50s", n->name);
	pthread_mutex_init(&nd->lock, NULL);
	uv_timer_init(&n->loop, &nd->timer);
	nd->timer.data = nd;
	uv_timer_start(&nd->timer, on_timer, 0, 0);
	n->disc = nd;
	node_log(n, NODE_LOG_INFO, "discovery", NULL, "%s discovery every %llu ms%s",
		 discovery_type_name(o.type), (unsigned long long)n->cfg.discovery_refresh_ms,
		 n->cfg.bootstrap_expect ? "; bootstrap-expect" : "");
	return GAIA_OK;
}

void node_discovery_free(struct node *n)
{
	struct node_disc *nd = n->disc;
	if (nd == NULL)
		return;
	n->disc = NULL;
	pthread_mutex_destroy(&nd->lock);
	free(nd);
}

void node_discovery_stop(struct node *n)
{
	struct node_disc *nd = n->disc;
	if (nd == NULL || nd->stopping)
		return;
	pthread_mutex_lock(&nd->lock);
	nd->stopping = true;
	pthread_mutex_unlock(&nd->lock);
	if (nd->d != NULL)
		discovery_close(nd->d);
	nd->d = NULL;
	nd->looking = false; /* a closed discovery never calls back */
	uv_timer_stop(&nd->timer);
	uv_close((uv_handle_t *)&nd->timer, NULL);
}

int node_discovered_nodes(struct node *n, struct node_discovered **out, size_t *count)
{
	struct node_disc *nd = n->disc;
	*out = NULL;
	*count = 0;
	if (nd == NULL)
		return GAIA_OK;
	pthread_mutex_lock(&nd->lock);
	if (nd->n_nodes > 0) {
		*out = malloc(nd->n_nodes * sizeof **out);
		if (*out != NULL) {
			memcpy(*out, nd->nodes, nd->n_nodes * sizeof **out);
			*count = nd->n_nodes;
		}
	}
	pthread_mutex_unlock(&nd->lock);
	return *count > 0 || nd->n_nodes == 0 ? GAIA_OK : GAIA_ENOMEM;
}
