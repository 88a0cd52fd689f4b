/* Cluster configurations: lookups, single-server changes, and the
 * encoding carried by RAFT_ENTRY_CONF entries. */
#include <stdlib.h>

#include "raft/raft_impl.h"

#define CONF_FORMAT 1

const struct raft_server *raft_conf_get(const struct raft_conf *c, raft_id id)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (c->servers[i].id == id)
			return &c->servers[i];
	return NULL;
}

bool raft_conf_is_voter(const struct raft_conf *c, raft_id id)
{
	const struct raft_server *s = raft_conf_get(c, id);
	return s != NULL && s->role == RAFT_VOTER;
}

bool raft_conf_is_removed(const struct raft_conf *c, raft_id id)
{
	for (uint32_t i = 0; i < c->n_removed; i++)
		if (c->removed[i] == id)
			return true;
	return false;
}

uint32_t raft_conf_voters(const struct raft_conf *c)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->n; i++)
		n += c->servers[i].role == RAFT_VOTER;
	return n;
}

static void conf_remember_removed(struct raft_conf *c, raft_id id)
{
	if (c->n_removed == RAFT_MAX_REMOVED) {
		memmove(c->removed, c->removed + 1,
			(RAFT_MAX_REMOVED - 1) * sizeof c->removed[0]);
		c->n_removed--;
	}
	c->removed[c->n_removed++] = id;
}

static void conf_forget_removed(struct raft_conf *c, raft_id id)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < c->n_removed; i++)
		if (c->removed[i] != id)
			c->removed[k++] = c->removed[i];
	c->n_removed = k;
}

int raft_conf_apply(struct raft_conf *c, int op, raft_id id)
{
	struct raft_server *s = (struct raft_server *)raft_conf_get(c, id);
	if (id == 0)
		return GAIA_EINVAL;
	switch (op) {
	case RAFT_CONF_ADD_LEARNER:
		if (raft_conf_is_removed(c, id))
			return GAIA_EREMOVED;
		if (s != NULL)
			return GAIA_EEXIST;
		if (c->n == RAFT_MAX_SERVERS)
			return GAIA_ETOOBIG;
		c->servers[c->n].id = id;
		c->servers[c->n].role = RAFT_LEARNER;
		c->n++;
		return GAIA_OK;
	case RAFT_CONF_READD:
		if (!raft_conf_is_removed(c, id))
			return GAIA_ENOTFOUND;
		if (c->n == RAFT_MAX_SERVERS)
			return GAIA_ETOOBIG;
		conf_forget_removed(c, id);
		c->servers[c->n].id = id;
		c->servers[c->n].role = RAFT_LEARNER;
		c->n++;
		return GAIA_OK;
	case RAFT_CONF_PROMOTE:
		if (s == NULL)
			return GAIA_ENOTFOUND;
		if (s->role == RAFT_VOTER)
			return GAIA_EEXIST;
		s->role = RAFT_VOTER;
		return GAIA_OK;
	case RAFT_CONF_REMOVE:
		if (s == NULL)
			return GAIA_ENOTFOUND;
		*s = c->servers[c->n - 1];
		c->n--;
		conf_remember_removed(c, id);
		return GAIA_OK;
	default:
		return GAIA_EINVAL;
	}
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

struct raft_buf *raft_conf_encode(const struct raft_conf_change *cc)
{
	size_t len = 1 + 4 + cc->conf.n * 9 + 4 + cc->conf.n_removed * 8 +
		     1 + 8 + 4 + cc->ctx_len;
	struct raft_buf *b = raft_buf_new(NULL, len);
	uint8_t *p;
	if (b == NULL)
		return NULL;
	p = b->data;
	*p++ = CONF_FORMAT;
	p = put_u32(p, cc->conf.n);
	for (uint32_t i = 0; i < cc->conf.n; i++) {
		p = put_u64(p, cc->conf.servers[i].id);
		*p++ = cc->conf.servers[i].role;
	}
	p = put_u32(p, cc->conf.n_removed);
	for (uint32_t i = 0; i < cc->conf.n_removed; i++)
		p = put_u64(p, cc->conf.removed[i]);
	*p++ = cc->op;
	p = put_u64(p, cc->id);
	p = put_u32(p, cc->ctx_len);
	if (cc->ctx_len)
		memcpy(p, cc->ctx, cc->ctx_len);
	return b;
}

struct reader {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static uint64_t get_u(struct reader *rd, int bytes)
{
	uint64_t v = 0;
	if (rd->left < (size_t)bytes) {
		rd->bad = true;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)rd->p[i] << (8 * i);
	rd->p += bytes;
	rd->left -= (size_t)bytes;
	return v;
}

int raft_conf_decode(const void *data, size_t len, struct raft_conf_change *cc)
{
	struct reader rd = {data, len, false};
	memset(cc, 0, sizeof *cc);
	if (get_u(&rd, 1) != CONF_FORMAT)
		return GAIA_EINVAL;
	cc->conf.n = (uint32_t)get_u(&rd, 4);
	if (rd.bad || cc->conf.n > RAFT_MAX_SERVERS)
		return GAIA_EINVAL;
	for (uint32_t i = 0; i < cc->conf.n; i++) {
		cc->conf.servers[i].id = get_u(&rd, 8);
		cc->conf.servers[i].role = (uint8_t)get_u(&rd, 1);
		if (cc->conf.servers[i].role != RAFT_VOTER &&
		    cc->conf.servers[i].role != RAFT_LEARNER)
			return GAIA_EINVAL;
	}
	cc->conf.n_removed = (uint32_t)get_u(&rd, 4);
	if (rd.bad || cc->conf.n_removed > RAFT_MAX_REMOVED)
		return GAIA_EINVAL;
	for (uint32_t i = 0; i < cc->conf.n_removed; i++)
		cc->conf.removed[i] = get_u(&rd, 8);
	cc->op = (uint8_t)get_u(&rd, 1);
	cc->id = get_u(&rd, 8);
	cc->ctx_len = (uint32_t)get_u(&rd, 4);
	if (rd.bad || cc->ctx_len != rd.left)
		return GAIA_EINVAL;
	cc->ctx = rd.p;
	return GAIA_OK;
}
