/* A follower receiving AppendEntries: the log matching check, conflict
 * hints for fast backtracking, truncation of a conflicting tail. */
#include "raft/raft_impl.h"

static void reject(struct raft *r, const struct raft_message *m,
		   struct raft_message *resp)
{
	uint64_t last = log_last(&r->log);
	resp->reject = true;
	resp->index = m->prev_index;
	if (m->prev_index > last) {
		resp->hint_index = last + 1;
		resp->hint_term = 0;
		return;
	}
	/* Name our term at prev_index and where it starts, so the leader
	 * skips the whole term in one round trip. */
	uint64_t t = log_term(&r->log, m->prev_index);
	uint64_t i = m->prev_index;
	uint64_t floor = r->commit + 1 > log_first(&r->log) ? r->commit + 1
							     : log_first(&r->log);
	while (i > floor && log_term(&r->log, i - 1) == t)
		i--;
	resp->hint_term = t;
	resp->hint_index = i;
}

/* Acknowledgements waiting for this batch's write that name entries from
 * index on: those entries will never be written (they were just cut), so
 * the acknowledgement would promise what the disk does not hold. */
static void drop_acks_from(struct raft *r, uint64_t index)
{
	struct raft_msgq *q = &r->msgs_after;
	size_t keep = 0;
	for (size_t i = 0; i < q->n; i++) {
		struct raft_message *m = &q->m[i];
		if (m->type == RAFT_MSG_APPEND_RESP && !m->reject && m->index >= index)
			raft_message_release(m);
		else
			q->m[keep++] = *m;
	}
	q->n = keep;
}

static void truncate_from(struct raft *r, uint64_t index)
{
	assert(index > r->commit); /* a committed entry never changes */
	drop_acks_from(r, index);
	log_truncate(&r->log, index);
	if (r->unstable_from > index)
		r->unstable_from = index;
	if (r->stable >= index)
		r->stable = index - 1;
	if (r->conf_index >= index)
		raft_conf_recompute(r);
}

void recv_append(struct raft *r, const struct raft_message *m)
{
	struct raft_message resp;
	uint64_t last_new;

	r->leader = m->from;
	r->election_elapsed = 0;
	r->leader_down = false;
	raft_msg_init(r, &resp, RAFT_MSG_APPEND_RESP, m->from);

	if (m->prev_index < r->commit) {
		resp.index = r->commit;
		raft_send(r, &resp);
		return;
	}
	if (m->prev_index > log_last(&r->log) ||
	    log_term(&r->log, m->prev_index) != m->prev_term) {
		reject(r, m, &resp);
		raft_send(r, &resp);
		return;
	}
	for (uint32_t i = 0; i < m->n_entries; i++) {
		const struct raft_entry *e = &m->entries[i];
		if (e->index <= log_last(&r->log)) {
			if (log_term(&r->log, e->index) == e->term)
				continue;
			truncate_from(r, e->index);
		}
		if (log_append(&r->log, e) != GAIA_OK)
			return; /* no answer: the leader retries */
		raft_conf_on_append(r, e);
	}
	last_new = m->prev_index + m->n_entries;
	if (m->commit > r->commit) {
		uint64_t c = m->commit < last_new ? m->commit : last_new;
		if (c > r->commit)
			r->commit = c;
	}
	resp.index = last_new;
	raft_send(r, &resp);
}

void recv_heartbeat(struct raft *r, const struct raft_message *m)
{
	struct raft_message resp;
	r->leader = m->from;
	r->election_elapsed = 0;
	r->leader_down = false;
	if (m->commit > r->commit) {
		uint64_t last = log_last(&r->log);
		r->commit = m->commit < last ? m->commit : last;
	}
	raft_msg_init(r, &resp, RAFT_MSG_HEARTBEAT_RESP, m->from);
	resp.ctx = m->ctx;
	resp.index = log_last(&r->log); /* lets a leader see a lost log */
	raft_send(r, &resp);
}

void recv_timeout_now(struct raft *r, const struct raft_message *m)
{
	(void)m;
	/* the leader asked us to take over: skip PreVote and the lease */
	raft_start_campaign(r, false, true);
}
