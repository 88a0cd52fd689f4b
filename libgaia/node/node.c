/* The node's life: start (storage, transport, loop thread), the tick, the
 * transport's callbacks, automatic promotion of caught-up learners, and a
 * graceful stop that hands leadership over first. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/node_internal.h"

#define PROMOTE_LAG 16 /* a learner this close to the leader is promoted */

/* A node waiting to be added learns its cluster from the first leader
 * that reaches it, and keeps it for good (node.json). */
static void adopt_cluster(struct node *n, const struct raft_message *m)
{
	char err[GAIA_ERRMSG_SIZE];
	if (n->cluster_id != 0 || m->cluster_id == 0 ||
	    (m->type != RAFT_MSG_APPEND && m->type != RAFT_MSG_HEARTBEAT &&
	     m->type != RAFT_MSG_SNAPSHOT))
		return;
	n->cluster_id = m->cluster_id;
	raft_set_cluster_id(n->raft, m->cluster_id);
	net_set_cluster_id(n->net, m->cluster_id);
	if (node_write_identity(n, err) != GAIA_OK)
		node_log(n, NODE_LOG_ERROR, "node", NULL, "%s", err);
	node_log(n, NODE_LOG_INFO, "node", NULL, "joined cluster %016llx",
		 (unsigned long long)n->cluster_id);
}

static void on_message(void *ud, const struct raft_message *m)
{
	struct node *n = ud;
	if (n->removed)
		return; /* it takes no part */
	adopt_cluster(n, m);
	raft_step(n->raft, m);
	if (raft_leader(n->raft) != 0 && m->from == raft_leader(n->raft))
		n->leader_contact_ms = node_now_ms();
	node_pump(n);
}

static void on_peer_down(void *ud, raft_id id)
{
	struct node *n = ud;
	raft_peer_down(n->raft, id);
}

/* Is configuration position (t1, i1) later than (t2, i2), as logs are
 * compared? A peer whose configuration is later than ours was added in
 * entries we have not received yet. */
static bool conf_newer(uint64_t t1, uint64_t i1, uint64_t t2, uint64_t i2)
{
	return t1 > t2 || (t1 == t2 && i1 > i2);
}

/* Each incarnation of a node has its own id: a removed one, or one whose
 * name a member of another id holds, is refused (node_incarnation.c); a
 * name the book does not hold (a node being added) comes in. */
static int admit(void *ud, const struct net_hello *h, char *reason, size_t len)
{
	struct node *n = ud;
	struct node_member m;
	const struct raft_conf *c = raft_conf(n->raft);
	uint64_t ci = raft_conf_index(n->raft);
	bool newer = conf_newer(h->conf_term, h->conf_index, raft_term_at(n->raft, ci), ci);
	int verdict;

	if (n->removed) {
		/* a removed node keeps out: only a wiped data dir (a new
		 * incarnation) joins again */
		snprintf(reason, len,
			 "node '%s' was removed from the cluster and keeps its old data; wipe "
			 "it (POST /api/cluster/rejoin {\"reset\": true} on it) to join again",
			 n->name);
		return -1;
	}
	verdict = node_hello_verdict(&n->book, c, raft_removed_for_good_id(n->raft, h->id), h,
				     reason, len);
	if (verdict != NODE_HELLO_OK) {
		node_log(n, NODE_LOG_WARN, "net", NULL,
			 "refused node '%s' (incarnation %016llx, %s): %s", h->name,
			 (unsigned long long)h->id, h->raft_addr[0] ? h->raft_addr : "a probe",
			 verdict == NODE_HELLO_REMOVED ? "it was removed" : "not that member");
		return -1;
	}
	if (h->raft_addr[0] == '\0')
		return 0; /* a discovery probe: answer it, remember nothing */
	memset(&m, 0, sizeof m);
	m.id = h->id;
	str_copy(m.name, sizeof m.name, h->name);
	str_copy(m.raft_addr, sizeof m.raft_addr, h->raft_addr);
	str_copy(m.api_addr, sizeof m.api_addr, h->api_addr);
	book_put(&n->book, &m);
	/* answers go back on our own connection: a member (or, while we wait
	 * to join, whoever reached us; or a node added in entries we have yet
	 * to receive) must be dialable */
	if (c->n == 0 || newer || raft_conf_get(c, h->id) != NULL) {
		net_set_peer(n->net, h->id, h->raft_addr);
		n->want_reconnect = true; /* it is back: stop backing off */
	}
	return 0;
}

/* Members refuse a removed node with a reason that says so: that is how
 * a node removed while away learns it. */
static void on_refused(void *ud, raft_id id, const char *reason)
{
	struct node *n = ud;
	(void)id;
	if (strncmp(reason, NODE_REMOVED_PREFIX, strlen(NODE_REMOVED_PREFIX)) != 0)
		return;
	/* leading (a quorum follows us: CheckQuorum), or a leader replicating
	 * to us, says otherwise: a member that has not yet seen our id added
	 * back is refusing us */
	if (raft_role(n->raft) == RAFT_LEADER ||
	    (raft_leader(n->raft) != 0 &&
	     node_now_ms() - n->leader_contact_ms < (int64_t)n->cfg.election_timeout_ms))
		return;
	node_mark_removed(n, "the cluster says this node was removed");
}

static void net_log_cb(void *ud, int level, const char *msg)
{
	node_log(ud, level, "net", NULL, "%s", msg);
}

static void promote_learners(struct node *n)
{
	const struct raft_conf *c = raft_conf(n->raft);
	uint64_t last = raft_last_index(n->raft);
	if (raft_role(n->raft) != RAFT_LEADER || raft_conf_index(n->raft) > raft_commit_index(n->raft))
		return;
	for (uint32_t i = 0; i < c->n; i++) {
		struct raft_progress_info pi;
		struct node_member *m;
		if (c->servers[i].role != RAFT_LEARNER ||
		    raft_progress(n->raft, c->servers[i].id, &pi) != GAIA_OK ||
		    pi.match_index + PROMOTE_LAG < last || pi.match_index == 0)
			continue;
		if (raft_change_membership(n->raft, RAFT_CONF_PROMOTE, c->servers[i].id,
					   NULL, 0, NULL) == GAIA_OK) {
			m = book_get(&n->book, c->servers[i].id);
			node_log(n, NODE_LOG_INFO, "raft", NULL,
				 "promoting learner '%s' to voter: caught up at %llu of %llu",
				 m ? m->name : "?", (unsigned long long)pi.match_index,
				 (unsigned long long)last);
		}
		return; /* one change at a time */
	}
}

static void log_role_changes(struct node *n)
{
	int role = raft_role(n->raft);
	raft_id leader = raft_leader(n->raft);
	char kv[96];
	if (role == n->last_role && leader == n->last_leader)
		return;
	snprintf(kv, sizeof kv, "term=%llu", (unsigned long long)raft_term(n->raft));
	if (leader != n->last_leader && leader != 0)
		n->m_elections++;
	if (role == RAFT_LEADER && n->last_role != RAFT_LEADER)
		node_log(n, NODE_LOG_INFO, "raft", kv, "became leader");
	else if (leader != n->last_leader && leader != 0) {
		struct node_member *m = book_get(&n->book, leader);
		node_log(n, NODE_LOG_INFO, "raft", kv, "leader is now %s",
			 m ? m->name : "unknown");
	} else if (n->last_role == RAFT_LEADER && role != RAFT_LEADER)
		node_log(n, NODE_LOG_INFO, "raft", kv, "stepped down");
	n->last_role = role;
	n->last_leader = leader;
}

static void stop_loop(struct node *n);

static void on_tick(uv_timer_t *t)
{
	struct node *n = t->data;
	uint64_t now = node_mono_ms();
	/* a loop that cannot keep its tick (CPU starvation, a stall) costs
	 * heartbeats: say so, once per stall */
	if (n->last_tick_ms && now - n->last_tick_ms > 4 * n->tick_ms)
		node_log(n, NODE_LOG_WARN, "node", NULL,
			 "the event loop was late by %llu ms (tick every %llu ms)",
			 (unsigned long long)(now - n->last_tick_ms - n->tick_ms),
			 (unsigned long long)n->tick_ms);
	n->last_tick_ms = now;
	node_report_invalid(n);
	if (!n->removed)
		raft_tick(n->raft);
	net_set_conf_pos(n->net, raft_term_at(n->raft, raft_conf_index(n->raft)),
			 raft_conf_index(n->raft));
	if (n->want_reconnect) {
		n->want_reconnect = false;
		net_reconnect_all(n->net);
	}
	node_expire_requests(n);
	promote_learners(n);
	node_pump(n);
	log_role_changes(n);
	node_transfers_progress(n);
	if (n->stop_requested)
		stop_loop(n);
}

static void on_snap_timer(uv_timer_t *t)
{
	node_snapshot_policy(t->data);
}

static void on_wakeup(uv_async_t *a)
{
	struct node *n = a->data;
	node_take_requests(n);
	log_role_changes(n);
	if (n->stop_requested)
		stop_loop(n);
}

static void on_wal_ready(uv_poll_t *p, int status, int events)
{
	struct node *n = p->data;
	(void)status;
	(void)events;
	node_on_wal(n);
	log_role_changes(n);
}

static void on_net_stopped(void *ud)
{
	struct node *n = ud;
	n->net = NULL;
	uv_close((uv_handle_t *)&n->tick_timer, NULL);
	uv_close((uv_handle_t *)&n->wakeup, NULL);
	uv_close((uv_handle_t *)&n->wal_poll, NULL);
	uv_close((uv_handle_t *)&n->snap_timer, NULL);
}

/* Phase 0: a leader with other voters hands leadership over (bounded by
 * an election timeout); phase 1: wait for the WAL, answer what is left,
 * close everything. */
static void stop_loop(struct node *n)
{
	if (n->stop_phase == 0) {
		pthread_mutex_lock(&n->q_lock);
		n->stopping = true;
		pthread_mutex_unlock(&n->q_lock);
		n->stop_phase = 1;
		n->stop_deadline_ms = node_mono_ms() + n->cfg.election_timeout_ms;
		if (!n->fatal && raft_role(n->raft) == RAFT_LEADER &&
		    raft_conf_voters(raft_conf(n->raft)) > 1 &&
		    raft_transfer_leadership(n->raft, 0) == GAIA_OK) {
			node_log(n, NODE_LOG_INFO, "raft", NULL,
				 "stopping: handing leadership over first");
			node_pump(n);
			return;
		}
	}
	if (n->stop_phase == 1) {
		if (!n->fatal && raft_role(n->raft) == RAFT_LEADER &&
		    raft_transferee(n->raft) != 0 && node_mono_ms() < n->stop_deadline_ms)
			return; /* the next tick looks again */
		if (n->snap_job != NULL || n->digest_jobs > 0 || n->join_probes > 0)
			return; /* a snapshot being written, a digest, a join's probe: finish first */
		n->stop_phase = 2;
		node_take_requests(n); /* answer what arrived meanwhile */
		node_fail_all(n, GAIA_ESHUTDOWN, "the node is stopping");
		uv_timer_stop(&n->tick_timer);
		uv_timer_stop(&n->snap_timer);
		uv_poll_stop(&n->wal_poll);
		node_discovery_stop(n);
		net_stop(n->net, on_net_stopped, n);
	}
}

static void loop_main(void *arg)
{
	struct node *n = arg;
	uv_run(&n->loop, UV_RUN_DEFAULT);
}

/* Peers forward requests to our REST address: a wildcard listen host
 * (0.0.0.0, ::) is replaced by the host of the advertised Raft address. */
static void advertised_api_addr(struct node *n)
{
	char host[CONFIG_STR], ahost[CONFIG_STR];
	uint16_t port, aport;
	str_copy(n->api_addr, sizeof n->api_addr, n->cfg.http_addr);
	if (config_parse_addr(n->cfg.http_addr, host, sizeof host, &port) != GAIA_OK)
		return;
	if (strcmp(host, "0.0.0.0") != 0 && strcmp(host, "::") != 0 && host[0] != 0)
		return;
	if (config_parse_addr(n->cfg.advertise_addr, ahost, sizeof ahost, &aport) != GAIA_OK)
		return;
	if (strchr(ahost, ':') != NULL)
		snprintf(n->api_addr, sizeof n->api_addr, "[%.100s]:%u", ahost, port);
	else
		snprintf(n->api_addr, sizeof n->api_addr, "%.100s:%u", ahost, port);
}

int node_start(struct node **out, const struct node_options *o, char *errmsg)
{
	struct node *n;
	struct net_options no;
	int rv;

	*out = NULL;
	n = calloc(1, sizeof *n);
	if (n == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	n->cfg = *o->config;
	n->log_fn = o->log;
	n->log_ud = o->log_ud;
	n->o_on_reset = o->on_reset;
	n->o_reset_ud = o->reset_ud;
	n->o_on_fatal = o->on_fatal;
	n->o_fatal_ud = o->fatal_ud;
	n->lock_fd = -1;
	n->recv_fd = -1;
	n->snap_read_fd = -1;
	metrics_hist_init(&n->m_commit, metrics_latency_bounds, metrics_latency_bounds_n);
	metrics_hist_init(&n->m_snap_seconds, metrics_latency_bounds, metrics_latency_bounds_n);
	n->last_role = -1;
	pthread_mutex_init(&n->q_lock, NULL);
	str_copy(n->name, sizeof n->name, n->cfg.node_id);
	n->fresh_identity = o->fresh_identity; /* n->id: node.json, see node_storage_open */
	advertised_api_addr(n);
	n->tick_ms = n->cfg.heartbeat_timeout_ms / 3;
	if (n->tick_ms == 0)
		n->tick_ms = 1;

	rv = uv_loop_init(&n->loop);
	if (rv != 0) {
		errmsg_set(errmsg, GAIA_EIO, "uv_loop_init: %s", uv_strerror(rv));
		goto err_after_alloc;
	}
	rv = node_storage_open(n, errmsg);
	if (rv != GAIA_OK)
		goto err_after_storage;

	memset(&no, 0, sizeof no);
	no.loop = &n->loop;
	no.self.cluster_id = n->cluster_id;
	no.self.id = n->id;
	str_copy(no.self.name, sizeof no.self.name, n->name);
	str_copy(no.self.raft_addr, sizeof no.self.raft_addr, n->cfg.advertise_addr);
	str_copy(no.self.api_addr, sizeof no.self.api_addr, n->api_addr);
	no.self.conf_index = raft_conf_index(n->raft);
	no.self.conf_term = raft_term_at(n->raft, no.self.conf_index);
	no.bind_addr = n->cfg.bind_addr;
	no.rpc_timeout_ms = n->cfg.rpc_timeout_ms;
	no.backoff_min_ms = n->tick_ms;
	no.backoff_max_ms = 2000;
	no.max_queue_bytes = 64u << 20;
	no.ud = n;
	no.on_message = on_message;
	no.on_peer_down = on_peer_down;
	no.admit = admit;
	no.on_refused = on_refused;
	no.log = net_log_cb;
	rv = net_start(&n->net, &no, errmsg);
	if (rv != GAIA_OK)
		goto err_after_storage;
	node_sync_net_peers(n);

	uv_timer_init(&n->loop, &n->tick_timer);
	n->tick_timer.data = n;
	uv_async_init(&n->loop, &n->wakeup, on_wakeup);
	n->wakeup.data = n;
	uv_poll_init(&n->loop, &n->wal_poll, wal_event_fd(n->wal));
	n->wal_poll.data = n;
	uv_poll_start(&n->wal_poll, UV_READABLE, on_wal_ready);
	uv_timer_start(&n->tick_timer, on_tick, n->tick_ms, n->tick_ms);
	uv_timer_init(&n->loop, &n->snap_timer);
	n->snap_timer.data = n;
	if (n->cfg.snapshot_interval_ms)
		uv_timer_start(&n->snap_timer, on_snap_timer, n->cfg.snapshot_interval_ms,
			       n->cfg.snapshot_interval_ms);
	node_pump(n);
	if (node_discovery_start(n, errmsg) != GAIA_OK)
		node_log(n, NODE_LOG_ERROR, "discovery", NULL, "discovery is off: %s", errmsg);

	rv = uv_thread_create(&n->thread, loop_main, n);
	if (rv != 0) {
		errmsg_set(errmsg, GAIA_EIO, "cannot start the loop thread: %s", uv_strerror(rv));
		goto err_after_storage;
	}
	n->loop_started = true;
	node_log(n, NODE_LOG_INFO, "node", NULL,
		 "node '%s' (incarnation %016llx) started: raft %s, data %s", n->name,
		 (unsigned long long)n->id, n->cfg.advertise_addr, n->cfg.data_dir);
	*out = n;
	return GAIA_OK;

err_after_storage:
	node_storage_close(n);
	uv_loop_close(&n->loop);
err_after_alloc:
	pthread_mutex_destroy(&n->q_lock);
	free(n);
	return rv ? rv : GAIA_EIO;
}

void node_request_stop(struct node *n)
{
	n->stop_requested = true;
	uv_async_send(&n->wakeup);
}

void node_wait(struct node *n)
{
	if (n == NULL)
		return;
	if (n->loop_started)
		uv_thread_join(&n->thread);
	uv_loop_close(&n->loop);
	if (n->rd_pending) {
		raft_advance(n->raft, &n->rd);
		n->rd_pending = false;
	}
	node_storage_close(n);
	n->loop_started = false;
	node_log(n, NODE_LOG_INFO, "node", NULL, "stopped");
}

void node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_discovery_free(n);
	pthread_mutex_destroy(&n->q_lock);
	free(n);
}

bool node_failed(struct node *n)
{
	return __atomic_load_n(&n->failed, __ATOMIC_ACQUIRE) != 0;
}
