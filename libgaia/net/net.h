/* net.h - the Raft transport: framed, bound-checked binary messages
 * between nodes over TCP (DESIGN.md section 6), on the node's libuv loop.
 *
 * Each node dials one outgoing connection per peer and sends its messages
 * there; it accepts connections from peers and receives on them. So each
 * direction of a pair is one FIFO TCP stream. Outgoing sockets are bound
 * to the IP of the node's advertised address before connect(), so that
 * tests can cut links between 127.0.0.x addresses.
 *
 * Every connection opens with a hello in both directions (the dialer's
 * first; the other side answers with its own once it admits the dialer):
 * magic, protocol version, cluster id, node id, node name, and the node's
 * advertised Raft and REST addresses. A peer from another cluster, or one
 * the caller refuses (a removed node), gets a refusal frame with the
 * reason, which is logged on both sides, and the connection is closed; a
 * refused dialer waits backoff_max_ms before it tries again. Cluster id 0
 * means "not known yet" (a node waiting to be added): it matches any
 * cluster until net_set_cluster_id() gives the real one.
 *
 * All callbacks run on the loop thread, and may call back into net
 * (even net_stop). Nothing here blocks, but net_start resolves bind_addr
 * and self.raft_addr if they are names; peers' names resolve off the loop. */
#ifndef GAIA_NET_H
#define GAIA_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "gaia.h"
#include "raft/raft.h"

#define NET_PROTOCOL_VERSION 2 /* 2: snapshot messages carry a file id */
#define NET_NAME_MAX 64
#define NET_ADDR_MAX 128
#define NET_MAX_FRAME (64u << 20) /* a frame above this closes the connection */
#define NET_MAGIC 0x41494147u     /* "GAIA" on the wire, first in a hello */
#define NET_REASON_MAX 256        /* a refusal's reason, with its NUL */

/* What a node says about itself when a connection opens. */
struct net_hello {
	uint32_t version;
	uint64_t cluster_id;
	raft_id id;
	char name[NET_NAME_MAX];          /* the operator's node id, e.g. "node-1" */
	char raft_addr[NET_ADDR_MAX];     /* host:port */
	char api_addr[NET_ADDR_MAX];      /* host:port of its REST API */
	/* where its latest configuration sits in its log (0, 0: none): a
	 * member lets in a node it believes removed only when this is newer
	 * than its own (the node was added back) */
	uint64_t conf_term, conf_index;
};

enum net_log_level { NET_LOG_ERROR = 0, NET_LOG_WARN, NET_LOG_INFO, NET_LOG_DEBUG };

struct net_options {
	uv_loop_t *loop;
	struct net_hello self;      /* version is filled by net; a raft_addr
				     * port of 0 becomes the bound port */
	const char *bind_addr;      /* host:port to listen on (e.g. 0.0.0.0:8300) */
	/* 0 below picks a default: 2 s, 50 ms, 2 s, 64 MiB */
	uint64_t rpc_timeout_ms;    /* connect, hello; unacked data (TCP_USER_TIMEOUT) */
	uint64_t backoff_min_ms;    /* reconnect backoff, doubled up to max */
	uint64_t backoff_max_ms;
	size_t max_queue_bytes;     /* per peer: above it, messages are dropped */
	void *ud;
	/* a decoded message from a peer (m is valid during the call only) */
	void (*on_message)(void *ud, const struct raft_message *m);
	/* an established connection to or from id closed or was reset (also
	 * on a bad frame or an address change; not on net_forget_peer,
	 * net_stop, or a newer connection from the same id replacing it) */
	void (*on_peer_down)(void *ud, raft_id id);
	/* a peer said hello (incoming or outgoing); return 0 to accept it, or
	 * non-zero with a reason to refuse it. NULL accepts everyone of our
	 * cluster. */
	int (*admit)(void *ud, const struct net_hello *h, char *reason, size_t len);
	/* a peer refused our connection (REFUSE frame) with this reason;
	 * may be NULL */
	void (*on_refused)(void *ud, raft_id id, const char *reason);
	/* one line for the log, without a newline */
	void (*log)(void *ud, int level, const char *msg);
};

struct net;

/* Listen and get ready; errmsg (GAIA_ERRMSG_SIZE) says why not. */
int net_start(struct net **out, const struct net_options *o, char *errmsg);
/* Where to dial id; replaces a previous address (reconnects if changed).
 * Dials at once, and again after each failure, with backoff, until
 * forgotten. */
void net_set_peer(struct net *n, raft_id id, const char *raft_addr);
/* Stop dialing id and drop its connection and queue. */
void net_forget_peer(struct net *n, raft_id id);
/* Encode and queue m for m->to. Never blocks; a message that cannot be
 * queued is dropped and counted (Raft retries): no address for m->to, no
 * connection open or opening (backing off), or max_queue_bytes reached
 * (a message always fits an empty queue). Messages queued during one loop
 * turn leave in one write. */
void net_send(struct net *n, const struct raft_message *m);
/* Close every connection to and from id (no on_peer_down): a removed
 * node must dial again, and is then refused with the reason. */
void net_disconnect(struct net *n, raft_id id);
/* Reset the reconnect backoff of every peer and dial now. */
void net_reconnect_all(struct net *n);
/* Our cluster id changed (learned at join): new hellos carry it, and open
 * connections of another cluster are closed. */
void net_set_cluster_id(struct net *n, uint64_t cluster_id);
/* The position of our latest configuration, said in later hellos. */
void net_set_conf_pos(struct net *n, uint64_t term, uint64_t index);
uint64_t net_cluster_id(const struct net *n);
/* Is there an established outgoing connection to id? */
bool net_connected(const struct net *n, raft_id id);
/* The port the listener is bound to (useful when bind_addr asks for 0). */
int net_bound_port(const struct net *n);
/* The source address ("ip:port", as getpeername sees it) of the newest
 * established incoming connection from id; GAIA_ENOTFOUND if none. */
int net_peer_addr(const struct net *n, raft_id id, char *buf, size_t len);
/* Close everything (call once); done(ud) runs on the loop once all
 * handles closed, after n is freed. No callbacks run after this call. */
void net_stop(struct net *n, void (*done)(void *ud), void *ud);

/* Counters for metrics and tests. */
struct net_stats {
	uint64_t frames_sent, frames_received; /* message frames */
	uint64_t bytes_sent, bytes_received;   /* everything on the wire */
	uint64_t dropped;     /* messages not sent or not delivered */
	uint64_t refused;     /* handshakes refused, by us or by the peer */
	uint64_t connects;    /* handshakes completed, either direction */
	uint64_t disconnects; /* established connections closed */
};
void net_get_stats(const struct net *n, struct net_stats *s);

/* --- the codec (pure; used by the transport, tested alone) -------------- */

/* Frame layout: u32 length of what follows (the type byte and the
 * payload, so at least 1 and at most NET_MAX_FRAME), u8 frame type,
 * payload. Little-endian throughout. A hello payload is: magic, version,
 * cluster id, node id, then name, raft_addr and api_addr each as u16
 * length + bytes, then the configuration's term and index (u64 each); a refusal is u16 length + reason; a message is every
 * scalar field of struct raft_message, then the entries (APPEND) or the
 * configuration and chunk (SNAPSHOT). */
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
/* reason gets the text (NUL-terminated, unprintable bytes as '?'). */
int net_decode_refuse(const uint8_t *p, size_t len, char *reason,
		      size_t reason_len, char *errmsg);

/* Split "host:port" (IPv4, [IPv6] or a name) into a sockaddr; names are
 * resolved with getaddrinfo (numeric hosts never block). */
int net_parse_addr(const char *hostport, struct sockaddr_storage *ss,
		   char *errmsg);

#endif
