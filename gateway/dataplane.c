/*
 * dataplane.c - faxgwd's data plane: router, recovery, job queue, ports and
 * their media threads (dataplane.h).
 */
#include "caps.h"
#include "dataplane.h"

#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "core.h"
#include "extension.h"
#include "history.h"
#include "jobs.h"
#include "log.h"
#include "port.h"
#include "router.h"
#include "rtable.h"
#include "spool.h"
#include "state.h"
#include "worker.h"

struct dataplane {
	struct event_base *base;
	struct core *core;
	struct port **v;
	size_t n;
	struct worker **w;            /* the media threads; port i is on w[i % nw] */
	size_t nw;
	struct jobs *jobs;
	struct history *history;      /* expiry of finished jobs, audit rows, kept files */
};

uint32_t dataplane_active_calls(const struct dataplane *dp)
{
	uint32_t n = 0;

	for (size_t i = 0; dp != NULL && i < dp->nw; i++)
		n += worker_active_calls(dp->w[i]);
	return n;
}

void dataplane_reload(struct dataplane *dp)
{
	if (dp != NULL)
		jobs_restart_router(dp->jobs);
}

static void dataplane_committed(void *arg, uint64_t job_id)
{
	struct dataplane *dp = arg;

	(void)job_id;
	jobs_kick(dp->jobs);
}

/* --- hooks for the core and the job queue ------------------------------------------------ */

static int dataplane_port_state(void *arg, uint32_t id)
{
	struct dataplane *dp = arg;

	for (size_t i = 0; i < dp->n; i++)
		if (port_id(dp->v[i]) == id)
			return (int)port_state(dp->v[i]);
	return FGW_PORT_IDLE;
}

static uint32_t dataplane_active_hook(void *arg)
{
	return dataplane_active_calls(arg);
}

static void dataplane_job_retried(void *arg, uint64_t job_id)
{
	struct dataplane *dp = arg;

	jobs_retried(dp->jobs, job_id);
}

static int dataplane_methods(void *arg, uint32_t port_id_, char (*guids)[FGW_GUID_LEN + 1],
			 size_t max, size_t *n)
{
	struct dataplane *dp = arg;
	struct core_route *routes = calloc(max > 0 ? max : 1, sizeof(*routes));
	int rc;

	*n = 0;
	if (routes == NULL)
		return -1;
	rc = core_port_routes(dp->core, port_id_, routes, max, n);
	if (rc != 0)
		*n = 0;
	for (size_t i = 0; i < *n; i++)
		snprintf(guids[i], sizeof(guids[i]), "%s", routes[i].method->guid);
	free(routes);
	return rc == 0 ? 0 : -1;
}

static int dataplane_routing_data(void *arg, uint32_t port_id_, const char *guid, void *data,
			      size_t *len)
{
	struct dataplane *dp = arg;
	const void *d = NULL;
	size_t l = 0;

	*len = 0;
	if (core_get_routing_info(dp->core, port_id_, guid, &d, &l) != 0 ||
	    l > FGW_MAX_ROUTING_DATA)
		return -1;
	memcpy(data, d, l);
	*len = l;
	return 0;
}

static int dataplane_router_restart(void *arg, struct router **out)
{
	struct dataplane *dp = arg;
	char err[FGW_MAX_ERROR_TEXT];

	if (router_start(core_extensions(dp->core), out, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static void dataplane_emit(void *arg, const fgw_event *ev)
{
	struct dataplane *dp = arg;

	core_emit(dp->core, ev);
}

/* --- start and stop ----------------------------------------------------------------------- */

static int dataplane_start_jobs(struct dataplane *dp, char *err, size_t errlen)
{
	const struct config *cfg = core_config(dp->core);
	struct spool_recovery rec;
	struct router *router = NULL;
	struct jobs_env env;

	if (spool_init(cfg->spool, err, errlen) != 0)
		return -1;
	/* First: the router process must not inherit sockets or calls. */
	if (router_start(core_extensions(dp->core), &router, err, errlen) != 0)
		return -1;
	if (spool_recover(core_state(dp->core), cfg->spool, dataplane_methods, dp, &rec, err,
			  errlen) != 0) {
		router_free(router);
		return -1;
	}
	if (rec.tmp_jobs + rec.tmp_moved + rec.tmp_removed + rec.orphans > 0)
		log_notice("spool recovery: %u interrupted fax(es) kept (%u complete, %u with "
			   "their metadata), %u move(s) finished, %u empty file(s) removed, %u "
			   "orphan(s) given a job", rec.tmp_jobs, rec.tmp_complete,
			   rec.tmp_with_meta, rec.tmp_moved, rec.tmp_removed, rec.orphans);
	memset(&env, 0, sizeof(env));
	env.cfg = cfg;
	env.st = core_state(dp->core);
	env.base = dp->base;
	env.emit = dataplane_emit;
	env.port_methods = dataplane_methods;
	env.routing_data = dataplane_routing_data;
	env.router_restart = dataplane_router_restart;
	env.arg = dp;
	if (jobs_new(&env, router, &dp->jobs, err, errlen) != 0)
		return -1;
	struct history_env henv = { .cfg = cfg, .st = env.st, .base = dp->base };
	return history_new(&henv, &dp->history, err, errlen);
}

/* One media thread per core this process may run on (sched_setaffinity,
 * cgroup cpusets and taskset are respected), no more than ports. */
static size_t dataplane_workers(size_t nports)
{
	cpu_set_t set;
	long n = 1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if ((size_t)n > nports)
		n = (long)nports;
	if (n > FGW_MAX_MEDIA_THREADS)
		n = FGW_MAX_MEDIA_THREADS;
	return n > 0 ? (size_t)n : 1;
}

static int dataplane_open(struct dataplane *dp, char *err, size_t errlen)
{
	const struct config *cfg = core_config(dp->core);
	struct port_env env;

	for (size_t i = 0; i < dp->nw; i++)
		if (worker_new(dp->base, (unsigned)i, cfg->nports / dp->nw + 1, &dp->w[i], err,
			       errlen) != 0)
			return -1;
	for (size_t i = 0; i < cfg->nports; i++) {
		struct worker *w = dp->w[i % dp->nw];

		memset(&env, 0, sizeof(env));
		env.core = dp->core;
		worker_port_env(w, &env);
		env.committed = dataplane_committed;
		env.committed_arg = dp;
		dp->v[i] = port_new(&env, &cfg->ports[i]);
		if (dp->v[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		dp->n++;
		if (worker_add_port(w, dp->v[i], err, errlen) != 0)
			return -1;
	}
	for (size_t i = 0; i < dp->nw; i++)
		if (worker_start(dp->w[i], err, errlen) != 0)
			return -1;
	log_info("%zu port(s) on %zu media thread(s)", dp->n, dp->nw);
	return 0;
}

int dataplane_new(struct event_base *base, struct core *core, struct dataplane **out,
		  char *err, size_t errlen)
{
	const struct config *cfg = core_config(core);
	struct dataplane *dp = calloc(1, sizeof(*dp));
	struct core_dataplane hooks;

	*out = NULL;
	if (dp == NULL || (dp->v = calloc(cfg->nports + 1, sizeof(*dp->v))) == NULL ||
	    (dp->w = calloc(FGW_MAX_MEDIA_THREADS, sizeof(*dp->w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (dp != NULL)
			free(dp->v);
		free(dp);
		return -1;
	}
	dp->base = base;
	dp->core = core;
	dp->nw = dataplane_workers(cfg->nports);
	/* First the router's fork: it must inherit no call and no thread. */
	if (dataplane_start_jobs(dp, err, errlen) != 0 || dataplane_open(dp, err, errlen) != 0)
		goto fail;
	memset(&hooks, 0, sizeof(hooks));
	hooks.port_state = dataplane_port_state;
	hooks.active_calls = dataplane_active_hook;
	hooks.job_retried = dataplane_job_retried;
	hooks.arg = dp;
	core_set_dataplane(core, &hooks);
	*out = dp;
	return 0;
fail:
	dataplane_free(dp);
	return -1;
}

void dataplane_free(struct dataplane *dp)
{
	if (dp == NULL)
		return;
	core_set_dataplane(dp->core, NULL);
	/* The ports are the main thread's again once their threads stopped;
	 * the reports they posted are applied before the ports go, and an
	 * active call ends as a hang-up: what it received is committed. */
	for (size_t i = 0; i < dp->nw; i++)
		worker_stop(dp->w[i]);
	for (size_t i = 0; i < dp->nw; i++)
		worker_drain(dp->w[i]);
	for (size_t i = 0; i < dp->n; i++)
		port_free(dp->v[i]);
	for (size_t i = 0; i < dp->nw; i++)
		worker_free(dp->w[i]);
	free(dp->v);
	free(dp->w);
	history_free(dp->history);
	jobs_free(dp->jobs);
	free(dp);
}
