/* test_client_server.h - a tiny HTTP/1.1 server for the client tests: answers scripted or computed replies over TCP or a Unix socket, keeps connections alive, and records what it was sent. */
#ifndef TEST_CLIENT_SERVER_H
#define TEST_CLIENT_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define FAKE_MAX_LOG 64
#define FAKE_MAX_CONNS 128

struct fake_request {
	char method[16];
	char path[2048];
	char content_type[128];
	char body[4096];             /* the first 4095 bytes */
	size_t body_len;
	bool has_expect;
	unsigned conn;               /* which connection (1, 2, ...) */
};

struct fake_reply {
	int status;
	const char *headers;         /* extra "Name: value\r\n" lines, may be NULL */
	const char *body;            /* may be NULL */
	unsigned delay_ms;           /* wait before answering */
};

struct fake_server;
/* Compute a reply (when the script is used up). Runs on connection
 * threads, concurrently. */
typedef void (*fake_handler)(struct fake_server *s, const struct fake_request *req,
			     struct fake_reply *out, void *ud);

struct fake_server {
	int lfd;
	int stop_pipe[2];
	char addr[64];               /* "127.0.0.1:port" */
	char path[108];              /* Unix socket, "" for TCP */
	pthread_t thread;
	pthread_mutex_t mu;
	const struct fake_reply *script; /* answered in order, first */
	size_t n_script, next;
	fake_handler handler;        /* then this; NULL: 200 "{}" */
	void *handler_ud;
	unsigned connections;        /* accepted */
	unsigned requests;           /* answered */
	unsigned logged;
	struct fake_request log[FAKE_MAX_LOG]; /* the first requests, in arrival order */
	pthread_t conns[FAKE_MAX_CONNS];
	int conn_fds[FAKE_MAX_CONNS];
};

/* Listen on 127.0.0.1 (a free port) or on path (when not NULL) and serve
 * in a thread. 0 or -1. */
int fake_start(struct fake_server *s, const char *path, const struct fake_reply *script,
	       size_t n_script, fake_handler handler, void *ud);
/* Stop serving, close every connection, join every thread. */
void fake_stop(struct fake_server *s);

/* Counters under the lock. */
unsigned fake_requests(struct fake_server *s);
unsigned fake_connections(struct fake_server *s);

/* A port on 127.0.0.1 nothing listens on (bound, then closed). */
int fake_closed_port(void);

#endif
