/* lc_check.c - checking a history key by key, and narrowing a failure to its shortest window. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc_internal.h"

ssize_t lc_key_ops(const struct lc_history *h, uint32_t key, int64_t t0, int64_t t1,
		   struct lc_wop **out)
{
	size_t n = 0, nv = h->values ? h->values->n : 1, words = nv / 64 + 1;
	struct lc_wop *w = NULL;
	uint64_t *seen = NULL;
	uint8_t *keep = NULL;
	ssize_t rc = -1;
	int changed;

	*out = NULL;
	w = malloc((h->n_ops + 1) * sizeof *w);
	seen = calloc(words, sizeof *seen);
	if (!w || !seen)
		goto cleanup;
	for (size_t i = 0; i < h->n_ops; i++) {
		const struct lc_op *x = &h->ops[i];
		struct lc_wop o;
		if (x->key != key || x->status == LC_FAIL)
			continue;
		if (x->call > t1)
			break; /* sorted by invocation */
		if (x->status == LC_OK && x->ret < t0)
			continue; /* over before the window */
		o.src = x;
		o.kind = x->kind;
		o.info = x->status == LC_INFO;
		o.cut = x->call < t0 || (x->ret > t1 && x->status == LC_OK);
		o.info = o.info || o.cut;
		o.arg = x->arg;
		o.arg2 = x->arg2;
		o.out = x->out;
		o.call = x->call;
		o.ret = o.info ? LC_INF : x->ret;
		if (o.info && o.kind == LC_READ)
			continue; /* an unknown read constrains nothing */
		w[n++] = o;
		if (!o.info && o.kind == LC_READ)
			lc_bit_set(seen, (size_t)o.out);
		if (!o.info && o.kind == LC_CAS)
			lc_bit_set(seen, (size_t)o.arg);
	}
	/* keep an indeterminate write only if someone may have seen its value;
	 * a kept CAS needed its expected value in turn */
	keep = calloc(n + 1, 1);
	if (!keep)
		goto cleanup;
	do {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			int64_t v = w[i].kind == LC_CAS ? w[i].arg2 : w[i].arg;
			if (!w[i].info || keep[i] || !lc_bit(seen, (size_t)v))
				continue;
			keep[i] = 1;
			if (w[i].kind == LC_CAS && !lc_bit(seen, (size_t)w[i].arg)) {
				lc_bit_set(seen, (size_t)w[i].arg);
				changed = 1;
			}
		}
	} while (changed);
	{
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!w[i].info || keep[i])
				w[k++] = w[i];
		n = k;
	}
	if (n == 0) {
		free(w);
		w = NULL;
	}
	*out = w;
	w = NULL;
	rc = (ssize_t)n;
cleanup:
	free(w);
	free(seen);
	free(keep);
	return rc;
}

/* 1 if the window [t0, t1] of the key cannot be linearized on its own,
 * 0 if it can (or the search gave up), -1 on no memory. */
static int lc_window_fails(const struct lc_history *h, uint32_t key, int64_t t0, int64_t t1,
			   bool from_start, uint64_t max_steps, uint64_t *steps)
{
	struct lc_wop *w;
	struct lc_search_result r;
	ssize_t n = lc_key_ops(h, key, from_start ? INT64_MIN : t0, t1, &w);
	int rc;

	if (n < 0)
		return -1;
	rc = lc_search(w, (size_t)n, from_start ? LC_NIL : LC_ANY, max_steps, false, &r);
	free(w);
	if (rc != 0)
		return -1;
	*steps += r.steps;
	lc_search_result_free(&r);
	return r.verdict == LC_NOT_LINEARIZABLE;
}

static int lc_i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t lc_uniq(int64_t *v, size_t n)
{
	size_t k = 0;
	qsort(v, n, sizeof *v, lc_i64_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

/* Narrow a failing key: the earliest completion t1 where the prefix
 * fails, then the latest start t0 where [t0, t1] still fails (failing is
 * monotone in both: a window inside a failing one's complement of cuts
 * only loses information). */
static int lc_minimize(const struct lc_history *h, struct lc_key_report *k,
		       const struct lc_options *o)
{
	int64_t *cand = NULL;
	size_t nc = 0, lo, hi;
	int rc = -1, f;

	cand = malloc((h->n_ops + 1) * sizeof *cand);
	if (!cand)
		goto cleanup;
	for (size_t i = 0; i < h->n_ops; i++)
		if (h->ops[i].key == k->key && h->ops[i].status == LC_OK)
			cand[nc++] = h->ops[i].ret;
	nc = lc_uniq(cand, nc);
	k->t1 = INT64_MAX;
	/* smallest i with a failing prefix ending at cand[i] */
	lo = 0;
	hi = nc;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		f = lc_window_fails(h, k->key, INT64_MIN, cand[mid], true, o->max_steps, &k->steps);
		if (f < 0)
			goto cleanup;
		if (f)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < nc)
		k->t1 = cand[lo];
	/* starts: the beginning (absent register), then every invocation */
	nc = 0;
	for (size_t i = 0; i < h->n_ops && h->ops[i].call <= k->t1; i++)
		if (h->ops[i].key == k->key)
			cand[nc++] = h->ops[i].call;
	nc = lc_uniq(cand, nc);
	/* largest i with [cand[i], t1] failing; i = -1 stands for the beginning */
	{
		ssize_t l = -1, r = (ssize_t)nc - 1;
		while (l < r) {
			ssize_t mid = l + (r - l + 1) / 2;
			f = lc_window_fails(h, k->key, cand[mid], k->t1, false, o->max_steps,
					    &k->steps);
			if (f < 0)
				goto cleanup;
			if (f)
				l = mid;
			else
				r = mid - 1;
		}
		k->from_start = l < 0;
		k->t0 = l < 0 ? INT64_MIN : cand[l];
	}
	rc = 0;
cleanup:
	free(cand);
	return rc;
}

static int lc_check_key(const struct lc_history *h, const struct lc_options *o,
			struct lc_key_report *k)
{
	struct lc_wop *w = NULL;
	struct lc_search_result r;
	ssize_t n;

	n = lc_key_ops(h, k->key, INT64_MIN, INT64_MAX, &w);
	if (n < 0)
		return -1;
	k->n_checked = (size_t)n;
	if (lc_search(w, (size_t)n, LC_NIL, o->max_steps, o->no_minimize, &r) != 0) {
		free(w);
		return -1;
	}
	k->steps += r.steps;
	k->verdict = r.verdict;
	if (r.verdict != LC_NOT_LINEARIZABLE) {
		lc_search_result_free(&r);
		free(w);
		return 0;
	}
	k->t0 = INT64_MIN;
	k->t1 = INT64_MAX;
	k->from_start = true;
	if (o->no_minimize) {
		k->win = w;
		k->n_win = (size_t)n;
		k->why = r;
		return 0;
	}
	lc_search_result_free(&r);
	free(w);
	if (lc_minimize(h, k, o) != 0)
		return -1;
	n = lc_key_ops(h, k->key, k->t0, k->t1, &k->win);
	if (n < 0)
		return -1;
	k->n_win = (size_t)n;
	if (lc_search(k->win, k->n_win, k->from_start ? LC_NIL : LC_ANY, o->max_steps, true,
		      &k->why) != 0)
		return -1;
	k->steps += k->why.steps;
	return 0;
}

int lc_check(const struct lc_history *h, const struct lc_options *o, struct lc_report *rep)
{
	struct lc_options dflt = {0};
	struct timespec a, b;
	size_t nk = lc_key_count(h);

	if (!o)
		o = &dflt;
	memset(rep, 0, sizeof *rep);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < h->n_ops; i++)
		rep->count[h->ops[i].status][h->ops[i].kind]++;
	rep->keys = calloc(nk + 1, sizeof *rep->keys);
	if (!rep->keys)
		return -1;
	rep->n_keys = nk;
	for (size_t i = 0; i < h->n_ops; i++)
		rep->keys[h->ops[i].key].n_ops++;
	rep->verdict = LC_LINEARIZABLE;
	for (uint32_t k = 0; k < nk; k++) {
		struct lc_key_report *kr = &rep->keys[k];
		kr->key = k;
		kr->why.blocked = SIZE_MAX;
		if (lc_check_key(h, o, kr) != 0)
			return -1;
		rep->steps += kr->steps;
		if (kr->verdict == LC_NOT_LINEARIZABLE)
			rep->verdict = LC_NOT_LINEARIZABLE;
		else if (kr->verdict == LC_UNKNOWN && rep->verdict == LC_LINEARIZABLE)
			rep->verdict = LC_UNKNOWN;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	rep->seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	return 0;
}

void lc_report_free(struct lc_report *rep)
{
	for (size_t i = 0; i < rep->n_keys; i++) {
		free(rep->keys[i].win);
		lc_search_result_free(&rep->keys[i].why);
	}
	free(rep->keys);
	memset(rep, 0, sizeof *rep);
}
