/* Unit tests of libgaia/cli: option tables (every type, bounds, every
 * usage error and its message), --help and --version, messages, tables
 * and the --json document. Output goes to memory streams. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cli.h"

/* captured output of the last call */
static char *out_buf, *err_buf;
static size_t out_len, err_len;
static FILE *out_f, *err_f;

static int setup(void **state)
{
	(void)state;
	out_f = open_memstream(&out_buf, &out_len);
	err_f = open_memstream(&err_buf, &err_len);
	cli_set_streams(out_f, err_f);
	cli_init("/usr/bin/gaia-test");
	return out_f && err_f ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cli_set_streams(NULL, NULL);
	fclose(out_f);
	fclose(err_f);
	free(out_buf);
	free(err_buf);
	return 0;
}

/* flush and reset the captures: returns what was written since */
static const char *out_text(void)
{
	fflush(out_f);
	return out_buf;
}

static const char *err_text(void)
{
	fflush(err_f);
	return err_buf;
}

static void reset_captures(void)
{
	teardown(NULL);
	setup(NULL);
}

struct opts {
	bool json, force;
	const char *addr;
	uint64_t clients, timeout, size;
	double ratio;
	int op;
};

static const char *const op_names[] = {"put", "get", "cas", NULL};

static int parse(struct opts *o, int argc, char **argv, int *first)
{
	const struct cli_option table[] = {
		CLI_OPT_ADDR(&o->addr),
		CLI_OPT_JSON(&o->json),
		CLI_OPT_TIMEOUT(&o->timeout),
		{.name = "force", .type = CLI_FLAG, .dest = &o->force, .help = "do it anyway"},
		{.name = "clients", .key = 'c', .type = CLI_UINT, .dest = &o->clients, .help = "clients",
		 .min = 1, .max = 64},
		{.name = "value-size", .type = CLI_SIZE, .dest = &o->size, .help = "bytes"},
		{.name = "read-ratio", .type = CLI_DOUBLE, .dest = &o->ratio, .arg = "R",
		 .help = "share of reads", .min = 0, .max = 1},
		{.name = "op", .key = 'o', .type = CLI_CHOICE, .dest = &o->op, .choices = op_names,
		 .help = "what to do"},
		{0},
	};
	const struct cli_spec spec = {.usage = "[OPTIONS] KEY...", .summary = "Test the options.",
				      .options = table, .epilog = "Exit status: 0, 1 or 2."};

	return cli_parse(&spec, argc, argv, first);
}

#define ARGV(...) ((char *[]){"gaia-test", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"gaia-test", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, first, ...) parse((o), ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (first))

static void test_every_type(void **state)
{
	struct opts o = {.clients = 8};
	int first = -1;
	char **argv = ARGV("-j", "k1", "--addr", "10.0.0.1:80", "-c4", "--timeout=1500ms",
			   "--value-size", "2KiB", "--read-ratio", "0.25", "-o", "cas", "k2", "--force");
	(void)state;

	assert_int_equal(parse(&o, 15, argv, &first), CLI_PARSED);
	assert_true(o.json);
	assert_true(o.force);
	assert_string_equal(o.addr, "10.0.0.1:80");
	assert_int_equal(o.clients, 4);
	assert_int_equal(o.timeout, 1500);
	assert_int_equal(o.size, 2048);
	assert_true(o.ratio == 0.25);
	assert_int_equal(o.op, 2);
	/* operands come last, in order */
	assert_int_equal(first, 13);
	assert_string_equal(argv[13], "k1");
	assert_string_equal(argv[14], "k2");
	assert_string_equal(err_text(), "");

	/* untouched when absent; a second parse starts over */
	o = (struct opts){.clients = 8};
	assert_int_equal(PARSE(&o, &first, "-jc", "2"), CLI_PARSED);
	assert_true(o.json);
	assert_int_equal(o.clients, 2);
	assert_null(o.addr);
	assert_int_equal(first, 3);
	assert_int_equal(PARSE(&o, &first, "--"), CLI_PARSED);
	assert_int_equal(first, 2);
}

static void expect_usage(const char *want_first_line, int rc)
{
	char want[512];

	assert_int_equal(rc, CLI_EXIT_USAGE);
	snprintf(want, sizeof want,
		 "gaia-test: %s\nTry 'gaia-test --help' for more information.\n", want_first_line);
	assert_string_equal(err_text(), want);
	assert_string_equal(out_text(), "");
	reset_captures();
}

static void test_usage_errors(void **state)
{
	struct opts o = {.clients = 8};
	(void)state;

	expect_usage("unknown option '--nope'", PARSE(&o, NULL, "--nope"));
	expect_usage("unknown option '--nope'", PARSE(&o, NULL, "--nope=3"));
	expect_usage("unknown option '-x'", PARSE(&o, NULL, "-x"));
	expect_usage("unknown option '-x'", PARSE(&o, NULL, "-jx"));
	expect_usage("option '--clients' needs an argument", PARSE(&o, NULL, "--clients"));
	expect_usage("option '-c' needs an argument", PARSE(&o, NULL, "-c"));
	expect_usage("option '--json' takes no argument", PARSE(&o, NULL, "--json=yes"));
	expect_usage("--clients: 'many' is not a whole number", PARSE(&o, NULL, "-c", "many"));
	expect_usage("--clients: '-1' is not a whole number", PARSE(&o, NULL, "-c", "-1"));
	expect_usage("--clients: '4x' is not a whole number", PARSE(&o, NULL, "--clients=4x"));
	expect_usage("--clients: '0' is below the minimum 1", PARSE(&o, NULL, "-c", "0"));
	expect_usage("--clients: '65' is above the maximum 64", PARSE(&o, NULL, "-c", "65"));
	expect_usage("--clients: '99999999999999999999999' is not a whole number",
		     PARSE(&o, NULL, "-c", "99999999999999999999999"));
	expect_usage("--timeout: '3x' is not a duration (use 150ms, 5s, 2m, 1h or 7d)",
		     PARSE(&o, NULL, "--timeout", "3x"));
	expect_usage("--timeout: '0s' is below the minimum 1ms", PARSE(&o, NULL, "-t", "0s"));
	expect_usage("--value-size: 'big' is not a size (use 100, 512KB, 1MiB or 1GB)",
		     PARSE(&o, NULL, "--value-size", "big"));
	expect_usage("--read-ratio: 'half' is not a number", PARSE(&o, NULL, "--read-ratio", "half"));
	expect_usage("--read-ratio: '1.5' is above the maximum 1", PARSE(&o, NULL, "--read-ratio", "1.5"));
	expect_usage("--read-ratio: 'nan' is not a number", PARSE(&o, NULL, "--read-ratio", "nan"));
	expect_usage("--op: 'delete' is not one of put, get, cas", PARSE(&o, NULL, "-o", "delete"));
	/* a value that failed is not stored */
	assert_int_equal(o.clients, 8);
	assert_int_equal(o.op, 0);
}

static void test_help_and_version(void **state)
{
	struct opts o = {0};
	const char *help;
	(void)state;

	assert_int_equal(PARSE(&o, NULL, "-c", "3", "--help", "--nope"), CLI_EXIT_OK);
	help = out_text();
	assert_string_equal(err_text(), "");
	assert_non_null(strstr(help, "Usage: gaia-test [OPTIONS] KEY...\nTest the options.\n\nOptions:\n"));
	assert_non_null(strstr(help, "\n  -a, --addr HOST:PORT          node to talk to over TCP"));
	assert_non_null(strstr(help, "\n      --force                   do it anyway\n"));
	assert_non_null(strstr(help, "\n  -t, --timeout DURATION        time allowed"));
	assert_non_null(strstr(help, "\n      --value-size SIZE         bytes\n"));
	assert_non_null(strstr(help, "\n  -o, --op put|get|cas          what to do\n"));
	assert_non_null(strstr(help, "\n  -h, --help                    show this help and exit\n"));
	assert_non_null(strstr(help, "\n      --version                 show the version and exit\n"));
	assert_non_null(strstr(help, "\n\nExit status: 0, 1 or 2.\n"));
	reset_captures();

	assert_int_equal(PARSE(&o, NULL, "-h"), CLI_EXIT_OK);
	assert_non_null(strstr(out_text(), "Usage: gaia-test"));
	reset_captures();

	assert_int_equal(PARSE(&o, NULL, "--version"), CLI_EXIT_OK);
	assert_string_equal(out_text(), "gaia-test " PACKAGE_VERSION "\n");
	reset_captures();
}

static void test_messages(void **state)
{
	(void)state;

	assert_string_equal(cli_progname(), "gaia-test");
	cli_errorf("cannot reach %s: %s", "127.0.0.2:8080", "Connection refused");
	cli_warnf("%d of %d failed", 2, 10);
	assert_string_equal(err_text(), "gaia-test: cannot reach 127.0.0.2:8080: Connection refused\n"
					"gaia-test: warning: 2 of 10 failed\n");
	reset_captures();
	assert_int_equal(cli_usage_errorf("expected a KEY"), CLI_EXIT_USAGE);
	assert_string_equal(err_text(), "gaia-test: expected a KEY\n"
					"Try 'gaia-test --help' for more information.\n");
	reset_captures();
	cli_init("gaiactl");
	assert_string_equal(cli_progname(), "gaiactl");
	cli_init("");
	assert_string_equal(cli_progname(), "gaiactl");
	cli_init("/usr/bin/gaia-test");
}

static void test_table(void **state)
{
	static const char *const head[] = {"ID", "STATE", "LAG", "NOTE"};
	struct cli_table *t;
	(void)state;

	assert_int_equal(cli_table_new(&t, 4, head), GAIA_OK);
	cli_table_align_right(t, 2);
	cli_table_cellf(t, "%s", "node-1");
	cli_table_cellf(t, "%s", "leader");
	cli_table_cellf(t, "%d", 0);
	cli_table_cellf(t, "%s", "");
	cli_table_cellf(t, "%s", "node-10");
	cli_table_cellf(t, "%s", "d\xc3\xa9graded"); /* 8 characters, 9 bytes */
	cli_table_cellf(t, "%d", 1234);
	cli_table_cellf(t, "%s", "slow disk");
	cli_table_cellf(t, "%s", "n3"); /* an unfinished row */
	assert_int_equal(cli_table_print(t, out_f), GAIA_OK);
	assert_string_equal(out_text(),
			    "ID       STATE      LAG  NOTE\n"
			    "node-1   leader       0\n"
			    "node-10  d\xc3\xa9graded  1234  slow disk\n"
			    "n3\n");
	cli_table_free(t);
	reset_captures();

	assert_int_equal(cli_table_new(&t, 0, NULL), GAIA_EINVAL);
	assert_null(t);
	assert_int_equal(cli_table_new(&t, 2, NULL), GAIA_OK);
	assert_int_equal(cli_table_print(t, out_f), GAIA_OK);
	assert_string_equal(out_text(), "\n");
	cli_table_free(t);
	cli_table_free(NULL);
	reset_captures();
}

static void test_json(void **state)
{
	json_t *doc = json_pack("{s:s, s:f, s:[i, i], s:n}", "leader", "node-1", "ops_per_s",
				1234.5678901234567, "ids", 1, 2, "none");
	(void)state;

	assert_int_equal(cli_json_print(doc, out_f), GAIA_OK);
	assert_string_equal(out_text(), "{\n"
					"  \"leader\": \"node-1\",\n"
					"  \"ops_per_s\": 1234.56789,\n"
					"  \"ids\": [\n"
					"    1,\n"
					"    2\n"
					"  ],\n"
					"  \"none\": null\n"
					"}\n");
	json_decref(doc);
	reset_captures();
	assert_int_equal(cli_json_print(NULL, out_f), GAIA_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
