/* Reading the state: point reads, prefix listings, counts, frozen views and the digest. */
#include <stdlib.h>
#include <string.h>

#include "kv/kv_tree.h"

void kv_entry_fill(struct kv_entry *e, const struct kv_node *n)
{
	e->key = kv_node_key(n);
	e->key_len = n->key_len;
	e->value = kv_node_value(n);
	e->value_len = n->value_len;
	e->create_index = n->create_index;
	e->modify_index = n->modify_index;
}

static int get(const struct kv_node *root, const void *key, size_t key_len, struct kv_entry *e)
{
	const struct kv_node *n = kv_tree_find(root, key, key_len);
	if (n == NULL)
		return GAIA_ENOTFOUND;
	kv_entry_fill(e, n);
	return GAIA_OK;
}

struct list_ctx {
	const void *prefix;
	size_t plen;
	size_t limit;
	size_t listed;
	kv_list_cb cb;
	void *arg;
};

static int list_one(const struct kv_node *n, void *arg)
{
	struct list_ctx *l = arg;
	struct kv_entry e;

	if (n->key_len < l->plen || memcmp(kv_node_key(n), l->prefix, l->plen) != 0)
		return 1; /* past the prefix: keys with it are contiguous */
	if (l->limit > 0 && l->listed == l->limit)
		return 1;
	kv_entry_fill(&e, n);
	l->listed++;
	return l->cb(&e, l->arg) != 0;
}

size_t kv_tree_list(const struct kv_node *root, const void *prefix, size_t plen, size_t limit,
		    kv_list_cb cb, void *arg)
{
	struct list_ctx l = {prefix, plen, limit, 0, cb, arg};
	kv_tree_walk(root, prefix, plen, list_one, &l);
	return l.listed;
}

int kv_get(const struct kv *kv, const void *key, size_t key_len, struct kv_entry *e)
{
	return get(kv->tree.root, key, key_len, e);
}

size_t kv_list(const struct kv *kv, const void *prefix, size_t plen, size_t limit,
	       kv_list_cb cb, void *arg)
{
	return kv_tree_list(kv->tree.root, prefix, plen, limit, cb, arg);
}

uint64_t kv_count(const struct kv *kv)
{
	return kv->tree.count;
}

size_t kv_memory(const struct kv *kv)
{
	return sizeof *kv + kv->tree.bytes;
}

int kv_freeze(struct kv *kv, struct kv_view **out)
{
	struct kv_view *v = malloc(sizeof *v);

	*out = NULL;
	if (v == NULL)
		return GAIA_ENOMEM;
	kv_node_ref(kv->tree.root);
	v->root = kv->tree.root;
	v->index = kv->applied;
	v->count = kv->tree.count;
	*out = v;
	return GAIA_OK;
}

void kv_view_release(struct kv_view *v)
{
	if (v == NULL)
		return;
	kv_node_unref(v->root);
	free(v);
}

uint64_t kv_view_index(const struct kv_view *v)
{
	return v->index;
}

uint64_t kv_view_count(const struct kv_view *v)
{
	return v->count;
}

int kv_view_get(const struct kv_view *v, const void *key, size_t key_len, struct kv_entry *e)
{
	return get(v->root, key, key_len, e);
}

size_t kv_view_list(const struct kv_view *v, const void *prefix, size_t plen, size_t limit,
		    kv_list_cb cb, void *arg)
{
	return kv_tree_list(v->root, prefix, plen, limit, cb, arg);
}

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static uint64_t fnv_le(uint64_t h, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		h = (h ^ (uint8_t)(v >> (8 * i))) * FNV_PRIME;
	return h;
}

static int digest_one(const struct kv_node *n, void *arg)
{
	uint64_t *h = arg;
	*h = fnv_le(*h, n->key_len, 4);
	*h = fnv(*h, kv_node_key(n), n->key_len);
	*h = fnv_le(*h, n->value_len, 4);
	*h = fnv(*h, kv_node_value(n), n->value_len);
	*h = fnv_le(*h, n->create_index, 8);
	*h = fnv_le(*h, n->modify_index, 8);
	return 0;
}

uint64_t kv_digest(const struct kv_view *v)
{
	uint64_t h = FNV_OFFSET;
	kv_tree_walk(v->root, NULL, 0, digest_one, &h);
	return h;
}
