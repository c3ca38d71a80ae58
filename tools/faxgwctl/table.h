/*
 * table.h - aligned text tables for faxgwctl's human output.
 *
 * Cells are copied; table_print() pads every column but the last to its
 * widest cell (by bytes; wide characters may misalign).
 */
#ifndef FAXGWCTL_TABLE_H
#define FAXGWCTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS 16

struct table {
	size_t ncols;
	char **cells;          /* row-major */
	size_t ncells, capcells;
	int failed;            /* out of memory */
};

/* Header cells as the first row; NULL-terminated. */
void table_init(struct table *t, const char *const *header);
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);

#endif
