/* The owner's in-memory side of the WAL: entry buffers, index, segment list, cache. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

static int nomem(struct wal *w)
{
	return errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
}

struct wal_buf *wal_buf_new(const void *data, uint32_t len)
{
	struct wal_buf *b = malloc(sizeof *b + len);
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->len = len;
	if (len)
		memcpy(b->data, data, len);
	return b;
}

void wal_buf_unref(struct wal_buf *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

/* Room for extra more slots after the last one; slides the live slots
 * to the front first when compaction has left the front unused. */
int wal_slots_reserve(struct wal *w, size_t extra)
{
	if (w->head > 0 && w->head >= w->count) {
		memmove(w->slots, w->slots + w->head, w->count * sizeof *w->slots);
		w->head = 0;
	}
	size_t need = w->head + w->count + extra;
	if (need <= w->slots_cap)
		return GAIA_OK;
	size_t cap = w->slots_cap ? w->slots_cap : 1024;
	while (cap < need)
		cap *= 2;
	struct wal_slot *s = realloc(w->slots, cap * sizeof *s);
	if (!s)
		return nomem(w);
	w->slots = s;
	w->slots_cap = cap;
	return GAIA_OK;
}

int wal_segs_reserve(struct wal *w, size_t extra)
{
	size_t need = w->nsegs + extra;
	if (need <= w->segs_cap)
		return GAIA_OK;
	size_t cap = w->segs_cap ? w->segs_cap : 16;
	while (cap < need)
		cap *= 2;
	struct wal_seg *s = realloc(w->segs, cap * sizeof *s);
	if (!s)
		return nomem(w);
	w->segs = s;
	w->segs_cap = cap;
	return GAIA_OK;
}

/* The segment holding index: the last one whose first index is <= it. */
size_t wal_seg_find(const struct wal *w, uint64_t index)
{
	size_t lo = 0, hi = w->nsegs;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->segs[mid].first_index <= index)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void wal_seg_close(struct wal_seg *s)
{
	if (s->rfd >= 0)
		close(s->rfd);
	s->rfd = -1;
}

static size_t cache_cost(uint32_t len)
{
	return sizeof(struct wal_buf) + len;
}

/* Forget the cached payloads of the entries from..to (inclusive), which
 * are leaving the log. */
void wal_cache_drop(struct wal *w, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i <= to && i >= from; i++) {
		struct wal_slot *s = wal_slot_at(w, i);
		if (!s->buf)
			continue;
		w->cache_bytes -= cache_cost(s->len);
		w->cache_entries--;
		wal_buf_unref(s->buf);
		s->buf = NULL;
	}
}

/* Keep the cache within its bound by forgetting the oldest entries; only
 * durable ones, since the others can be read from nowhere else. */
void wal_cache_evict(struct wal *w)
{
	uint64_t last = wal_last(w);
	while (w->cache_bytes > w->opts.cache_bytes && w->cache_lo <= last &&
	       w->cache_lo <= w->durable_index) {
		if (w->cache_lo >= w->first_index)
			wal_cache_drop(w, w->cache_lo, w->cache_lo);
		w->cache_lo++;
	}
}

void wal_op_free(struct wal_op *op)
{
	for (size_t i = 0; i < op->nrecs; i++)
		wal_buf_unref(op->recs[i].buf);
	free(op->del);
	free(op);
}

void wal_logf(const struct wal *w, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!w->opts.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	w->opts.log(w->opts.log_ud, level, msg);
}
