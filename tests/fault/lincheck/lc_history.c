/* lc_history.c - reading a JSONL history: events paired per process into operations, ranked in real-time order. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lc_internal.h"

static int lc_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lc_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void lc_history_init(struct lc_history *h)
{
	memset(h, 0, sizeof *h);
	h->timed = -1;
}

void lc_history_free(struct lc_history *h)
{
	for (size_t i = 0; i < h->n_ops; i++)
		free(h->ops[i].note);
	free(h->ops);
	free(h->pending);
	lc_intern_free(h->keys);
	lc_intern_free(h->values);
	memset(h, 0, sizeof *h);
}

size_t lc_key_count(const struct lc_history *h)
{
	return h->keys ? h->keys->n : 0;
}

const char *lc_key_name(const struct lc_history *h, uint32_t key)
{
	const char *s = h->keys ? lc_intern_name(h->keys, key) : NULL;
	return s ? s : "?";
}

const char *lc_value_name(const struct lc_history *h, int64_t value)
{
	const char *s;
	if (value == LC_NIL)
		return "absent";
	if (value == LC_ANY)
		return "?";
	s = h->values ? lc_intern_name(h->values, value) : NULL;
	return s ? s : "?";
}

static int lc_ensure_tables(struct lc_history *h)
{
	if (!h->keys && !(h->keys = lc_intern_new()))
		return -1;
	if (!h->values) {
		if (!(h->values = lc_intern_new()))
			return -1;
		if (lc_intern_reserve(h->values) != LC_NIL) /* id 0: absent */
			return -1;
	}
	return 0;
}

/* A JSON value as a value id: null is absent; 17 and "17" are one value. */
static int64_t lc_value_id(struct lc_history *h, json_t *v)
{
	char buf[32];
	char *dump;
	int64_t id;

	if (!v || json_is_null(v))
		return LC_NIL;
	if (json_is_integer(v)) {
		int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return lc_intern(h->values, buf, (size_t)n);
	}
	if (json_is_string(v))
		return lc_intern(h->values, json_string_value(v), json_string_length(v));
	dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	if (!dump)
		return -1;
	id = lc_intern(h->values, dump, strlen(dump));
	free(dump);
	return id;
}

static int lc_parse_kind(const char *s, enum lc_kind *k)
{
	if (strcmp(s, "read") == 0)
		*k = LC_READ;
	else if (strcmp(s, "write") == 0)
		*k = LC_WRITE;
	else if (strcmp(s, "cas") == 0)
		*k = LC_CAS;
	else
		return -1;
	return 0;
}

static struct lc_op *lc_new_op(struct lc_history *h)
{
	if (h->n_ops == h->cap_ops) {
		size_t cap = h->cap_ops ? h->cap_ops * 2 : 1024;
		struct lc_op *ops = realloc(h->ops, cap * sizeof *ops);
		if (!ops)
			return NULL;
		h->ops = ops;
		h->cap_ops = cap;
	}
	memset(&h->ops[h->n_ops], 0, sizeof h->ops[0]);
	return &h->ops[h->n_ops++];
}

static ssize_t lc_find_pending(const struct lc_history *h, int64_t process)
{
	for (size_t i = 0; i < h->n_pending; i++)
		if (h->pending[i].process == process)
			return (ssize_t)i;
	return -1;
}

static int lc_invoke(struct lc_history *h, json_t *o, int64_t process, int64_t t, char *err,
		     size_t errlen)
{
	size_t line = h->lines;
	json_t *key = json_object_get(o, "key"), *op = json_object_get(o, "op");
	json_t *value = json_object_get(o, "value");
	struct lc_op *x;
	enum lc_kind kind;
	int64_t k;

	if (lc_find_pending(h, process) >= 0)
		return lc_fail(err, errlen,
			       "line %zu: process %" PRId64 " invokes while its last operation is open",
			       line, process);
	if (!json_is_string(key))
		return lc_fail(err, errlen, "line %zu: \"key\" must be a string", line);
	if (!json_is_string(op) || lc_parse_kind(json_string_value(op), &kind) != 0)
		return lc_fail(err, errlen, "line %zu: \"op\" must be \"read\", \"write\" or \"cas\"",
			       line);
	if (kind == LC_CAS && (!json_is_array(value) || json_array_size(value) != 2))
		return lc_fail(err, errlen, "line %zu: a cas needs \"value\": [expected, new]", line);
	if (kind == LC_WRITE && (!value || json_is_null(value)))
		return lc_fail(err, errlen, "line %zu: a write needs a \"value\"", line);
	k = lc_intern(h->keys, json_string_value(key), json_string_length(key));
	if (k < 0 || !(x = lc_new_op(h)))
		return lc_fail(err, errlen, "out of memory");
	x->process = process;
	x->key = (uint32_t)k;
	x->kind = kind;
	x->status = LC_INFO;
	x->t_call = t;
	x->t_ret = LC_INF;
	x->ret = LC_INF;
	x->line_call = line;
	if (kind == LC_WRITE) {
		x->arg = lc_value_id(h, value);
	} else if (kind == LC_CAS) {
		x->arg = lc_value_id(h, json_array_get(value, 0));
		x->arg2 = lc_value_id(h, json_array_get(value, 1));
	}
	if (x->arg < 0 || x->arg2 < 0)
		return lc_fail(err, errlen, "out of memory");
	if (h->n_pending == h->cap_pending) {
		size_t cap = h->cap_pending ? h->cap_pending * 2 : 16;
		struct lc_pending *p = realloc(h->pending, cap * sizeof *p);
		if (!p)
			return lc_fail(err, errlen, "out of memory");
		h->pending = p;
		h->cap_pending = cap;
	}
	h->pending[h->n_pending].process = process;
	h->pending[h->n_pending].op = h->n_ops - 1;
	h->n_pending++;
	return 0;
}

static int lc_complete(struct lc_history *h, json_t *o, int64_t process, enum lc_status st,
		       int64_t t, char *err, size_t errlen)
{
	size_t line = h->lines;
	ssize_t p = lc_find_pending(h, process);
	json_t *key = json_object_get(o, "key"), *op = json_object_get(o, "op");
	json_t *note = json_object_get(o, "error");
	struct lc_op *x;
	enum lc_kind kind;

	if (p < 0)
		return lc_fail(err, errlen,
			       "line %zu: process %" PRId64 " completes an operation it never invoked",
			       line, process);
	x = &h->ops[h->pending[p].op];
	if (key && (!json_is_string(key) ||
		    strcmp(json_string_value(key), lc_key_name(h, x->key)) != 0))
		return lc_fail(err, errlen, "line %zu: the key differs from the invocation's (line %zu)",
			       line, x->line_call);
	if (op && (!json_is_string(op) || lc_parse_kind(json_string_value(op), &kind) != 0 ||
		   kind != x->kind))
		return lc_fail(err, errlen, "line %zu: the op differs from the invocation's (line %zu)",
			       line, x->line_call);
	if (t < x->t_call)
		return lc_fail(err, errlen, "line %zu: completes before its invocation (line %zu)",
			       line, x->line_call);
	x->status = st;
	x->line_ret = line;
	if (st != LC_INFO)
		x->t_ret = t;
	if (st == LC_OK && x->kind == LC_READ &&
	    (x->out = lc_value_id(h, json_object_get(o, "value"))) < 0)
		return lc_fail(err, errlen, "out of memory");
	if (json_is_string(note) && !(x->note = strdup(json_string_value(note))))
		return lc_fail(err, errlen, "out of memory");
	h->pending[p] = h->pending[--h->n_pending];
	return 0;
}

int lc_history_line(struct lc_history *h, const char *line, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *type, *proc, *tm;
	const char *ty;
	int64_t t;
	int rc = -1;
	size_t i;

	h->lines++;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n');
	     i++)
		;
	if (i == len)
		return 0;
	if (lc_ensure_tables(h) != 0)
		return lc_fail(err, errlen, "out of memory");
	o = json_loadb(line, len, 0, &je);
	if (!o)
		return lc_fail(err, errlen, "line %zu: bad JSON: %s", h->lines, je.text);
	if (!json_is_object(o)) {
		lc_fail(err, errlen, "line %zu: not a JSON object", h->lines);
		goto cleanup;
	}
	proc = json_object_get(o, "process");
	if (proc && !json_is_integer(proc)) { /* e.g. "nemesis": not a client */
		h->skipped++;
		rc = 0;
		goto cleanup;
	}
	type = json_object_get(o, "type");
	if (!proc || !json_is_string(type)) {
		lc_fail(err, errlen, "line %zu: needs \"type\" and an integer \"process\"", h->lines);
		goto cleanup;
	}
	tm = json_object_get(o, "time");
	if (tm && !json_is_integer(tm)) {
		lc_fail(err, errlen, "line %zu: \"time\" must be an integer", h->lines);
		goto cleanup;
	}
	if (h->timed < 0)
		h->timed = tm != NULL;
	if ((tm != NULL) != (h->timed == 1)) {
		lc_fail(err, errlen, "line %zu: \"time\" must be on every line or on none", h->lines);
		goto cleanup;
	}
	t = tm ? json_integer_value(tm) : (int64_t)h->lines;
	ty = json_string_value(type);
	if (strcmp(ty, "invoke") == 0)
		rc = lc_invoke(h, o, json_integer_value(proc), t, err, errlen);
	else if (strcmp(ty, "ok") == 0)
		rc = lc_complete(h, o, json_integer_value(proc), LC_OK, t, err, errlen);
	else if (strcmp(ty, "fail") == 0)
		rc = lc_complete(h, o, json_integer_value(proc), LC_FAIL, t, err, errlen);
	else if (strcmp(ty, "info") == 0)
		rc = lc_complete(h, o, json_integer_value(proc), LC_INFO, t, err, errlen);
	else
		lc_fail(err, errlen, "line %zu: \"type\" must be invoke, ok, fail or info", h->lines);
cleanup:
	json_decref(o);
	return rc;
}

struct lc_event {
	int64_t t;
	int ret; /* invocations before completions at equal times: concurrent */
	size_t line;
	size_t op;
};

static int lc_event_cmp(const void *a, const void *b)
{
	const struct lc_event *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->ret != y->ret)
		return x->ret - y->ret;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int lc_op_cmp(const void *a, const void *b)
{
	const struct lc_op *x = a, *y = b;
	return x->call < y->call ? -1 : x->call > y->call;
}

/* Open invocations become indeterminate; every operation gets its ranks. */
int lc_history_finish(struct lc_history *h, char *err, size_t errlen)
{
	struct lc_event *ev;
	size_t n = 0;

	if (lc_ensure_tables(h) != 0)
		return lc_fail(err, errlen, "out of memory");
	h->n_pending = 0;
	ev = malloc((2 * h->n_ops + 1) * sizeof *ev);
	if (!ev)
		return lc_fail(err, errlen, "out of memory");
	for (size_t i = 0; i < h->n_ops; i++) {
		struct lc_op *x = &h->ops[i];
		ev[n++] = (struct lc_event){x->t_call, 0, x->line_call, i};
		if (x->status != LC_INFO)
			ev[n++] = (struct lc_event){x->t_ret, 1, x->line_ret, i};
	}
	qsort(ev, n, sizeof *ev, lc_event_cmp);
	h->t_first = n ? ev[0].t : 0;
	for (size_t r = 0; r < n; r++) {
		if (ev[r].ret)
			h->ops[ev[r].op].ret = (int64_t)r;
		else
			h->ops[ev[r].op].call = (int64_t)r;
	}
	free(ev);
	qsort(h->ops, h->n_ops, sizeof *h->ops, lc_op_cmp);
	return 0;
}

int lc_history_read(struct lc_history *h, FILE *f, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	while ((len = getline(&line, &cap, f)) >= 0)
		if ((rc = lc_history_line(h, line, (size_t)len, err, errlen)) != 0)
			break;
	free(line);
	if (rc == 0 && ferror(f))
		rc = lc_fail(err, errlen, "read error");
	return rc == 0 ? lc_history_finish(h, err, errlen) : rc;
}

int lc_history_parse(struct lc_history *h, const char *text, char *err, size_t errlen)
{
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (lc_history_line(h, p, len, err, errlen) != 0)
			return -1;
		p += len + (e != NULL);
	}
	return lc_history_finish(h, err, errlen);
}
