/* lincheck_run.c - lincheck-run HISTORY.jsonl: check a history; exit 0 linearizable, 1 not, 2 bad input, 3 undecided. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lincheck.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: lincheck-run [--max-steps N] [--no-minimize] [--quiet] HISTORY.jsonl\n"
		   "Checks a JSONL history of reads, writes and CAS for linearizability, key by\n"
		   "key (format: tests/fault/README.md). Exit 0 linearizable, 1 not (the\n"
		   "shortest failing window is printed), 2 bad input or usage, 3 undecided\n"
		   "(--max-steps reached).\n");
}

int main(int argc, char **argv)
{
	struct lc_options o = {0};
	struct lc_history h;
	struct lc_report rep;
	const char *path = NULL;
	char err[256];
	FILE *f;
	int quiet = 0, rc = 2;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--max-steps") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			o.max_steps = strtoull(argv[++i], &end, 10);
			if (errno || *end) {
				fprintf(stderr, "lincheck-run: bad --max-steps '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--no-minimize") == 0) {
			o.no_minimize = true;
		} else if (strcmp(argv[i], "--quiet") == 0) {
			quiet = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "lincheck-run: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "lincheck-run: %s: %s\n", path, strerror(errno));
		return 2;
	}
	lc_history_init(&h);
	if (lc_history_read(&h, f, err, sizeof err) != 0) {
		fprintf(stderr, "lincheck-run: %s: %s\n", path, err);
		goto cleanup;
	}
	if (lc_check(&h, &o, &rep) != 0) {
		fprintf(stderr, "lincheck-run: out of memory\n");
		goto cleanup;
	}
	if (!quiet)
		lc_print_counts(stdout, &rep);
	lc_print_report(stdout, &h, &rep);
	rc = rep.verdict == LC_LINEARIZABLE ? 0 : rep.verdict == LC_NOT_LINEARIZABLE ? 1 : 3;
	lc_report_free(&rep);
cleanup:
	lc_history_free(&h);
	if (f != stdin)
		fclose(f);
	return rc;
}
