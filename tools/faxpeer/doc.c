/*
 * doc.c - is this file something a fax terminal can send?  A TIFF (TIFF
 * Class F, RFC 2306, or any bilevel TIFF libtiff can decode) whose every
 * page is one bit per pixel and as wide as a fax scan line (ITU-T T.4
 * 2.2: 1728/2048/2432 pixels at 8 dots per mm, and the matching widths of
 * the higher resolutions of T.30 Table 2).
 */
#include "faxpeer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>

#define FAXPEER_DOC_MAX_PAGES 10000

static char faxpeer_doc_msg[FGW_MAX_ERROR_TEXT];

static void faxpeer_doc_tiff_error(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	if (faxpeer_doc_msg[0] == '\0')
		vsnprintf(faxpeer_doc_msg, sizeof(faxpeer_doc_msg), fmt, ap);
}

static void faxpeer_doc_tiff_warning(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	(void)fmt;
	(void)ap;
}

static bool faxpeer_doc_width_ok(uint32_t w)
{
	static const uint32_t widths[] = { 1728, 2048, 2432, 2592, 3072, 3456, 3648, 4096, 4864 };

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (widths[i] == w)
			return true;
	return false;
}

/* Checks the current directory (page `page`, 1-based). */
static int faxpeer_doc_page(TIFF *t, int page, char *err, size_t errlen)
{
	uint16_t bps = 1, spp = 1, comp = COMPRESSION_NONE;
	uint32_t w = 0, h = 0;

	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
	if (bps != 1 || spp != 1) {
		snprintf(err, errlen, "page %d has %u bit(s) per sample and %u sample(s) per pixel; "
		         "a fax page is bilevel (1 and 1)", page, bps, spp);
		return -1;
	}
	if (!TIFFIsCODECConfigured(comp)) {
		snprintf(err, errlen, "page %d uses compression %u, which libtiff cannot decode", page, comp);
		return -1;
	}
	if (!faxpeer_doc_width_ok(w)) {
		snprintf(err, errlen, "page %d is %u pixels wide; a fax page is 1728 (A4), 2048 (B4) "
		         "or 2432 (A3) pixels wide at 8 dots/mm", page, w);
		return -1;
	}
	if (h == 0) {
		snprintf(err, errlen, "page %d has no rows", page);
		return -1;
	}
	return 0;
}

int faxpeer_doc_check(const char *path, char *err, size_t errlen)
{
	TIFFErrorHandler old_err = TIFFSetErrorHandler(faxpeer_doc_tiff_error);
	TIFFErrorHandler old_warn = TIFFSetWarningHandler(faxpeer_doc_tiff_warning);
	int pages = 0;
	TIFF *t;

	faxpeer_doc_msg[0] = '\0';
	t = TIFFOpen(path, "r");
	if (t == NULL) {
		snprintf(err, errlen, "%s is not a fax TIFF: %s", path,
		         faxpeer_doc_msg[0] ? faxpeer_doc_msg : "cannot open it");
		pages = -1;
		goto out;
	}
	do {
		char why[FGW_MAX_ERROR_TEXT];
		if (faxpeer_doc_page(t, pages + 1, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s is not a fax TIFF: %s", path, why);
			pages = -1;
			goto out;
		}
		pages++;
	} while (pages < FAXPEER_DOC_MAX_PAGES && TIFFReadDirectory(t));
	if (faxpeer_doc_msg[0] != '\0') {
		snprintf(err, errlen, "%s is not a fax TIFF: %s", path, faxpeer_doc_msg);
		pages = -1;
	}
out:
	if (t != NULL)
		TIFFClose(t);
	TIFFSetErrorHandler(old_err);
	TIFFSetWarningHandler(old_warn);
	return pages;
}
