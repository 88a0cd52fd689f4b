/* The operator's requests beyond reads, writes and membership: forced
 * elections, rejoining, the state digest and the node's metrics. */
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "node/node_internal.h"

void node_not_leader(struct node *n, struct node_req *r);

/* On the leader: hand leadership to the target (or the most up-to-date
 * voter) and answer once another node leads. Without a leader: campaign
 * now. A follower that has a leader sends the request there. */
static void force_election(struct node *n, struct node_req *r)
{
	raft_id target = 0;
	int rv;
	if (r->peer_name[0]) {
		struct node_member *m = book_member_named(&n->book, raft_conf(n->raft), r->peer_name);
		target = m ? m->id : 0;
		if (target == 0 || !raft_conf_is_voter(raft_conf(n->raft), target)) {
			req_finish(r, GAIA_ENOTFOUND, "'%s' is not a voter of the cluster",
				   r->peer_name);
			return;
		}
	}
	if (raft_role(n->raft) == RAFT_LEADER) {
		if (target == n->id) {
			str_copy(r->action, sizeof r->action, "this node already leads");
			node_fill_status(n, &r->status);
			req_finish(r, GAIA_OK, NULL);
			return;
		}
		rv = raft_transfer_leadership(n->raft, target);
		if (rv != GAIA_OK) {
			req_finish(r, rv == GAIA_ENOTFOUND ? GAIA_EBUSY : rv, "%s",
				   raft_errmsg(n->raft));
			return;
		}
		str_copy(r->action, sizeof r->action, "leadership transferred");
		r->deadline_ms = node_mono_ms() + 2 * n->cfg.election_timeout_ms + 500;
		reqq_push(&n->transfer_wait, r);
		return;
	}
	if (raft_leader(n->raft) != 0) {
		node_not_leader(n, r);
		return;
	}
	if (raft_campaign(n->raft) != GAIA_OK) {
		req_finish(r, GAIA_EINVAL, "this node is not a voter: it cannot campaign");
		return;
	}
	str_copy(r->action, sizeof r->action, "no leader was known: this node campaigns now");
	r->deadline_ms = node_mono_ms() + 2 * n->cfg.election_timeout_ms + 500;
	reqq_push(&n->transfer_wait, r);
}

/* Called on every tick and role change: answer forced elections once a
 * leader other than the one asked is known (or the campaign is over). */
void node_transfers_progress(struct node *n)
{
	struct node_req *r;
	raft_id leader = raft_leader(n->raft);
	while ((r = n->transfer_wait.head) != NULL) {
		bool done = leader != 0 && (raft_role(n->raft) != RAFT_LEADER ||
					    raft_transferee(n->raft) == 0);
		if (!done && node_mono_ms() < r->deadline_ms)
			return;
		reqq_pop(&n->transfer_wait);
		if (r->op == NODE_OP_LEAVE && done) {
			node_not_leader(n, r); /* the new leader removes us */
			continue;
		}
		node_fill_status(n, &r->status);
		if (leader == 0 || (r->status.role && !strcmp(r->status.role, "leader") &&
				    strstr(r->action, "transferred")))
			req_finish(r, GAIA_EUNAVAIL,
				   "no new leader within the election timeout; retry");
		else
			req_finish(r, GAIA_OK, NULL);
	}
}

/* Where a reset node asks to be added again: the address given, else a
 * member it knows (any member forwards to the leader). */
static bool reset_target(struct node *n, const struct node_req *r, char *out, size_t len)
{
	const struct raft_conf *c = raft_conf(n->raft);
	if (r->peer_addr[0]) {
		str_copy(out, len, r->peer_addr);
		return true;
	}
	for (uint32_t i = 0; i < c->n; i++) {
		struct node_member *m = book_get(&n->book, c->servers[i].id);
		if (c->servers[i].id != n->id && m != NULL && m->api_addr[0]) {
			str_copy(out, len, m->api_addr);
			return true;
		}
	}
	return false;
}

/* An empty node waiting to be added: a reset gives it a new incarnation
 * (its first one's id may be a removed one) and asks for the add. */
static bool waiting_empty(struct node *n)
{
	return n->cluster_id == 0 && raft_last_index(n->raft) == 0 &&
	       node_snapshot_index(n) == 0;
}

static void rejoin(struct node *n, struct node_req *r)
{
	if (n->removed || raft_removed_for_good_id(n->raft, n->id) ||
	    (r->reset && waiting_empty(n))) {
		if (!r->reset) {
			req_finish(r, GAIA_EREMOVED,
				   "this node was removed from the cluster: POST /api/cluster/rejoin "
				   "{\"reset\": true} wipes its Raft data and snapshots and joins it "
				   "again as a learner, a new incarnation of the node under a new Raft "
				   "id");
			return;
		}
		if (n->o_on_reset == NULL) {
			req_finish(r, GAIA_EINVAL, "this process cannot reset its node");
			return;
		}
		if (!reset_target(n, r, n->reset_target, sizeof n->reset_target)) {
			req_finish(r, GAIA_EINVAL,
				   "no member known to ask for the re-add: give \"leader_address\"");
			return;
		}
		n->reset_requested = true;
		snprintf(r->action, sizeof r->action,
			 "wiping Raft data and snapshots, then joining via %s as a learner",
			 n->reset_target);
		node_log(n, NODE_LOG_WARN, "node", NULL, "reset asked: %s", r->action);
		node_fill_status(n, &r->status);
		req_finish(r, GAIA_OK, NULL);
		n->o_on_reset(n->o_reset_ud);
		return;
	}
	if (r->reset) {
		req_finish(r, GAIA_EEXIST,
			   "this node is a member of the cluster: \"reset\" only applies to a "
			   "removed node");
		return;
	}
	net_reconnect_all(n->net);
	str_copy(r->action, sizeof r->action,
		 "reconnected to every member with the backoff reset");
	node_fill_status(n, &r->status);
	req_finish(r, GAIA_OK, NULL);
}

bool node_reset_target(struct node *n, char *addr, size_t len)
{
	bool yes;
	/* read after the loop stopped (node_wait), so no lock is needed */
	yes = n->reset_requested;
	if (yes)
		str_copy(addr, len, n->reset_target);
	return yes;
}

/* The digest reads every key: it runs on a worker thread over a frozen
 * view (O(1) to take), so the loop keeps serving meanwhile. */
struct digest_job {
	uv_work_t work;
	struct node *n;
	struct node_req *r;
	struct kv_view *v;
	uint64_t digest;
};

static void digest_work(uv_work_t *w)
{
	struct digest_job *j = w->data;
	j->digest = kv_digest(j->v);
}

static void digest_done(uv_work_t *w, int status)
{
	struct digest_job *j = w->data;
	(void)status;
	j->r->index = kv_view_index(j->v);
	j->r->count = kv_view_count(j->v);
	j->r->digest = j->digest;
	kv_view_release(j->v);
	j->n->digest_jobs--;
	req_finish(j->r, GAIA_OK, NULL);
	free(j);
}

static void digest(struct node *n, struct node_req *r)
{
	struct digest_job *j = calloc(1, sizeof *j);
	if (j == NULL || kv_freeze(n->kv, &j->v) != GAIA_OK) {
		free(j);
		req_finish(r, GAIA_ENOMEM, "out of memory");
		return;
	}
	j->n = n;
	j->r = r;
	j->work.data = j;
	if (uv_queue_work(&n->loop, &j->work, digest_work, digest_done) != 0) {
		kv_view_release(j->v);
		free(j);
		req_finish(r, GAIA_EIO, "cannot start the digest");
		return;
	}
	n->digest_jobs++;
}

static void gauge(struct metrics_buf *b, const char *name, const char *help, double v)
{
	metrics_family(b, name, "gauge", help);
	metrics_sample(b, name, "", v);
}

static void metrics(struct node *n, struct node_req *r)
{
	struct metrics_buf b = {0};
	struct node_status *st = malloc(sizeof *st);
	struct wal_info wi;
	char lab[160];
	uint64_t cum = 0;
	int unhealthy = 0;

	if (st == NULL) {
		req_finish(r, GAIA_ENOMEM, "out of memory");
		return;
	}
	node_fill_status(n, st);
	wal_info(n->wal, &wi);
	metrics_family(&b, "raft_leader_elections_total", "counter",
		       "Leadership changes this node has seen.");
	metrics_sample(&b, "raft_leader_elections_total", "", (double)n->m_elections);
	metrics_family(&b, "raft_log_index", "gauge", "First and last index of the log.");
	metrics_sample(&b, "raft_log_index", "type=\"first\"", (double)st->first_index);
	metrics_sample(&b, "raft_log_index", "type=\"last\"", (double)st->last_index);
	gauge(&b, "raft_applied_index", "Last index applied to the state machine.",
	      (double)st->applied_index);
	gauge(&b, "raft_commit_index", "Last index known committed.", (double)st->commit_index);
	gauge(&b, "raft_term", "Current term.", (double)st->term);
	gauge(&b, "raft_is_leader", "1 if this node is the leader.",
	      raft_role(n->raft) == RAFT_LEADER ? 1 : 0);
	gauge(&b, "raft_log_size_bytes", "Bytes of the write-ahead log.", (double)wi.size_bytes);
	gauge(&b, "raft_log_segments", "Segment files of the write-ahead log.", (double)wi.segments);
	metrics_family(&b, "raft_state_machine_ops_total", "counter",
		       "Commands applied to the key-value state machine, by kind.");
	metrics_sample(&b, "raft_state_machine_ops_total", "op=\"put\"", (double)n->m_ops[0]);
	metrics_sample(&b, "raft_state_machine_ops_total", "op=\"delete\"", (double)n->m_ops[1]);
	metrics_sample(&b, "raft_state_machine_ops_total", "op=\"cas_failed\"", (double)n->m_ops[2]);
	metrics_sample(&b, "raft_state_machine_ops_total", "op=\"other\"", (double)n->m_ops[3]);
	gauge(&b, "raft_kv_keys", "Keys in the state machine.", (double)kv_count(n->kv));
	for (size_t i = 0; i < st->n_peers; i++)
		if (!strcmp(st->peers[i].state, "unhealthy"))
			unhealthy++;
	gauge(&b, "raft_unhealthy_peers", "Peers the leader marks unhealthy (0 elsewhere).",
	      unhealthy);
	metrics_family(&b, "raft_peer_match_index", "gauge",
		       "Highest index known replicated on each peer (leader only).");
	for (size_t i = 0; i < st->n_peers && raft_role(n->raft) == RAFT_LEADER; i++) {
		lab[0] = 0;
		metrics_label(lab, sizeof lab, "peer", st->peers[i].name);
		metrics_sample(&b, "raft_peer_match_index", lab, (double)st->peers[i].match_index);
	}
	metrics_family(&b, "raft_peer_lag", "gauge",
		       "Entries each peer is behind the leader (leader only).");
	for (size_t i = 0; i < st->n_peers && raft_role(n->raft) == RAFT_LEADER; i++) {
		lab[0] = 0;
		metrics_label(lab, sizeof lab, "peer", st->peers[i].name);
		metrics_sample(&b, "raft_peer_lag", lab, (double)st->peers[i].lag);
	}
	metrics_family(&b, "raft_invalid_messages_total", "counter",
		       "Messages from peers that failed validation and were dropped.");
	for (int t = 1; t < RAFT_MSG_TYPE_COUNT; t++) {
		lab[0] = 0;
		metrics_label(lab, sizeof lab, "type", raft_msg_type_name(t));
		metrics_sample(&b, "raft_invalid_messages_total", lab,
			       (double)raft_invalid_messages(n->raft, t));
	}
	metrics_family(&b, "raft_wal_fsync_seconds", "histogram",
		       "Latency of the WAL's fdatasync calls.");
	for (int i = 0; i < WAL_FSYNC_BUCKETS; i++) {
		char le[32];
		cum += wi.fsync_hist[i];
		if (i < WAL_FSYNC_BUCKETS - 1)
			snprintf(le, sizeof le, "%g", wal_fsync_bucket_us[i] / 1e6);
		else
			snprintf(le, sizeof le, "+Inf");
		lab[0] = 0;
		metrics_label(lab, sizeof lab, "le", le);
		metrics_sample(&b, "raft_wal_fsync_seconds_bucket", lab, (double)cum);
	}
	metrics_sample(&b, "raft_wal_fsync_seconds_sum", "", (double)wi.fsync_ns_total / 1e9);
	metrics_sample(&b, "raft_wal_fsync_seconds_count", "", (double)cum);
	metrics_family(&b, "raft_wal_batches_total", "counter",
		       "Write batches of the WAL (one write and one fdatasync each).");
	metrics_sample(&b, "raft_wal_batches_total", "", (double)wi.batches);
	metrics_family(&b, "raft_wal_appends_total", "counter", "Entries appended to the WAL.");
	metrics_sample(&b, "raft_wal_appends_total", "", (double)wi.appends);
	metrics_family(&b, "raft_commit_latency_seconds", "histogram",
		       "From proposal to apply on the leader, for writes.");
	metrics_hist_write(&b, "raft_commit_latency_seconds", "", &n->m_commit);
	metrics_family(&b, "raft_snapshots_total", "counter", "Snapshots this node has taken.");
	metrics_sample(&b, "raft_snapshots_total", "", (double)n->m_snapshots);
	metrics_family(&b, "raft_snapshot_duration_seconds", "histogram",
		       "Time to write a snapshot (freeze, write, fsync, rename).");
	metrics_hist_write(&b, "raft_snapshot_duration_seconds", "", &n->m_snap_seconds);
	free(st);
	if (b.failed) {
		metrics_buf_free(&b);
		req_finish(r, GAIA_ENOMEM, "out of memory");
		return;
	}
	r->out_value = (uint8_t *)b.p;
	r->out_len = b.len;
	req_finish(r, GAIA_OK, NULL);
}

void node_dispatch_ops(struct node *n, struct node_req *r)
{
	switch (r->op) {
	case NODE_OP_FORCE_ELECTION:
		force_election(n, r);
		break;
	case NODE_OP_REJOIN:
		rejoin(n, r);
		break;
	case NODE_OP_DIGEST:
		digest(n, r);
		break;
	case NODE_OP_METRICS:
		metrics(n, r);
		break;
	case NODE_OP_SNAPSHOT_TAKE:
	case NODE_OP_SNAPSHOT_STATUS:
	case NODE_OP_SNAPSHOT_PRUNE:
	case NODE_OP_SNAPSHOT_OPEN:
	case NODE_OP_LOG_INFO:
		node_dispatch_snapshot(n, r);
		break;
	default:
		req_finish(r, GAIA_EINVAL, "unknown operation %d", r->op);
	}
}
