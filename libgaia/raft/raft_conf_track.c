/* The configuration in force is the last one in the log (it takes effect
 * when appended, not when committed), or the snapshot's. */
#include "raft/raft_impl.h"

static void conf_set(struct raft *r, const struct raft_conf *c, uint64_t index,
		     raft_id removes)
{
	r->conf = *c;
	r->conf_index = index;
	r->conf_removes = removes;
	if (r->role == RAFT_LEADER)
		progress_sync_conf(r);
}

void raft_conf_on_append(struct raft *r, const struct raft_entry *e)
{
	struct raft_conf_change cc;
	if (e->type != RAFT_ENTRY_CONF || e->buf == NULL)
		return;
	if (raft_conf_decode(e->buf->data, e->buf->len, &cc) != GAIA_OK)
		return; /* written by us: cannot happen; ignore rather than die */
	conf_set(r, &cc.conf, e->index, cc.op == RAFT_CONF_REMOVE ? cc.id : 0);
}

bool raft_removed_for_good_id(const struct raft *r, raft_id id)
{
	return raft_removed_for_good(r, id);
}

bool raft_removed_for_good(const struct raft *r, raft_id id)
{
	if (!raft_conf_is_removed(&r->conf, id))
		return false;
	return !(r->conf_index > r->commit && id == r->conf_removes);
}

void raft_conf_recompute(struct raft *r)
{
	for (uint64_t i = log_last(&r->log); i >= log_first(&r->log) && i > 0; i--) {
		const struct raft_entry *e = log_get(&r->log, i);
		struct raft_conf_change cc;
		if (e->type == RAFT_ENTRY_CONF && e->buf != NULL &&
		    raft_conf_decode(e->buf->data, e->buf->len, &cc) == GAIA_OK) {
			if (r->conf_index != i)
				conf_set(r, &cc.conf, i,
					 cc.op == RAFT_CONF_REMOVE ? cc.id : 0);
			return;
		}
	}
	conf_set(r, &r->snap.conf, r->snap.index, 0);
}
