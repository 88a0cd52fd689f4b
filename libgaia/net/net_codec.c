/* The wire codec: frames for hellos, refusals and Raft messages. Pure
 * functions; decoders check every length against what is left before
 * reading or allocating, so hostile input costs at most its own size. */
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "util/errmsg.h"

#define FLAG_TRANSFER 0x01u
#define FLAG_REJECT 0x02u
#define FLAG_LAST 0x04u
#define FLAG_ALL (FLAG_TRANSFER | FLAG_REJECT | FLAG_LAST)

/* index, term, type, payload length */
#define ENTRY_MIN 21u
#define SERVER_SIZE 9u
#define SCALAR_FIELDS 17u
#define MSG_FIXED (2u + 8u * SCALAR_FIELDS)

/* --- writing ------------------------------------------------------------ */

struct wr {
	uint8_t **buf;
	size_t *len;
	size_t *cap;
	size_t start; /* where this frame begins in *buf */
	int err;
};

static void wr_reserve(struct wr *w, size_t n)
{
	size_t need, cap;
	uint8_t *nb;

	if (w->err)
		return;
	/* never grow a frame past the limit: fail before allocating */
	if (n > (size_t)NET_MAX_FRAME + 4 - (*w->len - w->start)) {
		w->err = GAIA_ETOOBIG;
		return;
	}
	need = *w->len + n;
	if (need <= *w->cap)
		return;
	cap = *w->cap ? *w->cap : 256;
	while (cap < need)
		cap *= 2;
	nb = realloc(*w->buf, cap);
	if (nb == NULL) {
		w->err = GAIA_ENOMEM;
		return;
	}
	*w->buf = nb;
	*w->cap = cap;
}

static void put_bytes(struct wr *w, const void *p, size_t n)
{
	wr_reserve(w, n);
	if (w->err || n == 0)
		return;
	memcpy(*w->buf + *w->len, p, n);
	*w->len += n;
}

static void put_uint(struct wr *w, uint64_t v, unsigned size)
{
	uint8_t b[8];
	for (unsigned i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(w, b, size);
}

#define put_u8(w, v) put_uint((w), (v), 1)
#define put_u16(w, v) put_uint((w), (v), 2)
#define put_u32(w, v) put_uint((w), (v), 4)
#define put_u64(w, v) put_uint((w), (v), 8)

static void wr_begin(struct wr *w, uint8_t **buf, size_t *len, size_t *cap,
		     uint8_t type)
{
	w->buf = buf;
	w->len = len;
	w->cap = cap;
	w->start = *len;
	w->err = GAIA_OK;
	put_u32(w, 0); /* patched by wr_end */
	put_u8(w, type);
}

static int wr_end(struct wr *w)
{
	size_t flen;

	if (w->err) {
		*w->len = w->start;
		return w->err;
	}
	flen = *w->len - w->start - 4;
	if (flen > NET_MAX_FRAME) {
		*w->len = w->start;
		return GAIA_ETOOBIG;
	}
	for (int i = 0; i < 4; i++)
		(*w->buf)[w->start + (size_t)i] = (uint8_t)(flen >> (8 * i));
	return GAIA_OK;
}

/* --- reading ------------------------------------------------------------ */

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	const char *fail; /* the field that did not fit, or NULL */
};

static size_t rd_left(const struct rd *r)
{
	return r->len - r->off;
}

static bool get_uint(struct rd *r, uint64_t *v, unsigned size, const char *what)
{
	if (r->fail != NULL)
		return false;
	if (rd_left(r) < size) {
		r->fail = what;
		return false;
	}
	*v = 0;
	for (unsigned i = 0; i < size; i++)
		*v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += size;
	return true;
}

static uint64_t get_u64(struct rd *r, const char *what)
{
	uint64_t v = 0;
	get_uint(r, &v, 8, what);
	return v;
}

static uint32_t get_u32(struct rd *r, const char *what)
{
	uint64_t v = 0;
	get_uint(r, &v, 4, what);
	return (uint32_t)v;
}

static uint16_t get_u16(struct rd *r, const char *what)
{
	uint64_t v = 0;
	get_uint(r, &v, 2, what);
	return (uint16_t)v;
}

static uint8_t get_u8(struct rd *r, const char *what)
{
	uint64_t v = 0;
	get_uint(r, &v, 1, what);
	return (uint8_t)v;
}

/* A length-prefixed payload as a fresh raft_buf (NULL when empty). */
static int get_buf(struct rd *r, struct raft_buf **out, const char *what,
		   char *errmsg)
{
	uint32_t n = get_u32(r, what);
	*out = NULL;
	if (r->fail != NULL)
		return GAIA_EINVAL;
	if (n > rd_left(r))
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "%s: length %u but only %zu bytes left", what,
				  n, rd_left(r));
	if (n > 0) {
		*out = raft_buf_new(r->p + r->off, n);
		if (*out == NULL)
			return errmsg_set(errmsg, GAIA_ENOMEM, "%s: out of memory",
					  what);
	}
	r->off += n;
	return GAIA_OK;
}

static int truncated(const struct rd *r, char *errmsg)
{
	return errmsg_set(errmsg, GAIA_EINVAL, "truncated at byte %zu reading %s",
			  r->off, r->fail);
}

/* --- messages ----------------------------------------------------------- */

static void put_conf(struct wr *w, const struct raft_conf *c)
{
	put_u32(w, c->n);
	for (uint32_t i = 0; i < c->n; i++) {
		put_u64(w, c->servers[i].id);
		put_u8(w, c->servers[i].role);
	}
	put_u32(w, c->n_removed);
	for (uint32_t i = 0; i < c->n_removed; i++)
		put_u64(w, c->removed[i]);
}

int net_encode_msg(const struct raft_message *m, uint8_t **buf, size_t *len,
		   size_t *cap)
{
	struct wr w;
	uint8_t flags = 0;

	if (m->type == 0 || m->type >= RAFT_MSG_TYPE_COUNT)
		return GAIA_EINVAL;
	if (m->type == RAFT_MSG_APPEND && m->n_entries > 0 && m->entries == NULL)
		return GAIA_EINVAL;
	if (m->type == RAFT_MSG_SNAPSHOT &&
	    (m->snap.conf.n > RAFT_MAX_SERVERS ||
	     m->snap.conf.n_removed > RAFT_MAX_REMOVED))
		return GAIA_EINVAL;
	flags |= m->transfer ? FLAG_TRANSFER : 0;
	flags |= m->reject ? FLAG_REJECT : 0;
	flags |= m->last ? FLAG_LAST : 0;

	wr_begin(&w, buf, len, cap, NET_FRAME_MSG);
	wr_reserve(&w, MSG_FIXED);
	put_u8(&w, m->type);
	put_u8(&w, flags);
	put_u64(&w, m->from);
	put_u64(&w, m->to);
	put_u64(&w, m->cluster_id);
	put_u64(&w, m->term);
	put_u64(&w, m->last_index);
	put_u64(&w, m->last_term);
	put_u64(&w, m->prev_index);
	put_u64(&w, m->prev_term);
	put_u64(&w, m->commit);
	put_u64(&w, m->index);
	put_u64(&w, m->hint_index);
	put_u64(&w, m->hint_term);
	put_u64(&w, m->ctx);
	put_u64(&w, m->offset);
	put_u64(&w, m->snap.index);
	put_u64(&w, m->snap.term);
	put_u64(&w, m->snap.size);
	put_u64(&w, m->snap.file_id);

	if (m->type == RAFT_MSG_APPEND) {
		put_u32(&w, m->n_entries);
		for (uint32_t i = 0; i < m->n_entries && !w.err; i++) {
			const struct raft_entry *e = &m->entries[i];
			uint32_t n = e->buf ? e->buf->len : 0;
			put_u64(&w, e->index);
			put_u64(&w, e->term);
			put_u8(&w, e->type);
			put_u32(&w, n);
			if (n > 0)
				put_bytes(&w, e->buf->data, n);
		}
	} else if (m->type == RAFT_MSG_SNAPSHOT) {
		uint32_t n = m->chunk ? m->chunk->len : 0;
		put_conf(&w, &m->snap.conf);
		put_u32(&w, n);
		if (n > 0)
			put_bytes(&w, m->chunk->data, n);
	}
	return wr_end(&w);
}

static int decode_entries(struct rd *r, struct raft_message *m, char *errmsg)
{
	uint32_t n = get_u32(r, "entry count");
	int rc;

	if (r->fail != NULL)
		return truncated(r, errmsg);
	if (n > rd_left(r) / ENTRY_MIN)
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "%u entries cannot fit in %zu bytes", n,
				  rd_left(r));
	if (n == 0)
		return GAIA_OK;
	m->entries = calloc(n, sizeof *m->entries);
	if (m->entries == NULL)
		return errmsg_set(errmsg, GAIA_ENOMEM, "out of memory for %u entries", n);
	for (uint32_t i = 0; i < n; i++) {
		struct raft_entry *e = &m->entries[i];
		e->index = get_u64(r, "entry index");
		e->term = get_u64(r, "entry term");
		e->type = get_u8(r, "entry type");
		if (r->fail != NULL)
			return truncated(r, errmsg);
		if (e->type < RAFT_ENTRY_NORMAL || e->type > RAFT_ENTRY_CONF)
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "entry %u: unknown type %u", i, e->type);
		rc = get_buf(r, &e->buf, "entry payload", errmsg);
		m->n_entries = i + 1; /* so that release frees what we made */
		if (rc != GAIA_OK)
			return r->fail ? truncated(r, errmsg) : rc;
	}
	return GAIA_OK;
}

static int decode_conf(struct rd *r, struct raft_conf *c, char *errmsg)
{
	c->n = get_u32(r, "server count");
	if (r->fail != NULL)
		return truncated(r, errmsg);
	if (c->n > RAFT_MAX_SERVERS)
		return errmsg_set(errmsg, GAIA_EINVAL, "%u servers, at most %d",
				  c->n, RAFT_MAX_SERVERS);
	for (uint32_t i = 0; i < c->n; i++) {
		c->servers[i].id = get_u64(r, "server id");
		c->servers[i].role = get_u8(r, "server role");
		if (r->fail != NULL)
			return truncated(r, errmsg);
		if (c->servers[i].role != RAFT_VOTER &&
		    c->servers[i].role != RAFT_LEARNER)
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "server %u: unknown role %u", i,
					  c->servers[i].role);
	}
	c->n_removed = get_u32(r, "removed count");
	if (r->fail != NULL)
		return truncated(r, errmsg);
	if (c->n_removed > RAFT_MAX_REMOVED)
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "%u removed ids, at most %d", c->n_removed,
				  RAFT_MAX_REMOVED);
	for (uint32_t i = 0; i < c->n_removed; i++)
		c->removed[i] = get_u64(r, "removed id");
	return r->fail != NULL ? truncated(r, errmsg) : GAIA_OK;
}

static int decode_msg(struct rd *r, struct raft_message *m, char *errmsg)
{
	uint8_t flags;
	int rc;

	m->type = get_u8(r, "type");
	flags = get_u8(r, "flags");
	if (r->fail != NULL)
		return truncated(r, errmsg);
	if (m->type == 0 || m->type >= RAFT_MSG_TYPE_COUNT)
		return errmsg_set(errmsg, GAIA_EINVAL, "unknown message type %u",
				  m->type);
	if (flags & ~FLAG_ALL)
		return errmsg_set(errmsg, GAIA_EINVAL, "unknown flags 0x%02x",
				  flags);
	m->transfer = flags & FLAG_TRANSFER;
	m->reject = flags & FLAG_REJECT;
	m->last = flags & FLAG_LAST;
	m->from = get_u64(r, "from");
	m->to = get_u64(r, "to");
	m->cluster_id = get_u64(r, "cluster id");
	m->term = get_u64(r, "term");
	m->last_index = get_u64(r, "last index");
	m->last_term = get_u64(r, "last term");
	m->prev_index = get_u64(r, "prev index");
	m->prev_term = get_u64(r, "prev term");
	m->commit = get_u64(r, "commit");
	m->index = get_u64(r, "index");
	m->hint_index = get_u64(r, "hint index");
	m->hint_term = get_u64(r, "hint term");
	m->ctx = get_u64(r, "ctx");
	m->offset = get_u64(r, "offset");
	m->snap.index = get_u64(r, "snapshot index");
	m->snap.term = get_u64(r, "snapshot term");
	m->snap.size = get_u64(r, "snapshot size");
	m->snap.file_id = get_u64(r, "snapshot file id");
	if (r->fail != NULL)
		return truncated(r, errmsg);

	if (m->type == RAFT_MSG_APPEND) {
		rc = decode_entries(r, m, errmsg);
		if (rc != GAIA_OK)
			return rc;
	} else if (m->type == RAFT_MSG_SNAPSHOT) {
		rc = decode_conf(r, &m->snap.conf, errmsg);
		if (rc != GAIA_OK)
			return rc;
		rc = get_buf(r, &m->chunk, "chunk", errmsg);
		if (rc != GAIA_OK)
			return r->fail ? truncated(r, errmsg) : rc;
	}
	if (rd_left(r) != 0)
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "%zu trailing bytes after a %s message",
				  rd_left(r), raft_msg_type_name(m->type));
	return GAIA_OK;
}

int net_decode_msg(const uint8_t *p, size_t len, struct raft_message *m,
		   char *errmsg)
{
	struct rd r = { .p = p, .len = len };
	int rc;

	memset(m, 0, sizeof *m);
	rc = decode_msg(&r, m, errmsg);
	if (rc != GAIA_OK) {
		raft_message_release(m);
		memset(m, 0, sizeof *m);
	}
	return rc;
}

/* --- hello and refusal -------------------------------------------------- */

static int put_str(struct wr *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (n >= max)
		return GAIA_EINVAL;
	put_u16(w, n);
	put_bytes(w, s, n);
	return GAIA_OK;
}

int net_encode_hello(const struct net_hello *h, uint8_t **buf, size_t *len,
		     size_t *cap)
{
	struct wr w;

	if (strnlen(h->name, NET_NAME_MAX) >= NET_NAME_MAX ||
	    strnlen(h->raft_addr, NET_ADDR_MAX) >= NET_ADDR_MAX ||
	    strnlen(h->api_addr, NET_ADDR_MAX) >= NET_ADDR_MAX)
		return GAIA_EINVAL;
	wr_begin(&w, buf, len, cap, NET_FRAME_HELLO);
	put_u32(&w, NET_MAGIC);
	put_u32(&w, h->version);
	put_u64(&w, h->cluster_id);
	put_u64(&w, h->id);
	put_str(&w, h->name, NET_NAME_MAX);
	put_str(&w, h->raft_addr, NET_ADDR_MAX);
	put_str(&w, h->api_addr, NET_ADDR_MAX);
	put_u64(&w, h->conf_term);
	put_u64(&w, h->conf_index);
	return wr_end(&w);
}

/* A string for the log: bounded, printable ASCII only. */
static int get_str(struct rd *r, char *out, size_t max, const char *what,
		   char *errmsg)
{
	uint16_t n = get_u16(r, what);
	if (r->fail != NULL)
		return truncated(r, errmsg);
	if (n >= max)
		return errmsg_set(errmsg, GAIA_EINVAL, "%s: %u bytes, at most %zu",
				  what, n, max - 1);
	if (n > rd_left(r))
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "%s: length %u but only %zu bytes left", what,
				  n, rd_left(r));
	for (uint16_t i = 0; i < n; i++) {
		uint8_t c = r->p[r->off + i];
		if (c < 0x20 || c > 0x7e)
			return errmsg_set(errmsg, GAIA_EINVAL,
					  "%s: unprintable byte 0x%02x", what, c);
		out[i] = (char)c;
	}
	out[n] = '\0';
	r->off += n;
	return GAIA_OK;
}

/* Trailing bytes are allowed: a later protocol version may say more, and
 * we still want to read its version to refuse it with a clear reason. */
int net_decode_hello(const uint8_t *p, size_t len, struct net_hello *h,
		     char *errmsg)
{
	struct rd r = { .p = p, .len = len };
	uint32_t magic;
	int rc;

	memset(h, 0, sizeof *h);
	magic = get_u32(&r, "magic");
	if (r.fail == NULL && magic != NET_MAGIC) {
		rc = errmsg_set(errmsg, GAIA_EINVAL,
				"bad magic 0x%08x (not a gaia_go peer?)", magic);
		goto err;
	}
	h->version = get_u32(&r, "version");
	h->cluster_id = get_u64(&r, "cluster id");
	h->id = get_u64(&r, "node id");
	if (r.fail != NULL) {
		rc = truncated(&r, errmsg);
		goto err;
	}
	rc = get_str(&r, h->name, NET_NAME_MAX, "name", errmsg);
	if (rc == GAIA_OK)
		rc = get_str(&r, h->raft_addr, NET_ADDR_MAX, "raft address", errmsg);
	if (rc == GAIA_OK)
		rc = get_str(&r, h->api_addr, NET_ADDR_MAX, "api address", errmsg);
	if (rc != GAIA_OK)
		goto err;
	if (rd_left(&r) >= 16) { /* absent from older hellos: 0, 0 */
		h->conf_term = get_u64(&r, "conf term");
		h->conf_index = get_u64(&r, "conf index");
	}
	return GAIA_OK;
err:
	memset(h, 0, sizeof *h);
	return rc;
}

int net_encode_refuse(const char *reason, uint8_t **buf, size_t *len, size_t *cap)
{
	struct wr w;
	size_t n = strnlen(reason, NET_REASON_MAX - 1);

	wr_begin(&w, buf, len, cap, NET_FRAME_REFUSE);
	put_u16(&w, n);
	put_bytes(&w, reason, n);
	return wr_end(&w);
}

int net_decode_refuse(const uint8_t *p, size_t len, char *reason,
		      size_t reason_len, char *errmsg)
{
	struct rd r = { .p = p, .len = len };
	uint16_t n = get_u16(&r, "reason length");
	size_t k = 0;

	if (reason_len > 0)
		reason[0] = '\0';
	if (r.fail != NULL)
		return truncated(&r, errmsg);
	if (n != rd_left(&r))
		return errmsg_set(errmsg, GAIA_EINVAL,
				  "reason: length %u but %zu bytes left", n,
				  rd_left(&r));
	if (n >= NET_REASON_MAX)
		return errmsg_set(errmsg, GAIA_EINVAL, "reason: %u bytes, at most %d",
				  n, NET_REASON_MAX - 1);
	for (; reason_len > 0 && k < n && k < reason_len - 1; k++) {
		uint8_t c = p[r.off + k];
		reason[k] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	if (reason_len > 0)
		reason[k] = '\0';
	return GAIA_OK;
}
