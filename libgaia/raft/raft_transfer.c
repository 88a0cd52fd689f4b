/* Leadership transfer: bring the target up to date, then TimeoutNow;
 * proposals wait; give up after an election timeout. */
#include "raft/raft_impl.h"

void transfer_abort(struct raft *r)
{
	r->transferee = 0;
	r->transfer_elapsed = 0;
}

void transfer_maybe_send_timeout_now(struct raft *r, struct raft_progress *p)
{
	struct raft_message m;
	if (r->role != RAFT_LEADER || r->transferee == 0 || p->id != r->transferee ||
	    p->match != log_last(&r->log))
		return;
	raft_msg_init(r, &m, RAFT_MSG_TIMEOUT_NOW, p->id);
	raft_send(r, &m);
}

int raft_transfer_leadership(struct raft *r, raft_id to)
{
	struct raft_progress *p = NULL;
	if (r->role != RAFT_LEADER)
		return errmsg_set(r->errmsg, GAIA_ENOTLEADER, "not the leader");
	if (to == 0) {
		for (uint32_t i = 0; i < r->n_prs; i++) {
			struct raft_progress *c = &r->prs[i];
			if (c->voter && c->id != r->o.id && (p == NULL || c->match > p->match))
				p = c;
		}
		if (p == NULL)
			return errmsg_set(r->errmsg, GAIA_ENOTFOUND,
					  "no other voter to transfer leadership to");
	} else {
		if (to == r->o.id)
			return GAIA_OK;
		p = progress_get(r, to);
		if (p == NULL || !p->voter)
			return errmsg_set(r->errmsg, GAIA_EINVAL,
					  "node %llu is not a voter",
					  (unsigned long long)to);
	}
	if (r->transferee != 0 && r->transferee != p->id)
		return errmsg_set(r->errmsg, GAIA_EBUSY,
				  "a leadership transfer is already in progress");
	r->transferee = p->id;
	r->transfer_elapsed = 0;
	if (p->match == log_last(&r->log))
		transfer_maybe_send_timeout_now(r, p);
	else
		r->need_flush = true;
	return GAIA_OK;
}
