/* api_fake_node.h - a stand-in for libgaia/node in the REST API's tests: an
 * in-memory KV and a made-up cluster status, answered from a thread of its
 * own as the node's loop would. */
#ifndef GAIA_API_FAKE_NODE_H
#define GAIA_API_FAKE_NODE_H

#include <stdbool.h>

#include "node/node.h"

/* A leader named name, with peers "<name>-b" (healthy) and "<name>-c"
 * (unhealthy), all voters. */
struct node *fake_node_new(const char *name);
/* Answers whatever it still holds with GAIA_ESHUTDOWN, then frees. */
void fake_node_free(struct node *n);

/* leader_id NULL: no leader known. self true: this node leads. */
void fake_node_set_leader(struct node *n, bool self, const char *leader_id, const char *leader_api);
/* The state (a static string) of the peer named peer in the status. */
void fake_node_set_peer_state(struct node *n, const char *peer, const char *state);
/* Hold every request without an answer until released (hold=false). */
void fake_node_hold(struct node *n, bool hold);
/* As node_failed() after a fatal error (WAL or directory sync). */
void fake_node_set_failed(struct node *n, bool failed);
/* Answer every request with err (0: behave). */
void fake_node_fail(struct node *n, int err, const char *msg);
/* node_submit() refuses with GAIA_ESHUTDOWN. */
void fake_node_refuse(struct node *n, bool refuse);

unsigned fake_node_submitted(struct node *n);
unsigned fake_node_held(struct node *n);
/* A copy of the inputs of the last request (key and value point into
 * the fake's own copies, valid until the next request). */
struct node_req fake_node_last(struct node *n);
/* The Raft id of the peer named name (its incarnation); 0: no such peer. */
raft_id fake_node_peer_id(struct node *n, const char *name);
/* Wait until the fake holds count requests (up to ~5 s); false if not. */
bool fake_node_wait_held(struct node *n, unsigned count);

#endif
