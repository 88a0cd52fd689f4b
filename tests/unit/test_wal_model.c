/* Model test of the WAL: random appends, truncations, compactions, resets, reads and reopens, with tiny
 * segments and cache, checked after every step against a plain array. WAL_MODEL_SEED replays a run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "gaia.h"
#include "wal/wal.h"
#include "../wal/wal_test_util.h"

struct model {
	uint64_t first;   /* index of terms[0] */
	uint64_t *terms;
	size_t n, cap;
};

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Entry length from (index, term): a reread can be checked exactly. */
static uint32_t model_len(uint64_t index, uint64_t term)
{
	uint64_t x = index * 2654435761u + term * 40503u;
	return (uint32_t)(x % 7 == 0 ? x % 3000 : x % 120);
}

static void model_push(struct model *m, uint64_t term)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->terms = realloc(m->terms, m->cap * sizeof *m->terms);
		assert_non_null(m->terms);
	}
	m->terms[m->n++] = term;
}

static struct wal *reopen(const char *dir, struct wal *w, const struct wal_options *o)
{
	char err[GAIA_ERRMSG_SIZE];
	if (w)
		wal_close(w);
	w = NULL;
	if (wal_open(dir, o, &w, err) != GAIA_OK)
		fail_msg("wal_open: %s", err);
	return w;
}

static void check_range(struct wal *w, const struct model *m, uint64_t lo, uint64_t hi,
			struct wal_batch *b)
{
	while (lo <= hi) {
		size_t max = 1 + (size_t)(lo % 5000);
		if (wal_read(w, lo, hi, max, b) != GAIA_OK)
			fail_msg("read %" PRIu64 "..%" PRIu64 ": %s", lo, hi, wal_errmsg(w));
		assert_true(b->n >= 1);
		for (size_t k = 0; k < b->n; k++) {
			const struct wal_entry *e = &b->ents[k];
			uint64_t t = m->terms[e->index - m->first];
			assert_int_equal(e->index, lo + k);
			assert_int_equal(e->term, t);
			assert_int_equal(e->len, model_len(e->index, t));
			assert_true(wt_check(e));
		}
		lo += b->n;
	}
}

static void check_all(struct wal *w, const struct model *m, struct wal_batch *b)
{
	assert_int_equal(wal_first_index(w), m->first);
	assert_int_equal(wal_last_index(w), m->first + m->n - 1);
	for (size_t i = 0; i < m->n; i++) {
		uint64_t t;
		assert_int_equal(wal_term(w, m->first + i, &t), GAIA_OK);
		assert_int_equal(t, m->terms[i]);
	}
	if (m->n)
		check_range(w, m, m->first, m->first + m->n - 1, b);
}

static void run(uint64_t seed, int steps)
{
	struct wt_dir d;
	struct wal_options o;
	struct model m = { .first = 1 };
	struct wal_batch b = WAL_BATCH_INIT;
	struct wal_progress p;
	uint64_t term = 1, s = seed | 1;

	wt_dir_make_fast(&d);
	wal_options_init(&o);
	o.segment_size = 512 + rng(&s) % 4096;
	o.cache_bytes = rng(&s) % 8192;
	struct wal *w = reopen(d.log, NULL, &o);
	for (int step = 0; step < steps; step++) {
		uint64_t r = rng(&s) % 100, last = m.first + m.n - 1;
		if (r < 55) {
			struct wal_entry e[12];
			size_t n = 1 + rng(&s) % 12;
			if (rng(&s) % 10 == 0)
				term++;
			for (size_t i = 0; i < n; i++) {
				uint64_t idx = last + 1 + i;
				uint32_t len = model_len(idx, term);
				unsigned char *data = malloc(len ? len : 1);
				wt_fill(data, len, idx, term);
				e[i] = (struct wal_entry){ .index = idx, .term = term,
							   .type = wt_type(idx), .data = data,
							   .len = len };
				model_push(&m, term);
			}
			assert_int_equal(wal_append(w, e, n, NULL), GAIA_OK);
			for (size_t i = 0; i < n; i++)
				free((void *)e[i].data);
		} else if (r < 65 && m.n) {
			uint64_t from = m.first + rng(&s) % (m.n + 1);
			assert_int_equal(wal_truncate_suffix(w, from, NULL), GAIA_OK);
			m.n = from - m.first;
			term++;
		} else if (r < 72 && m.n) {
			uint64_t up_to = m.first + rng(&s) % (m.n + 5);
			uint64_t old_first = m.first;
			assert_int_equal(wal_compact(w, up_to, NULL), GAIA_OK);
			uint64_t nf = wal_first_index(w);
			assert_true(nf >= old_first && nf <= last + 1);
			assert_true(nf == old_first || nf <= up_to + 1);
			memmove(m.terms, m.terms + (nf - old_first),
				(m.n - (nf - old_first)) * sizeof *m.terms);
			m.n -= nf - old_first;
			m.first = nf;
		} else if (r < 74) {
			uint64_t next = last + 1 + rng(&s) % 40;
			if (next > 3 && rng(&s) % 4 == 0)
				next -= 3; /* backwards too */
			assert_int_equal(wal_reset(w, next, NULL), GAIA_OK);
			m.first = next;
			m.n = 0;
		} else if (r < 77) {
			w = reopen(d.log, w, &o);
			check_all(w, &m, &b);
		} else if (r < 85) {
			assert_int_equal(wal_sync(w, &p), GAIA_OK);
			assert_int_equal(p.durable_index, m.first + m.n - 1);
		} else if (m.n) {
			uint64_t lo = m.first + rng(&s) % m.n;
			uint64_t hi = lo + rng(&s) % (m.first + m.n - lo);
			check_range(w, &m, lo, hi, &b);
		}
		assert_int_equal(wal_poll_completions(w, &p), GAIA_OK);
		assert_true(p.durable_index <= m.first + m.n - 1);
		assert_int_equal(wal_last_index(w), m.first + m.n - 1);
	}
	w = reopen(d.log, w, &o);
	check_all(w, &m, &b);
	wal_close(w);
	wal_batch_free(&b);
	free(m.terms);
	wt_dir_remove(&d);
}

static void test_model(void **state)
{
	(void)state;
	const char *env = getenv("WAL_MODEL_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	int runs = env ? 1 : 8;
	for (int i = 0; i < runs; i++) {
		print_message("seed %" PRIu64 " (WAL_MODEL_SEED)\n", seed + (uint64_t)i);
		run(seed + (uint64_t)i, 2500);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
	};
	return cmocka_run_group_tests_name("wal_model", tests, NULL, NULL);
}
