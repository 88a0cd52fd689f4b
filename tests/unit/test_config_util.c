/* Helpers shared by the config tests: temporary YAML files, loading with a given argv and environment, substring checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_config_util.h"

static char files[32][32];
static int nfiles;

const char *tc_yaml(const char *text)
{
	char *path;
	int fd;
	size_t len = strlen(text);

	assert_true(nfiles < 32);
	path = files[nfiles];
	snprintf(path, sizeof files[0], "/tmp/gaia-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	nfiles++;
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

int tc_cleanup(void **state)
{
	(void)state;
	while (nfiles > 0)
		unlink(files[--nfiles]);
	return 0;
}

int tc_load(struct gaia_config *c, char *errmsg, char **envp, char **argv)
{
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	return config_load(c, argc, argv, envp, errmsg);
}

void tc_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

void tc_fails(char **envp, char **argv, const char *const *needles)
{
	struct gaia_config c;
	char err[GAIA_ERRMSG_SIZE];
	int rc = tc_load(&c, err, envp, argv);

	if (rc == GAIA_OK)
		fail_msg("config_load succeeded; expected an error with \"%s\"", needles[0]);
	for (int i = 0; needles[i] != NULL; i++)
		tc_contains(err, needles[i]);
}

const char *tc_hostname(void)
{
	static char host[256];
	assert_int_equal(gethostname(host, sizeof host), 0);
	return host;
}
