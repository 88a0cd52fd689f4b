/* Backups offline (gaia-snap inspect and restore): check a snapshot file the way a starting node would, and seed an empty data dir from it as a new one-node cluster. */
/*
 * Both live with the node, not in libgaia/snap, because they need what only
 * the node knows: how the membership blob is encoded (configuration plus
 * address book), how a state is checked when loaded (kv_restore), and how a
 * data dir is laid out (node.json, snapshots/).
 *
 * A seeded data dir holds node.json (the new node id and a fresh cluster
 * id) and snapshots/<one file>: the backup's records, index and term, with
 * a configuration of just the new node as a voter. There is no raft_logs/
 * yet; node_storage_open() starts the log after the snapshot (as after
 * "rm -rf raft_logs") and the node, the only voter, elects itself.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/node_internal.h"

/* The configuration of a membership blob, with member names from its
 * address book (a server without one is named by its id in hex). */
static int describe_membership(const uint8_t *blob, size_t len, struct node_backup_info *out)
{
	struct raft_conf_change cc;
	struct node_book book;

	if (raft_conf_decode(blob, len, &cc) != GAIA_OK)
		return GAIA_ECORRUPT;
	memset(&book, 0, sizeof book);
	book_ctx_merge(&book, cc.ctx, cc.ctx_len);
	out->n_members = 0;
	for (uint32_t i = 0; i < cc.conf.n && i < RAFT_MAX_SERVERS; i++) {
		struct node_backup_member *m = &out->members[out->n_members++];
		const struct node_member *b = book_get(&book, cc.conf.servers[i].id);

		memset(m, 0, sizeof *m);
		m->voter = cc.conf.servers[i].role == RAFT_VOTER;
		if (b != NULL && b->name[0]) {
			str_copy(m->name, sizeof m->name, b->name);
			str_copy(m->raft_addr, sizeof m->raft_addr, b->raft_addr);
			str_copy(m->api_addr, sizeof m->api_addr, b->api_addr);
		} else {
			snprintf(m->name, sizeof m->name, "#%016" PRIx64, (uint64_t)cc.conf.servers[i].id);
		}
	}
	out->n_removed = cc.conf.n_removed;
	return GAIA_OK;
}

/* Read and check the whole file at path into a state, as a node loading
 * it would; *kv and *view are the caller's to free on success. */
static int load(const char *path, struct node_backup_info *out, struct kv **kv,
		struct kv_view **view, char *errmsg)
{
	struct snap_reader rd;
	struct kv_options ko;
	int rv;

	*kv = NULL;
	*view = NULL;
	memset(out, 0, sizeof *out);
	rv = snap_reader_open(&rd, path);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, rv, "%s", rd.errmsg);
		goto err_after_open;
	}
	out->snap = rd.info;
	if (describe_membership(rd.membership, rd.membership_len, out) != GAIA_OK) {
		rv = errmsg_set(errmsg, GAIA_ECORRUPT,
				"%s: the membership in the header (%zu bytes) cannot be decoded",
				path, rd.membership_len);
		goto err_after_open;
	}
	memset(&ko, 0, sizeof ko);
	ko.limits = KV_LIMITS_DEFAULT;
	rv = kv_create(&ko, kv);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, rv, "out of memory");
		goto err_after_open;
	}
	rv = kv_restore(*kv, &rd);
	if (rv != GAIA_OK) {
		const char *m = kv_errmsg(*kv);

		/* a reader's message names the file already; a record check's not */
		if (strncmp(m, "restore: ", 9) == 0)
			errmsg_set(errmsg, rv, "%s", m + 9);
		else
			errmsg_set(errmsg, rv, "%s: %s", path, m);
		goto err_after_kv;
	}
	rv = kv_freeze(*kv, view);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, rv, "out of memory");
		goto err_after_kv;
	}
	out->keys = kv_view_count(*view);
	out->digest = kv_digest(*view);
	out->snap.size = rd.info.size;
	snap_reader_close(&rd);
	return GAIA_OK;

err_after_kv:
	kv_destroy(*kv);
	*kv = NULL;
err_after_open:
	snap_reader_close(&rd);
	return rv;
}

int node_backup_inspect(const char *path, struct node_backup_info *out, char *errmsg)
{
	struct kv *kv;
	struct kv_view *view;
	int rv = load(path, out, &kv, &view, errmsg);

	if (rv != GAIA_OK)
		return rv;
	kv_view_release(view);
	kv_destroy(kv);
	return GAIA_OK;
}

static bool node_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= NODE_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/* GAIA_OK if dir is missing (*created: made here) or an empty directory;
 * GAIA_EEXIST naming an entry if not empty. */
static int prepare_dir(const char *dir, bool *created, char *errmsg)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	*created = false;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT)
			return errmsg_set(errmsg, GAIA_EIO, "data dir %s: %s", dir, strerror(errno));
		if (mkdir(dir, 0750) != 0)
			return errmsg_set(errmsg, GAIA_EIO, "cannot create data dir %s: %s", dir,
					  strerror(errno));
		*created = true;
		return GAIA_OK;
	}
	if (!S_ISDIR(st.st_mode))
		return errmsg_set(errmsg, GAIA_EEXIST, "data dir %s exists and is not a directory",
				  dir);
	d = opendir(dir);
	if (d == NULL)
		return errmsg_set(errmsg, GAIA_EIO, "cannot read data dir %s: %s", dir,
				  strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		errmsg_set(errmsg, GAIA_EEXIST,
			   "data dir %s is not empty (it holds '%s'): restore only seeds an empty "
			   "one; nothing was changed",
			   dir, de->d_name);
		closedir(d);
		return GAIA_EEXIST;
	}
	closedir(d);
	return GAIA_OK;
}

/* The membership of the new cluster: only this node, a voter. Its
 * addresses are not known offline; the node adds its own when it starts. */
static uint8_t *single_membership(const char *name, size_t *len)
{
	struct raft_conf_change cc;
	struct node_member self;
	struct raft_buf *b;
	uint8_t *ctx, *out = NULL;
	size_t ctx_len = 0;

	memset(&self, 0, sizeof self);
	self.id = node_id_from_name(name);
	str_copy(self.name, sizeof self.name, name);
	ctx = book_ctx_encode(&self, 1, &ctx_len);
	if (ctx == NULL)
		return NULL;
	memset(&cc, 0, sizeof cc);
	cc.conf.n = 1;
	cc.conf.servers[0].id = self.id;
	cc.conf.servers[0].role = RAFT_VOTER;
	cc.ctx = ctx;
	cc.ctx_len = (uint32_t)ctx_len;
	b = raft_conf_encode(&cc);
	free(ctx);
	if (b == NULL)
		return NULL;
	out = malloc(b->len);
	if (out != NULL) {
		memcpy(out, b->data, b->len);
		*len = b->len;
	}
	raft_buf_unref(b);
	return out;
}

/* Remove what a failed restore made inside dir (and dir if it made it). */
static void undo(const char *dir, bool created)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "%s/snapshots", dir);
	d = opendir(path);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char f[PATH_MAX + NAME_MAX + 2];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(f, sizeof f, "%s/%s", path, de->d_name);
			unlink(f);
		}
		closedir(d);
		rmdir(path);
	}
	snprintf(path, sizeof path, "%s/node.json", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/node.json.tmp", dir);
	unlink(path);
	if (created)
		rmdir(dir);
}

int node_backup_restore(const char *path, const char *data_dir, const char *node_id,
			struct node_backup_info *out, char *errmsg)
{
	char snapdir[PATH_MAX];
	struct snap_dir sd;
	struct snap_writer w;
	struct snap_info written;
	struct kv *kv;
	struct kv_view *view;
	uint8_t *membership;
	size_t mlen = 0;
	uint64_t cluster_id = 0;
	bool created;
	int rv;

	if (node_id == NULL || !node_name_ok(node_id))
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "'%s' is not a node id (1 to 63 of A-Z a-z 0-9 . _ -)",
				  node_id ? node_id : "");
	if (data_dir == NULL || data_dir[0] == '\0' ||
	    strlen(data_dir) + sizeof "/snapshots/" + SNAP_FILENAME_MAX + 16 > sizeof snapdir)
		return errmsg_set(errmsg, GAIA_EINVAL, "bad data dir '%s'", data_dir ? data_dir : "");
	/* Check the backup first: a bad file leaves the target untouched. */
	rv = load(path, out, &kv, &view, errmsg);
	if (rv != GAIA_OK)
		return rv;
	if (out->snap.index == 0) {
		rv = errmsg_set(errmsg, GAIA_ECORRUPT, "%s: snapshot index 0 holds no state", path);
		goto err_after_load;
	}
	rv = prepare_dir(data_dir, &created, errmsg);
	if (rv != GAIA_OK)
		goto err_after_load;
	membership = single_membership(node_id, &mlen);
	if (membership == NULL) {
		rv = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
		goto err_after_dir;
	}
	snprintf(snapdir, sizeof snapdir, "%s/snapshots", data_dir);
	rv = snap_dir_init(&sd, snapdir);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, rv, "%s", sd.errmsg);
		goto err_after_membership;
	}
	/* Same index, term and time as the backup: the state is that one. */
	rv = kv_snapshot_save(view, &sd, out->snap.term, membership, mlen, out->snap.created_at,
			      &w, &written);
	snap_dir_close(&sd);
	if (rv != GAIA_OK) {
		errmsg_set(errmsg, rv, "%s", w.errmsg);
		goto err_after_membership;
	}
	while (cluster_id == 0)
		if (getrandom(&cluster_id, sizeof cluster_id, 0) != sizeof cluster_id) {
			rv = errmsg_set(errmsg, GAIA_EIO, "no randomness for a cluster id: %s",
					strerror(errno));
			goto err_after_membership;
		}
	rv = node_identity_store(data_dir, node_id, cluster_id, errmsg);
	if (rv != GAIA_OK)
		goto err_after_membership;
	out->cluster_id = cluster_id;
	str_copy(out->restored_file, sizeof out->restored_file, written.filename);
	free(membership);
	kv_view_release(view);
	kv_destroy(kv);
	return GAIA_OK;

err_after_membership:
	free(membership);
err_after_dir:
	undo(data_dir, created);
err_after_load:
	kv_view_release(view);
	kv_destroy(kv);
	return rv;
}
