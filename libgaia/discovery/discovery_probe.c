/* Probing a found address: dial its Raft port, say hello as a probe (no
 * addresses, so the node books nothing and never dials back), and read the
 * node's hello, which names it. Blocking with a deadline; the daemon runs
 * probes on the loop's thread pool. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "discovery/discovery_internal.h"
#include "net/net.h"
#include "node/node.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		uint64_t now = mono_ms();
		int rc;
		if (now >= deadline)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)(deadline - now));
		if (rc > 0)
			return 0;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int dial(const char *host, uint16_t port, uint64_t deadline, char *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[8];
	int fd = -1, rc, last = ECONNREFUSED;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof service, "%u", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		errmsg_set(err, GAIA_EIO, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		socklen_t len = sizeof last;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &last, &len) == 0 &&
			    last == 0)
				break;
			if (rc != 0)
				last = -rc;
		} else {
			last = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errmsg_set(err, GAIA_EIO, "cannot connect to %s:%u: %s", host, port, strerror(last));
	return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t deadline)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((k = wait_fd(fd, POLLOUT, deadline)) != 0)
			return (int)k;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n, uint64_t deadline)
{
	while (n > 0) {
		ssize_t k = recv(fd, p, n, 0);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((k = wait_fd(fd, POLLIN, deadline)) != 0)
			return (int)k;
	}
	return 0;
}

/* a hello or a refusal is small: anything larger is not a gaia_go node */
#define PROBE_FRAME_MAX 4096

int discovery_probe_addr(const char *host, uint16_t port, const char *probe_name,
			 uint64_t timeout_ms, struct discovery_probe *p)
{
	uint64_t deadline = mono_ms() + (timeout_ms ? timeout_ms : 2000);
	struct net_hello self, h;
	uint8_t *buf = NULL, hdr[4], frame[PROBE_FRAME_MAX];
	size_t len = 0, cap = 0;
	uint32_t flen;
	int fd, rc;

	memset(p, 0, sizeof *p);
	memset(&self, 0, sizeof self);
	self.version = NET_PROTOCOL_VERSION;
	self.cluster_id = 0; /* matches any cluster */
	snprintf(self.name, sizeof self.name, "%s", probe_name);
	self.id = node_id_from_name(self.name);
	fd = dial(host, port, deadline, p->error);
	if (fd < 0)
		return p->rc = GAIA_EIO;
	if (net_encode_hello(&self, &buf, &len, &cap) != GAIA_OK) {
		errmsg_set(p->error, GAIA_ENOMEM, "cannot encode the hello");
		p->rc = GAIA_ENOMEM;
		goto out;
	}
	rc = write_all(fd, buf, len, deadline);
	if (rc == 0)
		rc = read_all(fd, hdr, sizeof hdr, deadline);
	if (rc != 0) {
		errmsg_set(p->error, GAIA_EIO, "%s:%u: no hello: %s", host, port,
			   rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
		p->rc = GAIA_EIO;
		goto out;
	}
	flen = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
	       (uint32_t)hdr[3] << 24;
	if (flen < 1 || flen > sizeof frame) {
		errmsg_set(p->error, GAIA_EINVAL, "%s:%u: not a gaia_go node (frame of %u bytes)",
			   host, port, flen);
		p->rc = GAIA_EINVAL;
		goto out;
	}
	rc = read_all(fd, frame, flen, deadline);
	if (rc != 0) {
		errmsg_set(p->error, GAIA_EIO, "%s:%u: no hello: %s", host, port,
			   rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
		p->rc = GAIA_EIO;
		goto out;
	}
	if (frame[0] == NET_FRAME_REFUSE) {
		char reason[NET_REASON_MAX], err[GAIA_ERRMSG_SIZE];
		if (net_decode_refuse(frame + 1, flen - 1, reason, sizeof reason, err) != GAIA_OK)
			snprintf(reason, sizeof reason, "(unreadable reason)");
		errmsg_set(p->error, GAIA_EINVAL, "%s:%u refused the probe: %s", host, port, reason);
		p->rc = GAIA_EINVAL;
		goto out;
	}
	if (frame[0] != NET_FRAME_HELLO ||
	    net_decode_hello(frame + 1, flen - 1, &h, p->error) != GAIA_OK) {
		char why[GAIA_ERRMSG_SIZE];
		snprintf(why, sizeof why, "%s", frame[0] == NET_FRAME_HELLO ? p->error : "no hello");
		errmsg_set(p->error, GAIA_EINVAL, "%s:%u: not a gaia_go node: %s", host, port, why);
		p->rc = GAIA_EINVAL;
		goto out;
	}
	p->rc = GAIA_OK;
	p->id = h.id;
	p->cluster_id = h.cluster_id;
	snprintf(p->name, sizeof p->name, "%s", h.name);
	snprintf(p->raft_addr, sizeof p->raft_addr, "%s", h.raft_addr);
	snprintf(p->api_addr, sizeof p->api_addr, "%s", h.api_addr);
out:
	free(buf);
	close(fd);
	return p->rc;
}

/* --- every address, on the thread pool -------------------------------------- */

struct probe_job {
	uv_work_t work;
	struct discovery_list l;
	struct discovery_probe p[DISCOVERY_MAX];
	char name[DISCOVERY_NAME_MAX];
	uint64_t timeout_ms;
	discovery_probed_fn done;
	void *ud;
};

static void probe_work(uv_work_t *w)
{
	struct probe_job *j = w->data;
	for (size_t i = 0; i < j->l.n; i++) {
		const struct discovery_addr *a = &j->l.a[i];
		discovery_probe_addr(a->ip[0] ? a->ip : a->hostname, a->port, j->name, j->timeout_ms,
				     &j->p[i]);
	}
}

static void probe_after(uv_work_t *w, int status)
{
	struct probe_job *j = w->data;
	(void)status;
	j->done(j->ud, &j->l, j->p);
	free(j);
}

int discovery_probe_all(uv_loop_t *loop, const struct discovery_list *l, const char *probe_name,
			uint64_t timeout_ms, discovery_probed_fn done, void *ud)
{
	struct probe_job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return GAIA_ENOMEM;
	j->l = *l;
	snprintf(j->name, sizeof j->name, "%s", probe_name);
	j->timeout_ms = timeout_ms;
	j->done = done;
	j->ud = ud;
	j->work.data = j;
	if (uv_queue_work(loop, &j->work, probe_work, probe_after) != 0) {
		free(j);
		return GAIA_EIO;
	}
	return GAIA_OK;
}
