/* One TCP connection: reading and splitting frames, writing queued frames
 * in batches, deadlines, and closing (freed when its handles are closed). */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net_internal.h"

static void conn_on_close(uv_handle_t *h)
{
	struct net_conn *c = h->data;
	struct net *n = c->n;

	if (--c->handles == 0) {
		free(c->rbuf);
		free(c->pending.p);
		free(c->inflight.p);
		free(c);
	}
	net_unref(n);
}

static void conn_on_timer(uv_timer_t *t)
{
	struct net_conn *c = t->data;
	struct net *n = c->n;
	raft_id id = c->peer ? c->peer->id : 0;

	switch (c->state) {
	case NET_CONN_CONNECTING:
		net_log(n, c->peer ? net_peer_fail_level(c->peer) : NET_LOG_DEBUG,
			"connect to node %llu at %s timed out after %llu ms",
			(unsigned long long)id, c->addr,
			(unsigned long long)n->o.rpc_timeout_ms);
		break;
	case NET_CONN_HELLO:
		net_log(n, NET_LOG_WARN,
			"no hello from %s within %llu ms; closing", c->addr,
			(unsigned long long)n->o.rpc_timeout_ms);
		break;
	default:
		break;
	}
	net_conn_close(c, true);
}

struct net_conn *net_conn_new(struct net *n, bool outgoing)
{
	struct net_conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	if (uv_tcp_init(n->loop, &c->tcp) != 0) {
		free(c);
		return NULL;
	}
	uv_timer_init(n->loop, &c->timer);
	c->n = n;
	c->outgoing = outgoing;
	c->state = outgoing ? NET_CONN_CONNECTING : NET_CONN_HELLO;
	c->tcp.data = c;
	c->timer.data = c;
	c->handles = 2;
	n->live += 2;
	c->next = n->conns;
	if (n->conns != NULL)
		n->conns->prev = c;
	n->conns = c;
	if (!outgoing)
		n->n_incoming++;
	return c;
}

void net_conn_arm_timer(struct net_conn *c, uint64_t ms)
{
	uv_timer_start(&c->timer, conn_on_timer, ms, 0);
}

void net_conn_set_socket_options(struct net_conn *c)
{
	uv_os_fd_t fd;
	uint64_t ms = c->n->o.rpc_timeout_ms;
	unsigned int ut = ms > UINT_MAX ? UINT_MAX : (unsigned int)ms;

	uv_tcp_nodelay(&c->tcp, 1);
	uv_tcp_keepalive(&c->tcp, 1, 15);
	/* Data left unacknowledged this long (a partition, a dead host) resets
	 * the connection, so that we redial instead of waiting out TCP's
	 * retransmission backoff, which grows to minutes. */
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof ut);
}

void net_conn_close(struct net_conn *c, bool notify)
{
	struct net *n = c->n;
	struct net_peer *p = c->peer;
	bool was_open = c->established && !c->refused;

	if (c->state == NET_CONN_CLOSING)
		return;
	c->state = NET_CONN_CLOSING;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		n->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	if (!c->outgoing)
		n->n_incoming--;
	n->st.dropped += c->pending_frames;
	c->pending_frames = 0;
	if (c->established)
		n->st.disconnects++;
	uv_close((uv_handle_t *)&c->tcp, conn_on_close);
	uv_close((uv_handle_t *)&c->timer, conn_on_close);
	if (p != NULL) {
		c->peer = NULL;
		p->conn = NULL;
		if (c->refused)
			p->refused = true;
		net_peer_conn_closed(p);
	}
	/* last: the callback may call back into net */
	if (notify && was_open && !n->stopping && n->o.on_peer_down != NULL)
		n->o.on_peer_down(n->o.ud, c->remote.id);
}

/* --- reading ------------------------------------------------------------ */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct net_conn *c = h->data;
	size_t want = NET_READ_CHUNK;

	(void)hint;
	/* room for the whole of a large frame at once (its length was checked
	 * when its header arrived) */
	if (c->rlen >= 4) {
		size_t total = 4 + (size_t)le32(c->rbuf);
		if (total > c->rlen && total - c->rlen > want)
			want = total - c->rlen;
	}
	if (c->rcap - c->rlen < want) {
		size_t cap = c->rlen + want;
		uint8_t *nb = realloc(c->rbuf, cap);
		if (nb == NULL) {
			*buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
			return;
		}
		c->rbuf = nb;
		c->rcap = cap;
	}
	buf->base = (char *)c->rbuf + c->rlen;
	buf->len = c->rcap - c->rlen;
}

static void conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct net_conn *c = s->data;
	struct net *n = c->n;
	size_t off = 0;

	(void)buf;
	if (c->state == NET_CONN_CLOSING)
		return;
	if (nread < 0) {
		if (c->state != NET_CONN_REFUSING)
			/* a discovery probe (no Raft address) is not news */
			net_log(n, c->established && c->remote.raft_addr[0] ? NET_LOG_INFO
									   : NET_LOG_DEBUG,
				"connection %s %s (node %llu) closed: %s",
				c->outgoing ? "to" : "from", c->addr,
				(unsigned long long)c->remote.id,
				nread == UV_EOF ? "end of stream"
						: uv_strerror((int)nread));
		net_conn_close(c, true);
		return;
	}
	n->st.bytes_received += (uint64_t)nread;
	c->rlen += (size_t)nread;
	while (c->state != NET_CONN_CLOSING && c->rlen - off >= 4) {
		uint32_t flen = le32(c->rbuf + off);
		uint32_t limit = c->state == NET_CONN_OPEN ? NET_MAX_FRAME
							   : NET_HANDSHAKE_MAX_FRAME;
		if (flen == 0 || flen > limit) {
			if (c->state != NET_CONN_REFUSING)
				net_log(n, NET_LOG_WARN,
					"connection %s %s (node %llu): frame "
					"length %u outside 1..%u; closing",
					c->outgoing ? "to" : "from", c->addr,
					(unsigned long long)c->remote.id, flen,
					limit);
			net_conn_close(c, true);
			return;
		}
		if (c->rlen - off - 4 < flen)
			break;
		net_conn_frame(c, c->rbuf[off + 4], c->rbuf + off + 5, flen - 1);
		off += 4 + (size_t)flen;
	}
	if (c->state == NET_CONN_CLOSING)
		return;
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	if (c->rlen == 0 && c->rcap > NET_KEEP_BUF) {
		free(c->rbuf);
		c->rbuf = NULL;
		c->rcap = 0;
	}
}

void net_conn_start_read(struct net_conn *c)
{
	int rc = uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc, conn_on_read);
	if (rc != 0) {
		net_log(c->n, NET_LOG_WARN, "connection %s: cannot read: %s",
			c->addr, uv_strerror(rc));
		net_conn_close(c, true);
	}
}

/* --- writing ------------------------------------------------------------ */

struct ctrl_write {
	uv_write_t req;
	uint8_t data[];
};

static void conn_on_ctrl_write(uv_write_t *req, int status)
{
	struct ctrl_write *w = (struct ctrl_write *)req;
	struct net_conn *c = req->handle->data;

	free(w);
	if (status < 0 && status != UV_ECANCELED &&
	    c->state != NET_CONN_CLOSING) {
		net_log(c->n, NET_LOG_DEBUG, "connection %s: write failed: %s",
			c->addr, uv_strerror(status));
		net_conn_close(c, true);
	}
}

int net_conn_write_ctrl(struct net_conn *c, const uint8_t *p, size_t len)
{
	struct ctrl_write *w = malloc(sizeof *w + len);
	uv_buf_t b;
	int rc;

	if (w == NULL)
		return GAIA_ENOMEM;
	memcpy(w->data, p, len);
	b.base = (char *)w->data;
	b.len = len;
	rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, conn_on_ctrl_write);
	if (rc != 0) {
		free(w);
		return GAIA_EIO;
	}
	return GAIA_OK;
}

static void wbuf_trim(struct net_wbuf *b)
{
	if (b->len == 0 && b->cap > NET_KEEP_BUF) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

static void conn_on_write(uv_write_t *req, int status)
{
	struct net_conn *c = req->handle->data;
	struct net *n = c->n;

	c->writing = false;
	if (status < 0) {
		n->st.dropped += c->inflight_frames;
		c->inflight_frames = 0;
		c->inflight.len = 0;
		if (status != UV_ECANCELED && c->state != NET_CONN_CLOSING) {
			net_log(n, NET_LOG_INFO,
				"connection to %s (node %llu): write failed: %s",
				c->addr, (unsigned long long)c->remote.id,
				uv_strerror(status));
			net_conn_close(c, true);
		}
		return;
	}
	n->st.frames_sent += c->inflight_frames;
	n->st.bytes_sent += c->inflight.len;
	c->inflight_frames = 0;
	c->inflight.len = 0;
	wbuf_trim(&c->inflight);
	/* what queued up during this write goes out as the next batch */
	net_conn_flush(c);
}

void net_conn_flush(struct net_conn *c)
{
	struct net_wbuf t;
	uv_buf_t b;
	int rc;

	if (c->state != NET_CONN_OPEN || c->writing || c->pending.len == 0)
		return;
	t = c->inflight;
	c->inflight = c->pending;
	c->pending = t;
	c->inflight_frames = c->pending_frames;
	c->pending_frames = 0;
	b.base = (char *)c->inflight.p;
	b.len = c->inflight.len;
	rc = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &b, 1, conn_on_write);
	if (rc != 0) {
		net_log(c->n, NET_LOG_INFO, "connection to %s: cannot write: %s",
			c->addr, uv_strerror(rc));
		c->n->st.dropped += c->inflight_frames;
		c->inflight_frames = 0;
		c->inflight.len = 0;
		net_conn_close(c, true);
		return;
	}
	c->writing = true;
}
