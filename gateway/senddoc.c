/*
 * senddoc.c - a document to send, checked and made TIFF Class F
 * (senddoc.h).
 *
 * A TIFF is read twice: first its directories only (tags, page count:
 * nothing decoded, so a 100000-page file is refused after max_pages + 1
 * directories), then every page is decoded band by band and encoded
 * again as G4 into `out`.tmp, which is fsynced and renamed.  A PDF is
 * counted by pdfinfo and rendered by Ghostscript, then checked as a TIFF.
 */
#include "caps.h"
#include "senddoc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>

#include "fgwx_buf.h"
#include "fgwx_text.h"

/* The tools' paths found at build time (Makefile); "" when they were not
 * installed there: then the run-time search of senddoc_find. */
#ifndef FAXGW_GS
#define FAXGW_GS ""
#endif
#ifndef FAXGW_PDFINFO
#define FAXGW_PDFINFO ""
#endif

#define SENDDOC_WIDTHS "fax pages are 1728 (A4/Letter), 2048 (B4) or 2432 (A3) at 8 pels/mm"
#define SENDDOC_YRES "fax sends 98, 196 or 391 dpi (3.85, 7.7 or 15.4 lines/mm)"
#define SENDDOC_R8_DPI 203.2        /* 8 pels/mm (T.4 2.2) */

static unsigned senddoc_limit(unsigned max_pages)
{
	return max_pages == 0 || max_pages > FGW_MAX_SEND_PAGES ? FGW_MAX_SEND_PAGES : max_pages;
}

enum senddoc_type senddoc_sniff(const void *head, size_t len)
{
	static const unsigned char tiff[4][4] = {
		{ 'I', 'I', 42, 0 }, { 'M', 'M', 0, 42 },      /* TIFF */
		{ 'I', 'I', 43, 0 }, { 'M', 'M', 0, 43 },      /* BigTIFF */
	};

	for (size_t i = 0; i < 4; i++)
		if (len >= 4 && memcmp(head, tiff[i], 4) == 0)
			return SENDDOC_TIFF;
	if (len >= 5 && memcmp(head, "%PDF-", 5) == 0)
		return SENDDOC_PDF;
	return SENDDOC_OTHER;
}

/* Opens the document: a regular file of 1..FGW_MAX_SEND_BYTES bytes.
 * The descriptor, or -1 with the reason. */
static int senddoc_open_in(const char *in, char *err, size_t errlen)
{
	int fd = open(in, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0) {
		fgwx_reason(err, errlen, "cannot open the document: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		fgwx_reason(err, errlen, "the document is not a regular file");
	else if (st.st_size == 0)
		fgwx_reason(err, errlen, "the file is empty");
	else if ((uint64_t)st.st_size > FGW_MAX_SEND_BYTES)
		fgwx_reason(err, errlen, "the file is %lld bytes: more than %u MiB",
			    (long long)st.st_size, FGW_MAX_SEND_BYTES >> 20);
	else
		return fd;
	close(fd);
	return -1;
}

/* --- libtiff, quiet: its first error becomes the reason ----------------- */

struct senddoc_tiff_err {
	const char *path;             /* left out of libtiff's texts */
	char text[256];               /* the first error since the last reset */
};

/* Removes every "PATH: " (or bare PATH) from s: the user knows which
 * file they sent, and the spool's name for it means nothing to them. */
static void senddoc_unpath(char *s, const char *path)
{
	size_t pl = strlen(path);
	char *p;

	if (pl == 0)
		return;
	while ((p = strstr(s, path)) != NULL) {
		size_t cut = pl;

		if (p[cut] == ':')
			cut++;
		if (p[cut] == ' ')
			cut++;
		memmove(p, p + cut, strlen(p + cut) + 1);
	}
}

static int senddoc_tiff_error(TIFF *tif, void *user, const char *module, const char *fmt,
			      va_list ap)
{
	struct senddoc_tiff_err *e = user;
	char raw[512];

	(void)tif;
	if (e->text[0] != '\0')
		return 1;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	senddoc_unpath(raw, e->path);
	if (raw[0] == '\0')
		snprintf(raw, sizeof(raw), "%s", module != NULL ? module : "error");
	fgwx_text_sanitize(e->text, sizeof(e->text), raw, strlen(raw));
	return 1;                     /* handled: nothing on stderr */
}

static int senddoc_tiff_warning(TIFF *tif, void *user, const char *module, const char *fmt,
				va_list ap)
{
	(void)tif;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}

/* TIFFFdOpenExt with our handlers; on failure fd is still the caller's. */
static TIFF *senddoc_tiff_open(int fd, const char *name, const char *mode,
			       struct senddoc_tiff_err *e)
{
	TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
	TIFF *tif;

	if (o == NULL)
		return NULL;
	TIFFOpenOptionsSetErrorHandlerExtR(o, senddoc_tiff_error, e);
	TIFFOpenOptionsSetWarningHandlerExtR(o, senddoc_tiff_warning, e);
	TIFFOpenOptionsSetMaxSingleMemAlloc(o, SENDDOC_TIFF_MAX_ALLOC);
	tif = TIFFFdOpenExt(fd, name, mode, o);
	TIFFOpenOptionsFree(o);
	return tif;
}

/* --- one page's tags -------------------------------------------------------- */

struct senddoc_page {
	uint32_t width, rows;
	uint16_t photometric;
	float ydpi;                   /* the nominal vertical resolution we write */
	int tiled;
	uint32_t band;                /* rows per strip, or the tile length */
	uint32_t tile_width;
};

/* A resolution tag in dots per inch; 0 when absent or without a unit. */
static double senddoc_dpi(TIFF *tif, uint32_t tag, uint16_t unit)
{
	float v = 0;

	if (unit == RESUNIT_NONE || !TIFFGetField(tif, tag, &v) || !(v > 0))
		return 0;
	return unit == RESUNIT_CENTIMETER ? v * 2.54 : v;
}

static bool senddoc_near(double v, double nominal)
{
	return v >= nominal * 0.95 && v <= nominal * 1.05;   /* spandsp's own tolerance */
}

/* The vertical resolutions spandsp 0.0.6 sends at R8 (T.30 Table 2). */
static float senddoc_fax_ydpi(double dpi)
{
	static const float nominal[] = { 98.0f, 196.0f, 391.0f };   /* 3.85, 7.7, 15.4 l/mm */
	static const double exact[] = { 97.79, 195.58, 391.16 };

	for (size_t i = 0; i < 3; i++)
		if (senddoc_near(dpi, exact[i]))
			return nominal[i];
	return 0;
}

static int senddoc_check_pixels(TIFF *tif, unsigned n, struct senddoc_page *pg, char *err,
				size_t errlen)
{
	uint16_t bps = 1, spp = 1;

	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	pg->photometric = PHOTOMETRIC_MINISWHITE;
	TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &pg->photometric);
	TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &pg->width);
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &pg->rows);
	if (spp != 1)
		fgwx_reason(err, errlen, "page %u has %u samples per pixel; fax pages are black "
			    "and white (1 sample, 1 bit per pixel)", n, spp);
	else if (bps != 1)
		fgwx_reason(err, errlen, "page %u has %u bits per pixel; fax pages are black "
			    "and white (1 bit per pixel)", n, bps);
	else if (pg->photometric != PHOTOMETRIC_MINISWHITE &&
		 pg->photometric != PHOTOMETRIC_MINISBLACK)
		fgwx_reason(err, errlen, "page %u is not black and white (photometric "
			    "interpretation %u)", n, pg->photometric);
	else if (pg->width != 1728 && pg->width != 2048 && pg->width != 2432)
		fgwx_reason(err, errlen, "page %u is %u pixels wide; " SENDDOC_WIDTHS, n, pg->width);
	else if (pg->rows == 0)
		fgwx_reason(err, errlen, "page %u has no rows", n);
	else if (pg->rows > SENDDOC_MAX_ROWS)
		fgwx_reason(err, errlen, "page %u is %u rows long: more than %u", n, pg->rows,
			    SENDDOC_MAX_ROWS);
	else
		return 0;
	return -1;
}

static int senddoc_check_res(TIFF *tif, unsigned n, struct senddoc_page *pg, char *err,
			     size_t errlen)
{
	uint16_t unit = RESUNIT_INCH;
	double x, y;

	TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
	x = senddoc_dpi(tif, TIFFTAG_XRESOLUTION, unit);
	y = senddoc_dpi(tif, TIFFTAG_YRESOLUTION, unit);
	if (x > 0 && !senddoc_near(x, SENDDOC_R8_DPI)) {
		fgwx_reason(err, errlen, "page %u has a horizontal resolution of %.0f dpi; "
			    SENDDOC_WIDTHS " (204 dpi)", n, x);
		return -1;
	}
	if (y <= 0) {
		fgwx_reason(err, errlen, "page %u has no vertical resolution; " SENDDOC_YRES, n);
		return -1;
	}
	pg->ydpi = senddoc_fax_ydpi(y);
	if (pg->ydpi == 0) {
		fgwx_reason(err, errlen, "page %u has a vertical resolution of %.0f dpi; "
			    SENDDOC_YRES, n, y);
		return -1;
	}
	return 0;
}

/* How the page's pixels are stored: strips of any height, or tiles a
 * whole number of bytes wide. */
static int senddoc_check_layout(TIFF *tif, unsigned n, struct senddoc_page *pg, char *err,
				size_t errlen)
{
	uint16_t comp = COMPRESSION_NONE;
	uint32_t rps = UINT32_MAX, tl = 0;

	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
	if (!TIFFIsCODECConfigured(comp)) {
		fgwx_reason(err, errlen, "page %u uses a compression this gateway cannot read "
			    "(%u)", n, comp);
		return -1;
	}
	pg->tiled = TIFFIsTiled(tif);
	if (pg->tiled) {
		TIFFGetField(tif, TIFFTAG_TILEWIDTH, &pg->tile_width);
		TIFFGetField(tif, TIFFTAG_TILELENGTH, &tl);
		if (pg->tile_width == 0 || pg->tile_width % 8 != 0 ||
		    pg->tile_width > SENDDOC_MAX_TILE_WIDTH || tl == 0 || tl > SENDDOC_MAX_ROWS) {
			fgwx_reason(err, errlen, "page %u has tiles of %ux%u pixels, which this "
				    "gateway cannot read", n, pg->tile_width, tl);
			return -1;
		}
		pg->band = tl;
	} else {
		TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
		pg->band = rps == 0 || rps > pg->rows ? pg->rows : rps;
	}
	if (TIFFScanlineSize64(tif) != pg->width / 8) {
		fgwx_reason(err, errlen, "page %u has an unexpected row size", n);
		return -1;
	}
	return 0;
}

/* The current directory as page n: 0, or -1 with the reason. */
static int senddoc_check_page(TIFF *tif, unsigned n, struct senddoc_page *pg, char *err,
			      size_t errlen)
{
	memset(pg, 0, sizeof(*pg));
	if (senddoc_check_pixels(tif, n, pg, err, errlen) != 0 ||
	    senddoc_check_res(tif, n, pg, err, errlen) != 0 ||
	    senddoc_check_layout(tif, n, pg, err, errlen) != 0)
		return -1;
	return 0;
}

/* Pass 1: the tags of every directory, at most max + 1 of them; no pixel
 * is decoded.  *count is the number of pages. */
static int senddoc_walk(TIFF *tif, unsigned max, unsigned *count, struct senddoc_tiff_err *e,
			char *err, size_t errlen)
{
	struct senddoc_page pg;
	unsigned n = 1;

	for (;;) {
		if (senddoc_check_page(tif, n, &pg, err, errlen) != 0)
			return -1;
		if (TIFFLastDirectory(tif))
			break;
		if (n == max) {
			fgwx_reason(err, errlen, "at least %u pages: more than %u", n + 1, max);
			return -1;
		}
		n++;
		e->text[0] = '\0';
		if (!TIFFReadDirectory(tif)) {
			fgwx_reason(err, errlen, "page %u cannot be read: %s", n,
				    e->text[0] != '\0' ? e->text : "a damaged directory");
			return -1;
		}
	}
	*count = n;
	return 0;
}

/* --- pass 2: decoding and encoding ------------------------------------------- */

/* Reads rows [y, y + rows) of the page into band (width / 8 bytes a row). */
static int senddoc_read_band(TIFF *tif, const struct senddoc_page *pg, uint32_t y,
			     uint32_t rows, unsigned char *band, unsigned char *tile)
{
	size_t bpr = pg->width / 8, tbpr = pg->tile_width / 8;
	tmsize_t want;

	if (!pg->tiled) {
		want = (tmsize_t)(rows * bpr);
		return TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y, 0), band, want) == want
			? 0 : -1;
	}
	want = TIFFTileSize(tif);
	if (want != (tmsize_t)(tbpr * pg->band))      /* the size of our tile buffer */
		return -1;
	for (uint32_t x = 0; x < pg->width; x += pg->tile_width) {
		size_t n = pg->width - x < pg->tile_width ? (pg->width - x) / 8 : tbpr;

		if (want <= 0 || TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, 0), tile,
						     want) != want)
			return -1;
		for (uint32_t r = 0; r < rows; r++)
			memcpy(band + r * bpr + x / 8, tile + r * tbpr, n);
	}
	return 0;
}

static void senddoc_out_fields(TIFF *out, const struct senddoc_page *pg, unsigned n,
			       unsigned total)
{
	TIFFSetField(out, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
	TIFFSetField(out, TIFFTAG_IMAGEWIDTH, pg->width);
	TIFFSetField(out, TIFFTAG_IMAGELENGTH, pg->rows);
	TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(out, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(out, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
	TIFFSetField(out, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(out, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
	TIFFSetField(out, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
	TIFFSetField(out, TIFFTAG_XRESOLUTION, 204.0f);
	TIFFSetField(out, TIFFTAG_YRESOLUTION, pg->ydpi);
	TIFFSetField(out, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
	TIFFSetField(out, TIFFTAG_ROWSPERSTRIP, pg->rows);
	TIFFSetField(out, TIFFTAG_PAGENUMBER, (int)(n - 1), (int)total);
	TIFFSetField(out, TIFFTAG_SOFTWARE, "faxgw");
}

/* Page n (the current directory of in) decoded and appended to out. */
static int senddoc_copy_page(TIFF *in, TIFF *out, unsigned n, unsigned total,
			     struct senddoc_tiff_err *ie, struct senddoc_tiff_err *oe,
			     char *err, size_t errlen)
{
	struct senddoc_page pg;
	unsigned char *band = NULL, *tile = NULL;
	size_t bpr;
	int rc = -1;

	if (senddoc_check_page(in, n, &pg, err, errlen) != 0)
		return -1;
	bpr = pg.width / 8;
	band = malloc(bpr * pg.band);
	tile = pg.tiled ? malloc((size_t)(pg.tile_width / 8) * pg.band) : NULL;
	if (band == NULL || (pg.tiled && tile == NULL)) {
		fgwx_reason(err, errlen, "page %u: out of memory", n);
		goto out;
	}
	senddoc_out_fields(out, &pg, n, total);
	for (uint32_t y = 0; y < pg.rows; y += pg.band) {
		uint32_t rows = pg.rows - y < pg.band ? pg.rows - y : pg.band;

		ie->text[0] = '\0';
		if (senddoc_read_band(in, &pg, y, rows, band, tile) != 0) {
			fgwx_reason(err, errlen, "page %u cannot be read: %s", n,
				    ie->text[0] != '\0' ? ie->text : "its data is damaged or cut short");
			goto out;
		}
		if (pg.photometric == PHOTOMETRIC_MINISBLACK)
			for (size_t i = 0; i < rows * bpr; i++)
				band[i] = (unsigned char)~band[i];
		for (uint32_t r = 0; r < rows; r++)
			if (TIFFWriteScanline(out, band + r * bpr, y + r, 0) < 0) {
				fgwx_reason(err, errlen, "cannot write the TIFF: %s",
					    oe->text[0] != '\0' ? oe->text : "write error");
				goto out;
			}
	}
	if (!TIFFWriteDirectory(out)) {
		fgwx_reason(err, errlen, "cannot write the TIFF: %s",
			    oe->text[0] != '\0' ? oe->text : "write error");
		goto out;
	}
	rc = 0;
out:
	free(band);
	free(tile);
	return rc;
}

/* Both passes from the open input into the open output. */
static int senddoc_convert(TIFF *in, TIFF *out, unsigned max, unsigned *pages,
			   struct senddoc_tiff_err *ie, struct senddoc_tiff_err *oe,
			   char *err, size_t errlen)
{
	unsigned total;

	if (senddoc_walk(in, max, &total, ie, err, errlen) != 0)
		return -1;
	if (!TIFFSetDirectory(in, 0)) {
		fgwx_reason(err, errlen, "page 1 cannot be read: %s", ie->text);
		return -1;
	}
	for (unsigned n = 1; n <= total; n++) {
		if (n > 1 && !TIFFReadDirectory(in)) {
			fgwx_reason(err, errlen, "page %u cannot be read: %s", n, ie->text);
			return -1;
		}
		if (senddoc_copy_page(in, out, n, total, ie, oe, err, errlen) != 0)
			return -1;
	}
	*pages = total;
	return 0;
}

static int senddoc_fsync_dir(const char *path)
{
	char dir[FGW_MAX_PATH];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Opens `tmp` for writing as a TIFF; NULL with the reason. */
static TIFF *senddoc_create(const char *tmp, int *fdp, struct senddoc_tiff_err *oe, char *err,
			    size_t errlen)
{
	int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	TIFF *out;

	if (fd < 0) {
		fgwx_reason(err, errlen, "cannot write the TIFF: %s", strerror(errno));
		return NULL;
	}
	out = senddoc_tiff_open(fd, "out", "w", oe);
	if (out == NULL) {
		fgwx_reason(err, errlen, "cannot write the TIFF: %s", oe->text);
		close(fd);
		unlink(tmp);
		return NULL;
	}
	*fdp = fd;
	return out;
}

/* Makes `tmp` (written, open as out on fd) durable as `dst`. */
static int senddoc_commit(TIFF *out, int fd, const char *tmp, const char *dst, char *err,
			  size_t errlen)
{
	int rc = fsync(fd);
	int e = errno;

	TIFFClose(out);               /* closes fd */
	if (rc != 0 || rename(tmp, dst) != 0) {
		fgwx_reason(err, errlen, "cannot write the TIFF: %s", strerror(rc != 0 ? e : errno));
		unlink(tmp);
		return -1;
	}
	if (senddoc_fsync_dir(dst) != 0) {
		fgwx_reason(err, errlen, "cannot write the TIFF: fsync of its directory: %s",
			    strerror(errno));
		return -1;
	}
	return 0;
}

int senddoc_check_tiff(const char *in, const char *out, unsigned max_pages, unsigned *pages,
		       char *err, size_t errlen)
{
	struct senddoc_tiff_err ie = { .path = in }, oe = { .path = "out" };
	char tmp[FGW_MAX_PATH + 8];
	TIFF *ti, *to;
	int fd, ofd = -1;

	*pages = 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= sizeof(tmp)) {
		fgwx_reason(err, errlen, "the output path is too long");
		return -1;
	}
	fd = senddoc_open_in(in, err, errlen);
	if (fd < 0)
		return -1;
	ti = senddoc_tiff_open(fd, in, "rm", &ie);     /* no mmap: read(2) */
	if (ti == NULL) {
		fgwx_reason(err, errlen, "not a valid TIFF: %s",
			    ie.text[0] != '\0' ? ie.text : "cannot read its header");
		close(fd);
		return -1;
	}
	to = senddoc_create(tmp, &ofd, &oe, err, errlen);
	if (to == NULL) {
		TIFFClose(ti);
		return -1;
	}
	if (senddoc_convert(ti, to, senddoc_limit(max_pages), pages, &ie, &oe, err, errlen) != 0) {
		TIFFClose(ti);
		TIFFClose(to);
		unlink(tmp);
		*pages = 0;
		return -1;
	}
	TIFFClose(ti);
	if (senddoc_commit(to, ofd, tmp, out, err, errlen) != 0) {
		*pages = 0;
		return -1;
	}
	return 0;
}

/* --- running pdfinfo and Ghostscript -------------------------------------- */

struct senddoc_tool {
	char out[SENDDOC_MAX_TOOL_OUTPUT];      /* its stdout, the first bytes */
	size_t outlen;
	char err[SENDDOC_MAX_TOOL_OUTPUT];      /* its stderr */
	size_t errlen;
	int status;                             /* waitpid's */
	bool timed_out;
};

static uint64_t senddoc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The tool's absolute path: the one found at build time, else the first
 * executable one in the usual directories.  0, or -1. */
static int senddoc_find(const char *built, const char *name, char *path, size_t cap)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/local/bin", "/bin" };

	if (built[0] == '/' && access(built, X_OK) == 0 &&
	    (size_t)snprintf(path, cap, "%s", built) < cap)
		return 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if ((size_t)snprintf(path, cap, "%s/%s", dirs[i], name) < cap &&
		    access(path, X_OK) == 0)
			return 0;
	return -1;
}

/* In the child, before execve: only async-signal-safe calls. */
static void senddoc_child(const char *path, char *const argv[], int outfd, int errfd,
			  pid_t parent)
{
	static char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	static const int dfl[] = { SIGPIPE, SIGINT, SIGHUP, SIGTERM, SIGCHLD };
	static const char msg[] = "cannot run the program\n";
	const struct rlimit as = { SENDDOC_MAX_TOOL_MEMORY, SENDDOC_MAX_TOOL_MEMORY };
	const struct rlimit fs = { SENDDOC_MAX_RENDER_BYTES, SENDDOC_MAX_RENDER_BYTES };
	sigset_t none;
	int nul;

	/* Dies with the worker that the router kills at its time limit; its
	 * own group, so that a time-out kills whatever it started too. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);
	/* Failures ignored: a systemd SystemCallFilter may refuse setrlimit;
	 * the time limit still holds. */
	setrlimit(RLIMIT_AS, &as);
	setrlimit(RLIMIT_FSIZE, &fs);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	close_range(3, ~0u, 0);
	execve(path, argv, envp);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(127);
	_exit(127);
}

/* Reads what is there from *fd into buf (keeping the first cap - 1
 * bytes); closes it at EOF. */
static void senddoc_drain(int *fd, char *buf, size_t cap, size_t *len)
{
	char scratch[4096];
	ssize_t n;

	do
		n = read(*fd, scratch, sizeof(scratch));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	size_t keep = cap - 1 - *len < (size_t)n ? cap - 1 - *len : (size_t)n;
	memcpy(buf + *len, scratch, keep);
	*len += keep;
	buf[*len] = '\0';
}

/* Collects the output until both pipes close and the child exits, or the
 * deadline (the child is then killed). */
static void senddoc_collect(pid_t pid, int fds[2], uint64_t deadline, struct senddoc_tool *t)
{
	for (;;) {
		uint64_t now = senddoc_now_ms();
		struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN },
				       { .fd = fds[1], .events = POLLIN } };
		pid_t w = fds[0] < 0 && fds[1] < 0 ? waitpid(pid, &t->status, WNOHANG) : 0;

		if (w == pid)
			return;
		if (w < 0 && errno == ECHILD) {       /* reaped elsewhere (SIGCHLD ignored) */
			t->status = 0;
			return;
		}
		if (now >= deadline) {
			t->timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (fds[0] < 0 && fds[1] < 0) {
			usleep(5000);
			continue;
		}
		if (poll(p, 2, (int)(deadline - now > 1000 ? 1000 : deadline - now)) <= 0)
			continue;
		if (fds[0] >= 0 && p[0].revents != 0)
			senddoc_drain(&fds[0], t->out, sizeof(t->out), &t->outlen);
		if (fds[1] >= 0 && p[1].revents != 0)
			senddoc_drain(&fds[1], t->err, sizeof(t->err), &t->errlen);
	}
	while (waitpid(pid, &t->status, 0) < 0 && errno == EINTR)
		;
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Runs path with argv (no shell) for at most timeout_ms; 0 with t
 * filled in, or -1 when it could not be started. */
static int senddoc_run(const char *path, char *const argv[], unsigned timeout_ms,
		       struct senddoc_tool *t)
{
	pid_t parent = getpid(), pid;
	int po[2], pe[2], fds[2];

	memset(t, 0, sizeof(*t));
	if (pipe2(po, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) != 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		senddoc_child(path, argv, po[1], pe[1], parent);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	fds[0] = po[0];
	fds[1] = pe[0];
	senddoc_collect(pid, fds, senddoc_now_ms() + timeout_ms, t);
	return 0;
}

static bool senddoc_exited_ok(const struct senddoc_tool *t)
{
	return !t->timed_out && WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0;
}

/* A tool that did not finish on its own (time limit, signal, not run):
 * true with the reason; false when it exited and its output tells. */
static bool senddoc_tool_broke(const struct senddoc_tool *t, const char *doing,
			       const char *tool, unsigned limit_ms, char *err, size_t errlen)
{
	const char *abbrev;

	if (t->timed_out) {
		fgwx_reason(err, errlen, "%s took more than %u s", doing, limit_ms / 1000);
		return true;
	}
	if (WIFSIGNALED(t->status)) {
		abbrev = sigabbrev_np(WTERMSIG(t->status));
		fgwx_reason(err, errlen, "%s failed: %s was killed (SIG%s)", doing, tool,
			    abbrev != NULL ? abbrev : "?");
		return true;
	}
	if (WIFEXITED(t->status) && WEXITSTATUS(t->status) == 127 &&
	    strncmp(t->err, "cannot run the program", 22) == 0) {
		fgwx_reason(err, errlen, "%s failed: cannot run %s", doing, tool);
		return true;
	}
	return false;
}

/* The first lines a tool printed, for a reason: trimmed of blanks and
 * Ghostscript's "****", without repeats, joined with "; ". */
static void senddoc_tool_text(const char *a, const char *b, char *dst, size_t cap)
{
	const char *srcs[2] = { a, b };
	char line[256], last[256] = "";
	struct fgwx_buf buf;
	int lines = 0;

	fgwx_buf_init(&buf, dst, cap);
	for (int s = 0; s < 2; s++) {
		for (const char *p = srcs[s]; *p != '\0' && lines < 3;) {
			size_t n = strcspn(p, "\n");
			const char *q = p;

			while (q < p + n && (*q == ' ' || *q == '\t' || *q == '*'))
				q++;
			fgwx_text_sanitize(line, sizeof(line), q, (size_t)(p + n - q));
			p += n + (p[n] == '\n');
			if (line[0] == '\0' || strcmp(line, last) == 0 ||
			    strncmp(line, "GPL Ghostscript", 15) == 0)
				continue;
			fgwx_buf_addf(&buf, "%s%s", lines > 0 ? "; " : "", line);
			snprintf(last, sizeof(last), "%s", line);
			lines++;
		}
	}
	if (lines == 0)
		fgwx_buf_addf(&buf, "no message");
}

/* A path a tool cannot take for an option. */
static int senddoc_arg_path(const char *in, char *buf, size_t cap)
{
	return (size_t)snprintf(buf, cap, "%s%s", in[0] == '-' ? "./" : "", in) < cap ? 0 : -1;
}

/* The page count of a PDF, from pdfinfo; 0 or -1 with the reason. */
static int senddoc_pdf_pages(const char *in, unsigned *pages, char *err, size_t errlen)
{
	char tool[FGW_MAX_PATH], arg[FGW_MAX_PATH + 2], text[FGW_MAX_ERROR_TEXT];
	char *argv[] = { "pdfinfo", arg, NULL };
	struct senddoc_tool t;
	unsigned long count;
	const char *p;

	if (senddoc_find(FAXGW_PDFINFO, "pdfinfo", tool, sizeof(tool)) != 0) {
		fgwx_reason(err, errlen, "cannot read the PDF: pdfinfo (poppler-utils) is not "
			    "installed");
		return -1;
	}
	if (senddoc_arg_path(in, arg, sizeof(arg)) != 0 ||
	    senddoc_run(tool, argv, SENDDOC_PDFINFO_MS, &t) != 0) {
		fgwx_reason(err, errlen, "cannot read the PDF: cannot run pdfinfo");
		return -1;
	}
	if (senddoc_tool_broke(&t, "counting the PDF's pages", tool, SENDDOC_PDFINFO_MS, err,
			       errlen))
		return -1;
	senddoc_tool_text(t.err, "", text, sizeof(text));
	if (!senddoc_exited_ok(&t)) {
		if (strstr(t.err, "Incorrect password") != NULL)
			fgwx_reason(err, errlen, "the PDF is encrypted: it cannot be opened "
				    "without a password");
		else
			fgwx_reason(err, errlen, "not a valid PDF: %s", text);
		return -1;
	}
	p = strstr(t.out, "\nPages:");
	p = p != NULL ? p + 7 : strncmp(t.out, "Pages:", 6) == 0 ? t.out + 6 : NULL;
	count = p != NULL ? strtoul(p, NULL, 10) : 0;
	*pages = count > FGW_MAX_SEND_PAGES * 1000ul ? FGW_MAX_SEND_PAGES * 1000u : (unsigned)count;
	if (*pages == 0) {
		fgwx_reason(err, errlen, "not a valid PDF: it has no pages");
		return -1;
	}
	return 0;
}

/* Renders pages 1..pages of the PDF at `in` into the TIFF `tmp`. */
static int senddoc_render(const char *in, const char *tmp, unsigned pages, char *err,
			  size_t errlen)
{
	char tool[FGW_MAX_PATH], arg[FGW_MAX_PATH + 2], outarg[2 * FGW_MAX_PATH + 16];
	char last[32], text[FGW_MAX_ERROR_TEXT];
	char *argv[] = { "gs", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dQUIET", "-dNOPROMPT",
			 "-sDEVICE=tiffg4", "-r204x196", "-sPAPERSIZE=a4", "-dFIXEDMEDIA",
			 "-dPDFFitPage", "-dAdjustWidth=1", "-dFirstPage=1", last, outarg,
			 "-f", arg, NULL };
	struct fgwx_buf ob;
	struct senddoc_tool t;

	if (senddoc_find(FAXGW_GS, "gs", tool, sizeof(tool)) != 0) {
		fgwx_reason(err, errlen, "cannot render the PDF: Ghostscript (gs) is not installed");
		return -1;
	}
	snprintf(last, sizeof(last), "-dLastPage=%u", pages);
	/* gs reads %d and the like in OutputFile: a literal % is %%. */
	fgwx_buf_init(&ob, outarg, sizeof(outarg));
	fgwx_buf_addf(&ob, "-sOutputFile=");
	for (const char *p = tmp; *p != '\0'; p++)
		fgwx_buf_addf(&ob, *p == '%' ? "%%%%" : "%c", *p);
	if (fgwx_buf_failed(&ob) || senddoc_arg_path(in, arg, sizeof(arg)) != 0 ||
	    senddoc_run(tool, argv, SENDDOC_RENDER_MS, &t) != 0) {
		fgwx_reason(err, errlen, "cannot render the PDF: cannot run Ghostscript");
		return -1;
	}
	if (senddoc_tool_broke(&t, "rendering the PDF", tool, SENDDOC_RENDER_MS, err, errlen))
		return -1;
	senddoc_tool_text(t.err, t.out, text, sizeof(text));
	if (!senddoc_exited_ok(&t) || access(tmp, F_OK) != 0) {
		fgwx_reason(err, errlen, "not a valid PDF: %s", text);
		return -1;
	}
	return 0;
}

/* pdfinfo's count, gs into out.gs, the TIFF check into out.pdf.tif, then
 * (page counts equal) renamed to out. */
static int senddoc_pdf(const char *in, const char *out, unsigned max, unsigned *pages,
		       char *err, size_t errlen)
{
	char gsout[FGW_MAX_PATH + 16], checked[FGW_MAX_PATH + 16], why[FGW_MAX_ERROR_TEXT];
	unsigned n, got = 0;
	int rc = -1;

	if ((size_t)snprintf(gsout, sizeof(gsout), "%s.gs", out) >= sizeof(gsout) ||
	    (size_t)snprintf(checked, sizeof(checked), "%s.pdf.tif", out) >= sizeof(checked)) {
		fgwx_reason(err, errlen, "the output path is too long");
		return -1;
	}
	if (senddoc_pdf_pages(in, &n, err, errlen) != 0)
		return -1;
	if (n > max) {
		fgwx_reason(err, errlen, "%u pages: more than %u", n, max);
		return -1;
	}
	unlink(gsout);
	if (senddoc_render(in, gsout, n, err, errlen) != 0)
		goto out;
	if (senddoc_check_tiff(gsout, checked, max, &got, why, sizeof(why)) != 0) {
		fgwx_reason(err, errlen, "the rendered PDF: %s", why);
		goto out;
	}
	if (got != n)
		fgwx_reason(err, errlen, "not a valid PDF: Ghostscript rendered %u of its %u pages",
			    got, n);
	else if (rename(checked, out) != 0 || senddoc_fsync_dir(out) != 0)
		fgwx_reason(err, errlen, "cannot write the TIFF: %s", strerror(errno));
	else
		rc = 0;
out:
	if (rc == 0)
		*pages = got;
	else
		unlink(checked);
	unlink(gsout);
	return rc;
}

int senddoc_prepare(const char *in, const char *out, unsigned max_pages, unsigned *pages,
		    char *err, size_t errlen)
{
	unsigned char head[8];
	ssize_t n;
	int fd;

	*pages = 0;
	fd = senddoc_open_in(in, err, errlen);
	if (fd < 0)
		return -1;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	switch (senddoc_sniff(head, n > 0 ? (size_t)n : 0)) {
	case SENDDOC_TIFF:
		return senddoc_check_tiff(in, out, max_pages, pages, err, errlen);
	case SENDDOC_PDF:
		return senddoc_pdf(in, out, senddoc_limit(max_pages), pages, err, errlen);
	default:
		fgwx_reason(err, errlen, "not a TIFF or PDF file");
		return -1;
	}
}
