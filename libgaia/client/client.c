/* The client object and one request over its kept-alive libcurl handle:
 * where to connect, the answer's status, headers and body, retries on
 * 503, and failures named in the client's errmsg. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "client/client_internal.h"
#include "config/config.h"
#include "util/errmsg.h"

#define CLIENT_MAX_BODY (64u * 1024 * 1024)
#define CLIENT_TIMEOUT_MS 10000
#define CLIENT_CONNECT_MS 3000
#define CLIENT_ATTEMPTS 4
#define CLIENT_RETRY_CAP_MS 5000
#define CLIENT_RETRY_DEFAULT_MS 1000

struct client {
	CURL *curl;
	struct curl_slist *hdr_none, *hdr_raw, *hdr_json;
	bool unix_sock;
	char target[256];            /* for messages */
	char base[300];              /* "http://host:port" or "http://localhost" */
	char *url;                   /* base + path, grown as needed */
	size_t url_cap;
	uint64_t timeout_ms, connect_ms, max_wait_ms;
	unsigned max_attempts;
	char errmsg[GAIA_ERRMSG_SIZE];
	char curl_err[CURL_ERROR_SIZE];

	/* the transfer in progress */
	struct client_response *r;
	size_t body_cap;
	bool has_retry_after;
	bool too_big;
	FILE *sink;                  /* client_download: where a 2xx body goes */
	bool sink_failed;
	uint64_t sunk;               /* bytes written to sink */
};

static pthread_once_t client_curl_once = PTHREAD_ONCE_INIT;
static CURLcode client_curl_rc;

static void client_curl_init(void)
{
	client_curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static uint64_t client_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* --- where to connect ------------------------------------------------------- */

static int client_set_tcp(struct client *c, const char *addr, char *errmsg)
{
	char host[200];
	uint16_t port;
	size_t len;

	if (strncmp(addr, "http://", 7) == 0)
		addr += 7;
	else if (strstr(addr, "://") != NULL)
		return errmsg_set(errmsg, GAIA_EINVAL, "bad address '%s': only http:// is spoken", addr);
	len = strlen(addr);
	while (len > 0 && addr[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof c->target)
		return errmsg_set(errmsg, GAIA_EINVAL, "bad address '%s': use host:port", addr);
	memcpy(c->target, addr, len);
	c->target[len] = '\0';
	if (config_parse_addr(c->target, host, sizeof host, &port) != GAIA_OK)
		return errmsg_set(errmsg, GAIA_EINVAL, "bad address '%s': use host:port", c->target);
	if (strchr(host, ':') != NULL)
		snprintf(c->base, sizeof c->base, "http://[%s]:%u", host, (unsigned)port);
	else
		snprintf(c->base, sizeof c->base, "http://%s:%u", host, (unsigned)port);
	return GAIA_OK;
}

static int client_set_unix(struct client *c, const char *path, char *errmsg)
{
	if (path[0] == '\0' || strlen(path) >= sizeof c->target || strlen(path) >= 108)
		return errmsg_set(errmsg, GAIA_EINVAL, "bad socket path '%s'", path);
	c->unix_sock = true;
	snprintf(c->target, sizeof c->target, "%s", path);
	snprintf(c->base, sizeof c->base, "http://localhost");
	return GAIA_OK;
}

static int client_resolve(struct client *c, const struct client_options *o, char *errmsg)
{
	const char *env;
	char buf[256];

	if (o->addr && o->addr[0])
		return client_set_tcp(c, o->addr, errmsg);
	if (o->socket_path && o->socket_path[0])
		return client_set_unix(c, o->socket_path, errmsg);
	env = getenv("GAIA_ADDR");
	if (env && env[0]) {
		snprintf(buf, sizeof buf, "%.*s", (int)strcspn(env, ","), env);
		return client_set_tcp(c, buf, errmsg);
	}
	env = getenv("GAIA_SOCKET");
	if (env && env[0])
		return client_set_unix(c, env, errmsg);
	env = getenv("GAIA_DATA_DIR");
	if (env && env[0]) {
		snprintf(buf, sizeof buf, "%s/gaia.sock", env);
		return client_set_unix(c, buf, errmsg);
	}
	return client_set_unix(c, CLIENT_DEFAULT_SOCKET, errmsg);
}

/* --- the object -------------------------------------------------------------- */

int client_new(struct client **out, const struct client_options *o, char *errmsg)
{
	static const struct client_options none;
	struct client *c;
	int rc;

	*out = NULL;
	if (!o)
		o = &none;
	pthread_once(&client_curl_once, client_curl_init);
	if (client_curl_rc != CURLE_OK)
		return errmsg_set(errmsg, GAIA_EIO, "libcurl: %s", curl_easy_strerror(client_curl_rc));
	c = calloc(1, sizeof *c);
	if (!c)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	if ((rc = client_resolve(c, o, errmsg)) != GAIA_OK)
		goto err_after_alloc;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : CLIENT_TIMEOUT_MS;
	c->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms
		      : c->timeout_ms < CLIENT_CONNECT_MS ? c->timeout_ms : CLIENT_CONNECT_MS;
	c->max_attempts = o->max_attempts ? o->max_attempts : CLIENT_ATTEMPTS;
	c->max_wait_ms = o->max_retry_wait_ms ? o->max_retry_wait_ms : CLIENT_RETRY_CAP_MS;

	rc = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	c->curl = curl_easy_init();
	if (!c->curl)
		goto err_after_alloc;
	/* "Expect:" off: no 100-continue round trip before bodies over 1 KB */
	c->hdr_none = curl_slist_append(NULL, "Expect:");
	c->hdr_raw = curl_slist_append(NULL, "Expect:");
	c->hdr_json = curl_slist_append(NULL, "Expect:");
	if (!c->hdr_none || !c->hdr_raw || !c->hdr_json)
		goto err_after_curl;
	if (!curl_slist_append(c->hdr_raw, "Content-Type: application/octet-stream") ||
	    !curl_slist_append(c->hdr_json, "Content-Type: application/json"))
		goto err_after_curl;

	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(c->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_ms);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "gaia-client/" PACKAGE_VERSION);
	if (c->unix_sock &&
	    curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, c->target) != CURLE_OK)
		goto err_after_curl;
	*out = c;
	return GAIA_OK;

err_after_curl:
	curl_slist_free_all(c->hdr_none);
	curl_slist_free_all(c->hdr_raw);
	curl_slist_free_all(c->hdr_json);
	curl_easy_cleanup(c->curl);
err_after_alloc:
	free(c);
	return rc;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdr_none);
	curl_slist_free_all(c->hdr_raw);
	curl_slist_free_all(c->hdr_json);
	free(c->url);
	free(c);
}

const char *client_errmsg(const struct client *c)
{
	return c->errmsg;
}

char *client_errbuf(struct client *c)
{
	return c->errmsg;
}

const char *client_target(const struct client *c)
{
	return c->target;
}

bool client_is_unix(const struct client *c)
{
	return c->unix_sock;
}

void client_response_free(struct client_response *r)
{
	if (!r)
		return;
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

/* --- one transfer -------------------------------------------------------------- */

static bool client_header_is(const char *line, size_t len, const char *name, const char **val,
			     size_t *vlen)
{
	size_t n = strlen(name);

	if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
		return false;
	line += n + 1;
	len -= n + 1;
	while (len > 0 && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	*val = line;
	*vlen = len;
	return true;
}

static bool client_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

static size_t client_on_header(char *line, size_t size, size_t nitems, void *ud)
{
	struct client *c = ud;
	struct client_response *r = c->r;
	size_t len = size * nitems;
	const char *v;
	size_t vlen;
	uint64_t u;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* a status line: a new answer (after a 100 Continue too) */
		const char *sp = memchr(line, ' ', len);

		r->status = 0;
		if (sp && (size_t)(sp - line) + 4 <= len && client_u64(sp + 1, 3, &u))
			r->status = (long)u;
		r->leader[0] = '\0';
		r->has_modify_index = r->has_create_index = false;
		r->retry_after_s = 0;
		c->has_retry_after = false;
	} else if (client_header_is(line, len, "X-Gaia-Leader", &v, &vlen)) {
		snprintf(r->leader, sizeof r->leader, "%.*s", (int)vlen, v);
	} else if (client_header_is(line, len, "X-Gaia-Modify-Index", &v, &vlen)) {
		r->has_modify_index = client_u64(v, vlen, &r->modify_index);
	} else if (client_header_is(line, len, "X-Gaia-Create-Index", &v, &vlen)) {
		r->has_create_index = client_u64(v, vlen, &r->create_index);
	} else if (client_header_is(line, len, "Retry-After", &v, &vlen)) {
		/* seconds; an HTTP date is read as absent (the default wait) */
		if (client_u64(v, vlen, &u)) {
			r->retry_after_s = u > 3600 ? 3600 : (unsigned)u;
			c->has_retry_after = true;
		}
	}
	return len;
}

static size_t client_on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct client *c = ud;
	struct client_response *r = c->r;
	size_t len = size * nmemb;

	if (c->sink && r->status >= 200 && r->status < 300) {
		if (fwrite(data, 1, len, c->sink) != len) {
			c->sink_failed = true;
			return 0;
		}
		c->sunk += len;
		return len;
	}
	if (r->body_len + len + 1 > c->body_cap) {
		size_t cap = c->body_cap ? c->body_cap : 1024;
		char *p;

		while (cap < r->body_len + len + 1)
			cap *= 2;
		if (cap > CLIENT_MAX_BODY + 1) {
			c->too_big = true;
			return 0;
		}
		p = realloc(r->body, cap);
		if (!p)
			return 0;
		r->body = p;
		c->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return len;
}

static int client_fail(struct client *c, CURLcode cc)
{
	long os = 0;
	const char *why = c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc);

	curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os);
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		return errmsg_set(c->errmsg, GAIA_EIO, "cannot reach %s: %s", c->target,
				  os ? strerror((int)os) : why);
	case CURLE_COULDNT_RESOLVE_HOST:
		return errmsg_set(c->errmsg, GAIA_EIO, "cannot reach %s: unknown host", c->target);
	case CURLE_OPERATION_TIMEDOUT:
		if (strstr(c->curl_err, "onnect") != NULL)
			return errmsg_set(c->errmsg, GAIA_EIO,
					  "cannot reach %s: no connection within %" PRIu64 " ms",
					  c->target, c->connect_ms);
		return errmsg_set(c->errmsg, GAIA_EIO, "no answer from %s within %" PRIu64 " ms",
				  c->target, c->timeout_ms);
	case CURLE_OUT_OF_MEMORY:
		return errmsg_set(c->errmsg, GAIA_ENOMEM, "out of memory");
	case CURLE_WRITE_ERROR:
		if (c->too_big)
			return errmsg_set(c->errmsg, GAIA_ETOOBIG,
					  "the answer from %s is larger than %u MiB", c->target,
					  CLIENT_MAX_BODY >> 20);
		if (c->sink_failed)
			return errmsg_set(c->errmsg, GAIA_EIO, "cannot write the download: %s",
					  strerror(errno));
		return errmsg_set(c->errmsg, GAIA_ENOMEM, "out of memory");
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return errmsg_set(c->errmsg, GAIA_EIO, "connection to %s lost: %s", c->target, why);
	default:
		return errmsg_set(c->errmsg, GAIA_EIO, "%s: %s", c->target, why);
	}
}

static int client_set_url(struct client *c, const char *path)
{
	size_t need = strlen(c->base) + strlen(path) + 1;

	if (need > c->url_cap) {
		char *p = realloc(c->url, need);

		if (!p)
			return errmsg_set(c->errmsg, GAIA_ENOMEM, "out of memory");
		c->url = p;
		c->url_cap = need;
	}
	snprintf(c->url, need, "%s%s", c->base, path);
	return GAIA_OK;
}

static void client_set_method(struct client *c, const char *method, const void *body, size_t len,
			      unsigned flags)
{
	CURL *h = c->curl;

	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdr_none);
	} else if (body || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER,
				 flags & CLIENT_BODY_JSON ? c->hdr_json : c->hdr_raw);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdr_none);
	}
}

static void client_sleep_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int client_exchange(struct client *c, const char *method, const char *path,
			   const void *body, size_t len, unsigned flags, FILE *sink,
			   struct client_response *r)
{
	uint64_t t0 = client_now_us(), wait;
	CURLcode cc;
	int rc;

	client_response_free(r);
	c->errmsg[0] = '\0';
	if (!method || !path || path[0] != '/')
		return errmsg_set(c->errmsg, GAIA_EINVAL, "bad request: a path starts with '/'");
	if ((rc = client_set_url(c, path)) != GAIA_OK)
		return rc;
	curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
	client_set_method(c, method, body, len, flags);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, client_on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, client_on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	c->r = r;
	c->sink = sink;
	c->sunk = 0;
	for (;;) {
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		r->status = 0;
		c->body_cap = 0;
		c->too_big = c->sink_failed = false;
		c->has_retry_after = false;
		c->curl_err[0] = '\0';
		r->attempts++;
		cc = curl_easy_perform(c->curl);
		if (cc != CURLE_OK) {
			rc = client_fail(c, cc);
			goto cleanup;
		}
		if (r->status != 503 || (flags & CLIENT_NO_RETRY) || r->attempts >= c->max_attempts ||
		    c->sunk > 0)
			break;
		wait = c->has_retry_after ? (uint64_t)r->retry_after_s * 1000 : CLIENT_RETRY_DEFAULT_MS;
		client_sleep_ms(wait < c->max_wait_ms ? wait : c->max_wait_ms);
	}
	if (!r->body) {
		r->body = calloc(1, 1);
		if (!r->body) {
			rc = errmsg_set(c->errmsg, GAIA_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	rc = GAIA_OK;
	if ((flags & CLIENT_JSON) && r->body_len > 0) {
		json_error_t je;

		r->json = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &je);
		if (!r->json && r->status >= 200 && r->status < 300)
			rc = errmsg_set(c->errmsg, GAIA_EINVAL,
					"the answer of %s to %s %s is not JSON: %s", c->target,
					method, path, je.text);
	}
cleanup:
	r->elapsed_us = client_now_us() - t0;
	c->r = NULL;
	c->sink = NULL;
	return rc;
}

int client_request(struct client *c, const char *method, const char *path, const void *body,
		   size_t len, unsigned flags, struct client_response *r)
{
	return client_exchange(c, method, path, body, len, flags, NULL, r);
}

int client_download(struct client *c, const char *path, FILE *out, struct client_response *r)
{
	int rc = client_exchange(c, "GET", path, NULL, 0, 0, out, r);

	if (rc == GAIA_OK && fflush(out) != 0)
		rc = errmsg_set(c->errmsg, GAIA_EIO, "cannot write the download: %s", strerror(errno));
	return rc;
}

int client_check(struct client *c, const struct client_response *r)
{
	const char *msg = NULL, *code = NULL;
	json_t *j = r->json, *own = NULL;
	int err;

	if (r->status >= 200 && r->status < 300)
		return GAIA_OK;
	if (!j && r->body_len > 0)
		j = own = json_loadb(r->body, r->body_len, 0, NULL);
	if (json_is_object(j)) {
		msg = json_string_value(json_object_get(j, "message"));
		code = json_string_value(json_object_get(j, "error"));
	}
	switch (r->status) {
	case 400:
		err = GAIA_EINVAL;
		break;
	case 404:
		err = GAIA_ENOTFOUND;
		break;
	case 409:
		err = code && strcmp(code, "cas_mismatch") == 0 ? GAIA_ECAS : GAIA_EEXIST;
		break;
	case 413:
		err = GAIA_ETOOBIG;
		break;
	case 503:
		err = GAIA_EUNAVAIL;
		break;
	default:
		err = GAIA_EIO;
		break;
	}
	if (msg && msg[0])
		errmsg_set(c->errmsg, err, "%s: %s (HTTP %ld)", c->target, msg, r->status);
	else if (r->body_len > 0 && r->body_len < 120 && !j)
		errmsg_set(c->errmsg, err, "%s: %s (HTTP %ld)", c->target, r->body, r->status);
	else
		errmsg_set(c->errmsg, err, "%s: HTTP %ld", c->target, r->status);
	json_decref(own);
	return err;
}
