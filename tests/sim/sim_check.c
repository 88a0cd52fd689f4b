/* The invariants, checked as events happen: one leader per term, log
 * matching, leader completeness, state machine safety, no acknowledged
 * write lost, and reads no older than the writes acknowledged before. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	if (s->failed)
		return;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof s->failure, fmt, ap);
	va_end(ap);
}

static void grow(uint64_t **a, size_t *cap, size_t need)
{
	if (need < *cap)
		return;
	size_t n = *cap ? *cap : 256;
	while (n <= need)
		n *= 2;
	*a = realloc(*a, n * sizeof **a);
	if (*a == NULL)
		abort();
	memset(*a + *cap, 0, (n - *cap) * sizeof **a);
	*cap = n;
}

static void ensure_hist(struct sim *s, uint64_t index)
{
	size_t cap = s->hist_cap;
	if (index < cap)
		return;
	grow(&s->committed, &cap, index);
	cap = s->hist_cap;
	grow(&s->applied_term, &cap, index);
	cap = s->hist_cap;
	grow(&s->applied_hash, &cap, index);
	s->hist_cap = cap;
}

static uint64_t entry_hash(const struct raft_entry *e)
{
	uint64_t h = 1469598103934665603ull ^ e->type;
	if (e->buf)
		for (uint32_t i = 0; i < e->buf->len; i++)
			h = (h ^ e->buf->data[i]) * 1099511628211ull;
	return h;
}

/* Leader completeness: a new leader holds every entry known committed. */
static void check_new_leader(struct sim *s, struct sim_node *n)
{
	uint64_t first = raft_first_index(n->r);
	for (uint64_t i = first; i < s->hist_cap; i++) {
		uint64_t t;
		if (s->committed[i] == 0)
			continue;
		t = raft_term_at(n->r, i);
		if (t != s->committed[i]) {
			sim_fail(s, "leader completeness: node %llu leads term %llu "
				 "without committed entry %llu (term %llu; it has %llu)",
				 (unsigned long long)n->id,
				 (unsigned long long)raft_term(n->r),
				 (unsigned long long)i,
				 (unsigned long long)s->committed[i],
				 (unsigned long long)t);
			return;
		}
	}
}

void sim_check_node(struct sim *s, struct sim_node *n)
{
	struct raft *r = n->r;
	uint64_t term = raft_term(r), commit = raft_commit_index(r);
	int role = raft_role(r);

	if (role != n->seen_role) {
		sim_event(s, EV_ROLE, n->id, (uint64_t)role, term, raft_last_index(r), 0);
		n->seen_role = role;
	}
	/* a leadership counts once its term and vote are on disk: before
	 * that it sent nothing, and a crash undoes it (it may win the same
	 * term again, or another node may) */
	if (role == RAFT_LEADER && n->led_term != term && n->disk.hs.term == term &&
	    n->disk.hs.vote == n->id) {
		n->led_term = term;
		if (term < (1u << 24)) {
			size_t cap = s->terms_cap;
			grow((uint64_t **)&s->leader_of_term, &cap, term);
			s->terms_cap = cap;
			if (s->leader_of_term[term] != 0 && s->leader_of_term[term] != n->id) {
				sim_fail(s, "two leaders in term %llu: %llu and %llu",
					 (unsigned long long)term,
					 (unsigned long long)s->leader_of_term[term],
					 (unsigned long long)n->id);
				return;
			}
			s->leader_of_term[term] = n->id;
			check_new_leader(s, n);
		}
	}
	if (commit > n->seen_commit) {
		uint64_t from = n->seen_commit + 1;
		if (from < raft_first_index(r))
			from = raft_first_index(r);
		ensure_hist(s, commit + 1);
		for (uint64_t i = from; i <= commit; i++) {
			uint64_t t = raft_term_at(r, i);
			if (t == 0)
				continue;
			if (s->committed[i] == 0) {
				s->committed[i] = t;
			} else if (s->committed[i] != t) {
				sim_fail(s, "node %llu commits index %llu in term %llu, "
					 "but term %llu was committed there",
					 (unsigned long long)n->id, (unsigned long long)i,
					 (unsigned long long)t,
					 (unsigned long long)s->committed[i]);
				return;
			}
		}
		sim_event(s, EV_COMMIT, n->id, commit, term, 0, 0);
		n->seen_commit = commit;
	} else if (commit < n->seen_commit) {
		n->seen_commit = commit; /* restarted with an older commit hint */
	}
}

/* Log matching: two logs with an entry of the same index and term agree
 * on everything before it. */
void sim_check_logs(struct sim *s)
{
	for (int a = 0; a < s->n_nodes; a++) {
		struct sim_node *x = &s->nodes[a];
		if (!x->up)
			continue;
		for (int b = a + 1; b < s->n_nodes; b++) {
			struct sim_node *y = &s->nodes[b];
			uint64_t lo, hi, i;
			if (!y->up)
				continue;
			lo = raft_first_index(x->r);
			if (raft_first_index(y->r) > lo)
				lo = raft_first_index(y->r);
			hi = raft_last_index(x->r);
			if (raft_last_index(y->r) < hi)
				hi = raft_last_index(y->r);
			for (i = hi; i >= lo && i > 0; i--)
				if (raft_term_at(x->r, i) == raft_term_at(y->r, i))
					break;
			for (; i >= lo && i > 0; i--) {
				const struct raft_entry *ex = raft_entry_at(x->r, i);
				const struct raft_entry *ey = raft_entry_at(y->r, i);
				if (ex->term != ey->term || entry_hash(ex) != entry_hash(ey)) {
					sim_fail(s, "log matching: nodes %llu and %llu differ at "
						 "index %llu (terms %llu/%llu) below a common entry",
						 (unsigned long long)x->id,
						 (unsigned long long)y->id,
						 (unsigned long long)i,
						 (unsigned long long)ex->term,
						 (unsigned long long)ey->term);
					return;
				}
			}
		}
	}
}

void sim_on_apply(struct sim *s, struct sim_node *n, const struct raft_entry *e)
{
	uint64_t h = entry_hash(e);
	ensure_hist(s, e->index + 1);
	if (s->applied_term[e->index] == 0) {
		s->applied_term[e->index] = e->term;
		s->applied_hash[e->index] = h;
	} else if (s->applied_term[e->index] != e->term || s->applied_hash[e->index] != h) {
		sim_fail(s, "state machine safety: node %llu applies index %llu term %llu, "
			 "another node applied term %llu there",
			 (unsigned long long)n->id, (unsigned long long)e->index,
			 (unsigned long long)e->term,
			 (unsigned long long)s->applied_term[e->index]);
		return;
	}
	/* a write is acknowledged when the node it was proposed to applies
	 * it: that very write (its id is in the command), not another one a
	 * leader that re-won an undurable term put at the same index and term */
	uint64_t wid = 0;
	if (e->type == RAFT_ENTRY_NORMAL && e->buf != NULL && e->buf->len == 9)
		memcpy(&wid, e->buf->data + 1, 8);
	for (size_t i = 0; i < s->n_writes; i++) {
		struct sim_write *w = &s->writes[i];
		if (w->state != W_PENDING || w->node != n->id || w->index != e->index)
			continue;
		if (w->term == e->term && w->id == wid) {
			w->state = W_ACKED;
			w->acked_at = s->now;
			if (w->index > s->last_acked_index[w->key])
				s->last_acked_index[w->key] = w->index;
			sim_event(s, EV_ACK, n->id, w->id, w->index, w->term, 0);
		} else {
			w->state = W_LOST;
		}
	}
}

void sim_on_read(struct sim *s, struct sim_node *n, const struct sim_read *rd)
{
	s->reads_served++;
	sim_event(s, EV_READ_OK, n->id, (uint64_t)rd->key, n->kv.modify[rd->key],
		  rd->floor, rd->index);
	if (n->kv.modify[rd->key] < rd->floor)
		sim_fail(s, "stale read: node %llu read key %d at index %llu (written at %llu), "
			 "but a write acknowledged before the read began is at %llu",
			 (unsigned long long)n->id, rd->key,
			 (unsigned long long)rd->index,
			 (unsigned long long)n->kv.modify[rd->key],
			 (unsigned long long)rd->floor);
}
