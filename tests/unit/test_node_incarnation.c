/* Unit tests of node incarnations: fresh ids, the address book's context
 * with ids (and the older one without), who the handshake lets in, and
 * which id a join may add. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "node/node_internal.h"

#define OLD_N3 0x1111111111111111ull /* n3's removed incarnation */
#define NEW_N3 0x3333333333333333ull /* n3's current one */

static void member(struct node_member *m, const char *name, raft_id id)
{
	memset(m, 0, sizeof *m);
	m->id = id;
	snprintf(m->name, sizeof m->name, "%s", name);
	snprintf(m->raft_addr, sizeof m->raft_addr, "%s.example:8300", name);
	snprintf(m->api_addr, sizeof m->api_addr, "%s.example:8080", name);
}

/* n1, n2 (first incarnations) and n3 (its second); n3's first removed. */
static void cluster(struct node_book *b, struct raft_conf *c)
{
	struct node_member m;
	memset(b, 0, sizeof *b);
	memset(c, 0, sizeof *c);
	member(&m, "n1", node_id_from_name("n1"));
	book_put(b, &m);
	member(&m, "n2", node_id_from_name("n2"));
	book_put(b, &m);
	member(&m, "n3", OLD_N3);
	book_put(b, &m);
	member(&m, "n3", NEW_N3);
	book_put(b, &m);
	c->n = 3;
	c->servers[0].id = node_id_from_name("n1");
	c->servers[1].id = node_id_from_name("n2");
	c->servers[2].id = NEW_N3;
	for (int i = 0; i < 3; i++)
		c->servers[i].role = RAFT_VOTER;
	c->n_removed = 1;
	c->removed[0] = OLD_N3;
}

static void hello(struct net_hello *h, const char *name, raft_id id)
{
	memset(h, 0, sizeof *h);
	h->id = id;
	snprintf(h->name, sizeof h->name, "%s", name);
	snprintf(h->raft_addr, sizeof h->raft_addr, "%s.example:8300", name);
}

static void test_fresh_id(void **state)
{
	char err[GAIA_ERRMSG_SIZE];
	raft_id a = 0, b = 0;
	(void)state;
	assert_int_equal(node_id_fresh("node-3", &a, err), GAIA_OK);
	assert_int_equal(node_id_fresh("node-3", &b, err), GAIA_OK);
	assert_true(a != 0 && b != 0);
	assert_true(a != node_id_from_name("node-3"));
	assert_true(a != b);
}

static void test_ctx_carries_ids(void **state)
{
	struct node_member m[2];
	struct node_book b;
	uint8_t *ctx;
	size_t len;
	(void)state;
	member(&m[0], "n1", node_id_from_name("n1"));
	member(&m[1], "n3", NEW_N3);
	ctx = book_ctx_encode(m, 2, &len);
	assert_non_null(ctx);
	memset(&b, 0, sizeof b);
	book_ctx_merge(&b, ctx, len);
	assert_int_equal(b.n, 2);
	assert_non_null(book_get(&b, NEW_N3));
	assert_string_equal(book_get(&b, NEW_N3)->name, "n3");
	assert_string_equal(book_get(&b, NEW_N3)->api_addr, "n3.example:8080");
	assert_null(book_get(&b, node_id_from_name("n3")));
	/* cut short inside the ids: nothing rather than wrong ids */
	memset(&b, 0, sizeof b);
	book_ctx_merge(&b, ctx, len - 3);
	assert_int_equal(b.n, 0);
	free(ctx);
}

static void test_ctx_without_ids(void **state)
{
	/* written before incarnations: u16 count, two zero bytes, strings */
	static const uint8_t old[] = {1, 0, 0, 0, 'n', '3', 0, 'a', ':', '1', 0, 0};
	struct node_book b;
	(void)state;
	memset(&b, 0, sizeof b);
	book_ctx_merge(&b, old, sizeof old);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.m[0].id, node_id_from_name("n3"));
	assert_string_equal(b.m[0].raft_addr, "a:1");
}

static void test_member_named(void **state)
{
	struct node_book b;
	struct raft_conf c;
	(void)state;
	cluster(&b, &c);
	assert_non_null(book_member_named(&b, &c, "n3"));
	assert_int_equal(book_member_named(&b, &c, "n3")->id, NEW_N3);
	assert_null(book_member_named(&b, &c, "n9"));
	c.n = 2; /* n3 removed again: its name names no member */
	assert_null(book_member_named(&b, &c, "n3"));
}

static void test_full_book_forgets_replaced_incarnations(void **state)
{
	struct node_book b;
	struct raft_conf c;
	struct node_member m;
	char name[16];
	(void)state;
	cluster(&b, &c); /* n1, n2, n3 (old), n3 (new) */
	for (size_t i = b.n; i < sizeof b.m / sizeof b.m[0]; i++) {
		snprintf(name, sizeof name, "x%zu", i);
		member(&m, name, 0x9000 + i);
		book_put(&b, &m);
	}
	member(&m, "late", 0x8888);
	book_put(&b, &m);
	assert_null(book_get(&b, OLD_N3));
	assert_non_null(book_get(&b, node_id_from_name("n1")));
	assert_non_null(book_get(&b, 0x8888));
	assert_int_equal(book_member_named(&b, &c, "n3")->id, NEW_N3);
}

static void test_hello_verdicts(void **state)
{
	struct node_book b;
	struct raft_conf c;
	struct net_hello h;
	char reason[NET_REASON_MAX];
	(void)state;
	cluster(&b, &c);
	/* the current incarnation, a member, a node being added: in */
	hello(&h, "n3", NEW_N3);
	assert_int_equal(node_hello_verdict(&b, &c, false, &h, reason, sizeof reason),
			 NODE_HELLO_OK);
	hello(&h, "n1", node_id_from_name("n1"));
	assert_int_equal(node_hello_verdict(&b, &c, false, &h, reason, sizeof reason),
			 NODE_HELLO_OK);
	hello(&h, "n4", 0x4444);
	assert_int_equal(node_hello_verdict(&b, &c, false, &h, reason, sizeof reason),
			 NODE_HELLO_OK);
	/* the removed incarnation: refused by name, as removed and replaced */
	hello(&h, "n3", OLD_N3);
	assert_int_equal(node_hello_verdict(&b, &c, true, &h, reason, sizeof reason),
			 NODE_HELLO_REMOVED);
	assert_non_null(strstr(reason, NODE_REMOVED_PREFIX "node 'n3' (incarnation 1111111111111111)"));
	assert_non_null(strstr(reason, "replaced by incarnation 3333333333333333"));
	assert_non_null(strstr(reason, "wipe its data"));
	/* removed, and its name no member's: still refused as removed */
	c.n = 2;
	assert_int_equal(node_hello_verdict(&b, &c, true, &h, reason, sizeof reason),
			 NODE_HELLO_REMOVED);
	assert_non_null(strstr(reason, "was removed from this cluster"));
	c.n = 3;
	/* an unknown id under a member's name: not that member (no removed
	 * prefix: the dialer is not told it was removed) */
	hello(&h, "n3", 0x5555);
	assert_int_equal(node_hello_verdict(&b, &c, false, &h, reason, sizeof reason),
			 NODE_HELLO_MISMATCH);
	assert_null(strstr(reason, NODE_REMOVED_PREFIX));
	assert_non_null(strstr(reason, "'n3'"));
	/* a member's id under another name */
	hello(&h, "n7", NEW_N3);
	assert_int_equal(node_hello_verdict(&b, &c, false, &h, reason, sizeof reason),
			 NODE_HELLO_MISMATCH);
	assert_non_null(strstr(reason, "belongs to member 'n3'"));
}

static void test_join_verdicts(void **state)
{
	struct node_book b;
	struct raft_conf c;
	char err[GAIA_ERRMSG_SIZE];
	(void)state;
	cluster(&b, &c);
	assert_int_equal(node_join_verdict(&b, &c, "n3", NEW_N3, err), GAIA_EEXIST);
	assert_int_equal(node_join_verdict(&b, &c, "n3", 0x5555, err), GAIA_EBUSY);
	assert_int_equal(node_join_verdict(&b, &c, "n7", NEW_N3, err), GAIA_EINVAL);
	assert_int_equal(node_join_verdict(&b, &c, "n4", 0x4444, err), GAIA_OK);
	/* n3 removed again: its old incarnation may not come back, a new one may */
	c.n = 2;
	c.n_removed = 2;
	c.removed[1] = NEW_N3;
	assert_int_equal(node_join_verdict(&b, &c, "n3", OLD_N3, err), GAIA_EREMOVED);
	assert_non_null(strstr(err, "\"reset\": true"));
	assert_int_equal(node_join_verdict(&b, &c, "n3", NEW_N3, err), GAIA_EREMOVED);
	assert_int_equal(node_join_verdict(&b, &c, "n3", 0x6666, err), GAIA_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_id),
		cmocka_unit_test(test_ctx_carries_ids),
		cmocka_unit_test(test_ctx_without_ids),
		cmocka_unit_test(test_member_named),
		cmocka_unit_test(test_full_book_forgets_replaced_incarnations),
		cmocka_unit_test(test_hello_verdicts),
		cmocka_unit_test(test_join_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
