/* The address book: which name and addresses each server id has. It is
 * rebuilt from configuration entries (their context carries the members
 * they add), snapshot membership blobs and handshakes, and it tells the
 * transport where to dial. A name may appear under several ids (its
 * removed incarnations and the current one): the member is the one in
 * the configuration.
 *
 * Context layout: u16 count, u8 flags, u8 0, then per member its name,
 * Raft and REST addresses (NUL-terminated), then with flag CTX_IDS one
 * u64 id (little-endian) per member. Without the flag (entries written
 * before incarnations) a member's id is its name's first (FNV-1a). */
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

#define CTX_IDS 0x01

struct node_member *book_member_named(struct node_book *b, const struct raft_conf *c,
				      const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->m[i].name, name) == 0 && raft_conf_get(c, b->m[i].id) != NULL)
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

/* The entry to forget in a full book: the oldest incarnation that a later
 * entry of the same name replaced, else the oldest entry. */
static size_t book_victim(const struct node_book *b)
{
	for (size_t i = 0; i < b->n; i++)
		for (size_t j = i + 1; j < b->n; j++)
			if (b->m[i].name[0] && strcmp(b->m[i].name, b->m[j].name) == 0)
				return i;
	return 0;
}

void book_put(struct node_book *b, const struct node_member *m)
{
	struct node_member *e = book_get(b, m->id);
	if (e == NULL) {
		if (b->n == sizeof b->m / sizeof b->m[0]) {
			size_t k = book_victim(b);
			memmove(&b->m[k], &b->m[k + 1], (b->n - k - 1) * sizeof b->m[0]);
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
			 strlen(m[i].api_addr) + 3 + 8;
	buf = malloc(total);
	if (buf == NULL)
		return NULL;
	p = buf;
	p[0] = (uint8_t)n;
	p[1] = (uint8_t)(n >> 8);
	p[2] = CTX_IDS;
	p[3] = 0;
	p += 4;
	for (size_t i = 0; i < n; i++) {
		const char *s[3] = {m[i].name, m[i].raft_addr, m[i].api_addr};
		for (int k = 0; k < 3; k++) {
			size_t l = strlen(s[k]) + 1;
			memcpy(p, s[k], l);
			p += l;
		}
	}
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 8; k++)
			*p++ = (uint8_t)(m[i].id >> (8 * k));
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
	struct node_member m[RAFT_MAX_SERVERS * 2];
	size_t n, left, k = 0;
	const uint8_t *p;
	if (ctx == NULL || len < 4)
		return;
	n = (size_t)ctx[0] | (size_t)ctx[1] << 8;
	p = ctx + 4;
	left = len - 4;
	for (size_t i = 0; i < n; i++) {
		const char *name = take_str(&p, &left);
		const char *raft = name ? take_str(&p, &left) : NULL;
		const char *api = raft ? take_str(&p, &left) : NULL;
		if (api == NULL || name[0] == 0)
			return;
		if (k == sizeof m / sizeof m[0])
			continue;
		memset(&m[k], 0, sizeof m[k]);
		m[k].id = node_id_from_name(name);
		str_copy(m[k].name, sizeof m[k].name, name);
		str_copy(m[k].raft_addr, sizeof m[k].raft_addr, raft);
		str_copy(m[k].api_addr, sizeof m[k].api_addr, api);
		k++;
	}
	if ((ctx[2] & CTX_IDS) && left >= 8 * n) {
		for (size_t i = 0; i < k; i++) {
			raft_id id = 0;
			for (int j = 0; j < 8; j++)
				id |= (raft_id)p[8 * i + (size_t)j] << (8 * j);
			if (id != 0)
				m[i].id = id;
		}
	} else if (ctx[2] & CTX_IDS) {
		return; /* cut short: better nothing than wrong ids */
	}
	for (size_t i = 0; i < k; i++)
		book_put(b, &m[i]);
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
