/* Unit tests of the Prometheus text writer and histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "metrics/metrics.h"

static void test_family_and_samples(void **state)
{
	struct metrics_buf b = {0};
	char lab[128] = "";
	(void)state;
	metrics_family(&b, "raft_term", "gauge", "Current Raft term.");
	metrics_sample(&b, "raft_term", "", 42);
	metrics_label(lab, sizeof lab, "peer", "node-2");
	metrics_label(lab, sizeof lab, "odd", "a\"b\\c\nd");
	metrics_sample(&b, "raft_peer_lag", lab, 1.5);
	assert_false(b.failed);
	assert_string_equal(b.p,
		"# HELP raft_term Current Raft term.\n"
		"# TYPE raft_term gauge\n"
		"raft_term 42\n"
		"raft_peer_lag{peer=\"node-2\",odd=\"a\\\"b\\\\c\\nd\"} 1.5\n");
	metrics_buf_free(&b);
}

static void test_histogram_is_cumulative(void **state)
{
	static const double bounds[] = {0.001, 0.01, 0.1};
	struct metrics_hist h;
	struct metrics_buf b = {0};
	(void)state;
	metrics_hist_init(&h, bounds, 3);
	metrics_hist_observe(&h, 0.0005);
	metrics_hist_observe(&h, 0.005);
	metrics_hist_observe(&h, 0.005);
	metrics_hist_observe(&h, 5);
	metrics_hist_write(&b, "wal_fsync_seconds", "", &h);
	assert_non_null(strstr(b.p, "wal_fsync_seconds_bucket{le=\"0.001\"} 1\n"));
	assert_non_null(strstr(b.p, "wal_fsync_seconds_bucket{le=\"0.01\"} 3\n"));
	assert_non_null(strstr(b.p, "wal_fsync_seconds_bucket{le=\"0.1\"} 3\n"));
	assert_non_null(strstr(b.p, "wal_fsync_seconds_bucket{le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(b.p, "wal_fsync_seconds_count 4\n"));
	assert_non_null(strstr(b.p, "wal_fsync_seconds_sum 5.0105\n"));
	metrics_buf_free(&b);
}

static void test_large_output_grows(void **state)
{
	struct metrics_buf b = {0};
	(void)state;
	for (int i = 0; i < 10000; i++)
		metrics_sample(&b, "x_total", "", i);
	assert_false(b.failed);
	assert_non_null(strstr(b.p, "x_total 9999\n"));
	metrics_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_histogram_is_cumulative),
		cmocka_unit_test(test_large_output_grows),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
