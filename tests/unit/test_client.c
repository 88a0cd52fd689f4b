/* Unit tests of libgaia/client against a tiny HTTP server in the test
 * (test_client_server.c): requests as sent on the wire, typed answers,
 * keep-alive, 503 with Retry-After, failures named in errmsg, the Unix
 * socket and where a client connects by default. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/client.h"
#include "test_client_server.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct client *new_client(const char *addr, const char *sock, uint64_t timeout_ms,
				 unsigned attempts, uint64_t max_wait_ms)
{
	struct client_options o = {.addr = addr, .socket_path = sock, .timeout_ms = timeout_ms,
				   .max_attempts = attempts, .max_retry_wait_ms = max_wait_ms};
	char errmsg[GAIA_ERRMSG_SIZE];
	struct client *c = NULL;

	assert_int_equal(client_new(&c, &o, errmsg), GAIA_OK);
	return c;
}

static void test_json_answer_and_headers(void **state)
{
	static const struct fake_reply script[] = {{
		.status = 200,
		.headers = "Content-Type: application/json\r\nX-Gaia-Leader: node-2\r\n"
			   "X-Gaia-Modify-Index: 42\r\nx-gaia-create-index: 7\r\n",
		.body = "{\"leader_id\":\"node-2\",\"term\":3}",
	}};
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 1, NULL, NULL), 0);
	c = new_client(s.addr, NULL, 0, 0, 0);
	assert_string_equal(client_target(c), s.addr);
	assert_false(client_is_unix(c));
	assert_int_equal(client_request(c, "GET", "/api/cluster/status", NULL, 0, CLIENT_JSON, &r),
			 GAIA_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(r.json);
	assert_int_equal(json_integer_value(json_object_get(r.json, "term")), 3);
	assert_string_equal(r.leader, "node-2");
	assert_true(r.has_modify_index);
	assert_int_equal(r.modify_index, 42);
	assert_true(r.has_create_index);
	assert_int_equal(r.create_index, 7);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.body_len, strlen(script[0].body));
	assert_string_equal(r.body, script[0].body);
	assert_string_equal(s.log[0].method, "GET");
	assert_string_equal(s.log[0].path, "/api/cluster/status");
	assert_int_equal(client_check(c, &r), GAIA_OK);
	client_response_free(&r);
	assert_null(r.body);
	client_free(c);
	fake_stop(&s);
}

/* Every KV call on the wire, all over one kept-alive connection. */
static void test_kv_requests_keep_alive(void **state)
{
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	char value[3000];
	(void)state;

	memset(value, 'v', sizeof value);
	assert_int_equal(fake_start(&s, NULL, NULL, 0, NULL, NULL), 0);
	c = new_client(s.addr, NULL, 0, 0, 0);

	assert_int_equal(client_kv_put(c, "dir/a b%?", value, sizeof value, 5, 0, &r), GAIA_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(s.log[0].method, "PUT");
	assert_string_equal(s.log[0].path, "/api/kv/dir/a%20b%25%3F?cas=5");
	assert_int_equal(s.log[0].body_len, sizeof value);
	assert_string_equal(s.log[0].content_type, "application/octet-stream");
	assert_false(s.log[0].has_expect); /* no 100-continue round trip */

	assert_int_equal(client_kv_put(c, "k", "", 0, 0, 0, &r), GAIA_OK);
	assert_string_equal(s.log[1].path, "/api/kv/k?cas=0");
	assert_int_equal(s.log[1].body_len, 0);

	assert_int_equal(client_kv_get(c, "k", true, 0, &r), GAIA_OK);
	assert_string_equal(s.log[2].method, "GET");
	assert_string_equal(s.log[2].path, "/api/kv/k?consistency=stale");
	assert_int_equal(client_kv_get(c, "k", false, 0, &r), GAIA_OK);
	assert_string_equal(s.log[3].path, "/api/kv/k");

	assert_int_equal(client_kv_delete(c, "k", CLIENT_NO_CAS, 0, &r), GAIA_OK);
	assert_string_equal(s.log[4].method, "DELETE");
	assert_string_equal(s.log[4].path, "/api/kv/k");
	assert_int_equal(client_kv_delete(c, "k", 9, 0, &r), GAIA_OK);
	assert_string_equal(s.log[5].path, "/api/kv/k?cas=9");

	assert_int_equal(client_request(c, "POST", "/api/cluster/peers", "{\"node_id\":\"n4\"}", 16,
					CLIENT_BODY_JSON, &r), GAIA_OK);
	assert_string_equal(s.log[6].method, "POST");
	assert_string_equal(s.log[6].content_type, "application/json");
	assert_string_equal(s.log[6].body, "{\"node_id\":\"n4\"}");
	assert_int_equal(client_request(c, "POST", "/api/cluster/snapshot", NULL, 0, 0, &r), GAIA_OK);
	assert_string_equal(s.log[7].method, "POST");
	assert_int_equal(s.log[7].body_len, 0);

	for (int i = 0; i < 20; i++)
		assert_int_equal(client_kv_get(c, "k", false, 0, &r), GAIA_OK);
	assert_int_equal(fake_requests(&s), 28);
	assert_int_equal(fake_connections(&s), 1);
	for (int i = 0; i < 28; i++)
		assert_int_equal(s.log[i].conn, 1);

	assert_int_equal(client_kv_put(c, "", "x", 1, CLIENT_NO_CAS, 0, &r), GAIA_EINVAL);
	assert_string_equal(client_errmsg(c), "a key must not be empty");
	assert_int_equal(client_request(c, "GET", "no-slash", NULL, 0, 0, &r), GAIA_EINVAL);
	client_response_free(&r);
	client_free(c);
	fake_stop(&s);
}

static void test_retry_after_then_ok(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 503, .headers = "Retry-After: 1\r\n",
		 .body = "{\"error\":\"no_leader\",\"message\":\"no leader yet\"}"},
		{.status = 200, .body = "{\"key\":\"k\",\"create_index\":4,\"modify_index\":4}"},
	};
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	uint64_t t0;
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 2, NULL, NULL), 0);
	c = new_client(s.addr, NULL, 0, 0, 0);
	t0 = now_ms();
	assert_int_equal(client_kv_put(c, "k", "v", 1, CLIENT_NO_CAS, CLIENT_JSON, &r), GAIA_OK);
	assert_true(now_ms() - t0 >= 950);  /* waited out Retry-After: 1 */
	assert_true(now_ms() - t0 < 3000);
	assert_true(r.elapsed_us >= 950000);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.retry_after_s, 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "modify_index")), 4);
	assert_int_equal(fake_requests(&s), 2);
	assert_string_equal(s.log[1].body, "v"); /* the same request again */
	client_response_free(&r);
	client_free(c);
	fake_stop(&s);
}

static void always_503(struct fake_server *s, const struct fake_request *req,
		       struct fake_reply *out, void *ud)
{
	(void)s, (void)req, (void)ud;
	*out = (struct fake_reply){.status = 503, .headers = "Retry-After: 1\r\n",
				   .body = "{\"error\":\"no_leader\",\"message\":\"no leader yet\"}"};
}

static void test_retries_are_bounded(void **state)
{
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	char want[128];
	uint64_t t0;
	(void)state;

	assert_int_equal(fake_start(&s, NULL, NULL, 0, always_503, NULL), 0);
	/* 3 attempts, Retry-After capped to 50 ms */
	c = new_client(s.addr, NULL, 0, 3, 50);
	t0 = now_ms();
	assert_int_equal(client_request(c, "GET", "/api/cluster/health", NULL, 0, CLIENT_JSON, &r),
			 GAIA_OK);
	assert_true(now_ms() - t0 < 900);
	assert_int_equal(r.status, 503);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.retry_after_s, 1);
	assert_int_equal(fake_requests(&s), 3);
	assert_int_equal(client_check(c, &r), GAIA_EUNAVAIL);
	snprintf(want, sizeof want, "%s: no leader yet (HTTP 503)", s.addr);
	assert_string_equal(client_errmsg(c), want);

	/* CLIENT_NO_RETRY: the first answer is returned */
	assert_int_equal(client_request(c, "GET", "/x", NULL, 0, CLIENT_NO_RETRY, &r), GAIA_OK);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(fake_requests(&s), 4);
	client_response_free(&r);
	client_free(c);
	fake_stop(&s);
}

static void test_unreachable_and_timeout(void **state)
{
	static const struct fake_reply slow[] = {{.status = 200, .body = "late", .delay_ms = 3000}};
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	char addr[64], want[160];
	uint64_t t0;
	(void)state;

	snprintf(addr, sizeof addr, "127.0.0.1:%d", fake_closed_port());
	c = new_client(addr, NULL, 1000, 0, 0);
	assert_int_equal(client_kv_get(c, "k", false, 0, &r), GAIA_EIO);
	snprintf(want, sizeof want, "cannot reach %s: Connection refused", addr);
	assert_string_equal(client_errmsg(c), want);
	assert_int_equal(r.status, 0);
	client_free(c);

	assert_int_equal(fake_start(&s, NULL, slow, 1, NULL, NULL), 0);
	c = new_client(s.addr, NULL, 200, 0, 0);
	t0 = now_ms();
	assert_int_equal(client_kv_get(c, "k", false, 0, &r), GAIA_EIO);
	assert_true(now_ms() - t0 < 2000);
	snprintf(want, sizeof want, "no answer from %s within 200 ms", s.addr);
	assert_string_equal(client_errmsg(c), want);
	client_response_free(&r);
	client_free(c);
	fake_stop(&s);
}

static void test_unix_socket(void **state)
{
	char dir[] = "/tmp/gaia-client-test.XXXXXX", path[128], want[200];
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/gaia.sock", dir);
	assert_int_equal(fake_start(&s, path, NULL, 0, NULL, NULL), 0);
	c = new_client(NULL, path, 0, 0, 0);
	assert_true(client_is_unix(c));
	assert_string_equal(client_target(c), path);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(client_kv_put(c, "k", "v", 1, CLIENT_NO_CAS, 0, &r), GAIA_OK);
		assert_int_equal(r.status, 200);
	}
	assert_string_equal(s.log[0].path, "/api/kv/k");
	assert_int_equal(fake_connections(&s), 1);
	client_free(c);
	fake_stop(&s);

	c = new_client(NULL, path, 0, 0, 0); /* the socket is gone now */
	assert_int_equal(client_kv_get(c, "k", false, 0, &r), GAIA_EIO);
	snprintf(want, sizeof want, "cannot reach %s: No such file or directory", path);
	assert_string_equal(client_errmsg(c), want);
	client_response_free(&r);
	client_free(c);
	rmdir(dir);
}

static const char *target_of(const struct client_options *o)
{
	static char buf[256];
	char errmsg[GAIA_ERRMSG_SIZE];
	struct client *c;

	if (client_new(&c, o, errmsg) != GAIA_OK) {
		snprintf(buf, sizeof buf, "error: %.240s", errmsg);
		return buf;
	}
	snprintf(buf, sizeof buf, "%s%s", client_is_unix(c) ? "unix:" : "tcp:", client_target(c));
	client_free(c);
	return buf;
}

static void test_where_it_connects(void **state)
{
	struct client_options o = {0};
	(void)state;

	unsetenv("GAIA_ADDR");
	unsetenv("GAIA_SOCKET");
	unsetenv("GAIA_DATA_DIR");
	assert_string_equal(target_of(&o), "unix:" CLIENT_DEFAULT_SOCKET);
	setenv("GAIA_DATA_DIR", "/srv/gaia", 1);
	assert_string_equal(target_of(&o), "unix:/srv/gaia/gaia.sock");
	setenv("GAIA_SOCKET", "/run/g.sock", 1);
	assert_string_equal(target_of(&o), "unix:/run/g.sock");
	setenv("GAIA_ADDR", "10.0.0.1:8080,10.0.0.2:8080", 1);
	assert_string_equal(target_of(&o), "tcp:10.0.0.1:8080");
	/* a flag beats the environment, whatever the transport */
	o.socket_path = "/flag.sock";
	assert_string_equal(target_of(&o), "unix:/flag.sock");
	o.addr = "http://[::1]:9000/";
	assert_string_equal(target_of(&o), "tcp:[::1]:9000");
	unsetenv("GAIA_ADDR");
	unsetenv("GAIA_SOCKET");
	unsetenv("GAIA_DATA_DIR");

	o = (struct client_options){.addr = "nohost"};
	assert_string_equal(target_of(&o), "error: bad address 'nohost': use host:port");
	o.addr = "h:0";
	assert_string_equal(target_of(&o), "error: bad address 'h:0': use host:port");
	o.addr = "https://h:1";
	assert_string_equal(target_of(&o), "error: bad address 'https://h:1': only http:// is spoken");
}

static void test_check_maps_errors(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 409, .body = "{\"error\":\"cas_mismatch\",\"message\":\"key k is at index 9\","
					"\"modify_index\":9}"},
		{.status = 409, .body = "{\"error\":\"conflict\",\"message\":\"a change is in progress\"}"},
		{.status = 404, .body = "{\"error\":\"not_found\",\"message\":\"no key k\"}"},
		{.status = 413, .body = "{\"error\":\"payload_too_large\",\"message\":\"too big\"}"},
		{.status = 400, .body = "{\"error\":\"bad_request\",\"message\":\"bad cas\"}"},
		{.status = 500, .body = "oops"},
		{.status = 200, .body = "not json"},
		{.status = 404, .body = "not json either"},
	};
	static const int want[] = {GAIA_ECAS, GAIA_EEXIST, GAIA_ENOTFOUND, GAIA_ETOOBIG, GAIA_EINVAL,
				   GAIA_EIO};
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	char msg[200];
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 8, NULL, NULL), 0);
	c = new_client(s.addr, NULL, 0, 0, 0);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(client_request(c, "GET", "/x", NULL, 0, i % 2 ? CLIENT_JSON : 0, &r),
				 GAIA_OK);
		assert_int_equal(client_check(c, &r), want[i]);
	}
	snprintf(msg, sizeof msg, "%s: oops (HTTP 500)", s.addr);
	assert_string_equal(client_errmsg(c), msg);
	/* a 2xx that is not JSON is an error when JSON was asked for ... */
	assert_int_equal(client_request(c, "GET", "/x", NULL, 0, CLIENT_JSON, &r), GAIA_EINVAL);
	assert_non_null(strstr(client_errmsg(c), "is not JSON"));
	/* ... an error answer that is not JSON is not */
	assert_int_equal(client_request(c, "GET", "/x", NULL, 0, CLIENT_JSON, &r), GAIA_OK);
	assert_int_equal(r.status, 404);
	assert_null(r.json);
	client_response_free(&r);
	client_free(c);
	fake_stop(&s);
}

static void test_get_json_and_download(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 200, .body = "[1,2,3]"},
		{.status = 404, .body = "{\"error\":\"not_found\",\"message\":\"no node n9\"}"},
		{.status = 200, .body = "SNAPSHOT-BYTES"},
		{.status = 404, .body = "{\"error\":\"not_found\",\"message\":\"no such file\"}"},
	};
	struct fake_server s;
	struct client_response r = {0};
	struct client *c;
	json_t *j;
	char buf[64] = "";
	FILE *f;
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 4, NULL, NULL), 0);
	c = new_client(s.addr, NULL, 0, 0, 0);
	assert_int_equal(client_get_json(c, "/api/cluster/peers", &j), GAIA_OK);
	assert_int_equal(json_array_size(j), 3);
	json_decref(j);
	assert_int_equal(client_get_json(c, "/api/cluster/peers/n9", &j), GAIA_ENOTFOUND);
	assert_null(j);
	assert_non_null(strstr(client_errmsg(c), "no node n9 (HTTP 404)"));

	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(client_download(c, "/api/cluster/snapshots/s.snap", f, &r), GAIA_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	rewind(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	assert_string_equal(buf, "SNAPSHOT-BYTES");
	assert_int_equal(client_download(c, "/api/cluster/snapshots/nope", f, &r), GAIA_OK);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "no such file"));
	assert_int_equal(ftell(f), 14);
	fclose(f);
	client_response_free(&r);
	client_free(c);
	fake_stop(&s);
}

static void test_escape_key(void **state)
{
	char *e;
	(void)state;

	e = client_escape_key("a/b-c_d.e~f");
	assert_string_equal(e, "a/b-c_d.e~f");
	free(e);
	e = client_escape_key("sp ace?&#%+\xc3\xa9");
	assert_string_equal(e, "sp%20ace%3F%26%23%25%2B%C3%A9");
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_answer_and_headers),
		cmocka_unit_test(test_kv_requests_keep_alive),
		cmocka_unit_test(test_retry_after_then_ok),
		cmocka_unit_test(test_retries_are_bounded),
		cmocka_unit_test(test_unreachable_and_timeout),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_where_it_connects),
		cmocka_unit_test(test_check_maps_errors),
		cmocka_unit_test(test_get_json_and_download),
		cmocka_unit_test(test_escape_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
