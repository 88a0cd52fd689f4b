/* The exported client (gaia/client.h): a thin face over the tools' client. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"
#include "gaia/client.h"
#include "util/errmsg.h"

struct gaia_client {
	struct client *c;
};

GAIA_API int gaia_client_open(struct gaia_client **out, const char *addr,
			      const char *socket_path, uint64_t timeout_ms, char *errmsg)
{
	struct client_options o;
	struct gaia_client *g;
	char buf[GAIA_ERRMSG_SIZE];
	int rv;

	*out = NULL;
	if (errmsg == NULL)
		errmsg = buf;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	memset(&o, 0, sizeof o);
	o.addr = addr;
	o.socket_path = socket_path;
	o.timeout_ms = timeout_ms;
	rv = client_new(&g->c, &o, errmsg);
	if (rv != GAIA_OK) {
		free(g);
		return rv;
	}
	*out = g;
	return GAIA_OK;
}

GAIA_API void gaia_client_close(struct gaia_client *g)
{
	if (g == NULL)
		return;
	client_free(g->c);
	free(g);
}

GAIA_API const char *gaia_client_errmsg(const struct gaia_client *g)
{
	return g ? client_errmsg(g->c) : "";
}

static int put(struct gaia_client *g, const char *key, const void *value, size_t len,
	       int64_t cas, uint64_t *index)
{
	struct client_response r;
	int rv;

	memset(&r, 0, sizeof r);
	rv = client_kv_put(g->c, key, value, len, cas,
			   CLIENT_JSON | (cas >= 0 ? CLIENT_NO_RETRY : 0), &r);
	if (rv == GAIA_OK)
		rv = client_check(g->c, &r);
	if (rv == GAIA_OK && index) /* the answer: {"modify_index": N, ...} */
		*index = r.has_modify_index ? r.modify_index
					    : (uint64_t)json_integer_value(
						      json_object_get(r.json, "modify_index"));
	client_response_free(&r);
	return rv;
}

GAIA_API int gaia_kv_put(struct gaia_client *g, const char *key, const void *value, size_t len,
			 uint64_t *index)
{
	return put(g, key, value, len, CLIENT_NO_CAS, index);
}

GAIA_API int gaia_kv_cas(struct gaia_client *g, const char *key, const void *value, size_t len,
			 uint64_t expect, uint64_t *index)
{
	if (expect > INT64_MAX)
		return errmsg_set(client_errbuf(g->c), GAIA_EINVAL, "index out of range");
	return put(g, key, value, len, (int64_t)expect, index);
}

GAIA_API int gaia_kv_get(struct gaia_client *g, const char *key, int stale, char **value,
			 size_t *len, uint64_t *modify_index)
{
	struct client_response r;
	int rv;

	*value = NULL;
	memset(&r, 0, sizeof r);
	rv = client_kv_get(g->c, key, stale != 0, 0, &r);
	if (rv == GAIA_OK)
		rv = client_check(g->c, &r);
	if (rv == GAIA_OK) {
		*value = r.body; /* NUL-terminated, ours now */
		if (len)
			*len = r.body_len;
		if (modify_index)
			*modify_index = r.modify_index;
		r.body = NULL;
	}
	client_response_free(&r);
	return rv;
}

GAIA_API int gaia_kv_delete(struct gaia_client *g, const char *key)
{
	struct client_response r;
	int rv;

	memset(&r, 0, sizeof r);
	rv = client_kv_delete(g->c, key, CLIENT_NO_CAS, 0, &r);
	if (rv == GAIA_OK)
		rv = client_check(g->c, &r);
	client_response_free(&r);
	return rv;
}

GAIA_API int gaia_cluster_get(struct gaia_client *g, const char *what, char **json)
{
	struct client_response r;
	char path[256];
	int rv;

	*json = NULL;
	if (what == NULL || !what[0] || strlen(what) > 200 || strpbrk(what, "?# ") != NULL)
		return errmsg_set(client_errbuf(g->c), GAIA_EINVAL,
				  "bad cluster path '%s'", what ? what : "");
	snprintf(path, sizeof path, "/api/cluster/%s", what);
	memset(&r, 0, sizeof r);
	rv = client_request(g->c, "GET", path, NULL, 0, 0, &r);
	if (rv == GAIA_OK)
		rv = client_check(g->c, &r);
	if (rv == GAIA_OK) {
		*json = r.body;
		r.body = NULL;
	}
	client_response_free(&r);
	return rv;
}

GAIA_API void gaia_free(void *p)
{
	free(p);
}
