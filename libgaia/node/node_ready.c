/* Processing Ready batches: messages out at once, snapshot chunks stored,
 * hard state and entries handed to the WAL writer; once the WAL reports
 * them durable, acknowledgements out, committed entries applied, the core
 * advanced. The loop never waits on the disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/node_internal.h"

void node_fatal(struct node *n, const char *what, const char *why)
{
	bool first = !n->fatal;
	node_log(n, NODE_LOG_ERROR, "node", NULL, "%s: %s; stopping", what, why);
	n->stop_requested = true;
	n->stopping = true;
	n->fatal = true;
	__atomic_store_n(&n->failed, 1, __ATOMIC_RELEASE);
	if (first && n->o_on_fatal != NULL)
		n->o_on_fatal(n->o_fatal_ud);
}

static int store_chunk(struct node *n, const struct raft_snap_chunk *c)
{
	const uint8_t *p = c->data ? c->data->data : NULL;
	size_t left = c->data ? c->data->len : 0;
	off_t off = (off_t)c->offset;
	if (c->offset == 0) {
		if (n->recv_fd > 0) {
			close(n->recv_fd);
			unlink(n->recv_path);
		}
		snprintf(n->recv_path, sizeof n->recv_path, "%s/" SNAP_RECEIVING_PREFIX "%llu.part",
			 n->snap_dir_path, (unsigned long long)c->meta.index);
		n->recv_fd = open(n->recv_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (n->recv_fd < 0)
			return -1;
		node_log(n, NODE_LOG_INFO, "snap", NULL,
			 "receiving snapshot %llu (%llu bytes) from the leader",
			 (unsigned long long)c->meta.index, (unsigned long long)c->meta.size);
	}
	if (n->recv_fd <= 0)
		return -1;
	while (left > 0) {
		ssize_t k = pwrite(n->recv_fd, p, left, off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		left -= (size_t)k;
		off += k;
	}
	return 0;
}

/* The assembled snapshot becomes ours: verified, renamed into place,
 * restored into the KV; the log restarts after it. */
static int install(struct node *n, const struct raft_snapshot_meta *meta)
{
	char final[SNAP_FILENAME_MAX], path[CONFIG_STR + 96], err[GAIA_ERRMSG_SIZE];
	struct snap_info info;
	struct snap_reader rd;
	struct raft_conf conf;
	uint64_t seq;
	int dfd, rv;

	if (n->recv_fd <= 0 || fsync(n->recv_fd) != 0)
		return -1;
	close(n->recv_fd);
	n->recv_fd = -1;
	if (snap_verify(n->recv_path, &info, err) != GAIA_OK) {
		node_log(n, NODE_LOG_ERROR, "snap", NULL, "received snapshot is bad: %s", err);
		return -1;
	}
	snap_format_filename(final, meta->index, info.created_at);
	snprintf(path, sizeof path, "%s/%s", n->snap_dir_path, final);
	if (rename(n->recv_path, path) != 0)
		return -1;
	dfd = open(n->snap_dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		node_log(n, NODE_LOG_ERROR, "snap", NULL, "cannot sync directory %s: %s",
			 n->snap_dir_path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	close(dfd);
	memset(&rd, 0, sizeof rd);
	rv = snap_reader_open(&rd, path);
	if (rv == GAIA_OK)
		rv = kv_restore(n->kv, &rd);
	if (rv == GAIA_OK)
		rv = node_membership_decode(n, rd.membership, rd.membership_len, &conf);
	snap_reader_close(&rd);
	if (rv != GAIA_OK)
		return -1;
	str_copy(n->latest_snap, sizeof n->latest_snap, final);
	if (wal_reset(n->wal, meta->index + 1, &seq) != GAIA_OK)
		return -1;
	n->rd_seq = seq;
	node_log(n, NODE_LOG_INFO, "snap", NULL,
		 "installed snapshot %s from the leader (index %llu, %llu keys)", final,
		 (unsigned long long)meta->index, (unsigned long long)kv_count(n->kv));
	return 0;
}

static int persist(struct node *n, struct raft_ready *rd)
{
	uint64_t seq;
	if (rd->has_hard_state) {
		struct wal_hardstate hs = {rd->hard_state.term, rd->hard_state.vote,
					   rd->hard_state.commit};
		char err[GAIA_ERRMSG_SIZE];
		if (wal_hardstate_save(n->wal, &hs, &seq) != GAIA_OK)
			return -1;
		n->rd_seq = seq;
		if (node_vote_copy(n, hs.term, hs.vote, err) != GAIA_OK) {
			node_log(n, NODE_LOG_ERROR, "node", NULL, "%s", err);
			return -1;
		}
	}
	if (rd->n_entries > 0) {
		struct wal_entry stack[64], *we = stack;
		uint64_t first = rd->entries[0].index;
		if (first <= wal_last_index(n->wal)) {
			if (wal_truncate_suffix(n->wal, first, &seq) != GAIA_OK)
				return -1;
			n->rd_seq = seq;
		}
		if (rd->n_entries > 64) {
			we = malloc(rd->n_entries * sizeof *we);
			if (we == NULL)
				return -1;
		}
		for (size_t i = 0; i < rd->n_entries; i++) {
			const struct raft_entry *e = &rd->entries[i];
			we[i] = (struct wal_entry){e->index, e->term, e->type,
						   e->buf ? e->buf->data : NULL,
						   e->buf ? e->buf->len : 0};
			if (e->type == RAFT_ENTRY_CONF)
				node_conf_entry_seen(n, e);
		}
		int rv = wal_append(n->wal, we, rd->n_entries, &seq);
		if (we != stack)
			free(we);
		if (rv != GAIA_OK)
			return -1;
		n->rd_seq = seq;
	}
	return 0;
}

static void finish(struct node *n)
{
	struct raft_ready *rd = &n->rd;
	for (size_t i = 0; i < rd->n_msgs_after; i++)
		net_send(n->net, &rd->msgs_after[i]);
	node_apply_entries(n, rd->committed, rd->n_committed);
	node_reads_released(n, rd->reads, rd->n_reads);
	raft_advance(n->raft, rd);
	n->rd_pending = false;
	n->rd_seq = 0;
	node_serve_ready_reads(n);
}

void node_pump(struct node *n)
{
	while (!n->rd_pending && !n->fatal && raft_has_ready(n->raft)) {
		struct raft_ready *rd = &n->rd;
		if (raft_ready(n->raft, rd) != GAIA_OK) {
			node_fatal(n, "consensus core", raft_errmsg(n->raft));
			return;
		}
		n->rd_pending = true;
		n->rd_seq = 0;
		for (size_t i = 0; i < rd->n_msgs; i++)
			net_send(n->net, &rd->msgs[i]);
		for (size_t i = 0; i < rd->n_snap_chunks; i++)
			if (store_chunk(n, &rd->snap_chunks[i]) != 0) {
				node_fatal(n, "storing a snapshot chunk", strerror(errno));
				return;
			}
		if (rd->has_install && install(n, &rd->install) != 0) {
			node_fatal(n, "installing the snapshot from the leader",
			      wal_errmsg(n->wal)[0] ? wal_errmsg(n->wal) : "see above");
			return;
		}
		if (persist(n, rd) != 0) {
			node_fatal(n, "writing the log", wal_errmsg(n->wal));
			return;
		}
		if (n->rd_seq == 0)
			finish(n);
		else
			node_on_wal(n);
	}
}

void node_on_wal(struct node *n)
{
	struct wal_progress p;
	if (n->wal == NULL)
		return;
	if (wal_poll_completions(n->wal, &p) != GAIA_OK) {
		node_fatal(n, "the write-ahead log failed", wal_errmsg(n->wal));
		return;
	}
	if (n->rd_pending && n->rd_seq != 0 && p.done_seq >= n->rd_seq) {
		finish(n);
		node_pump(n);
	}
}
