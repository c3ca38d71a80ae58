/*
 * test_pdf.h - checks on PDFs made from faxes, for every test that gets
 * one back (defined in test_pdf.c).
 */
#ifndef FAXGW_TEST_PDF_H
#define FAXGW_TEST_PDF_H

#include <stddef.h>

/* 1 when poppler-utils' pdftoppm and pdfinfo are installed. */
int test_pdf_have_poppler(void);

/* Checks the PDF's structure: header, every cross-reference entry points
 * at its "N 0 obj", startxref points at "xref", and the page count.
 * Returns the number of pages (/Count), or -1 with why. */
int test_pdf_structure(const unsigned char *pdf, size_t len, char *why, size_t whylen);

/* Compares every page of the PDF file with the TIFF page decoded by
 * libtiff: the page's embedded image as poppler decodes it (pdfimages)
 * pixel by pixel; the page rendered by pdftoppm at the fax resolution
 * without anti-aliasing, where at most 0.5 % of the black pixels may lack
 * a counterpart within one pixel (resampling moves edges by a pixel); and
 * the page size in points against pixels / dpi * 72 (pdfinfo, 0.5 pt).
 * Returns the number of image pixels that differ (0 expected), or -1 with
 * why when the pages, sizes or renderings do not match. */
long test_pdf_compare(const char *pdf_path, const char *tiff_path, char *why, size_t whylen);

#endif
