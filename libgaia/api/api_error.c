/* Answers: JSON bodies, raw bodies, and the error model of DESIGN.md
 * section 7 ({"error": code, "message": text} + leader hints). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"

struct MHD_Response *api_resp_buf(void *body, size_t len, bool take)
{
	if (len == 0) {
		if (take)
			free(body);
		return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, take ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	if (!r && take)
		free(body);
	return r;
}

/* Steals j. */
struct MHD_Response *api_resp_json(json_t *j)
{
	struct MHD_Response *r;
	char *s, *s2;
	size_t len;

	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	if (!s)
		return NULL;
	len = strlen(s);
	s2 = realloc(s, len + 2);
	if (!s2) {
		free(s);
		return NULL;
	}
	s2[len] = '\n';
	s2[len + 1] = '\0';
	r = api_resp_buf(s2, len + 1, true);
	if (!r)
		return NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	return r;
}

int api_queue(struct api_call *c, unsigned status, struct MHD_Response *r)
{
	struct api *a = c->api;
	enum MHD_Result ok;
	bool stopping;

	if (!r)
		return API_STEP_FAIL;
	pthread_mutex_lock(&a->mu);
	stopping = a->stopping;
	pthread_mutex_unlock(&a->mu);
	if (stopping)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ok = MHD_queue_response(c->conn, status, r);
	MHD_destroy_response(r);
	c->phase = API_PHASE_ANSWERED;
	api_count(a, c->path, status);
	if (status >= 500)
		api_log_call(c, NODE_LOG_DEBUG, "answered with an error");
	return ok == MHD_YES ? API_STEP_ANSWERED : API_STEP_FAIL;
}

int api_reply_json(struct api_call *c, unsigned status, json_t *j)
{
	return api_queue(c, status, api_resp_json(j));
}

static json_t *api_error_body(const char *code, const char *msg)
{
	return json_pack("{s:s, s:s}", "error", code, "message", msg);
}

/* Steals extra (may be NULL): its fields are added to the error. */
int api_reply_error_ex(struct api_call *c, unsigned status, const char *code, json_t *extra,
		       const char *msg)
{
	struct MHD_Response *r;
	json_t *j = api_error_body(code, msg);

	if (j && extra)
		json_object_update(j, extra);
	json_decref(extra);
	r = api_resp_json(j);
	if (r && status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	return api_queue(c, status, r);
}

int api_reply_error(struct api_call *c, unsigned status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return api_reply_error_ex(c, status, code, NULL, msg);
}

int api_reply_not_allowed(struct api_call *c, const char *allow)
{
	char msg[256];
	struct MHD_Response *r;

	snprintf(msg, sizeof msg, "%s is not allowed here (allowed: %s)", c->method, allow);
	r = api_resp_json(api_error_body("method_not_allowed", msg));
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	return api_queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
}

/* leader_id and leader_address, when the node named a leader. */
json_t *api_leader_hint(const struct node_status *s)
{
	json_t *j = json_object();

	if (!j || !s->has_leader || !s->leader_id[0])
		return j;
	json_object_set_new(j, "leader_id", json_string(s->leader_id));
	if (s->leader_api_addr[0])
		json_object_set_new(j, "leader_address", json_string(s->leader_api_addr));
	return j;
}

void api_err_http(int err, unsigned *status, const char **code)
{
	switch (err) {
	case GAIA_EINVAL:
		*status = MHD_HTTP_BAD_REQUEST;
		*code = "bad_request";
		break;
	case GAIA_ENOTFOUND:
		*status = MHD_HTTP_NOT_FOUND;
		*code = "not_found";
		break;
	case GAIA_ECAS:
		*status = MHD_HTTP_CONFLICT;
		*code = "cas_mismatch";
		break;
	case GAIA_EBUSY:
	case GAIA_EEXIST:
	case GAIA_EREMOVED:
		*status = MHD_HTTP_CONFLICT;
		*code = "conflict";
		break;
	case GAIA_ETOOBIG:
		*status = API_HTTP_TOO_LARGE;
		*code = "payload_too_large";
		break;
	case GAIA_ENOTLEADER:
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		*code = "no_leader";
		break;
	case GAIA_EUNAVAIL:
	case GAIA_ESHUTDOWN:
	case GAIA_ECANCELED:
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		*code = "unavailable";
		break;
	default:
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		*code = "internal";
		break;
	}
}

int api_reply_node_error(struct api_call *c)
{
	const struct node_req *r = &c->req;
	unsigned status;
	const char *code;
	json_t *extra;
	char msg[GAIA_ERRMSG_SIZE + 32];

	api_err_http(r->err, &status, &code);
	if (r->errmsg[0])
		snprintf(msg, sizeof msg, "%s", r->errmsg);
	else
		snprintf(msg, sizeof msg, "the node answered %s", api_err_name(r->err));
	extra = api_leader_hint(&r->status);
	if (extra && r->err == GAIA_ECAS)
		json_object_set_new(extra, "modify_index", json_integer((json_int_t)r->modify_index));
	if (status == MHD_HTTP_INTERNAL_SERVER_ERROR)
		api_log_call(c, NODE_LOG_WARN, msg);
	return api_reply_error_ex(c, status, code, extra, msg);
}

/* gaia_strerror() lives in the public library, not in the internal one
 * the tests link; the API only needs the names for messages. */
const char *api_err_name(int err)
{
	static const char *const names[] = {
		"OK",	     "ENOMEM",	   "EINVAL",  "EIO",	 "ECORRUPT",  "ENOTFOUND",
		"EEXIST",    "ENOTLEADER", "EBUSY",   "ECOMPACTED", "EUNAVAIL", "ECAS",
		"ETOOBIG",   "ESHUTDOWN",  "EREMOVED", "ECANCELED",
	};
	if (err < 0 || (size_t)err >= sizeof names / sizeof names[0])
		return "EUNKNOWN";
	return names[err];
}
