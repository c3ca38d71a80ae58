/*
 * state_send.c - the send jobs in the state database (state_send.h).
 * Sending is not a hot path: statements are prepared per call.
 */
#include "state_send.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>
#include <faxgw/admin.h>

static int ss_fail(struct state *st, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "state database: %s: %s", what, sqlite3_errmsg(state_db(st)));
	return -1;
}

static sqlite3_stmt *ss_prepare(struct state *st, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(state_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		ss_fail(st, err, errlen, "prepare");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* Steps a statement that returns no rows, then finalizes it. */
static int ss_run(struct state *st, sqlite3_stmt *s, char *err, size_t errlen, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		ss_fail(st, err, errlen, what);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int state_send_due(struct state *st, uint64_t now_ms, uint64_t *ids, size_t max, size_t *n,
		   char *err, size_t errlen)
{
	sqlite3_stmt *s = ss_prepare(st, "SELECT id FROM jobs WHERE state = ?1 AND direction = ?2"
				     " AND next_attempt_ms <= ?3 ORDER BY next_attempt_ms, id"
				     " LIMIT ?4", err, errlen);
	int rc = SQLITE_DONE;

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, FGW_JOB_QUEUED);
	sqlite3_bind_int(s, 2, FGW_DIR_SEND);
	sqlite3_bind_int64(s, 3, (int64_t)now_ms);
	sqlite3_bind_int64(s, 4, (int64_t)max);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[(*n)++] = (uint64_t)sqlite3_column_int64(s, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ss_fail(st, err, errlen, "find due send jobs");
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int state_send_next(struct state *st, uint64_t *ms, int *found, char *err, size_t errlen)
{
	sqlite3_stmt *s = ss_prepare(st, "SELECT min(next_attempt_ms) FROM jobs WHERE state = ?1"
				     " AND direction = ?2", err, errlen);
	int rc;

	*found = 0;
	*ms = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, FGW_JOB_QUEUED);
	sqlite3_bind_int(s, 2, FGW_DIR_SEND);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*found = 1;
		*ms = (uint64_t)sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ss_fail(st, err, errlen, "find the next send job");
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int state_send_requeue(struct state *st, unsigned *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = ss_prepare(st, "UPDATE jobs SET state = ?1, next_attempt_ms = 0,"
				     " next_attempt_time = 0 WHERE direction = ?2"
				     " AND state IN (?3, ?4)", err, errlen);

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, FGW_JOB_QUEUED);
	sqlite3_bind_int(s, 2, FGW_DIR_SEND);
	sqlite3_bind_int(s, 3, FGW_JOB_DIALING);
	sqlite3_bind_int(s, 4, FGW_JOB_SENDING);
	if (ss_run(st, s, err, errlen, "requeue interrupted send jobs") != 0)
		return -1;
	*n = (unsigned)sqlite3_changes(state_db(st));
	return 0;
}

int state_send_result(struct state *st, uint64_t id, const struct state_send_result *r,
		      char *err, size_t errlen)
{
	sqlite3_stmt *s = ss_prepare(st, "UPDATE jobs SET pages = ?2, remote_ident = ?3, meta = ?4,"
				     " sip_status = ?5, transport = ?6, sip_call_id = ?7"
				     " WHERE id = ?1", err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)id);
	sqlite3_bind_int64(s, 2, r->pages);
	sqlite3_bind_text(s, 3, r->remote_ident != NULL ? r->remote_ident : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->meta != NULL ? r->meta : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, r->sip_status);
	sqlite3_bind_text(s, 6, r->transport != NULL ? r->transport : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->call_id != NULL ? r->call_id : "", -1, SQLITE_STATIC);
	return ss_run(st, s, err, errlen, "record a send attempt");
}

int state_count_sent(struct state *st, uint32_t port_id, uint32_t pages, char *err,
		     size_t errlen)
{
	sqlite3_stmt *s = ss_prepare(st, "INSERT INTO port_counters(port_id, faxes_sent, pages_sent)"
				     " VALUES(?1, 1, ?2) ON CONFLICT(port_id) DO UPDATE SET"
				     " faxes_sent = faxes_sent + 1, pages_sent = pages_sent + ?2",
				     err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	sqlite3_bind_int64(s, 2, pages);
	return ss_run(st, s, err, errlen, "count a sent fax");
}

int state_count_send_failed(struct state *st, uint32_t port_id, char *err, size_t errlen)
{
	sqlite3_stmt *s = ss_prepare(st, "INSERT INTO port_counters(port_id, send_failures)"
				     " VALUES(?1, 1) ON CONFLICT(port_id) DO UPDATE SET"
				     " send_failures = send_failures + 1", err, errlen);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, port_id);
	return ss_run(st, s, err, errlen, "count a failed send");
}
