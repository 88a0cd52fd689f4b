/* test_net_harness.h - what the transport tests share: nodes on 127.0.0.x in one libuv loop, waiting for conditions, a raw client socket. */
#ifndef GAIA_TEST_NET_HARNESS_H
#define GAIA_TEST_NET_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "net/net.h"
#include "test_net_util.h"

#define CLUSTER 0xabc123ull
#define MAX_NODES 4
#define ROUND_MSGS 1000

struct node {
	struct net *net;
	raft_id id;
	uint64_t cluster;
	char ip[32];
	int port;
	char addr[64];
	/* log lines */
	char **logs;
	size_t n_logs, cap_logs;
	uint64_t *refuse_times; /* loop time of each "refusing" line */
	size_t n_refuse;
	/* received */
	uint64_t next_seq[MAX_NODES + 8];
	size_t received;
	size_t bad;
	bool check_content;
	size_t max_payload;
	int downs[MAX_NODES + 8];
	/* admission */
	raft_id refuse_id;
	const char *refuse_reason;
	bool stopped;
	bool stop_in_callback;
	/* set before node_start to change the defaults (20 ms .. 200 ms) */
	uint64_t backoff_min_ms, backoff_max_ms;
};

extern uv_loop_t test_loop;

/* cmocka setup/teardown: a fresh loop; teardown asserts that every handle
 * was closed (uv_loop_close succeeds). */
int setup(void **state);
int teardown(void **state);

/* Start node id on 127.0.0.<ip_last>:<port> (0: any free port). */
void node_start(struct node *nd, raft_id id, int ip_last, int port,
		uint64_t cluster, size_t max_queue);
/* net_stop and wait for its done callback. */
void node_stop(struct node *nd);
void node_free_logs(struct node *nd);
size_t log_count(const struct node *nd, const char *needle);
/* Message seq of the deterministic sequence from -> to. */
void send_seq(struct node *from, struct node *to, uint64_t seq,
	      size_t max_payload);

typedef bool (*pred_fn)(void *ud);
/* Run the loop until pred(ud) holds or ms pass; returns pred(ud). */
bool run_until(pred_fn pred, void *ud, uint64_t ms);
void run_for(uint64_t ms);
bool is_stopped(void *ud);          /* ud: a node */
bool one_connected(void *ud);       /* ud: node[2]; 0 -> 1 */
bool pair_connected(void *ud);      /* ud: node[2]; both ways */
bool got_one_each(void *ud);        /* ud: node[2] */

/* A blocking connect, then non-blocking; sends pump the loop. */
int raw_connect(const char *ip, int port);
void raw_send(int fd, const void *p, size_t len);
bool raw_closed(void *ud);          /* ud: int fd; drains what arrived */
void raw_hello(int fd, raft_id id, uint64_t cluster);
void raw_msg(int fd, const struct raft_message *m);

#endif
