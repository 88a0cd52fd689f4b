/* Unit tests of snapshot files: streamed write and read, and detection of every truncation and flipped byte. */
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

struct fx {
	char dir[64];
	struct snap_dir d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/gaia-snap-XXXXXX");
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

static size_t count_files(const char *dir)
{
	char cmd[128];
	FILE *p;
	size_t n = 0;
	int ch;
	snprintf(cmd, sizeof cmd, "ls -A '%s'", dir);
	p = popen(cmd, "r");
	while ((ch = fgetc(p)) != EOF)
		n += ch == '\n';
	pclose(p);
	return n;
}

/* Record i: key "k%06d", a value whose length varies (0 included). */
static size_t rec_value(size_t i, uint8_t *buf)
{
	size_t len = (i * 37) % 300;
	for (size_t b = 0; b < len; b++)
		buf[b] = (uint8_t)(i + b);
	return len;
}

static void write_snap(struct fx *f, uint64_t index, size_t n, struct snap_info *info)
{
	struct snap_writer w;
	struct snap_meta m = {index, 9, 1700000000, n, "node-1,node-2", 13};
	uint8_t val[300];
	char key[32];

	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	for (size_t i = 0; i < n; i++) {
		size_t vl = rec_value(i, val);
		snprintf(key, sizeof key, "k%06zu", i);
		assert_int_equal(snap_writer_add_record(&w, key, strlen(key), val, vl, i + 1, i + 2),
				 GAIA_OK);
	}
	if (snap_writer_finish(&w, info) != GAIA_OK)
		fail_msg("finish: %s", w.errmsg);
}

static void read_all(const char *path, size_t n)
{
	struct snap_reader r;
	struct snap_record rec;
	uint8_t val[300];
	char key[32];
	bool end = false;
	size_t i = 0;

	assert_int_equal(snap_reader_open(&r, path), GAIA_OK);
	assert_int_equal(r.info.index, 77);
	assert_int_equal(r.info.term, 9);
	assert_int_equal(r.info.created_at, 1700000000);
	assert_int_equal(r.info.entry_count, n);
	assert_int_equal(r.membership_len, 13);
	assert_memory_equal(r.membership, "node-1,node-2", 13);
	for (;;) {
		assert_int_equal(snap_reader_next(&r, &rec, &end), GAIA_OK);
		if (end)
			break;
		size_t vl = rec_value(i, val);
		snprintf(key, sizeof key, "k%06zu", i);
		assert_int_equal(rec.key_len, strlen(key));
		assert_memory_equal(rec.key, key, rec.key_len);
		assert_int_equal(rec.value_len, vl);
		if (vl)
			assert_memory_equal(rec.value, val, vl);
		assert_int_equal(rec.create_index, i + 1);
		assert_int_equal(rec.modify_index, i + 2);
		i++;
	}
	assert_int_equal(i, n);
	/* stays at the end */
	assert_int_equal(snap_reader_next(&r, &rec, &end), GAIA_OK);
	assert_true(end);
	snap_reader_close(&r);
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct snap_info info;
	char path[PATH_MAX];
	struct stat st;

	/* enough records to cross the I/O buffer many times */
	write_snap(f, 77, 20000, &info);
	assert_string_equal(info.filename, "snapshot_77_20231114221320.snap");
	snprintf(path, sizeof path, "%s/%s", f->dir, info.filename);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(info.size, (uint64_t)st.st_size);
	read_all(path, 20000);
	assert_int_equal(count_files(f->dir), 1); /* no temp left */
	char err[GAIA_ERRMSG_SIZE];
	struct snap_info vi;
	assert_int_equal(snap_verify(path, &vi, err), GAIA_OK);
	assert_int_equal(vi.entry_count, 20000);
	assert_int_equal(vi.size, info.size);
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	struct snap_writer w;
	struct snap_meta m = {0, 0, 1700000000, 0, NULL, 0};
	struct snap_info info;
	struct snap_reader r;
	struct snap_record rec;
	char path[PATH_MAX];
	bool end;

	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	assert_int_equal(snap_writer_finish(&w, &info), GAIA_OK);
	snprintf(path, sizeof path, "%s/%s", f->dir, info.filename);
	assert_int_equal(snap_reader_open(&r, path), GAIA_OK);
	assert_int_equal(r.membership_len, 0);
	assert_int_equal(snap_reader_next(&r, &rec, &end), GAIA_OK);
	assert_true(end);
	snap_reader_close(&r);
}

static void test_big_values(void **state)
{
	struct fx *f = *state;
	struct snap_writer w;
	struct snap_meta m = {5, 1, 1700000000, 3, "x", 1};
	struct snap_info info;
	struct snap_reader r;
	struct snap_record rec;
	char path[PATH_MAX];
	size_t big = 3 * 1024 * 1024 + 17;
	uint8_t *v = malloc(big);
	bool end;

	for (size_t i = 0; i < big; i++)
		v[i] = (uint8_t)(i * 31);
	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	assert_int_equal(snap_writer_add_record(&w, "a", 1, v, big, 1, 1), GAIA_OK);
	assert_int_equal(snap_writer_add_record(&w, "b", 1, "", 0, 1, 2), GAIA_OK);
	assert_int_equal(snap_writer_add_record(&w, "c", 1, v, 1000, 3, 5), GAIA_OK);
	assert_int_equal(snap_writer_finish(&w, &info), GAIA_OK);
	snprintf(path, sizeof path, "%s/%s", f->dir, info.filename);
	assert_int_equal(snap_reader_open(&r, path), GAIA_OK);
	assert_int_equal(snap_reader_next(&r, &rec, &end), GAIA_OK);
	assert_int_equal(rec.value_len, big);
	assert_memory_equal(rec.value, v, big);
	assert_int_equal(snap_reader_next(&r, &rec, &end), GAIA_OK);
	assert_int_equal(rec.value_len, 0);
	assert_int_equal(snap_reader_next(&r, &rec, &end), GAIA_OK);
	assert_int_equal(rec.value_len, 1000);
	assert_memory_equal(rec.value, v, 1000);
	assert_int_equal(snap_reader_next(&r, &rec, &end), GAIA_OK);
	assert_true(end);
	snap_reader_close(&r);
	free(v);
}

static void test_count_mismatch(void **state)
{
	struct fx *f = *state;
	struct snap_writer w;
	struct snap_meta m = {5, 1, 1700000000, 2, NULL, 0};

	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	assert_int_equal(count_files(f->dir), 1); /* the temp file */
	assert_int_equal(snap_writer_add_record(&w, "a", 1, "", 0, 1, 1), GAIA_OK);
	assert_int_equal(snap_writer_finish(&w, NULL), GAIA_EINVAL);
	assert_non_null(strstr(w.errmsg, "1 records added, 2 announced"));
	assert_int_equal(count_files(f->dir), 0);

	m.entry_count = 1;
	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	assert_int_equal(snap_writer_add_record(&w, "a", 1, "", 0, 1, 1), GAIA_OK);
	assert_int_equal(snap_writer_add_record(&w, "b", 1, "", 0, 1, 1), GAIA_EINVAL);
	snap_writer_abort(&w);
	assert_int_equal(count_files(f->dir), 0);
	snap_writer_abort(&w); /* harmless twice */
}

static void test_bad_meta(void **state)
{
	struct fx *f = *state;
	struct snap_writer w;
	struct snap_meta m = {5, 1, -5, 0, NULL, 0};

	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_EINVAL);
	m.created_at = 1700000000;
	m.membership_len = 3; /* no bytes */
	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_EINVAL);
	assert_int_equal(count_files(f->dir), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b;
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	*len = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b = malloc(*len);
	assert_int_equal(fread(b, 1, *len, fp), *len);
	fclose(fp);
	return b;
}

static void spit(const char *path, const uint8_t *b, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, len, fp), len);
	fclose(fp);
}

static void expect_corrupt(const char *path, const char *what, size_t pos)
{
	char err[GAIA_ERRMSG_SIZE] = "";
	int rc = snap_verify(path, NULL, err);
	if (rc != GAIA_ECORRUPT)
		fail_msg("%s at %zu: verify returned %d (%s)", what, pos, rc, err);
	if (strstr(err, "offset") == NULL)
		fail_msg("%s at %zu: message names no offset: %s", what, pos, err);
}

static void test_every_flip_and_truncation_detected(void **state)
{
	struct fx *f = *state;
	struct snap_info info;
	char path[PATH_MAX];
	uint8_t *orig, *b;
	size_t len;
	static const uint8_t masks[] = {0x01, 0x10, 0x80, 0xff};

	write_snap(f, 77, 6, &info);
	snprintf(path, sizeof path, "%s/%s", f->dir, info.filename);
	orig = slurp(path, &len);
	b = malloc(len + 8);
	for (size_t pos = 0; pos < len; pos++) {
		for (size_t m = 0; m < sizeof masks; m++) {
			memcpy(b, orig, len);
			b[pos] ^= masks[m];
			spit(path, b, len);
			expect_corrupt(path, "flip", pos);
		}
	}
	for (size_t cut = 0; cut < len; cut++) {
		spit(path, orig, cut);
		expect_corrupt(path, "truncation", cut);
	}
	/* bytes appended after a valid file */
	memcpy(b, orig, len);
	memset(b + len, 0, 8);
	spit(path, b, len + 8);
	expect_corrupt(path, "append", len);
	/* and the untouched file still verifies */
	spit(path, orig, len);
	char err[GAIA_ERRMSG_SIZE];
	assert_int_equal(snap_verify(path, NULL, err), GAIA_OK);
	free(b);
	free(orig);
}

static void test_lengths_not_trusted(void **state)
{
	struct fx *f = *state;
	struct snap_info info;
	char path[PATH_MAX], err[GAIA_ERRMSG_SIZE];
	uint8_t *b;
	size_t len, hdr;

	write_snap(f, 77, 2, &info);
	snprintf(path, sizeof path, "%s/%s", f->dir, info.filename);
	b = slurp(path, &len);
	hdr = 52 + 13 + 4; /* fixed header, membership, header crc */
	/* a record claiming a 4 GiB key: refused before anything is read */
	memset(b + hdr, 0xff, 4);
	spit(path, b, len);
	assert_int_equal(snap_verify(path, NULL, err), GAIA_ECORRUPT);
	assert_non_null(strstr(err, "key length 4294967295"));
	assert_non_null(strstr(err, "offset 69"));
	free(b);
	assert_int_equal(snap_verify("/nonexistent/snapshot_1_20231114221320.snap", NULL, err),
			 GAIA_ENOTFOUND);
	assert_int_equal(snap_verify(f->dir, NULL, err), GAIA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_flip_and_truncation_detected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lengths_not_trusted, setup, teardown),
	};
	return cmocka_run_group_tests_name("snap", tests, NULL, NULL);
}
