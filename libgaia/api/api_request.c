/* The life of one call: the body as it arrives (bounded), the hand-over to
 * the node with the connection suspended, the node's answer (on the
 * node's loop thread) resuming it, the watchdog, and the query string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"

/* Zero [from, to) of an object. */
static void zero_span(void *from, void *to)
{
	memset(from, 0, (size_t)((char *)to - (char *)from));
}

/* A request is mostly its node_status, whose peer table (several KB) is
 * only read after the node filled it (n_peers says how much): zeroing all
 * of it for every request was the API's largest cost under load. */
static void req_zero(struct node_req *r)
{
	zero_span(r, &r->status.peers[0]);
	zero_span(&r->status.peers[RAFT_MAX_SERVERS], r + 1);
}

struct api_call *api_call_new(struct api *a, struct MHD_Connection *conn, const char *method,
			      const char *url)
{
	struct api_call *c = malloc(sizeof *c);

	if (!c)
		return NULL;
	zero_span(c, &c->req);
	req_zero(&c->req);
	zero_span(&c->req + 1, c + 1);
	c->path = strdup(url);
	if (!c->path) {
		free(c);
		return NULL;
	}
	c->api = a;
	c->conn = conn;
	c->refs = 1; /* MHD's, until api_completed() */
	snprintf(c->method, sizeof c->method, "%s", method);
	c->forwarded = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Gaia-Forwarded") != NULL;
	pthread_mutex_lock(&a->mu);
	c->next = a->calls;
	if (a->calls)
		a->calls->prev = c;
	a->calls = c;
	a->refs++;
	pthread_mutex_unlock(&a->mu);
	return c;
}

static void api_call_free(struct api_call *c)
{
	if (c->req_done)
		node_req_clear(&c->req);
	free(c->body);
	free(c->path);
	free(c->fwd_url);
	free(c->fwd.body);
	free(c);
}

void api_call_unref(struct api_call *c)
{
	struct api *a = c->api;
	bool free_call, free_api = false;

	pthread_mutex_lock(&a->mu);
	free_call = --c->refs == 0;
	if (free_call) {
		if (c->prev)
			c->prev->next = c->next;
		else
			a->calls = c->next;
		if (c->next)
			c->next->prev = c->prev;
		free_api = --a->refs == 0;
	}
	pthread_mutex_unlock(&a->mu);
	if (free_call)
		api_call_free(c);
	if (free_api)
		api_destroy(a);
}

void api_call_append(struct api_call *c, const char *data, size_t len)
{
	uint64_t max = c->api->o.max_body_bytes;
	size_t cap;
	char *nb;

	if (c->too_large || c->oom)
		return;
	if (len > max - c->body_len) {
		/* the rest is read and dropped; the answer is 413 */
		c->too_large = true;
		free(c->body);
		c->body = NULL;
		c->body_len = c->body_cap = 0;
		return;
	}
	if (c->body_len + len > c->body_cap) {
		cap = c->body_cap ? c->body_cap * 2 : 4096;
		if (cap < c->body_len + len)
			cap = c->body_len + len;
		if (cap > max)
			cap = (size_t)max;
		nb = realloc(c->body, cap);
		if (!nb) {
			c->oom = true;
			return;
		}
		c->body = nb;
		c->body_cap = cap;
	}
	memcpy(c->body + c->body_len, data, len);
	c->body_len += len;
}

/* --- suspend and resume --------------------------------------------------- */

bool api_call_wake_locked(struct api_call *c)
{
	if (!c->suspended || !c->conn)
		return false;
	c->suspended = false;
	c->api->resuming++;
	c->refs++;
	return true;
}

void api_call_resume_end(struct api_call *c)
{
	struct api *a = c->api;

	/* still suspended for MHD until this call: the connection cannot
	 * have gone, and api_stop() waits for a->resuming to drop */
	MHD_resume_connection(c->conn);
	pthread_mutex_lock(&a->mu);
	a->resuming--;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->mu);
	api_call_unref(c);
}

bool api_call_suspend_locked(struct api_call *c, enum api_phase phase)
{
	struct api *a = c->api;

	if (a->stopping)
		return false;
	/* under a->mu on the daemon's own thread: nobody else can resume
	 * c before it is marked suspended */
	MHD_suspend_connection(c->conn);
	c->suspended = true;
	c->phase = phase;
	c->refs++;
	return true;
}

/* The node's answer, on its loop thread. */
static void api_call_done(struct node_req *req)
{
	struct api_call *c = req->ud;
	struct api *a = c->api;
	bool wake;

	pthread_mutex_lock(&a->mu);
	c->node_busy = false;
	c->req_done = true;
	wake = api_call_wake_locked(c);
	pthread_mutex_unlock(&a->mu);
	if (wake)
		api_call_resume_end(c);
	api_call_unref(c);
}

int api_call_submit(struct api_call *c)
{
	struct api *a = c->api;
	int rc;
	bool wake;

	c->req.done = api_call_done;
	c->req.ud = c;
	pthread_mutex_lock(&a->mu);
	if (!api_call_suspend_locked(c, API_PHASE_NODE)) {
		pthread_mutex_unlock(&a->mu);
		return api_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
				       "the node is shutting down");
	}
	c->node_busy = true;
	c->deadline_ms = api_now_ms() + a->o.request_timeout_ms + API_TIMEOUT_GRACE_MS;
	pthread_mutex_unlock(&a->mu);

	rc = node_submit(a->o.node, &c->req);
	if (rc == GAIA_OK)
		return API_STEP_ANSWERED;
	/* done() will not be called: answer from here */
	c->req.err = rc;
	if (!c->req.errmsg[0])
		snprintf(c->req.errmsg, sizeof c->req.errmsg, "%s",
			 rc == GAIA_ESHUTDOWN ? "the node is shutting down"
					      : "the node refused the request");
	pthread_mutex_lock(&a->mu);
	c->node_busy = false;
	c->refs--; /* the node's; MHD still holds one */
	wake = api_call_wake_locked(c);
	pthread_mutex_unlock(&a->mu);
	if (wake)
		api_call_resume_end(c);
	return API_STEP_ANSWERED;
}

void api_expire_calls(struct api *a)
{
	struct api_call *c, *list = NULL;
	uint64_t now = api_now_ms();

	pthread_mutex_lock(&a->mu);
	for (c = a->calls; c; c = c->next) {
		if (!c->node_busy || c->deadline_ms > now || !api_call_wake_locked(c))
			continue;
		c->timed_out = true;
		c->wake_next = list;
		list = c;
	}
	pthread_mutex_unlock(&a->mu);
	while (list) {
		c = list;
		list = c->wake_next;
		api_log_call(c, NODE_LOG_DEBUG, "no answer from the node in time");
		api_call_resume_end(c);
	}
}

void api_req_reset(struct api_call *c, int op)
{
	if (c->req_done)
		node_req_clear(&c->req);
	c->req_done = false;
	req_zero(&c->req);
	c->req.op = op;
}

/* --- the query string ------------------------------------------------------ */

static int api_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

ssize_t api_url_decode(char *s, size_t len, bool plus)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len)
				return -1;
			hi = api_hex(s[i + 1]);
			lo = api_hex(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			s[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && s[i] == '+') {
			s[o++] = ' ';
		} else {
			s[o++] = s[i];
		}
	}
	if (o < len)
		s[o] = '\0';
	return (ssize_t)o;
}

int api_arg(struct api_call *c, const char *name, char *buf, size_t size, size_t *len,
	    bool *present)
{
	const char *v = NULL;
	size_t vl = 0;
	ssize_t n;

	*present = MHD_lookup_connection_value_n(c->conn, MHD_GET_ARGUMENT_KIND, name,
						 strlen(name), &v, &vl) == MHD_YES;
	buf[0] = '\0';
	*len = 0;
	if (!*present || !v)
		return 0;
	if (vl >= size * 3)
		return -1;
	if (vl < size) {
		memcpy(buf, v, vl);
		buf[vl] = '\0';
		n = api_url_decode(buf, vl, true);
	} else {
		char *tmp = strndup(v, vl);
		if (!tmp)
			return -1;
		n = api_url_decode(tmp, vl, true);
		if (n >= 0 && (size_t)n < size)
			memcpy(buf, tmp, (size_t)n);
		free(tmp);
	}
	if (n < 0 || (size_t)n >= size)
		return -1;
	buf[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int api_arg_bool(struct api_call *c, const char *name, bool *out)
{
	char buf[16];
	size_t len;
	bool present;

	*out = false;
	if (api_arg(c, name, buf, sizeof buf, &len, &present) != 0)
		return -1;
	if (!present)
		return 0;
	if (len == 0 || !strcmp(buf, "true") || !strcmp(buf, "1") || !strcmp(buf, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(buf, "false") || !strcmp(buf, "0") || !strcmp(buf, "no"))
		return 0;
	return -1;
}

int api_arg_u64(struct api_call *c, const char *name, bool *present, uint64_t *out)
{
	char buf[32];
	size_t len, i;
	uint64_t v = 0;

	*out = 0;
	if (api_arg(c, name, buf, sizeof buf, &len, present) != 0)
		return -1;
	if (!*present)
		return 0;
	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(buf[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	*out = v;
	return 0;
}
