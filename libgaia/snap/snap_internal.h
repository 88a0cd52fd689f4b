/* snap_internal.h - what the snap_*.c files share: on-disk constants, little-endian helpers, paths. */
#ifndef GAIA_SNAP_INTERNAL_H
#define GAIA_SNAP_INTERNAL_H

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "snap/snap.h"

#define SNAP_MAGIC "GAIASNAP"
#define SNAP_MAGIC_LEN 8
#define SNAP_END_MAGIC "GEND"
#define SNAP_END_MAGIC_LEN 4
/* magic, version, flags, index, term, created_at, entry_count, membership_len */
#define SNAP_HEADER_FIXED (8 + 4 + 4 + 8 + 8 + 8 + 8 + 4)
/* entry_count, data_len, end magic, crc */
#define SNAP_TRAILER_SIZE (8 + 8 + 4 + 4)

/* snap_file_id of a file from its whole-file checksum and size. */
static inline uint64_t snap_id_of(uint32_t crc, uint64_t size)
{
	uint64_t id = ((uint64_t)crc << 32) | (size & 0xffffffffu);
	return id ? id : 1;
}
/* key_len, value_len, create_index, modify_index */
#define SNAP_RECORD_FIXED (4 + 4 + 8 + 8)
#define SNAP_IO_BUF (256u * 1024u)
#define SNAP_TMP_PREFIX "tmp-snapshot_"

static inline void snap_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void snap_put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t snap_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t snap_get_u64(const uint8_t *p)
{
	return (uint64_t)snap_get_u32(p) | (uint64_t)snap_get_u32(p + 4) << 32;
}

/* dir/name into buf (PATH_MAX); GAIA_EINVAL with d->errmsg-style text in
 * errmsg if it does not fit. */
int snap_join(char *buf, const char *dir, const char *name, char *errmsg);

/* fsync the directory at path so that a rename in it is durable. */
int snap_fsync_dir(const char *path, char *errmsg);

/* Name a new temp file for a snapshot at index and register it as being
 * written (before it exists, so that cleanup never takes it); forget it. */
int snap_dir_writing_add(struct snap_dir *d, uint64_t index, char *tmp_name_out);
void snap_dir_writing_remove(struct snap_dir *d, const char *tmp_name);
/* With d->lock held: is tmp_name being written / is filename pinned. */
bool snap_dir_writing_locked(struct snap_dir *d, const char *tmp_name);
bool snap_dir_pinned_locked(struct snap_dir *d, const char *filename);

/* Read the header of the file at path into *info (size and filename too). */
int snap_read_info(const char *path, struct snap_info *info, char *errmsg);

#endif
