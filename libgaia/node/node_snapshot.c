/* Snapshots taken by the node: a frozen view of the KV is written to a
 * snapshot file on a worker thread while the loop keeps applying; then the
 * core and the WAL are compacted, keeping the trailing entries. Also the
 * automatic policy, listing, pruning and opening files for download. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/node_internal.h"

struct snap_job {
	uv_work_t work;
	struct node *n;
	struct kv_view *view;
	struct raft_snapshot_meta meta;
	uint8_t *membership;
	size_t membership_len;
	struct snap_writer writer;
	struct snap_info info;
	int rv;
	uint64_t started_ms;
	struct node_req *waiter;
	bool automatic;
};

/* worker thread: only the view, the snapshot dir (thread-safe) and the
 * job are touched here */
static void job_work(uv_work_t *w)
{
	struct snap_job *j = w->data;
	memset(&j->writer, 0, sizeof j->writer);
	j->rv = kv_snapshot_save(j->view, &j->n->snaps, j->meta.term, j->membership,
				 j->membership_len, 0, &j->writer, &j->info);
	kv_view_release(j->view); /* may free much: done here, not on the loop */
	j->view = NULL;
}

static void fill_item(struct node_snapshot_item *it, const struct snap_info *in)
{
	str_copy(it->filename, sizeof it->filename, in->filename);
	it->index = in->index;
	it->term = in->term;
	it->size = in->size;
	it->created_at = in->created_at;
}

static void job_done(uv_work_t *w, int status)
{
	struct snap_job *j = w->data;
	struct node *n = j->n;
	uint64_t ms = node_mono_ms() - j->started_ms;
	uint64_t first_before = wal_first_index(n->wal), seq;
	char kv[96];

	n->snap_job = NULL;
	free(j->membership);
	if (status != 0 || j->rv != GAIA_OK) {
		node_log(n, NODE_LOG_ERROR, "snap", NULL, "snapshot at %llu failed: %s",
			 (unsigned long long)j->meta.index,
			 status ? "cancelled" : j->writer.errmsg);
		if (j->waiter)
			req_finish(j->waiter, GAIA_EIO, "the snapshot failed: %s",
				   status ? "cancelled" : j->writer.errmsg);
		free(j);
		return;
	}
	/* a snapshot installed from the leader meanwhile may be newer */
	if (j->meta.index >= node_snapshot_index(n))
		str_copy(n->latest_snap, sizeof n->latest_snap, j->info.filename);
	j->meta.size = j->info.size;
	j->meta.file_id = j->info.file_id;
	n->m_snapshots++;
	metrics_hist_observe(&n->m_snap_seconds, (double)ms / 1000.0);
	if (raft_compact(n->raft, &j->meta, n->cfg.trailing_logs) == GAIA_OK &&
	    j->meta.index > n->cfg.trailing_logs)
		wal_compact(n->wal, j->meta.index - n->cfg.trailing_logs, &seq);
	{
		/* the size threshold counts what the log grew since now: the
		 * trailing entries kept must not make every check due */
		struct wal_info wi;
		wal_info(n->wal, &wi);
		n->log_bytes_base = wi.size_bytes;
	}
	snprintf(kv, sizeof kv, "index=%llu size=%llu ms=%llu",
		 (unsigned long long)j->meta.index, (unsigned long long)j->info.size,
		 (unsigned long long)ms);
	node_log(n, NODE_LOG_INFO, "snap", kv, "%s snapshot %s taken; log compacted from %llu",
		 j->automatic ? "automatic" : "requested", j->info.filename,
		 (unsigned long long)first_before);
	if (j->waiter) {
		struct node_req *r = j->waiter;
		r->snaps = calloc(1, sizeof *r->snaps);
		if (r->snaps == NULL) {
			req_finish(r, GAIA_ENOMEM, "out of memory");
		} else {
			fill_item(&r->snaps[0], &j->info);
			r->n_snaps = 1;
			req_finish(r, GAIA_OK, NULL);
		}
	}
	free(j);
}

/* Start a snapshot of the applied state; the waiter (may be NULL) is
 * answered when it is on disk. */
static int snapshot_start(struct node *n, struct node_req *waiter, bool automatic)
{
	struct snap_job *j;
	uint64_t applied = kv_applied_index(n->kv);
	int rv;

	if (n->snap_job != NULL)
		return GAIA_EBUSY;
	if (applied == 0)
		return GAIA_EUNAVAIL;
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return GAIA_ENOMEM;
	j->n = n;
	j->waiter = waiter;
	j->automatic = automatic;
	j->started_ms = node_mono_ms();
	rv = raft_snapshot_meta_at(n->raft, applied, &j->meta);
	if (rv == GAIA_OK)
		rv = kv_freeze(n->kv, &j->view);
	if (rv == GAIA_OK) {
		j->membership = node_membership_encode(n, &j->meta.conf, &j->membership_len);
		if (j->membership == NULL)
			rv = GAIA_ENOMEM;
	}
	if (rv == GAIA_OK) {
		j->work.data = j;
		if (uv_queue_work(&n->loop, &j->work, job_work, job_done) != 0)
			rv = GAIA_EIO;
	}
	if (rv != GAIA_OK) {
		kv_view_release(j->view);
		free(j->membership);
		free(j);
		return rv;
	}
	n->snap_job = j;
	return GAIA_OK;
}

uint64_t node_snapshot_index(struct node *n)
{
	uint64_t idx = 0;
	if (n->latest_snap[0])
		snap_parse_filename(n->latest_snap, &idx, NULL);
	return idx;
}

/* Every snapshot_interval: is a snapshot due by entries or by log size? */
void node_snapshot_policy(struct node *n)
{
	struct wal_info wi;
	uint64_t applied = kv_applied_index(n->kv), last = node_snapshot_index(n);
	if (n->snap_job != NULL || applied <= last || n->stopping)
		return;
	wal_info(n->wal, &wi);
	if (applied - last >= n->cfg.snapshot_threshold ||
	    (n->cfg.log_size_threshold && wi.size_bytes > n->log_bytes_base &&
	     wi.size_bytes - n->log_bytes_base >= n->cfg.log_size_threshold))
		snapshot_start(n, NULL, true);
}

static int list_into(struct node *n, struct node_req *r)
{
	struct snap_list l;
	memset(&l, 0, sizeof l);
	if (snap_list(&n->snaps, &l) != GAIA_OK)
		return errmsg_set(r->errmsg, GAIA_EIO, "%s", l.errmsg);
	if (l.count > 0) {
		r->snaps = calloc(l.count, sizeof *r->snaps);
		if (r->snaps == NULL) {
			snap_list_free(&l);
			return errmsg_set(r->errmsg, GAIA_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < l.count; i++)
			fill_item(&r->snaps[i], &l.items[i]);
		r->n_snaps = l.count;
	}
	snap_list_free(&l);
	return GAIA_OK;
}

static void prune(struct node *n, struct node_req *r)
{
	struct snap_prune_opts o;
	struct snap_prune_result res;
	int rv;
	memset(&o, 0, sizeof o);
	memset(&res, 0, sizeof res);
	o.older_than_seconds = r->older_than_s;
	o.keep = r->keep;
	o.dry_run = r->dry_run;
	rv = snap_prune(&n->snaps, &o, &res);
	if (rv == GAIA_OK || res.deleted.count > 0) {
		if (res.deleted.count > 0) {
			r->snaps = calloc(res.deleted.count, sizeof *r->snaps);
			for (size_t i = 0; r->snaps && i < res.deleted.count; i++)
				fill_item(&r->snaps[i], &res.deleted.items[i]);
			r->n_snaps = r->snaps ? res.deleted.count : 0;
		}
		r->kept = res.kept;
	}
	if (rv != GAIA_OK) {
		req_finish(r, rv, "%s", res.errmsg);
	} else {
		if (!r->dry_run && r->n_snaps > 0)
			node_log(n, NODE_LOG_INFO, "snap", NULL, "pruned %zu snapshots, kept %zu",
				 r->n_snaps, r->kept);
		req_finish(r, GAIA_OK, NULL);
	}
	snap_prune_result_free(&res);
}

static void open_file(struct node *n, struct node_req *r)
{
	char path[CONFIG_STR + 96];
	struct stat st;
	const char *name = r->key;
	uint64_t index = 0;
	int64_t created = 0;
	if (!snap_parse_filename(name, &index, &created)) {
		req_finish(r, GAIA_EINVAL, "'%s' is not a snapshot file name", name);
		return;
	}
	snprintf(path, sizeof path, "%s/%s", n->snap_dir_path, name);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0) {
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		req_finish(r, GAIA_ENOTFOUND, "no snapshot %s on this node", name);
		return;
	}
	r->snaps = calloc(1, sizeof *r->snaps);
	if (r->snaps == NULL) {
		close(r->fd);
		r->fd = -1;
		req_finish(r, GAIA_ENOMEM, "out of memory");
		return;
	}
	str_copy(r->snaps[0].filename, sizeof r->snaps[0].filename, name);
	r->snaps[0].index = index;
	r->snaps[0].size = (uint64_t)st.st_size;
	r->snaps[0].created_at = created;
	r->n_snaps = 1;
	req_finish(r, GAIA_OK, NULL);
}

/* Nothing applied since the latest snapshot: a requested one would hold
 * the same state under another file at the same index (a follower being
 * sent the first would have to start over). Answer with the latest. */
static bool answer_latest(struct node *n, struct node_req *r)
{
	struct snap_list l;
	uint64_t applied = kv_applied_index(n->kv);
	bool done = false;

	if (n->snap_job != NULL || applied == 0 || applied != node_snapshot_index(n))
		return false;
	memset(&l, 0, sizeof l);
	if (snap_list(&n->snaps, &l) != GAIA_OK)
		return false;
	for (size_t i = 0; i < l.count && !done; i++) {
		if (strcmp(l.items[i].filename, n->latest_snap) != 0)
			continue;
		r->snaps = calloc(1, sizeof *r->snaps);
		if (r->snaps == NULL)
			break;
		fill_item(&r->snaps[0], &l.items[i]);
		r->n_snaps = 1;
		done = true;
	}
	snap_list_free(&l);
	if (done)
		req_finish(r, GAIA_OK, NULL);
	return done;
}

void node_dispatch_snapshot(struct node *n, struct node_req *r)
{
	int rv;
	struct wal_info wi;
	switch (r->op) {
	case NODE_OP_SNAPSHOT_TAKE:
		if (answer_latest(n, r))
			break;
		rv = snapshot_start(n, r, false);
		if (rv == GAIA_EBUSY)
			req_finish(r, rv, "a snapshot is already being taken; retry when it is done");
		else if (rv == GAIA_EUNAVAIL)
			req_finish(r, GAIA_EUNAVAIL, "nothing applied yet: no state to snapshot");
		else if (rv != GAIA_OK)
			req_finish(r, rv, "cannot start a snapshot");
		break;
	case NODE_OP_SNAPSHOT_STATUS:
		rv = list_into(n, r);
		r->in_progress = n->snap_job != NULL;
		r->since_snapshot = kv_applied_index(n->kv) - node_snapshot_index(n);
		req_finish(r, rv, NULL);
		break;
	case NODE_OP_SNAPSHOT_PRUNE:
		prune(n, r);
		break;
	case NODE_OP_SNAPSHOT_OPEN:
		open_file(n, r);
		break;
	case NODE_OP_LOG_INFO:
		node_fill_status(n, &r->status);
		wal_info(n->wal, &wi);
		r->count = wi.segments;
		req_finish(r, GAIA_OK, NULL);
		break;
	default:
		req_finish(r, GAIA_EINVAL, "unknown operation %d", r->op);
	}
}
