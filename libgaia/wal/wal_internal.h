/* wal_internal.h - the WAL's private structures, shared by the files of libgaia/wal only. */
#ifndef GAIA_WAL_INTERNAL_H
#define GAIA_WAL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gaia.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

/* One entry's payload, shared by the cache (owner thread) and the writer
 * queue (writer thread); freed when both let go. */
struct wal_buf {
	atomic_uint refs;
	uint32_t len;
	unsigned char data[];
};

/* In-memory index: one slot per entry of the log. */
struct wal_slot {
	uint64_t term;
	uint64_t off;        /* record offset in its segment */
	uint32_t len;
	uint8_t type;
	struct wal_buf *buf; /* cached payload, or NULL */
};

/* A segment as the owner sees it (the writer may not have created the
 * file yet; it always has before any of its entries are durable). */
struct wal_seg {
	uint64_t first_index; /* file name and header */
	uint64_t size;        /* header + records placed in it */
	int rfd;              /* owner's read descriptor, -1 until needed */
};

/* One record of an append operation, placed by the owner. */
struct wal_rec {
	uint64_t index, term;
	uint64_t seg_first, off;
	uint8_t type;
	struct wal_buf *buf;
};

enum wal_op_kind {
	WAL_OP_APPEND,
	WAL_OP_TRUNCATE,
	WAL_OP_COMPACT,
	WAL_OP_RESET,
	WAL_OP_HARDSTATE,
};

struct wal_op {
	struct wal_op *next;
	int kind;
	uint64_t seq;
	/* APPEND */
	size_t nrecs;
	struct wal_rec *recs;
	/* TRUNCATE: from, seg_first (the segment of from), off (its offset);
	 * RESET: from is the next index */
	uint64_t from, seg_first, off;
	/* segments to unlink, in the order to unlink them */
	size_t ndel;
	uint64_t *del;
	struct wal_hardstate hs;
};

/* A truncation or reset the writer has not done yet: until it is, the
 * writer's durable index may count entries the owner has removed. */
struct wal_cap {
	uint64_t seq;
	uint64_t cap;
};

struct wal_writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* ops queued or stop */
	pthread_cond_t done; /* something published */
	/* under mu */
	struct wal_op *head, *tail;
	int stop;
	uint64_t pub_seq, pub_durable;
	int pub_err;
	char pub_errmsg[GAIA_ERRMSG_SIZE];
	struct wal_hardstate pub_hs;
	uint64_t pub_hs_count;
	uint64_t batches, fsyncs, bytes_written, fsync_ns_total, fsync_ns_max;
	uint64_t fsync_hist[WAL_FSYNC_BUCKETS];
	/* writer thread only */
	int fd;              /* current segment, -1 if none */
	uint64_t seg_first;  /* its first index */
	uint64_t off;        /* next write offset in it */
	uint64_t durable;
	uint64_t done_seq;
	int err;
	char errmsg[GAIA_ERRMSG_SIZE];
	struct wal_hardstate hs;
	uint64_t hs_count;
	unsigned char *stage;
	size_t stage_len, stage_cap;
	uint64_t stage_off; /* segment offset of stage[0] */
	uint64_t n_batches, n_fsyncs, n_bytes, ns_total, ns_max;
	uint64_t hist[WAL_FSYNC_BUCKETS];
};

struct wal {
	char errmsg[GAIA_ERRMSG_SIZE];
	struct wal_options opts;
	char *dir;
	int dirfd; /* also holds the flock */
	int efd;   /* eventfd */
	int failed;

	struct wal_seg *segs;
	size_t nsegs, segs_cap;

	struct wal_slot *slots; /* slots[head .. head+count) */
	size_t head, count, slots_cap;
	uint64_t first_index;

	uint64_t cache_lo; /* cached entries are [cache_lo, last] */
	size_t cache_bytes, cache_entries;
	uint64_t cache_hits, cache_misses;

	uint64_t seq; /* last ticket issued */
	uint64_t done_seq, durable_index;
	struct wal_cap *caps;
	size_t ncaps, caps_cap;

	struct wal_hardstate hs;
	uint64_t hs_count;
	uint64_t appends;

	unsigned char *rbuf; /* scratch for reads from disk */
	size_t rbuf_cap;

	struct wal_writer wr;
};

static inline uint64_t wal_last(const struct wal *w)
{
	return w->first_index + w->count - 1;
}

static inline struct wal_slot *wal_slot_at(const struct wal *w, uint64_t index)
{
	return &w->slots[w->head + (index - w->first_index)];
}

/* wal_mem.c: buffers, index, segments, cache */
struct wal_buf *wal_buf_new(const void *data, uint32_t len);
void wal_buf_unref(struct wal_buf *b);
int wal_slots_reserve(struct wal *w, size_t extra);
int wal_segs_reserve(struct wal *w, size_t extra);
size_t wal_seg_find(const struct wal *w, uint64_t index);
void wal_seg_close(struct wal_seg *s);
void wal_cache_drop(struct wal *w, uint64_t from, uint64_t to);
void wal_cache_evict(struct wal *w);
void wal_op_free(struct wal_op *op);
void wal_logf(const struct wal *w, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* wal_file.c: files and directories */
int wal_write_full(int fd, const void *buf, size_t len, uint64_t off);
int wal_seg_create(int dirfd, uint64_t first_index, int tmp, int *fd_out,
		   char *errmsg);
int wal_seg_open_rw(int dirfd, uint64_t first_index, int *fd_out,
		    char *errmsg);
int wal_fsync_dir(int dirfd, char *errmsg);
int wal_unlink_seg(int dirfd, uint64_t first_index, int tmp, char *errmsg);

/* wal_hardstate.c */
int wal_hs_write(int dirfd, const struct wal_hardstate *hs, char *errmsg,
		 uint64_t *nsyncs);
int wal_hs_read(int dirfd, struct wal_hardstate *hs, char *errmsg);

/* wal_recover.c: scan the directory and build the in-memory log */
int wal_recover(struct wal *w);

/* wal_writer.c */
int wal_writer_start(struct wal *w);
void wal_writer_stop(struct wal *w);
int wal_writer_enqueue(struct wal *w, struct wal_op *op, uint64_t *seq);

#endif
