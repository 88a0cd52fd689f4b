/* Helper of test_wal_eio.sh, run under strace fault injection: checks that a failing fdatasync is
 * reported as an error and never as durable, and that the WAL then refuses further work.
 *
 *   wal_eio_helper append DIR      append one entry at a time until one fails
 *   wal_eio_helper hardstate DIR   save hard states until one fails
 *   wal_eio_helper verify DIR N T  reopen (no faults): last index >= N, hard state term == T
 *
 * Prints what happened; exit 0 when the behaviour is right, 1 otherwise. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gaia.h"
#include "wal/wal.h"
#include "wal_test_util.h"

/* gaia_strerror lives in the public library, not the internal one */
static const char *err_name(int rv)
{
	return rv == GAIA_OK ? "OK" : rv == GAIA_EIO ? "EIO" : "other error";
}

static uint32_t len_100(uint64_t i)
{
	(void)i;
	return 100;
}

static int run_append(struct wal *w)
{
	struct wal_progress p;
	for (uint64_t i = 1; i <= 200; i++) {
		if (wt_append(w, i, 1, 1, len_100) != GAIA_OK) {
			printf("append %" PRIu64 " refused before any failure: %s\n", i,
			       wal_errmsg(w));
			return 1;
		}
		int rv = wal_sync(w, &p);
		if (rv == GAIA_OK) {
			if (p.durable_index != i) {
				printf("durable %" PRIu64 " after append %" PRIu64 "\n",
				       p.durable_index, i);
				return 1;
			}
			printf("durable %" PRIu64 "\n", i);
			continue;
		}
		printf("failed at %" PRIu64 ": %s: %s\n", i, err_name(rv), wal_errmsg(w));
		if (rv != GAIA_EIO || p.durable_index >= i) {
			printf("wrong: rv %d, durable %" PRIu64 "\n", rv, p.durable_index);
			return 1;
		}
		rv = wt_append(w, i + 1, 1, 1, len_100);
		printf("next append: %s\n", err_name(rv));
		if (rv != GAIA_EIO)
			return 1;
		rv = wal_poll_completions(w, &p);
		if (rv != GAIA_EIO || p.durable_index >= i) {
			printf("poll after failure: rv %d, durable %" PRIu64 "\n", rv,
			       p.durable_index);
			return 1;
		}
		struct wal_hardstate hs = { .term = 1 };
		if (wal_hardstate_save(w, &hs, NULL) != GAIA_EIO)
			return 1;
		printf("refused further work: %s\n", wal_errmsg(w));
		return 0;
	}
	printf("no failure seen (fault injection not working?)\n");
	return 1;
}

static int run_hardstate(struct wal *w)
{
	struct wal_hardstate hs = { 0 }, got;
	for (uint64_t t = 1; t <= 100; t++) {
		hs.term = t;
		hs.vote = t * 10;
		if (wal_hardstate_save(w, &hs, NULL) != GAIA_OK)
			return 1;
		int rv = wal_sync(w, NULL);
		wal_hardstate_load(w, &got);
		if (rv == GAIA_OK) {
			if (got.term != t)
				return 1;
			printf("saved term %" PRIu64 "\n", t);
			continue;
		}
		printf("failed at term %" PRIu64 ": %s: %s\n", t, err_name(rv),
		       wal_errmsg(w));
		if (rv != GAIA_EIO || got.term != t - 1) {
			printf("wrong: rv %d, loaded term %" PRIu64 "\n", rv, got.term);
			return 1;
		}
		return 0;
	}
	printf("no failure seen (fault injection not working?)\n");
	return 1;
}

static int run_verify(struct wal *w, uint64_t min_last, uint64_t term)
{
	struct wal_hardstate hs;
	uint64_t last = wal_last_index(w);
	wal_hardstate_load(w, &hs);
	printf("reopened: last index %" PRIu64 ", hard state term %" PRIu64 "\n", last,
	       hs.term);
	if (last < min_last || hs.term != term)
		return 1;
	if (last >= 1)
		wt_verify(w, 1, last);
	return 0;
}

int main(int argc, char **argv)
{
	char err[GAIA_ERRMSG_SIZE];
	struct wal *w;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: wal_eio_helper append|hardstate|verify DIR [N T]\n");
		return 2;
	}
	if (wal_open(argv[2], NULL, &w, err) != GAIA_OK) {
		printf("open: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "append") == 0)
		rc = run_append(w);
	else if (strcmp(argv[1], "hardstate") == 0)
		rc = run_hardstate(w);
	else if (strcmp(argv[1], "verify") == 0 && argc == 5)
		rc = run_verify(w, strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
	else
		rc = 2;
	wal_close(w);
	return rc;
}
