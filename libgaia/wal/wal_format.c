/* Encoding and checking of segment headers, records and the hard state. */
#include "wal/wal_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/crc32c.h"

void wal_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void wal_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint32_t wal_get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t wal_get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void wal_seg_name(char *name, uint64_t first_index, int tmp)
{
	snprintf(name, WAL_NAME_MAX, "wal-%020" PRIu64 ".%s", first_index,
		 tmp ? "tmp" : "seg");
}

int wal_seg_parse_name(const char *name, uint64_t *first, int *tmp)
{
	uint64_t v = 0;
	if (strncmp(name, "wal-", 4) != 0 || strlen(name) != 28)
		return 0;
	for (int i = 4; i < 24; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		uint64_t d = (uint64_t)(name[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (strcmp(name + 24, ".seg") == 0)
		*tmp = 0;
	else if (strcmp(name + 24, ".tmp") == 0)
		*tmp = 1;
	else
		return 0;
	if (v == 0) /* Raft indexes start at 1: not a file of ours */
		return 0;
	*first = v;
	return 1;
}

/* Segment header: magic[8] version[4] header_size[4] first_index[8]
 * reserved[4]=0 crc32c(bytes 0..28)[4]. */
void wal_seg_hdr_encode(unsigned char *p, uint64_t first_index)
{
	memcpy(p, WAL_SEG_MAGIC, 8);
	wal_put32(p + 8, WAL_FORMAT_VERSION);
	wal_put32(p + 12, WAL_SEG_HDR);
	wal_put64(p + 16, first_index);
	wal_put32(p + 24, 0);
	wal_put32(p + 28, crc32c(p, 28));
}

int wal_seg_hdr_decode(const unsigned char *p, uint64_t *first,
		       const char **why)
{
	if (memcmp(p, WAL_SEG_MAGIC, 8) != 0) {
		*why = "bad segment magic";
		return -1;
	}
	if (wal_get32(p + 28) != crc32c(p, 28)) {
		*why = "segment header checksum mismatch";
		return -1;
	}
	if (wal_get32(p + 8) != WAL_FORMAT_VERSION ||
	    wal_get32(p + 12) != WAL_SEG_HDR || wal_get32(p + 24) != 0) {
		*why = "unsupported segment format version";
		return -1;
	}
	*first = wal_get64(p + 16);
	return 0;
}

/* Record: len[4] crc[4] index[8] term[8] type[1] reserved[3]=0
 * batch_pos[4], payload, zero padding to 8. The CRC covers every other
 * byte of the record: len, bytes 8..32, payload and padding. */
static uint32_t rec_crc(const unsigned char *p, uint32_t len)
{
	uint32_t c = crc32c_update(0, p, 4);
	return crc32c_update(c, p + 8, WAL_REC_HDR - 8 + wal_pad8(len));
}

void wal_rec_encode(unsigned char *p, uint64_t index, uint64_t term,
		    uint8_t type, uint32_t batch_pos, const void *data,
		    uint32_t len)
{
	uint64_t padded = wal_pad8(len);
	wal_put32(p, len);
	wal_put64(p + 8, index);
	wal_put64(p + 16, term);
	p[24] = type;
	p[25] = p[26] = p[27] = 0;
	wal_put32(p + 28, batch_pos);
	if (len)
		memcpy(p + WAL_REC_HDR, data, len);
	memset(p + WAL_REC_HDR + len, 0, padded - len);
	wal_put32(p + 4, rec_crc(p, len));
}

int wal_rec_decode(const unsigned char *p, uint64_t avail,
		   struct wal_rec_hdr *h, const char **why)
{
	if (avail < WAL_REC_HDR) {
		*why = "incomplete record header";
		return -1;
	}
	h->len = wal_get32(p);
	if (h->len > WAL_ENTRY_MAX) {
		*why = "record length out of range";
		return -1;
	}
	if (wal_rec_size(h->len) > avail) {
		*why = "incomplete record";
		return -1;
	}
	h->crc = wal_get32(p + 4);
	if (h->crc != rec_crc(p, h->len)) {
		*why = "record checksum mismatch";
		return -1;
	}
	if (p[25] || p[26] || p[27]) {
		*why = "reserved record bytes set";
		return -1;
	}
	h->index = wal_get64(p + 8);
	h->term = wal_get64(p + 16);
	h->type = p[24];
	h->batch_pos = wal_get32(p + 28);
	return 0;
}

/* Hard state: magic[8] version[4] reserved[4]=0 term[8] vote[8]
 * commit[8] reserved[4]=0 crc32c(bytes 0..44)[4]. */
void wal_hs_encode(unsigned char *p, const struct wal_hardstate *hs)
{
	memcpy(p, WAL_HS_MAGIC, 8);
	wal_put32(p + 8, WAL_FORMAT_VERSION);
	wal_put32(p + 12, 0);
	wal_put64(p + 16, hs->term);
	wal_put64(p + 24, hs->vote);
	wal_put64(p + 32, hs->commit);
	wal_put32(p + 40, 0);
	wal_put32(p + 44, crc32c(p, 44));
}

int wal_hs_decode(const unsigned char *p, struct wal_hardstate *hs,
		  const char **why)
{
	if (memcmp(p, WAL_HS_MAGIC, 8) != 0) {
		*why = "bad hard state magic";
		return -1;
	}
	if (wal_get32(p + 44) != crc32c(p, 44)) {
		*why = "hard state checksum mismatch";
		return -1;
	}
	if (wal_get32(p + 8) != WAL_FORMAT_VERSION || wal_get32(p + 12) ||
	    wal_get32(p + 40)) {
		*why = "unsupported hard state format version";
		return -1;
	}
	hs->term = wal_get64(p + 16);
	hs->vote = wal_get64(p + 24);
	hs->commit = wal_get64(p + 32);
	return 0;
}
