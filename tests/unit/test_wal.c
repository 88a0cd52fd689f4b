/* Unit tests of the WAL: round trips, segments, truncation, compaction, reset, hard state, group commit, cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "gaia.h"
#include "wal/wal.h"
#include "../wal/wal_test_util.h"

static uint32_t len_small(uint64_t i)
{
	return (uint32_t)(i * 37 % 300);
}

static uint32_t len_100(uint64_t i)
{
	(void)i;
	return 100;
}

static struct wal *open_ok(const char *dir, const struct wal_options *o)
{
	char err[GAIA_ERRMSG_SIZE] = "";
	struct wal *w = NULL;
	int rv = wal_open(dir, o, &w, err);
	if (rv != GAIA_OK)
		fail_msg("wal_open(%s): %s", dir, err);
	return w;
}

static void sync_ok(struct wal *w)
{
	struct wal_progress p;
	int rv = wal_sync(w, &p);
	if (rv != GAIA_OK)
		fail_msg("wal_sync: %s", wal_errmsg(w));
	assert_int_equal(p.durable_index, wal_last_index(w));
}

static int setup(void **state)
{
	static struct wt_dir d;
	wt_dir_make(&d);
	*state = &d;
	return 0;
}

static int teardown(void **state)
{
	wt_dir_remove(*state);
	return 0;
}

static void test_fresh_open(void **state)
{
	struct wt_dir *d = *state;
	struct wal_info info;
	struct wal_hardstate hs;
	struct wal *w = open_ok(d->log, NULL);
	wal_info(w, &info);
	assert_int_equal(info.first_index, 1);
	assert_int_equal(info.last_index, 0);
	assert_int_equal(info.segments, 1);
	wal_hardstate_load(w, &hs);
	assert_int_equal(hs.term, 0);
	assert_int_equal(hs.vote, 0);
	uint64_t t;
	assert_int_equal(wal_term(w, 1, &t), GAIA_EUNAVAIL);
	wal_close(w);
	struct stat st;
	assert_int_equal(stat(d->log, &st), 0);
}

static void test_append_read_reopen(void **state)
{
	struct wt_dir *d = *state;
	struct wal *w = open_ok(d->log, NULL);
	uint64_t next = 1;
	for (size_t n = 1; n <= 20; n++) {
		assert_int_equal(wt_append(w, next, n, 1 + n / 5, len_small), GAIA_OK);
		next += n;
	}
	sync_ok(w);
	assert_int_equal(wal_last_index(w), next - 1);
	wt_verify(w, 1, next - 1);
	struct wal_info info;
	wal_info(w, &info);
	assert_int_equal(info.cache_misses, 0);
	assert_int_equal(info.appends, next - 1);
	uint64_t t;
	assert_int_equal(wal_term(w, 1, &t), GAIA_OK);
	assert_int_equal(t, 1);
	wal_close(w);

	w = open_ok(d->log, NULL);
	assert_int_equal(wal_first_index(w), 1);
	assert_int_equal(wal_last_index(w), next - 1);
	wt_verify(w, 1, next - 1);
	wal_info(w, &info);
	assert_true(info.cache_misses > 0);
	assert_int_equal(wal_term(w, next - 1, &t), GAIA_OK);
	assert_int_equal(t, 1 + 20 / 5);
	/* and it keeps going after a reopen */
	assert_int_equal(wt_append(w, next, 10, 9, len_small), GAIA_OK);
	sync_ok(w);
	wal_close(w);
	w = open_ok(d->log, NULL);
	wt_verify(w, 1, next + 9);
	wal_close(w);
}

static void test_many_segments(void **state)
{
	struct wt_dir *d = *state;
	struct wal_options o;
	struct wal_info info;
	wal_options_init(&o);
	o.segment_size = 4096;
	struct wal *w = open_ok(d->log, &o);
	for (uint64_t i = 1; i <= 2000; i += 7)
		assert_int_equal(wt_append(w, i, 7, 3, len_small), GAIA_OK);
	sync_ok(w);
	wal_info(w, &info);
	assert_true(info.segments > 50);
	uint64_t last = info.last_index, segs = info.segments, size = info.size_bytes;
	wal_close(w);
	w = open_ok(d->log, &o);
	wal_info(w, &info);
	assert_int_equal(info.last_index, last);
	assert_int_equal(info.segments, segs);
	assert_int_equal(info.size_bytes, size);
	wt_verify(w, 1, last);
	wal_close(w);
}

static void test_truncate_then_append(void **state)
{
	struct wt_dir *d = *state;
	struct wal_options o;
	wal_options_init(&o);
	o.segment_size = 2048;
	struct wal *w = open_ok(d->log, &o);
	assert_int_equal(wt_append(w, 1, 200, 1, len_small), GAIA_OK);
	sync_ok(w);
	struct wal_info before;
	wal_info(w, &before);

	/* a conflicting tail from the middle of a segment */
	assert_int_equal(wal_truncate_suffix(w, 150, NULL), GAIA_OK);
	assert_int_equal(wal_last_index(w), 149);
	assert_int_equal(wt_append(w, 150, 30, 2, len_small), GAIA_OK);
	sync_ok(w);
	wal_close(w);
	w = open_ok(d->log, &o);
	assert_int_equal(wal_last_index(w), 179);
	wt_verify(w, 1, 179);
	uint64_t t;
	assert_int_equal(wal_term(w, 149, &t), GAIA_OK);
	assert_int_equal(t, 1);
	assert_int_equal(wal_term(w, 150, &t), GAIA_OK);
	assert_int_equal(t, 2);

	/* at a segment boundary: find an index that starts a segment */
	struct wal_info info;
	wal_info(w, &info);
	assert_true(info.segments > 3);
	uint64_t boundary = 0;
	for (uint64_t i = 100; i > 1 && !boundary; i--) {
		char path[512];
		wt_seg_path(path, sizeof path, d->log, i);
		if (access(path, F_OK) == 0)
			boundary = i;
	}
	assert_true(boundary > 1);
	assert_int_equal(wal_truncate_suffix(w, boundary, NULL), GAIA_OK);
	assert_int_equal(wt_append(w, boundary, 5, 3, len_small), GAIA_OK);
	sync_ok(w);
	wal_close(w);
	w = open_ok(d->log, &o);
	assert_int_equal(wal_last_index(w), boundary + 4);
	wt_verify(w, 1, boundary + 4);

	/* everything, then a no-op past the end */
	assert_int_equal(wal_truncate_suffix(w, 1, NULL), GAIA_OK);
	assert_int_equal(wal_last_index(w), 0);
	assert_int_equal(wal_truncate_suffix(w, 5, NULL), GAIA_OK);
	assert_int_equal(wt_append(w, 1, 3, 4, len_small), GAIA_OK);
	sync_ok(w);
	wal_close(w);
	w = open_ok(d->log, &o);
	assert_int_equal(wal_first_index(w), 1);
	assert_int_equal(wal_last_index(w), 3);
	wt_verify(w, 1, 3);
	wal_info(w, &info);
	assert_int_equal(info.segments, 1);
	wal_close(w);
}

/* durable_index must never count a truncated entry, even while the
 * writer still reports its state from before the truncation. */
static void test_truncate_durable_index(void **state)
{
	struct wt_dir *d = *state;
	struct wal_progress p;
	struct wal *w = open_ok(d->log, NULL);
	assert_int_equal(wt_append(w, 1, 10, 1, len_small), GAIA_OK);
	sync_ok(w);
	assert_int_equal(wal_truncate_suffix(w, 6, NULL), GAIA_OK);
	assert_int_equal(wt_append(w, 6, 2, 2, len_small), GAIA_OK);
	assert_int_equal(wal_poll_completions(w, &p), GAIA_OK);
	assert_true(p.durable_index <= 7);
	struct wal_info info;
	wal_info(w, &info);
	assert_true(info.durable_index <= 7);
	assert_int_equal(wal_sync(w, &p), GAIA_OK);
	assert_int_equal(p.durable_index, 7);
	/* truncating durable entries lowers it at once */
	assert_int_equal(wal_truncate_suffix(w, 3, NULL), GAIA_OK);
	assert_int_equal(wal_poll_completions(w, &p), GAIA_OK);
	assert_true(p.durable_index <= 2);
	assert_int_equal(wal_sync(w, &p), GAIA_OK);
	assert_int_equal(p.durable_index, 2);
	wal_close(w);
}

static void test_compact(void **state)
{
	struct wt_dir *d = *state;
	struct wal_options o;
	struct wal_info info;
	struct wal_batch b = WAL_BATCH_INIT;
	wal_options_init(&o);
	o.segment_size = 2048;
	struct wal *w = open_ok(d->log, &o);
	assert_int_equal(wt_append(w, 1, 300, 1, len_small), GAIA_OK);
	sync_ok(w);
	wal_info(w, &info);
	uint64_t segs = info.segments;

	assert_int_equal(wal_compact(w, 100, NULL), GAIA_OK);
	uint64_t first = wal_first_index(w);
	assert_true(first > 1 && first <= 101);
	char path[512];
	wt_seg_path(path, sizeof path, d->log, 1);
	assert_int_equal(wal_read(w, first - 1, first, 0, &b), GAIA_ECOMPACTED);
	uint64_t t;
	assert_int_equal(wal_term(w, first - 1, &t), GAIA_ECOMPACTED);
	wt_verify(w, first, 300);
	sync_ok(w);
	assert_int_equal(access(path, F_OK), -1);
	wal_info(w, &info);
	assert_true(info.segments < segs);
	wal_close(w);

	w = open_ok(d->log, &o);
	assert_int_equal(wal_first_index(w), first);
	wt_verify(w, first, 300);
	/* beyond the end: all but the last segment go */
	assert_int_equal(wal_compact(w, 1000, NULL), GAIA_OK);
	wal_info(w, &info);
	assert_int_equal(info.segments, 1);
	assert_int_equal(info.last_index, 300);
	assert_int_equal(wt_append(w, 301, 5, 2, len_small), GAIA_OK);
	sync_ok(w);
	first = wal_first_index(w);
	wal_close(w);
	w = open_ok(d->log, &o);
	assert_int_equal(wal_first_index(w), first);
	assert_int_equal(wal_last_index(w), 305);
	wt_verify(w, first, 305);
	wal_close(w);
	wal_batch_free(&b);
}

static void test_reset(void **state)
{
	struct wt_dir *d = *state;
	struct wal_options o;
	struct wal_info info;
	wal_options_init(&o);
	o.segment_size = 2048;
	struct wal *w = open_ok(d->log, &o);
	assert_int_equal(wt_append(w, 1, 100, 1, len_small), GAIA_OK);
	assert_int_equal(wal_reset(w, 1000, NULL), GAIA_OK);
	assert_int_equal(wal_first_index(w), 1000);
	assert_int_equal(wal_last_index(w), 999);
	assert_int_equal(wt_append(w, 1000, 20, 5, len_small), GAIA_OK);
	sync_ok(w);
	wal_close(w);
	w = open_ok(d->log, &o);
	wal_info(w, &info);
	assert_int_equal(info.first_index, 1000);
	assert_int_equal(info.last_index, 1019);
	wt_verify(w, 1000, 1019);
	/* to the name of the segment that is there now */
	assert_int_equal(wal_reset(w, 1000, NULL), GAIA_OK);
	sync_ok(w);
	wal_close(w);
	w = open_ok(d->log, &o);
	wal_info(w, &info);
	assert_int_equal(info.first_index, 1000);
	assert_int_equal(info.last_index, 999);
	assert_int_equal(info.segments, 1);
	assert_int_equal(wal_reset(w, 0, NULL), GAIA_EINVAL);
	wal_close(w);
}

static void test_hardstate(void **state)
{
	struct wt_dir *d = *state;
	struct wal_hardstate hs = { .term = 7, .vote = 0x1234567890abcdefull, .commit = 42 }, got;
	struct wal *w = open_ok(d->log, NULL);
	uint64_t seq;
	assert_int_equal(wal_hardstate_save(w, &hs, &seq), GAIA_OK);
	struct wal_progress p;
	assert_int_equal(wal_sync(w, &p), GAIA_OK);
	assert_true(p.done_seq >= seq);
	wal_hardstate_load(w, &got);
	assert_memory_equal(&got, &hs, sizeof hs);
	for (uint64_t t = 8; t < 20; t++) {
		hs.term = t;
		assert_int_equal(wal_hardstate_save(w, &hs, NULL), GAIA_OK);
	}
	sync_ok(w);
	wal_close(w);

	w = open_ok(d->log, NULL);
	wal_hardstate_load(w, &got);
	assert_memory_equal(&got, &hs, sizeof hs);
	wal_close(w);

	/* an interrupted replace (a torn temp file) leaves the old state */
	char path[512], cur[512];
	snprintf(path, sizeof path, "%s/hardstate.tmp", d->log);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("GAIAHST torn", f);
	fclose(f);
	w = open_ok(d->log, NULL);
	wal_hardstate_load(w, &got);
	assert_memory_equal(&got, &hs, sizeof hs);
	assert_int_equal(access(path, F_OK), -1);
	wal_close(w);

	/* a damaged hard state file is corruption, never zeros */
	snprintf(cur, sizeof cur, "%s/hardstate", d->log);
	wt_flip_byte(cur, 20);
	char err[GAIA_ERRMSG_SIZE];
	assert_int_equal(wal_open(d->log, NULL, &w, err), GAIA_ECORRUPT);
	assert_null(w);
	assert_non_null(strstr(err, "hardstate"));
	assert_non_null(strstr(err, "offset"));
}

/* Many appends submitted quickly share fdatasyncs. */
static void test_group_commit(void **state)
{
	struct wt_dir *d = *state;
	struct wal_info info;
	struct wal *w = open_ok(d->log, NULL);
	for (uint64_t i = 1; i <= 5000; i++)
		assert_int_equal(wt_append(w, i, 1, 1, len_100), GAIA_OK);
	sync_ok(w);
	wal_info(w, &info);
	print_message("appends %llu, batches %llu, fsyncs %llu, bytes %llu\n",
		      (unsigned long long)info.appends, (unsigned long long)info.batches,
		      (unsigned long long)info.fsyncs,
		      (unsigned long long)info.bytes_written);
	assert_int_equal(info.appends, 5000);
	assert_true(info.batches < info.appends);
	assert_true(info.fsyncs < info.appends);
	assert_int_equal(info.bytes_written, 5000 * (32 + 104));
	uint64_t in_hist = 0;
	for (int i = 0; i < WAL_FSYNC_BUCKETS; i++)
		in_hist += info.fsync_hist[i];
	assert_int_equal(in_hist, info.batches);
	assert_true(info.fsync_ns_max > 0 && info.fsync_ns_total >= info.fsync_ns_max);
	wal_close(w);
}

static void test_cache(void **state)
{
	struct wt_dir *d = *state;
	struct wal_options o;
	struct wal_info info;
	wal_options_init(&o);
	o.cache_bytes = 16 * 1024;
	struct wal *w = open_ok(d->log, &o);
	assert_int_equal(wt_append(w, 1, 1000, 1, len_100), GAIA_OK);
	/* nothing durable yet: everything stays cached whatever the bound */
	wal_info(w, &info);
	assert_int_equal(info.cache_entries, 1000);
	sync_ok(w);
	wal_info(w, &info);
	assert_true(info.cache_bytes <= o.cache_bytes);
	assert_true(info.cache_entries > 0);
	uint64_t hot = 1000 - info.cache_entries + 1;
	wt_verify(w, hot, 1000);
	wal_info(w, &info);
	assert_int_equal(info.cache_misses, 0);
	assert_int_equal(info.cache_hits, 1000 - hot + 1);
	wt_verify(w, 1, 1000);
	wal_info(w, &info);
	assert_int_equal(info.cache_misses, hot - 1);
	wal_close(w);
}

static void test_read_bounds(void **state)
{
	struct wt_dir *d = *state;
	struct wal_batch b = WAL_BATCH_INIT;
	struct wal *w = open_ok(d->log, NULL);
	assert_int_equal(wt_append(w, 1, 10, 1, len_100), GAIA_OK);
	assert_int_equal(wal_read(w, 0, 3, 0, &b), GAIA_ECOMPACTED);
	assert_int_equal(wal_read(w, 5, 11, 0, &b), GAIA_EUNAVAIL);
	assert_int_equal(wal_read(w, 5, 4, 0, &b), GAIA_EINVAL);
	assert_int_equal(wal_read(w, 1, 10, 250, &b), GAIA_OK);
	assert_int_equal(b.n, 2);
	assert_int_equal(wal_read(w, 3, 10, 10, &b), GAIA_OK);
	assert_int_equal(b.n, 1); /* at least one */
	assert_int_equal(b.ents[0].index, 3);
	assert_true(wt_check(&b.ents[0]));
	assert_int_equal(wal_read(w, 10, 10, 0, &b), GAIA_OK);
	assert_int_equal(b.n, 1);
	wal_batch_free(&b);
	sync_ok(w);
	wal_close(w);
}

static void test_append_checks(void **state)
{
	struct wt_dir *d = *state;
	struct wal *w = open_ok(d->log, NULL);
	assert_int_equal(wt_append(w, 2, 1, 1, len_100), GAIA_EINVAL);
	assert_non_null(strstr(wal_errmsg(w), "expected 1"));
	struct wal_entry e = { .index = 1, .term = 1, .len = WAL_ENTRY_MAX + 1u, .data = "" };
	assert_int_equal(wal_append(w, &e, 1, NULL), GAIA_ETOOBIG);
	e.len = 0;
	e.data = NULL;
	assert_int_equal(wal_append(w, &e, 1, NULL), GAIA_OK);
	assert_int_equal(wal_last_index(w), 1);
	sync_ok(w);
	/* a second opener is kept out */
	char err[GAIA_ERRMSG_SIZE];
	struct wal *w2;
	assert_int_equal(wal_open(d->log, NULL, &w2, err), GAIA_EBUSY);
	wal_close(w);
}

static atomic_int notified;

static void on_notify(void *ud)
{
	(void)ud;
	atomic_fetch_add(&notified, 1);
}

static void test_event_fd_and_notify(void **state)
{
	struct wt_dir *d = *state;
	struct wal_options o;
	struct wal_progress p = { 0 };
	wal_options_init(&o);
	o.notify = on_notify;
	struct wal *w = open_ok(d->log, &o);
	uint64_t seq;
	assert_int_equal(wt_append(w, 1, 1, 1, len_100), GAIA_OK);
	assert_int_equal(wt_append(w, 2, 3, 1, len_100), GAIA_OK);
	assert_int_equal(wal_hardstate_save(w, &(struct wal_hardstate){ .term = 1 }, &seq), GAIA_OK);
	while (p.done_seq < seq) {
		struct pollfd pfd = { .fd = wal_event_fd(w), .events = POLLIN };
		assert_int_equal(poll(&pfd, 1, 5000), 1);
		assert_int_equal(wal_poll_completions(w, &p), GAIA_OK);
	}
	assert_int_equal(p.durable_index, 4);
	for (int i = 0; i < 5000 && atomic_load(&notified) == 0; i++)
		usleep(1000);
	assert_true(atomic_load(&notified) > 0);
	struct wal_hardstate hs;
	wal_hardstate_load(w, &hs);
	assert_int_equal(hs.term, 1);
	wal_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_read_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_then_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_durable_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardstate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_fd_and_notify, setup, teardown),
	};
	return cmocka_run_group_tests_name("wal", tests, NULL, NULL);
}
