/* What arrives on a connection: the hello and admission, refusals both
 * ways, and messages checked against the hello before dispatch. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"

static const char *conn_dir(const struct net_conn *c)
{
	return c->outgoing ? "to" : "from";
}

static void net_on_shutdown(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status;
}

static void conn_refuse(struct net_conn *c, const struct net_hello *h,
			const char *reason)
{
	struct net *n = c->n;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	net_log(n, NET_LOG_WARN,
		"refusing connection %s %s (node %llu, \"%s\"): %s", conn_dir(c),
		c->addr, (unsigned long long)h->id, h->name, reason);
	n->st.refused++;
	c->refused = true;
	if (c->peer != NULL)
		c->peer->refused = true;
	if (net_encode_refuse(reason, &buf, &len, &cap) != GAIA_OK ||
	    net_conn_write_ctrl(c, buf, len) != GAIA_OK) {
		free(buf);
		net_conn_close(c, false);
		return;
	}
	free(buf);
	/* FIN after the refusal, then wait for the peer to hang up: closing
	 * at once could reset the connection before it reads the reason */
	c->state = NET_CONN_REFUSING;
	if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp,
			net_on_shutdown) != 0) {
		net_conn_close(c, false);
		return;
	}
	net_conn_arm_timer(c, n->o.rpc_timeout_ms);
}

static void conn_on_refuse(struct net_conn *c, const uint8_t *p, size_t len)
{
	struct net *n = c->n;
	char reason[NET_REASON_MAX], err[GAIA_ERRMSG_SIZE];

	if (net_decode_refuse(p, len, reason, sizeof reason, err) != GAIA_OK)
		snprintf(reason, sizeof reason, "(unreadable reason: %.200s)", err);
	if (c->state != NET_CONN_REFUSING) {
		n->st.refused++;
		c->refused = true;
		if (c->peer != NULL)
			c->peer->refused = true;
	}
	net_log(n, NET_LOG_WARN, "node %llu at %s refused our connection: %s",
		(unsigned long long)(c->peer ? c->peer->id : c->remote.id),
		c->addr, reason);
	if (n->o.on_refused != NULL)
		n->o.on_refused(n->o.ud, c->peer ? c->peer->id : c->remote.id, reason);
	net_conn_close(c, false);
}

static void conn_on_hello(struct net_conn *c, const uint8_t *p, size_t len)
{
	struct net *n = c->n;
	const struct net_hello *self = &n->o.self;
	struct net_hello h;
	char reason[NET_REASON_MAX] = "", err[GAIA_ERRMSG_SIZE];

	if (c->state != NET_CONN_HELLO) {
		net_log(n, NET_LOG_WARN, "connection %s %s: unexpected hello; closing",
			conn_dir(c), c->addr);
		net_conn_close(c, true);
		return;
	}
	if (net_decode_hello(p, len, &h, err) != GAIA_OK) {
		net_log(n, NET_LOG_WARN, "connection %s %s: bad hello: %s; closing",
			conn_dir(c), c->addr, err);
		net_conn_close(c, false);
		return;
	}
	if (h.version != NET_PROTOCOL_VERSION)
		snprintf(reason, sizeof reason,
			 "protocol version %" PRIu32 " differs from ours %d",
			 h.version, NET_PROTOCOL_VERSION);
	else if (h.cluster_id != self->cluster_id && h.cluster_id != 0 &&
		 self->cluster_id != 0) /* 0: a node waiting to join */
		snprintf(reason, sizeof reason,
			 "cluster id 0x%" PRIx64 " differs from ours 0x%" PRIx64,
			 h.cluster_id, self->cluster_id);
	else if (h.id == 0)
		snprintf(reason, sizeof reason, "node id 0 is not valid");
	else if (h.id == self->id)
		snprintf(reason, sizeof reason, "node id %llu is our own",
			 (unsigned long long)h.id);
	else if (c->outgoing && c->peer != NULL && h.id != c->peer->id)
		snprintf(reason, sizeof reason,
			 "dialed node %llu at %s but reached node %llu",
			 (unsigned long long)c->peer->id, c->addr,
			 (unsigned long long)h.id);
	else if (n->o.admit != NULL &&
		 n->o.admit(n->o.ud, &h, reason, sizeof reason) != 0) {
		if (c->state == NET_CONN_CLOSING)
			return; /* the callback stopped us */
		if (reason[0] == '\0')
			snprintf(reason, sizeof reason, "not admitted");
	}
	if (c->state == NET_CONN_CLOSING)
		return;
	if (reason[0] != '\0') {
		reason[sizeof reason - 1] = '\0';
		conn_refuse(c, &h, reason);
		return;
	}

	c->remote = h;
	c->state = NET_CONN_OPEN;
	c->established = true;
	uv_timer_stop(&c->timer);
	n->st.connects++;
	if (c->outgoing) {
		if (c->peer != NULL)
			net_peer_opened(c->peer);
		net_conn_flush(c); /* what queued while connecting */
		return;
	}
	/* the dialer waits for our hello, so it only sends once admitted */
	if (net_conn_write_ctrl(c, n->hello, n->hello_len) != GAIA_OK) {
		net_conn_close(c, false);
		return;
	}
	net_log(n, h.raft_addr[0] ? NET_LOG_INFO : NET_LOG_DEBUG, /* debug: a probe */
		"accepted node %llu (\"%s\", %s) from %s",
		(unsigned long long)h.id, h.name, h.raft_addr, c->addr);
	/* an older connection from the same node is stale (it restarted or
	 * redialed): drop it quietly, the node is not down */
	for (struct net_conn *o = n->conns, *next; o != NULL; o = next) {
		next = o->next;
		if (o != c && !o->outgoing && o->state == NET_CONN_OPEN &&
		    o->remote.id == h.id)
			net_conn_close(o, false);
	}
}

static void conn_on_msg(struct net_conn *c, const uint8_t *p, size_t len)
{
	struct net *n = c->n;
	struct raft_message m;
	char err[GAIA_ERRMSG_SIZE];

	if (c->state != NET_CONN_OPEN) {
		net_log(n, NET_LOG_WARN,
			"connection %s %s: message before hello; closing",
			conn_dir(c), c->addr);
		net_conn_close(c, false);
		return;
	}
	if (net_decode_msg(p, len, &m, err) != GAIA_OK) {
		net_log(n, NET_LOG_WARN,
			"connection %s %s (node %llu): bad message: %s; closing",
			conn_dir(c), c->addr, (unsigned long long)c->remote.id, err);
		net_conn_close(c, true);
		return;
	}
	if (m.to != n->o.self.id || m.from != c->remote.id ||
	    (m.cluster_id != n->o.self.cluster_id && m.cluster_id != 0 &&
	     n->o.self.cluster_id != 0)) {
		n->st.dropped++;
		net_log(n, NET_LOG_DEBUG,
			"dropped %s from %s (node %llu): from %llu to %llu "
			"cluster 0x%" PRIx64,
			raft_msg_type_name(m.type), c->addr,
			(unsigned long long)c->remote.id,
			(unsigned long long)m.from, (unsigned long long)m.to,
			m.cluster_id);
	} else if (n->o.on_message != NULL) {
		n->o.on_message(n->o.ud, &m);
	}
	raft_message_release(&m);
}

void net_conn_frame(struct net_conn *c, uint8_t type, const uint8_t *p,
		    size_t len)
{
	if (c->state == NET_CONN_REFUSING) {
		/* both sides may refuse at once: show theirs too */
		if (type == NET_FRAME_REFUSE)
			conn_on_refuse(c, p, len);
		return;
	}
	switch (type) {
	case NET_FRAME_HELLO:
		conn_on_hello(c, p, len);
		break;
	case NET_FRAME_REFUSE:
		conn_on_refuse(c, p, len);
		break;
	case NET_FRAME_MSG:
		c->n->st.frames_received++;
		conn_on_msg(c, p, len);
		break;
	default:
		net_log(c->n, NET_LOG_WARN,
			"connection %s %s: unknown frame type %u; closing",
			conn_dir(c), c->addr, type);
		net_conn_close(c, true);
		break;
	}
}

void net_set_conf_pos(struct net *n, uint64_t term, uint64_t index)
{
	uint8_t *hello = NULL;
	size_t len = 0, cap = 0;

	if (n->stopping || (n->o.self.conf_term == term && n->o.self.conf_index == index))
		return;
	n->o.self.conf_term = term;
	n->o.self.conf_index = index;
	if (net_encode_hello(&n->o.self, &hello, &len, &cap) != GAIA_OK)
		return; /* the old hello stays: out of memory */
	free(n->hello);
	n->hello = hello;
	n->hello_len = len;
}

void net_set_cluster_id(struct net *n, uint64_t cluster_id)
{
	uint8_t *hello = NULL;
	size_t len = 0, cap = 0;
	uint64_t old = n->o.self.cluster_id;

	if (n->stopping || cluster_id == old)
		return;
	n->o.self.cluster_id = cluster_id;
	if (net_encode_hello(&n->o.self, &hello, &len, &cap) != GAIA_OK) {
		n->o.self.cluster_id = old;
		net_log(n, NET_LOG_WARN, "cannot change the cluster id: out of memory");
		return;
	}
	free(n->hello);
	n->hello = hello;
	n->hello_len = len;
	net_log(n, NET_LOG_INFO, "cluster id is now 0x%" PRIx64 " (was 0x%" PRIx64 ")",
		cluster_id, old);
	/* connections admitted under the old id that do not fit the new one */
	for (struct net_conn *c = n->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (c->state == NET_CONN_OPEN && c->remote.cluster_id != 0 &&
		    cluster_id != 0 && c->remote.cluster_id != cluster_id) {
			net_log(n, NET_LOG_WARN,
				"closing connection %s %s: cluster id 0x%" PRIx64
				" differs from ours 0x%" PRIx64,
				conn_dir(c), c->addr, c->remote.cluster_id, cluster_id);
			net_conn_close(c, false);
		}
	}
}
