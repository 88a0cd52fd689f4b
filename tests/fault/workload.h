/* workload.h - the fault suite's client: concurrent reads, writes and CAS over HTTP, recorded as a JSONL history. */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>

enum wl_kind { WL_READ, WL_WRITE, WL_CAS };
enum wl_status { WL_OK, WL_FAIL, WL_INFO };

/* what one HTTP operation came to */
struct wl_result {
	enum wl_status status;
	bool has_value;   /* read ok: false = the key is absent */
	char *value;      /* read ok: the body (malloc'd) */
	size_t value_len;
	uint64_t index;   /* modify index, when the answer told it */
	char note[320];   /* why fail/info, for the history's "error" */
};

struct wl_http {
	CURL *curl;
	long timeout_ms;
	bool stale_reads; /* ?consistency=stale: reads served locally, no ReadIndex */
	char *buf;
	size_t len, cap;
	uint64_t hdr_index;
	bool hdr_has_index;
	bool sent; /* some of the request went out (on any connection) */
};

int wl_http_init(struct wl_http *h, long timeout_ms, bool stale_reads);
void wl_http_free(struct wl_http *h);
/* node "host:port"; value NULL for a read; cas < 0: no CAS */
void wl_http_op(struct wl_http *h, const char *node, const char *key, enum wl_kind kind,
		const char *value, int64_t cas, struct wl_result *r);
void wl_result_free(struct wl_result *r);

/* the history: one line per event, written under a lock with the time
 * taken under it, so the file's order is the time order */
struct wl_history;
struct wl_history *wl_history_open(const char *path);
int wl_history_close(struct wl_history *h);
/* value: write: the value; cas: the new one (expected in cas_from, NULL =
 * absent); read: NULL */
void wl_history_invoke(struct wl_history *h, int64_t process, const char *key, enum wl_kind kind,
		       const char *cas_from, const char *value, const char *node);
void wl_history_complete(struct wl_history *h, int64_t process, const char *key,
			 enum wl_kind kind, const char *cas_from, const char *value,
			 const struct wl_result *r, const char *node);

int64_t wl_now_ns(void);

#endif
