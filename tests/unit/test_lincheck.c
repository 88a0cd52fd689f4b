/* Unit tests of the linearizability checker (tests/fault/lincheck): hand-written histories known linearizable and known not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lincheck.h"

/* Histories without "time": the line order is the real-time order. A
 * line "I p key op value" / "O p value" / "F p" / "N p" (invoke, ok,
 * fail, info) is expanded to JSON by hist(). */
static char *hist(const char *spec)
{
	size_t cap = strlen(spec) * 8 + 64, o = 0;
	char *out = malloc(cap), line[256];
	const char *p = spec;

	assert_non_null(out);
	out[0] = '\0';
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char t, key[32], op[16], v1[32], v2[32];
		int proc, n;
		assert_true(len < sizeof line);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (e != NULL);
		v1[0] = v2[0] = '\0';
		n = sscanf(line, " %c %d", &t, &proc);
		if (n < 2)
			continue;
		if (t == 'I') {
			n = sscanf(line, " I %d %31s %15s %31s %31s", &proc, key, op, v1, v2);
			assert_true(n >= 3);
			if (strcmp(op, "cas") == 0)
				o += (size_t)snprintf(out + o, cap - o,
						      "{\"type\":\"invoke\",\"process\":%d,\"key\":\"%s\","
						      "\"op\":\"cas\",\"value\":[%s,%s]}\n",
						      proc, key, v1, v2);
			else
				o += (size_t)snprintf(out + o, cap - o,
						      "{\"type\":\"invoke\",\"process\":%d,\"key\":\"%s\","
						      "\"op\":\"%s\",\"value\":%s}\n",
						      proc, key, op, v1[0] ? v1 : "null");
		} else if (t == 'O') {
			n = sscanf(line, " O %d %31s", &proc, v1);
			o += (size_t)snprintf(out + o, cap - o,
					      "{\"type\":\"ok\",\"process\":%d,\"value\":%s}\n", proc,
					      n == 2 ? v1 : "null");
		} else {
			o += (size_t)snprintf(out + o, cap - o, "{\"type\":\"%s\",\"process\":%d}\n",
					      t == 'F' ? "fail" : "info", proc);
		}
		assert_true(o < cap);
	}
	return out;
}

static enum lc_verdict check_spec(const char *spec, struct lc_report *keep, struct lc_history *hk)
{
	struct lc_history h;
	struct lc_report rep;
	char err[256], *text = hist(spec);
	enum lc_verdict v;

	lc_history_init(&h);
	if (lc_history_parse(&h, text, err, sizeof err) != 0)
		fail_msg("parse: %s", err);
	free(text);
	assert_int_equal(lc_check(&h, NULL, &rep), 0);
	v = rep.verdict;
	if (v == LC_NOT_LINEARIZABLE)
		lc_print_report(stdout, &h, &rep);
	if (keep) {
		*keep = rep;
		*hk = h;
		return v;
	}
	lc_report_free(&rep);
	lc_history_free(&h);
	return v;
}

#define LIN(spec) assert_int_equal(check_spec(spec, NULL, NULL), LC_LINEARIZABLE)
#define NOT_LIN(spec) assert_int_equal(check_spec(spec, NULL, NULL), LC_NOT_LINEARIZABLE)

static void test_sequential(void **s)
{
	(void)s;
	LIN("I 1 x read\nO 1 null\n"
	    "I 1 x write 1\nO 1\n"
	    "I 2 x read\nO 2 1\n"
	    "I 2 x cas 1 2\nO 2\n"
	    "I 1 x read\nO 1 2\n"
	    "I 1 x cas null 9\nF 1\n"
	    "I 1 x read\nO 1 2\n");
}

static void test_concurrent_writes(void **s)
{
	(void)s;
	/* both orders possible: the later read decides */
	LIN("I 1 x write 1\nI 2 x write 2\nO 1\nO 2\nI 3 x read\nO 3 1\nI 3 x read\nO 3 1\n");
	LIN("I 1 x write 1\nI 2 x write 2\nO 1\nO 2\nI 3 x read\nO 3 2\n");
	/* a read concurrent with a write sees the old or the new value */
	LIN("I 1 x write 1\nO 1\nI 1 x write 2\nI 2 x read\nO 2 1\nI 3 x read\nO 3 2\nO 1\n");
	/* ...but once it saw the new one, nobody later sees the old one */
	NOT_LIN("I 1 x write 1\nO 1\nI 1 x write 2\nI 2 x read\nO 2 2\nI 3 x read\nO 3 1\nO 1\n");
	/* two writes settled: the value cannot flip back */
	NOT_LIN("I 1 x write 1\nI 2 x write 2\nO 1\nO 2\nI 3 x read\nO 3 1\nI 3 x read\nO 3 2\n");
}

static void test_stale_read(void **s)
{
	(void)s;
	NOT_LIN("I 1 x write 1\nO 1\nI 1 x write 2\nO 1\nI 2 x read\nO 2 1\n");
	/* a read concurrent with nothing cannot see a value never written */
	NOT_LIN("I 1 x write 1\nO 1\nI 2 x read\nO 2 7\n");
}

static void test_lost_write(void **s)
{
	(void)s;
	/* acknowledged, then gone */
	NOT_LIN("I 1 x write 5\nO 1\nI 2 x read\nO 2 null\n");
	NOT_LIN("I 1 x write 1\nO 1\nI 2 x cas 1 2\nO 2\nI 3 x read\nO 3 1\n");
}

static void test_cas_applied_twice(void **s)
{
	(void)s;
	NOT_LIN("I 1 x write 1\nO 1\nI 2 x cas 1 2\nO 2\nI 3 x cas 1 3\nO 3\n");
	/* concurrent: only one of two CAS from 1 can win */
	NOT_LIN("I 1 x write 1\nO 1\nI 2 x cas 1 2\nI 3 x cas 1 3\nO 2\nO 3\n");
	/* one wins, the other fails: fine */
	LIN("I 1 x write 1\nO 1\nI 2 x cas 1 2\nI 3 x cas 1 3\nO 2\nF 3\nI 4 x read\nO 4 2\n");
	/* chained CAS in either order */
	LIN("I 1 x write 1\nO 1\nI 2 x cas 1 2\nI 3 x cas 2 3\nO 3\nO 2\nI 4 x read\nO 4 3\n");
	/* create-only twice */
	NOT_LIN("I 1 x cas null 1\nO 1\nI 2 x cas null 2\nO 2\n");
}

static void test_indeterminate(void **s)
{
	(void)s;
	/* took effect */
	LIN("I 1 x write 1\nO 1\nI 2 x write 2\nN 2\nI 3 x read\nO 3 2\n");
	/* did not take effect */
	LIN("I 1 x write 1\nO 1\nI 2 x write 2\nN 2\nI 3 x read\nO 3 1\nI 3 x read\nO 3 1\n");
	/* took effect late, long after its client gave up */
	LIN("I 1 x write 1\nO 1\nI 2 x write 2\nN 2\nI 3 x read\nO 3 1\nI 4 x write 3\nO 4\n"
	    "I 3 x read\nO 3 3\nI 3 x read\nO 3 2\n");
	/* an invocation never completed is indeterminate too */
	LIN("I 1 x write 1\nO 1\nI 2 x write 2\nI 3 x read\nO 3 2\n");
	/* but it cannot act before it was invoked */
	NOT_LIN("I 1 x write 1\nO 1\nI 3 x read\nO 3 2\nI 2 x write 2\nN 2\n");
	/* nor twice */
	NOT_LIN("I 1 x write 1\nO 1\nI 2 x write 2\nN 2\nI 3 x read\nO 3 2\nI 4 x write 3\nO 4\n"
		"I 3 x read\nO 3 2\n");
	/* an indeterminate CAS whose expected value never held */
	NOT_LIN("I 1 x write 1\nO 1\nI 2 x cas 5 3\nN 2\nI 3 x read\nO 3 3\n");
	/* ...and one whose did */
	LIN("I 1 x write 1\nO 1\nI 2 x cas 1 3\nN 2\nI 3 x read\nO 3 3\n");
	/* a chain of indeterminate CAS */
	LIN("I 1 x write 1\nO 1\nI 2 x cas 1 3\nN 2\nI 4 x cas 3 4\nN 4\nI 3 x read\nO 3 4\n");
	/* a failed write never happened */
	NOT_LIN("I 1 x write 1\nO 1\nI 2 x write 2\nF 2\nI 3 x read\nO 3 2\n");
}

static void test_keys_independent(void **s)
{
	(void)s;
	LIN("I 1 x write 1\nI 2 y write 1\nO 1\nO 2\nI 1 y read\nO 1 1\nI 2 x read\nO 2 1\n");
	NOT_LIN("I 1 x write 1\nO 1\nI 2 y read\nO 2 1\n");
}

static void test_window(void **s)
{
	struct lc_history h;
	struct lc_report rep;
	char spec[8192];
	size_t o = 0;
	(void)s;

	/* 40 good writes and reads, then a stale read */
	for (int i = 1; i <= 40; i++)
		o += (size_t)snprintf(spec + o, sizeof spec - o,
				      "I 1 k write %d\nI 2 k read\nO 1\nO 2 %d\n", i, i - 1 ? i - 1 : i);
	o += (size_t)snprintf(spec + o, sizeof spec - o, "I 3 k read\nO 3 39\n");
	o += (size_t)snprintf(spec + o, sizeof spec - o, "I 1 k write 100\nO 1\n");
	assert_int_equal(check_spec(spec, &rep, &h), LC_NOT_LINEARIZABLE);
	assert_int_equal(rep.n_keys, 1);
	/* the window: write 40 and the stale read (the read that saw 39 is cut) */
	assert_true(rep.keys[0].n_win <= 3);
	assert_false(rep.keys[0].from_start);
	{
		int has_stale = 0;
		for (size_t i = 0; i < rep.keys[0].n_win; i++)
			has_stale |= rep.keys[0].win[i].src->process == 3;
		assert_true(has_stale);
	}
	assert_int_equal(rep.keys[0].why.verdict, LC_NOT_LINEARIZABLE);
	lc_report_free(&rep);
	lc_history_free(&h);
}

static void test_times(void **s)
{
	struct lc_history h;
	struct lc_report rep;
	char err[256];
	/* p2's read is written last but happened between the two writes: the
	 * times decide, not the line order; a nemesis note is skipped */
	const char *text =
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"write\",\"value\":1,\"time\":10}\n"
		"{\"type\":\"ok\",\"process\":1,\"key\":\"a\",\"op\":\"write\",\"value\":1,\"time\":20}\n"
		"{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"kill\"}\n"
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"write\",\"value\":2,\"time\":30}\n"
		"{\"type\":\"ok\",\"process\":1,\"time\":40}\n"
		"{\"type\":\"invoke\",\"process\":2,\"key\":\"a\",\"op\":\"read\",\"value\":null,\"time\":21}\n"
		"{\"type\":\"ok\",\"process\":2,\"key\":\"a\",\"op\":\"read\",\"value\":\"1\",\"time\":29}\n";
	(void)s;
	lc_history_init(&h);
	if (lc_history_parse(&h, text, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(h.skipped, 1);
	assert_int_equal(h.n_ops, 3);
	assert_int_equal(lc_check(&h, NULL, &rep), 0);
	assert_int_equal(rep.verdict, LC_LINEARIZABLE);
	lc_report_free(&rep);
	lc_history_free(&h);
}

static void test_equal_times(void **s)
{
	struct lc_history h;
	struct lc_report rep;
	char err[256];
	/* the read invoked at the write's completion time (50) may precede it */
	const char *text =
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"write\",\"value\":1,\"time\":10}\n"
		"{\"type\":\"ok\",\"process\":1,\"time\":20}\n"
		"{\"type\":\"invoke\",\"process\":3,\"key\":\"a\",\"op\":\"write\",\"value\":2,\"time\":40}\n"
		"{\"type\":\"ok\",\"process\":3,\"time\":50}\n"
		"{\"type\":\"invoke\",\"process\":4,\"key\":\"a\",\"op\":\"read\",\"time\":50}\n"
		"{\"type\":\"ok\",\"process\":4,\"value\":\"1\",\"time\":60}\n"
		"{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"kill\",\"time\":55}\n";
	(void)s;
	lc_history_init(&h);
	if (lc_history_parse(&h, text, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(h.skipped, 1);
	assert_int_equal(lc_check(&h, NULL, &rep), 0);
	assert_int_equal(rep.verdict, LC_LINEARIZABLE);
	lc_report_free(&rep);
	lc_history_free(&h);
}

static void test_bad_input(void **s)
{
	static const char *const bad[] = {
		"not json\n",
		"{\"type\":\"ok\",\"process\":1}\n",
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"read\"}\n"
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"read\"}\n",
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"frob\"}\n",
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"cas\",\"value\":1}\n",
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"write\"}\n",
		"{\"type\":\"done\",\"process\":1}\n",
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"read\",\"time\":5}\n"
		"{\"type\":\"ok\",\"process\":1,\"value\":null,\"time\":4}\n",
		"{\"type\":\"invoke\",\"process\":1,\"key\":\"a\",\"op\":\"read\"}\n"
		"{\"type\":\"ok\",\"process\":1,\"key\":\"b\",\"value\":null}\n",
	};
	(void)s;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lc_history h;
		char err[256] = "";
		lc_history_init(&h);
		assert_int_equal(lc_history_parse(&h, bad[i], err, sizeof err), -1);
		assert_true(strstr(err, "line") != NULL);
		lc_history_free(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential),
		cmocka_unit_test(test_concurrent_writes),
		cmocka_unit_test(test_stale_read),
		cmocka_unit_test(test_lost_write),
		cmocka_unit_test(test_cas_applied_twice),
		cmocka_unit_test(test_indeterminate),
		cmocka_unit_test(test_keys_independent),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_equal_times),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
