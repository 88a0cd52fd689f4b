/* kv.h - the replicated key-value state machine: commands, deterministic apply, reads, frozen views for snapshots. */
#ifndef GAIA_KV_H
#define GAIA_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gaia.h"

/*
 * The state is a persistent (copy-on-write) treap ordered by key bytes
 * (memcmp, the shorter key first on a tie). Point operations are O(log n)
 * expected, a prefix listing O(log n + k).
 *
 * Threads. A struct kv belongs to one thread (the node's loop thread):
 * every kv_* function taking a struct kv must be called there. kv_freeze()
 * returns, in O(1), an immutable struct kv_view of the state at the current
 * applied index. A view may be read and released on any other thread (one
 * thread per view at a time) while the loop thread keeps applying:
 *
 *   - Tree nodes carry an atomic count of the parents (and view handles)
 *     that point at them. The loop thread changes a node in place only when
 *     the count is 1 and every node above it on the path is its own too;
 *     otherwise it copies the node first (path copying). So a node that a
 *     view can reach is never written again; the view thread only reads it.
 *   - The view thread touches counts only in kv_view_release(), which drops
 *     them atomically (acq_rel) and frees what reaches 0; the loop thread
 *     loads counts with acquire before writing in place, so the view's last
 *     reads of a node happen before the loop thread's next write to it.
 *   - The cost of a view is paid by the loop thread lazily: the first change
 *     under a shared node copies that node (a node holds its key and value
 *     inline, so a copy is one allocation of the node's size). Each node is
 *     copied at most once per view, so the extra memory is bounded by the
 *     size of the state, as with fork().
 *
 * Determinism. kv_apply() gives the same result and state for the same
 * command at the same index on every node; nothing depends on the tree's
 * shape (treap priorities come from a per-kv generator), on time or on
 * memory addresses. Failed compare-and-set, missing keys and malformed or
 * oversize commands are ordinary results that change nothing but the
 * applied index.
 */

struct snap_writer;
struct snap_reader;
struct snap_dir;
struct snap_info;

#define KV_MAX_KEY_DEFAULT 1024u
#define KV_MAX_VALUE_DEFAULT (1024u * 1024u)

/* Size limits of keys and values. All nodes of a cluster must use the same
 * limits: apply enforces them. */
struct kv_limits {
	size_t max_key;   /* bytes; keys are 1..max_key long */
	size_t max_value; /* bytes; values are 0..max_value long */
};

/* The defaults: keys up to 1 KiB, values up to 1 MiB. */
#define KV_LIMITS_DEFAULT ((struct kv_limits){KV_MAX_KEY_DEFAULT, KV_MAX_VALUE_DEFAULT})

/* ---- commands (they travel inside Raft log entries) ---- */

enum kv_op {
	KV_OP_PUT = 1,
	KV_OP_DELETE = 2,
};

/* A command. With has_cas, it takes effect only if the key's current
 * modify_index equals cas, an absent key counting as 0: a put with cas 0
 * creates only, a put with cas N>0 replaces only that version, a delete with
 * cas N deletes only that version. */
struct kv_cmd {
	enum kv_op op;
	bool has_cas;
	uint64_t cas;
	const uint8_t *key;
	size_t key_len;
	const uint8_t *value; /* put only */
	size_t value_len;
};

/* Encoding: one op byte (0x80 set when a cas follows), then minimal LEB128
 * varints and raw bytes: [cas] key_len key [value_len value] (a delete has
 * no value part). A put of a 16-byte key and 100-byte value takes 119
 * bytes. New kinds of command get new op values; a decoder refuses ops and
 * flags it does not know, so an old node never misreads a new command. */

/* GAIA_OK if cmd is well-formed and within lim; else GAIA_EINVAL (bad op,
 * empty key) or GAIA_ETOOBIG, with a message. kv_cmd_encode() and
 * kv_apply() both run it. */
int kv_cmd_check(const struct kv_cmd *cmd, const struct kv_limits *lim,
		 char errmsg[GAIA_ERRMSG_SIZE]);

/* Bytes kv_cmd_encode() will write for cmd (valid or not). */
size_t kv_cmd_encoded_size(const struct kv_cmd *cmd);

/* Check cmd against lim (NULL: the defaults) and encode it into buf (cap
 * bytes); *out_len gets the length. A delete's value is ignored. GAIA_EINVAL (bad op, empty key), GAIA_ETOOBIG (key or value
 * above lim, or buf too small), with a message in errmsg. */
int kv_cmd_encode(const struct kv_cmd *cmd, const struct kv_limits *lim, uint8_t *buf,
		  size_t cap, size_t *out_len, char errmsg[GAIA_ERRMSG_SIZE]);

/* Parse len bytes into cmd; key and value point into buf. Every length is
 * checked against what is left; the encoding must fill len exactly.
 * GAIA_EINVAL with a message naming the offset. Limits are not checked
 * here (kv_apply() does). */
int kv_cmd_decode(const uint8_t *buf, size_t len, struct kv_cmd *cmd,
		  char errmsg[GAIA_ERRMSG_SIZE]);

/* ---- the state machine ---- */

struct kv;
struct kv_view;

struct kv_options {
	struct kv_limits limits;
	uint64_t seed; /* treap priorities; 0 = a fixed default */
};

/* Outcome of one applied command. status is GAIA_OK, GAIA_ECAS (the cas did
 * not match: modify_index/create_index are the key's current ones, 0 if
 * absent), GAIA_ENOTFOUND (delete of an absent key), GAIA_EINVAL (the entry
 * does not decode, or an empty key) or GAIA_ETOOBIG (key or value above the
 * limits); errmsg explains anything but GAIA_OK. On GAIA_OK, a put reports the
 * key's new create_index/modify_index, a delete the ones the key had. */
struct kv_result {
	int status;
	enum kv_op op; /* 0 if the entry did not decode */
	uint64_t create_index;
	uint64_t modify_index;
	char errmsg[GAIA_ERRMSG_SIZE];
};

/* One key as read: key and value point into the state and stay valid until
 * the next change on the loop thread (for a view: until it is released). */
struct kv_entry {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *value;
	size_t value_len;
	uint64_t create_index;
	uint64_t modify_index;
};

/* Called per listed key, in order; return non-zero to stop early. */
typedef int (*kv_list_cb)(const struct kv_entry *e, void *arg);

/* A new empty state at applied index 0. opts may be NULL (defaults).
 * Returns GAIA_ENOMEM or GAIA_EINVAL (zero limits) with *out NULL. */
int kv_create(const struct kv_options *opts, struct kv **out);
/* Views taken from kv stay valid after it is destroyed. */
void kv_destroy(struct kv *kv);
const char *kv_errmsg(const struct kv *kv);
const struct kv_limits *kv_limits(const struct kv *kv);

/* Apply the log entry at index (which must be kv_applied_index()+1) holding
 * len bytes of an encoded command; *res gets the outcome. Returns GAIA_OK
 * whenever the entry was applied, whatever res->status says. Returns
 * GAIA_EINVAL (index out of order) or GAIA_ENOMEM, with kv_errmsg(), when it
 * was not: then nothing changed, not even the applied index. */
int kv_apply(struct kv *kv, uint64_t index, const uint8_t *cmd, size_t len,
	     struct kv_result *res);

/* An entry that is not a command (Raft no-op, configuration change) at
 * index: only advances the applied index. GAIA_EINVAL if out of order. */
int kv_apply_noop(struct kv *kv, uint64_t index);

uint64_t kv_applied_index(const struct kv *kv);
uint64_t kv_count(const struct kv *kv);
/* Estimated heap bytes of the live state (nodes with keys and values, plus
 * allocator overhead); copies still held by views are not included. */
size_t kv_memory(const struct kv *kv);

/* GAIA_OK with *e filled, or GAIA_ENOTFOUND. */
int kv_get(const struct kv *kv, const void *key, size_t key_len, struct kv_entry *e);

/* Call cb for the keys starting with prefix (plen 0: every key), in key
 * order, at most limit of them (0: no limit). Returns the number of keys
 * passed to cb. */
size_t kv_list(const struct kv *kv, const void *prefix, size_t plen, size_t limit,
	       kv_list_cb cb, void *arg);

/* ---- frozen views ---- */

/* An immutable view of the state now, in O(1). GAIA_ENOMEM on failure. */
int kv_freeze(struct kv *kv, struct kv_view **out);
/* Drop a view; any thread (NULL is ignored). Frees the nodes only it still
 * held, which after many changes may be most of them: do it off the loop
 * thread when the state is big. */
void kv_view_release(struct kv_view *v);

uint64_t kv_view_index(const struct kv_view *v);
uint64_t kv_view_count(const struct kv_view *v);
int kv_view_get(const struct kv_view *v, const void *key, size_t key_len, struct kv_entry *e);
size_t kv_view_list(const struct kv_view *v, const void *prefix, size_t plen, size_t limit,
		    kv_list_cb cb, void *arg);

/* 64-bit FNV-1a over the records in key order, each as the snapshot encodes
 * it (key_len u32le, key, value_len u32le, value, create_index u64le,
 * modify_index u64le). Equal states give equal digests; the applied index
 * is not included (compare kv_view_index() for that). */
uint64_t kv_digest(const struct kv_view *v);

/* ---- snapshots (through libgaia/snap) ---- */

/* Add every record of v to w, in key order. w must have been begun with
 * entry_count = kv_view_count(v) and index = kv_view_index(v). Errors are
 * the writer's (w->errmsg); the caller then aborts w. */
int kv_snapshot_write(const struct kv_view *v, struct snap_writer *w);

/* Write v as a complete snapshot file in dir (begin, records, finish; abort
 * on failure, leaving nothing behind). membership is the caller's opaque
 * blob; created_at 0 means now. Errors in w->errmsg; *info (may be NULL)
 * describes the new file. */
int kv_snapshot_save(const struct kv_view *v, struct snap_dir *dir, uint64_t term,
		     const void *membership, size_t membership_len, int64_t created_at,
		     struct snap_writer *w, struct snap_info *info);

/* Replace the whole state by the records of r (opened, not yet read), and
 * set the applied index to the snapshot's. The records must be in strictly
 * increasing key order with non-empty keys and 0 < create_index <=
 * modify_index <= the snapshot index. Nothing changes unless the whole
 * snapshot, its trailing checksum included, is good: GAIA_ECORRUPT (or the
 * reader's error) with kv_errmsg() otherwise. Views taken before stay
 * valid. */
int kv_restore(struct kv *kv, struct snap_reader *r);

/* kv_restore() from the snapshot file at path. */
int kv_restore_file(struct kv *kv, const char *path);

#endif
