/* The leader's view of each server: match/next indexes, probe and
 * replicate states, and the ring of AppendEntries in flight. */
#include <stdlib.h>

#include "raft/raft_impl.h"

struct raft_progress *progress_get(struct raft *r, raft_id id)
{
	for (uint32_t i = 0; i < r->n_prs; i++)
		if (r->prs[i].id == id)
			return &r->prs[i];
	return NULL;
}

static void progress_init(struct raft *r, struct raft_progress *p,
			  const struct raft_server *s)
{
	free(p->ring);
	memset(p, 0, sizeof *p);
	p->id = s->id;
	p->voter = s->role == RAFT_VOTER;
	p->state = RAFT_PROGRESS_PROBE;
	p->next = log_last(&r->log) + 1;
	p->last_contact = r->ticks;
	p->ring = calloc(r->o.max_inflight_msgs, sizeof *p->ring);
	if (s->id == r->o.id) {
		p->match = r->stable;
		p->recent_active = true;
	}
}

void progress_free_all(struct raft *r)
{
	for (uint32_t i = 0; i < r->n_prs; i++) {
		free(r->prs[i].ring);
		r->prs[i].ring = NULL;
	}
	r->n_prs = 0;
}

void progress_reset_all(struct raft *r)
{
	progress_free_all(r);
	memset(r->prs, 0, sizeof r->prs);
	for (uint32_t i = 0; i < r->conf.n; i++)
		progress_init(r, &r->prs[i], &r->conf.servers[i]);
	r->n_prs = r->conf.n;
}

/* The configuration changed while leading: keep what we know of servers
 * that stay, start new ones probing, forget the removed. */
void progress_sync_conf(struct raft *r)
{
	struct raft_progress old[RAFT_MAX_SERVERS];
	uint32_t n_old = r->n_prs;
	memcpy(old, r->prs, sizeof old);
	memset(r->prs, 0, sizeof r->prs);
	r->n_prs = 0;
	for (uint32_t i = 0; i < r->conf.n; i++) {
		const struct raft_server *s = &r->conf.servers[i];
		struct raft_progress *p = &r->prs[r->n_prs++];
		uint32_t j;
		for (j = 0; j < n_old; j++)
			if (old[j].id == s->id)
				break;
		if (j < n_old) {
			*p = old[j];
			old[j].ring = NULL;
			p->voter = s->role == RAFT_VOTER;
		} else {
			progress_init(r, p, s);
		}
	}
	for (uint32_t j = 0; j < n_old; j++)
		free(old[j].ring);
}

void progress_inflight_clear(struct raft_progress *p)
{
	p->ring_start = 0;
	p->ring_count = 0;
	p->inflight_bytes = 0;
}

void progress_become_probe(struct raft *r, struct raft_progress *p)
{
	(void)r;
	p->state = RAFT_PROGRESS_PROBE;
	p->probe_sent = false;
	progress_inflight_clear(p);
	if (p->next <= p->match)
		p->next = p->match + 1;
}

void progress_become_replicate(struct raft_progress *p)
{
	p->state = RAFT_PROGRESS_REPLICATE;
	p->probe_sent = false;
	p->next = p->match + 1;
	progress_inflight_clear(p);
}

bool progress_paused(const struct raft *r, const struct raft_progress *p)
{
	switch (p->state) {
	case RAFT_PROGRESS_PROBE:
		return p->probe_sent;
	case RAFT_PROGRESS_REPLICATE:
		return p->ring_count >= r->o.max_inflight_msgs ||
		       p->inflight_bytes >= r->o.max_inflight_bytes;
	default:
		return true;
	}
}

void progress_inflight_add(struct raft *r, struct raft_progress *p,
			   uint64_t index, uint64_t bytes)
{
	uint32_t cap = r->o.max_inflight_msgs;
	if (p->ring == NULL || p->ring_count == cap)
		return;
	p->ring[(p->ring_start + p->ring_count) % cap] =
		(struct raft_inflight){index, bytes};
	p->ring_count++;
	p->inflight_bytes += bytes;
}

void progress_inflight_free_to(struct raft *r, struct raft_progress *p,
			       uint64_t index)
{
	while (p->ring_count > 0) {
		struct raft_inflight *f = &p->ring[p->ring_start];
		if (f->index > index)
			break;
		p->inflight_bytes -= f->bytes;
		p->ring_count--;
		p->ring_start = (p->ring_start + 1) % r->o.max_inflight_msgs;
	}
}

static int cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The highest value that at least q of the n voters have reached (the
 * q-th largest): a commit index from matches, a read round from acks. */
uint64_t progress_quorum_value(uint64_t *v, uint32_t n, uint32_t q)
{
	qsort(v, n, sizeof v[0], cmp_desc);
	return v[q - 1];
}

void progress_matched(struct raft *r, struct raft_progress *p, uint64_t match)
{
	p->match = match;
	p->match_round = r->read_round;
}
