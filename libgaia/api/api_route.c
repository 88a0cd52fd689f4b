/* Which handler a request goes to, and what happens when the node has
 * answered: the handler's own finish, or forwarding to the leader. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"

static bool api_prefix(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return false;
	*rest = path + n;
	return true;
}

bool api_method(const struct api_call *c, const char *m)
{
	return strcmp(c->method, m) == 0;
}

static int api_health_finish(struct api_call *c)
{
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	return api_reply_json(c, MHD_HTTP_OK,
			      json_pack("{s:s, s:s}", "status", "ok", "node_id", c->req.status.node_id));
}

/* Liveness of this process: answered without the node's loop when the
 * name is known, so that a busy loop does not fail health checks. */
static int api_health(struct api_call *c)
{
	if (!api_method(c, "GET") && !api_method(c, "HEAD"))
		return api_reply_not_allowed(c, "GET, HEAD");
	/* a node stopped by a fatal error is never healthy */
	if (c->api->o.node != NULL && node_failed(c->api->o.node))
		return api_reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				      json_pack("{s:s, s:s, s:s}", "status", "failed", "node_id",
						c->api->node_id, "error",
						"the node stopped on a fatal error (see its log)"));
	if (c->api->node_id[0])
		return api_reply_json(c, MHD_HTTP_OK,
				      json_pack("{s:s, s:s}", "status", "ok", "node_id", c->api->node_id));
	api_req_reset(c, NODE_OP_STATUS);
	c->finish = api_health_finish;
	return API_STEP_SUBMIT;
}

int api_route(struct api_call *c)
{
	const char *rest;

	if (!strcmp(c->path, "/health"))
		return api_health(c);
	if (api_prefix(c->path, "/api/kv", &rest))
		return api_kv_route(c, rest);
	if (api_prefix(c->path, "/api/cluster", &rest)) {
		int rv;
		if (!strcmp(rest, "/discovered-nodes"))
			return api_discovered_nodes(c);
		rv = api_ops_route(c, rest);
		if (rv == -1)
			rv = api_snapshots_route(c, rest);
		return rv != -1 ? rv : api_cluster_route(c, rest);
	}
	return api_reply_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint: %s %s",
			       c->method, c->path);
}

/* Forward c to the leader named in s; the answer of c's own finish when
 * that cannot be and it allows a local answer. */
int api_forward_to_leader(struct api_call *c, const struct node_status *s, const char *path)
{
	if (c->forwarded) {
		json_t *extra = api_leader_hint(s);
		return api_reply_error_ex(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", extra,
					  "this node is not the leader, and the request was already "
					  "forwarded once: the leadership is moving, retry");
	}
	if (!s->has_leader || !s->leader_api_addr[0]) {
		json_t *extra = api_leader_hint(s);
		return api_reply_error_ex(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no_leader", extra,
					  s->has_leader ? "the leader's API address is not known yet"
							: "no leader is known now");
	}
	if (!api_fwd_prepare(c, s->leader_id, s->leader_api_addr, path))
		return api_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory");
	return API_STEP_FORWARD;
}

/* A follower's leave is a removal by the leader: never forward "self",
 * which would mean the leader. */
static int api_leave_path(struct api_call *c)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *name = c->req.status.node_id[0] ? c->req.status.node_id : c->api->node_id;
	size_t o;

	o = (size_t)snprintf(c->fwd_path, sizeof c->fwd_path, "/api/cluster/peers/");
	for (; *name && o + 4 < sizeof c->fwd_path; name++) {
		unsigned char ch = (unsigned char)*name;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			c->fwd_path[o++] = (char)ch;
		} else {
			c->fwd_path[o++] = '%';
			c->fwd_path[o++] = hex[ch >> 4];
			c->fwd_path[o++] = hex[ch & 15];
		}
	}
	c->fwd_path[o] = '\0';
	return name[0] == '\0' && (c->req.status.node_id[0] || c->api->node_id[0]) ? 0 : -1;
}

int api_after_node(struct api_call *c)
{
	if (c->req.err != GAIA_ENOTLEADER)
		return c->finish(c);
	if (c->req.op == NODE_OP_LEAVE) {
		if (api_leave_path(c) != 0)
			return api_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
					       "this node cannot tell the leader its own id");
		return api_forward_to_leader(c, &c->req.status, c->fwd_path);
	}
	return api_forward_to_leader(c, &c->req.status, NULL);
}
