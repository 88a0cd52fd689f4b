/* The lookup object: options, one lookup at a time, and a close that waits
 * for the handles and the thread-pool work of the running lookup. */
#include <stdlib.h>
#include <string.h>

#include "discovery/discovery_internal.h"

static const char *const type_names[] = {"static", "dns", "consul"};

const char *discovery_type_name(int type)
{
	if (type < 0 || type >= (int)(sizeof type_names / sizeof type_names[0]))
		return NULL;
	return type_names[type];
}

int discovery_type_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof type_names / sizeof type_names[0]); i++)
		if (s != NULL && strcmp(s, type_names[i]) == 0)
			return i;
	return -1;
}

void discovery_list_add(struct discovery_list *l, const char *hostname, const char *ip,
			uint16_t port)
{
	struct discovery_addr *a;
	for (size_t i = 0; i < l->n; i++) {
		a = &l->a[i];
		if (a->port == port && (ip[0] ? strcmp(a->ip, ip) == 0
					      : strcmp(a->hostname, hostname) == 0))
			return;
	}
	if (l->n == DISCOVERY_MAX)
		return;
	a = &l->a[l->n++];
	memset(a, 0, sizeof *a);
	snprintf(a->hostname, sizeof a->hostname, "%s", hostname);
	snprintf(a->ip, sizeof a->ip, "%s", ip);
	a->port = port;
}

static char *dup_opt(const char *s)
{
	return strdup(s ? s : "");
}

static void free_opts(struct discovery *d)
{
	free(d->nodes);
	free(d->domain);
	free(d->dns_server);
	free(d->consul_addr);
	free(d->datacenter);
}

static void on_defer_closed(uv_handle_t *h)
{
	discovery_release(h->data);
}

int discovery_new(struct discovery **out, uv_loop_t *loop, const struct discovery_options *o,
		  char *errmsg)
{
	struct discovery *d;
	struct discovery_list tmp;
	int rv;

	*out = NULL;
	if (discovery_type_name(o->type) == NULL)
		return errmsg_set(errmsg, GAIA_EINVAL, "unknown discovery type %d", o->type);
	if (o->type == DISCOVERY_STATIC) {
		rv = discovery_parse_static(o->nodes ? o->nodes : "", &tmp, errmsg);
		if (rv != GAIA_OK)
			return rv;
	}
	if (o->type == DISCOVERY_DNS && (o->domain == NULL || o->domain[0] == '\0'))
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "dns discovery needs a domain (CLUSTER_DISCOVERY_DOMAIN)");
	if (o->type == DISCOVERY_CONSUL && (o->consul_addr == NULL || o->consul_addr[0] == '\0'))
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "consul discovery needs the agent's address (CONSUL_ADDR)");
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	d->loop = loop;
	d->type = o->type;
	d->port = o->port;
	d->timeout_ms = o->timeout_ms ? o->timeout_ms : 5000;
	d->nodes = dup_opt(o->nodes);
	d->domain = dup_opt(o->domain);
	d->dns_server = dup_opt(o->dns_server);
	d->consul_addr = dup_opt(o->consul_addr);
	d->datacenter = dup_opt(o->datacenter);
	if (!d->nodes || !d->domain || !d->dns_server || !d->consul_addr || !d->datacenter) {
		rv = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
		goto err_after_alloc;
	}
	if (o->self != NULL) {
		d->has_self = true;
		d->self = *o->self;
	}
	if (d->type == DISCOVERY_DNS) {
		rv = discovery_dns_new(d, errmsg);
		if (rv != GAIA_OK)
			goto err_after_alloc;
	}
	uv_timer_init(loop, &d->defer);
	d->defer.data = d;
	d->pending = 1; /* the defer timer */
	*out = d;
	return GAIA_OK;

err_after_alloc:
	free_opts(d);
	free(d);
	return rv;
}

static void on_defer(uv_timer_t *t)
{
	discovery_finish(t->data);
}

void discovery_finish_later(struct discovery *d)
{
	uv_timer_start(&d->defer, on_defer, 0, 0);
}

int discovery_lookup(struct discovery *d, discovery_done_fn done, void *ud)
{
	int rv = GAIA_OK;

	if (d->closing)
		return GAIA_ESHUTDOWN;
	if (d->busy)
		return GAIA_EBUSY;
	d->busy = true;
	d->done = done;
	d->done_ud = ud;
	d->rc = GAIA_OK;
	d->errmsg[0] = '\0';
	memset(&d->found, 0, sizeof d->found);
	switch (d->type) {
	case DISCOVERY_STATIC:
		d->rc = discovery_parse_static(d->nodes, &d->found, d->errmsg);
		uv_timer_start(&d->defer, on_defer, 0, 0);
		break;
	case DISCOVERY_DNS:
		rv = discovery_dns_start(d);
		break;
	case DISCOVERY_CONSUL:
		rv = discovery_consul_start(d);
		break;
	}
	if (rv != GAIA_OK) {
		/* answer the failure like any other, on the next turn */
		d->rc = rv;
		uv_timer_start(&d->defer, on_defer, 0, 0);
	}
	return GAIA_OK;
}

void discovery_finish(struct discovery *d)
{
	discovery_done_fn done = d->done;
	if (!d->busy)
		return;
	d->busy = false;
	d->done = NULL;
	if (d->closing || done == NULL)
		return;
	done(d->done_ud, d->rc, d->rc == GAIA_OK ? &d->found : NULL, d->errmsg);
}

void discovery_release(struct discovery *d)
{
	if (d->pending > 0)
		d->pending--;
	if (d->closing && d->pending == 0) {
		free_opts(d);
		free(d);
	}
}

void discovery_close(struct discovery *d)
{
	char err[GAIA_ERRMSG_SIZE];

	if (d == NULL || d->closing)
		return;
	d->closing = true;
	/* registered is the worker's while a lookup runs: then withdraw anyway */
	if (d->type == DISCOVERY_CONSUL && d->has_self && (d->registered || d->busy))
		(void)discovery_consul_deregister(d->consul_addr, d->self.name, 2000, err);
	if (d->type == DISCOVERY_DNS)
		discovery_dns_close(d);
	uv_timer_stop(&d->defer);
	uv_close((uv_handle_t *)&d->defer, on_defer_closed);
}
