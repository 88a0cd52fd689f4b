/* REST API, cluster routes over real HTTP against a fake node: status and
 * peers shapes (DESIGN.md section 7 field names), adding and removing
 * peers with validation and dry runs, leaving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "test_api_util.h"

static int setup(void **state)
{
	struct tnode *t = calloc(1, sizeof *t);
	tnode_start(t, "n1", 0, 0);
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

static json_t *find_id(json_t *arr, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "id")), id))
			return v;
	return NULL;
}

static void test_status(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	json_t *nodes, *n;
	const char *fields[] = {"leader_id", "term", "peer_count", "node_id", "role", "node_state",
				"commit_index", "applied_index"};

	http_t(&r, t, "GET", "/api/cluster/status", NULL);
	assert_int_equal(r.status, 200);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		assert_non_null(json_object_get(r.json, fields[i]));
	assert_string_equal(jstr(&r, "leader_id"), "n1");
	assert_string_equal(jstr(&r, "node_id"), "n1");
	assert_string_equal(jstr(&r, "role"), "leader");
	assert_string_equal(jstr(&r, "node_state"), "running");
	assert_int_equal(jint(&r, "term"), 7);
	assert_int_equal(jint(&r, "peer_count"), 3);
	assert_int_equal(jint(&r, "commit_index"), 12);
	nodes = json_object_get(r.json, "nodes");
	assert_int_equal(json_array_size(nodes), 3);
	n = find_id(nodes, "n1");
	assert_non_null(n);
	assert_true(json_is_true(json_object_get(n, "is_leader")));
	assert_true(json_is_true(json_object_get(n, "voter")));
	assert_string_equal(json_string_value(json_object_get(n, "state")), "healthy");
	assert_string_equal(json_string_value(json_object_get(n, "address")), "127.0.0.2:8300");
	assert_string_equal(json_string_value(json_object_get(n, "api_address")), "127.0.0.2:8080");
	n = find_id(nodes, "n1-c");
	assert_string_equal(json_string_value(json_object_get(n, "state")), "unhealthy");
	assert_true(json_is_false(json_object_get(n, "is_leader")));
	http_free(&r);

	/* the same over the Unix socket */
	http_do(&r, "GET", 0, t->sock, "/api/cluster/status", NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(jint(&r, "peer_count"), 3);
	http_free(&r);

	/* no leader: null, not "" */
	fake_node_set_leader(t->node, false, NULL, NULL);
	http_t(&r, t, "GET", "/api/cluster/status", NULL);
	assert_int_equal(r.status, 200);
	assert_true(json_is_null(json_object_get(r.json, "leader_id")));
	assert_string_equal(jstr(&r, "role"), "follower");
	http_free(&r);

	http_t(&r, t, "PUT", "/api/cluster/status", "");
	assert_int_equal(r.status, 405);
	http_free(&r);
}

static void test_peers(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	json_t *p;
	const char *fields[] = {"id", "address", "api_address", "state", "is_leader", "voter",
				"match_index", "next_index", "last_heartbeat", "lag"};

	http_t(&r, t, "GET", "/api/cluster/peers", NULL);
	assert_int_equal(r.status, 200);
	assert_true(json_is_array(r.json));
	assert_int_equal(json_array_size(r.json), 3);
	p = find_id(r.json, "n1-b");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		assert_non_null(json_object_get(p, fields[i]));
	assert_string_equal(json_string_value(json_object_get(p, "last_heartbeat")), "2026-01-01T00:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(p, "match_index")), 10);
	assert_int_equal(json_integer_value(json_object_get(p, "next_index")), 11);
	assert_int_equal(json_integer_value(json_object_get(p, "lag")), 2);
	p = find_id(r.json, "n1-c");
	assert_true(json_is_null(json_object_get(p, "last_heartbeat")));
	http_free(&r);

	http_t(&r, t, "GET", "/api/cluster/peers/n1-b", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "id"), "n1-b");
	assert_string_equal(jstr(&r, "state"), "healthy");
	http_free(&r);
	http_t(&r, t, "GET", "/api/cluster/peers/n1%2Db", NULL);
	assert_int_equal(r.status, 200);
	http_free(&r);

	http_t(&r, t, "GET", "/api/cluster/peers/ghost", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(&r, "error"), "not_found");
	assert_non_null(strstr(jstr(&r, "message"), "ghost"));
	http_free(&r);

	http_t(&r, t, "PUT", "/api/cluster/peers/n1-b", "");
	assert_int_equal(r.status, 405);
	http_free(&r);
	http_t(&r, t, "GET", "/api/cluster/peers/a/b", NULL);
	assert_int_equal(r.status, 404);
	http_free(&r);
}

static void test_add_peer(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	struct node_req last;

	http_t(&r, t, "POST", "/api/cluster/peers",
	       "{\"node_id\": \"n4\", \"address\": \"node-4.example.com:8300\"}");
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(&r, "node_id"), "n4");
	assert_int_equal(json_array_size(json_object_get(r.json, "nodes")), 4);
	assert_non_null(find_id(json_object_get(r.json, "nodes"), "n4"));
	http_free(&r);
	/* the add itself, then a status for the new configuration */
	last = fake_node_last(t->node);
	assert_int_equal(last.op, NODE_OP_STATUS);

	http_t(&r, t, "POST", "/api/cluster/peers",
	       "{\"node_id\": \"n5\", \"address\": \"[::1]:8300\", \"api_address\": \"127.0.0.9:8080\", \"voter\": false}");
	assert_int_equal(r.status, 201);
	http_free(&r);
	http_t(&r, t, "GET", "/api/cluster/peers/n5", NULL);
	assert_string_equal(jstr(&r, "address"), "[::1]:8300");
	assert_string_equal(jstr(&r, "api_address"), "127.0.0.9:8080");
	http_free(&r);

	/* a node asking for itself names its incarnation's Raft id */
	http_t(&r, t, "POST", "/api/cluster/peers",
	       "{\"node_id\": \"n8\", \"address\": \"h:8\", \"raft_id\": \"00000000000000aB\"}");
	assert_int_equal(r.status, 201);
	http_free(&r);
	assert_int_equal(fake_node_peer_id(t->node, "n8"), 0xab);
	assert_int_equal(fake_node_peer_id(t->node, "n5"), node_id_from_name("n5"));

	/* already a member: 200, nothing created */
	http_t(&r, t, "POST", "/api/cluster/peers", "{\"node_id\": \"n1-b\", \"address\": \"h:1\"}");
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "node_id"), "n1-b");
	http_free(&r);

	http_t(&r, t, "POST", "/api/cluster/peers?dry_run=true", "{\"node_id\": \"n6\", \"address\": \"h:1\"}");
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "dry_run")));
	assert_int_equal(jint(&r, "voters_before"), 3);
	assert_int_equal(jint(&r, "voters_after"), 4);
	assert_int_equal(jint(&r, "quorum_before"), 2);
	assert_int_equal(jint(&r, "quorum_after"), 3);
	assert_int_equal(jint(&r, "failure_tolerance_before"), 1);
	assert_int_equal(jint(&r, "failure_tolerance_after"), 1);
	assert_true(fake_node_last(t->node).dry_run);
	http_free(&r);
	http_t(&r, t, "GET", "/api/cluster/peers/n6", NULL);
	assert_int_equal(r.status, 404);
	http_free(&r);
}

static void test_add_peer_invalid(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	unsigned before = fake_node_submitted(t->node);
	const char *bad[] = {
		"{\"address\": \"h:1\"}",
		"{\"node_id\": \"\", \"address\": \"h:1\"}",
		"{\"node_id\": 5, \"address\": \"h:1\"}",
		"{\"node_id\": \"has space\", \"address\": \"h:1\"}",
		"{\"node_id\": \"n7\"}",
		"{\"node_id\": \"n7\", \"address\": \"nohostport\"}",
		"{\"node_id\": \"n7\", \"address\": \":8300\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:99999\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:0\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:80x\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:1\", \"api_address\": \"nope\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:1\", \"voter\": \"yes\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:1\", \"raft_id\": 171}",
		"{\"node_id\": \"n7\", \"address\": \"h:1\", \"raft_id\": \"ab\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:1\", \"raft_id\": \"-00000000000000a\"}",
		"{\"node_id\": \"n7\", \"address\": \"h:1\", \"raft_id\": \"0000000000000000\"}",
		"[\"n7\"]",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		http_t(&r, t, "POST", "/api/cluster/peers", bad[i]);
		assert_int_equal(r.status, 400);
		assert_string_equal(jstr(&r, "error"), "bad_request");
		http_free(&r);
	}
	http_t(&r, t, "POST", "/api/cluster/peers", "{\"node_id\": \"n7\",");
	assert_int_equal(r.status, 400);
	assert_string_equal(jstr(&r, "error"), "bad_request");
	assert_non_null(strstr(jstr(&r, "message"), "invalid JSON"));
	assert_non_null(strstr(jstr(&r, "message"), "position 17"));
	http_free(&r);
	http_t(&r, t, "POST", "/api/cluster/peers", "");
	assert_int_equal(r.status, 400);
	http_free(&r);
	http_t(&r, t, "POST", "/api/cluster/peers?dry_run=perhaps", "{\"node_id\":\"n7\",\"address\":\"h:1\"}");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(jstr(&r, "message"), "'dry_run'"));
	http_free(&r);
	assert_int_equal(fake_node_submitted(t->node), before);
}

static void test_remove_peer(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;

	http_t(&r, t, "DELETE", "/api/cluster/peers/n1-b?dry_run=true", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(jint(&r, "voters_before"), 3);
	assert_int_equal(jint(&r, "voters_after"), 2);
	assert_int_equal(jint(&r, "failure_tolerance_after"), 0);
	http_free(&r);

	http_t(&r, t, "DELETE", "/api/cluster/peers/n1-b", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "node_id"), "n1-b");
	assert_true(json_is_true(json_object_get(r.json, "removed")));
	assert_int_equal(json_array_size(json_object_get(r.json, "nodes")), 2);
	http_free(&r);

	/* unreachable: refused, naming force */
	http_t(&r, t, "DELETE", "/api/cluster/peers/n1-c", NULL);
	assert_int_equal(r.status, 409);
	assert_string_equal(jstr(&r, "error"), "conflict");
	assert_non_null(strstr(jstr(&r, "message"), "force=true"));
	http_free(&r);
	http_t(&r, t, "DELETE", "/api/cluster/peers/n1-c?force=maybe", NULL);
	assert_int_equal(r.status, 400);
	http_free(&r);
	http_t(&r, t, "DELETE", "/api/cluster/peers/n1-c?force&dry_run", NULL); /* bare = true */
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "dry_run")));
	assert_true(fake_node_last(t->node).force);
	http_free(&r);
	http_t(&r, t, "DELETE", "/api/cluster/peers/n1-c?force=true", NULL);
	assert_int_equal(r.status, 200);
	assert_true(fake_node_last(t->node).op == NODE_OP_STATUS);
	http_free(&r);

	http_t(&r, t, "DELETE", "/api/cluster/peers/ghost", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(jstr(&r, "error"), "not_found");
	http_free(&r);

	http_t(&r, t, "GET", "/api/cluster/status", NULL);
	assert_int_equal(jint(&r, "peer_count"), 1);
	http_free(&r);
}

static void test_leave(void **state)
{
	struct tnode *t = *state;
	struct http_resp r;
	char buf[64];

	http_t(&r, t, "DELETE", "/api/cluster/self", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "node_id"), "n1");
	assert_true(json_is_true(json_object_get(r.json, "left")));
	assert_int_equal(fake_node_last(t->node).op, NODE_OP_LEAVE);
	http_free(&r);

	http_t(&r, t, "GET", "/api/cluster/self", NULL);
	assert_int_equal(r.status, 405);
	assert_string_equal(http_header(&r, "Allow", buf, sizeof buf), "DELETE");
	http_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_peer_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave, setup, teardown),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests_name("api_cluster", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
