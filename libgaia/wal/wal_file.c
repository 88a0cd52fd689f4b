/* File-level helpers of the WAL: full writes, segment creation, directory syncs, unlinking. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

/* pwrite all of buf at off; 0, or -1 with errno set. */
int wal_write_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int wal_fsync_dir(int dirfd, char *errmsg)
{
	if (fsync(dirfd) != 0)
		return errmsg_set(errmsg, GAIA_EIO, "fsync of the WAL directory: %s",
				  strerror(errno));
	return GAIA_OK;
}

/* Create (or replace) a segment file holding only its header, durable
 * with its directory entry when tmp is 0 (a tmp file becomes durable by
 * the rename that publishes it). */
int wal_seg_create(int dirfd, uint64_t first_index, int tmp, int *fd_out,
		   char *errmsg)
{
	char name[WAL_NAME_MAX];
	unsigned char hdr[WAL_SEG_HDR];
	int rv;

	wal_seg_name(name, first_index, tmp);
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "create %s: %s", name,
				  strerror(errno));
	wal_seg_hdr_encode(hdr, first_index);
	if (wal_write_full(fd, hdr, sizeof hdr, 0) != 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "write %s: %s", name, strerror(errno));
		goto err_after_open;
	}
	if (fdatasync(fd) != 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "fdatasync %s: %s", name,
				strerror(errno));
		goto err_after_open;
	}
	if (!tmp) {
		rv = wal_fsync_dir(dirfd, errmsg);
		if (rv != GAIA_OK)
			goto err_after_open;
	}
	*fd_out = fd;
	return GAIA_OK;

err_after_open:
	close(fd);
	return rv;
}

int wal_seg_open_rw(int dirfd, uint64_t first_index, int *fd_out, char *errmsg)
{
	char name[WAL_NAME_MAX];
	wal_seg_name(name, first_index, 0);
	int fd = openat(dirfd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "open %s: %s", name,
				  strerror(errno));
	*fd_out = fd;
	return GAIA_OK;
}

/* Unlink a segment and make that durable, so that a crash in a series of
 * unlinks leaves a contiguous log. */
int wal_unlink_seg(int dirfd, uint64_t first_index, int tmp, char *errmsg)
{
	char name[WAL_NAME_MAX];
	wal_seg_name(name, first_index, tmp);
	if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		return errmsg_set(errmsg, GAIA_EIO, "unlink %s: %s", name,
				  strerror(errno));
	return wal_fsync_dir(dirfd, errmsg);
}
