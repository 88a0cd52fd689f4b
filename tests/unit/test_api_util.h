/* test_api_util.h - what the REST API's tests share: a fake node with an
 * api in front of it, and an HTTP client (libcurl, TCP or Unix socket). */
#ifndef GAIA_TEST_API_UTIL_H
#define GAIA_TEST_API_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api/api.h"
#include "api_fake_node.h"

struct tnode {
	struct node *node;
	struct api *api;
	int port;
	char sock[108];
	char name[32];
};

/* A fake node named name behind an api on 127.0.0.1:0 and a Unix socket
 * under /tmp. max_body and timeout_ms of 0 take the defaults. */
void tnode_start(struct tnode *t, const char *name, unsigned max_body, unsigned timeout_ms);
void tnode_stop(struct tnode *t);
/* "127.0.0.1:<port>" */
const char *tnode_addr(const struct tnode *t, char *buf, size_t size);

struct http_resp {
	long status;
	char *body;
	size_t len;
	char headers[8192];
	json_t *json; /* the body parsed, if it is JSON */
};

/* One request. path starts with '/'. To the Unix socket if unix_path is
 * set, else to 127.0.0.1:port. header may be NULL. body may be NULL. */
void http_do(struct http_resp *r, const char *method, int port, const char *unix_path,
	     const char *path, const void *body, size_t len, const char *header);
/* Shorthands to t over TCP. */
void http_t(struct http_resp *r, struct tnode *t, const char *method, const char *path,
	    const char *body);
/* The value of a response header (case-insensitive), or NULL. */
const char *http_header(struct http_resp *r, const char *name, char *buf, size_t size);
void http_free(struct http_resp *r);

/* the string field f of the JSON body, or "" */
const char *jstr(const struct http_resp *r, const char *f);
long long jint(const struct http_resp *r, const char *f);

#endif
