/*
 * test_rxfile.c - a received file written page by page (rxfile.h), on
 * the caller's thread and on a page writer (pagewriter.h): the pages come
 * out as they went in, pixel for pixel, in order; a file that cannot be
 * written says so in its status; the writer runs jobs in the order given
 * and pagewriter_flush() waits for all of them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "pagewriter.h"
#include "rxfile.h"

Suite *rxfile_suite(void);

#define RX_WIDTH 1728u
#define RX_BPR   (RX_WIDTH / 8u)

/* A page whose row r has byte (r * 7 + page) % 251 everywhere: every page
 * and every row differ. */
static struct rx_page *rx_make_page(int page, uint32_t rows)
{
	struct rx_page *pg = calloc(1, sizeof(*pg));

	ck_assert_ptr_nonnull(pg);
	pg->rows = malloc((size_t)rows * RX_BPR);
	ck_assert_ptr_nonnull(pg->rows);
	for (uint32_t r = 0; r < rows; r++)
		memset(pg->rows + (size_t)r * RX_BPR, (int)((r * 7u + (uint32_t)page) % 251u), RX_BPR);
	pg->width = RX_WIDTH;
	pg->length = rows;
	pg->bytes_per_row = RX_BPR;
	pg->x_res = 8031;
	pg->y_res = page % 2 ? 3850 : 7700;
	pg->bad_rows = page == 2 ? 3 : 0;
	pg->longest_bad_run = page == 2 ? 2 : 0;
	pg->started = 1000;
	pg->ended = 1009;
	snprintf(pg->ident, sizeof(pg->ident), "+1 555 %04d", page);
	return pg;
}

/* The file has `pages` pages, each as rx_make_page() made it. */
static void rx_check_file(const char *path, int pages, uint32_t rows)
{
	TIFF *t = TIFFOpen(path, "r");
	uint8_t *line = malloc(RX_BPR);
	int n = 0;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(line);
	do {
		uint32_t w = 0, h = 0, bad = 0;
		uint16_t pn = 0, total = 0, comp = 0;
		char *desc = NULL;

		n++;
		ck_assert(TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) && w == RX_WIDTH);
		ck_assert(TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h) && h == rows);
		ck_assert(TIFFGetField(t, TIFFTAG_COMPRESSION, &comp) && comp == COMPRESSION_CCITT_T4);
		ck_assert(TIFFGetField(t, TIFFTAG_PAGENUMBER, &pn, &total));
		ck_assert_int_eq(pn, n - 1);
		ck_assert_int_eq(total, pages > 1 ? pages : 1);
		ck_assert(TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc));
		char want[32];
		snprintf(want, sizeof(want), "+1 555 %04d", n);
		ck_assert_str_eq(desc, want);
		if (n == 2)
			ck_assert(TIFFGetField(t, TIFFTAG_BADFAXLINES, &bad) && bad == 3);
		for (uint32_t r = 0; r < rows; r++) {
			ck_assert_int_eq(TIFFReadScanline(t, line, r, 0), 1);
			for (uint32_t i = 0; i < RX_BPR; i++)
				ck_assert_int_eq(line[i], (int)((r * 7u + (uint32_t)n) % 251u));
		}
	} while (TIFFReadDirectory(t));
	ck_assert_int_eq(n, pages);
	free(line);
	TIFFClose(t);
}

static void rx_write_pages(struct pagewriter *w, const char *path, int pages,
			   struct rxfile_status *st)
{
	struct rxfile *f = rxfile_new(path, w, st);

	ck_assert_ptr_nonnull(f);
	for (int i = 1; i <= pages; i++)
		rxfile_page(f, rx_make_page(i, 300));
	rxfile_close(f);
	pagewriter_flush(w);
}

START_TEST(pages_on_the_callers_thread)
{
	char dir[] = "/tmp/faxgw-rx.XXXXXX", path[64];
	struct rxfile_status st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.tif", dir);
	rx_write_pages(NULL, path, 3, &st);
	ck_assert_int_eq(st.pages, 3);
	ck_assert(!st.failed);
	rx_check_file(path, 3, 300);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(pages_on_a_writer_thread)
{
	char dir[] = "/tmp/faxgw-rx.XXXXXX", path[4][64];
	struct rxfile_status st[4];
	struct rxfile *f[4];
	struct pagewriter *w = NULL;
	char err[256];

	ck_assert_int_eq(pagewriter_new(0, &w, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* Four files at once, their pages interleaved, as calls' are. */
	for (int i = 0; i < 4; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%d.tif", dir, i);
		f[i] = rxfile_new(path[i], w, &st[i]);
		ck_assert_ptr_nonnull(f[i]);
	}
	for (int pg = 1; pg <= 3; pg++)
		for (int i = 0; i < 4; i++)
			if (pg <= i + 1 || i == 3)
				rxfile_page(f[i], rx_make_page(pg, 200));
	for (int i = 0; i < 4; i++)
		rxfile_close(f[i]);
	pagewriter_flush(w);
	for (int i = 0; i < 4; i++) {
		int want = i == 3 ? 3 : (i + 1 < 3 ? i + 1 : 3);
		ck_assert_int_eq(st[i].pages, want);
		ck_assert(!st[i].failed);
		rx_check_file(path[i], want, 200);
		unlink(path[i]);
	}
	pagewriter_free(w);
	rmdir(dir);
}
END_TEST

/* No page, no file. */
START_TEST(no_page_no_file)
{
	char dir[] = "/tmp/faxgw-rx.XXXXXX", path[64];
	struct rxfile_status st;
	struct pagewriter *w = NULL;
	char err[256];

	ck_assert_int_eq(pagewriter_new(1, &w, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/none.tif", dir);
	rx_write_pages(w, path, 0, &st);
	ck_assert_int_eq(st.pages, 0);
	ck_assert(!st.failed);
	ck_assert_int_ne(access(path, F_OK), 0);
	pagewriter_free(w);
	rmdir(dir);
}
END_TEST

/* A file that cannot be created: every page is reported missing, with
 * the reason, nothing crashes. */
START_TEST(unwritable_file_is_reported)
{
	struct rxfile_status st;

	rx_write_pages(NULL, "/nonexistent-dir/x.tif", 2, &st);
	ck_assert_int_eq(st.pages, 0);
	ck_assert(st.failed);
	ck_assert_msg(strstr(st.error, "cannot create /nonexistent-dir/x.tif") != NULL, "%s",
		      st.error);
}
END_TEST

START_TEST(lost_page_is_reported)
{
	char dir[] = "/tmp/faxgw-rx.XXXXXX", path[64];
	struct rxfile_status st;
	struct rxfile *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/l.tif", dir);
	f = rxfile_new(path, NULL, &st);
	rxfile_page(f, rx_make_page(1, 100));
	rxfile_lost_page(f, 2);
	rxfile_close(f);
	ck_assert_int_eq(st.pages, 1);
	ck_assert(st.failed);
	ck_assert_msg(strstr(st.error, "page 2 lost") != NULL, "%s", st.error);
	unlink(path);
	rmdir(dir);
}
END_TEST

struct pw_test_job {
	struct pw_job job;
	int *log, *n, value;
};

static void pw_test_run(struct pw_job *job)
{
	struct pw_test_job *j = (struct pw_test_job *)job;

	usleep(j->value % 3 == 0 ? 200 : 0);
	j->log[(*j->n)++] = j->value;
}

START_TEST(writer_runs_jobs_in_order)
{
	enum { N = 500 };
	static struct pw_test_job jobs[N];
	static int log[N];
	int n = 0;
	struct pagewriter *w = NULL;
	char err[256];

	ck_assert_int_eq(pagewriter_new(2, &w, err, sizeof(err)), 0);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct pw_test_job){ .job.run = pw_test_run, .log = log, .n = &n,
						.value = i };
		pagewriter_submit(w, &jobs[i].job);
		if (i == N / 2)
			pagewriter_flush(w);
	}
	pagewriter_free(w);   /* runs what is left first */
	ck_assert_int_eq(n, N);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(log[i], i);
}
END_TEST

Suite *rxfile_suite(void)
{
	Suite *s = suite_create("rxfile");
	TCase *tc = tcase_create("rxfile");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pages_on_the_callers_thread);
	tcase_add_test(tc, pages_on_a_writer_thread);
	tcase_add_test(tc, no_page_no_file);
	tcase_add_test(tc, unwritable_file_is_reported);
	tcase_add_test(tc, lost_page_is_reported);
	tcase_add_test(tc, writer_runs_jobs_in_order);
	suite_add_tcase(s, tc);
	return s;
}
