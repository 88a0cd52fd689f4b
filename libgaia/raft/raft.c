/* Creating, loading and bootstrapping the core; proposals; compaction;
 * read-only accessors. */
#include <stdlib.h>

#include "raft/raft_impl.h"

void raft_options_default(struct raft_options *o)
{
	memset(o, 0, sizeof *o);
	o->election_ticks = 10;
	o->heartbeat_ticks = 1;
	o->max_inflight_msgs = 64;
	o->max_inflight_bytes = 16u << 20;
	o->max_msg_bytes = 1u << 20;
	o->snapshot_chunk_bytes = 1u << 20;
	o->pre_vote = true;
	o->check_quorum = true;
	o->seed = 1;
}

struct raft *raft_new(const struct raft_options *o)
{
	struct raft *r;
	if (o->id == 0 || o->election_ticks < 2 || o->heartbeat_ticks == 0 ||
	    o->heartbeat_ticks >= o->election_ticks || o->max_inflight_msgs == 0 ||
	    o->snapshot_chunk_bytes == 0)
		return NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->o = *o;
	r->rng = o->seed;
	log_init(&r->log);
	r->role = RAFT_FOLLOWER;
	r->unstable_from = 1;
	raft_reset_randomized_timeout(r);
	return r;
}

void raft_free(struct raft *r)
{
	if (r == NULL)
		return;
	log_free(&r->log);
	progress_free_all(r);
	msgq_release(&r->msgs);
	free(r->msgs.m);
	msgq_release(&r->msgs_after);
	free(r->msgs_after.m);
	for (size_t i = 0; i < r->n_chunks; i++)
		raft_buf_unref(r->chunks[i].data);
	free(r->chunks);
	free(r->reads);
	free(r->preads);
	free(r);
}

const char *raft_errmsg(const struct raft *r)
{
	return r->errmsg;
}

int raft_load(struct raft *r, const struct raft_hard_state *hs,
	      const struct raft_snapshot_meta *snap,
	      const struct raft_entry *entries, size_t n)
{
	uint64_t first;
	if (snap != NULL) {
		r->snap = *snap;
		r->conf = snap->conf;
		r->conf_index = snap->index;
	}
	first = n > 0 ? entries[0].index : r->snap.index + 1;
	if (first > r->snap.index + 1)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "log starts at %llu, after the snapshot at %llu",
				  (unsigned long long)first,
				  (unsigned long long)r->snap.index);
	/* Entries kept from before the snapshot (trailing logs) stay; the
	 * term just before the first of them is unknown (0). */
	log_reset(&r->log, first - 1, first - 1 == r->snap.index ? r->snap.term : 0);
	for (size_t i = 0; i < n; i++) {
		if (entries[i].index != first + i)
			return errmsg_set(r->errmsg, GAIA_ECORRUPT,
					  "log not contiguous at index %llu",
					  (unsigned long long)entries[i].index);
		if (entries[i].index == r->snap.index &&
		    entries[i].term != r->snap.term)
			return errmsg_set(r->errmsg, GAIA_ECORRUPT,
					  "entry %llu has term %llu, snapshot says %llu",
					  (unsigned long long)entries[i].index,
					  (unsigned long long)entries[i].term,
					  (unsigned long long)r->snap.term);
		if (log_append(&r->log, &entries[i]) != GAIA_OK)
			return errmsg_set(r->errmsg, GAIA_ENOMEM, "out of memory");
	}
	if (log_last(&r->log) < r->snap.index)
		log_reset(&r->log, r->snap.index, r->snap.term);
	if (hs != NULL) {
		r->term = hs->term;
		r->vote = hs->vote;
		r->commit = hs->commit;
	}
	if (r->commit < r->snap.index)
		r->commit = r->snap.index;
	if (r->commit > log_last(&r->log))
		r->commit = log_last(&r->log);
	r->applied = r->snap.index;
	r->stable = log_last(&r->log);
	r->unstable_from = r->stable + 1;
	r->last_hs.term = r->term;
	r->last_hs.vote = r->vote;
	r->last_hs.commit = r->commit;
	raft_conf_recompute(r);
	return GAIA_OK;
}

int raft_bootstrap(struct raft *r, const struct raft_conf *conf)
{
	return raft_bootstrap_ctx(r, conf, NULL, 0);
}

void raft_set_cluster_id(struct raft *r, uint64_t cluster_id)
{
	r->o.cluster_id = cluster_id;
}

int raft_bootstrap_ctx(struct raft *r, const struct raft_conf *conf,
		       const void *ctx, size_t ctx_len)
{
	struct raft_conf_change cc;
	struct raft_buf *buf;
	struct raft_entry e;
	int rv;
	if (log_last(&r->log) != 0 || r->term != 0)
		return errmsg_set(r->errmsg, GAIA_EEXIST,
				  "this node already has state; refusing to bootstrap");
	if (raft_conf_voters(conf) == 0)
		return errmsg_set(r->errmsg, GAIA_EINVAL,
				  "a bootstrap configuration needs a voter");
	if (ctx_len > UINT32_MAX / 2)
		return errmsg_set(r->errmsg, GAIA_ETOOBIG, "context too large");
	memset(&cc, 0, sizeof cc);
	cc.conf = *conf;
	cc.ctx = ctx;
	cc.ctx_len = (uint32_t)ctx_len;
	buf = raft_conf_encode(&cc);
	if (buf == NULL)
		return errmsg_set(r->errmsg, GAIA_ENOMEM, "out of memory");
	e = (struct raft_entry){.index = 1, .term = 1, .type = RAFT_ENTRY_CONF, .buf = buf};
	rv = log_append(&r->log, &e);
	raft_buf_unref(buf);
	if (rv != GAIA_OK)
		return errmsg_set(r->errmsg, rv, "out of memory");
	r->term = 1;
	raft_conf_on_append(r, &e);
	return GAIA_OK;
}

int raft_propose(struct raft *r, struct raft_buf *data, uint64_t *index,
		 uint64_t *term)
{
	uint64_t i;
	int rv;
	if (r->role != RAFT_LEADER)
		return errmsg_set(r->errmsg, GAIA_ENOTLEADER, "not the leader");
	if (r->transferee != 0)
		return errmsg_set(r->errmsg, GAIA_EBUSY,
				  "leadership is being transferred");
	rv = raft_append_local(r, RAFT_ENTRY_NORMAL, data, &i);
	if (rv != GAIA_OK)
		return rv;
	if (index != NULL)
		*index = i;
	if (term != NULL)
		*term = r->term;
	return GAIA_OK;
}

int raft_snapshot_meta_at(struct raft *r, uint64_t index,
			  struct raft_snapshot_meta *meta)
{
	memset(meta, 0, sizeof *meta);
	if (index > r->applied || index == 0)
		return errmsg_set(r->errmsg, GAIA_EINVAL,
				  "index %llu is not applied (applied %llu)",
				  (unsigned long long)index,
				  (unsigned long long)r->applied);
	if (index == r->snap.index) {
		*meta = r->snap;
		meta->size = 0;
		return GAIA_OK;
	}
	meta->index = index;
	meta->term = log_term(&r->log, index);
	if (meta->term == 0)
		return errmsg_set(r->errmsg, GAIA_ECOMPACTED,
				  "index %llu is no longer in the log",
				  (unsigned long long)index);
	meta->conf = r->snap.conf;
	for (uint64_t i = index; i >= log_first(&r->log) && i > 0; i--) {
		const struct raft_entry *e = log_get(&r->log, i);
		struct raft_conf_change cc;
		if (e->type == RAFT_ENTRY_CONF && e->buf != NULL &&
		    raft_conf_decode(e->buf->data, e->buf->len, &cc) == GAIA_OK) {
			meta->conf = cc.conf;
			break;
		}
	}
	return GAIA_OK;
}

int raft_compact(struct raft *r, const struct raft_snapshot_meta *meta,
		 uint64_t trailing)
{
	uint64_t upto;
	if (meta->index > r->applied)
		return errmsg_set(r->errmsg, GAIA_EINVAL,
				  "snapshot index %llu is beyond applied %llu",
				  (unsigned long long)meta->index,
				  (unsigned long long)r->applied);
	if (meta->index < r->snap.index)
		return GAIA_OK; /* an older snapshot: nothing to do */
	r->snap = *meta;
	upto = meta->index > trailing ? meta->index - trailing : 0;
	if (upto > r->log.snap_index) {
		uint64_t t = log_term(&r->log, upto);
		log_compact(&r->log, upto, t);
	}
	return GAIA_OK;
}

const char *raft_role_name(int role)
{
	switch (role) {
	case RAFT_FOLLOWER: return "follower";
	case RAFT_PRE_CANDIDATE: return "pre-candidate";
	case RAFT_CANDIDATE: return "candidate";
	case RAFT_LEADER: return "leader";
	default: return "unknown";
	}
}

const char *raft_progress_state_name(int s)
{
	switch (s) {
	case RAFT_PROGRESS_PROBE: return "probe";
	case RAFT_PROGRESS_REPLICATE: return "replicate";
	case RAFT_PROGRESS_SNAPSHOT: return "snapshot";
	default: return "unknown";
	}
}

raft_id raft_id_of(const struct raft *r) { return r->o.id; }
int raft_role(const struct raft *r) { return r->role; }
raft_id raft_leader(const struct raft *r) { return r->leader; }
uint64_t raft_term(const struct raft *r) { return r->term; }
raft_id raft_vote(const struct raft *r) { return r->vote; }
uint64_t raft_commit_index(const struct raft *r) { return r->commit; }
uint64_t raft_applied_index(const struct raft *r) { return r->applied; }
uint64_t raft_first_index(const struct raft *r) { return log_first(&r->log); }
uint64_t raft_last_index(const struct raft *r) { return log_last(&r->log); }
uint64_t raft_last_term(const struct raft *r) { return log_last_term(&r->log); }
uint64_t raft_stable_index(const struct raft *r) { return r->stable; }
uint64_t raft_ticks(const struct raft *r) { return r->ticks; }
raft_id raft_transferee(const struct raft *r) { return r->transferee; }
const struct raft_conf *raft_conf(const struct raft *r) { return &r->conf; }
uint64_t raft_conf_index(const struct raft *r) { return r->conf_index; }
const struct raft_snapshot_meta *raft_snapshot(const struct raft *r) { return &r->snap; }

uint64_t raft_term_at(const struct raft *r, uint64_t index)
{
	return log_term(&r->log, index);
}

const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t index)
{
	return log_get(&r->log, index);
}

int raft_progress(const struct raft *r, raft_id id, struct raft_progress_info *out)
{
	const struct raft_progress *p = NULL;
	if (r->role != RAFT_LEADER)
		return GAIA_ENOTLEADER;
	for (uint32_t i = 0; i < r->n_prs; i++)
		if (r->prs[i].id == id)
			p = &r->prs[i];
	if (p == NULL)
		return GAIA_ENOTFOUND;
	out->id = p->id;
	out->voter = p->voter;
	out->match_index = p->match;
	out->next_index = p->next;
	out->state = p->state;
	out->last_contact = p->last_contact;
	out->recent_active = p->recent_active;
	out->inflight = p->ring_count;
	return GAIA_OK;
}
