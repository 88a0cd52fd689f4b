/* The owner's mutations of the log: append, truncate a suffix, compact a prefix, reset. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

static struct wal_op *op_new(struct wal *w, int kind, size_t nrecs, size_t ndel)
{
	struct wal_op *op = calloc(1, sizeof *op + nrecs * sizeof(struct wal_rec));
	if (!op)
		goto err;
	op->kind = kind;
	op->recs = (struct wal_rec *)(op + 1);
	if (ndel) {
		op->del = malloc(ndel * sizeof *op->del);
		if (!op->del)
			goto err_after_op;
		op->ndel = ndel;
	}
	return op;

err_after_op:
	free(op);
err:
	errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
	return NULL;
}

static int caps_reserve(struct wal *w)
{
	if (w->ncaps < w->caps_cap)
		return GAIA_OK;
	size_t cap = w->caps_cap ? w->caps_cap * 2 : 8;
	struct wal_cap *c = realloc(w->caps, cap * sizeof *c);
	if (!c)
		return errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
	w->caps = c;
	w->caps_cap = cap;
	return GAIA_OK;
}

/* Entries from cap+1 on are gone from the owner's log; until the writer
 * has done op seq, its durable index may still count them. */
static void push_cap(struct wal *w, uint64_t seq, uint64_t cap)
{
	w->caps[w->ncaps++] = (struct wal_cap){ .seq = seq, .cap = cap };
	if (w->durable_index > cap)
		w->durable_index = cap;
}

static int check_entries(struct wal *w, const struct wal_entry *ents, size_t n)
{
	uint64_t next = wal_last(w) + 1;
	for (size_t i = 0; i < n; i++) {
		if (ents[i].index != next + i)
			return errmsg_set(w->errmsg, GAIA_EINVAL,
					  "append: index %" PRIu64 ", expected %" PRIu64,
					  ents[i].index, next + i);
		if (ents[i].len > WAL_ENTRY_MAX)
			return errmsg_set(w->errmsg, GAIA_ETOOBIG,
					  "append: entry %" PRIu64 " has %" PRIu32
					  " bytes, more than %u",
					  ents[i].index, ents[i].len, WAL_ENTRY_MAX);
		if (ents[i].len && !ents[i].data)
			return errmsg_set(w->errmsg, GAIA_EINVAL,
					  "append: entry %" PRIu64 " has no data",
					  ents[i].index);
	}
	return GAIA_OK;
}

/* Where each entry goes: the tail segment until it is full, then a new
 * segment named after its first entry. Fills recs unless NULL; returns
 * how many segments the entries open. */
static size_t place(const struct wal *w, const struct wal_entry *ents, size_t n,
		    struct wal_rec *recs)
{
	const struct wal_seg *tail = &w->segs[w->nsegs - 1];
	uint64_t seg_first = tail->first_index, size = tail->size;
	size_t nnew = 0;

	for (size_t i = 0; i < n; i++) {
		/* seg_first < index: the segment holds at least one entry */
		if (size >= w->opts.segment_size && seg_first < ents[i].index) {
			seg_first = ents[i].index;
			size = WAL_SEG_HDR;
			nnew++;
		}
		if (recs) {
			recs[i].index = ents[i].index;
			recs[i].term = ents[i].term;
			recs[i].type = ents[i].type;
			recs[i].seg_first = seg_first;
			recs[i].off = size;
		}
		size += wal_rec_size(ents[i].len);
	}
	return nnew;
}

/* Account the new slots [count, count+n) to their segments: a slot at the
 * header's end of anything but an empty tail opens a segment. */
static void commit_segments(struct wal *w, const struct wal_slot *slots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t index = wal_last(w) + 1 + i;
		struct wal_seg *tail = &w->segs[w->nsegs - 1];
		if (slots[i].off == WAL_SEG_HDR && tail->first_index != index) {
			tail = &w->segs[w->nsegs++];
			*tail = (struct wal_seg){ .first_index = index, .rfd = -1 };
		}
		tail->size = slots[i].off + wal_rec_size(slots[i].len);
	}
}

int wal_append(struct wal *w, const struct wal_entry *ents, size_t n, uint64_t *seq)
{
	uint64_t tseq;
	int rv;

	if (w->failed)
		return w->failed;
	if (n == 0) {
		if (seq)
			*seq = w->seq;
		return GAIA_OK;
	}
	if ((rv = check_entries(w, ents, n)) != GAIA_OK)
		return rv;
	size_t nnew = place(w, ents, n, NULL);
	if ((rv = wal_slots_reserve(w, n)) != GAIA_OK ||
	    (rv = wal_segs_reserve(w, nnew)) != GAIA_OK)
		return rv;
	struct wal_op *op = op_new(w, WAL_OP_APPEND, n, 0);
	if (!op)
		return GAIA_ENOMEM;
	place(w, ents, n, op->recs);
	/* slots past count stay invisible until the op is queued */
	struct wal_slot *slots = &w->slots[w->head + w->count];
	for (size_t i = 0; i < n; i++) {
		struct wal_buf *b = wal_buf_new(ents[i].data, ents[i].len);
		if (!b) {
			rv = errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
			goto err_after_bufs;
		}
		atomic_fetch_add(&b->refs, 1); /* one for the cache */
		op->recs[i].buf = b;
		op->nrecs++;
		slots[i] = (struct wal_slot){
			.term = ents[i].term, .off = op->recs[i].off,
			.len = ents[i].len, .type = ents[i].type, .buf = b,
		};
	}
	if ((rv = wal_writer_enqueue(w, op, &tseq)) != GAIA_OK)
		goto err_after_bufs;
	commit_segments(w, slots, n);
	w->count += n;
	w->appends += n;
	for (size_t i = 0; i < n; i++)
		w->cache_bytes += sizeof(struct wal_buf) + ents[i].len;
	w->cache_entries += n;
	wal_cache_evict(w);
	if (seq)
		*seq = tseq;
	return GAIA_OK;

err_after_bufs:
	for (size_t i = 0; i < op->nrecs; i++)
		wal_buf_unref(op->recs[i].buf);
	wal_op_free(op);
	return rv;
}

int wal_truncate_suffix(struct wal *w, uint64_t from, uint64_t *seq)
{
	uint64_t last = wal_last(w), tseq;
	int rv;

	if (w->failed)
		return w->failed;
	if (from > last) {
		if (seq)
			*seq = w->seq;
		return GAIA_OK;
	}
	if (from < w->first_index)
		return errmsg_set(w->errmsg, GAIA_ECOMPACTED,
				  "truncate from %" PRIu64 ": entries below %" PRIu64
				  " are compacted (use wal_reset)",
				  from, w->first_index);
	size_t k = wal_seg_find(w, from);
	size_t ndel = w->nsegs - 1 - k;
	if ((rv = caps_reserve(w)) != GAIA_OK)
		return rv;
	struct wal_op *op = op_new(w, WAL_OP_TRUNCATE, 0, ndel);
	if (!op)
		return GAIA_ENOMEM;
	op->from = from;
	op->seg_first = w->segs[k].first_index;
	op->off = wal_slot_at(w, from)->off;
	for (size_t i = 0; i < ndel; i++) /* newest first: a crash leaves a prefix */
		op->del[i] = w->segs[w->nsegs - 1 - i].first_index;
	uint64_t off = op->off;
	if ((rv = wal_writer_enqueue(w, op, &tseq)) != GAIA_OK) {
		wal_op_free(op);
		return rv;
	}
	for (size_t i = k + 1; i < w->nsegs; i++)
		wal_seg_close(&w->segs[i]);
	w->nsegs = k + 1;
	w->segs[k].size = off;
	wal_cache_drop(w, from, last);
	w->count = from - w->first_index;
	if (w->cache_lo > from)
		w->cache_lo = from;
	push_cap(w, tseq, from - 1);
	if (seq)
		*seq = tseq;
	return GAIA_OK;
}

int wal_compact(struct wal *w, uint64_t up_to, uint64_t *seq)
{
	uint64_t tseq;
	size_t k = 0;
	int rv;

	if (w->failed)
		return w->failed;
	while (k + 1 < w->nsegs && w->segs[k + 1].first_index - 1 <= up_to)
		k++;
	if (k == 0) {
		if (seq)
			*seq = w->seq;
		return GAIA_OK;
	}
	struct wal_op *op = op_new(w, WAL_OP_COMPACT, 0, k);
	if (!op)
		return GAIA_ENOMEM;
	for (size_t i = 0; i < k; i++) /* oldest first: a crash leaves a suffix */
		op->del[i] = w->segs[i].first_index;
	if ((rv = wal_writer_enqueue(w, op, &tseq)) != GAIA_OK) {
		wal_op_free(op);
		return rv;
	}
	uint64_t new_first = w->segs[k].first_index;
	for (size_t i = 0; i < k; i++)
		wal_seg_close(&w->segs[i]);
	memmove(w->segs, w->segs + k, (w->nsegs - k) * sizeof *w->segs);
	w->nsegs -= k;
	if (new_first > w->first_index)
		wal_cache_drop(w, w->first_index, new_first - 1);
	w->head += new_first - w->first_index;
	w->count -= new_first - w->first_index;
	w->first_index = new_first;
	if (w->cache_lo < new_first)
		w->cache_lo = new_first;
	if (seq)
		*seq = tseq;
	return GAIA_OK;
}

int wal_reset(struct wal *w, uint64_t next, uint64_t *seq)
{
	uint64_t tseq;
	int rv;

	if (w->failed)
		return w->failed;
	if (next == 0)
		return errmsg_set(w->errmsg, GAIA_EINVAL, "reset: next index 0");
	if ((rv = caps_reserve(w)) != GAIA_OK)
		return rv;
	struct wal_op *op = op_new(w, WAL_OP_RESET, 0, w->nsegs);
	if (!op)
		return GAIA_ENOMEM;
	op->from = next;
	for (size_t i = 0; i < w->nsegs; i++)
		op->del[i] = w->segs[i].first_index;
	if ((rv = wal_writer_enqueue(w, op, &tseq)) != GAIA_OK) {
		wal_op_free(op);
		return rv;
	}
	if (w->count)
		wal_cache_drop(w, w->first_index, wal_last(w));
	for (size_t i = 0; i < w->nsegs; i++)
		wal_seg_close(&w->segs[i]);
	w->segs[0] = (struct wal_seg){ .first_index = next, .size = WAL_SEG_HDR, .rfd = -1 };
	w->nsegs = 1;
	w->head = 0;
	w->count = 0;
	w->first_index = next;
	w->cache_lo = next;
	push_cap(w, tseq, next - 1);
	if (seq)
		*seq = tseq;
	return GAIA_OK;
}
