/* The transport's life: listen, accept, stop; logging, stats. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net_internal.h"
#include "util/errmsg.h"

void net_log(struct net *n, int level, const char *fmt, ...)
{
	char buf[NET_LOG_MAX];
	va_list ap;

	if (n->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	n->o.log(n->o.ud, level, buf);
}

uint64_t net_rand(struct net *n)
{
	/* xorshift64*: jitter only, nothing secret */
	n->rng ^= n->rng >> 12;
	n->rng ^= n->rng << 25;
	n->rng ^= n->rng >> 27;
	return n->rng * 0x2545f4914f6cdd1dull;
}

/* gaia_strerror() is in the public library, which tests do not link */
const char *net_err_text(int err)
{
	switch (err) {
	case GAIA_ENOMEM:
		return "out of memory";
	case GAIA_ETOOBIG:
		return "above the frame size limit";
	case GAIA_EINVAL:
		return "malformed";
	case GAIA_EIO:
		return "I/O error";
	default:
		return "error";
	}
}

void net_unref(struct net *n)
{
	void (*done)(void *);
	void *ud;

	if (--n->live > 0 || !n->stopping)
		return;
	done = n->done;
	ud = n->done_ud;
	free(n->hello);
	free(n);
	if (done != NULL)
		done(ud);
}

static void net_on_handle_close(uv_handle_t *h)
{
	net_unref(h->data);
}

static void net_on_flush(uv_prepare_t *h)
{
	struct net *n = h->data;

	uv_prepare_stop(h);
	n->flush_armed = false;
	/* a failed write may call on_peer_down, which may forget peers: a
	 * forgotten peer stays allocated until its close callback, which
	 * runs after this one */
	for (struct net_peer *p = n->peers, *next; p != NULL; p = next) {
		next = p->next;
		if (p->conn != NULL)
			net_conn_flush(p->conn);
	}
}

/* Messages sent during one loop turn leave together, just before the loop
 * next waits for I/O. */
void net_arm_flush(struct net *n)
{
	if (n->flush_armed || n->stopping)
		return;
	uv_prepare_start(&n->flush, net_on_flush);
	n->flush_armed = true;
}

/* --- accepting ----------------------------------------------------------- */

static void net_on_connection(uv_stream_t *server, int status)
{
	struct net *n = server->data;
	struct net_conn *c;
	struct sockaddr_storage ss;
	int len = sizeof ss, rc;

	if (status < 0) {
		net_log(n, NET_LOG_WARN, "accept failed: %s", uv_strerror(status));
		return;
	}
	if (n->stopping)
		return;
	c = net_conn_new(n, false);
	if (c == NULL) {
		net_log(n, NET_LOG_WARN, "accept: out of memory");
		return;
	}
	rc = uv_accept(server, (uv_stream_t *)&c->tcp);
	if (rc != 0) {
		net_log(n, NET_LOG_WARN, "accept failed: %s", uv_strerror(rc));
		net_conn_close(c, false);
		return;
	}
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		net_addr_format(&ss, c->addr, sizeof c->addr);
	else
		snprintf(c->addr, sizeof c->addr, "?");
	if (n->n_incoming > NET_MAX_INCOMING) {
		net_log(n, NET_LOG_WARN,
			"%zu connections open; closing the new one from %s",
			n->n_incoming - 1, c->addr);
		net_conn_close(c, false);
		return;
	}
	net_log(n, NET_LOG_DEBUG, "connection from %s", c->addr);
	net_conn_set_socket_options(c);
	net_conn_arm_timer(c, n->o.rpc_timeout_ms);
	net_conn_start_read(c);
}

/* --- start and stop ------------------------------------------------------ */

/* The listening socket is made by hand so that every failure is known
 * before any libuv handle exists (a handle could only be freed on the
 * loop). */
static int listen_socket(struct net *n, const struct sockaddr_storage *ss,
			 int *fd_out, char *errmsg)
{
	int one = 1, fd;
	socklen_t sl = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	struct sockaddr_storage got;
	socklen_t gl = sizeof got;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "cannot listen on %s: socket: %s",
				  n->bind_addr, strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)ss, sl) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
		int e = errno;
		close(fd);
		return errmsg_set(errmsg, GAIA_EIO, "cannot listen on %s: %s",
				  n->bind_addr, strerror(e));
	}
	n->port = net_addr_port(&got);
	*fd_out = fd;
	return GAIA_OK;
}

/* Outgoing sockets are bound to our advertised IP if it is one of ours. */
static void pick_source(struct net *n)
{
	struct net_hello *self = &n->o.self;
	char host[NET_ADDR_MAX], err[GAIA_ERRMSG_SIZE];
	struct sockaddr_storage ss;
	uint16_t port = 0;
	int fd;

	if (self->raft_addr[0] == '\0')
		return;
	if (net_addr_split(self->raft_addr, host, sizeof host, &port, err) != GAIA_OK ||
	    net_parse_addr(self->raft_addr, &ss, err) != GAIA_OK) {
		net_log(n, NET_LOG_WARN, "advertised address: %s", err);
		return;
	}
	if (port == 0) /* advertise the port we got */
		snprintf(self->raft_addr, sizeof self->raft_addr,
			 strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, n->port);
	if (net_addr_is_any(&ss))
		return;
	net_addr_set_port(&ss, 0);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (const struct sockaddr *)&ss, sizeof ss) == 0) {
		n->src = ss;
		n->have_src = true;
	} else {
		net_log(n, NET_LOG_WARN,
			"advertised address %s is not local (%s): outgoing "
			"connections use the system's choice of source",
			self->raft_addr, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
}

int net_start(struct net **out, const struct net_options *o, char *errmsg)
{
	struct net *n;
	struct sockaddr_storage ss;
	size_t cap = 0;
	int fd = -1, rc;

	*out = NULL;
	if (o->loop == NULL || o->bind_addr == NULL || o->self.id == 0)
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "net: loop, bind address and node id are required");
	if (strlen(o->bind_addr) >= NET_ADDR_MAX)
		return errmsg_set(errmsg, GAIA_EINVAL, "bind address too long");
	n = calloc(1, sizeof *n);
	if (n == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "net: out of memory");
	n->o = *o;
	n->loop = o->loop;
	snprintf(n->bind_addr, sizeof n->bind_addr, "%s", o->bind_addr);
	n->o.bind_addr = n->bind_addr;
	n->o.self.version = NET_PROTOCOL_VERSION;
	if (n->o.rpc_timeout_ms == 0)
		n->o.rpc_timeout_ms = NET_DEFAULT_RPC_TIMEOUT_MS;
	if (n->o.backoff_min_ms == 0)
		n->o.backoff_min_ms = NET_DEFAULT_BACKOFF_MIN_MS;
	if (n->o.backoff_max_ms < n->o.backoff_min_ms)
		n->o.backoff_max_ms = n->o.backoff_min_ms > NET_DEFAULT_BACKOFF_MAX_MS
					      ? n->o.backoff_min_ms
					      : NET_DEFAULT_BACKOFF_MAX_MS;
	if (n->o.max_queue_bytes == 0)
		n->o.max_queue_bytes = NET_DEFAULT_MAX_QUEUE;
	n->rng = uv_hrtime() ^ (n->o.self.id * 0x9e3779b97f4a7c15ull) ^ 1;

	rc = net_parse_addr(n->bind_addr, &ss, errmsg);
	if (rc != GAIA_OK)
		goto err_after_alloc;
	rc = listen_socket(n, &ss, &fd, errmsg);
	if (rc != GAIA_OK)
		goto err_after_alloc;
	pick_source(n);
	rc = net_encode_hello(&n->o.self, &n->hello, &n->hello_len, &cap);
	if (rc != GAIA_OK) {
		errmsg_set(errmsg, rc, "net: node name or addresses too long");
		goto err_after_socket;
	}
	if (uv_tcp_init(n->loop, &n->listener) != 0) {
		rc = errmsg_set(errmsg, GAIA_EIO, "net: cannot make a TCP handle");
		goto err_after_hello;
	}
	n->listener.data = n;
	n->live = 1;
	rc = uv_tcp_open(&n->listener, fd);
	if (rc != 0)
		close(fd); /* not the handle's yet */
	else
		rc = uv_listen((uv_stream_t *)&n->listener, 128, net_on_connection);
	if (rc != 0) {
		errmsg_set(errmsg, GAIA_EIO, "cannot listen on %s: %s", n->bind_addr,
			   uv_strerror(rc));
		/* the handle is on the loop now: it frees n when closed */
		n->stopping = true;
		uv_close((uv_handle_t *)&n->listener, net_on_handle_close);
		return GAIA_EIO;
	}
	uv_prepare_init(n->loop, &n->flush);
	n->flush.data = n;
	n->live++;
	net_log(n, NET_LOG_INFO, "listening on %s port %d as node %llu (\"%s\", %s)",
		n->bind_addr, n->port, (unsigned long long)n->o.self.id,
		n->o.self.name, n->o.self.raft_addr);
	*out = n;
	return GAIA_OK;

err_after_hello:
	free(n->hello);
err_after_socket:
	close(fd);
err_after_alloc:
	free(n);
	return rc;
}

void net_stop(struct net *n, void (*done)(void *ud), void *ud)
{
	if (n->stopping)
		return;
	n->stopping = true;
	n->done = done;
	n->done_ud = ud;
	net_log(n, NET_LOG_INFO, "stopping");
	uv_close((uv_handle_t *)&n->listener, net_on_handle_close);
	uv_close((uv_handle_t *)&n->flush, net_on_handle_close);
	while (n->conns != NULL)
		net_conn_close(n->conns, false);
	while (n->peers != NULL) {
		struct net_peer *p = n->peers;
		n->peers = p->next;
		p->next = NULL;
		net_peer_close(p);
	}
}

/* --- what the caller may read -------------------------------------------- */

uint64_t net_cluster_id(const struct net *n)
{
	return n->o.self.cluster_id;
}

void net_get_stats(const struct net *n, struct net_stats *s)
{
	*s = n->st;
}

int net_bound_port(const struct net *n)
{
	return n->port;
}

int net_peer_addr(const struct net *n, raft_id id, char *buf, size_t len)
{
	for (struct net_conn *c = n->conns; c != NULL; c = c->next) {
		struct sockaddr_storage ss;
		int sl = sizeof ss;
		if (c->outgoing || c->state != NET_CONN_OPEN || c->remote.id != id)
			continue;
		if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) != 0)
			return GAIA_EIO;
		net_addr_format(&ss, buf, len);
		return GAIA_OK;
	}
	return GAIA_ENOTFOUND;
}
