/* REST API, the paths through other threads: forwarding to the leader
 * (X-Gaia-Leader, relayed headers, loop prevention, unreachable leader),
 * the watchdog on a silent node, and api_stop() with requests in flight
 * (answered 503; the node's late done() frees them: clean under ASan). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "test_api_util.h"

struct pair {
	struct tnode leader, follower;
	char laddr[64], faddr[64];
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof *p);

	tnode_start(&p->leader, "L", 0, 0);
	tnode_start(&p->follower, "L-b", 0, 0);
	tnode_addr(&p->leader, p->laddr, sizeof p->laddr);
	tnode_addr(&p->follower, p->faddr, sizeof p->faddr);
	fake_node_set_leader(p->leader.node, true, "L", p->laddr);
	fake_node_set_leader(p->follower.node, false, "L", p->laddr);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	tnode_stop(&p->follower);
	tnode_stop(&p->leader);
	free(p);
	return 0;
}

static void test_forward_kv(void **state)
{
	struct pair *p = *state;
	struct http_resp r;
	char buf[128];
	long long mod;

	http_t(&r, &p->follower, "PUT", "/api/kv/fw%2Fkey?cas=0", "via follower");
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "key"), "fw/key");
	assert_string_equal(http_header(&r, "X-Gaia-Leader", buf, sizeof buf), "L");
	assert_string_equal(http_header(&r, "Content-Type", buf, sizeof buf), "application/json");
	mod = jint(&r, "modify_index");
	http_free(&r);
	/* the query went along: cas=0 again is a conflict, relayed */
	http_t(&r, &p->follower, "PUT", "/api/kv/fw%2Fkey?cas=0", "again");
	assert_int_equal(r.status, 409);
	assert_string_equal(jstr(&r, "error"), "cas_mismatch");
	assert_int_equal(jint(&r, "modify_index"), mod);
	http_free(&r);

	/* it is on the leader */
	http_t(&r, &p->leader, "GET", "/api/kv/fw/key", NULL);
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "via follower", 12);
	assert_null(http_header(&r, "X-Gaia-Leader", buf, sizeof buf));
	http_free(&r);

	/* a linearizable read through the follower, headers relayed */
	http_t(&r, &p->follower, "GET", "/api/kv/fw/key", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 12);
	assert_string_equal(http_header(&r, "X-Gaia-Leader", buf, sizeof buf), "L");
	assert_int_equal(atoll(http_header(&r, "X-Gaia-Modify-Index", buf, sizeof buf)), mod);
	assert_non_null(http_header(&r, "X-Gaia-Create-Index", buf, sizeof buf));
	assert_string_equal(http_header(&r, "Content-Type", buf, sizeof buf), "application/octet-stream");
	http_free(&r);

	/* a stale read stays local (the follower's fake KV is empty) */
	http_t(&r, &p->follower, "GET", "/api/kv/fw/key?consistency=stale", NULL);
	assert_int_equal(r.status, 404);
	assert_null(http_header(&r, "X-Gaia-Leader", buf, sizeof buf));
	http_free(&r);

	/* listing and delete go through too; so does the Unix socket */
	http_do(&r, "GET", 0, p->follower.sock, "/api/kv/?prefix=fw", NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 1);
	http_free(&r);
	http_t(&r, &p->follower, "DELETE", "/api/kv/fw/key", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(http_header(&r, "X-Gaia-Leader", buf, sizeof buf), "L");
	http_free(&r);
	http_t(&r, &p->follower, "DELETE", "/api/kv/fw/key", NULL);
	assert_int_equal(r.status, 404);
	http_free(&r);
}

static void test_forward_cluster(void **state)
{
	struct pair *p = *state;
	struct http_resp r;
	char buf[128];
	json_t *v;
	size_t i;

	http_t(&r, &p->follower, "POST", "/api/cluster/peers", "{\"node_id\":\"L-d\",\"address\":\"h:8300\"}");
	assert_int_equal(r.status, 201);
	assert_string_equal(http_header(&r, "X-Gaia-Leader", buf, sizeof buf), "L");
	assert_int_equal(json_array_size(json_object_get(r.json, "nodes")), 4);
	http_free(&r);

	/* the peers' progress comes from the leader... */
	http_t(&r, &p->follower, "GET", "/api/cluster/peers", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(http_header(&r, "X-Gaia-Leader", buf, sizeof buf), "L");
	assert_int_equal(json_array_size(r.json), 4);
	http_free(&r);
	/* ...unless asked for the local view */
	http_t(&r, &p->follower, "GET", "/api/cluster/peers?stale=true", NULL);
	assert_int_equal(r.status, 200);
	assert_null(http_header(&r, "X-Gaia-Leader", buf, sizeof buf));
	assert_int_equal(json_array_size(r.json), 3);
	http_free(&r);
	/* status is this node's own view, with the peers' states from the
	 * leader, which alone sees them */
	fake_node_set_peer_state(p->follower.node, "L-b", "unknown");
	fake_node_set_peer_state(p->leader.node, "L-b", "degraded");
	http_t(&r, &p->follower, "GET", "/api/cluster/status", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "node_id"), "L-b");
	assert_string_equal(jstr(&r, "leader_id"), "L");
	assert_string_equal(jstr(&r, "role"), "follower");
	assert_null(http_header(&r, "X-Gaia-Leader", buf, sizeof buf));
	v = json_array_get(json_object_get(r.json, "nodes"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "id")), "L-b");
	assert_string_equal(json_string_value(json_object_get(v, "state")), "degraded");
	http_free(&r);
	http_t(&r, &p->follower, "GET", "/api/cluster/status?stale=true", NULL);
	v = json_array_get(json_object_get(r.json, "nodes"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "state")), "unknown");
	http_free(&r);

	/* a follower's leave is its removal by the leader, never "self" there */
	http_t(&r, &p->follower, "DELETE", "/api/cluster/self", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(&r, "node_id"), "L-b");
	assert_true(json_is_true(json_object_get(r.json, "removed")));
	json_array_foreach(json_object_get(r.json, "nodes"), i, v)
		assert_string_not_equal(json_string_value(json_object_get(v, "id")), "L-b");
	assert_non_null(json_object_get(r.json, "nodes"));
	http_free(&r);
	http_t(&r, &p->leader, "GET", "/api/cluster/peers/L", NULL);
	assert_int_equal(r.status, 200); /* the leader is still there */
	http_free(&r);
}

static void test_forward_loops(void **state)
{
	struct pair *p = *state;
	struct http_resp r;
	char buf[128];
	unsigned before = fake_node_submitted(p->leader.node);

	/* already forwarded once: not again */
	http_do(&r, "PUT", p->follower.port, NULL, "/api/kv/x", "v", 1, "X-Gaia-Forwarded: 1");
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "leader_id"), "L");
	assert_string_equal(jstr(&r, "leader_address"), p->laddr);
	assert_string_equal(http_header(&r, "Retry-After", buf, sizeof buf), "1");
	http_free(&r);
	assert_int_equal(fake_node_submitted(p->leader.node), before);

	/* two followers naming each other: one hop, then 503, relayed */
	fake_node_set_leader(p->leader.node, false, "L-b", p->faddr);
	http_t(&r, &p->follower, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "error"), "unavailable");
	assert_string_equal(http_header(&r, "X-Gaia-Leader", buf, sizeof buf), "L");
	assert_string_equal(http_header(&r, "Retry-After", buf, sizeof buf), "1");
	http_free(&r);

	/* no leader at all */
	fake_node_set_leader(p->follower.node, false, NULL, NULL);
	http_t(&r, &p->follower, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "error"), "no_leader");
	assert_string_equal(http_header(&r, "Retry-After", buf, sizeof buf), "1");
	http_free(&r);
}

static void test_forward_unreachable(void **state)
{
	struct pair *p = *state;
	struct http_resp r;
	char buf[128];

	/* a port nobody listens on */
	fake_node_set_leader(p->follower.node, false, "L", "127.0.0.1:1");
	http_t(&r, &p->follower, "PUT", "/api/kv/x", "v");
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "error"), "unavailable");
	assert_string_equal(jstr(&r, "leader_id"), "L");
	assert_string_equal(jstr(&r, "leader_address"), "127.0.0.1:1");
	assert_string_equal(http_header(&r, "Retry-After", buf, sizeof buf), "1");
	http_free(&r);
	/* peers and status fall back on the local view */
	http_t(&r, &p->follower, "GET", "/api/cluster/peers", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 3);
	assert_null(http_header(&r, "X-Gaia-Leader", buf, sizeof buf));
	http_free(&r);
	http_t(&r, &p->follower, "GET", "/api/cluster/status", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(jint(&r, "peer_count"), 3);
	http_free(&r);
}

struct bg {
	pthread_t th;
	int port;
	const char *sock;
	const char *method;
	char path[64];
	struct http_resp r;
};

static void *bg_main(void *arg)
{
	struct bg *b = arg;

	bool put = !strcmp(b->method, "PUT");

	http_do(&b->r, b->method, b->port, b->sock, b->path, put ? "v" : NULL, put ? 1 : 0, NULL);
	return NULL;
}

static void bg_start(struct bg *b, const char *method, int port, const char *sock, const char *path)
{
	b->method = method;
	b->port = port;
	b->sock = sock;
	snprintf(b->path, sizeof b->path, "%s", path);
	pthread_create(&b->th, NULL, bg_main, b);
}

/* Requests waiting on the node and on the leader when api_stop() runs. */
static void test_stop_in_flight(void **state)
{
	struct pair *p = *state;
	struct bg b[4];
	char buf[64];
	struct stat st;

	memset(b, 0, sizeof b);
	fake_node_hold(p->leader.node, true);
	bg_start(&b[0], "PUT", p->leader.port, NULL, "/api/kv/a");
	bg_start(&b[1], "GET", 0, p->leader.sock, "/api/kv/a");
	assert_true(fake_node_wait_held(p->leader.node, 2));
	/* these two wait on the follower's forwarding worker */
	bg_start(&b[2], "PUT", p->follower.port, NULL, "/api/kv/b");
	bg_start(&b[3], "DELETE", p->follower.port, NULL, "/api/kv/c");
	assert_true(fake_node_wait_held(p->leader.node, 4));

	api_stop(p->follower.api);
	p->follower.api = NULL;
	api_stop(p->leader.api);
	p->leader.api = NULL;
	assert_int_equal(lstat(p->leader.sock, &st), -1); /* unlinked */
	for (int i = 0; i < 4; i++) {
		pthread_join(b[i].th, NULL);
		assert_int_equal(b[i].r.status, 503);
		assert_string_equal(jstr(&b[i].r, "error"), "unavailable");
		assert_string_equal(http_header(&b[i].r, "Retry-After", buf, sizeof buf), "1");
		http_free(&b[i].r);
	}
	/* the node answers only now, after the api is gone */
	assert_int_equal(fake_node_held(p->leader.node), 4);
	fake_node_hold(p->leader.node, false);
	for (int i = 0; i < 200 && fake_node_held(p->leader.node) > 0; i++)
		usleep(10000);
	assert_int_equal(fake_node_held(p->leader.node), 0);
	fake_node_free(p->follower.node);
	fake_node_free(p->leader.node);
	p->follower.node = p->leader.node = NULL;
}

/* The daemon's order: the node stops first (answering what it holds with
 * ESHUTDOWN), then the api. */
static void test_stop_node_first(void **state)
{
	struct pair *p = *state;
	struct bg b;

	memset(&b, 0, sizeof b);
	fake_node_hold(p->leader.node, true);
	bg_start(&b, "PUT", p->leader.port, NULL, "/api/kv/a");
	assert_true(fake_node_wait_held(p->leader.node, 1));
	fake_node_free(p->leader.node);
	p->leader.node = NULL;
	pthread_join(b.th, NULL);
	assert_int_equal(b.r.status, 503);
	assert_string_equal(jstr(&b.r, "error"), "unavailable");
	http_free(&b.r);
	api_stop(p->leader.api);
	p->leader.api = NULL;
}

/* Many clients at once, through the leader and the follower. */
struct load {
	pthread_t th;
	struct pair *p;
	int id, ok;
};

static void *load_main(void *arg)
{
	struct load *l = arg;
	struct http_resp r;
	char path[64];

	for (int i = 0; i < 40; i++) {
		struct tnode *t = (i + l->id) % 2 ? &l->p->follower : &l->p->leader;
		snprintf(path, sizeof path, "/api/kv/load/%d/%d", l->id, i);
		http_t(&r, t, "PUT", path, "value");
		l->ok += r.status == 200;
		http_free(&r);
		http_t(&r, t, "GET", path, NULL);
		l->ok += r.status == 200 && r.len == 5;
		http_free(&r);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct pair *p = *state;
	struct load l[12];
	struct http_resp r;

	for (int i = 0; i < 12; i++) {
		l[i].p = p;
		l[i].id = i;
		l[i].ok = 0;
		pthread_create(&l[i].th, NULL, load_main, &l[i]);
	}
	for (int i = 0; i < 12; i++) {
		pthread_join(l[i].th, NULL);
		assert_int_equal(l[i].ok, 80);
	}
	http_t(&r, &p->leader, "GET", "/api/kv/?prefix=load/", NULL);
	assert_int_equal(json_array_size(r.json), 12 * 40);
	http_free(&r);
}

static void test_node_timeout(void **state)
{
	struct tnode t;
	struct http_resp r;
	struct timespec t0, t1;
	double secs;

	(void)state;
	tnode_start(&t, "slow", 0, 200);
	fake_node_hold(t.node, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	http_t(&r, &t, "PUT", "/api/kv/a", "v");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(r.status, 503);
	assert_string_equal(jstr(&r, "error"), "unavailable");
	assert_non_null(strstr(jstr(&r, "message"), "outcome is unknown"));
	assert_true(secs >= 1.1 && secs < 3.0);
	http_free(&r);
	/* the late answer finds the call still there, and frees it */
	fake_node_hold(t.node, false);
	for (int i = 0; i < 200 && fake_node_held(t.node) > 0; i++)
		usleep(10000);
	http_t(&r, &t, "GET", "/api/kv/a", NULL);
	assert_int_equal(r.status, 200);
	http_free(&r);
	tnode_stop(&t);
}

static int setup_none(void **state)
{
	*state = NULL;
	return 0;
}

static int teardown_pair(void **state)
{
	struct pair *p = *state;

	if (p->follower.api)
		api_stop(p->follower.api);
	if (p->leader.api)
		api_stop(p->leader.api);
	if (p->follower.node)
		fake_node_free(p->follower.node);
	if (p->leader.node)
		fake_node_free(p->leader.node);
	free(p);
	return 0;
}

static void test_start_errors(void **state)
{
	struct api_options o;
	struct api *a = NULL;
	struct node *n = fake_node_new("e");
	char errmsg[GAIA_ERRMSG_SIZE], path[64];
	FILE *f;

	(void)state;
	memset(&o, 0, sizeof o);
	o.node = n;
	assert_int_equal(api_start(&a, &o, errmsg), GAIA_EINVAL);
	o.http_addr = "no-port";
	assert_int_equal(api_start(&a, &o, errmsg), GAIA_EINVAL);
	assert_non_null(strstr(errmsg, "no-port"));
	/* a regular file where the socket goes is not ours to remove */
	snprintf(path, sizeof path, "/tmp/gaia-api-test-%d-file", (int)getpid());
	f = fopen(path, "w");
	fclose(f);
	o.http_addr = NULL;
	o.socket_path = path;
	assert_int_equal(api_start(&a, &o, errmsg), GAIA_EEXIST);
	unlink(path);
	/* the port is taken */
	o.socket_path = NULL;
	o.http_addr = "127.0.0.1:0";
	assert_int_equal(api_start(&a, &o, errmsg), GAIA_OK);
	snprintf(path, sizeof path, "127.0.0.1:%d", api_http_port(a));
	o.http_addr = path;
	struct api *b = NULL;
	assert_int_equal(api_start(&b, &o, errmsg), GAIA_EIO);
	api_stop(a);
	fake_node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forward_kv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_in_flight, setup, teardown_pair),
		cmocka_unit_test_setup_teardown(test_stop_node_first, setup, teardown_pair),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_timeout, setup_none, NULL),
		cmocka_unit_test_setup_teardown(test_start_errors, setup_none, NULL),
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cmocka_run_group_tests_name("api_forward", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
