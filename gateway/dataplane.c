/*
 * dataplane.c - faxgwd's data plane: router, recovery, job queue, ports and
 * their media threads (dataplane.h).
 */
#include "fgwx_cpus.h"
#include "caps.h"
#include "dataplane.h"

#include <inttypes.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "calls.h"
#include "config.h"
#include "core.h"
#include "extension.h"
#include "history.h"
#include "jobs.h"
#include "log.h"
#include "port.h"
#include "router.h"
#include "sendq.h"
#include "rtable.h"
#include "spool.h"
#include "state.h"
#include "worker.h"

/* The channels of one sip port, each with its media thread. */
struct dataplane_sip {
	struct port **chan;
	struct worker **w;
	unsigned n;
};

struct dataplane {
	struct event_base *base;
	struct core *core;
	struct port **v;              /* the configured ports, then the sip channels */
	size_t n;
	struct dataplane_sip *sip;    /* per sip port, in configuration order */
	size_t nsip;
	struct worker **w;            /* the media threads; port i is on w[i % nw] */
	size_t nw;
	struct jobs *jobs;
	struct history *history;      /* expiry of finished jobs, audit rows, kept files */
	struct calls *calls;          /* the calls in progress (from the port reports) */
	atomic_bool draining;         /* read by the media threads (port_env) */
};

static int dataplane_calls(void *arg, fgw_call **out, size_t *n)
{
	const struct dataplane *dp = arg;

	return calls_list(dp->calls, out, n);
}

uint32_t dataplane_active_calls(const struct dataplane *dp)
{
	uint32_t n = 0;

	for (size_t i = 0; dp != NULL && i < dp->nw; i++)
		n += worker_active_calls(dp->w[i]);
	return n;
}

void dataplane_drain(struct dataplane *dp)
{
	if (dp != NULL)
		atomic_store(&dp->draining, true);
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

/* A sip port receives while any of its channels does, else sends while
 * any of them sends (a fax of a send job). */
static int dataplane_port_state(void *arg, uint32_t id)
{
	struct dataplane *dp = arg;
	int state = -1;

	for (size_t i = 0; i < dp->n; i++) {
		fgw_port_state st;
		if (port_id(dp->v[i]) != id)
			continue;
		st = port_state(dp->v[i]);
		if (state < 0 || st == FGW_PORT_RECEIVING ||
		    (st == FGW_PORT_SENDING && state != FGW_PORT_RECEIVING))
			state = (int)st;
	}
	return state < 0 ? FGW_PORT_IDLE : state;
}

int dataplane_channel(const struct dataplane *dp, size_t sip_port, unsigned channel,
		      struct port **p, struct worker **w)
{
	if (dp == NULL || sip_port >= dp->nsip || channel >= dp->sip[sip_port].n)
		return -1;
	*p = dp->sip[sip_port].chan[channel];
	*w = dp->sip[sip_port].w[channel];
	return 0;
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

/* Sending: documents are checked in the router process (sendq.h). */
static int dataplane_prepare(void *arg, const struct router_request *rq, char *err,
			     size_t errlen)
{
	struct dataplane *dp = arg;

	return jobs_prepare(dp->jobs, rq, err, errlen);
}

static void dataplane_prepared(void *arg, const struct router_reply *rp)
{
	struct dataplane *dp = arg;

	sendq_prepared(core_sendq(dp->core), rp);
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
	env.prepared = dataplane_prepared;
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
	long n = (long)fgwx_cpus();

	if ((size_t)n > nports)
		n = (long)nports;
	if (n > FGW_MAX_MEDIA_THREADS)
		n = FGW_MAX_MEDIA_THREADS;
	return n > 0 ? (size_t)n : 1;
}

/* Every port object: the configured ports and the channels of the sip
 * ports. */
static size_t dataplane_objects(const struct config *cfg, size_t *nsip)
{
	size_t n = cfg->nports;

	*nsip = 0;
	for (size_t i = 0; i < cfg->nports; i++) {
		if (cfg->ports[i].transport != CONFIG_SIP)
			continue;
		n += (size_t)cfg->ports[i].channels;
		(*nsip)++;
	}
	return n;
}

static void dataplane_env(struct dataplane *dp, struct worker *w, struct port_env *env)
{
	memset(env, 0, sizeof(*env));
	env->core = dp->core;
	worker_port_env(w, env);
	env->committed = dataplane_committed;
	env->committed_arg = dp;
	env->calls = dp->calls;
	env->draining = &dp->draining;
}

/* The channels of sip port cp, spread over the media threads from *next
 * on (so that the channels of every port share all cores). */
static int dataplane_open_channels(struct dataplane *dp, const struct config_port *cp,
				   struct dataplane_sip *ds, size_t *next, char *err,
				   size_t errlen)
{
	struct port_env env;

	ds->chan = calloc((size_t)cp->channels, sizeof(*ds->chan));
	ds->w = calloc((size_t)cp->channels, sizeof(*ds->w));
	if (ds->chan == NULL || ds->w == NULL)
		goto oom;
	for (unsigned ch = 0; ch < (unsigned)cp->channels; ch++) {
		struct worker *w = dp->w[(*next)++ % dp->nw];
		dataplane_env(dp, w, &env);
		ds->chan[ch] = dp->v[dp->n] = port_new_channel(&env, cp, ch);
		if (ds->chan[ch] == NULL)
			goto oom;
		ds->w[ch] = w;
		ds->n++;
		dp->n++;
		if (worker_add_port(w, ds->chan[ch], err, errlen) != 0)
			return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int dataplane_open_sip(struct dataplane *dp, char *err, size_t errlen)
{
	const struct config *cfg = core_config(dp->core);
	size_t next = 0;

	for (size_t i = 0; i < cfg->nports; i++) {
		if (cfg->ports[i].transport != CONFIG_SIP)
			continue;
		if (dataplane_open_channels(dp, &cfg->ports[i], &dp->sip[dp->nsip++], &next, err,
					    errlen) != 0)
			return -1;
	}
	return 0;
}

static int dataplane_open(struct dataplane *dp, char *err, size_t errlen)
{
	const struct config *cfg = core_config(dp->core);
	struct port_env env;
	size_t nsip, total = dataplane_objects(cfg, &nsip);

	for (size_t i = 0; i < dp->nw; i++)
		if (worker_new(dp->base, (unsigned)i, total / dp->nw + 1, &dp->w[i], err,
			       errlen) != 0)
			return -1;
	dp->v = calloc(total + 1, sizeof(*dp->v));
	dp->sip = calloc(nsip + 1, sizeof(*dp->sip));
	if (dp->v == NULL || dp->sip == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->nports; i++) {
		struct worker *w = dp->w[i % dp->nw];

		dataplane_env(dp, w, &env);
		dp->v[i] = port_new(&env, &cfg->ports[i]);
		if (dp->v[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		dp->n++;
		if (worker_add_port(w, dp->v[i], err, errlen) != 0)
			return -1;
	}
	if (dataplane_open_sip(dp, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < dp->nw; i++)
		if (worker_start(dp->w[i], err, errlen) != 0)
			return -1;
	log_info("%zu port(s) on %zu media thread(s)", cfg->nports, dp->nw);
	return 0;
}

int dataplane_new(struct event_base *base, struct core *core, struct dataplane **out,
		  char *err, size_t errlen)
{
	const struct config *cfg = core_config(core);
	struct dataplane *dp = calloc(1, sizeof(*dp));
	struct core_dataplane hooks;
	size_t nsip;

	*out = NULL;
	if (dp == NULL || (dp->w = calloc(FGW_MAX_MEDIA_THREADS, sizeof(*dp->w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(dp);
		return -1;
	}
	dp->base = base;
	dp->core = core;
	dp->calls = calls_new();
	if (dp->calls == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	dp->nw = dataplane_workers(dataplane_objects(cfg, &nsip));
	/* First the router's fork: it must inherit no call and no thread. */
	if (dataplane_start_jobs(dp, err, errlen) != 0 || dataplane_open(dp, err, errlen) != 0)
		goto fail;
	memset(&hooks, 0, sizeof(hooks));
	hooks.port_state = dataplane_port_state;
	hooks.active_calls = dataplane_active_hook;
	hooks.job_retried = dataplane_job_retried;
	hooks.calls = dataplane_calls;
	hooks.prepare = dataplane_prepare;
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
	for (size_t i = 0; dp->sip != NULL && i < dp->nsip; i++) {
		free(dp->sip[i].chan);
		free(dp->sip[i].w);
	}
	free(dp->sip);
	free(dp->v);
	free(dp->w);
	history_free(dp->history);
	jobs_free(dp->jobs);
	calls_free(dp->calls);
	free(dp);
}
