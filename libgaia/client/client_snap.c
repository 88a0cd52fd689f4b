/* The snapshot routes for gaia-snap: take, status, list, prune, and save (take, download, verify, rename: a consistent backup file or none). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client_internal.h"
#include "snap/snap.h"
#include "util/errmsg.h"

#define CLIENT_SNAP_POLL_MS 200

static uint64_t snap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void snap_sleep_ms(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One request whose 2xx answer is JSON; anything else is an error. */
static int snap_call(struct client *c, const char *method, const char *path, long *status,
		     json_t **out)
{
	struct client_response r = {0};
	int rc;

	*out = NULL;
	rc = client_request(c, method, path, NULL, 0, CLIENT_JSON, &r);
	if (status)
		*status = r.status;
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	if (rc == GAIA_OK && !r.json)
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "%s answered %s %s with no body",
				client_target(c), method, path);
	if (rc == GAIA_OK) {
		*out = r.json;
		r.json = NULL;
	}
	client_response_free(&r);
	return rc;
}

/* Wait until the node takes no snapshot, polling, for at most wait_ms. */
static int snap_wait_idle(struct client *c, uint64_t wait_ms)
{
	uint64_t until = snap_now_ms() + wait_ms;
	json_t *st;
	int rc;

	for (;;) {
		rc = snap_call(c, "GET", "/api/cluster/snapshot-status", NULL, &st);
		if (rc != GAIA_OK)
			return rc;
		if (!json_is_true(json_object_get(st, "in_progress"))) {
			json_decref(st);
			return GAIA_OK;
		}
		json_decref(st);
		if (snap_now_ms() >= until)
			return errmsg_set(client_errbuf(c), GAIA_EBUSY,
					  "%s: a snapshot is still being taken after %" PRIu64 " ms",
					  client_target(c), wait_ms);
		snap_sleep_ms(CLIENT_SNAP_POLL_MS);
	}
}

int client_snap_take(struct client *c, uint64_t wait_ms, json_t **out)
{
	uint64_t until = snap_now_ms() + wait_ms, now;
	long status = 0;
	int rc;

	for (;;) {
		rc = snap_call(c, "POST", "/api/cluster/snapshot", &status, out);
		if (rc == GAIA_OK || status != 409)
			return rc;
		/* 409: another snapshot (automatic, or another client's) runs */
		if (wait_ms == 0 || snap_now_ms() >= until)
			return errmsg_set(client_errbuf(c), GAIA_EBUSY,
					  "%s: a snapshot is already being taken; retry when it is "
					  "done (or wait for it with --wait)",
					  client_target(c));
		now = snap_now_ms();
		rc = snap_wait_idle(c, until > now ? until - now : 1);
		if (rc != GAIA_OK)
			return rc;
	}
}

int client_snap_status(struct client *c, json_t **out)
{
	return snap_call(c, "GET", "/api/cluster/snapshot-status", NULL, out);
}

int client_snap_list(struct client *c, json_t **out)
{
	int rc = snap_call(c, "GET", "/api/cluster/snapshots", NULL, out);

	if (rc == GAIA_OK && !json_is_array(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "%s: the snapshot list is not an array",
				client_target(c));
	}
	return rc;
}

int client_snap_prune(struct client *c, uint64_t older_than_ms, uint64_t keep, bool dry_run,
		      json_t **out)
{
	char path[160];
	int n;

	*out = NULL;
	if (older_than_ms == 0 && keep == 0)
		return errmsg_set(client_errbuf(c), GAIA_EINVAL,
				  "say which snapshots to delete: --older-than and/or --keep");
	/* seconds: the server's duration parser takes "<n>s" */
	n = snprintf(path, sizeof path, "/api/cluster/snapshots?");
	if (older_than_ms)
		n += snprintf(path + n, sizeof path - (size_t)n, "older_than=%" PRIu64 "s&",
			      (older_than_ms + 999) / 1000);
	if (keep)
		n += snprintf(path + n, sizeof path - (size_t)n, "keep=%" PRIu64 "&", keep);
	snprintf(path + n, sizeof path - (size_t)n, "dry_run=%s", dry_run ? "true" : "false");
	return snap_call(c, "DELETE", path, NULL, out);
}

static int fsync_parent(const char *path, char *errmsg)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc = GAIA_OK;

	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = errmsg_set(errmsg, GAIA_EIO, "fsync %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Download the node's snapshot name into tmp, fsync
 * it and check every byte of it. */
static int snap_fetch(struct client *c, const char *name, const char *tmp, struct snap_info *info)
{
	char path[SNAP_FILENAME_MAX + 32], verr[GAIA_ERRMSG_SIZE];
	struct client_response r = {0};
	FILE *f;
	int fd, rc;

	/* A tmp left by a killed save is replaced, not a reason to fail cron. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return errmsg_set(client_errbuf(c), GAIA_EIO, "cannot create %s: %s", tmp,
				  strerror(errno));
	f = fdopen(fd, "wb");
	if (f == NULL) {
		rc = errmsg_set(client_errbuf(c), GAIA_ENOMEM, "cannot write %s: %s", tmp,
				strerror(errno));
		close(fd);
		goto err;
	}
	snprintf(path, sizeof path, "/api/cluster/snapshots/%s", name);
	rc = client_download(c, path, f, &r);
	if (rc == GAIA_OK)
		rc = client_check(c, &r);
	client_response_free(&r);
	if (rc == GAIA_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "cannot write %s: %s", tmp,
				strerror(errno));
	if (fclose(f) != 0 && rc == GAIA_OK)
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "cannot write %s: %s", tmp,
				strerror(errno));
	if (rc != GAIA_OK)
		goto err;
	rc = snap_verify(tmp, info, verr);
	if (rc != GAIA_OK) {
		rc = errmsg_set(client_errbuf(c), rc, "the downloaded snapshot is bad: %s", verr);
		goto err;
	}
	snprintf(info->filename, sizeof info->filename, "%s", name);
	return GAIA_OK;
err:
	unlink(tmp);
	return rc;
}

static int copy_out(struct client *c, const char *tmp, FILE *out)
{
	char buf[64 * 1024];
	size_t n;
	FILE *in = fopen(tmp, "rb");
	int rc = GAIA_OK;

	if (in == NULL)
		return errmsg_set(client_errbuf(c), GAIA_EIO, "cannot read %s: %s", tmp,
				  strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n) {
			rc = errmsg_set(client_errbuf(c), GAIA_EIO, "cannot write the backup: %s",
					strerror(errno));
			break;
		}
	if (rc == GAIA_OK && ferror(in))
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "cannot read %s", tmp);
	if (rc == GAIA_OK && fflush(out) != 0)
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "cannot write the backup: %s",
				strerror(errno));
	fclose(in);
	return rc;
}

int client_snap_save(struct client *c, const char *path, FILE *stream, uint64_t wait_ms,
		     struct snap_info *info)
{
	char tmp[PATH_MAX];
	const char *name;
	json_t *taken = NULL;
	int rc;

	memset(info, 0, sizeof *info);
	if (stream == NULL && (path == NULL || path[0] == '\0'))
		return errmsg_set(client_errbuf(c), GAIA_EINVAL, "no file to save to");
	if (stream != NULL) {
		const char *dir = getenv("TMPDIR");

		snprintf(tmp, sizeof tmp, "%s/gaia-snap-save.%ld.tmp", dir && dir[0] ? dir : "/tmp",
			 (long)getpid());
	} else if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		return errmsg_set(client_errbuf(c), GAIA_EINVAL, "file name too long: %s", path);
	}
	/* A fresh snapshot: the backup holds everything applied until now. */
	rc = client_snap_take(c, wait_ms, &taken);
	if (rc != GAIA_OK)
		return rc;
	name = json_string_value(json_object_get(taken, "filename"));
	if (name == NULL || !snap_parse_filename(name, NULL, NULL)) {
		rc = errmsg_set(client_errbuf(c), GAIA_EIO,
				"%s: the snapshot answer names no snapshot file", client_target(c));
		goto out;
	}
	rc = snap_fetch(c, name, tmp, info);
	if (rc != GAIA_OK)
		goto out;
	if (stream != NULL) {
		rc = copy_out(c, tmp, stream);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = errmsg_set(client_errbuf(c), GAIA_EIO, "rename %s to %s: %s", tmp, path,
				strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = fsync_parent(path, client_errbuf(c));
out:
	json_decref(taken);
	return rc;
}
