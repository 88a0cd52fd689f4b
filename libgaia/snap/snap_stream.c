/* A snapshot file as bytes at offsets, pinned while open: for sending in chunks (InstallSnapshot, download). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snap/snap_internal.h"
#include "util/errmsg.h"

int snap_stream_open(struct snap_stream *s, struct snap_dir *d, const char *filename)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (!snap_parse_filename(filename, &s->info.index, &s->info.created_at))
		return errmsg_set(s->errmsg, GAIA_EINVAL, "not a snapshot file name: %.80s",
				  filename ? filename : "(null)");
	strcpy(s->info.filename, filename);
	if ((rc = snap_join(path, d->path, filename, s->errmsg)) != GAIA_OK)
		return rc;
	/* Pin before open: prune checks pins under the same lock it unlinks under. */
	if ((rc = snap_pin(d, filename)) != GAIA_OK)
		return errmsg_set(s->errmsg, rc, "%s", d->errmsg);
	s->dir = d;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		rc = errmsg_set(s->errmsg, errno == ENOENT ? GAIA_ENOTFOUND : GAIA_EIO,
				"open %s: %s", path, strerror(errno));
		goto err_after_pin;
	}
	if (fstat(s->fd, &st) != 0) {
		rc = errmsg_set(s->errmsg, GAIA_EIO, "stat %s: %s", path, strerror(errno));
		goto err_after_open;
	}
	s->info.size = (uint64_t)st.st_size;
	return GAIA_OK;

err_after_open:
	close(s->fd);
	s->fd = -1;
err_after_pin:
	snap_unpin(d, filename);
	s->dir = NULL;
	return rc;
}

int snap_stream_read(struct snap_stream *s, uint64_t offset, void *buf, size_t len,
		     size_t *nread)
{
	uint8_t *p = buf;
	size_t got = 0;

	*nread = 0;
	if (s->fd < 0)
		return errmsg_set(s->errmsg, GAIA_EINVAL, "%s: stream not open", s->info.filename);
	if (offset > (uint64_t)INT64_MAX)
		return errmsg_set(s->errmsg, GAIA_EINVAL, "%s: offset %" PRIu64 " out of range",
				  s->info.filename, offset);
	while (got < len) {
		ssize_t n = pread(s->fd, p + got, len - got, (off_t)(offset + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errmsg_set(s->errmsg, GAIA_EIO, "%s: read at offset %" PRIu64 ": %s",
					  s->info.filename, offset + got, strerror(errno));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*nread = got;
	return GAIA_OK;
}

void snap_stream_close(struct snap_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->dir != NULL)
		snap_unpin(s->dir, s->info.filename);
	s->dir = NULL;
}
