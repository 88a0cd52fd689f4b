/* Single-server membership changes, one uncommitted at a time. */
#include "raft/raft_impl.h"

int raft_change_membership(struct raft *r, int op, raft_id id,
			   const void *ctx, size_t ctx_len, uint64_t *index)
{
	struct raft_conf_change cc;
	struct raft_buf *buf;
	int rv;

	if (r->role != RAFT_LEADER)
		return errmsg_set(r->errmsg, GAIA_ENOTLEADER, "not the leader");
	if (r->transferee != 0)
		return errmsg_set(r->errmsg, GAIA_EBUSY,
				  "a leadership transfer is in progress");
	/* A leader changes the configuration only after committing an entry
	 * of its term, and only one change is in flight at a time. */
	if (log_term(&r->log, r->commit) != r->term)
		return errmsg_set(r->errmsg, GAIA_EBUSY,
				  "the new leader has not committed its first entry yet");
	if (r->conf_index > r->commit)
		return errmsg_set(r->errmsg, GAIA_EBUSY,
				  "another membership change is not committed yet");
	/* A learner votes once promoted, and a node votes only once it holds
	 * a configuration (a wiped node must not vote on an earlier
	 * incarnation's behalf): so it is promoted only when it holds the
	 * configuration in force, or it could never vote and, with few
	 * voters, no leader could be elected again. */
	if (op == RAFT_CONF_PROMOTE) {
		const struct raft_progress *p = progress_get(r, id);
		if (p != NULL && !p->voter && p->match < r->conf_index)
			return errmsg_set(r->errmsg, GAIA_EBUSY,
					  "node %llu has not received the configuration yet",
					  (unsigned long long)id);
	}
	if (ctx_len > UINT32_MAX / 2)
		return errmsg_set(r->errmsg, GAIA_ETOOBIG, "context too large");
	memset(&cc, 0, sizeof cc);
	cc.conf = r->conf;
	rv = raft_conf_apply(&cc.conf, op, id);
	switch (rv) {
	case GAIA_OK:
		break;
	case GAIA_EEXIST:
		return errmsg_set(r->errmsg, rv, "node %llu is already %s",
				  (unsigned long long)id,
				  op == RAFT_CONF_PROMOTE ? "a voter" : "a member");
	case GAIA_ENOTFOUND:
		return errmsg_set(r->errmsg, rv, "node %llu %s",
				  (unsigned long long)id,
				  op == RAFT_CONF_READD ? "was not removed" : "is not a member");
	case GAIA_EREMOVED:
		return errmsg_set(r->errmsg, rv,
				  "node %llu was removed; only a re-add (its data wiped) "
				  "brings its id back",
				  (unsigned long long)id);
	case GAIA_ETOOBIG:
		return errmsg_set(r->errmsg, rv, "configuration is full (%d servers)",
				  RAFT_MAX_SERVERS);
	default:
		return errmsg_set(r->errmsg, rv, "invalid membership change");
	}
	if (raft_conf_voters(&cc.conf) == 0)
		return errmsg_set(r->errmsg, GAIA_EINVAL,
				  "the change would leave no voter");
	cc.op = (uint8_t)op;
	cc.id = id;
	cc.ctx = ctx;
	cc.ctx_len = (uint32_t)ctx_len;
	buf = raft_conf_encode(&cc);
	if (buf == NULL)
		return errmsg_set(r->errmsg, GAIA_ENOMEM, "out of memory");
	rv = raft_append_local(r, RAFT_ENTRY_CONF, buf, index);
	raft_buf_unref(buf);
	return rv;
}
