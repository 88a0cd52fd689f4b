/* The address book: which name and addresses each server id has. It is
 * rebuilt from configuration entries (their context carries the members
 * they add), snapshot membership blobs and handshakes, and it tells the
 * transport where to dial. */
#include <stdlib.h>
#include <string.h>

#include "node/node_internal.h"

struct node_member *book_get(struct node_book *b, raft_id id)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->m[i].id == id)
			return &b->m[i];
	return NULL;
}

struct node_member *book_find_name(struct node_book *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->m[i].name, name) == 0)
			return &b->m[i];
	return NULL;
}

void book_put(struct node_book *b, const struct node_member *m)
{
	struct node_member *e = book_get(b, m->id);
	if (e == NULL) {
		if (b->n == sizeof b->m / sizeof b->m[0]) {
			memmove(&b->m[0], &b->m[1], (b->n - 1) * sizeof b->m[0]);
			b->n--;
		}
		e = &b->m[b->n++];
		memset(e, 0, sizeof *e);
		e->id = m->id;
	}
	if (m->name[0])
		str_copy(e->name, sizeof e->name, m->name);
	if (m->raft_addr[0])
		str_copy(e->raft_addr, sizeof e->raft_addr, m->raft_addr);
	if (m->api_addr[0])
		str_copy(e->api_addr, sizeof e->api_addr, m->api_addr);
}

uint8_t *book_ctx_encode(const struct node_member *m, size_t n, size_t *len)
{
	size_t total = 4;
	uint8_t *buf, *p;
	for (size_t i = 0; i < n; i++)
		total += strlen(m[i].name) + strlen(m[i].raft_addr) +
			 strlen(m[i].api_addr) + 3;
	buf = malloc(total);
	if (buf == NULL)
		return NULL;
	p = buf;
	p[0] = (uint8_t)n;
	p[1] = (uint8_t)(n >> 8);
	p[2] = p[3] = 0;
	p += 4;
	for (size_t i = 0; i < n; i++) {
		const char *s[3] = {m[i].name, m[i].raft_addr, m[i].api_addr};
		for (int k = 0; k < 3; k++) {
			size_t l = strlen(s[k]) + 1;
			memcpy(p, s[k], l);
			p += l;
		}
	}
	*len = total;
	return buf;
}

static const char *take_str(const uint8_t **p, size_t *left)
{
	const uint8_t *z = memchr(*p, 0, *left);
	const char *s = (const char *)*p;
	if (z == NULL)
		return NULL;
	*left -= (size_t)(z - *p) + 1;
	*p = z + 1;
	return s;
}

void book_ctx_merge(struct node_book *b, const uint8_t *ctx, size_t len)
{
	size_t n, left;
	const uint8_t *p;
	if (ctx == NULL || len < 4)
		return;
	n = (size_t)ctx[0] | (size_t)ctx[1] << 8;
	p = ctx + 4;
	left = len - 4;
	for (size_t i = 0; i < n; i++) {
		struct node_member m;
		const char *name = take_str(&p, &left);
		const char *raft = name ? take_str(&p, &left) : NULL;
		const char *api = raft ? take_str(&p, &left) : NULL;
		if (api == NULL || name[0] == 0)
			return;
		memset(&m, 0, sizeof m);
		m.id = node_id_from_name(name);
		str_copy(m.name, sizeof m.name, name);
		str_copy(m.raft_addr, sizeof m.raft_addr, raft);
		str_copy(m.api_addr, sizeof m.api_addr, api);
		book_put(b, &m);
	}
}

uint8_t *book_encode_all(const struct node_book *b, size_t *len)
{
	return book_ctx_encode(b->m, b->n, len);
}

/* A configuration entry was appended (or loaded): learn its members'
 * addresses and make sure the transport can reach every server. */
void node_conf_entry_seen(struct node *n, const struct raft_entry *e)
{
	struct raft_conf_change cc;
	if (e->type != RAFT_ENTRY_CONF || e->buf == NULL ||
	    raft_conf_decode(e->buf->data, e->buf->len, &cc) != GAIA_OK)
		return;
	book_ctx_merge(&n->book, cc.ctx, cc.ctx_len);
	if (n->net != NULL)
		node_sync_net_peers(n);
}

void node_sync_net_peers(struct node *n)
{
	const struct raft_conf *c = raft_conf(n->raft);
	for (uint32_t i = 0; i < c->n; i++) {
		struct node_member *m = book_get(&n->book, c->servers[i].id);
		if (c->servers[i].id == n->id || m == NULL || m->raft_addr[0] == 0)
			continue;
		net_set_peer(n->net, m->id, m->raft_addr);
	}
	for (uint32_t i = 0; i < c->n_removed; i++)
		net_forget_peer(n->net, c->removed[i]);
}
