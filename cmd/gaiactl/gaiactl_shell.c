/* gaiactl's sessions: the readline shell with its history file, commands read from a script, and the splitting of a line into words. */
#include "config.h"

#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cli/cli.h"
#include "gaiactl.h"

#define GAIACTL_HISTORY_MAX 1000

int gaiactl_split(const char *line, int *argc, char ***argv)
{
	size_t len = strlen(line), nwords = 0, cap = len / 2 + 2;
	char **words, *buf, *o;
	const char *p = line;
	char quote;

	*argc = 0;
	*argv = NULL;
	/* one block: the pointers, then the words (never longer than the line) */
	words = malloc(cap * sizeof *words + len + cap);
	if (!words)
		return -2;
	buf = (char *)(words + cap);
	o = buf;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || (*p == '#' && nwords == 0))
			break;
		words[nwords++] = o;
		quote = 0;
		for (; *p; p++) {
			if (quote == '\'') {
				if (*p == '\'')
					quote = 0;
				else
					*o++ = *p;
			} else if (quote == '"') {
				if (*p == '"')
					quote = 0;
				else if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					*o++ = *++p;
				else
					*o++ = *p;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				*o++ = *++p;
			} else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
				break;
			} else {
				*o++ = *p;
			}
		}
		*o++ = '\0';
		if (quote) {
			free(words);
			return -1;
		}
	}
	words[nwords] = NULL;
	*argc = (int)nwords;
	*argv = words;
	return 0;
}

/* Split and run one line; 0 for an empty one. */
static int run_line(struct gaiactl *g, const char *line)
{
	char **argv;
	int argc, rc;

	rc = gaiactl_split(line, &argc, &argv);
	if (rc == -1) {
		cli_errorf("unterminated quote in: %s", line);
		return CLI_EXIT_USAGE;
	}
	if (rc != 0) {
		cli_errorf("out of memory");
		return CLI_EXIT_FAIL;
	}
	rc = gaiactl_run(g, argc, argv);
	free(argv);
	fflush(stdout);
	return rc;
}

int gaiactl_script(struct gaiactl *g, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = CLI_EXIT_OK;

	while (!g->quit && getline(&line, &cap, f) >= 0) {
		rc = run_line(g, line);
		if (rc != CLI_EXIT_OK)
			break;
	}
	free(line);
	return rc;
}

const char *gaiactl_history_path(void)
{
	static char path[4096];
	const char *env = getenv("GAIACTL_HISTORY"), *home = getenv("HOME");
	struct passwd *pw;

	if (env)
		return env[0] ? env : NULL;
	if (!home || !home[0]) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !home[0])
		return NULL;
	if ((size_t)snprintf(path, sizeof path, "%s/.gaiactl_history", home) >= sizeof path)
		return NULL;
	return path;
}

/* Ctrl-C at the prompt drops the line being typed and shows a fresh
 * prompt, as a shell does: readline restores the terminal, passes the
 * signal on to this handler, and calls the event hook once it is back
 * in its read loop. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int on_signal_event(void)
{
	if (interrupted) {
		interrupted = 0;
		rl_replace_line("", 0);
		rl_crlf();
		rl_on_new_line();
		rl_redisplay();
	}
	return 0;
}

int gaiactl_shell(struct gaiactl *g)
{
	const char *hist = gaiactl_history_path();
	struct sigaction sa = {0}, old;
	char prompt[600], *line;
	HIST_ENTRY *last;
	int rc = CLI_EXIT_OK;

	using_history();
	stifle_history(GAIACTL_HISTORY_MAX);
	if (hist)
		read_history(hist); /* absent the first time */
	gaiactl_complete_init(g);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	rl_signal_event_hook = on_signal_event;

	printf("gaiactl %s: 'help' lists the commands, Tab completes, Ctrl-D leaves\n",
	       gaia_version());
	while (!g->quit) {
		snprintf(prompt, sizeof prompt, "gaiactl %s> ", g->client ? g->target : "(not connected)");
		interrupted = 0;
		line = readline(prompt);
		if (!line) {
			putchar('\n');
			break;
		}
		if (line[strspn(line, " \t")]) {
			last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
			if (!last || strcmp(last->line, line) != 0)
				add_history(line);
			rc = run_line(g, line);
		}
		free(line);
	}
	if (hist && write_history(hist) != 0)
		cli_warnf("cannot write the history to %s", hist);
	sigaction(SIGINT, &old, NULL);
	return rc;
}
