/* lc_internal.h - shared internals of the checker (interning, pending invocations). */
#ifndef LC_INTERNAL_H
#define LC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lincheck.h"

struct lc_intern {
	char **names;
	size_t *lens;
	size_t n, cap;
	int64_t *slots; /* open addressing: id or -1 */
	size_t cap_slots;
};

struct lc_intern *lc_intern_new(void);
void lc_intern_free(struct lc_intern *t);
int64_t lc_intern(struct lc_intern *t, const char *s, size_t len);
int64_t lc_intern_reserve(struct lc_intern *t);
const char *lc_intern_name(const struct lc_intern *t, int64_t id);

/* an invocation waiting for its completion */
struct lc_pending {
	int64_t process;
	size_t op;
};

/* bitsets */
static inline int lc_bit(const uint64_t *b, size_t i)
{
	return (int)((b[i >> 6] >> (i & 63)) & 1);
}
static inline void lc_bit_set(uint64_t *b, size_t i)
{
	b[i >> 6] |= 1ULL << (i & 63);
}
static inline void lc_bit_clear(uint64_t *b, size_t i)
{
	b[i >> 6] &= ~(1ULL << (i & 63));
}

#endif
