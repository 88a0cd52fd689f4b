/* A node the cluster removed: the marker that keeps it out across
 * restarts, and the wipe of its Raft data that lets it join again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/node_internal.h"
#include "util/errmsg.h"

#define REMOVED_FILE "removed"

static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rv;
	if (fd < 0)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

void node_mark_removed(struct node *n, const char *why)
{
	char path[CONFIG_STR + 16];
	int fd;

	if (n->removed)
		return;
	n->removed = true;
	node_log(n, NODE_LOG_WARN, "node", NULL,
		 "%s; it takes no part any more: to join again, POST /api/cluster/rejoin "
		 "{\"reset\": true} or wipe its data dir and add it again", why);
	snprintf(path, sizeof path, "%s/" REMOVED_FILE, n->cfg.data_dir);
	/* the marker keeps a restart with old data out: not durable, and
	 * the node must not go on as if it were */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, why, strlen(why)) < 0 || write(fd, "\n", 1) < 0 ||
	    fsync(fd) != 0) {
		node_fatal(n, "writing the removed marker", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	if (sync_dir(n->cfg.data_dir) != 0)
		node_fatal(n, "syncing the data directory after the removed marker",
			   strerror(errno));
}

void node_check_removed(struct node *n)
{
	char path[CONFIG_STR + 16];

	snprintf(path, sizeof path, "%s/" REMOVED_FILE, n->cfg.data_dir);
	if (access(path, F_OK) == 0 || raft_removed_for_good_id(n->raft, n->id)) {
		n->removed = true;
		node_log(n, NODE_LOG_WARN, "node", NULL,
			 "this node was removed from the cluster; it takes no part: to join "
			 "again, POST /api/cluster/rejoin {\"reset\": true} or wipe its data dir "
			 "and add it again");
	}
}

/* Remove the regular files of dir, then dir; a missing dir is fine. */
static int wipe_dir(const char *dir, char *errmsg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rv = GAIA_OK;

	if (d == NULL)
		return errno == ENOENT ? GAIA_OK
				       : errmsg_set(errmsg, GAIA_EIO, "cannot open %s: %s", dir,
						    strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) != 0) {
			rv = errmsg_set(errmsg, GAIA_EIO, "cannot remove %s/%s: %s", dir, e->d_name,
					strerror(errno));
			break;
		}
	}
	closedir(d);
	if (rv == GAIA_OK && rmdir(dir) != 0 && errno != ENOENT)
		rv = errmsg_set(errmsg, GAIA_EIO, "cannot remove %s: %s", dir, strerror(errno));
	return rv;
}

int node_wipe_data(const char *data_dir, char *errmsg)
{
	static const char *const dirs[] = {"raft_logs", "snapshots"};
	static const char *const files[] = {"node.json", "node.json.tmp", REMOVED_FILE};
	char path[CONFIG_STR + 32];
	int rv;

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", data_dir, dirs[i]);
		if ((rv = wipe_dir(path, errmsg)) != GAIA_OK)
			return rv;
	}
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", data_dir, files[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			return errmsg_set(errmsg, GAIA_EIO, "cannot remove %s: %s", path,
					  strerror(errno));
	}
	sync_dir(data_dir);
	return GAIA_OK;
}
