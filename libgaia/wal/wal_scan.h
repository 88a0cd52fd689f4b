/* wal_scan.h - checking one segment file's bytes at recovery: valid records, torn tail, corruption. */
#ifndef GAIA_WAL_SCAN_H
#define GAIA_WAL_SCAN_H

#include <stdint.h>

#include "wal/wal_internal.h"

struct wal_scan {
	/* in */
	const unsigned char *p; /* the whole file */
	uint64_t size;
	uint64_t name_first;    /* first index from the file name */
	int is_last;            /* only the last segment may have a torn tail */
	const char *path;       /* for messages */
	/* out */
	uint64_t end;           /* bytes of valid data (header + records) */
	uint64_t nrecs;
	int torn;               /* end < size: the rest is a torn tail */
	int bad_header;         /* torn inside the header: rewrite it */
	const char *torn_why;
};

/* Scan s->p, appending a slot to w for each valid record; the slots must
 * continue w's log (w->first_index + w->count == s->name_first unless w
 * is empty). GAIA_ECORRUPT with file and offset in w->errmsg. */
int wal_scan_segment(struct wal *w, struct wal_scan *s);

#endif
