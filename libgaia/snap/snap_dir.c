/* The snapshot directory: opening it, file names, pins and the writers in progress. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snap/snap_internal.h"
#include "util/errmsg.h"

struct snap_pin {
	struct snap_pin *next;
	unsigned count;
	char name[SNAP_FILENAME_MAX];
};

struct snap_tmp {
	struct snap_tmp *next;
	char name[SNAP_FILENAME_MAX];
};

/* Year 9999 ends here: the stamp has four digits of year. */
#define SNAP_TIME_MAX INT64_C(253402300799)

int snap_dir_init(struct snap_dir *d, const char *path)
{
	struct stat st;
	int rc;

	memset(d, 0, sizeof *d);
	if (path == NULL || path[0] == '\0')
		return errmsg_set(d->errmsg, GAIA_EINVAL, "snapshot directory: empty path");
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		return errmsg_set(d->errmsg, GAIA_EIO, "create snapshot directory %s: %s", path,
				  strerror(errno));
	if (stat(path, &st) != 0)
		return errmsg_set(d->errmsg, GAIA_EIO, "snapshot directory %s: %s", path,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errmsg_set(d->errmsg, GAIA_EINVAL, "snapshot directory %s: not a directory",
				  path);
	d->path = strdup(path);
	if (d->path == NULL)
		return errmsg_set(d->errmsg, GAIA_ENOMEM, "snapshot directory: out of memory");
	rc = pthread_mutex_init(&d->lock, NULL);
	if (rc != 0) {
		rc = errmsg_set(d->errmsg, GAIA_ENOMEM, "snapshot directory: mutex: %s",
				strerror(rc));
		goto err_after_strdup;
	}
	return GAIA_OK;

err_after_strdup:
	free(d->path);
	d->path = NULL;
	return rc;
}

void snap_dir_close(struct snap_dir *d)
{
	if (d->path == NULL)
		return;
	while (d->pins != NULL) {
		struct snap_pin *p = d->pins;
		d->pins = p->next;
		free(p);
	}
	while (d->writing != NULL) {
		struct snap_tmp *t = d->writing;
		d->writing = t->next;
		free(t);
	}
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	d->path = NULL;
}

void snap_format_filename(char *buf, uint64_t index, int64_t created_at)
{
	time_t t = (time_t)created_at;
	struct tm tm;

	if (created_at < 0 || created_at > SNAP_TIME_MAX || gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	snprintf(buf, SNAP_FILENAME_MAX, "snapshot_%" PRIu64 "_%04d%02d%02d%02d%02d%02d.snap",
		 index, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

/* Digits only, at most 20, value fits; *end after them. */
static bool parse_u64(const char *s, const char **end, uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		unsigned dg = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - dg) / 10)
			return false;
		x = x * 10 + dg;
		p++;
	}
	*end = p;
	*v = x;
	return p != s;
}

static bool parse_fixed(const char *s, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

bool snap_parse_filename(const char *name, uint64_t *index, int64_t *created_at)
{
	static const char pre[] = "snapshot_";
	const char *p;
	uint64_t idx;
	struct tm tm;
	int y, mo, da, h, mi, se;
	time_t t;
	char canon[SNAP_FILENAME_MAX];

	if (name == NULL || strncmp(name, pre, sizeof pre - 1) != 0)
		return false;
	if (!parse_u64(name + sizeof pre - 1, &p, &idx) || *p != '_')
		return false;
	p++;
	if (!parse_fixed(p, 4, &y) || !parse_fixed(p + 4, 2, &mo) || !parse_fixed(p + 6, 2, &da) ||
	    !parse_fixed(p + 8, 2, &h) || !parse_fixed(p + 10, 2, &mi) ||
	    !parse_fixed(p + 12, 2, &se) || strcmp(p + 14, ".snap") != 0)
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = da;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t < 0)
		return false;
	/* Only the canonical spelling: no leading zeros, no 31 February. */
	snap_format_filename(canon, idx, (int64_t)t);
	if (strcmp(canon, name) != 0)
		return false;
	if (index != NULL)
		*index = idx;
	if (created_at != NULL)
		*created_at = (int64_t)t;
	return true;
}

int snap_join(char *buf, const char *dir, const char *name, char *errmsg)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX)
		return errmsg_set(errmsg, GAIA_EINVAL, "path too long: %s/%s", dir, name);
	return GAIA_OK;
}

int snap_fsync_dir(const char *path, char *errmsg)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "open directory %s: %s", path, strerror(errno));
	if (fsync(fd) != 0) {
		int e = errno;
		close(fd);
		return errmsg_set(errmsg, GAIA_EIO, "fsync directory %s: %s", path, strerror(e));
	}
	close(fd);
	return GAIA_OK;
}

static struct snap_pin **pin_find(struct snap_dir *d, const char *name)
{
	struct snap_pin **pp = &d->pins;
	while (*pp != NULL && strcmp((*pp)->name, name) != 0)
		pp = &(*pp)->next;
	return pp;
}

int snap_pin(struct snap_dir *d, const char *filename)
{
	struct snap_pin **pp;
	int rc = GAIA_OK;

	if (!snap_parse_filename(filename, NULL, NULL))
		return errmsg_set(d->errmsg, GAIA_EINVAL, "pin: not a snapshot file name: %.80s",
				  filename ? filename : "(null)");
	pthread_mutex_lock(&d->lock);
	pp = pin_find(d, filename);
	if (*pp != NULL) {
		(*pp)->count++;
	} else {
		struct snap_pin *p = calloc(1, sizeof *p);
		if (p == NULL) {
			rc = errmsg_set(d->errmsg, GAIA_ENOMEM, "pin %s: out of memory", filename);
		} else {
			strcpy(p->name, filename);
			p->count = 1;
			p->next = d->pins;
			d->pins = p;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int snap_unpin(struct snap_dir *d, const char *filename)
{
	struct snap_pin **pp;
	int rc = GAIA_OK;

	if (filename == NULL)
		return errmsg_set(d->errmsg, GAIA_EINVAL, "unpin: no file name");
	pthread_mutex_lock(&d->lock);
	pp = pin_find(d, filename);
	if (*pp == NULL) {
		rc = errmsg_set(d->errmsg, GAIA_EINVAL, "unpin %.80s: not pinned", filename);
	} else if (--(*pp)->count == 0) {
		struct snap_pin *p = *pp;
		*pp = p->next;
		free(p);
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

bool snap_dir_pinned_locked(struct snap_dir *d, const char *filename)
{
	return *pin_find(d, filename) != NULL;
}

bool snap_is_pinned(struct snap_dir *d, const char *filename)
{
	bool pinned;
	pthread_mutex_lock(&d->lock);
	pinned = snap_dir_pinned_locked(d, filename);
	pthread_mutex_unlock(&d->lock);
	return pinned;
}

int snap_dir_writing_add(struct snap_dir *d, uint64_t index, char *tmp_name_out)
{
	struct snap_tmp *t = calloc(1, sizeof *t);
	if (t == NULL)
		return GAIA_ENOMEM;
	pthread_mutex_lock(&d->lock);
	snprintf(t->name, sizeof t->name, SNAP_TMP_PREFIX "%" PRIu64 "_%" PRIu64 ".snap", index,
		 ++d->tmp_seq);
	strcpy(tmp_name_out, t->name);
	t->next = d->writing;
	d->writing = t;
	pthread_mutex_unlock(&d->lock);
	return GAIA_OK;
}

void snap_dir_writing_remove(struct snap_dir *d, const char *tmp_name)
{
	pthread_mutex_lock(&d->lock);
	for (struct snap_tmp **pp = &d->writing; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, tmp_name) == 0) {
			struct snap_tmp *t = *pp;
			*pp = t->next;
			free(t);
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
}

bool snap_dir_writing_locked(struct snap_dir *d, const char *tmp_name)
{
	for (struct snap_tmp *t = d->writing; t != NULL; t = t->next)
		if (strcmp(t->name, tmp_name) == 0)
			return true;
	return false;
}
