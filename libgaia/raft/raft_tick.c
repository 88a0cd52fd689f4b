/* raft_tick: one unit of time. Followers and candidates count toward an
 * election; the leader sends heartbeats, checks its quorum and times out
 * a leadership transfer. */
#include "raft/raft_impl.h"

static void tick_leader(struct raft *r)
{
	r->heartbeat_elapsed++;
	r->election_elapsed++;
	if (r->election_elapsed >= r->o.election_ticks) {
		r->election_elapsed = 0;
		if (r->o.check_quorum) {
			uint32_t active = 0;
			for (uint32_t i = 0; i < r->n_prs; i++) {
				struct raft_progress *p = &r->prs[i];
				if (p->voter && (p->recent_active || p->id == r->o.id))
					active++;
				if (p->id != r->o.id)
					p->recent_active = false;
			}
			if (active < raft_quorum(r)) {
				/* a minority leader stops taking writes */
				raft_become_follower(r, r->term, 0);
				return;
			}
		}
	}
	if (r->transferee != 0 && ++r->transfer_elapsed >= r->o.election_ticks)
		transfer_abort(r);
	if (r->heartbeat_elapsed >= r->o.heartbeat_ticks) {
		r->heartbeat_elapsed = 0;
		/* every heartbeat is a new round: an answer then tells whether
		 * it was sent after an acknowledgement (lost-log detection) */
		r->read_round++;
		raft_broadcast_heartbeat(r, r->read_round);
		read_release_confirmed(r);
	}
}

void raft_tick(struct raft *r)
{
	r->ticks++;
	if (r->role == RAFT_LEADER) {
		tick_leader(r);
		return;
	}
	r->election_elapsed++;
	if (!raft_promotable(r))
		return;
	if (r->leader_down && ++r->leader_down_elapsed >= 2 * r->o.heartbeat_ticks) {
		r->leader_down = false;
		raft_start_campaign(r, r->o.pre_vote, false);
		return;
	}
	if (r->election_elapsed >= r->randomized_timeout)
		raft_start_campaign(r, r->o.pre_vote, false);
}

void raft_peer_down(struct raft *r, raft_id id)
{
	if (r->role == RAFT_LEADER || id == 0 || id != r->leader)
		return;
	r->leader_down = true;
	r->leader_down_elapsed = 0;
}
