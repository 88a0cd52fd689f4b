/* The command line: --name VALUE, --name=VALUE, -h and -V.
 *
 * Not getopt_long: it keeps its state in globals, reorders argv, prints
 * unless told otherwise and accepts abbreviations that a later flag can
 * make ambiguous; config_load may run several times in one process. */
#include <string.h>

#include "config/config_internal.h"
#include "util/errmsg.h"

static int find_short(char ch)
{
	for (int i = 0; i < CONFIG_S_COUNT; i++)
		if (config_settings[i].short_flag == ch)
			return i;
	return -1;
}

static int unknown(struct config_ctx *x, const char *arg)
{
	char q[80], name[64];
	const char *eq = strchr(arg, '='), *near;
	size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);

	config_quote(arg, q, sizeof q);
	if (arg[0] == '-' && arg[1] == '-' && len - 2 < sizeof name) {
		memcpy(name, arg + 2, len - 2);
		name[len - 2] = '\0';
		near = config_suggest(name, false);
		if (near != NULL)
			return errmsg_set(x->errmsg, GAIA_EINVAL,
					  "unknown option '%s' (did you mean --%s?)", q, near);
	}
	return errmsg_set(x->errmsg, GAIA_EINVAL, "unknown option '%s' (see --help)", q);
}

static int positional(struct config_ctx *x, const char *arg)
{
	char q[80];
	config_quote(arg, q, sizeof q);
	return errmsg_set(x->errmsg, GAIA_EINVAL,
			  "unexpected argument '%s' (gaia_go takes options only; see --help)", q);
}

int config_flags_apply(struct config_ctx *x, int argc, char **argv, bool prescan)
{
	for (int k = 1; k < argc; k++) {
		const char *a = argv[k], *value = NULL;
		const struct config_setting *s;
		int i, rc;

		if (strcmp(a, "--") == 0) {
			if (k + 1 < argc && !prescan)
				return positional(x, argv[k + 1]);
			return GAIA_OK;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (prescan)
				continue;
			return positional(x, a);
		}
		if (a[1] != '-') {
			i = a[2] == '\0' ? find_short(a[1]) : -1;
		} else {
			const char *eq = strchr(a + 2, '=');
			i = config_find_flag(a + 2, eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (eq != NULL)
				value = eq + 1;
		}
		if (i < 0) {
			if (prescan)
				continue;
			return unknown(x, a);
		}
		s = &config_settings[i];
		if (s->flags & CONFIG_F_NOARG) {
			if (value != NULL && prescan)
				continue;
			if (value != NULL)
				return errmsg_set(x->errmsg, GAIA_EINVAL, "--%s takes no value",
						  s->flag);
			value = "true";
		} else if (value == NULL && (s->flags & CONFIG_F_OPTARG)) {
			value = "true";
		} else if (value == NULL) {
			if (k + 1 >= argc) {
				if (prescan)
					return GAIA_OK;
				return errmsg_set(x->errmsg, GAIA_EINVAL, "--%s needs a value (%s)",
						  s->flag, s->metavar);
			}
			value = argv[++k];
		}
		if (prescan) {
			if (i == CONFIG_S_CONFIG || i == CONFIG_S_HELP || i == CONFIG_S_VERSION)
				(void)config_set(x, i, value, CONFIG_SRC_FLAG, 0);
			continue;
		}
		rc = config_set(x, i, value, CONFIG_SRC_FLAG, 0);
		if (rc != GAIA_OK)
			return rc;
	}
	return GAIA_OK;
}
