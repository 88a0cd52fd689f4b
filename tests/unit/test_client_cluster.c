/* Unit tests of client_cluster.h against the fake HTTP server of test_client_server.c: requests as sent, node errors, health levels and summaries, the join wait and the watch. */
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
#include "client/client_cluster.h"
#include "util/hostport.h"
#include "test_client_server.h"

static struct client *new_client(const char *addr)
{
	struct client_options o = {.addr = addr, .max_attempts = 1};
	char errmsg[GAIA_ERRMSG_SIZE];
	struct client *c = NULL;

	assert_int_equal(client_new(&c, &o, errmsg), GAIA_OK);
	return c;
}

static void test_names_and_addresses(void **state)
{
	(void)state;
	assert_true(client_node_id_ok("node-1"));
	assert_true(client_node_id_ok("n.example_2~"));
	assert_false(client_node_id_ok(""));
	assert_false(client_node_id_ok(NULL));
	assert_false(client_node_id_ok("a b"));
	assert_false(client_node_id_ok("a/b"));
	assert_false(client_node_id_ok("a\tb"));
	assert_false(client_node_id_ok("0123456789012345678901234567890123456789012345678901234567890123"));
	assert_true(hostport_ok("10.0.0.1:8300"));
	assert_true(hostport_ok("node-4.example.com:1"));
	assert_true(hostport_ok("[::1]:65535"));
	assert_false(hostport_ok("nohost"));
	assert_false(hostport_ok(":8300"));
	assert_false(hostport_ok("h:"));
	assert_false(hostport_ok("h:0"));
	assert_false(hostport_ok("h:65536"));
	assert_false(hostport_ok("h:99999999999999999999"));
	assert_false(hostport_ok("h:8x"));
	assert_false(hostport_ok("a:b:1"));
	assert_false(hostport_ok("[::1]8300"));
	assert_false(hostport_ok("a/b:1"));
}

static void test_requests_on_the_wire(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 200, .body = "[{\"id\":\"node-1\"}]"},
		{.status = 200, .body = "{\"id\":\"node 2\"}"},
		{.status = 200, .body = "{\"dry_run\":true}"},
		{.status = 200, .body = "{\"removed\":true}"},
		{.status = 200, .body = "{\"leader_id\":\"node-2\"}"},
		{.status = 200, .body = "{\"leader_id\":\"node-3\"}"},
		{.status = 201, .body = "{\"node_id\":\"node-4\",\"nodes\":[]}"},
		{.status = 200, .body = "{\"node_id\":\"node-4\",\"nodes\":[]}"},
	};
	struct client_join_request j = {.node_id = "node-4", .address = "10.0.0.4:8300"};
	struct fake_server s;
	struct client *c;
	json_t *doc;
	bool created;
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 8, NULL, NULL), 0);
	c = new_client(s.addr);
	assert_int_equal(client_peers_list(c, &doc), GAIA_OK);
	assert_int_equal(json_array_size(doc), 1);
	json_decref(doc);
	assert_int_equal(client_peer_show(c, "node 2", &doc), GAIA_EINVAL); /* not sent */
	assert_null(doc);
	assert_int_equal(client_peer_show(c, "node%2", &doc), GAIA_OK);
	json_decref(doc);
	assert_int_equal(client_peer_remove(c, "node-3", true, true, &doc), GAIA_OK);
	json_decref(doc);
	assert_int_equal(client_peer_remove(c, "node-3", false, false, &doc), GAIA_OK);
	json_decref(doc);
	assert_int_equal(client_transfer_leader(c, NULL, &doc), GAIA_OK);
	json_decref(doc);
	assert_int_equal(client_transfer_leader(c, "node-3", &doc), GAIA_OK);
	json_decref(doc);
	assert_int_equal(client_join(c, &j, &created, &doc), GAIA_OK);
	assert_true(created);
	json_decref(doc);
	j.api_address = "10.0.0.4:8080";
	assert_int_equal(client_join(c, &j, &created, &doc), GAIA_OK);
	assert_false(created);
	json_decref(doc);
	j.address = "nowhere";
	assert_int_equal(client_join(c, &j, &created, &doc), GAIA_EINVAL); /* not sent */
	assert_string_equal(client_errmsg(c), "'nowhere' is not the node's Raft address as HOST:PORT");

	assert_int_equal(fake_requests(&s), 8);
	assert_string_equal(s.log[0].method, "GET");
	assert_string_equal(s.log[0].path, "/api/cluster/peers");
	assert_string_equal(s.log[1].path, "/api/cluster/peers/node%252");
	assert_string_equal(s.log[2].method, "DELETE");
	assert_string_equal(s.log[2].path, "/api/cluster/peers/node-3?force=true&dry_run=true");
	assert_string_equal(s.log[3].path, "/api/cluster/peers/node-3");
	assert_string_equal(s.log[4].method, "POST");
	assert_string_equal(s.log[4].path, "/api/cluster/force-election");
	assert_string_equal(s.log[5].path, "/api/cluster/force-election?target=node-3");
	assert_string_equal(s.log[6].method, "POST");
	assert_string_equal(s.log[6].path, "/api/cluster/peers");
	assert_string_equal(s.log[6].content_type, "application/json");
	assert_string_equal(s.log[6].body, "{\"node_id\":\"node-4\",\"address\":\"10.0.0.4:8300\"}");
	assert_string_equal(s.log[7].body, "{\"node_id\":\"node-4\",\"address\":\"10.0.0.4:8300\","
					   "\"api_address\":\"10.0.0.4:8080\"}");
	client_free(c);
	fake_stop(&s);
}

static void test_errors_of_the_node(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 404, .body = "{\"error\":\"not_found\",\"message\":\"no peer 'x' in the cluster\"}"},
		{.status = 409, .body = "{\"error\":\"conflict\",\"message\":\"node 'x' is unreachable\"}"},
		{.status = 503, .body = "{\"error\":\"no_leader\",\"message\":\"no leader is known now\"}"},
	};
	struct fake_server s;
	struct client *c;
	json_t *doc;
	char want[256];
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 3, NULL, NULL), 0);
	c = new_client(s.addr);
	assert_int_equal(client_peer_show(c, "x", &doc), GAIA_ENOTFOUND);
	snprintf(want, sizeof want, "%s: no peer 'x' in the cluster (HTTP 404)", s.addr);
	assert_string_equal(client_errmsg(c), want);
	assert_int_equal(client_peer_remove(c, "x", false, false, &doc), GAIA_EEXIST);
	assert_null(doc);
	assert_int_equal(client_transfer_leader(c, NULL, &doc), GAIA_EUNAVAIL);
	client_free(c);
	fake_stop(&s);
}

/* One check of a scripted document. */
static void check_doc(bool node_only, const char *body, int level, const char *status,
		      const char *summary)
{
	const struct fake_reply script[] = {{.status = 200, .body = body}};
	struct client_health h = {0};
	struct fake_server s;
	struct client *c;
	json_t *j;

	assert_int_equal(fake_start(&s, NULL, script, 1, NULL, NULL), 0);
	c = new_client(s.addr);
	assert_int_equal(client_health_check(c, node_only, &h), GAIA_OK);
	assert_string_equal(s.log[0].path, node_only ? "/api/cluster/status" : "/api/cluster/health");
	assert_int_equal(h.level, level);
	assert_string_equal(h.status, status);
	assert_string_equal(h.summary, summary);
	j = client_health_json(&h, node_only, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "check"), "exit_code")),
			 level);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "check"), "status")),
			    client_health_label(level));
	json_decref(j);
	client_health_clear(&h);
	client_free(c);
	fake_stop(&s);
}

static void test_health_levels(void **state)
{
	(void)state;
	check_doc(false,
		  "{\"cluster_status\":\"healthy\",\"leader_id\":\"node-1\",\"term\":2,\"peer_count\":3,"
		  "\"healthy_peers\":3,\"degraded_peers\":0,\"unhealthy_peers\":0,\"last_log_index\":57,"
		  "\"node_id\":\"node-2\"}",
		  CLIENT_HEALTH_OK, "healthy", "cluster healthy, 3/3 peers healthy, leader node-1");
	check_doc(false,
		  "{\"cluster_status\":\"degraded\",\"leader_id\":\"node-1\",\"term\":2,\"peer_count\":5,"
		  "\"healthy_peers\":3,\"degraded_peers\":1,\"unhealthy_peers\":1,\"node_id\":\"node-1\"}",
		  CLIENT_HEALTH_WARNING, "degraded",
		  "cluster degraded, 3/5 peers healthy (1 degraded or catching up, 1 unhealthy), leader node-1");
	check_doc(false,
		  "{\"cluster_status\":\"unhealthy\",\"leader_id\":null,\"term\":9,\"peer_count\":3,"
		  "\"node_id\":\"node-3\"}",
		  CLIENT_HEALTH_CRITICAL, "unhealthy",
		  "cluster unhealthy, no leader (asked node-3: term 9, 3 members)");
	check_doc(false,
		  "{\"cluster_status\":\"unhealthy\",\"leader_id\":\"node-1\",\"term\":9,\"peer_count\":3,"
		  "\"healthy_peers\":1,\"unhealthy_peers\":2,\"node_id\":\"node-1\"}",
		  CLIENT_HEALTH_CRITICAL, "unhealthy",
		  "cluster unhealthy, no quorum: 1/3 peers reachable, 2 unhealthy, leader node-1");
	check_doc(false,
		  "{\"cluster_status\":\"unknown\",\"leader_id\":\"node-1\",\"node_id\":\"node-2\",\"stale\":true}",
		  CLIENT_HEALTH_UNKNOWN, "unknown",
		  "cluster state unknown: node-2 could not get the view of leader node-1");
	check_doc(true,
		  "{\"node_id\":\"node-2\",\"role\":\"follower\",\"node_state\":\"running\",\"leader_id\":\"node-1\","
		  "\"term\":4,\"commit_index\":10,\"applied_index\":10,"
		  "\"nodes\":[{\"id\":\"node-1\",\"voter\":true},{\"id\":\"node-2\",\"voter\":true}]}",
		  CLIENT_HEALTH_OK, "healthy", "node node-2 healthy, follower, leader node-1, term 4");
	check_doc(true,
		  "{\"node_id\":\"node-2\",\"role\":\"learner\",\"node_state\":\"running\",\"leader_id\":\"node-1\","
		  "\"nodes\":[{\"id\":\"node-1\",\"voter\":true},{\"id\":\"node-2\",\"voter\":false}]}",
		  CLIENT_HEALTH_WARNING, "degraded",
		  "node node-2 is a learner (catching up, not voting), leader node-1");
	check_doc(true,
		  "{\"node_id\":\"node-2\",\"role\":\"follower\",\"node_state\":\"running\",\"leader_id\":\"node-1\","
		  "\"commit_index\":5000,\"applied_index\":10,"
		  "\"nodes\":[{\"id\":\"node-2\",\"voter\":true}]}",
		  CLIENT_HEALTH_WARNING, "degraded",
		  "node node-2 applies behind: 4990 committed entries not applied yet, leader node-1");
	check_doc(true,
		  "{\"node_id\":\"node-2\",\"role\":\"follower\",\"node_state\":\"waiting_to_join\","
		  "\"leader_id\":\"node-1\",\"nodes\":[]}",
		  CLIENT_HEALTH_WARNING, "degraded", "node node-2 is waiting_to_join, leader node-1");
	check_doc(true,
		  "{\"node_id\":\"node-2\",\"role\":\"candidate\",\"node_state\":\"running\",\"leader_id\":null,"
		  "\"term\":7,\"nodes\":[]}",
		  CLIENT_HEALTH_CRITICAL, "unhealthy", "node node-2 knows no leader (candidate, term 7)");
	check_doc(true,
		  "{\"node_id\":\"node-2\",\"role\":\"follower\",\"node_state\":\"removed\",\"leader_id\":\"node-1\"}",
		  CLIENT_HEALTH_CRITICAL, "unhealthy", "node node-2 was removed from the cluster");
}

static void test_health_unreachable_and_wait(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 200, .body = "{\"cluster_status\":\"degraded\",\"leader_id\":\"n1\"}"},
		{.status = 200, .body = "{\"cluster_status\":\"healthy\",\"leader_id\":\"n1\"}"},
	};
	struct client_health h = {0};
	struct fake_server s;
	struct client *c;
	char addr[64];
	json_t *j;
	(void)state;

	snprintf(addr, sizeof addr, "127.0.0.1:%d", fake_closed_port());
	c = new_client(addr);
	assert_int_equal(client_health_check(c, false, &h), GAIA_EIO);
	assert_int_equal(h.level, CLIENT_HEALTH_UNKNOWN);
	assert_string_equal(h.status, "unreachable");
	assert_non_null(strstr(h.summary, "cannot reach"));
	j = client_health_json(&h, false, client_errmsg(c));
	assert_string_equal(json_string_value(json_object_get(j, "cluster_status")), "unreachable");
	assert_non_null(json_string_value(json_object_get(j, "error")));
	json_decref(j);
	/* the wait gives up after its timeout with the last level */
	assert_int_equal(client_health_wait(c, false, 300, 50, NULL, NULL, &h), GAIA_EIO);
	assert_int_equal(h.level, CLIENT_HEALTH_UNKNOWN);
	assert_true(h.elapsed_ms >= 300 && h.checks >= 3);
	client_health_clear(&h);
	client_free(c);

	assert_int_equal(fake_start(&s, NULL, script, 2, NULL, NULL), 0);
	c = new_client(s.addr);
	assert_int_equal(client_health_wait(c, false, 10000, 50, NULL, NULL, &h), GAIA_OK);
	assert_int_equal(h.level, CLIENT_HEALTH_OK);
	assert_int_equal(h.checks, 2);
	client_health_clear(&h);
	client_free(c);
	fake_stop(&s);
}

static unsigned n_progress;

static void count_progress(const struct client_join_progress *p, void *ud)
{
	(void)p, (void)ud;
	n_progress++;
}

static void test_join_wait(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 200, .body = "{\"id\":\"n4\",\"state\":\"joining\",\"voter\":false,\"match_index\":0,\"lag\":90}"},
		{.status = 503, .body = "{\"error\":\"no_leader\",\"message\":\"no leader is known now\"}"},
		{.status = 200, .body = "{\"id\":\"n4\",\"state\":\"catching_up\",\"voter\":false,\"match_index\":50,\"lag\":40}"},
		{.status = 200, .body = "{\"id\":\"n4\",\"state\":\"healthy\",\"voter\":true,\"match_index\":90,\"lag\":0}"},
		/* the next wait: stuck, then gone */
		{.status = 200, .body = "{\"id\":\"n5\",\"state\":\"joining\",\"voter\":false,\"match_index\":0,\"lag\":7}"},
		{.status = 200, .body = "{\"id\":\"n5\",\"state\":\"joining\",\"voter\":false,\"match_index\":0,\"lag\":7}"},
		{.status = 404, .body = "{\"error\":\"not_found\",\"message\":\"no peer 'n5' in the cluster\"}"},
	};
	struct client_join_progress p;
	struct fake_server s;
	struct client *c;
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 7, NULL, NULL), 0);
	c = new_client(s.addr);
	n_progress = 0;
	assert_int_equal(client_join_wait(c, "n4", 10000, 20, count_progress, NULL, &p), GAIA_OK);
	assert_int_equal(n_progress, 4);
	assert_int_equal(p.polls, 4);
	assert_true(p.voter);
	assert_int_equal(p.match_index, 90);
	assert_string_equal(p.state, "healthy");
	assert_string_equal(s.log[0].path, "/api/cluster/peers/n4");
	/* stuck: a timeout that says where the node stood */
	assert_int_equal(client_join_wait(c, "n5", 30, 50, NULL, NULL, &p), GAIA_EUNAVAIL);
	assert_non_null(strstr(client_errmsg(c), "n5 is not a voter after"));
	assert_non_null(strstr(client_errmsg(c), "joining, holding up to index 0, 7 entries behind"));
	/* gone */
	assert_int_equal(client_join_wait(c, "n5", 10000, 20, NULL, NULL, &p), GAIA_ENOTFOUND);
	assert_non_null(strstr(client_errmsg(c), "n5 is not a member of the cluster"));
	client_free(c);
	fake_stop(&s);
}

static unsigned n_samples;

static bool on_sample(const json_t *peers, uint64_t n, void *ud)
{
	(void)ud;
	n_samples++;
	assert_int_equal(n, n_samples);
	assert_true(peers == NULL || json_is_array(peers));
	return true;
}

static void test_watch(void **state)
{
	static const struct fake_reply script[] = {
		{.status = 200, .body = "[]"},
		{.status = 503, .body = "{\"error\":\"no_leader\",\"message\":\"no leader\"}"},
		{.status = 200, .body = "[{\"id\":\"n1\"}]"},
	};
	struct fake_server s;
	struct client *c;
	char addr[64];
	(void)state;

	assert_int_equal(fake_start(&s, NULL, script, 3, NULL, NULL), 0);
	c = new_client(s.addr);
	n_samples = 0;
	assert_int_equal(client_peers_watch(c, 3, 10, on_sample, NULL), GAIA_OK);
	assert_int_equal(n_samples, 3);
	client_free(c);
	fake_stop(&s);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", fake_closed_port());
	c = new_client(addr);
	n_samples = 0;
	assert_int_equal(client_peers_watch(c, 2, 10, on_sample, NULL), GAIA_EIO);
	assert_int_equal(n_samples, 2);
	client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_addresses),
		cmocka_unit_test(test_requests_on_the_wire),
		cmocka_unit_test(test_errors_of_the_node),
		cmocka_unit_test(test_health_levels),
		cmocka_unit_test(test_health_unreachable_and_wait),
		cmocka_unit_test(test_join_wait),
		cmocka_unit_test(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
