/*
 * test_spool.c - the spool: commit of a received fax as a job, metadata,
 * and start-up recovery (tmp files, files without a job, interrupted jobs).
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <faxgw/admin.h>

#include "spool.h"
#include "state.h"
#include "testdoc.h"

Suite *spool_suite(void);

#define G1 "{00000000-0000-4000-8000-0000000000b1}"
#define G2 "{00000000-0000-4000-8000-0000000000b2}"

static char sp_dir[256];
static char sp_spool[300];
static struct state *sp_st;
static char sp_err[512];

static int sp_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void sp_setup(void)
{
	char db[400];

	snprintf(sp_dir, sizeof(sp_dir), "/tmp/faxgw-spool-XXXXXX");
	ck_assert(mkdtemp(sp_dir) != NULL);
	snprintf(sp_spool, sizeof(sp_spool), "%s/spool", sp_dir);
	snprintf(db, sizeof(db), "%s/state.db", sp_dir);
	ck_assert_msg(state_open(db, &sp_st, NULL, sp_err, sizeof(sp_err)) == 0, "%s", sp_err);
	ck_assert_msg(spool_init(sp_spool, sp_err, sizeof(sp_err)) == 0, "%s", sp_err);
}

static void sp_teardown(void)
{
	state_close(sp_st);
	nftw(sp_dir, sp_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static int sp_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static void sp_fax(struct spool_fax *f, uint32_t port, uint32_t pages)
{
	memset(f, 0, sizeof(*f));
	f->port_id = port;
	snprintf(f->port_name, sizeof(f->port_name), "t38-%u", (unsigned)port);
	snprintf(f->remote_ident, sizeof(f->remote_ident), "+49 30 1234");
	snprintf(f->local_ident, sizeof(f->local_ident), "+1 555 0100");
	snprintf(f->caller, sizeof(f->caller), "127.0.0.1:5000");
	f->start_time = 1000;
	f->end_time = 1060;
	f->pages = pages;
	f->x_res = 8031;
	f->y_res = 7700;
	f->bit_rate = 14400;
	f->ecm = 1;
	f->t30_status = 0;
	snprintf(f->t30_text, sizeof(f->t30_text), "OK");
}

static void sp_get(uint64_t id, struct state_job *j)
{
	int found = 0;

	ck_assert_msg(state_job_get(sp_st, id, j, &found, sp_err, sizeof(sp_err)) == 0, "%s",
		      sp_err);
	ck_assert_msg(found, "job %llu missing", (unsigned long long)id);
}

START_TEST(test_commit)
{
	static const char guids[2][FGW_GUID_LEN + 1] = { G1, G2 };
	struct state_job_method m[4];
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_fax f, back;
	char tmp[1024], want[1024];
	uint64_t id = 0;
	size_t n = 0;

	ck_assert_int_eq(spool_tmp_path(sp_spool, 3, tmp, sizeof(tmp)), 0);
	ck_assert_ptr_nonnull(strstr(tmp, "/tmp/P3-"));
	ck_assert_int_eq(testdoc_make(tmp, 2, TESTDOC_STANDARD, 1), 0);
	ck_assert_int_eq(spool_tiff_pages(tmp), 2);
	sp_fax(&f, 3, 2);
	f.degraded_pages = 1;
	f.bad_rows = 7;
	f.longest_bad_run = 3;
	snprintf(f.degraded_list, sizeof(f.degraded_list), "2");
	snprintf(f.degraded_detail, sizeof(f.degraded_detail), "2:275/7/3");
	ck_assert_msg(spool_commit(sp_st, sp_spool, tmp, &f, guids, 2, &id, sp_err,
				   sizeof(sp_err)) == 0, "%s", sp_err);
	ck_assert_uint_gt(id, 0);
	sp_get(id, j);
	snprintf(want, sizeof(want), "%s/%llu.tif", sp_spool, (unsigned long long)id);
	ck_assert_str_eq(j->path, want);
	ck_assert(sp_exists(want));
	ck_assert(!sp_exists(tmp));
	ck_assert_int_eq(j->state, FGW_JOB_PENDING);
	ck_assert_uint_eq(j->port_id, 3);
	ck_assert_uint_eq(j->pages, 2);
	ck_assert_str_eq(j->remote_ident, "+49 30 1234");
	ck_assert_uint_eq(j->degraded_pages, 1);
	ck_assert_uint_eq(j->bad_rows, 7);
	ck_assert_uint_eq(j->longest_bad_run, 3);
	ck_assert_str_eq(j->degraded_list, "2");
	spool_meta_parse(j->meta, &back);
	ck_assert_str_eq(back.degraded_detail, "2:275/7/3");
	ck_assert_str_eq(back.caller, "127.0.0.1:5000");
	ck_assert_str_eq(back.local_ident, "+1 555 0100");
	ck_assert_int_eq(back.end_time, 1060);
	ck_assert_uint_eq(back.y_res, 7700);
	ck_assert_uint_eq(back.bit_rate, 14400);
	ck_assert_int_eq(back.ecm, 1);
	ck_assert_str_eq(back.t30_text, "OK");
	ck_assert_int_eq(state_job_methods(sp_st, id, m, 4, &n, sp_err, sizeof(sp_err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(m[0].state, FGW_JOB_PENDING);
	ck_assert_int_eq(spool_tiff_pages(want), 2);
	free(j);
}
END_TEST

/* A group commit: every fax whose file could be fsynced becomes a job in
 * place, counted on its port; one that could not (missing file) is refused
 * alone, and its neighbours are not held back. */
START_TEST(test_commit_group)
{
	static const char guids[1][FGW_GUID_LEN + 1] = { G1 };
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_commit c[4];
	struct spool_fax f[4];
	struct state_port_counters pc;
	char tmp[4][1024], want[1024];

	memset(c, 0, sizeof(c));
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(spool_tmp_path(sp_spool, 7, tmp[i], sizeof(tmp[i])), 0);
		if (i != 2)
			ck_assert_int_eq(testdoc_make(tmp[i], 1, TESTDOC_STANDARD, (unsigned)i), 0);
		sp_fax(&f[i], 7, 1);
		c[i].tmp_path = tmp[i];
		c[i].fax = &f[i];
		c[i].guids = guids;
		c[i].n = i == 3 ? 0 : 1;
	}
	ck_assert_uint_eq(spool_commit_group(sp_st, sp_spool, c, 4), 3);
	ck_assert_uint_eq(c[2].job_id, 0);
	ck_assert_ptr_nonnull(strstr(c[2].err, "cannot fsync"));
	for (int i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		ck_assert_uint_gt(c[i].job_id, 0);
		sp_get(c[i].job_id, j);
		snprintf(want, sizeof(want), "%s/%llu.tif", sp_spool,
			 (unsigned long long)c[i].job_id);
		ck_assert_str_eq(j->path, want);
		ck_assert(sp_exists(want));
		ck_assert(!sp_exists(tmp[i]));
		ck_assert_int_eq(j->state, i == 3 ? FGW_JOB_UNROUTED : FGW_JOB_PENDING);
	}
	ck_assert_uint_ne(c[0].job_id, c[1].job_id);
	ck_assert_int_eq(state_port_counters_get(sp_st, 7, &pc, sp_err, sizeof(sp_err)), 0);
	ck_assert_uint_eq(pc.faxes_received, 3);
	ck_assert_uint_eq(pc.pages_received, 3);
	free(j);
}
END_TEST

START_TEST(test_commit_unrouted)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_fax f;
	char tmp[1024];
	uint64_t id = 0;
	uint32_t counts[6];

	ck_assert_int_eq(spool_tmp_path(sp_spool, 1, tmp, sizeof(tmp)), 0);
	ck_assert_int_eq(testdoc_make(tmp, 1, TESTDOC_FINE, 2), 0);
	sp_fax(&f, 1, 1);
	ck_assert_int_eq(spool_commit(sp_st, sp_spool, tmp, &f, NULL, 0, &id, sp_err,
				      sizeof(sp_err)), 0);
	sp_get(id, j);
	ck_assert_int_eq(j->state, FGW_JOB_UNROUTED);
	ck_assert(sp_exists(j->path));
	ck_assert_ptr_nonnull(strstr(j->last_error, "no routing method"));
	ck_assert_int_eq(state_jobs_count(sp_st, counts, sp_err, sizeof(sp_err)), 0);
	ck_assert_uint_eq(counts[FGW_JOB_UNROUTED], 1);
	/* A file that cannot be fsynced (missing) is refused, nothing inserted. */
	ck_assert_int_eq(spool_commit(sp_st, sp_spool, "/nonexistent/x.tif", &f, NULL, 0, &id,
				      sp_err, sizeof(sp_err)), -1);
	ck_assert_int_eq(state_jobs_count(sp_st, counts, sp_err, sizeof(sp_err)), 0);
	ck_assert_uint_eq(counts[FGW_JOB_UNROUTED], 1);
	free(j);
}
END_TEST

static int sp_methods(void *arg, uint32_t port_id, char (*guids)[FGW_GUID_LEN + 1], size_t max,
		      size_t *n)
{
	(void)arg;
	*n = 0;
	if (port_id == 4 && max >= 1) {
		snprintf(guids[0], sizeof(guids[0]), "%s", G1);
		*n = 1;
	}
	return 0;
}

START_TEST(test_recover_tmp)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct state_job_method m[2];
	struct spool_recovery rec;
	char with_pages[1024], empty[1024], junk[1024], named[1024];
	struct spool_fax f;
	uint64_t id = 0, named_id = 0;
	size_t n = 0;
	int fd;

	snprintf(with_pages, sizeof(with_pages), "%s/tmp/P4-1700000000-99-1.tif", sp_spool);
	snprintf(empty, sizeof(empty), "%s/tmp/P4-1700000000-99-2.tif", sp_spool);
	snprintf(junk, sizeof(junk), "%s/tmp/P2-1700000000-99-3.tif", sp_spool);
	snprintf(named, sizeof(named), "%s/tmp/P5-1700000000-99-4.tif", sp_spool);
	ck_assert_int_eq(testdoc_make(with_pages, 2, TESTDOC_STANDARD, 3), 0);
	fd = open(empty, O_WRONLY | O_CREAT, 0640);
	close(fd);
	fd = open(junk, O_WRONLY | O_CREAT, 0640);
	ck_assert_int_eq(write(fd, "II*\0garbage", 11), 11);
	close(fd);
	/* A committed job whose move into place did not happen (crash). */
	ck_assert_int_eq(testdoc_make(named, 1, TESTDOC_STANDARD, 4), 0);
	memset(j, 0, sizeof(*j));
	j->port_id = 5;
	j->state = FGW_JOB_PENDING;
	j->pages = 1;
	snprintf(j->path, sizeof(j->path), "%s", named);
	ck_assert_int_eq(state_job_insert(sp_st, j, &named_id, sp_err, sizeof(sp_err)), 0);

	ck_assert_msg(spool_recover(sp_st, sp_spool, sp_methods, NULL, &rec, sp_err,
				    sizeof(sp_err)) == 0, "%s", sp_err);
	ck_assert_uint_eq(rec.tmp_jobs, 1);
	ck_assert_uint_eq(rec.tmp_removed, 2);
	ck_assert_uint_eq(rec.tmp_moved, 1);
	ck_assert_uint_eq(rec.orphans, 0);
	ck_assert(!sp_exists(with_pages) && !sp_exists(empty) && !sp_exists(junk) &&
		  !sp_exists(named));

	sp_get(named_id, j);
	ck_assert(sp_exists(j->path));
	ck_assert_ptr_null(strstr(j->path, "/spool/tmp/"));

	/* The partial fax from the tmp file: port from its name, methods now. */
	id = named_id + 1;
	sp_get(id, j);
	ck_assert_uint_eq(j->port_id, 4);
	ck_assert_uint_eq(j->pages, 2);
	ck_assert(j->partial);
	ck_assert_int_eq(j->state, FGW_JOB_PENDING);
	ck_assert(sp_exists(j->path));
	spool_meta_parse(j->meta, &f);
	ck_assert(f.partial);
	ck_assert_int_eq(state_job_methods(sp_st, id, m, 2, &n, sp_err, sizeof(sp_err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(m[0].guid, G1);

	/* A second recovery finds nothing more to do. */
	ck_assert_int_eq(spool_recover(sp_st, sp_spool, sp_methods, NULL, &rec, sp_err,
				       sizeof(sp_err)), 0);
	ck_assert_uint_eq(rec.tmp_jobs + rec.tmp_removed + rec.tmp_moved + rec.orphans, 0);
	free(j);
}
END_TEST

START_TEST(test_recover_orphans_and_routing)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_recovery rec;
	char orphan[1024], failed[1024];
	uint64_t routing_id = 0, id = 0;
	uint32_t counts[6];

	/* A file in the spool with no job at all. */
	snprintf(orphan, sizeof(orphan), "%s/777.tif", sp_spool);
	ck_assert_int_eq(testdoc_make(orphan, 3, TESTDOC_STANDARD, 5), 0);
	/* A job left ROUTING by a crash, its file already dead-lettered. */
	memset(j, 0, sizeof(*j));
	j->port_id = 1;
	j->state = FGW_JOB_ROUTING;
	j->pages = 1;
	snprintf(j->path, sizeof(j->path), "%s/0.tif", sp_spool);
	ck_assert_int_eq(state_job_insert(sp_st, j, &routing_id, sp_err, sizeof(sp_err)), 0);
	ck_assert_int_eq(spool_failed_path(sp_spool, routing_id, failed, sizeof(failed)), 0);
	ck_assert_int_eq(testdoc_make(failed, 1, TESTDOC_STANDARD, 6), 0);

	ck_assert_msg(spool_recover(sp_st, sp_spool, sp_methods, NULL, &rec, sp_err,
				    sizeof(sp_err)) == 0, "%s", sp_err);
	ck_assert_uint_eq(rec.orphans, 1);
	sp_get(routing_id, j);
	ck_assert_int_eq(j->state, FGW_JOB_PENDING);
	ck_assert_int_eq(spool_locate(sp_spool, j), 0);
	ck_assert_str_eq(j->path, failed);

	id = routing_id + 1;
	sp_get(id, j);
	ck_assert_str_eq(j->path, orphan);
	ck_assert_int_eq(j->state, FGW_JOB_UNROUTED);
	ck_assert_uint_eq(j->pages, 3);
	ck_assert_int_eq(state_jobs_count(sp_st, counts, sp_err, sizeof(sp_err)), 0);
	ck_assert_uint_eq(counts[FGW_JOB_ROUTING], 0);
	/* Nothing more on a second run. */
	ck_assert_int_eq(spool_recover(sp_st, sp_spool, sp_methods, NULL, &rec, sp_err,
				       sizeof(sp_err)), 0);
	ck_assert_uint_eq(rec.orphans, 0);
	free(j);
}
END_TEST

/* faxgwd stopped in jobs_done after the job was recorded done, before its
 * file was removed: recovery removes the file, and only that one. */
START_TEST(test_recover_done_file)
{
	static const char guids[1][FGW_GUID_LEN + 1] = { G1 };
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_recovery rec;
	struct spool_fax f;
	char tmp[1024], done_path[1024], pending_path[1024];
	uint64_t done_id = 0, pending_id = 0;

	sp_fax(&f, 1, 1);
	ck_assert_int_eq(spool_tmp_path(sp_spool, 1, tmp, sizeof(tmp)), 0);
	ck_assert_int_eq(testdoc_make(tmp, 1, TESTDOC_STANDARD, 2), 0);
	ck_assert_int_eq(spool_commit(sp_st, sp_spool, tmp, &f, guids, 1, &done_id, sp_err,
				      sizeof(sp_err)), 0);
	ck_assert_int_eq(spool_tmp_path(sp_spool, 1, tmp, sizeof(tmp)), 0);
	ck_assert_int_eq(testdoc_make(tmp, 1, TESTDOC_STANDARD, 3), 0);
	ck_assert_int_eq(spool_commit(sp_st, sp_spool, tmp, &f, guids, 1, &pending_id, sp_err,
				      sizeof(sp_err)), 0);
	sp_get(pending_id, j);
	snprintf(pending_path, sizeof(pending_path), "%s", j->path);
	sp_get(done_id, j);
	snprintf(done_path, sizeof(done_path), "%s", j->path);
	j->state = FGW_JOB_DONE;
	ck_assert_int_eq(state_job_update(sp_st, j, sp_err, sizeof(sp_err)), 0);

	ck_assert_msg(spool_recover(sp_st, sp_spool, sp_methods, NULL, &rec, sp_err,
				    sizeof(sp_err)) == 0, "%s", sp_err);
	ck_assert_uint_eq(rec.done_removed, 1);
	ck_assert_uint_eq(rec.orphans, 0);
	ck_assert(!sp_exists(done_path));
	ck_assert(sp_exists(pending_path));
	sp_get(done_id, j);
	ck_assert_int_eq(j->state, FGW_JOB_DONE);
	sp_get(pending_id, j);
	ck_assert_int_eq(j->state, FGW_JOB_PENDING);
	free(j);
}
END_TEST

/* Retention: a routed fax recorded with its spool/done/ path whose move
 * never happened (crash) is removed at start, as without retention. */
START_TEST(test_recover_kept_file_not_moved)
{
	static const char guids[1][FGW_GUID_LEN + 1] = { G1 };
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_recovery rec;
	struct spool_fax f;
	char tmp[1024], path[1024];
	uint64_t id = 0;

	sp_fax(&f, 1, 1);
	ck_assert_int_eq(spool_tmp_path(sp_spool, 1, tmp, sizeof(tmp)), 0);
	ck_assert_int_eq(testdoc_make(tmp, 1, TESTDOC_STANDARD, 2), 0);
	ck_assert_int_eq(spool_commit(sp_st, sp_spool, tmp, &f, guids, 1, &id, sp_err,
				      sizeof(sp_err)), 0);
	sp_get(id, j);
	snprintf(path, sizeof(path), "%s", j->path);
	j->state = FGW_JOB_DONE;
	j->retained_until = 4000000000u;
	ck_assert_int_eq(spool_done_path(sp_spool, id, j->path, sizeof(j->path)), 0);
	ck_assert_int_eq(state_job_update(sp_st, j, sp_err, sizeof(sp_err)), 0);
	ck_assert(sp_exists(path));

	ck_assert_msg(spool_recover(sp_st, sp_spool, sp_methods, NULL, &rec, sp_err,
				    sizeof(sp_err)) == 0, "%s", sp_err);
	ck_assert_uint_eq(rec.done_removed, 1);
	ck_assert_uint_eq(rec.orphans, 0);
	ck_assert(!sp_exists(path));
	sp_get(id, j);
	ck_assert_int_eq(j->state, FGW_JOB_DONE);
	free(j);
}
END_TEST

START_TEST(test_meta_text)
{
	struct spool_fax f, back;
	char text[4096];

	sp_fax(&f, 12, 4);
	snprintf(f.t30_text, sizeof(f.t30_text), "line one\nport_id=99\r");
	f.partial = 1;
	spool_meta_format(&f, text, sizeof(text));
	spool_meta_parse(text, &back);
	ck_assert_uint_eq(back.port_id, 12);
	ck_assert_str_eq(back.t30_text, "line one port_id=99 ");
	ck_assert(back.partial);
	ck_assert_uint_eq(back.pages, 4);
	/* Garbage and overlong values are cut, never overflow. */
	memset(text, 'A', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "caller=", 7);
	spool_meta_parse(text, &back);
	ck_assert_uint_eq(strlen(back.caller), sizeof(back.caller) - 1);
	spool_meta_parse("=\n\n==x\nport_id=\npages=12345678901234567890123\n", &back);
	ck_assert_uint_eq(back.port_id, 0);
	/* Page quality goes round; metadata without it reads as intact. */
	f.degraded_pages = 2;
	f.bad_rows = 110;
	f.longest_bad_run = 60;
	snprintf(f.degraded_list, sizeof(f.degraded_list), "2,3");
	snprintf(f.degraded_detail, sizeof(f.degraded_detail), "2:170/100/60 3:280/10/4");
	spool_meta_format(&f, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "\ndegraded_pages=2\n"));
	spool_meta_parse(text, &back);
	ck_assert_uint_eq(back.degraded_pages, 2);
	ck_assert_uint_eq(back.bad_rows, 110);
	ck_assert_uint_eq(back.longest_bad_run, 60);
	ck_assert_str_eq(back.degraded_list, "2,3");
	ck_assert_str_eq(back.degraded_detail, "2:170/100/60 3:280/10/4");
	ck_assert_uint_eq(back.pages, 4);
	spool_meta_parse("port_id=12\npages=4\nbit_rate=14400\npartial=0\n", &back);
	ck_assert_uint_eq(back.pages, 4);
	ck_assert_uint_eq(back.degraded_pages, 0);
	ck_assert_uint_eq(back.bad_rows, 0);
	ck_assert_uint_eq(back.longest_bad_run, 0);
	ck_assert_str_eq(back.degraded_list, "");
	ck_assert_str_eq(back.degraded_detail, "");
	/* A tiny buffer holds a cut, terminated text. */
	spool_meta_format(&f, text, 10);
	ck_assert_uint_lt(strlen(text), 10);
}
END_TEST

Suite *spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, sp_setup, sp_teardown);
	tcase_add_test(tc, test_commit);
	tcase_add_test(tc, test_commit_unrouted);
	tcase_add_test(tc, test_commit_group);
	tcase_add_test(tc, test_recover_tmp);
	tcase_add_test(tc, test_recover_orphans_and_routing);
	tcase_add_test(tc, test_recover_done_file);
	tcase_add_test(tc, test_recover_kept_file_not_moved);
	tcase_add_test(tc, test_meta_text);
	suite_add_tcase(s, tc);
	return s;
}
