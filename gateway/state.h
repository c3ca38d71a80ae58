/*
 * state.h - faxgwd's state database (SQLite): routing settings, stable
 * method indexes, the routing job queue, counters and the audit log.
 *
 * The database runs in WAL mode with synchronous=FULL, foreign keys on and
 * a busy timeout; its schema version is PRAGMA user_version, and every
 * migration applied is recorded in the table schema_migrations.
 *
 * Every function returns 0 on success or -1 with a reason (sqlite3_errmsg
 * included) in err; lookups that may find nothing return 0 and set *found.
 * One struct state is used by one thread at a time.
 *
 * Ownership: state_open() gives a struct state that state_close() frees
 * (NULL is fine).  Arrays returned through `**out` arguments are one
 * malloc'd block holding the array and the strings its members point to:
 * release them with free().
 */
#ifndef FAXGW_STATE_H
#define FAXGW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <faxgw/admin.h>
#include <faxgw/limits.h>

#include "caps.h"

struct state;

/* Opens (creating when missing) the database at path and brings its
 * schema up to date.  *created is set to 1 when the database had no
 * schema before (a fresh install), else 0; created may be NULL. */
int state_open(const char *path, struct state **out, int *created, char *err,
               size_t errlen);
void state_close(struct state *st);
/* The connection, for the modules that keep their own statements
 * (state_send.c).  Borrowed. */
typedef struct sqlite3 sqlite3;
sqlite3 *state_db(struct state *st);
/* The schema version the code writes (PRAGMA user_version after open). */
int state_schema_version(void);

/* Transactions (BEGIN IMMEDIATE); nesting is refused.  state_rollback is
 * safe to call when no transaction is open. */
int state_begin(struct state *st, char *err, size_t errlen);
int state_commit(struct state *st, char *err, size_t errlen);
void state_rollback(struct state *st);
/* Commits made while relaxed are atomic but not fsynced on their own (a
 * crash may lose the last of them; the next durable commit keeps them).
 * Durable (synchronous = FULL) is the default. */
void state_relaxed(struct state *st, bool relaxed);

/* --- routing methods ----------------------------------------------------- */

/* A known routing method (one row per GUID ever seen). */
struct state_method {
	char guid[FGW_GUID_LEN + 1];
	uint32_t method_index;        /* assigned once, never reused */
	uint32_t priority;            /* 0 when never set */
};

/* Returns the method row of guid, inserting it with the next free index
 * (one more than any index ever given) when new; records the names last
 * seen.  *created tells whether the row is new (may be NULL). */
int state_method_ensure(struct state *st, const char *guid, const char *function_name,
                        const char *friendly_name, const char *image,
                        struct state_method *out, int *created, char *err, size_t errlen);
int state_method_get(struct state *st, const char *guid, struct state_method *out,
                     int *found, char *err, size_t errlen);
int state_method_set_priority(struct state *st, const char *guid, uint32_t priority,
                              char *err, size_t errlen);

/* --- per-port routing ---------------------------------------------------- */

/* Reads the routing of one method on one port.  data must hold
 * FGW_MAX_ROUTING_DATA bytes; *found 0 means never set (disabled, no data). */
int state_routing_get(struct state *st, uint32_t port_id, const char *guid, int *enabled,
                      void *data, size_t *len, int *found, char *err, size_t errlen);
int state_routing_put(struct state *st, uint32_t port_id, const char *guid, int enabled,
                      const void *data, size_t len, char *err, size_t errlen);

/* --- audit log ------------------------------------------------------------ */

int state_audit_add(struct state *st, uint64_t time, uint32_t uid, const char *who,
                    const char *what, const char *old_value, const char *new_value,
                    char *err, size_t errlen);
/* The newest `max` entries, oldest first (one block: free()). */
int state_audit_list(struct state *st, uint32_t max, fgw_audit_entry **out, size_t *n,
                     char *err, size_t errlen);
/* One page, newest first, as state_jobs_page() (FGW_MAX_AUDIT_PAGE). */
int state_audit_page(struct state *st, uint64_t cursor, uint32_t max, fgw_audit_entry **out,
                     size_t *n, uint64_t *next, char *err, size_t errlen);

/* --- counters (kept across restarts) -------------------------------------- */

struct state_port_counters {
	uint64_t faxes_received;
	uint64_t pages_received;
	uint64_t faxes_failed;
	uint64_t routing_failures;
	char last_remote_ident[FGW_MAX_IDENT + 1];
	uint64_t faxes_sent;
	uint64_t pages_sent;
	uint64_t send_failures;
};

struct state_method_counters {
	uint64_t routed;
	uint64_t failures;
	char last_error[FGW_MAX_ERROR_TEXT];
};

/* Zeroes when the port or method has no row yet. */
int state_port_counters_get(struct state *st, uint32_t port_id,
                            struct state_port_counters *out, char *err, size_t errlen);
int state_method_counters_get(struct state *st, uint32_t port_id, const char *guid,
                              struct state_method_counters *out, char *err, size_t errlen);
/* A fax received on a port (complete or partial). */
int state_count_received(struct state *st, uint32_t port_id, uint32_t pages,
                         const char *remote_ident, char *err, size_t errlen);
/* A reception that failed with nothing kept. */
int state_count_receive_failed(struct state *st, uint32_t port_id, char *err,
                               size_t errlen);
/* One routing attempt of a method: ok != 0 counts `routed`, else `failures`
 * on the method and routing_failures on the port, with msg as last_error. */
int state_count_routing(struct state *st, uint32_t port_id, const char *guid, int ok,
                        const char *msg, char *err, size_t errlen);

/* --- routing jobs (the data plane adds insert/update) --------------------- */

/* All jobs (failed_only: only FGW_JOB_FAILED), by id (one block: free()). */
int state_jobs_list(struct state *st, int failed_only, fgw_job **out, size_t *n,
                    char *err, size_t errlen);
/* One page of jobs, newest first (highest id first): the jobs with an id
 * below cursor (0: from the newest), at most max (0 or above
 * FGW_MAX_JOBS_PAGE: FGW_MAX_JOBS_PAGE) of them.  *next is the cursor of
 * the next page (the last id returned), 0 when this page is the last.
 * Walking from 0 until *next is 0 returns every job that existed at the
 * start and still exists exactly once; jobs inserted meanwhile have higher
 * ids and are not returned.  One block: free(). */
int state_jobs_page(struct state *st, int failed_only, uint64_t cursor, uint32_t max,
                    fgw_job **out, size_t *n, uint64_t *next, char *err, size_t errlen);
/* Job counts by state (index fgw_job_state; counts[0] unused). */
int state_jobs_count(struct state *st, uint32_t counts[6], char *err, size_t errlen);
/* Marks a job for a new attempt now: state PENDING, next_attempt_time =
 * now (next_attempt_ms 0), attempts back to 0 (a full set of retries), its
 * failed methods pending again.  Returns 0, or FGW_E_NO_JOB /
 * FGW_E_STATE (a job being routed or done) / FGW_E_STORAGE with err. */
int state_job_retry(struct state *st, uint64_t job_id, uint64_t now, char *err,
                    size_t errlen);

/* --- the data plane's job queue (spool.c, jobs.c) ------------------------- */

#define STATE_MAX_META 4096           /* the metadata text of a job */
#define STATE_MAX_JOB_METHODS FGW_MAX_METHODS

/* One job row.  meta is "key=value" lines (spool.h); next_attempt_ms is
 * Unix time in ms (next_attempt_time, in seconds, follows it). */
struct state_job {
	uint64_t id;
	uint32_t port_id;
	int state;                        /* fgw_job_state */
	uint32_t attempts;
	uint64_t received_time;
	uint64_t next_attempt_ms;
	uint32_t pages;
	int partial;
	char remote_ident[FGW_MAX_IDENT + 1];
	char path[FGW_MAX_PATH];
	char meta[STATE_MAX_META];
	char last_error[FGW_MAX_ERROR_TEXT];
	uint32_t degraded_pages;          /* pages with bad rows (spool.h) */
	uint32_t bad_rows;
	uint32_t longest_bad_run;
	char degraded_list[FGW_MAX_DEGRADED_TEXT];  /* "2,5": the first degraded pages */
	/* Read by state_job_get; written by state_job_update: finished_time
	 * is kept while the job stays DONE or FAILED, set when it becomes so
	 * (to this value, 0: now), cleared otherwise. */
	uint64_t finished_time;           /* Unix time it became DONE/FAILED, 0 */
	uint64_t retained_until;          /* its file stays in spool/done/ until, 0 */
	/* A fax received over SIP (spool.h); "" for others and older jobs.
	 * Written by state_job_insert, read by state_job_get. */
	char sip_call_id[FGW_MAX_SIP_IDENT];
	char sip_from[FGW_MAX_SIP_IDENT];
	char sip_to[FGW_MAX_SIP_IDENT];
	char sip_user_agent[FGW_MAX_SIP_IDENT];
	char transport[FGW_MAX_TRANSPORT_TEXT];
	/* Sending (sendq.h): direction FGW_DIR_SEND, else all 0 / "".
	 * Written by state_job_insert (not sip_status: state_send_result),
	 * read by state_job_get. */
	int direction;                    /* fgw_job_direction; 0 reads as receive */
	char dest[FGW_MAX_SEND_TO];
	uint32_t document_pages;
	uint32_t sip_status;
	char submitted_by[FGW_MAX_NAME];
	uint32_t submitter_uid;
	char send_ident[FGW_MAX_IDENT + 1];
};

/* One method of a job: state FGW_JOB_PENDING (not yet succeeded),
 * FGW_JOB_DONE or FGW_JOB_FAILED (its last attempt failed). */
struct state_job_method {
	char guid[FGW_GUID_LEN + 1];
	int state;
	uint32_t attempts;
	uint32_t priority;                /* current global priority, 0 unknown */
	char last_error[FGW_MAX_ERROR_TEXT];
};

/* --- history (history.c): finished jobs and the audit log expire ------------ */

/* A job found by an expiry query. */
struct state_prune_row {
	uint64_t id;
	int state;                        /* FGW_JOB_DONE or FGW_JOB_FAILED */
	char path[FGW_MAX_PATH];
	uint64_t retained_until;          /* 0: no file kept in spool/done/ */
};

/* Up to max DONE or FAILED jobs that finished before cutoff (Unix time);
 * pending, routing and unrouted jobs are never returned. */
int state_jobs_expired(struct state *st, uint64_t cutoff, struct state_prune_row *rows,
                       size_t max, size_t *n, char *err, size_t errlen);
/* Deletes rows[0..n) (and their job_methods) in one transaction, each only
 * if it is still DONE or FAILED and finished before cutoff; *deleted says
 * how many went. */
int state_jobs_prune(struct state *st, uint64_t cutoff, const struct state_prune_row *rows,
                     size_t n, size_t *deleted, char *err, size_t errlen);
/* Up to max jobs whose kept file is due (retained_until <= now). */
int state_files_expired(struct state *st, uint64_t now, struct state_prune_row *rows,
                        size_t max, size_t *n, char *err, size_t errlen);
/* Records that the kept files of rows[0..n) are gone (one transaction). */
int state_files_released(struct state *st, const struct state_prune_row *rows, size_t n,
                         char *err, size_t errlen);
/* Deletes up to max audit rows older than cutoff (oldest first). */
int state_audit_prune(struct state *st, uint64_t cutoff, size_t max, size_t *deleted,
                      char *err, size_t errlen);

/* Inserts j (its id ignored; attempts 0) and returns the new id. */
int state_job_insert(struct state *st, const struct state_job *j, uint64_t *id, char *err,
                     size_t errlen);
/* Adds a method (PENDING) to a job; a duplicate is ignored. */
int state_job_method_add(struct state *st, uint64_t job_id, const char *guid, char *err,
                         size_t errlen);
int state_job_get(struct state *st, uint64_t job_id, struct state_job *out, int *found,
                  char *err, size_t errlen);
/* A job's methods in current global priority order (unknown GUIDs last). */
int state_job_methods(struct state *st, uint64_t job_id, struct state_job_method *out,
                      size_t max, size_t *n, char *err, size_t errlen);
/* Writes state, attempts, next_attempt_ms (and _time), path, last_error,
 * finished_time (see struct state_job) and retained_until. */
int state_job_update(struct state *st, const struct state_job *j, char *err, size_t errlen);
/* The same, relaxed (see state_relaxed): for what recovery puts right
 * after a crash anyway. */
int state_job_update_relaxed(struct state *st, const struct state_job *j, char *err,
			     size_t errlen);
/* Sets a job method's state and last error; count_attempt adds 1 to its
 * attempts. */
int state_job_method_update(struct state *st, uint64_t job_id, const char *guid, int state,
                            int count_attempt, const char *last_error, char *err,
                            size_t errlen);
/* The PENDING job due first (next_attempt_ms <= now_ms); *found 0: none. */
int state_job_due(struct state *st, uint64_t now_ms, uint64_t *job_id, int *found, char *err,
                  size_t errlen);
/* The earliest next_attempt_ms of all PENDING jobs; *found 0: none. */
int state_job_next_time(struct state *st, uint64_t *ms, int *found, char *err, size_t errlen);
/* Start-up: jobs left ROUTING by a crash go back to PENDING. */
int state_jobs_reset_routing(struct state *st, char *err, size_t errlen);
/* The job whose path is `path`, if any. */
int state_job_by_path(struct state *st, const char *path, uint64_t *job_id, int *found,
                      char *err, size_t errlen);

#endif
