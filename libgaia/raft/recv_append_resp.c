/* The leader receiving answers: AppendEntries results (advance match or
 * back off with the conflict hints), heartbeat answers. */
#include "raft/raft_impl.h"

static uint64_t backoff_next(struct raft *r, const struct raft_message *m)
{
	uint64_t next;
	if (m->hint_term == 0) {
		next = m->hint_index;
	} else {
		/* our last entry of the follower's conflicting term, if any */
		uint64_t i = m->index;
		uint64_t last = log_last(&r->log);
		if (i > last)
			i = last;
		while (i > r->log.snap_index && log_term(&r->log, i) > m->hint_term)
			i--;
		if (i > r->log.snap_index && log_term(&r->log, i) == m->hint_term)
			next = i + 1;
		else
			next = m->hint_index;
	}
	if (next > m->index)
		next = m->index;
	if (next < 1)
		next = 1;
	return next;
}

void recv_append_resp(struct raft *r, const struct raft_message *m)
{
	struct raft_progress *p = progress_get(r, m->from);
	if (p == NULL)
		return;
	p->recent_active = true;
	p->last_contact = r->ticks;

	if (m->reject) {
		if (p->state == RAFT_PROGRESS_SNAPSHOT)
			return;
		/* A reject of an index we know it holds is an old answer
		 * (duplicated or reordered): it must not send an up-to-date
		 * follower back to probing, or to a snapshot. A follower that
		 * really lost its log is found by a heartbeat answer. */
		if (m->index <= p->match)
			return;
		if (p->state == RAFT_PROGRESS_PROBE && m->index != p->next - 1)
			return; /* answer to an older probe */
		p->next = backoff_next(r, m);
		progress_become_probe(r, p);
		r->need_flush = true;
		return;
	}

	if (m->index > p->match) {
		progress_matched(r, p, m->index);
		if (p->next <= p->match)
			p->next = p->match + 1;
		if (p->state == RAFT_PROGRESS_SNAPSHOT && p->match >= p->snap_index)
			progress_become_probe(r, p);
		if (p->state == RAFT_PROGRESS_PROBE)
			progress_become_replicate(p);
		else
			progress_inflight_free_to(r, p, p->match);
		r->need_flush = true;
		if (raft_maybe_commit(r) && r->role != RAFT_LEADER)
			return;
		transfer_maybe_send_timeout_now(r, p);
	} else if (p->state == RAFT_PROGRESS_PROBE) {
		/* the probe matched where we already were */
		if (m->index == p->match)
			progress_become_replicate(p);
		else
			p->probe_sent = false;
		r->need_flush = true;
	}
}

void recv_heartbeat_resp(struct raft *r, const struct raft_message *m)
{
	struct raft_progress *p = progress_get(r, m->from);
	if (p == NULL)
		return;
	p->recent_active = true;
	p->last_contact = r->ticks;
	if (m->ctx > p->read_ack)
		p->read_ack = m->ctx;
	read_release_confirmed(r);
	if (m->index < p->match && m->ctx > p->match_round &&
	    p->state != RAFT_PROGRESS_SNAPSHOT) {
		/* The follower's log ends before what it acknowledged, in the
		 * answer to a heartbeat sent after that acknowledgement (each
		 * heartbeat is a new round): it lost its log (raft_logs
		 * deleted). Probe from what it has. */
		p->match = m->index;
		p->next = m->index + 1;
		progress_become_probe(r, p);
		r->need_flush = true;
		return;
	}
	if (p->state == RAFT_PROGRESS_PROBE) {
		p->probe_sent = false;
		r->need_flush = true;
	} else if (p->state == RAFT_PROGRESS_SNAPSHOT &&
		   r->ticks - p->snap_sent_at >= r->o.election_ticks) {
		raft_send_snapshot_chunk(r, p); /* the chunk was lost */
	} else if (p->state == RAFT_PROGRESS_REPLICATE &&
		   p->match < log_last(&r->log)) {
		/* Behind although alive: appends may have been lost. Free
		 * one slot of a full window and send at next (empty if all
		 * was sent): if something was lost the follower rejects it,
		 * naming the gap, and we fall back to probing. */
		if (progress_paused(r, p) && p->ring_count > 0) {
			struct raft_inflight *f = &p->ring[p->ring_start];
			progress_inflight_free_to(r, p, f->index);
		}
		if (!progress_paused(r, p))
			raft_send_append(r, p);
	}
}
