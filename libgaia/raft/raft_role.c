/* Role changes: follower, pre-candidate, candidate, leader; campaigns. */
#include "raft/raft_impl.h"

bool raft_promotable(const struct raft *r)
{
	/* A node whose own removal is appended but not committed may hold
	 * the only up-to-date log: it must still be able to campaign (and,
	 * counting only the new configuration's voters, finish the change),
	 * or the cluster can wait for it forever. */
	return raft_conf_is_voter(&r->conf, r->o.id) ||
	       (r->conf_index > r->commit && r->conf_removes == r->o.id);
}

uint32_t raft_quorum(const struct raft *r)
{
	return raft_conf_voters(&r->conf) / 2 + 1;
}

static void reset_timers(struct raft *r)
{
	r->election_elapsed = 0;
	r->heartbeat_elapsed = 0;
	r->leader_down = false;
	r->leader_down_elapsed = 0;
	raft_reset_randomized_timeout(r);
}

void raft_become_follower(struct raft *r, uint64_t term, raft_id leader)
{
	bool was_leader = r->role == RAFT_LEADER;
	if (term > r->term) {
		r->term = term;
		r->vote = 0;
	}
	r->role = RAFT_FOLLOWER;
	r->leader = leader;
	reset_timers(r);
	if (was_leader) {
		transfer_abort(r);
		read_fail_all(r);
		progress_free_all(r);
	}
}

void raft_become_pre_candidate(struct raft *r)
{
	r->role = RAFT_PRE_CANDIDATE;
	r->leader = 0;
	r->n_granted = 0;
	r->n_refused = 0;
	reset_timers(r);
}

void raft_become_candidate(struct raft *r)
{
	r->term++;
	r->vote = r->o.id;
	r->role = RAFT_CANDIDATE;
	r->leader = 0;
	r->n_granted = 0;
	r->n_refused = 0;
	reset_timers(r);
}

void raft_become_leader(struct raft *r)
{
	r->role = RAFT_LEADER;
	r->leader = r->o.id;
	r->transferee = 0;
	reset_timers(r);
	progress_reset_all(r);
	/* A new leader commits an entry of its own term before anything of
	 * earlier terms can be known committed (Raft §5.4.2). */
	raft_append_local(r, RAFT_ENTRY_NOOP, NULL, NULL);
}

static void record_vote(struct raft *r, raft_id from, bool granted)
{
	for (uint32_t i = 0; i < r->n_granted; i++)
		if (r->granted[i] == from)
			return;
	for (uint32_t i = 0; i < r->n_refused; i++)
		if (r->refused[i] == from)
			return;
	if (!raft_conf_is_voter(&r->conf, from))
		return;
	if (granted)
		r->granted[r->n_granted++] = from;
	else
		r->refused[r->n_refused++] = from;
}

static void tally(struct raft *r)
{
	if (r->n_granted >= raft_quorum(r)) {
		if (r->role == RAFT_PRE_CANDIDATE)
			raft_start_campaign(r, false, r->campaign_transfer);
		else
			raft_become_leader(r);
	} else if (r->n_refused >= raft_quorum(r)) {
		raft_become_follower(r, r->term, 0);
	}
}

void raft_start_campaign(struct raft *r, bool pre, bool transfer)
{
	int type = pre ? RAFT_MSG_PREVOTE : RAFT_MSG_VOTE;
	if (!raft_promotable(r))
		return;
	/* a term never wraps: at the maximum this node stops campaigning
	 * (raft_term_exhausted tells the caller, which logs it) */
	if (r->term >= RAFT_TERM_MAX)
		return;
	if (pre)
		raft_become_pre_candidate(r);
	else
		raft_become_candidate(r);
	r->campaign_transfer = transfer;
	record_vote(r, r->o.id, true);
	for (uint32_t i = 0; i < r->conf.n; i++) {
		const struct raft_server *s = &r->conf.servers[i];
		struct raft_message m;
		if (s->id == r->o.id || s->role != RAFT_VOTER)
			continue;
		raft_msg_init(r, &m, type, s->id);
		m.term = pre ? r->term + 1 : r->term;
		m.last_index = log_last(&r->log);
		m.last_term = log_last_term(&r->log);
		m.transfer = transfer;
		raft_send(r, &m);
	}
	tally(r);
}

int raft_campaign(struct raft *r)
{
	if (!raft_promotable(r))
		return errmsg_set(r->errmsg, GAIA_EINVAL,
				  "this node is not a voter of its configuration");
	if (r->term >= RAFT_TERM_MAX)
		return errmsg_set(r->errmsg, GAIA_EINVAL,
				  "the term reached its maximum");
	if (r->role == RAFT_LEADER)
		return GAIA_OK;
	raft_start_campaign(r, r->o.pre_vote, false);
	return GAIA_OK;
}

void recv_vote(struct raft *r, const struct raft_message *m)
{
	bool pre = m->type == RAFT_MSG_PREVOTE;
	struct raft_message resp;
	bool can_vote, up_to_date;

	can_vote = r->vote == m->from || (r->vote == 0 && r->leader == 0) ||
		   (pre && m->term > r->term);
	up_to_date = m->last_term > log_last_term(&r->log) ||
		     (m->last_term == log_last_term(&r->log) &&
		      m->last_index >= log_last(&r->log));
	if (RAFT_MUT(r, RAFT_MUT_VOTE_NO_LOG_CHECK))
		up_to_date = true;

	/* A node with no configuration (new, or wiped to be added again)
	 * has no vote history to stand on: its id's earlier incarnation may
	 * have voted in this term. It votes once it has the log. */
	if (r->conf.n == 0 && !RAFT_MUT(r, RAFT_MUT_READD_SAME_INCARNATION))
		can_vote = false;

	raft_msg_init(r, &resp, pre ? RAFT_MSG_PREVOTE_RESP : RAFT_MSG_VOTE_RESP,
		      m->from);
	if (can_vote && up_to_date && r->role != RAFT_LEADER) {
		/* a granted PreVote answers in the term it was asked for */
		resp.term = m->term;
		if (!pre) {
			r->vote = m->from;
			r->election_elapsed = 0;
		}
	} else {
		resp.reject = true;
	}
	raft_send(r, &resp);
}

void recv_vote_resp(struct raft *r, const struct raft_message *m)
{
	if ((m->type == RAFT_MSG_PREVOTE_RESP && r->role != RAFT_PRE_CANDIDATE) ||
	    (m->type == RAFT_MSG_VOTE_RESP && r->role != RAFT_CANDIDATE))
		return;
	record_vote(r, m->from, !m->reject);
	tally(r);
}
