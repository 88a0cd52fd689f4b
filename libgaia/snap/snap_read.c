/* Reading a snapshot file as a stream of records, checking every length, the count and the checksums. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snap/snap_internal.h"
#include "util/crc32c.h"
#include "util/errmsg.h"

static uint64_t left(const struct snap_reader *r)
{
	return r->file_size - r->offset;
}

static int truncated(struct snap_reader *r, const char *what, uint64_t need)
{
	return errmsg_set(r->errmsg, GAIA_ECORRUPT,
			  "%s: truncated at offset %" PRIu64 ": %s needs %" PRIu64
			  " bytes, %" PRIu64 " left",
			  r->info.filename, r->offset, what, need, left(r));
}

static int refill(struct snap_reader *r)
{
	/* A small first read: listing reads only headers. */
	size_t want = r->offset == 0 ? 4096 : SNAP_IO_BUF;

	for (;;) {
		ssize_t n = read(r->fd, r->buf, want);
		if (n > 0) {
			r->buf_pos = 0;
			r->buf_len = (size_t)n;
			return GAIA_OK;
		}
		if (n == 0)
			return errmsg_set(r->errmsg, GAIA_ECORRUPT,
					  "%s: file ended at offset %" PRIu64
					  " (it shrank while being read)",
					  r->info.filename, r->offset);
		if (errno != EINTR)
			return errmsg_set(r->errmsg, GAIA_EIO, "%s: read at offset %" PRIu64 ": %s",
					  r->info.filename, r->offset, strerror(errno));
	}
}

/* n bytes into dst, counted in the running checksum. The caller has checked
 * that the file holds them. */
static int take(struct snap_reader *r, void *dst, size_t n)
{
	uint8_t *d = dst;

	while (n > 0) {
		size_t k;
		int rc;

		if (r->buf_pos == r->buf_len && (rc = refill(r)) != GAIA_OK)
			return rc;
		k = r->buf_len - r->buf_pos;
		if (k > n)
			k = n;
		memcpy(d, r->buf + r->buf_pos, k);
		r->crc = crc32c_update(r->crc, d, k);
		r->buf_pos += k;
		r->offset += k;
		d += k;
		n -= k;
	}
	return GAIA_OK;
}

static int take_checked(struct snap_reader *r, void *dst, size_t n, const char *what)
{
	if (n > left(r))
		return truncated(r, what, n);
	return take(r, dst, n);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s != NULL ? s + 1 : path;
}

static int read_header(struct snap_reader *r)
{
	uint8_t hdr[SNAP_HEADER_FIXED], crc[4];
	uint32_t version, flags, mlen, want;
	int rc;

	if ((rc = take_checked(r, hdr, sizeof hdr, "the header")) != GAIA_OK)
		return rc;
	if (memcmp(hdr, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: bad magic at offset 0: not a snapshot file", r->info.filename);
	version = snap_get_u32(hdr + 8);
	flags = snap_get_u32(hdr + 12);
	mlen = snap_get_u32(hdr + 48);
	if (mlen > SNAP_MEMBERSHIP_MAX || mlen > left(r))
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: membership length %" PRIu32 " at offset 48 exceeds the %" PRIu64
				  " bytes left",
				  r->info.filename, mlen, left(r));
	r->membership = malloc(mlen > 0 ? mlen : 1);
	if (r->membership == NULL)
		return errmsg_set(r->errmsg, GAIA_ENOMEM, "%s: out of memory", r->info.filename);
	r->membership_len = mlen;
	if ((rc = take_checked(r, r->membership, mlen, "the membership")) != GAIA_OK)
		return rc;
	want = r->crc;
	if ((rc = take_checked(r, crc, 4, "the header checksum")) != GAIA_OK)
		return rc;
	if (snap_get_u32(crc) != want)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: header checksum mismatch at offset %" PRIu64 " (header corrupt)",
				  r->info.filename, r->offset - 4);
	/* Trusted from here on: the checksum covers them. */
	if (version != SNAP_FORMAT_VERSION)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: format version %" PRIu32 " at offset 8, this build reads %u",
				  r->info.filename, version, SNAP_FORMAT_VERSION);
	if (flags != 0)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: unknown flags 0x%" PRIx32 " at offset 12", r->info.filename,
				  flags);
	r->info.index = snap_get_u64(hdr + 16);
	r->info.term = snap_get_u64(hdr + 24);
	r->info.created_at = (int64_t)snap_get_u64(hdr + 32);
	r->info.entry_count = snap_get_u64(hdr + 40);
	r->info.header_ok = true;
	return GAIA_OK;
}

int snap_reader_open(struct snap_reader *r, const char *path)
{
	struct stat st;
	const char *name = base_name(path);

	memset(r, 0, sizeof *r);
	r->fd = -1;
	snprintf(r->info.filename, sizeof r->info.filename, "%s", name);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return errmsg_set(r->errmsg, errno == ENOENT ? GAIA_ENOTFOUND : GAIA_EIO,
				  "open %s: %s", path, strerror(errno));
	if (fstat(r->fd, &st) != 0)
		return errmsg_set(r->errmsg, GAIA_EIO, "stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return errmsg_set(r->errmsg, GAIA_EINVAL, "%s: not a regular file", path);
	r->file_size = (uint64_t)st.st_size;
	r->info.size = r->file_size;
	r->buf = malloc(SNAP_IO_BUF);
	if (r->buf == NULL)
		return errmsg_set(r->errmsg, GAIA_ENOMEM, "%s: out of memory", name);
	return read_header(r);
}

static int grow(struct snap_reader *r, size_t need)
{
	uint8_t *p;
	size_t cap;

	if (need <= r->rec_cap)
		return GAIA_OK;
	cap = r->rec_cap > 0 ? r->rec_cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(r->rec, cap);
	if (p == NULL)
		return errmsg_set(r->errmsg, GAIA_ENOMEM, "%s: out of memory for a %zu-byte record",
				  r->info.filename, need);
	r->rec = p;
	r->rec_cap = cap;
	return GAIA_OK;
}

static int read_trailer(struct snap_reader *r)
{
	uint8_t tr[SNAP_TRAILER_SIZE];
	uint64_t at = r->offset, count, data_len;
	uint32_t want;
	int rc;

	if ((rc = take_checked(r, tr, SNAP_TRAILER_SIZE - 4, "the trailer")) != GAIA_OK)
		return rc;
	want = r->crc;
	if ((rc = take_checked(r, tr + SNAP_TRAILER_SIZE - 4, 4, "the checksum")) != GAIA_OK)
		return rc;
	count = snap_get_u64(tr);
	data_len = snap_get_u64(tr + 8);
	if (memcmp(tr + 16, SNAP_END_MAGIC, SNAP_END_MAGIC_LEN) != 0 || data_len != at ||
	    count != r->info.entry_count)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: bad trailer at offset %" PRIu64 " (after %" PRIu64
				  " records; it says %" PRIu64 " records, trailer at %" PRIu64 ")",
				  r->info.filename, at, r->records_read, count, data_len);
	if (snap_get_u32(tr + SNAP_TRAILER_SIZE - 4) != want)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: checksum mismatch at offset %" PRIu64
				  " (some byte before it is corrupt)",
				  r->info.filename, r->offset - 4);
	if (left(r) != 0)
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: %" PRIu64 " unexpected bytes at offset %" PRIu64
				  " after the trailer",
				  r->info.filename, left(r), r->offset);
	r->done = true;
	return GAIA_OK;
}

int snap_reader_next(struct snap_reader *r, struct snap_record *rec, bool *end)
{
	uint8_t len[4], idx[16];
	uint64_t at = r->offset;
	size_t klen, vlen;
	int rc;

	*end = false;
	if (r->done) {
		*end = true;
		return GAIA_OK;
	}
	if (r->records_read == r->info.entry_count) {
		if ((rc = read_trailer(r)) != GAIA_OK)
			return rc;
		*end = true;
		return GAIA_OK;
	}
	if ((rc = take_checked(r, len, 4, "a record")) != GAIA_OK)
		return rc;
	klen = snap_get_u32(len);
	if (klen + 4 + 16 > left(r))
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: record %" PRIu64 " at offset %" PRIu64
				  ": key length %zu exceeds the %" PRIu64 " bytes left",
				  r->info.filename, r->records_read, at, klen, left(r));
	if ((rc = grow(r, klen)) != GAIA_OK || (rc = take(r, r->rec, klen)) != GAIA_OK ||
	    (rc = take(r, len, 4)) != GAIA_OK)
		return rc;
	vlen = snap_get_u32(len);
	if (vlen + 16 > left(r))
		return errmsg_set(r->errmsg, GAIA_ECORRUPT,
				  "%s: record %" PRIu64 " at offset %" PRIu64
				  ": value length %zu exceeds the %" PRIu64 " bytes left",
				  r->info.filename, r->records_read, at, vlen, left(r));
	if ((rc = grow(r, klen + vlen)) != GAIA_OK || (rc = take(r, r->rec + klen, vlen)) != GAIA_OK ||
	    (rc = take(r, idx, sizeof idx)) != GAIA_OK)
		return rc;
	rec->key = r->rec;
	rec->key_len = klen;
	rec->value = r->rec + klen;
	rec->value_len = vlen;
	rec->create_index = snap_get_u64(idx);
	rec->modify_index = snap_get_u64(idx + 8);
	r->records_read++;
	return GAIA_OK;
}

void snap_reader_close(struct snap_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->buf);
	free(r->rec);
	free(r->membership);
	r->buf = NULL;
	r->rec = NULL;
	r->membership = NULL;
	r->rec_cap = 0;
}

int snap_verify(const char *path, struct snap_info *info, char errmsg[GAIA_ERRMSG_SIZE])
{
	struct snap_reader r;
	struct snap_record rec;
	bool end = false;
	int rc;

	rc = snap_reader_open(&r, path);
	while (rc == GAIA_OK && !end)
		rc = snap_reader_next(&r, &rec, &end);
	if (rc != GAIA_OK)
		memcpy(errmsg, r.errmsg, GAIA_ERRMSG_SIZE);
	else if (info != NULL)
		*info = r.info;
	snap_reader_close(&r);
	return rc;
}

int snap_read_info(const char *path, struct snap_info *info, char *errmsg)
{
	struct snap_reader r;
	int rc = snap_reader_open(&r, path);

	if (rc != GAIA_OK)
		memcpy(errmsg, r.errmsg, GAIA_ERRMSG_SIZE);
	else
		*info = r.info;
	snap_reader_close(&r);
	return rc;
}

int snap_file_id(const char *path, uint64_t *id, char errmsg[GAIA_ERRMSG_SIZE])
{
	uint8_t crc[4];
	struct stat st;
	int fd, rc = GAIA_OK;

	*id = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(errmsg, GAIA_EIO, "open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || st.st_size < SNAP_TRAILER_SIZE ||
	    pread(fd, crc, sizeof crc, st.st_size - (off_t)sizeof crc) != (ssize_t)sizeof crc) {
		rc = errmsg_set(errmsg, GAIA_ECORRUPT, "%s: no snapshot trailer", path);
		goto out;
	}
	*id = snap_id_of(snap_get_u32(crc), (uint64_t)st.st_size);
out:
	close(fd);
	return rc;
}
