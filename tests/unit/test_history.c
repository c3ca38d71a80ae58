/*
 * test_history.c - bounded history: the paged job listing (every job once,
 * newest first, across inserts), the expiry of finished jobs, audit rows
 * and kept files (only finished and old ones, in batches), and the
 * finished_time a job gets when it finishes.
 */
#include <check.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "history.h"
#include "state.h"

Suite *history_suite(void);

#define TH_NOW UINT64_C(2000000000)          /* "now" of the expiry tests */
#define TH_DAY UINT64_C(86400)

static char th_dir[256];
static char th_db[300];
static char th_spool[300];
static struct state *th_st;
static char th_err[512];

static int th_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void th_setup(void)
{
	char sub[400];

	snprintf(th_dir, sizeof(th_dir), "/tmp/faxgw-history-XXXXXX");
	ck_assert(mkdtemp(th_dir) != NULL);
	snprintf(th_db, sizeof(th_db), "%s/state.db", th_dir);
	snprintf(th_spool, sizeof(th_spool), "%s/spool", th_dir);
	ck_assert_int_eq(mkdir(th_spool, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/done", th_spool);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/failed", th_spool);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_msg(state_open(th_db, &th_st, NULL, th_err, sizeof(th_err)) == 0, "%s",
		      th_err);
}

static void th_teardown(void)
{
	state_close(th_st);
	th_st = NULL;
	nftw(th_dir, th_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static void th_sql(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(th_db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
	sqlite3_close(db);
}

static long long th_sql_int(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	ck_assert_int_eq(sqlite3_open(th_db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* n jobs: ids first..first+n-1, every `every`-th FAILED, the others DONE. */
static void th_fill(int first, int n, int every, uint64_t finished)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE c(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM c WHERE i < %d)"
		 " INSERT INTO jobs(id, port_id, state, received_time, remote_ident, finished_time)"
		 " SELECT i, 1, CASE WHEN i %% %d = 0 THEN 4 ELSE 3 END, i, 'R' || i, %" PRIu64
		 " FROM c", first, first + n - 1, every, finished);
	th_sql(sql);
}

/* Walks every page of max jobs; seen[id] counts the times an id came.
 * Returns how many pages it took; between pages calls `between`. */
static size_t th_walk(int failed_only, uint32_t max, unsigned char *seen, size_t nseen,
		      void (*between)(size_t page))
{
	uint64_t cursor = 0, last = UINT64_MAX;
	size_t pages = 0;

	do {
		fgw_job *v = NULL;
		size_t n = 0;

		ck_assert_int_eq(state_jobs_page(th_st, failed_only, cursor, max, &v, &n, &cursor,
						 th_err, sizeof(th_err)), 0);
		ck_assert_uint_le(n, max);
		for (size_t i = 0; i < n; i++) {
			ck_assert_uint_lt(v[i].id, last);   /* newest first, no repeat */
			last = v[i].id;
			ck_assert_uint_lt(v[i].id, nseen);
			seen[v[i].id]++;
			if (failed_only)
				ck_assert_int_eq(v[i].state, FGW_JOB_FAILED);
		}
		if (cursor != 0)
			ck_assert_uint_eq(cursor, v[n - 1].id);
		free(v);
		pages++;
		if (between != NULL)
			between(pages);
	} while (cursor != 0);
	return pages;
}

static void th_insert_more(size_t page)
{
	if (page == 1)
		th_fill(5001, 100, 10, 1);     /* newer than any cursor: never listed */
}

START_TEST(test_page_walk_every_job_once)
{
	static unsigned char seen[6000];
	size_t pages;

	th_fill(1, 2500, 10, 1);
	pages = th_walk(0, 1000, seen, sizeof(seen), th_insert_more);
	ck_assert_uint_eq(pages, 3);
	for (int i = 1; i <= 2500; i++)
		ck_assert_msg(seen[i] == 1, "job %d seen %u times", i, seen[i]);
	for (int i = 5001; i <= 5100; i++)
		ck_assert_uint_eq(seen[i], 0);

	/* Only the dead letters: 2500 + 100 ids, every 10th. */
	memset(seen, 0, sizeof(seen));
	pages = th_walk(1, 100, seen, sizeof(seen), NULL);
	ck_assert_uint_eq(pages, 3);
	for (int i = 1; i <= 5100; i++)
		ck_assert_uint_eq(seen[i], (i <= 2500 || i > 5000) && i % 10 == 0);

	/* An exact multiple of the page ends with next 0 on the last full page. */
	memset(seen, 0, sizeof(seen));
	ck_assert_uint_eq(th_walk(1, 130, seen, sizeof(seen), NULL), 2);
}
END_TEST

START_TEST(test_page_limits)
{
	fgw_job *v = NULL;
	size_t n = 0;
	uint64_t next = 7;

	ck_assert_int_eq(state_jobs_page(th_st, 0, 0, 10, &v, &n, &next, th_err,
					 sizeof(th_err)), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(next, 0);
	free(v);
	th_fill(1, 1500, 10, 1);
	/* 0 and over the cap both mean FGW_MAX_JOBS_PAGE. */
	ck_assert_int_eq(state_jobs_page(th_st, 0, 0, 0, &v, &n, &next, th_err,
					 sizeof(th_err)), 0);
	ck_assert_uint_eq(n, FGW_MAX_JOBS_PAGE);
	ck_assert_uint_eq(v[0].id, 1500);
	ck_assert_str_eq(v[0].remote_ident, "R1500");
	ck_assert_uint_eq(next, 1500 - FGW_MAX_JOBS_PAGE + 1);
	free(v);
	ck_assert_int_eq(state_jobs_page(th_st, 0, 0, 100000, &v, &n, &next, th_err,
					 sizeof(th_err)), 0);
	ck_assert_uint_eq(n, FGW_MAX_JOBS_PAGE);
	free(v);
	/* A cursor in the middle: the jobs below it. */
	ck_assert_int_eq(state_jobs_page(th_st, 0, 3, 10, &v, &n, &next, th_err,
					 sizeof(th_err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].id, 2);
	ck_assert_uint_eq(v[1].id, 1);
	ck_assert_uint_eq(next, 0);
	free(v);
}
END_TEST

static struct config *th_config(uint64_t history_s, uint64_t retention_s)
{
	struct config *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	snprintf(c->spool, sizeof(c->spool), "%s", th_spool);
	c->history_s = history_s;
	c->retention_s = retention_s;
	return c;
}

static void th_touch(const char *path)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
}

/* Only finished jobs older than `history` go; pending, routing and
 * unrouted ones stay however old; a dead letter's file goes with it. */
START_TEST(test_prune_only_finished_and_old)
{
	struct config *cfg = th_config(90 * TH_DAY, 0);
	struct history_env env = { .cfg = cfg, .st = th_st, .base = NULL };
	struct history_counts c = { 0, 0, 0 };
	struct history *h = NULL;
	char sql[2048], failed_file[400], outside[400];
	uint64_t old = TH_NOW - 91 * TH_DAY, young = TH_NOW - 89 * TH_DAY;

	snprintf(failed_file, sizeof(failed_file), "%s/failed/2.tif", th_spool);
	snprintf(outside, sizeof(outside), "%s/keep.tif", th_dir);
	th_touch(failed_file);
	th_touch(outside);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO jobs(id, port_id, state, received_time, finished_time, path) VALUES"
		 " (1, 1, 3, 1, %" PRIu64 ", ''),"           /* done, old: goes */
		 " (2, 1, 4, 1, %" PRIu64 ", '%s'),"         /* failed, old: goes with file */
		 " (3, 1, 3, 1, %" PRIu64 ", ''),"           /* done, young: stays */
		 " (4, 1, 1, 1, 0, ''),"                     /* pending: stays */
		 " (5, 1, 2, 1, 0, ''),"                     /* routing: stays */
		 " (6, 1, 5, 1, 0, ''),"                     /* unrouted: stays */
		 " (7, 1, 4, 1, %" PRIu64 ", '%s');"         /* failed, old, file outside: kept */
		 "INSERT INTO job_methods(job_id, guid, state) VALUES (1, 'g', 3), (2, 'g', 4);"
		 "INSERT INTO audit(time, uid, who, what, old_value, new_value) VALUES"
		 " (%" PRIu64 ", 0, 'a', 'old', '', ''), (%" PRIu64 ", 0, 'b', 'young', '', '')",
		 old, old, failed_file, young, old, outside, old, young);
	th_sql(sql);
	ck_assert_int_eq(history_new(&env, &h, th_err, sizeof(th_err)), 0);
	ck_assert_int_eq(history_step(h, TH_NOW, &c), 0);
	ck_assert_uint_eq(c.jobs, 3);
	ck_assert_uint_eq(c.audit, 1);
	ck_assert_uint_eq(c.files, 0);
	ck_assert_int_eq(th_sql_int("SELECT count(*) FROM jobs WHERE id IN (3, 4, 5, 6)"), 4);
	ck_assert_int_eq(th_sql_int("SELECT count(*) FROM jobs"), 4);
	ck_assert_int_eq(th_sql_int("SELECT count(*) FROM job_methods"), 0);
	ck_assert_int_eq(th_sql_int("SELECT count(*) FROM audit WHERE what = 'young'"), 1);
	ck_assert_int_eq(th_sql_int("SELECT count(*) FROM audit"), 1);
	ck_assert_int_ne(access(failed_file, F_OK), 0);
	ck_assert_int_eq(access(outside, F_OK), 0);
	/* Nothing more to do. */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(history_step(h, TH_NOW, &c), 0);
	ck_assert_uint_eq(c.jobs + c.audit + c.files, 0);
	history_free(h);
	free(cfg);
}
END_TEST

/* A long backlog goes in batches of HISTORY_BATCH: each step says when
 * there is more. */
START_TEST(test_prune_in_batches)
{
	struct config *cfg = th_config(TH_DAY, 0);
	struct history_env env = { .cfg = cfg, .st = th_st, .base = NULL };
	struct history_counts c = { 0, 0, 0 };
	struct history *h = NULL;
	int steps = 0, rc;

	th_fill(1, 2 * HISTORY_BATCH + 10, 7, TH_NOW - 2 * TH_DAY);
	th_fill(5000, 20, 7, TH_NOW - 10);
	th_sql("INSERT INTO jobs(id, port_id, state) VALUES (9000, 1, 1)");
	ck_assert_int_eq(history_new(&env, &h, th_err, sizeof(th_err)), 0);
	do {
		size_t before = c.jobs;

		rc = history_step(h, TH_NOW, &c);
		ck_assert_int_ge(rc, 0);
		ck_assert_uint_le(c.jobs - before, HISTORY_BATCH);
		steps++;
	} while (rc == 1);
	ck_assert_int_eq(steps, 3);
	ck_assert_uint_eq(c.jobs, 2 * HISTORY_BATCH + 10);
	ck_assert_int_eq(th_sql_int("SELECT count(*) FROM jobs"), 21);
	history_free(h);
	free(cfg);
}
END_TEST

/* Retention: a kept file goes when its time is up, its record stays;
 * when the record expires first, the file goes with it. */
START_TEST(test_retention_files)
{
	struct config *cfg = th_config(90 * TH_DAY, 30 * TH_DAY);
	struct history_env env = { .cfg = cfg, .st = th_st, .base = NULL };
	struct history_counts c = { 0, 0, 0 };
	struct history *h = NULL;
	char sql[2048], f1[400], f2[400], f3[400];

	snprintf(f1, sizeof(f1), "%s/done/1.tif", th_spool);
	snprintf(f2, sizeof(f2), "%s/done/2.tif", th_spool);
	snprintf(f3, sizeof(f3), "%s/done/3.tif", th_spool);
	th_touch(f1);
	th_touch(f2);
	th_touch(f3);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO jobs(id, port_id, state, finished_time, retained_until, path) VALUES"
		 " (1, 1, 3, %" PRIu64 ", %" PRIu64 ", '%s'),"   /* retention over */
		 " (2, 1, 3, %" PRIu64 ", %" PRIu64 ", '%s'),"   /* still kept */
		 " (3, 1, 3, %" PRIu64 ", %" PRIu64 ", '%s')",   /* record expired */
		 TH_NOW - 31 * TH_DAY, TH_NOW - TH_DAY, f1, TH_NOW - TH_DAY, TH_NOW + 29 * TH_DAY,
		 f2, TH_NOW - 91 * TH_DAY, TH_NOW + 100 * TH_DAY, f3);
	th_sql(sql);
	ck_assert_int_eq(history_new(&env, &h, th_err, sizeof(th_err)), 0);
	ck_assert_int_eq(history_step(h, TH_NOW, &c), 0);
	ck_assert_uint_eq(c.jobs, 1);
	ck_assert_uint_eq(c.files, 1);
	ck_assert_int_ne(access(f1, F_OK), 0);
	ck_assert_int_eq(access(f2, F_OK), 0);
	ck_assert_int_ne(access(f3, F_OK), 0);
	ck_assert_int_eq(th_sql_int("SELECT retained_until FROM jobs WHERE id = 1"), 0);
	ck_assert_int_eq(th_sql_int("SELECT count(*) FROM jobs"), 2);
	history_free(h);
	free(cfg);
}
END_TEST

/* finished_time: set when a job becomes DONE or FAILED, kept while it
 * stays so, cleared by a retry. */
START_TEST(test_finished_time)
{
	struct state_job *j = calloc(1, sizeof(*j)), *back = calloc(1, sizeof(*back));
	uint64_t id = 0;
	int found = 0;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(back);
	j->port_id = 1;
	j->state = FGW_JOB_PENDING;
	ck_assert_int_eq(state_job_insert(th_st, j, &id, th_err, sizeof(th_err)), 0);
	j->id = id;
	ck_assert_int_eq(th_sql_int("SELECT finished_time FROM jobs"), 0);
	j->state = FGW_JOB_FAILED;
	j->finished_time = 1234;
	j->retained_until = 0;
	ck_assert_int_eq(state_job_update(th_st, j, th_err, sizeof(th_err)), 0);
	ck_assert_int_eq(state_job_get(th_st, id, back, &found, th_err, sizeof(th_err)), 0);
	ck_assert_uint_eq(back->finished_time, 1234);
	/* Still FAILED: the time it finished stays. */
	j->finished_time = 0;
	ck_assert_int_eq(state_job_update(th_st, j, th_err, sizeof(th_err)), 0);
	ck_assert_int_eq(th_sql_int("SELECT finished_time FROM jobs"), 1234);
	ck_assert_int_eq(state_job_retry(th_st, id, 5, th_err, sizeof(th_err)), 0);
	ck_assert_int_eq(th_sql_int("SELECT finished_time FROM jobs"), 0);
	/* Done now (0: the current time), with a kept file. */
	j->state = FGW_JOB_DONE;
	j->retained_until = 999;
	ck_assert_int_eq(state_job_update(th_st, j, th_err, sizeof(th_err)), 0);
	ck_assert_int_gt(th_sql_int("SELECT finished_time FROM jobs"), 1700000000);
	ck_assert_int_eq(state_job_get(th_st, id, back, &found, th_err, sizeof(th_err)), 0);
	ck_assert_uint_eq(back->retained_until, 999);
	/* Pending again: no longer finished. */
	j->state = FGW_JOB_PENDING;
	ck_assert_int_eq(state_job_update(th_st, j, th_err, sizeof(th_err)), 0);
	ck_assert_int_eq(th_sql_int("SELECT finished_time FROM jobs"), 0);
	free(back);
	free(j);
}
END_TEST

/* The listings and the pruning use indexes, not scans of the table. */
START_TEST(test_queries_use_indexes)
{
	static const struct { const char *sql, *index; } q[] = {
		{ "SELECT id FROM jobs WHERE state = 4 AND id < 99 ORDER BY id DESC LIMIT 10",
		  "jobs_by_state_id" },
		{ "SELECT id FROM jobs WHERE id < 99 ORDER BY id DESC LIMIT 10", "rowid" },
		{ "SELECT id FROM jobs WHERE finished_time > 0 AND finished_time < 5"
		  " AND +state IN (3, 4) LIMIT 10", "jobs_finished" },
		{ "SELECT id FROM jobs WHERE retained_until > 0 AND retained_until <= 5 LIMIT 10",
		  "jobs_retained" },
		{ "SELECT id FROM audit WHERE time < 5 ORDER BY time LIMIT 10", "audit_by_time" },
	};
	sqlite3 *db = NULL;

	/* Rows enough that a scan would look worse to the planner. */
	th_fill(1, 2000, 10, TH_NOW);
	ck_assert_int_eq(sqlite3_open(th_db, &db), SQLITE_OK);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char plan[600];
		sqlite3_stmt *s = NULL;
		int found = 0;

		snprintf(plan, sizeof(plan), "EXPLAIN QUERY PLAN %s", q[i].sql);
		ck_assert_int_eq(sqlite3_prepare_v2(db, plan, -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(s, 3);
			ck_assert_msg(d == NULL || strstr(d, "TEMP B-TREE") == NULL, "%s: %s",
				      q[i].sql, d);
			found |= d != NULL && strstr(d, q[i].index) != NULL;
		}
		sqlite3_finalize(s);
		ck_assert_msg(found, "%s: does not use %s", q[i].sql, q[i].index);
	}
	sqlite3_close(db);
}
END_TEST

Suite *history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("history");

	tcase_add_checked_fixture(tc, th_setup, th_teardown);
	tcase_add_test(tc, test_page_walk_every_job_once);
	tcase_add_test(tc, test_page_limits);
	tcase_add_test(tc, test_prune_only_finished_and_old);
	tcase_add_test(tc, test_prune_in_batches);
	tcase_add_test(tc, test_retention_files);
	tcase_add_test(tc, test_finished_time);
	tcase_add_test(tc, test_queries_use_indexes);
	suite_add_tcase(s, tc);
	return s;
}
