/* The YAML file (libyaml): sections of settings, lists for discovery nodes,
 * every error with the file name and the line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config/config_internal.h"
#include "util/errmsg.h"

struct walk {
	struct config_ctx *x;
	yaml_document_t *doc;
};

static int line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static const char *kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a single value";
	}
}

/* YAML's null: nothing, ~ or null. */
static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static const char *text(const yaml_node_t *n)
{
	return is_null(n) ? "" : (const char *)n->data.scalar.value;
}

/* A list of scalars, joined with commas, for CONFIG_T_ADDRS. */
static int join_list(struct walk *w, int i, const yaml_node_t *v, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		const yaml_node_t *item = yaml_document_get_node(w->doc, *it);
		size_t n;
		if (item == NULL || item->type != YAML_SCALAR_NODE)
			return errmsg_set(w->x->errmsg, GAIA_EINVAL,
					  "%s:%d: %s: list items must be host:port strings, found %s",
					  w->x->file, item != NULL ? line_of(item) : line_of(v),
					  config_settings[i].yaml, item != NULL ? kind(item) : "nothing");
		n = strlen(text(item));
		if (used + (used > 0) + n >= size)
			return errmsg_set(w->x->errmsg, GAIA_EINVAL,
					  "%s:%d: %s: the list is too long (at most %zu bytes)",
					  w->x->file, line_of(v), config_settings[i].yaml, size - 1);
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, text(item), n + 1);
		used += n;
	}
	return GAIA_OK;
}

static int setting(struct walk *w, int i, const yaml_node_t *key, const yaml_node_t *v)
{
	struct config_ctx *x = w->x;
	const char *name = config_settings[i].yaml;
	char list[sizeof ((struct gaia_config *)0)->discovery_nodes];

	if (x->origin[i].src == CONFIG_SRC_YAML)
		return errmsg_set(x->errmsg, GAIA_EINVAL, "%s:%d: %s is set twice (first on line %d)",
				  x->file, line_of(key), name, x->origin[i].line);
	if (v->type == YAML_SEQUENCE_NODE && config_settings[i].type == CONFIG_T_ADDRS) {
		int rc = join_list(w, i, v, list, sizeof list);
		if (rc != GAIA_OK)
			return rc;
		if (list[0] == '\0')
			return config_set(x, i, "", CONFIG_SRC_YAML, line_of(key));
		return config_set(x, i, list, CONFIG_SRC_YAML, line_of(key));
	}
	if (v->type != YAML_SCALAR_NODE)
		return errmsg_set(x->errmsg, GAIA_EINVAL, "%s:%d: %s: expected %s, found %s", x->file,
				  line_of(v), name,
				  config_settings[i].type == CONFIG_T_ADDRS
					  ? "a list or a comma-separated string"
					  : "a single value",
				  kind(v));
	return config_set(x, i, text(v), CONFIG_SRC_YAML, line_of(key));
}

static int unknown_key(struct walk *w, const char *prefix, const char *full, int line)
{
	const char *near = config_suggest(full, true);

	if (prefix[0] == '\0' && near == NULL)
		return errmsg_set(w->x->errmsg, GAIA_EINVAL,
				  "%s:%d: unknown section '%s' (the sections are node, raft, cluster, "
				  "consul, limits and log)",
				  w->x->file, line, full);
	if (near != NULL)
		return errmsg_set(w->x->errmsg, GAIA_EINVAL,
				  "%s:%d: unknown key '%s' (did you mean %s?)", w->x->file, line, full,
				  near);
	return errmsg_set(w->x->errmsg, GAIA_EINVAL, "%s:%d: unknown key '%s'", w->x->file, line,
			  full);
}

/* The pairs of mapping m, whose keys are under prefix ("" at the top). */
static int section(struct walk *w, const yaml_node_t *m, const char *prefix)
{
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
		char full[128];
		int i, n, rc;

		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE)
			return errmsg_set(w->x->errmsg, GAIA_EINVAL,
					  "%s:%d: a key must be a name, found %s", w->x->file,
					  line_of(k), kind(k));
		n = snprintf(full, sizeof full, "%s%s%s", prefix, prefix[0] ? "." : "",
			     (const char *)k->data.scalar.value);
		if (n < 0 || (size_t)n >= sizeof full)
			return unknown_key(w, prefix, full, line_of(k));
		i = config_find_yaml(full);
		if (i >= 0) {
			rc = setting(w, i, k, v);
		} else if (config_is_section(full)) {
			if (v->type == YAML_MAPPING_NODE)
				rc = section(w, v, full);
			else if (is_null(v))
				rc = GAIA_OK; /* an empty section */
			else
				rc = errmsg_set(w->x->errmsg, GAIA_EINVAL,
						"%s:%d: %s: expected a section (a mapping of "
						"settings), found %s",
						w->x->file, line_of(v), full, kind(v));
		} else {
			rc = unknown_key(w, prefix, full, line_of(k));
		}
		if (rc != GAIA_OK)
			return rc;
	}
	return GAIA_OK;
}

static int parse_error(struct config_ctx *x, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return errmsg_set(x->errmsg, GAIA_ENOMEM, "%s: out of memory", x->file);
	if (p->error == YAML_READER_ERROR)
		return errmsg_set(x->errmsg, GAIA_EINVAL, "%s: malformed YAML: %s at byte %zu",
				  x->file, p->problem != NULL ? p->problem : "unreadable",
				  p->problem_offset);
	return errmsg_set(x->errmsg, GAIA_EINVAL, "%s:%zu: malformed YAML: %s%s%s (column %zu)",
			  x->file, p->problem_mark.line + 1,
			  p->problem != NULL ? p->problem : "syntax error",
			  p->context != NULL ? ", " : "", p->context != NULL ? p->context : "",
			  p->problem_mark.column + 1);
}

int config_yaml_apply(struct config_ctx *x, const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc, next;
	yaml_node_t *root;
	struct walk w = {x, &doc};
	struct stat st;
	FILE *f;
	int rc;

	x->file = path;
	f = fopen(path, "rb");
	if (f == NULL)
		return errmsg_set(x->errmsg, GAIA_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = errmsg_set(x->errmsg, GAIA_EIO, "%s: not a regular file", path);
		goto err_after_fopen;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = errmsg_set(x->errmsg, GAIA_ENOMEM, "%s: out of memory", path);
		goto err_after_fopen;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = parse_error(x, &parser);
		goto err_after_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		rc = GAIA_OK; /* an empty file */
		goto err_after_doc;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = errmsg_set(x->errmsg, GAIA_EINVAL,
				"%s:%d: expected sections (node:, raft:, cluster:, ...), found %s",
				path, line_of(root), kind(root));
		goto err_after_doc;
	}
	rc = section(&w, root, "");
	if (rc != GAIA_OK)
		goto err_after_doc;
	/* a second document would be ignored silently: refuse it */
	if (!yaml_parser_load(&parser, &next)) {
		rc = parse_error(x, &parser);
		goto err_after_doc;
	}
	root = yaml_document_get_root_node(&next);
	if (root != NULL)
		rc = errmsg_set(x->errmsg, GAIA_EINVAL,
				"%s:%d: a second YAML document; the file must hold one", path,
				line_of(root));
	yaml_document_delete(&next);

err_after_doc:
	yaml_document_delete(&doc);
err_after_parser:
	yaml_parser_delete(&parser);
err_after_fopen:
	fclose(f);
	return rc;
}
