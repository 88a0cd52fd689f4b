/* Tables for people: cells collected as strings, printed with columns
 * aligned on the widest cell. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct cli_table {
	size_t ncols;
	char **cells;          /* row-major, headers first */
	size_t n, cap;
	bool *right;
	bool oom;
};

int cli_table_new(struct cli_table **out, size_t ncols, const char *const *headers)
{
	struct cli_table *t;

	*out = NULL;
	if (ncols == 0)
		return GAIA_EINVAL;
	t = calloc(1, sizeof *t);
	if (!t)
		return GAIA_ENOMEM;
	t->ncols = ncols;
	t->right = calloc(ncols, sizeof *t->right);
	if (!t->right)
		goto err_after_table;
	for (size_t i = 0; i < ncols; i++)
		if (cli_table_cellf(t, "%s", headers && headers[i] ? headers[i] : "") != GAIA_OK)
			goto err_after_table;
	*out = t;
	return GAIA_OK;

err_after_table:
	cli_table_free(t);
	return GAIA_ENOMEM;
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t);
}

void cli_table_align_right(struct cli_table *t, size_t col)
{
	if (t && col < t->ncols)
		t->right[col] = true;
}

int cli_table_cellf(struct cli_table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (t->oom)
		return GAIA_ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4 * t->ncols;
		char **p = realloc(t->cells, cap * sizeof *p);

		if (!p)
			goto err_oom;
		t->cells = p;
		t->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto err_oom;
	t->cells[t->n++] = s;
	return GAIA_OK;

err_oom:
	t->oom = true;
	return GAIA_ENOMEM;
}

/* Width on a terminal: one column per UTF-8 character (no wide glyphs
 * in what the tools print). */
static size_t cli_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

int cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t rows = (t->n + t->ncols - 1) / t->ncols;
	size_t *width = calloc(t->ncols, sizeof *width);
	int rc = GAIA_OK;

	if (!width)
		return GAIA_ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t w = cli_width(t->cells[i]);

		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (size_t r = 0; r < rows; r++) {
		size_t last = t->ncols - 1;

		/* no trailing blanks: stop after the last non-empty cell */
		while (last > 0 &&
		       (r * t->ncols + last >= t->n || t->cells[r * t->ncols + last][0] == '\0'))
			last--;
		for (size_t c = 0; c <= last; c++) {
			size_t i = r * t->ncols + c;
			const char *s = i < t->n ? t->cells[i] : "";
			size_t pad = width[c] - cli_width(s);

			if (c > 0)
				fputs("  ", f);
			if (t->right[c])
				fprintf(f, "%*s%s", (int)pad, "", s);
			else if (c == last)
				fputs(s, f);
			else
				fprintf(f, "%s%*s", s, (int)pad, "");
		}
		fputc('\n', f);
	}
	if (fflush(f) != 0 || ferror(f))
		rc = GAIA_EIO;
	free(width);
	return rc;
}

int cli_json_print(const json_t *doc, FILE *f)
{
	if (!doc)
		return GAIA_EINVAL;
	if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0)
		return GAIA_EIO;
	fputc('\n', f);
	return fflush(f) != 0 || ferror(f) ? GAIA_EIO : GAIA_OK;
}
