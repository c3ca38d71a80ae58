/*
 * test_pdf.c - the fax-to-PDF writer (gateway/ext/common/pdf.c).
 *
 * The PDFs are checked twice: their structure here (cross-reference
 * offsets, page count), and their pixels through poppler-utils: each page
 * rendered by pdftoppm at exactly the fax page's pixel size must equal the
 * TIFF page decoded by libtiff, bit for bit.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tiffio.h>

#include "caps.h"

#include "../../gateway/ext/common/pdf.h"
#include "test_pdf.h"
#include "testdoc.h"

Suite *pdf_suite(void);

#define TP_PDFTOPPM "/usr/bin/pdftoppm"
#define TP_PDFINFO "/usr/bin/pdfinfo"
#define TP_PDFIMAGES "/usr/bin/pdfimages"

static char tp_root[256];

/* --- helpers shared with other suites (test_pdf.h) ------------------------------- */

int test_pdf_have_poppler(void)
{
	return access(TP_PDFTOPPM, X_OK) == 0 && access(TP_PDFINFO, X_OK) == 0;
}

/* The first occurrence of needle in p[0..len). */
static const unsigned char *tp_find(const unsigned char *p, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (memcmp(p + i, needle, n) == 0)
			return p + i;
	return NULL;
}

/* The last occurrence of needle in p[0..len). */
static const unsigned char *tp_find_last(const unsigned char *p, size_t len,
					 const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
		if (memcmp(p + i, needle, n) == 0)
			return p + i;
	return NULL;
}

/* Checks each xref entry of the table at p + xref; returns the entry count. */
static long tp_check_xref(const unsigned char *p, size_t len, size_t xref, char *why,
			  size_t whylen)
{
	unsigned first, count;
	char head[64];
	const unsigned char *e;

	if (xref >= len || len - xref < 32 || memcmp(p + xref, "xref\n", 5) != 0) {
		snprintf(why, whylen, "startxref %zu does not point at 'xref'", xref);
		return -1;
	}
	memcpy(head, p + xref + 5, sizeof(head) - 1);
	head[sizeof(head) - 1] = '\0';
	if (sscanf(head, "%u %u", &first, &count) != 2 || first != 0 || count < 4) {
		snprintf(why, whylen, "bad xref subsection header");
		return -1;
	}
	e = (const unsigned char *)memchr(p + xref + 5, '\n', len - xref - 5);
	if (e == NULL || (size_t)(p + len - (e + 1)) < (size_t)count * 20) {
		snprintf(why, whylen, "xref table truncated");
		return -1;
	}
	e++;
	for (unsigned i = 1; i < count; i++) {
		char ent[21], obj[32];
		unsigned long off;
		memcpy(ent, e + 20 * i, 20);
		ent[20] = '\0';
		if (sscanf(ent, "%10lu 00000 n", &off) != 1 || ent[18] != ' ' || ent[19] != '\n' ||
		    off >= len) {
			snprintf(why, whylen, "xref entry %u is malformed: '%.18s'", i, ent);
			return -1;
		}
		snprintf(obj, sizeof(obj), "%u 0 obj\n", i);
		if (len - off < strlen(obj) || memcmp(p + off, obj, strlen(obj)) != 0) {
			snprintf(why, whylen, "xref entry %u (offset %lu) does not point at its "
				 "object", i, off);
			return -1;
		}
	}
	return count;
}

int test_pdf_structure(const unsigned char *pdf, size_t len, char *why, size_t whylen)
{
	const unsigned char *sx, *cnt;
	char tmp[32];
	size_t xref;
	unsigned pages;
	long n;

	if (len < 64 || memcmp(pdf, "%PDF-1.", 7) != 0) {
		snprintf(why, whylen, "no %%PDF- header");
		return -1;
	}
	if (memcmp(pdf + len - 6, "%%EOF\n", 6) != 0) {
		snprintf(why, whylen, "does not end with %%%%EOF");
		return -1;
	}
	sx = tp_find_last(pdf, len, "startxref\n");
	if (sx == NULL) {
		snprintf(why, whylen, "no startxref");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%.20s", (const char *)sx + 10);
	xref = strtoul(tmp, NULL, 10);
	n = tp_check_xref(pdf, len, xref, why, whylen);
	if (n < 0)
		return -1;
	cnt = tp_find(pdf, len, "/Type /Pages /Count ");
	if (cnt == NULL || sscanf((const char *)cnt + 20, "%u", &pages) != 1) {
		snprintf(why, whylen, "no page tree count");
		return -1;
	}
	if ((long)(4 + 3 * pages) != n) {
		snprintf(why, whylen, "%ld objects for %u pages", n, pages);
		return -1;
	}
	return (int)pages;
}

/* Runs argv with stdout/stderr to /dev/null; the exit status or -1. */
static int tp_run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Reads a binary PBM (P4) into a malloc'd bit array; 0 or -1. */
static int tp_read_pbm(const char *path, unsigned *w, unsigned *h, unsigned char **bits)
{
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = -1;

	*bits = NULL;
	if (f == NULL)
		return -1;
	if (fscanf(f, "P4 %u %u", w, h) == 2 && fgetc(f) != EOF && *w > 0 && *h > 0 &&
	    *w <= FGW_MAX_PAGE_COLUMNS && *h <= FGW_MAX_PAGE_ROWS) {
		n = (size_t)(*w + 7) / 8 * *h;
		*bits = malloc(n);
		if (*bits != NULL && fread(*bits, 1, n, f) == n)
			rc = 0;
	}
	fclose(f);
	return rc;
}

/* Pixel (x, y) of a 1-bit row-major image with rows of rb bytes; 0 outside. */
static int tp_px(const unsigned char *bits, unsigned w, unsigned h, long x, long y)
{
	size_t rb = (w + 7) / 8;

	if (x < 0 || y < 0 || x >= (long)w || y >= (long)h)
		return 0;
	return (bits[rb * (size_t)y + (size_t)x / 8] >> (7 - x % 8)) & 1;
}

/* Black pixels of a with no black pixel of b in their 3x3 neighbourhood,
 * and the other way round. */
static long tp_stray(const unsigned char *a, const unsigned char *b, unsigned w, unsigned h)
{
	long n = 0;

	for (long y = 0; y < (long)h; y++)
		for (long x = 0; x < (long)w; x++) {
			int pa = tp_px(a, w, h, x, y), pb = tp_px(b, w, h, x, y), near = 0;
			const unsigned char *other = pa ? b : a;
			if (pa == pb)
				continue;
			for (long dy = -1; dy <= 1; dy++)
				for (long dx = -1; dx <= 1; dx++)
					near |= tp_px(other, w, h, x + dx, y + dy);
			n += !near;
		}
	return n;
}

/* Page size in points of page `page` per pdfinfo; 0 or -1. */
static int tp_page_size(const char *pdf, int page, double *w, double *h)
{
	char cmd[1200], line[256], want[32];
	FILE *p;
	int rc = -1;

	snprintf(cmd, sizeof(cmd), "%s -f %d -l %d '%s' 2>/dev/null", TP_PDFINFO, page, page,
		 pdf);
	snprintf(want, sizeof(want), "Page %4d size:", page);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL)
		if (strncmp(line, want, strlen(want)) == 0 &&
		    sscanf(line + strlen(want), "%lf x %lf", w, h) == 2)
			rc = 0;
	pclose(p);
	return rc;
}

/* One TIFF page decoded by libtiff: 1 = black. */
struct tp_page {
	uint32_t w, h;
	float xdpi, ydpi;
	unsigned char *bits;
};

static int tp_tiff_page(TIFF *tif, int page, struct tp_page *pg)
{
	uint16_t photo = PHOTOMETRIC_MINISWHITE, unit = RESUNIT_INCH;
	size_t rb;

	memset(pg, 0, sizeof(*pg));
	pg->xdpi = 204;
	pg->ydpi = 98;
	if (!TIFFSetDirectory(tif, (tdir_t)page) || !TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &pg->w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &pg->h) || pg->w > FGW_MAX_PAGE_COLUMNS ||
	    pg->h > FGW_MAX_PAGE_ROWS || TIFFScanlineSize(tif) != (tmsize_t)((pg->w + 7) / 8))
		return -1;
	TIFFGetFieldDefaulted(tif, TIFFTAG_PHOTOMETRIC, &photo);
	TIFFGetField(tif, TIFFTAG_XRESOLUTION, &pg->xdpi);
	TIFFGetField(tif, TIFFTAG_YRESOLUTION, &pg->ydpi);
	TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
	if (unit == RESUNIT_CENTIMETER) {
		pg->xdpi *= 2.54f;
		pg->ydpi *= 2.54f;
	}
	rb = (pg->w + 7) / 8;
	pg->bits = malloc(rb * pg->h);
	if (pg->bits == NULL)
		return -1;
	for (uint32_t y = 0; y < pg->h; y++) {
		if (TIFFReadScanline(tif, pg->bits + rb * y, y, 0) < 0)
			return -1;
		if (photo == PHOTOMETRIC_MINISBLACK)
			for (size_t i = 0; i < rb; i++)
				pg->bits[rb * y + i] = (unsigned char)~pg->bits[rb * y + i];
	}
	return 0;
}

/* Runs a poppler tool that writes prefix.pbm / prefix-000.pbm and reads it. */
static int tp_poppler_pbm(char *const argv[], const char *pbm, const struct tp_page *pg,
			  unsigned char **bits)
{
	unsigned w, h;
	int rc = -1;

	if (tp_run(argv) == 0 && tp_read_pbm(pbm, &w, &h, bits) == 0 && w == pg->w && h == pg->h)
		rc = 0;
	unlink(pbm);
	return rc;
}

/* Compares page (0-based) of the open TIFF with the PDF's page: the
 * embedded image exactly (pdfimages decodes it with poppler's
 * CCITTFaxDecode), the rendering (pdftoppm at the fax resolution, no
 * anti-aliasing) within a 1-pixel neighbourhood, the size in points. */
static long tp_compare_page(const char *pdf, TIFF *tif, int page, const char *tmpdir,
			    char *why, size_t whylen)
{
	struct tp_page pg;
	char sx[32], sy[32], sw[16], sh[16], sp[16], prefix[600], pbm[620];
	unsigned char *img = NULL, *ren = NULL;
	double ptw, pth;
	long diff = -1, stray, blacks = 0;

	if (tp_tiff_page(tif, page, &pg) != 0) {
		snprintf(why, whylen, "page %d: TIFF page unreadable", page + 1);
		goto done;
	}
	if (tp_page_size(pdf, page + 1, &ptw, &pth) != 0 || fabs(ptw - pg.w / pg.xdpi * 72) > 0.5 ||
	    fabs(pth - pg.h / pg.ydpi * 72) > 0.5) {
		snprintf(why, whylen, "page %d: size in points is not %.1f x %.1f", page + 1,
			 pg.w / pg.xdpi * 72, pg.h / pg.ydpi * 72);
		goto done;
	}
	snprintf(sx, sizeof(sx), "%.4f", (double)pg.xdpi);
	snprintf(sy, sizeof(sy), "%.4f", (double)pg.ydpi);
	snprintf(sw, sizeof(sw), "%u", (unsigned)pg.w);
	snprintf(sh, sizeof(sh), "%u", (unsigned)pg.h);
	snprintf(sp, sizeof(sp), "%d", page + 1);
	snprintf(prefix, sizeof(prefix), "%s/p%d", tmpdir, page + 1);
	snprintf(pbm, sizeof(pbm), "%s-000.pbm", prefix);
	{
		char *argv[] = { TP_PDFIMAGES, "-f", sp, "-l", sp, (char *)pdf, prefix, NULL };
		if (tp_poppler_pbm(argv, pbm, &pg, &img) != 0) {
			snprintf(why, whylen, "page %d: pdfimages gave no %ux%u image", page + 1,
				 (unsigned)pg.w, (unsigned)pg.h);
			goto done;
		}
	}
	snprintf(pbm, sizeof(pbm), "%s.pbm", prefix);
	{
		char *argv[] = { TP_PDFTOPPM, "-mono", "-aa", "no", "-aaVector", "no", "-rx", sx,
				 "-ry", sy, "-W", sw, "-H", sh, "-f", sp, "-l", sp, "-singlefile",
				 (char *)pdf, prefix, NULL };
		if (tp_poppler_pbm(argv, pbm, &pg, &ren) != 0) {
			snprintf(why, whylen, "page %d: pdftoppm gave no %ux%u rendering", page + 1,
				 (unsigned)pg.w, (unsigned)pg.h);
			goto done;
		}
	}
	diff = 0;
	for (long y = 0; y < (long)pg.h; y++)
		for (long x = 0; x < (long)pg.w; x++) {
			int t = tp_px(pg.bits, pg.w, pg.h, x, y);
			blacks += t;
			diff += t != tp_px(img, pg.w, pg.h, x, y);
		}
	stray = tp_stray(pg.bits, ren, pg.w, pg.h);
	if (blacks == 0 || stray > blacks / 200) {
		snprintf(why, whylen, "page %d: rendering has %ld stray pixels for %ld black ones",
			 page + 1, stray, blacks);
		diff = -1;
	}
done:
	free(pg.bits);
	free(img);
	free(ren);
	return diff;
}

long test_pdf_compare(const char *pdf_path, const char *tiff_path, char *why, size_t whylen)
{
	char tmpdir[] = "/tmp/faxgw-pdfcmp-XXXXXX";
	TIFF *tif;
	long total = 0;
	int pages;

	if (mkdtemp(tmpdir) == NULL) {
		snprintf(why, whylen, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	tif = TIFFOpen(tiff_path, "r");
	if (tif == NULL) {
		snprintf(why, whylen, "cannot open %s", tiff_path);
		rmdir(tmpdir);
		return -1;
	}
	pages = TIFFNumberOfDirectories(tif);
	for (int i = 0; i < pages && total >= 0; i++) {
		long d = tp_compare_page(pdf_path, tif, i, tmpdir, why, whylen);
		total = d < 0 ? -1 : total + d;
	}
	{
		double w, h;
		if (total >= 0 && tp_page_size(pdf_path, pages + 1, &w, &h) == 0) {
			snprintf(why, whylen, "the PDF has more than %d pages", pages);
			total = -1;
		}
	}
	TIFFClose(tif);
	rmdir(tmpdir);
	return total;
}

/* --- fixtures ------------------------------------------------------------------------ */

static const char *tp_p(const char *rel)
{
	static char buf[4][600];
	static unsigned next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tp_root, rel);
	return p;
}

static int tp_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void tp_setup(void)
{
	snprintf(tp_root, sizeof(tp_root), "/tmp/faxgw-pdf-XXXXXX");
	ck_assert(mkdtemp(tp_root) != NULL);
}

static void tp_teardown(void)
{
	nftw(tp_root, tp_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Converts tiff (rel) to a PDF in memory and checks its structure. */
static int tp_convert(const char *tiff_rel, const char *pdf_rel)
{
	unsigned char *pdf;
	size_t len;
	char err[512], why[512];
	int pages, n;

	pages = pdf_from_tiff(tp_p(tiff_rel), "Fax from test", &pdf, &len, err, sizeof(err));
	ck_assert_msg(pages > 0, "pdf_from_tiff: %s", err);
	n = test_pdf_structure(pdf, len, why, sizeof(why));
	ck_assert_msg(n == pages, "structure: %s (%d pages, %d)", why, n, pages);
	if (pdf_rel != NULL) {
		FILE *f = fopen(tp_p(pdf_rel), "wb");
		ck_assert(f != NULL);
		ck_assert_uint_eq(fwrite(pdf, 1, len, f), len);
		fclose(f);
	}
	pdf_free(pdf);
	return pages;
}

/* Renders the PDF and compares it with the TIFF: no pixel may differ. */
static void tp_pixels(const char *tiff_rel, const char *pdf_rel)
{
	char why[512] = "";
	long d;

	if (!test_pdf_have_poppler()) {
		printf("SKIP: pixel comparison: poppler-utils (pdftoppm) is not installed\n");
		return;
	}
	d = test_pdf_compare(tp_p(pdf_rel), tp_p(tiff_rel), why, sizeof(why));
	ck_assert_msg(d == 0, "%s vs %s: %ld pixels differ %s", pdf_rel, tiff_rel, d, why);
}

/* tiffcp with options from the test document into rel. */
static void tp_tiffcp(const char *opt1, const char *opt2, const char *rel)
{
	char *argv[] = { "/usr/bin/tiffcp", (char *)opt1, (char *)opt2, NULL, NULL, NULL };
	char src[600], dst[600];

	snprintf(src, sizeof(src), "%s", tp_p("doc.tif"));
	snprintf(dst, sizeof(dst), "%s", tp_p(rel));
	argv[3] = src;
	argv[4] = dst;
	ck_assert_msg(tp_run(argv) == 0, "tiffcp %s %s failed", opt1, opt2);
}

/* --- tests ----------------------------------------------------------------------------- */

START_TEST(pdf_g3_2d_lsb_first)
{
	ck_assert_int_eq(testdoc_make(tp_p("doc.tif"), 3, TESTDOC_MIXED, 11), 0);
	ck_assert_int_eq(tp_convert("doc.tif", "doc.pdf"), 3);
	tp_pixels("doc.tif", "doc.pdf");
}
END_TEST

START_TEST(pdf_standard_and_fine)
{
	ck_assert_int_eq(testdoc_make(tp_p("doc.tif"), 1, TESTDOC_STANDARD, 3), 0);
	ck_assert_int_eq(tp_convert("doc.tif", "doc.pdf"), 1);
	tp_pixels("doc.tif", "doc.pdf");
	ck_assert_int_eq(testdoc_make(tp_p("fine.tif"), 2, TESTDOC_FINE, 4), 0);
	ck_assert_int_eq(tp_convert("fine.tif", "fine.pdf"), 2);
	tp_pixels("fine.tif", "fine.pdf");
}
END_TEST

/* T.6, T.4 1-D, MSB-first and multi-strip pages (the last re-encoded). */
START_TEST(pdf_other_encodings)
{
	static const char *const opts[][3] = {
		{ "-c", "g4", "g4.tif" },
		{ "-c", "g3:1d", "g3-1d.tif" },
		{ "-c", "g3:2d:fill", "g3-fill.tif" },
		{ "-c", "g3:1d:fill", "g3-1d-fill.tif" },
		{ "-f", "msb2lsb", "msb.tif" },
		{ "-r", "16", "strips.tif" },
		{ "-c", "none", "raw.tif" },
		{ "-c", "lzw", "lzw.tif" },
	};

	if (access("/usr/bin/tiffcp", X_OK) != 0) {
		printf("SKIP: pdf_other_encodings: tiffcp (libtiff-tools) is not installed\n");
		return;
	}
	ck_assert_int_eq(testdoc_make(tp_p("doc.tif"), 2, TESTDOC_MIXED, 5), 0);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		char pdf[64];
		tp_tiffcp(opts[i][0], opts[i][1], opts[i][2]);
		snprintf(pdf, sizeof(pdf), "%s.pdf", opts[i][2]);
		ck_assert_int_eq(tp_convert(opts[i][2], pdf), 2);
		tp_pixels(opts[i][2], pdf);
	}
}
END_TEST

START_TEST(pdf_refuses_garbage)
{
	char err[512];
	unsigned char *pdf = (unsigned char *)"x";
	size_t len = 1;
	FILE *f;

	ck_assert_int_eq(pdf_from_tiff(tp_p("missing.tif"), NULL, &pdf, &len, err, sizeof(err)),
			 -1);
	ck_assert_ptr_null(pdf);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	f = fopen(tp_p("text.tif"), "w");
	fputs("this is not a TIFF file at all, just text\n", f);
	fclose(f);
	ck_assert_int_eq(pdf_from_tiff(tp_p("text.tif"), NULL, &pdf, &len, err, sizeof(err)), -1);
	f = fopen(tp_p("empty.tif"), "w");
	fclose(f);
	ck_assert_int_eq(pdf_from_tiff(tp_p("empty.tif"), NULL, &pdf, &len, err, sizeof(err)), -1);
	/* A truncated fax: the header survives, the page data does not. */
	ck_assert_int_eq(testdoc_make(tp_p("doc.tif"), 2, TESTDOC_STANDARD, 9), 0);
	ck_assert_int_eq(truncate(tp_p("doc.tif"), 300), 0);
	ck_assert_int_eq(pdf_from_tiff(tp_p("doc.tif"), NULL, &pdf, &len, err, sizeof(err)), -1);
	ck_assert_ptr_null(pdf);
}
END_TEST

START_TEST(pdf_write_file_atomic)
{
	char err[512];
	struct stat sb;
	int n;

	ck_assert_int_eq(testdoc_make(tp_p("doc.tif"), 2, TESTDOC_STANDARD, 2), 0);
	n = pdf_write_file(tp_p("doc.tif"), "Fax (with) \\ odd\r\n chars \xc3\xa9",
			   tp_p("out.pdf"), err, sizeof(err));
	ck_assert_msg(n == 2, "pdf_write_file: %s", err);
	ck_assert_int_eq(stat(tp_p("out.pdf"), &sb), 0);
	ck_assert_int_gt(sb.st_size, 1000);
	/* Failure leaves nothing behind and does not touch the target. */
	ck_assert_int_eq(pdf_write_file(tp_p("missing.tif"), NULL, tp_p("out.pdf"), err,
					sizeof(err)), -1);
	ck_assert_int_eq(stat(tp_p("out.pdf"), &sb), 0);
	ck_assert_int_gt(sb.st_size, 1000);
	ck_assert_int_eq(pdf_write_file(tp_p("doc.tif"), NULL, tp_p("nodir/out.pdf"), err,
					sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot create"));
	tp_pixels("doc.tif", "out.pdf");
	if (test_pdf_have_poppler()) {
		char cmd[700], line[256];
		FILE *p;
		int found = 0;
		snprintf(cmd, sizeof(cmd), "%s '%s'", TP_PDFINFO, tp_p("out.pdf"));
		p = popen(cmd, "r");
		while (p != NULL && fgets(line, sizeof(line), p) != NULL)
			found |= strcmp(line, "Title:           Fax (with) \\ odd?? chars ??\n") == 0;
		if (p != NULL)
			pclose(p);
		ck_assert_msg(found, "title not as written");
	}
}
END_TEST

Suite *pdf_suite(void)
{
	Suite *s = suite_create("pdf");
	TCase *tc = tcase_create("pdf");

	tcase_add_checked_fixture(tc, tp_setup, tp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pdf_g3_2d_lsb_first);
	tcase_add_test(tc, pdf_standard_and_fine);
	tcase_add_test(tc, pdf_other_encodings);
	tcase_add_test(tc, pdf_refuses_garbage);
	tcase_add_test(tc, pdf_write_file_atomic);
	suite_add_tcase(s, tc);
	return s;
}
