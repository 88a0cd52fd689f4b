/* DNS discovery with c-ares on the caller's libuv loop: the SRV records of
 * _raft._tcp.<domain>, each target resolved through the same resolver;
 * without SRV records, the A/AAAA records of the domain and a fixed port.
 * c-ares tells which sockets to watch (sock_state_cb); each gets a
 * uv_poll, and one timer drives c-ares' own timeouts. */
#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "discovery/discovery_internal.h"

struct dns_sock {
	uv_poll_t poll;
	ares_socket_t fd;
	struct discovery *d;
	struct dns_sock *next;
	bool closing;
};

struct discovery_dns {
	ares_channel ch;
	bool ch_ok;
	uv_timer_t timer;
	struct dns_sock *socks;
	unsigned outstanding;     /* queries of the running lookup */
	bool srv_mode;            /* answers come from SRV targets */
	bool starting;            /* within discovery_dns_start */
	char srv_name[DISCOVERY_HOST_MAX + 16];
};

struct addr_query {
	struct discovery *d;
	char hostname[DISCOVERY_HOST_MAX];
	uint16_t port;
};

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_rc;

static void ares_lib_init(void)
{
	ares_init_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

static void dns_arm_timer(struct discovery *d);

static void on_sock_closed(uv_handle_t *h)
{
	struct dns_sock *s = h->data;
	struct discovery *d = s->d;
	free(s);
	discovery_release(d);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct dns_sock *s = p->data;
	struct discovery *d = s->d;
	ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

	if (status < 0 || (events & UV_READABLE))
		r = s->fd;
	if (status < 0 || (events & UV_WRITABLE))
		w = s->fd;
	ares_process_fd(d->dns->ch, r, w);
	if (!d->closing)
		dns_arm_timer(d);
}

/* c-ares opened, changed or closed a socket */
static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct discovery *d = data;
	struct discovery_dns *dns = d->dns;
	struct dns_sock **pp = &dns->socks, *s;
	int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);

	while (*pp != NULL && (*pp)->fd != fd)
		pp = &(*pp)->next;
	s = *pp;
	if (events == 0) {
		if (s == NULL)
			return;
		*pp = s->next;
		uv_poll_stop(&s->poll);
		uv_close((uv_handle_t *)&s->poll, on_sock_closed);
		return;
	}
	if (s == NULL) {
		s = calloc(1, sizeof *s);
		if (s == NULL)
			return; /* the query times out */
		s->fd = fd;
		s->d = d;
		if (uv_poll_init_socket(d->loop, &s->poll, fd) != 0) {
			free(s);
			return;
		}
		s->poll.data = s;
		s->next = dns->socks;
		dns->socks = s;
		d->pending++;
	}
	uv_poll_start(&s->poll, events, on_poll);
}

static void on_timer(uv_timer_t *t)
{
	struct discovery *d = t->data;
	ares_process_fd(d->dns->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	if (!d->closing)
		dns_arm_timer(d);
}

static void dns_arm_timer(struct discovery *d)
{
	struct timeval tv, *tvp;
	uint64_t ms;

	if (d->dns->outstanding == 0) {
		uv_timer_stop(&d->dns->timer);
		return;
	}
	tvp = ares_timeout(d->dns->ch, NULL, &tv);
	ms = tvp ? (uint64_t)tvp->tv_sec * 1000 + (uint64_t)tvp->tv_usec / 1000 + 1 : 100;
	uv_timer_start(&d->dns->timer, on_timer, ms, 0);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct discovery *d = h->data;
	free(d->dns);
	d->dns = NULL;
	discovery_release(d);
}

int discovery_dns_new(struct discovery *d, char *errmsg)
{
	struct ares_options ao;
	int rc, mask;

	pthread_once(&ares_once, ares_lib_init);
	if (ares_init_rc != ARES_SUCCESS)
		return errmsg_set(errmsg, GAIA_EIO, "c-ares: %s", ares_strerror(ares_init_rc));
	d->dns = calloc(1, sizeof *d->dns);
	if (d->dns == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	memset(&ao, 0, sizeof ao);
	ao.sock_state_cb = on_sock_state;
	ao.sock_state_cb_data = d;
	ao.timeout = (int)(d->timeout_ms / 3 > 0 ? d->timeout_ms / 3 : 1);
	ao.tries = 2;
	mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	if (d->dns_server[0]) {
		/* a given resolver answers for every name: no hosts file */
		ao.lookups = (char *)"b";
		mask |= ARES_OPT_LOOKUPS;
	}
	rc = ares_init_options(&d->dns->ch, &ao, mask);
	if (rc != ARES_SUCCESS) {
		free(d->dns);
		d->dns = NULL;
		return errmsg_set(errmsg, GAIA_EIO, "c-ares: %s", ares_strerror(rc));
	}
	d->dns->ch_ok = true;
	if (d->dns_server[0]) {
		rc = ares_set_servers_ports_csv(d->dns->ch, d->dns_server);
		if (rc != ARES_SUCCESS) {
			ares_destroy(d->dns->ch);
			free(d->dns);
			d->dns = NULL;
			return errmsg_set(errmsg, GAIA_EINVAL, "DNS server '%s': %s", d->dns_server,
					  ares_strerror(rc));
		}
	}
	uv_timer_init(d->loop, &d->dns->timer);
	d->dns->timer.data = d;
	return GAIA_OK;
}

static const char *server_name(const struct discovery *d)
{
	return d->dns_server[0] ? d->dns_server : "the system resolver";
}

/* one query of the lookup ended */
static void query_done(struct discovery *d)
{
	if (d->dns->outstanding > 0)
		d->dns->outstanding--;
	if (d->dns->outstanding == 0 && !d->closing && !d->dns->starting) {
		uv_timer_stop(&d->dns->timer);
		discovery_finish(d);
	}
}

static void set_error(struct discovery *d, const char *name, int status)
{
	if (d->rc != GAIA_OK)
		return;
	d->rc = GAIA_EUNAVAIL;
	errmsg_set(d->errmsg, GAIA_EUNAVAIL, "DNS lookup of %s via %s: %s", name, server_name(d),
		   ares_strerror(status));
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct addr_query *q = arg;
	struct discovery *d = q->d;
	(void)timeouts;

	if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION || d->closing) {
		if (res)
			ares_freeaddrinfo(res);
		free(q);
		if (d->dns)
			query_done(d);
		return;
	}
	if (status == ARES_SUCCESS && res != NULL) {
		for (struct ares_addrinfo_node *n = res->nodes; n != NULL; n = n->ai_next) {
			char ip[64] = "";
			if (n->ai_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)n->ai_addr)->sin_addr, ip,
					  sizeof ip);
			else if (n->ai_family == AF_INET6)
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)n->ai_addr)->sin6_addr,
					  ip, sizeof ip);
			if (ip[0])
				discovery_list_add(&d->found, q->hostname, ip, q->port);
		}
	} else if (status != ARES_ENOTFOUND && status != ARES_ENODATA) {
		set_error(d, q->hostname, status);
	}
	if (res)
		ares_freeaddrinfo(res);
	free(q);
	query_done(d);
}

static void resolve(struct discovery *d, const char *name, uint16_t port)
{
	struct ares_addrinfo_hints hints;
	struct addr_query *q = calloc(1, sizeof *q);

	if (q == NULL) {
		d->rc = errmsg_set(d->errmsg, GAIA_ENOMEM, "out of memory");
		return;
	}
	q->d = d;
	snprintf(q->hostname, sizeof q->hostname, "%s", name);
	q->port = port;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = ARES_AI_NOSORT;
	d->dns->outstanding++;
	ares_getaddrinfo(d->dns->ch, name, NULL, &hints, on_addrinfo, q);
}

static void on_srv(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct discovery *d = arg;
	struct ares_srv_reply *srv = NULL;
	(void)timeouts;

	if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION || d->closing) {
		if (d->dns)
			query_done(d);
		return;
	}
	if (status == ARES_SUCCESS)
		status = ares_parse_srv_reply(abuf, alen, &srv);
	if (status == ARES_SUCCESS && srv != NULL) {
		d->dns->srv_mode = true;
		for (struct ares_srv_reply *s = srv; s != NULL; s = s->next)
			resolve(d, s->host, s->port);
		ares_free_data(srv);
	} else if (status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_SUCCESS) {
		/* no SRV records: the domain's own addresses */
		if (d->port == 0) {
			d->rc = errmsg_set(d->errmsg, GAIA_ENOTFOUND,
					   "no SRV records for %s, and no port for the A/AAAA "
					   "records of %s (CLUSTER_DISCOVERY_PORT)",
					   d->dns->srv_name, d->domain);
		} else {
			resolve(d, d->domain, d->port);
		}
	} else {
		set_error(d, d->dns->srv_name, status);
	}
	query_done(d);
}

int discovery_dns_start(struct discovery *d)
{
	struct discovery_dns *dns = d->dns;

	dns->srv_mode = false;
	snprintf(dns->srv_name, sizeof dns->srv_name, "_raft._tcp.%s", d->domain);
	dns->outstanding = 1;
	dns->starting = true; /* an answer given at once waits for the next turn */
	ares_query(dns->ch, dns->srv_name, ns_c_in, ns_t_srv, on_srv, d);
	dns->starting = false;
	if (dns->outstanding > 0)
		dns_arm_timer(d);
	else
		discovery_finish_later(d);
	return GAIA_OK;
}

void discovery_dns_close(struct discovery *d)
{
	struct discovery_dns *dns = d->dns;
	if (dns == NULL)
		return;
	/* cancelled queries call back (ignored: closing); c-ares then closes
	 * its sockets through on_sock_state */
	ares_cancel(dns->ch);
	ares_destroy(dns->ch);
	for (struct dns_sock *s = dns->socks, *next; s != NULL; s = next) {
		next = s->next;
		uv_poll_stop(&s->poll);
		uv_close((uv_handle_t *)&s->poll, on_sock_closed);
	}
	dns->socks = NULL;
	uv_timer_stop(&dns->timer);
	d->pending++;
	uv_close((uv_handle_t *)&dns->timer, on_timer_closed);
	/* the timer handle lives in dns: free it with d, after the close */
}
