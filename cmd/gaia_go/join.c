/* gaia_go --cluster-join: ask the leader (any member forwards) to add a
 * node, the same request gaia-join sends. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "daemon.h"
#include "util/errmsg.h"

struct body {
	char buf[4096];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t k = size * n;
	if (k > sizeof b->buf - 1 - b->len)
		k = sizeof b->buf - 1 - b->len;
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	b->buf[b->len] = 0;
	return size * n;
}

int daemon_cluster_join(const struct gaia_config *cfg, char *errmsg)
{
	char url[CONFIG_STR + 64];
	struct body body = {{0}, 0};
	struct curl_slist *hdr = NULL;
	json_t *req = json_pack("{s:s, s:s, s:s}", "node_id", cfg->node_id, "address",
				cfg->join_address, "api_address", cfg->http_addr);
	char *payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
	long status = 0;
	CURL *c = curl_easy_init();
	CURLcode cc;
	int rv = GAIA_OK;

	json_decref(req);
	if (c == NULL || payload == NULL) {
		rv = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(url, sizeof url, "http://%s/api/cluster/peers", cfg->leader_address);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(cfg->rpc_timeout_ms + 5000));
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		rv = errmsg_set(errmsg, GAIA_EUNAVAIL, "cannot reach %s: %s",
				cfg->leader_address, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 && status != 201) {
		json_error_t jerr;
		json_t *e = json_loads(body.buf, 0, &jerr);
		const char *m = NULL;
		if (e != NULL)
			m = json_string_value(json_object_get(e, "message"));
		rv = errmsg_set(errmsg, GAIA_EINVAL, "%s refused to add %s (HTTP %ld): %s",
				cfg->leader_address, cfg->node_id, status, m ? m : body.buf);
		json_decref(e);
		goto out;
	}
	printf("node %s added as a learner via %s; it becomes a voter once caught up\n",
	       cfg->node_id, cfg->leader_address);
out:
	curl_slist_free_all(hdr);
	if (c)
		curl_easy_cleanup(c);
	free(payload);
	return rv;
}
