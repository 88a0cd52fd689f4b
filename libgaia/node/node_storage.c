/* Opening a node's data dir: the lock, node.json, the latest snapshot, the
 * WAL, and the core loaded from them; reading snapshot bytes for sending. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/node_internal.h"

static int mkdir_p(const char *path, char *errmsg)
{
	char tmp[CONFIG_STR + 64];
	str_copy(tmp, sizeof tmp, path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
			return errmsg_set(errmsg, GAIA_EIO, "cannot create %s: %s", tmp,
					  strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
		return errmsg_set(errmsg, GAIA_EIO, "cannot create %s: %s", tmp,
				  strerror(errno));
	return GAIA_OK;
}

static int lock_data_dir(struct node *n, char *errmsg)
{
	char path[CONFIG_STR + 16], pid[32];
	snprintf(path, sizeof path, "%s/LOCK", n->cfg.data_dir);
	n->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (n->lock_fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "cannot open %s: %s", path,
				  strerror(errno));
	if (flock(n->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t k = pread(n->lock_fd, pid, sizeof pid - 1, 0);
		pid[k > 0 ? k : 0] = 0;
		close(n->lock_fd);
		n->lock_fd = -1;
		return errmsg_set(errmsg, GAIA_EBUSY,
				  "data dir %s is in use by another gaia_go (pid %s)",
				  n->cfg.data_dir, pid[0] ? pid : "?");
	}
	snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(n->lock_fd, 0) != 0 ||
	    pwrite(n->lock_fd, pid, strlen(pid), 0) < 0)
		return errmsg_set(errmsg, GAIA_EIO, "cannot write %s", path);
	return GAIA_OK;
}

/* node.json: the node id and cluster id, written at bootstrap, at the
 * first join or by an offline restore; the Raft id of this incarnation
 * (raft_id; absent: the name's first, node_id_from_name); and a copy of
 * the latest term and vote (see node_vote_copy). */
static int identity_store(const char *data_dir, const char *name, uint64_t cluster_id,
			  uint64_t term, uint64_t vote, raft_id raft_id, char *errmsg)
{
	char path[CONFIG_STR + 16], tmp[CONFIG_STR + 32], idbuf[32], votebuf[32], rid[32];
	json_t *o;
	int fd, rv = GAIA_OK;
	snprintf(path, sizeof path, "%s/node.json", data_dir);
	snprintf(tmp, sizeof tmp, "%s/node.json.tmp", data_dir);
	snprintf(idbuf, sizeof idbuf, "%016llx", (unsigned long long)cluster_id);
	snprintf(votebuf, sizeof votebuf, "%016llx", (unsigned long long)vote);
	o = json_pack("{s:s, s:s, s:i, s:I, s:s}", "node_id", name, "cluster_id", idbuf,
		      "format", 1, "term", (json_int_t)term, "vote", votebuf);
	if (o == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	snprintf(rid, sizeof rid, "%016llx", (unsigned long long)raft_id);
	if (raft_id != 0 && json_object_set_new(o, "raft_id", json_string(rid)) != 0) {
		rv = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
		goto out;
	}
	if (json_dump_file(o, tmp, JSON_INDENT(2)) != 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "cannot write %s", tmp);
		goto out;
	}
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0 || rename(tmp, path) != 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "cannot store %s: %s", path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/* the rename is durable only once the directory is: a failure here
	 * is a failed sync like the WAL's */
	fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "cannot sync directory %s: %s", data_dir,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
out:
	json_decref(o);
	return rv;
}

int node_identity_store(const char *data_dir, const char *name, uint64_t cluster_id,
			char *errmsg)
{
	return identity_store(data_dir, name, cluster_id, 0, 0, 0, errmsg);
}

int node_write_identity(struct node *n, char *errmsg)
{
	return identity_store(n->cfg.data_dir, n->name, n->cluster_id, n->copy_term,
			      n->copy_vote, n->id, errmsg);
}

/* The term and vote live in the WAL's hard state; an operator who deletes
 * raft_logs (the guide's remedy for a node that will not rejoin) would
 * lose them, and the node could vote twice in a term. node.json keeps a
 * copy, written (synced) before any message of a new term or vote
 * leaves; elections are rare, so this costs nothing in steady state. */
int node_vote_copy(struct node *n, uint64_t term, uint64_t vote, char *errmsg)
{
	if (term == n->copy_term && vote == n->copy_vote)
		return GAIA_OK;
	if (n->cluster_id == 0 && term == 0)
		return GAIA_OK;
	n->copy_term = term;
	n->copy_vote = vote;
	return node_write_identity(n, errmsg);
}

static int read_identity(struct node *n, char *errmsg)
{
	char path[CONFIG_STR + 16];
	json_error_t jerr;
	json_t *o;
	const char *id = NULL, *cid = NULL;
	snprintf(path, sizeof path, "%s/node.json", n->cfg.data_dir);
	if (access(path, F_OK) != 0)
		return GAIA_ENOTFOUND;
	o = json_load_file(path, 0, &jerr);
	if (o == NULL || json_unpack(o, "{s:s, s:s}", "node_id", &id, "cluster_id", &cid) != 0) {
		json_decref(o);
		return errmsg_set(errmsg, GAIA_ECORRUPT, "%s is not valid: %s", path,
				  o ? "missing node_id or cluster_id" : jerr.text);
	}
	if (strcmp(id, n->name) != 0) {
		errmsg_set(errmsg, GAIA_EINVAL,
			   "data dir %s belongs to node '%s', not '%s'",
			   n->cfg.data_dir, id, n->name);
		json_decref(o);
		return GAIA_EINVAL;
	}
	n->cluster_id = strtoull(cid, NULL, 16);
	{
		/* this incarnation's id; none: written before incarnations, the
		 * name's first */
		const char *rid = json_string_value(json_object_get(o, "raft_id"));
		n->id = rid ? strtoull(rid, NULL, 16) : 0;
		if (n->id == 0)
			n->id = node_id_from_name(n->name);
	}
	{
		json_t *t = json_object_get(o, "term");
		const char *v = json_string_value(json_object_get(o, "vote"));
		if (json_is_integer(t) && json_integer_value(t) > 0) {
			n->copy_term = (uint64_t)json_integer_value(t);
			n->copy_vote = v ? strtoull(v, NULL, 16) : 0;
		}
	}
	json_decref(o);
	return GAIA_OK;
}

static void wal_log(void *ud, int level, const char *msg)
{
	node_log(ud, level, "wal", NULL, "%s", msg);
}

static void wal_notify(void *ud)
{
	(void)ud; /* the loop watches the WAL's eventfd */
}

/* The membership blob of a snapshot: the configuration with the address
 * book as its context. */
uint8_t *node_membership_encode(struct node *n, const struct raft_conf *conf,
				size_t *len)
{
	struct raft_conf_change cc;
	struct raft_buf *b;
	size_t blen = 0;
	uint8_t *book = book_encode_all(&n->book, &blen), *out;
	if (book == NULL)
		return NULL;
	memset(&cc, 0, sizeof cc);
	cc.conf = *conf;
	cc.ctx = book;
	cc.ctx_len = (uint32_t)blen;
	b = raft_conf_encode(&cc);
	free(book);
	if (b == NULL)
		return NULL;
	out = malloc(b->len);
	if (out != NULL)
		memcpy(out, b->data, b->len);
	*len = b->len;
	raft_buf_unref(b);
	return out;
}

int node_membership_decode(struct node *n, const uint8_t *p, size_t len,
			   struct raft_conf *conf)
{
	struct raft_conf_change cc;
	if (raft_conf_decode(p, len, &cc) != GAIA_OK)
		return GAIA_ECORRUPT;
	*conf = cc.conf;
	book_ctx_merge(&n->book, cc.ctx, cc.ctx_len);
	return GAIA_OK;
}

/* Restore the newest snapshot into the KV; fill meta (index 0: none). */
static int load_snapshot(struct node *n, struct raft_snapshot_meta *meta,
			 char *errmsg)
{
	struct snap_list list;
	struct snap_reader rd;
	char path[CONFIG_STR + 96];
	int rv;

	memset(meta, 0, sizeof *meta);
	memset(&list, 0, sizeof list);
	if (snap_list(&n->snaps, &list) != GAIA_OK)
		return errmsg_set(errmsg, GAIA_EIO, "%s", list.errmsg);
	if (list.count == 0) {
		snap_list_free(&list);
		return GAIA_OK;
	}
	snprintf(path, sizeof path, "%s/%s", n->snap_dir_path, list.items[0].filename);
	memset(&rd, 0, sizeof rd);
	rv = snap_reader_open(&rd, path);
	if (rv == GAIA_OK)
		rv = kv_restore(n->kv, &rd);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, GAIA_ECORRUPT, "cannot restore snapshot %s: %s",
			   path, rd.errmsg[0] ? rd.errmsg : kv_errmsg(n->kv));
		snap_reader_close(&rd);
		snap_list_free(&list);
		return GAIA_ECORRUPT;
	}
	meta->index = rd.info.index;
	meta->term = rd.info.term;
	meta->size = list.items[0].size;
	if (snap_file_id(path, &meta->file_id, errmsg) != GAIA_OK) {
		snap_reader_close(&rd);
		snap_list_free(&list);
		return GAIA_ECORRUPT;
	}
	if (node_membership_decode(n, rd.membership, rd.membership_len, &meta->conf) != GAIA_OK) {
		errmsg_set(errmsg, GAIA_ECORRUPT, "snapshot %s has a bad membership", path);
		snap_reader_close(&rd);
		snap_list_free(&list);
		return GAIA_ECORRUPT;
	}
	str_copy(n->latest_snap, sizeof n->latest_snap, list.items[0].filename);
	node_log(n, NODE_LOG_INFO, "snap", NULL, "restored snapshot %s (index %llu, %llu keys)",
		 list.items[0].filename, (unsigned long long)meta->index,
		 (unsigned long long)kv_count(n->kv));
	snap_reader_close(&rd);
	snap_list_free(&list);
	return GAIA_OK;
}

static int load_log(struct node *n, const struct raft_snapshot_meta *snap,
		    char *errmsg)
{
	struct wal_batch b = WAL_BATCH_INIT;
	struct wal_hardstate whs;
	struct raft_hard_state hs;
	struct raft_entry *ents = NULL;
	size_t n_ents = 0;
	uint64_t first = wal_first_index(n->wal), last = wal_last_index(n->wal);
	uint64_t seq;
	int rv = GAIA_OK;

	if (snap->index > 0 && (last < snap->index || first > snap->index + 1)) {
		/* the log does not reach the snapshot (raft_logs removed, or a
		 * crash during a reset): start it after the snapshot */
		node_log(n, NODE_LOG_WARN, "wal", NULL,
			 "log %llu..%llu does not reach snapshot %llu: starting the log after it",
			 (unsigned long long)first, (unsigned long long)last,
			 (unsigned long long)snap->index);
		if (wal_reset(n->wal, snap->index + 1, &seq) != GAIA_OK ||
		    wal_sync(n->wal, NULL) != GAIA_OK)
			return errmsg_set(errmsg, GAIA_EIO, "%s", wal_errmsg(n->wal));
		first = wal_first_index(n->wal);
		last = wal_last_index(n->wal);
	}
	if (last >= first) {
		ents = calloc((size_t)(last - first + 1), sizeof *ents);
		if (ents == NULL)
			return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory loading the log");
	}
	for (uint64_t i = first; i <= last && last >= first;) {
		rv = wal_read(n->wal, i, last, 64u << 20, &b);
		if (rv != GAIA_OK) {
			errmsg_set(errmsg, rv, "reading the log: %s", wal_errmsg(n->wal));
			goto out;
		}
		for (size_t k = 0; k < b.n; k++) {
			struct raft_entry *e = &ents[n_ents++];
			e->index = b.ents[k].index;
			e->term = b.ents[k].term;
			e->type = b.ents[k].type;
			e->buf = b.ents[k].len ? raft_buf_new(b.ents[k].data, b.ents[k].len) : NULL;
			if (b.ents[k].len && e->buf == NULL) {
				rv = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
				goto out;
			}
		}
		i += b.n;
	}
	wal_hardstate_load(n->wal, &whs);
	hs.term = whs.term;
	hs.vote = whs.vote;
	hs.commit = whs.commit;
	/* A log started after the snapshot (a restored backup, or raft_logs
	 * removed) comes without a hard state: never run at a term below the
	 * snapshot's, or a new leader would append entries of a lower term
	 * after it. */
	if (snap->index > 0 && hs.term < snap->term) {
		hs.term = snap->term;
		hs.vote = 0;
	}
	/* raft_logs deleted (or older than node.json's copy): the term and
	 * vote copied in node.json keep this node from voting twice */
	if (n->copy_term > hs.term) {
		node_log(n, NODE_LOG_WARN, "wal", NULL,
			 "the log's hard state (term %llu) is behind node.json's copy (term %llu): "
			 "raft_logs were lost; resuming at term %llu with its vote",
			 (unsigned long long)hs.term, (unsigned long long)n->copy_term,
			 (unsigned long long)n->copy_term);
		hs.term = n->copy_term;
		hs.vote = n->copy_vote;
	}
	rv = raft_load(n->raft, &hs, snap->index ? snap : NULL, ents, n_ents);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, rv, "loading the log: %s", raft_errmsg(n->raft));
		goto out;
	}
	for (size_t k = 0; k < n_ents; k++)
		node_conf_entry_seen(n, &ents[k]);
out:
	for (size_t k = 0; k < n_ents; k++)
		raft_buf_unref(ents[k].buf);
	free(ents);
	wal_batch_free(&b);
	return rv;
}

static int bootstrap(struct node *n, char *errmsg)
{
	struct raft_conf conf;
	struct node_member self;
	uint8_t *ctx;
	size_t len;
	int rv;

	if (n->cluster_id == 0 &&
	    getrandom(&n->cluster_id, sizeof n->cluster_id, 0) != sizeof n->cluster_id)
		return errmsg_set(errmsg, GAIA_EIO, "no randomness for a cluster id");
	if (n->cluster_id == 0)
		n->cluster_id = 1;
	memset(&conf, 0, sizeof conf);
	conf.n = 1;
	conf.servers[0].id = n->id;
	conf.servers[0].role = RAFT_VOTER;
	memset(&self, 0, sizeof self);
	self.id = n->id;
	str_copy(self.name, sizeof self.name, n->name);
	str_copy(self.raft_addr, sizeof self.raft_addr, n->cfg.advertise_addr);
	str_copy(self.api_addr, sizeof self.api_addr, n->api_addr);
	ctx = book_ctx_encode(&self, 1, &len);
	if (ctx == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	raft_set_cluster_id(n->raft, n->cluster_id);
	rv = raft_bootstrap_ctx(n->raft, &conf, ctx, len);
	free(ctx);
	if (rv != GAIA_OK)
		return errmsg_set(errmsg, rv, "bootstrap: %s", raft_errmsg(n->raft));
	book_put(&n->book, &self);
	rv = node_write_identity(n, errmsg);
	if (rv == GAIA_OK)
		node_log(n, NODE_LOG_INFO, "node", NULL,
			 "bootstrapped a new cluster %016llx with this node as its only voter",
			 (unsigned long long)n->cluster_id);
	return rv;
}

int node_bootstrap_now(struct node *n, char *errmsg)
{
	int rv;
	if (n->cluster_id != 0 || raft_last_index(n->raft) != 0)
		return errmsg_set(errmsg, GAIA_EEXIST, "this node already has a cluster");
	rv = bootstrap(n, errmsg);
	if (rv != GAIA_OK)
		return rv;
	net_set_cluster_id(n->net, n->cluster_id);
	node_pump(n);
	return GAIA_OK;
}

int node_storage_open(struct node *n, char *errmsg)
{
	struct wal_options wo;
	struct kv_options ko;
	struct raft_options ro;
	struct raft_snapshot_meta snap;
	struct node_member self;
	struct wal_hardstate whs;
	bool seeded;
	int rv;

	rv = mkdir_p(n->cfg.data_dir, errmsg);
	if (rv != GAIA_OK)
		return rv;
	rv = lock_data_dir(n, errmsg);
	if (rv != GAIA_OK)
		return rv;
	rv = read_identity(n, errmsg);
	if (rv != GAIA_OK && rv != GAIA_ENOTFOUND)
		return rv;
	if (rv == GAIA_ENOTFOUND) {
		/* a new (or wiped) data dir: the name's first incarnation, or a
		 * new one for a node added back after its removal, kept at once */
		n->id = node_id_from_name(n->name);
		if (n->fresh_identity &&
		    ((rv = node_id_fresh(n->name, &n->id, errmsg)) != GAIA_OK ||
		     (rv = node_write_identity(n, errmsg)) != GAIA_OK))
			return rv;
	}
	snprintf(n->raft_dir, sizeof n->raft_dir, "%s/raft_logs", n->cfg.data_dir);
	snprintf(n->snap_dir_path, sizeof n->snap_dir_path, "%s/snapshots", n->cfg.data_dir);
	if (snap_dir_init(&n->snaps, n->snap_dir_path) != GAIA_OK)
		return errmsg_set(errmsg, GAIA_EIO, "%s", n->snaps.errmsg);
	n->snaps_open = true;
	{
		/* temp files and half-received snapshots left by a crash */
		size_t removed = 0;
		snap_cleanup_temps(&n->snaps, &removed);
		if (removed > 0)
			node_log(n, NODE_LOG_INFO, "snap", NULL,
				 "removed %zu unfinished snapshot file(s) left by an earlier run",
				 removed);
	}

	wal_options_init(&wo);
	wo.log = wal_log;
	wo.log_ud = n;
	wo.notify = wal_notify;
	if (n->cfg.wal_segment_size)
		wo.segment_size = n->cfg.wal_segment_size;
	rv = wal_open(n->raft_dir, &wo, &n->wal, errmsg);
	if (rv != GAIA_OK)
		return rv;

	memset(&ko, 0, sizeof ko);
	ko.limits = KV_LIMITS_DEFAULT;
	if (n->cfg.max_value_bytes)
		ko.limits.max_value = n->cfg.max_value_bytes;
	rv = kv_create(&ko, &n->kv);
	if (rv != GAIA_OK)
		return errmsg_set(errmsg, rv, "cannot create the key-value state");

	memset(&self, 0, sizeof self);
	self.id = n->id;
	str_copy(self.name, sizeof self.name, n->name);
	str_copy(self.raft_addr, sizeof self.raft_addr, n->cfg.advertise_addr);
	str_copy(self.api_addr, sizeof self.api_addr, n->api_addr);
	book_put(&n->book, &self);

	rv = load_snapshot(n, &snap, errmsg);
	if (rv != GAIA_OK)
		return rv;

	raft_options_default(&ro);
	ro.id = n->id;
	ro.cluster_id = n->cluster_id;
	ro.heartbeat_ticks = 1;
	ro.election_ticks = (uint32_t)(n->cfg.election_timeout_ms / n->tick_ms);
	if (ro.election_ticks < 2)
		ro.election_ticks = 2;
	ro.storage.ud = n;
	ro.storage.snapshot_read = node_snapshot_read;
	if (getrandom(&ro.seed, sizeof ro.seed, 0) != sizeof ro.seed)
		ro.seed = (uint64_t)node_now_ms() ^ n->id;
	n->raft = raft_new(&ro);
	if (n->raft == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "cannot create the consensus core");
	wal_hardstate_load(n->wal, &whs);
	/* gaia-snap restore's data dir: a snapshot, node.json, nothing run */
	seeded = snap.index > 0 && whs.term == 0 && wal_last_index(n->wal) < wal_first_index(n->wal) &&
		 snap.conf.n == 1 && snap.conf.servers[0].id == n->id;
	rv = load_log(n, &snap, errmsg);
	if (rv != GAIA_OK)
		return rv;
	book_put(&n->book, &self); /* our own addresses win over old ones */
	node_check_removed(n);
	if (raft_last_index(n->raft) == 0 && snap.index == 0) {
		if (n->cfg.bootstrap)
			return bootstrap(n, errmsg);
		node_log(n, NODE_LOG_INFO, "node", NULL,
			 "no state and no CLUSTER_BOOTSTRAP: waiting to be added to a cluster");
	} else if (seeded) {
		/* Started like any node with state; only said differently. */
		node_log(n, NODE_LOG_INFO, "node", NULL,
			 "starting cluster %016llx from snapshot %s (index %llu, %llu keys) with "
			 "no log yet and this node as its only voter",
			 (unsigned long long)n->cluster_id, n->latest_snap,
			 (unsigned long long)snap.index, (unsigned long long)kv_count(n->kv));
	} else if (n->cfg.bootstrap) {
		node_log(n, NODE_LOG_INFO, "node", NULL,
			 "CLUSTER_BOOTSTRAP ignored: this node already has state");
	}
	return GAIA_OK;
}

void node_storage_close(struct node *n)
{
	if (n->snap_read_fd >= 0) {
		close(n->snap_read_fd);
		n->snap_read_fd = -1;
	}
	if (n->wal != NULL) {
		wal_sync(n->wal, NULL);
		wal_close(n->wal);
		n->wal = NULL;
	}
	if (n->kv != NULL) {
		kv_destroy(n->kv);
		n->kv = NULL;
	}
	if (n->snaps_open) {
		snap_dir_close(&n->snaps);
		n->snaps_open = false;
	}
	raft_free(n->raft);
	n->raft = NULL;
	if (n->recv_fd > 0) {
		close(n->recv_fd);
		unlink(n->recv_path);
		n->recv_fd = -1;
	}
	if (n->lock_fd >= 0) {
		close(n->lock_fd);
		n->lock_fd = -1;
	}
}

int node_snapshot_read(void *ud, uint64_t index, uint64_t offset, void *buf,
		       size_t len, size_t *got)
{
	struct node *n = ud;
	char path[CONFIG_STR + 96];
	uint64_t sidx = 0;
	ssize_t k;
	if (!snap_parse_filename(n->latest_snap, &sidx, NULL) || sidx != index)
		return -1;
	/* one open file for every chunk of the transfers of a snapshot */
	if (n->snap_read_fd >= 0 && strcmp(n->snap_read_name, n->latest_snap) != 0) {
		close(n->snap_read_fd);
		n->snap_read_fd = -1;
	}
	if (n->snap_read_fd < 0) {
		snprintf(path, sizeof path, "%s/%s", n->snap_dir_path, n->latest_snap);
		n->snap_read_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (n->snap_read_fd < 0)
			return -1;
		str_copy(n->snap_read_name, sizeof n->snap_read_name, n->latest_snap);
	}
	k = pread(n->snap_read_fd, buf, len, (off_t)offset);
	if (k < 0)
		return -1;
	*got = (size_t)k;
	return 0;
}
