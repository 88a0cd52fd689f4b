/* Unit tests of node_backup_inspect and node_backup_restore: what a backup holds, every kind of bad file, and a seeded data dir (or an untouched one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "node/node_internal.h"

#define NKEYS 100
#define SNAP_INDEX 500
#define SNAP_TERM 7

struct fx {
	char dir[64];
	char file[PATH_MAX];
	struct snap_dir d;
	struct node_backup_info info;
	char errmsg[GAIA_ERRMSG_SIZE];
};

/* A membership of n1, n2 (voters) and n3 (learner), one id removed. */
static uint8_t *membership(size_t *len)
{
	struct node_member m[3];
	struct raft_conf_change cc;
	struct raft_buf *b;
	uint8_t *ctx, *out;
	size_t ctx_len;
	const char *names[3] = {"n1", "n2", "n3"};

	memset(m, 0, sizeof m);
	memset(&cc, 0, sizeof cc);
	for (int i = 0; i < 3; i++) {
		m[i].id = node_id_from_name(names[i]);
		snprintf(m[i].name, sizeof m[i].name, "%s", names[i]);
		snprintf(m[i].raft_addr, sizeof m[i].raft_addr, "10.0.0.%d:8300", i + 1);
		snprintf(m[i].api_addr, sizeof m[i].api_addr, "10.0.0.%d:8080", i + 1);
		cc.conf.servers[i].id = m[i].id;
		cc.conf.servers[i].role = i < 2 ? RAFT_VOTER : RAFT_LEARNER;
	}
	cc.conf.n = 3;
	cc.conf.n_removed = 1;
	cc.conf.removed[0] = node_id_from_name("gone");
	ctx = book_ctx_encode(m, 3, &ctx_len);
	assert_non_null(ctx);
	cc.ctx = ctx;
	cc.ctx_len = (uint32_t)ctx_len;
	b = raft_conf_encode(&cc);
	assert_non_null(b);
	out = malloc(b->len);
	memcpy(out, b->data, b->len);
	*len = b->len;
	raft_buf_unref(b);
	free(ctx);
	return out;
}

/* A backup of NKEYS keys in f->file; swap: two records out of order;
 * garbage: a membership that does not decode. */
static void write_backup(struct fx *f, bool swap, bool garbage)
{
	struct snap_meta m = {.index = SNAP_INDEX, .term = SNAP_TERM, .created_at = 1700000000,
			      .entry_count = NKEYS};
	struct snap_writer w;
	struct snap_info info;
	uint8_t junk[7] = {9, 9, 9, 9, 9, 9, 9};
	size_t len;
	uint8_t *blob = membership(&len);

	m.membership = garbage ? junk : blob;
	m.membership_len = garbage ? sizeof junk : len;
	assert_int_equal(snap_writer_begin(&w, &f->d, &m), GAIA_OK);
	for (int i = 0; i < NKEYS; i++) {
		char key[16], val[32];
		int k = swap && i == 10 ? 11 : swap && i == 11 ? 10 : i;

		snprintf(key, sizeof key, "key%04d", k);
		snprintf(val, sizeof val, "value-%d", k);
		assert_int_equal(snap_writer_add_record(&w, key, strlen(key), val, strlen(val),
							(uint64_t)k + 1, (uint64_t)k + 2),
				 GAIA_OK);
	}
	assert_int_equal(snap_writer_finish(&w, &info), GAIA_OK);
	snprintf(f->file, sizeof f->file, "%s/snaps/%s", f->dir, info.filename);
	free(blob);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char snaps[128];

	snprintf(f->dir, sizeof f->dir, "/tmp/gaia-backup-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(snaps, sizeof snaps, "%s/snaps", f->dir);
	assert_int_equal(snap_dir_init(&f->d, snaps), GAIA_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snap_dir_close(&f->d);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_inspect_good(void **state)
{
	struct fx *f = *state;

	write_backup(f, false, false);
	assert_int_equal(node_backup_inspect(f->file, &f->info, f->errmsg), GAIA_OK);
	assert_int_equal(f->info.snap.index, SNAP_INDEX);
	assert_int_equal(f->info.snap.term, SNAP_TERM);
	assert_int_equal(f->info.snap.created_at, 1700000000);
	assert_int_equal(f->info.keys, NKEYS);
	assert_int_not_equal(f->info.digest, 0);
	assert_int_equal(f->info.n_members, 3);
	assert_string_equal(f->info.members[0].name, "n1");
	assert_true(f->info.members[0].voter);
	assert_string_equal(f->info.members[1].raft_addr, "10.0.0.2:8300");
	assert_string_equal(f->info.members[2].name, "n3");
	assert_false(f->info.members[2].voter);
	assert_string_equal(f->info.members[2].api_addr, "10.0.0.3:8080");
	assert_int_equal(f->info.n_removed, 1);
}

static void test_inspect_bad(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 16];
	FILE *fp;

	write_backup(f, false, false);
	/* one flipped byte in the middle of the records */
	fp = fopen(f->file, "r+b");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	fseek(fp, ftell(fp) / 2, SEEK_SET);
	{
		int c = fgetc(fp);
		fseek(fp, -1, SEEK_CUR);
		fputc(c ^ 0x40, fp);
	}
	fclose(fp);
	assert_int_equal(node_backup_inspect(f->file, &f->info, f->errmsg), GAIA_ECORRUPT);
	assert_non_null(strstr(f->errmsg, ".snap: "));

	/* keys out of order: framing and checksums fine, the state is not */
	unlink(f->file);
	write_backup(f, true, false);
	assert_int_equal(node_backup_inspect(f->file, &f->info, f->errmsg), GAIA_ECORRUPT);
	assert_non_null(strstr(f->errmsg, "record 11: key out of order"));
	assert_non_null(strstr(f->errmsg, f->file));

	/* a membership that does not decode */
	unlink(f->file);
	write_backup(f, false, true);
	assert_int_equal(node_backup_inspect(f->file, &f->info, f->errmsg), GAIA_ECORRUPT);
	assert_non_null(strstr(f->errmsg, "membership"));

	snprintf(path, sizeof path, "%s/none.snap", f->dir);
	assert_int_equal(node_backup_inspect(path, &f->info, f->errmsg), GAIA_ENOTFOUND);
}

static void test_restore_seeds(void **state)
{
	struct fx *f = *state;
	struct node_backup_info again;
	char dd[PATH_MAX], path[PATH_MAX + 96], cid[24];
	json_t *j;

	write_backup(f, false, false);
	assert_int_equal(node_backup_inspect(f->file, &again, f->errmsg), GAIA_OK);
	snprintf(dd, sizeof dd, "%s/data", f->dir);
	assert_int_equal(node_backup_restore(f->file, dd, "fresh-1", &f->info, f->errmsg), GAIA_OK);
	assert_int_not_equal(f->info.cluster_id, 0);

	snprintf(path, sizeof path, "%s/node.json", dd);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "node_id")), "fresh-1");
	snprintf(cid, sizeof cid, "%016llx", (unsigned long long)f->info.cluster_id);
	assert_string_equal(json_string_value(json_object_get(j, "cluster_id")), cid);
	json_decref(j);

	/* the seeded snapshot: the same state, index and term; only fresh-1 */
	snprintf(path, sizeof path, "%s/snapshots/%s", dd, f->info.restored_file);
	assert_int_equal(node_backup_inspect(path, &f->info, f->errmsg), GAIA_OK);
	assert_int_equal(f->info.snap.index, SNAP_INDEX);
	assert_int_equal(f->info.snap.term, SNAP_TERM);
	assert_int_equal(f->info.keys, NKEYS);
	assert_int_equal(f->info.digest, again.digest);
	assert_int_equal(f->info.n_members, 1);
	assert_string_equal(f->info.members[0].name, "fresh-1");
	assert_true(f->info.members[0].voter);
	assert_int_equal(f->info.n_removed, 0);

	/* a second restore into it is refused */
	assert_int_equal(node_backup_restore(f->file, dd, "fresh-1", &f->info, f->errmsg),
			 GAIA_EEXIST);
	assert_non_null(strstr(f->errmsg, "is not empty"));
}

static void test_restore_refuses(void **state)
{
	struct fx *f = *state;
	char dd[PATH_MAX], path[PATH_MAX + 16];
	struct stat st;
	FILE *fp;

	write_backup(f, false, false);
	/* a non-empty dir stays as it was */
	snprintf(dd, sizeof dd, "%s/busy", f->dir);
	assert_int_equal(mkdir(dd, 0750), 0);
	snprintf(path, sizeof path, "%s/keep.txt", dd);
	fp = fopen(path, "w");
	fputs("x", fp);
	fclose(fp);
	assert_int_equal(node_backup_restore(f->file, dd, "n9", &f->info, f->errmsg), GAIA_EEXIST);
	assert_non_null(strstr(f->errmsg, "'keep.txt'"));
	snprintf(path, sizeof path, "%s/snapshots", dd);
	assert_int_not_equal(stat(path, &st), 0);
	snprintf(path, sizeof path, "%s/node.json", dd);
	assert_int_not_equal(stat(path, &st), 0);

	/* bad ids */
	snprintf(dd, sizeof dd, "%s/new", f->dir);
	assert_int_equal(node_backup_restore(f->file, dd, "", &f->info, f->errmsg), GAIA_EINVAL);
	assert_int_equal(node_backup_restore(f->file, dd, "a/b", &f->info, f->errmsg), GAIA_EINVAL);
	assert_int_equal(node_backup_restore(f->file, dd, "-x", &f->info, f->errmsg), GAIA_EINVAL);
	assert_int_not_equal(stat(dd, &st), 0);

	/* a truncated backup: nothing is created */
	assert_int_equal(truncate(f->file, 200), 0);
	assert_int_equal(node_backup_restore(f->file, dd, "n9", &f->info, f->errmsg),
			 GAIA_ECORRUPT);
	assert_int_not_equal(stat(dd, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inspect_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_seeds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_refuses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
