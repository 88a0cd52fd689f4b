/* InstallSnapshot in chunks: the follower stores each chunk in order and
 * installs on the last; the leader sends the next chunk on each answer. */
#include <stdlib.h>

#include "raft/raft_impl.h"

static int push_chunk(struct raft *r, const struct raft_message *m)
{
	if (r->n_chunks == r->cap_chunks) {
		size_t cap = r->cap_chunks ? r->cap_chunks * 2 : 4;
		struct raft_snap_chunk *nc = realloc(r->chunks, cap * sizeof *nc);
		if (nc == NULL)
			return GAIA_ENOMEM;
		r->chunks = nc;
		r->cap_chunks = cap;
	}
	r->chunks[r->n_chunks++] = (struct raft_snap_chunk){
		.meta = m->snap,
		.offset = m->offset,
		.data = raft_buf_ref(m->chunk),
		.last = m->last,
	};
	return GAIA_OK;
}

static void install(struct raft *r, const struct raft_snapshot_meta *meta)
{
	r->has_install = true;
	r->install = *meta;
	log_reset(&r->log, meta->index, meta->term);
	r->snap = *meta;
	r->commit = meta->index;
	r->applied = meta->index;
	r->stable = meta->index;
	r->unstable_from = meta->index + 1;
	raft_conf_recompute(r);
	memset(&r->recv_snap, 0, sizeof r->recv_snap);
	r->recv_offset = 0;
}

void recv_snapshot(struct raft *r, const struct raft_message *m)
{
	struct raft_message resp;
	uint32_t len = m->chunk ? m->chunk->len : 0;

	r->leader = m->from;
	r->election_elapsed = 0;
	r->leader_down = false;
	/* An install not yet handed to the caller comes after the chunks
	 * before it; chunks of another snapshot must wait for the next
	 * batch, or the caller would store them first. The leader resends. */
	if (r->has_install)
		return;
	raft_msg_init(r, &resp, RAFT_MSG_SNAPSHOT_RESP, m->from);
	resp.snap.index = m->snap.index;
	resp.snap.term = m->snap.term;
	resp.snap.size = m->snap.size;
	resp.snap.file_id = m->snap.file_id;

	if (m->snap.index <= r->commit) {
		resp.last = true; /* nothing to install: we have all of it */
		resp.offset = m->snap.size;
		goto answer;
	}
	if (log_term(&r->log, m->snap.index) == m->snap.term) {
		r->commit = m->snap.index; /* our log already holds it */
		resp.last = true;
		resp.offset = m->snap.size;
		goto answer;
	}
	/* A transfer is one file: the same index may name another file
	 * (another leader's, or one taken again), whose chunks must never be
	 * spliced into this one's. */
	if (!raft_snap_same(r, &m->snap, r->recv_snap.index, r->recv_snap.term,
			    r->recv_snap.size, r->recv_snap.file_id)) {
		if (m->offset != 0) {
			resp.reject = true;
			resp.offset = 0;
			goto answer;
		}
		r->recv_snap = m->snap;
		r->recv_offset = 0;
	}
	if (m->offset != r->recv_offset || push_chunk(r, m) != GAIA_OK) {
		resp.reject = true;
		resp.offset = r->recv_offset;
		goto answer;
	}
	r->recv_offset += len;
	resp.offset = r->recv_offset;
	if (m->last) {
		install(r, &m->snap);
		resp.last = true;
	}
answer:
	raft_send(r, &resp);
}

void recv_snapshot_resp(struct raft *r, const struct raft_message *m)
{
	struct raft_progress *p = progress_get(r, m->from);
	if (p == NULL)
		return;
	p->recent_active = true;
	p->last_contact = r->ticks;
	if (p->state != RAFT_PROGRESS_SNAPSHOT ||
	    !raft_snap_same(r, &m->snap, p->snap_index, p->snap_term, p->snap_size,
			    p->snap_file_id))
		return; /* about another file than the one being sent */
	if (m->last) {
		if (p->match < m->snap.index)
			progress_matched(r, p, m->snap.index);
		p->next = p->match + 1;
		progress_become_probe(r, p);
		r->need_flush = true;
		if (raft_maybe_commit(r) && r->role != RAFT_LEADER)
			return;
		return;
	}
	/* validated: offset <= size of this very file */
	p->snap_offset = m->offset;
	raft_send_snapshot_chunk(r, p);
}
