/* Ready batches: what the caller must persist, send and apply, and
 * raft_advance, which records what became durable and applied. */
#include <stdlib.h>

#include "raft/raft_impl.h"

static uint64_t committed_upto(const struct raft *r)
{
	uint64_t last = log_last(&r->log);
	return r->commit < last ? r->commit : last;
}

bool raft_has_ready(const struct raft *r)
{
	if (r->rd_out)
		return false;
	if (r->msgs.n || r->msgs_after.n || r->n_chunks || r->has_install ||
	    r->n_reads)
		return true;
	if (r->term != r->last_hs.term || r->vote != r->last_hs.vote)
		return true;
	if (r->unstable_from <= log_last(&r->log))
		return true;
	if (committed_upto(r) > r->applied)
		return true;
	if (r->role == RAFT_LEADER) {
		if (r->need_flush)
			return true;
		for (size_t i = 0; i < r->n_preads; i++)
			if (r->preads[i].round == 0)
				return true;
	}
	return false;
}

static struct raft_entry *copy_entries(const struct raft *r, uint64_t lo,
				       uint64_t hi, size_t *n)
{
	struct raft_entry *out;
	*n = 0;
	if (hi < lo)
		return NULL;
	out = malloc((size_t)(hi - lo + 1) * sizeof *out);
	if (out == NULL)
		return NULL;
	for (uint64_t i = lo; i <= hi; i++) {
		out[*n] = *log_get(&r->log, i);
		raft_buf_ref(out[*n].buf);
		(*n)++;
	}
	return out;
}

int raft_ready(struct raft *r, struct raft_ready *rd)
{
	uint64_t last = log_last(&r->log);
	uint64_t upto;

	memset(rd, 0, sizeof *rd);
	if (r->rd_out)
		return errmsg_set(r->errmsg, GAIA_EBUSY,
				  "the previous Ready was not advanced");
	if (r->role == RAFT_LEADER) {
		read_start_round(r);
		raft_flush_appends(r);
	}

	if (r->term != r->last_hs.term || r->vote != r->last_hs.vote) {
		rd->has_hard_state = true;
		r->last_hs.term = r->term;
		r->last_hs.vote = r->vote;
	}
	r->last_hs.commit = r->commit;
	rd->hard_state = r->last_hs;

	if (r->unstable_from <= last) {
		rd->entries = copy_entries(r, r->unstable_from, last, &rd->n_entries);
		if (rd->entries == NULL)
			return errmsg_set(r->errmsg, GAIA_ENOMEM, "out of memory");
		r->unstable_from = last + 1;
	}
	r->rd_last_index = last;
	r->rd_last_term = log_last_term(&r->log);

	rd->snap_chunks = r->chunks;
	rd->n_snap_chunks = r->n_chunks;
	r->chunks = NULL;
	r->n_chunks = r->cap_chunks = 0;
	rd->has_install = r->has_install;
	rd->install = r->install;
	r->has_install = false;

	/* No message of a term leaves before that term and our vote are
	 * durable: a leader that crashed before writing them could win the
	 * same term again and send different entries at the same indexes. */
	if (rd->has_hard_state && r->msgs.n > 0 &&
	    !RAFT_MUT(r, RAFT_MUT_LEADER_MSGS_BEFORE_PERSIST)) {
		for (size_t i = 0; i < r->msgs_after.n; i++)
			if (msgq_push(&r->msgs, &r->msgs_after.m[i]) != GAIA_OK)
				raft_message_release(&r->msgs_after.m[i]);
		r->msgs_after.n = 0;
		msgq_free(&r->msgs_after);
		r->msgs_after = r->msgs;
		memset(&r->msgs, 0, sizeof r->msgs);
	}
	rd->msgs = r->msgs.m;
	rd->n_msgs = r->msgs.n;
	memset(&r->msgs, 0, sizeof r->msgs);
	rd->msgs_after = r->msgs_after.m;
	rd->n_msgs_after = r->msgs_after.n;
	memset(&r->msgs_after, 0, sizeof r->msgs_after);

	upto = committed_upto(r);
	r->rd_applied = r->applied;
	if (upto > r->applied) {
		rd->committed = copy_entries(r, r->applied + 1, upto, &rd->n_committed);
		if (rd->committed != NULL)
			r->rd_applied = upto;
	}

	rd->reads = r->reads;
	rd->n_reads = r->n_reads;
	r->reads = NULL;
	r->n_reads = r->cap_reads = 0;

	r->rd_out = true;
	return GAIA_OK;
}

static void free_entries(struct raft_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		raft_buf_unref(e[i].buf);
	free(e);
}

void raft_advance(struct raft *r, struct raft_ready *rd)
{
	if (!r->rd_out)
		return;
	r->rd_out = false;
	if (rd->n_entries > 0) {
		uint64_t s;
		if (log_term(&r->log, r->rd_last_index) == r->rd_last_term)
			s = r->rd_last_index;
		else /* part of the batch was truncated meanwhile */
			s = r->unstable_from - 1;
		if (s > r->rd_last_index)
			s = r->rd_last_index;
		if (s > r->stable)
			r->stable = s;
	}
	if (r->rd_applied > r->applied)
		r->applied = r->rd_applied;
	if (r->role == RAFT_LEADER) {
		struct raft_progress *self = progress_get(r, r->o.id);
		if (self != NULL && self->match < r->stable) {
			self->match = r->stable;
			raft_maybe_commit(r);
		}
	}

	free_entries(rd->entries, rd->n_entries);
	free_entries(rd->committed, rd->n_committed);
	for (size_t i = 0; i < rd->n_snap_chunks; i++)
		raft_buf_unref(rd->snap_chunks[i].data);
	free(rd->snap_chunks);
	for (size_t i = 0; i < rd->n_msgs; i++)
		raft_message_release(&rd->msgs[i]);
	free(rd->msgs);
	for (size_t i = 0; i < rd->n_msgs_after; i++)
		raft_message_release(&rd->msgs_after[i]);
	free(rd->msgs_after);
	free(rd->reads);
	memset(rd, 0, sizeof *rd);
}
