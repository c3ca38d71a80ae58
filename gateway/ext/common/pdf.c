/*
 * pdf.c - TIFF Class F to PDF 1.4 (ISO 32000-1), pages embedded as CCITT
 * images.
 *
 * Object layout: 1 catalog, 2 page tree, 3 information dictionary, then
 * for page i (0-based) 4+3i the page, 5+3i its content stream, 6+3i its
 * image XObject.  The cross-reference table (ISO 32000-1 7.5.4) has one
 * 20-byte entry per object.
 */
#include "pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tiffio.h>

#include "caps.h"

#define PDF_OBJ_PER_PAGE 3
#define PDF_FIRST_PAGE_OBJ 4
#define PDF_DEFAULT_XDPI 204.0
#define PDF_DEFAULT_YDPI 98.0
#define PDF_MAX_TITLE 256

/* A growable output buffer with a hard cap. */
struct pdf_buf {
	unsigned char *p;
	size_t len, cap;
	int failed;                   /* out of memory or over the cap */
};

/* One page ready to be written. */
struct pdf_page {
	uint32_t cols, rows;
	double xdpi, ydpi;
	int k;                        /* /K: -1 T.6, 0 T.4 1-D, 1 T.4 2-D */
	int black_is_1;               /* TIFF 0 bits are black (MinIsBlack) */
	unsigned char *data;          /* MSB-first CCITT data (malloc'd) */
	size_t len;
};

/* libtiff's last error for this conversion. */
struct pdf_tiff_err {
	char text[FGW_MAX_ERROR_TEXT / 4];
};

/* --- output buffer ------------------------------------------------------------------ */

static int pdf_buf_reserve(struct pdf_buf *b, size_t more)
{
	size_t ncap;
	unsigned char *np;

	if (b->failed)
		return -1;
	if (more > FGW_MAX_PDF_SIZE - b->len) {
		b->failed = 1;
		return -1;
	}
	if (b->len + more <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 65536;
	while (ncap < b->len + more)
		ncap *= 2;
	if (ncap > FGW_MAX_PDF_SIZE)
		ncap = FGW_MAX_PDF_SIZE;
	np = realloc(b->p, ncap);
	if (np == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

static void pdf_put(struct pdf_buf *b, const void *p, size_t n)
{
	if (pdf_buf_reserve(b, n) != 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void pdf_printf(struct pdf_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void pdf_printf(struct pdf_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = 1;
		return;
	}
	pdf_put(b, tmp, (size_t)n);
}

/* A PDF literal string (ISO 32000-1 7.3.4.2): printable ASCII, with
 * backslash escapes for \ ( ); anything else becomes '?'. */
static void pdf_put_string(struct pdf_buf *b, const char *s)
{
	size_t n = 0;

	pdf_put(b, "(", 1);
	for (; s != NULL && *s != '\0' && n < PDF_MAX_TITLE; s++, n++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' || c == '(' || c == ')') {
			char esc[2] = { '\\', (char)c };
			pdf_put(b, esc, 2);
		} else if (c < 0x20 || c > 0x7e) {
			pdf_put(b, "?", 1);
		} else {
			pdf_put(b, &c, 1);
		}
	}
	pdf_put(b, ")", 1);
}

/* --- libtiff ------------------------------------------------------------------------- */

static int pdf_tiff_error(TIFF *tif, void *user, const char *module, const char *fmt,
			  va_list ap)
{
	struct pdf_tiff_err *e = user;
	char text[FGW_MAX_ERROR_TEXT / 8];

	(void)tif;
	vsnprintf(text, sizeof(text), fmt, ap);
	snprintf(e->text, sizeof(e->text), "%.24s%s%s", module ? module : "",
		 module ? ": " : "", text);
	return 1;
}

static int pdf_tiff_warning(TIFF *tif, void *user, const char *module, const char *fmt,
			    va_list ap)
{
	(void)tif;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}

static TIFF *pdf_tiff_open(const char *path, const char *mode, struct pdf_tiff_err *e)
{
	TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
	TIFF *tif;

	if (opts == NULL)
		return NULL;
	TIFFOpenOptionsSetErrorHandlerExtR(opts, pdf_tiff_error, e);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, pdf_tiff_warning, e);
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)FGW_MAX_PDF_SIZE);
	tif = TIFFOpenExt(path, mode, opts);
	TIFFOpenOptionsFree(opts);
	return tif;
}

/* Resolution of the current directory in dots per inch, with fax
 * defaults when absent or absurd. */
static void pdf_page_dpi(TIFF *tif, struct pdf_page *pg)
{
	float xr = 0, yr = 0;
	uint16_t unit = RESUNIT_INCH;
	double f = 1.0;

	TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
	if (unit == RESUNIT_CENTIMETER)
		f = 2.54;
	pg->xdpi = PDF_DEFAULT_XDPI;
	pg->ydpi = PDF_DEFAULT_YDPI;
	if (unit == RESUNIT_NONE)
		return;
	if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xr) && xr * f >= 20 && xr * f <= 2400)
		pg->xdpi = xr * f;
	if (TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yr) && yr * f >= 20 && yr * f <= 2400)
		pg->ydpi = yr * f;
}

static void pdf_reverse_bits(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		c = (unsigned char)(((c & 0xf0) >> 4) | ((c & 0x0f) << 4));
		c = (unsigned char)(((c & 0xcc) >> 2) | ((c & 0x33) << 2));
		c = (unsigned char)(((c & 0xaa) >> 1) | ((c & 0x55) << 1));
		p[i] = c;
	}
}

/* Reads strip 0 as it is stored; MSB-first afterwards.  0 or -1. */
static int pdf_read_raw(TIFF *tif, struct pdf_page *pg, char *err, size_t errlen)
{
	uint64_t raw = TIFFRawStripSize64(tif, 0);
	uint16_t fill = FILLORDER_MSB2LSB;
	tmsize_t got;

	if (raw == 0 || raw == (uint64_t)-1 || raw > FGW_MAX_PDF_SIZE) {
		snprintf(err, errlen, "page data size %llu is not usable",
			 (unsigned long long)raw);
		return -1;
	}
	pg->data = malloc((size_t)raw);
	if (pg->data == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	got = TIFFReadRawStrip(tif, 0, pg->data, (tmsize_t)raw);
	if (got <= 0) {
		snprintf(err, errlen, "cannot read the page data");
		return -1;
	}
	pg->len = (size_t)got;
	TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill);
	if (fill == FILLORDER_LSB2MSB)
		pdf_reverse_bits(pg->data, pg->len);
	return 0;
}

/* 1 when the current page can be embedded without decoding: one strip of
 * T.4 or T.6 data (T.4 without uncompressed mode, T.4 Annex A). */
static int pdf_page_is_raw(TIFF *tif, uint16_t comp, struct pdf_page *pg)
{
	uint32_t opts = 0;

	if (TIFFIsTiled(tif) || TIFFNumberOfStrips(tif) != 1)
		return 0;
	if (comp == COMPRESSION_CCITTFAX4) {
		pg->k = -1;
		return 1;
	}
	if (comp != COMPRESSION_CCITTFAX3)
		return 0;
	TIFFGetFieldDefaulted(tif, TIFFTAG_GROUP3OPTIONS, &opts);
	if (opts & GROUP3OPT_UNCOMPRESSED)
		return 0;
	/* ITU-T T.4 4.2: with 2-D coding each line starts with a tag bit after
	 * its EOL (PDF /K > 0); fill bits before an EOL are zero bits that a
	 * CCITTFaxDecode filter skips while looking for the EOL. */
	pg->k = (opts & GROUP3OPT_2DENCODING) ? 1 : 0;
	return 1;
}

/* --- re-encoding pages that cannot be embedded as they are ----------------------------- */

/* Copies the decoded rows of the current page of in into a one-strip T.6
 * TIFF at tmp (MinIsWhite, MSB-first).  0 or -1. */
static int pdf_reencode_write(TIFF *in, const char *tmp, int fd, struct pdf_page *pg,
			      struct pdf_tiff_err *e, char *err, size_t errlen)
{
	uint16_t photo = PHOTOMETRIC_MINISWHITE;
	tmsize_t sl = TIFFScanlineSize(in);
	unsigned char *row;
	TIFF *out;
	int rc = -1;

	TIFFGetFieldDefaulted(in, TIFFTAG_PHOTOMETRIC, &photo);
	if (sl <= 0 || (size_t)sl < (pg->cols + 7) / 8 || (size_t)sl > FGW_MAX_PAGE_COLUMNS) {
		snprintf(err, errlen, "unusable row size");
		close(fd);
		return -1;
	}
	row = malloc((size_t)sl);
	{
		TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
		if (opts != NULL) {
			TIFFOpenOptionsSetErrorHandlerExtR(opts, pdf_tiff_error, e);
			TIFFOpenOptionsSetWarningHandlerExtR(opts, pdf_tiff_warning, e);
		}
		out = opts != NULL ? TIFFFdOpenExt(fd, tmp, "w", opts) : NULL;
		TIFFOpenOptionsFree(opts);
	}
	if (row == NULL || out == NULL) {
		snprintf(err, errlen, "cannot create a temporary TIFF: %s", e->text);
		if (out == NULL)
			close(fd);
		goto done;
	}
	TIFFSetField(out, TIFFTAG_IMAGEWIDTH, pg->cols);
	TIFFSetField(out, TIFFTAG_IMAGELENGTH, pg->rows);
	TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(out, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(out, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
	TIFFSetField(out, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
	TIFFSetField(out, TIFFTAG_ROWSPERSTRIP, pg->rows);
	for (uint32_t y = 0; y < pg->rows; y++) {
		if (TIFFReadScanline(in, row, y, 0) < 0) {
			snprintf(err, errlen, "cannot decode row %u: %s", (unsigned)y, e->text);
			goto done;
		}
		if (photo == PHOTOMETRIC_MINISBLACK)
			for (tmsize_t i = 0; i < sl; i++)
				row[i] = (unsigned char)~row[i];
		if (TIFFWriteScanline(out, row, y, 0) < 0) {
			snprintf(err, errlen, "cannot encode row %u: %s", (unsigned)y, e->text);
			goto done;
		}
	}
	if (!TIFFWriteDirectory(out)) {
		snprintf(err, errlen, "cannot write a temporary TIFF: %s", e->text);
		goto done;
	}
	rc = 0;
done:
	if (out != NULL)
		TIFFClose(out);
	free(row);
	return rc;
}

/* Decodes the current page and re-encodes it as T.6.  0 or -1. */
static int pdf_reencode(TIFF *in, struct pdf_page *pg, struct pdf_tiff_err *e, char *err,
			size_t errlen)
{
	char tmp[FGW_MAX_PATH];
	const char *dir = getenv("TMPDIR");
	TIFF *t = NULL;
	int fd, rc = -1;

	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	if (snprintf(tmp, sizeof(tmp), "%s/faxgw-page-XXXXXX", dir) >= (int)sizeof(tmp))
		snprintf(tmp, sizeof(tmp), "/tmp/faxgw-page-XXXXXX");
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
		return -1;
	}
	if (pdf_reencode_write(in, tmp, fd, pg, e, err, errlen) == 0) {
		t = pdf_tiff_open(tmp, "r", e);
		if (t == NULL)
			snprintf(err, errlen, "cannot reopen the temporary TIFF: %s", e->text);
		else
			rc = pdf_read_raw(t, pg, err, errlen);
	}
	if (t != NULL)
		TIFFClose(t);
	unlink(tmp);
	pg->k = -1;
	pg->black_is_1 = 0;
	return rc;
}

/* Loads the current directory of tif into pg.  0 or -1 with err. */
static int pdf_page_load(TIFF *tif, struct pdf_page *pg, struct pdf_tiff_err *e, char *err,
			 size_t errlen)
{
	uint16_t bps = 1, spp = 1, comp = COMPRESSION_NONE, photo = PHOTOMETRIC_MINISWHITE;

	memset(pg, 0, sizeof(*pg));
	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &pg->cols) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &pg->rows)) {
		snprintf(err, errlen, "page without width or length");
		return -1;
	}
	if (pg->cols == 0 || pg->cols > FGW_MAX_PAGE_COLUMNS || pg->rows == 0 ||
	    pg->rows > FGW_MAX_PAGE_ROWS) {
		snprintf(err, errlen, "page size %ux%u is outside 1..%ux1..%u", (unsigned)pg->cols,
			 (unsigned)pg->rows, FGW_MAX_PAGE_COLUMNS, FGW_MAX_PAGE_ROWS);
		return -1;
	}
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PHOTOMETRIC, &photo);
	if (bps != 1 || spp != 1 ||
	    (photo != PHOTOMETRIC_MINISWHITE && photo != PHOTOMETRIC_MINISBLACK)) {
		snprintf(err, errlen, "not a bilevel fax page (%u bits, %u samples, photometric "
			 "%u)", (unsigned)bps, (unsigned)spp, (unsigned)photo);
		return -1;
	}
	pdf_page_dpi(tif, pg);
	if (pdf_page_is_raw(tif, comp, pg)) {
		pg->black_is_1 = photo == PHOTOMETRIC_MINISBLACK;
		return pdf_read_raw(tif, pg, err, errlen);
	}
	return pdf_reencode(tif, pg, e, err, errlen);
}

/* --- the document ---------------------------------------------------------------------- */

static void pdf_begin_obj(struct pdf_buf *b, size_t *offs, unsigned obj)
{
	offs[obj] = b->len;
	pdf_printf(b, "%u 0 obj\n", obj);
}

static void pdf_write_head(struct pdf_buf *b, size_t *offs, unsigned pages, const char *title)
{
	/* ISO 32000-1 7.5.2: a comment of bytes >= 128 marks the file binary. */
	pdf_put(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15);
	pdf_begin_obj(b, offs, 1);
	pdf_printf(b, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	pdf_begin_obj(b, offs, 2);
	pdf_printf(b, "<< /Type /Pages /Count %u /Kids [", pages);
	for (unsigned i = 0; i < pages; i++)
		pdf_printf(b, "%s%u 0 R", i ? " " : "", PDF_FIRST_PAGE_OBJ + PDF_OBJ_PER_PAGE * i);
	pdf_printf(b, "] >>\nendobj\n");
	pdf_begin_obj(b, offs, 3);
	pdf_printf(b, "<< /Producer (faxgw)");
	if (title != NULL) {
		pdf_printf(b, " /Title ");
		pdf_put_string(b, title);
	}
	pdf_printf(b, " >>\nendobj\n");
}

/* ISO 32000-1 8.9.5 (image dictionaries), 7.4.6 (CCITTFaxDecode). */
static void pdf_write_page(struct pdf_buf *b, size_t *offs, unsigned index,
			   const struct pdf_page *pg)
{
	unsigned obj = PDF_FIRST_PAGE_OBJ + PDF_OBJ_PER_PAGE * index;
	double w = pg->cols / pg->xdpi * 72.0, h = pg->rows / pg->ydpi * 72.0;
	char content[160];
	int cl;

	cl = snprintf(content, sizeof(content), "q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q\n", w, h);
	pdf_begin_obj(b, offs, obj);
	pdf_printf(b, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] "
		   "/Resources << /XObject << /Im0 %u 0 R >> >> /Contents %u 0 R >>\nendobj\n",
		   w, h, obj + 2, obj + 1);
	pdf_begin_obj(b, offs, obj + 1);
	pdf_printf(b, "<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", cl, content);
	pdf_begin_obj(b, offs, obj + 2);
	pdf_printf(b, "<< /Type /XObject /Subtype /Image /Width %u /Height %u "
		   "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode "
		   "/DecodeParms << /K %d /Columns %u /Rows %u /BlackIs1 %s "
		   "/EncodedByteAlign false >> /Length %zu >>\nstream\n",
		   (unsigned)pg->cols, (unsigned)pg->rows, pg->k, (unsigned)pg->cols,
		   (unsigned)pg->rows, pg->black_is_1 ? "true" : "false", pg->len);
	pdf_put(b, pg->data, pg->len);
	pdf_printf(b, "\nendstream\nendobj\n");
}

/* ISO 32000-1 7.5.4 and 7.5.5. */
static void pdf_write_tail(struct pdf_buf *b, const size_t *offs, unsigned nobj)
{
	size_t xref = b->len;

	pdf_printf(b, "xref\n0 %u\n0000000000 65535 f \n", nobj);
	for (unsigned i = 1; i < nobj; i++)
		pdf_printf(b, "%010zu 00000 n \n", offs[i]);
	pdf_printf(b, "trailer\n<< /Size %u /Root 1 0 R /Info 3 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
		   nobj, xref);
}

/* Pages of tif, or -1 with err. */
static int pdf_count_pages(TIFF *tif, char *err, size_t errlen)
{
	tdir_t n = TIFFNumberOfDirectories(tif);

	if (n == 0 || n > FGW_MAX_PDF_PAGES) {
		snprintf(err, errlen, "%u pages: need 1..%d", (unsigned)n, FGW_MAX_PDF_PAGES);
		return -1;
	}
	return (int)n;
}

static int pdf_convert(TIFF *tif, const char *title, struct pdf_buf *b,
		       struct pdf_tiff_err *e, char *err, size_t errlen)
{
	int pages = pdf_count_pages(tif, err, errlen);
	unsigned nobj;
	size_t *offs;
	int rc = -1;

	if (pages < 0)
		return -1;
	nobj = PDF_FIRST_PAGE_OBJ + PDF_OBJ_PER_PAGE * (unsigned)pages;
	offs = calloc(nobj, sizeof(*offs));
	if (offs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pdf_write_head(b, offs, (unsigned)pages, title);
	for (int i = 0; i < pages; i++) {
		struct pdf_page pg;
		char why[FGW_MAX_ERROR_TEXT] = "";
		if (!TIFFSetDirectory(tif, (tdir_t)i)) {
			snprintf(err, errlen, "page %d: cannot be read: %s", i + 1, e->text);
			goto done;
		}
		if (pdf_page_load(tif, &pg, e, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "page %d: %.300s", i + 1, why);
			free(pg.data);
			goto done;
		}
		pdf_write_page(b, offs, (unsigned)i, &pg);
		free(pg.data);
		if (b->failed)
			break;
	}
	pdf_write_tail(b, offs, nobj);
	if (b->failed)
		snprintf(err, errlen, "PDF larger than %u bytes or out of memory",
			 FGW_MAX_PDF_SIZE);
	else
		rc = pages;
done:
	free(offs);
	return rc;
}

int pdf_from_tiff(const char *tiff_path, const char *title, unsigned char **out,
		  size_t *outlen, char *err, size_t errlen)
{
	struct pdf_tiff_err *e = calloc(1, sizeof(*e));
	struct pdf_buf b = { NULL, 0, 0, 0 };
	TIFF *tif;
	int pages = -1;

	*out = NULL;
	*outlen = 0;
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tif = pdf_tiff_open(tiff_path, "r", e);
	if (tif == NULL) {
		snprintf(err, errlen, "cannot open %s as TIFF: %s", tiff_path,
			 e->text[0] ? e->text : strerror(errno));
	} else {
		pages = pdf_convert(tif, title, &b, e, err, errlen);
		TIFFClose(tif);
	}
	free(e);
	if (pages < 0) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*outlen = b.len;
	return pages;
}

void pdf_free(unsigned char *pdf)
{
	free(pdf);
}

static int pdf_write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int pdf_write_file(const char *tiff_path, const char *title, const char *pdf_path,
		   char *err, size_t errlen)
{
	char tmp[FGW_MAX_PATH + 16];
	unsigned char *pdf;
	size_t len;
	int pages, fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", pdf_path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	pages = pdf_from_tiff(tiff_path, title, &pdf, &len, err, errlen);
	if (pages < 0)
		return -1;
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		pdf_free(pdf);
		return -1;
	}
	if (fchmod(fd, 0640) != 0 || pdf_write_all(fd, pdf, len) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		pdf_free(pdf);
		return -1;
	}
	pdf_free(pdf);
	if (close(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, pdf_path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, pdf_path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return pages;
}
