/* Shared by the REST API's tests: fake nodes behind apis, and requests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "test_api_util.h"

static int tnode_seq;

void tnode_start(struct tnode *t, const char *name, unsigned max_body, unsigned timeout_ms)
{
	struct api_options o;
	char errmsg[GAIA_ERRMSG_SIZE];

	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->sock, sizeof t->sock, "/tmp/gaia-api-test-%d-%d.sock", (int)getpid(), tnode_seq++);
	t->node = fake_node_new(name);
	memset(&o, 0, sizeof o);
	o.node = t->node;
	o.node_id = name;
	o.http_addr = "127.0.0.1:0";
	o.socket_path = t->sock;
	o.max_body_bytes = max_body;
	o.request_timeout_ms = timeout_ms;
	if (api_start(&t->api, &o, errmsg) != GAIA_OK) {
		fprintf(stderr, "api_start: %s\n", errmsg);
		abort();
	}
	t->port = api_http_port(t->api);
}

void tnode_stop(struct tnode *t)
{
	api_stop(t->api);
	fake_node_free(t->node);
	t->api = NULL;
	t->node = NULL;
}

const char *tnode_addr(const struct tnode *t, char *buf, size_t size)
{
	snprintf(buf, size, "127.0.0.1:%d", t->port);
	return buf;
}

static size_t http_write(char *p, size_t size, size_t n, void *ud)
{
	struct http_resp *r = ud;
	size_t len = size * n;

	r->body = realloc(r->body, r->len + len + 1);
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static size_t http_hdr(char *p, size_t size, size_t n, void *ud)
{
	struct http_resp *r = ud;
	size_t len = size * n, have = strlen(r->headers);

	if (have + len < sizeof r->headers) {
		memcpy(r->headers + have, p, len);
		r->headers[have + len] = '\0';
	}
	return len;
}

void http_do(struct http_resp *r, const char *method, int port, const char *unix_path,
	     const char *path, const void *body, size_t len, const char *header)
{
	CURL *e = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[4096];
	CURLcode rc;

	memset(r, 0, sizeof *r);
	if (unix_path) {
		snprintf(url, sizeof url, "http://localhost%s", path);
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, unix_path);
	} else {
		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_hdr);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		h = curl_slist_append(h, "Expect:");
	}
	if (header)
		h = curl_slist_append(h, header);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	else
		r->status = -(long)rc;
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	if (r->body)
		r->json = json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL);
}

void http_t(struct http_resp *r, struct tnode *t, const char *method, const char *path,
	    const char *body)
{
	http_do(r, method, t->port, NULL, path, body, body ? strlen(body) : 0, NULL);
}

const char *http_header(struct http_resp *r, const char *name, char *buf, size_t size)
{
	const char *p = r->headers, *eol;
	size_t nl = strlen(name), vl;

	while (*p) {
		eol = strstr(p, "\r\n");
		if (!eol)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			vl = (size_t)(eol - p);
			if (vl >= size)
				vl = size - 1;
			memcpy(buf, p, vl);
			buf[vl] = '\0';
			return buf;
		}
		p = *eol ? eol + 2 : eol;
	}
	return NULL;
}

void http_free(struct http_resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

const char *jstr(const struct http_resp *r, const char *f)
{
	const char *s = json_string_value(json_object_get(r->json, f));
	return s ? s : "";
}

long long jint(const struct http_resp *r, const char *f)
{
	json_t *v = json_object_get(r->json, f);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}
