/* net_internal.h - what the net_*.c files share: the transport's objects (net, peers, connections) and their helpers. */
#ifndef GAIA_NET_INTERNAL_H
#define GAIA_NET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

/* Before the hello is through, a frame is a hello or a refusal: small. */
#define NET_HANDSHAKE_MAX_FRAME 1024u
#define NET_READ_CHUNK (64u * 1024u)
#define NET_KEEP_BUF (1u << 20) /* buffers above this are freed when idle */
#define NET_MAX_INCOMING 256    /* connections accepted at once */
#define NET_LOG_MAX 512

#define NET_DEFAULT_RPC_TIMEOUT_MS 2000
#define NET_DEFAULT_BACKOFF_MIN_MS 50
#define NET_DEFAULT_BACKOFF_MAX_MS 2000
#define NET_DEFAULT_MAX_QUEUE (64u << 20)

enum net_conn_state {
	NET_CONN_CONNECTING, /* outgoing, connect() in flight */
	NET_CONN_HELLO,      /* waiting for the other side's hello */
	NET_CONN_OPEN,       /* hellos exchanged, admitted */
	NET_CONN_REFUSING,   /* refusal sent; waiting for the peer to hang up */
	NET_CONN_CLOSING,    /* uv_close called; freed in the close callback */
};

struct net_wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

struct net_conn {
	struct net *n;
	struct net_conn *prev, *next; /* n->conns, newest first */
	struct net_peer *peer;        /* outgoing: the peer dialed (or NULL) */
	bool outgoing;
	int state;                    /* enum net_conn_state */
	bool established;             /* reached NET_CONN_OPEN */
	bool refused;                 /* a refusal went either way */
	struct net_hello remote;      /* valid once state >= OPEN */
	char addr[NET_ADDR_MAX];      /* the other end, for the log */
	uv_tcp_t tcp;
	uv_timer_t timer;             /* connect, hello and refusal deadlines */
	uv_connect_t connect_req;
	uv_shutdown_t shutdown_req;
	int handles;                  /* open handles: freed at 0 */

	uint8_t *rbuf;                /* received bytes not yet framed */
	size_t rlen, rcap;

	struct net_wbuf pending;      /* frames queued, not yet written */
	size_t pending_frames;
	struct net_wbuf inflight;     /* the batch in the current uv_write */
	size_t inflight_frames;
	uv_write_t write_req;
	bool writing;
};

struct net_peer {
	struct net *n;
	struct net_peer *next;
	raft_id id;
	char addr[NET_ADDR_MAX];
	struct net_conn *conn;        /* outgoing connection, any state */
	uv_timer_t timer;             /* reconnect backoff */
	uv_getaddrinfo_t gai;
	bool resolving;               /* gai in flight */
	bool waiting;                 /* timer armed for the next dial */
	bool forgotten;               /* closing; freed when refs reach 0 */
	bool refused;                 /* last attempt was refused */
	bool redial;                  /* address changed while resolving */
	bool down_logged;             /* failures since logged at info once */
	uint64_t backoff_ms;
	int refs;                     /* timer handle + gai */
};

struct net {
	struct net_options o;
	char bind_addr[NET_ADDR_MAX];
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_prepare_t flush;           /* writes queued frames once per loop turn */
	bool flush_armed;
	struct sockaddr_storage src;  /* own IP, port 0: bound before connect */
	bool have_src;
	int port;
	uint8_t *hello;               /* our hello frame, encoded once */
	size_t hello_len;
	struct net_peer *peers;
	struct net_conn *conns;
	size_t n_incoming;
	struct net_stats st;
	uint64_t rng;
	bool stopping;
	int live;                     /* handles and requests not yet closed */
	void (*done)(void *ud);
	void *done_ud;
};

/* net.c */
__attribute__((format(printf, 3, 4)))
void net_log(struct net *n, int level, const char *fmt, ...);
void net_unref(struct net *n); /* one handle or request of n finished */
void net_arm_flush(struct net *n);
uint64_t net_rand(struct net *n);
const char *net_err_text(int err); /* a few words for the log */

/* net_frame.c: one whole frame arrived on c (c may close meanwhile) */
void net_conn_frame(struct net_conn *c, uint8_t type, const uint8_t *p,
		    size_t len);

/* net_conn.c */
struct net_conn *net_conn_new(struct net *n, bool outgoing);
void net_conn_start_read(struct net_conn *c);
void net_conn_close(struct net_conn *c, bool notify);
/* Write a hello or refusal now, ahead of anything queued later. */
int net_conn_write_ctrl(struct net_conn *c, const uint8_t *p, size_t len);
void net_conn_flush(struct net_conn *c);
void net_conn_set_socket_options(struct net_conn *c);
void net_conn_arm_timer(struct net_conn *c, uint64_t ms);

/* net_peer.c */
struct net_peer *net_peer_find(const struct net *n, raft_id id);
void net_peer_conn_closed(struct net_peer *p);
void net_peer_opened(struct net_peer *p);
void net_peer_close(struct net_peer *p);
/* NET_LOG_INFO for the first failure since the peer was up, then DEBUG */
int net_peer_fail_level(struct net_peer *p);

/* net_addr.c */
int net_addr_split(const char *hostport, char *host, size_t host_len,
		   uint16_t *port, char *errmsg);
bool net_addr_numeric(const char *host, uint16_t port,
		      struct sockaddr_storage *ss);
void net_addr_set_port(struct sockaddr_storage *ss, uint16_t port);
int net_addr_port(const struct sockaddr_storage *ss);
bool net_addr_is_any(const struct sockaddr_storage *ss);
void net_addr_format(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
