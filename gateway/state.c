/*
 * state.c - faxgwd's state database (SQLite).
 *
 * Schema changes are migrations: SQL scripts numbered from 1, applied in
 * order inside one transaction each, recorded in schema_migrations, with
 * PRAGMA user_version holding the number of the last one applied.
 */
#include "state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#define STATE_BUSY_TIMEOUT_MS 5000

static const char *const state_migrations[] = {
	/* 1: the routing model, counters, audit log and job queue. */
	"CREATE TABLE meta("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value INTEGER NOT NULL);"
	"INSERT INTO meta(key, value) VALUES('next_method_index', 1);"
	"CREATE TABLE methods("
	"  guid TEXT PRIMARY KEY NOT NULL,"
	"  method_index INTEGER NOT NULL UNIQUE CHECK(method_index > 0),"
	"  function_name TEXT NOT NULL DEFAULT '',"
	"  friendly_name TEXT NOT NULL DEFAULT '',"
	"  image TEXT NOT NULL DEFAULT '',"
	"  priority INTEGER NOT NULL DEFAULT 0,"
	"  first_seen INTEGER NOT NULL DEFAULT 0,"
	"  last_seen INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE port_routing("
	"  port_id INTEGER NOT NULL,"
	"  guid TEXT NOT NULL REFERENCES methods(guid),"
	"  enabled INTEGER NOT NULL DEFAULT 0 CHECK(enabled IN (0, 1)),"
	"  data BLOB NOT NULL DEFAULT x'',"
	"  PRIMARY KEY(port_id, guid));"
	"CREATE TABLE audit("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  who TEXT NOT NULL,"
	"  what TEXT NOT NULL,"
	"  old_value TEXT NOT NULL,"
	"  new_value TEXT NOT NULL);"
	"CREATE TABLE jobs("
	"  id INTEGER PRIMARY KEY,"
	"  port_id INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  received_time INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_time INTEGER NOT NULL DEFAULT 0,"
	"  pages INTEGER NOT NULL DEFAULT 0,"
	"  partial INTEGER NOT NULL DEFAULT 0,"
	"  remote_ident TEXT NOT NULL DEFAULT '',"
	"  path TEXT NOT NULL DEFAULT '',"
	"  meta TEXT NOT NULL DEFAULT '',"
	"  last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX jobs_by_state ON jobs(state, next_attempt_time);"
	"CREATE TABLE job_methods("
	"  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
	"  guid TEXT NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(job_id, guid));"
	"CREATE TABLE port_counters("
	"  port_id INTEGER PRIMARY KEY,"
	"  faxes_received INTEGER NOT NULL DEFAULT 0,"
	"  pages_received INTEGER NOT NULL DEFAULT 0,"
	"  faxes_failed INTEGER NOT NULL DEFAULT 0,"
	"  routing_failures INTEGER NOT NULL DEFAULT 0,"
	"  last_remote_ident TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE method_counters("
	"  port_id INTEGER NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  routed INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(port_id, guid));",
	/* 2: millisecond back-off deadlines for the router. */
	"ALTER TABLE jobs ADD COLUMN next_attempt_ms INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_by_path ON jobs(path);",
	/* 3: a method that never failed has no last error (the first count
	 * used to keep a success message there). */
	"UPDATE method_counters SET last_error = '' WHERE failures = 0;",
	/* 4: page quality: pages received with bad rows
	 * are degraded; older jobs read as intact (0, ''). */
	"ALTER TABLE jobs ADD COLUMN degraded_pages INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN bad_rows INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN longest_bad_run INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN degraded_list TEXT NOT NULL DEFAULT '';",
	/* 5: bounded history.  finished_time: when a job became DONE or
	 * FAILED (0 while it is not finished), what `history` counts from;
	 * jobs routed before read as finished when received, dead letters as
	 * finished now (their files get a whole period after the upgrade).
	 * retained_until: until when a routed fax's file stays in
	 * spool/done/ (0: no file kept).  The indexes serve the paged
	 * listings (newest first, all or by state) and the pruning. */
	"ALTER TABLE jobs ADD COLUMN finished_time INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN retained_until INTEGER NOT NULL DEFAULT 0;"
	"UPDATE jobs SET finished_time = max(received_time, 1) WHERE state = 3;"
	"UPDATE jobs SET finished_time = CAST(strftime('%s', 'now') AS INTEGER) WHERE state = 4;"
	"CREATE INDEX jobs_by_state_id ON jobs(state, id);"
	"CREATE INDEX jobs_finished ON jobs(finished_time) WHERE finished_time > 0;"
	"CREATE INDEX jobs_retained ON jobs(retained_until) WHERE retained_until > 0;"
	"CREATE INDEX audit_by_time ON audit(time);",
	/* 6: a fax received over SIP carries its call's identities and the
	 * transport used (DESIGN 2b); older jobs read as ''. */
	"ALTER TABLE jobs ADD COLUMN sip_call_id TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN sip_from TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN sip_to TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN sip_user_agent TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN transport TEXT NOT NULL DEFAULT '';",
	/* 7: sending (DESIGN 3b).  A job's direction (1 receive, 2 send);
	 * for sends the destination, the document's pages, the last SIP final
	 * response, who submitted it (text and uid) and the TSI asked for;
	 * per-port send counters. */
	"ALTER TABLE jobs ADD COLUMN direction INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE jobs ADD COLUMN dest TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN document_pages INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN sip_status INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN submitted_by TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN submitter_uid INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN send_ident TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE port_counters ADD COLUMN faxes_sent INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE port_counters ADD COLUMN pages_sent INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE port_counters ADD COLUMN send_failures INTEGER NOT NULL DEFAULT 0;",
};
#define STATE_NMIGRATIONS ((int)(sizeof(state_migrations) / sizeof(state_migrations[0])))

/* Prepared statements, made on first use and kept until close. */
enum state_stmt {
	ST_METHOD_GET,
	ST_METHOD_INSERT,
	ST_METHOD_SEEN,
	ST_METHOD_PRIORITY,
	ST_NEXT_INDEX_GET,
	ST_NEXT_INDEX_SET,
	ST_ROUTING_GET,
	ST_ROUTING_PUT,
	ST_AUDIT_ADD,
	ST_AUDIT_LIST,
	ST_PORTC_GET,
	ST_METHC_GET,
	ST_COUNT_RECEIVED,
	ST_COUNT_RX_FAILED,
	ST_COUNT_METHOD,
	ST_COUNT_PORT_FAIL,
	ST_JOBS_ALL,
	ST_JOBS_FAILED,
	ST_JOBS_COUNT,
	ST_JOB_STATE,
	ST_JOB_RETRY,
	ST_JOB_METHODS_RETRY,
	ST_JOB_INSERT,
	ST_JOB_METHOD_ADD,
	ST_JOB_GET,
	ST_JOB_METHODS_GET,
	ST_JOB_UPDATE,
	ST_JOB_METHOD_UPDATE,
	ST_JOB_DUE,
	ST_JOB_NEXT_TIME,
	ST_JOB_RESET_ROUTING,
	ST_JOB_BY_PATH,
	ST_JOBS_PAGE,
	ST_JOBS_PAGE_FAILED,
	ST_JOBS_EXPIRED,
	ST_JOB_PRUNE,
	ST_FILES_EXPIRED,
	ST_FILE_RELEASED,
	ST_AUDIT_PRUNE,
	ST_AUDIT_PAGE,
	ST_COUNT_
};

#define STATE_JOB_COLS "id, port_id, state, attempts, received_time, next_attempt_time," \
	" pages, partial, remote_ident, path, last_error, degraded_pages, bad_rows," \
	" longest_bad_run, degraded_list, direction, dest"

static const char *const state_sql[ST_COUNT_] = {
	[ST_METHOD_GET] = "SELECT method_index, priority FROM methods WHERE guid = ?1",
	[ST_METHOD_INSERT] =
		"INSERT INTO methods(guid, method_index, function_name, friendly_name, image,"
		" priority, first_seen, last_seen) VALUES(?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
	[ST_METHOD_SEEN] =
		"UPDATE methods SET function_name = ?2, friendly_name = ?3, image = ?4,"
		" last_seen = ?5 WHERE guid = ?1",
	[ST_METHOD_PRIORITY] = "UPDATE methods SET priority = ?2 WHERE guid = ?1",
	[ST_NEXT_INDEX_GET] = "SELECT max(m.value, ifnull((SELECT max(method_index) + 1"
			      " FROM methods), 1)) FROM meta m WHERE m.key = 'next_method_index'",
	[ST_NEXT_INDEX_SET] = "UPDATE meta SET value = ?1 WHERE key = 'next_method_index'",
	[ST_ROUTING_GET] = "SELECT enabled, data FROM port_routing WHERE port_id = ?1 AND guid = ?2",
	[ST_ROUTING_PUT] =
		"INSERT INTO port_routing(port_id, guid, enabled, data) VALUES(?1, ?2, ?3, ?4)"
		" ON CONFLICT(port_id, guid) DO UPDATE SET enabled = excluded.enabled,"
		" data = excluded.data",
	[ST_AUDIT_ADD] = "INSERT INTO audit(time, uid, who, what, old_value, new_value)"
			 " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_AUDIT_LIST] = "SELECT id, time, uid, who, what, old_value, new_value FROM"
			  " (SELECT * FROM audit ORDER BY id DESC LIMIT ?1) ORDER BY id ASC",
	[ST_PORTC_GET] = "SELECT faxes_received, pages_received, faxes_failed, routing_failures,"
			 " last_remote_ident, faxes_sent, pages_sent, send_failures"
			 " FROM port_counters WHERE port_id = ?1",
	[ST_METHC_GET] = "SELECT routed, failures, last_error FROM method_counters"
			 " WHERE port_id = ?1 AND guid = ?2",
	[ST_COUNT_RECEIVED] =
		"INSERT INTO port_counters(port_id, faxes_received, pages_received,"
		" last_remote_ident) VALUES(?1, 1, ?2, ?3) ON CONFLICT(port_id) DO UPDATE SET"
		" faxes_received = faxes_received + 1, pages_received = pages_received + ?2,"
		" last_remote_ident = ?3",
	[ST_COUNT_RX_FAILED] =
		"INSERT INTO port_counters(port_id, faxes_failed) VALUES(?1, 1)"
		" ON CONFLICT(port_id) DO UPDATE SET faxes_failed = faxes_failed + 1",
	[ST_COUNT_METHOD] =
		"INSERT INTO method_counters(port_id, guid, routed, failures, last_error)"
		" VALUES(?1, ?2, ?3, ?4, CASE WHEN ?4 > 0 THEN ?5 ELSE '' END)"
		" ON CONFLICT(port_id, guid) DO UPDATE SET"
		" routed = routed + ?3, failures = failures + ?4,"
		" last_error = CASE WHEN ?4 > 0 THEN ?5 ELSE last_error END",
	[ST_COUNT_PORT_FAIL] =
		"INSERT INTO port_counters(port_id, routing_failures) VALUES(?1, 1)"
		" ON CONFLICT(port_id) DO UPDATE SET routing_failures = routing_failures + 1",
	[ST_JOBS_ALL] = "SELECT id, port_id, state, attempts, received_time, next_attempt_time,"
			" pages, partial, remote_ident, path, last_error, degraded_pages, bad_rows,"
			" longest_bad_run, degraded_list, direction, dest FROM jobs"
			" ORDER BY id LIMIT ?1",
	[ST_JOBS_FAILED] = "SELECT id, port_id, state, attempts, received_time,"
			   " next_attempt_time, pages, partial, remote_ident, path, last_error,"
			   " degraded_pages, bad_rows, longest_bad_run, degraded_list, direction,"
			   " dest FROM jobs WHERE state = ?2 ORDER BY id LIMIT ?1",
	[ST_JOBS_COUNT] = "SELECT state, count(*) FROM jobs GROUP BY state",
	[ST_JOB_STATE] = "SELECT state FROM jobs WHERE id = ?1",
	[ST_JOB_RETRY] = "UPDATE jobs SET state = ?2, next_attempt_time = ?3, next_attempt_ms = 0,"
			 " attempts = 0, finished_time = 0 WHERE id = ?1",
	[ST_JOB_METHODS_RETRY] = "UPDATE job_methods SET state = ?2 WHERE job_id = ?1"
				 " AND state = ?3",
	[ST_JOB_INSERT] =
		"INSERT INTO jobs(port_id, state, attempts, received_time, next_attempt_time,"
		" pages, partial, remote_ident, path, meta, last_error, next_attempt_ms,"
		" degraded_pages, bad_rows, longest_bad_run, degraded_list, sip_call_id, sip_from,"
		" sip_to, sip_user_agent, transport, direction, dest, document_pages, submitted_by,"
		" submitter_uid, send_ident)"
		" VALUES(?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
	[ST_JOB_METHOD_ADD] = "INSERT OR IGNORE INTO job_methods(job_id, guid, state) VALUES(?1, ?2, ?3)",
	[ST_JOB_GET] = "SELECT id, port_id, state, attempts, received_time, next_attempt_ms,"
		       " pages, partial, remote_ident, path, meta, last_error, degraded_pages,"
		       " bad_rows, longest_bad_run, degraded_list, finished_time, retained_until,"
		       " sip_call_id, sip_from, sip_to, sip_user_agent, transport, direction, dest,"
		       " document_pages, sip_status, submitted_by, submitter_uid, send_ident"
		       " FROM jobs WHERE id = ?1",
	[ST_JOB_METHODS_GET] =
		"SELECT j.guid, j.state, j.attempts, j.last_error, ifnull(m.priority, 0)"
		" FROM job_methods j LEFT JOIN methods m ON m.guid = j.guid WHERE j.job_id = ?1"
		" ORDER BY ifnull(nullif(m.priority, 0), 2147483647), j.guid LIMIT ?2",
	[ST_JOB_UPDATE] =
		"UPDATE jobs SET state = ?2, attempts = ?3, next_attempt_ms = ?4,"
		" next_attempt_time = ?5, path = ?6, last_error = ?7,"
		" finished_time = CASE WHEN ?2 NOT IN (?9, ?10, ?12) THEN 0"
		" WHEN state = ?2 AND finished_time > 0 THEN finished_time ELSE ?8 END,"
		" retained_until = ?11 WHERE id = ?1",
	[ST_JOB_METHOD_UPDATE] =
		"UPDATE job_methods SET state = ?3, attempts = attempts + ?4, last_error = ?5"
		" WHERE job_id = ?1 AND guid = ?2",
	[ST_JOB_DUE] = "SELECT id FROM jobs WHERE state = ?1 AND next_attempt_ms <= ?2"
		       " ORDER BY next_attempt_ms, id LIMIT 1",
	[ST_JOB_NEXT_TIME] = "SELECT min(next_attempt_ms) FROM jobs WHERE state = ?1",
	[ST_JOB_RESET_ROUTING] = "UPDATE jobs SET state = ?1 WHERE state = ?2",
	[ST_JOB_BY_PATH] = "SELECT id FROM jobs WHERE path = ?1 LIMIT 1",
	/* Newest first, below the cursor ?2 (the rowid: a range of the table
	 * or of jobs_by_state_id); ?1 is one more than the page. */
	[ST_JOBS_PAGE] = "SELECT " STATE_JOB_COLS " FROM jobs WHERE id < ?2"
			 " ORDER BY id DESC LIMIT ?1",
	[ST_JOBS_PAGE_FAILED] = "SELECT " STATE_JOB_COLS " FROM jobs WHERE state = ?3"
				" AND id < ?2 ORDER BY id DESC LIMIT ?1",
	/* "+state": the range of jobs_finished, not all DONE jobs of
	 * jobs_by_state_id, whatever the planner would guess. */
	[ST_JOBS_EXPIRED] = "SELECT id, state, path, retained_until FROM jobs"
			    " WHERE finished_time > 0 AND finished_time < ?1"
			    " AND +state IN (?3, ?4, ?5) LIMIT ?2",
	/* Checked again: only a job still finished before the cutoff goes. */
	[ST_JOB_PRUNE] = "DELETE FROM jobs WHERE id = ?1 AND finished_time > 0"
			 " AND finished_time < ?2 AND state IN (?3, ?4, ?5)",
	[ST_FILES_EXPIRED] = "SELECT id, state, path, retained_until FROM jobs"
			     " WHERE retained_until > 0 AND retained_until <= ?1 LIMIT ?2",
	[ST_FILE_RELEASED] = "UPDATE jobs SET retained_until = 0 WHERE id = ?1",
	[ST_AUDIT_PAGE] = "SELECT id, time, uid, who, what, old_value, new_value FROM audit"
			  " WHERE id < ?2 ORDER BY id DESC LIMIT ?1",
	[ST_AUDIT_PRUNE] = "DELETE FROM audit WHERE id IN (SELECT id FROM audit"
			   " WHERE time < ?1 ORDER BY time LIMIT ?2)",
};

struct state {
	sqlite3 *db;
	int in_tx;
	sqlite3_stmt *stmt[ST_COUNT_];
};

sqlite3 *state_db(struct state *st)
{
	return st->db;
}

int state_schema_version(void)
{
	return STATE_NMIGRATIONS;
}

static int state_fail(struct state *st, char *err, size_t errlen, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "state database: %s: %s", what,
			 st != NULL && st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
	return -1;
}

static int state_failf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int state_failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The prepared statement `which`, reset and with its bindings cleared. */
static sqlite3_stmt *state_stmt(struct state *st, enum state_stmt which, char *err,
				size_t errlen)
{
	sqlite3_stmt *s = st->stmt[which];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, state_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
				       &s, NULL) != SQLITE_OK) {
			state_fail(st, err, errlen, "prepare");
			return NULL;
		}
		st->stmt[which] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Runs a statement that returns no rows. */
static int state_run(struct state *st, sqlite3_stmt *s, char *err, size_t errlen,
		     const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE) {
		state_fail(st, err, errlen, what);
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

static int state_exec(struct state *st, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		state_failf(err, errlen, "state database: %s", msg != NULL ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int state_user_version(struct state *st, int *version, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return state_fail(st, err, errlen, "read the schema version");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return state_fail(st, err, errlen, "read the schema version");
	return 0;
}

static int state_apply_migration(struct state *st, int version, char *err, size_t errlen)
{
	char sql[160];

	if (state_exec(st, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	if (state_exec(st, state_migrations[version - 1], err, errlen) != 0)
		goto fail;
	if (version == 1 && state_exec(st, "CREATE TABLE schema_migrations("
				       " version INTEGER PRIMARY KEY,"
				       " applied_time INTEGER NOT NULL)", err, errlen) != 0)
		goto fail;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO schema_migrations(version, applied_time) VALUES(%d, %lld);"
		 "PRAGMA user_version = %d", version, (long long)time(NULL), version);
	if (state_exec(st, sql, err, errlen) != 0 || state_exec(st, "COMMIT", err, errlen) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int state_migrate(struct state *st, int *created, char *err, size_t errlen)
{
	int version = 0;

	if (state_user_version(st, &version, err, errlen) != 0)
		return -1;
	if (version > STATE_NMIGRATIONS)
		return state_failf(err, errlen, "state database: schema version %d is newer than "
				   "this faxgwd understands (%d)", version, STATE_NMIGRATIONS);
	if (created != NULL)
		*created = version == 0;
	for (int v = version + 1; v <= STATE_NMIGRATIONS; v++)
		if (state_apply_migration(st, v, err, errlen) != 0)
			return -1;
	return 0;
}

static int state_configure(struct state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int wal = 0;

	sqlite3_busy_timeout(st->db, STATE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK)
		return state_fail(st, err, errlen, "set WAL mode");
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(s, 0);
		wal = mode != NULL && strcmp((const char *)mode, "wal") == 0;
	}
	sqlite3_finalize(s);
	if (!wal)
		return state_failf(err, errlen, "state database: cannot use WAL journal mode");
	return state_exec(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", err,
			  errlen);
}

int state_open(const char *path, struct state **out, int *created, char *err, size_t errlen)
{
	struct state *st;
	struct stat sb;
	int existed = stat(path, &sb) == 0;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return state_failf(err, errlen, "state database: out of memory");
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		state_failf(err, errlen, "state database %s: %s", path,
			    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		state_close(st);
		return -1;
	}
	if (!existed)
		chmod(path, 0640);
	if (state_configure(st, err, errlen) != 0 || state_migrate(st, created, err, errlen) != 0) {
		state_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

void state_close(struct state *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < ST_COUNT_; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->in_tx)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(st->db);
	free(st);
}

/* --- transactions ---------------------------------------------------------- */

int state_begin(struct state *st, char *err, size_t errlen)
{
	if (st->in_tx)
		return state_failf(err, errlen, "state database: transaction already open");
	if (state_exec(st, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	st->in_tx = 1;
	return 0;
}

int state_commit(struct state *st, char *err, size_t errlen)
{
	if (!st->in_tx)
		return state_failf(err, errlen, "state database: no transaction open");
	if (state_exec(st, "COMMIT", err, errlen) != 0) {
		state_rollback(st);
		return -1;
	}
	st->in_tx = 0;
	return 0;
}

void state_relaxed(struct state *st, bool relaxed)
{
	/* WAL mode: NORMAL still commits atomically and in order, it only
	 * leaves the fsync of the log to the next FULL commit. */
	sqlite3_exec(st->db, relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
		     NULL, NULL, NULL);
}

void state_rollback(struct state *st)
{
	if (st == NULL || !st->in_tx)
		return;
	for (int i = 0; i < ST_COUNT_; i++)
		if (st->stmt[i] != NULL)
			sqlite3_reset(st->stmt[i]);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
}

/* --- methods ------------------------------------------------------------------ */

int state_method_get(struct state *st, const char *guid, struct state_method *out,
		     int *found, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_METHOD_GET, err, errlen);
	int rc;

	*found = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, guid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		snprintf(out->guid, sizeof(out->guid), "%s", guid);
		out->method_index = (uint32_t)sqlite3_column_int64(s, 0);
		out->priority = (uint32_t)sqlite3_column_int64(s, 1);
		*found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "read a method");
	return 0;
}

static int state_next_index(struct state *st, int64_t *next, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_NEXT_INDEX_GET, err, errlen);
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*next = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return state_fail(st, err, errlen, "read the next method index");
	if (*next < 1 || *next > (int64_t)UINT32_MAX)
		return state_failf(err, errlen, "state database: method indexes exhausted");
	s = state_stmt(st, ST_NEXT_INDEX_SET, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, *next + 1);
	return state_run(st, s, err, errlen, "advance the method index");
}

static int state_method_insert(struct state *st, const char *guid, const char *fn,
			       const char *friendly, const char *image, char *err,
			       size_t errlen)
{
	int64_t index = 0;
	sqlite3_stmt *s;

	if (state_next_index(st, &index, err, errlen) != 0)
		return -1;
	s = state_stmt(st, ST_METHOD_INSERT, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, index);
	sqlite3_bind_text(s, 3, fn, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, friendly, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, image, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (int64_t)time(NULL));
	return state_run(st, s, err, errlen, "insert a method");
}

static int state_method_seen(struct state *st, const char *guid, const char *fn,
			     const char *friendly, const char *image, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_METHOD_SEEN, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, guid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, fn, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, friendly, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, image, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (int64_t)time(NULL));
	return state_run(st, s, err, errlen, "update a method");
}

int state_method_ensure(struct state *st, const char *guid, const char *function_name,
			const char *friendly_name, const char *image, struct state_method *out,
			int *created, char *err, size_t errlen)
{
	int found = 0, own_tx = !st->in_tx;

	if (created != NULL)
		*created = 0;
	if (own_tx && state_begin(st, err, errlen) != 0)
		return -1;
	if (state_method_get(st, guid, out, &found, err, errlen) != 0)
		goto fail;
	if (found) {
		if (state_method_seen(st, guid, function_name, friendly_name, image, err,
				      errlen) != 0)
			goto fail;
	} else {
		if (state_method_insert(st, guid, function_name, friendly_name, image, err,
					errlen) != 0 ||
		    state_method_get(st, guid, out, &found, err, errlen) != 0 || !found)
			goto fail;
		if (created != NULL)
			*created = 1;
	}
	if (own_tx && state_commit(st, err, errlen) != 0)
		return -1;
	return 0;
fail:
	if (own_tx)
		state_rollback(st);
	return -1;
}

int state_method_set_priority(struct state *st, const char *guid, uint32_t priority,
			      char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_METHOD_PRIORITY, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, priority);
	if (state_run(st, s, err, errlen, "set a priority") != 0)
		return -1;
	if (sqlite3_changes(st->db) != 1)
		return state_failf(err, errlen, "state database: unknown method %s", guid);
	return 0;
}

/* --- per-port routing ------------------------------------------------------- */

int state_routing_get(struct state *st, uint32_t port_id, const char *guid, int *enabled,
		      void *data, size_t *len, int *found, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_ROUTING_GET, err, errlen);
	int rc;

	*found = 0;
	*enabled = 0;
	*len = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	sqlite3_bind_text(s, 2, guid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(s, 1);
		int n = sqlite3_column_bytes(s, 1);

		if (n < 0 || n > FGW_MAX_ROUTING_DATA) {
			sqlite3_reset(s);
			return state_failf(err, errlen, "state database: routing data of port %u "
					   "%s is over %d bytes", (unsigned)port_id, guid,
					   FGW_MAX_ROUTING_DATA);
		}
		*enabled = sqlite3_column_int(s, 0) != 0;
		if (n > 0)
			memcpy(data, blob, (size_t)n);
		*len = (size_t)n;
		*found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "read routing");
	return 0;
}

int state_routing_put(struct state *st, uint32_t port_id, const char *guid, int enabled,
		      const void *data, size_t len, char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (len > FGW_MAX_ROUTING_DATA)
		return state_failf(err, errlen, "state database: routing data over %d bytes",
				   FGW_MAX_ROUTING_DATA);
	s = state_stmt(st, ST_ROUTING_PUT, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	sqlite3_bind_text(s, 2, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, enabled != 0);
	sqlite3_bind_blob(s, 4, len > 0 ? data : "", (int)len, SQLITE_STATIC);
	return state_run(st, s, err, errlen, "write routing");
}

/* --- lists packed into one block ---------------------------------------------- */

/* Column text as a C string ("" for NULL), bounded to max bytes. */
static size_t state_text_len(sqlite3_stmt *s, int col, size_t max)
{
	int n = sqlite3_column_bytes(s, col);

	return n <= 0 ? 0 : ((size_t)n > max ? max : (size_t)n);
}

/* Copies column text into the string area of a block. */
static const char *state_put_text(sqlite3_stmt *s, int col, size_t max, char **area)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n = state_text_len(s, col, max);
	char *dst = *area;

	if (n > 0 && t != NULL)
		memcpy(dst, t, n);
	else
		n = 0;
	dst[n] = '\0';
	*area += n + 1;
	return dst;
}

struct state_pack {
	size_t rows, strbytes;
};

/* Pass 1: counts the rows and the string bytes of columns cols[]. */
static int state_pack_measure(struct state *st, sqlite3_stmt *s, const int *cols, int ncols,
			      size_t max, struct state_pack *pk, char *err, size_t errlen)
{
	int rc;

	pk->rows = 0;
	pk->strbytes = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		pk->rows++;
		for (int i = 0; i < ncols; i++)
			pk->strbytes += state_text_len(s, cols[i], max) + 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "list");
	return 0;
}

int state_audit_add(struct state *st, uint64_t time_, uint32_t uid, const char *who,
		    const char *what, const char *old_value, const char *new_value,
		    char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_AUDIT_ADD, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)time_);
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_text(s, 3, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, what, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, old_value != NULL ? old_value : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, new_value != NULL ? new_value : "", -1, SQLITE_STATIC);
	return state_run(st, s, err, errlen, "write the audit log");
}

#define STATE_MAX_TEXT 8192   /* longest text column copied out of a row */

/* Runs the bound audit listing s into one block of at most `max` rows
 * (s may return one more: *more tells). */
static int state_audit_fill(struct state *st, sqlite3_stmt *s, size_t max,
			    fgw_audit_entry **out, size_t *n, int *more, char *err, size_t errlen)
{
	static const int cols[] = { 3, 4, 5, 6 };
	struct state_pack pk;
	fgw_audit_entry *v;
	char *area;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (state_pack_measure(st, s, cols, 4, STATE_MAX_TEXT, &pk, err, errlen) != 0)
		return -1;
	if (more != NULL)
		*more = pk.rows > max;
	if (pk.rows > max)
		pk.rows = max;
	v = calloc(1, pk.rows * sizeof(*v) + pk.strbytes + 1);
	if (v == NULL)
		return state_failf(err, errlen, "state database: out of memory");
	area = (char *)(v + pk.rows);
	while (i < pk.rows && sqlite3_step(s) == SQLITE_ROW) {
		v[i].id = (uint64_t)sqlite3_column_int64(s, 0);
		v[i].time = (uint64_t)sqlite3_column_int64(s, 1);
		v[i].uid = (uint32_t)sqlite3_column_int64(s, 2);
		v[i].who = state_put_text(s, 3, STATE_MAX_TEXT, &area);
		v[i].what = state_put_text(s, 4, STATE_MAX_TEXT, &area);
		v[i].old_value = state_put_text(s, 5, STATE_MAX_TEXT, &area);
		v[i].new_value = state_put_text(s, 6, STATE_MAX_TEXT, &area);
		i++;
	}
	sqlite3_reset(s);
	*out = v;
	*n = i;
	return 0;
}

int state_audit_list(struct state *st, uint32_t max, fgw_audit_entry **out, size_t *n,
		     char *err, size_t errlen)
{
	sqlite3_stmt *s;

	*out = NULL;
	*n = 0;
	if (max > FGW_MAX_AUDIT_QUERY)
		max = FGW_MAX_AUDIT_QUERY;
	s = state_stmt(st, ST_AUDIT_LIST, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, max);
	return state_audit_fill(st, s, max, out, n, NULL, err, errlen);
}

int state_audit_page(struct state *st, uint64_t cursor, uint32_t max, fgw_audit_entry **out,
		     size_t *n, uint64_t *next, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int more = 0;

	*out = NULL;
	*n = 0;
	*next = 0;
	if (max == 0 || max > FGW_MAX_AUDIT_PAGE)
		max = FGW_MAX_AUDIT_PAGE;
	s = state_stmt(st, ST_AUDIT_PAGE, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)max + 1);
	sqlite3_bind_int64(s, 2, cursor == 0 || cursor > INT64_MAX ? INT64_MAX : (int64_t)cursor);
	if (state_audit_fill(st, s, max, out, n, &more, err, errlen) != 0)
		return -1;
	if (more && *n > 0)
		*next = (*out)[*n - 1].id;
	return 0;
}

/* --- counters ------------------------------------------------------------------ */

int state_port_counters_get(struct state *st, uint32_t port_id,
			    struct state_port_counters *out, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_PORTC_GET, err, errlen);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 4);

		out->faxes_received = (uint64_t)sqlite3_column_int64(s, 0);
		out->pages_received = (uint64_t)sqlite3_column_int64(s, 1);
		out->faxes_failed = (uint64_t)sqlite3_column_int64(s, 2);
		out->routing_failures = (uint64_t)sqlite3_column_int64(s, 3);
		snprintf(out->last_remote_ident, sizeof(out->last_remote_ident), "%s",
			 t != NULL ? (const char *)t : "");
		out->faxes_sent = (uint64_t)sqlite3_column_int64(s, 5);
		out->pages_sent = (uint64_t)sqlite3_column_int64(s, 6);
		out->send_failures = (uint64_t)sqlite3_column_int64(s, 7);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "read port counters");
	return 0;
}

int state_method_counters_get(struct state *st, uint32_t port_id, const char *guid,
			      struct state_method_counters *out, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_METHC_GET, err, errlen);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	sqlite3_bind_text(s, 2, guid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 2);

		out->routed = (uint64_t)sqlite3_column_int64(s, 0);
		out->failures = (uint64_t)sqlite3_column_int64(s, 1);
		snprintf(out->last_error, sizeof(out->last_error), "%s",
			 t != NULL ? (const char *)t : "");
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "read method counters");
	return 0;
}

int state_count_received(struct state *st, uint32_t port_id, uint32_t pages,
			 const char *remote_ident, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_COUNT_RECEIVED, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	sqlite3_bind_int64(s, 2, pages);
	sqlite3_bind_text(s, 3, remote_ident != NULL ? remote_ident : "", -1, SQLITE_STATIC);
	return state_run(st, s, err, errlen, "count a received fax");
}

int state_count_receive_failed(struct state *st, uint32_t port_id, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_COUNT_RX_FAILED, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	return state_run(st, s, err, errlen, "count a failed reception");
}

int state_count_routing(struct state *st, uint32_t port_id, const char *guid, int ok,
			const char *msg, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_COUNT_METHOD, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	sqlite3_bind_text(s, 2, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, ok ? 1 : 0);
	sqlite3_bind_int(s, 4, ok ? 0 : 1);
	sqlite3_bind_text(s, 5, msg != NULL ? msg : "", -1, SQLITE_STATIC);
	if (state_run(st, s, err, errlen, "count a routing attempt") != 0)
		return -1;
	if (ok)
		return 0;
	s = state_stmt(st, ST_COUNT_PORT_FAIL, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	return state_run(st, s, err, errlen, "count a routing failure");
}

/* --- jobs ------------------------------------------------------------------------ */

/* Runs the bound job listing s into one block of at most `max` rows
 * (s may return one more: *more tells). */
static int state_jobs_fill(struct state *st, sqlite3_stmt *s, size_t max, fgw_job **out,
			   size_t *n, int *more, char *err, size_t errlen)
{
	static const int cols[] = { 8, 9, 10, 14, 16 };
	struct state_pack pk;
	fgw_job *v;
	char *area;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (state_pack_measure(st, s, cols, 5, STATE_MAX_TEXT, &pk, err, errlen) != 0)
		return -1;
	if (more != NULL)
		*more = pk.rows > max;
	if (pk.rows > max)
		pk.rows = max;     /* the measure counted the extra row's text: harmless */
	v = calloc(1, pk.rows * sizeof(*v) + pk.strbytes + 1);
	if (v == NULL)
		return state_failf(err, errlen, "state database: out of memory");
	area = (char *)(v + pk.rows);
	while (i < pk.rows && sqlite3_step(s) == SQLITE_ROW) {
		v[i].id = (uint64_t)sqlite3_column_int64(s, 0);
		v[i].port_id = (uint32_t)sqlite3_column_int64(s, 1);
		v[i].state = (fgw_job_state)sqlite3_column_int(s, 2);
		v[i].attempts = (uint32_t)sqlite3_column_int64(s, 3);
		v[i].received_time = (uint64_t)sqlite3_column_int64(s, 4);
		v[i].next_attempt_time = (uint64_t)sqlite3_column_int64(s, 5);
		v[i].pages = (uint32_t)sqlite3_column_int64(s, 6);
		v[i].partial = sqlite3_column_int(s, 7) != 0;
		v[i].remote_ident = state_put_text(s, 8, STATE_MAX_TEXT, &area);
		v[i].path = state_put_text(s, 9, STATE_MAX_TEXT, &area);
		v[i].last_error = state_put_text(s, 10, STATE_MAX_TEXT, &area);
		v[i].degraded_pages = (uint32_t)sqlite3_column_int64(s, 11);
		v[i].bad_rows = (uint32_t)sqlite3_column_int64(s, 12);
		v[i].longest_bad_run = (uint32_t)sqlite3_column_int64(s, 13);
		v[i].degraded_list = state_put_text(s, 14, STATE_MAX_TEXT, &area);
		v[i].direction = sqlite3_column_int(s, 15) == FGW_DIR_SEND ? FGW_DIR_SEND
									  : FGW_DIR_RECEIVE;
		v[i].to = state_put_text(s, 16, STATE_MAX_TEXT, &area);
		i++;
	}
	sqlite3_reset(s);
	*out = v;
	*n = i;
	return 0;
}

int state_jobs_list(struct state *st, int failed_only, fgw_job **out, size_t *n, char *err,
		    size_t errlen)
{
	sqlite3_stmt *s;

	*out = NULL;
	*n = 0;
	s = state_stmt(st, failed_only ? ST_JOBS_FAILED : ST_JOBS_ALL, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, FGW_MAX_LIST);
	if (failed_only)
		sqlite3_bind_int(s, 2, FGW_JOB_FAILED);
	return state_jobs_fill(st, s, FGW_MAX_LIST, out, n, NULL, err, errlen);
}

int state_jobs_page(struct state *st, int failed_only, uint64_t cursor, uint32_t max,
		    fgw_job **out, size_t *n, uint64_t *next, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int more = 0;

	*out = NULL;
	*n = 0;
	*next = 0;
	if (max == 0 || max > FGW_MAX_JOBS_PAGE)
		max = FGW_MAX_JOBS_PAGE;
	s = state_stmt(st, failed_only ? ST_JOBS_PAGE_FAILED : ST_JOBS_PAGE, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)max + 1);
	sqlite3_bind_int64(s, 2, cursor == 0 || cursor > INT64_MAX ? INT64_MAX : (int64_t)cursor);
	if (failed_only)
		sqlite3_bind_int(s, 3, FGW_JOB_FAILED);
	if (state_jobs_fill(st, s, max, out, n, &more, err, errlen) != 0)
		return -1;
	if (more && *n > 0)
		*next = (*out)[*n - 1].id;
	return 0;
}

/* --- history: pruning (history.c drives it) ------------------------------------ */

static void state_copy_text(sqlite3_stmt *s, int col, char *dst, size_t n);

/* Rows of an expiry query: id, state, path, retained_until. */
static int state_prune_rows(struct state *st, sqlite3_stmt *s, struct state_prune_row *rows,
			    size_t max, size_t *n, char *err, size_t errlen)
{
	int rc = SQLITE_DONE;

	*n = 0;
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct state_prune_row *r = &rows[*n];

		r->id = (uint64_t)sqlite3_column_int64(s, 0);
		r->state = sqlite3_column_int(s, 1);
		state_copy_text(s, 2, r->path, sizeof(r->path));
		r->retained_until = (uint64_t)sqlite3_column_int64(s, 3);
		(*n)++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "find expired jobs");
	return 0;
}

int state_jobs_expired(struct state *st, uint64_t cutoff, struct state_prune_row *rows,
		       size_t max, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOBS_EXPIRED, err, errlen);

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cutoff > INT64_MAX ? INT64_MAX : (int64_t)cutoff);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	sqlite3_bind_int(s, 3, FGW_JOB_DONE);
	sqlite3_bind_int(s, 4, FGW_JOB_FAILED);
	sqlite3_bind_int(s, 5, FGW_JOB_CANCELLED);
	return state_prune_rows(st, s, rows, max, n, err, errlen);
}

int state_jobs_prune(struct state *st, uint64_t cutoff, const struct state_prune_row *rows,
		     size_t n, size_t *deleted, char *err, size_t errlen)
{
	sqlite3_stmt *s;

	*deleted = 0;
	if (state_begin(st, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((s = state_stmt(st, ST_JOB_PRUNE, err, errlen)) == NULL)
			goto fail;
		sqlite3_bind_int64(s, 1, (int64_t)rows[i].id);
		sqlite3_bind_int64(s, 2, cutoff > INT64_MAX ? INT64_MAX : (int64_t)cutoff);
		sqlite3_bind_int(s, 3, FGW_JOB_DONE);
		sqlite3_bind_int(s, 4, FGW_JOB_FAILED);
		sqlite3_bind_int(s, 5, FGW_JOB_CANCELLED);
		if (state_run(st, s, err, errlen, "delete a job") != 0)
			goto fail;
		*deleted += (size_t)sqlite3_changes(st->db);
	}
	if (state_commit(st, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	state_rollback(st);
	*deleted = 0;
	return -1;
}

int state_files_expired(struct state *st, uint64_t now, struct state_prune_row *rows,
			size_t max, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_FILES_EXPIRED, err, errlen);

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now > INT64_MAX ? INT64_MAX : (int64_t)now);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	return state_prune_rows(st, s, rows, max, n, err, errlen);
}

int state_files_released(struct state *st, const struct state_prune_row *rows, size_t n,
			 char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (state_begin(st, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((s = state_stmt(st, ST_FILE_RELEASED, err, errlen)) == NULL)
			goto fail;
		sqlite3_bind_int64(s, 1, (int64_t)rows[i].id);
		if (state_run(st, s, err, errlen, "release a kept file") != 0)
			goto fail;
	}
	if (state_commit(st, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	state_rollback(st);
	return -1;
}

int state_audit_prune(struct state *st, uint64_t cutoff, size_t max, size_t *deleted,
		      char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_AUDIT_PRUNE, err, errlen);

	*deleted = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cutoff > INT64_MAX ? INT64_MAX : (int64_t)cutoff);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	if (state_run(st, s, err, errlen, "prune the audit log") != 0)
		return -1;
	*deleted = (size_t)sqlite3_changes(st->db);
	return 0;
}

int state_jobs_count(struct state *st, uint32_t counts[6], char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOBS_COUNT, err, errlen);
	int rc;

	memset(counts, 0, 6 * sizeof(counts[0]));
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int state = sqlite3_column_int(s, 0);
		int64_t c = sqlite3_column_int64(s, 1);

		if (state >= 1 && state <= 5)
			counts[state] = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "count jobs");
	return 0;
}

static int state_job_state(struct state *st, uint64_t job_id, int *state, char *err,
			   size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_STATE, err, errlen);
	int rc;

	*state = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)job_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*state = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "read a job");
	return 0;
}

int state_job_retry(struct state *st, uint64_t job_id, uint64_t now, char *err,
		    size_t errlen)
{
	int state = 0, own_tx = !st->in_tx;
	sqlite3_stmt *s;

	if (job_id > INT64_MAX) {
		state_failf(err, errlen, "no job %llu", (unsigned long long)job_id);
		return FGW_E_NO_JOB;
	}
	if (own_tx && state_begin(st, err, errlen) != 0)
		return FGW_E_STORAGE;
	if (state_job_state(st, job_id, &state, err, errlen) != 0)
		goto storage;
	if (state == 0 || state == FGW_JOB_ROUTING || state == FGW_JOB_DONE) {
		if (state == 0)
			state_failf(err, errlen, "no job %llu", (unsigned long long)job_id);
		else
			state_failf(err, errlen, "job %llu is %s", (unsigned long long)job_id,
				    state == FGW_JOB_DONE ? "already routed" : "being routed");
		if (own_tx)
			state_rollback(st);
		return state == 0 ? FGW_E_NO_JOB : FGW_E_STATE;
	}
	s = state_stmt(st, ST_JOB_RETRY, err, errlen);
	if (s == NULL)
		goto storage;
	sqlite3_bind_int64(s, 1, (int64_t)job_id);
	sqlite3_bind_int(s, 2, FGW_JOB_PENDING);
	sqlite3_bind_int64(s, 3, (int64_t)now);
	if (state_run(st, s, err, errlen, "retry a job") != 0)
		goto storage;
	s = state_stmt(st, ST_JOB_METHODS_RETRY, err, errlen);
	if (s == NULL)
		goto storage;
	sqlite3_bind_int64(s, 1, (int64_t)job_id);
	sqlite3_bind_int(s, 2, FGW_JOB_PENDING);
	sqlite3_bind_int(s, 3, FGW_JOB_FAILED);
	if (state_run(st, s, err, errlen, "retry a job's methods") != 0)
		goto storage;
	if (own_tx && state_commit(st, err, errlen) != 0)
		return FGW_E_STORAGE;
	return 0;
storage:
	if (own_tx)
		state_rollback(st);
	return FGW_E_STORAGE;
}

/* --- the data plane's job queue ------------------------------------------------- */

/* Copies column text into a fixed buffer of size n (cut, always terminated). */
static void state_copy_text(sqlite3_stmt *s, int col, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t len = state_text_len(s, col, n - 1);

	if (t == NULL)
		len = 0;
	if (len > 0)
		memcpy(dst, t, len);
	dst[len] = '\0';
}

int state_job_insert(struct state *st, const struct state_job *j, uint64_t *id, char *err,
		     size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_INSERT, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, j->port_id);
	sqlite3_bind_int(s, 2, j->state);
	sqlite3_bind_int64(s, 3, (int64_t)j->received_time);
	sqlite3_bind_int64(s, 4, (int64_t)((j->next_attempt_ms + 999) / 1000));
	sqlite3_bind_int64(s, 5, j->pages);
	sqlite3_bind_int(s, 6, j->partial != 0);
	sqlite3_bind_text(s, 7, j->remote_ident, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, j->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, j->meta, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, j->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, (int64_t)j->next_attempt_ms);
	sqlite3_bind_int64(s, 12, j->degraded_pages);
	sqlite3_bind_int64(s, 13, j->bad_rows);
	sqlite3_bind_int64(s, 14, j->longest_bad_run);
	sqlite3_bind_text(s, 15, j->degraded_list, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 16, j->sip_call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 17, j->sip_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 18, j->sip_to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 19, j->sip_user_agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 20, j->transport, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 21, j->direction == FGW_DIR_SEND ? FGW_DIR_SEND : FGW_DIR_RECEIVE);
	sqlite3_bind_text(s, 22, j->dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 23, j->document_pages);
	sqlite3_bind_text(s, 24, j->submitted_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 25, j->submitter_uid);
	sqlite3_bind_text(s, 26, j->send_ident, -1, SQLITE_STATIC);
	if (state_run(st, s, err, errlen, "insert a job") != 0)
		return -1;
	*id = (uint64_t)sqlite3_last_insert_rowid(st->db);
	return 0;
}

int state_job_method_add(struct state *st, uint64_t job_id, const char *guid, char *err,
			 size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_METHOD_ADD, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)job_id);
	sqlite3_bind_text(s, 2, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, FGW_JOB_PENDING);
	return state_run(st, s, err, errlen, "add a job's method");
}

int state_job_get(struct state *st, uint64_t job_id, struct state_job *out, int *found,
		  char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	*found = 0;
	memset(out, 0, sizeof(*out));
	if (job_id > INT64_MAX)
		return 0;
	s = state_stmt(st, ST_JOB_GET, err, errlen);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)job_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = 1;
		out->id = (uint64_t)sqlite3_column_int64(s, 0);
		out->port_id = (uint32_t)sqlite3_column_int64(s, 1);
		out->state = sqlite3_column_int(s, 2);
		out->attempts = (uint32_t)sqlite3_column_int64(s, 3);
		out->received_time = (uint64_t)sqlite3_column_int64(s, 4);
		out->next_attempt_ms = (uint64_t)sqlite3_column_int64(s, 5);
		out->pages = (uint32_t)sqlite3_column_int64(s, 6);
		out->partial = sqlite3_column_int(s, 7) != 0;
		state_copy_text(s, 8, out->remote_ident, sizeof(out->remote_ident));
		state_copy_text(s, 9, out->path, sizeof(out->path));
		state_copy_text(s, 10, out->meta, sizeof(out->meta));
		state_copy_text(s, 11, out->last_error, sizeof(out->last_error));
		out->degraded_pages = (uint32_t)sqlite3_column_int64(s, 12);
		out->bad_rows = (uint32_t)sqlite3_column_int64(s, 13);
		out->longest_bad_run = (uint32_t)sqlite3_column_int64(s, 14);
		state_copy_text(s, 15, out->degraded_list, sizeof(out->degraded_list));
		out->finished_time = (uint64_t)sqlite3_column_int64(s, 16);
		out->retained_until = (uint64_t)sqlite3_column_int64(s, 17);
		state_copy_text(s, 18, out->sip_call_id, sizeof(out->sip_call_id));
		state_copy_text(s, 19, out->sip_from, sizeof(out->sip_from));
		state_copy_text(s, 20, out->sip_to, sizeof(out->sip_to));
		state_copy_text(s, 21, out->sip_user_agent, sizeof(out->sip_user_agent));
		state_copy_text(s, 22, out->transport, sizeof(out->transport));
		out->direction = sqlite3_column_int(s, 23);
		state_copy_text(s, 24, out->dest, sizeof(out->dest));
		out->document_pages = (uint32_t)sqlite3_column_int64(s, 25);
		out->sip_status = (uint32_t)sqlite3_column_int64(s, 26);
		state_copy_text(s, 27, out->submitted_by, sizeof(out->submitted_by));
		out->submitter_uid = (uint32_t)sqlite3_column_int64(s, 28);
		state_copy_text(s, 29, out->send_ident, sizeof(out->send_ident));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "read a job");
	return 0;
}

int state_job_methods(struct state *st, uint64_t job_id, struct state_job_method *out,
		      size_t max, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_METHODS_GET, err, errlen);
	int rc = SQLITE_DONE;

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)job_id);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct state_job_method *m = &out[*n];

		state_copy_text(s, 0, m->guid, sizeof(m->guid));
		m->state = sqlite3_column_int(s, 1);
		m->attempts = (uint32_t)sqlite3_column_int64(s, 2);
		state_copy_text(s, 3, m->last_error, sizeof(m->last_error));
		m->priority = (uint32_t)sqlite3_column_int64(s, 4);
		(*n)++;
	}
	if (*n < max && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return state_fail(st, err, errlen, "read a job's methods");
	}
	sqlite3_reset(s);
	return 0;
}

int state_job_update_relaxed(struct state *st, const struct state_job *j, char *err,
			     size_t errlen)
{
	int rc;

	state_relaxed(st, true);
	rc = state_job_update(st, j, err, errlen);
	state_relaxed(st, false);
	return rc;
}

int state_job_update(struct state *st, const struct state_job *j, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_UPDATE, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)j->id);
	sqlite3_bind_int(s, 2, j->state);
	sqlite3_bind_int64(s, 3, j->attempts);
	sqlite3_bind_int64(s, 4, (int64_t)j->next_attempt_ms);
	sqlite3_bind_int64(s, 5, (int64_t)((j->next_attempt_ms + 999) / 1000));
	sqlite3_bind_text(s, 6, j->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, j->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, j->finished_time != 0 ? (int64_t)j->finished_time
						       : (int64_t)time(NULL));
	sqlite3_bind_int(s, 9, FGW_JOB_DONE);
	sqlite3_bind_int(s, 10, FGW_JOB_FAILED);
	sqlite3_bind_int64(s, 11, (int64_t)j->retained_until);
	sqlite3_bind_int(s, 12, FGW_JOB_CANCELLED);
	return state_run(st, s, err, errlen, "update a job");
}

int state_job_method_update(struct state *st, uint64_t job_id, const char *guid, int state,
			    int count_attempt, const char *last_error, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_METHOD_UPDATE, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)job_id);
	sqlite3_bind_text(s, 2, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, state);
	sqlite3_bind_int(s, 4, count_attempt ? 1 : 0);
	sqlite3_bind_text(s, 5, last_error != NULL ? last_error : "", -1, SQLITE_STATIC);
	return state_run(st, s, err, errlen, "update a job's method");
}

/* One integer of a one-row query with one int64 parameter bound as ?1
 * (and ?2 when p2 >= 0); *found 0 when no row or NULL. */
static int state_one_int(struct state *st, enum state_stmt which, int64_t p1, int64_t p2,
			 int64_t *v, int *found, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, which, err, errlen);
	int rc;

	*found = 0;
	*v = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, p1);
	if (p2 >= 0)
		sqlite3_bind_int64(s, 2, p2);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*found = 1;
		*v = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "query jobs");
	return 0;
}

int state_job_due(struct state *st, uint64_t now_ms, uint64_t *job_id, int *found, char *err,
		  size_t errlen)
{
	int64_t v;
	int rc = state_one_int(st, ST_JOB_DUE, FGW_JOB_PENDING,
			       now_ms > INT64_MAX ? INT64_MAX : (int64_t)now_ms, &v, found, err,
			       errlen);

	*job_id = (uint64_t)v;
	return rc;
}

int state_job_next_time(struct state *st, uint64_t *ms, int *found, char *err, size_t errlen)
{
	int64_t v;
	int rc = state_one_int(st, ST_JOB_NEXT_TIME, FGW_JOB_PENDING, -1, &v, found, err, errlen);

	*ms = v < 0 ? 0 : (uint64_t)v;
	return rc;
}

int state_jobs_reset_routing(struct state *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_RESET_ROUTING, err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, FGW_JOB_PENDING);
	sqlite3_bind_int(s, 2, FGW_JOB_ROUTING);
	return state_run(st, s, err, errlen, "reset interrupted jobs");
}

int state_job_by_path(struct state *st, const char *path, uint64_t *job_id, int *found,
		      char *err, size_t errlen)
{
	sqlite3_stmt *s = state_stmt(st, ST_JOB_BY_PATH, err, errlen);
	int rc;

	*found = 0;
	*job_id = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = 1;
		*job_id = (uint64_t)sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return state_fail(st, err, errlen, "find a job by path");
	return 0;
}
