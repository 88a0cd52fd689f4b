/* Option tables over getopt_long: parsing with checked values, --help
 * generated from the table, --version. getopt's own messages are off
 * (opterr = 0) so that every complaint has the same shape. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "config/config.h"

#define CLI_VAL_BASE 256             /* getopt values of long-only options */
#define CLI_HELP_COL 32              /* widest option column in --help */

static size_t cli_count(const struct cli_spec *spec)
{
	size_t n = 0;

	while (spec->options && spec->options[n].name)
		n++;
	return n;
}

static const char *cli_arg_name(const struct cli_option *o, char *buf, size_t size)
{
	size_t len = 0;

	if (o->arg)
		return o->arg;
	switch (o->type) {
	case CLI_FLAG:
		return NULL;
	case CLI_UINT:
		return "N";
	case CLI_DOUBLE:
		return "NUM";
	case CLI_DURATION:
		return "DURATION";
	case CLI_SIZE:
		return "SIZE";
	case CLI_CHOICE:
		buf[0] = '\0';
		for (size_t i = 0; o->choices && o->choices[i] && len < size; i++)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "|" : "",
						o->choices[i]);
		return buf;
	case CLI_STRING:
	default:
		return "VALUE";
	}
}

static void cli_help_line(FILE *f, int key, const char *name, const char *arg, const char *help)
{
	char left[160];
	int n;

	if (key)
		n = snprintf(left, sizeof left, "  -%c, --%s%s%s", key, name, arg ? " " : "",
			     arg ? arg : "");
	else
		n = snprintf(left, sizeof left, "      --%s%s%s", name, arg ? " " : "", arg ? arg : "");
	if (n < CLI_HELP_COL)
		fprintf(f, "%-*s%s\n", CLI_HELP_COL, left, help ? help : "");
	else
		fprintf(f, "%s\n%*s%s\n", left, CLI_HELP_COL, "", help ? help : "");
}

void cli_help(const struct cli_spec *spec, FILE *f)
{
	char buf[256];
	size_t n = cli_count(spec);

	fprintf(f, "Usage: %s %s\n", cli_progname(), spec->usage ? spec->usage : "[OPTIONS]");
	if (spec->summary)
		fprintf(f, "%s\n", spec->summary);
	fprintf(f, "\nOptions:\n");
	for (size_t i = 0; i < n; i++) {
		const struct cli_option *o = &spec->options[i];

		cli_help_line(f, o->key, o->name, cli_arg_name(o, buf, sizeof buf), o->help);
	}
	cli_help_line(f, 'h', "help", NULL, "show this help and exit");
	cli_help_line(f, 0, "version", NULL, "show the version and exit");
	if (spec->epilog)
		fprintf(f, "\n%s%s", spec->epilog,
			spec->epilog[0] && spec->epilog[strlen(spec->epilog) - 1] == '\n' ? "" : "\n");
}

/* --- values --------------------------------------------------------------- */

static int cli_uint(const char *s, uint64_t *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static void cli_bound_text(const struct cli_option *o, double b, char *buf, size_t size)
{
	switch (o->type) {
	case CLI_DURATION:
		snprintf(buf, size, "%.0fms", b);
		break;
	case CLI_SIZE:
		snprintf(buf, size, "%.0f bytes", b);
		break;
	case CLI_DOUBLE:
		snprintf(buf, size, "%g", b);
		break;
	default:
		snprintf(buf, size, "%.0f", b);
		break;
	}
}

static int cli_check_bounds(const struct cli_option *o, const char *s, double v)
{
	char b[64];

	if (o->min == 0 && o->max == 0)
		return CLI_PARSED;
	if (v < o->min) {
		cli_bound_text(o, o->min, b, sizeof b);
		return cli_usage_errorf("--%s: '%s' is below the minimum %s", o->name, s, b);
	}
	if (o->max > o->min && v > o->max) {
		cli_bound_text(o, o->max, b, sizeof b);
		return cli_usage_errorf("--%s: '%s' is above the maximum %s", o->name, s, b);
	}
	return CLI_PARSED;
}

static int cli_set(const struct cli_option *o, const char *s)
{
	uint64_t u;
	double d;
	char *end;
	int rc;

	switch (o->type) {
	case CLI_FLAG:
		*(bool *)o->dest = true;
		return CLI_PARSED;
	case CLI_STRING:
		*(const char **)o->dest = s;
		return CLI_PARSED;
	case CLI_UINT:
		if (cli_uint(s, &u) != 0)
			return cli_usage_errorf("--%s: '%s' is not a whole number", o->name, s);
		if ((rc = cli_check_bounds(o, s, (double)u)) != CLI_PARSED)
			return rc;
		*(uint64_t *)o->dest = u;
		return CLI_PARSED;
	case CLI_DOUBLE:
		errno = 0;
		d = strtod(s, &end);
		if (s[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(d))
			return cli_usage_errorf("--%s: '%s' is not a number", o->name, s);
		if ((rc = cli_check_bounds(o, s, d)) != CLI_PARSED)
			return rc;
		*(double *)o->dest = d;
		return CLI_PARSED;
	case CLI_DURATION:
		if (config_parse_duration_ms(s, &u) != GAIA_OK)
			return cli_usage_errorf("--%s: '%s' is not a duration (use 150ms, 5s, 2m, 1h or 7d)",
						o->name, s);
		if ((rc = cli_check_bounds(o, s, (double)u)) != CLI_PARSED)
			return rc;
		*(uint64_t *)o->dest = u;
		return CLI_PARSED;
	case CLI_SIZE:
		if (config_parse_size(s, &u) != GAIA_OK)
			return cli_usage_errorf("--%s: '%s' is not a size (use 100, 512KB, 1MiB or 1GB)",
						o->name, s);
		if ((rc = cli_check_bounds(o, s, (double)u)) != CLI_PARSED)
			return rc;
		*(uint64_t *)o->dest = u;
		return CLI_PARSED;
	case CLI_CHOICE:
		for (int i = 0; o->choices && o->choices[i]; i++)
			if (strcmp(s, o->choices[i]) == 0) {
				*(int *)o->dest = i;
				return CLI_PARSED;
			}
		{
			char buf[256];
			size_t len = 0;

			buf[0] = '\0';
			for (size_t i = 0; o->choices && o->choices[i] && len < sizeof buf; i++)
				len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
							i ? ", " : "", o->choices[i]);
			return cli_usage_errorf("--%s: '%s' is not one of %s", o->name, s, buf);
		}
	}
	return cli_usage_errorf("--%s: unsupported option type", o->name);
}

/* --- parsing --------------------------------------------------------------- */

static int cli_find(const struct cli_spec *spec, size_t n, int val)
{
	for (size_t i = 0; i < n; i++) {
		const struct cli_option *o = &spec->options[i];

		if ((o->key && o->key == val) || (!o->key && val == CLI_VAL_BASE + (int)i))
			return (int)i;
	}
	return -1;
}

/* The spelling the user typed for the option being reported. */
static void cli_spelled(const struct cli_spec *spec, size_t n, int val, char **argv, int argc,
			char *buf, size_t size)
{
	const char *last = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	int i;

	if (val == 0 || strncmp(last, "--", 2) == 0) {
		snprintf(buf, size, "%.*s", (int)strcspn(last, "="), last);
		return;
	}
	i = cli_find(spec, n, val);
	if (val < CLI_VAL_BASE)
		snprintf(buf, size, "-%c", val);
	else
		snprintf(buf, size, "--%s", i >= 0 ? spec->options[i].name : "?");
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv, int *first_arg)
{
	size_t n = cli_count(spec), k = 0, s = 0;
	struct option *longs;
	char *shorts;
	char spelled[128];
	int c, i, rc = CLI_PARSED;
	const int v_help = 'h', v_version = CLI_VAL_BASE + (int)n;

	longs = calloc(n + 3, sizeof *longs);
	shorts = calloc(2 * n + 4, 1);
	if (!longs || !shorts) {
		cli_errorf("out of memory");
		rc = CLI_EXIT_FAIL;
		goto cleanup;
	}
	shorts[s++] = ':';
	for (size_t j = 0; j < n; j++) {
		const struct cli_option *o = &spec->options[j];
		bool takes = o->type != CLI_FLAG;

		longs[k++] = (struct option){o->name, takes ? required_argument : no_argument, NULL,
					     o->key ? o->key : CLI_VAL_BASE + (int)j};
		if (o->key) {
			shorts[s++] = (char)o->key;
			if (takes)
				shorts[s++] = ':';
		}
	}
	longs[k++] = (struct option){"help", no_argument, NULL, v_help};
	longs[k++] = (struct option){"version", no_argument, NULL, v_version};
	shorts[s++] = 'h';

	opterr = 0;
	optind = 0; /* glibc: start over, also after an earlier parse */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == v_help) {
			cli_help(spec, cli_out());
			fflush(cli_out());
			rc = CLI_EXIT_OK;
			goto cleanup;
		}
		if (c == v_version) {
			fprintf(cli_out(), "%s %s\n", cli_progname(), gaia_version());
			fflush(cli_out());
			rc = CLI_EXIT_OK;
			goto cleanup;
		}
		if (c == ':') {
			cli_spelled(spec, n, optopt, argv, argc, spelled, sizeof spelled);
			rc = cli_usage_errorf("option '%s' needs an argument", spelled);
			goto cleanup;
		}
		if (c == '?') {
			cli_spelled(spec, n, optopt, argv, argc, spelled, sizeof spelled);
			if (optopt != 0 && (optopt >= CLI_VAL_BASE || cli_find(spec, n, optopt) >= 0 ||
					    optopt == v_help))
				rc = cli_usage_errorf("option '%s' takes no argument", spelled);
			else
				rc = cli_usage_errorf("unknown option '%s'", spelled);
			goto cleanup;
		}
		i = cli_find(spec, n, c);
		if (i < 0) {
			rc = cli_usage_errorf("unknown option");
			goto cleanup;
		}
		if ((rc = cli_set(&spec->options[i], optarg)) != CLI_PARSED)
			goto cleanup;
	}
	if (first_arg)
		*first_arg = optind;
cleanup:
	free(longs);
	free(shorts);
	return rc;
}
