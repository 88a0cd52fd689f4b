/* wal_format.h - byte layout of WAL segment headers, records and the hard state file (see FORMAT.md). */
#ifndef GAIA_WAL_FORMAT_H
#define GAIA_WAL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "wal/wal.h"

#define WAL_SEG_MAGIC "GAIAWAL\0"
#define WAL_HS_MAGIC "GAIAHST\0"
#define WAL_FORMAT_VERSION 1u

#define WAL_SEG_HDR 32u /* segment file header */
#define WAL_REC_HDR 32u /* record header; payload follows, padded to 8 */
#define WAL_HS_SIZE 48u /* whole hard state file */

/* "wal-" + 20 digits + ".seg" (or ".tmp") + NUL */
#define WAL_NAME_MAX 32

/* Record header fields, decoded. */
struct wal_rec_hdr {
	uint32_t len;
	uint32_t crc;
	uint64_t index;
	uint64_t term;
	uint8_t type;
	uint32_t batch_pos; /* records before this one in its write batch */
};

static inline uint64_t wal_pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

/* Bytes a record of len payload bytes takes in a segment. */
static inline uint64_t wal_rec_size(uint32_t len)
{
	return WAL_REC_HDR + wal_pad8(len);
}

void wal_put32(unsigned char *p, uint32_t v);
void wal_put64(unsigned char *p, uint64_t v);
uint32_t wal_get32(const unsigned char *p);
uint64_t wal_get64(const unsigned char *p);

/* "wal-<20 digits>.seg" / ".tmp" into name (WAL_NAME_MAX). */
void wal_seg_name(char *name, uint64_t first_index, int tmp);
/* Parse a segment file name; returns 1 and sets *first (and *tmp) if the
 * name is one of ours. */
int wal_seg_parse_name(const char *name, uint64_t *first, int *tmp);

void wal_seg_hdr_encode(unsigned char *p, uint64_t first_index);
/* 0 if the WAL_SEG_HDR bytes at p are a valid header (sets *first), else
 * -1 with a reason in why. */
int wal_seg_hdr_decode(const unsigned char *p, uint64_t *first,
		       const char **why);

/* Encode a whole record (header, payload, zero padding) at p, which has
 * wal_rec_size(len) bytes. */
void wal_rec_encode(unsigned char *p, uint64_t index, uint64_t term,
		    uint8_t type, uint32_t batch_pos, const void *data,
		    uint32_t len);

/* Check the record at p with avail bytes up to the end of the data:
 * 0 and *h filled if complete and its CRC matches; -1 with why (static
 * text) otherwise. */
int wal_rec_decode(const unsigned char *p, uint64_t avail,
		   struct wal_rec_hdr *h, const char **why);

void wal_hs_encode(unsigned char *p, const struct wal_hardstate *hs);
int wal_hs_decode(const unsigned char *p, struct wal_hardstate *hs,
		  const char **why);

#endif
