/* metrics.h - Prometheus text exposition: metric families written into a
 * growing buffer, and histograms safe to observe from any thread. */
#ifndef GAIA_METRICS_H
#define GAIA_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gaia.h"

/* The text being built; free with metrics_buf_free. On allocation failure
 * the buffer is marked failed and later writes do nothing. */
struct metrics_buf {
	char *p;
	size_t len, cap;
	int failed;
};

void metrics_buf_free(struct metrics_buf *b);

/* One family header: # HELP and # TYPE (counter, gauge, histogram). */
void metrics_family(struct metrics_buf *b, const char *name, const char *type,
		    const char *help);
/* One sample. labels is "" or 'k="v",k2="v2"' already escaped (see
 * metrics_label). */
void metrics_sample(struct metrics_buf *b, const char *name, const char *labels,
		    double value);
/* Append k="v" (with a leading comma if out is not empty) to out (size
 * bytes), escaping backslash, quote and newline in v. */
void metrics_label(char *out, size_t size, const char *k, const char *v);

#define METRICS_HIST_MAX_BUCKETS 16

/* A histogram with fixed upper bounds (seconds, say); observe from any
 * thread. */
struct metrics_hist {
	const double *bounds; /* increasing; +Inf is implicit */
	size_t n;
	_Atomic uint64_t counts[METRICS_HIST_MAX_BUCKETS + 1];
	_Atomic uint64_t sum_ns; /* sum of observations, in 1e-9 units */
	_Atomic uint64_t count;
};

void metrics_hist_init(struct metrics_hist *h, const double *bounds, size_t n);
void metrics_hist_observe(struct metrics_hist *h, double value);
/* Write the histogram's _bucket, _sum and _count samples (after its
 * family header). */
void metrics_hist_write(struct metrics_buf *b, const char *name,
			const char *labels, const struct metrics_hist *h);

/* Bounds for latencies in seconds: 100us .. 10s. */
extern const double metrics_latency_bounds[];
extern const size_t metrics_latency_bounds_n;

#endif
