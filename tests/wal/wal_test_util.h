/* wal_test_util.h - helpers shared by the WAL tests: temp dirs, entry contents, log capture, file surgery. */
#ifndef GAIA_WAL_TEST_UTIL_H
#define GAIA_WAL_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "wal/wal.h"

/* A fresh directory under $WAL_TEST_DIR, $TMPDIR or /tmp (on the disk
 * under test); the WAL dir is inside it ("<tmp>/raft_logs", not
 * created). */
struct wt_dir {
	char top[256];
	char log[300];
};
void wt_dir_make(struct wt_dir *d);
/* The same on a tmpfs (/dev/shm) when there is one: for tests of logic
 * that sync a lot, so that they do not crawl on a busy disk.
 * WAL_TEST_DIR overrides both. */
void wt_dir_make_fast(struct wt_dir *d);
void wt_dir_remove(struct wt_dir *d);

/* Deterministic entry contents, checkable without knowing the history. */
void wt_fill(unsigned char *buf, uint32_t len, uint64_t index, uint64_t term);
int wt_check(const struct wal_entry *e);
uint8_t wt_type(uint64_t index);

/* Append entries first..first+n-1 with term and length len_of(index). */
int wt_append(struct wal *w, uint64_t first, size_t n, uint64_t term,
	      uint32_t (*len_of)(uint64_t index));

/* Read lo..hi and check every entry's contents (aborts on a mismatch). */
void wt_verify(struct wal *w, uint64_t lo, uint64_t hi);

/* Log capture: messages joined with '\n'. */
struct wt_log {
	char text[8192];
	int count;
};
void wt_log_cb(void *ud, int level, const char *msg);

/* Segment file surgery. */
void wt_seg_path(char *path, size_t size, const char *dir, uint64_t first);
int64_t wt_file_size(const char *path);
void wt_flip_byte(const char *path, uint64_t off);
void wt_write_at(const char *path, uint64_t off, const void *buf, size_t len);
void wt_truncate(const char *path, uint64_t size);
void wt_copy_file(const char *from, const char *to);

#endif
