/*
 * test_state.c - the state database: schema, method indexes, routing,
 * transactions, audit log, counters and jobs, across reopening.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "state.h"
#include "state_send.h"

Suite *state_suite(void);

#define G1 "{00000000-0000-4000-8000-0000000000a1}"
#define G2 "{00000000-0000-4000-8000-0000000000a2}"
#define G3 "{00000000-0000-4000-8000-0000000000a3}"
#define G4 "{00000000-0000-4000-8000-0000000000a4}"

static char ts_dir[256];
static char ts_db[300];
static struct state *ts_st;
static char ts_err[512];

static int ts_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void ts_open(int expect_created)
{
	int created = -1;

	ck_assert_msg(state_open(ts_db, &ts_st, &created, ts_err, sizeof(ts_err)) == 0, "%s",
		      ts_err);
	ck_assert_int_eq(created, expect_created);
}

static void ts_reopen(void)
{
	state_close(ts_st);
	ts_st = NULL;
	ts_open(0);
}

static void ts_setup(void)
{
	snprintf(ts_dir, sizeof(ts_dir), "/tmp/faxgw-state-XXXXXX");
	ck_assert(mkdtemp(ts_dir) != NULL);
	snprintf(ts_db, sizeof(ts_db), "%s/state.db", ts_dir);
	ts_open(1);
}

static void ts_teardown(void)
{
	state_close(ts_st);
	nftw(ts_dir, ts_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs SQL on the file through a second connection. */
static void ts_sql(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(ts_db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
	sqlite3_close(db);
}

static long long ts_sql_int(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;

	ck_assert_int_eq(sqlite3_open(ts_db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static uint32_t ts_index(const char *guid, int *created)
{
	struct state_method m;

	ck_assert_msg(state_method_ensure(ts_st, guid, "Fn", "Friendly", "/x.so", &m, created,
					  ts_err, sizeof(ts_err)) == 0, "%s", ts_err);
	ck_assert_str_eq(m.guid, guid);
	return m.method_index;
}

START_TEST(test_schema)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version");
	ck_assert_int_eq(ts_sql_int(sql), state_schema_version());
	ck_assert_int_eq(ts_sql_int("SELECT count(*) FROM schema_migrations"),
			 state_schema_version());
	ck_assert_int_eq(ts_sql_int("SELECT count(*) FROM pragma_journal_mode() "
				    "WHERE journal_mode = 'wal'"), 1);
	ts_reopen();
	/* A newer schema than the code knows is refused. */
	state_close(ts_st);
	ts_st = NULL;
	ts_sql("PRAGMA user_version = 99");
	ck_assert_int_eq(state_open(ts_db, &ts_st, NULL, ts_err, sizeof(ts_err)), -1);
	ck_assert_ptr_null(ts_st);
	ck_assert_ptr_nonnull(strstr(ts_err, "schema version 99"));
	/* A file that is not a database. */
	FILE *f = fopen(ts_db, "w");
	fputs("this is not a database, not at all, really not...........................", f);
	fclose(f);
	ck_assert_int_eq(state_open(ts_db, &ts_st, NULL, ts_err, sizeof(ts_err)), -1);
	ck_assert_ptr_nonnull(strstr(ts_err, "state database"));
}
END_TEST

START_TEST(test_method_indexes_stable)
{
	int created = 0;

	ck_assert_uint_eq(ts_index(G1, &created), 1);
	ck_assert_int_eq(created, 1);
	ck_assert_uint_eq(ts_index(G2, &created), 2);
	ck_assert_uint_eq(ts_index(G1, &created), 1);
	ck_assert_int_eq(created, 0);
	ts_reopen();
	ck_assert_uint_eq(ts_index(G2, NULL), 2);
	ck_assert_uint_eq(ts_index(G3, NULL), 3);
	ck_assert_uint_eq(ts_index(G1, NULL), 1);
	/* Never reused, even when a row goes away. */
	state_close(ts_st);
	ts_st = NULL;
	ts_sql("DELETE FROM methods WHERE method_index = 3");
	ts_open(0);
	ck_assert_uint_eq(ts_index(G4, NULL), 4);
	ck_assert_uint_eq(ts_index(G3, NULL), 5);

	struct state_method m;
	int found = 0;
	ck_assert_int_eq(state_method_set_priority(ts_st, G2, 7, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_method_get(ts_st, G2, &m, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert(found);
	ck_assert_uint_eq(m.priority, 7);
	ck_assert_int_eq(state_method_get(ts_st, "{nope}", &m, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert(!found);
	ck_assert_int_eq(state_method_set_priority(ts_st, "{nope}", 1, ts_err, sizeof(ts_err)),
			 -1);
}
END_TEST

START_TEST(test_routing_and_transactions)
{
	unsigned char data[FGW_MAX_ROUTING_DATA], big[FGW_MAX_ROUTING_DATA + 1];
	size_t len = 0;
	int enabled = 0, found = 0;

	ts_index(G1, NULL);
	ts_index(G2, NULL);
	ck_assert_int_eq(state_routing_get(ts_st, 1, G1, &enabled, data, &len, &found, ts_err,
					   sizeof(ts_err)), 0);
	ck_assert(!found);
	ck_assert_int_eq(state_routing_put(ts_st, 1, G1, 1, "/srv/fax/in\0x", 13, ts_err,
					   sizeof(ts_err)), 0);
	memset(big, 'b', sizeof(big));
	ck_assert_int_eq(state_routing_put(ts_st, 2, G1, 0, big, FGW_MAX_ROUTING_DATA, ts_err,
					   sizeof(ts_err)), 0);
	ck_assert_int_eq(state_routing_put(ts_st, 2, G2, 0, big, sizeof(big), ts_err,
					   sizeof(ts_err)), -1);
	/* Unknown method: the foreign key refuses it. */
	ck_assert_int_eq(state_routing_put(ts_st, 1, G3, 0, "", 0, ts_err, sizeof(ts_err)), -1);
	ck_assert_ptr_nonnull(strstr(ts_err, "FOREIGN KEY"));

	/* A rolled back transaction leaves nothing. */
	ck_assert_int_eq(state_begin(ts_st, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_begin(ts_st, ts_err, sizeof(ts_err)), -1);
	ck_assert_int_eq(state_routing_put(ts_st, 1, G2, 1, "x", 1, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_routing_put(ts_st, 1, G1, 0, "", 0, ts_err, sizeof(ts_err)), 0);
	state_rollback(ts_st);
	state_rollback(ts_st);
	ck_assert_int_eq(state_commit(ts_st, ts_err, sizeof(ts_err)), -1);

	ts_reopen();
	ck_assert_int_eq(state_routing_get(ts_st, 1, G1, &enabled, data, &len, &found, ts_err,
					   sizeof(ts_err)), 0);
	ck_assert(found && enabled);
	ck_assert_uint_eq(len, 13);
	ck_assert_int_eq(memcmp(data, "/srv/fax/in\0x", 13), 0);
	ck_assert_int_eq(state_routing_get(ts_st, 1, G2, &enabled, data, &len, &found, ts_err,
					   sizeof(ts_err)), 0);
	ck_assert(!found);
	ck_assert_int_eq(state_routing_get(ts_st, 2, G1, &enabled, data, &len, &found, ts_err,
					   sizeof(ts_err)), 0);
	ck_assert(found && !enabled);
	ck_assert_uint_eq(len, FGW_MAX_ROUTING_DATA);

	/* A committed transaction stays. */
	ck_assert_int_eq(state_begin(ts_st, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_routing_put(ts_st, 1, G2, 1, "y", 1, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_commit(ts_st, ts_err, sizeof(ts_err)), 0);
	ts_reopen();
	ck_assert_int_eq(state_routing_get(ts_st, 1, G2, &enabled, data, &len, &found, ts_err,
					   sizeof(ts_err)), 0);
	ck_assert(found && enabled && len == 1 && data[0] == 'y');
}
END_TEST

START_TEST(test_audit)
{
	fgw_audit_entry *v = NULL;
	size_t n = 0;
	char what[32];

	for (int i = 0; i < 5; i++) {
		snprintf(what, sizeof(what), "change %d", i);
		ck_assert_int_eq(state_audit_add(ts_st, 1000 + (uint64_t)i, 1000, "uid 1000 (alice)",
						 what, "old", "new", ts_err, sizeof(ts_err)), 0);
	}
	ts_reopen();
	ck_assert_int_eq(state_audit_list(ts_st, 3, &v, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].what, "change 2");
	ck_assert_str_eq(v[2].what, "change 4");
	ck_assert_uint_eq(v[2].time, 1004);
	ck_assert_uint_eq(v[2].uid, 1000);
	ck_assert_str_eq(v[2].who, "uid 1000 (alice)");
	ck_assert_str_eq(v[2].old_value, "old");
	ck_assert_str_eq(v[2].new_value, "new");
	ck_assert(v[0].id < v[1].id && v[1].id < v[2].id);
	free(v);
	ck_assert_int_eq(state_audit_list(ts_st, 100, &v, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 5);
	free(v);
}
END_TEST

START_TEST(test_counters)
{
	struct state_port_counters pc;
	struct state_method_counters mc;

	ts_index(G1, NULL);
	ck_assert_int_eq(state_port_counters_get(ts_st, 1, &pc, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(pc.faxes_received, 0);
	ck_assert_int_eq(state_count_received(ts_st, 1, 3, "+1 555 0199", ts_err,
					      sizeof(ts_err)), 0);
	ck_assert_int_eq(state_count_received(ts_st, 1, 2, "REMOTE", ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_count_receive_failed(ts_st, 1, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_count_routing(ts_st, 1, G1, 1, "ok", ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_count_routing(ts_st, 1, G1, 0, "disk full", ts_err,
					     sizeof(ts_err)), 0);
	ck_assert_int_eq(state_count_routing(ts_st, 1, G1, 1, "ok", ts_err, sizeof(ts_err)), 0);
	ts_reopen();
	ck_assert_int_eq(state_port_counters_get(ts_st, 1, &pc, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(pc.faxes_received, 2);
	ck_assert_uint_eq(pc.pages_received, 5);
	ck_assert_uint_eq(pc.faxes_failed, 1);
	ck_assert_uint_eq(pc.routing_failures, 1);
	ck_assert_str_eq(pc.last_remote_ident, "REMOTE");
	ck_assert_int_eq(state_method_counters_get(ts_st, 1, G1, &mc, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(mc.routed, 2);
	ck_assert_uint_eq(mc.failures, 1);
	ck_assert_str_eq(mc.last_error, "disk full");
	ck_assert_int_eq(state_method_counters_get(ts_st, 2, G1, &mc, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(mc.routed, 0);
	ck_assert_str_eq(mc.last_error, "");
	/* A method that never failed has no last error (FAXGW-MIB's
	 * faxRoutingMethodLastError is empty until a failure). */
	ck_assert_int_eq(state_count_routing(ts_st, 3, G1, 1, "stored as /x/1.tif", ts_err,
					     sizeof(ts_err)), 0);
	ck_assert_int_eq(state_method_counters_get(ts_st, 3, G1, &mc, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(mc.routed, 1);
	ck_assert_str_eq(mc.last_error, "");
}
END_TEST

/* A job's page quality goes in and comes back, in the job and the list. */
START_TEST(test_job_quality)
{
	struct state_job *j = calloc(1, sizeof(*j)), *back = calloc(1, sizeof(*back));
	fgw_job *v = NULL;
	uint64_t id = 0;
	size_t n = 0;
	int found = 0;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(back);
	j->port_id = 6;
	j->state = FGW_JOB_PENDING;
	j->pages = 3;
	j->degraded_pages = 2;
	j->bad_rows = 110;
	j->longest_bad_run = 60;
	snprintf(j->degraded_list, sizeof(j->degraded_list), "2,3");
	ck_assert_int_eq(state_job_insert(ts_st, j, &id, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_job_get(ts_st, id, back, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert(found);
	ck_assert_uint_eq(back->degraded_pages, 2);
	ck_assert_uint_eq(back->bad_rows, 110);
	ck_assert_uint_eq(back->longest_bad_run, 60);
	ck_assert_str_eq(back->degraded_list, "2,3");
	ck_assert_int_eq(state_jobs_list(ts_st, 0, &v, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].degraded_pages, 2);
	ck_assert_uint_eq(v[0].bad_rows, 110);
	ck_assert_uint_eq(v[0].longest_bad_run, 60);
	ck_assert_str_eq(v[0].degraded_list, "2,3");
	ck_assert_uint_eq(v[0].pages, 3);
	free(v);
	free(back);
	free(j);
}
END_TEST

START_TEST(test_jobs)
{
	fgw_job *v = NULL;
	size_t n = 0;
	uint32_t counts[6];

	ts_sql("INSERT INTO jobs(id, port_id, state, attempts, received_time, pages, partial,"
	       " remote_ident, path, last_error) VALUES"
	       " (1, 1, 3, 1, 100, 2, 0, 'A', '/spool/1.tif', ''),"
	       " (2, 1, 4, 5, 200, 1, 1, 'B', '/spool/failed/2.tif', 'smtp down'),"
	       " (3, 2, 1, 0, 300, 4, 0, 'C', '/spool/3.tif', ''),"
	       " (4, 2, 2, 1, 400, 4, 0, 'D', '/spool/4.tif', '');"
	       "INSERT INTO job_methods(job_id, guid, state, attempts, last_error) VALUES"
	       " (2, '" G1 "', 4, 5, 'smtp down'), (2, '" G2 "', 3, 1, '')");
	ck_assert_int_eq(state_jobs_list(ts_st, 0, &v, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(v[1].id, 2);
	ck_assert_int_eq(v[1].state, FGW_JOB_FAILED);
	ck_assert_uint_eq(v[1].attempts, 5);
	ck_assert(v[1].partial);
	ck_assert_str_eq(v[1].remote_ident, "B");
	ck_assert_str_eq(v[1].path, "/spool/failed/2.tif");
	ck_assert_str_eq(v[1].last_error, "smtp down");
	/* Rows from before migration 4 read as intact. */
	ck_assert_uint_eq(v[1].degraded_pages, 0);
	ck_assert_uint_eq(v[1].bad_rows, 0);
	ck_assert_uint_eq(v[1].longest_bad_run, 0);
	ck_assert_str_eq(v[1].degraded_list, "");
	free(v);
	ck_assert_int_eq(state_jobs_list(ts_st, 1, &v, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0].id, 2);
	free(v);
	ck_assert_int_eq(state_jobs_count(ts_st, counts, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(counts[FGW_JOB_PENDING], 1);
	ck_assert_uint_eq(counts[FGW_JOB_ROUTING], 1);
	ck_assert_uint_eq(counts[FGW_JOB_DONE], 1);
	ck_assert_uint_eq(counts[FGW_JOB_FAILED], 1);

	ck_assert_int_eq(state_job_retry(ts_st, 2, 999, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_job_retry(ts_st, 1, 999, ts_err, sizeof(ts_err)), FGW_E_STATE);
	ck_assert_int_eq(state_job_retry(ts_st, 4, 999, ts_err, sizeof(ts_err)), FGW_E_STATE);
	ck_assert_int_eq(state_job_retry(ts_st, 77, 999, ts_err, sizeof(ts_err)), FGW_E_NO_JOB);
	ck_assert_int_eq(state_job_retry(ts_st, UINT64_MAX, 999, ts_err, sizeof(ts_err)),
			 FGW_E_NO_JOB);
	ts_reopen();
	ck_assert_int_eq(ts_sql_int("SELECT state FROM jobs WHERE id = 2"), FGW_JOB_PENDING);
	ck_assert_int_eq(ts_sql_int("SELECT next_attempt_time FROM jobs WHERE id = 2"), 999);
	ck_assert_int_eq(ts_sql_int("SELECT state FROM job_methods WHERE job_id = 2 AND guid = '"
				    G1 "'"), FGW_JOB_PENDING);
	ck_assert_int_eq(ts_sql_int("SELECT state FROM job_methods WHERE job_id = 2 AND guid = '"
				    G2 "'"), FGW_JOB_DONE);
	ck_assert_int_eq(state_jobs_list(ts_st, 1, &v, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

/* Migration 6: a database of schema 5 (faxgwd 0.2.0) gets the SIP
 * columns, its jobs read with them empty; new jobs keep every value. */
START_TEST(test_migration_6_sip)
{
	struct state_job *j = calloc(1, sizeof(*j)), *back = calloc(1, sizeof(*back));
	uint64_t id = 0;
	int found = 0;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(state_schema_version(), 7);
	state_close(ts_st);
	ts_st = NULL;
	/* Schema 5 as 0.2.0 left it, with one job in it. */
	ts_sql("ALTER TABLE jobs DROP COLUMN direction;"
	       "ALTER TABLE jobs DROP COLUMN dest;"
	       "ALTER TABLE jobs DROP COLUMN document_pages;"
	       "ALTER TABLE jobs DROP COLUMN sip_status;"
	       "ALTER TABLE jobs DROP COLUMN submitted_by;"
	       "ALTER TABLE jobs DROP COLUMN submitter_uid;"
	       "ALTER TABLE jobs DROP COLUMN send_ident;"
	       "ALTER TABLE port_counters DROP COLUMN faxes_sent;"
	       "ALTER TABLE port_counters DROP COLUMN pages_sent;"
	       "ALTER TABLE port_counters DROP COLUMN send_failures;"
	       "DELETE FROM schema_migrations WHERE version = 7;"
	       "ALTER TABLE jobs DROP COLUMN sip_call_id;"
	       "ALTER TABLE jobs DROP COLUMN sip_from;"
	       "ALTER TABLE jobs DROP COLUMN sip_to;"
	       "ALTER TABLE jobs DROP COLUMN sip_user_agent;"
	       "ALTER TABLE jobs DROP COLUMN transport;"
	       "DELETE FROM schema_migrations WHERE version = 6;"
	       "PRAGMA user_version = 5;"
	       "INSERT INTO jobs(id, port_id, state, attempts, received_time, pages, partial,"
	       " remote_ident, path, meta, last_error) VALUES"
	       " (7, 1, 3, 1, 100, 2, 0, 'OLD', '/spool/7.tif', 'port_id=1\n', '')");
	ck_assert_int_eq(ts_sql_int("SELECT count(*) FROM pragma_table_info('jobs')"
				    " WHERE name LIKE 'sip_%' OR name = 'transport'"), 0);
	ts_open(0);
	ck_assert_int_eq(ts_sql_int("PRAGMA user_version"), 7);
	ck_assert_int_eq(ts_sql_int("SELECT count(*) FROM schema_migrations WHERE version = 6"),
			 1);
	ck_assert_int_eq(state_job_get(ts_st, 7, back, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert(found);
	ck_assert_str_eq(back->remote_ident, "OLD");
	ck_assert_str_eq(back->sip_call_id, "");
	ck_assert_str_eq(back->sip_from, "");
	ck_assert_str_eq(back->sip_to, "");
	ck_assert_str_eq(back->sip_user_agent, "");
	ck_assert_str_eq(back->transport, "");
	ck_assert_int_eq(back->direction, FGW_DIR_RECEIVE);
	ck_assert_str_eq(back->dest, "");

	/* A new job: every SIP field in its own column (a swap fails). */
	j->port_id = 3;
	j->state = FGW_JOB_PENDING;
	j->pages = 1;
	snprintf(j->sip_call_id, sizeof(j->sip_call_id), "a84b4c76e66710@pc33.example.com");
	snprintf(j->sip_from, sizeof(j->sip_from), "sip:+4930123456@carrier.example.net");
	snprintf(j->sip_to, sizeof(j->sip_to), "sip:fax@gw.example.org");
	snprintf(j->sip_user_agent, sizeof(j->sip_user_agent), "faxpeer/0.2.0");
	snprintf(j->transport, sizeof(j->transport), "G.711 PCMA ptime 30");
	ck_assert_int_eq(state_job_insert(ts_st, j, &id, ts_err, sizeof(ts_err)), 0);
	ts_reopen();
	ck_assert_int_eq(state_job_get(ts_st, id, back, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert(found);
	ck_assert_str_eq(back->sip_call_id, j->sip_call_id);
	ck_assert_str_eq(back->sip_from, j->sip_from);
	ck_assert_str_eq(back->sip_to, j->sip_to);
	ck_assert_str_eq(back->sip_user_agent, j->sip_user_agent);
	ck_assert_str_eq(back->transport, j->transport);
	ck_assert_uint_eq(back->port_id, 3);
	free(back);
	free(j);
}
END_TEST

/* Send jobs: inserted with their fields, due in deadline order, requeued
 * after a crash, results and counters recorded. */
START_TEST(test_send_jobs)
{
	struct state_job *j = calloc(1, sizeof(*j)), *back = calloc(1, sizeof(*back));
	struct state_port_counters pc;
	uint64_t a = 0, b = 0, ids[4], ms = 0;
	size_t n = 0;
	unsigned requeued = 0;
	int found = 0;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(back);
	j->port_id = 3;
	j->state = FGW_JOB_QUEUED;
	j->direction = FGW_DIR_SEND;
	j->next_attempt_ms = 5000;
	j->document_pages = 3;
	j->submitter_uid = 1000;
	snprintf(j->dest, sizeof(j->dest), "sip:fax@192.0.2.1");
	snprintf(j->submitted_by, sizeof(j->submitted_by), "uid 1000 (alice)");
	snprintf(j->send_ident, sizeof(j->send_ident), "+1 555 0199");
	ck_assert_int_eq(state_job_insert(ts_st, j, &a, ts_err, sizeof(ts_err)), 0);
	j->next_attempt_ms = 1000;
	ck_assert_int_eq(state_job_insert(ts_st, j, &b, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_send_due(ts_st, 4000, ids, 4, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ids[0], b);
	ck_assert_int_eq(state_send_due(ts_st, 9000, ids, 4, &n, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ids[0], b);
	ck_assert_int_eq(state_send_next(ts_st, &ms, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert(found);
	ck_assert_uint_eq(ms, 1000);

	ck_assert_int_eq(state_job_get(ts_st, a, back, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert(found);
	ck_assert_int_eq(back->direction, FGW_DIR_SEND);
	ck_assert_str_eq(back->dest, "sip:fax@192.0.2.1");
	ck_assert_uint_eq(back->document_pages, 3);
	ck_assert_str_eq(back->submitted_by, "uid 1000 (alice)");
	ck_assert_uint_eq(back->submitter_uid, 1000);
	ck_assert_str_eq(back->send_ident, "+1 555 0199");

	/* A faxgwd that died mid-call: the job is queued again, due now. */
	back->state = FGW_JOB_SENDING;
	back->attempts = 1;
	ck_assert_int_eq(state_job_update(ts_st, back, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_send_requeue(ts_st, &requeued, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(requeued, 1);
	ck_assert_int_eq(state_job_get(ts_st, a, back, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(back->state, FGW_JOB_QUEUED);
	ck_assert_uint_eq(back->next_attempt_ms, 0);
	ck_assert_uint_eq(back->attempts, 1);

	struct state_send_result r = { 2, "REMOTE", "pages=2\n", 200, "T.38 v0", "cid@x" };
	ck_assert_int_eq(state_send_result(ts_st, a, &r, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_job_get(ts_st, a, back, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(back->pages, 2);
	ck_assert_str_eq(back->remote_ident, "REMOTE");
	ck_assert_uint_eq(back->sip_status, 200);
	ck_assert_str_eq(back->transport, "T.38 v0");
	ck_assert_str_eq(back->sip_call_id, "cid@x");

	/* A cancelled job is finished (history prunes it). */
	back->state = FGW_JOB_CANCELLED;
	back->finished_time = 0;
	ck_assert_int_eq(state_job_update(ts_st, back, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_job_get(ts_st, a, back, &found, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_gt(back->finished_time, 0);

	ck_assert_int_eq(state_count_sent(ts_st, 3, 3, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_count_sent(ts_st, 3, 2, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_count_send_failed(ts_st, 3, ts_err, sizeof(ts_err)), 0);
	ck_assert_int_eq(state_port_counters_get(ts_st, 3, &pc, ts_err, sizeof(ts_err)), 0);
	ck_assert_uint_eq(pc.faxes_sent, 2);
	ck_assert_uint_eq(pc.pages_sent, 5);
	ck_assert_uint_eq(pc.send_failures, 1);
	ck_assert_uint_eq(pc.faxes_received, 0);
	free(back);
	free(j);
}
END_TEST

Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_method_indexes_stable);
	tcase_add_test(tc, test_routing_and_transactions);
	tcase_add_test(tc, test_audit);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_jobs);
	tcase_add_test(tc, test_job_quality);
	tcase_add_test(tc, test_migration_6_sip);
	tcase_add_test(tc, test_send_jobs);
	suite_add_tcase(s, tc);
	return s;
}
