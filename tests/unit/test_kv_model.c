/* Property tests: seeded random command sequences against a sorted-array reference model, with frozen views held across changes, and snapshot/restore giving an equal state that evolves identically. */
#include <setjmp.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gaia.h"
#include "kv/kv.h"
#include "snap/snap.h"

/* ---- the reference model: a sorted array ---- */

struct ment {
	uint8_t key[16];
	size_t klen;
	uint8_t val[64];
	size_t vlen;
	uint64_t ci, mi;
};

struct model {
	struct ment *e;
	size_t n, cap;
};

static int mcmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t m = al < bl ? al : bl;
	for (size_t i = 0; i < m; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return al == bl ? 0 : (al < bl ? -1 : 1);
}

/* Position of key, or where it would go; *found says which. */
static size_t mfind(const struct model *m, const uint8_t *k, size_t kl, int *found)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = mcmp(m->e[mid].key, m->e[mid].klen, k, kl);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static void mput(struct model *m, const struct ment *x)
{
	int found;
	size_t i = mfind(m, x->key, x->klen, &found);
	if (found) {
		m->e[i] = *x;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->e = realloc(m->e, m->cap * sizeof *m->e);
		assert_non_null(m->e);
	}
	memmove(m->e + i + 1, m->e + i, (m->n - i) * sizeof *m->e);
	m->e[i] = *x;
	m->n++;
}

static void mdel(struct model *m, size_t i)
{
	memmove(m->e + i, m->e + i + 1, (m->n - i - 1) * sizeof *m->e);
	m->n--;
}

static struct model mcopy(const struct model *m)
{
	struct model c = {malloc((m->n ? m->n : 1) * sizeof *m->e), m->n, m->n};
	assert_non_null(c.e);
	if (m->n > 0)
		memcpy(c.e, m->e, m->n * sizeof *m->e);
	return c;
}

/* The digest as kv.h defines it, computed independently. */
static uint64_t mdigest(const struct model *m)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
#define MIX(byte) (h = (h ^ (uint8_t)(byte)) * UINT64_C(0x100000001b3))
	for (size_t i = 0; i < m->n; i++) {
		const struct ment *e = &m->e[i];
		for (int b = 0; b < 4; b++)
			MIX(e->klen >> (8 * b));
		for (size_t b = 0; b < e->klen; b++)
			MIX(e->key[b]);
		for (int b = 0; b < 4; b++)
			MIX(e->vlen >> (8 * b));
		for (size_t b = 0; b < e->vlen; b++)
			MIX(e->val[b]);
		for (int b = 0; b < 8; b++)
			MIX(e->ci >> (8 * b));
		for (int b = 0; b < 8; b++)
			MIX(e->mi >> (8 * b));
	}
#undef MIX
	return h;
}

/* ---- comparing the kv (or a view) with the model ---- */

struct cmp_ctx {
	const struct model *m;
	size_t pos; /* index into m->e of the next expected entry */
	size_t end;
	uint64_t seed;
};

static int cmp_cb(const struct kv_entry *e, void *arg)
{
	struct cmp_ctx *c = arg;
	const struct ment *x;
	if (c->pos >= c->end)
		fail_msg("seed %llu: listing gives more keys than the model", (unsigned long long)c->seed);
	x = &c->m->e[c->pos++];
	if (e->key_len != x->klen || memcmp(e->key, x->key, x->klen) != 0 ||
	    e->value_len != x->vlen || (x->vlen && memcmp(e->value, x->val, x->vlen) != 0) ||
	    e->create_index != x->ci || e->modify_index != x->mi)
		fail_msg("seed %llu: listing differs from the model at position %zu",
			 (unsigned long long)c->seed, c->pos - 1);
	return 0;
}

static size_t model_prefix_range(const struct model *m, const uint8_t *p, size_t pl, size_t *first)
{
	int found;
	size_t i = mfind(m, p, pl, &found), n = 0;
	*first = i;
	while (i + n < m->n && m->e[i + n].klen >= pl && memcmp(m->e[i + n].key, p, pl) == 0)
		n++;
	return n;
}

static void check_list(const struct kv *kv, const struct kv_view *v, const struct model *m,
		       const uint8_t *p, size_t pl, size_t limit, uint64_t seed)
{
	struct cmp_ctx c = {m, 0, 0, seed};
	size_t n = model_prefix_range(m, p, pl, &c.pos), got;
	if (limit > 0 && n > limit)
		n = limit;
	c.end = c.pos + n;
	got = kv ? kv_list(kv, p, pl, limit, cmp_cb, &c) : kv_view_list(v, p, pl, limit, cmp_cb, &c);
	if (got != n || c.pos != c.end)
		fail_msg("seed %llu: listing of a prefix gave %zu keys, the model %zu",
			 (unsigned long long)seed, got, n);
}

static void check_all(const struct kv *kv, const struct kv_view *v, const struct model *m,
		      uint64_t seed)
{
	check_list(kv, v, m, (const uint8_t *)"", 0, 0, seed);
	if (kv != NULL) {
		assert_int_equal(kv_count(kv), m->n);
	} else {
		assert_int_equal(kv_view_count(v), m->n);
		assert_int_equal(kv_digest(v), mdigest(m));
	}
}

/* ---- random commands ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static size_t rkey(struct rng *r, uint8_t *k, int wide)
{
	static const uint8_t small[] = {'a', 'b', '/'};
	size_t len = 1 + rnd(r) % (wide ? 12 : 5);
	for (size_t i = 0; i < len; i++) {
		uint64_t x = rnd(r);
		k[i] = wide ? (uint8_t)(x % 7 == 0 ? (x >> 8) : 'a' + (x >> 8) % 26) : small[x % 3];
	}
	return len;
}

struct held_view {
	struct kv_view *v;
	struct model m;
};

struct run {
	struct kv *kv;
	struct kv *replica; /* restored from a snapshot midway, then fed the same entries */
	struct model m;
	struct rng r;
	uint64_t seed;
	uint64_t index;
	struct held_view views[4];
	char dir[64];
	struct snap_dir sd;
};

static void apply_both(struct run *t, const uint8_t *buf, size_t len, struct kv_result *res)
{
	struct kv_result rr;
	assert_int_equal(kv_apply(t->kv, t->index, buf, len, res), GAIA_OK);
	if (t->replica != NULL) {
		assert_int_equal(kv_apply(t->replica, t->index, buf, len, &rr), GAIA_OK);
		assert_int_equal(rr.status, res->status);
		assert_int_equal(rr.modify_index, res->modify_index);
		assert_int_equal(rr.create_index, res->create_index);
	}
}

static void step_command(struct run *t, int wide)
{
	struct ment x;
	struct kv_cmd c;
	struct kv_result res;
	uint8_t buf[256];
	size_t len, i;
	char err[GAIA_ERRMSG_SIZE];
	int found, want;
	uint64_t kind = rnd(&t->r) % 100, cur_mi;

	memset(&x, 0, sizeof x);
	x.klen = rkey(&t->r, x.key, wide);
	i = mfind(&t->m, x.key, x.klen, &found);
	cur_mi = found ? t->m.e[i].mi : 0;
	memset(&c, 0, sizeof c);
	c.key = x.key;
	c.key_len = x.klen;
	if (kind < 60) {
		c.op = KV_OP_PUT;
		x.vlen = rnd(&t->r) % 41;
		for (size_t b = 0; b < x.vlen; b++)
			x.val[b] = (uint8_t)rnd(&t->r);
		c.value = x.val;
		c.value_len = x.vlen;
	} else {
		c.op = KV_OP_DELETE;
	}
	uint64_t casmode = rnd(&t->r) % 10;
	if (casmode >= 5) {
		c.has_cas = true;
		c.cas = casmode == 5 ? 0 : casmode <= 7 ? cur_mi : rnd(&t->r) % (t->index + 2);
	}
	assert_int_equal(kv_cmd_encode(&c, NULL, buf, sizeof buf, &len, err), GAIA_OK);
	apply_both(t, buf, len, &res);

	/* what the model says */
	if (c.has_cas && c.cas != cur_mi) {
		want = GAIA_ECAS;
	} else if (c.op == KV_OP_DELETE && !found) {
		want = GAIA_ENOTFOUND;
	} else {
		want = GAIA_OK;
	}
	if (res.status != want)
		fail_msg("seed %llu index %llu: status %d, model says %d (%s)",
			 (unsigned long long)t->seed, (unsigned long long)t->index, res.status, want,
			 res.errmsg);
	if (want == GAIA_ECAS)
		assert_int_equal(res.modify_index, cur_mi);
	if (want == GAIA_OK && c.op == KV_OP_PUT) {
		x.ci = found ? t->m.e[i].ci : t->index;
		x.mi = t->index;
		assert_int_equal(res.create_index, x.ci);
		assert_int_equal(res.modify_index, x.mi);
		mput(&t->m, &x);
	} else if (want == GAIA_OK) {
		mdel(&t->m, i);
	}
}

static void step_bad(struct run *t)
{
	uint8_t buf[2048];
	size_t len = 1 + rnd(&t->r) % 16;
	struct kv_result res;

	if (rnd(&t->r) % 2) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd(&t->r);
		buf[0] = 0x7e; /* never a valid op */
	} else {
		/* a key above the limit, well-formed otherwise */
		buf[0] = KV_OP_DELETE;
		buf[1] = 0x81;
		buf[2] = 0x08; /* 1025 */
		memset(buf + 3, 'k', 1025);
		len = 3 + 1025;
	}
	apply_both(t, buf, len, &res);
	assert_true(res.status == GAIA_EINVAL || res.status == GAIA_ETOOBIG);
}

static void check_reads(struct run *t, int wide)
{
	uint8_t k[16];
	size_t kl = rkey(&t->r, k, wide), i;
	int found;
	struct kv_entry e;

	i = mfind(&t->m, k, kl, &found);
	if (!found) {
		assert_int_equal(kv_get(t->kv, k, kl, &e), GAIA_ENOTFOUND);
	} else {
		assert_int_equal(kv_get(t->kv, k, kl, &e), GAIA_OK);
		assert_int_equal(e.value_len, t->m.e[i].vlen);
		assert_int_equal(e.modify_index, t->m.e[i].mi);
		assert_int_equal(e.create_index, t->m.e[i].ci);
	}
	kl = rnd(&t->r) % 3;
	check_list(t->kv, NULL, &t->m, k, kl, rnd(&t->r) % 5, t->seed);
}

static void view_step(struct run *t)
{
	int slot = (int)(rnd(&t->r) % 4);
	struct held_view *h = &t->views[slot];

	if (h->v != NULL) {
		/* it must still be exactly what it was */
		check_all(NULL, h->v, &h->m, t->seed);
		kv_view_release(h->v);
		free(h->m.e);
		h->v = NULL;
	} else {
		assert_int_equal(kv_freeze(t->kv, &h->v), GAIA_OK);
		assert_int_equal(kv_view_index(h->v), t->index);
		h->m = mcopy(&t->m);
	}
}

static void snapshot_restore(struct run *t)
{
	struct kv_view *v, *rv;
	struct snap_writer w;
	struct snap_info info;
	struct kv *restored;
	struct kv_options o = {KV_LIMITS_DEFAULT, t->seed + 99};
	char path[PATH_MAX];

	assert_int_equal(kv_freeze(t->kv, &v), GAIA_OK);
	if (kv_snapshot_save(v, &t->sd, 3, "m", 1, 1700000000 + (int64_t)t->index, &w, &info) !=
	    GAIA_OK)
		fail_msg("seed %llu: snapshot: %s", (unsigned long long)t->seed, w.errmsg);
	assert_int_equal(info.index, t->index);
	assert_int_equal(info.entry_count, t->m.n);
	snprintf(path, sizeof path, "%s/%s", t->dir, info.filename);
	assert_int_equal(kv_create(&o, &restored), GAIA_OK);
	if (kv_restore_file(restored, path) != GAIA_OK)
		fail_msg("seed %llu: restore: %s", (unsigned long long)t->seed, kv_errmsg(restored));
	unlink(path);
	assert_int_equal(kv_applied_index(restored), t->index);
	check_all(restored, NULL, &t->m, t->seed);
	assert_int_equal(kv_freeze(restored, &rv), GAIA_OK);
	assert_int_equal(kv_digest(rv), kv_digest(v));
	assert_int_equal(kv_digest(rv), mdigest(&t->m));
	kv_view_release(rv);
	kv_view_release(v);
	/* from now on the restored state is fed the same entries */
	kv_destroy(t->replica);
	t->replica = restored;
}

static void run_seed(uint64_t seed, int steps, int wide)
{
	struct run t;
	struct kv_options o = {KV_LIMITS_DEFAULT, seed};

	memset(&t, 0, sizeof t);
	t.seed = seed;
	t.r.s = seed * 2654435761u + 1;
	snprintf(t.dir, sizeof t.dir, "/tmp/gaia-kvmodel-XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	assert_int_equal(snap_dir_init(&t.sd, t.dir), GAIA_OK);
	assert_int_equal(kv_create(&o, &t.kv), GAIA_OK);
	for (int s = 0; s < steps; s++) {
		uint64_t what = rnd(&t.r) % 1000;
		t.index++;
		if (what < 30) {
			assert_int_equal(kv_apply_noop(t.kv, t.index), GAIA_OK);
			if (t.replica)
				assert_int_equal(kv_apply_noop(t.replica, t.index), GAIA_OK);
		} else if (what < 45) {
			step_bad(&t);
		} else {
			step_command(&t, wide);
		}
		check_reads(&t, wide);
		if (rnd(&t.r) % 100 == 0)
			view_step(&t);
		if ((s + 1) % 500 == 0)
			check_all(t.kv, NULL, &t.m, seed);
		if ((s + 1) % (steps / 3) == 0)
			snapshot_restore(&t);
	}
	check_all(t.kv, NULL, &t.m, seed);
	/* the replica, restored midway and fed the rest, ends identical */
	{
		struct kv_view *a, *b;
		assert_int_equal(kv_freeze(t.kv, &a), GAIA_OK);
		assert_int_equal(kv_freeze(t.replica, &b), GAIA_OK);
		assert_int_equal(kv_view_index(a), kv_view_index(b));
		assert_int_equal(kv_digest(a), kv_digest(b));
		assert_int_equal(kv_digest(a), mdigest(&t.m));
		check_all(NULL, b, &t.m, seed);
		kv_view_release(a);
		kv_view_release(b);
	}
	for (int i = 0; i < 4; i++) {
		if (t.views[i].v != NULL) {
			check_all(NULL, t.views[i].v, &t.views[i].m, seed);
			kv_view_release(t.views[i].v);
			free(t.views[i].m.e);
		}
	}
	kv_destroy(t.replica);
	kv_destroy(t.kv);
	free(t.m.e);
	snap_dir_close(&t.sd);
	assert_int_equal(rmdir(t.dir), 0);
}

static uint64_t base_seed(void)
{
	const char *s = getenv("GAIA_TEST_SEED");
	return s != NULL ? strtoull(s, NULL, 10) : 1;
}

static void test_small_keyspace(void **state)
{
	(void)state;
	/* 363 possible keys, many of them prefixes of others: lots of
	 * overwrites, CAS hits and deletes of present keys */
	for (uint64_t s = base_seed(); s < base_seed() + 6; s++)
		run_seed(s, 4000, 0);
}

static void test_wide_keyspace(void **state)
{
	(void)state;
	/* mostly fresh keys: a bigger, deeper tree */
	for (uint64_t s = base_seed() + 100; s < base_seed() + 102; s++)
		run_seed(s, 15000, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_keyspace),
		cmocka_unit_test(test_wide_keyspace),
	};
	return cmocka_run_group_tests_name("kv_model", tests, NULL, NULL);
}
