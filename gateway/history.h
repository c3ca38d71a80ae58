/*
 * history.h - bounded history: finished jobs, the audit log and kept fax
 * files expire (faxgwd.conf(5) `history` and `retention`).
 *
 * On faxgwd's main loop, off the media path: a pass runs at start and then
 * every HISTORY_INTERVAL_S.  A pass is a series of steps; each step
 * deletes at most HISTORY_BATCH audit rows, HISTORY_BATCH job records and
 * HISTORY_BATCH kept files, each batch in one transaction, and when
 * anything is left the next step is queued behind the events already
 * waiting (the loop serves the control socket, the job queue and the media
 * reports in between).  What a pass deleted is logged at info level.
 *
 * What goes, and in which order:
 *   - audit rows made more than `history` ago;
 *   - DONE and FAILED jobs that finished more than `history` ago: first
 *     their file (a dead letter's in spool/failed/, a routed fax kept in
 *     spool/done/), then the record, so that a crash in between leaves a
 *     finished record without a file (deleted by the next step), never a
 *     file that start-up recovery would take for a lost fax;
 *   - the files of routed faxes whose retention is over (the record
 *     stays).
 * PENDING, ROUTING and UNROUTED jobs are never deleted, and no file outside
 * the spool's done/ and failed/ directories is ever removed.
 *
 * Ownership: history_new() borrows everything in env (cfg may change
 * between passes: a reload updates history and retention in place);
 * history_free() releases it (NULL is fine).
 */
#ifndef FAXGW_HISTORY_H
#define FAXGW_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;
struct state;
struct history;

#define HISTORY_BATCH 500             /* rows of each kind deleted per step */
#define HISTORY_INTERVAL_S 600        /* between passes */

struct history_env {
	const struct config *cfg;      /* spool, history_s, retention_s */
	struct state *st;
	struct event_base *base;       /* NULL: no timer, steps only (tests) */
};

/* What steps deleted. */
struct history_counts {
	size_t audit, jobs, files;
};

/* Starts the first pass as soon as the loop runs. */
int history_new(const struct history_env *env, struct history **out, char *err,
                size_t errlen);
void history_free(struct history *h);
/* One step at Unix time now, adding what it deleted to *c.  Returns 1 when
 * a batch was full (call again), 0 when the pass is over, -1 when the
 * state database failed (logged). */
int history_step(struct history *h, uint64_t now, struct history_counts *c);

#endif
