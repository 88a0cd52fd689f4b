/* workload_http.c - one KV operation over HTTP, and what its answer proves: ok, fail (did not happen) or info (unknown). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "workload.h"

static size_t wl_body(char *p, size_t size, size_t n, void *ud)
{
	struct wl_http *h = ud;
	size_t len = size * n;
	if (h->len + len + 1 > h->cap) {
		size_t cap = h->cap ? h->cap : 256;
		while (cap < h->len + len + 1)
			cap *= 2;
		char *b = realloc(h->buf, cap);
		if (!b)
			return 0;
		h->buf = b;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, p, len);
	h->len += len;
	h->buf[h->len] = '\0';
	return len;
}

static size_t wl_header(char *p, size_t size, size_t n, void *ud)
{
	struct wl_http *h = ud;
	size_t len = size * n;
	static const char name[] = "X-Gaia-Modify-Index:";
	if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
		h->hdr_index = strtoull(p + sizeof name - 1, NULL, 10);
		h->hdr_has_index = true;
	}
	return len;
}

/* Whether any byte of the request left: libcurl retries a request whose
 * reused connection died on a fresh connection, so "could not connect"
 * may follow a request that was delivered and applied. */
static int wl_debug(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
	struct wl_http *h = ud;
	(void)c;
	(void)data;
	(void)size;
	if (type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT)
		h->sent = true;
	return 0;
}

int wl_http_init(struct wl_http *h, long timeout_ms, bool stale_reads)
{
	memset(h, 0, sizeof *h);
	h->curl = curl_easy_init();
	if (!h->curl)
		return -1;
	h->timeout_ms = timeout_ms;
	h->stale_reads = stale_reads;
	return 0;
}

void wl_http_free(struct wl_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->buf);
	memset(h, 0, sizeof *h);
}

void wl_result_free(struct wl_result *r)
{
	free(r->value);
	memset(r, 0, sizeof *r);
}

/* The error body {"error","message"[,"modify_index"]} of a refusal. */
static void wl_error_body(struct wl_http *h, char *code, size_t clen, char *msg, size_t mlen,
			  uint64_t *index)
{
	json_t *o = h->buf ? json_loadb(h->buf, h->len, 0, NULL) : NULL;
	const char *c = o ? json_string_value(json_object_get(o, "error")) : NULL;
	const char *m = o ? json_string_value(json_object_get(o, "message")) : NULL;
	json_t *mi = o ? json_object_get(o, "modify_index") : NULL;

	snprintf(code, clen, "%s", c ? c : "");
	snprintf(msg, mlen, "%s", m ? m : "");
	if (json_is_integer(mi))
		*index = (uint64_t)json_integer_value(mi);
	json_decref(o);
}

/* A 503 is a definite failure only when the node says it did nothing:
 * no leader to take the request (before any proposal). Everything else,
 * notably "no answer within ...; the outcome is unknown", is unknown. */
static bool wl_503_did_nothing(const char *code, const char *msg)
{
	if (strcmp(code, "no_leader") == 0)
		return true;
	return strcmp(code, "unavailable") == 0 &&
	       (strstr(msg, "no leader is known") != NULL ||
		strstr(msg, "leadership is being transferred") != NULL ||
		strstr(msg, "already forwarded once") != NULL);
}

void wl_http_op(struct wl_http *h, const char *node, const char *key, enum wl_kind kind,
		const char *value, int64_t cas, struct wl_result *r)
{
	char url[512], code[64], msg[200];
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	long status = 0;
	CURL *c = h->curl;

	memset(r, 0, sizeof *r);
	h->len = 0;
	h->hdr_has_index = false;
	h->hdr_index = 0;
	h->sent = false;
	if (kind == WL_READ)
		snprintf(url, sizeof url, "http://%s/api/kv/%s%s", node, key,
			 h->stale_reads ? "?consistency=stale" : "");
	else if (cas >= 0)
		snprintf(url, sizeof url, "http://%s/api/kv/%s?cas=%lld", node, key, (long long)cas);
	else
		snprintf(url, sizeof url, "http://%s/api/kv/%s", node, key);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wl_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, wl_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, wl_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, h);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	if (kind != WL_READ) {
		hdrs = curl_slist_append(hdrs, "Expect:");
		hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, value);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(value));
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		/* refused before any byte left: nothing happened; anything else
		 * (timeout, connection lost): it may have arrived */
		r->status = rc == CURLE_COULDNT_CONNECT && !h->sent ? WL_FAIL : WL_INFO;
		snprintf(r->note, sizeof r->note, "curl: %s%s", curl_easy_strerror(rc),
			 rc == CURLE_COULDNT_CONNECT && h->sent ? " (after the request went out)" : "");
		return;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200) {
		r->status = WL_OK;
		if (kind == WL_READ) {
			r->has_value = true;
			r->value = malloc(h->len + 1);
			if (!r->value) {
				r->status = WL_INFO;
				snprintf(r->note, sizeof r->note, "out of memory");
				return;
			}
			memcpy(r->value, h->buf ? h->buf : "", h->len);
			r->value[h->len] = '\0';
			r->value_len = h->len;
			r->index = h->hdr_has_index ? h->hdr_index : 0;
		} else {
			json_t *o = json_loadb(h->buf ? h->buf : "", h->len, 0, NULL);
			json_t *mi = json_object_get(o, "modify_index");
			if (json_is_integer(mi))
				r->index = (uint64_t)json_integer_value(mi);
			json_decref(o);
		}
		return;
	}
	wl_error_body(h, code, sizeof code, msg, sizeof msg, &r->index);
	snprintf(r->note, sizeof r->note, "%ld %s: %s", status, code, msg);
	if (status == 404 && kind == WL_READ && strcmp(code, "not_found") == 0) {
		r->status = WL_OK; /* absent */
		r->note[0] = '\0';
	} else if (status >= 400 && status < 500) {
		r->status = WL_FAIL; /* 409 cas_mismatch, 400, 413, ... */
	} else if (status == 503 && wl_503_did_nothing(code, msg)) {
		r->status = WL_FAIL;
	} else {
		r->status = WL_INFO;
	}
}
