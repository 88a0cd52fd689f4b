/* crc32c.h - CRC-32C (Castagnoli) checksums for WAL records and snapshots. */
#ifndef GAIA_UTIL_CRC32C_H
#define GAIA_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extend crc (0 to start) over len bytes of buf. */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);

static inline uint32_t crc32c(const void *buf, size_t len)
{
	return crc32c_update(0, buf, len);
}

#endif
