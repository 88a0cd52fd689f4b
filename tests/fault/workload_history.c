/* workload_history.c - writing the history: JSONL events, one lock, monotonic times taken under it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "workload.h"

struct wl_history {
	FILE *f;
	pthread_mutex_t mu;
	int err;
};

static const char *const wl_kind_name[] = {"read", "write", "cas"};
static const char *const wl_status_name[] = {"ok", "fail", "info"};

int64_t wl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct wl_history *wl_history_open(const char *path)
{
	struct wl_history *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->f = fopen(path, "a");
	if (!h->f) {
		free(h);
		return NULL;
	}
	setvbuf(h->f, NULL, _IOFBF, 1 << 16);
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

int wl_history_close(struct wl_history *h)
{
	int rc = h->err;
	if (fclose(h->f) != 0)
		rc = -1;
	pthread_mutex_destroy(&h->mu);
	free(h);
	return rc;
}

/* A value as JSON: a canonical decimal integer stays a number, anything
 * else a string (bytes that are not UTF-8 as \xNN text). */
static json_t *wl_value_json(const char *v, size_t len)
{
	size_t i = 0;
	json_t *s;

	if (!v)
		return json_null();
	if (len > 0 && len < 19 && (v[0] != '0' || len == 1)) {
		for (i = 0; i < len && v[i] >= '0' && v[i] <= '9'; i++)
			;
		if (i == len)
			return json_integer(strtoll(v, NULL, 10));
	}
	s = json_stringn(v, len);
	if (!s) {
		char *hex = malloc(len * 4 + 1);
		if (!hex)
			return json_null();
		for (i = 0; i < len; i++)
			sprintf(hex + i * 4, "\\x%02x", (unsigned char)v[i]);
		s = json_stringn(hex, len * 4);
		free(hex);
	}
	return s;
}

static json_t *wl_str_json(const char *v)
{
	return wl_value_json(v, v ? strlen(v) : 0);
}

static void wl_emit(struct wl_history *h, json_t *o)
{
	pthread_mutex_lock(&h->mu);
	json_object_set_new(o, "time", json_integer(wl_now_ns()));
	if (json_dumpf(o, h->f, JSON_COMPACT) != 0 || fputc('\n', h->f) == EOF)
		h->err = -1;
	pthread_mutex_unlock(&h->mu);
	json_decref(o);
}

static json_t *wl_event(const char *type, int64_t process, const char *key, enum wl_kind kind)
{
	return json_pack("{s:s, s:I, s:s, s:s}", "type", type, "process", (json_int_t)process, "key",
			 key, "op", wl_kind_name[kind]);
}

static json_t *wl_args(enum wl_kind kind, const char *cas_from, const char *value)
{
	if (kind == WL_READ)
		return json_null();
	if (kind == WL_WRITE)
		return wl_str_json(value);
	return json_pack("[o, o]", wl_str_json(cas_from), wl_str_json(value));
}

void wl_history_invoke(struct wl_history *h, int64_t process, const char *key, enum wl_kind kind,
		       const char *cas_from, const char *value, const char *node)
{
	json_t *o = wl_event("invoke", process, key, kind);
	if (!o)
		return;
	json_object_set_new(o, "value", wl_args(kind, cas_from, value));
	json_object_set_new(o, "node", json_string(node));
	wl_emit(h, o);
}

void wl_history_complete(struct wl_history *h, int64_t process, const char *key,
			 enum wl_kind kind, const char *cas_from, const char *value,
			 const struct wl_result *r, const char *node)
{
	json_t *o = wl_event(wl_status_name[r->status], process, key, kind);
	if (!o)
		return;
	if (kind == WL_READ)
		json_object_set_new(o, "value", r->status == WL_OK && r->has_value
							? wl_value_json(r->value, r->value_len)
							: json_null());
	else
		json_object_set_new(o, "value", wl_args(kind, cas_from, value));
	if (r->index)
		json_object_set_new(o, "index", json_integer((json_int_t)r->index));
	if (r->note[0])
		json_object_set_new(o, "error", json_string(r->note));
	json_object_set_new(o, "node", json_string(node));
	wl_emit(h, o);
}
