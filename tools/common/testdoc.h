/*
 * testdoc.h - TIFF Class F test documents for every test that moves a fax.
 *
 * Shared by the tools (faxtestdoc, faxbench, faxpeer's tests) and linked
 * into build/unit-tests from here.  Pages are 1728 pixels wide (A4 at R8), a few hundred
 * rows high, G3 2-D (T.4) compressed, with text-like glyph rows and 1-pixel
 * lines that differ per page and per seed.
 */
#ifndef FAXGW_TESTDOC_H
#define FAXGW_TESTDOC_H

#include <stddef.h>

#define TESTDOC_WIDTH          1728
#define TESTDOC_ROWS_STANDARD  280     /* rows of a standard-resolution page */
#define TESTDOC_ROWS_FINE      (2 * TESTDOC_ROWS_STANDARD)

enum testdoc_res {
	TESTDOC_STANDARD = 0,          /* 204 x 98 dpi (3850 rows per metre) */
	TESTDOC_FINE = 1,              /* 204 x 196 dpi (7700) */
	TESTDOC_MIXED = 2              /* odd pages standard, even pages fine */
};

/* Writes a `pages`-page TIFF Class F file at `path` (replaced).  `fine` is
 * an enum testdoc_res.  Returns 0, or -1 (message on stderr). */
int testdoc_make(const char *path, int pages, int fine, unsigned seed);

/* Compares two TIFF files page by page and pixel by pixel: page count,
 * widths, heights, resolutions (in pixels per metre, within 1%) and every
 * pixel (photometric interpretation taken into account).  Returns 0 when
 * equal; otherwise -1 with the first difference described in `why`. */
int testdoc_compare(const char *sent, const char *received, char *why, size_t whylen);

/* Pages in a TIFF file, or -1 when it cannot be opened. */
int testdoc_pages(const char *path);

#endif
