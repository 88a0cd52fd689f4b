/* libgaia/discovery without a network service: static lists, type names,
 * and probes against small listeners on loopback that answer with a
 * hello, a refusal, garbage or nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "discovery/discovery.h"
#include "net/net.h"
#include "node/node.h"

static void static_lists(void **state)
{
	struct discovery_list l;
	char err[GAIA_ERRMSG_SIZE];
	(void)state;

	assert_int_equal(discovery_parse_static(" a.example:8300, 10.0.0.2:7000,,[::1]:9 ", &l, err),
			 GAIA_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.a[0].hostname, "a.example");
	assert_int_equal(l.a[0].port, 8300);
	assert_string_equal(l.a[0].ip, "");
	assert_string_equal(l.a[1].hostname, "10.0.0.2");
	assert_int_equal(l.a[1].port, 7000);
	assert_string_equal(l.a[2].hostname, "::1");
	assert_int_equal(l.a[2].port, 9);
	/* the same address twice is one */
	assert_int_equal(discovery_parse_static("h:1,h:1,h:2", &l, err), GAIA_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(discovery_parse_static("", &l, err), GAIA_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(discovery_parse_static("h:1,nohostport", &l, err), GAIA_EINVAL);
	assert_string_equal(err, "discovery node 'nohostport' is not host:port");
	assert_int_equal(discovery_parse_static("h:0", &l, err), GAIA_EINVAL);
	assert_int_equal(discovery_parse_static("h:70000", &l, err), GAIA_EINVAL);
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(discovery_type_name(DISCOVERY_STATIC), "static");
	assert_string_equal(discovery_type_name(DISCOVERY_DNS), "dns");
	assert_string_equal(discovery_type_name(DISCOVERY_CONSUL), "consul");
	assert_null(discovery_type_name(3));
	assert_int_equal(discovery_type_parse("consul"), DISCOVERY_CONSUL);
	assert_int_equal(discovery_type_parse("etcd"), -1);
	assert_int_equal(discovery_type_parse(NULL), -1);
}

static void bad_options(void **state)
{
	struct discovery_options o = {0};
	struct discovery *d;
	uv_loop_t loop;
	char err[GAIA_ERRMSG_SIZE];
	(void)state;

	uv_loop_init(&loop);
	o.type = DISCOVERY_DNS;
	assert_int_equal(discovery_new(&d, &loop, &o, err), GAIA_EINVAL);
	assert_non_null(strstr(err, "needs a domain"));
	o.type = DISCOVERY_CONSUL;
	assert_int_equal(discovery_new(&d, &loop, &o, err), GAIA_EINVAL);
	assert_non_null(strstr(err, "CONSUL_ADDR"));
	o.type = DISCOVERY_STATIC;
	o.nodes = "x";
	assert_int_equal(discovery_new(&d, &loop, &o, err), GAIA_EINVAL);
	o.type = 9;
	assert_int_equal(discovery_new(&d, &loop, &o, err), GAIA_EINVAL);
	/* a resolver that is not host:port */
	o.type = DISCOVERY_DNS;
	o.domain = "gaia.test";
	o.dns_server = "not a server";
	assert_int_equal(discovery_new(&d, &loop, &o, err), GAIA_EINVAL);
	uv_loop_close(&loop);
}

/* --- a listener that answers a probe with canned bytes ------------------- */

struct canned {
	int lfd;
	uint16_t port;
	uint8_t reply[512];
	size_t reply_len;
	bool read_first;    /* read the probe's hello before answering */
	struct net_hello got;
	pthread_t t;
};

static void *serve_one(void *arg)
{
	struct canned *c = arg;
	int fd = accept(c->lfd, NULL, NULL);
	uint8_t buf[1024];
	if (fd < 0)
		return NULL;
	if (c->read_first) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		char err[GAIA_ERRMSG_SIZE];
		if (n > 5)
			net_decode_hello(buf + 5, (size_t)n - 5, &c->got, err);
	}
	if (c->reply_len > 0 && send(fd, c->reply, c->reply_len, MSG_NOSIGNAL) < 0)
		c->reply_len = 0;
	if (c->reply_len == 0)
		usleep(600 * 1000); /* say nothing: the probe times out */
	close(fd);
	return NULL;
}

static void canned_start(struct canned *c)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int one = 1;
	c->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->lfd >= 0);
	setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(c->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(c->lfd, 4), 0);
	getsockname(c->lfd, (struct sockaddr *)&a, &len);
	c->port = ntohs(a.sin_port);
	pthread_create(&c->t, NULL, serve_one, c);
}

static void canned_stop(struct canned *c)
{
	pthread_join(c->t, NULL);
	close(c->lfd);
}

static void probe_reads_a_hello(void **state)
{
	struct canned c = {.read_first = true};
	struct net_hello h = {.version = NET_PROTOCOL_VERSION, .cluster_id = 0xabcdef};
	struct discovery_probe p;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	(void)state;

	snprintf(h.name, sizeof h.name, "node-7");
	h.id = node_id_from_name(h.name);
	snprintf(h.raft_addr, sizeof h.raft_addr, "10.0.0.7:8300");
	snprintf(h.api_addr, sizeof h.api_addr, "10.0.0.7:8080");
	assert_int_equal(net_encode_hello(&h, &buf, &len, &cap), GAIA_OK);
	memcpy(c.reply, buf, len);
	c.reply_len = len;
	free(buf);
	canned_start(&c);
	assert_int_equal(discovery_probe_addr("127.0.0.1", c.port, "probe.x", 2000, &p), GAIA_OK);
	canned_stop(&c);
	assert_string_equal(p.name, "node-7");
	assert_true(p.id == h.id);
	assert_true(p.cluster_id == 0xabcdef);
	assert_string_equal(p.raft_addr, "10.0.0.7:8300");
	assert_string_equal(p.api_addr, "10.0.0.7:8080");
	/* the probe said who it is, with no addresses and no cluster */
	assert_string_equal(c.got.name, "probe.x");
	assert_true(c.got.id == node_id_from_name("probe.x"));
	assert_true(c.got.cluster_id == 0);
	assert_string_equal(c.got.raft_addr, "");
}

static void probe_refused(void **state)
{
	struct canned c = {.read_first = true};
	struct discovery_probe p;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	(void)state;

	assert_int_equal(net_encode_refuse("protocol version 1 differs", &buf, &len, &cap), GAIA_OK);
	memcpy(c.reply, buf, len);
	c.reply_len = len;
	free(buf);
	canned_start(&c);
	assert_int_equal(discovery_probe_addr("127.0.0.1", c.port, "probe.x", 2000, &p), GAIA_EINVAL);
	canned_stop(&c);
	assert_non_null(strstr(p.error, "refused the probe: protocol version 1 differs"));
}

static void probe_not_gaia(void **state)
{
	struct canned c = {.read_first = false};
	struct discovery_probe p;
	(void)state;

	memcpy(c.reply, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
	c.reply_len = 28;
	canned_start(&c);
	assert_int_equal(discovery_probe_addr("127.0.0.1", c.port, "probe.x", 2000, &p), GAIA_EINVAL);
	canned_stop(&c);
	assert_non_null(strstr(p.error, "not a gaia_go node"));
}

static void probe_silent_and_closed(void **state)
{
	struct canned c = {.read_first = true};
	struct discovery_probe p;
	uint16_t port;
	(void)state;

	canned_start(&c);
	assert_int_equal(discovery_probe_addr("127.0.0.1", c.port, "probe.x", 200, &p), GAIA_EIO);
	assert_non_null(strstr(p.error, "timed out"));
	port = c.port;
	canned_stop(&c);
	/* nothing listens there any more */
	assert_int_equal(discovery_probe_addr("127.0.0.1", port, "probe.x", 500, &p), GAIA_EIO);
	assert_non_null(strstr(p.error, "cannot connect"));
}

static void run_static(void **state)
{
	struct discovery_options o = {.type = DISCOVERY_STATIC};
	struct discovery_list found;
	static struct discovery_probe probes[DISCOVERY_MAX];
	char err[GAIA_ERRMSG_SIZE];
	json_t *doc;
	(void)state;

	/* port 1 on loopback: found, but nobody answers */
	o.nodes = "127.0.0.1:1";
	assert_int_equal(discovery_run(&o, "probe.t", 500, &found, probes, err), GAIA_OK);
	assert_int_equal(found.n, 1);
	assert_int_equal(probes[0].rc, GAIA_EIO);
	doc = discovery_result_json(&found, probes);
	assert_non_null(doc);
	assert_true(json_is_null(json_object_get(json_array_get(doc, 0), "id")));
	assert_true(json_is_false(json_object_get(json_array_get(doc, 0), "reachable")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 0), "raft_port")), 1);
	json_decref(doc);
	o.nodes = "";
	assert_int_equal(discovery_run(&o, "probe.t", 500, &found, probes, err), GAIA_OK);
	assert_int_equal(found.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(static_lists),
		cmocka_unit_test(type_names),
		cmocka_unit_test(bad_options),
		cmocka_unit_test(probe_reads_a_hello),
		cmocka_unit_test(probe_refused),
		cmocka_unit_test(probe_not_gaia),
		cmocka_unit_test(probe_silent_and_closed),
		cmocka_unit_test(run_static),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
