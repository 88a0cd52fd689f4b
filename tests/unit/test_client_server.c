/* A tiny HTTP/1.1 server for the client tests (see the header). One
 * thread accepts, one thread per connection reads requests (headers,
 * Content-Length body) and answers until the peer closes or the server
 * stops; every wait also watches the stop pipe. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test_client_server.h"

struct fake_conn {
	struct fake_server *s;
	int fd;
	unsigned id;
};

/* Wait until fd is readable; false when the server stops. */
static bool fake_wait(struct fake_server *s, int fd)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop_pipe[0], .events = POLLIN}};
	int n;

	do
		n = poll(p, 2, -1);
	while (n < 0 && errno == EINTR);
	return n > 0 && !(p[1].revents & POLLIN) && (p[0].revents & (POLLIN | POLLHUP | POLLERR));
}

static bool fake_stopped_within(struct fake_server *s, unsigned ms)
{
	struct pollfd p = {.fd = s->stop_pipe[0], .events = POLLIN};

	return poll(&p, 1, (int)ms) > 0;
}

static bool fake_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static const char *fake_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void fake_header(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);

	if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
		line += n + 1;
		len -= n + 1;
		while (len && *line == ' ')
			line++, len--;
		snprintf(out, size, "%.*s", (int)len, line);
	}
}

/* Parse one request held in buf[0..hlen) (headers incl. the blank line). */
static size_t fake_parse(const char *buf, size_t hlen, struct fake_request *req)
{
	const char *p = buf, *end = buf + hlen, *eol;
	char clen[32] = "", expect[32] = "";

	eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	sscanf(p, "%15s %2047s", req->method, req->path);
	for (p = eol + 2; p < end; p = eol + 2) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol || eol == p)
			break;
		fake_header(p, (size_t)(eol - p), "Content-Length", clen, sizeof clen);
		fake_header(p, (size_t)(eol - p), "Content-Type", req->content_type,
			    sizeof req->content_type);
		fake_header(p, (size_t)(eol - p), "Expect", expect, sizeof expect);
	}
	req->has_expect = expect[0] != '\0';
	return clen[0] ? (size_t)strtoul(clen, NULL, 10) : 0;
}

static void fake_answer(struct fake_server *s, struct fake_conn *c, struct fake_request *req)
{
	struct fake_reply rep = {.status = 200, .body = "{}"};
	char msg[8192];
	const char *body;
	int n;

	pthread_mutex_lock(&s->mu);
	if (s->logged < FAKE_MAX_LOG)
		s->log[s->logged++] = *req;
	if (s->next < s->n_script) {
		rep = s->script[s->next++];
		pthread_mutex_unlock(&s->mu);
	} else {
		pthread_mutex_unlock(&s->mu);
		if (s->handler)
			s->handler(s, req, &rep, s->handler_ud);
	}
	if (rep.delay_ms && fake_stopped_within(s, rep.delay_ms))
		return;
	body = rep.body ? rep.body : "";
	/* one write: head and body in two would meet Nagle and delayed ACKs */
	n = snprintf(msg, sizeof msg, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s\r\n%s",
		     rep.status, fake_reason(rep.status), strlen(body),
		     rep.headers ? rep.headers : "", body);
	pthread_mutex_lock(&s->mu);
	s->requests++;
	pthread_mutex_unlock(&s->mu);
	fake_write_all(c->fd, msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1);
}

static void *fake_conn_thread(void *arg)
{
	struct fake_conn *c = arg;
	struct fake_server *s = c->s;
	size_t cap = 1 << 16, len = 0, hlen, blen;
	char *buf = malloc(cap);
	const char *hend;
	ssize_t got;

	while (buf) {
		hend = len >= 4 ? memmem(buf, len, "\r\n\r\n", 4) : NULL;
		if (hend) {
			struct fake_request req = {.conn = c->id};

			hlen = (size_t)(hend - buf) + 4;
			blen = fake_parse(buf, hlen, &req);
			if (hlen + blen > cap)
				break;
			while (len < hlen + blen) {
				if (!fake_wait(s, c->fd))
					goto out;
				got = recv(c->fd, buf + len, cap - len, 0);
				if (got <= 0)
					goto out;
				len += (size_t)got;
			}
			req.body_len = blen;
			memcpy(req.body, buf + hlen, blen < sizeof req.body ? blen : sizeof req.body - 1);
			fake_answer(s, c, &req);
			memmove(buf, buf + hlen + blen, len - hlen - blen);
			len -= hlen + blen;
			continue;
		}
		if (len == cap || !fake_wait(s, c->fd))
			break;
		got = recv(c->fd, buf + len, cap - len, 0);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
out:
	free(buf);
	free(c);
	return NULL;
}

static void *fake_accept_thread(void *arg)
{
	struct fake_server *s = arg;

	while (fake_wait(s, s->lfd)) {
		int fd = accept(s->lfd, NULL, NULL);
		struct fake_conn *c;
		unsigned i;

		if (fd < 0)
			continue;
		pthread_mutex_lock(&s->mu);
		i = s->connections;
		if (i >= FAKE_MAX_CONNS) {
			pthread_mutex_unlock(&s->mu);
			close(fd);
			continue;
		}
		s->connections++;
		pthread_mutex_unlock(&s->mu);
		c = malloc(sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		*c = (struct fake_conn){.s = s, .fd = fd, .id = i + 1};
		s->conn_fds[i] = fd;
		if (pthread_create(&s->conns[i], NULL, fake_conn_thread, c) != 0) {
			s->conn_fds[i] = -1;
			close(fd);
			free(c);
		}
	}
	return NULL;
}

int fake_start(struct fake_server *s, const char *path, const struct fake_reply *script,
	       size_t n_script, fake_handler handler, void *ud)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < FAKE_MAX_CONNS; i++)
		s->conn_fds[i] = -1;
	s->script = script;
	s->n_script = n_script;
	s->handler = handler;
	s->handler_ud = ud;
	pthread_mutex_init(&s->mu, NULL);
	if (pipe(s->stop_pipe) != 0)
		return -1;
	if (path) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};

		snprintf(s->path, sizeof s->path, "%s", path);
		snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
		unlink(path);
		s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sun, sizeof sun) != 0)
			return -1;
	} else {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t sl = sizeof sin;

		s->lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
		    getsockname(s->lfd, (struct sockaddr *)&sin, &sl) != 0)
			return -1;
		snprintf(s->addr, sizeof s->addr, "127.0.0.1:%u", ntohs(sin.sin_port));
	}
	if (listen(s->lfd, 128) != 0)
		return -1;
	return pthread_create(&s->thread, NULL, fake_accept_thread, s) == 0 ? 0 : -1;
}

void fake_stop(struct fake_server *s)
{
	unsigned n;

	if (write(s->stop_pipe[1], "x", 1) != 1)
		return;
	pthread_join(s->thread, NULL);
	pthread_mutex_lock(&s->mu);
	n = s->connections;
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < n; i++)
		if (s->conn_fds[i] >= 0) {
			pthread_join(s->conns[i], NULL);
			close(s->conn_fds[i]);
		}
	close(s->lfd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	if (s->path[0])
		unlink(s->path);
	pthread_mutex_destroy(&s->mu);
}

unsigned fake_requests(struct fake_server *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->requests;
	pthread_mutex_unlock(&s->mu);
	return n;
}

unsigned fake_connections(struct fake_server *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->connections;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int fake_closed_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}
