/* Unit tests of the transport when things go wrong: a peer stops (the
 * other side hears of it) and comes back, here or at a new address; the
 * backoff and net_reconnect_all; the queue limit; bad frames from a raw
 * socket close only their connection; stopping with work in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "test_net_harness.h"

static bool saw_down(void *ud)
{
	return ((struct node *)ud)[0].downs[2] > 0;
}

static void test_peer_down_and_reconnect(void **state)
{
	struct node n[2];
	int port;
	char addr2[64];
	(void)state;

	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, CLUSTER, 0);
	node_start(&n[1], 2, 3, 0, CLUSTER, 0);
	port = n[1].port;
	net_set_peer(n[0].net, 2, n[1].addr);
	net_set_peer(n[1].net, 1, n[0].addr);
	assert_true(run_until(pair_connected, n, 3000));
	assert_int_equal(n[0].downs[2], 0);

	/* kill node 2: node 1 sees it go */
	node_stop(&n[1]);
	assert_true(run_until(saw_down, n, 2000));
	assert_false(net_connected(n[0].net, 2));

	/* it comes back on the same port: node 1 redials by itself */
	node_start(&n[1], 2, 3, port, CLUSTER, 0);
	net_set_peer(n[1].net, 1, n[0].addr);
	assert_true(run_until(pair_connected, n, 3000));
	memset(n[0].next_seq, 0, sizeof n[0].next_seq);
	memset(n[1].next_seq, 0, sizeof n[1].next_seq);
	n[0].received = n[1].received = 0;
	send_seq(&n[0], &n[1], 0, 100);
	send_seq(&n[1], &n[0], 0, 100);
	assert_true(run_until(got_one_each, n, 2000));

	/* again, but it comes back elsewhere: net_set_peer moves the peer;
	 * and a long backoff is cut short by net_reconnect_all */
	n[0].downs[2] = 0;
	node_stop(&n[1]);
	assert_true(run_until(saw_down, n, 2000));
	node_start(&n[1], 2, 4, 0, CLUSTER, 0);
	snprintf(addr2, sizeof addr2, "%s", n[1].addr);
	net_set_peer(n[1].net, 1, n[0].addr);
	net_set_peer(n[0].net, 2, addr2);
	assert_true(run_until(pair_connected, n, 3000));
	assert_true(log_count(&n[0], "moved from") > 0);

	/* forget: the connection goes, messages to it are dropped */
	struct net_stats st0, st1;
	net_forget_peer(n[0].net, 2);
	assert_false(net_connected(n[0].net, 2));
	net_get_stats(n[0].net, &st0);
	send_seq(&n[0], &n[1], 1, 100);
	net_get_stats(n[0].net, &st1);
	assert_int_equal(st1.dropped, st0.dropped + 1);
	run_for(50);
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

static void test_reconnect_all_cuts_backoff(void **state)
{
	struct node n[2];
	char addr[64];
	int port;
	uint64_t t0;
	(void)state;

	memset(n, 0, sizeof n);
	/* node 1 waits 10 to 20 s after a failed dial */
	n[0].backoff_min_ms = n[0].backoff_max_ms = 20000;
	node_start(&n[0], 1, 2, 0, CLUSTER, 0);
	/* a port nobody listens on (yet) */
	node_start(&n[1], 2, 3, 0, CLUSTER, 0);
	port = n[1].port;
	node_stop(&n[1]);
	node_free_logs(&n[1]);
	snprintf(addr, sizeof addr, "127.0.0.3:%d", port);
	net_set_peer(n[0].net, 2, addr);
	run_for(300); /* the first dial failed: now waiting */
	assert_true(log_count(&n[0], "cannot connect to node 2") == 1);
	node_start(&n[1], 2, 3, port, CLUSTER, 0);
	run_for(200);
	assert_false(net_connected(n[0].net, 2));
	uv_update_time(&test_loop);
	t0 = uv_now(&test_loop);
	net_reconnect_all(n[0].net);
	assert_true(run_until(one_connected, n, 1000));
	assert_true(uv_now(&test_loop) - t0 < 500);
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

/* --- the queue limit ----------------------------------------------------- */

static void test_queue_limit_drops(void **state)
{
	struct node n[2];
	struct net_stats st;
	struct raft_message m;
	struct raft_entry e;
	size_t sent = 200, frame = 0;
	(void)state;

	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, CLUSTER, 16384);
	node_start(&n[1], 2, 3, 0, CLUSTER, 0);
	net_set_peer(n[0].net, 2, n[1].addr);
	assert_true(run_until(one_connected, n, 3000));

	/* all in one loop turn: nothing leaves before the queue is full */
	for (size_t s = 0; s < sent; s++) {
		memset(&m, 0, sizeof m);
		m.type = RAFT_MSG_APPEND;
		m.from = 1;
		m.to = 2;
		m.cluster_id = CLUSTER;
		m.term = s + 1;
		e = (struct raft_entry){ s, 1, RAFT_ENTRY_NORMAL,
					 raft_buf_new(NULL, 1000) };
		memset(e.buf->data, (int)s, 1000);
		m.entries = &e;
		m.n_entries = 1;
		if (frame == 0) {
			uint8_t *b = NULL;
			size_t len = 0, cap = 0;
			net_encode_msg(&m, &b, &len, &cap);
			frame = len;
			free(b);
		}
		net_send(n[0].net, &m);
		raft_buf_unref(e.buf);
	}
	run_for(300);
	net_get_stats(n[0].net, &st);
	size_t fit = 16384 / frame;
	assert_int_equal(n[1].received, fit);
	assert_int_equal(n[1].next_seq[1], fit); /* the first ones, in order */
	assert_int_equal(n[1].bad, 0);
	assert_int_equal(st.dropped, sent - fit);
	assert_int_equal(st.frames_sent, fit);

	/* once drained, the queue takes messages again */
	send_seq(&n[0], &n[1], fit, 100);
	run_for(100);
	assert_int_equal(n[1].received, fit + 1);
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

/* --- bad frames from a raw socket ---------------------------------------- */

struct raw_wait {
	struct node *nd;
	size_t received;
	uint64_t dropped;
};

static bool raw_progress(void *ud)
{
	struct raw_wait *w = ud;
	struct net_stats st;
	net_get_stats(w->nd->net, &st);
	return w->nd->received >= w->received && st.dropped >= w->dropped;
}

static bool saw_down7(void *ud)
{
	return ((struct node *)ud)->downs[7] > 0;
}

static void test_bad_frames_close_one_connection(void **state)
{
	struct node n[2];
	struct raft_message m;
	int fd;
	(void)state;

	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, CLUSTER, 0);
	node_start(&n[1], 2, 3, 0, CLUSTER, 0);
	net_set_peer(n[0].net, 2, n[1].addr);
	assert_true(run_until(one_connected, n, 3000));

	/* a length above NET_MAX_FRAME */
	fd = raw_connect(n[1].ip, n[1].port);
	raw_send(fd, "\xff\xff\xff\xff\x03", 5);
	assert_true(run_until(raw_closed, &fd, 2000));
	close(fd);
	/* a message before any hello */
	fd = raw_connect(n[1].ip, n[1].port);
	tnu_gen_msg(&m, 7, 2, CLUSTER, 0, 10);
	raw_msg(fd, &m);
	raft_message_release(&m);
	assert_true(run_until(raw_closed, &fd, 2000));
	close(fd);
	/* a hello with bad magic */
	fd = raw_connect(n[1].ip, n[1].port);
	raw_send(fd, "\x09\x00\x00\x00\x01XXXXXXXX", 13);
	assert_true(run_until(raw_closed, &fd, 2000));
	close(fd);
	/* a hello frame too big for a hello */
	fd = raw_connect(n[1].ip, n[1].port);
	raw_send(fd, "\x00\x10\x00\x00\x01", 5);
	assert_true(run_until(raw_closed, &fd, 2000));
	close(fd);
	/* silence: closed after rpc_timeout_ms */
	fd = raw_connect(n[1].ip, n[1].port);
	assert_true(run_until(raw_closed, &fd, 2000));
	close(fd);
	assert_true(log_count(&n[1], "no hello from") > 0);

	/* a proper hello as node 7, then wrong addressees, then junk */
	fd = raw_connect(n[1].ip, n[1].port);
	raw_hello(fd, 7, CLUSTER);
	struct raw_wait w = { &n[1], 0, 0 };
	struct net_stats st;
	net_get_stats(n[1].net, &st);
	tnu_gen_msg(&m, 7, 99, CLUSTER, 0, 10); /* not for us */
	raw_msg(fd, &m);
	raft_message_release(&m);
	tnu_gen_msg(&m, 5, 2, CLUSTER, 0, 10); /* not from who said hello */
	raw_msg(fd, &m);
	raft_message_release(&m);
	tnu_gen_msg(&m, 7, 2, CLUSTER + 1, 0, 10); /* another cluster */
	raw_msg(fd, &m);
	raft_message_release(&m);
	tnu_gen_msg(&m, 7, 2, CLUSTER, 0, 10); /* fine */
	raw_msg(fd, &m);
	raft_message_release(&m);
	w.received = 1;
	w.dropped = st.dropped + 3;
	assert_true(run_until(raw_progress, &w, 2000));
	assert_int_equal(n[1].received, 1);
	assert_int_equal(n[1].bad, 0);
	raw_send(fd, "\x02\x00\x00\x00\x03\x00", 6); /* type 0 */
	assert_true(run_until(raw_closed, &fd, 2000));
	close(fd);
	assert_true(run_until(saw_down7, &n[1], 2000));
	assert_true(log_count(&n[1], "bad message") > 0);

	/* the real peer's connection never noticed */
	assert_true(net_connected(n[0].net, 2));
	send_seq(&n[0], &n[1], 0, 1000);
	w.received = 2;
	assert_true(run_until(raw_progress, &w, 2000));
	assert_int_equal(n[1].bad, 0);
	assert_int_equal(n[0].downs[2], 0);
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

static void test_stop_mid_flight(void **state)
{
	struct node n[2];
	(void)state;

	/* connections opening, a name resolving, messages queued: all of it
	 * goes at stop, with every handle closed (teardown checks) */
	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, CLUSTER, 0);
	node_start(&n[1], 2, 3, 0, CLUSTER, 0);
	net_set_peer(n[0].net, 2, n[1].addr);
	net_set_peer(n[0].net, 3, "localhost:1");
	net_set_peer(n[0].net, 4, "127.0.0.9:1");
	net_set_peer(n[1].net, 1, n[0].addr);
	for (uint64_t s = 0; s < 10; s++)
		send_seq(&n[0], &n[1], s, 70000);
	uv_run(&test_loop, UV_RUN_NOWAIT);
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}

	/* stopping from inside a callback */
	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, CLUSTER, 0);
	node_start(&n[1], 2, 3, 0, CLUSTER, 0);
	net_set_peer(n[0].net, 2, n[1].addr);
	assert_true(run_until(one_connected, n, 3000));
	n[1].stop_in_callback = true;
	for (uint64_t s = 0; s < 5; s++)
		send_seq(&n[0], &n[1], s, 100);
	assert_true(run_until(is_stopped, &n[1], 2000));
	assert_int_equal(n[1].received, 1); /* nothing after the stop */
	node_stop(&n[0]);
	node_free_logs(&n[0]);
	node_free_logs(&n[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_peer_down_and_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_all_cuts_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_limit_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames_close_one_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_mid_flight, setup, teardown),
	};
	return cmocka_run_group_tests_name("net_faults", tests, NULL, NULL);
}
