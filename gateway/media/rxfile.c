/*
 * rxfile.c - a receiving call's TIFF Class F file, page by page
 * (rxfile.h).
 */
#include "rxfile.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#define RXFILE_CM_PER_INCH 2.54f

struct rxfile {
	struct pw_job close_job;      /* first: rxfile_close()'s job */
	struct pw_job open_job;
	struct pagewriter *writer;
	struct rxfile_status *status;
	TIFF *tif;
	int pages;
	int failed_page;              /* first page not written, 0: none */
	char error[FGW_MAX_ERROR_TEXT];
	atomic_int lost;              /* rxfile_lost_page(): the first such page */
	atomic_bool cannot_create;    /* the open job failed (rxfile_unusable) */
	char path[FGW_MAX_PATH];
};

/* The first failure is the one reported; later pages are not written
 * (a file with a hole in it would hide the missing page). */
static void rxfile_fail(struct rxfile *f, int page, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rxfile_fail(struct rxfile *f, int page, const char *fmt, ...)
{
	va_list ap;

	if (f->failed_page != 0)
		return;
	f->failed_page = page;
	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
}

static void rxfile_tags(TIFF *tif, const struct rx_page *pg, int page)
{
	char when[32];
	struct tm tm;

	TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
	TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITT_T4);
	TIFFSetField(tif, TIFFTAG_T4OPTIONS, GROUP3OPT_FILLBITS | GROUP3OPT_2DENCODING);
	TIFFSetField(tif, TIFFTAG_FAXMODE, FAXMODE_CLASSF);
	TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, pg->width);
	TIFFSetField(tif, TIFFTAG_IMAGELENGTH, pg->length);
	TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
	TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
	TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, pg->length);
	TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
	TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
	TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
	/* Inches, as spandsp writes them: more readers get those right. */
	TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
	TIFFSetField(tif, TIFFTAG_XRESOLUTION,
		     floorf((float)pg->x_res / 100.0f * RXFILE_CM_PER_INCH + 0.5f));
	TIFFSetField(tif, TIFFTAG_YRESOLUTION,
		     floorf((float)pg->y_res / 100.0f * RXFILE_CM_PER_INCH + 0.5f));
	TIFFSetField(tif, TIFFTAG_SOFTWARE, "faxgw " FAXGW_VERSION);
	if (pg->ident[0] != '\0')
		TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, pg->ident);
	if (localtime_r(&pg->ended, &tm) != NULL &&
	    strftime(when, sizeof(when), "%Y:%m:%d %H:%M:%S", &tm) > 0)
		TIFFSetField(tif, TIFFTAG_DATETIME, when);
	TIFFSetField(tif, TIFFTAG_FAXRECVTIME,
		     (uint32_t)(pg->ended > pg->started ? pg->ended - pg->started : 0));
	TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)(page - 1), (uint16_t)1);
	if (pg->bad_rows > 0) {
		TIFFSetField(tif, TIFFTAG_BADFAXLINES, (uint32_t)pg->bad_rows);
		TIFFSetField(tif, TIFFTAG_CLEANFAXDATA, CLEANFAXDATA_REGENERATED);
		TIFFSetField(tif, TIFFTAG_CONSECUTIVEBADFAXLINES, (uint32_t)pg->longest_bad_run);
	} else {
		TIFFSetField(tif, TIFFTAG_CLEANFAXDATA, CLEANFAXDATA_CLEAN);
	}
}

static void rxfile_write(struct rxfile *f, struct rx_page *pg)
{
	int page = f->pages + 1;
	tmsize_t size = (tmsize_t)pg->length * (tmsize_t)pg->bytes_per_row;

	if (f->failed_page != 0)
		return;
	if (pg->width == 0 || pg->length == 0 || pg->bytes_per_row < (pg->width + 7) / 8) {
		rxfile_fail(f, page, "page %d: no image (%u x %u)", page, (unsigned)pg->width,
			    (unsigned)pg->length);
		return;
	}
	if (f->tif == NULL) {
		rxfile_fail(f, page, "cannot create %s", f->path);
		return;
	}
	rxfile_tags(f->tif, pg, page);
	if (TIFFWriteEncodedStrip(f->tif, 0, pg->rows, size) < 0 || !TIFFWriteDirectory(f->tif)) {
		rxfile_fail(f, page, "cannot write page %d to %s: %s", page, f->path,
			    errno != 0 ? strerror(errno) : "libtiff error");
		return;
	}
	f->pages = page;
}

/* The file exists from the start of the call, as a reception in
 * progress (an operator, recovery and a second daemon see it). */
static void rxfile_open_run(struct pw_job *job)
{
	struct rxfile *f = (struct rxfile *)(void *)((char *)job - offsetof(struct rxfile, open_job));

	f->tif = TIFFOpen(f->path, "w");
	if (f->tif == NULL) {
		rxfile_fail(f, 1, "cannot create %s: %s", f->path, strerror(errno));
		atomic_store(&f->cannot_create, true);
	}
}

static void rxfile_page_run(struct pw_job *job)
{
	struct rx_page *pg = (struct rx_page *)job;

	rxfile_write(pg->file, pg);
	free(pg->rows);
	free(pg);
}

void rxfile_page(struct rxfile *f, struct rx_page *pg)
{
	pg->file = f;
	pg->job.run = rxfile_page_run;
	pagewriter_submit(f->writer, &pg->job);
}

void rxfile_lost_page(struct rxfile *f, int page)
{
	int none = 0;

	atomic_compare_exchange_strong(&f->lost, &none, page > 0 ? page : 1);
}

/* Every page says "page i of n" once n is known (TIFF 6.0 PageNumber). */
static void rxfile_totals(struct rxfile *f)
{
	for (int i = 0; i < f->pages && f->pages > 1; i++) {
		if (!TIFFSetDirectory(f->tif, (uint16_t)i) ||
		    !TIFFSetField(f->tif, TIFFTAG_PAGENUMBER, (uint16_t)i, (uint16_t)f->pages) ||
		    !TIFFWriteDirectory(f->tif)) {
			rxfile_fail(f, i + 1, "cannot complete %s (page %d of %d): %s", f->path,
				    i + 1, f->pages, errno != 0 ? strerror(errno) : "libtiff error");
			return;
		}
	}
}

static void rxfile_close_run(struct pw_job *job)
{
	struct rxfile *f = (struct rxfile *)job;
	int lost = atomic_load(&f->lost);

	if (f->tif != NULL) {
		rxfile_totals(f);
		TIFFClose(f->tif);
		if (f->pages == 0)
			unlink(f->path);   /* no page, no file */
	}
	if (lost > 0)
		rxfile_fail(f, lost, "page %d lost: out of memory when it was received", lost);
	if (f->status != NULL) {
		f->status->pages = f->pages;
		f->status->failed = f->failed_page != 0;
		snprintf(f->status->error, sizeof(f->status->error), "%s", f->error);
	}
	free(f);
}

struct rxfile *rxfile_new(const char *path, struct pagewriter *writer,
			  struct rxfile_status *status)
{
	struct rxfile *f = calloc(1, sizeof(*f));

	if (f == NULL || strlen(path) >= sizeof(f->path)) {
		free(f);
		return NULL;
	}
	memcpy(f->path, path, strlen(path) + 1);
	f->writer = writer;
	f->status = status;
	atomic_init(&f->lost, 0);
	atomic_init(&f->cannot_create, false);
	f->open_job.run = rxfile_open_run;
	pagewriter_submit(writer, &f->open_job);
	return f;
}

bool rxfile_unusable(const struct rxfile *f)
{
	return atomic_load(&f->cannot_create);
}

void rxfile_close(struct rxfile *f)
{
	if (f == NULL)
		return;
	f->close_job.run = rxfile_close_run;
	pagewriter_submit(f->writer, &f->close_job);
}
