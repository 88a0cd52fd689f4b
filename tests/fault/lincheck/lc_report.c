/* lc_report.c - printing a verdict: counts, and for a failed key its window as a table and a timeline. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lc_internal.h"

#define LC_TIMELINE 32

static const char *const lc_kind_name[] = {"read", "write", "cas"};
static const char *const lc_status_name[] = {"ok", "fail", "info"};

void lc_print_counts(FILE *out, const struct lc_report *rep)
{
	size_t tot[3] = {0, 0, 0}, all;
	for (int s = 0; s < 3; s++)
		for (int k = 0; k < 3; k++)
			tot[s] += rep->count[s][k];
	all = tot[0] + tot[1] + tot[2];
	fprintf(out, "operations: %zu (ok %zu, fail %zu, info %zu)\n", all, tot[LC_OK], tot[LC_FAIL],
		tot[LC_INFO]);
	for (int k = 0; k < 3; k++)
		fprintf(out, "  %-5s ok %zu, fail %zu, info %zu\n", lc_kind_name[k],
			rep->count[LC_OK][k], rep->count[LC_FAIL][k], rep->count[LC_INFO][k]);
}

static void lc_describe(char *buf, size_t len, const struct lc_history *h, const struct lc_wop *w)
{
	switch (w->kind) {
	case LC_READ:
		snprintf(buf, len, "read");
		break;
	case LC_WRITE:
		snprintf(buf, len, "write %s", lc_value_name(h, w->arg));
		break;
	case LC_CAS:
		snprintf(buf, len, "cas %s -> %s", lc_value_name(h, w->arg), lc_value_name(h, w->arg2));
		break;
	}
}

static void lc_result(char *buf, size_t len, const struct lc_history *h, const struct lc_wop *w)
{
	const struct lc_op *x = w->src;
	if (w->cut && x->status == LC_OK)
		snprintf(buf, len, "ok, crosses the window edge");
	else if (x->status == LC_OK && x->kind == LC_READ)
		snprintf(buf, len, "ok %s", lc_value_name(h, x->out));
	else if (x->status == LC_INFO)
		snprintf(buf, len, "info%s%s%s", x->note ? " (" : "", x->note ? x->note : "",
			 x->note ? ")" : "");
	else
		snprintf(buf, len, "%s", lc_status_name[x->status]);
	if (strlen(buf) > 40)
		strcpy(buf + 36, "...)");
}

static int lc_rank_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* column of rank r among the window's sorted ranks */
static int lc_col(const int64_t *ranks, size_t n, int64_t r)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ranks[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n <= 1 ? 0 : (int)(lo * (LC_TIMELINE - 1) / (n - 1));
}

static void lc_print_window(FILE *out, const struct lc_history *h, const struct lc_key_report *k)
{
	size_t n = k->n_win, nr = 0;
	int64_t *ranks = malloc((2 * n + 1) * sizeof *ranks), t_base = INT64_MAX;
	char what[96], res[64], bar[LC_TIMELINE + 1], when[32];

	if (!ranks)
		return;
	for (size_t i = 0; i < n; i++) {
		ranks[nr++] = k->win[i].call;
		if (k->win[i].ret != LC_INF)
			ranks[nr++] = k->win[i].ret;
		if (k->win[i].src->t_call < t_base)
			t_base = k->win[i].src->t_call;
	}
	qsort(ranks, nr, sizeof *ranks, lc_rank_cmp);
	fprintf(out, "  %3s  %-8s %-28s %-30s %-21s %s\n", "#", "process", "operation", "result",
		h->timed == 1 ? "invoked..completed" : "", "lines");
	for (size_t i = 0; i < n; i++) {
		const struct lc_wop *w = &k->win[i];
		const struct lc_op *x = w->src;
		int c0 = lc_col(ranks, nr, w->call);
		int c1 = w->ret == LC_INF ? LC_TIMELINE - 1 : lc_col(ranks, nr, w->ret);
		memset(bar, ' ', LC_TIMELINE);
		bar[LC_TIMELINE] = '\0';
		for (int c = c0; c <= c1; c++)
			bar[c] = '=';
		bar[c0] = '[';
		bar[c1] = w->ret == LC_INF ? '>' : ']';
		lc_describe(what, sizeof what, h, w);
		lc_result(res, sizeof res, h, w);
		when[0] = '\0';
		if (h->timed == 1 && x->t_ret != LC_INF)
			snprintf(when, sizeof when, "+%.1f..+%.1f ms", (double)(x->t_call - t_base) / 1e6,
				 (double)(x->t_ret - t_base) / 1e6);
		else if (h->timed == 1)
			snprintf(when, sizeof when, "+%.1f.. ms", (double)(x->t_call - t_base) / 1e6);
		fprintf(out, "  %3zu  p%-7" PRId64 " %-28s %-30s %-21s %zu", i + 1, x->process, what, res,
			when, x->line_call);
		if (x->line_ret)
			fprintf(out, "/%zu", x->line_ret);
		fprintf(out, "\n  %3s  %-8s |%s|\n", "", "", bar);
	}
	free(ranks);
}

static void lc_print_span(FILE *out, const struct lc_history *h, const struct lc_key_report *k)
{
	int64_t a = INT64_MAX, b = INT64_MIN;
	for (size_t i = 0; i < k->n_win; i++) {
		const struct lc_op *x = k->win[i].src;
		if (x->t_call < a)
			a = x->t_call;
		if (x->t_ret != LC_INF && x->t_ret > b)
			b = x->t_ret;
		if (x->t_call > b)
			b = x->t_call;
	}
	fprintf(out, "  It spans +%.3f s .. +%.3f s after the history's first event.\n",
		(double)(a - h->t_first) / 1e9, (double)(b - h->t_first) / 1e9);
}

static void lc_print_why(FILE *out, const struct lc_history *h, const struct lc_key_report *k)
{
	const struct lc_search_result *r = &k->why;
	char what[96];

	if (r->verdict != LC_NOT_LINEARIZABLE) {
		fprintf(out, "  (re-checking the window alone gave no verdict)\n");
		return;
	}
	fprintf(out, "  No order of these operations explains their results.\n");
	if (r->blocked == SIZE_MAX)
		return;
	if (r->path_len == 0) {
		fprintf(out, "  Not even a first operation fits: from %s,",
			k->from_start ? "an absent register" : "any start value");
	} else {
		fprintf(out, "  The longest order found:");
		for (size_t i = 0; i < r->path_len; i++) {
			const struct lc_wop *w = &k->win[r->path[i]];
			lc_describe(what, sizeof what, h, w);
			fprintf(out, "%s #%zu %s%s%s", i ? "," : "", r->path[i] + 1, what,
				w->kind == LC_READ ? " -> " : "",
				w->kind == LC_READ ? lc_value_name(h, w->out) : "");
		}
		fprintf(out, "\n  leaves the register at %s;", lc_value_name(h, r->path_state));
	}
	lc_describe(what, sizeof what, h, &k->win[r->blocked]);
	fprintf(out, " then #%zu (p%" PRId64 " %s", r->blocked + 1, k->win[r->blocked].src->process,
		what);
	if (k->win[r->blocked].kind == LC_READ)
		fprintf(out, " -> %s", lc_value_name(h, k->win[r->blocked].out));
	fprintf(out, ") must take effect before it completes, and no order allows it.\n");
}

void lc_print_report(FILE *out, const struct lc_history *h, const struct lc_report *rep)
{
	for (size_t i = 0; i < rep->n_keys; i++) {
		const struct lc_key_report *k = &rep->keys[i];
		if (k->verdict == LC_UNKNOWN)
			fprintf(out, "key \"%s\": gave up after %" PRIu64 " steps (%zu operations)\n",
				lc_key_name(h, k->key), k->steps, k->n_ops);
		if (k->verdict != LC_NOT_LINEARIZABLE)
			continue;
		fprintf(out, "key \"%s\" is NOT linearizable (%zu operations on it).\n",
			lc_key_name(h, k->key), k->n_ops);
		fprintf(out,
			"  The shortest window that cannot be linearized on its own: %zu operations.\n"
			"  %s\n"
			"  Operations crossing its edges count as indeterminate (may or may not have\n"
			"  taken effect), so this window alone proves the violation.\n",
			k->n_win,
			k->from_start ? "It starts at the beginning of the history (the register absent)."
				      : "The register's value at its start is taken as unknown.");
		if (h->timed == 1 && k->n_win)
			lc_print_span(out, h, k);
		lc_print_window(out, h, k);
		lc_print_why(out, h, k);
	}
	fprintf(out, "%s: %zu keys, %" PRIu64 " search steps, %.3f s\n",
		rep->verdict == LC_LINEARIZABLE	      ? "linearizable"
		: rep->verdict == LC_NOT_LINEARIZABLE ? "NOT linearizable"
						      : "unknown (search bound reached)",
		rep->n_keys, rep->steps, rep->seconds);
}
