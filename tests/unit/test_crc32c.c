/* Unit tests of CRC-32C against published check values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/crc32c.h"

static void test_check_value(void **state)
{
	(void)state;
	/* RFC 3720 B.4 / the standard "123456789" check value */
	assert_int_equal(crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c("", 0), 0);
}

static void test_rfc3720_vectors(void **state)
{
	uint8_t buf[32];
	(void)state;
	memset(buf, 0, sizeof buf);
	assert_int_equal(crc32c(buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof buf);
	assert_int_equal(crc32c(buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc32c(buf, 32), 0x46dd794eu);
}

static void test_incremental_equals_whole(void **state)
{
	uint8_t buf[1000];
	(void)state;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t whole = crc32c(buf, sizeof buf);
	for (size_t cut = 0; cut <= sizeof buf; cut += 37) {
		uint32_t c = crc32c_update(0, buf, cut);
		c = crc32c_update(c, buf + cut, sizeof buf - cut);
		assert_int_equal(c, whole);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_rfc3720_vectors),
		cmocka_unit_test(test_incremental_equals_whole),
	};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
