/* Unit tests of the config value parsers: durations, sizes, booleans and host:port addresses, with their edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gaia.h"
#include "config/config.h"

static uint64_t dur(const char *s)
{
	uint64_t ms = 12345;
	assert_int_equal(config_parse_duration_ms(s, &ms), GAIA_OK);
	return ms;
}

static void test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(dur("150ms"), 150);
	assert_int_equal(dur("5s"), 5000);
	assert_int_equal(dur("2m"), 120000);
	assert_int_equal(dur("1h"), 3600000);
	assert_int_equal(dur("7d"), 7 * 86400000ULL);
	assert_int_equal(dur("0ms"), 0);
	assert_int_equal(dur("007s"), 7000);
	/* the largest value that fits, and one past it */
	assert_int_equal(dur("18446744073709551615ms"), UINT64_MAX);
}

static void test_duration_errors(void **state)
{
	static const char *const bad[] = {
		"", "5", "0", "3x", "5S", "5 s", " 5s", "5s ", "-5s", "+5s", "1.5s", "s", "ms",
		"5sec", "5msx", "1h30m", "0x10s", "5s\n",
	};
	uint64_t ms = 42;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (config_parse_duration_ms(bad[i], &ms) != GAIA_EINVAL)
			fail_msg("'%s' was accepted as a duration", bad[i]);
	}
	assert_int_equal(ms, 42); /* untouched on error */
	assert_int_equal(config_parse_duration_ms(NULL, &ms), GAIA_EINVAL);
	/* overflow: of the number itself, and of the number times the unit */
	assert_int_equal(config_parse_duration_ms("18446744073709551616ms", &ms), GAIA_ETOOBIG);
	assert_int_equal(config_parse_duration_ms("99999999999999999999999s", &ms), GAIA_ETOOBIG);
	assert_int_equal(config_parse_duration_ms("18446744073709552s", &ms), GAIA_ETOOBIG);
	assert_int_equal(config_parse_duration_ms("213503982335d", &ms), GAIA_ETOOBIG);
	assert_int_equal(ms, 42);
}

static uint64_t size(const char *s)
{
	uint64_t b = 12345;
	assert_int_equal(config_parse_size(s, &b), GAIA_OK);
	return b;
}

static void test_size_units(void **state)
{
	(void)state;
	assert_int_equal(size("123"), 123);
	assert_int_equal(size("0"), 0);
	assert_int_equal(size("10B"), 10);
	assert_int_equal(size("512KB"), 512 * 1024);
	assert_int_equal(size("512KiB"), 512 * 1024);
	assert_int_equal(size("512k"), 512 * 1024);
	assert_int_equal(size("10MiB"), 10 * 1024 * 1024);
	assert_int_equal(size("10mb"), 10 * 1024 * 1024);
	assert_int_equal(size("1GB"), 1024ULL * 1024 * 1024);
	assert_int_equal(size("1gib"), 1024ULL * 1024 * 1024);
	assert_int_equal(size("2T"), 2ULL << 40);
	assert_int_equal(size("16777215TB"), 16777215ULL << 40);
	assert_int_equal(size("18446744073709551615"), UINT64_MAX);
}

static void test_size_errors(void **state)
{
	static const char *const bad[] = {
		"", "KB", "-1", "+1", "1.5GB", "1 GB", " 1GB", "1GB ", "12XB", "1PB", "1KBB",
		"1iB", "0x10", "1e3",
	};
	uint64_t b = 42;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (config_parse_size(bad[i], &b) != GAIA_EINVAL)
			fail_msg("'%s' was accepted as a size", bad[i]);
	}
	assert_int_equal(config_parse_size(NULL, &b), GAIA_EINVAL);
	assert_int_equal(config_parse_size("18446744073709551616", &b), GAIA_ETOOBIG);
	assert_int_equal(config_parse_size("16777216TB", &b), GAIA_ETOOBIG);
	assert_int_equal(config_parse_size("17179869184GB", &b), GAIA_ETOOBIG);
	assert_int_equal(b, 42);
}

static void test_bool(void **state)
{
	static const char *const yes[] = {"true", "TRUE", "True", "yes", "YES", "1"};
	static const char *const no[] = {"false", "FALSE", "no", "No", "0"};
	static const char *const bad[] = {"", "2", "on", "off", "y", "n", "truee", " true",
					  "-1", "01"};
	bool b;
	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		b = false;
		assert_int_equal(config_parse_bool(yes[i], &b), GAIA_OK);
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		b = true;
		assert_int_equal(config_parse_bool(no[i], &b), GAIA_OK);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (config_parse_bool(bad[i], &b) != GAIA_EINVAL)
			fail_msg("'%s' was accepted as a boolean", bad[i]);
	assert_int_equal(config_parse_bool(NULL, &b), GAIA_EINVAL);
}

static void test_addr(void **state)
{
	char host[64];
	uint16_t port = 0;
	(void)state;

	assert_int_equal(config_parse_addr("node-1.example.com:8300", host, sizeof host, &port),
			 GAIA_OK);
	assert_string_equal(host, "node-1.example.com");
	assert_int_equal(port, 8300);
	assert_int_equal(config_parse_addr("127.0.0.2:1", host, sizeof host, &port), GAIA_OK);
	assert_string_equal(host, "127.0.0.2");
	assert_int_equal(port, 1);
	assert_int_equal(config_parse_addr("[::1]:65535", host, sizeof host, &port), GAIA_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 65535);
	assert_int_equal(config_parse_addr("[fe80::1:2]:80", host, sizeof host, &port), GAIA_OK);
	assert_string_equal(host, "fe80::1:2");
	assert_int_equal(config_parse_addr("0.0.0.0:8080", NULL, 0, NULL), GAIA_OK);
}

static void test_addr_errors(void **state)
{
	static const char *const bad[] = {
		"", "host", "host:", ":8300", "host:0", "host:65536", "host:99999999999999999999",
		"host:-1", "host:+80", "host:80x", "host: 80", "::1:8300", "[::1]", "[::1]8300",
		"[::1:8300", "[nothost]:80", "[]:80", "ho st:80", "host/x:80", "-host:80",
		"http://host:80",
	};
	char host[8];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (config_parse_addr(bad[i], NULL, 0, NULL) != GAIA_EINVAL)
			fail_msg("'%s' was accepted as an address", bad[i]);
	/* a host that does not fit the caller's buffer */
	assert_int_equal(config_parse_addr("averylonghost:80", host, sizeof host, NULL),
			 GAIA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_errors),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_addr_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
