/* Helpers shared by the WAL tests. Failures abort (assert): these are tests. */
#include "wal_test_util.h"

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dir_make(struct wt_dir *d, const char *base)
{
	snprintf(d->top, sizeof d->top, "%s/gaia-wal-test.XXXXXX", base);
	char *p = mkdtemp(d->top);
	assert(p != NULL);
	(void)p;
	snprintf(d->log, sizeof d->log, "%s/raft_logs", d->top);
}

void wt_dir_make(struct wt_dir *d)
{
	const char *base = getenv("WAL_TEST_DIR");
	if (!base || !*base)
		base = getenv("TMPDIR");
	dir_make(d, base && *base ? base : "/tmp");
}

void wt_dir_make_fast(struct wt_dir *d)
{
	const char *base = getenv("WAL_TEST_DIR");
	if ((!base || !*base) && access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	if (base && *base)
		dir_make(d, base);
	else
		wt_dir_make(d);
}

static void remove_files(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *de;
	char path[600];
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) != 0) {
			remove_files(path);
			rmdir(path);
		}
	}
	closedir(dp);
}

void wt_dir_remove(struct wt_dir *d)
{
	remove_files(d->top);
	rmdir(d->top);
}

void wt_fill(unsigned char *buf, uint32_t len, uint64_t index, uint64_t term)
{
	uint64_t x = index * 0x9e3779b97f4a7c15ull ^ term * 0xc2b2ae3d27d4eb4full;
	for (uint32_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
}

uint8_t wt_type(uint64_t index)
{
	return (uint8_t)(index % 3);
}

int wt_check(const struct wal_entry *e)
{
	unsigned char tmp[4096];
	unsigned char *want = e->len <= sizeof tmp ? tmp : malloc(e->len);
	assert(want);
	wt_fill(want, e->len, e->index, e->term);
	int ok = e->type == wt_type(e->index) &&
		 (e->len == 0 || memcmp(want, e->data, e->len) == 0);
	if (want != tmp)
		free(want);
	return ok;
}

int wt_append(struct wal *w, uint64_t first, size_t n, uint64_t term,
	      uint32_t (*len_of)(uint64_t index))
{
	struct wal_entry *e = calloc(n, sizeof *e);
	assert(e);
	for (size_t i = 0; i < n; i++) {
		uint32_t len = len_of(first + i);
		unsigned char *b = malloc(len ? len : 1);
		assert(b);
		wt_fill(b, len, first + i, term);
		e[i] = (struct wal_entry){ .index = first + i, .term = term,
					   .type = wt_type(first + i), .data = b, .len = len };
	}
	int rv = wal_append(w, e, n, NULL);
	for (size_t i = 0; i < n; i++)
		free((void *)e[i].data);
	free(e);
	return rv;
}

void wt_verify(struct wal *w, uint64_t lo, uint64_t hi)
{
	struct wal_batch b = WAL_BATCH_INIT;
	while (lo <= hi) {
		int rv = wal_read(w, lo, hi, 1 << 20, &b);
		if (rv != GAIA_OK)
			fprintf(stderr, "wt_verify: %s\n", wal_errmsg(w));
		assert(rv == GAIA_OK && b.n > 0);
		for (size_t i = 0; i < b.n; i++) {
			assert(b.ents[i].index == lo + i);
			if (!wt_check(&b.ents[i])) {
				fprintf(stderr, "wt_verify: bad contents at %" PRIu64 "\n",
					lo + i);
				assert(0);
			}
		}
		lo += b.n;
	}
	wal_batch_free(&b);
}

void wt_log_cb(void *ud, int level, const char *msg)
{
	struct wt_log *l = ud;
	size_t used = strlen(l->text);
	(void)level;
	snprintf(l->text + used, sizeof l->text - used, "%s\n", msg);
	l->count++;
}

void wt_seg_path(char *path, size_t size, const char *dir, uint64_t first)
{
	snprintf(path, size, "%s/wal-%020" PRIu64 ".seg", dir, first);
}

int64_t wt_file_size(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	off_t n = lseek(fd, 0, SEEK_END);
	close(fd);
	return (int64_t)n;
}

void wt_write_at(const char *path, uint64_t off, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY);
	assert(fd >= 0);
	ssize_t n = pwrite(fd, buf, len, (off_t)off);
	assert(n == (ssize_t)len);
	(void)n;
	close(fd);
}

void wt_flip_byte(const char *path, uint64_t off)
{
	unsigned char c;
	int fd = open(path, O_RDWR);
	assert(fd >= 0);
	ssize_t n = pread(fd, &c, 1, (off_t)off);
	assert(n == 1);
	c ^= 0x5a;
	n = pwrite(fd, &c, 1, (off_t)off);
	assert(n == 1);
	(void)n;
	close(fd);
}

void wt_truncate(const char *path, uint64_t size)
{
	int rc = truncate(path, (off_t)size);
	assert(rc == 0);
	(void)rc;
}

void wt_copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert(in >= 0 && out >= 0);
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		ssize_t m = write(out, buf, (size_t)n);
		assert(m == n);
		(void)m;
	}
	close(in);
	close(out);
}
