/* The state machine's life and its one way to change: applying a log entry at an index. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kv/kv_tree.h"
#include "util/errmsg.h"

int kv_create(const struct kv_options *opts, struct kv **out)
{
	struct kv *kv;

	*out = NULL;
	if (opts != NULL && (opts->limits.max_key == 0 || opts->limits.max_key > UINT32_MAX ||
			     opts->limits.max_value > UINT32_MAX))
		return GAIA_EINVAL;
	kv = calloc(1, sizeof *kv);
	if (kv == NULL)
		return GAIA_ENOMEM;
	kv->limits = opts != NULL ? opts->limits : KV_LIMITS_DEFAULT;
	kv->tree.rng = opts != NULL && opts->seed != 0 ? opts->seed : UINT64_C(0x6a09e667f3bcc909);
	*out = kv;
	return GAIA_OK;
}

void kv_destroy(struct kv *kv)
{
	if (kv == NULL)
		return;
	kv_tree_clear(&kv->tree);
	free(kv);
}

const char *kv_errmsg(const struct kv *kv)
{
	return kv->errmsg;
}

const struct kv_limits *kv_limits(const struct kv *kv)
{
	return &kv->limits;
}

uint64_t kv_applied_index(const struct kv *kv)
{
	return kv->applied;
}

static int check_index(struct kv *kv, uint64_t index)
{
	if (index != kv->applied + 1)
		return errmsg_set(kv->errmsg, GAIA_EINVAL,
				  "apply at index %" PRIu64 ", but the next index is %" PRIu64, index,
				  kv->applied + 1);
	return GAIA_OK;
}

int kv_apply_noop(struct kv *kv, uint64_t index)
{
	int rc = check_index(kv, index);
	if (rc == GAIA_OK)
		kv->applied = index;
	return rc;
}

/* A result other than GAIA_OK, with its message. */
static void outcome(struct kv_result *res, int status, const struct kv_node *cur)
{
	res->status = status;
	res->create_index = cur != NULL ? cur->create_index : 0;
	res->modify_index = cur != NULL ? cur->modify_index : 0;
}

static int apply_put(struct kv *kv, uint64_t index, const struct kv_cmd *c, struct kv_result *res)
{
	const struct kv_node *cur = kv_tree_find(kv->tree.root, c->key, c->key_len);
	uint64_t current = cur != NULL ? cur->modify_index : 0;
	uint64_t created = cur != NULL ? cur->create_index : index;
	struct kv_node *n;

	if (c->has_cas && c->cas != current) {
		outcome(res, GAIA_ECAS, cur);
		errmsg_set(res->errmsg, GAIA_ECAS,
			   "cas %" PRIu64 " does not match the key's modify index %" PRIu64, c->cas,
			   current);
		return GAIA_OK;
	}
	n = kv_node_new(&kv->tree, c->key, c->key_len, c->value, c->value_len, created, index);
	if (n == NULL)
		return errmsg_set(kv->errmsg, GAIA_ENOMEM, "apply at %" PRIu64 ": out of memory",
				  index);
	if (kv_tree_put(&kv->tree, n) != GAIA_OK) {
		free(n);
		return errmsg_set(kv->errmsg, GAIA_ENOMEM, "apply at %" PRIu64 ": out of memory",
				  index);
	}
	res->create_index = created;
	res->modify_index = index;
	return GAIA_OK;
}

static int apply_delete(struct kv *kv, uint64_t index, const struct kv_cmd *c,
			struct kv_result *res)
{
	const struct kv_node *cur = kv_tree_find(kv->tree.root, c->key, c->key_len);
	uint64_t current = cur != NULL ? cur->modify_index : 0;

	if (c->has_cas && c->cas != current) {
		outcome(res, GAIA_ECAS, cur);
		errmsg_set(res->errmsg, GAIA_ECAS,
			   "cas %" PRIu64 " does not match the key's modify index %" PRIu64, c->cas,
			   current);
		return GAIA_OK;
	}
	if (cur == NULL) {
		outcome(res, GAIA_ENOTFOUND, NULL);
		errmsg_set(res->errmsg, GAIA_ENOTFOUND, "no such key");
		return GAIA_OK;
	}
	res->create_index = cur->create_index;
	res->modify_index = cur->modify_index;
	if (kv_tree_delete(&kv->tree, c->key, c->key_len) != GAIA_OK)
		return errmsg_set(kv->errmsg, GAIA_ENOMEM, "apply at %" PRIu64 ": out of memory",
				  index);
	return GAIA_OK;
}

int kv_apply(struct kv *kv, uint64_t index, const uint8_t *bytes, size_t len,
	     struct kv_result *res)
{
	struct kv_cmd c;
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = check_index(kv, index)) != GAIA_OK)
		return rc;
	/* A bad entry is a deterministic result: every node refuses it alike. */
	res->status = kv_cmd_decode(bytes, len, &c, res->errmsg);
	if (res->status == GAIA_OK) {
		res->op = c.op;
		res->status = kv_cmd_check(&c, &kv->limits, res->errmsg);
	}
	if (res->status == GAIA_OK) {
		rc = c.op == KV_OP_PUT ? apply_put(kv, index, &c, res) : apply_delete(kv, index, &c, res);
		if (rc != GAIA_OK) {
			memset(res, 0, sizeof *res);
			return rc;
		}
	}
	kv->applied = index;
	return GAIA_OK;
}
