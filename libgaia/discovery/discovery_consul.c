/* Consul discovery through the agent's HTTP API (libcurl, blocking, so
 * the lookup runs on the loop's thread pool): the catalog of service
 * gaia-go, and this node's own registration with a TCP health check. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "discovery/discovery_internal.h"

struct body {
	char *buf;
	size_t len;
	bool too_big;
};

#define BODY_MAX (4u << 20)

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t k = size * n;
	char *nb;
	if (b->len + k > BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	nb = realloc(b->buf, b->len + k + 1);
	if (nb == NULL)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	b->buf[b->len] = '\0';
	return k;
}

static void url_of(char *url, size_t size, const char *addr, const char *path)
{
	bool scheme = strncmp(addr, "http://", 7) == 0 || strncmp(addr, "https://", 8) == 0;
	size_t n = strlen(addr);
	while (n > 0 && addr[n - 1] == '/')
		n--;
	snprintf(url, size, "%s%.*s%s", scheme ? "" : "http://", (int)n, addr, path);
}

/* One request; *status the HTTP status; out (may be NULL) the body. */
static int consul_call(const char *addr, const char *method, const char *path, const char *payload,
		       uint64_t timeout_ms, long *status, struct body *out, char *errmsg)
{
	char url[1024];
	struct body b = {NULL, 0, false};
	struct curl_slist *hdr = NULL;
	CURL *c = curl_easy_init();
	CURLcode cc;
	int rv = GAIA_OK;

	if (c == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	url_of(url, sizeof url, addr, path);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (payload != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		rv = errmsg_set(errmsg, GAIA_EUNAVAIL, "Consul at %s: %s", addr,
				b.too_big ? "answer too large" : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (*status < 200 || *status > 299) {
		rv = errmsg_set(errmsg, GAIA_EUNAVAIL, "Consul at %s: %s %s: HTTP %ld%s%.200s", addr,
				method, path, *status, b.len ? ": " : "", b.len ? b.buf : "");
		goto out;
	}
	if (out != NULL) {
		*out = b;
		b.buf = NULL;
	}
out:
	free(b.buf);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rv;
}

int discovery_consul_catalog(const char *addr, const char *dc, uint64_t timeout_ms,
			     struct discovery_list *l, char *errmsg)
{
	char path[512];
	struct body b = {NULL, 0, false};
	json_error_t jerr;
	json_t *doc, *e;
	size_t i;
	long status = 0;
	int rv;

	memset(l, 0, sizeof *l);
	if (dc != NULL && dc[0]) {
		char *esc = curl_easy_escape(NULL, dc, 0);
		if (esc == NULL)
			return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
		snprintf(path, sizeof path, "/v1/catalog/service/%s?dc=%s", DISCOVERY_SERVICE, esc);
		curl_free(esc);
	} else {
		snprintf(path, sizeof path, "/v1/catalog/service/%s", DISCOVERY_SERVICE);
	}
	rv = consul_call(addr, "GET", path, NULL, timeout_ms, &status, &b, errmsg);
	if (rv != GAIA_OK)
		return rv;
	doc = json_loads(b.buf ? b.buf : "", 0, &jerr);
	free(b.buf);
	if (!json_is_array(doc)) {
		json_decref(doc);
		return errmsg_set(errmsg, GAIA_EINVAL, "Consul at %s: %s is not a JSON array", addr,
				  path);
	}
	json_array_foreach(doc, i, e) {
		const char *sa = json_string_value(json_object_get(e, "ServiceAddress"));
		const char *na = json_string_value(json_object_get(e, "Address"));
		const char *node = json_string_value(json_object_get(e, "Node"));
		json_int_t port = json_integer_value(json_object_get(e, "ServicePort"));
		const char *host = sa && sa[0] ? sa : na;
		if (host == NULL || host[0] == '\0' || port <= 0 || port > 65535)
			continue;
		discovery_list_add(l, node && node[0] ? node : host, host, (uint16_t)port);
	}
	json_decref(doc);
	return GAIA_OK;
}

int discovery_consul_register(const char *addr, const struct discovery_self *self,
			      uint64_t timeout_ms, char *errmsg)
{
	char host[DISCOVERY_ADDR_MAX], id[DISCOVERY_NAME_MAX + 16];
	uint16_t port;
	json_t *req;
	char *payload;
	long status = 0;
	int rv;

	if (config_parse_addr(self->raft_addr, host, sizeof host, &port) != GAIA_OK)
		return errmsg_set(errmsg, GAIA_EINVAL, "cannot register '%s' in Consul: '%s' is "
				  "not host:port", self->name, self->raft_addr);
	snprintf(id, sizeof id, "%s-%s", DISCOVERY_SERVICE, self->name);
	req = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s}}",
			"ID", id, "Name", DISCOVERY_SERVICE, "Address", host, "Port", (int)port,
			"Meta", "node_id", self->name, "api_addr", self->api_addr,
			"Check", "TCP", self->raft_addr, "Interval", "10s", "Timeout", "2s",
			"DeregisterCriticalServiceAfter", "10m");
	payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (payload == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	rv = consul_call(addr, "PUT", "/v1/agent/service/register", payload, timeout_ms, &status,
			 NULL, errmsg);
	free(payload);
	return rv;
}

int discovery_consul_deregister(const char *addr, const char *name, uint64_t timeout_ms,
				char *errmsg)
{
	char path[256];
	long status = 0;
	char *esc = curl_easy_escape(NULL, name, 0);
	int rv;

	if (esc == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	snprintf(path, sizeof path, "/v1/agent/service/deregister/%s-%s", DISCOVERY_SERVICE, esc);
	curl_free(esc);
	rv = consul_call(addr, "PUT", path, "", timeout_ms, &status, NULL, errmsg);
	return rv;
}

/* --- the lookup, on the thread pool ------------------------------------------ */

/* Is this node's own service in the catalog? */
static bool self_listed(const struct discovery *d)
{
	char host[DISCOVERY_ADDR_MAX];
	uint16_t port;
	if (config_parse_addr(d->self.raft_addr, host, sizeof host, &port) != GAIA_OK)
		return true; /* cannot tell: do not register again and again */
	for (size_t i = 0; i < d->found.n; i++)
		if (d->found.a[i].port == port && strcmp(d->found.a[i].ip, host) == 0)
			return true;
	return false;
}

static void consul_work(uv_work_t *w)
{
	struct discovery *d = w->data;
	if (d->has_self && !d->registered) {
		d->rc = discovery_consul_register(d->consul_addr, &d->self, d->timeout_ms, d->errmsg);
		if (d->rc != GAIA_OK)
			return;
		d->registered = true;
	}
	d->rc = discovery_consul_catalog(d->consul_addr, d->datacenter, d->timeout_ms, &d->found,
					 d->errmsg);
	/* registered, yet not listed (an agent that lost its state, or another
	 * datacenter's catalog): register again at the next lookup */
	if (d->rc == GAIA_OK && d->has_self && d->registered && !self_listed(d))
		d->registered = false;
}

static void consul_after(uv_work_t *w, int status)
{
	struct discovery *d = w->data;
	(void)status;
	discovery_finish(d);
	discovery_release(d);
}

int discovery_consul_start(struct discovery *d)
{
	d->work.data = d;
	d->pending++;
	if (uv_queue_work(d->loop, &d->work, consul_work, consul_after) != 0) {
		d->pending--;
		return errmsg_set(d->errmsg, GAIA_EIO, "cannot queue the Consul lookup");
	}
	return GAIA_OK;
}
