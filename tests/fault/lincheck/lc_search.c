/* lc_search.c - Wing & Gong's linearizability search, as improved by Lowe, for one register with CAS. */
/*
 * The operations' invocations and completions form one doubly linked list
 * in real-time order. The search walks it from the head: at an invocation
 * it tries to linearize that operation now (the model must allow it, and
 * the configuration must be new to the memo), lifting the operation out
 * of the list and starting again from the head; at a completion, the
 * operation completing was not linearized in time, so the last choice is
 * undone and the walk goes on after it. Indeterminate operations have no
 * completion: they never block, so they may be linearized late or never.
 */
#include <stdlib.h>
#include <string.h>

#include "lc_internal.h"
#include "lc_memo.h"

/* The model: can op run on state s, and what does it leave? */
static int lc_step(int64_t s, const struct lc_wop *op, int64_t *next)
{
	switch (op->kind) {
	case LC_READ:
		if (s != LC_ANY && s != op->out)
			return 0;
		*next = op->out;
		return 1;
	case LC_WRITE:
		*next = op->arg;
		return 1;
	case LC_CAS:
		if (s != LC_ANY && s != op->arg)
			return 0;
		*next = op->arg2;
		return 1;
	}
	return 0;
}

struct lc_entry_sort {
	int64_t pos;
	uint32_t op;
	uint32_t ret;
};

static int lc_entry_cmp(const void *a, const void *b)
{
	const struct lc_entry_sort *x = a, *y = b;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return (int)x->ret - (int)y->ret;
}

struct lc_frame {
	uint32_t op;
	uint32_t frontier, hi;
	int64_t state;
};

struct lc_ctx {
	const struct lc_wop *ops;
	size_t n, m;          /* operations, list entries */
	uint32_t *e_op;       /* entry -> op */
	uint8_t *e_ret;       /* entry is a completion */
	uint32_t *nxt, *prv;  /* list links; head m, tail m + 1 */
	uint32_t *call_e, *ret_e; /* op -> entries (ret_e UINT32_MAX: none) */
	uint64_t *lin, *det;  /* linearized; determinate (has a completion) */
	uint32_t *info;       /* indeterminate ops, ascending */
	size_t n_info;
	uint32_t *scratch;
	struct lc_frame *stack;
	size_t depth;
	uint32_t frontier, hi;
	struct lc_memo memo;
};

static void lc_unlink(struct lc_ctx *c, uint32_t e)
{
	c->nxt[c->prv[e]] = c->nxt[e];
	c->prv[c->nxt[e]] = c->prv[e];
}

static void lc_relink(struct lc_ctx *c, uint32_t e)
{
	c->nxt[c->prv[e]] = e;
	c->prv[c->nxt[e]] = e;
}

static void lc_ctx_free(struct lc_ctx *c)
{
	free(c->e_op);
	free(c->e_ret);
	free(c->nxt);
	free(c->prv);
	free(c->call_e);
	free(c->ret_e);
	free(c->lin);
	free(c->det);
	free(c->info);
	free(c->scratch);
	free(c->stack);
	lc_memo_free(&c->memo);
}

static int lc_ctx_init(struct lc_ctx *c, const struct lc_wop *ops, size_t n)
{
	struct lc_entry_sort *es = NULL;
	size_t words = n / 64 + 1, m = 0;
	int rc = -1;

	memset(c, 0, sizeof *c);
	lc_memo_init(&c->memo);
	c->ops = ops;
	c->n = n;
	es = malloc((2 * n + 1) * sizeof *es);
	c->call_e = malloc((n + 1) * sizeof *c->call_e);
	c->ret_e = malloc((n + 1) * sizeof *c->ret_e);
	c->lin = calloc(words, sizeof *c->lin);
	c->det = calloc(words, sizeof *c->det);
	c->info = malloc((n + 1) * sizeof *c->info);
	c->scratch = malloc((n + 1) * sizeof *c->scratch);
	c->stack = malloc((n + 1) * sizeof *c->stack);
	if (!es || !c->call_e || !c->ret_e || !c->lin || !c->det || !c->info || !c->scratch ||
	    !c->stack)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		es[m++] = (struct lc_entry_sort){ops[i].call, (uint32_t)i, 0};
		if (!ops[i].info) {
			es[m++] = (struct lc_entry_sort){ops[i].ret, (uint32_t)i, 1};
			lc_bit_set(c->det, i);
		} else {
			c->info[c->n_info++] = (uint32_t)i;
		}
		c->ret_e[i] = UINT32_MAX;
	}
	qsort(es, m, sizeof *es, lc_entry_cmp);
	c->m = m;
	c->e_op = malloc((m + 1) * sizeof *c->e_op);
	c->e_ret = malloc(m + 1);
	c->nxt = malloc((m + 2) * sizeof *c->nxt);
	c->prv = malloc((m + 2) * sizeof *c->prv);
	if (!c->e_op || !c->e_ret || !c->nxt || !c->prv)
		goto cleanup;
	for (size_t j = 0; j < m; j++) {
		c->e_op[j] = es[j].op;
		c->e_ret[j] = (uint8_t)es[j].ret;
		if (es[j].ret)
			c->ret_e[es[j].op] = (uint32_t)j;
		else
			c->call_e[es[j].op] = (uint32_t)j;
		c->nxt[j] = (uint32_t)(j + 1);
		c->prv[j] = j == 0 ? (uint32_t)m : (uint32_t)(j - 1);
	}
	c->nxt[m] = m ? 0 : (uint32_t)(m + 1);
	c->prv[m + 1] = m ? (uint32_t)(m - 1) : (uint32_t)m;
	rc = 0;
cleanup:
	free(es);
	return rc;
}

/* The configuration's list: linearized indeterminate ops below the
 * frontier, then every linearized op from the frontier up. */
static uint32_t lc_config(struct lc_ctx *c)
{
	uint32_t k = 0;
	for (size_t i = 0; i < c->n_info && c->info[i] < c->frontier; i++)
		if (lc_bit(c->lin, c->info[i]))
			c->scratch[k++] = c->info[i];
	for (uint32_t i = c->frontier; i < c->hi; i++)
		if (lc_bit(c->lin, i))
			c->scratch[k++] = i;
	return k;
}

static void lc_advance_frontier(struct lc_ctx *c)
{
	while (c->frontier < c->n && (!lc_bit(c->det, c->frontier) || lc_bit(c->lin, c->frontier)))
		c->frontier++;
}

static int lc_record(struct lc_ctx *c, struct lc_search_result *r, uint32_t blocked, int64_t state)
{
	size_t *p = realloc(r->path, (c->depth + 1) * sizeof *p);
	if (!p)
		return -1;
	r->path = p;
	for (size_t i = 0; i < c->depth; i++)
		p[i] = c->stack[i].op;
	r->path_len = c->depth;
	r->path_state = state;
	r->blocked = blocked;
	return 0;
}

int lc_search(const struct lc_wop *ops, size_t n, int64_t init, uint64_t max_steps,
	      bool want_path, struct lc_search_result *r)
{
	struct lc_ctx c;
	size_t n_det = 0, done = 0, best = 0;
	int64_t state = init, next;
	uint32_t e, head, tail;
	int rc = -1, have_best = 0;

	memset(r, 0, sizeof *r);
	r->blocked = SIZE_MAX;
	if (n >= UINT32_MAX - 2)
		return -1;
	if (lc_ctx_init(&c, ops, n) != 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		n_det += !ops[i].info;
	head = (uint32_t)c.m;
	tail = (uint32_t)c.m + 1;
	lc_advance_frontier(&c);
	e = c.nxt[head];
	for (;;) {
		if (done == n_det) {
			r->verdict = LC_LINEARIZABLE;
			break;
		}
		if (max_steps && r->steps >= max_steps) {
			r->verdict = LC_UNKNOWN;
			break;
		}
		r->steps++;
		if (e != tail && !c.e_ret[e]) {
			uint32_t op = c.e_op[e];
			if (lc_step(state, &ops[op], &next)) {
				uint32_t f = c.frontier, hi = c.hi, k;
				int added;
				lc_bit_set(c.lin, op);
				if (op + 1 > c.hi)
					c.hi = op + 1;
				lc_advance_frontier(&c);
				k = lc_config(&c);
				added = lc_memo_add(&c.memo, next, c.frontier, c.scratch, k);
				if (added < 0)
					goto cleanup;
				if (added) {
					c.stack[c.depth++] = (struct lc_frame){op, f, hi, state};
					state = next;
					done += !ops[op].info;
					lc_unlink(&c, e);
					if (c.ret_e[op] != UINT32_MAX)
						lc_unlink(&c, c.ret_e[op]);
					e = c.nxt[head];
					continue;
				}
				lc_bit_clear(c.lin, op);
				c.frontier = f;
				c.hi = hi;
			}
			e = c.nxt[e];
			continue;
		}
		/* a completion (or the end): undo the last choice */
		if (want_path && e != tail && (!have_best || done > best)) {
			if (lc_record(&c, r, c.e_op[e], state) != 0)
				goto cleanup;
			have_best = 1;
			best = done;
		}
		if (c.depth == 0) {
			r->verdict = LC_NOT_LINEARIZABLE;
			break;
		}
		{
			struct lc_frame *fr = &c.stack[--c.depth];
			uint32_t op = fr->op;
			state = fr->state;
			c.frontier = fr->frontier;
			c.hi = fr->hi;
			lc_bit_clear(c.lin, op);
			done -= !ops[op].info;
			if (c.ret_e[op] != UINT32_MAX)
				lc_relink(&c, c.ret_e[op]);
			lc_relink(&c, c.call_e[op]);
			e = c.nxt[c.call_e[op]];
		}
	}
	r->memo_entries = c.memo.n;
	rc = 0;
cleanup:
	lc_ctx_free(&c);
	if (rc != 0)
		lc_search_result_free(r);
	return rc;
}

void lc_search_result_free(struct lc_search_result *r)
{
	free(r->path);
	r->path = NULL;
	r->path_len = 0;
}
