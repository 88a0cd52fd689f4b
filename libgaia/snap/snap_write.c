/* Writing a snapshot file: temp name, streamed header and records, trailer, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "snap/snap_internal.h"
#include "util/crc32c.h"
#include "util/errmsg.h"

#define SNAP_TMP_ATTEMPTS 100

static int flush(struct snap_writer *w)
{
	const uint8_t *p = w->buf;
	size_t left = w->used;

	while (left > 0) {
		ssize_t n = write(w->fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errmsg_set(w->errmsg, GAIA_EIO, "write %s/%s at offset %" PRIu64 ": %s",
					  w->dir->path, w->tmp_name, w->offset - left,
					  strerror(errno));
		}
		p += n;
		left -= (size_t)n;
	}
	w->crc = crc32c_update(w->crc, w->buf, w->used);
	w->used = 0;
	return GAIA_OK;
}

static int emit(struct snap_writer *w, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		size_t room = SNAP_IO_BUF - w->used;
		size_t n = len < room ? len : room;
		int rc;

		memcpy(w->buf + w->used, p, n);
		w->used += n;
		w->offset += n;
		p += n;
		len -= n;
		if (w->used == SNAP_IO_BUF && (rc = flush(w)) != GAIA_OK)
			return rc;
	}
	return GAIA_OK;
}

static void release(struct snap_writer *w, bool unlink_tmp)
{
	char path[PATH_MAX];

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (unlink_tmp && snap_join(path, w->dir->path, w->tmp_name, w->errmsg) == GAIA_OK)
		unlink(path);
	snap_dir_writing_remove(w->dir, w->tmp_name);
	free(w->buf);
	w->buf = NULL;
	w->dir = NULL;
}

static int open_tmp(struct snap_writer *w, struct snap_dir *d, uint64_t index)
{
	char path[PATH_MAX];
	int rc;

	for (int i = 0; i < SNAP_TMP_ATTEMPTS; i++) {
		if (snap_dir_writing_add(d, index, w->tmp_name) != GAIA_OK)
			return errmsg_set(w->errmsg, GAIA_ENOMEM, "snapshot: out of memory");
		rc = snap_join(path, d->path, w->tmp_name, w->errmsg);
		if (rc != GAIA_OK)
			goto err_after_add;
		w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (w->fd >= 0)
			return GAIA_OK;
		if (errno != EEXIST) {
			rc = errmsg_set(w->errmsg, GAIA_EIO, "create %s: %s", path, strerror(errno));
			goto err_after_add;
		}
		snap_dir_writing_remove(d, w->tmp_name);
	}
	return errmsg_set(w->errmsg, GAIA_EIO, "create a temp file in %s: every name taken",
			  d->path);

err_after_add:
	snap_dir_writing_remove(d, w->tmp_name);
	return rc;
}

int snap_writer_begin(struct snap_writer *w, struct snap_dir *d, const struct snap_meta *m)
{
	uint8_t hdr[SNAP_HEADER_FIXED];
	uint8_t crc[4];
	uint32_t hcrc;
	int64_t created_at;
	int rc;

	memset(w, 0, sizeof *w);
	w->fd = -1;
	if (m->membership_len > SNAP_MEMBERSHIP_MAX || (m->membership_len > 0 && !m->membership))
		return errmsg_set(w->errmsg, GAIA_EINVAL, "snapshot: membership of %zu bytes",
				  m->membership_len);
	created_at = m->created_at != 0 ? m->created_at : (int64_t)time(NULL);
	snap_format_filename(w->info.filename, m->index, created_at);
	if (!snap_parse_filename(w->info.filename, NULL, NULL))
		return errmsg_set(w->errmsg, GAIA_EINVAL, "snapshot: created_at %" PRId64
				  " out of range", created_at);
	w->buf = malloc(SNAP_IO_BUF);
	if (w->buf == NULL)
		return errmsg_set(w->errmsg, GAIA_ENOMEM, "snapshot: out of memory");
	rc = open_tmp(w, d, m->index);
	if (rc != GAIA_OK)
		goto err_after_buf;
	w->dir = d;
	w->info.index = m->index;
	w->info.term = m->term;
	w->info.created_at = created_at;
	w->info.entry_count = m->entry_count;
	w->info.header_ok = true;

	memcpy(hdr, SNAP_MAGIC, SNAP_MAGIC_LEN);
	snap_put_u32(hdr + 8, SNAP_FORMAT_VERSION);
	snap_put_u32(hdr + 12, 0);
	snap_put_u64(hdr + 16, m->index);
	snap_put_u64(hdr + 24, m->term);
	snap_put_u64(hdr + 32, (uint64_t)created_at);
	snap_put_u64(hdr + 40, m->entry_count);
	snap_put_u32(hdr + 48, (uint32_t)m->membership_len);
	hcrc = crc32c_update(0, hdr, sizeof hdr);
	hcrc = crc32c_update(hcrc, m->membership, m->membership_len);
	snap_put_u32(crc, hcrc);
	if ((rc = emit(w, hdr, sizeof hdr)) != GAIA_OK ||
	    (rc = emit(w, m->membership, m->membership_len)) != GAIA_OK ||
	    (rc = emit(w, crc, sizeof crc)) != GAIA_OK)
		goto err_after_open;
	return GAIA_OK;

err_after_open:
	release(w, true);
	return rc;
err_after_buf:
	free(w->buf);
	w->buf = NULL;
	return rc;
}

int snap_writer_add_record(struct snap_writer *w, const void *key, size_t key_len,
			   const void *value, size_t value_len, uint64_t create_index,
			   uint64_t modify_index)
{
	uint8_t len[4], idx[16];
	int rc;

	if (w->added >= w->info.entry_count)
		return errmsg_set(w->errmsg, GAIA_EINVAL,
				  "snapshot: more records than the %" PRIu64 " announced",
				  w->info.entry_count);
	if (key_len > UINT32_MAX || value_len > UINT32_MAX)
		return errmsg_set(w->errmsg, GAIA_ETOOBIG, "snapshot: record of %zu+%zu bytes",
				  key_len, value_len);
	snap_put_u32(len, (uint32_t)key_len);
	if ((rc = emit(w, len, 4)) != GAIA_OK || (rc = emit(w, key, key_len)) != GAIA_OK)
		return rc;
	snap_put_u32(len, (uint32_t)value_len);
	if ((rc = emit(w, len, 4)) != GAIA_OK || (rc = emit(w, value, value_len)) != GAIA_OK)
		return rc;
	snap_put_u64(idx, create_index);
	snap_put_u64(idx + 8, modify_index);
	if ((rc = emit(w, idx, sizeof idx)) != GAIA_OK)
		return rc;
	w->added++;
	return GAIA_OK;
}

int snap_writer_finish(struct snap_writer *w, struct snap_info *info)
{
	uint8_t tr[SNAP_TRAILER_SIZE];
	char tmp[PATH_MAX], final[PATH_MAX];
	uint32_t file_crc;
	int rc;

	if (w->added != w->info.entry_count) {
		rc = errmsg_set(w->errmsg, GAIA_EINVAL,
				"snapshot: %" PRIu64 " records added, %" PRIu64 " announced",
				w->added, w->info.entry_count);
		goto err;
	}
	snap_put_u64(tr, w->info.entry_count);
	snap_put_u64(tr + 8, w->offset);
	memcpy(tr + 16, SNAP_END_MAGIC, SNAP_END_MAGIC_LEN);
	if ((rc = emit(w, tr, SNAP_TRAILER_SIZE - 4)) != GAIA_OK || (rc = flush(w)) != GAIA_OK)
		goto err;
	file_crc = w->crc; /* of every byte before it: the trailer's checksum */
	snap_put_u32(tr + SNAP_TRAILER_SIZE - 4, file_crc);
	if ((rc = emit(w, tr + SNAP_TRAILER_SIZE - 4, 4)) != GAIA_OK || (rc = flush(w)) != GAIA_OK)
		goto err;
	if ((rc = snap_join(tmp, w->dir->path, w->tmp_name, w->errmsg)) != GAIA_OK ||
	    (rc = snap_join(final, w->dir->path, w->info.filename, w->errmsg)) != GAIA_OK)
		goto err;
	if (fsync(w->fd) != 0) {
		rc = errmsg_set(w->errmsg, GAIA_EIO, "fsync %s: %s", tmp, strerror(errno));
		goto err;
	}
	if (close(w->fd) != 0) {
		w->fd = -1;
		rc = errmsg_set(w->errmsg, GAIA_EIO, "close %s: %s", tmp, strerror(errno));
		goto err;
	}
	w->fd = -1;
	if (rename(tmp, final) != 0) {
		rc = errmsg_set(w->errmsg, GAIA_EIO, "rename %s to %s: %s", tmp, final,
				strerror(errno));
		goto err;
	}
	w->info.size = w->offset;
	w->info.file_id = snap_id_of(file_crc, w->info.size);
	if (info != NULL)
		*info = w->info;
	/* The file is complete; only its name may not survive a crash yet. */
	rc = snap_fsync_dir(w->dir->path, w->errmsg);
	release(w, false);
	return rc;

err:
	release(w, true);
	return rc;
}

void snap_writer_abort(struct snap_writer *w)
{
	if (w->dir != NULL)
		release(w, true);
}
