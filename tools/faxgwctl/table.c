/*
 * table.c - aligned text tables for faxgwctl.
 */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void table_init(struct table *t, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	while (header[t->ncols] != NULL && t->ncols < TABLE_MAX_COLS)
		t->ncols++;
	for (size_t i = 0; i < t->ncols; i++)
		table_cell(t, "%s", header[i]);
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (t->failed)
		return;
	if (t->ncells == t->capcells) {
		size_t cap = t->capcells ? t->capcells * 2 : 64;
		char **nc = realloc(t->cells, cap * sizeof(*nc));
		if (nc == NULL) {
			t->failed = 1;
			return;
		}
		t->cells = nc;
		t->capcells = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		t->failed = 1;
		return;
	}
	t->cells[t->ncells++] = s;
}

void table_print_rows(const struct table *t, FILE *out, size_t *width, int header)
{
	if (t->ncols == 0)
		return;
	for (size_t i = 0; i < t->ncells; i++) {
		size_t n = strlen(t->cells[i]);
		if (n > width[i % t->ncols])
			width[i % t->ncols] = n;
	}
	for (size_t i = header ? 0 : t->ncols; i < t->ncells; i++) {
		size_t col = i % t->ncols;
		int last = col == t->ncols - 1 || i == t->ncells - 1;
		if (last)
			fprintf(out, "%s\n", t->cells[i]);
		else
			fprintf(out, "%-*s  ", (int)width[col], t->cells[i]);
	}
}

void table_print(const struct table *t, FILE *out)
{
	size_t width[TABLE_MAX_COLS] = { 0 };

	table_print_rows(t, out, width, 1);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
