/* Forwarding to the leader: one worker thread runs every forwarded request
 * with libcurl's multi interface (never on the node's loop, never
 * blocking the HTTP daemons) and resumes the suspended connection with
 * the leader's answer. The worker also expires calls the node has not
 * answered in time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_internal.h"
#include "util/errmsg.h"

#define API_FWD_POLL_MS 200
#define API_FWD_MAX_RESPONSE (64u * 1024 * 1024)

struct api_fwd {
	struct api *api;
	pthread_t thread;
	CURLM *multi;
	struct api_call *queue;  /* under api->mu, newest first */
	bool stop;               /* under api->mu */
	struct api_call *active; /* the worker's */
};

static pthread_once_t api_curl_once = PTHREAD_ONCE_INIT;
static CURLcode api_curl_init_rc;

static void api_curl_init(void)
{
	api_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* --- the request, prepared on the daemon's thread --------------------------- */

struct api_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void api_buf_add(struct api_buf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = (b->cap ? b->cap * 2 : 256) + n;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Arguments are kept raw (see api_unescape_none), so they go on as sent. */
static enum MHD_Result api_fwd_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   size_t key_size, const char *value, size_t value_size)
{
	struct api_buf *b = cls;

	(void)kind;
	api_buf_add(b, b->p && strchr(b->p, '?') ? "&" : "?", 1);
	api_buf_add(b, key, key_size);
	if (value) {
		api_buf_add(b, "=", 1);
		api_buf_add(b, value, value_size);
	}
	return MHD_YES;
}

bool api_fwd_prepare(struct api_call *c, const char *leader_id, const char *leader_addr,
		     const char *path)
{
	struct api_buf b = {0};
	const char *ct;

	api_buf_add(&b, "http://", 7);
	api_buf_add(&b, leader_addr, strlen(leader_addr));
	if (path) {
		api_buf_add(&b, path, strlen(path));
	} else {
		api_buf_add(&b, c->path, strlen(c->path));
		MHD_get_connection_values_n(c->conn, MHD_GET_ARGUMENT_KIND, api_fwd_arg, &b);
	}
	if (b.oom) {
		free(b.p);
		return false;
	}
	free(c->fwd_url);
	c->fwd_url = b.p;
	snprintf(c->fwd_leader_id, sizeof c->fwd_leader_id, "%s", leader_id);
	snprintf(c->fwd_leader_addr, sizeof c->fwd_leader_addr, "%s", leader_addr);
	ct = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	snprintf(c->fwd_content_type, sizeof c->fwd_content_type, "%s", ct ? ct : "");
	free(c->fwd.body);
	memset(&c->fwd, 0, sizeof c->fwd);
	return true;
}

int api_fwd_submit(struct api_call *c)
{
	struct api *a = c->api;
	struct api_fwd *f = a->fwd;

	pthread_mutex_lock(&a->mu);
	if (!api_call_suspend_locked(c, API_PHASE_FORWARD)) {
		pthread_mutex_unlock(&a->mu);
		return api_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
				       "the node is shutting down");
	}
	c->fwd_busy = true;
	c->fwd_next = f->queue;
	f->queue = c;
	pthread_mutex_unlock(&a->mu);
	curl_multi_wakeup(f->multi);
	return API_STEP_ANSWERED;
}

/* --- the worker ----------------------------------------------------------------- */

static size_t api_fwd_write(char *p, size_t size, size_t n, void *ud)
{
	struct api_call *c = ud;
	size_t len = size * n, cap;
	char *nb;

	if (c->fwd.len + len > API_FWD_MAX_RESPONSE + c->api->o.max_body_bytes) {
		snprintf(c->fwd.error, sizeof c->fwd.error, "the leader's answer is too large");
		return 0;
	}
	if (c->fwd.len + len > c->fwd.cap) {
		cap = c->fwd.cap ? c->fwd.cap * 2 : 4096;
		if (cap < c->fwd.len + len)
			cap = c->fwd.len + len;
		nb = realloc(c->fwd.body, cap);
		if (!nb)
			return 0;
		c->fwd.body = nb;
		c->fwd.cap = cap;
	}
	memcpy(c->fwd.body + c->fwd.len, p, len);
	c->fwd.len += len;
	return len;
}

static void api_fwd_keep(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name), vl;
	const char *v;

	if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	v = line + nl + 1;
	vl = len - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= size)
		vl = size - 1;
	memcpy(out, v, vl);
	out[vl] = '\0';
}

static size_t api_fwd_header(char *p, size_t size, size_t n, void *ud)
{
	struct api_fwd_result *r = &((struct api_call *)ud)->fwd;
	size_t len = size * n;

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new answer (after a 100 Continue): forget the last one's */
		r->content_type[0] = r->retry_after[0] = r->allow[0] = '\0';
		r->modify_index[0] = r->create_index[0] = '\0';
		return len;
	}
	api_fwd_keep(p, len, "Content-Type", r->content_type, sizeof r->content_type);
	api_fwd_keep(p, len, "Retry-After", r->retry_after, sizeof r->retry_after);
	api_fwd_keep(p, len, "Allow", r->allow, sizeof r->allow);
	api_fwd_keep(p, len, "X-Gaia-Modify-Index", r->modify_index, sizeof r->modify_index);
	api_fwd_keep(p, len, "X-Gaia-Create-Index", r->create_index, sizeof r->create_index);
	return len;
}

static void api_fwd_complete(struct api_fwd *f, struct api_call *c, CURLcode rc, const char *why)
{
	struct api *a = f->api;
	struct api_call **pp;
	long status = 0;
	bool wake;

	if (c->fwd_easy) {
		if (rc == CURLE_OK)
			curl_easy_getinfo(c->fwd_easy, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(f->multi, c->fwd_easy);
		curl_easy_cleanup(c->fwd_easy);
		c->fwd_easy = NULL;
	}
	curl_slist_free_all(c->fwd_headers);
	c->fwd_headers = NULL;
	for (pp = &f->active; *pp; pp = &(*pp)->fwd_next)
		if (*pp == c) {
			*pp = c->fwd_next;
			break;
		}
	c->fwd.status = status;
	if (status == 0) {
		if (why)
			snprintf(c->fwd.error, sizeof c->fwd.error, "%s", why);
		else if (!c->fwd.error[0])
			snprintf(c->fwd.error, sizeof c->fwd.error, "%s", curl_easy_strerror(rc));
		api_log_call(c, NODE_LOG_DEBUG, "forwarding to the leader failed");
	}
	pthread_mutex_lock(&a->mu);
	c->fwd_busy = false;
	wake = api_call_wake_locked(c);
	if (wake && f->stop && !c->draining) {
		c->draining = true;
		a->draining++;
	}
	pthread_mutex_unlock(&a->mu);
	if (wake)
		api_call_resume_end(c);
	api_call_unref(c);
}

static void api_fwd_begin(struct api_fwd *f, struct api_call *c)
{
	struct api *a = f->api;
	char ct[160];
	CURL *e = curl_easy_init();
	bool body = api_method(c, "PUT") || api_method(c, "POST") || c->body_len > 0;
	long timeout = (long)(c->fwd_timeout_ms ? c->fwd_timeout_ms : a->o.request_timeout_ms);

	if (!e) {
		api_fwd_complete(f, c, CURLE_OUT_OF_MEMORY, NULL);
		return;
	}
	c->fwd_easy = e;
	c->fwd_next = f->active;
	f->active = c;
	c->fwd_headers = curl_slist_append(NULL, "X-Gaia-Forwarded: 1");
	c->fwd_headers = curl_slist_append(c->fwd_headers, "Expect:");
	if (c->fwd_content_type[0])
		snprintf(ct, sizeof ct, "Content-Type: %s", c->fwd_content_type);
	else
		snprintf(ct, sizeof ct, "Content-Type:");
	c->fwd_headers = curl_slist_append(c->fwd_headers, ct);
	if (!c->fwd_headers) {
		api_fwd_complete(f, c, CURLE_OUT_OF_MEMORY, NULL);
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, c->fwd_url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
#endif
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout < 3000 ? timeout : 3000L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->fwd_headers);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->fwd.error);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, api_fwd_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, api_fwd_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	if (c->fwd_local)
		body = false; /* a GET of our own */
	else if (api_method(c, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (!api_method(c, "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body ? c->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
	}
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
		api_fwd_complete(f, c, CURLE_FAILED_INIT, NULL);
}

static void *api_fwd_main(void *arg)
{
	struct api_fwd *f = arg;
	struct api *a = f->api;
	struct api_call *q, *c, *fifo;
	CURLMsg *m;
	int running, left;
	bool stop;

	for (;;) {
		pthread_mutex_lock(&a->mu);
		q = f->queue;
		f->queue = NULL;
		stop = f->stop;
		pthread_mutex_unlock(&a->mu);
		for (fifo = NULL; q; q = c) {
			c = q->fwd_next;
			q->fwd_next = fifo;
			fifo = q;
		}
		while (fifo) {
			c = fifo;
			fifo = c->fwd_next;
			c->fwd_next = NULL;
			if (stop)
				api_fwd_complete(f, c, CURLE_ABORTED_BY_CALLBACK, "the node is shutting down");
			else
				api_fwd_begin(f, c);
		}
		if (stop)
			break;
		curl_multi_perform(f->multi, &running);
		while ((m = curl_multi_info_read(f->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			c = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			if (c)
				api_fwd_complete(f, c, m->data.result, NULL);
		}
		api_expire_calls(a);
		curl_multi_poll(f->multi, NULL, 0, API_FWD_POLL_MS, NULL);
	}
	while (f->active)
		api_fwd_complete(f, f->active, CURLE_ABORTED_BY_CALLBACK, "the node is shutting down");
	return NULL;
}

int api_fwd_start(struct api *a, char *errmsg)
{
	struct api_fwd *f;

	pthread_once(&api_curl_once, api_curl_init);
	if (api_curl_init_rc != CURLE_OK)
		return errmsg_set(errmsg, GAIA_EIO, "libcurl: %s", curl_easy_strerror(api_curl_init_rc));
	f = calloc(1, sizeof *f);
	if (!f)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	f->api = a;
	f->multi = curl_multi_init();
	if (!f->multi) {
		free(f);
		return errmsg_set(errmsg, GAIA_ENOMEM, "libcurl: cannot make a multi handle");
	}
	if (pthread_create(&f->thread, NULL, api_fwd_main, f) != 0) {
		curl_multi_cleanup(f->multi);
		free(f);
		return errmsg_set(errmsg, GAIA_EIO, "cannot start the forwarding thread");
	}
	a->fwd = f;
	return GAIA_OK;
}

void api_fwd_stop(struct api *a)
{
	struct api_fwd *f = a->fwd;

	if (!f)
		return;
	pthread_mutex_lock(&a->mu);
	f->stop = true;
	pthread_mutex_unlock(&a->mu);
	curl_multi_wakeup(f->multi);
	pthread_join(f->thread, NULL);
	curl_multi_cleanup(f->multi);
	free(f);
	a->fwd = NULL;
}

/* The leader's answer, relayed (daemon thread). */
int api_reply_fwd(struct api_call *c)
{
	struct api_fwd_result *r = &c->fwd;
	struct MHD_Response *resp;
	json_t *extra;

	c->fwd_done = true;
	if (c->fwd_local)
		return c->finish(c);
	if (r->status == 0) {
		if (c->fwd_fallback)
			return c->finish(c);
		extra = json_pack("{s:s, s:s}", "leader_id", c->fwd_leader_id, "leader_address",
				  c->fwd_leader_addr);
		return api_reply_error_ex(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", extra,
					  r->error[0] ? r->error : "the leader could not be reached");
	}
	resp = api_resp_buf(r->body, r->len, true);
	r->body = NULL;
	r->len = r->cap = 0;
	if (!resp)
		return API_STEP_FAIL;
	if (r->content_type[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->retry_after[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, r->retry_after);
	if (r->allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->modify_index[0])
		MHD_add_response_header(resp, "X-Gaia-Modify-Index", r->modify_index);
	if (r->create_index[0])
		MHD_add_response_header(resp, "X-Gaia-Create-Index", r->create_index);
	MHD_add_response_header(resp, "X-Gaia-Leader",
				c->fwd_leader_id[0] ? c->fwd_leader_id : c->fwd_leader_addr);
	return api_queue(c, (unsigned)r->status, resp);
}
