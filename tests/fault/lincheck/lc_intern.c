/* lc_intern.c - string interning for keys and values (id <-> text). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lc_internal.h"

static uint64_t lc_hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct lc_intern *lc_intern_new(void)
{
	return calloc(1, sizeof(struct lc_intern));
}

void lc_intern_free(struct lc_intern *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->lens);
	free(t->slots);
	free(t);
}

static int lc_intern_grow(struct lc_intern *t)
{
	size_t cap = t->cap_slots ? t->cap_slots * 2 : 64;
	int64_t *slots = malloc(cap * sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < cap; i++)
		slots[i] = -1;
	for (size_t id = 0; id < t->n; id++) {
		if (!t->names[id])
			continue;
		size_t j = lc_hash_str(t->names[id], t->lens[id]) & (cap - 1);
		while (slots[j] >= 0)
			j = (j + 1) & (cap - 1);
		slots[j] = (int64_t)id;
	}
	free(t->slots);
	t->slots = slots;
	t->cap_slots = cap;
	return 0;
}

/* Append a name with no lookup entry (id 0 = "absent" of the values). */
int64_t lc_intern_reserve(struct lc_intern *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **names = realloc(t->names, cap * sizeof *names);
		if (!names)
			return -1;
		t->names = names;
		size_t *lens = realloc(t->lens, cap * sizeof *lens);
		if (!lens)
			return -1;
		t->lens = lens;
		t->cap = cap;
	}
	t->names[t->n] = NULL;
	t->lens[t->n] = 0;
	return (int64_t)t->n++;
}

int64_t lc_intern(struct lc_intern *t, const char *s, size_t len)
{
	size_t j;
	int64_t id;

	if ((t->n + 1) * 2 > t->cap_slots && lc_intern_grow(t) != 0)
		return -1;
	j = lc_hash_str(s, len) & (t->cap_slots - 1);
	while (t->slots[j] >= 0) {
		size_t o = (size_t)t->slots[j];
		if (t->lens[o] == len && memcmp(t->names[o], s, len) == 0)
			return t->slots[j];
		j = (j + 1) & (t->cap_slots - 1);
	}
	id = lc_intern_reserve(t);
	if (id < 0)
		return -1;
	t->names[id] = malloc(len + 1);
	if (!t->names[id]) {
		t->n--;
		return -1;
	}
	memcpy(t->names[id], s, len);
	t->names[id][len] = '\0';
	t->lens[id] = len;
	t->slots[j] = id;
	return id;
}

const char *lc_intern_name(const struct lc_intern *t, int64_t id)
{
	if (id < 0 || (size_t)id >= t->n)
		return NULL;
	return t->names[id];
}
