/* kv_tree.h - the persistent treap under libgaia/kv (module-internal): nodes, path-copying updates, ordered iteration. */
#ifndef GAIA_KV_TREE_H
#define GAIA_KV_TREE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/kv.h"

/* One key. Key and value bytes follow the struct (data[0..key_len) is the
 * key, then value_len bytes of value). refs counts the parents and handles
 * pointing here; see kv.h for who may touch what. */
struct kv_node {
	struct kv_node *left, *right;
	_Atomic uint32_t refs;
	uint32_t prio;
	uint32_t key_len;
	uint32_t value_len;
	uint64_t create_index;
	uint64_t modify_index;
	uint8_t data[];
};

/* The live tree: root (one reference held), priority generator, and the
 * accounting the loop thread keeps. */
struct kv_tree {
	struct kv_node *root;
	uint64_t rng;
	uint64_t count;
	size_t bytes;
};

static inline const uint8_t *kv_node_key(const struct kv_node *n)
{
	return n->data;
}

static inline const uint8_t *kv_node_value(const struct kv_node *n)
{
	return n->data + n->key_len;
}

/* Heap bytes a node of these lengths costs, allocator overhead included. */
size_t kv_node_cost(size_t key_len, size_t value_len);

/* A new unlinked node (refs 1, priority from t), or NULL. */
struct kv_node *kv_node_new(struct kv_tree *t, const void *key, size_t key_len,
			    const void *value, size_t value_len, uint64_t create_index,
			    uint64_t modify_index);

/* Take / drop a reference. Dropping the last one frees the node and drops
 * its children's references; safe from any thread. */
void kv_node_ref(struct kv_node *n);
void kv_node_unref(struct kv_node *n);

int kv_key_cmp(const void *a, size_t alen, const void *b, size_t blen);

/* The node holding key, or NULL. */
const struct kv_node *kv_tree_find(const struct kv_node *root, const void *key, size_t key_len);

/* Put n (a new node) in place of the node with the same key, or insert it.
 * Takes over the caller's reference to n. GAIA_ENOMEM leaves the tree with
 * the same contents (maybe some nodes copied) and n still the caller's. */
int kv_tree_put(struct kv_tree *t, struct kv_node *n);

/* Remove the node with key. GAIA_ENOTFOUND if absent; GAIA_ENOMEM leaves
 * the contents unchanged. */
int kv_tree_delete(struct kv_tree *t, const void *key, size_t key_len);

/* Drop the whole tree. */
void kv_tree_clear(struct kv_tree *t);

/* Call cb on every node with a key >= from (from_len 0: every node), in key
 * order, until cb returns non-zero, which is then returned. Recursive, to
 * the tree's depth (O(log n) expected); allocates nothing. O(log n + k)
 * for k nodes visited. */
typedef int (*kv_walk_cb)(const struct kv_node *n, void *arg);
int kv_tree_walk(const struct kv_node *root, const void *from, size_t from_len, kv_walk_cb cb,
		 void *arg);

/* Builds a tree from nodes given in strictly increasing key order, in O(n)
 * (Cartesian tree construction on the right spine). */
struct kv_builder {
	struct kv_tree tree;
	struct kv_node **spine;
	size_t depth, cap;
};

void kv_builder_init(struct kv_builder *b, uint64_t rng);
/* Takes over n (the caller checked the order). GAIA_ENOMEM: n is freed. */
int kv_builder_add(struct kv_builder *b, struct kv_node *n);
/* The finished tree into *t (which must be empty). */
void kv_builder_finish(struct kv_builder *b, struct kv_tree *t);
/* Drop whatever was added. */
void kv_builder_abort(struct kv_builder *b);

/* The state machine and its views (their functions are spread over
 * kv_apply.c, kv_read.c and kv_snapshot.c). */
struct kv {
	struct kv_tree tree;
	struct kv_limits limits;
	uint64_t applied;
	char errmsg[GAIA_ERRMSG_SIZE];
};

struct kv_view {
	struct kv_node *root; /* one reference held */
	uint64_t index;
	uint64_t count;
};

/* The reads shared by a kv and its views. */
void kv_entry_fill(struct kv_entry *e, const struct kv_node *n);
size_t kv_tree_list(const struct kv_node *root, const void *prefix, size_t plen, size_t limit,
		    kv_list_cb cb, void *arg);

#endif
