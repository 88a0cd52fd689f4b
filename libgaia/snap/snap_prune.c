/* Deleting snapshots: prune by age and count (never the newest, never a pinned one), and temp files left by a crash. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "snap/snap_internal.h"
#include "util/errmsg.h"

static bool wanted_gone(const struct snap_prune_opts *o, size_t rank, int64_t created_at,
			int64_t cutoff)
{
	if (rank == 0)
		return false; /* the newest: what a restart restores from */
	if (o->keep > 0 && rank < o->keep)
		return false;
	if (o->older_than_seconds > 0 && created_at >= cutoff)
		return false;
	return true;
}

int snap_prune(struct snap_dir *d, const struct snap_prune_opts *o, struct snap_prune_result *res)
{
	struct snap_list all;
	char path[PATH_MAX];
	size_t cap = 0;
	int64_t now, cutoff;
	int rc;

	memset(res, 0, sizeof *res);
	if (o->older_than_seconds <= 0 && o->keep == 0)
		return errmsg_set(res->errmsg, GAIA_EINVAL,
				  "prune: say older_than or keep (or both)");
	rc = snap_list(d, &all);
	if (rc != GAIA_OK) {
		memcpy(res->errmsg, all.errmsg, GAIA_ERRMSG_SIZE);
		return rc;
	}
	now = o->now != 0 ? o->now : (int64_t)time(NULL);
	cutoff = o->older_than_seconds > 0 ? now - o->older_than_seconds : 0;
	for (size_t i = 0; i < all.count; i++) {
		const struct snap_info *s = &all.items[i];
		bool pinned, gone = true;

		if (!wanted_gone(o, i, s->created_at, cutoff))
			continue;
		if ((rc = snap_join(path, d->path, s->filename, res->errmsg)) != GAIA_OK)
			goto out;
		/* Checked and removed under the lock: a sender pins before it opens. */
		pthread_mutex_lock(&d->lock);
		pinned = snap_dir_pinned_locked(d, s->filename);
		if (!pinned && !o->dry_run && unlink(path) != 0) {
			if (errno == ENOENT) {
				gone = false; /* someone else was faster */
			} else {
				rc = errmsg_set(res->errmsg, GAIA_EIO, "prune: unlink %s: %s", path,
						strerror(errno));
			}
		}
		pthread_mutex_unlock(&d->lock);
		if (rc != GAIA_OK)
			goto out;
		if (pinned) {
			res->pinned++;
			continue;
		}
		if (!gone)
			continue;
		if (res->deleted.count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct snap_info *p = realloc(res->deleted.items, ncap * sizeof *p);
			if (p == NULL) {
				rc = errmsg_set(res->errmsg, GAIA_ENOMEM, "prune: out of memory");
				goto out;
			}
			res->deleted.items = p;
			cap = ncap;
		}
		res->deleted.items[res->deleted.count++] = *s;
	}
	if (!o->dry_run && res->deleted.count > 0)
		rc = snap_fsync_dir(d->path, res->errmsg);
out:
	res->kept = all.count - res->deleted.count;
	snap_list_free(&all);
	return rc;
}

void snap_prune_result_free(struct snap_prune_result *res)
{
	snap_list_free(&res->deleted);
}

int snap_cleanup_temps(struct snap_dir *d, size_t *removed)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *dir;
	int rc = GAIA_OK;

	dir = opendir(d->path);
	if (dir == NULL)
		return errmsg_set(d->errmsg, GAIA_EIO, "open directory %s: %s", d->path,
				  strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, SNAP_TMP_PREFIX, sizeof SNAP_TMP_PREFIX - 1) != 0 &&
		    strncmp(de->d_name, SNAP_RECEIVING_PREFIX,
			    sizeof SNAP_RECEIVING_PREFIX - 1) != 0)
			continue;
		if ((rc = snap_join(path, d->path, de->d_name, d->errmsg)) != GAIA_OK)
			break;
		pthread_mutex_lock(&d->lock);
		if (!snap_dir_writing_locked(d, de->d_name)) {
			if (unlink(path) == 0)
				n++;
			else if (errno != ENOENT)
				rc = errmsg_set(d->errmsg, GAIA_EIO, "remove %s: %s", path,
						strerror(errno));
		}
		pthread_mutex_unlock(&d->lock);
		if (rc != GAIA_OK)
			break;
	}
	closedir(dir);
	if (removed != NULL)
		*removed = n;
	return rc;
}
