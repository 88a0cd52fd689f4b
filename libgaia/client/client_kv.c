/* The KV routes and JSON GETs on top of client_request(). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"
#include "util/errmsg.h"

char *client_escape_key(const char *key)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(key);
	char *out = malloc(3 * n + 1), *p = out;

	if (!out)
		return NULL;
	for (const unsigned char *s = (const unsigned char *)key; *s; s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_' || *s == '.' || *s == '~' || *s == '/') {
			*p++ = (char)*s;
		} else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 15];
		}
	}
	*p = '\0';
	return out;
}

/* "/api/kv/<escaped key><query>" in a malloc'd string. */
static int client_kv_path(struct client *c, const char *key, const char *query, char **out)
{
	char *esc;
	size_t need;
	int rc = GAIA_OK;

	*out = NULL;
	if (!key || !key[0])
		return errmsg_set(client_errbuf(c), GAIA_EINVAL, "a key must not be empty");
	esc = client_escape_key(key);
	if (!esc)
		return errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	need = strlen("/api/kv/") + strlen(esc) + strlen(query) + 1;
	*out = malloc(need);
	if (*out)
		snprintf(*out, need, "/api/kv/%s%s", esc, query);
	else
		rc = errmsg_set(client_errbuf(c), GAIA_ENOMEM, "out of memory");
	free(esc);
	return rc;
}

static void client_cas_query(int64_t cas, char *buf, size_t size)
{
	if (cas < 0)
		buf[0] = '\0';
	else
		snprintf(buf, size, "?cas=%" PRId64, cas);
}

int client_kv_put(struct client *c, const char *key, const void *value, size_t len, int64_t cas,
		  unsigned flags, struct client_response *r)
{
	char q[32], *path;
	int rc;

	client_cas_query(cas, q, sizeof q);
	if ((rc = client_kv_path(c, key, q, &path)) != GAIA_OK) {
		client_response_free(r);
		return rc;
	}
	rc = client_request(c, "PUT", path, value ? value : "", value ? len : 0,
			    flags & ~(unsigned)CLIENT_BODY_JSON, r);
	free(path);
	return rc;
}

int client_kv_get(struct client *c, const char *key, bool stale, unsigned flags,
		  struct client_response *r)
{
	char *path;
	int rc;

	if ((rc = client_kv_path(c, key, stale ? "?consistency=stale" : "", &path)) != GAIA_OK) {
		client_response_free(r);
		return rc;
	}
	rc = client_request(c, "GET", path, NULL, 0, flags, r);
	free(path);
	return rc;
}

int client_kv_delete(struct client *c, const char *key, int64_t cas, unsigned flags,
		     struct client_response *r)
{
	char q[32], *path;
	int rc;

	client_cas_query(cas, q, sizeof q);
	if ((rc = client_kv_path(c, key, q, &path)) != GAIA_OK) {
		client_response_free(r);
		return rc;
	}
	rc = client_request(c, "DELETE", path, NULL, 0, flags, r);
	free(path);
	return rc;
}

int client_get_json(struct client *c, const char *path, json_t **out)
{
	struct client_response r = {0};
	int rc;

	*out = NULL;
	rc = client_request(c, "GET", path, NULL, 0, CLIENT_JSON, &r);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc == GAIA_OK && !r.json)
		rc = errmsg_set(client_errbuf(c), GAIA_EINVAL, "%s answered %s with no body",
				client_target(c), path);
	if (rc == GAIA_OK) {
		*out = r.json;
		r.json = NULL;
	}
	client_response_free(&r);
	return rc;
}
