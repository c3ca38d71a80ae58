/*
 * pdf.h - a PDF writer for received faxes (shared by routing extensions).
 *
 * Turns a TIFF Class F file (one or more G3/G4 pages) into a PDF 1.4
 * document with one page per fax page.  Each page is one image XObject
 * that embeds the page's CCITT data as it is (/Filter /CCITTFaxDecode,
 * ISO 32000-1 7.4.6) when the page is one G3 (T.4) or G4 (T.6) strip;
 * LSB-first data (TIFF FillOrder 2) is bit-reversed.  Any other 1-bit
 * page (several strips, other compressions) is decoded and re-encoded as
 * T.6 through libtiff.  The page size follows the page's resolution:
 * points = pixels / dpi * 72.
 *
 * Ownership: pdf_from_tiff's *out is malloc'd and owned by the caller
 * (free it with pdf_free).  Nothing else is kept between calls.
 */
#ifndef FAXGW_EXT_PDF_H
#define FAXGW_EXT_PDF_H

#include <stddef.h>

#include "caps.h"

/* Converts the TIFF at tiff_path into a PDF in memory, at most
 * FGW_MAX_PDF_SIZE bytes.  title (may be NULL) goes into the document
 * information dictionary.  Returns the number of pages (> 0), or -1 with
 * a reason in err. */
int pdf_from_tiff(const char *tiff_path, const char *title, unsigned char **out,
		  size_t *outlen, char *err, size_t errlen);

/* Same, written to pdf_path atomically (a temporary file beside it,
 * fsync, rename).  Returns the number of pages, or -1 with a reason. */
int pdf_write_file(const char *tiff_path, const char *title, const char *pdf_path,
		   char *err, size_t errlen);

/* Frees what pdf_from_tiff returned; NULL is fine. */
void pdf_free(unsigned char *pdf);

#endif
