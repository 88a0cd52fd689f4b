/* Unit tests of the snapshot directory: names, listing order, temp files, pruning by age and count with pins, and streaming. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "gaia.h"
#include "snap/snap.h"

#define DAY 86400
#define T0 INT64_C(1700000000) /* 2023-11-14 22:13:20 UTC */

struct fx {
	char dir[64];
	struct snap_dir d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/gaia-snapdir-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(snap_dir_init(&f->d, f->dir), GAIA_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	snap_dir_close(&f->d);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void make_snap(struct fx *f, uint64_t index, uint64_t term, int64_t created_at,
		      size_t records, struct snap_info *info)
{
	struct snap_writer w;
	struct snap_meta m = {index, term, created_at, records, "m", 1};
	char key[32];

	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	for (size_t i = 0; i < records; i++) {
		snprintf(key, sizeof key, "key%05zu", i);
		assert_int_equal(snap_writer_add_record(&w, key, strlen(key), "value", 5, 1, 1),
				 GAIA_OK);
	}
	if (snap_writer_finish(&w, info) != GAIA_OK)
		fail_msg("finish: %s", w.errmsg);
}

static void touch(struct fx *f, const char *name, const char *content)
{
	char path[PATH_MAX];
	FILE *fp;
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static bool exists(struct fx *f, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	return access(path, F_OK) == 0;
}

static void test_filenames(void **state)
{
	char buf[SNAP_FILENAME_MAX];
	uint64_t idx;
	int64_t t;
	(void)state;

	snap_format_filename(buf, 42, T0);
	assert_string_equal(buf, "snapshot_42_20231114221320.snap");
	assert_true(snap_parse_filename(buf, &idx, &t));
	assert_int_equal(idx, 42);
	assert_int_equal(t, T0);
	snap_format_filename(buf, UINT64_MAX, INT64_C(253402300799));
	assert_string_equal(buf, "snapshot_18446744073709551615_99991231235959.snap");
	assert_true(snap_parse_filename(buf, &idx, &t));
	assert_int_equal(idx, UINT64_MAX);
	assert_true(snap_parse_filename("snapshot_0_19700101000000.snap", NULL, NULL));

	const char *bad[] = {
		"snapshot_042_20231114221320.snap",       /* leading zero */
		"snapshot_42_20231314221320.snap",        /* month 13 */
		"snapshot_42_20230231221320.snap",        /* 31 February */
		"snapshot_42_2023111422132.snap",         /* short stamp */
		"snapshot_42_20231114221320.snap.tmp",
		"snapshot__20231114221320.snap",
		"snapshot_18446744073709551616_20231114221320.snap", /* overflow */
		"../snapshot_42_20231114221320.snap",
		"snapshot_4/2_20231114221320.snap",
		"tmp-snapshot_42_1.snap",
		"snapshot_42_19691231235959.snap",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (snap_parse_filename(bad[i], NULL, NULL))
			fail_msg("accepted '%s'", bad[i]);
	assert_false(snap_parse_filename(NULL, NULL, NULL));
}

static void test_list_newest_first(void **state)
{
	struct fx *f = *state;
	struct snap_list l;
	struct snap_info a, b, c, d;
	char path[PATH_MAX];

	assert_int_equal(snap_list(&f->d, &l), GAIA_OK);
	assert_int_equal(l.count, 0);
	snap_list_free(&l);

	make_snap(f, 5, 1, T0 + 30, 3, &a);
	make_snap(f, 100, 4, T0, 10, &b);
	make_snap(f, 20, 2, T0 + 50, 0, &c);
	make_snap(f, 100, 4, T0 + 10, 1, &d); /* same index, taken later */
	touch(f, "notes.txt", "x");
	touch(f, "tmp-snapshot_7_1.snap", "half");
	touch(f, "snapshot_3_20231114221320.snap", "garbage header"); /* named right, broken */
	snprintf(path, sizeof path, "%s/snapshot_9_20231114221320.snap", f->dir);
	assert_int_equal(mkdir(path, 0700), 0); /* a directory with the right name */

	assert_int_equal(snap_list(&f->d, &l), GAIA_OK);
	assert_int_equal(l.count, 5);
	assert_string_equal(l.items[0].filename, d.filename);
	assert_string_equal(l.items[1].filename, b.filename);
	assert_string_equal(l.items[2].filename, c.filename);
	assert_string_equal(l.items[3].filename, a.filename);
	assert_string_equal(l.items[4].filename, "snapshot_3_20231114221320.snap");
	assert_true(l.items[0].header_ok);
	assert_int_equal(l.items[1].index, 100);
	assert_int_equal(l.items[1].term, 4);
	assert_int_equal(l.items[1].entry_count, 10);
	assert_int_equal(l.items[1].created_at, T0);
	assert_int_equal(l.items[1].size, b.size);
	assert_int_equal(l.items[2].created_at, T0 + 50);
	assert_false(l.items[4].header_ok);
	assert_int_equal(l.items[4].index, 3);
	assert_int_equal(l.items[4].created_at, T0);
	assert_int_equal(l.items[4].size, 14);
	snap_list_free(&l);
}

static void test_temp_cleanup(void **state)
{
	struct fx *f = *state;
	struct snap_writer w;
	struct snap_meta m = {50, 1, T0, 1, NULL, 0};
	struct snap_list l;
	struct snap_info info;
	size_t removed;

	touch(f, "tmp-snapshot_7_1.snap", "abandoned");
	touch(f, "tmp-snapshot_8_99.snap", "abandoned");
	/* a snapshot half received from the leader when the node crashed */
	touch(f, "receiving-5.part", "half");
	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	assert_true(exists(f, w.tmp_name));
	/* the writer in progress is left alone */
	assert_int_equal(snap_cleanup_temps(&f->d, &removed), GAIA_OK);
	assert_int_equal(removed, 3);
	assert_false(exists(f, "tmp-snapshot_7_1.snap"));
	assert_false(exists(f, "receiving-5.part"));
	assert_true(exists(f, w.tmp_name));
	assert_int_equal(snap_list(&f->d, &l), GAIA_OK);
	assert_int_equal(l.count, 0); /* not listed while written */
	snap_list_free(&l);
	assert_int_equal(snap_writer_add_record(&w, "k", 1, "v", 1, 1, 1), GAIA_OK);
	assert_int_equal(snap_writer_finish(&w, &info), GAIA_OK);
	assert_int_equal(snap_list(&f->d, &l), GAIA_OK);
	assert_int_equal(l.count, 1);
	snap_list_free(&l);
	assert_int_equal(snap_cleanup_temps(&f->d, &removed), GAIA_OK);
	assert_int_equal(removed, 0);
}

/* Two snapshots at one index taken at different times (other bytes) have
 * different file ids; a copy of a file has the same id. */
static void test_file_id(void **state)
{
	struct fx *f = *state;
	struct snap_info a, b;
	char pa[PATH_MAX], pb[PATH_MAX], pc[PATH_MAX], cmd[3 * PATH_MAX], err[GAIA_ERRMSG_SIZE];
	uint64_t ia, ib, ic;

	make_snap(f, 40, 2, T0, 3, &a);
	make_snap(f, 40, 2, T0 + 1, 4, &b);
	snprintf(pa, sizeof pa, "%s/%s", f->dir, a.filename);
	snprintf(pb, sizeof pb, "%s/%s", f->dir, b.filename);
	snprintf(pc, sizeof pc, "%s/copy", f->dir);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", pa, pc);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(snap_file_id(pa, &ia, err), GAIA_OK);
	assert_int_equal(snap_file_id(pb, &ib, err), GAIA_OK);
	assert_int_equal(snap_file_id(pc, &ic, err), GAIA_OK);
	assert_true(ia != 0 && ib != 0);
	assert_true(ia != ib);
	assert_true(ia == ic);
	/* the writer gives the same id without reading the file again */
	assert_true(a.file_id == ia && b.file_id == ib);
	touch(f, "short", "x");
	snprintf(pc, sizeof pc, "%s/short", f->dir);
	assert_int_equal(snap_file_id(pc, &ic, err), GAIA_ECORRUPT);
}

/* Six snapshots, one a day, index 10..60; the newest is T0 + 5 days. */
static void six(struct fx *f, struct snap_info s[6])
{
	for (int i = 0; i < 6; i++)
		make_snap(f, (uint64_t)(i + 1) * 10, 1, T0 + i * DAY, 2, &s[i]);
}

static void test_prune_by_count(void **state)
{
	struct fx *f = *state;
	struct snap_info s[6];
	struct snap_prune_opts o = {0, 2, true, T0 + 6 * DAY};
	struct snap_prune_result r;

	six(f, s);
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 4);
	assert_int_equal(r.kept, 2);
	assert_string_equal(r.deleted.items[0].filename, s[3].filename);
	assert_string_equal(r.deleted.items[3].filename, s[0].filename);
	snap_prune_result_free(&r);
	for (int i = 0; i < 6; i++)
		assert_true(exists(f, s[i].filename)); /* dry run */

	o.dry_run = false;
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 4);
	snap_prune_result_free(&r);
	for (int i = 0; i < 6; i++)
		assert_int_equal(exists(f, s[i].filename), i >= 4);

	/* keep 1 leaves the newest, and keep 0 with no age is refused */
	o.keep = 1;
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.kept, 1);
	snap_prune_result_free(&r);
	assert_true(exists(f, s[5].filename));
	o.keep = 0;
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_EINVAL);
	snap_prune_result_free(&r);
}

static void test_prune_by_age(void **state)
{
	struct fx *f = *state;
	struct snap_info s[6];
	struct snap_prune_opts o = {3 * DAY, 0, false, T0 + 5 * DAY + 100};
	struct snap_prune_result r;

	six(f, s);
	/* older than 3 days: created before T0 + 2 days + 100 s: 0, 1, 2 */
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 3);
	assert_int_equal(r.kept, 3);
	snap_prune_result_free(&r);
	for (int i = 0; i < 6; i++)
		assert_int_equal(exists(f, s[i].filename), i >= 3);

	/* a year later everything is old: the newest still stays */
	o.now = T0 + 365 * DAY;
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 2);
	assert_int_equal(r.kept, 1);
	snap_prune_result_free(&r);
	assert_true(exists(f, s[5].filename));
}

static void test_prune_age_and_count(void **state)
{
	struct fx *f = *state;
	struct snap_info s[6];
	/* older than 1 day, but keep 4: only 0 and 1 go */
	struct snap_prune_opts o = {DAY, 4, false, T0 + 5 * DAY + 100};
	struct snap_prune_result r;

	six(f, s);
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 2);
	snap_prune_result_free(&r);
	for (int i = 0; i < 6; i++)
		assert_int_equal(exists(f, s[i].filename), i >= 2);
}

static void test_prune_skips_pinned(void **state)
{
	struct fx *f = *state;
	struct snap_info s[6];
	struct snap_prune_opts o = {0, 1, false, T0 + 6 * DAY};
	struct snap_prune_result r;

	six(f, s);
	assert_int_equal(snap_pin(&f->d, s[0].filename), GAIA_OK);
	assert_int_equal(snap_pin(&f->d, s[0].filename), GAIA_OK);
	assert_int_equal(snap_pin(&f->d, s[2].filename), GAIA_OK);
	assert_true(snap_is_pinned(&f->d, s[0].filename));
	assert_int_equal(snap_pin(&f->d, "../etc/passwd"), GAIA_EINVAL);

	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 3);
	assert_int_equal(r.pinned, 2);
	assert_int_equal(r.kept, 3);
	snap_prune_result_free(&r);
	assert_true(exists(f, s[0].filename));
	assert_true(exists(f, s[2].filename));
	assert_true(exists(f, s[5].filename));

	assert_int_equal(snap_unpin(&f->d, s[0].filename), GAIA_OK);
	assert_true(snap_is_pinned(&f->d, s[0].filename)); /* pinned twice */
	assert_int_equal(snap_unpin(&f->d, s[0].filename), GAIA_OK);
	assert_false(snap_is_pinned(&f->d, s[0].filename));
	assert_int_equal(snap_unpin(&f->d, s[0].filename), GAIA_EINVAL);
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 1);
	assert_string_equal(r.deleted.items[0].filename, s[0].filename);
	snap_prune_result_free(&r);
}

static void test_stream(void **state)
{
	struct fx *f = *state;
	struct snap_info a, b;
	struct snap_stream st;
	struct snap_prune_opts o = {0, 1, false, 0};
	struct snap_prune_result r;
	char path[PATH_MAX];
	uint8_t *whole, *got;
	size_t n, total = 0;
	FILE *fp;

	make_snap(f, 10, 1, T0, 3000, &a);
	make_snap(f, 20, 1, T0 + 1, 1, &b);
	assert_int_equal(snap_stream_open(&st, &f->d, a.filename), GAIA_OK);
	assert_int_equal(st.info.size, a.size);
	assert_true(snap_is_pinned(&f->d, a.filename));
	/* being sent: prune leaves it */
	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 0);
	assert_int_equal(r.pinned, 1);
	snap_prune_result_free(&r);

	snprintf(path, sizeof path, "%s/%s", f->dir, a.filename);
	whole = malloc(a.size);
	got = malloc(a.size + 100);
	fp = fopen(path, "rb");
	assert_int_equal(fread(whole, 1, a.size, fp), a.size);
	fclose(fp);
	/* odd chunk sizes, out of order offsets */
	for (uint64_t off = 0; off < a.size; off += 4093) {
		assert_int_equal(snap_stream_read(&st, off, got + off, 4093, &n), GAIA_OK);
		assert_true(n == 4093 || off + n == a.size);
		total += n;
	}
	assert_int_equal(total, a.size);
	assert_memory_equal(got, whole, a.size);
	assert_int_equal(snap_stream_read(&st, a.size, got, 100, &n), GAIA_OK);
	assert_int_equal(n, 0);
	snap_stream_close(&st);
	assert_false(snap_is_pinned(&f->d, a.filename));

	assert_int_equal(snap_prune(&f->d, &o, &r), GAIA_OK);
	assert_int_equal(r.deleted.count, 1);
	snap_prune_result_free(&r);

	assert_int_equal(snap_stream_open(&st, &f->d, "../../etc/passwd"), GAIA_EINVAL);
	snap_stream_close(&st);
	assert_int_equal(snap_stream_open(&st, &f->d, a.filename), GAIA_ENOTFOUND);
	snap_stream_close(&st);
	assert_false(snap_is_pinned(&f->d, a.filename));
	free(whole);
	free(got);
}

static void test_dir_init(void **state)
{
	struct fx *f = *state;
	struct snap_dir d;
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/sub", f->dir);
	assert_int_equal(snap_dir_init(&d, path), GAIA_OK); /* created */
	snap_dir_close(&d);
	touch(f, "file", "x");
	snprintf(path, sizeof path, "%s/file", f->dir);
	assert_int_equal(snap_dir_init(&d, path), GAIA_EINVAL);
	assert_non_null(strstr(d.errmsg, "not a directory"));
	snap_dir_close(&d);
	snprintf(path, sizeof path, "%s/no/such", f->dir);
	assert_int_equal(snap_dir_init(&d, path), GAIA_EIO);
	snap_dir_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filenames),
		cmocka_unit_test_setup_teardown(test_list_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temp_cleanup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_by_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_by_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_age_and_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_skips_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_init, setup, teardown),
	};
	return cmocka_run_group_tests_name("snap_dir", tests, NULL, NULL);
}
