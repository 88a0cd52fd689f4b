/* Recovery scan of one segment: accept valid records, tell a torn tail from corruption. */
#include <inttypes.h>
#include <string.h>

#include "util/errmsg.h"
#include "wal/wal_scan.h"

#define SECTOR 512u

/* A complete record with a good CRC at off? */
static int valid_at(const struct wal_scan *s, uint64_t off, struct wal_rec_hdr *h)
{
	const char *why;
	const unsigned char *p = s->p + off;
	if (s->size - off < WAL_REC_HDR || p[25] || p[26] || p[27])
		return 0;
	return wal_rec_decode(p, s->size - off, h, &why) == 0;
}

/* The next valid record at or after from (8-aligned, like every record
 * offset); returns its offset, or s->size if there is none. */
static uint64_t find_valid(const struct wal_scan *s, uint64_t from,
			   struct wal_rec_hdr *h)
{
	for (uint64_t y = from; y + WAL_REC_HDR <= s->size; y += 8)
		if (valid_at(s, y, h))
			return y;
	return s->size;
}

/* Does [a, b) contain a whole zeroed sector (blocks that were never
 * written before a power loss)? */
static int has_zero_sector(const struct wal_scan *s, uint64_t a, uint64_t b)
{
	for (uint64_t x = (a + SECTOR - 1) / SECTOR * SECTOR; x + SECTOR <= b;
	     x += SECTOR) {
		uint64_t i = 0;
		while (i < SECTOR && s->p[x + i] == 0)
			i++;
		if (i == SECTOR)
			return 1;
	}
	return 0;
}

static int add_slot(struct wal *w, uint64_t off, const struct wal_rec_hdr *h)
{
	int rv = wal_slots_reserve(w, 1);
	if (rv != GAIA_OK)
		return rv;
	struct wal_slot *sl = &w->slots[w->head + w->count];
	sl->term = h->term;
	sl->off = off;
	sl->len = h->len;
	sl->type = h->type;
	sl->buf = NULL;
	w->count++;
	return GAIA_OK;
}

/* The record expected at x (index e) is bad. Decide whether x..EOF is a
 * torn tail: nothing valid follows, or (power loss) only records of the
 * same, last write batch follow, after zeroed sectors. */
static int check_tail(struct wal *w, struct wal_scan *s, uint64_t x, uint64_t e,
		      const char *why)
{
	struct wal_rec_hdr h;
	uint64_t hole = x, batch_first = 0;

	for (;;) {
		uint64_t y = find_valid(s, hole + 8, &h);
		if (y >= s->size)
			break;
		uint64_t bf = h.index - h.batch_pos;
		int same_batch = h.batch_pos <= h.index && h.index > e && bf <= e &&
				 (batch_first == 0 || bf == batch_first);
		if (!same_batch || !has_zero_sector(s, hole, y))
			return errmsg_set(w->errmsg, GAIA_ECORRUPT,
					  "%s at offset %" PRIu64 ": %s, but a valid "
					  "record (index %" PRIu64 ") follows at "
					  "offset %" PRIu64,
					  s->path, x, why, h.index, y);
		batch_first = bf;
		/* walk the records that follow the hole, up to the next hole */
		uint64_t next = h.index;
		while (y < s->size && valid_at(s, y, &h)) {
			if (h.index != next || h.index - h.batch_pos != batch_first)
				return errmsg_set(w->errmsg, GAIA_ECORRUPT,
						  "%s at offset %" PRIu64 ": %s, but a valid "
						  "record (index %" PRIu64 ") of a later write "
						  "follows at offset %" PRIu64,
						  s->path, x, why, h.index, y);
			y += wal_rec_size(h.len);
			next++;
		}
		if (y >= s->size)
			break;
		hole = y;
	}
	s->end = x;
	s->torn = 1;
	s->torn_why = why;
	return GAIA_OK;
}

int wal_scan_segment(struct wal *w, struct wal_scan *s)
{
	struct wal_rec_hdr h;
	const char *why = "file shorter than its header";
	uint64_t first = 0;

	s->end = 0;
	s->nrecs = 0;
	s->torn = 0;
	s->bad_header = 0;
	if (s->size < WAL_SEG_HDR || wal_seg_hdr_decode(s->p, &first, &why) != 0) {
		if (!s->is_last)
			return errmsg_set(w->errmsg, GAIA_ECORRUPT,
					  "%s at offset 0: %s", s->path, why);
		uint64_t y = find_valid(s, 8, &h);
		if (y < s->size)
			return errmsg_set(w->errmsg, GAIA_ECORRUPT,
					  "%s at offset 0: %s, but a valid record "
					  "follows at offset %" PRIu64,
					  s->path, why, y);
		s->torn = 1;
		s->bad_header = 1;
		s->torn_why = why;
		return GAIA_OK;
	}
	if (first != s->name_first)
		return errmsg_set(w->errmsg, GAIA_ECORRUPT,
				  "%s at offset 16: header says first index %" PRIu64
				  ", the file name %" PRIu64,
				  s->path, first, s->name_first);

	uint64_t off = WAL_SEG_HDR, e = first;
	while (off < s->size) {
		if (wal_rec_decode(s->p + off, s->size - off, &h, &why) != 0) {
			if (!s->is_last)
				return errmsg_set(w->errmsg, GAIA_ECORRUPT,
						  "%s at offset %" PRIu64 ": %s (index %"
						  PRIu64 " expected)",
						  s->path, off, why, e);
			return check_tail(w, s, off, e, why);
		}
		if (h.index != e)
			return errmsg_set(w->errmsg, GAIA_ECORRUPT,
					  "%s at offset %" PRIu64 ": record index %"
					  PRIu64 ", expected %" PRIu64,
					  s->path, off, h.index, e);
		int rv = add_slot(w, off, &h);
		if (rv != GAIA_OK)
			return rv;
		off += wal_rec_size(h.len);
		e++;
		s->nrecs++;
	}
	s->end = off;
	return GAIA_OK;
}
