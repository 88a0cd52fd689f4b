/* config_load: defaults, the YAML file, the environment, the flags, checks. */
#include <string.h>

#include "config/config_internal.h"

int config_load(struct gaia_config *c, int argc, char **argv, char **envp, char *errmsg)
{
	struct config_ctx x;
	const char *file;
	int rc;

	config_defaults(c);
	memset(&x, 0, sizeof x);
	x.c = c;
	x.errmsg = errmsg;
	errmsg[0] = '\0';

	/* --config, --help and --version come before everything else */
	(void)config_flags_apply(&x, argc, argv, true);
	if (c->show_help || c->show_version)
		return GAIA_OK;
	if (x.origin[CONFIG_S_CONFIG].src != CONFIG_SRC_FLAG) {
		file = config_env_get(envp, config_settings[CONFIG_S_CONFIG].env);
		if (file != NULL) {
			rc = config_set(&x, CONFIG_S_CONFIG, file, CONFIG_SRC_ENV, 0);
			if (rc != GAIA_OK)
				return rc;
		}
	}
	if (c->config_file[0] != '\0') {
		rc = config_yaml_apply(&x, c->config_file);
		if (rc != GAIA_OK)
			return rc;
	}
	rc = config_env_apply(&x, envp);
	if (rc != GAIA_OK)
		return rc;
	rc = config_flags_apply(&x, argc, argv, false);
	if (rc != GAIA_OK)
		return rc;
	return config_finish(&x);
}
