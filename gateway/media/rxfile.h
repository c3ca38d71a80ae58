/*
 * rxfile.h - the TIFF Class F file of one receiving call, written page by
 * page from the rows spandsp decoded (fax_session.c hands them over).
 *
 * The file is created when the call starts (a reception in progress has
 * its file), removed at the close when no page came (no page, no file),
 * and complete after rxfile_close().  Each page is one strip of T.4 2-D data (TIFF
 * Class F, RFC 2306), with the tags spandsp's own writer gives: the
 * resolution in inches, the sender's ident as ImageDescription, the page
 * numbers (the totals set at close), BadFaxLines, CleanFaxData and
 * ConsecutiveBadFaxLines.
 *
 * With a page writer (pagewriter.h) every page and the close are jobs of
 * that thread, in the order given; without one they run on the caller's
 * thread at once.  A failure to write (disk full) is never silent: the
 * status given to rxfile_new() says how many pages the file holds and
 * why the rest are missing.  It is complete once a job submitted to the
 * same writer after rxfile_close() runs.
 *
 * Ownership: rxfile_new() copies path; status stays the caller's and
 * must outlive the file (until its close has run).  rxfile_page() takes
 * the page and its rows (both malloc'd).  rxfile_close() frees the file
 * (once its jobs have run); NULL is fine.
 */
#ifndef FAXGW_RXFILE_H
#define FAXGW_RXFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "caps.h"
#include "pagewriter.h"

/* What the file holds, filled by the close (on the writer's thread). */
struct rxfile_status {
	int pages;                    /* pages written */
	bool failed;                  /* a page could not be written */
	char error[FGW_MAX_ERROR_TEXT];
};

/* One received page, as spandsp's T.4 receiver decoded it. */
struct rx_page {
	struct pw_job job;            /* first: the job is the allocation */
	struct rxfile *file;
	uint8_t *rows;                /* length x bytes_per_row, malloc'd */
	uint32_t width, length, bytes_per_row;
	int x_res, y_res;             /* pixels per metre, as spandsp gives them */
	int bad_rows, longest_bad_run;
	time_t started, ended;        /* the page's reception */
	char ident[FGW_MAX_IDENT + 1];/* the sender's TSI, display-safe; "" none */
};

struct rxfile;

/* NULL when out of memory.  writer NULL: pages written on the caller's
 * thread. */
struct rxfile *rxfile_new(const char *path, struct pagewriter *writer,
			  struct rxfile_status *status);
/* Adds pg as the next page (takes pg and pg->rows). */
void rxfile_page(struct rxfile *f, struct rx_page *pg);
/* A page that could not even be handed over (out of memory): the file
 * is reported failed at its close. */
void rxfile_lost_page(struct rxfile *f, int page);
/* Completes the file (page totals), closes it, fills the status. */
void rxfile_close(struct rxfile *f);
/* Any thread: true once the file could not be created (the reception
 * should be refused: no page could be kept). */
bool rxfile_unusable(const struct rxfile *f);

#endif
