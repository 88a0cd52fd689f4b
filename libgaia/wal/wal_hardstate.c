/* The hard state file (term, vote, commit), replaced atomically: temp, fdatasync, rename, fsync dir. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

#define HS_NAME "hardstate"
#define HS_TMP "hardstate.tmp"

int wal_hs_write(int dirfd, const struct wal_hardstate *hs, char *errmsg,
		 uint64_t *nsyncs)
{
	unsigned char buf[WAL_HS_SIZE];
	int rv;

	wal_hs_encode(buf, hs);
	int fd = openat(dirfd, HS_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "create " HS_TMP ": %s",
				  strerror(errno));
	if (wal_write_full(fd, buf, sizeof buf, 0) != 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "write " HS_TMP ": %s",
				strerror(errno));
		goto err_after_open;
	}
	(*nsyncs)++;
	if (fdatasync(fd) != 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "fdatasync " HS_TMP ": %s",
				strerror(errno));
		goto err_after_open;
	}
	if (close(fd) != 0)
		return errmsg_set(errmsg, GAIA_EIO, "close " HS_TMP ": %s",
				  strerror(errno));
	if (renameat(dirfd, HS_TMP, dirfd, HS_NAME) != 0)
		return errmsg_set(errmsg, GAIA_EIO, "rename " HS_TMP ": %s",
				  strerror(errno));
	(*nsyncs)++;
	return wal_fsync_dir(dirfd, errmsg);

err_after_open:
	close(fd);
	return rv;
}

/* Load the hard state; zeros if there is none yet. A leftover temp file
 * is an interrupted save: the old file is still the truth. */
int wal_hs_read(int dirfd, struct wal_hardstate *hs, char *errmsg)
{
	unsigned char buf[WAL_HS_SIZE + 1];
	const char *why;
	int rv = GAIA_OK;

	memset(hs, 0, sizeof *hs);
	if (unlinkat(dirfd, HS_TMP, 0) != 0 && errno != ENOENT)
		return errmsg_set(errmsg, GAIA_EIO, "unlink " HS_TMP ": %s",
				  strerror(errno));
	int fd = openat(dirfd, HS_NAME, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return GAIA_OK;
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "open " HS_NAME ": %s",
				  strerror(errno));
	ssize_t n;
	do
		n = pread(fd, buf, sizeof buf, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		rv = errmsg_set(errmsg, GAIA_EIO, "read " HS_NAME ": %s",
				strerror(errno));
	else if (n != WAL_HS_SIZE)
		rv = errmsg_set(errmsg, GAIA_ECORRUPT,
				HS_NAME ": size %zd, expected %u", n, WAL_HS_SIZE);
	else if (wal_hs_decode(buf, hs, &why) != 0)
		rv = errmsg_set(errmsg, GAIA_ECORRUPT, HS_NAME " at offset 0: %s", why);
	close(fd);
	return rv;
}
