/* Deterministic Raft messages of every type for the net tests. */
#include <stdlib.h>
#include <string.h>

#include "test_net_util.h"

uint64_t tnu_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static struct raft_buf *gen_buf(uint64_t seed, size_t len)
{
	struct raft_buf *b;
	if (len == 0)
		return NULL;
	b = raft_buf_new(NULL, len);
	if (b == NULL)
		abort();
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = tnu_mix(seed + i);
		size_t k = len - i < 8 ? len - i : 8;
		memcpy(b->data + i, &v, k);
	}
	return b;
}

static size_t pick_size(uint64_t h, size_t max)
{
	static const size_t sizes[] = { 0, 1, 7, 100, 1000, 4000, 20000, 65536 };
	size_t s = sizes[h % (sizeof sizes / sizeof sizes[0])];
	return s > max ? max : s;
}

/* about half of the fields zero: both shapes must survive */
static uint64_t field(uint64_t h, int i)
{
	uint64_t v = tnu_mix(h ^ (uint64_t)i * 0x100000001b3ull);
	switch (v % 4) {
	case 0:
		return 0;
	case 1:
		return v >> 40;
	case 2:
		return UINT64_MAX - (v & 3);
	default:
		return v;
	}
}

void tnu_gen_msg(struct raft_message *m, raft_id from, raft_id to,
		 uint64_t cluster, uint64_t seq, size_t max_payload)
{
	uint64_t h = tnu_mix(from * 1000003u ^ to * 7919u ^ tnu_mix(seq));
	int f = 0;

	memset(m, 0, sizeof *m);
	m->type = (uint8_t)(1 + seq % (RAFT_MSG_TYPE_COUNT - 1));
	m->from = from;
	m->to = to;
	m->cluster_id = cluster;
	m->term = seq + 1;
	m->last_index = field(h, f++);
	m->last_term = field(h, f++);
	m->transfer = h & 1;
	m->reject = (h >> 1) & 1;
	m->last = (h >> 2) & 1;
	m->prev_index = field(h, f++);
	m->prev_term = field(h, f++);
	m->commit = field(h, f++);
	m->index = field(h, f++);
	m->hint_index = field(h, f++);
	m->hint_term = field(h, f++);
	m->ctx = field(h, f++);
	m->offset = field(h, f++);
	m->snap.index = field(h, f++);
	m->snap.term = field(h, f++);
	m->snap.size = field(h, f++);
	m->snap.file_id = field(h, f++);

	if (m->type == RAFT_MSG_APPEND) {
		uint32_t n = (uint32_t)((h >> 8) % 6);
		if (n > 0) {
			m->entries = calloc(n, sizeof *m->entries);
			if (m->entries == NULL)
				abort();
		}
		m->n_entries = n;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t eh = tnu_mix(h + i);
			m->entries[i].index = field(eh, 1);
			m->entries[i].term = field(eh, 2);
			m->entries[i].type = (uint8_t)(1 + eh % 3);
			m->entries[i].buf = gen_buf(eh, pick_size(eh >> 8, max_payload));
		}
	} else if (m->type == RAFT_MSG_SNAPSHOT) {
		struct raft_conf *c = &m->snap.conf;
		size_t len = pick_size(h >> 16, max_payload);
		c->n = (uint32_t)((h >> 24) % (RAFT_MAX_SERVERS + 1));
		for (uint32_t i = 0; i < c->n; i++) {
			c->servers[i].id = field(h, 100 + (int)i);
			c->servers[i].role = (uint8_t)(1 + (h >> i) % 2);
		}
		c->n_removed = (uint32_t)((h >> 32) % (RAFT_MAX_REMOVED + 1));
		for (uint32_t i = 0; i < c->n_removed; i++)
			c->removed[i] = field(h, 200 + (int)i);
		/* now and then a chunk bigger than any read buffer */
		if (max_payload >= (1u << 20) && seq % 97 == 8)
			len = (1u << 20) + 12345;
		m->chunk = gen_buf(h ^ 0x55, len);
	}
}

static bool buf_equal(const struct raft_buf *a, const struct raft_buf *b)
{
	uint32_t la = a ? a->len : 0, lb = b ? b->len : 0;
	return la == lb && (la == 0 || memcmp(a->data, b->data, la) == 0);
}

bool tnu_msg_equal(const struct raft_message *a, const struct raft_message *b)
{
	if (a->type != b->type || a->from != b->from || a->to != b->to ||
	    a->cluster_id != b->cluster_id || a->term != b->term ||
	    a->last_index != b->last_index || a->last_term != b->last_term ||
	    a->transfer != b->transfer || a->reject != b->reject ||
	    a->last != b->last || a->prev_index != b->prev_index ||
	    a->prev_term != b->prev_term || a->commit != b->commit ||
	    a->index != b->index || a->hint_index != b->hint_index ||
	    a->hint_term != b->hint_term || a->ctx != b->ctx ||
	    a->offset != b->offset || a->snap.index != b->snap.index ||
	    a->snap.term != b->snap.term || a->snap.size != b->snap.size ||
	    a->snap.file_id != b->snap.file_id)
		return false;
	if (a->n_entries != b->n_entries)
		return false;
	for (uint32_t i = 0; i < a->n_entries; i++) {
		const struct raft_entry *x = &a->entries[i], *y = &b->entries[i];
		if (x->index != y->index || x->term != y->term ||
		    x->type != y->type || !buf_equal(x->buf, y->buf))
			return false;
	}
	if (!buf_equal(a->chunk, b->chunk))
		return false;
	if (a->snap.conf.n != b->snap.conf.n ||
	    a->snap.conf.n_removed != b->snap.conf.n_removed)
		return false;
	for (uint32_t i = 0; i < a->snap.conf.n; i++)
		if (a->snap.conf.servers[i].id != b->snap.conf.servers[i].id ||
		    a->snap.conf.servers[i].role != b->snap.conf.servers[i].role)
			return false;
	for (uint32_t i = 0; i < a->snap.conf.n_removed; i++)
		if (a->snap.conf.removed[i] != b->snap.conf.removed[i])
			return false;
	return true;
}
