/* Unit tests of the net codec: round trips of every message type, hellos
 * and refusals; truncation at every length, flipped bytes, hostile counts
 * and random bytes decode to a clean GAIA_EINVAL; address parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "net/net.h"
#include "test_net_util.h"

#define CLUSTER 0xc1a57e7ull

struct frame {
	uint8_t *buf;
	size_t len, cap;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Encode m alone into f and check the frame header. */
static void encode_one(const struct raft_message *m, struct frame *f)
{
	f->len = 0;
	assert_int_equal(net_encode_msg(m, &f->buf, &f->len, &f->cap), GAIA_OK);
	assert_true(f->len >= 5);
	assert_int_equal(le32(f->buf), f->len - 4);
	assert_int_equal(f->buf[4], NET_FRAME_MSG);
}

static void assert_zeroed(const struct raft_message *m)
{
	assert_null(m->entries);
	assert_int_equal(m->n_entries, 0);
	assert_null(m->chunk);
}

static void roundtrip(const struct raft_message *m, struct frame *f)
{
	struct raft_message d;
	char err[GAIA_ERRMSG_SIZE];

	encode_one(m, f);
	assert_int_equal(net_decode_msg(f->buf + 5, f->len - 5, &d, err), GAIA_OK);
	assert_true(tnu_msg_equal(m, &d));
	raft_message_release(&d);
}

static void test_roundtrip_every_type(void **state)
{
	struct frame f = { 0 };
	(void)state;
	/* seq % 11 walks the types; 200 seqs give each many shapes */
	for (uint64_t seq = 0; seq < 2000; seq++) {
		struct raft_message m;
		tnu_gen_msg(&m, 1 + seq % 3, 4 + seq % 5, CLUSTER, seq, 70000);
		roundtrip(&m, &f);
		raft_message_release(&m);
	}
	free(f.buf);
}

static void test_roundtrip_edges(void **state)
{
	struct frame f = { 0 };
	struct raft_message m;
	struct raft_entry e[3];
	(void)state;

	/* empty APPEND (a probe), entries with NULL and empty payloads */
	memset(&m, 0, sizeof m);
	m.type = RAFT_MSG_APPEND;
	m.from = 1;
	m.to = 2;
	roundtrip(&m, &f);
	memset(e, 0, sizeof e);
	e[0] = (struct raft_entry){ 5, 2, RAFT_ENTRY_NOOP, NULL };
	e[1] = (struct raft_entry){ 6, 2, RAFT_ENTRY_NORMAL, raft_buf_new("x", 1) };
	e[2] = (struct raft_entry){ 7, 2, RAFT_ENTRY_CONF, raft_buf_new(NULL, 0) };
	m.entries = e;
	m.n_entries = 3;
	roundtrip(&m, &f);
	raft_buf_unref(e[1].buf);
	raft_buf_unref(e[2].buf);

	/* SNAPSHOT with a full configuration and no chunk */
	memset(&m, 0, sizeof m);
	m.type = RAFT_MSG_SNAPSHOT;
	m.snap.conf.n = RAFT_MAX_SERVERS;
	m.snap.conf.n_removed = RAFT_MAX_REMOVED;
	for (int i = 0; i < RAFT_MAX_SERVERS; i++)
		m.snap.conf.servers[i] = (struct raft_server){ (raft_id)i + 1, RAFT_VOTER };
	for (int i = 0; i < RAFT_MAX_REMOVED; i++)
		m.snap.conf.removed[i] = UINT64_MAX - (raft_id)i;
	m.last = true;
	roundtrip(&m, &f);

	/* every boolean alone */
	for (int b = 0; b < 3; b++) {
		memset(&m, 0, sizeof m);
		m.type = RAFT_MSG_VOTE_RESP;
		m.transfer = b == 0;
		m.reject = b == 1;
		m.last = b == 2;
		roundtrip(&m, &f);
	}
	free(f.buf);
}

static void test_frames_append(void **state)
{
	struct frame f = { 0 };
	struct raft_message m[3], d;
	struct net_hello h, hd;
	char err[GAIA_ERRMSG_SIZE], reason[NET_REASON_MAX];
	size_t off = 0;
	(void)state;

	memset(&h, 0, sizeof h);
	h.version = NET_PROTOCOL_VERSION;
	h.cluster_id = CLUSTER;
	h.id = 3;
	strcpy(h.name, "node-3");
	strcpy(h.raft_addr, "127.0.0.3:8300");
	strcpy(h.api_addr, "127.0.0.3:8080");
	assert_int_equal(net_encode_hello(&h, &f.buf, &f.len, &f.cap), GAIA_OK);
	for (int i = 0; i < 3; i++) {
		tnu_gen_msg(&m[i], 3, 1, CLUSTER, (uint64_t)i * 4 + 1, 5000);
		assert_int_equal(net_encode_msg(&m[i], &f.buf, &f.len, &f.cap), GAIA_OK);
	}
	assert_int_equal(net_encode_refuse("bye", &f.buf, &f.len, &f.cap), GAIA_OK);

	/* walk the frames one after the other */
	for (int k = 0; k < 5; k++) {
		uint32_t flen;
		assert_true(f.len - off >= 5);
		flen = le32(f.buf + off);
		assert_true(flen >= 1 && f.len - off - 4 >= flen);
		const uint8_t *p = f.buf + off + 5;
		size_t plen = flen - 1;
		if (k == 0) {
			assert_int_equal(f.buf[off + 4], NET_FRAME_HELLO);
			assert_int_equal(net_decode_hello(p, plen, &hd, err), GAIA_OK);
			assert_memory_equal(&h, &hd, sizeof h);
		} else if (k < 4) {
			assert_int_equal(f.buf[off + 4], NET_FRAME_MSG);
			assert_int_equal(net_decode_msg(p, plen, &d, err), GAIA_OK);
			assert_true(tnu_msg_equal(&m[k - 1], &d));
			raft_message_release(&d);
		} else {
			assert_int_equal(f.buf[off + 4], NET_FRAME_REFUSE);
			assert_int_equal(net_decode_refuse(p, plen, reason, sizeof reason, err),
					 GAIA_OK);
			assert_string_equal(reason, "bye");
		}
		off += 4 + flen;
	}
	assert_int_equal(off, f.len);
	for (int i = 0; i < 3; i++)
		raft_message_release(&m[i]);
	free(f.buf);
}

/* Every strict prefix and one extra byte are malformed: a clean EINVAL,
 * an empty message left behind, nothing leaked (ASan). */
static void test_truncation_every_length(void **state)
{
	struct frame f = { 0 };
	char err[GAIA_ERRMSG_SIZE];
	(void)state;

	for (uint64_t seq = 0; seq < 44; seq++) {
		struct raft_message m, d;
		uint8_t *p;
		size_t plen;
		tnu_gen_msg(&m, 2, 3, CLUSTER, seq, 40);
		encode_one(&m, &f);
		p = f.buf + 5;
		plen = f.len - 5;
		for (size_t cut = 0; cut < plen; cut++) {
			/* a copy of exactly cut bytes: ASan sees any overread */
			uint8_t *q = malloc(cut ? cut : 1);
			memcpy(q, p, cut);
			err[0] = '\0';
			assert_int_equal(net_decode_msg(q, cut, &d, err), GAIA_EINVAL);
			assert_true(err[0] != '\0');
			assert_zeroed(&d);
			free(q);
		}
		uint8_t *q = malloc(plen + 1);
		memcpy(q, p, plen);
		q[plen] = 0;
		assert_int_equal(net_decode_msg(q, plen + 1, &d, err), GAIA_EINVAL);
		assert_zeroed(&d);
		free(q);
		raft_message_release(&m);
	}
	free(f.buf);
}

/* Flipped bytes decode to a message or to EINVAL, never anything worse. */
static void test_flipped_bytes(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x10 };
	struct frame f = { 0 };
	char err[GAIA_ERRMSG_SIZE];
	size_t ok = 0, bad = 0;
	(void)state;

	for (uint64_t seq = 0; seq < 44; seq++) {
		struct raft_message m, d;
		tnu_gen_msg(&m, 2, 3, CLUSTER, seq, 40);
		encode_one(&m, &f);
		size_t plen = f.len - 5;
		uint8_t *q = malloc(plen);
		for (size_t i = 0; i < plen; i++) {
			for (size_t k = 0; k < sizeof masks; k++) {
				memcpy(q, f.buf + 5, plen);
				q[i] ^= masks[k];
				int rc = net_decode_msg(q, plen, &d, err);
				assert_true(rc == GAIA_OK || rc == GAIA_EINVAL);
				if (rc == GAIA_OK) {
					ok++;
					raft_message_release(&d);
				} else {
					bad++;
					assert_zeroed(&d);
				}
			}
		}
		free(q);
		raft_message_release(&m);
	}
	assert_true(ok > 0 && bad > 0);
	free(f.buf);
}

/* The fixed part of a message: type, flags and 18 u64 fields. */
#define FIXED (2 + 8 * 18)

static int decode_raw(const uint8_t *p, size_t len)
{
	struct raft_message d;
	char err[GAIA_ERRMSG_SIZE];
	int rc = net_decode_msg(p, len, &d, err);
	raft_message_release(&d);
	return rc;
}

static void test_hostile_counts(void **state)
{
	uint8_t b[FIXED + 64];
	(void)state;

	memset(b, 0, sizeof b);
	/* unknown types and flags */
	b[0] = 0;
	assert_int_equal(decode_raw(b, FIXED), GAIA_EINVAL);
	b[0] = RAFT_MSG_TYPE_COUNT;
	assert_int_equal(decode_raw(b, FIXED), GAIA_EINVAL);
	b[0] = 255;
	assert_int_equal(decode_raw(b, FIXED), GAIA_EINVAL);
	b[0] = RAFT_MSG_HEARTBEAT;
	assert_int_equal(decode_raw(b, FIXED), GAIA_OK);
	b[1] = 0x08;
	assert_int_equal(decode_raw(b, FIXED), GAIA_EINVAL);
	b[1] = 0;

	/* APPEND claiming 4 billion entries in 21 bytes */
	b[0] = RAFT_MSG_APPEND;
	put_le32(b + FIXED, 0xffffffffu);
	assert_int_equal(decode_raw(b, FIXED + 4 + 21), GAIA_EINVAL);
	/* one entry whose payload claims more than is left */
	put_le32(b + FIXED, 1);
	b[FIXED + 4 + 16] = RAFT_ENTRY_NORMAL;
	put_le32(b + FIXED + 4 + 17, 0xfffffff0u);
	assert_int_equal(decode_raw(b, FIXED + 4 + 21 + 8), GAIA_EINVAL);
	put_le32(b + FIXED + 4 + 17, 8);
	assert_int_equal(decode_raw(b, FIXED + 4 + 21 + 8), GAIA_OK);
	/* unknown entry types */
	b[FIXED + 4 + 16] = 0;
	assert_int_equal(decode_raw(b, FIXED + 4 + 21 + 8), GAIA_EINVAL);
	b[FIXED + 4 + 16] = 4;
	assert_int_equal(decode_raw(b, FIXED + 4 + 21 + 8), GAIA_EINVAL);

	/* SNAPSHOT: too many servers or removed ids, bad role, huge chunk */
	memset(b + FIXED, 0, sizeof b - FIXED);
	b[0] = RAFT_MSG_SNAPSHOT;
	assert_int_equal(decode_raw(b, FIXED + 12), GAIA_OK);
	put_le32(b + FIXED, RAFT_MAX_SERVERS + 1);
	assert_int_equal(decode_raw(b, sizeof b), GAIA_EINVAL);
	put_le32(b + FIXED, 0xffffffffu);
	assert_int_equal(decode_raw(b, sizeof b), GAIA_EINVAL);
	put_le32(b + FIXED, 1);
	b[FIXED + 4 + 8] = 3; /* role */
	assert_int_equal(decode_raw(b, FIXED + 4 + 9 + 8), GAIA_EINVAL);
	b[FIXED + 4 + 8] = RAFT_LEARNER;
	assert_int_equal(decode_raw(b, FIXED + 4 + 9 + 8), GAIA_OK);
	put_le32(b + FIXED + 13, RAFT_MAX_REMOVED + 1);
	assert_int_equal(decode_raw(b, sizeof b), GAIA_EINVAL);
	put_le32(b + FIXED + 13, 0);
	put_le32(b + FIXED + 17, 0x7fffffffu); /* chunk length */
	assert_int_equal(decode_raw(b, FIXED + 4 + 9 + 8 + 10), GAIA_EINVAL);
}

static void test_random_bytes(void **state)
{
	uint8_t b[512];
	struct frame f = { 0 };
	uint64_t x = 42;
	size_t ok = 0;
	(void)state;

	/* pure noise, with the first byte often a valid type */
	for (int it = 0; it < 100000; it++) {
		size_t len = (size_t)(tnu_mix(x++) % sizeof b);
		for (size_t i = 0; i < len; i += 8) {
			uint64_t v = tnu_mix(x++);
			memcpy(b + i, &v, len - i < 8 ? len - i : 8);
		}
		if (len > 1 && (it & 1)) {
			b[0] = (uint8_t)(1 + it % 11);
			b[1] &= 7;
		}
		uint8_t *q = malloc(len ? len : 1);
		memcpy(q, b, len);
		int rc = decode_raw(q, len);
		assert_true(rc == GAIA_OK || rc == GAIA_EINVAL);
		ok += rc == GAIA_OK;
		free(q);
	}
	/* valid messages with a few random bytes overwritten and a random cut */
	for (int it = 0; it < 20000; it++) {
		struct raft_message m;
		tnu_gen_msg(&m, 1, 2, CLUSTER, (uint64_t)it, 300);
		encode_one(&m, &f);
		size_t plen = f.len - 5, len = plen;
		uint8_t *q = malloc(plen);
		memcpy(q, f.buf + 5, plen);
		for (int k = 0; k < 3; k++) {
			uint64_t v = tnu_mix(x++);
			q[v % plen] = (uint8_t)(v >> 32);
		}
		if (it % 3 == 0)
			len = (size_t)(tnu_mix(x++) % (plen + 1));
		int rc = decode_raw(q, len);
		assert_true(rc == GAIA_OK || rc == GAIA_EINVAL);
		ok += rc == GAIA_OK;
		free(q);
		raft_message_release(&m);
	}
	assert_true(ok > 0);
	free(f.buf);
}

static void test_encode_errors(void **state)
{
	struct frame f = { 0 };
	struct raft_message m;
	struct raft_entry e;
	(void)state;

	memset(&m, 0, sizeof m);
	assert_int_equal(net_encode_msg(&m, &f.buf, &f.len, &f.cap), GAIA_EINVAL);
	m.type = RAFT_MSG_TYPE_COUNT;
	assert_int_equal(net_encode_msg(&m, &f.buf, &f.len, &f.cap), GAIA_EINVAL);
	m.type = RAFT_MSG_SNAPSHOT;
	m.snap.conf.n = RAFT_MAX_SERVERS + 1;
	assert_int_equal(net_encode_msg(&m, &f.buf, &f.len, &f.cap), GAIA_EINVAL);
	assert_int_equal(f.len, 0);

	/* a frame above NET_MAX_FRAME is refused and leaves the buffer as it
	 * was, earlier frames intact */
	memset(&m, 0, sizeof m);
	m.type = RAFT_MSG_HEARTBEAT;
	assert_int_equal(net_encode_msg(&m, &f.buf, &f.len, &f.cap), GAIA_OK);
	size_t one = f.len;
	m.type = RAFT_MSG_APPEND;
	e = (struct raft_entry){ 1, 1, RAFT_ENTRY_NORMAL,
				 raft_buf_new(NULL, NET_MAX_FRAME) };
	assert_non_null(e.buf);
	m.entries = &e;
	m.n_entries = 1;
	assert_int_equal(net_encode_msg(&m, &f.buf, &f.len, &f.cap), GAIA_ETOOBIG);
	assert_int_equal(f.len, one);
	assert_true(f.cap < NET_MAX_FRAME);
	raft_buf_unref(e.buf);
	free(f.buf);
}

static void make_hello(struct net_hello *h)
{
	memset(h, 0, sizeof *h);
	h->version = NET_PROTOCOL_VERSION;
	h->cluster_id = CLUSTER;
	h->id = 0x123456789abcull;
	strcpy(h->name, "node-7");
	strcpy(h->raft_addr, "[::1]:8300");
	strcpy(h->api_addr, "127.0.0.7:8080");
	h->conf_term = 7;
	h->conf_index = 0x1122334455ull;
}

static void test_hello(void **state)
{
	struct frame f = { 0 };
	struct net_hello h, d;
	char err[GAIA_ERRMSG_SIZE];
	(void)state;

	make_hello(&h);
	assert_int_equal(net_encode_hello(&h, &f.buf, &f.len, &f.cap), GAIA_OK);
	assert_int_equal(f.buf[4], NET_FRAME_HELLO);
	assert_int_equal(le32(f.buf), f.len - 4);
	assert_memory_equal(f.buf + 5, "GAIA", 4);
	uint8_t *p = f.buf + 5;
	size_t plen = f.len - 5;
	assert_int_equal(net_decode_hello(p, plen, &d, err), GAIA_OK);
	assert_memory_equal(&h, &d, sizeof h);

	for (size_t cut = 0; cut < plen - 16; cut++) {
		uint8_t *q = malloc(cut ? cut : 1);
		memcpy(q, p, cut);
		assert_int_equal(net_decode_hello(q, cut, &d, err), GAIA_EINVAL);
		free(q);
	}
	/* an older hello, without the configuration's position: 0, 0 */
	assert_int_equal(net_decode_hello(p, plen - 16, &d, err), GAIA_OK);
	assert_string_equal(d.api_addr, h.api_addr);
	assert_int_equal(d.conf_term, 0);
	assert_int_equal(d.conf_index, 0);
	/* a later version may say more: trailing bytes are fine */
	uint8_t *q = malloc(plen + 3);
	memcpy(q, p, plen);
	memset(q + plen, 0xee, 3);
	assert_int_equal(net_decode_hello(q, plen + 3, &d, err), GAIA_OK);
	/* bad magic */
	q[0] ^= 1;
	assert_int_equal(net_decode_hello(q, plen, &d, err), GAIA_EINVAL);
	assert_non_null(strstr(err, "magic"));
	q[0] ^= 1;
	/* a control character in the name (after magic, version, ids, len) */
	q[4 + 4 + 8 + 8 + 2] = '\n';
	assert_int_equal(net_decode_hello(q, plen, &d, err), GAIA_EINVAL);
	/* a name length beyond NET_NAME_MAX */
	memcpy(q, p, plen);
	q[4 + 4 + 8 + 8] = NET_NAME_MAX;
	assert_int_equal(net_decode_hello(q, plen, &d, err), GAIA_EINVAL);
	free(q);
	for (size_t i = 0; i < plen; i++) {
		q = malloc(plen);
		memcpy(q, p, plen);
		q[i] ^= 0xff;
		int rc = net_decode_hello(q, plen, &d, err);
		assert_true(rc == GAIA_OK || rc == GAIA_EINVAL);
		free(q);
	}

	/* a name that fills its array has no NUL: refused */
	memset(h.name, 'x', sizeof h.name);
	f.len = 0;
	assert_int_equal(net_encode_hello(&h, &f.buf, &f.len, &f.cap), GAIA_EINVAL);
	assert_int_equal(f.len, 0);
	free(f.buf);
}

static void test_refuse(void **state)
{
	struct frame f = { 0 };
	char err[GAIA_ERRMSG_SIZE], reason[NET_REASON_MAX], small[8];
	char long_reason[1000];
	(void)state;

	assert_int_equal(net_encode_refuse("cluster id 0x1 differs from ours 0x2",
					   &f.buf, &f.len, &f.cap), GAIA_OK);
	assert_int_equal(f.buf[4], NET_FRAME_REFUSE);
	assert_int_equal(net_decode_refuse(f.buf + 5, f.len - 5, reason,
					   sizeof reason, err), GAIA_OK);
	assert_string_equal(reason, "cluster id 0x1 differs from ours 0x2");
	assert_int_equal(net_decode_refuse(f.buf + 5, f.len - 5, small,
					   sizeof small, err), GAIA_OK);
	assert_string_equal(small, "cluster");
	for (size_t cut = 0; cut < f.len - 5; cut++)
		assert_int_equal(net_decode_refuse(f.buf + 5, cut, reason,
						   sizeof reason, err), GAIA_EINVAL);

	/* unprintable bytes arrive as '?' */
	uint8_t raw[] = { 3, 0, 'a', '\n', 0x90 };
	assert_int_equal(net_decode_refuse(raw, sizeof raw, reason, sizeof reason,
					   err), GAIA_OK);
	assert_string_equal(reason, "a??");

	/* a long reason is cut to fit */
	memset(long_reason, 'r', sizeof long_reason - 1);
	long_reason[sizeof long_reason - 1] = '\0';
	f.len = 0;
	assert_int_equal(net_encode_refuse(long_reason, &f.buf, &f.len, &f.cap),
			 GAIA_OK);
	assert_int_equal(net_decode_refuse(f.buf + 5, f.len - 5, reason,
					   sizeof reason, err), GAIA_OK);
	assert_int_equal(strlen(reason), NET_REASON_MAX - 1);
	free(f.buf);
}

static void test_parse_addr(void **state)
{
	struct sockaddr_storage ss;
	char err[GAIA_ERRMSG_SIZE];
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
	static const char *bad[] = {
		"", "127.0.0.1", "127.0.0.1:", ":8300", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:80x", "::1:80", "[::1]80", "[::1",
		"127.0.0.1:+80", "127.0.0.1:0000080",
	};
	(void)state;

	assert_int_equal(net_parse_addr("127.0.0.2:8300", &ss, err), GAIA_OK);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(in4->sin_port), 8300);
	assert_int_equal(ntohl(in4->sin_addr.s_addr), 0x7f000002);
	assert_int_equal(net_parse_addr("0.0.0.0:0", &ss, err), GAIA_OK);
	assert_int_equal(net_parse_addr("[::1]:65535", &ss, err), GAIA_OK);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 65535);
	assert_int_equal(net_parse_addr("localhost:80", &ss, err), GAIA_OK);
	assert_int_equal(net_parse_addr("no-such-host.invalid:80", &ss, err),
			 GAIA_ENOTFOUND);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(net_parse_addr(bad[i], &ss, err), GAIA_EINVAL);
		assert_true(err[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_roundtrip_edges),
		cmocka_unit_test(test_frames_append),
		cmocka_unit_test(test_truncation_every_length),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_hostile_counts),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_parse_addr),
	};
	return cmocka_run_group_tests_name("net_codec", tests, NULL, NULL);
}
