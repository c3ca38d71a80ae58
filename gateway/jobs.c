/*
 * jobs.c - the routing job queue on the main event loop (jobs.h).
 */
#include "caps.h"
#include "jobs.h"

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
#include "router.h"
#include "spool.h"
#include "state.h"

/* One job with an attempt running. */
struct jobs_flight {
	struct state_job job;
	struct spool_fax fax;
	char (*guids)[FGW_GUID_LEN + 1]; /* methods not yet succeeded, priority order */
	size_t n, next;
	int any_retry, permanent;
	char last_error[FGW_MAX_ERROR_TEXT];
	char last_guid[FGW_GUID_LEN + 1];  /* the method last_error is about */
};

struct jobs {
	struct jobs_env env;
	struct router *router;
	struct event *ev_router, *ev_timer, *ev_respawn;
	struct jobs_flight *flights[FGW_MAX_ROUTING_INFLIGHT];
	size_t ninflight;
	int router_dead;
	int restart_pending;          /* jobs_restart_router() while attempts ran */
	uint64_t preparing[FGW_MAX_SEND_PREPARING]; /* PREPARE requests the router has */
	size_t npreparing;
};

static uint64_t jobs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void jobs_emit(struct jobs *j, fgw_event_type type, const struct state_job *job,
		      const char *guid, const char *text)
{
	fgw_event ev;

	if (j->env.emit == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.time = (uint64_t)time(NULL);
	ev.port_id = job->port_id;
	ev.job_id = job->id;
	ev.guid = guid != NULL ? guid : "";
	ev.text = text != NULL ? text : "";
	j->env.emit(j->env.arg, &ev);
}

static void jobs_flight_free(struct jobs_flight *f)
{
	if (f == NULL)
		return;
	free(f->guids);
	free(f);
}

static void jobs_remove_flight(struct jobs *j, struct jobs_flight *f)
{
	for (size_t i = 0; i < j->ninflight; i++) {
		if (j->flights[i] == f) {
			j->flights[i] = j->flights[--j->ninflight];
			j->flights[j->ninflight] = NULL;
			break;
		}
	}
	jobs_flight_free(f);
}

static void jobs_update(struct jobs *j, struct state_job *job)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (state_job_update(j->env.st, job, err, sizeof(err)) != 0)
		log_err("job %" PRIu64 ": %s", job->id, err);
}

/* --- end of an attempt -------------------------------------------------------------- */

/* guid: the method whose failure ended the job ("" when none did). */
static void jobs_dead_letter(struct jobs *j, struct state_job *job, const char *guid,
			     const char *why)
{
	char to[FGW_MAX_PATH], err[FGW_MAX_ERROR_TEXT];

	if (spool_failed_path(j->env.cfg->spool, job->id, to, sizeof(to)) == 0 &&
	    spool_locate(j->env.cfg->spool, job) == 0 && spool_move(job, to, err, sizeof(err)) != 0)
		log_err("job %" PRIu64 ": %s", job->id, err);
	job->state = FGW_JOB_FAILED;
	job->next_attempt_ms = 0;
	snprintf(job->last_error, sizeof(job->last_error), "%s", why);
	jobs_update(j, job);
	log_warn("job %" PRIu64 " dead-lettered after %u attempt(s): %s (file %s)", job->id,
		 (unsigned)job->attempts, why, job->path);
	jobs_emit(j, FGW_EVENT_ROUTING_DEAD_LETTERED, job, guid, why);
}

static uint64_t jobs_backoff_ms(const struct config *cfg, uint32_t attempts)
{
	uint64_t b = cfg->retry_backoff_ms;
	uint32_t shift = attempts > 0 ? attempts - 1 : 0;

	if (shift > 30)
		shift = 30;
	b <<= shift;
	return b > FGW_MAX_BACKOFF_MS ? FGW_MAX_BACKOFF_MS : b;
}

/* Where a routed fax's file goes: spool/done/<id>.tif while `retention`
 * keeps it (job->path and retained_until set), else nowhere (""). */
static void jobs_keep_path(struct jobs *j, struct state_job *job, char *to, size_t tolen)
{
	uint64_t keep = j->env.cfg->retention_s;

	to[0] = '\0';
	if (keep == 0 || spool_done_path(j->env.cfg->spool, job->id, to, tolen) != 0) {
		to[0] = '\0';
		return;
	}
	job->retained_until = (uint64_t)time(NULL) + keep;
}

/* Every method has succeeded.  The state first, durably, then the file:
 * a crash between the two leaves a done job whose file is still in the
 * spool (start-up recovery removes it), never a job whose file is gone
 * that recovery would take for a lost fax and dead-letter. */
static void jobs_done(struct jobs *j, struct state_job *job)
{
	char err[FGW_MAX_ERROR_TEXT], from[FGW_MAX_PATH], to[FGW_MAX_PATH];
	int located = spool_locate(j->env.cfg->spool, job) == 0;

	job->state = FGW_JOB_DONE;
	job->next_attempt_ms = 0;
	job->last_error[0] = '\0';
	job->retained_until = 0;
	snprintf(from, sizeof(from), "%s", job->path);
	if (located)
		jobs_keep_path(j, job, to, sizeof(to));
	else
		to[0] = '\0';
	if (to[0] != '\0')
		snprintf(job->path, sizeof(job->path), "%s", to);
	if (state_job_update(j->env.st, job, err, sizeof(err)) != 0) {
		/* The file stays: after a restart jobs_begin() finds every method
		 * done and finishes the job. */
		log_err("job %" PRIu64 ": routed, but not recorded as done (file %s kept): %s",
			job->id, from, err);
		return;
	}
	if (located && to[0] != '\0') {
		/* Retention: kept in spool/done/ (history.c removes it later). */
		snprintf(job->path, sizeof(job->path), "%s", from);
		if (spool_move(job, to, err, sizeof(err)) != 0)
			log_warn("job %" PRIu64 ": cannot keep %s: %s", job->id, from, err);
	} else if (located) {
		/* No retention: nothing is kept once every method has succeeded. */
		if (unlink(from) != 0)
			log_warn("job %" PRIu64 ": cannot remove %s: %s", job->id, from,
				 strerror(errno));
		spool_fsync_dir_of(from);
	}
	log_info("job %" PRIu64 " routed (attempt %u)", job->id, (unsigned)job->attempts);
}

static void jobs_finish(struct jobs *j, struct jobs_flight *f)
{
	struct state_job *job = &f->job;

	job->attempts++;              /* it ran to a result */
	if (f->permanent ||
	    (f->any_retry && job->attempts >= j->env.cfg->retry_attempts)) {
		jobs_dead_letter(j, job, f->last_guid, f->last_error);
	} else if (f->any_retry) {
		uint64_t b = jobs_backoff_ms(j->env.cfg, job->attempts);
		job->state = FGW_JOB_PENDING;
		job->next_attempt_ms = jobs_now_ms() + b;
		snprintf(job->last_error, sizeof(job->last_error), "%s", f->last_error);
		jobs_update(j, job);
		log_notice("job %" PRIu64 ": attempt %u failed (%s); next in %" PRIu64 " ms",
			   job->id, (unsigned)job->attempts, f->last_error, b);
	} else {
		jobs_done(j, job);
	}
	jobs_remove_flight(j, f);
	if (j->restart_pending && j->ninflight == 0 && j->npreparing == 0)
		jobs_restart_router(j);
	event_active(j->ev_timer, EV_TIMEOUT, 0);
}

/* --- one method of an attempt --------------------------------------------------------- */

static void jobs_fill_request(struct jobs *j, struct jobs_flight *f, const char *guid,
			      struct router_request *rq)
{
	size_t len = 0;

	memset(rq, 0, sizeof(*rq));
	rq->job_id = f->job.id;
	rq->port_id = f->job.port_id;
	snprintf(rq->guid, sizeof(rq->guid), "%s", guid);
	if (j->env.routing_data != NULL &&
	    j->env.routing_data(j->env.arg, f->job.port_id, guid, rq->data, &len) == 0 &&
	    len <= FGW_MAX_ROUTING_DATA)
		rq->data_len = (uint32_t)len;
	snprintf(rq->path, sizeof(rq->path), "%s", f->job.path);
	snprintf(rq->port_name, sizeof(rq->port_name), "%s", f->fax.port_name);
	snprintf(rq->remote_ident, sizeof(rq->remote_ident), "%s", f->job.remote_ident);
	snprintf(rq->local_ident, sizeof(rq->local_ident), "%s", f->fax.local_ident);
	snprintf(rq->caller, sizeof(rq->caller), "%s", f->fax.caller);
	snprintf(rq->t30_text, sizeof(rq->t30_text), "%s", f->fax.t30_text);
	rq->start_time = f->fax.start_time;
	rq->end_time = f->fax.end_time;
	rq->pages = f->job.pages;
	rq->x_res = f->fax.x_res;
	rq->y_res = f->fax.y_res;
	rq->bit_rate = f->fax.bit_rate;
	rq->ecm = f->fax.ecm;
	rq->t30_status = f->fax.t30_status;
	rq->partial = f->job.partial;
	rq->degraded_pages = f->job.degraded_pages;
	rq->bad_rows = f->job.bad_rows;
	rq->longest_bad_run = f->job.longest_bad_run;
	snprintf(rq->degraded_list, sizeof(rq->degraded_list), "%s", f->job.degraded_list);
	snprintf(rq->sip_call_id, sizeof(rq->sip_call_id), "%s", f->job.sip_call_id);
	snprintf(rq->sip_from, sizeof(rq->sip_from), "%s", f->job.sip_from);
	snprintf(rq->sip_to, sizeof(rq->sip_to), "%s", f->job.sip_to);
	snprintf(rq->sip_user_agent, sizeof(rq->sip_user_agent), "%s", f->job.sip_user_agent);
	snprintf(rq->transport, sizeof(rq->transport), "%s", f->job.transport);
}

static void jobs_record(struct jobs *j, struct jobs_flight *f, const char *guid, int status,
			const char *msg);

/* Sends the next method's request, or ends the attempt. */
static void jobs_send_next(struct jobs *j, struct jobs_flight *f)
{
	struct router_request *rq;

	if (f->permanent || f->next >= f->n) {
		jobs_finish(j, f);
		return;
	}
	rq = malloc(sizeof(*rq));
	if (rq == NULL || j->router_dead) {
		free(rq);
		jobs_record(j, f, f->guids[f->next], FGW_ROUTE_RETRY, "router not available");
		return;
	}
	jobs_fill_request(j, f, f->guids[f->next], rq);
	if (router_send(j->router, rq) != 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "router not available: %s", strerror(errno));
		free(rq);
		jobs_record(j, f, f->guids[f->next], FGW_ROUTE_RETRY, msg);
		return;
	}
	free(rq);
}

static void jobs_record(struct jobs *j, struct jobs_flight *f, const char *guid, int status,
			const char *msg)
{
	char err[FGW_MAX_ERROR_TEXT];
	int ok = status == FGW_ROUTE_OK;
	struct state *st = j->env.st;

	if (state_begin(st, err, sizeof(err)) != 0 ||
	    state_job_method_update(st, f->job.id, guid, ok ? FGW_JOB_DONE : FGW_JOB_FAILED, 1,
				    ok ? "" : msg, err, sizeof(err)) != 0 ||
	    state_count_routing(st, f->job.port_id, guid, ok, msg, err, sizeof(err)) != 0 ||
	    state_commit(st, err, sizeof(err)) != 0) {
		state_rollback(st);
		log_err("job %" PRIu64 ": routing result not saved: %s", f->job.id, err);
	}
	if (ok) {
		log_info("job %" PRIu64 ": %s: %s", f->job.id, guid, msg);
		jobs_emit(j, FGW_EVENT_ROUTING_SUCCEEDED, &f->job, guid, msg);
	} else {
		log_warn("job %" PRIu64 ": %s failed%s: %s", f->job.id, guid,
			 status == FGW_ROUTE_FAIL ? " for good" : "", msg);
		snprintf(f->last_error, sizeof(f->last_error), "%s", msg);
		snprintf(f->last_guid, sizeof(f->last_guid), "%s", guid);
		if (status == FGW_ROUTE_FAIL)
			f->permanent = 1;
		else
			f->any_retry = 1;
		jobs_emit(j, FGW_EVENT_ROUTING_FAILED, &f->job, guid, msg);
	}
	f->next++;
	jobs_send_next(j, f);
}

/* --- starting an attempt ------------------------------------------------------------------ */

/* A job without methods takes the port's enabled ones now; 0 when it has
 * some afterwards. */
static int jobs_adopt_methods(struct jobs *j, struct state_job *job)
{
	char (*guids)[FGW_GUID_LEN + 1] = calloc(FGW_MAX_METHODS, sizeof(*guids));
	char err[FGW_MAX_ERROR_TEXT];
	size_t n = 0;
	int rc = -1;

	if (guids == NULL)
		return -1;
	if (job->port_id != 0 && j->env.port_methods != NULL &&
	    j->env.port_methods(j->env.arg, job->port_id, guids, FGW_MAX_METHODS, &n) == 0 &&
	    n > 0) {
		rc = 0;
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = state_job_method_add(j->env.st, job->id, guids[i], err, sizeof(err));
		if (rc != 0)
			log_err("job %" PRIu64 ": %s", job->id, err);
	}
	free(guids);
	return rc;
}

/* Loads the methods still to run; -1 on a database error. */
static int jobs_load_methods(struct jobs *j, struct jobs_flight *f, size_t *total)
{
	struct state_job_method *m = calloc(FGW_MAX_METHODS, sizeof(*m));
	char err[FGW_MAX_ERROR_TEXT];
	size_t n = 0;

	f->guids = calloc(FGW_MAX_METHODS, sizeof(*f->guids));
	if (m == NULL || f->guids == NULL ||
	    state_job_methods(j->env.st, f->job.id, m, FGW_MAX_METHODS, &n, err,
			      sizeof(err)) != 0) {
		if (m != NULL && f->guids != NULL)
			log_err("job %" PRIu64 ": %s", f->job.id, err);
		free(m);
		return -1;
	}
	*total = n;
	f->n = 0;
	for (size_t i = 0; i < n; i++)
		if (m[i].state != FGW_JOB_DONE)
			memcpy(f->guids[f->n++], m[i].guid, sizeof(m[i].guid));
	free(m);
	return 0;
}

/* Starts an attempt of job id: 0, or -1 on a database error. */
static int jobs_begin(struct jobs *j, uint64_t id)
{
	struct jobs_flight *f = calloc(1, sizeof(*f));
	char err[FGW_MAX_ERROR_TEXT];
	size_t total = 0;
	int found = 0;

	if (f == NULL || state_job_get(j->env.st, id, &f->job, &found, err, sizeof(err)) != 0 ||
	    !found) {
		if (f != NULL && !found)
			log_err("job %" PRIu64 ": %s", id, err);
		jobs_flight_free(f);
		return -1;
	}
	spool_meta_parse(f->job.meta, &f->fax);
	if (jobs_load_methods(j, f, &total) != 0)
		goto fail;
	if (total == 0) {
		if (jobs_adopt_methods(j, &f->job) != 0) {
			f->job.state = FGW_JOB_UNROUTED;
			snprintf(f->job.last_error, sizeof(f->job.last_error),
				 "no routing method enabled on port %u", (unsigned)f->job.port_id);
			jobs_update(j, &f->job);
			jobs_flight_free(f);
			return 0;
		}
		free(f->guids);
		if (jobs_load_methods(j, f, &total) != 0)
			goto fail;
	}
	if (f->n == 0) {
		/* Every method succeeded before a crash (or a failed save) kept
		 * the job from being marked done; its file may be gone already. */
		log_notice("job %" PRIu64 ": every method had succeeded; finishing it", id);
		jobs_done(j, &f->job);
		jobs_flight_free(f);
		return 0;
	}
	if (spool_locate(j->env.cfg->spool, &f->job) != 0) {
		jobs_dead_letter(j, &f->job, f->n > 0 ? f->guids[0] : "",
				 "the fax file is missing from the spool");
		jobs_flight_free(f);
		return 0;
	}
	f->job.state = FGW_JOB_ROUTING;
	/* Not fsynced on its own: after a crash a ROUTING job goes back to
	 * PENDING anyway (state_jobs_reset_routing).  The attempt is counted
	 * when it ends with a result (jobs_finish), so crashes and router
	 * restarts use up no attempt; the outcome of the attempt is durable. */
	if (state_job_update_relaxed(j->env.st, &f->job, err, sizeof(err)) != 0) {
		log_err("job %" PRIu64 ": %s", id, err);
		goto fail;
	}
	j->flights[j->ninflight++] = f;
	jobs_send_next(j, f);
	return 0;
fail:
	jobs_flight_free(f);
	return -1;
}

/* --- the loop side -------------------------------------------------------------------------- */

static void jobs_schedule(struct jobs *j)
{
	char err[FGW_MAX_ERROR_TEXT];
	uint64_t next = 0, now;
	int found = 0;

	if (j->ninflight >= FGW_MAX_ROUTING_INFLIGHT)
		return;           /* a finishing flight looks again */
	if (state_job_next_time(j->env.st, &next, &found, err, sizeof(err)) != 0) {
		log_err("%s", err);
		next = jobs_now_ms() + 1000;
		found = 1;
	}
	if (!found) {
		event_del(j->ev_timer);
		return;
	}
	now = jobs_now_ms();
	struct timeval tv = { 0, 0 };
	if (next > now) {
		uint64_t d = next - now;
		tv.tv_sec = (time_t)(d / 1000);
		tv.tv_usec = (suseconds_t)((d % 1000) * 1000);
	}
	evtimer_add(j->ev_timer, &tv);
}

static void jobs_run(struct jobs *j)
{
	char err[FGW_MAX_ERROR_TEXT];

	while (!j->router_dead && j->ninflight < FGW_MAX_ROUTING_INFLIGHT) {
		uint64_t id = 0;
		int found = 0;

		if (state_job_due(j->env.st, jobs_now_ms(), &id, &found, err, sizeof(err)) != 0) {
			log_err("%s", err);
			break;
		}
		if (!found)
			break;
		if (jobs_begin(j, id) != 0) {
			/* The database refused: look again in a second, not in a
			 * tight loop. */
			struct timeval tv = { 1, 0 };
			evtimer_add(j->ev_timer, &tv);
			return;
		}
	}
	if (!j->router_dead)
		jobs_schedule(j);
}

static void jobs_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	jobs_run(arg);
}

static struct jobs_flight *jobs_find_flight(struct jobs *j, const struct router_reply *rp)
{
	for (size_t i = 0; i < j->ninflight; i++) {
		struct jobs_flight *f = j->flights[i];
		if (f->job.id == rp->job_id && f->next < f->n &&
		    strcmp(f->guids[f->next], rp->guid) == 0)
			return f;
	}
	return NULL;
}

static void jobs_on_router(evutil_socket_t fd, short what, void *arg);

/* --- sending: document preparation in the router process ------------------------ */

static bool jobs_prepare_forget(struct jobs *j, uint64_t id)
{
	for (size_t i = 0; i < j->npreparing; i++) {
		if (j->preparing[i] == id) {
			j->preparing[i] = j->preparing[--j->npreparing];
			return true;
		}
	}
	return false;
}

/* The PREPARE requests the router had are lost with it. */
static void jobs_prepare_lost(struct jobs *j, const char *why)
{
	while (j->npreparing > 0) {
		struct router_reply rp;

		memset(&rp, 0, sizeof(rp));
		rp.kind = ROUTER_PREPARE;
		rp.job_id = j->preparing[--j->npreparing];
		rp.status = FGW_ROUTE_FAIL;
		snprintf(rp.msg, sizeof(rp.msg), "%s while it checked the document; submit it again",
			 why);
		if (j->env.prepared != NULL)
			j->env.prepared(j->env.arg, &rp);
	}
}

int jobs_prepare(struct jobs *j, const struct router_request *rq, char *err, size_t errlen)
{
	if (j->router_dead || j->router == NULL) {
		snprintf(err, errlen, "the router process is restarting; try again");
		return -1;
	}
	if (j->npreparing >= FGW_MAX_SEND_PREPARING) {
		snprintf(err, errlen, "%d documents are being checked already; try again",
			 FGW_MAX_SEND_PREPARING);
		return -1;
	}
	if (router_send(j->router, rq) != 0) {
		snprintf(err, errlen, "router not available: %s", strerror(errno));
		return -1;
	}
	j->preparing[j->npreparing++] = rq->job_id;
	return 0;
}

/* The router process is gone: running attempts go back to the queue and a
 * new router is started a moment later. */
static void jobs_router_lost(struct jobs *j)
{
	struct timeval tv = { 1, 0 };

	log_err("the router process ended; restarting it");
	j->router_dead = 1;
	event_free(j->ev_router);
	j->ev_router = NULL;
	router_free(j->router);
	j->router = NULL;
	jobs_prepare_lost(j, "the router process ended");
	while (j->ninflight > 0) {
		struct jobs_flight *f = j->flights[0];
		f->job.state = FGW_JOB_PENDING;
		f->job.next_attempt_ms = 0;
		jobs_update(j, &f->job);
		jobs_remove_flight(j, f);
	}
	if (j->env.router_restart != NULL)
		evtimer_add(j->ev_respawn, &tv);
}

static void jobs_on_respawn(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *j = arg;
	struct timeval tv = { 5, 0 };
	struct router *r = NULL;

	(void)fd;
	(void)what;
	if (j->env.router_restart(j->env.arg, &r) != 0) {
		evtimer_add(j->ev_respawn, &tv);
		return;
	}
	j->ev_router = event_new(j->env.base, router_fd(r), EV_READ | EV_PERSIST, jobs_on_router,
				 j);
	if (j->ev_router == NULL || event_add(j->ev_router, NULL) != 0) {
		if (j->ev_router != NULL)
			event_free(j->ev_router);
		j->ev_router = NULL;
		router_free(r);
		evtimer_add(j->ev_respawn, &tv);
		return;
	}
	j->router = r;
	j->router_dead = 0;
	log_notice("router process restarted (pid %d)", (int)router_pid(r));
	jobs_kick(j);
}

static void jobs_on_router(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *j = arg;
	struct router_reply rp;
	int rc = 0;

	(void)fd;
	(void)what;
	/* A reply may end the last attempt and replace the router (reload). */
	while (j->router != NULL && (rc = router_recv(j->router, &rp)) == 1) {
		if (rp.kind == ROUTER_PREPARE) {
			if (jobs_prepare_forget(j, rp.job_id) && j->env.prepared != NULL)
				j->env.prepared(j->env.arg, &rp);
			if (j->restart_pending && j->ninflight == 0 && j->npreparing == 0)
				jobs_restart_router(j);
			continue;
		}
		struct jobs_flight *f = jobs_find_flight(j, &rp);
		if (f == NULL) {
			log_warn("router: reply for job %" PRIu64 " %s not expected", rp.job_id,
				 rp.guid);
			continue;
		}
		jobs_record(j, f, rp.guid, rp.status, rp.msg);
	}
	if (rc < 0 && j->router != NULL)
		jobs_router_lost(j);
}

int jobs_new(const struct jobs_env *env, struct router *router, struct jobs **out, char *err,
	     size_t errlen)
{
	struct jobs *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (j == NULL) {
		snprintf(err, errlen, "out of memory");
		router_free(router);
		return -1;
	}
	j->env = *env;
	j->router = router;
	j->ev_timer = evtimer_new(env->base, jobs_on_timer, j);
	j->ev_respawn = evtimer_new(env->base, jobs_on_respawn, j);
	j->ev_router = event_new(env->base, router_fd(router), EV_READ | EV_PERSIST,
				 jobs_on_router, j);
	if (j->ev_timer == NULL || j->ev_respawn == NULL || j->ev_router == NULL ||
	    event_add(j->ev_router, NULL) != 0) {
		snprintf(err, errlen, "jobs: cannot create events");
		jobs_free(j);
		return -1;
	}
	*out = j;
	jobs_kick(j);
	return 0;
}

void jobs_free(struct jobs *j)
{
	if (j == NULL)
		return;
	jobs_prepare_lost(j, "faxgwd stopped");
	while (j->ninflight > 0) {
		/* Left ROUTING in the database: start-up recovery requeues it. */
		jobs_remove_flight(j, j->flights[0]);
	}
	if (j->ev_timer != NULL)
		event_free(j->ev_timer);
	if (j->ev_router != NULL)
		event_free(j->ev_router);
	if (j->ev_respawn != NULL)
		event_free(j->ev_respawn);
	router_free(j->router);
	free(j);
}

void jobs_kick(struct jobs *j)
{
	if (j != NULL)
		event_active(j->ev_timer, EV_TIMEOUT, 0);
}

void jobs_retried(struct jobs *j, uint64_t job_id)
{
	struct state_job *job = calloc(1, sizeof(*job));
	char to[FGW_MAX_PATH], err[FGW_MAX_ERROR_TEXT];
	int found = 0;

	if (job != NULL && state_job_get(j->env.st, job_id, job, &found, err, sizeof(err)) == 0 &&
	    found && spool_locate(j->env.cfg->spool, job) == 0 &&
	    spool_job_path(j->env.cfg->spool, job_id, to, sizeof(to)) == 0 &&
	    strcmp(job->path, to) != 0) {
		if (spool_move(job, to, err, sizeof(err)) != 0)
			log_err("job %" PRIu64 ": %s", job_id, err);
		else
			jobs_update(j, job);
	}
	free(job);
	jobs_kick(j);
}

void jobs_restart_router(struct jobs *j)
{
	struct timeval now = { 0, 0 };

	if (j == NULL || j->router_dead || j->env.router_restart == NULL)
		return;
	if (j->ninflight > 0 || j->npreparing > 0) {
		j->restart_pending = 1;
		return;
	}
	j->restart_pending = 0;
	j->router_dead = 1;
	event_free(j->ev_router);
	j->ev_router = NULL;
	router_free(j->router);
	j->router = NULL;
	evtimer_add(j->ev_respawn, &now);
}

int jobs_router_pid(const struct jobs *j)
{
	return j != NULL && j->router != NULL ? (int)router_pid(j->router) : 0;
}

size_t jobs_inflight(const struct jobs *j)
{
	return j != NULL ? j->ninflight : 0;
}
