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
/* For a table printed in parts (one table per part, same header): width
 * holds TABLE_MAX_COLS column widths kept across the parts (start at 0;
 * they only grow, so a wider later cell shifts the columns after it);
 * header says whether to print the header row of this part. */
void table_print_rows(const struct table *t, FILE *out, size_t *width, int header);
void table_free(struct table *t);

#endif
