/* Writing the Prometheus text format (version 0.0.4). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

__attribute__((format(printf, 2, 3)))
static void put(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;
	if (b->failed)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)k < room) {
			b->len += (size_t)k;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + (size_t)k + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (np == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

void metrics_buf_free(struct metrics_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void metrics_family(struct metrics_buf *b, const char *name, const char *type,
		    const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_value(struct metrics_buf *b, double v)
{
	if (isnan(v))
		put(b, "NaN\n");
	else if (isinf(v))
		put(b, v > 0 ? "+Inf\n" : "-Inf\n");
	else if (v == (double)(int64_t)v && fabs(v) < 9e15)
		put(b, "%lld\n", (long long)v);
	else
		put(b, "%.9g\n", v);
}

void metrics_sample(struct metrics_buf *b, const char *name, const char *labels,
		    double value)
{
	if (labels != NULL && labels[0])
		put(b, "%s{%s} ", name, labels);
	else
		put(b, "%s ", name);
	put_value(b, value);
}

void metrics_label(char *out, size_t size, const char *k, const char *v)
{
	size_t len = strlen(out);
	if (len + 1 >= size)
		return;
	len += (size_t)snprintf(out + len, size - len, "%s%s=\"", len ? "," : "", k);
	for (; *v && len + 3 < size; v++) {
		if (*v == '\\' || *v == '"') {
			out[len++] = '\\';
			out[len++] = *v;
		} else if (*v == '\n') {
			out[len++] = '\\';
			out[len++] = 'n';
		} else {
			out[len++] = *v;
		}
	}
	if (len + 1 < size)
		out[len++] = '"';
	out[len < size ? len : size - 1] = 0;
}
