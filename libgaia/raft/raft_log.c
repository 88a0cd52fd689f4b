/* The in-memory log: a growable array of entries after the compaction
 * point. The core holds every uncompacted entry, so replication never
 * reads the disk; memory is bounded by the snapshot policy. */
#include <stdlib.h>

#include "raft/raft_impl.h"

void log_init(struct raft_log *l)
{
	memset(l, 0, sizeof *l);
}

void log_free(struct raft_log *l)
{
	for (size_t i = 0; i < l->count; i++)
		raft_buf_unref(l->e[l->head + i].buf);
	free(l->e);
	log_init(l);
}

uint64_t log_first(const struct raft_log *l)
{
	return l->snap_index + 1;
}

uint64_t log_last(const struct raft_log *l)
{
	return l->snap_index + l->count;
}

uint64_t log_last_term(const struct raft_log *l)
{
	return l->count ? l->e[l->head + l->count - 1].term : l->snap_term;
}

struct raft_entry *log_get(const struct raft_log *l, uint64_t index)
{
	if (index <= l->snap_index || index > log_last(l))
		return NULL;
	return &l->e[l->head + (index - l->snap_index - 1)];
}

uint64_t log_term(const struct raft_log *l, uint64_t index)
{
	const struct raft_entry *e;
	if (index == l->snap_index)
		return l->snap_term;
	e = log_get(l, index);
	return e ? e->term : 0;
}

int log_append(struct raft_log *l, const struct raft_entry *e)
{
	assert(e->index == log_last(l) + 1);
	if (l->head + l->count == l->cap) {
		if (l->head > l->cap / 2) {
			memmove(l->e, l->e + l->head, l->count * sizeof *l->e);
			l->head = 0;
		} else {
			size_t cap = l->cap ? l->cap * 2 : 64;
			struct raft_entry *ne = realloc(l->e, cap * sizeof *ne);
			if (ne == NULL)
				return GAIA_ENOMEM;
			l->e = ne;
			l->cap = cap;
		}
	}
	l->e[l->head + l->count] = *e;
	raft_buf_ref(e->buf);
	l->count++;
	return GAIA_OK;
}

void log_truncate(struct raft_log *l, uint64_t index)
{
	assert(index > l->snap_index);
	while (log_last(l) >= index) {
		raft_buf_unref(l->e[l->head + l->count - 1].buf);
		l->count--;
	}
}

void log_compact(struct raft_log *l, uint64_t index, uint64_t term)
{
	if (index <= l->snap_index)
		return;
	if (index > log_last(l)) {
		log_reset(l, index, term);
		return;
	}
	while (l->snap_index < index) {
		raft_buf_unref(l->e[l->head].buf);
		l->head++;
		l->count--;
		l->snap_index++;
	}
	l->snap_term = term;
	if (l->count == 0)
		l->head = 0;
}

void log_reset(struct raft_log *l, uint64_t index, uint64_t term)
{
	for (size_t i = 0; i < l->count; i++)
		raft_buf_unref(l->e[l->head + i].buf);
	l->head = 0;
	l->count = 0;
	l->snap_index = index;
	l->snap_term = term;
}
