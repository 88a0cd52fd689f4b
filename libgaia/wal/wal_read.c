/* Reading entries by index: from the cache of recent entries, else from the segments (CRC-checked). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

/* Disk reads of consecutive records are merged up to this many bytes. */
#define READ_CHUNK ((uint64_t)1 << 20)

/* Grow the array at p (cap elements of elem bytes) to hold need; the
 * (possibly moved) array, or NULL with p untouched. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *q = realloc(p, c * elem);
	if (q)
		*cap = c;
	return q;
}

static int seg_rfd(struct wal *w, struct wal_seg *s)
{
	if (s->rfd >= 0)
		return GAIA_OK;
	char name[WAL_NAME_MAX];
	wal_seg_name(name, s->first_index, 0);
	s->rfd = openat(w->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (s->rfd < 0)
		return errmsg_set(w->errmsg, GAIA_EIO, "open %s/%s: %s", w->dir, name,
				  strerror(errno));
	return GAIA_OK;
}

static int read_span(struct wal *w, struct wal_seg *s, uint64_t off, size_t len)
{
	char name[WAL_NAME_MAX];
	size_t done = 0;
	int rv;

	if ((rv = seg_rfd(w, s)) != GAIA_OK)
		return rv;
	unsigned char *rbuf = grow(w->rbuf, &w->rbuf_cap, len, 1);
	if (!rbuf)
		return errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
	w->rbuf = rbuf;
	while (done < len) {
		ssize_t n = pread(s->rfd, w->rbuf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		wal_seg_name(name, s->first_index, 0);
		if (n < 0)
			return errmsg_set(w->errmsg, GAIA_EIO, "read %s/%s at offset %" PRIu64 ": %s",
					  w->dir, name, off + done, strerror(errno));
		if (n == 0)
			return errmsg_set(w->errmsg, GAIA_ECORRUPT,
					  "%s/%s at offset %" PRIu64 ": file too short",
					  w->dir, name, off + done);
		done += (size_t)n;
	}
	return GAIA_OK;
}

/* Copy entries [i, j) of segment s from disk into b at *pos. */
static int read_run(struct wal *w, struct wal_seg *s, uint64_t i, uint64_t j,
		    struct wal_batch *b, size_t *pos)
{
	while (i < j) {
		uint64_t start = wal_slot_at(w, i)->off, end = start, k = i;
		do {
			const struct wal_slot *sl = wal_slot_at(w, k);
			end = sl->off + wal_rec_size(sl->len);
			k++;
		} while (k < j && wal_slot_at(w, k)->off + wal_rec_size(wal_slot_at(w, k)->len) - start <= READ_CHUNK);
		int rv = read_span(w, s, start, (size_t)(end - start));
		if (rv != GAIA_OK)
			return rv;
		for (; i < k; i++) {
			const struct wal_slot *sl = wal_slot_at(w, i);
			struct wal_rec_hdr h;
			const char *why = "record does not match the index";
			const unsigned char *p = w->rbuf + (sl->off - start);
			if (wal_rec_decode(p, end - sl->off, &h, &why) != 0 || h.index != i ||
			    h.len != sl->len || h.term != sl->term || h.type != sl->type) {
				char name[WAL_NAME_MAX];
				wal_seg_name(name, s->first_index, 0);
				return errmsg_set(w->errmsg, GAIA_ECORRUPT,
						  "%s/%s at offset %" PRIu64 ": %s (reading index %" PRIu64 ")",
						  w->dir, name, sl->off, why, i);
			}
			memcpy(b->buf + *pos, p + WAL_REC_HDR, h.len);
			*pos += h.len;
			w->cache_misses++;
		}
	}
	return GAIA_OK;
}

int wal_read(struct wal *w, uint64_t lo, uint64_t hi, size_t max_bytes,
	     struct wal_batch *b)
{
	size_t total = 0, pos = 0;
	uint64_t end = lo;
	int rv;

	b->n = 0;
	b->buf_len = 0;
	if (lo > hi)
		return errmsg_set(w->errmsg, GAIA_EINVAL,
				  "read: range %" PRIu64 "..%" PRIu64 " is empty", lo, hi);
	if (lo < w->first_index)
		return errmsg_set(w->errmsg, GAIA_ECOMPACTED,
				  "read: index %" PRIu64 " is compacted (first is %" PRIu64 ")",
				  lo, w->first_index);
	if (hi > wal_last(w))
		return errmsg_set(w->errmsg, GAIA_EUNAVAIL,
				  "read: index %" PRIu64 " is past the last (%" PRIu64 ")",
				  hi, wal_last(w));
	while (end <= hi) {
		size_t len = wal_slot_at(w, end)->len;
		if (end > lo && max_bytes && total + len > max_bytes)
			break;
		total += len;
		end++;
	}
	size_t n = (size_t)(end - lo);
	struct wal_entry *ents = grow(b->ents, &b->ents_cap, n, sizeof *ents);
	if (ents)
		b->ents = ents;
	unsigned char *buf = ents ? grow(b->buf, &b->buf_cap, total ? total : 1, 1) : NULL;
	if (!buf)
		return errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
	b->buf = buf;

	for (uint64_t i = lo; i < end;) {
		const struct wal_slot *sl = wal_slot_at(w, i);
		if (sl->buf) {
			memcpy(b->buf + pos, sl->buf->data, sl->len);
			pos += sl->len;
			w->cache_hits++;
			i++;
			continue;
		}
		size_t k = wal_seg_find(w, i);
		uint64_t j = i;
		uint64_t seg_end = k + 1 < w->nsegs ? w->segs[k + 1].first_index : end;
		while (j < end && j < seg_end && !wal_slot_at(w, j)->buf)
			j++;
		if ((rv = read_run(w, &w->segs[k], i, j, b, &pos)) != GAIA_OK)
			return rv;
		i = j;
	}
	pos = 0;
	for (size_t i = 0; i < n; i++) {
		const struct wal_slot *sl = wal_slot_at(w, lo + i);
		b->ents[i] = (struct wal_entry){
			.index = lo + i, .term = sl->term, .type = sl->type,
			.data = b->buf + pos, .len = sl->len,
		};
		pos += sl->len;
	}
	b->n = n;
	b->buf_len = total;
	return GAIA_OK;
}

void wal_batch_free(struct wal_batch *b)
{
	free(b->ents);
	free(b->buf);
	memset(b, 0, sizeof *b);
}
