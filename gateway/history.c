/*
 * history.c - bounded history on the main loop (history.h).
 */
#include "caps.h"
#include "history.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "spool.h"
#include "state.h"

struct history {
	struct history_env env;
	struct event *ev;
	struct history_counts pass;    /* deleted so far in this pass */
	uint64_t pass_steps, longest_us;  /* steps of this pass, the longest */
	struct state_prune_row rows[HISTORY_BATCH];
};

/* Whether path is a file of spool/done/, spool/failed/ or spool/outbox/
 * (a send job's document): the only files pruning may remove. */
static bool history_own_file(const char *spool, const char *path)
{
	size_t n = strlen(spool);

	if (path[0] == '\0' || strncmp(path, spool, n) != 0 || strstr(path, "/../") != NULL)
		return false;
	return strncmp(path + n, "/done/", 6) == 0 || strncmp(path + n, "/failed/", 8) == 0 ||
	       strncmp(path + n, "/outbox/", 8) == 0;
}

/* Removes a file; one that is gone already is fine. */
static void history_unlink(struct history *h, const struct state_prune_row *r)
{
	if (!history_own_file(h->env.cfg->spool, r->path))
		return;
	if (unlink(r->path) != 0 && errno != ENOENT)
		log_warn("history: job %" PRIu64 ": cannot remove %s: %s", r->id, r->path,
			 strerror(errno));
}

static int history_audit(struct history *h, uint64_t cutoff, struct history_counts *c,
			 bool *full)
{
	char err[FGW_MAX_ERROR_TEXT];
	size_t n = 0;

	if (state_audit_prune(h->env.st, cutoff, HISTORY_BATCH, &n, err, sizeof(err)) != 0) {
		log_err("history: %s", err);
		return -1;
	}
	c->audit += n;
	*full = *full || n == HISTORY_BATCH;
	return 0;
}

/* Finished jobs past `history`: files first, then the records. */
static int history_jobs(struct history *h, uint64_t cutoff, struct history_counts *c,
			bool *full)
{
	char err[FGW_MAX_ERROR_TEXT];
	size_t n = 0, deleted = 0;

	if (state_jobs_expired(h->env.st, cutoff, h->rows, HISTORY_BATCH, &n, err,
			       sizeof(err)) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (h->rows[i].state == FGW_JOB_FAILED || h->rows[i].retained_until != 0)
			history_unlink(h, &h->rows[i]);
	if (n > 0 && state_jobs_prune(h->env.st, cutoff, h->rows, n, &deleted, err,
				      sizeof(err)) != 0)
		goto fail;
	c->jobs += deleted;
	*full = *full || n == HISTORY_BATCH;
	return 0;
fail:
	log_err("history: %s", err);
	return -1;
}

/* Routed faxes whose retention is over: the file goes, the record stays. */
static int history_files(struct history *h, uint64_t now, struct history_counts *c,
			 bool *full)
{
	char err[FGW_MAX_ERROR_TEXT];
	size_t n = 0;

	if (state_files_expired(h->env.st, now, h->rows, HISTORY_BATCH, &n, err,
				sizeof(err)) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		history_unlink(h, &h->rows[i]);
	if (n > 0 && state_files_released(h->env.st, h->rows, n, err, sizeof(err)) != 0)
		goto fail;
	c->files += n;
	*full = *full || n == HISTORY_BATCH;
	return 0;
fail:
	log_err("history: %s", err);
	return -1;
}

int history_step(struct history *h, uint64_t now, struct history_counts *c)
{
	uint64_t keep = h->env.cfg->history_s;
	uint64_t cutoff = now > keep ? now - keep : 0;
	bool full = false;

	if (history_audit(h, cutoff, c, &full) != 0 || history_jobs(h, cutoff, c, &full) != 0 ||
	    history_files(h, now, c, &full) != 0)
		return -1;
	return full ? 1 : 0;
}

static void history_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct history *h = arg;
	struct timeval next = { HISTORY_INTERVAL_S, 0 };
	struct timespec t0, t1;
	int rc;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = history_step(h, (uint64_t)time(NULL), &h->pass);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t us = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000u +
		      (uint64_t)(t1.tv_nsec / 1000) - (uint64_t)(t0.tv_nsec / 1000);
	h->pass_steps++;
	if (us > h->longest_us)
		h->longest_us = us;
	if (rc == 1) {
		/* More to do: after the events that are waiting. */
		struct timeval now = { 0, 0 };
		evtimer_add(h->ev, &now);
		return;
	}
	if (h->pass.audit + h->pass.jobs + h->pass.files > 0)
		log_info("history: deleted %zu finished job(s) and %zu audit log row(s) older "
			 "than %" PRIu64 "s, and %zu kept fax file(s), in %" PRIu64 " step(s) of "
			 "at most %" PRIu64 " ms", h->pass.jobs, h->pass.audit,
			 h->env.cfg->history_s, h->pass.files, h->pass_steps,
			 (h->longest_us + 999) / 1000);
	memset(&h->pass, 0, sizeof(h->pass));
	h->pass_steps = 0;
	h->longest_us = 0;
	evtimer_add(h->ev, &next);
}

int history_new(const struct history_env *env, struct history **out, char *err,
		size_t errlen)
{
	struct history *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (h == NULL) {
		snprintf(err, errlen, "history: out of memory");
		return -1;
	}
	h->env = *env;
	if (env->base != NULL) {
		struct timeval now = { 0, 0 };

		h->ev = evtimer_new(env->base, history_on_timer, h);
		if (h->ev == NULL || evtimer_add(h->ev, &now) != 0) {
			snprintf(err, errlen, "history: cannot start its timer");
			history_free(h);
			return -1;
		}
	}
	*out = h;
	return 0;
}

void history_free(struct history *h)
{
	if (h == NULL)
		return;
	if (h->ev != NULL)
		event_free(h->ev);
	free(h);
}
