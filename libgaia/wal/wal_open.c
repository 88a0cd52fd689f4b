/* Opening and closing a WAL, and the read-only accessors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

void wal_options_init(struct wal_options *o)
{
	memset(o, 0, sizeof *o);
	o->segment_size = WAL_DEFAULT_SEGMENT_SIZE;
	o->cache_bytes = WAL_DEFAULT_CACHE_BYTES;
}

/* Create dir if missing; a new directory entry is made durable in its
 * parent. */
static int make_dir(const char *dir, char *errmsg)
{
	if (mkdir(dir, 0755) != 0) {
		if (errno == EEXIST)
			return GAIA_OK;
		return errmsg_set(errmsg, GAIA_EIO, "mkdir %s: %s", dir,
				  strerror(errno));
	}
	char parent[4096];
	snprintf(parent, sizeof parent, "%s/..", dir);
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return errmsg_set(errmsg, GAIA_EIO, "fsync parent of %s: %s", dir,
				  strerror(e));
	}
	close(fd);
	return GAIA_OK;
}

static int init_writer_sync(struct wal *w)
{
	if (pthread_mutex_init(&w->wr.mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->wr.wake, NULL) != 0)
		goto err_after_mu;
	if (pthread_cond_init(&w->wr.done, NULL) != 0)
		goto err_after_wake;
	return 0;

err_after_wake:
	pthread_cond_destroy(&w->wr.wake);
err_after_mu:
	pthread_mutex_destroy(&w->wr.mu);
	return -1;
}

static void free_mem(struct wal *w)
{
	if (w->count)
		wal_cache_drop(w, w->first_index, wal_last(w));
	for (size_t i = 0; i < w->nsegs; i++)
		wal_seg_close(&w->segs[i]);
	free(w->segs);
	free(w->slots);
	free(w->caps);
	free(w->rbuf);
	free(w->dir);
	free(w);
}

int wal_open(const char *dir, const struct wal_options *opts, struct wal **out,
	     char *errmsg)
{
	int rv;

	*out = NULL;
	struct wal *w = calloc(1, sizeof *w);
	if (!w)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
	if (opts)
		w->opts = *opts;
	else
		wal_options_init(&w->opts);
	if (w->opts.segment_size < WAL_SEG_HDR)
		w->opts.segment_size = WAL_SEG_HDR;
	w->efd = -1;
	w->wr.fd = -1;
	w->dir = strdup(dir);
	if (!w->dir) {
		rv = errmsg_set(errmsg, GAIA_ENOMEM, "out of memory");
		goto err_after_alloc;
	}
	rv = make_dir(dir, errmsg);
	if (rv != GAIA_OK)
		goto err_after_alloc;
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "open %s: %s", dir, strerror(errno));
		goto err_after_alloc;
	}
	if (flock(w->dirfd, LOCK_EX | LOCK_NB) != 0) {
		rv = errno == EWOULDBLOCK
			     ? errmsg_set(errmsg, GAIA_EBUSY,
					  "%s: the WAL is in use by another process", dir)
			     : errmsg_set(errmsg, GAIA_EIO, "flock %s: %s", dir,
					  strerror(errno));
		goto err_after_dirfd;
	}
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		rv = errmsg_set(errmsg, GAIA_EIO, "eventfd: %s", strerror(errno));
		goto err_after_dirfd;
	}
	if (init_writer_sync(w) != 0) {
		rv = errmsg_set(errmsg, GAIA_ENOMEM, "pthread init failed");
		goto err_after_efd;
	}
	rv = wal_recover(w);
	if (rv != GAIA_OK) {
		snprintf(errmsg, GAIA_ERRMSG_SIZE, "%s", w->errmsg);
		goto err_after_sync;
	}
	rv = wal_writer_start(w);
	if (rv != GAIA_OK) {
		snprintf(errmsg, GAIA_ERRMSG_SIZE, "%s", w->errmsg);
		goto err_after_sync;
	}
	*out = w;
	return GAIA_OK;

err_after_sync:
	if (w->wr.fd >= 0)
		close(w->wr.fd);
	pthread_cond_destroy(&w->wr.done);
	pthread_cond_destroy(&w->wr.wake);
	pthread_mutex_destroy(&w->wr.mu);
err_after_efd:
	close(w->efd);
err_after_dirfd:
	close(w->dirfd);
err_after_alloc:
	free_mem(w);
	return rv;
}

void wal_close(struct wal *w)
{
	if (!w)
		return;
	wal_writer_stop(w);
	pthread_cond_destroy(&w->wr.done);
	pthread_cond_destroy(&w->wr.wake);
	pthread_mutex_destroy(&w->wr.mu);
	close(w->efd);
	close(w->dirfd);
	free_mem(w);
}

const char *wal_errmsg(const struct wal *w)
{
	return w->errmsg;
}

int wal_event_fd(const struct wal *w)
{
	return w->efd;
}

void wal_hardstate_load(const struct wal *w, struct wal_hardstate *hs)
{
	*hs = w->hs;
}

uint64_t wal_first_index(const struct wal *w)
{
	return w->first_index;
}

uint64_t wal_last_index(const struct wal *w)
{
	return wal_last(w);
}

int wal_term(const struct wal *w, uint64_t index, uint64_t *term)
{
	if (index < w->first_index)
		return GAIA_ECOMPACTED;
	if (index > wal_last(w))
		return GAIA_EUNAVAIL;
	*term = wal_slot_at(w, index)->term;
	return GAIA_OK;
}

void wal_info(struct wal *w, struct wal_info *info)
{
	memset(info, 0, sizeof *info);
	info->first_index = w->first_index;
	info->last_index = wal_last(w);
	info->durable_index = w->durable_index;
	for (size_t i = 0; i < w->nsegs; i++)
		info->size_bytes += w->segs[i].size;
	info->segments = w->nsegs;
	info->appends = w->appends;
	info->cache_entries = w->cache_entries;
	info->cache_bytes = w->cache_bytes;
	info->cache_hits = w->cache_hits;
	info->cache_misses = w->cache_misses;
	pthread_mutex_lock(&w->wr.mu);
	info->batches = w->wr.batches;
	info->fsyncs = w->wr.fsyncs;
	info->bytes_written = w->wr.bytes_written;
	info->fsync_ns_total = w->wr.fsync_ns_total;
	info->fsync_ns_max = w->wr.fsync_ns_max;
	memcpy(info->fsync_hist, w->wr.fsync_hist, sizeof info->fsync_hist);
	pthread_mutex_unlock(&w->wr.mu);
}
