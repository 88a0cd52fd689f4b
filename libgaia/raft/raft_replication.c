/* The leader's sending side: AppendEntries (batched, pipelined, flow
 * controlled), heartbeats, snapshot chunks, and the commit rule. */
#include <stdlib.h>

#include "raft/raft_impl.h"

int raft_append_local(struct raft *r, uint8_t type, struct raft_buf *buf,
		      uint64_t *index)
{
	struct raft_entry e = {
		.index = log_last(&r->log) + 1,
		.term = r->term,
		.type = type,
		.buf = buf,
	};
	int rv = log_append(&r->log, &e);
	if (rv != GAIA_OK)
		return errmsg_set(r->errmsg, rv, "out of memory appending entry");
	if (index != NULL)
		*index = e.index;
	raft_conf_on_append(r, &e);
	r->need_flush = true;
	return GAIA_OK;
}

static bool needs_snapshot(const struct raft *r, const struct raft_progress *p)
{
	uint64_t prev = p->next - 1;
	if (prev < r->log.snap_index)
		return true;
	/* entries kept from before a restart sit after a point whose term
	 * is unknown: a follower that far behind gets the snapshot */
	return prev != 0 && log_term(&r->log, prev) == 0;
}

bool raft_snap_same(const struct raft *r, const struct raft_snapshot_meta *meta,
		    uint64_t index, uint64_t term, uint64_t size, uint64_t file_id)
{
	if (RAFT_MUT(r, RAFT_MUT_SNAPSHOT_ID_BY_INDEX))
		return meta->index == index;
	return meta->index == index && meta->term == term && meta->size == size &&
	       meta->file_id == file_id;
}

static void snapshot_restart(struct raft *r, struct raft_progress *p)
{
	p->snap_index = r->snap.index;
	p->snap_term = r->snap.term;
	p->snap_size = r->snap.size;
	p->snap_file_id = r->snap.file_id;
	p->snap_offset = 0;
}

static void start_snapshot(struct raft *r, struct raft_progress *p)
{
	p->state = RAFT_PROGRESS_SNAPSHOT;
	snapshot_restart(r, p);
	progress_inflight_clear(p);
	raft_send_snapshot_chunk(r, p);
}

void raft_send_append(struct raft *r, struct raft_progress *p)
{
	struct raft_message m;
	uint64_t last = log_last(&r->log);
	uint64_t bytes = 0;
	uint32_t n = 0;

	if (needs_snapshot(r, p)) {
		if (r->snap.index != 0)
			start_snapshot(r, p);
		return;
	}
	raft_msg_init(r, &m, RAFT_MSG_APPEND, p->id);
	m.prev_index = p->next - 1;
	m.prev_term = log_term(&r->log, m.prev_index);
	m.commit = r->commit;
	while (p->next + n <= last) {
		const struct raft_entry *e = log_get(&r->log, p->next + n);
		/* an entry costs its payload plus its header on the wire */
		uint64_t len = (e->buf ? e->buf->len : 0) + RAFT_ENTRY_OVERHEAD;
		if (n > 0 && bytes + len > r->o.max_msg_bytes)
			break;
		bytes += len;
		n++;
	}
	if (n > 0) {
		m.entries = malloc(n * sizeof *m.entries);
		if (m.entries == NULL)
			return;
		for (uint32_t i = 0; i < n; i++) {
			m.entries[i] = *log_get(&r->log, p->next + i);
			raft_buf_ref(m.entries[i].buf);
		}
		m.n_entries = n;
	}
	p->sent_commit = r->commit;
	if (p->state == RAFT_PROGRESS_REPLICATE) {
		if (n > 0) {
			p->next += n;
			progress_inflight_add(r, p, p->next - 1, bytes);
		}
	} else {
		p->probe_sent = true;
	}
	raft_send(r, &m);
}

void raft_flush_appends(struct raft *r)
{
	uint64_t last = log_last(&r->log);
	r->need_flush = false;
	for (uint32_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *p = &r->prs[i];
		if (p->id == r->o.id)
			continue;
		if (p->state == RAFT_PROGRESS_PROBE) {
			if (!p->probe_sent)
				raft_send_append(r, p);
			continue;
		}
		if (p->state != RAFT_PROGRESS_REPLICATE)
			continue;
		while (p->next <= last && !progress_paused(r, p) &&
		       p->state == RAFT_PROGRESS_REPLICATE)
			raft_send_append(r, p);
		/* caught up: still tell it the new commit index at once */
		if (p->next > last && p->sent_commit < r->commit &&
		    p->state == RAFT_PROGRESS_REPLICATE)
			raft_send_append(r, p);
	}
}

void raft_broadcast_heartbeat(struct raft *r, uint64_t ctx)
{
	for (uint32_t i = 0; i < r->n_prs; i++) {
		struct raft_progress *p = &r->prs[i];
		struct raft_message m;
		if (p->id == r->o.id)
			continue;
		raft_msg_init(r, &m, RAFT_MSG_HEARTBEAT, p->id);
		m.commit = p->match < r->commit ? p->match : r->commit;
		m.ctx = ctx;
		raft_send(r, &m);
	}
}

void raft_send_snapshot_chunk(struct raft *r, struct raft_progress *p)
{
	struct raft_message m;
	struct raft_buf *chunk;
	uint64_t want;
	size_t got = 0;

	/* another file replaced the one being sent (a newer snapshot, or
	 * one taken again at the same index): start over; never send past
	 * the end of the file */
	if (!raft_snap_same(r, &r->snap, p->snap_index, p->snap_term, p->snap_size,
			    p->snap_file_id) ||
	    p->snap_offset > r->snap.size)
		snapshot_restart(r, p);
	want = r->snap.size - p->snap_offset;
	if (want > r->o.snapshot_chunk_bytes)
		want = r->o.snapshot_chunk_bytes;
	chunk = raft_buf_new(NULL, (size_t)want);
	if (chunk == NULL)
		return;
	if (want > 0) {
		if (r->o.storage.snapshot_read == NULL ||
		    r->o.storage.snapshot_read(r->o.storage.ud, r->snap.index,
					       p->snap_offset, chunk->data,
					       (size_t)want, &got) != 0 ||
		    got == 0) {
			raft_buf_unref(chunk);
			return; /* retried on the next heartbeat answer */
		}
		chunk->len = (uint32_t)got;
	}
	raft_msg_init(r, &m, RAFT_MSG_SNAPSHOT, p->id);
	m.snap = r->snap;
	m.offset = p->snap_offset;
	m.chunk = chunk;
	m.last = p->snap_offset + got == r->snap.size;
	p->snap_sent_at = r->ticks;
	raft_send(r, &m);
}

bool raft_maybe_commit(struct raft *r)
{
	uint64_t m[RAFT_MAX_SERVERS];
	uint32_t n = 0, q = raft_quorum(r);
	uint64_t candidate;

	for (uint32_t i = 0; i < r->n_prs; i++)
		if (r->prs[i].voter)
			m[n++] = r->prs[i].match;
	if (n == 0 || n < q)
		return false;
	candidate = progress_quorum_value(m, n, q);
	if (candidate <= r->commit)
		return false;
	/* Only an entry of the current term is committed by counting
	 * replicas (Raft §5.4.2); earlier ones follow it. */
	if (log_term(&r->log, candidate) != r->term &&
	    !RAFT_MUT(r, RAFT_MUT_COMMIT_OLD_TERM))
		return false;
	r->commit = candidate;
	r->need_flush = true;
	read_on_commit(r);
	/* A leader that removed itself (or demoted itself) steps down once
	 * that configuration is committed, handing over first. */
	if (!raft_conf_is_voter(&r->conf, r->o.id) && r->commit >= r->conf_index) {
		struct raft_progress *best = NULL;
		for (uint32_t i = 0; i < r->n_prs; i++) {
			struct raft_progress *p = &r->prs[i];
			if (p->voter && p->id != r->o.id &&
			    (best == NULL || p->match > best->match))
				best = p;
		}
		if (best != NULL && best->match == log_last(&r->log)) {
			struct raft_message tn;
			raft_msg_init(r, &tn, RAFT_MSG_TIMEOUT_NOW, best->id);
			raft_send(r, &tn);
		}
		raft_become_follower(r, r->term, 0);
	}
	return true;
}
