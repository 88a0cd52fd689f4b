/* The persistent treap: path-copying put and delete, ordered walks, and an O(n) build from sorted nodes. */
#include <stdlib.h>
#include <string.h>

#include "kv/kv_tree.h"

size_t kv_node_cost(size_t key_len, size_t value_len)
{
	/* glibc: 8 bytes of chunk header, 16-byte granules, 32 at least. */
	size_t n = (sizeof(struct kv_node) + key_len + value_len + 8 + 15) & ~(size_t)15;
	return n < 32 ? 32 : n;
}

static uint32_t next_prio(struct kv_tree *t)
{
	/* splitmix64 */
	uint64_t z = (t->rng += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

struct kv_node *kv_node_new(struct kv_tree *t, const void *key, size_t key_len,
			    const void *value, size_t value_len, uint64_t create_index,
			    uint64_t modify_index)
{
	struct kv_node *n = malloc(sizeof *n + key_len + value_len);
	if (n == NULL)
		return NULL;
	n->left = n->right = NULL;
	atomic_init(&n->refs, 1);
	n->prio = next_prio(t);
	n->key_len = (uint32_t)key_len;
	n->value_len = (uint32_t)value_len;
	n->create_index = create_index;
	n->modify_index = modify_index;
	if (key_len > 0)
		memcpy(n->data, key, key_len);
	if (value_len > 0)
		memcpy(n->data + key_len, value, value_len);
	return n;
}

void kv_node_ref(struct kv_node *n)
{
	if (n != NULL)
		atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
}

void kv_node_unref(struct kv_node *n)
{
	/* acq_rel: whoever frees sees every other holder's last use. */
	while (n != NULL && atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) == 1) {
		struct kv_node *l = n->left, *r = n->right;
		free(n);
		kv_node_unref(l);
		n = r;
	}
}

/* Only the loop thread calls this, on a node whose parent it owns: 1 means
 * no view can reach the node (see kv.h). */
static bool owned(const struct kv_node *n)
{
	return atomic_load_explicit(&((struct kv_node *)n)->refs, memory_order_acquire) == 1;
}

int kv_key_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int node_cmp(const void *key, size_t key_len, const struct kv_node *n)
{
	return kv_key_cmp(key, key_len, kv_node_key(n), n->key_len);
}

const struct kv_node *kv_tree_find(const struct kv_node *n, const void *key, size_t key_len)
{
	while (n != NULL) {
		int c = node_cmp(key, key_len, n);
		if (c == 0)
			return n;
		n = c < 0 ? n->left : n->right;
	}
	return NULL;
}

/* Make *slot ours to change: copy it if anyone else (a view) holds it. The
 * tree's contents stay the same either way. */
static int own(struct kv_node **slot)
{
	struct kv_node *n = *slot, *c;
	size_t extra = (size_t)n->key_len + n->value_len;

	if (owned(n))
		return GAIA_OK;
	c = malloc(sizeof *c + extra);
	if (c == NULL)
		return GAIA_ENOMEM;
	c->left = n->left;
	c->right = n->right;
	atomic_init(&c->refs, 1);
	c->prio = n->prio;
	c->key_len = n->key_len;
	c->value_len = n->value_len;
	c->create_index = n->create_index;
	c->modify_index = n->modify_index;
	memcpy(c->data, n->data, extra);
	kv_node_ref(c->left);
	kv_node_ref(c->right);
	*slot = c;
	kv_node_unref(n);
	return GAIA_OK;
}

/* Both *slot and its child being lifted must be owned. */
static void rotate_right(struct kv_node **slot)
{
	struct kv_node *p = *slot, *c = p->left;
	p->left = c->right;
	c->right = p;
	*slot = c;
}

static void rotate_left(struct kv_node **slot)
{
	struct kv_node *p = *slot, *c = p->right;
	p->right = c->left;
	c->left = p;
	*slot = c;
}

/* The parent of *slot is owned (or slot is the root). */
static void replace(struct kv_tree *t, struct kv_node **slot, struct kv_node *n)
{
	struct kv_node *old = *slot;

	n->prio = old->prio;
	n->left = old->left;
	n->right = old->right;
	t->bytes += kv_node_cost(n->key_len, n->value_len);
	t->bytes -= kv_node_cost(old->key_len, old->value_len);
	*slot = n;
	if (owned(old)) {
		free(old); /* its children moved to n */
	} else {
		kv_node_ref(n->left);
		kv_node_ref(n->right);
		kv_node_unref(old);
	}
}

static int put_at(struct kv_tree *t, struct kv_node **slot, struct kv_node *n)
{
	struct kv_node *cur = *slot;
	int c, rc;

	if (cur == NULL) {
		*slot = n;
		t->count++;
		t->bytes += kv_node_cost(n->key_len, n->value_len);
		return GAIA_OK;
	}
	c = node_cmp(kv_node_key(n), n->key_len, cur);
	if (c == 0) {
		replace(t, slot, n);
		return GAIA_OK;
	}
	if ((rc = own(slot)) != GAIA_OK)
		return rc;
	cur = *slot;
	if (c < 0) {
		if ((rc = put_at(t, &cur->left, n)) != GAIA_OK)
			return rc;
		if (cur->left->prio > cur->prio)
			rotate_right(slot); /* cur->left is n or was owned on the way */
	} else {
		if ((rc = put_at(t, &cur->right, n)) != GAIA_OK)
			return rc;
		if (cur->right->prio > cur->prio)
			rotate_left(slot);
	}
	return GAIA_OK;
}

int kv_tree_put(struct kv_tree *t, struct kv_node *n)
{
	return put_at(t, &t->root, n);
}

/* Take the node at *slot out of the tree, rotating it down to where it has
 * at most one child. */
static int remove_at(struct kv_tree *t, struct kv_node **slot)
{
	struct kv_node *cur = *slot;
	int rc;

	while (cur->left != NULL && cur->right != NULL) {
		if ((rc = own(slot)) != GAIA_OK)
			return rc;
		cur = *slot;
		if (cur->left->prio > cur->right->prio) {
			if ((rc = own(&cur->left)) != GAIA_OK)
				return rc;
			rotate_right(slot);
			slot = &(*slot)->right;
		} else {
			if ((rc = own(&cur->right)) != GAIA_OK)
				return rc;
			rotate_left(slot);
			slot = &(*slot)->left;
		}
	}
	t->count--;
	t->bytes -= kv_node_cost(cur->key_len, cur->value_len);
	*slot = cur->left != NULL ? cur->left : cur->right;
	if (owned(cur)) {
		free(cur); /* its one child moved up */
	} else {
		kv_node_ref(*slot);
		kv_node_unref(cur);
	}
	return GAIA_OK;
}

int kv_tree_delete(struct kv_tree *t, const void *key, size_t key_len)
{
	struct kv_node **slot = &t->root;
	int rc;

	for (;;) {
		int c;
		if (*slot == NULL)
			return GAIA_ENOTFOUND;
		c = node_cmp(key, key_len, *slot);
		if (c == 0)
			return remove_at(t, slot);
		if ((rc = own(slot)) != GAIA_OK)
			return rc;
		slot = c < 0 ? &(*slot)->left : &(*slot)->right;
	}
}

void kv_tree_clear(struct kv_tree *t)
{
	kv_node_unref(t->root);
	t->root = NULL;
	t->count = 0;
	t->bytes = 0;
}

int kv_tree_walk(const struct kv_node *n, const void *from, size_t from_len, kv_walk_cb cb,
		 void *arg)
{
	int rc;

	while (n != NULL) {
		if (from_len > 0 && node_cmp(from, from_len, n) > 0) {
			n = n->right;
			continue;
		}
		if ((rc = kv_tree_walk(n->left, from, from_len, cb, arg)) != 0 || (rc = cb(n, arg)) != 0)
			return rc;
		/* Everything to the right is above n, so above from. */
		from_len = 0;
		n = n->right;
	}
	return 0;
}

void kv_builder_init(struct kv_builder *b, uint64_t rng)
{
	memset(b, 0, sizeof *b);
	b->tree.rng = rng;
}

int kv_builder_add(struct kv_builder *b, struct kv_node *n)
{
	struct kv_node *last = NULL;

	if (b->depth == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct kv_node **s = realloc(b->spine, cap * sizeof *s);
		if (s == NULL) {
			free(n);
			return GAIA_ENOMEM;
		}
		b->spine = s;
		b->cap = cap;
	}
	while (b->depth > 0 && b->spine[b->depth - 1]->prio < n->prio)
		last = b->spine[--b->depth];
	n->left = last;
	if (b->depth > 0)
		b->spine[b->depth - 1]->right = n;
	else
		b->tree.root = n;
	b->spine[b->depth++] = n;
	b->tree.count++;
	b->tree.bytes += kv_node_cost(n->key_len, n->value_len);
	return GAIA_OK;
}

void kv_builder_finish(struct kv_builder *b, struct kv_tree *t)
{
	*t = b->tree;
	free(b->spine);
	memset(b, 0, sizeof *b);
}

void kv_builder_abort(struct kv_builder *b)
{
	kv_tree_clear(&b->tree);
	free(b->spine);
	memset(b, 0, sizeof *b);
}
