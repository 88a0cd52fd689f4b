/* lc_memo.c - the search's memo: an open-addressing set of configurations, lists kept in one arena. */
#include <stdlib.h>
#include <string.h>

#include "lc_memo.h"

void lc_memo_init(struct lc_memo *m)
{
	memset(m, 0, sizeof *m);
}

void lc_memo_free(struct lc_memo *m)
{
	free(m->e);
	free(m->slots);
	free(m->arena);
	memset(m, 0, sizeof *m);
}

static uint64_t lc_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

static uint64_t lc_memo_hash(int64_t state, uint32_t frontier, const uint32_t *list, uint32_t count)
{
	uint64_t h = lc_mix(0x243f6a8885a308d3ULL, (uint64_t)state);
	h = lc_mix(h, frontier);
	for (uint32_t i = 0; i < count; i++)
		h = lc_mix(h, list[i]);
	return h;
}

static int lc_memo_grow(struct lc_memo *m)
{
	size_t cap = m->cap_slots ? m->cap_slots * 2 : 1024;
	uint32_t *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = m->e[i].hash & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->cap_slots = cap;
	return 0;
}

int lc_memo_add(struct lc_memo *m, int64_t state, uint32_t frontier, const uint32_t *list,
		uint32_t count)
{
	uint64_t h = lc_memo_hash(state, frontier, list, count);
	struct lc_memo_entry *x;
	size_t j;

	if ((m->n + 1) * 2 > m->cap_slots && lc_memo_grow(m) != 0)
		return -1;
	for (j = h & (m->cap_slots - 1); m->slots[j]; j = (j + 1) & (m->cap_slots - 1)) {
		x = &m->e[m->slots[j] - 1];
		if (x->hash == h && x->state == state && x->frontier == frontier &&
		    x->count == count &&
		    (count == 0 || memcmp(m->arena + x->off, list, count * sizeof *list) == 0))
			return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct lc_memo_entry *e = realloc(m->e, cap * sizeof *e);
		if (!e)
			return -1;
		m->e = e;
		m->cap = cap;
	}
	if (m->arena_len + count > m->arena_cap) {
		size_t cap = m->arena_cap ? m->arena_cap * 2 : 4096;
		while (cap < m->arena_len + count)
			cap *= 2;
		uint32_t *a = realloc(m->arena, cap * sizeof *a);
		if (!a)
			return -1;
		m->arena = a;
		m->arena_cap = cap;
	}
	if (count)
		memcpy(m->arena + m->arena_len, list, count * sizeof *list);
	m->e[m->n] = (struct lc_memo_entry){h, state, frontier, count, m->arena_len};
	m->arena_len += count;
	m->slots[j] = (uint32_t)(++m->n);
	return 1;
}
