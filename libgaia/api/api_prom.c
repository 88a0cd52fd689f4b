/* The Prometheus endpoint on CLUSTER_METRICS_ADDR: GET /metrics answers
 * the node's figures (NODE_OP_METRICS) followed by the REST API's request
 * counters, in the text exposition format. A scrape is rare: each runs in
 * its own connection thread and waits for the node, bounded. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_internal.h"
#include "metrics/metrics.h"
#include "net/net.h"
#include "util/errmsg.h"

#define PROM_WAIT_MS 3000

struct prom {
	struct node *node;
	struct api *api;
	struct MHD_Daemon *d;
};

/* One scrape's request, shared by the connection thread and the node
 * loop: freed by whichever lets go last. */
struct scrape {
	struct node_req req;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool done;
	int refs;
};

static void scrape_unref(struct scrape *s)
{
	int left;
	pthread_mutex_lock(&s->mu);
	left = --s->refs;
	pthread_mutex_unlock(&s->mu);
	if (left == 0) {
		node_req_clear(&s->req);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cond);
		free(s);
	}
}

static void scrape_done(struct node_req *req)
{
	struct scrape *s = req->ud;
	pthread_mutex_lock(&s->mu);
	s->done = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mu);
	scrape_unref(s);
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned code,
			      const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
								 MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ok;
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ok = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version,
			       const char *upload, size_t *upload_len, void **ctx)
{
	struct prom *p = cls;
	struct metrics_buf b = {0};
	struct scrape *s;
	struct timespec until;
	bool ok;
	(void)version;
	(void)upload;

	if (*ctx == NULL) {
		*ctx = p;
		return MHD_YES;
	}
	if (*upload_len) {
		*upload_len = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return answer(conn, MHD_HTTP_NOT_FOUND, "text/plain",
			      strdup("not found: the metrics are at /metrics\n"), 39);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			      strdup("GET only\n"), 9);
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return MHD_NO;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->refs = 2;
	s->req.op = NODE_OP_METRICS;
	s->req.done = scrape_done;
	s->req.ud = s;
	if (node_submit(p->node, &s->req) != GAIA_OK) {
		s->refs = 1;
		scrape_unref(s);
		return answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			      strdup("the node is stopping\n"), 21);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += PROM_WAIT_MS / 1000;
	pthread_mutex_lock(&s->mu);
	while (!s->done &&
	       pthread_cond_timedwait(&s->cond, &s->mu, &until) == 0)
		;
	ok = s->done && s->req.err == GAIA_OK;
	if (ok) {
		b.p = (char *)s->req.out_value;
		b.len = s->req.out_len;
		b.cap = s->req.out_len;
		s->req.out_value = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	scrape_unref(s);
	if (!ok)
		return answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			      strdup("the node did not answer in time\n"), 32);
	api_metrics_write(p->api, &b);
	if (b.failed) {
		metrics_buf_free(&b);
		return MHD_NO;
	}
	return answer(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.p,
		      b.len);
}

int prom_start(struct prom **out, struct node *node, struct api *api,
	       const char *addr, char *errmsg)
{
	struct sockaddr_storage ss;
	struct prom *p;
	int rv;
	*out = NULL;
	rv = net_parse_addr(addr, &ss, errmsg);
	if (rv != GAIA_OK)
		return rv;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	p->node = node;
	p->api = api;
	p->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, handler, p,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_END);
	if (p->d == NULL) {
		free(p);
		return errmsg_set(errmsg, GAIA_EIO,
				  "cannot serve metrics on %s (address in use?)", addr);
	}
	*out = p;
	return GAIA_OK;
}

void prom_stop(struct prom *p)
{
	if (p == NULL)
		return;
	MHD_stop_daemon(p->d);
	free(p);
}
