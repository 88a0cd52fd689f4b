/* lc_memo.h - the search's memo: set of (linearized operations, register value) configurations seen. */
#ifndef LC_MEMO_H
#define LC_MEMO_H

#include <stddef.h>
#include <stdint.h>

/* A configuration is the register's value, a frontier F (every
 * determinate operation below F is linearized) and the sorted list of the
 * other linearized operations; the pair names the set exactly. */
struct lc_memo_entry {
	uint64_t hash;
	int64_t state;
	uint32_t frontier;
	uint32_t count;
	size_t off; /* into the arena */
};

struct lc_memo {
	struct lc_memo_entry *e;
	size_t n, cap;
	uint32_t *slots; /* entry index + 1, 0 = empty */
	size_t cap_slots;
	uint32_t *arena;
	size_t arena_len, arena_cap;
};

void lc_memo_init(struct lc_memo *m);
void lc_memo_free(struct lc_memo *m);
/* 1 if added, 0 if already there, -1 on no memory */
int lc_memo_add(struct lc_memo *m, int64_t state, uint32_t frontier, const uint32_t *list,
		uint32_t count);

#endif
