/* The state to and from snapshot files: a frozen view written through a snap writer, and a restore that swaps in only a fully verified state. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kv/kv_tree.h"
#include "snap/snap.h"
#include "util/errmsg.h"

static int write_one(const struct kv_node *n, void *arg)
{
	return snap_writer_add_record(arg, kv_node_key(n), n->key_len, kv_node_value(n),
				      n->value_len, n->create_index, n->modify_index);
}

int kv_snapshot_write(const struct kv_view *v, struct snap_writer *w)
{
	return kv_tree_walk(v->root, NULL, 0, write_one, w);
}

int kv_snapshot_save(const struct kv_view *v, struct snap_dir *dir, uint64_t term,
		     const void *membership, size_t membership_len, int64_t created_at,
		     struct snap_writer *w, struct snap_info *info)
{
	struct snap_meta m = {
		.index = v->index,
		.term = term,
		.created_at = created_at,
		.entry_count = v->count,
		.membership = membership,
		.membership_len = membership_len,
	};
	int rc;

	if ((rc = snap_writer_begin(w, dir, &m)) != GAIA_OK)
		return rc;
	if ((rc = kv_snapshot_write(v, w)) != GAIA_OK) {
		snap_writer_abort(w);
		return rc;
	}
	return snap_writer_finish(w, info);
}

/* A record the state machine could have produced at snapshot index idx,
 * and after prev (if any) in key order. */
static int check_record(struct kv *kv, const struct snap_record *r, const struct kv_node *prev,
			uint64_t idx, uint64_t nth)
{
	if (r->key_len == 0)
		return errmsg_set(kv->errmsg, GAIA_ECORRUPT, "snapshot record %" PRIu64 ": empty key",
				  nth);
	if (prev != NULL && kv_key_cmp(kv_node_key(prev), prev->key_len, r->key, r->key_len) >= 0)
		return errmsg_set(kv->errmsg, GAIA_ECORRUPT,
				  "snapshot record %" PRIu64 ": key out of order", nth);
	if (r->create_index == 0 || r->create_index > r->modify_index || r->modify_index > idx)
		return errmsg_set(kv->errmsg, GAIA_ECORRUPT,
				  "snapshot record %" PRIu64 ": indexes %" PRIu64 "/%" PRIu64
				  " impossible at snapshot index %" PRIu64,
				  nth, r->create_index, r->modify_index, idx);
	return GAIA_OK;
}

int kv_restore(struct kv *kv, struct snap_reader *r)
{
	struct kv_builder b;
	struct snap_record rec;
	struct kv_node *prev = NULL;
	uint64_t idx = r->info.index;
	bool end = false;
	int rc;

	kv_builder_init(&b, kv->tree.rng);
	for (uint64_t nth = 0;; nth++) {
		struct kv_node *n;

		if ((rc = snap_reader_next(r, &rec, &end)) != GAIA_OK) {
			errmsg_set(kv->errmsg, rc, "restore: %s", r->errmsg);
			goto err_after_init;
		}
		if (end)
			break;
		if ((rc = check_record(kv, &rec, prev, idx, nth)) != GAIA_OK)
			goto err_after_init;
		n = kv_node_new(&b.tree, rec.key, rec.key_len, rec.value, rec.value_len,
				rec.create_index, rec.modify_index);
		if (n == NULL || kv_builder_add(&b, n) != GAIA_OK) {
			rc = errmsg_set(kv->errmsg, GAIA_ENOMEM, "restore: out of memory at record %" PRIu64,
					nth);
			goto err_after_init;
		}
		prev = n;
	}
	/* Verified to the last byte: now, and only now, replace the state. */
	kv_tree_clear(&kv->tree);
	kv_builder_finish(&b, &kv->tree);
	kv->applied = idx;
	return GAIA_OK;

err_after_init:
	kv_builder_abort(&b);
	return rc;
}

int kv_restore_file(struct kv *kv, const char *path)
{
	struct snap_reader r;
	int rc = snap_reader_open(&r, path);

	if (rc != GAIA_OK)
		errmsg_set(kv->errmsg, rc, "restore: %s", r.errmsg);
	else
		rc = kv_restore(kv, &r);
	snap_reader_close(&r);
	return rc;
}
