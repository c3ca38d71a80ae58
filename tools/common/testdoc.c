/*
 * testdoc.c - TIFF Class F test documents (RFC 2306 profile: bilevel,
 * 1728 pixels, G3 2-D, FillOrder LSB-to-MSB, resolution in inches,
 * PageNumber on every page) and a pixel-exact comparison of two files.
 */
#include "testdoc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define TESTDOC_ROW_BYTES (TESTDOC_WIDTH / 8)
#define TESTDOC_GLYPH_W 6
#define TESTDOC_GLYPH_H 8
#define TESTDOC_MAX_ROW_BYTES 4096   /* widest page compared: 32768 pixels */

struct testdoc_page {
	uint8_t *bits;               /* rows x TESTDOC_ROW_BYTES, 1 = black */
	int rows;
	int vscale;                  /* 1 standard, 2 fine */
	uint32_t rng;
};

static uint32_t testdoc_rand(struct testdoc_page *pg)
{
	/* xorshift32 */
	uint32_t x = pg->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	pg->rng = x;
	return x;
}

static void testdoc_set(struct testdoc_page *pg, int x, int y)
{
	if (x < 0 || x >= TESTDOC_WIDTH || y < 0 || y >= pg->rows)
		return;
	pg->bits[(size_t)y * TESTDOC_ROW_BYTES + (size_t)(x / 8)] |= (uint8_t)(0x80 >> (x % 8));
}

/* A glyph: a random 6x8 cell pattern, 2 pixels wide per cell, `vscale`
 * rows high per cell. */
static void testdoc_glyph(struct testdoc_page *pg, int x0, int y0)
{
	uint32_t shape = testdoc_rand(pg) | testdoc_rand(pg) << 1;
	uint32_t more = testdoc_rand(pg);

	for (int cy = 0; cy < TESTDOC_GLYPH_H; cy++) {
		for (int cx = 0; cx < TESTDOC_GLYPH_W; cx++) {
			int bit = cy * TESTDOC_GLYPH_W + cx;
			uint32_t word = bit < 32 ? shape : more;
			if (!((word >> (bit % 32)) & 1))
				continue;
			for (int dy = 0; dy < pg->vscale; dy++)
				for (int dx = 0; dx < 2; dx++)
					testdoc_set(pg, x0 + cx * 2 + dx, y0 + cy * pg->vscale + dy);
		}
	}
}

static void testdoc_text(struct testdoc_page *pg, int top, int bottom)
{
	int line_h = (TESTDOC_GLYPH_H + 4) * pg->vscale;

	for (int y = top; y + line_h <= bottom; y += line_h) {
		int x = 80 + (int)(testdoc_rand(pg) % 40);
		int end = TESTDOC_WIDTH - 80 - (int)(testdoc_rand(pg) % 400);
		while (x < end) {
			int word = 2 + (int)(testdoc_rand(pg) % 9);
			for (int i = 0; i < word && x < end; i++, x += TESTDOC_GLYPH_W * 2 + 2)
				testdoc_glyph(pg, x, y);
			x += 12;
		}
	}
}

static void testdoc_lines(struct testdoc_page *pg, int page)
{
	/* A frame, 1-pixel rules, a diagonal, a fine checkerboard and a
	 * solid block whose place tells the page number. */
	for (int x = 40; x < TESTDOC_WIDTH - 40; x++) {
		testdoc_set(pg, x, 10);
		testdoc_set(pg, x, pg->rows - 11);
	}
	for (int y = 10; y < pg->rows - 10; y++) {
		testdoc_set(pg, 40, y);
		testdoc_set(pg, TESTDOC_WIDTH - 41, y);
		testdoc_set(pg, 300 + (int)(pg->rng % 1000), y);
		testdoc_set(pg, 40 + y * 4, y);
	}
	for (int y = 20; y < 20 + 16 * pg->vscale; y++)
		for (int x = 1500; x < 1660; x++)
			if ((x + y) & 1)
				testdoc_set(pg, x, y);
	for (int y = 20; y < 20 + 10 * pg->vscale; y++)
		for (int x = 60 + 40 * page; x < 90 + 40 * page; x++)
			testdoc_set(pg, x, y);
}

static int testdoc_write_page(TIFF *t, const struct testdoc_page *pg, int page, int pages)
{
	TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)TESTDOC_WIDTH);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)pg->rows);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
	TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
	TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, (uint32_t)(GROUP3OPT_2DENCODING | GROUP3OPT_FILLBITS));
	TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
	TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
	TIFFSetField(t, TIFFTAG_YRESOLUTION, pg->vscale == 2 ? 196.0f : 98.0f);
	TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, (uint32_t)pg->rows);
	TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)page, (uint16_t)pages);
	TIFFSetField(t, TIFFTAG_SOFTWARE, "faxgw testdoc");
	for (int y = 0; y < pg->rows; y++)
		if (TIFFWriteScanline(t, pg->bits + (size_t)y * TESTDOC_ROW_BYTES, (uint32_t)y, 0) < 0)
			return -1;
	return TIFFWriteDirectory(t) ? 0 : -1;
}

int testdoc_make(const char *path, int pages, int fine, unsigned seed)
{
	struct testdoc_page pg;
	int rc = -1;
	TIFF *t = NULL;

	pg.bits = malloc((size_t)TESTDOC_ROWS_FINE * TESTDOC_ROW_BYTES);
	if (pg.bits == NULL || pages < 1)
		goto out;
	t = TIFFOpen(path, "w");
	if (t == NULL) {
		fprintf(stderr, "testdoc: cannot create %s\n", path);
		goto out;
	}
	for (int page = 0; page < pages; page++) {
		int is_fine = fine == TESTDOC_MIXED ? (page & 1) : fine != 0;
		pg.vscale = is_fine ? 2 : 1;
		pg.rows = is_fine ? TESTDOC_ROWS_FINE : TESTDOC_ROWS_STANDARD;
		pg.rng = (seed * 2654435761u) ^ (uint32_t)(page + 1) * 40503u ^ 0x9e3779b9u;
		if (pg.rng == 0)
			pg.rng = 1;
		memset(pg.bits, 0, (size_t)pg.rows * TESTDOC_ROW_BYTES);
		testdoc_lines(&pg, page);
		testdoc_text(&pg, 30 + 16 * pg.vscale, pg.rows - 20);
		if (testdoc_write_page(t, &pg, page, pages) < 0) {
			fprintf(stderr, "testdoc: cannot write page %d of %s\n", page + 1, path);
			goto out;
		}
	}
	rc = 0;
out:
	if (t != NULL)
		TIFFClose(t);
	free(pg.bits);
	return rc;
}

int testdoc_pages(const char *path)
{
	TIFF *t = TIFFOpen(path, "r");

	if (t == NULL)
		return -1;
	int n = TIFFNumberOfDirectories(t);
	TIFFClose(t);
	return n;
}

/* --- comparison --------------------------------------------------------- */

struct testdoc_info {
	uint32_t width, rows;
	uint16_t photometric;
	double xppm, yppm;
};

static double testdoc_ppm(float v, uint16_t unit)
{
	if (unit == RESUNIT_CENTIMETER)
		return v * 100.0;
	return v / 0.0254;
}

static int testdoc_info(TIFF *t, struct testdoc_info *in, char *why, size_t whylen)
{
	uint16_t bps = 1, spp = 1, unit = RESUNIT_INCH;
	float xr = 0, yr = 0;

	memset(in, 0, sizeof(*in));
	in->photometric = PHOTOMETRIC_MINISWHITE;
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &in->width);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, &in->rows);
	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &in->photometric);
	TIFFGetFieldDefaulted(t, TIFFTAG_RESOLUTIONUNIT, &unit);
	TIFFGetField(t, TIFFTAG_XRESOLUTION, &xr);
	TIFFGetField(t, TIFFTAG_YRESOLUTION, &yr);
	in->xppm = testdoc_ppm(xr, unit);
	in->yppm = testdoc_ppm(yr, unit);
	if (bps != 1 || spp != 1) {
		snprintf(why, whylen, "not bilevel (%u bits x %u samples)", bps, spp);
		return -1;
	}
	if (in->width == 0 || in->width > TESTDOC_MAX_ROW_BYTES * 8) {
		snprintf(why, whylen, "bad width %u", in->width);
		return -1;
	}
	return 0;
}

static int testdoc_close_enough(double a, double b)
{
	double d = a > b ? a - b : b - a;
	return d <= 0.01 * (a > b ? a : b);
}

static int testdoc_compare_page(TIFF *a, TIFF *b, int page, char *why, size_t whylen)
{
	struct testdoc_info ia, ib;
	uint8_t ra[TESTDOC_MAX_ROW_BYTES], rb[TESTDOC_MAX_ROW_BYTES];

	if (testdoc_info(a, &ia, why, whylen) < 0 || testdoc_info(b, &ib, why, whylen) < 0)
		return -1;
	if (ia.width != ib.width || ia.rows != ib.rows) {
		snprintf(why, whylen, "page %d: size %ux%u sent, %ux%u received",
		         page, ia.width, ia.rows, ib.width, ib.rows);
		return -1;
	}
	if (!testdoc_close_enough(ia.xppm, ib.xppm) || !testdoc_close_enough(ia.yppm, ib.yppm)) {
		snprintf(why, whylen, "page %d: resolution %.0fx%.0f sent, %.0fx%.0f received (per metre)",
		         page, ia.xppm, ia.yppm, ib.xppm, ib.yppm);
		return -1;
	}
	size_t bytes = (ia.width + 7) / 8;
	uint8_t flip = ia.photometric == ib.photometric ? 0x00 : 0xff;
	for (uint32_t y = 0; y < ia.rows; y++) {
		if (TIFFReadScanline(a, ra, y, 0) < 0 || TIFFReadScanline(b, rb, y, 0) < 0) {
			snprintf(why, whylen, "page %d: cannot decode row %u", page, y);
			return -1;
		}
		for (size_t i = 0; i < bytes; i++) {
			uint8_t mask = 0xff;
			if (i == bytes - 1 && ia.width % 8)
				mask = (uint8_t)(0xff << (8 - ia.width % 8));
			if (((ra[i] ^ rb[i] ^ flip) & mask) != 0) {
				snprintf(why, whylen, "page %d: pixels differ in row %u near x=%zu",
				         page, y, i * 8);
				return -1;
			}
		}
	}
	return 0;
}

int testdoc_compare(const char *sent, const char *received, char *why, size_t whylen)
{
	TIFF *a = TIFFOpen(sent, "r");
	TIFF *b = TIFFOpen(received, "r");
	int rc = -1;

	snprintf(why, whylen, "equal");
	if (a == NULL || b == NULL) {
		snprintf(why, whylen, "cannot open %s", a == NULL ? sent : received);
		goto out;
	}
	int na = TIFFNumberOfDirectories(a), nb = TIFFNumberOfDirectories(b);
	if (na != nb) {
		snprintf(why, whylen, "%d pages sent, %d received", na, nb);
		goto out;
	}
	for (int p = 0; p < na; p++) {
		if (!TIFFSetDirectory(a, (uint16_t)p) || !TIFFSetDirectory(b, (uint16_t)p)) {
			snprintf(why, whylen, "cannot read page %d", p + 1);
			goto out;
		}
		if (testdoc_compare_page(a, b, p + 1, why, whylen) < 0)
			goto out;
	}
	rc = 0;
out:
	if (a != NULL)
		TIFFClose(a);
	if (b != NULL)
		TIFFClose(b);
	return rc;
}
