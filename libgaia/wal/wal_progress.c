/* Completions: taking the writer's progress on the owner's side, waiting for it, hard state saves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "wal/wal_internal.h"

int wal_hardstate_save(struct wal *w, const struct wal_hardstate *hs, uint64_t *seq)
{
	uint64_t tseq;
	int rv;

	if (w->failed)
		return w->failed;
	struct wal_op *op = calloc(1, sizeof *op);
	if (!op)
		return errmsg_set(w->errmsg, GAIA_ENOMEM, "out of memory");
	op->kind = WAL_OP_HARDSTATE;
	op->hs = *hs;
	if ((rv = wal_writer_enqueue(w, op, &tseq)) != GAIA_OK) {
		free(op);
		return rv;
	}
	if (seq)
		*seq = tseq;
	return GAIA_OK;
}

/* The writer reports its durable index as of ticket done; truncations
 * and resets queued after that ticket still cap it. */
static void apply_progress(struct wal *w, uint64_t done, uint64_t durable)
{
	size_t j = 0;
	for (size_t i = 0; i < w->ncaps; i++) {
		if (w->caps[i].seq <= done)
			continue;
		if (durable > w->caps[i].cap)
			durable = w->caps[i].cap;
		w->caps[j++] = w->caps[i];
	}
	w->ncaps = j;
	if (durable > wal_last(w))
		durable = wal_last(w);
	w->done_seq = done;
	w->durable_index = durable;
}

int wal_poll_completions(struct wal *w, struct wal_progress *p)
{
	struct wal_writer *wr = &w->wr;
	uint64_t junk, done, durable;
	int err;

	while (read(w->efd, &junk, sizeof junk) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&wr->mu);
	done = wr->pub_seq;
	durable = wr->pub_durable;
	err = wr->pub_err;
	if (err && !w->failed)
		memcpy(w->errmsg, wr->pub_errmsg, sizeof w->errmsg);
	if (wr->pub_hs_count != w->hs_count) {
		w->hs = wr->pub_hs;
		w->hs_count = wr->pub_hs_count;
	}
	pthread_mutex_unlock(&wr->mu);

	apply_progress(w, done, durable);
	if (err)
		w->failed = err;
	wal_cache_evict(w);
	if (p) {
		p->done_seq = w->done_seq;
		p->durable_index = w->durable_index;
	}
	return w->failed;
}

int wal_sync(struct wal *w, struct wal_progress *p)
{
	struct wal_writer *wr = &w->wr;
	pthread_mutex_lock(&wr->mu);
	while (wr->pub_seq < w->seq && !wr->pub_err)
		pthread_cond_wait(&wr->done, &wr->mu);
	pthread_mutex_unlock(&wr->mu);
	return wal_poll_completions(w, p);
}
