/* The environment: each setting's variable (RAFT_ELECTION_TIMEOUT, ...). */
#include <string.h>

#include "config/config_internal.h"

const char *config_env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	if (envp == NULL)
		return NULL;
	for (char **e = envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int config_env_apply(struct config_ctx *x, char **envp)
{
	for (int i = 0; i < CONFIG_S_COUNT; i++) {
		const char *name = config_settings[i].env, *v;
		int rc;

		/* GAIA_CONFIG was read before the file, which comes first */
		if (name == NULL || i == CONFIG_S_CONFIG)
			continue;
		v = config_env_get(envp, name);
		if (v == NULL)
			continue;
		rc = config_set(x, i, v, CONFIG_SRC_ENV, 0);
		if (rc != GAIA_OK)
			return rc;
	}
	return GAIA_OK;
}
