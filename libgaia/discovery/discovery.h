/* discovery.h - finding the other nodes (DESIGN.md section 8): a static list, DNS (SRV, else A/AAAA) through c-ares on a libuv loop, or Consul's catalog through libcurl; and probing a found address's Raft port for the node behind it. */
/*
 * One lookup gives addresses (discovery_lookup); a probe (discovery_probe)
 * dials one of them, says hello as a probe and reads the node's own hello:
 * its name, id, cluster id and REST address. Nothing here prints or exits.
 *
 * DNS: SRV records of _raft._tcp.<domain> come first, each target resolved
 * (A and AAAA) through the same resolver, with the port of its record.
 * Without SRV records (NXDOMAIN or no data) the A/AAAA records of the
 * domain itself are used with options.port. options.dns_server
 * ("host:port") names the resolver; empty: the system's (resolv.conf).
 *
 * Consul: GET /v1/catalog/service/gaia-go[?dc=DC] on the agent; a
 * service's address is its ServiceAddress, else its node's Address.
 * With options.self, the lookup first registers that service with the
 * agent (PUT /v1/agent/service/register, with a TCP health check on the
 * Raft port) until that succeeded, and again whenever the catalog stops
 * listing it (an agent that lost its state); discovery_close deregisters it.
 * The HTTP calls run on the loop's thread pool, never on the loop.
 */
#ifndef GAIA_DISCOVERY_H
#define GAIA_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <uv.h>

#include "gaia.h"

#define DISCOVERY_MAX 64          /* addresses kept from one lookup */
#define DISCOVERY_HOST_MAX 256
#define DISCOVERY_NAME_MAX 64
#define DISCOVERY_ADDR_MAX 128
#define DISCOVERY_SERVICE "gaia-go" /* the Consul service name */

/* the same numbering as enum config_discovery */
enum discovery_type { DISCOVERY_STATIC = 0, DISCOVERY_DNS, DISCOVERY_CONSUL };

/* One address found. */
struct discovery_addr {
	char hostname[DISCOVERY_HOST_MAX]; /* as found: the list's host, the SRV
					    * target, the domain, Consul's node */
	char ip[64];                       /* numeric address to dial; "" for a
					    * static host name (resolved when dialed) */
	uint16_t port;                     /* Raft port */
};

struct discovery_list {
	size_t n;
	struct discovery_addr a[DISCOVERY_MAX];
};

/* What a node registers in Consul about itself. */
struct discovery_self {
	char name[DISCOVERY_NAME_MAX];     /* node id, e.g. node-1 */
	char raft_addr[DISCOVERY_ADDR_MAX];/* host:port others dial */
	char api_addr[DISCOVERY_ADDR_MAX]; /* its REST API */
};

struct discovery_options {
	int type;                  /* enum discovery_type */
	const char *nodes;         /* static: "host:port,host:port" */
	const char *domain;        /* dns */
	uint16_t port;             /* dns: the Raft port for A/AAAA records; 0 none */
	const char *dns_server;    /* dns: "host:port"; NULL or "": the system's */
	const char *consul_addr;   /* consul: "host:port" or "http://host:port" */
	const char *datacenter;    /* consul: NULL or "": the agent's own */
	const struct discovery_self *self; /* consul: register this; NULL: don't */
	uint64_t timeout_ms;       /* one lookup; 0: 5 s */
};

struct discovery;

/* found is valid during the call only; on failure (rc != GAIA_OK) it is
 * NULL and errmsg says why, e.g. "DNS server 127.0.0.1:5353: Connection
 * refused" or "Consul at 127.0.0.1:8500: Couldn't connect to server". A
 * lookup that worked but found nothing is GAIA_OK with an empty list. */
typedef void (*discovery_done_fn)(void *ud, int rc, const struct discovery_list *found,
				  const char *errmsg);

/* Check the options and prepare (no lookup yet). GAIA_EINVAL with errmsg
 * (GAIA_ERRMSG_SIZE) for a bad option, GAIA_ENOMEM, GAIA_EIO. The strings
 * of o are copied. */
int discovery_new(struct discovery **out, uv_loop_t *loop, const struct discovery_options *o,
		  char *errmsg);

/* Start one lookup; done runs once, on the loop, never within this call.
 * GAIA_EBUSY while one runs, GAIA_ESHUTDOWN after discovery_close. */
int discovery_lookup(struct discovery *d, discovery_done_fn done, void *ud);

/* Stop: a running lookup ends without its callback; a Consul registration
 * is withdrawn (a blocking request of at most 2 s). Everything is freed
 * once its handles closed; the loop must keep running until then. */
void discovery_close(struct discovery *d);

/* Parse a static list "host:port,host:port" (spaces allowed around
 * entries) into l. GAIA_EINVAL with errmsg naming the bad entry. */
int discovery_parse_static(const char *nodes, struct discovery_list *l, char *errmsg);

/* "static", "dns", "consul"; NULL for another value. */
const char *discovery_type_name(int type);
/* The type named s, or -1. */
int discovery_type_parse(const char *s);

/* --- Consul's HTTP API (blocking; libcurl) --------------------------------- */

/* GET /v1/catalog/service/gaia-go into l. */
int discovery_consul_catalog(const char *addr, const char *dc, uint64_t timeout_ms,
			     struct discovery_list *l, char *errmsg);
/* PUT /v1/agent/service/register: service id "gaia-go-<name>", Meta
 * node_id and api_addr, a TCP check on the Raft address every 10 s. */
int discovery_consul_register(const char *addr, const struct discovery_self *self,
			      uint64_t timeout_ms, char *errmsg);
/* PUT /v1/agent/service/deregister/gaia-go-<name>. */
int discovery_consul_deregister(const char *addr, const char *name, uint64_t timeout_ms,
				char *errmsg);

/* --- probing ---------------------------------------------------------------- */

/* What the node at a found address says about itself. */
struct discovery_probe {
	int rc;                            /* GAIA_OK: it said hello */
	char error[GAIA_ERRMSG_SIZE];      /* else why not */
	char name[DISCOVERY_NAME_MAX];     /* its node id */
	uint64_t id;                       /* the id in the core */
	uint64_t cluster_id;               /* 0: waiting to join or bootstrap */
	char raft_addr[DISCOVERY_ADDR_MAX];
	char api_addr[DISCOVERY_ADDR_MAX];
};

/* Dial host:port (blocking, bounded by timeout_ms for connect and the
 * answer), say hello as probe_name (no addresses: the node answers and
 * remembers nothing), read the node's hello or its refusal, close.
 * Returns p->rc: GAIA_OK, GAIA_EIO (unreachable, no answer in time),
 * GAIA_EINVAL (not a gaia_go node, or it refused the probe). */
int discovery_probe_addr(const char *host, uint16_t port, const char *probe_name,
			 uint64_t timeout_ms, struct discovery_probe *p);

/* Probe every address of l on the loop's thread pool (one after another);
 * done(ud, probes) runs on the loop with probes[i] for l->a[i]. l is
 * copied. GAIA_ENOMEM, GAIA_EIO. */
typedef void (*discovery_probed_fn)(void *ud, const struct discovery_list *l,
				    const struct discovery_probe *probes);
int discovery_probe_all(uv_loop_t *loop, const struct discovery_list *l, const char *probe_name,
			uint64_t timeout_ms, discovery_probed_fn done, void *ud);

/* --- one lookup and its probes, blocking (for tools) ------------------------ */

/* Run one lookup on a private loop, then probe every address found as
 * probe_name (probe_timeout_ms each; 0: 2 s). found and probes (DISCOVERY_MAX
 * entries) are filled; GAIA_OK even when nothing was found (found->n == 0).
 * Errors as discovery_new, or the lookup's failure with errmsg. */
int discovery_run(const struct discovery_options *o, const char *probe_name,
		  uint64_t probe_timeout_ms, struct discovery_list *found,
		  struct discovery_probe *probes, char *errmsg);

/* The result as JSON (NULL: no memory): one object per address,
 * {id, hostname, address, raft_port, reachable, cluster_id, api_address}
 * with id, cluster_id (16 hex digits) and api_address null and an "error"
 * when the probe failed; cluster_id null also for a node waiting to join. */
json_t *discovery_result_json(const struct discovery_list *found,
			      const struct discovery_probe *probes);

#endif
