/* The REST API's daemons: the listen sockets, one libmicrohttpd daemon per
 * socket (own polling thread, suspend/resume), the access handler that
 * drives each call, and the orderly stop. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api/api_internal.h"
#include "util/errmsg.h"

#define API_MHD_IDLE_TIMEOUT_S 60
#define API_STOP_DRAIN_MS 2000

uint64_t api_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void api_logf(struct api *a, int level, const char *kv, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!a->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	a->o.log(a->o.log_ud, level, "api", msg, kv ? kv : "");
}

void api_log_call(struct api_call *c, int level, const char *msg)
{
	char kv[256];

	snprintf(kv, sizeof kv, "method=%s path=%.200s", c->method, c->path);
	api_logf(c->api, level, kv, "%s", msg);
}

static void api_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct api *a = cls;
	char msg[512];
	size_t n;

	if (!a->o.log)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	a->o.log(a->o.log_ud, NODE_LOG_DEBUG, "api", msg, "");
}

/* MHD would decode %XX in the path before we could tell "/" from "%2F";
 * we take the raw text and decode each part ourselves. */
static size_t api_unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* --- listen sockets ------------------------------------------------------ */

static int api_split_hostport(const char *addr, char *host, size_t hsize, char *port,
			      size_t psize)
{
	const char *colon;
	size_t hl;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');
		if (!end || end[1] != ':')
			return -1;
		hl = (size_t)(end - addr - 1);
		if (hl >= hsize)
			return -1;
		memcpy(host, addr + 1, hl);
		host[hl] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - addr);
		if (hl >= hsize)
			return -1;
		memcpy(host, addr, hl);
		host[hl] = '\0';
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= psize ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

static int api_fd_setup(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int api_listen_tcp(struct api *a, const char *addr, int *out, char *errmsg)
{
	char host[NODE_ADDR_MAX], port[8];
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = -1, one = 1, rc, saved = 0;

	if (api_split_hostport(addr, host, sizeof host, port, sizeof port) != 0)
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "HTTP address '%s' is not host:port", addr);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0)
		return errmsg_set(errmsg, GAIA_EINVAL, "HTTP address '%s': %s", addr,
				  gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0 &&
		    api_fd_setup(fd) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "cannot listen on HTTP address '%s': %s",
				  addr, strerror(saved));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		a->http_port = ntohs(ss.ss_family == AF_INET6
					     ? ((struct sockaddr_in6 *)&ss)->sin6_port
					     : ((struct sockaddr_in *)&ss)->sin_port);
	*out = fd;
	return GAIA_OK;
}

static int api_listen_unix(struct api *a, const char *path, int *out, char *errmsg)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, err;

	if (strlen(path) >= sizeof sun.sun_path)
		return errmsg_set(errmsg, GAIA_EINVAL, "socket path '%s' is too long (max %zu bytes)",
				  path, sizeof sun.sun_path - 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return errmsg_set(errmsg, GAIA_EEXIST,
					  "socket path '%s' exists and is not a socket", path);
		/* left by a process that died: the data dir lock keeps out a
		 * live one */
		if (unlink(path) != 0)
			return errmsg_set(errmsg, GAIA_EIO, "cannot remove old socket '%s': %s",
					  path, strerror(errno));
	}
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "socket: %s", strerror(errno));
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		err = errno;
		close(fd);
		return errmsg_set(errmsg, GAIA_EIO, "cannot bind socket '%s': %s", path,
				  strerror(err));
	}
	if (chmod(path, 0660) != 0 || listen(fd, 128) != 0 || api_fd_setup(fd) != 0 ||
	    stat(path, &st) != 0) {
		err = errno;
		close(fd);
		unlink(path);
		return errmsg_set(errmsg, GAIA_EIO, "cannot listen on socket '%s': %s", path,
				  strerror(err));
	}
	a->socket_ino = st.st_ino;
	*out = fd;
	return GAIA_OK;
}

/* --- the access handler --------------------------------------------------- */

static enum MHD_Result api_step_result(struct api_call *c, int step)
{
	switch (step) {
	case API_STEP_ANSWERED:
		return MHD_YES;
	case API_STEP_SUBMIT:
		return api_call_submit(c) == API_STEP_FAIL ? MHD_NO : MHD_YES;
	case API_STEP_FORWARD:
		return api_fwd_submit(c) == API_STEP_FAIL ? MHD_NO : MHD_YES;
	default:
		return MHD_NO;
	}
}

static enum MHD_Result api_access(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct api_call *c = *con_cls;
	const char *cl;
	bool aborted, timed_out;

	(void)version;
	if (!c) {
		c = api_call_new(a, conn, method, url);
		if (!c)
			return MHD_NO;
		*con_cls = c;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > a->o.max_body_bytes) {
			/* answered before the body is read: MHD then closes */
			c->too_large = true;
			return api_reply_error(c, API_HTTP_TOO_LARGE, "payload_too_large",
					       "the request body is above the limit of %llu bytes",
					       (unsigned long long)a->o.max_body_bytes) == API_STEP_FAIL
				       ? MHD_NO
				       : MHD_YES;
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		api_call_append(c, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	switch (c->phase) {
	case API_PHASE_NEW:
		if (c->too_large)
			return api_reply_error(c, API_HTTP_TOO_LARGE, "payload_too_large",
					       "the request body is above the limit of %llu bytes",
					       (unsigned long long)a->o.max_body_bytes) == API_STEP_FAIL
				       ? MHD_NO
				       : MHD_YES;
		if (c->oom)
			return api_reply_error(c, 500, "internal", "out of memory") == API_STEP_FAIL
				       ? MHD_NO
				       : MHD_YES;
		return api_step_result(c, api_route(c));
	case API_PHASE_NODE:
	case API_PHASE_FORWARD:
		pthread_mutex_lock(&a->mu);
		aborted = c->aborted;
		timed_out = c->timed_out;
		pthread_mutex_unlock(&a->mu);
		if (aborted)
			return api_step_result(c, api_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
								  "unavailable",
								  "the node is shutting down"));
		if (timed_out)
			return api_step_result(
				c, api_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
						   "no answer from the node within %llu ms; the outcome is unknown",
						   (unsigned long long)a->o.request_timeout_ms));
		if (c->phase == API_PHASE_FORWARD)
			return api_step_result(c, api_reply_fwd(c));
		return api_step_result(c, api_after_node(c));
	default:
		return MHD_YES;
	}
}

static void api_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	struct api *a = cls;
	struct api_call *c = *con_cls;

	(void)conn;
	(void)toe;
	if (!c)
		return;
	*con_cls = NULL;
	pthread_mutex_lock(&a->mu);
	c->conn = NULL;
	if (c->draining) {
		c->draining = false;
		a->draining--;
		pthread_cond_broadcast(&a->cond);
	}
	pthread_mutex_unlock(&a->mu);
	api_call_unref(c);
}

static struct MHD_Daemon *api_daemon(struct api *a, int fd)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
					MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
				0, NULL, NULL, api_access, a,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_NOTIFY_COMPLETED, api_completed, a,
				MHD_OPTION_UNESCAPE_CALLBACK, api_unescape_none, a,
				MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log, a,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_MHD_IDLE_TIMEOUT_S,
				/* MHD clears a connection's memory pool for every
				 * request: 16 KiB (half the default) is plenty for
				 * our headers, and halves that cost */
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
				MHD_OPTION_END);
}

/* --- start and stop ------------------------------------------------------- */

void api_destroy(struct api *a)
{
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->count_mu);
	pthread_cond_destroy(&a->cond);
	free(a->socket_path);
	free(a);
}

int api_http_port(const struct api *a)
{
	return a->tcp ? a->http_port : -1;
}

int api_start(struct api **out, const struct api_options *o, char *errmsg)
{
	struct api *a;
	int tcp_fd = -1, unix_fd = -1, rc;
	bool want_tcp = o->http_addr && o->http_addr[0];
	bool want_unix = o->socket_path && o->socket_path[0];

	*out = NULL;
	if (!o->node)
		return errmsg_set(errmsg, GAIA_EINVAL, "the API needs a node");
	if (!want_tcp && !want_unix)
		return errmsg_set(errmsg, GAIA_EINVAL, "the API needs an HTTP address or a socket path");
	a = calloc(1, sizeof *a);
	if (!a)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	a->o = *o;
	if (!a->o.max_body_bytes)
		a->o.max_body_bytes = API_DEFAULT_MAX_BODY;
	if (!a->o.request_timeout_ms)
		a->o.request_timeout_ms = API_DEFAULT_TIMEOUT_MS;
	if (o->node_id)
		snprintf(a->node_id, sizeof a->node_id, "%s", o->node_id);
	a->o.node_id = a->node_id;
	a->o.http_addr = NULL;
	a->o.socket_path = NULL;
	a->http_port = -1;
	a->refs = 1;
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->count_mu, NULL);
	pthread_cond_init(&a->cond, NULL);
	if (want_tcp) {
		snprintf(a->http_addr, sizeof a->http_addr, "%s", o->http_addr);
		rc = api_listen_tcp(a, o->http_addr, &tcp_fd, errmsg);
		if (rc != GAIA_OK)
			goto err_after_alloc;
	}
	if (want_unix) {
		a->socket_path = strdup(o->socket_path);
		if (!a->socket_path) {
			rc = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
			goto err_after_tcp_fd;
		}
		rc = api_listen_unix(a, o->socket_path, &unix_fd, errmsg);
		if (rc != GAIA_OK)
			goto err_after_tcp_fd;
	}
	rc = api_fwd_start(a, errmsg);
	if (rc != GAIA_OK)
		goto err_after_unix_fd;
	if (tcp_fd >= 0) {
		a->tcp = api_daemon(a, tcp_fd);
		if (!a->tcp) {
			rc = errmsg_set(errmsg, GAIA_EIO, "cannot start the HTTP server on '%s'",
					o->http_addr);
			goto err_after_fwd;
		}
		tcp_fd = -1; /* the daemon's now */
	}
	if (unix_fd >= 0) {
		a->unix_d = api_daemon(a, unix_fd);
		if (!a->unix_d) {
			rc = errmsg_set(errmsg, GAIA_EIO, "cannot start the HTTP server on '%s'",
					o->socket_path);
			goto err_after_tcp;
		}
		unix_fd = -1;
	}
	api_logf(a, NODE_LOG_INFO, NULL, "REST API listening%s%s%s%s",
		 a->tcp ? " on " : "", a->tcp ? a->http_addr : "",
		 a->unix_d ? " and on socket " : "", a->unix_d ? a->socket_path : "");
	*out = a;
	return GAIA_OK;

err_after_tcp:
	if (a->tcp)
		MHD_stop_daemon(a->tcp);
err_after_fwd:
	api_fwd_stop(a);
err_after_unix_fd:
	if (unix_fd >= 0) {
		close(unix_fd);
		unlink(o->socket_path);
	}
err_after_tcp_fd:
	if (tcp_fd >= 0)
		close(tcp_fd);
err_after_alloc:
	api_destroy(a);
	return rc;
}

/* Resume every suspended call with an answer of 503, then give them a
 * moment to be written before the daemons close. */
static void api_abort_suspended(struct api *a)
{
	struct api_call *c, *list = NULL;
	struct timespec ts;
	uint64_t until;

	pthread_mutex_lock(&a->mu);
	a->stopping = true;
	for (c = a->calls; c; c = c->next) {
		if (!api_call_wake_locked(c))
			continue;
		c->aborted = true;
		c->draining = true;
		a->draining++;
		c->wake_next = list;
		list = c;
	}
	pthread_mutex_unlock(&a->mu);
	while (list) {
		c = list;
		list = c->wake_next;
		api_call_resume_end(c);
	}

	until = api_now_ms() + API_STOP_DRAIN_MS;
	pthread_mutex_lock(&a->mu);
	while (a->resuming > 0 || (a->draining > 0 && api_now_ms() < until)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&a->cond, &a->mu, &ts);
	}
	pthread_mutex_unlock(&a->mu);
}

void api_stop(struct api *a)
{
	MHD_socket tcp_fd = MHD_INVALID_SOCKET, unix_fd = MHD_INVALID_SOCKET;
	struct stat st;
	bool free_it;

	if (!a)
		return;
	if (a->tcp)
		tcp_fd = MHD_quiesce_daemon(a->tcp);
	if (a->unix_d)
		unix_fd = MHD_quiesce_daemon(a->unix_d);
	/* forwarded calls end first (with 503 if still running), then the
	 * ones waiting on the node */
	pthread_mutex_lock(&a->mu);
	a->stopping = true;
	pthread_mutex_unlock(&a->mu);
	api_fwd_stop(a);
	api_abort_suspended(a);
	if (a->tcp)
		MHD_stop_daemon(a->tcp);
	if (a->unix_d)
		MHD_stop_daemon(a->unix_d);
	if (tcp_fd != MHD_INVALID_SOCKET)
		close(tcp_fd);
	if (unix_fd != MHD_INVALID_SOCKET)
		close(unix_fd);
	if (a->socket_path && lstat(a->socket_path, &st) == 0 && st.st_ino == a->socket_ino)
		unlink(a->socket_path);
	api_logf(a, NODE_LOG_INFO, NULL, "REST API stopped");
	a->tcp = NULL;
	a->unix_d = NULL;

	pthread_mutex_lock(&a->mu);
	free_it = --a->refs == 0;
	pthread_mutex_unlock(&a->mu);
	if (free_it)
		api_destroy(a);
}
