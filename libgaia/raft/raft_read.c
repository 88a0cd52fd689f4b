/* ReadIndex: a read is released once a heartbeat round started after it
 * was asked is acknowledged by a quorum, at the commit index of the time
 * it was asked (or of the term's first commit). */
#include <stdlib.h>

#include "raft/raft_impl.h"

int read_push_result(struct raft *r, uint64_t ctx, uint64_t index, int status)
{
	if (r->n_reads == r->cap_reads) {
		size_t cap = r->cap_reads ? r->cap_reads * 2 : 16;
		struct raft_read *nr = realloc(r->reads, cap * sizeof *nr);
		if (nr == NULL)
			return GAIA_ENOMEM;
		r->reads = nr;
		r->cap_reads = cap;
	}
	r->reads[r->n_reads++] = (struct raft_read){ctx, index, status};
	return GAIA_OK;
}

static bool committed_in_term(const struct raft *r)
{
	return log_term(&r->log, r->commit) == r->term;
}

int raft_read_index(struct raft *r, uint64_t ctx)
{
	struct raft_pending_read *pr;
	if (r->role != RAFT_LEADER)
		return errmsg_set(r->errmsg, GAIA_ENOTLEADER, "not the leader");
	if (RAFT_MUT(r, RAFT_MUT_READ_NO_QUORUM))
		return read_push_result(r, ctx, r->commit, RAFT_READ_OK);
	if (r->n_preads == r->cap_preads) {
		size_t cap = r->cap_preads ? r->cap_preads * 2 : 16;
		struct raft_pending_read *np = realloc(r->preads, cap * sizeof *np);
		if (np == NULL)
			return errmsg_set(r->errmsg, GAIA_ENOMEM, "out of memory");
		r->preads = np;
		r->cap_preads = cap;
	}
	pr = &r->preads[r->n_preads++];
	pr->ctx = ctx;
	pr->index = committed_in_term(r) ? r->commit : 0;
	pr->round = 0; /* a round starts at the next Ready */
	return GAIA_OK;
}

void read_on_commit(struct raft *r)
{
	if (!committed_in_term(r))
		return;
	for (size_t i = 0; i < r->n_preads; i++)
		if (r->preads[i].index == 0)
			r->preads[i].index = r->commit;
}

void read_release_confirmed(struct raft *r)
{
	uint64_t acks[RAFT_MAX_SERVERS];
	uint32_t n = 0, q = raft_quorum(r);
	uint64_t confirmed;
	size_t keep = 0;

	if (r->role != RAFT_LEADER || r->n_preads == 0)
		return;
	for (uint32_t i = 0; i < r->n_prs; i++) {
		if (!r->prs[i].voter)
			continue;
		acks[n++] = r->prs[i].id == r->o.id ? r->read_round : r->prs[i].read_ack;
	}
	if (n < q)
		return;
	confirmed = progress_quorum_value(acks, n, q);
	for (size_t i = 0; i < r->n_preads; i++) {
		struct raft_pending_read *pr = &r->preads[i];
		if (pr->round != 0 && pr->round <= confirmed && pr->index != 0)
			read_push_result(r, pr->ctx, pr->index, RAFT_READ_OK);
		else
			r->preads[keep++] = *pr;
	}
	r->n_preads = keep;
}

void read_fail_all(struct raft *r)
{
	for (size_t i = 0; i < r->n_preads; i++)
		read_push_result(r, r->preads[i].ctx, 0, RAFT_READ_FAILED);
	r->n_preads = 0;
}

/* Called when a Ready is taken: reads asked since the last round get one. */
void read_start_round(struct raft *r)
{
	bool need = false;
	for (size_t i = 0; i < r->n_preads; i++)
		if (r->preads[i].round == 0) {
			need = true;
			break;
		}
	if (!need)
		return;
	r->read_round++;
	for (size_t i = 0; i < r->n_preads; i++)
		if (r->preads[i].round == 0)
			r->preads[i].round = r->read_round;
	raft_broadcast_heartbeat(r, r->read_round);
	r->heartbeat_elapsed = 0;
	read_release_confirmed(r); /* a single voter confirms itself */
}
