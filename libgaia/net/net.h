/* net.h - the Raft transport: framed, bound-checked binary messages
 * between nodes over TCP (DESIGN.md section 6), on the node's libuv loop.
 *
 * Each node dials one outgoing connection per peer and sends its messages
 * there; it accepts connections from peers and receives on them. So each
 * direction of a pair is one FIFO TCP stream. Outgoing sockets are bound
 * to the IP of the node's advertised address before connect(), so that
 * tests can cut links between 127.0.0.x addresses.
 *
 * Every connection opens with a hello in both directions: magic, protocol
 * version, cluster id, node id, node name, and the node's advertised Raft
 * and REST addresses. A peer from another cluster, or one the caller
 * refuses (a removed node), gets a refusal frame with the reason, which is
 * logged on both sides, and the connection is closed.
 *
 * All callbacks run on the loop thread. Nothing here blocks. */
#ifndef GAIA_NET_H
#define GAIA_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "gaia.h"
#include "raft/raft.h"

#define NET_PROTOCOL_VERSION 1
#define NET_NAME_MAX 64
#define NET_ADDR_MAX 128
#define NET_MAX_FRAME (64u << 20) /* a frame above this closes the connection */

/* What a node says about itself when a connection opens. */
struct net_hello {
	uint32_t version;
	uint64_t cluster_id;
	raft_id id;
	char name[NET_NAME_MAX];          /* the operator's node id, e.g. "node-1" */
	char raft_addr[NET_ADDR_MAX];     /* host:port */
	char api_addr[NET_ADDR_MAX];      /* host:port of its REST API */
};

enum net_log_level { NET_LOG_ERROR = 0, NET_LOG_WARN, NET_LOG_INFO, NET_LOG_DEBUG };

struct net_options {
	uv_loop_t *loop;
	struct net_hello self;      /* version is filled by net */
	const char *bind_addr;      /* host:port to listen on (e.g. 0.0.0.0:8300) */
	uint64_t rpc_timeout_ms;    /* connect timeout */
	uint64_t backoff_min_ms;    /* reconnect backoff, doubled up to max */
	uint64_t backoff_max_ms;
	size_t max_queue_bytes;     /* per peer: above it, messages are dropped */
	void *ud;
	/* a decoded message from a peer (m is valid during the call only) */
	void (*on_message)(void *ud, const struct raft_message *m);
	/* a connection to or from id closed or was reset */
	void (*on_peer_down)(void *ud, raft_id id);
	/* a peer said hello (incoming or outgoing); return 0 to accept it, or
	 * non-zero with a reason to refuse it. NULL accepts everyone of our
	 * cluster. */
	int (*admit)(void *ud, const struct net_hello *h, char *reason, size_t len);
	/* one line for the log, without a newline */
	void (*log)(void *ud, int level, const char *msg);
};

struct net;

/* Listen and get ready; errmsg (GAIA_ERRMSG_SIZE) says why not. */
int net_start(struct net **out, const struct net_options *o, char *errmsg);
/* Where to dial id; replaces a previous address (reconnects if changed). */
void net_set_peer(struct net *n, raft_id id, const char *raft_addr);
/* Stop dialing id and drop its connection and queue. */
void net_forget_peer(struct net *n, raft_id id);
/* Encode and queue m for m->to (dials if needed). Never blocks; a message
 * that cannot be queued is dropped (Raft retries). */
void net_send(struct net *n, const struct raft_message *m);
/* Reset the reconnect backoff of every peer and dial now. */
void net_reconnect_all(struct net *n);
/* Is there an established outgoing connection to id? */
bool net_connected(const struct net *n, raft_id id);
/* Close everything; done(ud) runs on the loop once all handles closed. */
void net_stop(struct net *n, void (*done)(void *ud), void *ud);

/* Counters for metrics and tests. */
struct net_stats {
	uint64_t frames_sent, frames_received, bytes_sent, bytes_received;
	uint64_t dropped, refused, connects, disconnects;
};
void net_get_stats(const struct net *n, struct net_stats *s);

/* --- the codec (pure; used by the transport, tested alone) -------------- */

/* Frame layout: u32 length of what follows, u8 frame type, payload.
 * Little-endian throughout. */
enum net_frame_type { NET_FRAME_HELLO = 1, NET_FRAME_REFUSE = 2, NET_FRAME_MSG = 3 };

/* Append one encoded frame to *buf (malloc'd, grown as needed). */
int net_encode_msg(const struct raft_message *m, uint8_t **buf, size_t *len,
		   size_t *cap);
int net_encode_hello(const struct net_hello *h, uint8_t **buf, size_t *len,
		     size_t *cap);
int net_encode_refuse(const char *reason, uint8_t **buf, size_t *len, size_t *cap);

/* Decode the payload of a NET_FRAME_MSG (without the 5-byte header).
 * Entries and chunks are freshly allocated raft_bufs: release with
 * raft_message_release. GAIA_EINVAL with errmsg on any malformed input;
 * never reads past len. */
int net_decode_msg(const uint8_t *p, size_t len, struct raft_message *m,
		   char *errmsg);
int net_decode_hello(const uint8_t *p, size_t len, struct net_hello *h,
		     char *errmsg);

/* Split "host:port" (IPv4, [IPv6] or a name) into a sockaddr; names are
 * resolved with getaddrinfo (numeric hosts never block). */
int net_parse_addr(const char *hostport, struct sockaddr_storage *ss,
		   char *errmsg);

#endif
