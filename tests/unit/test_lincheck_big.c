/* Unit test of the linearizability checker at scale: 100,000 operations from a simulated linearizable register store, checked in seconds; the same with one stale read injected fails with a small window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lincheck.h"

#define PROCS 10
#define KEYS 5
#define OPS 100000

struct sim_proc {
	int64_t id;
	int busy, applied, skip; /* skip: will end "info" without taking effect */
	int key, kind;           /* 0 read, 1 write, 2 cas */
	int64_t arg, arg2, out;
	int ok;
	int64_t seen[KEYS]; /* last value this process saw per key (0 = absent) */
};

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void val(FILE *f, int64_t v)
{
	if (v)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "null");
}

/* A store of KEYS registers; PROCS clients; each operation is invoked,
 * takes effect at one later step, and completes at a later one; 2% of
 * the writes and CAS end "info" (half of them having taken effect). When
 * stale_at >= 0, the read completing then returns the value before the
 * last write instead. */
static char *generate(size_t *len, long stale_at, int64_t *stale_value)
{
	struct sim_proc p[PROCS];
	int64_t reg[KEYS] = {0}, prev[KEYS] = {0}, next_value = 1, t = 0;
	long done = 0, reads = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	memset(p, 0, sizeof p);
	for (int i = 0; i < PROCS; i++)
		p[i].id = i;
	while (done < OPS) {
		struct sim_proc *q = &p[rnd() % PROCS];
		t += 1 + (int64_t)(rnd() % 1000);
		if (!q->busy) {
			q->busy = 1;
			q->applied = 0;
			q->key = (int)(rnd() % KEYS);
			q->kind = (int)(rnd() % 10 < 5 ? 0 : rnd() % 3 ? 1 : 2);
			q->skip = q->kind && rnd() % 100 == 0;
			fprintf(f, "{\"type\":\"invoke\",\"process\":%lld,\"key\":\"k%d\",\"op\":\"%s\",\"value\":",
				(long long)q->id, q->key, q->kind == 0 ? "read" : q->kind == 1 ? "write" : "cas");
			if (q->kind == 1) {
				q->arg = next_value++;
				val(f, q->arg);
			} else if (q->kind == 2) {
				q->arg = rnd() % 2 ? q->seen[q->key] : reg[q->key];
				q->arg2 = next_value++;
				fputc('[', f);
				val(f, q->arg);
				fputc(',', f);
				val(f, q->arg2);
				fputc(']', f);
			} else {
				fprintf(f, "null");
			}
			fprintf(f, ",\"time\":%lld}\n", (long long)t);
		} else if (!q->applied) {
			q->applied = 1;
			q->ok = 1;
			if (q->skip)
				continue;
			if (q->kind == 0) {
				q->out = reg[q->key];
			} else if (q->kind == 1) {
				prev[q->key] = reg[q->key];
				reg[q->key] = q->arg;
			} else if (reg[q->key] == q->arg) {
				prev[q->key] = reg[q->key];
				reg[q->key] = q->arg2;
			} else {
				q->ok = 0;
			}
		} else {
			const char *type = q->ok ? "ok" : "fail";
			q->busy = 0;
			done++;
			if (q->kind && (q->skip || rnd() % 100 == 0))
				type = "info";
			fprintf(f, "{\"type\":\"%s\",\"process\":%lld,\"key\":\"k%d\",\"value\":", type,
				(long long)q->id, q->key);
			if (q->kind == 0) {
				int64_t out = q->out;
				if (stale_at >= 0 && reads++ == stale_at && prev[q->key] != out &&
				    reg[q->key] == out) {
					out = prev[q->key];
					*stale_value = out;
					stale_at = -1;
				}
				val(f, out);
				q->seen[q->key] = out;
			} else {
				val(f, q->kind == 1 ? q->arg : q->arg2);
				if (q->ok && !q->skip)
					q->seen[q->key] = q->kind == 1 ? q->arg : q->arg2;
			}
			fprintf(f, ",\"time\":%lld}\n", (long long)t);
			if (type[0] == 'i')
				q->id += PROCS; /* a crashed client comes back as a new process */
		}
	}
	assert_int_equal(fclose(f), 0);
	return buf;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_100k_linearizable(void **s)
{
	struct lc_history h;
	struct lc_report rep;
	size_t len;
	char err[256], *text;
	double t0, t1, t2;
	(void)s;

	text = generate(&len, -1, NULL);
	t0 = now();
	lc_history_init(&h);
	if (lc_history_parse(&h, text, err, sizeof err) != 0)
		fail_msg("%s", err);
	free(text);
	t1 = now();
	assert_true(h.n_ops >= OPS); /* and the invocations left open */
	assert_int_equal(lc_check(&h, NULL, &rep), 0);
	t2 = now();
	lc_print_counts(stdout, &rep);
	printf("parsed %zu operations in %.2f s, checked in %.2f s (%llu search steps)\n", h.n_ops,
	       t1 - t0, t2 - t1, (unsigned long long)rep.steps);
	if (rep.verdict != LC_LINEARIZABLE)
		lc_print_report(stdout, &h, &rep);
	assert_int_equal(rep.verdict, LC_LINEARIZABLE);
	assert_true(rep.count[LC_INFO][LC_WRITE] + rep.count[LC_INFO][LC_CAS] > 0);
	assert_true(rep.count[LC_OK][LC_CAS] > 0 && rep.count[LC_FAIL][LC_CAS] > 0);
	assert_true(t2 - t0 < 60.0); /* "seconds": fail only when absurdly slow */
	lc_report_free(&rep);
	lc_history_free(&h);
}

static void test_100k_one_stale_read(void **s)
{
	struct lc_history h;
	struct lc_report rep;
	size_t len, stale = 0;
	int64_t stale_value = -1;
	char err[256], *text;
	double t0, t1;
	(void)s;

	rng = 1234567;
	text = generate(&len, 30000, &stale_value);
	assert_true(stale_value >= 0);
	t0 = now();
	lc_history_init(&h);
	if (lc_history_parse(&h, text, err, sizeof err) != 0)
		fail_msg("%s", err);
	free(text);
	assert_int_equal(lc_check(&h, NULL, &rep), 0);
	t1 = now();
	lc_print_report(stdout, &h, &rep);
	printf("found in %.2f s\n", t1 - t0);
	assert_int_equal(rep.verdict, LC_NOT_LINEARIZABLE);
	for (size_t k = 0; k < rep.n_keys; k++) {
		if (rep.keys[k].verdict != LC_NOT_LINEARIZABLE)
			continue;
		stale++;
		assert_true(rep.keys[k].n_win > 0 && rep.keys[k].n_win < 40);
	}
	assert_int_equal(stale, 1);
	assert_true(t1 - t0 < 60.0);
	lc_report_free(&rep);
	lc_history_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_100k_linearizable),
		cmocka_unit_test(test_100k_one_stale_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
