/* /api/cluster/snapshot(s), snapshot-status and log-info: snapshot files
 * of the node that receives the request (never forwarded). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_internal.h"
#include "config/config.h"

static json_t *snap_json(const struct node_snapshot_item *s)
{
	char when[40];
	api_rfc3339(s->created_at * 1000, when, sizeof when);
	return json_pack("{s:s, s:f, s:I, s:I, s:I, s:s}", "filename", s->filename,
			 "size_mb", (double)s->size / (1024.0 * 1024.0),
			 "size_bytes", (json_int_t)s->size, "index", (json_int_t)s->index,
			 "term", (json_int_t)s->term, "created_at", when);
}

static int take_finish(struct api_call *c)
{
	json_t *j;
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	j = snap_json(&c->req.snaps[0]);
	json_object_del(j, "size_mb");
	return api_reply_json(c, MHD_HTTP_CREATED, j);
}

static int status_finish(struct api_call *c)
{
	const struct node_req *r = &c->req;
	uint64_t total = 0;
	if (r->err != GAIA_OK)
		return api_reply_node_error(c);
	for (size_t i = 0; i < r->n_snaps; i++)
		total += r->snaps[i].size;
	return api_reply_json(c, MHD_HTTP_OK,
		json_pack("{s:o, s:I, s:f, s:I, s:b}",
			  "last_snapshot", r->n_snaps ? snap_json(&r->snaps[0]) : json_null(),
			  "snapshot_count", (json_int_t)r->n_snaps,
			  "average_snapshot_size_mb",
			  r->n_snaps ? (double)total / (double)r->n_snaps / (1024.0 * 1024.0) : 0.0,
			  "log_entries_since_snapshot", (json_int_t)r->since_snapshot,
			  "in_progress", r->in_progress));
}

static int list_finish(struct api_call *c)
{
	json_t *a;
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	a = json_array();
	for (size_t i = 0; a && i < c->req.n_snaps; i++)
		json_array_append_new(a, snap_json(&c->req.snaps[i]));
	return api_reply_json(c, MHD_HTTP_OK, a);
}

static int prune_finish(struct api_call *c)
{
	json_t *del;
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	del = json_array();
	for (size_t i = 0; del && i < c->req.n_snaps; i++)
		json_array_append_new(del, json_string(c->req.snaps[i].filename));
	return api_reply_json(c, MHD_HTTP_OK,
		json_pack("{s:o, s:I, s:b}", "deleted", del, "kept", (json_int_t)c->req.kept,
			  "dry_run", c->req.dry_run));
}

static int download_finish(struct api_call *c)
{
	struct MHD_Response *r;
	char disp[128];
	if (c->req.err != GAIA_OK) {
		if (c->req.err == GAIA_ENOTFOUND)
			return api_reply_error(c, MHD_HTTP_NOT_FOUND, "not_found", "%s", c->req.errmsg);
		return api_reply_node_error(c);
	}
	r = MHD_create_response_from_fd((uint64_t)c->req.snaps[0].size, c->req.fd);
	if (r == NULL)
		return api_reply_error(c, 500, "internal", "cannot stream the file");
	c->req.fd = -1; /* MHD closes it */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", c->req.snaps[0].filename);
	MHD_add_response_header(r, "Content-Disposition", disp);
	return api_queue(c, MHD_HTTP_OK, r);
}

static int logi_finish(struct api_call *c)
{
	const struct node_status *s = &c->req.status;
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	return api_reply_json(c, MHD_HTTP_OK,
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
			  "first_index", (json_int_t)s->first_index,
			  "last_index", (json_int_t)s->last_index,
			  "log_size_bytes", (json_int_t)s->log_size_bytes,
			  "commit_index", (json_int_t)s->commit_index,
			  "applied_index", (json_int_t)s->applied_index,
			  "segments", (json_int_t)c->req.count,
			  "node_id", s->node_id));
}

static int prune(struct api_call *c)
{
	char buf[64];
	size_t len = 0;
	bool present = false, keep_present = false;
	uint64_t ms = 0, keep = 0;

	api_req_reset(c, NODE_OP_SNAPSHOT_PRUNE);
	if (api_arg(c, "older_than", buf, sizeof buf, &len, &present) != 0 ||
	    (present && config_parse_duration_ms(buf, &ms) != GAIA_OK))
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "older_than: '%s' is not a duration (use 30m, 12h, 7d)", buf);
	if (api_arg_u64(c, "keep", &keep_present, &keep) != 0)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "keep: not a whole number");
	if (!present && !keep_present)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "say which snapshots to delete: older_than=7d and/or keep=N "
				       "(the newest is never deleted)");
	if (api_arg_bool(c, "dry_run", &c->req.dry_run) != 0)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "dry_run: true or false");
	c->req.older_than_s = present ? (int64_t)(ms / 1000) : 0;
	if (present && c->req.older_than_s == 0)
		c->req.older_than_s = 1;
	c->req.keep = (size_t)keep;
	c->finish = prune_finish;
	return API_STEP_SUBMIT;
}

/* -1: not ours */
int api_snapshots_route(struct api_call *c, const char *rest)
{
	bool get = api_method(c, "GET") || api_method(c, "HEAD");

	if (!strcmp(rest, "/snapshot")) {
		if (!api_method(c, "POST"))
			return api_reply_not_allowed(c, "POST");
		api_req_reset(c, NODE_OP_SNAPSHOT_TAKE);
		c->finish = take_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/snapshot-status")) {
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD");
		api_req_reset(c, NODE_OP_SNAPSHOT_STATUS);
		c->finish = status_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/snapshots") || !strcmp(rest, "/snapshots/")) {
		if (api_method(c, "DELETE"))
			return prune(c);
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD, DELETE");
		api_req_reset(c, NODE_OP_SNAPSHOT_STATUS);
		c->finish = list_finish;
		return API_STEP_SUBMIT;
	}
	if (!strncmp(rest, "/snapshots/", 11)) {
		const char *name = rest + 11;
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD");
		if (strlen(name) >= sizeof c->key || strchr(name, '/') || strstr(name, ".."))
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "not a snapshot file name");
		api_req_reset(c, NODE_OP_SNAPSHOT_OPEN);
		snprintf(c->key, sizeof c->key, "%s", name);
		c->key_len = strlen(c->key);
		c->req.key = c->key;
		c->req.key_len = c->key_len;
		c->finish = download_finish;
		return API_STEP_SUBMIT;
	}
	if (!strcmp(rest, "/log-info")) {
		if (!get)
			return api_reply_not_allowed(c, "GET, HEAD");
		api_req_reset(c, NODE_OP_LOG_INFO);
		c->finish = logi_finish;
		return API_STEP_SUBMIT;
	}
	return -1;
}
