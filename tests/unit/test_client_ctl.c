/* Unit tests of client_ctl.h against the fake HTTP server of test_client_server.c: the requests as sent (paths, escaping, bodies) and the node's errors. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/client.h"
#include "client/client_ctl.h"
#include "test_client_server.h"

static struct client *new_client(const char *addr)
{
	struct client_options o = {.addr = addr, .max_attempts = 1};
	char errmsg[GAIA_ERRMSG_SIZE];
	struct client *c = NULL;

	assert_int_equal(client_new(&c, &o, errmsg), GAIA_OK);
	return c;
}

static void test_requests_on_the_wire(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 200, .body = "[]"},
		{.status = 200, .body = "[{\"key\":\"a b/c\"}]"},
		{.status = 200, .body = "[]"},
		{.status = 200, .body = "{\"action\":\"reconnected\"}"},
		{.status = 200, .body = "{\"action\":\"reconnected\"}"},
		{.status = 200, .body = "{\"action\":\"wiping\"}"},
		{.status = 200, .body = ""},
		{.status = 201, .body = "{\"x\":1}"},
	};
	struct fake_server s;
	struct client *c;
	json_t *doc, *body;
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 8, NULL, NULL), 0);
	c = new_client(s.addr);
	assert_int_equal(client_kv_list(c, "", 0, false, &doc), GAIA_OK);
	assert_int_equal(json_array_size(doc), 0);
	json_decref(doc);
	assert_int_equal(client_kv_list(c, "a b/&=?#%", 50, true, &doc), GAIA_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 0), "key")), "a b/c");
	json_decref(doc);
	assert_int_equal(client_kv_list(c, NULL, 0, true, &doc), GAIA_OK);
	json_decref(doc);
	assert_int_equal(client_rejoin(c, NULL, false, &doc), GAIA_OK);
	assert_string_equal(json_string_value(json_object_get(doc, "action")), "reconnected");
	json_decref(doc);
	assert_int_equal(client_rejoin(c, "10.0.0.1:8080", false, &doc), GAIA_OK);
	json_decref(doc);
	assert_int_equal(client_rejoin(c, NULL, true, &doc), GAIA_OK);
	json_decref(doc);
	/* a 2xx answer without a body */
	assert_int_equal(client_call_json(c, "DELETE", "/x", NULL, 0, &doc), GAIA_OK);
	assert_null(doc);
	body = json_pack("{s:i}", "n", 7);
	assert_int_equal(client_call_json(c, "PUT", "/y?z=1", body, 0, &doc), GAIA_OK);
	assert_int_equal(json_integer_value(json_object_get(doc, "x")), 1);
	json_decref(doc);
	json_decref(body);

	assert_int_equal(fake_requests(&s), 8);
	assert_string_equal(s.log[0].method, "GET");
	assert_string_equal(s.log[0].path, "/api/kv/?prefix=");
	assert_string_equal(s.log[1].path, "/api/kv/?prefix=a%20b/%26%3D%3F%23%25&limit=50&consistency=stale");
	assert_string_equal(s.log[2].path, "/api/kv/?prefix=&consistency=stale");
	assert_string_equal(s.log[3].method, "POST");
	assert_string_equal(s.log[3].path, "/api/cluster/rejoin");
	assert_int_equal(s.log[3].body_len, 0);
	assert_string_equal(s.log[4].path, "/api/cluster/rejoin");
	assert_string_equal(s.log[4].content_type, "application/json");
	assert_string_equal(s.log[4].body, "{\"leader_address\":\"10.0.0.1:8080\"}");
	assert_string_equal(s.log[5].path, "/api/cluster/rejoin");
	assert_string_equal(s.log[5].body, "{\"reset\":true}");
	assert_string_equal(s.log[6].method, "DELETE");
	assert_string_equal(s.log[7].method, "PUT");
	assert_string_equal(s.log[7].path, "/y?z=1");
	assert_string_equal(s.log[7].body, "{\"n\":7}");
	client_free(c);
	fake_stop(&s);
}

static void test_errors_of_the_node(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 404, .body = "{\"error\":\"not_found\",\"message\":\"no such key\"}"},
		{.status = 503, .body = "{\"error\":\"no_leader\",\"message\":\"no leader is known now\"}"},
		{.status = 200, .body = "not json"},
	};
	struct fake_server s;
	struct client *c;
	json_t *doc;
	char want[256];
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 3, NULL, NULL), 0);
	c = new_client(s.addr);
	assert_int_equal(client_call_json(c, "GET", "/api/kv/k", NULL, 0, &doc), GAIA_ENOTFOUND);
	assert_null(doc);
	snprintf(want, sizeof want, "%s: no such key (HTTP 404)", s.addr);
	assert_string_equal(client_errmsg(c), want);
	assert_int_equal(client_rejoin(c, NULL, false, &doc), GAIA_EUNAVAIL);
	assert_null(doc);
	snprintf(want, sizeof want, "%s: no leader is known now (HTTP 503)", s.addr);
	assert_string_equal(client_errmsg(c), want);
	assert_int_equal(client_kv_list(c, "p", 0, false, &doc), GAIA_EINVAL);
	assert_null(doc);
	client_free(c);
	fake_stop(&s);

	/* nobody listening */
	snprintf(want, sizeof want, "127.0.0.1:%d", fake_closed_port());
	c = new_client(want);
	assert_int_equal(client_kv_list(c, "p", 0, false, &doc), GAIA_EIO);
	assert_null(doc);
	assert_non_null(strstr(client_errmsg(c), "cannot reach"));
	client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_on_the_wire),
		cmocka_unit_test(test_errors_of_the_node),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
