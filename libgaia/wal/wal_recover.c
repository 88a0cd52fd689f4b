/* Recovery at open: list the segments, settle leftovers, scan each, truncate a torn tail. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_scan.h"

struct seg_list {
	uint64_t *v;
	size_t n, cap;
};

static int list_push(struct seg_list *l, uint64_t x)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		uint64_t *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int list_dir(struct wal *w, struct seg_list *segs, struct seg_list *tmps)
{
	int fd = dup(w->dirfd);
	if (fd < 0)
		return errmsg_set(w->errmsg, GAIA_EIO, "dup: %s", strerror(errno));
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return errmsg_set(w->errmsg, GAIA_EIO, "opendir %s: %s", w->dir,
				  strerror(errno));
	}
	rewinddir(d);
	struct dirent *de;
	int rv = GAIA_OK;
	while ((de = readdir(d)) != NULL) {
		uint64_t first;
		int tmp;
		if (!wal_seg_parse_name(de->d_name, &first, &tmp))
			continue;
		if (list_push(tmp ? tmps : segs, first) != 0) {
			rv = errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
			break;
		}
	}
	closedir(d);
	if (segs->n > 1)
		qsort(segs->v, segs->n, sizeof *segs->v, cmp_u64);
	if (tmps->n > 1)
		qsort(tmps->v, tmps->n, sizeof *tmps->v, cmp_u64);
	return rv;
}

/* A .tmp segment is a wal_reset that did not finish. If it got as far
 * as removing the whole old log, finish it; otherwise forget it. */
static int settle_tmps(struct wal *w, struct seg_list *segs,
		       const struct seg_list *tmps)
{
	char name[WAL_NAME_MAX], final[WAL_NAME_MAX];
	for (size_t i = 0; i < tmps->n; i++) {
		uint64_t first = tmps->v[i], hdr_first;
		unsigned char hdr[WAL_SEG_HDR];
		const char *why;
		int keep = 0;
		wal_seg_name(name, first, 1);
		if (segs->n == 0 && i + 1 == tmps->n) {
			int fd = openat(w->dirfd, name, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				keep = pread(fd, hdr, sizeof hdr, 0) == (ssize_t)sizeof hdr &&
				       wal_seg_hdr_decode(hdr, &hdr_first, &why) == 0 &&
				       hdr_first == first;
				close(fd);
			}
		}
		if (keep) {
			wal_seg_name(final, first, 0);
			if (renameat(w->dirfd, name, w->dirfd, final) != 0)
				return errmsg_set(w->errmsg, GAIA_EIO, "rename %s/%s: %s",
						  w->dir, name, strerror(errno));
			if (list_push(segs, first) != 0)
				return errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
			wal_logf(w, WAL_LOG_WARN, "completed interrupted log reset: %s/%s",
				 w->dir, final);
		} else {
			if (unlinkat(w->dirfd, name, 0) != 0)
				return errmsg_set(w->errmsg, GAIA_EIO, "unlink %s/%s: %s",
						  w->dir, name, strerror(errno));
			wal_logf(w, WAL_LOG_INFO, "removed leftover %s/%s", w->dir, name);
		}
	}
	if (tmps->n > 0)
		return wal_fsync_dir(w->dirfd, w->errmsg);
	return GAIA_OK;
}

/* Cut the torn tail of the last segment (rewriting its header if the
 * header itself was torn) and make the cut durable. */
static int cut_tail(struct wal *w, int fd, const struct wal_scan *s)
{
	unsigned char hdr[WAL_SEG_HDR];
	uint64_t end = s->bad_header ? WAL_SEG_HDR : s->end;
	if (s->bad_header) {
		wal_seg_hdr_encode(hdr, s->name_first);
		if (ftruncate(fd, 0) != 0 || wal_write_full(fd, hdr, sizeof hdr, 0) != 0)
			return errmsg_set(w->errmsg, GAIA_EIO, "rewrite header of %s: %s",
					  s->path, strerror(errno));
	}
	if (ftruncate(fd, (off_t)end) != 0 || fsync(fd) != 0)
		return errmsg_set(w->errmsg, GAIA_EIO, "truncate %s: %s", s->path,
				  strerror(errno));
	wal_logf(w, WAL_LOG_WARN,
		 "truncated torn tail of %s at offset %" PRIu64 " (%" PRIu64
		 " bytes: %s)",
		 s->path, s->bad_header ? 0 : s->end, s->size - (s->bad_header ? 0 : s->end),
		 s->torn_why);
	return GAIA_OK;
}

/* Scan one segment; keeps the descriptor of the last one for the writer. */
static int recover_seg(struct wal *w, uint64_t first, int is_last)
{
	char name[WAL_NAME_MAX], path[4096];
	struct stat st;
	struct wal_scan s;
	void *map = NULL;
	int rv;

	wal_seg_name(name, first, 0);
	snprintf(path, sizeof path, "%s/%s", w->dir, name);
	int fd = openat(w->dirfd, name, (is_last ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(w->errmsg, GAIA_EIO, "open %s: %s", path,
				  strerror(errno));
	if (fstat(fd, &st) != 0) {
		rv = errmsg_set(w->errmsg, GAIA_EIO, "stat %s: %s", path, strerror(errno));
		goto err_after_open;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			rv = errmsg_set(w->errmsg, GAIA_EIO, "mmap %s: %s", path,
					strerror(errno));
			goto err_after_open;
		}
	}
	s.p = map;
	s.size = (uint64_t)st.st_size;
	s.name_first = first;
	s.is_last = is_last;
	s.path = path;
	rv = wal_scan_segment(w, &s);
	if (map)
		munmap(map, (size_t)st.st_size);
	if (rv != GAIA_OK)
		goto err_after_open;
	if (s.torn) {
		rv = cut_tail(w, fd, &s);
		if (rv != GAIA_OK)
			goto err_after_open;
	}
	rv = wal_segs_reserve(w, 1);
	if (rv != GAIA_OK)
		goto err_after_open;
	w->segs[w->nsegs++] = (struct wal_seg){
		.first_index = first,
		.size = s.bad_header ? WAL_SEG_HDR : s.end,
		.rfd = -1,
	};
	if (is_last) {
		w->wr.fd = fd;
		w->wr.seg_first = first;
		w->wr.off = w->segs[w->nsegs - 1].size;
	} else {
		close(fd);
	}
	return GAIA_OK;

err_after_open:
	close(fd);
	return rv;
}

int wal_recover(struct wal *w)
{
	struct seg_list segs = { 0 }, tmps = { 0 };
	char name[WAL_NAME_MAX];
	int rv;

	rv = wal_hs_read(w->dirfd, &w->hs, w->errmsg);
	if (rv != GAIA_OK) {
		char msg[GAIA_ERRMSG_SIZE];
		snprintf(msg, sizeof msg, "%s", w->errmsg);
		errmsg_set(w->errmsg, rv, "%s/%s", w->dir, msg);
		return rv;
	}
	rv = list_dir(w, &segs, &tmps);
	if (rv != GAIA_OK)
		goto out;
	rv = settle_tmps(w, &segs, &tmps);
	if (rv != GAIA_OK)
		goto out;
	if (segs.n == 0) {
		int fd;
		rv = wal_seg_create(w->dirfd, 1, 0, &fd, w->errmsg);
		if (rv != GAIA_OK)
			goto out;
		close(fd);
		if (list_push(&segs, 1) != 0) {
			rv = errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
			goto out;
		}
	}
	w->first_index = segs.v[0];
	for (size_t i = 0; i < segs.n; i++) {
		uint64_t expect = w->first_index + w->count;
		if (segs.v[i] != expect) {
			wal_seg_name(name, segs.v[i], 0);
			rv = errmsg_set(w->errmsg, GAIA_ECORRUPT,
					"%s/%s at offset 0: first index %" PRIu64
					", expected %" PRIu64 " (missing segment?)",
					w->dir, name, segs.v[i], expect);
			goto out;
		}
		rv = recover_seg(w, segs.v[i], i + 1 == segs.n);
		if (rv != GAIA_OK)
			goto out;
	}
	w->cache_lo = wal_last(w) + 1;
	w->durable_index = wal_last(w);
	w->wr.durable = w->durable_index;
	w->wr.hs = w->hs;
	w->wr.pub_hs = w->hs;
	w->wr.pub_durable = w->durable_index;
out:
	free(segs.v);
	free(tmps.v);
	return rv;
}
