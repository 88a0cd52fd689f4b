/* Unit tests of the transport: nodes on 127.0.0.x exchange 1000 messages
 * each way in order and intact, from their own IPs; other clusters and
 * nodes the caller does not admit are refused with the reason on both
 * sides; a node waiting to join learns its cluster id; names resolve. */
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

/* --- order and content --------------------------------------------------- */

static bool all_connected(void *ud)
{
	struct node *n = ud;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			if (i != j && !net_connected(n[i].net, n[j].id))
				return false;
	return true;
}

static bool all_received(void *ud)
{
	struct node *n = ud;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			if (i != j && n[i].next_seq[n[j].id] < ROUND_MSGS)
				return false;
	return true;
}

static void test_messages_flow_in_order(void **state)
{
	struct node n[3];
	struct net_stats st;
	char addr[64];
	(void)state;

	memset(n, 0, sizeof n);
	for (int i = 0; i < 3; i++) {
		node_start(&n[i], (raft_id)i + 1, i + 2, 0, CLUSTER, 0);
		n[i].check_content = true;
		n[i].max_payload = 2u << 20;
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			if (i != j)
				net_set_peer(n[i].net, n[j].id, n[j].addr);
	/* the first ones queue while the connections open */
	for (uint64_t s = 0; s < 20; s++)
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				if (i != j)
					send_seq(&n[i], &n[j], s, 2u << 20);
	assert_true(run_until(all_connected, n, 3000));
	for (uint64_t s = 20; s < ROUND_MSGS; s++) {
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				if (i != j)
					send_seq(&n[i], &n[j], s, 2u << 20);
		if (s % 50 == 0)
			uv_run(&test_loop, UV_RUN_NOWAIT);
	}
	assert_true(run_until(all_received, n, 8000));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(n[i].bad, 0);
		assert_int_equal(n[i].received, 2 * ROUND_MSGS);
		net_get_stats(n[i].net, &st);
		assert_int_equal(st.dropped, 0);
		assert_int_equal(st.frames_sent, 2 * ROUND_MSGS);
		assert_int_equal(st.frames_received, 2 * ROUND_MSGS);
		assert_true(st.bytes_received > (2u << 20)); /* big chunks too */
		assert_true(st.connects >= 4); /* 2 out, 2 in */
		assert_true(st.bytes_sent > 0 && st.bytes_received > 0);
	}
	/* outgoing connections come from each node's own IP */
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			char want[40];
			if (i == j)
				continue;
			assert_int_equal(net_peer_addr(n[i].net, n[j].id, addr,
						       sizeof addr), GAIA_OK);
			snprintf(want, sizeof want, "%s:", n[j].ip);
			if (strncmp(addr, want, strlen(want)) != 0)
				fail_msg("node %d sees node %d from %s, want %s*",
					 i + 1, j + 1, addr, want);
		}
	assert_int_equal(net_peer_addr(n[0].net, 99, addr, sizeof addr),
			 GAIA_ENOTFOUND);
	for (int i = 0; i < 3; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

/* --- refusals ------------------------------------------------------------ */

static bool both_logged_refusal(void *ud)
{
	struct node *n = ud;
	return log_count(&n[1], "refusing connection from") > 0 &&
	       log_count(&n[0], "refused our connection") > 0;
}

static void test_other_cluster_refused(void **state)
{
	struct node n[2];
	struct net_stats st;
	const char *why = "cluster id 0x1111 differs from ours 0x2222";
	(void)state;

	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, 0x1111, 0);
	node_start(&n[1], 2, 3, 0, 0x2222, 0);
	net_set_peer(n[0].net, 2, n[1].addr);
	assert_true(run_until(both_logged_refusal, n, 3000));
	assert_int_equal(log_count(&n[1], why), log_count(&n[1], "refusing"));
	assert_true(log_count(&n[0], why) > 0);
	assert_false(net_connected(n[0].net, 2));
	net_get_stats(n[1].net, &st);
	assert_true(st.refused >= 1);
	assert_int_equal(st.connects, 0);
	net_get_stats(n[0].net, &st);
	assert_true(st.refused >= 1);

	/* a refused dialer waits the longest backoff (jittered to at least
	 * half of it, 100 ms) between attempts: no hammering */
	run_for(700);
	assert_true(n[1].n_refuse >= 2 && n[1].n_refuse <= 9);
	for (size_t i = 1; i < n[1].n_refuse; i++)
		assert_true(n[1].refuse_times[i] - n[1].refuse_times[i - 1] >= 90);
	assert_int_equal(n[1].received, 0);
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

static bool dialer_refused(void *ud)
{
	struct node *n = ud;
	return log_count(&n[0], "refusing connection to") > 0 &&
	       log_count(&n[1], "not in our configuration") > 0;
}

static void test_admit_refuses(void **state)
{
	struct node n[2];
	struct net_stats st;
	(void)state;

	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, CLUSTER, 0);
	node_start(&n[1], 2, 3, 0, CLUSTER, 0);
	n[1].refuse_id = 1;
	n[1].refuse_reason = "node 1 was removed from the cluster";
	net_set_peer(n[0].net, 2, n[1].addr);
	send_seq(&n[0], &n[1], 0, 100);
	assert_true(run_until(both_logged_refusal, n, 3000));
	assert_true(log_count(&n[0], "refused our connection: node 1 was removed") > 0);
	assert_true(log_count(&n[1], "node 1 was removed from the cluster") > 0);
	assert_false(net_connected(n[0].net, 2));
	assert_int_equal(n[1].received, 0);
	net_get_stats(n[0].net, &st);
	assert_int_equal(st.frames_sent, 0);
	assert_int_equal(n[0].downs[2], 0);

	/* the dialing side may refuse too, when the answer comes back */
	n[1].refuse_id = 0;
	n[0].refuse_id = 2;
	n[0].refuse_reason = "node 2 is not in our configuration";
	net_reconnect_all(n[0].net);
	assert_true(run_until(dialer_refused, n, 3000));
	assert_true(log_count(&n[1], "refused our connection: node 2 is not") > 0);
	assert_false(net_connected(n[0].net, 2));
	assert_int_equal(n[1].downs[1], 0);
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

/* --- a node that does not know its cluster yet ---------------------------- */

static bool joiner_linked(void *ud)
{
	struct node *n = ud; /* member, stranger, joiner */
	return net_connected(n[0].net, 3) && net_connected(n[2].net, 1) &&
	       net_connected(n[1].net, 3);
}

static bool joiner_refused_stranger(void *ud)
{
	struct node *n = ud;
	return log_count(&n[2], "refusing connection from") > 0 &&
	       log_count(&n[1], "refused our connection") > 0;
}

static bool joiner_got_one(void *ud)
{
	return ((struct node *)ud)[2].received > 0;
}

static void test_cluster_id_learned_at_join(void **state)
{
	struct node n[3];
	(void)state;

	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, 0x1111, 0); /* a member */
	node_start(&n[1], 2, 3, 0, 0x2222, 0); /* a stranger */
	node_start(&n[2], 3, 4, 0, 0, 0);      /* waiting to be added */
	net_set_peer(n[0].net, 3, n[2].addr);
	net_set_peer(n[2].net, 1, n[0].addr);
	net_set_peer(n[1].net, 3, n[2].addr);
	/* id 0 matches any cluster, both ways */
	assert_true(run_until(joiner_linked, n, 3000));
	send_seq(&n[0], &n[2], 0, 100);
	assert_true(run_until(joiner_got_one, n, 2000));
	assert_int_equal(n[2].bad, 0);

	/* the runtime learns the id: strangers are closed, then refused */
	net_set_cluster_id(n[2].net, 0x1111);
	assert_int_equal(net_cluster_id(n[2].net), 0x1111);
	assert_true(log_count(&n[2], "closing connection from") > 0);
	assert_true(run_until(joiner_refused_stranger, n, 3000));
	assert_true(log_count(&n[2], "cluster id 0x2222 differs from ours 0x1111") > 0);
	assert_true(net_connected(n[0].net, 3));
	assert_true(net_connected(n[2].net, 1));
	send_seq(&n[0], &n[2], 1, 100);
	n[2].received = 0;
	assert_true(run_until(joiner_got_one, n, 2000));
	assert_int_equal(n[2].bad, 0);
	for (int i = 0; i < 3; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

/* --- names and stopping mid-flight --------------------------------------- */

static void test_dial_by_name(void **state)
{
	struct node n[2];
	struct addrinfo hints, *res = NULL;
	char addr[64];
	(void)state;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", NULL, &hints, &res) != 0 ||
	    res->ai_family != AF_INET ||
	    ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr !=
		    htonl(0x7f000001)) {
		if (res != NULL)
			freeaddrinfo(res);
		skip(); /* localhost is not 127.0.0.1 first here */
	}
	freeaddrinfo(res);
	memset(n, 0, sizeof n);
	node_start(&n[0], 1, 2, 0, CLUSTER, 0);
	node_start(&n[1], 2, 1, 0, CLUSTER, 0);
	snprintf(addr, sizeof addr, "localhost:%d", n[1].port);
	net_set_peer(n[0].net, 2, addr);
	assert_true(run_until(one_connected, n, 3000));
	for (int i = 0; i < 2; i++) {
		node_stop(&n[i]);
		node_free_logs(&n[i]);
	}
}

static void test_start_errors(void **state)
{
	struct node a;
	struct net_options o;
	struct net *n2 = NULL;
	char err[GAIA_ERRMSG_SIZE];
	(void)state;

	memset(&a, 0, sizeof a);
	node_start(&a, 1, 2, 0, CLUSTER, 0);
	memset(&o, 0, sizeof o);
	o.loop = &test_loop;
	o.self.id = 5;
	o.bind_addr = a.addr; /* taken */
	assert_int_equal(net_start(&n2, &o, err), GAIA_EIO);
	assert_non_null(strstr(err, a.addr));
	assert_null(n2);
	o.bind_addr = "nonsense";
	assert_int_equal(net_start(&n2, &o, err), GAIA_EINVAL);
	o.bind_addr = "127.0.0.2:0";
	o.self.id = 0;
	assert_int_equal(net_start(&n2, &o, err), GAIA_EINVAL);
	node_stop(&a);
	node_free_logs(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_messages_flow_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_cluster_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admit_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cluster_id_learned_at_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dial_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
