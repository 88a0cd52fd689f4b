/* Helpers shared by the config tests: temporary YAML files, loading with a given argv and environment, substring checks. */
#ifndef TEST_CONFIG_UTIL_H
#define TEST_CONFIG_UTIL_H

#include "config/config.h"

/* argv with "gaia_go" in front, NULL-terminated; envp NULL-terminated. */
#define ARGS(...) ((char *[]){"gaia_go", __VA_ARGS__, NULL})
#define NOARGS ((char *[]){"gaia_go", NULL})
#define ENV(...) ((char *[]){__VA_ARGS__, NULL})

/* Write text to a new file under /tmp; the path lives until tc_cleanup. */
const char *tc_yaml(const char *text);
/* Remove every file tc_yaml made (a cmocka teardown). */
int tc_cleanup(void **state);
/* config_load with argv (NULL-terminated) and envp. */
int tc_load(struct gaia_config *c, char *errmsg, char **envp, char **argv);
/* Fail, showing both, unless hay contains needle. */
void tc_contains(const char *hay, const char *needle);
/* config_load must fail with an errmsg that contains every needle (NULL-terminated). */
void tc_fails(char **envp, char **argv, const char *const *needles);
#define FAILS(envp, argv, ...) tc_fails(envp, argv, (const char *const[]){__VA_ARGS__, NULL})
/* The machine's hostname, as the defaults use it. */
const char *tc_hostname(void);

#endif
