/*
 * ports.c - faxgwd's data plane: router, recovery, job queue, ports and
 * their media threads (port.h).
 */
#include "port.h"

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
#include "jobs.h"
#include "log.h"
#include "router.h"
#include "rtable.h"
#include "spool.h"
#include "state.h"
#include "worker.h"

struct ports {
	struct event_base *base;
	struct core *core;
	struct port **v;
	size_t n;
	struct worker **w;            /* the media threads; port i is on w[i % nw] */
	size_t nw;
	struct jobs *jobs;
};

uint32_t ports_active_calls(const struct ports *ps)
{
	uint32_t n = 0;

	for (size_t i = 0; ps != NULL && i < ps->nw; i++)
		n += worker_active_calls(ps->w[i]);
	return n;
}

void ports_reload(struct ports *ps)
{
	if (ps != NULL)
		jobs_restart_router(ps->jobs);
}

static void ports_committed(void *arg, uint64_t job_id)
{
	struct ports *ps = arg;

	(void)job_id;
	jobs_kick(ps->jobs);
}

/* --- hooks for the core and the job queue ------------------------------------------------ */

static int ports_port_state(void *arg, uint32_t id)
{
	struct ports *ps = arg;

	for (size_t i = 0; i < ps->n; i++)
		if (port_id(ps->v[i]) == id)
			return (int)port_state(ps->v[i]);
	return FGW_PORT_IDLE;
}

static uint32_t ports_active_hook(void *arg)
{
	return ports_active_calls(arg);
}

static void ports_job_retried(void *arg, uint64_t job_id)
{
	struct ports *ps = arg;

	jobs_retried(ps->jobs, job_id);
}

static int ports_methods(void *arg, uint32_t port_id_, char (*guids)[FGW_GUID_LEN + 1],
			 size_t max, size_t *n)
{
	struct ports *ps = arg;
	struct core_route *routes = calloc(max > 0 ? max : 1, sizeof(*routes));
	int rc;

	*n = 0;
	if (routes == NULL)
		return -1;
	rc = core_port_routes(ps->core, port_id_, routes, max, n);
	if (rc != 0)
		*n = 0;
	for (size_t i = 0; i < *n; i++)
		snprintf(guids[i], sizeof(guids[i]), "%s", routes[i].method->guid);
	free(routes);
	return rc == 0 ? 0 : -1;
}

static int ports_routing_data(void *arg, uint32_t port_id_, const char *guid, void *data,
			      size_t *len)
{
	struct ports *ps = arg;
	const void *d = NULL;
	size_t l = 0;

	*len = 0;
	if (core_get_routing_info(ps->core, port_id_, guid, &d, &l) != 0 ||
	    l > FGW_MAX_ROUTING_DATA)
		return -1;
	memcpy(data, d, l);
	*len = l;
	return 0;
}

static int ports_router_restart(void *arg, struct router **out)
{
	struct ports *ps = arg;
	char err[FGW_MAX_ERROR_TEXT];

	if (router_start(core_extensions(ps->core), out, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static void ports_emit(void *arg, const fgw_event *ev)
{
	struct ports *ps = arg;

	core_emit(ps->core, ev);
}

/* --- start and stop ----------------------------------------------------------------------- */

static int ports_start_jobs(struct ports *ps, char *err, size_t errlen)
{
	const struct config *cfg = core_config(ps->core);
	struct spool_recovery rec;
	struct router *router = NULL;
	struct jobs_env env;

	if (spool_init(cfg->spool, err, errlen) != 0)
		return -1;
	/* First: the router process must not inherit sockets or calls. */
	if (router_start(core_extensions(ps->core), &router, err, errlen) != 0)
		return -1;
	if (spool_recover(core_state(ps->core), cfg->spool, ports_methods, ps, &rec, err,
			  errlen) != 0) {
		router_free(router);
		return -1;
	}
	if (rec.tmp_jobs + rec.tmp_moved + rec.tmp_removed + rec.orphans > 0)
		log_notice("spool recovery: %u partial fax(es) kept, %u move(s) finished, "
			   "%u empty file(s) removed, %u orphan(s) given a job", rec.tmp_jobs,
			   rec.tmp_moved, rec.tmp_removed, rec.orphans);
	memset(&env, 0, sizeof(env));
	env.cfg = cfg;
	env.st = core_state(ps->core);
	env.base = ps->base;
	env.emit = ports_emit;
	env.port_methods = ports_methods;
	env.routing_data = ports_routing_data;
	env.router_restart = ports_router_restart;
	env.arg = ps;
	return jobs_new(&env, router, &ps->jobs, err, errlen);
}

/* One media thread per core this process may run on (sched_setaffinity,
 * cgroup cpusets and taskset are respected), no more than ports. */
static size_t ports_workers(size_t nports)
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

static int ports_open(struct ports *ps, char *err, size_t errlen)
{
	const struct config *cfg = core_config(ps->core);
	struct port_env env;

	for (size_t i = 0; i < ps->nw; i++)
		if (worker_new(ps->base, (unsigned)i, cfg->nports / ps->nw + 1, &ps->w[i], err,
			       errlen) != 0)
			return -1;
	for (size_t i = 0; i < cfg->nports; i++) {
		struct worker *w = ps->w[i % ps->nw];

		memset(&env, 0, sizeof(env));
		env.core = ps->core;
		worker_port_env(w, &env);
		env.committed = ports_committed;
		env.committed_arg = ps;
		ps->v[i] = port_new(&env, &cfg->ports[i]);
		if (ps->v[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		ps->n++;
		if (worker_add_port(w, ps->v[i], err, errlen) != 0)
			return -1;
	}
	for (size_t i = 0; i < ps->nw; i++)
		if (worker_start(ps->w[i], err, errlen) != 0)
			return -1;
	log_info("%zu port(s) on %zu media thread(s)", ps->n, ps->nw);
	return 0;
}

int ports_new(struct event_base *base, struct core *core, struct ports **out, char *err,
	      size_t errlen)
{
	const struct config *cfg = core_config(core);
	struct ports *ps = calloc(1, sizeof(*ps));
	struct core_dataplane dp;

	*out = NULL;
	if (ps == NULL || (ps->v = calloc(cfg->nports + 1, sizeof(*ps->v))) == NULL ||
	    (ps->w = calloc(FGW_MAX_MEDIA_THREADS, sizeof(*ps->w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (ps != NULL)
			free(ps->v);
		free(ps);
		return -1;
	}
	ps->base = base;
	ps->core = core;
	ps->nw = ports_workers(cfg->nports);
	/* First the router's fork: it must inherit no call and no thread. */
	if (ports_start_jobs(ps, err, errlen) != 0 || ports_open(ps, err, errlen) != 0)
		goto fail;
	memset(&dp, 0, sizeof(dp));
	dp.port_state = ports_port_state;
	dp.active_calls = ports_active_hook;
	dp.job_retried = ports_job_retried;
	dp.arg = ps;
	core_set_dataplane(core, &dp);
	*out = ps;
	return 0;
fail:
	ports_free(ps);
	return -1;
}

void ports_free(struct ports *ps)
{
	if (ps == NULL)
		return;
	core_set_dataplane(ps->core, NULL);
	/* The ports are the main thread's again once their threads stopped;
	 * the reports they posted are applied before the ports go, and an
	 * active call ends as a hang-up: what it received is committed. */
	for (size_t i = 0; i < ps->nw; i++)
		worker_stop(ps->w[i]);
	for (size_t i = 0; i < ps->nw; i++)
		worker_drain(ps->w[i]);
	for (size_t i = 0; i < ps->n; i++)
		port_free(ps->v[i]);
	for (size_t i = 0; i < ps->nw; i++)
		worker_free(ps->w[i]);
	free(ps->v);
	free(ps->w);
	jobs_free(ps->jobs);
	free(ps);
}
