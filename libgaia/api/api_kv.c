/* /api/kv: PUT, GET, DELETE of one key and the listing by prefix. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"

/* Accepts UTF-8 only: keys travel in JSON bodies and URLs. */
static bool api_utf8_ok(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);

	if (!j)
		return false;
	json_decref(j);
	return true;
}

static int api_kv_consistency(struct api_call *c, bool *stale)
{
	char buf[32];
	size_t len;
	bool present;

	*stale = false;
	if (api_arg(c, "consistency", buf, sizeof buf, &len, &present) != 0)
		return -1;
	if (!present || !strcmp(buf, "linearizable") || !strcmp(buf, "default"))
		return 0;
	if (!strcmp(buf, "stale")) {
		*stale = true;
		return 0;
	}
	return -1;
}

static int api_kv_cas(struct api_call *c)
{
	bool present;
	uint64_t cas;

	if (api_arg_u64(c, "cas", &present, &cas) != 0)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "parameter 'cas' must be a non-negative integer (an index; 0 = create only)");
	c->req.has_cas = present;
	c->req.cas = cas;
	return API_STEP_SUBMIT;
}

static json_t *api_kv_key_json(const struct api_call *c)
{
	return api_json_bytes(c->key, c->key_len);
}

static int api_kv_put_finish(struct api_call *c)
{
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	return api_reply_json(c, MHD_HTTP_OK,
			      json_pack("{s:o, s:I, s:I}", "key", api_kv_key_json(c),
					"create_index", (json_int_t)c->req.create_index,
					"modify_index", (json_int_t)c->req.modify_index));
}

static int api_kv_get_finish(struct api_call *c)
{
	struct MHD_Response *r;
	char num[24];

	if (c->req.err == GAIA_ENOTFOUND)
		return api_reply_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such key");
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	r = api_resp_buf(c->req.out_value, c->req.out_len, false);
	if (!r)
		return API_STEP_FAIL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	snprintf(num, sizeof num, "%llu", (unsigned long long)c->req.modify_index);
	MHD_add_response_header(r, "X-Gaia-Modify-Index", num);
	snprintf(num, sizeof num, "%llu", (unsigned long long)c->req.create_index);
	MHD_add_response_header(r, "X-Gaia-Create-Index", num);
	return api_queue(c, MHD_HTTP_OK, r);
}

static int api_kv_delete_finish(struct api_call *c)
{
	if (c->req.err == GAIA_ENOTFOUND)
		return api_reply_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such key");
	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	return api_reply_json(c, MHD_HTTP_OK,
			      json_pack("{s:b, s:o}", "deleted", 1, "key", api_kv_key_json(c)));
}

static int api_kv_list_finish(struct api_call *c)
{
	json_t *a;
	size_t i;

	if (c->req.err != GAIA_OK)
		return api_reply_node_error(c);
	a = json_array();
	for (i = 0; a && i < c->req.n_items; i++) {
		const struct node_list_item *it = &c->req.items[i];
		if (json_array_append_new(a, json_pack("{s:o, s:I, s:I, s:I}", "key",
						       api_json_bytes(it->key, it->key_len),
						       "create_index", (json_int_t)it->create_index,
						       "modify_index", (json_int_t)it->modify_index,
						       "size", (json_int_t)it->size)) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return api_reply_json(c, MHD_HTTP_OK, a);
}

static int api_kv_list(struct api_call *c)
{
	bool present, stale;
	uint64_t limit;
	size_t len;

	if (!api_method(c, "GET") && !api_method(c, "HEAD")) {
		if (api_method(c, "PUT") || api_method(c, "DELETE"))
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "the key is empty: use /api/kv/{key}");
		return api_reply_not_allowed(c, "GET, HEAD");
	}
	api_req_reset(c, NODE_OP_LIST);
	if (api_arg(c, "prefix", c->key, sizeof c->key, &len, &present) != 0)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "parameter 'prefix' is badly encoded or longer than %d bytes",
				       API_KEY_MAX);
	c->key_len = len;
	if (api_arg_u64(c, "limit", &present, &limit) != 0)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "parameter 'limit' must be a non-negative integer (0 = no limit)");
	if (api_kv_consistency(c, &stale) != 0)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "parameter 'consistency' must be 'linearizable' or 'stale'");
	c->req.key = c->key;
	c->req.key_len = c->key_len;
	c->req.limit = limit > SIZE_MAX ? SIZE_MAX : (size_t)limit;
	c->req.stale = stale;
	c->finish = api_kv_list_finish;
	return API_STEP_SUBMIT;
}

int api_kv_route(struct api_call *c, const char *rest)
{
	size_t raw;
	ssize_t n;
	bool stale;

	if (rest[0] == '\0' || !strcmp(rest, "/"))
		return api_kv_list(c);
	raw = strlen(rest + 1);
	if (raw > (size_t)API_KEY_MAX * 3)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "the key is longer than %d bytes", API_KEY_MAX);
	{
		char tmp[API_KEY_MAX * 3 + 1];
		memcpy(tmp, rest + 1, raw + 1);
		n = api_url_decode(tmp, raw, false);
		if (n < 0)
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "the key has a bad %%-escape");
		if (n > API_KEY_MAX)
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "the key is longer than %d bytes", API_KEY_MAX);
		memcpy(c->key, tmp, (size_t)n);
		c->key[n] = '\0';
		c->key_len = (size_t)n;
	}
	if (c->key_len == 0)
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", "the key is empty");
	if (memchr(c->key, '\0', c->key_len) || !api_utf8_ok(c->key, c->key_len))
		return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				       "the key must be UTF-8 text without NUL bytes");

	if (api_method(c, "GET") || api_method(c, "HEAD")) {
		api_req_reset(c, NODE_OP_GET);
		if (api_kv_consistency(c, &stale) != 0)
			return api_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
					       "parameter 'consistency' must be 'linearizable' or 'stale'");
		c->req.stale = stale;
		c->finish = api_kv_get_finish;
	} else if (api_method(c, "PUT")) {
		api_req_reset(c, NODE_OP_PUT);
		c->req.value = c->body ? c->body : "";
		c->req.value_len = c->body_len;
		c->finish = api_kv_put_finish;
	} else if (api_method(c, "DELETE")) {
		api_req_reset(c, NODE_OP_DELETE);
		c->finish = api_kv_delete_finish;
	} else {
		return api_reply_not_allowed(c, "GET, HEAD, PUT, DELETE");
	}
	c->req.key = c->key;
	c->req.key_len = c->key_len;
	if (c->req.op == NODE_OP_GET)
		return API_STEP_SUBMIT;
	return api_kv_cas(c);
}
