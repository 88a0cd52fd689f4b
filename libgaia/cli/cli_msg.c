/* The program name and the messages the tools print on stderr. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_internal.h"

static char cli_name[64] = "gaia";
static FILE *cli_out_stream;
static FILE *cli_err_stream;

void cli_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || argv0[0] == '\0')
		return;
	slash = strrchr(argv0, '/');
	if (slash != NULL && slash[1] != '\0')
		argv0 = slash + 1;
	snprintf(cli_name, sizeof cli_name, "%s", argv0);
}

const char *cli_progname(void)
{
	return cli_name;
}

void cli_set_streams(FILE *out, FILE *err)
{
	cli_out_stream = out;
	cli_err_stream = err;
}

FILE *cli_out(void)
{
	return cli_out_stream ? cli_out_stream : stdout;
}

FILE *cli_err(void)
{
	return cli_err_stream ? cli_err_stream : stderr;
}

/* One fputs per message, so that threads and processes sharing stderr
 * do not interleave halves of lines. */
static void cli_vmsg(const char *label, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof line, "%s: %s", cli_name, label);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	n = (int)strlen(line);
	line[n] = '\n';
	line[n + 1] = '\0';
	fputs(line, cli_err());
	fflush(cli_err());
}

void cli_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg("", fmt, ap);
	va_end(ap);
}

void cli_warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int cli_usage_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg("", fmt, ap);
	va_end(ap);
	fprintf(cli_err(), "Try '%s --help' for more information.\n", cli_name);
	fflush(cli_err());
	return CLI_EXIT_USAGE;
}
