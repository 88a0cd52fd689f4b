/* raft_step: admission (cluster, removed ids), term rules, dispatch. */
#include "raft/raft_impl.h"

static bool in_lease(const struct raft *r)
{
	return r->o.check_quorum && r->leader != 0 && !r->leader_down &&
	       r->election_elapsed < r->o.election_ticks;
}

static bool from_leader(int type)
{
	return type == RAFT_MSG_APPEND || type == RAFT_MSG_HEARTBEAT ||
	       type == RAFT_MSG_SNAPSHOT;
}

/* In the configuration, or removed by a change not yet committed (which
 * may still be undone: raft_promotable lets it campaign meanwhile). */
static bool member(const struct raft *r, raft_id id)
{
	return raft_conf_get(&r->conf, id) != NULL ||
	       (r->conf_index > r->commit && r->conf_removes == id);
}

/* Returns false when the message must go no further. */
static bool step_term(struct raft *r, const struct raft_message *m)
{
	struct raft_message resp;

	if (m->term > r->term) {
		bool vote_req = m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_PREVOTE;
		/* Only members move our term; a leader we do not know yet
		 * (added in entries still to come) and the leader of a node
		 * that has no configuration are the exceptions. */
		if (!from_leader(m->type) && !member(r, m->from) &&
		    !RAFT_MUT(r, RAFT_MUT_NO_APPEND_VALIDATION) &&
		    !(r->conf.n == 0 && RAFT_MUT(r, RAFT_MUT_READD_SAME_INCARNATION))) {
			raft_count_invalid(r, m, "a higher term from a non-member");
			return false;
		}
		/* A node that hears from a live leader ignores candidates: a
		 * partitioned or removed node cannot depose it. */
		if (vote_req && !m->transfer && in_lease(r))
			return false;
		if (m->type == RAFT_MSG_PREVOTE ||
		    (m->type == RAFT_MSG_PREVOTE_RESP && !m->reject))
			return true; /* a PreVote never moves terms */
		raft_become_follower(r, m->term, from_leader(m->type) ? m->from : 0);
		return true;
	}
	if (m->term < r->term) {
		if (from_leader(m->type)) {
			/* a stale leader learns the new term from our answer */
			raft_msg_init(r, &resp, RAFT_MSG_APPEND_RESP, m->from);
			resp.reject = true;
			raft_send(r, &resp);
		} else if (m->type == RAFT_MSG_PREVOTE) {
			raft_msg_init(r, &resp, RAFT_MSG_PREVOTE_RESP, m->from);
			resp.reject = true;
			raft_send(r, &resp);
		}
		return false;
	}
	return true;
}

int raft_step(struct raft *r, const struct raft_message *m)
{
	if (m->type == 0 || m->type >= RAFT_MSG_TYPE_COUNT)
		return errmsg_set(r->errmsg, GAIA_EINVAL, "unknown message type %d",
				  m->type);
	if (m->cluster_id != r->o.cluster_id || m->to != r->o.id || m->from == 0 ||
	    m->from == r->o.id)
		return GAIA_OK; /* not for us: dropped */
	/* A removed node is never heard, except as the leader of a term we
	 * have not passed: a term has one leader, elected by its
	 * configuration's majority, so it was added back (RAFT_CONF_READD)
	 * in entries we have yet to receive, and only it can send them. */
	if (raft_removed_for_good(r, m->from) &&
	    !(m->term >= r->term && (m->type == RAFT_MSG_APPEND || m->type == RAFT_MSG_HEARTBEAT ||
				     m->type == RAFT_MSG_SNAPSHOT)))
		return GAIA_OK;
	if (!raft_validate(r, m))
		return GAIA_OK;
	if (!step_term(r, m))
		return GAIA_OK;

	switch (m->type) {
	case RAFT_MSG_PREVOTE:
	case RAFT_MSG_VOTE:
		recv_vote(r, m);
		break;
	case RAFT_MSG_PREVOTE_RESP:
	case RAFT_MSG_VOTE_RESP:
		recv_vote_resp(r, m);
		break;
	case RAFT_MSG_APPEND:
	case RAFT_MSG_HEARTBEAT:
	case RAFT_MSG_SNAPSHOT:
		if (r->role == RAFT_LEADER)
			break; /* two leaders in one term cannot happen */
		if (r->role != RAFT_FOLLOWER)
			raft_become_follower(r, r->term, m->from);
		if (m->type == RAFT_MSG_APPEND)
			recv_append(r, m);
		else if (m->type == RAFT_MSG_HEARTBEAT)
			recv_heartbeat(r, m);
		else
			recv_snapshot(r, m);
		break;
	case RAFT_MSG_APPEND_RESP:
		if (r->role == RAFT_LEADER)
			recv_append_resp(r, m);
		break;
	case RAFT_MSG_HEARTBEAT_RESP:
		if (r->role == RAFT_LEADER)
			recv_heartbeat_resp(r, m);
		break;
	case RAFT_MSG_SNAPSHOT_RESP:
		if (r->role == RAFT_LEADER)
			recv_snapshot_resp(r, m);
		break;
	case RAFT_MSG_TIMEOUT_NOW:
		if (r->role != RAFT_LEADER)
			recv_timeout_now(r, m);
		break;
	}
	return GAIA_OK;
}
