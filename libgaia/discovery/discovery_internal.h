/* discovery_internal.h - the lookup object, shared by the discovery files only. */
#ifndef GAIA_DISCOVERY_INTERNAL_H
#define GAIA_DISCOVERY_INTERNAL_H

#include "discovery/discovery.h"
#include "util/errmsg.h"

struct discovery_dns; /* discovery_dns.c */

struct discovery {
	uv_loop_t *loop;
	int type;
	char *nodes, *domain, *dns_server, *consul_addr, *datacenter;
	uint16_t port;
	uint64_t timeout_ms;
	bool has_self;
	struct discovery_self self;
	bool registered;           /* consul: self registered once */

	bool busy;                 /* a lookup runs */
	bool closing;
	unsigned pending;          /* handles or work still to end before free */
	discovery_done_fn done;
	void *done_ud;

	/* the answer of the running lookup */
	int rc;
	char errmsg[GAIA_ERRMSG_SIZE];
	struct discovery_list found;

	uv_timer_t defer;          /* static answers, on the next loop turn */
	uv_work_t work;            /* consul */
	struct discovery_dns *dns; /* dns */
};

/* End the running lookup: call done (unless closing) with d->rc, d->found. */
void discovery_finish(struct discovery *d);
/* The same, on the next loop turn. */
void discovery_finish_later(struct discovery *d);
/* A handle or work item of d ended: free d when closing and none is left. */
void discovery_release(struct discovery *d);
/* Append an address unless it is there already (same ip or hostname, and port). */
void discovery_list_add(struct discovery_list *l, const char *hostname, const char *ip,
			uint16_t port);

/* discovery_dns.c */
int discovery_dns_new(struct discovery *d, char *errmsg);
int discovery_dns_start(struct discovery *d);
void discovery_dns_close(struct discovery *d);

/* discovery_consul.c: the lookup on the thread pool */
int discovery_consul_start(struct discovery *d);

#endif
