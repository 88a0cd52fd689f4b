/* Unit tests of the KV state machine: put/get/delete/CAS semantics, limits, listing, apply order, views. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
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

struct fx {
	struct kv *kv;
	uint64_t next; /* next Raft index */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct kv_options o = {KV_LIMITS_DEFAULT, 42};
	assert_non_null(f);
	assert_int_equal(kv_create(&o, &f->kv), GAIA_OK);
	f->next = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	kv_destroy(f->kv);
	free(f);
	return 0;
}

/* Encode and apply one command at the next index; returns res.status. */
static int run(struct fx *f, enum kv_op op, const char *key, const char *value, int has_cas,
	       uint64_t cas, struct kv_result *res)
{
	struct kv_cmd c = {op, has_cas != 0, cas, (const uint8_t *)key, strlen(key),
			   (const uint8_t *)value, value ? strlen(value) : 0};
	uint8_t buf[4096];
	size_t len;
	char err[GAIA_ERRMSG_SIZE];

	assert_int_equal(kv_cmd_encode(&c, NULL, buf, sizeof buf, &len, err), GAIA_OK);
	assert_int_equal(kv_apply(f->kv, f->next, buf, len, res), GAIA_OK);
	assert_int_equal(kv_applied_index(f->kv), f->next);
	f->next++;
	return res->status;
}

static int put(struct fx *f, const char *k, const char *v, struct kv_result *r)
{
	return run(f, KV_OP_PUT, k, v, 0, 0, r);
}

static int cas_put(struct fx *f, const char *k, const char *v, uint64_t cas, struct kv_result *r)
{
	return run(f, KV_OP_PUT, k, v, 1, cas, r);
}

static int del(struct fx *f, const char *k, struct kv_result *r)
{
	return run(f, KV_OP_DELETE, k, NULL, 0, 0, r);
}

static int cas_del(struct fx *f, const char *k, uint64_t cas, struct kv_result *r)
{
	return run(f, KV_OP_DELETE, k, NULL, 1, cas, r);
}

static void assert_value(struct fx *f, const char *k, const char *v, uint64_t ci, uint64_t mi)
{
	struct kv_entry e;
	assert_int_equal(kv_get(f->kv, k, strlen(k), &e), GAIA_OK);
	assert_int_equal(e.value_len, strlen(v));
	assert_memory_equal(e.value, v, e.value_len);
	assert_int_equal(e.key_len, strlen(k));
	assert_int_equal(e.create_index, ci);
	assert_int_equal(e.modify_index, mi);
}

static void assert_absent(struct fx *f, const char *k)
{
	struct kv_entry e;
	assert_int_equal(kv_get(f->kv, k, strlen(k), &e), GAIA_ENOTFOUND);
}

static void test_put_get_overwrite(void **state)
{
	struct fx *f = *state;
	struct kv_result r;

	assert_absent(f, "a");
	assert_int_equal(put(f, "a", "1", &r), GAIA_OK);
	assert_int_equal(r.op, KV_OP_PUT);
	assert_int_equal(r.create_index, 1);
	assert_int_equal(r.modify_index, 1);
	assert_value(f, "a", "1", 1, 1);
	assert_int_equal(put(f, "b", "", &r), GAIA_OK);
	assert_value(f, "b", "", 2, 2);
	assert_int_equal(put(f, "a", "22", &r), GAIA_OK);
	assert_int_equal(r.create_index, 1);
	assert_int_equal(r.modify_index, 3);
	assert_value(f, "a", "22", 1, 3);
	assert_int_equal(kv_count(f->kv), 2);
}

static void test_delete(void **state)
{
	struct fx *f = *state;
	struct kv_result r;

	put(f, "a", "1", &r);
	put(f, "a", "2", &r);
	assert_int_equal(del(f, "a", &r), GAIA_OK);
	assert_int_equal(r.op, KV_OP_DELETE);
	assert_int_equal(r.create_index, 1);
	assert_int_equal(r.modify_index, 2);
	assert_absent(f, "a");
	assert_int_equal(kv_count(f->kv), 0);
	assert_int_equal(del(f, "a", &r), GAIA_ENOTFOUND);
	assert_string_not_equal(r.errmsg, "");
	assert_int_equal(kv_applied_index(f->kv), 4);
	/* recreated: a new create index */
	assert_int_equal(put(f, "a", "3", &r), GAIA_OK);
	assert_value(f, "a", "3", 5, 5);
}

static void test_cas_create_only(void **state)
{
	struct fx *f = *state;
	struct kv_result r;

	assert_int_equal(cas_put(f, "k", "v1", 0, &r), GAIA_OK);
	assert_value(f, "k", "v1", 1, 1);
	/* exists now: cas 0 refuses and reports the current version */
	assert_int_equal(cas_put(f, "k", "v2", 0, &r), GAIA_ECAS);
	assert_int_equal(r.modify_index, 1);
	assert_int_equal(r.create_index, 1);
	assert_string_not_equal(r.errmsg, "");
	assert_value(f, "k", "v1", 1, 1);
	assert_int_equal(kv_applied_index(f->kv), 2);
}

static void test_cas_update(void **state)
{
	struct fx *f = *state;
	struct kv_result r;

	put(f, "k", "v1", &r);                                 /* 1 */
	assert_int_equal(cas_put(f, "k", "v2", 7, &r), GAIA_ECAS); /* 2 */
	assert_int_equal(r.modify_index, 1);
	assert_int_equal(cas_put(f, "k", "v2", 1, &r), GAIA_OK); /* 3 */
	assert_value(f, "k", "v2", 1, 3);
	/* the old version no longer matches */
	assert_int_equal(cas_put(f, "k", "v3", 1, &r), GAIA_ECAS);
	assert_int_equal(r.modify_index, 3);
	/* cas N>0 on an absent key: mismatch against 0 */
	assert_int_equal(cas_put(f, "nope", "x", 3, &r), GAIA_ECAS);
	assert_int_equal(r.modify_index, 0);
	assert_absent(f, "nope");
}

static void test_cas_delete(void **state)
{
	struct fx *f = *state;
	struct kv_result r;

	put(f, "k", "v1", &r); /* 1 */
	put(f, "k", "v2", &r); /* 2 */
	assert_int_equal(cas_del(f, "k", 1, &r), GAIA_ECAS);
	assert_int_equal(r.modify_index, 2);
	assert_value(f, "k", "v2", 1, 2);
	assert_int_equal(cas_del(f, "k", 0, &r), GAIA_ECAS);
	assert_int_equal(cas_del(f, "k", 2, &r), GAIA_OK);
	assert_absent(f, "k");
	assert_int_equal(cas_del(f, "k", 2, &r), GAIA_ECAS);
	assert_int_equal(r.modify_index, 0);
	assert_int_equal(cas_del(f, "k", 0, &r), GAIA_ENOTFOUND);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	struct kv_options o = {{8, 16}, 1};
	struct kv *small;
	struct kv_result r;
	struct kv_cmd c = {KV_OP_PUT, false, 0, (const uint8_t *)"123456789", 9,
			   (const uint8_t *)"v", 1};
	struct kv_limits big = {64, 64};
	uint8_t buf[256];
	size_t len;
	char err[GAIA_ERRMSG_SIZE];
	char *key = malloc(1025), *val = malloc(1024 * 1024 + 1);

	(void)f;
	assert_int_equal(kv_create(&o, &small), GAIA_OK);
	/* refused at encode time */
	assert_int_equal(kv_cmd_encode(&c, &o.limits, buf, sizeof buf, &len, err), GAIA_ETOOBIG);
	assert_non_null(strstr(err, "key"));
	/* a node with other limits encoded it: apply refuses it the same way */
	assert_int_equal(kv_cmd_encode(&c, &big, buf, sizeof buf, &len, err), GAIA_OK);
	assert_int_equal(kv_apply(small, 1, buf, len, &r), GAIA_OK);
	assert_int_equal(r.status, GAIA_ETOOBIG);
	assert_int_equal(kv_count(small), 0);
	assert_int_equal(kv_applied_index(small), 1);
	c.key_len = 8;
	c.value = (const uint8_t *)"0123456789abcdefX";
	c.value_len = 17;
	assert_int_equal(kv_cmd_encode(&c, &o.limits, buf, sizeof buf, &len, err), GAIA_ETOOBIG);
	assert_non_null(strstr(err, "value"));
	assert_int_equal(kv_cmd_encode(&c, &big, buf, sizeof buf, &len, err), GAIA_OK);
	assert_int_equal(kv_apply(small, 2, buf, len, &r), GAIA_OK);
	assert_int_equal(r.status, GAIA_ETOOBIG);
	c.value_len = 16;
	assert_int_equal(kv_cmd_encode(&c, &o.limits, buf, sizeof buf, &len, err), GAIA_OK);
	assert_int_equal(kv_apply(small, 3, buf, len, &r), GAIA_OK);
	assert_int_equal(r.status, GAIA_OK);
	/* empty key */
	c.key_len = 0;
	assert_int_equal(kv_cmd_encode(&c, &big, buf, sizeof buf, &len, err), GAIA_EINVAL);
	buf[0] = KV_OP_DELETE;
	buf[1] = 0; /* key length 0 */
	assert_int_equal(kv_apply(small, 4, buf, 2, &r), GAIA_OK);
	assert_int_equal(r.status, GAIA_EINVAL);
	assert_int_equal(kv_count(small), 1);
	kv_destroy(small);

	/* the defaults: 1024-byte keys, 1 MiB values */
	memset(key, 'k', 1025);
	memset(val, 'v', 1024 * 1024 + 1);
	c = (struct kv_cmd){KV_OP_PUT, false, 0, (const uint8_t *)key, 1024, (const uint8_t *)val,
			    1024 * 1024};
	uint8_t *big_buf = malloc(1100 * 1024);
	assert_int_equal(kv_cmd_encode(&c, NULL, big_buf, 1100 * 1024, &len, err), GAIA_OK);
	c.key_len = 1025;
	assert_int_equal(kv_cmd_encode(&c, NULL, big_buf, 1100 * 1024, &len, err), GAIA_ETOOBIG);
	c.key_len = 1024;
	c.value_len++;
	assert_int_equal(kv_cmd_encode(&c, NULL, big_buf, 1100 * 1024, &len, err), GAIA_ETOOBIG);
	free(big_buf);
	free(key);
	free(val);
}

static void test_bad_entries_apply_as_errors(void **state)
{
	struct fx *f = *state;
	struct kv_result r;
	const uint8_t garbage[] = {0x7f, 1, 2, 3};
	const uint8_t truncated[] = {KV_OP_PUT, 5, 'a', 'b'};

	put(f, "a", "1", &r);
	assert_int_equal(kv_apply(f->kv, 2, garbage, sizeof garbage, &r), GAIA_OK);
	assert_int_equal(r.status, GAIA_EINVAL);
	assert_int_equal(r.op, 0);
	assert_int_equal(kv_apply(f->kv, 3, truncated, sizeof truncated, &r), GAIA_OK);
	assert_int_equal(r.status, GAIA_EINVAL);
	assert_int_equal(kv_apply(f->kv, 4, NULL, 0, &r), GAIA_OK);
	assert_int_equal(r.status, GAIA_EINVAL);
	assert_int_equal(kv_applied_index(f->kv), 4);
	assert_int_equal(kv_count(f->kv), 1);
	assert_value(f, "a", "1", 1, 1);
}

static void test_index_order(void **state)
{
	struct fx *f = *state;
	struct kv_result r;
	uint8_t buf[16];
	size_t len;
	char err[GAIA_ERRMSG_SIZE];
	struct kv_cmd c = {KV_OP_PUT, false, 0, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1};

	assert_int_equal(kv_cmd_encode(&c, NULL, buf, sizeof buf, &len, err), GAIA_OK);
	assert_int_equal(kv_apply(f->kv, 2, buf, len, &r), GAIA_EINVAL);
	assert_non_null(strstr(kv_errmsg(f->kv), "next index is 1"));
	assert_int_equal(kv_applied_index(f->kv), 0);
	assert_int_equal(kv_count(f->kv), 0);
	assert_int_equal(kv_apply_noop(f->kv, 1), GAIA_OK);
	assert_int_equal(kv_apply_noop(f->kv, 1), GAIA_EINVAL);
	assert_int_equal(kv_apply_noop(f->kv, 2), GAIA_OK);
	assert_int_equal(kv_applied_index(f->kv), 2);
	assert_int_equal(kv_apply(f->kv, 3, buf, len, &r), GAIA_OK);
	assert_value(f, "k", "v", 3, 3);
}

struct collect {
	char keys[64][32];
	size_t n;
	size_t stop_after;
};

static int collect_cb(const struct kv_entry *e, void *arg)
{
	struct collect *c = arg;
	assert_true(e->key_len < 32);
	memcpy(c->keys[c->n], e->key, e->key_len);
	c->keys[c->n][e->key_len] = '\0';
	c->n++;
	return c->stop_after > 0 && c->n == c->stop_after;
}

static void test_list_prefix_order_limit(void **state)
{
	struct fx *f = *state;
	struct kv_result r;
	const char *keys[] = {"b", "a/2", "a", "a/10", "ab", "a/1", "c", "a/", "a/1/x", "B"};
	struct collect c;

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		put(f, keys[i], "v", &r);

	memset(&c, 0, sizeof c);
	assert_int_equal(kv_list(f->kv, "", 0, 0, collect_cb, &c), 10);
	const char *all[] = {"B", "a", "a/", "a/1", "a/1/x", "a/10", "a/2", "ab", "b", "c"};
	for (size_t i = 0; i < 10; i++)
		assert_string_equal(c.keys[i], all[i]);

	memset(&c, 0, sizeof c);
	assert_int_equal(kv_list(f->kv, "a/", 2, 0, collect_cb, &c), 5);
	assert_string_equal(c.keys[0], "a/");
	assert_string_equal(c.keys[1], "a/1");
	assert_string_equal(c.keys[4], "a/2");

	memset(&c, 0, sizeof c);
	assert_int_equal(kv_list(f->kv, "a/1", 3, 2, collect_cb, &c), 2);
	assert_string_equal(c.keys[0], "a/1");
	assert_string_equal(c.keys[1], "a/1/x");

	memset(&c, 0, sizeof c);
	assert_int_equal(kv_list(f->kv, "zz", 2, 0, collect_cb, &c), 0);
	assert_int_equal(kv_list(f->kv, "a/3", 3, 0, collect_cb, &c), 0);

	/* the callback stops it */
	memset(&c, 0, sizeof c);
	c.stop_after = 3;
	assert_int_equal(kv_list(f->kv, "a", 1, 0, collect_cb, &c), 3);
	assert_string_equal(c.keys[2], "a/1");
}

static void test_binary_keys(void **state)
{
	struct fx *f = *state;
	const uint8_t k1[] = {0x00}, k2[] = {0x00, 0x00}, k3[] = {0xff}, k4[] = {0x00, 0xff};
	const uint8_t *ks[] = {k3, k2, k4, k1};
	size_t ls[] = {1, 2, 2, 1};
	uint8_t buf[16];
	size_t len;
	char err[GAIA_ERRMSG_SIZE];
	struct kv_result r;
	struct kv_entry e;

	for (int i = 0; i < 4; i++) {
		struct kv_cmd c = {KV_OP_PUT, false, 0, ks[i], ls[i], ks[i], ls[i]};
		assert_int_equal(kv_cmd_encode(&c, NULL, buf, sizeof buf, &len, err), GAIA_OK);
		assert_int_equal(kv_apply(f->kv, (uint64_t)i + 1, buf, len, &r), GAIA_OK);
		assert_int_equal(r.status, GAIA_OK);
	}
	assert_int_equal(kv_get(f->kv, k2, 2, &e), GAIA_OK);
	assert_int_equal(e.modify_index, 2);
	assert_int_equal(kv_get(f->kv, k1, 1, &e), GAIA_OK);
	assert_int_equal(e.modify_index, 4);
	assert_int_equal(kv_count(f->kv), 4);
}

static void test_view_is_frozen(void **state)
{
	struct fx *f = *state;
	struct kv_result r;
	struct kv_view *v;
	struct kv_entry e;
	uint64_t d;

	for (int i = 0; i < 200; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%03d", i);
		put(f, k, "old", &r);
	}
	assert_int_equal(kv_freeze(f->kv, &v), GAIA_OK);
	assert_int_equal(kv_view_index(v), 200);
	assert_int_equal(kv_view_count(v), 200);
	d = kv_digest(v);
	for (int i = 0; i < 200; i += 2) {
		char k[16];
		snprintf(k, sizeof k, "k%03d", i);
		if (i % 4 == 0)
			del(f, k, &r);
		else
			put(f, k, "new", &r);
	}
	put(f, "zzz", "added", &r);
	assert_int_equal(kv_count(f->kv), 151);
	assert_int_equal(kv_digest(v), d);
	assert_int_equal(kv_view_count(v), 200);
	assert_int_equal(kv_view_get(v, "k000", 4, &e), GAIA_OK);
	assert_memory_equal(e.value, "old", 3);
	assert_int_equal(kv_view_get(v, "k002", 4, &e), GAIA_OK);
	assert_memory_equal(e.value, "old", 3);
	assert_int_equal(kv_view_get(v, "zzz", 3, &e), GAIA_ENOTFOUND);
	assert_value(f, "k002", "new", 3, 202);
	assert_absent(f, "k000");

	struct collect c;
	memset(&c, 0, sizeof c);
	assert_int_equal(kv_view_list(v, "k00", 3, 0, collect_cb, &c), 10);

	/* a second view shares with the first and the live tree */
	struct kv_view *v2;
	assert_int_equal(kv_freeze(f->kv, &v2), GAIA_OK);
	kv_view_release(v);
	put(f, "k001", "newer", &r);
	assert_int_equal(kv_view_get(v2, "k001", 4, &e), GAIA_OK);
	assert_memory_equal(e.value, "old", 3);
	kv_view_release(v2);
	assert_value(f, "k001", "newer", 2, kv_applied_index(f->kv));
}

static void test_memory_estimate(void **state)
{
	struct fx *f = *state;
	struct kv_result r;
	size_t m0 = kv_memory(f->kv), m1;

	put(f, "key", "0123456789", &r);
	m1 = kv_memory(f->kv);
	assert_true(m1 > m0 + 13);
	put(f, "key", "0123456789012345678901234567890123456789", &r);
	assert_true(kv_memory(f->kv) > m1);
	del(f, "key", &r);
	assert_int_equal(kv_memory(f->kv), m0);
}

/* A snapshot file written by hand through the snap writer. */
static void write_records(const char *dir, uint64_t index, const char *const *keys,
			  const uint64_t *ci, const uint64_t *mi, size_t n, char *path)
{
	struct snap_dir d;
	struct snap_writer w;
	struct snap_meta m = {index, 1, 1700000000, n, NULL, 0};
	struct snap_info info;

	assert_int_equal(snap_dir_init(&d, dir), GAIA_OK);
	assert_int_equal(snap_writer_begin(&w, &d, &m), GAIA_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(snap_writer_add_record(&w, keys[i], strlen(keys[i]), "v", 1, ci[i],
							mi[i]),
				 GAIA_OK);
	assert_int_equal(snap_writer_finish(&w, &info), GAIA_OK);
	snprintf(path, PATH_MAX, "%s/%s", dir, info.filename);
	snap_dir_close(&d);
}

static void test_restore_refuses_bad_snapshots(void **state)
{
	struct fx *f = *state;
	struct kv_result r;
	struct kv_view *v;
	char dir[] = "/tmp/gaia-kvrestore-XXXXXX", path[PATH_MAX];
	uint64_t digest;
	const char *sorted[] = {"a", "b", "c"}, *unsorted[] = {"a", "c", "b"},
		   *dup[] = {"a", "a", "b"}, *empty[] = {"a", "", "b"};
	const uint64_t ci[] = {1, 2, 3}, mi[] = {1, 2, 3}, bad_mi[] = {1, 9, 3},
		       bad_ci[] = {1, 0, 3};

	assert_non_null(mkdtemp(dir));
	put(f, "x", "1", &r);
	put(f, "y", "2", &r);
	assert_int_equal(kv_freeze(f->kv, &v), GAIA_OK);
	digest = kv_digest(v);
	kv_view_release(v);

	struct {
		const char *const *keys;
		const uint64_t *ci, *mi;
		const char *why;
	} cases[] = {
		{unsorted, ci, mi, "out of order"},
		{dup, ci, mi, "out of order"},
		{empty, ci, mi, "empty key"},
		{sorted, ci, bad_mi, "impossible"},
		{sorted, bad_ci, mi, "impossible"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		write_records(dir, 5, cases[i].keys, cases[i].ci, cases[i].mi, 3, path);
		assert_int_equal(kv_restore_file(f->kv, path), GAIA_ECORRUPT);
		if (strstr(kv_errmsg(f->kv), cases[i].why) == NULL)
			fail_msg("case %zu: %s", i, kv_errmsg(f->kv));
		unlink(path);
	}
	/* a flipped byte in the last record: caught by the trailing checksum,
	 * after every record was read */
	write_records(dir, 5, sorted, ci, mi, 3, path);
	{
		FILE *fp = fopen(path, "r+b");
		long at;
		int ch;
		fseek(fp, -41, SEEK_END); /* the last value byte */
		at = ftell(fp);
		ch = fgetc(fp);
		fseek(fp, at, SEEK_SET);
		fputc(ch ^ 1, fp);
		fclose(fp);
	}
	assert_int_equal(kv_restore_file(f->kv, path), GAIA_ECORRUPT);
	assert_non_null(strstr(kv_errmsg(f->kv), "checksum"));
	unlink(path);
	assert_int_equal(kv_restore_file(f->kv, path), GAIA_ENOTFOUND);

	/* nothing changed through all that */
	assert_int_equal(kv_applied_index(f->kv), 2);
	assert_int_equal(kv_count(f->kv), 2);
	assert_int_equal(kv_freeze(f->kv, &v), GAIA_OK);
	assert_int_equal(kv_digest(v), digest);
	kv_view_release(v);

	/* and a good one replaces the state, index included */
	write_records(dir, 5, sorted, ci, mi, 3, path);
	assert_int_equal(kv_restore_file(f->kv, path), GAIA_OK);
	assert_int_equal(kv_applied_index(f->kv), 5);
	assert_int_equal(kv_count(f->kv), 3);
	assert_absent(f, "x");
	assert_value(f, "c", "v", 3, 3);
	f->next = 6;
	assert_int_equal(put(f, "d", "4", &r), GAIA_OK);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_create_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries_apply_as_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_prefix_order_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_is_frozen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_estimate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_refuses_bad_snapshots, setup, teardown),
	};
	return cmocka_run_group_tests_name("kv", tests, NULL, NULL);
}
