/* lincheck.h - linearizability checker for histories of registers with compare-and-set, key by key. */
/*
 * A history is one JSON object per line, one line per event:
 *
 *   {"type":"invoke","process":3,"key":"k1","op":"write","value":17,"time":1200}
 *   {"type":"ok",    "process":3,"key":"k1","op":"write","value":17,"time":1450}
 *
 * type     "invoke", then one of "ok" (it happened, with this result),
 *          "fail" (it certainly did not happen) or "info" (unknown: it may
 *          have taken effect at any time after its invocation, or never).
 *          An invocation left without completion counts as "info".
 * process  integer; one operation at a time per process. A line whose
 *          process is not an integer (a nemesis note) is skipped.
 * key      string; each key is its own register (P-compositionality).
 * op       "read", "write" or "cas".
 * value    read: null on invoke, the value read on ok (null = absent);
 *          write: the value written; cas: [expected, new] (expected null =
 *          create only). Values are integers or strings; 17 and "17" are
 *          the same value.
 * time     integer, monotonic (e.g. CLOCK_MONOTONIC ns); all lines or
 *          none (then the line order is the time). Equal times are taken
 *          as concurrent.
 * Other fields (node, index, error, ...) are kept for the report ("error")
 * or ignored.
 *
 * The model: a register per key, initially absent. read(v) needs the
 * register to hold v; write(v) sets it; cas(e, n) needs e and sets n. The
 * search is Wing & Gong's, as improved by Lowe, with a memo of (set of
 * operations linearized, register value). Failed operations are dropped;
 * indeterminate reads are dropped; an indeterminate write or CAS whose
 * new value nobody ever observed is dropped too (it can never be needed to
 * explain a result, and leaving it out is always allowed).
 *
 * On a key that is not linearizable the checker narrows the history to the
 * shortest window in time that still cannot be linearized on its own: the
 * window ends at the earliest completion where the prefix fails, and
 * starts as late as possible; the register's value at the window's start
 * is unknown, and operations begun before the window or completed after
 * it count as indeterminate (so that a window that fails proves that the
 * whole history fails).
 */
#ifndef LINCHECK_H
#define LINCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define LC_NIL 0    /* value id of "absent" */
#define LC_ANY (-1) /* register value unknown (window start) */
#define LC_INF INT64_MAX

enum lc_kind { LC_READ, LC_WRITE, LC_CAS };
enum lc_status { LC_OK, LC_FAIL, LC_INFO };

struct lc_op {
	int64_t process;
	uint32_t key;
	enum lc_kind kind;
	enum lc_status status;
	int64_t arg;  /* write: value; cas: expected */
	int64_t arg2; /* cas: new value */
	int64_t out;  /* read, ok: the value read */
	int64_t call, ret;     /* ranks in the real-time order; ret = LC_INF if not ok/fail */
	int64_t t_call, t_ret; /* the times as written (t_ret = LC_INF if none) */
	size_t line_call, line_ret;
	char *note; /* the completion's "error" field, or NULL */
};

struct lc_intern;

struct lc_history {
	struct lc_op *ops; /* sorted by invocation */
	size_t n_ops, cap_ops;
	struct lc_intern *keys, *values; /* values: id 0 is "absent" */
	size_t lines;                    /* lines read */
	size_t skipped;                  /* lines skipped (not client events) */
	/* parsing state */
	struct lc_pending *pending;
	size_t n_pending, cap_pending;
	int timed; /* -1 unknown, 0 no time fields, 1 time fields */
	int64_t t_first; /* the earliest time (0 if no events) */
};

/* Parsing: 0 on success; -1 with a message naming the line in err. */
void lc_history_init(struct lc_history *h);
int lc_history_line(struct lc_history *h, const char *line, size_t len, char *err, size_t errlen);
int lc_history_finish(struct lc_history *h, char *err, size_t errlen);
int lc_history_read(struct lc_history *h, FILE *f, char *err, size_t errlen);
int lc_history_parse(struct lc_history *h, const char *text, char *err, size_t errlen);
void lc_history_free(struct lc_history *h);

size_t lc_key_count(const struct lc_history *h);
const char *lc_key_name(const struct lc_history *h, uint32_t key);
/* The text of a value id ("absent" for LC_NIL, "?" for LC_ANY). */
const char *lc_value_name(const struct lc_history *h, int64_t value);

/* ---- checking ---- */

struct lc_options {
	uint64_t max_steps;  /* per search; 0 = no bound */
	bool no_minimize;    /* report the whole key instead of the window */
};

/* one operation as the search sees it */
struct lc_wop {
	const struct lc_op *src;
	enum lc_kind kind;
	bool info;          /* may take effect at any time after call, or never */
	bool cut;           /* made indeterminate by the window */
	int64_t arg, arg2, out;
	int64_t call, ret;  /* ret = LC_INF when info */
};

enum lc_verdict { LC_LINEARIZABLE, LC_NOT_LINEARIZABLE, LC_UNKNOWN };

struct lc_search_result {
	enum lc_verdict verdict;
	uint64_t steps;
	size_t memo_entries;
	/* with want_path, for a failure: the deepest order found */
	size_t *path; /* indices into the op array, in linearization order */
	size_t path_len;
	int64_t path_state;   /* register after the path */
	size_t blocked;       /* op that had to come next and could not (SIZE_MAX: none) */
};

/* The search on one key's operations (sorted by call), from init
 * (LC_NIL, or LC_ANY for unknown). */
int lc_search(const struct lc_wop *ops, size_t n, int64_t init, uint64_t max_steps,
	      bool want_path, struct lc_search_result *r);
void lc_search_result_free(struct lc_search_result *r);

struct lc_key_report {
	uint32_t key;
	enum lc_verdict verdict;
	size_t n_ops, n_checked; /* operations on the key; kept for the search */
	uint64_t steps;
	/* when not linearizable: the window */
	int64_t t0, t1;      /* ranks: window [t0, t1]; t0 = 0 when from the start */
	bool from_start;     /* register starts absent (t0 at the beginning) */
	struct lc_wop *win;
	size_t n_win;
	struct lc_search_result why;
};

struct lc_report {
	enum lc_verdict verdict; /* the worst over the keys */
	struct lc_key_report *keys;
	size_t n_keys;
	size_t count[3][3]; /* [status][kind] */
	uint64_t steps;
	double seconds;
};

int lc_check(const struct lc_history *h, const struct lc_options *o, struct lc_report *rep);
void lc_report_free(struct lc_report *rep);

/* The key's operations as the search sees them, within the window
 * [t0, t1] of ranks (t0 = INT64_MIN and t1 = INT64_MAX for all): failed
 * ops and indeterminate reads dropped, operations crossing the window's
 * edges made indeterminate, unobserved indeterminate writes dropped.
 * Returns the count, with *out malloc'd (NULL if none); -1 on no memory. */
ssize_t lc_key_ops(const struct lc_history *h, uint32_t key, int64_t t0, int64_t t1,
		   struct lc_wop **out);

/* Human-readable: a summary line, and for every failed key its window. */
void lc_print_report(FILE *out, const struct lc_history *h, const struct lc_report *rep);
void lc_print_counts(FILE *out, const struct lc_report *rep);

#endif
