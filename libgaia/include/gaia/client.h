/* gaia/client.h - the public C client of libgaia: read and write a GAIA_GO cluster's keys and read its status over a node's REST API. */
/*
 * Link with `pkg-config --cflags --libs gaia`. One gaia_client holds one
 * kept-alive connection to one node (TCP "host:port" or the node's Unix
 * socket) and is not thread-safe: use one per thread. A write sent to a
 * follower is forwarded to the leader by the node; an answer of 503 (no
 * leader yet) is retried for a few seconds. Every function returns a
 * GAIA_* code (gaia.h) and leaves a message in gaia_client_errmsg().
 */
#ifndef GAIA_CLIENT_PUBLIC_H
#define GAIA_CLIENT_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#include <gaia.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gaia_client;

/* Connect to addr ("host:port") or, when addr is NULL, socket_path; both
 * NULL: $GAIA_ADDR, then $GAIA_SOCKET, then /var/lib/gaia_go/gaia.sock.
 * timeout_ms bounds each request (0: 10 s). errmsg (GAIA_ERRMSG_SIZE, may
 * be NULL) says why not: GAIA_EINVAL for a malformed address. No
 * connection is made until the first request. */
GAIA_API int gaia_client_open(struct gaia_client **out, const char *addr,
			      const char *socket_path, uint64_t timeout_ms, char *errmsg);
GAIA_API void gaia_client_close(struct gaia_client *c);
/* The last failure's message, "" if none. */
GAIA_API const char *gaia_client_errmsg(const struct gaia_client *c);

/* Write value under key; *index (may be NULL) gets the write's Raft index
 * (its modify index). */
GAIA_API int gaia_kv_put(struct gaia_client *c, const char *key, const void *value,
			 size_t len, uint64_t *index);
/* Write only if the key's modify index is expect (0: the key must not
 * exist); GAIA_ECAS when it is not, nothing written. */
GAIA_API int gaia_kv_cas(struct gaia_client *c, const char *key, const void *value,
			 size_t len, uint64_t expect, uint64_t *index);
/* Read key (linearizable; stale != 0 reads the node's own state). *value
 * is malloc'd and NUL-terminated (free with gaia_free); *len and
 * *modify_index may be NULL. GAIA_ENOTFOUND when absent. */
GAIA_API int gaia_kv_get(struct gaia_client *c, const char *key, int stale, char **value,
			 size_t *len, uint64_t *modify_index);
/* GAIA_ENOTFOUND when absent. */
GAIA_API int gaia_kv_delete(struct gaia_client *c, const char *key);

/* GET /api/cluster/<what> ("status", "peers", "health", ...) and hand back
 * the JSON text, malloc'd (free with gaia_free). */
GAIA_API int gaia_cluster_get(struct gaia_client *c, const char *what, char **json);

GAIA_API void gaia_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
