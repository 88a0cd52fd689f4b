/* gaiactl's tab completion for readline: commands, subcommands, options, node ids asked from the node, and keys listed by prefix. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "client/client_ctl.h"
#include "gaiactl.h"

#define COMPLETE_MAX_KEYS 500

static struct gaiactl *session;

/* The candidates of this completion (each malloc'd), filtered by the
 * generator. */
static char **cands;
static size_t n_cands, cap_cands;

static void cands_clear(void)
{
	for (size_t i = 0; i < n_cands; i++)
		free(cands[i]);
	n_cands = 0;
}

static void cands_add(const char *s)
{
	char **grown;

	if (!s)
		return;
	for (size_t i = 0; i < n_cands; i++)
		if (!strcmp(cands[i], s))
			return;
	if (n_cands == cap_cands) {
		grown = realloc(cands, (cap_cands ? cap_cands * 2 : 32) * sizeof *cands);
		if (!grown)
			return;
		cands = grown;
		cap_cands = cap_cands ? cap_cands * 2 : 32;
	}
	if ((cands[n_cands] = strdup(s)) != NULL)
		n_cands++;
}

static char *generator(const char *text, int state)
{
	static size_t next, len;

	if (state == 0) {
		next = 0;
		len = strlen(text);
	}
	while (next < n_cands) {
		const char *c = cands[next++];
		if (!strncmp(c, text, len))
			return strdup(c);
	}
	return NULL;
}

static void add_commands(void)
{
	for (const struct gaiactl_cmd *c = gaiactl_cmds; c->name; c++)
		if (!c->shell_only || session->shell)
			cands_add(c->name);
}

static void add_subs(const char *name)
{
	const char *s;

	for (size_t i = 0; (s = gaiactl_sub_at(name, i)) != NULL; i++)
		cands_add(s);
}

static void add_options(const struct gaiactl_cmd *c)
{
	cands_add("--json");
	cands_add("--help");
	if (c->opts & GC_OPT_FORCE)
		cands_add("--force");
	if (c->opts & GC_OPT_DRY_RUN)
		cands_add("--dry-run");
	if (c->opts & GC_OPT_CAS)
		cands_add("--cas");
	if (c->opts & GC_OPT_LIMIT)
		cands_add("--limit");
	if (c->opts & GC_OPT_STALE)
		cands_add("--stale");
}

/* The node ids of the cluster, as the node answering says. */
static void add_nodes(void)
{
	json_t *status, *n;
	size_t i;

	if (!session->client || client_get_json(session->client, "/api/cluster/status", &status) != GAIA_OK)
		return;
	json_array_foreach(json_object_get(status, "nodes"), i, n)
		cands_add(json_string_value(json_object_get(n, "id")));
	json_decref(status);
}

/* A word as typed (backslash escapes) and as meant. */
static bool special(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\\' || ch == '\'' || ch == '"';
}

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

static void cands_add_escaped(const char *s)
{
	char *out, *o;

	if (!s || !(out = malloc(2 * strlen(s) + 1)))
		return;
	/* inside quotes readline closes the quote itself: nothing to escape */
	for (o = out; *s; s++) {
		if (!rl_completion_quote_character && special(*s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	cands_add(out);
	free(out);
}

/* The keys that start with what was typed (this node's own view: no
 * leader round for a keystroke), escaped as the line needs them. */
static void add_keys(const char *typed)
{
	char *prefix = rl_completion_quote_character ? strdup(typed) : unescape(typed);
	json_t *list, *it;
	size_t i;

	if (!prefix)
		return;
	if (!session->client ||
	    client_kv_list(session->client, prefix, COMPLETE_MAX_KEYS, true, &list) != GAIA_OK) {
		free(prefix);
		return;
	}
	free(prefix);
	json_array_foreach(list, i, it)
		cands_add_escaped(json_string_value(json_object_get(it, "key")));
	json_decref(list);
}

/* A blank after a backslash is part of the word. */
static int is_quoted(char *text, int index)
{
	return index > 0 && text[index - 1] == '\\' && !is_quoted(text, index - 1);
}

static bool option_takes_value(const char *w)
{
	return !strcmp(w, "--cas") || !strcmp(w, "--limit");
}

static char **complete(const char *text, int start, int end)
{
	const struct gaiactl_cmd *c;
	char *before, **words = NULL;
	int n = 0, skip, operand = 0;

	(void)end;
	rl_attempted_completion_over = 1; /* never file names */
	cands_clear();
	/* the words before this one; an opening quote of this word is not theirs */
	if (rl_completion_quote_character && start > 0)
		start--;
	before = strndup(rl_line_buffer, (size_t)start);
	if (!before || gaiactl_split(before, &n, &words) != 0) {
		free(before);
		return NULL;
	}
	free(before);
	if (n == 0) {
		add_commands();
		goto out;
	}
	if (!gaiactl_is_command(words[0]))
		goto out;
	if (gaiactl_sub_at(words[0], 0) && n == 1 && text[0] != '-') {
		add_subs(words[0]);
		goto out;
	}
	c = gaiactl_find(words[0], n > 1 ? words[1] : NULL);
	skip = c->sub && n > 1 && !strcmp(c->sub, words[1]) ? 2 : 1;
	if (text[0] == '-') {
		add_options(c);
		goto out;
	}
	for (int i = skip; i < n; i++) {
		if (words[i][0] == '-') {
			if (option_takes_value(words[i]) && i + 1 < n)
				i++;
			continue;
		}
		operand++;
	}
	if (n > skip && option_takes_value(words[n - 1]))
		goto out;
	if (operand >= 2)
		goto out;
	switch (c->complete[operand]) {
	case GC_ARG_NODE:
		add_nodes();
		break;
	case GC_ARG_KEY:
		add_keys(text);
		break;
	case GC_ARG_COMMAND:
		if (operand == 0)
			add_commands();
		else
			add_subs(words[n - 1]);
		break;
	case GC_ARG_NONE:
		break;
	}
out:
	free(words);
	return n_cands ? rl_completion_matches(text, generator) : NULL;
}

void gaiactl_complete_init(struct gaiactl *g)
{
	session = g;
	rl_readline_name = "gaiactl";
	rl_completer_word_break_characters = " \t\n";
	rl_attempted_completion_function = complete;
	rl_char_is_quoted_p = is_quoted;
	rl_completer_quote_characters = "'\"";
}
