/* The --help text of gaia_go, built once from the settings table. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

static char text[16384];
static size_t used;
static pthread_once_t once = PTHREAD_ONCE_INIT;

__attribute__((format(printf, 1, 2)))
static void add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (used >= sizeof text)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text + used, sizeof text - used, fmt, ap);
	va_end(ap);
	used += n > 0 ? (size_t)n : 0;
}

static void option(const struct config_setting *s)
{
	const char *def = s->def_doc != NULL ? s->def_doc : s->def;

	if (s->short_flag != 0)
		add("  -%c, --%s", s->short_flag, s->flag);
	else
		add("  --%s", s->flag);
	if (s->flags & CONFIG_F_OPTARG)
		add("[=%s]", s->metavar);
	else if (!(s->flags & CONFIG_F_NOARG))
		add(" %s", s->metavar);
	add("\n      %s\n", s->help);
	if (s->env != NULL && def != NULL)
		add("      env %s, default: %s\n", s->env, def);
	else if (s->env != NULL)
		add("      env %s\n", s->env);
}

static void build(void)
{
	add("Usage: gaia_go [OPTION]...\n"
	    "  or:  gaia_go --cluster-join --node-id ID --address HOST:PORT\n"
	    "               --leader-address HOST:PORT\n"
	    "\n"
	    "Run a node of GAIA_GO, a Raft-replicated key-value store; or, with\n"
	    "--cluster-join, ask a running cluster to add a node, then exit.\n"
	    "\n"
	    "Each setting is a flag, an environment variable (its name follows \"env\")\n"
	    "and a key of the YAML file given by --config, see gaia_go.yaml(5).\n"
	    "A flag beats the environment, which beats the file, which beats the default.\n"
	    "DURATION: a whole number and a unit: 150ms, 5s, 2m, 1h, 7d.\n"
	    "SIZE: 123, 512KB, 10MiB, 1GB (K, M, G, T: powers of 1024, with or without B/iB).\n"
	    "BOOL: true, false, yes, no, 1 or 0.  HOST:PORT also takes [IPv6]:PORT.\n");
	for (int g = 0; g < CONFIG_G_COUNT; g++) {
		add("\n%s:\n", config_group_names[g]);
		for (int i = 0; i < CONFIG_S_COUNT; i++)
			if (config_settings[i].group == (enum config_group)g)
				option(&config_settings[i]);
	}
	add("\nExit status:\n"
	    "  0  success\n"
	    "  1  runtime failure\n"
	    "  2  usage or configuration error\n"
	    "\n"
	    "See gaia_go(8) and gaia_go.yaml(5).\n");
}

const char *config_usage(void)
{
	pthread_once(&once, build);
	return text;
}
