/* Listing the snapshot files of a directory, newest first. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "snap/snap_internal.h"
#include "util/errmsg.h"

/* Newest first: highest index, then latest created_at, then name. */
static int newest_first(const void *a, const void *b)
{
	const struct snap_info *x = a, *y = b;
	if (x->index != y->index)
		return x->index > y->index ? -1 : 1;
	if (x->created_at != y->created_at)
		return x->created_at > y->created_at ? -1 : 1;
	return -strcmp(x->filename, y->filename);
}

static int add(struct snap_list *l, size_t *cap, const struct snap_info *info)
{
	if (l->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct snap_info *p = realloc(l->items, ncap * sizeof *p);
		if (p == NULL)
			return errmsg_set(l->errmsg, GAIA_ENOMEM, "list snapshots: out of memory");
		l->items = p;
		*cap = ncap;
	}
	l->items[l->count++] = *info;
	return GAIA_OK;
}

int snap_list(struct snap_dir *d, struct snap_list *out)
{
	char path[PATH_MAX], ignored[GAIA_ERRMSG_SIZE];
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	int rc = GAIA_OK;

	memset(out, 0, sizeof *out);
	dir = opendir(d->path);
	if (dir == NULL)
		return errmsg_set(out->errmsg, GAIA_EIO, "open directory %s: %s", d->path,
				  strerror(errno));
	while ((errno = 0, de = readdir(dir)) != NULL) {
		struct snap_info info;
		struct stat st;

		memset(&info, 0, sizeof info);
		if (!snap_parse_filename(de->d_name, &info.index, &info.created_at))
			continue;
		if ((rc = snap_join(path, d->path, de->d_name, out->errmsg)) != GAIA_OK)
			goto err_after_opendir;
		if (stat(path, &st) != 0) {
			if (errno == ENOENT) /* pruned meanwhile */
				continue;
			rc = errmsg_set(out->errmsg, GAIA_EIO, "stat %s: %s", path, strerror(errno));
			goto err_after_opendir;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (snap_read_info(path, &info, ignored) != GAIA_OK) {
			/* Listed anyway, so that an operator sees it; verify says why. */
			memset(&info, 0, sizeof info);
			snap_parse_filename(de->d_name, &info.index, &info.created_at);
		}
		strcpy(info.filename, de->d_name);
		info.size = (uint64_t)st.st_size;
		if ((rc = add(out, &cap, &info)) != GAIA_OK)
			goto err_after_opendir;
	}
	if (errno != 0) {
		rc = errmsg_set(out->errmsg, GAIA_EIO, "read directory %s: %s", d->path,
				strerror(errno));
		goto err_after_opendir;
	}
	closedir(dir);
	if (out->count > 1)
		qsort(out->items, out->count, sizeof *out->items, newest_first);
	return GAIA_OK;

err_after_opendir:
	closedir(dir);
	free(out->items);
	out->items = NULL;
	out->count = 0;
	return rc;
}

void snap_list_free(struct snap_list *l)
{
	free(l->items);
	l->items = NULL;
	l->count = 0;
}
