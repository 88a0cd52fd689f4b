/* Unit tests of the command encoding: round trips, and every kind of bad input refused without overreading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gaia.h"
#include "kv/kv.h"

static void roundtrip(const struct kv_cmd *c)
{
	uint8_t buf[2048];
	size_t len;
	struct kv_cmd d;
	char err[GAIA_ERRMSG_SIZE];

	assert_int_equal(kv_cmd_encode(c, NULL, buf, sizeof buf, &len, err), GAIA_OK);
	assert_int_equal(len, kv_cmd_encoded_size(c));
	assert_int_equal(kv_cmd_decode(buf, len, &d, err), GAIA_OK);
	assert_int_equal(d.op, c->op);
	assert_int_equal(d.has_cas, c->has_cas);
	if (c->has_cas)
		assert_int_equal(d.cas, c->cas);
	assert_int_equal(d.key_len, c->key_len);
	assert_memory_equal(d.key, c->key, c->key_len);
	if (c->op == KV_OP_PUT) {
		assert_int_equal(d.value_len, c->value_len);
		if (c->value_len > 0)
			assert_memory_equal(d.value, c->value, c->value_len);
	} else {
		assert_int_equal(d.value_len, 0);
	}
	/* every strict prefix is refused */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(kv_cmd_decode(buf, cut, &d, err), GAIA_EINVAL);
	/* and so is any trailing byte */
	buf[len] = 0;
	assert_int_equal(kv_cmd_decode(buf, len + 1, &d, err), GAIA_EINVAL);
}

static void test_roundtrips(void **state)
{
	uint8_t key[1024], val[1500];
	const uint64_t cases[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, (uint64_t)1 << 56,
				  UINT64_MAX};
	(void)state;
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 13);
	for (size_t i = 0; i < sizeof val; i++)
		val[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct kv_cmd c = {KV_OP_PUT, true, cases[i], key, 1 + i * 100, val, i * 150};
		roundtrip(&c);
		c.op = KV_OP_DELETE;
		c.value_len = 0;
		roundtrip(&c);
		c.has_cas = false;
		roundtrip(&c);
		c.op = KV_OP_PUT;
		c.value_len = 0;
		roundtrip(&c);
	}
	struct kv_cmd c = {KV_OP_PUT, false, 0, key, sizeof key, val, 128};
	roundtrip(&c);
}

static void test_compact(void **state)
{
	struct kv_cmd c = {KV_OP_PUT, false, 0, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1};
	(void)state;
	/* op, len, k, len, v */
	assert_int_equal(kv_cmd_encoded_size(&c), 5);
	c.has_cas = true;
	c.cas = 100;
	assert_int_equal(kv_cmd_encoded_size(&c), 6);
}

static void test_encode_refuses(void **state)
{
	uint8_t buf[64];
	size_t len = 12345;
	char err[GAIA_ERRMSG_SIZE];
	struct kv_cmd c = {KV_OP_PUT, false, 0, (const uint8_t *)"key", 3, (const uint8_t *)"v", 1};
	(void)state;

	assert_int_equal(kv_cmd_encode(&c, NULL, buf, 4, &len, err), GAIA_ETOOBIG);
	assert_int_equal(len, 12345);
	c.op = (enum kv_op)9;
	assert_int_equal(kv_cmd_encode(&c, NULL, buf, sizeof buf, &len, err), GAIA_EINVAL);
	c.op = KV_OP_PUT;
	c.key = NULL;
	assert_int_equal(kv_cmd_encode(&c, NULL, buf, sizeof buf, &len, err), GAIA_EINVAL);
}

static void expect_bad(const uint8_t *b, size_t n, const char *needle)
{
	struct kv_cmd d;
	char err[GAIA_ERRMSG_SIZE] = "";
	assert_int_equal(kv_cmd_decode(b, n, &d, err), GAIA_EINVAL);
	if (strstr(err, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err, needle);
}

static void test_decode_refuses(void **state)
{
	(void)state;
	expect_bad(NULL, 0, "empty");
	expect_bad((const uint8_t[]){0x00, 1, 'k'}, 3, "unknown command op");
	expect_bad((const uint8_t[]){0x03, 1, 'k'}, 3, "unknown command op");
	expect_bad((const uint8_t[]){0x41, 1, 'k', 0}, 4, "unknown command op");
	/* key length beyond the buffer, small and huge */
	expect_bad((const uint8_t[]){KV_OP_DELETE, 5, 'k'}, 3, "exceeds");
	expect_bad((const uint8_t[]){KV_OP_DELETE, 0xff, 0xff, 0xff, 0xff, 0x0f, 'k'}, 7, "exceeds");
	expect_bad((const uint8_t[]){KV_OP_DELETE, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0x01},
		   11, "exceeds");
	/* value length beyond the buffer */
	expect_bad((const uint8_t[]){KV_OP_PUT, 1, 'k', 3, 'v'}, 5, "value length");
	/* varint of 11 bytes, and one overflowing 64 bits */
	expect_bad((const uint8_t[]){KV_OP_DELETE, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
				     0x80, 0x80, 0x00},
		   12, "overflows");
	expect_bad((const uint8_t[]){KV_OP_DELETE | 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0xff, 0x02, 1, 'k'},
		   13, "overflows");
	/* non-minimal varint: 1 spelled in two bytes */
	expect_bad((const uint8_t[]){KV_OP_DELETE, 0x81, 0x00, 'k'}, 4, "non-minimal");
	/* delete carries no value: extra bytes */
	expect_bad((const uint8_t[]){KV_OP_DELETE, 1, 'k', 0}, 4, "unexpected bytes");
	/* truncated in the cas */
	expect_bad((const uint8_t[]){KV_OP_PUT | 0x80, 0x80}, 2, "truncated");
}

/* Random bytes: decode never reads outside the buffer (ASan watches), and
 * whatever it accepts re-encodes to the same bytes. */
static void test_decode_random_bytes(void **state)
{
	uint64_t s = 0x12345678;
	uint8_t *buf;
	char err[GAIA_ERRMSG_SIZE];
	const struct kv_limits lim = {UINT32_MAX, UINT32_MAX};
	size_t accepted = 0;
	(void)state;

	for (int iter = 0; iter < 200000; iter++) {
		size_t len;
		struct kv_cmd d;
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		len = s % 24;
		buf = malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			buf[i] = (uint8_t)s;
			/* bias towards plausible ops and short lengths */
			if (i == 0 && (s & 0x100))
				buf[0] = (uint8_t)(1 + (s >> 9) % 2) | (uint8_t)((s >> 11) & 0x80);
			if (i > 0 && (s & 0x200))
				buf[i] &= 0x07;
		}
		if (kv_cmd_decode(buf, len, &d, err) == GAIA_OK) {
			uint8_t out[32];
			size_t olen;
			if (kv_cmd_encode(&d, &lim, out, sizeof out, &olen, err) == GAIA_OK) {
				assert_int_equal(olen, len);
				assert_memory_equal(out, buf, len);
			} else {
				assert_int_equal(d.key_len, 0); /* decode leaves that to apply */
			}
			accepted++;
		}
		free(buf);
	}
	assert_true(accepted > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_decode_random_bytes),
	};
	return cmocka_run_group_tests_name("kv_command", tests, NULL, NULL);
}
