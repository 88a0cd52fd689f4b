/* The writer thread: runs the queued operations in order, one pwrite + one fdatasync per batch of appends. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

/* Above this many staged bytes a batch is written in more than one
 * pwrite (still one fdatasync), to bound the staging memory. */
#define STAGE_MAX ((size_t)8 << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const uint32_t wal_fsync_bucket_us[WAL_FSYNC_BUCKETS - 1] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
};

static int sync_current(struct wal_writer *wr)
{
	uint64_t t0 = now_ns();
	int rc = fdatasync(wr->fd);
	uint64_t dt = now_ns() - t0;
	size_t b = 0;
	while (b < WAL_FSYNC_BUCKETS - 1 && dt > (uint64_t)wal_fsync_bucket_us[b] * 1000)
		b++;
	wr->hist[b]++;
	wr->n_fsyncs++;
	wr->ns_total += dt;
	if (dt > wr->ns_max)
		wr->ns_max = dt;
	if (rc != 0) {
		char name[WAL_NAME_MAX];
		wal_seg_name(name, wr->seg_first, 0);
		return errmsg_set(wr->errmsg, GAIA_EIO, "fdatasync %s: %s", name,
				  strerror(errno));
	}
	return GAIA_OK;
}

static int stage_flush(struct wal_writer *wr)
{
	if (wr->stage_len == 0)
		return GAIA_OK;
	uint64_t at = wr->off - wr->stage_len;
	if (wal_write_full(wr->fd, wr->stage, wr->stage_len, at) != 0) {
		char name[WAL_NAME_MAX];
		wal_seg_name(name, wr->seg_first, 0);
		return errmsg_set(wr->errmsg, GAIA_EIO, "write %s at offset %" PRIu64 ": %s",
				  name, at, strerror(errno));
	}
	wr->n_bytes += wr->stage_len;
	wr->stage_len = 0;
	return GAIA_OK;
}

static int stage_reserve(struct wal_writer *wr, size_t more)
{
	if (wr->stage_len + more <= wr->stage_cap)
		return GAIA_OK;
	size_t cap = wr->stage_cap ? wr->stage_cap : 64 * 1024;
	while (cap < wr->stage_len + more)
		cap *= 2;
	unsigned char *p = realloc(wr->stage, cap);
	if (!p)
		return errmsg_set(wr->errmsg, GAIA_ENOMEM, "out of memory");
	wr->stage = p;
	wr->stage_cap = cap;
	return GAIA_OK;
}

/* Move to a new segment; the current one is complete and durable. */
static int rotate(struct wal *w, uint64_t first)
{
	struct wal_writer *wr = &w->wr;
	int fd, rv;
	rv = wal_seg_create(w->dirfd, first, 0, &fd, wr->errmsg);
	wr->n_fsyncs += 2;
	if (rv != GAIA_OK)
		return rv;
	if (wr->fd >= 0)
		close(wr->fd);
	wr->fd = fd;
	wr->seg_first = first;
	wr->off = WAL_SEG_HDR;
	return GAIA_OK;
}

/* Write the appends of ops [op, end) as one batch. */
static int do_appends(struct wal *w, struct wal_op *op, struct wal_op *end)
{
	struct wal_writer *wr = &w->wr;
	uint32_t batch_pos = 0;
	uint64_t last = 0;
	int rv;

	for (; op != end; op = op->next) {
		for (size_t i = 0; i < op->nrecs; i++) {
			const struct wal_rec *r = &op->recs[i];
			if (r->seg_first != wr->seg_first) {
				if (batch_pos > 0) {
					if ((rv = stage_flush(wr)) != GAIA_OK ||
					    (rv = sync_current(wr)) != GAIA_OK)
						return rv;
					wr->durable = last;
					wr->n_batches++;
				}
				if ((rv = rotate(w, r->seg_first)) != GAIA_OK)
					return rv;
				batch_pos = 0;
			}
			if (wr->fd < 0)
				return errmsg_set(wr->errmsg, GAIA_EIO,
						  "WAL writer has no open segment for index %" PRIu64,
						  r->index);
			if (r->off != wr->off)
				return errmsg_set(wr->errmsg, GAIA_EIO,
						  "WAL writer out of step: index %" PRIu64
						  " placed at offset %" PRIu64 ", writer at %" PRIu64,
						  r->index, r->off, wr->off);
			uint64_t size = wal_rec_size(r->buf->len);
			if (wr->stage_len > 0 && wr->stage_len + size > STAGE_MAX &&
			    (rv = stage_flush(wr)) != GAIA_OK)
				return rv;
			if ((rv = stage_reserve(wr, size)) != GAIA_OK)
				return rv;
			wal_rec_encode(wr->stage + wr->stage_len, r->index, r->term,
				       r->type, batch_pos, r->buf->data, r->buf->len);
			wr->stage_len += size;
			wr->off += size;
			batch_pos++;
			last = r->index;
		}
		wr->done_seq = op->seq; /* provisional: only published after the sync */
	}
	if (batch_pos == 0)
		return GAIA_OK;
	if ((rv = stage_flush(wr)) != GAIA_OK || (rv = sync_current(wr)) != GAIA_OK)
		return rv;
	wr->durable = last;
	wr->n_batches++;
	return GAIA_OK;
}

static void close_if_current(struct wal_writer *wr, uint64_t first)
{
	if (wr->fd >= 0 && wr->seg_first == first) {
		close(wr->fd);
		wr->fd = -1;
	}
}

static int do_truncate(struct wal *w, const struct wal_op *op)
{
	struct wal_writer *wr = &w->wr;
	int rv;
	for (size_t i = 0; i < op->ndel; i++) {
		close_if_current(wr, op->del[i]);
		wr->n_fsyncs++;
		if ((rv = wal_unlink_seg(w->dirfd, op->del[i], 0, wr->errmsg)) != GAIA_OK)
			return rv;
	}
	if (wr->fd < 0 || wr->seg_first != op->seg_first) {
		if (wr->fd >= 0)
			close(wr->fd);
		wr->fd = -1;
		if ((rv = wal_seg_open_rw(w->dirfd, op->seg_first, &wr->fd,
					  wr->errmsg)) != GAIA_OK)
			return rv;
		wr->seg_first = op->seg_first;
	}
	wr->n_fsyncs++;
	if (ftruncate(wr->fd, (off_t)op->off) != 0 || fsync(wr->fd) != 0) {
		char name[WAL_NAME_MAX];
		wal_seg_name(name, wr->seg_first, 0);
		return errmsg_set(wr->errmsg, GAIA_EIO, "truncate %s at offset %" PRIu64 ": %s",
				  name, op->off, strerror(errno));
	}
	wr->off = op->off;
	if (wr->durable >= op->from)
		wr->durable = op->from - 1;
	return GAIA_OK;
}

static int do_compact(struct wal *w, const struct wal_op *op)
{
	struct wal_writer *wr = &w->wr;
	for (size_t i = 0; i < op->ndel; i++) {
		close_if_current(wr, op->del[i]);
		wr->n_fsyncs++;
		int rv = wal_unlink_seg(w->dirfd, op->del[i], 0, wr->errmsg);
		if (rv != GAIA_OK)
			return rv;
	}
	return GAIA_OK;
}

/* New log under a temp name first, so that a crash leaves either the old
 * log (or a suffix of it) or the new one; recovery finishes or forgets. */
static int do_reset(struct wal *w, const struct wal_op *op)
{
	struct wal_writer *wr = &w->wr;
	char tmp[WAL_NAME_MAX], final[WAL_NAME_MAX];
	int fd, rv;

	wr->n_fsyncs++;
	if ((rv = wal_seg_create(w->dirfd, op->from, 1, &fd, wr->errmsg)) != GAIA_OK)
		return rv;
	if (wr->fd >= 0)
		close(wr->fd);
	wr->fd = -1;
	for (size_t i = 0; i < op->ndel; i++) {
		wr->n_fsyncs++;
		if ((rv = wal_unlink_seg(w->dirfd, op->del[i], 0, wr->errmsg)) != GAIA_OK)
			goto err_after_create;
	}
	wal_seg_name(tmp, op->from, 1);
	wal_seg_name(final, op->from, 0);
	if (renameat(w->dirfd, tmp, w->dirfd, final) != 0) {
		rv = errmsg_set(wr->errmsg, GAIA_EIO, "rename %s: %s", tmp, strerror(errno));
		goto err_after_create;
	}
	wr->n_fsyncs++;
	if ((rv = wal_fsync_dir(w->dirfd, wr->errmsg)) != GAIA_OK)
		goto err_after_create;
	wr->fd = fd;
	wr->seg_first = op->from;
	wr->off = WAL_SEG_HDR;
	wr->durable = op->from - 1;
	return GAIA_OK;

err_after_create:
	close(fd);
	return rv;
}

static int do_hardstate(struct wal *w, const struct wal_op *op)
{
	struct wal_writer *wr = &w->wr;
	int rv = wal_hs_write(w->dirfd, &op->hs, wr->errmsg, &wr->n_fsyncs);
	if (rv == GAIA_OK) {
		wr->hs = op->hs;
		wr->hs_count++;
	}
	return rv;
}

/* Run a list of operations taken from the queue; frees them. After an
 * error nothing more is done: the rest is dropped. */
static void run_ops(struct wal *w, struct wal_op *op)
{
	struct wal_writer *wr = &w->wr;
	while (op) {
		struct wal_op *end = op->next;
		int rv = GAIA_OK;
		if (wr->err) {
			/* failed: drop */
		} else if (op->kind == WAL_OP_APPEND) {
			while (end && end->kind == WAL_OP_APPEND)
				end = end->next;
			uint64_t before = wr->done_seq;
			rv = do_appends(w, op, end);
			if (rv != GAIA_OK)
				wr->done_seq = before;
		} else {
			switch (op->kind) {
			case WAL_OP_TRUNCATE: rv = do_truncate(w, op); break;
			case WAL_OP_COMPACT: rv = do_compact(w, op); break;
			case WAL_OP_RESET: rv = do_reset(w, op); break;
			case WAL_OP_HARDSTATE: rv = do_hardstate(w, op); break;
			default: rv = errmsg_set(wr->errmsg, GAIA_EIO, "bad WAL op"); break;
			}
			if (rv == GAIA_OK)
				wr->done_seq = op->seq;
		}
		if (rv != GAIA_OK)
			wr->err = rv;
		while (op != end) {
			struct wal_op *next = op->next;
			wal_op_free(op);
			op = next;
		}
	}
}

static void publish(struct wal *w)
{
	struct wal_writer *wr = &w->wr;
	wr->pub_seq = wr->done_seq;
	wr->pub_durable = wr->durable;
	if (wr->err && !wr->pub_err) {
		wr->pub_err = wr->err;
		memcpy(wr->pub_errmsg, wr->errmsg, sizeof wr->pub_errmsg);
	}
	wr->pub_hs = wr->hs;
	wr->pub_hs_count = wr->hs_count;
	wr->batches = wr->n_batches;
	wr->fsyncs = wr->n_fsyncs;
	wr->bytes_written = wr->n_bytes;
	wr->fsync_ns_total = wr->ns_total;
	wr->fsync_ns_max = wr->ns_max;
	memcpy(wr->fsync_hist, wr->hist, sizeof wr->hist);
	pthread_cond_broadcast(&wr->done);
}

static void *writer_main(void *arg)
{
	struct wal *w = arg;
	struct wal_writer *wr = &w->wr;
	const uint64_t one = 1;

	pthread_mutex_lock(&wr->mu);
	for (;;) {
		while (!wr->head && !wr->stop)
			pthread_cond_wait(&wr->wake, &wr->mu);
		if (!wr->head)
			break;
		struct wal_op *ops = wr->head;
		wr->head = wr->tail = NULL;
		pthread_mutex_unlock(&wr->mu);

		run_ops(w, ops);

		pthread_mutex_lock(&wr->mu);
		publish(w);
		pthread_mutex_unlock(&wr->mu);
		if (w->opts.notify)
			w->opts.notify(w->opts.notify_ud);
		while (write(w->efd, &one, sizeof one) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&wr->mu);
	}
	pthread_mutex_unlock(&wr->mu);
	return NULL;
}

int wal_writer_start(struct wal *w)
{
	sigset_t all, old;
	sigfillset(&all);
	/* signals belong to the owner's thread, not to the writer */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&w->wr.thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return errmsg_set(w->errmsg, GAIA_ENOMEM, "start WAL writer: %s",
				  strerror(rc));
	return GAIA_OK;
}

void wal_writer_stop(struct wal *w)
{
	struct wal_writer *wr = &w->wr;
	pthread_mutex_lock(&wr->mu);
	wr->stop = 1;
	pthread_cond_signal(&wr->wake);
	pthread_mutex_unlock(&wr->mu);
	pthread_join(wr->thread, NULL);
	if (wr->fd >= 0)
		close(wr->fd);
	wr->fd = -1;
	free(wr->stage);
	wr->stage = NULL;
}

/* Queue op with the next ticket (in *seq; the writer owns op from now
 * on); refused (GAIA_EIO, op untouched) once the writer has failed. */
int wal_writer_enqueue(struct wal *w, struct wal_op *op, uint64_t *seq)
{
	struct wal_writer *wr = &w->wr;
	int rv = GAIA_OK;
	pthread_mutex_lock(&wr->mu);
	if (wr->pub_err) {
		rv = wr->pub_err;
		memcpy(w->errmsg, wr->pub_errmsg, sizeof w->errmsg);
		w->failed = rv;
	} else {
		op->seq = ++w->seq;
		*seq = op->seq;
		op->next = NULL;
		if (wr->tail)
			wr->tail->next = op;
		else
			wr->head = op;
		wr->tail = op;
		pthread_cond_signal(&wr->wake);
	}
	pthread_mutex_unlock(&wr->mu);
	return rv;
}
