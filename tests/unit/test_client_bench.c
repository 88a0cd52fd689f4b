/* Unit tests of gaia-bench's load (client_bench_run) against the tiny
 * HTTP server of test_client_server.c acting as a node: counts, keep-alive
 * per client, prefill, CAS conflicts, the leader, failures, percentiles
 * and the JSON document. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/client.h"
#include "test_client_server.h"

struct node_model {
	atomic_uint puts, gets, cas_puts, status_gets;
	int put_status;              /* 0: 200 */
	const char *status_body;     /* GET /api/cluster/status */
};

/* A node: PUT 200 (every other CAS PUT 409), GET 200 with an index,
 * /api/cluster/status from the model. */
static void node_handler(struct fake_server *s, const struct fake_request *req,
			 struct fake_reply *out, void *ud)
{
	struct node_model *m = ud;
	(void)s;

	if (strcmp(req->path, "/api/cluster/status") == 0) {
		atomic_fetch_add(&m->status_gets, 1);
		*out = (struct fake_reply){.status = 200, .body = m->status_body};
	} else if (strcmp(req->method, "PUT") == 0 && strstr(req->path, "?cas=")) {
		unsigned n = atomic_fetch_add(&m->cas_puts, 1);

		*out = (struct fake_reply){.status = n % 2 ? 409 : 200,
					   .body = n % 2 ? "{\"error\":\"cas_mismatch\",\"message\":\"m\"}" : "{}"};
	} else if (strcmp(req->method, "PUT") == 0) {
		atomic_fetch_add(&m->puts, 1);
		*out = (struct fake_reply){.status = m->put_status ? m->put_status : 200,
					   .body = m->put_status ? "{\"error\":\"internal\",\"message\":\"disk\"}" : "{}"};
	} else {
		atomic_fetch_add(&m->gets, 1);
		*out = (struct fake_reply){.status = 200, .headers = "X-Gaia-Modify-Index: 3\r\n",
					   .body = "value"};
	}
}

static void assert_ordered(const struct client_bench_stats *st)
{
	assert_true(st->p50_ms <= st->p90_ms);
	assert_true(st->p90_ms <= st->p99_ms);
	assert_true(st->p99_ms <= st->max_ms);
	assert_true(st->p50_ms > 0);
	assert_true(st->mean_ms > 0);
}

static void test_put_counts_and_keep_alive(void **state)
{
	struct node_model m = {0};
	struct fake_server s;
	struct client_bench_result r;
	char errmsg[GAIA_ERRMSG_SIZE];
	const char *addrs[1];
	(void)state;

	assert_int_equal(fake_start(&s, NULL, NULL, 0, node_handler, &m), 0);
	addrs[0] = s.addr;
	struct client_bench_options o = {.addrs = addrs, .n_addrs = 1, .clients = 4, .requests = 200,
					 .op = CLIENT_BENCH_PUT, .keys = 10, .value_size = 100,
					 .prefill = true /* ignored for put */};
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_int_equal(r.all.requests, 200);
	assert_int_equal(r.all.ok, 200);
	assert_int_equal(r.all.errors, 0);
	assert_int_equal(r.kind[CLIENT_BENCH_PUT].requests, 200);
	assert_int_equal(r.kind[CLIENT_BENCH_GET].requests, 0);
	assert_int_equal(r.n_statuses, 1);
	assert_int_equal(r.statuses[0].status, 200);
	assert_int_equal(r.statuses[0].count, 200);
	assert_ordered(&r.all);
	assert_true(r.all.ops_per_s > 0);
	assert_true(r.elapsed_s > 0);
	assert_int_equal(atomic_load(&m.puts), 200);
	/* at most one kept-alive connection per client (a thread the
	 * scheduler starts late may find the 200 requests gone) */
	assert_in_range(fake_connections(&s), 1, 4);
	assert_int_equal(s.log[0].body_len, 100);
	assert_memory_equal(s.log[0].path, "/api/kv/bench-", 14);
	assert_int_equal(r.n_targets, 1);
	assert_string_equal(r.targets[0], s.addr);
	assert_string_equal(r.first_error, "");
	fake_stop(&s);
}

static void test_reads_after_prefill(void **state)
{
	struct node_model m = {0};
	struct fake_server s;
	struct client_bench_result r;
	char errmsg[GAIA_ERRMSG_SIZE];
	const char *addrs[1];
	(void)state;

	assert_int_equal(fake_start(&s, NULL, NULL, 0, node_handler, &m), 0);
	addrs[0] = s.addr;
	struct client_bench_options o = {.addrs = addrs, .n_addrs = 1, .clients = 3, .requests = 90,
					 .op = CLIENT_BENCH_MIXED, .read_ratio = 1.0, .keys = 25,
					 .value_size = 10, .prefill = true, .stale = true,
					 .key_prefix = "t/"};
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_int_equal(atomic_load(&m.puts), 25);   /* the prefill: each key once */
	assert_int_equal(atomic_load(&m.gets), 90);
	assert_int_equal(r.kind[CLIENT_BENCH_GET].requests, 90);
	assert_int_equal(r.kind[CLIENT_BENCH_PUT].requests, 0);
	assert_int_equal(r.all.ok, 90);
	assert_memory_equal(s.log[30].path, "/api/kv/t/", 10);
	assert_non_null(strstr(s.log[30].path, "?consistency=stale"));
	fake_stop(&s);
}

static void test_cas_conflicts(void **state)
{
	struct node_model m = {0};
	struct fake_server s;
	struct client_bench_result r;
	char errmsg[GAIA_ERRMSG_SIZE];
	const char *addrs[1];
	(void)state;

	assert_int_equal(fake_start(&s, NULL, NULL, 0, node_handler, &m), 0);
	addrs[0] = s.addr;
	struct client_bench_options o = {.addrs = addrs, .n_addrs = 1, .clients = 2, .requests = 40,
					 .op = CLIENT_BENCH_CAS, .keys = 5, .value_size = 1,
					 .prefill = false};
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_int_equal(r.kind[CLIENT_BENCH_CAS].requests, 40);
	assert_int_equal(atomic_load(&m.gets), 40);      /* read the index ... */
	assert_int_equal(atomic_load(&m.cas_puts), 40);  /* ... then PUT ?cas= */
	assert_int_equal(r.all.ok, 20);
	assert_int_equal(r.all.conflicts, 20);
	assert_int_equal(r.all.errors, 0);
	for (int i = 0; i < FAKE_MAX_LOG && i < 80; i++)
		if (strcmp(s.log[i].method, "PUT") == 0)
			assert_non_null(strstr(s.log[i].path, "?cas=3"));
	fake_stop(&s);
}

static void test_duration_and_two_targets(void **state)
{
	struct node_model m1 = {0}, m2 = {0};
	struct fake_server s1, s2;
	struct client_bench_result r;
	char errmsg[GAIA_ERRMSG_SIZE];
	const char *addrs[2];
	(void)state;

	assert_int_equal(fake_start(&s1, NULL, NULL, 0, node_handler, &m1), 0);
	assert_int_equal(fake_start(&s2, NULL, NULL, 0, node_handler, &m2), 0);
	addrs[0] = s1.addr;
	addrs[1] = s2.addr;
	struct client_bench_options o = {.addrs = addrs, .n_addrs = 2, .clients = 4,
					 .duration_ms = 300, .op = CLIENT_BENCH_PUT};
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_true(r.elapsed_s >= 0.29 && r.elapsed_s < 2.0);
	assert_true(r.all.requests > 10);
	assert_int_equal(r.all.ok, r.all.requests);
	assert_true(atomic_load(&m1.puts) > 0);
	assert_true(atomic_load(&m2.puts) > 0);
	assert_int_equal(fake_connections(&s1), 2);
	assert_int_equal(fake_connections(&s2), 2);
	assert_int_equal(r.n_targets, 2);
	assert_string_equal(r.targets[1], s2.addr);
	fake_stop(&s1);
	fake_stop(&s2);
}

static void test_failures(void **state)
{
	struct node_model m = {.put_status = 500};
	struct fake_server s;
	struct client_bench_result r;
	char errmsg[GAIA_ERRMSG_SIZE], addr[64];
	const char *addrs[1] = {addr};
	(void)state;

	/* nothing listens: every request fails, none is an error of the run */
	snprintf(addr, sizeof addr, "127.0.0.1:%d", fake_closed_port());
	struct client_bench_options o = {.addrs = addrs, .n_addrs = 1, .clients = 2, .requests = 6,
					 .op = CLIENT_BENCH_PUT};
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_int_equal(r.all.requests, 6);
	assert_int_equal(r.all.errors, 6);
	assert_int_equal(r.all.ok, 0);
	assert_int_equal(r.n_statuses, 1);
	assert_int_equal(r.statuses[0].status, 0);
	assert_non_null(strstr(r.first_error, "cannot reach 127.0.0.1:"));
	assert_true(r.all.p50_ms == 0 && r.all.ops_per_s == 0);

	/* a prefill that fails stops the run */
	assert_int_equal(fake_start(&s, NULL, NULL, 0, node_handler, &m), 0);
	addrs[0] = s.addr;
	o.op = CLIENT_BENCH_GET;
	o.prefill = true;
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_EIO);
	assert_non_null(strstr(errmsg, "prefill of 'bench-"));
	assert_non_null(strstr(errmsg, "disk (HTTP 500)"));
	assert_int_equal(atomic_load(&m.gets), 0);

	/* errors by status */
	o.op = CLIENT_BENCH_PUT;
	o.requests = 10;
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_int_equal(r.all.errors, 10);
	assert_int_equal(r.statuses[0].status, 500);
	assert_int_equal(r.statuses[0].count, 10);
	fake_stop(&s);

	o.read_ratio = 1.5;
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_EINVAL);
	assert_string_equal(errmsg, "the read ratio must be within 0..1");
}

static void test_leader_only(void **state)
{
	struct node_model leader = {0}, follower = {0};
	struct fake_server sl, sf;
	struct client_bench_result r;
	char errmsg[GAIA_ERRMSG_SIZE], body[256];
	const char *addrs[1];
	(void)state;

	assert_int_equal(fake_start(&sl, NULL, NULL, 0, node_handler, &leader), 0);
	assert_int_equal(fake_start(&sf, NULL, NULL, 0, node_handler, &follower), 0);
	snprintf(body, sizeof body, "{\"node_id\":\"n2\",\"leader_id\":\"n1\",\"leader_address\":\"%s\"}",
		 sl.addr);
	follower.status_body = body;
	addrs[0] = sf.addr;
	struct client_bench_options o = {.addrs = addrs, .n_addrs = 1, .clients = 3, .requests = 30,
					 .op = CLIENT_BENCH_PUT, .leader_only = true};
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_string_equal(r.leader, "n1");
	assert_int_equal(r.n_targets, 1);
	assert_string_equal(r.targets[0], sl.addr);
	assert_int_equal(atomic_load(&leader.puts), 30);
	assert_int_equal(atomic_load(&follower.puts), 0);
	assert_int_equal(atomic_load(&follower.status_gets), 1);

	/* the node asked leads itself */
	leader.status_body = "{\"node_id\":\"n1\",\"leader_id\":\"n1\",\"leader_address\":null}";
	addrs[0] = sl.addr;
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_OK);
	assert_string_equal(r.targets[0], sl.addr);
	assert_int_equal(atomic_load(&leader.puts), 60);

	/* no leader within the timeout */
	follower.status_body = "{\"node_id\":\"n2\",\"leader_id\":null,\"leader_address\":null}";
	addrs[0] = sf.addr;
	o.timeout_ms = 300;
	assert_int_equal(client_bench_run(&o, &r, errmsg), GAIA_EUNAVAIL);
	assert_non_null(strstr(errmsg, "no leader found within 300 ms"));
	assert_non_null(strstr(errmsg, "knows no leader"));
	fake_stop(&sl);
	fake_stop(&sf);
}

static void test_percentile(void **state)
{
	uint32_t v[100];
	(void)state;

	for (uint32_t i = 0; i < 100; i++)
		v[i] = i + 1;
	assert_int_equal(client_bench_percentile(v, 100, 50), 50);
	assert_int_equal(client_bench_percentile(v, 100, 90), 90);
	assert_int_equal(client_bench_percentile(v, 100, 99), 99);
	assert_int_equal(client_bench_percentile(v, 100, 100), 100);
	assert_int_equal(client_bench_percentile(v, 100, 99.5), 100);
	assert_int_equal(client_bench_percentile(v, 10, 50), 5);
	assert_int_equal(client_bench_percentile(v, 10, 99), 10);
	assert_int_equal(client_bench_percentile(v, 1, 50), 1);
	assert_int_equal(client_bench_percentile(v, 0, 50), 0);
}

static void test_json_document(void **state)
{
	struct client_bench_options o = {.op = CLIENT_BENCH_MIXED, .clients = 8, .value_size = 100,
					 .keys = 50, .stale = true};
	struct client_bench_result r = {
		.elapsed_s = 2.0004,
		.all = {.requests = 10, .ok = 8, .errors = 2, .ops_per_s = 4.0,
			.p50_ms = 1.23456, .p90_ms = 2, .p99_ms = 3, .max_ms = 4, .mean_ms = 1.5},
		.kind = {[CLIENT_BENCH_PUT] = {.requests = 4, .ok = 4},
			 [CLIENT_BENCH_GET] = {.requests = 6, .ok = 4, .errors = 2}},
		.statuses = {{0, 1}, {200, 8}, {503, 1}},
		.n_statuses = 3,
		.targets = {"127.0.0.2:8080"},
		.n_targets = 1,
		.first_error = "boom",
	};
	json_t *j = client_bench_json(&o, &r);
	(void)state;

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "op")), "mixed");
	assert_int_equal(json_integer_value(json_object_get(j, "clients")), 8);
	assert_int_equal(json_integer_value(json_object_get(j, "requests")), 10);
	assert_int_equal(json_integer_value(json_object_get(j, "errors")), 2);
	assert_true(json_real_value(json_object_get(j, "elapsed_s")) == 2.0);
	assert_true(json_real_value(json_object_get(json_object_get(j, "latency_ms"), "p50")) == 1.235);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "status"), "503")), 1);
	assert_null(json_object_get(json_object_get(j, "status"), "0"));
	assert_int_equal(json_integer_value(json_object_get(j, "transport_errors")), 1);
	assert_int_equal(json_object_size(json_object_get(j, "by_op")), 2);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "by_op"), "get"), "errors")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "consistency")), "stale");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "targets"), 0)),
			    "127.0.0.2:8080");
	assert_true(json_is_null(json_object_get(j, "leader")));
	assert_string_equal(json_string_value(json_object_get(j, "first_error")), "boom");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_counts_and_keep_alive),
		cmocka_unit_test(test_reads_after_prefill),
		cmocka_unit_test(test_cas_conflicts),
		cmocka_unit_test(test_duration_and_two_targets),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_leader_only),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_json_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
