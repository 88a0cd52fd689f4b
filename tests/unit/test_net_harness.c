/* The harness of the transport tests: nodes on 127.0.0.x in one libuv
 * loop that record what they receive and log, and a raw client socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "test_net_harness.h"

uv_loop_t test_loop;
static uv_timer_t ticker;
static bool verbose;

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

static void on_log(void *ud, int level, const char *msg)
{
	struct node *nd = ud;
	if (verbose)
		fprintf(stderr, "[%llu node %llu %d] %s\n",
			(unsigned long long)uv_now(&test_loop),
			(unsigned long long)nd->id, level, msg);
	if (nd->n_logs == nd->cap_logs) {
		nd->cap_logs = nd->cap_logs ? nd->cap_logs * 2 : 64;
		nd->logs = realloc(nd->logs, nd->cap_logs * sizeof *nd->logs);
		assert_non_null(nd->logs);
	}
	nd->logs[nd->n_logs++] = strdup(msg);
	if (strncmp(msg, "refusing", 8) == 0) {
		nd->refuse_times = realloc(nd->refuse_times,
					   (nd->n_refuse + 1) * sizeof(uint64_t));
		nd->refuse_times[nd->n_refuse++] = uv_now(&test_loop);
	}
}

size_t log_count(const struct node *nd, const char *needle)
{
	size_t k = 0;
	for (size_t i = 0; i < nd->n_logs; i++)
		k += strstr(nd->logs[i], needle) != NULL;
	return k;
}

static void on_stopped_cb(void *ud);

static void on_message(void *ud, const struct raft_message *m)
{
	struct node *nd = ud;
	uint64_t seq = m->term - 1;

	nd->received++;
	if (nd->stop_in_callback) {
		nd->stop_in_callback = false;
		net_stop(nd->net, on_stopped_cb, nd);
		return;
	}
	if (m->to != nd->id || m->from >= MAX_NODES + 8 ||
	    seq != nd->next_seq[m->from]) {
		nd->bad++;
		return;
	}
	nd->next_seq[m->from] = seq + 1;
	if (nd->check_content) {
		struct raft_message want;
		tnu_gen_msg(&want, m->from, m->to, m->cluster_id, seq,
			    nd->max_payload);
		if (!tnu_msg_equal(&want, m))
			nd->bad++;
		raft_message_release(&want);
	}
}

static void on_peer_down(void *ud, raft_id id)
{
	struct node *nd = ud;
	if (id < MAX_NODES + 8)
		nd->downs[id]++;
}

static int admit(void *ud, const struct net_hello *h, char *reason, size_t len)
{
	struct node *nd = ud;
	if (nd->refuse_id != 0 && h->id == nd->refuse_id) {
		snprintf(reason, len, "%s", nd->refuse_reason);
		return 1;
	}
	return 0;
}

/* Start node id on 127.0.0.<ip_last> (port 0: any free one). */
void node_start(struct node *nd, raft_id id, int ip_last, int port,
		       uint64_t cluster, size_t max_queue)
{
	struct net_options o;
	char err[GAIA_ERRMSG_SIZE], bind[64];

	nd->id = id;
	nd->cluster = cluster;
	nd->stopped = false;
	snprintf(nd->ip, sizeof nd->ip, "127.0.0.%d", ip_last);
	snprintf(bind, sizeof bind, "%s:%d", nd->ip, port);
	memset(&o, 0, sizeof o);
	o.loop = &test_loop;
	o.self.cluster_id = cluster;
	o.self.id = id;
	snprintf(o.self.name, sizeof o.self.name, "node-%llu",
		 (unsigned long long)id);
	snprintf(o.self.raft_addr, sizeof o.self.raft_addr, "%s:%d", nd->ip, port);
	snprintf(o.self.api_addr, sizeof o.self.api_addr, "%s:8080", nd->ip);
	o.bind_addr = bind;
	o.rpc_timeout_ms = 500;
	o.backoff_min_ms = nd->backoff_min_ms ? nd->backoff_min_ms : 20;
	o.backoff_max_ms = nd->backoff_max_ms ? nd->backoff_max_ms : 200;
	o.max_queue_bytes = max_queue;
	o.ud = nd;
	o.on_message = on_message;
	o.on_peer_down = on_peer_down;
	o.admit = admit;
	o.log = on_log;
	if (net_start(&nd->net, &o, err) != GAIA_OK)
		fail_msg("net_start: %s", err);
	nd->port = net_bound_port(nd->net);
	assert_true(nd->port > 0);
	snprintf(nd->addr, sizeof nd->addr, "%s:%d", nd->ip, nd->port);
}

static void on_stopped_cb(void *ud)
{
	((struct node *)ud)->stopped = true;
}

void node_free_logs(struct node *nd)
{
	for (size_t i = 0; i < nd->n_logs; i++)
		free(nd->logs[i]);
	free(nd->logs);
	free(nd->refuse_times);
	nd->logs = NULL;
	nd->refuse_times = NULL;
	nd->n_logs = nd->cap_logs = nd->n_refuse = 0;
}

/* Run the loop until pred holds or ms pass; returns pred. */
bool run_until(pred_fn pred, void *ud, uint64_t ms)
{
	uint64_t end;
	uv_update_time(&test_loop);
	end = uv_now(&test_loop) + ms;
	while (!pred(ud)) {
		if (uv_now(&test_loop) >= end)
			return false;
		uv_run(&test_loop, UV_RUN_ONCE);
	}
	return true;
}

static bool never(void *ud)
{
	(void)ud;
	return false;
}

void run_for(uint64_t ms)
{
	run_until(never, NULL, ms);
}

bool is_stopped(void *ud)
{
	return ((struct node *)ud)->stopped;
}

void node_stop(struct node *nd)
{
	net_stop(nd->net, on_stopped_cb, nd);
	assert_true(run_until(is_stopped, nd, 2000));
	nd->net = NULL;
}

int setup(void **state)
{
	(void)state;
	verbose = getenv("NET_TEST_VERBOSE") != NULL;
	assert_int_equal(uv_loop_init(&test_loop), 0);
	uv_timer_init(&test_loop, &ticker);
	uv_timer_start(&ticker, on_tick, 5, 5);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	uv_close((uv_handle_t *)&ticker, NULL);
	uv_run(&test_loop, UV_RUN_DEFAULT);
	/* every handle of every net was closed */
	assert_int_equal(uv_loop_close(&test_loop), 0);
	return 0;
}

void send_seq(struct node *from, struct node *to, uint64_t seq,
		     size_t max_payload)
{
	struct raft_message m;
	tnu_gen_msg(&m, from->id, to->id, from->cluster, seq, max_payload);
	net_send(from->net, &m);
	raft_message_release(&m);
}

bool pair_connected(void *ud)
{
	struct node *n = ud;
	return net_connected(n[0].net, n[1].id) && net_connected(n[1].net, n[0].id);
}

bool got_one_each(void *ud)
{
	struct node *n = ud;
	return n[0].received > 0 && n[1].received > 0;
}

bool one_connected(void *ud)
{
	struct node *n = ud;
	return net_connected(n[0].net, n[1].id);
}

int raw_connect(const char *ip, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

void raw_send(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;
	while (len > 0) {
		ssize_t k = send(fd, b, len, MSG_NOSIGNAL);
		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			uv_run(&test_loop, UV_RUN_NOWAIT);
			continue;
		}
		assert_true(k > 0);
		b += k;
		len -= (size_t)k;
	}
}

/* Drained what the node sent; true once it closed the connection. */
bool raw_closed(void *ud)
{
	int fd = *(int *)ud;
	uint8_t buf[4096];
	for (;;) {
		ssize_t k = recv(fd, buf, sizeof buf, 0);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			return true;
		if (k < 0)
			return false;
	}
}

void raw_hello(int fd, raft_id id, uint64_t cluster)
{
	struct net_hello h;
	uint8_t *b = NULL;
	size_t len = 0, cap = 0;

	memset(&h, 0, sizeof h);
	h.version = NET_PROTOCOL_VERSION;
	h.cluster_id = cluster;
	h.id = id;
	strcpy(h.name, "raw");
	assert_int_equal(net_encode_hello(&h, &b, &len, &cap), GAIA_OK);
	raw_send(fd, b, len);
	free(b);
}

void raw_msg(int fd, const struct raft_message *m)
{
	uint8_t *b = NULL;
	size_t len = 0, cap = 0;
	assert_int_equal(net_encode_msg(m, &b, &len, &cap), GAIA_OK);
	raw_send(fd, b, len);
	free(b);
}

