/* wal.h - the write-ahead log: Raft entries in CRC-checked segment files, group commit, hard state. */
#ifndef GAIA_WAL_H
#define GAIA_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "gaia.h"

/*
 * One struct wal per <data_dir>/raft_logs directory (an flock on the
 * directory keeps a second process out; GAIA_EBUSY). The on-disk format
 * is described in libgaia/wal/FORMAT.md. Descriptors are close-on-exec,
 * but a fork()ed child (a snapshot writer) shares the lock until it exits.
 *
 * Threads. Every wal_* function must be called from one thread at a time
 * (the node's loop thread, "the owner"). wal_open starts a private writer
 * thread. The mutating calls (wal_append, wal_truncate_suffix, wal_compact,
 * wal_reset, wal_hardstate_save) change the in-memory log at once, so the
 * next read sees the new state, and queue the disk work for the writer;
 * they never wait on the disk. They return a ticket (a sequence number,
 * increasing by one per queued operation). The writer runs the queue in
 * order; consecutive appends that are queued while it is busy are written
 * with one pwrite and made durable with one fdatasync (group commit).
 *
 * Completions. When the writer has finished work it makes the eventfd of
 * wal_event_fd() readable and, if set, calls options.notify ON THE WRITER
 * THREAD (keep it short and do not call wal_* from it: a libuv runtime
 * calls uv_async_send there, or polls the eventfd with uv_poll instead).
 * The owner then calls wal_poll_completions(), which returns the progress:
 * every operation with a ticket <= done_seq has completed, and every entry
 * of the current log with index <= durable_index is on disk. durable_index
 * already accounts for truncations queued after the completed work, so it
 * never claims an entry that was truncated and not rewritten; it drops
 * when wal_truncate_suffix removes durable entries.
 *
 * Failure. If a write, fdatasync or rename fails, the batch is NOT
 * durable, and the WAL enters a failed state for good (after a failed
 * fdatasync the page cache can no longer be trusted): the failed and all
 * later operations are dropped, done_seq and durable_index stop, and
 * wal_poll_completions, wal_sync and every later mutating call return
 * the error (GAIA_EIO; GAIA_ENOMEM if the writer ran out of memory) with
 * the reason in wal_errmsg(). Reads keep working. The node is expected to
 * stop and restart (recovery then decides from the files).
 *
 * Recovery (wal_open). A missing or empty directory is a fresh log
 * (first_index 1, last_index 0). A torn tail (an incomplete or bad record
 * at the end of the LAST segment with nothing valid after it, the trace of
 * a crash mid-write) is truncated and reported through options.log
 * ("truncated torn tail of FILE at offset N"). Anything else that fails a
 * check is GAIA_ECORRUPT with the file and the offset in errmsg: a bad
 * record followed by valid records, a bad record in any segment but the
 * last, a missing segment (gap in the indexes), records out of order. One
 * narrow exception, for power loss: if a bad stretch in the last segment
 * contains a whole zeroed 512-byte sector (blocks never written) and every
 * valid record after it belongs to the same write batch as the bad record
 * (the last batch, whose fdatasync cannot have completed before a later
 * batch was written), that batch remainder is a torn tail too.
 *
 * If the log found at open does not reach the latest snapshot (e.g. a
 * crash in the middle of wal_reset, or raft_logs was removed), the
 * runtime calls wal_reset(snapshot_index + 1).
 */

struct wal;

/* One Raft log entry. type is opaque to the WAL (normal, noop, config
 * change: the Raft layer's byte). data may be NULL when len is 0. */
struct wal_entry {
	uint64_t index;
	uint64_t term;
	uint8_t type;
	const void *data;
	uint32_t len;
};

/* Largest data of one entry. */
#define WAL_ENTRY_MAX (64u << 20)

/* The Raft hard state; vote is a node id, 0 for none. */
struct wal_hardstate {
	uint64_t term;
	uint64_t vote;
	uint64_t commit;
};

enum wal_log_level { WAL_LOG_ERROR, WAL_LOG_WARN, WAL_LOG_INFO, WAL_LOG_DEBUG };

#define WAL_DEFAULT_SEGMENT_SIZE ((uint64_t)64 << 20)
#define WAL_DEFAULT_CACHE_BYTES ((size_t)32 << 20)

struct wal_options {
	/* A segment is closed once it holds this many bytes (a single batch
	 * may take it over). Default WAL_DEFAULT_SEGMENT_SIZE. */
	uint64_t segment_size;
	/* Bound of the cache of recent entries (payload + overhead). Entries
	 * not yet durable are always cached, whatever the bound. */
	size_t cache_bytes;
	/* Optional: recovery reports (torn tails, leftovers removed). Called
	 * on the thread of wal_open. */
	void (*log)(void *ud, int level, const char *msg);
	void *log_ud;
	/* Optional: called on the writer thread after each completion. */
	void (*notify)(void *ud);
	void *notify_ud;
};

/* Buckets of wal_info.fsync_hist: bucket i counts latencies <= the bound
 * i (microseconds); the last bucket is everything above. */
#define WAL_FSYNC_BUCKETS 12
extern const uint32_t wal_fsync_bucket_us[WAL_FSYNC_BUCKETS - 1];

/* Progress of the writer, as seen by the owner. */
struct wal_progress {
	uint64_t done_seq;      /* operations with a ticket <= this are complete */
	uint64_t durable_index; /* entries <= this in the current log are on disk */
};

struct wal_info {
	uint64_t first_index;   /* empty log: first_index == last_index + 1 */
	uint64_t last_index;
	uint64_t durable_index;
	uint64_t size_bytes;    /* all segments, including queued appends */
	uint64_t segments;
	/* counters since open */
	uint64_t appends;       /* entries appended */
	uint64_t batches;       /* write batches (one pwrite + one fdatasync) */
	uint64_t fsyncs;        /* every fdatasync/fsync the writer made (files, dirs) */
	uint64_t bytes_written; /* record bytes written by the writer */
	/* latency of the fdatasync of each batch (batches of them) */
	uint64_t fsync_ns_total;
	uint64_t fsync_ns_max;
	uint64_t fsync_hist[WAL_FSYNC_BUCKETS]; /* counts, not cumulative */
	uint64_t cache_entries;
	uint64_t cache_bytes;
	uint64_t cache_hits;    /* entries read from the cache */
	uint64_t cache_misses;  /* entries read from disk */
};

/* Result of wal_read: n entries whose data are copies the batch owns,
 * valid until the batch's next wal_read or wal_batch_free. Reuse one batch
 * across reads (its memory is kept). Zero-initialize before first use:
 * WAL_BATCH_INIT. */
struct wal_batch {
	struct wal_entry *ents;
	size_t n;
	/* private */
	size_t ents_cap;
	unsigned char *buf;
	size_t buf_len, buf_cap;
};
#define WAL_BATCH_INIT { 0 }

void wal_options_init(struct wal_options *o);

/* Open (creating if needed) the WAL in dir and recover it. opts may be
 * NULL for defaults. On failure *out is NULL and errmsg
 * (GAIA_ERRMSG_SIZE) says why. */
int wal_open(const char *dir, const struct wal_options *opts, struct wal **out,
	     char *errmsg);

/* Run the queued work to its end, stop the writer, free everything.
 * Call wal_sync first to learn whether it all succeeded. */
void wal_close(struct wal *w);

const char *wal_errmsg(const struct wal *w);

/* Append n entries; the first index must be last_index + 1 and the
 * indexes consecutive. The data is copied. GAIA_EIO once failed. */
int wal_append(struct wal *w, const struct wal_entry *ents, size_t n,
	       uint64_t *seq);

/* Remove the entries >= from_index (a conflicting tail). Ordered after the
 * appends queued before it and before those queued after it. A no-op if
 * from_index > last_index; GAIA_ECOMPACTED if from_index < first_index. */
int wal_truncate_suffix(struct wal *w, uint64_t from_index, uint64_t *seq);

/* Delete the whole segments all of whose entries are <= up_to_index
 * (never the last segment). Entries <= up_to_index may remain. */
int wal_compact(struct wal *w, uint64_t up_to_index, uint64_t *seq);

/* Drop the whole log: afterwards it is empty and the next append is
 * next_index (after installing a snapshot of next_index - 1). */
int wal_reset(struct wal *w, uint64_t next_index, uint64_t *seq);

/* Replace the hard state file atomically (temp, fdatasync, rename, fsync
 * of the directory), ordered with the other queued work. */
int wal_hardstate_save(struct wal *w, const struct wal_hardstate *hs,
		       uint64_t *seq);

/* The last hard state known durable (loaded at open, zeros if none). */
void wal_hardstate_load(const struct wal *w, struct wal_hardstate *hs);

/* Readable (an eventfd) whenever completions may be pending. */
int wal_event_fd(const struct wal *w);

/* Take the writer's completions (non-blocking). p may be NULL. */
int wal_poll_completions(struct wal *w, struct wal_progress *p);

/* Block until every queued operation has completed (or failed), then
 * poll. For shutdown, tools and tests; not for the loop thread. */
int wal_sync(struct wal *w, struct wal_progress *p);

/* Copy entries lo..hi (inclusive) into b, stopping early once their data
 * exceeds max_bytes (0 = no bound; at least one entry is returned).
 * GAIA_ECOMPACTED if lo < first_index, GAIA_EUNAVAIL if hi > last_index,
 * GAIA_ECORRUPT if a record read from disk fails its CRC. Recent entries
 * come from the cache and never touch the disk. */
int wal_read(struct wal *w, uint64_t lo, uint64_t hi, size_t max_bytes,
	     struct wal_batch *b);

void wal_batch_free(struct wal_batch *b);

/* Term of entry index, from memory. GAIA_ECOMPACTED below first_index,
 * GAIA_EUNAVAIL above last_index. */
int wal_term(const struct wal *w, uint64_t index, uint64_t *term);

uint64_t wal_first_index(const struct wal *w);
uint64_t wal_last_index(const struct wal *w);

void wal_info(struct wal *w, struct wal_info *info);

#endif
