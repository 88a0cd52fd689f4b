/* Unit tests of WAL recovery: torn tails are cut and logged, everything else damaged is corruption with file and offset. */
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
#include "wal/wal.h"
#include "wal/wal_format.h"
#include "../wal/wal_test_util.h"

#define REC100 (32 + 104) /* on-disk size of a 100-byte entry */

static uint32_t len_100(uint64_t i)
{
	(void)i;
	return 100;
}

static uint32_t len_600(uint64_t i)
{
	(void)i;
	return 600;
}

static uint32_t len_var(uint64_t i)
{
	return (uint32_t)(i * 29 % 90);
}

struct fixture {
	struct wt_dir d;
	struct wt_log log;
	struct wal_options o;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	wt_dir_make_fast(&f->d);
	wal_options_init(&f->o);
	f->o.log = wt_log_cb;
	f->o.log_ud = &f->log;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	wt_dir_remove(&f->d);
	free(f);
	return 0;
}

static struct wal *open_ok(struct fixture *f)
{
	char err[GAIA_ERRMSG_SIZE] = "";
	struct wal *w = NULL;
	int rv = wal_open(f->d.log, &f->o, &w, err);
	if (rv != GAIA_OK)
		fail_msg("wal_open: %s", err);
	return w;
}

static int open_rv(struct fixture *f, char *err)
{
	struct wal *w = NULL;
	int rv = wal_open(f->d.log, &f->o, &w, err);
	if (rv == GAIA_OK)
		wal_close(w);
	else
		assert_null(w);
	return rv;
}

/* Append entries 1..n, each in its own write batch. */
static void write_log(struct fixture *f, uint64_t n, uint32_t (*len_of)(uint64_t))
{
	struct wal *w = open_ok(f);
	for (uint64_t i = 1; i <= n; i++) {
		assert_int_equal(wt_append(w, i, 1, 1, len_of), GAIA_OK);
		assert_int_equal(wal_sync(w, NULL), GAIA_OK);
	}
	wal_close(w);
}

static uint64_t reported_offset(const char *msg)
{
	const char *p = strstr(msg, "at offset ");
	assert_non_null(p);
	return strtoull(p + 10, NULL, 10);
}

static void test_torn_partial_record(void **state)
{
	struct fixture *f = *state;
	char seg[512], want[600];
	write_log(f, 20, len_100);
	wt_seg_path(seg, sizeof seg, f->d.log, 1);
	assert_int_equal(wt_file_size(seg), 32 + 20 * REC100);
	/* a crash in the middle of the last record */
	wt_truncate(seg, 32 + 20 * REC100 - 50);
	struct wal *w = open_ok(f);
	assert_int_equal(wal_last_index(w), 19);
	wt_verify(w, 1, 19);
	snprintf(want, sizeof want, "truncated torn tail of %s at offset %d", seg,
		 32 + 19 * REC100);
	assert_non_null(strstr(f->log.text, want));
	assert_int_equal(wt_file_size(seg), 32 + 19 * REC100);
	/* and it goes on from there */
	assert_int_equal(wt_append(w, 20, 5, 2, len_100), GAIA_OK);
	assert_int_equal(wal_sync(w, NULL), GAIA_OK);
	wal_close(w);
	f->log.text[0] = 0;
	w = open_ok(f);
	assert_int_equal(wal_last_index(w), 24);
	wt_verify(w, 1, 24);
	assert_int_equal(f->log.text[0], 0);
	wal_close(w);

	/* a partial record header */
	wt_truncate(seg, wt_file_size(seg) + 10);
	w = open_ok(f);
	assert_int_equal(wal_last_index(w), 24);
	assert_non_null(strstr(f->log.text, "truncated torn tail"));
	wal_close(w);
}

static void test_torn_zero_and_garbage_tail(void **state)
{
	struct fixture *f = *state;
	char seg[512], want[600];
	unsigned char junk[5000];
	write_log(f, 10, len_100);
	wt_seg_path(seg, sizeof seg, f->d.log, 1);
	uint64_t end = 32 + 10 * REC100;

	memset(junk, 0, sizeof junk); /* blocks allocated, never written */
	wt_write_at(seg, end, junk, sizeof junk);
	struct wal *w = open_ok(f);
	assert_int_equal(wal_last_index(w), 10);
	snprintf(want, sizeof want, "truncated torn tail of %s at offset %llu", seg,
		 (unsigned long long)end);
	assert_non_null(strstr(f->log.text, want));
	wal_close(w);
	assert_int_equal(wt_file_size(seg), end);

	wt_fill(junk, sizeof junk, 77, 77); /* garbage */
	wt_write_at(seg, end, junk, sizeof junk);
	w = open_ok(f);
	assert_int_equal(wal_last_index(w), 10);
	wt_verify(w, 1, 10);
	wal_close(w);
	assert_int_equal(wt_file_size(seg), end);
}

struct pristine {
	char path[512];
	unsigned char *bytes;
	size_t size;
};

static void restore(const struct pristine *p)
{
	wt_truncate(p->path, 0);
	wt_write_at(p->path, 0, p->bytes, p->size);
}

/* A flipped byte anywhere before the tail is corruption naming the file
 * and an offset at or before the byte; in the last record it is a torn
 * tail. */
static void test_flip_every_byte(void **state)
{
	struct fixture *f = *state;
	struct pristine segs[64];
	size_t nsegs = 0;
	char err[GAIA_ERRMSG_SIZE];
	f->o.segment_size = 700;
	write_log(f, 40, len_var);
	struct wal *w = open_ok(f);
	uint64_t last = wal_last_index(w);
	wal_close(w);
	for (uint64_t first = 1; first <= last; first++) {
		char path[512];
		wt_seg_path(path, sizeof path, f->d.log, first);
		int64_t size = wt_file_size(path);
		if (size < 0)
			continue;
		assert_true(nsegs < 64);
		struct pristine *p = &segs[nsegs++];
		snprintf(p->path, sizeof p->path, "%s", path);
		p->size = (size_t)size;
		p->bytes = malloc(p->size);
		FILE *fp = fopen(path, "rb");
		assert_int_equal(fread(p->bytes, 1, p->size, fp), p->size);
		fclose(fp);
	}
	assert_true(nsegs >= 3);
	uint64_t last_rec = 0;
	{
		/* the offset of the last record of the last segment */
		const struct pristine *p = &segs[nsegs - 1];
		uint64_t off = 32;
		while (off < p->size) {
			last_rec = off;
			off += wal_rec_size(wal_get32(p->bytes + off));
		}
	}
	int corrupt = 0, torn = 0;
	for (size_t s = 0; s < nsegs; s++) {
		const struct pristine *p = &segs[s];
		const char *name = strrchr(p->path, '/') + 1;
		for (uint64_t b = 0; b < p->size; b++) {
			wt_flip_byte(p->path, b);
			f->log.text[0] = 0;
			int rv = open_rv(f, err);
			if (s + 1 == nsegs && b >= last_rec) {
				if (rv != GAIA_OK)
					fail_msg("flip at %s:%llu: %s", name,
						 (unsigned long long)b, err);
				assert_non_null(strstr(f->log.text, "truncated torn tail"));
				torn++;
			} else {
				if (rv != GAIA_ECORRUPT)
					fail_msg("flip at %s:%llu not detected (rv %d)", name,
						 (unsigned long long)b, rv);
				assert_non_null(strstr(err, name));
				assert_true(reported_offset(err) <= b);
				corrupt++;
			}
			restore(p);
		}
	}
	print_message("%d flips detected as corruption, %d in the last record as torn\n",
		      corrupt, torn);
	w = open_ok(f);
	wt_verify(w, 1, last);
	wal_close(w);
	for (size_t s = 0; s < nsegs; s++)
		free(segs[s].bytes);
}

static void test_missing_middle_segment(void **state)
{
	struct fixture *f = *state;
	char err[GAIA_ERRMSG_SIZE], path[512];
	uint64_t firsts[8];
	int n = 0;
	f->o.segment_size = 500;
	write_log(f, 30, len_100);
	for (uint64_t i = 1; i <= 30 && n < 8; i++) {
		wt_seg_path(path, sizeof path, f->d.log, i);
		if (access(path, F_OK) == 0)
			firsts[n++] = i;
	}
	assert_true(n >= 4);
	wt_seg_path(path, sizeof path, f->d.log, firsts[1]);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(open_rv(f, err), GAIA_ECORRUPT);
	wt_seg_path(path, sizeof path, f->d.log, firsts[2]);
	assert_non_null(strstr(err, strrchr(path, '/') + 1));
	assert_non_null(strstr(err, "missing segment"));
	assert_non_null(strstr(err, "at offset 0"));

	/* a missing first segment is a compacted log, not a gap */
	wt_seg_path(path, sizeof path, f->d.log, firsts[0]);
	assert_int_equal(unlink(path), 0);
	struct wal *w = open_ok(f);
	assert_int_equal(wal_first_index(w), firsts[2]);
	assert_int_equal(wal_last_index(w), 30);
	wal_close(w);
}

static void test_torn_segment_header(void **state)
{
	struct fixture *f = *state;
	char path[512];
	write_log(f, 5, len_100);
	/* a crash while creating the next segment */
	wt_seg_path(path, sizeof path, f->d.log, 6);
	FILE *fp = fopen(path, "w");
	fwrite("GAIAWAL\0\1\0", 1, 10, fp);
	fclose(fp);
	struct wal *w = open_ok(f);
	assert_int_equal(wal_last_index(w), 5);
	assert_non_null(strstr(f->log.text, "truncated torn tail"));
	assert_non_null(strstr(f->log.text, "wal-00000000000000000006.seg at offset 0"));
	assert_int_equal(wt_append(w, 6, 3, 1, len_100), GAIA_OK);
	assert_int_equal(wal_sync(w, NULL), GAIA_OK);
	wal_close(w);
	w = open_ok(f);
	assert_int_equal(wal_last_index(w), 8);
	wt_verify(w, 1, 8);
	wal_close(w);
}

static void test_reset_leftovers(void **state)
{
	struct fixture *f = *state;
	char tmp[512];
	unsigned char hdr[WAL_SEG_HDR];
	write_log(f, 5, len_100);
	/* reset interrupted before removing the old log: forgotten */
	snprintf(tmp, sizeof tmp, "%s/wal-%020d.tmp", f->d.log, 100);
	wal_seg_hdr_encode(hdr, 100);
	FILE *fp = fopen(tmp, "w");
	fwrite(hdr, 1, sizeof hdr, fp);
	fclose(fp);
	struct wal *w = open_ok(f);
	assert_int_equal(wal_first_index(w), 1);
	assert_int_equal(wal_last_index(w), 5);
	assert_int_equal(access(tmp, F_OK), -1);
	wal_close(w);

	/* interrupted after removing it: finished */
	char path[512];
	wt_seg_path(path, sizeof path, f->d.log, 1);
	unlink(path);
	fp = fopen(tmp, "w");
	fwrite(hdr, 1, sizeof hdr, fp);
	fclose(fp);
	w = open_ok(f);
	assert_int_equal(wal_first_index(w), 100);
	assert_int_equal(wal_last_index(w), 99);
	wal_close(w);
}

/* Power loss can leave never-written (zeroed) sectors inside the last
 * write batch with later sectors of that batch on disk: still a torn
 * tail. The same stretch damaged otherwise is corruption. */
static void test_power_loss_hole(void **state)
{
	struct fixture *f = *state;
	char seg[512], err[GAIA_ERRMSG_SIZE];
	unsigned char zero[512] = { 0 };
	write_log(f, 5, len_100);
	struct wal *w = open_ok(f);
	assert_int_equal(wt_append(w, 6, 10, 1, len_600), GAIA_OK); /* one batch */
	assert_int_equal(wal_sync(w, NULL), GAIA_OK);
	wal_close(w);
	wt_seg_path(seg, sizeof seg, f->d.log, 1);
	uint64_t batch = 32 + 5 * REC100;  /* 712: records of 632 bytes follow */
	uint64_t rec7 = batch + 632;       /* 1344 .. 1976 */
	struct pristine p = { .size = (size_t)wt_file_size(seg) };
	snprintf(p.path, sizeof p.path, "%s", seg);
	p.bytes = malloc(p.size);
	FILE *fp = fopen(seg, "rb");
	assert_int_equal(fread(p.bytes, 1, p.size, fp), p.size);
	fclose(fp);

	wt_write_at(seg, 1536, zero, sizeof zero);
	w = open_ok(f);
	assert_int_equal(wal_last_index(w), 6);
	wt_verify(w, 1, 6);
	char want[600];
	snprintf(want, sizeof want, "truncated torn tail of %s at offset %llu", seg,
		 (unsigned long long)rec7);
	assert_non_null(strstr(f->log.text, want));
	wal_close(w);

	restore(&p);
	wt_flip_byte(seg, 1600);
	assert_int_equal(open_rv(f, err), GAIA_ECORRUPT);
	assert_int_equal(reported_offset(err), rec7);
	assert_non_null(strstr(err, "valid record"));

	/* a zeroed sector in a batch that another batch follows */
	restore(&p);
	w = open_ok(f);
	assert_int_equal(wt_append(w, 16, 1, 1, len_100), GAIA_OK);
	assert_int_equal(wal_sync(w, NULL), GAIA_OK);
	wal_close(w);
	wt_write_at(seg, 1536, zero, sizeof zero);
	assert_int_equal(open_rv(f, err), GAIA_ECORRUPT);
	assert_int_equal(reported_offset(err), rec7);
	free(p.bytes);
}

static void test_bad_names_and_order(void **state)
{
	struct fixture *f = *state;
	char err[GAIA_ERRMSG_SIZE], from[512], to[512];
	unsigned char rec[32 + 8];
	write_log(f, 3, len_100);
	wt_seg_path(from, sizeof from, f->d.log, 1);

	/* a valid record out of order is corruption, not a torn tail */
	uint64_t end = (uint64_t)wt_file_size(from);
	wal_rec_encode(rec, 7, 1, 0, 0, "abcdefgh", 8);
	wt_write_at(from, end, rec, sizeof rec);
	assert_int_equal(open_rv(f, err), GAIA_ECORRUPT);
	assert_non_null(strstr(err, "record index 7, expected 4"));
	assert_int_equal(reported_offset(err), end);
	wt_truncate(from, end);

	/* the header disagrees with the name */
	wt_seg_path(to, sizeof to, f->d.log, 5);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(open_rv(f, err), GAIA_ECORRUPT);
	assert_non_null(strstr(err, "header says first index 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_torn_partial_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_zero_and_garbage_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_middle_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_segment_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_loss_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names_and_order, setup, teardown),
	};
	return cmocka_run_group_tests_name("wal_recovery", tests, NULL, NULL);
}
