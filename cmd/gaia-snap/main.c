/* gaia-snap: take, list and prune a node's snapshots; save a backup; inspect and restore a backup offline (client_snap_* and node_backup_* do the work). */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "client/client.h"
#include "node/node.h"

enum cmd { CMD_TAKE, CMD_STATUS, CMD_LIST, CMD_PRUNE, CMD_SAVE, CMD_INSPECT, CMD_RESTORE, CMD_N };

static const char *const cmd_names[CMD_N] = {"take", "status", "list", "prune",
					     "save", "inspect", "restore"};

/* Operands each subcommand takes (a FILE or none). */
static const int cmd_operands[CMD_N] = {0, 0, 0, 0, 1, 1, 1};

struct args {
	const char *addr, *socket_path, *data_dir, *node_id;
	uint64_t timeout_ms, older_than_ms, keep;
	bool json, wait, dry_run;
	bool keep_given;
	const char *file;
};

static void rfc3339(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%" PRId64, t);
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= 1024u * 1024u)
		snprintf(buf, size, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024u)
		snprintf(buf, size, "%.1f KB", (double)bytes / 1024.0);
	else
		snprintf(buf, size, "%" PRIu64 " B", bytes);
}

static int print_json(json_t *doc)
{
	int rc = doc ? cli_json_print(doc, stdout) : GAIA_ENOMEM;

	json_decref(doc);
	if (rc != GAIA_OK) {
		cli_errorf("cannot print the result: %s", gaia_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static json_int_t jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static int print_list(json_t *list)
{
	static const char *const head[] = {"FILENAME", "INDEX", "TERM", "SIZE", "CREATED"};
	struct cli_table *t = NULL;
	size_t i;
	json_t *s;
	int rc;

	if ((rc = cli_table_new(&t, 5, head)) != GAIA_OK)
		goto out;
	cli_table_align_right(t, 1);
	cli_table_align_right(t, 2);
	cli_table_align_right(t, 3);
	json_array_foreach(list, i, s) {
		char size[32];

		human_size((uint64_t)jint(s, "size_bytes"), size, sizeof size);
		cli_table_cellf(t, "%s", jstr(s, "filename"));
		cli_table_cellf(t, "%" JSON_INTEGER_FORMAT, jint(s, "index"));
		cli_table_cellf(t, "%" JSON_INTEGER_FORMAT, jint(s, "term"));
		cli_table_cellf(t, "%s", size);
		cli_table_cellf(t, "%s", jstr(s, "created_at"));
	}
	rc = cli_table_print(t, stdout);
out:
	cli_table_free(t);
	json_decref(list);
	if (rc != GAIA_OK) {
		cli_errorf("cannot print the list: %s", gaia_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int print_status(json_t *st)
{
	const json_t *last = json_object_get(st, "last_snapshot");
	char size[32];

	if (json_is_object(last)) {
		human_size((uint64_t)jint(last, "size_bytes"), size, sizeof size);
		printf("last snapshot:       %s (index %" JSON_INTEGER_FORMAT ", term %" JSON_INTEGER_FORMAT
		       ", %s, %s)\n",
		       jstr(last, "filename"), jint(last, "index"), jint(last, "term"), size,
		       jstr(last, "created_at"));
	} else {
		printf("last snapshot:       none\n");
	}
	human_size((uint64_t)(json_number_value(json_object_get(st, "average_snapshot_size_mb")) *
			      1024.0 * 1024.0),
		   size, sizeof size);
	printf("snapshots:           %" JSON_INTEGER_FORMAT " (average %s)\n",
	       jint(st, "snapshot_count"), size);
	printf("entries since last:  %" JSON_INTEGER_FORMAT "\n", jint(st, "log_entries_since_snapshot"));
	printf("in progress:         %s\n", json_is_true(json_object_get(st, "in_progress")) ? "yes" : "no");
	json_decref(st);
	if (fflush(stdout) != 0) {
		cli_errorf("cannot print the status");
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static json_t *backup_json(const char *file, const struct node_backup_info *b)
{
	char when[40], digest[24];
	json_t *members = json_array(), *doc;

	rfc3339(b->snap.created_at, when, sizeof when);
	snprintf(digest, sizeof digest, "%016" PRIx64, b->digest);
	for (size_t i = 0; members && i < b->n_members; i++)
		json_array_append_new(members,
			json_pack("{s:s, s:b, s:s, s:s}", "id", b->members[i].name,
				  "voter", b->members[i].voter,
				  "address", b->members[i].raft_addr,
				  "api_address", b->members[i].api_addr));
	doc = json_pack("{s:s, s:b, s:I, s:I, s:s, s:I, s:I, s:s, s:{s:o, s:I}}", "file", file,
			"ok", 1, "index", (json_int_t)b->snap.index,
			"term", (json_int_t)b->snap.term, "created_at", when,
			"keys", (json_int_t)b->keys, "size_bytes", (json_int_t)b->snap.size,
			"digest", digest, "configuration", "members", members ? members : json_null(),
			"removed", (json_int_t)b->n_removed);
	return doc;
}

static int print_inspect(const char *file, const struct node_backup_info *b)
{
	char when[40], size[32];
	size_t voters = 0;

	rfc3339(b->snap.created_at, when, sizeof when);
	human_size(b->snap.size, size, sizeof size);
	for (size_t i = 0; i < b->n_members; i++)
		voters += b->members[i].voter;
	printf("file:           %s\n", file);
	printf("status:         ok (header, %" PRIu64 " records and checksums verified)\n",
	       b->snap.entry_count);
	printf("index:          %" PRIu64 "\n", b->snap.index);
	printf("term:           %" PRIu64 "\n", b->snap.term);
	printf("created:        %s\n", when);
	printf("keys:           %" PRIu64 "\n", b->keys);
	printf("size:           %" PRIu64 " bytes (%s)\n", b->snap.size, size);
	printf("digest:         %016" PRIx64 "\n", b->digest);
	printf("configuration:  %zu server%s, %zu voter%s, %zu id%s removed\n", b->n_members,
	       b->n_members == 1 ? "" : "s", voters, voters == 1 ? "" : "s", b->n_removed,
	       b->n_removed == 1 ? "" : "s");
	for (size_t i = 0; i < b->n_members; i++)
		printf("  %-20s %-7s %s%s%s\n", b->members[i].name, b->members[i].voter ? "voter" : "learner",
		       b->members[i].raft_addr[0] ? b->members[i].raft_addr : "-",
		       b->members[i].api_addr[0] ? "  api " : "", b->members[i].api_addr);
	if (fflush(stdout) != 0) {
		cli_errorf("cannot print the result");
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* inspect and restore: no daemon */
static int run_offline(enum cmd cmd, const struct args *a)
{
	struct node_backup_info *b = calloc(1, sizeof *b);
	char errmsg[GAIA_ERRMSG_SIZE];
	json_t *doc;
	int rc;

	if (b == NULL) {
		cli_errorf("out of memory");
		return CLI_EXIT_FAIL;
	}
	if (cmd == CMD_INSPECT)
		rc = node_backup_inspect(a->file, b, errmsg);
	else
		rc = node_backup_restore(a->file, a->data_dir, a->node_id, b, errmsg);
	if (rc != GAIA_OK) {
		cli_errorf("%s", errmsg);
		free(b);
		return rc == GAIA_EINVAL && cmd == CMD_RESTORE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	if (cmd == CMD_INSPECT && !a->json) {
		rc = print_inspect(a->file, b);
	} else if (a->json) {
		doc = backup_json(a->file, b);
		if (doc && cmd == CMD_RESTORE) {
			char cid[24];

			snprintf(cid, sizeof cid, "%016" PRIx64, b->cluster_id);
			json_object_set_new(doc, "data_dir", json_string(a->data_dir));
			json_object_set_new(doc, "node_id", json_string(a->node_id));
			json_object_set_new(doc, "cluster_id", json_string(cid));
			json_object_set_new(doc, "snapshot", json_string(b->restored_file));
		}
		rc = print_json(doc);
	} else {
		rc = CLI_EXIT_OK; /* restore: quiet */
	}
	free(b);
	return rc;
}

static int run_online(enum cmd cmd, const struct args *a)
{
	struct client_options co = {.addr = a->addr, .socket_path = a->socket_path,
				    .timeout_ms = a->timeout_ms};
	/* waiting for a snapshot in progress: bounded like one request */
	uint64_t wait_ms = a->timeout_ms ? a->timeout_ms : 10000;
	char errmsg[GAIA_ERRMSG_SIZE];
	struct client *c = NULL;
	struct snap_info info;
	json_t *doc = NULL;
	int rc;

	if ((rc = client_new(&c, &co, errmsg)) != GAIA_OK) {
		cli_errorf("%s", errmsg);
		return rc == GAIA_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	switch (cmd) {
	case CMD_TAKE:
		rc = client_snap_take(c, a->wait ? wait_ms : 0, &doc);
		break;
	case CMD_STATUS:
		rc = client_snap_status(c, &doc);
		break;
	case CMD_LIST:
		rc = client_snap_list(c, &doc);
		break;
	case CMD_PRUNE:
		rc = client_snap_prune(c, a->older_than_ms, a->keep, a->dry_run, &doc);
		break;
	case CMD_SAVE:
		rc = client_snap_save(c, a->file, strcmp(a->file, "-") == 0 ? stdout : NULL, wait_ms,
				      &info);
		break;
	default:
		rc = GAIA_EINVAL;
	}
	if (rc != GAIA_OK) {
		cli_errorf("%s", client_errmsg(c));
		client_free(c);
		return CLI_EXIT_FAIL;
	}
	client_free(c);
	switch (cmd) {
	case CMD_STATUS:
		return a->json ? print_json(doc) : print_status(doc);
	case CMD_LIST:
		return a->json ? print_json(doc) : print_list(doc);
	case CMD_PRUNE:
		if (a->json)
			return print_json(doc);
		if (a->dry_run) {
			size_t i;
			json_t *f;

			json_array_foreach(json_object_get(doc, "deleted"), i, f)
				printf("would delete %s\n", json_string_value(f));
			printf("would keep %" JSON_INTEGER_FORMAT "\n", jint(doc, "kept"));
		}
		json_decref(doc);
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	case CMD_SAVE:
		if (a->json && strcmp(a->file, "-") != 0) {
			char when[40];

			rfc3339(info.created_at, when, sizeof when);
			return print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "file",
						    a->file, "filename", info.filename, "index",
						    (json_int_t)info.index, "term",
						    (json_int_t)info.term, "keys",
						    (json_int_t)info.entry_count, "size_bytes",
						    (json_int_t)info.size, "created_at", when));
		}
		return CLI_EXIT_OK;
	default: /* take */
		return a->json ? print_json(doc) : (json_decref(doc), CLI_EXIT_OK);
	}
}

int main(int argc, char **argv)
{
	struct args a = {0};
	bool data_dir_given, node_id_given;
	int first, rc, cmd;
	const struct cli_option options[] = {
		CLI_OPT_ADDR(&a.addr),
		CLI_OPT_SOCKET(&a.socket_path),
		CLI_OPT_TIMEOUT(&a.timeout_ms),
		CLI_OPT_JSON(&a.json),
		{.name = "wait", .key = 'w', .type = CLI_FLAG, .dest = &a.wait,
		 .help = "take: if a snapshot is being taken, wait for it, then take one"},
		{.name = "older-than", .type = CLI_DURATION, .dest = &a.older_than_ms,
		 .help = "prune: snapshots created longer ago than this (7d, 12h)", .min = 1},
		{.name = "keep", .key = 'k', .type = CLI_UINT, .dest = &a.keep,
		 .help = "prune: always keep the N newest", .min = 1, .max = 1e9},
		{.name = "dry-run", .key = 'n', .type = CLI_FLAG, .dest = &a.dry_run,
		 .help = "prune: print what would be deleted, delete nothing"},
		{.name = "data-dir", .key = 'd', .type = CLI_STRING, .dest = &a.data_dir,
		 .arg = "DIR", .help = "restore: the empty data dir to seed"},
		{.name = "node-id", .key = 'i', .type = CLI_STRING, .dest = &a.node_id,
		 .arg = "ID", .help = "restore: the id of the node that will start on it"},
		{0},
	};
	const struct cli_spec spec = {
		.usage = "COMMAND [OPTIONS] [FILE]",
		.summary =
			"Manage GAIA_GO snapshots and backups.\n\n"
			"Commands:\n"
			"  take                      take a snapshot on the node now\n"
			"  status                    the node's snapshot figures\n"
			"  list                      the node's snapshot files, newest first\n"
			"  prune --older-than D [--keep N] [--dry-run]\n"
			"                            delete old snapshot files (never the newest)\n"
			"  save FILE                 take a snapshot and download it to FILE, checked\n"
			"                            ('-': standard output)\n"
			"  inspect FILE              check a backup offline; print what it holds\n"
			"  restore FILE --data-dir DIR --node-id ID\n"
			"                            seed an empty data dir from a backup, offline,\n"
			"                            for a new one-node cluster",
		.options = options,
		.epilog = "Environment:\n"
			  "  GAIA_ADDR    default --addr\n"
			  "  GAIA_SOCKET  default --socket (else $GAIA_DATA_DIR/gaia.sock, else\n"
			  "               /var/lib/gaia_go/gaia.sock)\n\n"
			  "Exit status: 0 success, 1 failure (unreachable node, refused request, a\n"
			  "corrupt file), 2 usage error.\n",
	};

	cli_init(argv[0]);
	if ((rc = cli_parse(&spec, argc, argv, &first)) != CLI_PARSED)
		return rc;
	if (first >= argc)
		return cli_usage_errorf("a command is needed: take, status, list, prune, save, "
					"inspect or restore");
	for (cmd = 0; cmd < CMD_N; cmd++)
		if (strcmp(argv[first], cmd_names[cmd]) == 0)
			break;
	if (cmd == CMD_N)
		return cli_usage_errorf("unknown command '%s'", argv[first]);
	first++;
	if (cmd_operands[cmd] && first >= argc)
		return cli_usage_errorf("%s: a FILE is needed", cmd_names[cmd]);
	if (cmd_operands[cmd])
		a.file = argv[first++];
	if (first < argc)
		return cli_usage_errorf("%s: unexpected argument '%s'", cmd_names[cmd], argv[first]);

	a.keep_given = a.keep > 0;
	data_dir_given = a.data_dir != NULL;
	node_id_given = a.node_id != NULL;
	if (a.wait && cmd != CMD_TAKE)
		return cli_usage_errorf("--wait is only for take");
	if ((a.older_than_ms || a.keep_given || a.dry_run) && cmd != CMD_PRUNE)
		return cli_usage_errorf("--older-than, --keep and --dry-run are only for prune");
	if ((data_dir_given || node_id_given) && cmd != CMD_RESTORE)
		return cli_usage_errorf("--data-dir and --node-id are only for restore");
	if (cmd == CMD_PRUNE && !a.older_than_ms && !a.keep_given)
		return cli_usage_errorf("prune: say which snapshots to delete: --older-than "
					"DURATION and/or --keep N");
	if (cmd == CMD_RESTORE && (!data_dir_given || !a.data_dir[0]))
		return cli_usage_errorf("restore: --data-dir DIR is needed");
	if (cmd == CMD_RESTORE && (!node_id_given || !a.node_id[0]))
		return cli_usage_errorf("restore: --node-id ID is needed");
	if (cmd == CMD_INSPECT || cmd == CMD_RESTORE) {
		if (a.addr || a.socket_path)
			return cli_usage_errorf("%s works offline: --addr and --socket do not apply",
						cmd_names[cmd]);
		return run_offline((enum cmd)cmd, &a);
	}
	if (a.addr && a.socket_path)
		return cli_usage_errorf("--addr and --socket do not go together");
	return run_online((enum cmd)cmd, &a);
}
