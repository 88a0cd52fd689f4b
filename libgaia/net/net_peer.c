/* Peers we dial: resolving, connecting from our own IP, reconnect backoff
 * with jitter, and queueing messages on the outgoing connection. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

static void peer_dial(struct net_peer *p);

struct net_peer *net_peer_find(const struct net *n, raft_id id)
{
	for (struct net_peer *p = n->peers; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

int net_peer_fail_level(struct net_peer *p)
{
	if (p->down_logged)
		return NET_LOG_DEBUG;
	p->down_logged = true;
	return NET_LOG_INFO;
}

static void peer_unref(struct net_peer *p)
{
	struct net *n = p->n;
	if (--p->refs == 0)
		free(p);
	net_unref(n);
}

static void peer_on_close(uv_handle_t *h)
{
	peer_unref(h->data);
}

static void peer_on_backoff(uv_timer_t *t)
{
	struct net_peer *p = t->data;
	p->waiting = false;
	peer_dial(p);
}

/* Wait before the next dial: a random time in [b/2, b], b doubling from
 * backoff_min to backoff_max; a refusal waits the longest. */
static void peer_schedule(struct net_peer *p)
{
	struct net *n = p->n;
	uint64_t b, delay;

	if (p->forgotten || n->stopping || p->waiting)
		return;
	if (p->refused)
		p->backoff_ms = n->o.backoff_max_ms;
	b = p->backoff_ms;
	delay = b / 2 + net_rand(n) % (b - b / 2 + 1);
	p->backoff_ms = b * 2 > n->o.backoff_max_ms ? n->o.backoff_max_ms : b * 2;
	p->waiting = true;
	uv_timer_start(&p->timer, peer_on_backoff, delay, 0);
}

void net_peer_conn_closed(struct net_peer *p)
{
	peer_schedule(p);
}

void net_peer_opened(struct net_peer *p)
{
	struct net *n = p->n;
	p->backoff_ms = n->o.backoff_min_ms;
	p->refused = false;
	p->down_logged = false;
	net_log(n, NET_LOG_INFO, "connected to node %llu (%s) at %s",
		(unsigned long long)p->id, p->conn ? p->conn->remote.name : "?",
		p->addr);
}

static void peer_on_connect(uv_connect_t *req, int status)
{
	struct net_conn *c = req->handle->data;
	struct net *n = c->n;
	int rc;

	if (status == UV_ECANCELED || c->state != NET_CONN_CONNECTING)
		return;
	if (status < 0) {
		net_log(n, c->peer ? net_peer_fail_level(c->peer) : NET_LOG_DEBUG,
			"cannot connect to node %llu at %s: %s",
			(unsigned long long)(c->peer ? c->peer->id : 0), c->addr,
			uv_strerror(status));
		net_conn_close(c, false);
		return;
	}
	c->state = NET_CONN_HELLO;
	net_conn_set_socket_options(c);
	rc = net_conn_write_ctrl(c, n->hello, n->hello_len);
	if (rc != GAIA_OK) {
		net_log(n, NET_LOG_WARN, "connection to %s: cannot send hello: %s",
			c->addr, net_err_text(rc));
		net_conn_close(c, false);
		return;
	}
	net_conn_arm_timer(c, n->o.rpc_timeout_ms);
	net_conn_start_read(c);
}

static void peer_connect(struct net_peer *p, const struct sockaddr_storage *ss)
{
	struct net *n = p->n;
	struct net_conn *c = net_conn_new(n, true);
	char src[NET_ADDR_MAX];
	int rc;

	if (c == NULL) {
		net_log(n, NET_LOG_WARN, "cannot dial node %llu: out of memory",
			(unsigned long long)p->id);
		peer_schedule(p);
		return;
	}
	c->peer = p;
	p->conn = c;
	snprintf(c->addr, sizeof c->addr, "%s", p->addr);
	/* from our own advertised IP, so that rules between node addresses
	 * (tests, firewalls) see who is talking */
	if (n->have_src && n->src.ss_family == ss->ss_family) {
		rc = uv_tcp_bind(&c->tcp, (const struct sockaddr *)&n->src, 0);
		if (rc != 0) {
			net_addr_format(&n->src, src, sizeof src);
			net_log(n, NET_LOG_WARN,
				"cannot bind to %s to dial node %llu: %s", src,
				(unsigned long long)p->id, uv_strerror(rc));
			net_conn_close(c, false);
			return;
		}
	}
	uv_tcp_nodelay(&c->tcp, 1);
	rc = uv_tcp_connect(&c->connect_req, &c->tcp, (const struct sockaddr *)ss,
			    peer_on_connect);
	if (rc != 0) {
		net_log(n, net_peer_fail_level(p),
			"cannot connect to node %llu at %s: %s",
			(unsigned long long)p->id, p->addr, uv_strerror(rc));
		net_conn_close(c, false);
		return;
	}
	net_conn_arm_timer(c, n->o.rpc_timeout_ms);
}

static void peer_on_resolved(uv_getaddrinfo_t *req, int status,
			     struct addrinfo *res)
{
	struct net_peer *p = req->data;
	struct net *n = p->n;
	struct sockaddr_storage ss;

	p->resolving = false;
	if (p->forgotten || n->stopping)
		goto out;
	if (p->redial) {
		p->redial = false;
		peer_dial(p);
		goto out;
	}
	if (status < 0 || res == NULL || res->ai_addrlen > sizeof ss) {
		net_log(n, net_peer_fail_level(p),
			"cannot resolve node %llu's address %s: %s",
			(unsigned long long)p->id, p->addr,
			status < 0 ? uv_strerror(status) : "no usable address");
		peer_schedule(p);
		goto out;
	}
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, res->ai_addr, res->ai_addrlen);
	peer_connect(p, &ss);
out:
	uv_freeaddrinfo(res);
	peer_unref(p);
}

static void peer_dial(struct net_peer *p)
{
	struct net *n = p->n;
	char host[NET_ADDR_MAX], service[8], err[GAIA_ERRMSG_SIZE];
	struct sockaddr_storage ss;
	struct addrinfo hints;
	uint16_t port = 0;
	int rc;

	if (p->conn != NULL || p->resolving || p->forgotten || n->stopping)
		return;
	if (p->waiting) {
		uv_timer_stop(&p->timer);
		p->waiting = false;
	}
	if (net_addr_split(p->addr, host, sizeof host, &port, err) != GAIA_OK) {
		net_log(n, net_peer_fail_level(p), "node %llu: %s",
			(unsigned long long)p->id, err);
		peer_schedule(p);
		return;
	}
	if (net_addr_numeric(host, port, &ss)) {
		peer_connect(p, &ss);
		return;
	}
	/* a name: resolve off the loop thread */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof service, "%u", (unsigned)port);
	p->gai.data = p;
	rc = uv_getaddrinfo(n->loop, &p->gai, peer_on_resolved, host, service,
			    &hints);
	if (rc != 0) {
		net_log(n, net_peer_fail_level(p),
			"cannot resolve node %llu's address %s: %s",
			(unsigned long long)p->id, p->addr, uv_strerror(rc));
		peer_schedule(p);
		return;
	}
	p->resolving = true;
	p->refs++;
	n->live++;
}

void net_set_peer(struct net *n, raft_id id, const char *raft_addr)
{
	struct net_peer *p;

	if (n->stopping || id == 0 || id == n->o.self.id || raft_addr == NULL)
		return;
	if (strlen(raft_addr) >= NET_ADDR_MAX) {
		net_log(n, NET_LOG_WARN, "node %llu: address too long",
			(unsigned long long)id);
		return;
	}
	p = net_peer_find(n, id);
	if (p != NULL) {
		if (strcmp(p->addr, raft_addr) == 0)
			return;
		net_log(n, NET_LOG_INFO, "node %llu moved from %s to %s",
			(unsigned long long)id, p->addr, raft_addr);
		snprintf(p->addr, sizeof p->addr, "%s", raft_addr);
		p->backoff_ms = n->o.backoff_min_ms;
		p->refused = false;
		if (p->conn != NULL)
			net_conn_close(p->conn, true); /* schedules a dial */
		if (n->stopping || net_peer_find(n, id) != p)
			return; /* the callback stopped us or forgot the peer */
		if (p->resolving)
			p->redial = true;
		else
			peer_dial(p);
		return;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		net_log(n, NET_LOG_WARN, "node %llu: out of memory",
			(unsigned long long)id);
		return;
	}
	p->n = n;
	p->id = id;
	snprintf(p->addr, sizeof p->addr, "%s", raft_addr);
	p->backoff_ms = n->o.backoff_min_ms;
	uv_timer_init(n->loop, &p->timer);
	p->timer.data = p;
	p->refs = 1;
	n->live++;
	p->next = n->peers;
	n->peers = p;
	peer_dial(p);
}

/* Unlinked already; closes its connection and frees it once idle. */
void net_peer_close(struct net_peer *p)
{
	struct net_conn *c = p->conn;

	p->forgotten = true;
	if (c != NULL) {
		c->peer = NULL;
		p->conn = NULL;
		net_conn_close(c, false);
	}
	if (p->resolving)
		uv_cancel((uv_req_t *)&p->gai);
	uv_close((uv_handle_t *)&p->timer, peer_on_close);
}

void net_forget_peer(struct net *n, raft_id id)
{
	struct net_peer **pp = &n->peers;

	while (*pp != NULL && (*pp)->id != id)
		pp = &(*pp)->next;
	if (*pp == NULL)
		return;
	struct net_peer *p = *pp;
	*pp = p->next;
	p->next = NULL;
	net_log(n, NET_LOG_INFO, "forgetting node %llu at %s",
		(unsigned long long)id, p->addr);
	net_peer_close(p);
}

void net_disconnect(struct net *n, raft_id id)
{
	struct net_conn *c = n->conns, *next;
	for (; c != NULL; c = next) {
		next = c->next;
		if (c->state == NET_CONN_OPEN && c->remote.id == id)
			net_conn_close(c, false);
	}
}

void net_reconnect_all(struct net *n)
{
	if (n->stopping)
		return;
	for (struct net_peer *p = n->peers; p != NULL; p = p->next) {
		p->backoff_ms = n->o.backoff_min_ms;
		p->refused = false;
		if (p->waiting)
			peer_dial(p);
	}
}

bool net_connected(const struct net *n, raft_id id)
{
	const struct net_peer *p = net_peer_find(n, id);
	return p != NULL && p->conn != NULL && p->conn->state == NET_CONN_OPEN;
}

/* Queued on the outgoing connection while it connects or is open; above
 * max_queue_bytes (a frame alone in an empty queue always fits, or a big
 * snapshot chunk could never go) or with no connection, dropped. */
void net_send(struct net *n, const struct raft_message *m)
{
	struct net_peer *p;
	struct net_conn *c;
	size_t before;
	int rc;

	if (n->stopping)
		return;
	p = net_peer_find(n, m->to);
	c = p != NULL ? p->conn : NULL;
	if (c == NULL || c->state > NET_CONN_OPEN) {
		n->st.dropped++;
		net_log(n, NET_LOG_DEBUG, "%s to node %llu dropped: %s",
			raft_msg_type_name(m->type), (unsigned long long)m->to,
			p == NULL ? "no address" : "not connected");
		return;
	}
	before = c->pending.len;
	rc = net_encode_msg(m, &c->pending.p, &c->pending.len, &c->pending.cap);
	if (rc != GAIA_OK) {
		n->st.dropped++;
		net_log(n, NET_LOG_WARN, "%s to node %llu dropped: cannot encode: %s",
			raft_msg_type_name(m->type), (unsigned long long)m->to,
			net_err_text(rc));
		return;
	}
	if (before + c->inflight.len > 0 &&
	    c->pending.len + c->inflight.len > n->o.max_queue_bytes) {
		c->pending.len = before;
		n->st.dropped++;
		net_log(n, NET_LOG_DEBUG, "%s to node %llu dropped: queue full",
			raft_msg_type_name(m->type), (unsigned long long)m->to);
		return;
	}
	c->pending_frames++;
	if (c->state == NET_CONN_OPEN)
		net_arm_flush(n);
}
