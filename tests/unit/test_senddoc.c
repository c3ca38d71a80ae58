/*
 * test_senddoc.c - a document submitted for sending (senddoc.h) and the
 * router's PREPARE requests (router.h): TIFFs of 1 and 3 pages come out
 * as TIFF Class F with the same pixels (also from tiles, min-is-black,
 * LZW, 200 dpi); wrong width, 8-bit grey, 300 dpi, too many pages, empty,
 * too big, text, truncated and damaged files are refused with the reason the user
 * reads; a 2-page PDF (written here by hand) becomes 2 pages 1728 wide, a
 * 1000-page PDF is refused by its page count before any rendering, a PDF
 * that is garbage after its header and an encrypted one are refused; a
 * PREPARE request through router_handle and through a real router
 * process gives the reply.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>

#include "testutil.h"
#include "router.h"
#include "senddoc.h"
#include "testdoc.h"

Suite *senddoc_suite(void);

#define SD_WIDTHS "fax pages are 1728 (A4/Letter), 2048 (B4) or 2432 (A3) at 8 pels/mm"

static char sd_root[256];
static char sd_path[8][1024];
static char sd_err[FGW_MAX_ERROR_TEXT];
static unsigned sd_pages;

static const char *sd_p(const char *rel)
{
	static unsigned next;
	char *p = sd_path[next++ % 8];

	snprintf(p, sizeof(sd_path[0]), "%s/%s", sd_root, rel);
	return p;
}

static void sd_setup(void)
{
	snprintf(sd_root, sizeof(sd_root), "/tmp/faxgw-senddoc-XXXXXX");
	ck_assert(mkdtemp(sd_root) != NULL);
	sd_err[0] = '\0';
	sd_pages = 0;
}

static void sd_teardown(void)
{
	testutil_rmtree(sd_root);
}

static bool sd_exists(const char *rel)
{
	return access(sd_p(rel), F_OK) == 0;
}

static void sd_write(const char *rel, const void *p, size_t n)
{
	FILE *f = fopen(sd_p(rel), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* senddoc_prepare(rel -> "out.tif"); its return code. */
static int sd_prepare(const char *rel, unsigned max)
{
	return senddoc_prepare(sd_p(rel), sd_p("out.tif"), max, &sd_pages, sd_err, sizeof(sd_err));
}

/* A refusal: -1, this exact reason, no page, and nothing written. */
static void sd_refused(const char *rel, unsigned max, const char *reason)
{
	ck_assert_int_eq(sd_prepare(rel, max), -1);
	ck_assert_str_eq(sd_err, reason);
	ck_assert_uint_eq(sd_pages, 0);
	ck_assert(!sd_exists("out.tif"));
	ck_assert(!sd_exists("out.tif.tmp"));
	ck_assert(!sd_exists("out.tif.gs"));
	ck_assert(!sd_exists("out.tif.pdf.tif"));
}

static void sd_same(const char *a, const char *b)
{
	char why[256] = "";

	ck_assert_msg(testdoc_compare(sd_p(a), sd_p(b), why, sizeof(why)) == 0, "%s", why);
}

/* --- TIFFs made here ------------------------------------------------------------ */

struct sd_page {
	uint32_t width, rows;
	uint16_t bps;
	float ydpi;
	uint16_t photometric;
	uint16_t compression;
	uint32_t tile;                /* 0: strips */
};

static const struct sd_page sd_fax = { 1728, 100, 1, 196.0f, PHOTOMETRIC_MINISWHITE,
				       COMPRESSION_CCITTFAX4, 0 };

static void sd_fill(unsigned char *row, size_t n, uint32_t y, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		row[i] = (unsigned char)(((y / 7 + i + seed) % 9) == 0 ? 0xf0 : 0x00);
}

static void sd_tiff_page(TIFF *t, const struct sd_page *pg, unsigned seed)
{
	size_t bpr = ((size_t)pg->width * pg->bps + 7) / 8;
	unsigned char *row = calloc(1, bpr);

	ck_assert_ptr_nonnull(row);
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, pg->width);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, pg->rows);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, pg->bps);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_COMPRESSION, pg->compression);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, pg->photometric);
	TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
	TIFFSetField(t, TIFFTAG_YRESOLUTION, pg->ydpi);
	TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
	for (uint32_t y = 0; y < pg->rows; y++) {
		sd_fill(row, bpr, y, seed);
		ck_assert_int_eq(TIFFWriteScanline(t, row, y, 0), 1);
	}
	ck_assert(TIFFWriteDirectory(t));
	free(row);
}

/* Writes rel with n pages (pages[i], or pages[0] for all when one). */
static void sd_tiff(const char *rel, const struct sd_page *pages, unsigned n, unsigned npg)
{
	TIFF *t = TIFFOpen(sd_p(rel), "w");

	ck_assert_ptr_nonnull(t);
	for (unsigned i = 0; i < n; i++)
		sd_tiff_page(t, &pages[npg > 1 ? i : 0], i);
	TIFFClose(t);
}

/* Copies the 1-bit TIFF src into dst as tiles of tw x tl pixels, LZW,
 * min-is-black: what spandsp cannot read scanline by scanline. */
static void sd_tile_copy(const char *src, const char *dst, uint32_t tw, uint32_t tl)
{
	TIFF *in = TIFFOpen(sd_p(src), "r"), *out = TIFFOpen(sd_p(dst), "w");
	uint32_t w = 0, h = 0;
	float xr = 0, yr = 0;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	do {
		TIFFGetField(in, TIFFTAG_IMAGEWIDTH, &w);
		TIFFGetField(in, TIFFTAG_IMAGELENGTH, &h);
		TIFFGetField(in, TIFFTAG_XRESOLUTION, &xr);
		TIFFGetField(in, TIFFTAG_YRESOLUTION, &yr);
		unsigned char *page = calloc((size_t)(w / 8) * h, 1), *tile = malloc(tw / 8 * tl);
		ck_assert_ptr_nonnull(page);
		ck_assert_ptr_nonnull(tile);
		for (uint32_t y = 0; y < h; y++)
			ck_assert_int_eq(TIFFReadScanline(in, page + (size_t)y * (w / 8), y, 0), 1);
		TIFFSetField(out, TIFFTAG_IMAGEWIDTH, w);
		TIFFSetField(out, TIFFTAG_IMAGELENGTH, h);
		TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(out, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
		TIFFSetField(out, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
		TIFFSetField(out, TIFFTAG_XRESOLUTION, xr);
		TIFFSetField(out, TIFFTAG_YRESOLUTION, yr);
		TIFFSetField(out, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(out, TIFFTAG_TILEWIDTH, tw);
		TIFFSetField(out, TIFFTAG_TILELENGTH, tl);
		for (uint32_t ty = 0; ty < h; ty += tl)
			for (uint32_t tx = 0; tx < w; tx += tw) {
				memset(tile, 0xff, tw / 8 * tl);
				for (uint32_t r = 0; r < tl && ty + r < h; r++)
					for (uint32_t c = 0; c < tw / 8 && tx / 8 + c < w / 8; c++)
						tile[r * (tw / 8) + c] = (unsigned char)
							~page[(size_t)(ty + r) * (w / 8) + tx / 8 + c];
				ck_assert(TIFFWriteTile(out, tile, tx, ty, 0, 0) > 0);
			}
		ck_assert(TIFFWriteDirectory(out));
		free(page);
		free(tile);
	} while (TIFFReadDirectory(in));
	TIFFClose(in);
	TIFFClose(out);
}

/* The tags of page `page` of rel the way senddoc writes them. */
static void sd_assert_class_f(const char *rel, tdir_t page, uint32_t width, float ydpi)
{
	TIFF *t = TIFFOpen(sd_p(rel), "r");
	uint16_t comp = 0, photo = 9, fill = 0, bps = 0, unit = 0;
	uint32_t w = 0;
	float xr = 0, yr = 0;

	ck_assert_ptr_nonnull(t);
	ck_assert(TIFFSetDirectory(t, page));
	ck_assert(!TIFFIsTiled(t));
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(t, TIFFTAG_COMPRESSION, &comp);
	TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo);
	TIFFGetField(t, TIFFTAG_FILLORDER, &fill);
	TIFFGetField(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetField(t, TIFFTAG_RESOLUTIONUNIT, &unit);
	TIFFGetField(t, TIFFTAG_XRESOLUTION, &xr);
	TIFFGetField(t, TIFFTAG_YRESOLUTION, &yr);
	ck_assert_uint_eq(w, width);
	ck_assert_uint_eq(comp, COMPRESSION_CCITTFAX4);
	ck_assert_uint_eq(photo, PHOTOMETRIC_MINISWHITE);
	ck_assert_uint_eq(fill, FILLORDER_LSB2MSB);
	ck_assert_uint_eq(bps, 1);
	ck_assert_uint_eq(unit, RESUNIT_INCH);
	ck_assert_float_eq(xr, 204.0f);
	ck_assert_float_eq(yr, ydpi);
	TIFFClose(t);
}

/* --- TIFF ------------------------------------------------------------------------- */

START_TEST(tiff_one_page)
{
	ck_assert_int_eq(testdoc_make(sd_p("one.tif"), 1, TESTDOC_FINE, 3), 0);
	ck_assert_msg(sd_prepare("one.tif", 0) == 0, "%s", sd_err);
	ck_assert_uint_eq(sd_pages, 1);
	sd_same("one.tif", "out.tif");
	sd_assert_class_f("out.tif", 0, 1728, 196.0f);
	ck_assert(!sd_exists("out.tif.tmp"));
}
END_TEST

START_TEST(tiff_three_pages)
{
	ck_assert_int_eq(testdoc_make(sd_p("three.tif"), 3, TESTDOC_MIXED, 4), 0);
	ck_assert_msg(sd_prepare("three.tif", 3) == 0, "%s", sd_err);
	ck_assert_uint_eq(sd_pages, 3);
	ck_assert_int_eq(testdoc_pages(sd_p("out.tif")), 3);
	sd_same("three.tif", "out.tif");
	sd_assert_class_f("out.tif", 0, 1728, 98.0f);
	sd_assert_class_f("out.tif", 1, 1728, 196.0f);
	/* Checking the output again gives the same bytes: the form is canonical. */
	ck_assert_int_eq(senddoc_prepare(sd_p("out.tif"), sd_p("again.tif"), 3, &sd_pages, sd_err,
					 sizeof(sd_err)), 0);
	sd_same("out.tif", "again.tif");
}
END_TEST

/* An existing `out` is replaced whole. */
START_TEST(tiff_replaces_out)
{
	sd_write("out.tif", "old", 3);
	ck_assert_int_eq(testdoc_make(sd_p("one.tif"), 1, TESTDOC_STANDARD, 5), 0);
	ck_assert_msg(sd_prepare("one.tif", 0) == 0, "%s", sd_err);
	sd_same("one.tif", "out.tif");
}
END_TEST

/* Tiles, LZW, min-is-black: re-encoded as strips, same pixels. */
START_TEST(tiff_tiled_min_is_black)
{
	ck_assert_int_eq(testdoc_make(sd_p("two.tif"), 2, TESTDOC_FINE, 6), 0);
	sd_tile_copy("two.tif", "tiled.tif", 256, 64);
	ck_assert_msg(sd_prepare("tiled.tif", 0) == 0, "%s", sd_err);
	ck_assert_uint_eq(sd_pages, 2);
	sd_same("two.tif", "out.tif");
	sd_assert_class_f("out.tif", 1, 1728, 196.0f);
}
END_TEST

/* B4 and A3 widths, superfine, and 200 dpi (sent as fine: written 196). */
START_TEST(tiff_widths_and_resolutions)
{
	struct sd_page pg[3] = { sd_fax, sd_fax, sd_fax };

	pg[0].width = 2048;
	pg[1].width = 2432;
	pg[1].ydpi = 391.0f;
	pg[2].ydpi = 200.0f;
	pg[2].compression = COMPRESSION_NONE;
	sd_tiff("mixed.tif", pg, 3, 3);
	ck_assert_msg(sd_prepare("mixed.tif", 0) == 0, "%s", sd_err);
	ck_assert_uint_eq(sd_pages, 3);
	sd_assert_class_f("out.tif", 0, 2048, 196.0f);
	sd_assert_class_f("out.tif", 1, 2432, 391.0f);
	sd_assert_class_f("out.tif", 2, 1728, 196.0f);
}
END_TEST

START_TEST(tiff_wrong_width)
{
	struct sd_page pg[2] = { sd_fax, sd_fax };

	pg[1].width = 1700;
	sd_tiff("narrow.tif", pg, 2, 2);
	sd_refused("narrow.tif", 0, "page 2 is 1700 pixels wide; " SD_WIDTHS);
}
END_TEST

START_TEST(tiff_grey)
{
	struct sd_page pg = sd_fax;

	pg.bps = 8;
	pg.compression = COMPRESSION_LZW;
	pg.photometric = PHOTOMETRIC_MINISBLACK;
	sd_tiff("grey.tif", &pg, 1, 1);
	sd_refused("grey.tif", 0, "page 1 has 8 bits per pixel; fax pages are black and white "
		   "(1 bit per pixel)");
}
END_TEST

START_TEST(tiff_vertical_resolution)
{
	struct sd_page pg = sd_fax;

	pg.ydpi = 300.0f;
	sd_tiff("r300.tif", &pg, 1, 1);
	sd_refused("r300.tif", 0, "page 1 has a vertical resolution of 300 dpi; fax sends 98, 196 "
		   "or 391 dpi (3.85, 7.7 or 15.4 lines/mm)");
}
END_TEST

/* More pages than allowed: refused after max + 1 directories. */
START_TEST(tiff_too_many_pages)
{
	struct sd_page pg = sd_fax;
	time_t t0;

	ck_assert_int_eq(testdoc_make(sd_p("three.tif"), 3, TESTDOC_STANDARD, 7), 0);
	sd_refused("three.tif", 2, "at least 3 pages: more than 2");
	pg.rows = 1;
	sd_tiff("many.tif", &pg, FGW_MAX_SEND_PAGES + 20, 1);
	t0 = time(NULL);
	sd_refused("many.tif", 0, "at least 501 pages: more than 500");
	sd_refused("many.tif", 100000, "at least 501 pages: more than 500");
	ck_assert_int_le(time(NULL) - t0, 5);
	ck_assert_msg(sd_prepare("many.tif", 0) == -1, "%s", sd_err);
}
END_TEST

START_TEST(empty_file)
{
	sd_write("empty.tif", "", 0);
	sd_refused("empty.tif", 0, "the file is empty");
}
END_TEST

/* Over FGW_MAX_SEND_BYTES (a sparse file: no disk used). */
START_TEST(too_big)
{
	char want[128];
	int fd = open(sd_p("big.tif"), O_WRONLY | O_CREAT, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "II*\0", 4, 0), 4);
	ck_assert_int_eq(ftruncate(fd, (off_t)FGW_MAX_SEND_BYTES + 1), 0);
	close(fd);
	snprintf(want, sizeof(want), "the file is %llu bytes: more than 64 MiB",
		 (unsigned long long)FGW_MAX_SEND_BYTES + 1);
	sd_refused("big.tif", 0, want);
}
END_TEST

START_TEST(text_file)
{
	static const char text[] = "Dear sir,\nplease find attached...\n";

	sd_write("letter.tif", text, sizeof(text) - 1);
	sd_refused("letter.tif", 0, "not a TIFF or PDF file");
	sd_write("short", "II", 2);
	sd_refused("short", 0, "not a TIFF or PDF file");
}
END_TEST

START_TEST(missing_file)
{
	sd_refused("nothing-here.tif", 0, "cannot open the document: No such file or directory");
	ck_assert_int_eq(mkdir(sd_p("dir.tif"), 0755), 0);
	sd_refused("dir.tif", 0, "the document is not a regular file");
}
END_TEST

/* A file cut short: a clear reason naming the TIFF or the page, never a
 * page of garbage. */
START_TEST(tiff_truncated)
{
	struct stat st;
	int cuts[] = { 12, 30, 50, 70, 90 };

	ck_assert_int_eq(testdoc_make(sd_p("three.tif"), 3, TESTDOC_FINE, 8), 0);
	ck_assert_int_eq(stat(sd_p("three.tif"), &st), 0);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		ck_assert_int_eq(truncate(sd_p("three.tif"), cuts[i] == 12 ? 12 :
					  st.st_size * cuts[i] / 100), 0);
		ck_assert_int_eq(sd_prepare("three.tif", 0), -1);
		ck_assert_msg(strncmp(sd_err, "not a valid TIFF: ", 18) == 0 ||
			      strncmp(sd_err, "page ", 5) == 0, "cut at %d%%: %s", cuts[i], sd_err);
		ck_assert_msg(strstr(sd_err, sd_root) == NULL, "the spool path leaks: %s", sd_err);
		ck_assert(!sd_exists("out.tif"));
		ck_assert(!sd_exists("out.tif.tmp"));
	}
}
END_TEST

/* Writes rel: one 1728 x 100 page whose only strip is the raw bytes
 * given (compression comp): damaged data under a good directory. */
static void sd_raw_strip(const char *rel, uint16_t comp, const void *raw, size_t n)
{
	TIFF *t = TIFFOpen(sd_p(rel), "w");

	ck_assert_ptr_nonnull(t);
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 1728);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, 100);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(t, TIFFTAG_COMPRESSION, comp);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
	TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0f);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 100);
	ck_assert(TIFFWriteRawStrip(t, 0, (void *)raw, (tmsize_t)n) > 0);
	ck_assert(TIFFWriteDirectory(t));
	TIFFClose(t);
}

/* Damaged page data: refused, naming the page and libtiff's finding. */
START_TEST(tiff_damaged_strip)
{
	unsigned char junk[2000];

	srand(1);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	sd_raw_strip("g3.tif", COMPRESSION_CCITTFAX3, junk, sizeof(junk));
	ck_assert_int_eq(sd_prepare("g3.tif", 0), -1);
	ck_assert_msg(strncmp(sd_err, "page 1 cannot be read: ", 23) == 0 && strlen(sd_err) > 30,
		      "%s", sd_err);
	/* uncompressed, 254 of its 21600 bytes */
	sd_raw_strip("short.tif", COMPRESSION_NONE, junk, 254);
	ck_assert_int_eq(sd_prepare("short.tif", 0), -1);
	ck_assert_msg(strncmp(sd_err, "page 1 cannot be read: ", 23) == 0 && strlen(sd_err) > 30,
		      "%s", sd_err);
	ck_assert_msg(strstr(sd_err, sd_root) == NULL, "the spool path leaks: %s", sd_err);
	ck_assert(!sd_exists("out.tif"));
	ck_assert(!sd_exists("out.tif.tmp"));
}
END_TEST

/* --- PDF ---------------------------------------------------------------------------- */

/* Writes a PDF of n A4 pages by hand (objects, xref table, trailer); each
 * page shows "Page N" in Helvetica and a line. */
static void sd_pdf(const char *rel, unsigned n)
{
	FILE *f = fopen(sd_p(rel), "w");
	long *off = calloc(2 * n + 4, sizeof(*off));
	unsigned font = 2 * n + 3, obj = 0;
	long xref;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(off);
	fprintf(f, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
	off[++obj] = ftell(f);
	fprintf(f, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[++obj] = ftell(f);
	fprintf(f, "2 0 obj\n<< /Type /Pages /Count %u /Kids [", n);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%u 0 R ", 3 + 2 * i);
	fprintf(f, "] >>\nendobj\n");
	for (unsigned i = 0; i < n; i++) {
		char content[128];
		int len = snprintf(content, sizeof(content),
				   "BT /F1 48 Tf 72 700 Td (Page %u) Tj ET 72 100 m 520 100 l S", i + 1);

		off[++obj] = ftell(f);
		fprintf(f, "%u 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
			"/Resources << /Font << /F1 %u 0 R >> >> /Contents %u 0 R >>\nendobj\n",
			obj, font, obj + 1);
		off[++obj] = ftell(f);
		fprintf(f, "%u 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", obj, len,
			content);
	}
	off[++obj] = ftell(f);
	fprintf(f, "%u 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n",
		obj);
	xref = ftell(f);
	fprintf(f, "xref\n0 %u\n0000000000 65535 f \n", obj + 1);
	for (unsigned i = 1; i <= obj; i++)
		fprintf(f, "%010ld 00000 n \n", off[i]);
	fprintf(f, "trailer\n<< /Size %u /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", obj + 1, xref);
	ck_assert_int_eq(fclose(f), 0);
	free(off);
}

/* Black pixels on a page of rel. */
static unsigned long sd_black(const char *rel, tdir_t page)
{
	TIFF *t = TIFFOpen(sd_p(rel), "r");
	uint32_t w = 0, h = 0;
	unsigned long n = 0;
	unsigned char *row;

	ck_assert_ptr_nonnull(t);
	ck_assert(TIFFSetDirectory(t, page));
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
	row = malloc(w / 8);
	ck_assert_ptr_nonnull(row);
	for (uint32_t y = 0; y < h; y++) {
		ck_assert_int_eq(TIFFReadScanline(t, row, y, 0), 1);
		for (uint32_t i = 0; i < w / 8; i++)
			n += (unsigned long)__builtin_popcount(row[i]);   /* min-is-white */
	}
	free(row);
	TIFFClose(t);
	return n;
}

/* Runs argv (an absolute path first), stdout and stderr to /dev/null;
 * its exit status. */
static int sd_run(char *const argv[])
{
	pid_t pid = fork();
	int st = -1;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(nul, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(pdf_two_pages)
{
	sd_pdf("two.pdf", 2);
	ck_assert_msg(sd_prepare("two.pdf", 0) == 0, "%s", sd_err);
	ck_assert_uint_eq(sd_pages, 2);
	ck_assert_int_eq(testdoc_pages(sd_p("out.tif")), 2);
	sd_assert_class_f("out.tif", 0, 1728, 196.0f);
	sd_assert_class_f("out.tif", 1, 1728, 196.0f);
	/* the text and the line were drawn */
	ck_assert_uint_gt(sd_black("out.tif", 0), 1000);
	ck_assert_uint_gt(sd_black("out.tif", 1), 1000);
	/* pixel for pixel what Ghostscript renders at these settings
	 * (docs/internals.md) */
	if (access("/usr/bin/gs", X_OK) == 0) {
		char ref[1100], in[1100];
		char *argv[] = { "/usr/bin/gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE",
				 "-sDEVICE=tiffg4", "-r204x196", "-sPAPERSIZE=a4", "-dFIXEDMEDIA",
				 "-dPDFFitPage", ref, in, NULL };

		snprintf(ref, sizeof(ref), "-sOutputFile=%s", sd_p("ref.tif"));
		snprintf(in, sizeof(in), "%s", sd_p("two.pdf"));
		ck_assert_int_eq(sd_run(argv), 0);
		sd_same("ref.tif", "out.tif");
	}
	ck_assert(!sd_exists("out.tif.gs"));
	ck_assert(!sd_exists("out.tif.pdf.tif"));
	ck_assert(!sd_exists("out.tif.tmp"));
	/* the page limit holds for a PDF too */
	ck_assert_int_eq(unlink(sd_p("out.tif")), 0);
	sd_refused("two.pdf", 1, "2 pages: more than 1");
}
END_TEST

/* Refused by pdfinfo's count, before Ghostscript renders anything. */
START_TEST(pdf_thousand_pages)
{
	struct timespec a, b;

	sd_pdf("k.pdf", 1000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	sd_refused("k.pdf", 0, "1000 pages: more than 500");
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_lt(b.tv_sec - a.tv_sec, 3);
}
END_TEST

START_TEST(pdf_garbage)
{
	static const char garbage[] = "%PDF-1.4\nthis is not a PDF at all \x01\x02\x03\n";

	sd_write("bad.pdf", garbage, sizeof(garbage) - 1);
	ck_assert_int_eq(sd_prepare("bad.pdf", 0), -1);
	ck_assert_msg(strncmp(sd_err, "not a valid PDF: ", 17) == 0 && strlen(sd_err) > 20,
		      "%s", sd_err);
	ck_assert_msg(strstr(sd_err, "xref") != NULL || strstr(sd_err, "trailer") != NULL,
		      "%s", sd_err);
	ck_assert(!sd_exists("out.tif"));
	sd_write("hdr.pdf", "%PDF-", 5);
	ck_assert_int_eq(sd_prepare("hdr.pdf", 0), -1);
	ck_assert_msg(strncmp(sd_err, "not a valid PDF: ", 17) == 0, "%s", sd_err);
}
END_TEST

/* A PDF that needs a password (Ghostscript's pdfwrite encrypts it). */
START_TEST(pdf_encrypted)
{
	char in[1100], out[1100];
	char *argv[] = { "/usr/bin/gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE",
			 "-sDEVICE=pdfwrite", "-sOwnerPassword=owner", "-sUserPassword=user",
			 "-dEncryptionR=3", "-dKeyLength=128", out, in, NULL };

	if (access(argv[0], X_OK) != 0)
		return;               /* no gs: pdf_two_pages fails already */
	sd_pdf("plain.pdf", 1);
	snprintf(in, sizeof(in), "%s", sd_p("plain.pdf"));
	snprintf(out, sizeof(out), "-sOutputFile=%s", sd_p("locked.pdf"));
	ck_assert_int_eq(sd_run(argv), 0);
	sd_refused("locked.pdf", 0, "the PDF is encrypted: it cannot be opened without a password");
}
END_TEST

/* --- the router ------------------------------------------------------------------ */

static void sd_request(struct router_request *rq, uint64_t job, const char *in, const char *out)
{
	memset(rq, 0, sizeof(*rq));
	rq->kind = ROUTER_PREPARE;
	rq->job_id = job;
	rq->max_pages = FGW_MAX_SEND_PAGES;
	snprintf(rq->path, sizeof(rq->path), "%s", sd_p(in));
	snprintf(rq->out_path, sizeof(rq->out_path), "%s", sd_p(out));
}

/* In the calling process, as the router process handles each request. */
START_TEST(router_handle_prepare)
{
	struct router_request *rq = malloc(sizeof(*rq));
	struct router_reply rp;

	ck_assert_ptr_nonnull(rq);
	ck_assert_int_eq(testdoc_make(sd_p("three.tif"), 3, TESTDOC_STANDARD, 9), 0);
	sd_request(rq, 41, "three.tif", "job41.tif");
	router_handle(NULL, rq, &rp);
	ck_assert_uint_eq(rp.kind, ROUTER_PREPARE);
	ck_assert_uint_eq(rp.job_id, 41);
	ck_assert_int_eq(rp.status, FGW_ROUTE_OK);
	ck_assert_uint_eq(rp.pages, 3);
	ck_assert_str_eq(rp.msg, "");
	sd_same("three.tif", "job41.tif");

	sd_write("note.txt", "hello\n", 6);
	sd_request(rq, 42, "note.txt", "job42.tif");
	router_handle(NULL, rq, &rp);
	ck_assert_uint_eq(rp.kind, ROUTER_PREPARE);
	ck_assert_uint_eq(rp.job_id, 42);
	ck_assert_int_eq(rp.status, FGW_ROUTE_FAIL);
	ck_assert_uint_eq(rp.pages, 0);
	ck_assert_str_eq(rp.msg, "not a TIFF or PDF file");
	ck_assert(!sd_exists("job42.tif"));

	/* the request's page limit */
	sd_request(rq, 43, "three.tif", "job43.tif");
	rq->max_pages = 2;
	router_handle(NULL, rq, &rp);
	ck_assert_int_eq(rp.status, FGW_ROUTE_FAIL);
	ck_assert_str_eq(rp.msg, "at least 3 pages: more than 2");
	free(rq);
}
END_TEST

/* Waits for one reply from the router process. */
static void sd_recv(struct router *r, struct router_reply *rp)
{
	for (int i = 0; i < 300; i++) {
		struct pollfd p = { .fd = router_fd(r), .events = POLLIN };
		int rc;

		poll(&p, 1, 100);
		rc = router_recv(r, rp);
		ck_assert_int_ne(rc, -1);
		if (rc == 1)
			return;
	}
	ck_abort_msg("no reply from the router");
}

/* Through a real router process (which closed every other descriptor):
 * a PDF rendered (Ghostscript found and run from there) and a refusal,
 * replies matched by job id. */
START_TEST(router_process_prepare)
{
	struct router_request *rq = malloc(sizeof(*rq));
	struct router_reply rp[2], *pdf, *bad;
	struct router *r = NULL;
	char err[256];

	ck_assert_ptr_nonnull(rq);
	sd_pdf("two.pdf", 2);
	sd_write("empty.pdf", "", 0);
	ck_assert_int_eq(router_start(NULL, &r, err, sizeof(err)), 0);
	sd_request(rq, 7, "two.pdf", "job7.tif");
	ck_assert_int_eq(router_send(r, rq), 0);
	sd_request(rq, 8, "empty.pdf", "job8.tif");
	ck_assert_int_eq(router_send(r, rq), 0);
	sd_recv(r, &rp[0]);
	sd_recv(r, &rp[1]);
	pdf = rp[0].job_id == 7 ? &rp[0] : &rp[1];
	bad = rp[0].job_id == 7 ? &rp[1] : &rp[0];
	ck_assert_uint_eq(pdf->job_id, 7);
	ck_assert_uint_eq(bad->job_id, 8);
	ck_assert_uint_eq(pdf->kind, ROUTER_PREPARE);
	ck_assert_msg(pdf->status == FGW_ROUTE_OK, "%s", pdf->msg);
	ck_assert_uint_eq(pdf->pages, 2);
	ck_assert_int_eq(testdoc_pages(sd_p("job7.tif")), 2);
	sd_assert_class_f("job7.tif", 1, 1728, 196.0f);
	ck_assert_uint_eq(bad->kind, ROUTER_PREPARE);
	ck_assert_int_eq(bad->status, FGW_ROUTE_FAIL);
	ck_assert_uint_eq(bad->pages, 0);
	ck_assert_str_eq(bad->msg, "the file is empty");
	router_free(r);
	free(rq);
}
END_TEST

Suite *senddoc_suite(void)
{
	Suite *s = suite_create("senddoc");
	TCase *tiff = tcase_create("tiff");
	TCase *bad = tcase_create("refused");
	TCase *pdf = tcase_create("pdf");
	TCase *rt = tcase_create("router");

	tcase_add_checked_fixture(tiff, sd_setup, sd_teardown);
	tcase_add_test(tiff, tiff_one_page);
	tcase_add_test(tiff, tiff_three_pages);
	tcase_add_test(tiff, tiff_replaces_out);
	tcase_add_test(tiff, tiff_tiled_min_is_black);
	tcase_add_test(tiff, tiff_widths_and_resolutions);
	suite_add_tcase(s, tiff);

	tcase_add_checked_fixture(bad, sd_setup, sd_teardown);
	tcase_add_test(bad, tiff_wrong_width);
	tcase_add_test(bad, tiff_grey);
	tcase_add_test(bad, tiff_vertical_resolution);
	tcase_add_test(bad, tiff_too_many_pages);
	tcase_add_test(bad, empty_file);
	tcase_add_test(bad, too_big);
	tcase_add_test(bad, text_file);
	tcase_add_test(bad, missing_file);
	tcase_add_test(bad, tiff_truncated);
	tcase_add_test(bad, tiff_damaged_strip);
	tcase_set_timeout(bad, 30);
	suite_add_tcase(s, bad);

	tcase_add_checked_fixture(pdf, sd_setup, sd_teardown);
	tcase_add_test(pdf, pdf_two_pages);
	tcase_add_test(pdf, pdf_thousand_pages);
	tcase_add_test(pdf, pdf_garbage);
	tcase_add_test(pdf, pdf_encrypted);
	tcase_set_timeout(pdf, 60);
	suite_add_tcase(s, pdf);

	tcase_add_checked_fixture(rt, sd_setup, sd_teardown);
	tcase_add_test(rt, router_handle_prepare);
	tcase_add_test(rt, router_process_prepare);
	tcase_set_timeout(rt, 60);
	suite_add_tcase(s, rt);
	return s;
}
