/* REST API, KV routes and the error model, over real HTTP against a fake
 * node: shapes, headers, URL-decoding of keys, CAS, listing, size limit,
 * 404/405/409/413/503. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "test_api_util.h"

static int setup(void **state)
{
	struct tnode *t = calloc(1, sizeof *t);
	tnode_start(t, "n1", 4096, 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tnode *t = *state;
	tnode_stop(t);
	free(t);
	return 0;
}

static void test_health(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	char buf[128];
	struct stat st;

	http_t(&r, t, "GET", "/health", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "status"), "ok");
	assert_string_equal(jstr(&r, "node_id"), "n1");
	assert_non_null(http_header(&r, "Content-Type", buf, sizeof buf));
	assert_string_equal(buf, "application/json");
	assert_int_equal(fake_node_submitted(t->node), 0); /* no trip to the loop */
	http_free(&r);

	http_do(&r, "GET", 0, t->sock, "/health", NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "node_id"), "n1");
	http_free(&r);
	assert_int_equal(stat(t->sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);

	http_t(&r, t, "POST", "/health", "");
	assert_int_equal(r.status, 405);
	assert_string_equal(jstr(&r, "error"), "method_not_allowed");
	assert_non_null(http_header(&r, "Allow", buf, sizeof buf));
	assert_string_equal(buf, "GET, HEAD");
	http_free(&r);
}

/* A node stopped by a fatal error is never reported healthy. */
static void test_health_failed_node(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;

	fake_node_set_failed(t->node, true);
	http_t(&r, t, "GET", "/health", NULL);
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "status"), "failed");
	assert_string_equal(jstr(&r, "node_id"), "n1");
	assert_non_null(strstr(jstr(&r, "error"), "fatal"));
	http_free(&r);
}

/* Without a node_id in the options, /health asks the node. */
static void test_health_from_node(void **state)
{
	struct api_options o;
	struct api *a;
	struct node *n = fake_node_new("from-status");
	struct http_resp r;
	char errmsg[GAIA_ERRMSG_SIZE];

	(void)state;
	memset(&o, 0, sizeof o);
	o.node = n;
	o.http_addr = "127.0.0.1:0";
	assert_int_equal(api_start(&a, &o, errmsg), GAIA_OK);
	http_do(&r, "GET", api_http_port(a), NULL, "/health", NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "status"), "ok");
	assert_string_equal(jstr(&r, "node_id"), "from-status");
	assert_int_equal(fake_node_last(n).op, NODE_OP_STATUS);
	http_free(&r);
	api_stop(a);
	fake_node_free(n);
}

static void test_put_get_delete(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	char buf[128];
	long long mod, cre;

	http_t(&r, t, "PUT", "/api/kv/greeting", "hello");
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "key"), "greeting");
	cre = jint(&r, "create_index");
	mod = jint(&r, "modify_index");
	assert_true(cre > 0);
	assert_int_equal(cre, mod);
	http_free(&r);

	http_t(&r, t, "PUT", "/api/kv/greeting", "hello again");
	assert_int_equal(r.status, 200);
	assert_int_equal(jint(&r, "create_index"), cre);
	assert_true(jint(&r, "modify_index") > mod);
	mod = jint(&r, "modify_index");
	http_free(&r);

	http_t(&r, t, "GET", "/api/kv/greeting", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 11);
	assert_memory_equal(r.body, "hello again", 11);
	assert_string_equal(http_header(&r, "Content-Type", buf, sizeof buf), "application/octet-stream");
	assert_int_equal(atoll(http_header(&r, "X-Gaia-Modify-Index", buf, sizeof buf)), mod);
	assert_int_equal(atoll(http_header(&r, "X-Gaia-Create-Index", buf, sizeof buf)), cre);
	assert_false(fake_node_last(t->node).stale);
	http_free(&r);

	http_t(&r, t, "HEAD", "/api/kv/greeting", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	assert_non_null(http_header(&r, "X-Gaia-Modify-Index", buf, sizeof buf));
	http_free(&r);

	/* an empty value is a value */
	http_t(&r, t, "PUT", "/api/kv/empty", "");
	assert_int_equal(r.status, 200);
	http_free(&r);
	http_t(&r, t, "GET", "/api/kv/empty", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	http_free(&r);

	http_t(&r, t, "DELETE", "/api/kv/greeting", NULL);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "deleted")));
	http_free(&r);

	http_t(&r, t, "GET", "/api/kv/greeting", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(&r, "error"), "not_found");
	assert_true(strlen(jstr(&r, "message")) > 0);
	assert_string_equal(http_header(&r, "Content-Type", buf, sizeof buf), "application/json");
	http_free(&r);

	http_t(&r, t, "DELETE", "/api/kv/greeting", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(&r, "error"), "not_found");
	http_free(&r);
}

static void test_binary_value(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	const char v[] = {0, 1, 2, (char)0xff, 0, 'x'};

	http_do(&r, "PUT", t->port, NULL, "/api/kv/bin", v, sizeof v, "Content-Type: application/octet-stream");
	assert_int_equal(r.status, 200);
	http_free(&r);
	http_t(&r, t, "GET", "/api/kv/bin", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, sizeof v);
	assert_memory_equal(r.body, v, sizeof v);
	http_free(&r);
}

static void test_key_decoding(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	struct node_req last;
	char path[4200];

	http_t(&r, t, "PUT", "/api/kv/dir%2Fsub%20key%C3%A9%3Fq", "v");
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "key"), "dir/sub key\xc3\xa9?q");
	last = fake_node_last(t->node);
	assert_int_equal(last.key_len, strlen("dir/sub key\xc3\xa9?q"));
	assert_memory_equal(last.key, "dir/sub key\xc3\xa9?q", last.key_len);
	http_free(&r);

	/* raw slashes are part of the key; + is not a space in a path */
	http_t(&r, t, "PUT", "/api/kv/a/b/c+d", "v");
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "key"), "a/b/c+d");
	http_free(&r);
	http_t(&r, t, "GET", "/api/kv/a%2Fb%2Fc%2Bd", NULL);
	assert_int_equal(r.status, 200);
	http_free(&r);

	http_t(&r, t, "PUT", "/api/kv/bad%zzescape", "v");
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(&r, "error"), "bad_request");
	http_free(&r);
	http_t(&r, t, "PUT", "/api/kv/nul%00byte", "v");
	assert_int_equal(r.status, 400);
	http_free(&r);
	http_t(&r, t, "PUT", "/api/kv/latin%E9", "v");
	assert_int_equal(r.status, 400);
	http_free(&r);
	http_t(&r, t, "PUT", "/api/kv/", "v");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(jstr(&r, "message"), "empty"));
	http_free(&r);

	/* 1024 bytes is the longest key */
	strcpy(path, "/api/kv/");
	memset(path + 8, 'k', 1024);
	path[8 + 1024] = '\0';
	http_t(&r, t, "PUT", path, "v");
	assert_int_equal(r.status, 200);
	http_free(&r);
	strcat(path, "k");
	http_t(&r, t, "PUT", path, "v");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(jstr(&r, "message"), "1024"));
	http_free(&r);
	/* and %-escapes count decoded */
	strcpy(path, "/api/kv/");
	for (int i = 0; i < 1024; i++)
		strcat(path, "%41");
	http_t(&r, t, "PUT", path, "v");
	assert_int_equal(r.status, 200);
	http_free(&r);
}

static void test_cas(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	char path[128];
	long long mod;

	http_t(&r, t, "PUT", "/api/kv/lock?cas=0", "me");
	assert_int_equal(r.status, 200);
	mod = jint(&r, "modify_index");
	assert_true(fake_node_last(t->node).has_cas);
	assert_int_equal(fake_node_last(t->node).cas, 0);
	http_free(&r);

	http_t(&r, t, "PUT", "/api/kv/lock?cas=0", "you");
	assert_int_equal(r.status, 409);
	assert_string_equal(jstr(&r, "error"), "cas_mismatch");
	assert_int_equal(jint(&r, "modify_index"), mod);
	assert_true(strlen(jstr(&r, "message")) > 0);
	http_free(&r);

	snprintf(path, sizeof path, "/api/kv/lock?cas=%lld", mod + 5);
	http_t(&r, t, "PUT", path, "you");
	assert_int_equal(r.status, 409);
	assert_int_equal(jint(&r, "modify_index"), mod);
	http_free(&r);

	snprintf(path, sizeof path, "/api/kv/lock?cas=%lld", mod);
	http_t(&r, t, "PUT", path, "you");
	assert_int_equal(r.status, 200);
	assert_true(jint(&r, "modify_index") > mod);
	http_free(&r);

	http_t(&r, t, "DELETE", "/api/kv/lock?cas=1", NULL);
	assert_int_equal(r.status, 409);
	assert_string_equal(jstr(&r, "error"), "cas_mismatch");
	http_free(&r);

	const char *bad[] = {"/api/kv/lock?cas=abc", "/api/kv/lock?cas=-1", "/api/kv/lock?cas=",
			     "/api/kv/lock?cas=99999999999999999999999", "/api/kv/lock?cas=1x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned before = fake_node_submitted(t->node);
		http_t(&r, t, "PUT", bad[i], "x");
		assert_int_equal(r.status, 400);
		assert_string_equal(jstr(&r, "error"), "bad_request");
		assert_non_null(strstr(jstr(&r, "message"), "'cas'"));
		assert_int_equal(fake_node_submitted(t->node), before);
		http_free(&r);
	}
}

static void test_list(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	json_t *it;
	const char *keys[] = {"app/b", "app/a", "other", "app2"};

	for (size_t i = 0; i < 4; i++) {
		char path[64];
		snprintf(path, sizeof path, "/api/kv/%s", keys[i]);
		http_t(&r, t, "PUT", path, "12345");
		assert_int_equal(r.status, 200);
		http_free(&r);
	}
	http_t(&r, t, "GET", "/api/kv/?prefix=app/", NULL);
	assert_int_equal(r.status, 200);
	assert_true(json_is_array(r.json));
	assert_int_equal(json_array_size(r.json), 2);
	it = json_array_get(r.json, 0);
	assert_string_equal(json_string_value(json_object_get(it, "key")), "app/a");
	assert_int_equal(json_integer_value(json_object_get(it, "size")), 5);
	assert_true(json_integer_value(json_object_get(it, "create_index")) > 0);
	assert_true(json_integer_value(json_object_get(it, "modify_index")) > 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r.json, 1), "key")), "app/b");
	http_free(&r);

	http_t(&r, t, "GET", "/api/kv/?prefix=app%2F&limit=1", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 1);
	assert_int_equal(fake_node_last(t->node).limit, 1);
	http_free(&r);

	http_t(&r, t, "GET", "/api/kv", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 4);
	http_free(&r);

	http_t(&r, t, "GET", "/api/kv/?prefix=zzz", NULL);
	assert_int_equal(r.status, 200);
	assert_true(json_is_array(r.json));
	assert_int_equal(json_array_size(r.json), 0);
	http_free(&r);

	http_t(&r, t, "GET", "/api/kv/?limit=many", NULL);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(jstr(&r, "message"), "'limit'"));
	http_free(&r);

	http_t(&r, t, "GET", "/api/kv/?consistency=stale", NULL);
	assert_int_equal(r.status, 200);
	assert_true(fake_node_last(t->node).stale);
	http_free(&r);

	http_t(&r, t, "POST", "/api/kv/", "x");
	assert_int_equal(r.status, 405);
	http_free(&r);
}

static void test_consistency(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;

	http_t(&r, t, "PUT", "/api/kv/c", "1");
	http_free(&r);
	http_t(&r, t, "GET", "/api/kv/c?consistency=stale", NULL);
	assert_int_equal(r.status, 200);
	assert_true(fake_node_last(t->node).stale);
	http_free(&r);
	http_t(&r, t, "GET", "/api/kv/c?consistency=linearizable", NULL);
	assert_int_equal(r.status, 200);
	assert_false(fake_node_last(t->node).stale);
	http_free(&r);
	http_t(&r, t, "GET", "/api/kv/c?consistency=eventual", NULL);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(jstr(&r, "message"), "'consistency'"));
	http_free(&r);
}

static void test_body_limit(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	char *big = malloc(1 << 20);
	unsigned before = fake_node_submitted(t->node);

	memset(big, 'x', 1 << 20);
	/* announced by Content-Length: refused before the body is read */
	http_do(&r, "PUT", t->port, NULL, "/api/kv/big", big, 1 << 20, NULL);
	assert_int_equal(r.status, 413);
	assert_string_equal(jstr(&r, "error"), "payload_too_large");
	http_free(&r);
	/* chunked: read up to the limit, then dropped */
	http_do(&r, "PUT", t->port, NULL, "/api/kv/big", big, 5000, "Transfer-Encoding: chunked");
	assert_int_equal(r.status, 413);
	assert_string_equal(jstr(&r, "error"), "payload_too_large");
	http_free(&r);
	http_do(&r, "POST", t->port, NULL, "/api/cluster/peers", big, 4097, NULL);
	assert_int_equal(r.status, 413);
	http_free(&r);
	assert_int_equal(fake_node_submitted(t->node), before);

	/* at the limit it goes through */
	http_do(&r, "PUT", t->port, NULL, "/api/kv/big", big, 4096, "Transfer-Encoding: chunked");
	assert_int_equal(r.status, 200);
	http_free(&r);
	http_t(&r, t, "GET", "/api/kv/big", NULL);
	assert_int_equal(r.len, 4096);
	http_free(&r);
	free(big);
}

static void test_errors(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	char buf[128];

	http_t(&r, t, "GET", "/nope", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(&r, "error"), "not_found");
	assert_string_equal(http_header(&r, "Content-Type", buf, sizeof buf), "application/json");
	http_free(&r);
	http_t(&r, t, "GET", "/api/kvx", NULL);
	assert_int_equal(r.status, 404);
	http_free(&r);
	http_t(&r, t, "GET", "/api/cluster/nope", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(&r, "error"), "not_found");
	http_free(&r);

	http_t(&r, t, "POST", "/api/kv/x", "v");
	assert_int_equal(r.status, 405);
	assert_string_equal(jstr(&r, "error"), "method_not_allowed");
	assert_string_equal(http_header(&r, "Allow", buf, sizeof buf), "GET, HEAD, PUT, DELETE");
	http_free(&r);

	fake_node_fail(t->node, GAIA_EUNAVAIL, "no quorum");
	http_t(&r, t, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "error"), "unavailable");
	assert_string_equal(jstr(&r, "message"), "no quorum");
	assert_string_equal(http_header(&r, "Retry-After", buf, sizeof buf), "1");
	http_free(&r);

	fake_node_fail(t->node, GAIA_ETOOBIG, "value too big");
	http_t(&r, t, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 413);
	http_free(&r);

	fake_node_fail(t->node, GAIA_EIO, "disk on fire");
	http_t(&r, t, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 500);
	assert_string_equal(jstr(&r, "error"), "internal");
	http_free(&r);

	fake_node_fail(t->node, GAIA_ECANCELED, "");
	http_t(&r, t, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 503);
	assert_true(strlen(jstr(&r, "message")) > 0);
	http_free(&r);
	fake_node_fail(t->node, 0, NULL);

	fake_node_refuse(t->node, true);
	http_t(&r, t, "GET", "/api/kv/x", NULL);
	assert_int_equal(r.status, 503);
	assert_string_equal(http_header(&r, "Retry-After", buf, sizeof buf), "1");
	http_free(&r);
	fake_node_refuse(t->node, false);

	/* no leader known */
	fake_node_set_leader(t->node, false, NULL, NULL);
	http_t(&r, t, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "error"), "no_leader");
	assert_string_equal(http_header(&r, "Retry-After", buf, sizeof buf), "1");
	http_free(&r);
	/* a stale read is still served */
	http_t(&r, t, "GET", "/api/kv/x?consistency=stale", NULL);
	assert_int_equal(r.status, 404);
	http_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_health, setup, teardown),
		cmocka_unit_test(test_health_from_node),
		cmocka_unit_test_setup_teardown(test_health_failed_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_decoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consistency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests_name("api_kv", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
