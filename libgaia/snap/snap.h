/* snap.h - snapshot files: streamed write and read, verify, list, prune, pin, and read as a byte stream for sending. */
#ifndef GAIA_SNAP_H
#define GAIA_SNAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gaia.h"

/*
 * File format (all integers little-endian), version 1:
 *
 *   header   magic "GAIASNAP" (8)  version u32  flags u32 (0)
 *            index u64  term u64  created_at i64 (unix seconds)
 *            entry_count u64  membership_len u32  membership bytes
 *            header_crc u32 (CRC32C of the header bytes before it)
 *   records  entry_count times: key_len u32  key  value_len u32  value
 *            create_index u64  modify_index u64
 *   trailer  entry_count u64  data_len u64 (file offset of the trailer)
 *            magic "GEND" (4)  crc u32 (CRC32C of every byte before it)
 *
 * The entry count is known when writing begins (a frozen view knows it),
 * so the header is final at once and nothing is ever rewritten. The header
 * CRC lets a reader trust the header before it reads the body; the
 * trailer repeats the count and the length so that a truncated file, or
 * one cut and padded, fails. Lengths are never trusted: each is checked
 * against the bytes left in the file before anything is read or allocated.
 * Reading and writing stream through a fixed buffer; memory does not grow
 * with the snapshot (only with its largest record).
 *
 * Files live in one directory as snapshot_<index>_<YYYYMMDDHHMMSS>.snap
 * (created_at in UTC). They are written as tmp-snapshot_<index>_<pid>_<n>.snap,
 * fsynced, renamed, and the directory fsynced. Only names of the final form
 * are listed; temp files left by a crash are removed by
 * snap_cleanup_temps().
 *
 * "Newest" is the highest index (then the latest created_at, then the
 * name): the one a node restores from.
 *
 * Threads: a struct snap_dir may be shared by threads (pins and the set of
 * writers in progress are under its mutex); each writer, reader, stream,
 * list or prune result belongs to one thread at a time and carries its own
 * errmsg.
 */

#define SNAP_FORMAT_VERSION 1u
#define SNAP_FILENAME_MAX 64 /* enough for any valid name, with its NUL */
#define SNAP_MEMBERSHIP_MAX (16u * 1024u * 1024u)

/* What the header says (and, for listings, the file's name and size). */
struct snap_info {
	char filename[SNAP_FILENAME_MAX];
	uint64_t index;
	uint64_t term;
	int64_t created_at; /* unix seconds, UTC */
	uint64_t entry_count;
	uint64_t size; /* bytes of the file */
	uint64_t file_id; /* snap_file_id's, filled by snap_writer_finish only */
	bool header_ok; /* false: header unreadable; term/entry_count are 0
			   and created_at comes from the file name */
};

struct snap_pin;
struct snap_tmp;

/* A snapshot directory. */
struct snap_dir {
	char errmsg[GAIA_ERRMSG_SIZE];
	/* private */
	char *path;
	pthread_mutex_t lock;
	struct snap_pin *pins;
	struct snap_tmp *writing;
	uint64_t tmp_seq;
};

/* Open dir at path, creating the directory (not its parents) if missing. */
int snap_dir_init(struct snap_dir *d, const char *path);
void snap_dir_close(struct snap_dir *d);

/* True if name is a snapshot file name snapshot_<index>_<stamp>.snap (so it
 * is safe to join to the directory path: no '/', no "..");
 * *index and *created_at (either may be NULL) get what it says. */
bool snap_parse_filename(const char *name, uint64_t *index, int64_t *created_at);

/* "snapshot_<index>_<YYYYMMDDHHMMSS>.snap" into buf (SNAP_FILENAME_MAX). */
void snap_format_filename(char *buf, uint64_t index, int64_t created_at);

/* Mark filename in use (being sent, restored from, ...): prune skips it
 * until as many snap_unpin() calls. GAIA_EINVAL (not a snapshot name, or
 * unpin of a name not pinned) or GAIA_ENOMEM, with d->errmsg (written under
 * the lock). */
int snap_pin(struct snap_dir *d, const char *filename);
int snap_unpin(struct snap_dir *d, const char *filename);
bool snap_is_pinned(struct snap_dir *d, const char *filename);

/* ---- writing ---- */

struct snap_meta {
	uint64_t index;
	uint64_t term;
	int64_t created_at; /* 0: now */
	uint64_t entry_count; /* exactly this many records must be added */
	const void *membership; /* opaque to this module */
	size_t membership_len;
};

struct snap_writer {
	char errmsg[GAIA_ERRMSG_SIZE];
	/* private */
	struct snap_dir *dir;
	int fd;
	char tmp_name[SNAP_FILENAME_MAX];
	struct snap_info info;
	uint8_t *buf;
	size_t used;
	uint64_t offset; /* bytes written to the file + used */
	uint32_t crc;    /* of the bytes before buf */
	uint64_t added;
};

/* Start a snapshot in dir: creates the temp file and writes the header.
 * On failure nothing is left behind and w needs no abort. */
int snap_writer_begin(struct snap_writer *w, struct snap_dir *d, const struct snap_meta *m);

/* Append one record (records must come in the state's key order; the
 * writer does not check it, kv_restore() does). GAIA_EINVAL beyond the
 * announced count, GAIA_EIO; after an error, abort w. */
int snap_writer_add_record(struct snap_writer *w, const void *key, size_t key_len,
			   const void *value, size_t value_len, uint64_t create_index,
			   uint64_t modify_index);

/* Write the trailer, fsync, rename to the final name, fsync the directory.
 * GAIA_EINVAL if fewer records than announced were added. On failure the
 * temp file is removed, except when only the directory fsync failed: then
 * the renamed file (complete and valid) stays and GAIA_EIO says its name may
 * not survive a crash. *info (may be NULL) describes the file. Either way w
 * is done. A file of the same name (same index, same second) is replaced. */
int snap_writer_finish(struct snap_writer *w, struct snap_info *info);

/* Give up a begun snapshot: remove the temp file. */
void snap_writer_abort(struct snap_writer *w);

/* ---- reading ---- */

struct snap_record {
	const uint8_t *key; /* valid until the next snap_reader_next() */
	size_t key_len;
	const uint8_t *value;
	size_t value_len;
	uint64_t create_index;
	uint64_t modify_index;
};

struct snap_reader {
	char errmsg[GAIA_ERRMSG_SIZE];
	struct snap_info info;     /* from the header (filename: base name) */
	uint8_t *membership;       /* membership_len bytes from the header */
	size_t membership_len;
	/* private */
	int fd;
	uint64_t file_size;
	uint64_t offset; /* of the next unread byte */
	uint32_t crc;    /* of the bytes before offset */
	uint64_t records_read;
	uint8_t *buf; /* read-ahead */
	size_t buf_pos, buf_len;
	uint8_t *rec; /* the current record's key and value */
	size_t rec_cap;
	bool done;
};

/* Open path and read and check its header. GAIA_ENOTFOUND, GAIA_EIO,
 * GAIA_ECORRUPT with r->errmsg naming the offset. Close r even on failure. */
int snap_reader_open(struct snap_reader *r, const char *path);

/* Next record into *rec; after the last one, *end is set instead and the
 * trailer (count, length, checksum, end of file) has been checked: only
 * then is what was read known to be good. GAIA_ECORRUPT / GAIA_EIO with
 * r->errmsg naming the offset. */
int snap_reader_next(struct snap_reader *r, struct snap_record *rec, bool *end);

void snap_reader_close(struct snap_reader *r);

/* Read the whole file at path and check everything: header, every record's
 * framing, count, length, checksum. GAIA_OK with *info (may be NULL), or
 * GAIA_ECORRUPT / GAIA_EIO / GAIA_ENOTFOUND with errmsg naming the file
 * and the offset. Used offline (gaia-snap inspect). */
int snap_verify(const char *path, struct snap_info *info, char errmsg[GAIA_ERRMSG_SIZE]);

/* Which file this is, for a snapshot transfer (raft_snapshot_meta.file_id):
 * the whole-file checksum of its trailer with its size; never 0. Two
 * snapshots at one index taken at different times or by different nodes
 * get different ids; the same bytes anywhere get the same id. Reads the
 * trailer only (the checksum is verified by snap_verify). A file just
 * written has it in its snap_info already. */
int snap_file_id(const char *path, uint64_t *id, char errmsg[GAIA_ERRMSG_SIZE]);

/* ---- listing, pruning ---- */

struct snap_list {
	char errmsg[GAIA_ERRMSG_SIZE];
	struct snap_info *items; /* newest first */
	size_t count;
};

/* Every snapshot file in d (temp files and other names ignored), newest
 * first, each with its header read (header_ok false if that failed). */
int snap_list(struct snap_dir *d, struct snap_list *out);
void snap_list_free(struct snap_list *l);

struct snap_prune_opts {
	int64_t older_than_seconds; /* > 0: only files created before now - this */
	size_t keep;                /* > 0: always keep this many newest */
	bool dry_run;               /* report, delete nothing */
	int64_t now;                /* 0: time(NULL) */
};

struct snap_prune_result {
	char errmsg[GAIA_ERRMSG_SIZE];
	struct snap_list deleted; /* deleted (or, dry run, would be), newest first */
	size_t kept;              /* files left */
	size_t pinned;            /* of those kept, how many only because pinned */
};

/* Delete snapshots matching opts: with older_than_seconds, those older;
 * with keep, those beyond the keep newest; with both, those matching both.
 * Never the newest, never a pinned one. GAIA_EINVAL if neither criterion is
 * set. A file that fails to unlink stops the prune with GAIA_EIO; what was
 * deleted until then is in the result. Free with snap_prune_result_free(). */
int snap_prune(struct snap_dir *d, const struct snap_prune_opts *opts,
	       struct snap_prune_result *res);
void snap_prune_result_free(struct snap_prune_result *res);

/* Remove temp files that no writer of d is using (left by a crash); *removed
 * (may be NULL) gets how many. Errors in d->errmsg. */
int snap_cleanup_temps(struct snap_dir *d, size_t *removed);

/* A snapshot being received from the leader is assembled in
 * receiving-<index>.part; a crash leaves it behind, and
 * snap_cleanup_temps() removes it with the temp files. */
#define SNAP_RECEIVING_PREFIX "receiving-"

/* ---- a snapshot as bytes, for sending in chunks ---- */

struct snap_stream {
	char errmsg[GAIA_ERRMSG_SIZE];
	struct snap_info info; /* filename, index, created_at and size */
	/* private */
	struct snap_dir *dir;
	int fd;
};

/* Open filename in d for reading and pin it until snap_stream_close().
 * GAIA_EINVAL (not a snapshot name), GAIA_ENOTFOUND, GAIA_EIO. Close s even
 * on failure. */
int snap_stream_open(struct snap_stream *s, struct snap_dir *d, const char *filename);

/* Up to len bytes at offset into buf; *nread < len only at the end. */
int snap_stream_read(struct snap_stream *s, uint64_t offset, void *buf, size_t len,
		     size_t *nread);
void snap_stream_close(struct snap_stream *s);

#endif
