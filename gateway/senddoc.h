/*
 * senddoc.h - a document submitted for sending, checked and made TIFF
 * Class F (DESIGN 3b; sendq.h).  Runs in the router's worker processes
 * (router.h ROUTER_PREPARE), never on the main loop or a media thread:
 * it decodes every page and may run Ghostscript for seconds.
 *
 * The type is taken from the content, never from the name: "II*\0" or
 * "MM\0*" (also BigTIFF's "II+\0", "MM\0+") is a TIFF, "%PDF-" a PDF.
 *
 * TIFF: every directory is a page and must be what spandsp 0.0.6's T.4
 * transmitter sends: 1 bit per sample, 1 sample per pixel, min-is-white
 * or min-is-black, 1728, 2048 or 2432 pixels wide at 8 pels/mm (an x
 * resolution within 5% of 204 dpi, or none), a vertical resolution within
 * 5% of 3.85, 7.7 or 15.4 lines/mm (98, 196, 391 dpi), 1 to
 * SENDDOC_MAX_ROWS rows, in a compression libtiff decodes, strips or
 * tiles.  Every page is decoded whole, and written again to `out` as
 * canonical TIFF Class F: one G4 (T.6) strip per page, min-is-white,
 * FillOrder LSB-to-MSB, 204 dpi by the nominal 98/196/391 dpi, page
 * numbers.  The pixels are those of the input; what spandsp would
 * misread (tiles, for one: it reads scanlines) never reaches it.
 *
 * PDF: pdfinfo (poppler-utils) counts the pages first (a PDF that needs
 * a password, or that poppler cannot parse, is refused there), then
 * Ghostscript renders them (tiffg4, 204x196 dpi, every page fitted to A4:
 * 1728 pixels wide) into `out`.gs, which the TIFF check above turns into
 * `out` once Ghostscript rendered every page pdfinfo counted.  Both tools
 * run by absolute path (the one found at build time, else /usr/bin,
 * /usr/local/bin, /bin), with execve, no shell, stdin /dev/null, a clean
 * environment, a time limit (their process group is killed at it) and
 * their output captured; they die with the calling process
 * (PR_SET_PDEATHSIG).  A TIFF of more than max_pages pages is refused as
 * "at least N pages: more than M" after M + 1 directories; a PDF as "N
 * pages: more than M" from pdfinfo's count, before any rendering.
 *
 * The caps below belong in caps.h; they are here while sending is built
 * in parts (one line of caps.h, FGW_SEND_PREPARE_MS, is this module's).
 *
 * Ownership: the caller owns every buffer; nothing is kept between calls.
 * `out` (and `out`.tmp, `out`.gs, `out`.pdf.tif while working) are the
 * only files written; `out` appears complete (written, fsynced, renamed, its
 * directory fsynced) or not at all.  libtiff's messages go to the reason,
 * never to stderr (per-handle handlers: no global state is touched).
 */
#ifndef FAXGW_SENDDOC_H
#define FAXGW_SENDDOC_H

#include <stddef.h>

#include "caps.h"


/* Checks the document at `in` and writes it as TIFF Class F to `out`.
 * max_pages: more pages are refused (0, or more than FGW_MAX_SEND_PAGES:
 * FGW_MAX_SEND_PAGES).  Returns 0 with *pages set, or -1 with a reason
 * for the user in err ("not a TIFF or PDF file", "the file is empty",
 * "page 2 is 1700 pixels wide; fax pages are ...", "1000 pages: more
 * than 500", "not a valid PDF: ..."); `out` is then left untouched. */
int senddoc_prepare(const char *in, const char *out, unsigned max_pages, unsigned *pages,
		    char *err, size_t errlen);

/* The TIFF half of senddoc_prepare, whatever `in` starts with (the fuzz
 * harness; the rendered PDF).  Same contract. */
int senddoc_check_tiff(const char *in, const char *out, unsigned max_pages, unsigned *pages,
		       char *err, size_t errlen);

/* What the first bytes of a file say it is. */
enum senddoc_type { SENDDOC_OTHER = 0, SENDDOC_TIFF = 1, SENDDOC_PDF = 2 };
enum senddoc_type senddoc_sniff(const void *head, size_t len);

#endif
