/* Histograms with fixed buckets and atomic counts. */
#include <stdio.h>
#include <string.h>

#include "metrics/metrics.h"

const double metrics_latency_bounds[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
const size_t metrics_latency_bounds_n =
	sizeof metrics_latency_bounds / sizeof metrics_latency_bounds[0];

void metrics_hist_init(struct metrics_hist *h, const double *bounds, size_t n)
{
	memset(h, 0, sizeof *h);
	h->bounds = bounds;
	h->n = n > METRICS_HIST_MAX_BUCKETS ? METRICS_HIST_MAX_BUCKETS : n;
}

void metrics_hist_observe(struct metrics_hist *h, double value)
{
	size_t i = 0;
	while (i < h->n && value > h->bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
	if (value > 0)
		atomic_fetch_add_explicit(&h->sum_ns, (uint64_t)(value * 1e9),
					  memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void metrics_hist_write(struct metrics_buf *b, const char *name,
			const char *labels, const struct metrics_hist *h)
{
	char full[256], lab[512];
	uint64_t cum = 0;
	for (size_t i = 0; i <= h->n; i++) {
		char le[32];
		cum += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
		if (i < h->n)
			snprintf(le, sizeof le, "%g", h->bounds[i]);
		else
			snprintf(le, sizeof le, "+Inf");
		snprintf(lab, sizeof lab, "%s", labels ? labels : "");
		metrics_label(lab, sizeof lab, "le", le);
		snprintf(full, sizeof full, "%s_bucket", name);
		metrics_sample(b, full, lab, (double)cum);
	}
	snprintf(full, sizeof full, "%s_sum", name);
	metrics_sample(b, full, labels,
		       (double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9);
	snprintf(full, sizeof full, "%s_count", name);
	metrics_sample(b, full, labels,
		       (double)atomic_load_explicit(&h->count, memory_order_relaxed));
}
