/*
 * ports.c - faxgwd's data plane: router, recovery, job queue, ports and
 * the 20 ms ticker (port.h).
 */
#include "port.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

/* Ticks run at once when the loop was late; beyond that the clock skips. */
#define PORTS_MAX_CATCH_UP 10
/* Ready sockets taken from the port epoll set per epoll_wait. */
#define PORTS_READY_BATCH 256

struct ports {
	struct event_base *base;
	struct core *core;
	struct port **v;
	size_t n;
	/* The ports in a call, in no order; each port's slot is its index. */
	struct port **act;
	size_t nact;
	struct jobs *jobs;
	struct event *ticker;
	uint64_t next_tick_ms;        /* absolute deadline of the next 20 ms step */
	/* Every port socket is in this epoll set, not in the event loop.  With
	 * no call active, the loop watches the set (rx_ev) and reads at once;
	 * with calls active, each tick reads every ready socket first, so the
	 * loop wakes once per 20 ms for all datagrams instead of once per
	 * datagram (RTP and UDPTL datagrams wait in their jitter buffers for
	 * the tick anyway; a new call starts at most one tick later). */
	int epfd;
	struct event *rx_ev;
	struct epoll_event ready[PORTS_READY_BATCH];
};

uint32_t ports_active_calls(const struct ports *ps)
{
	return ps != NULL ? (uint32_t)ps->nact : 0;
}

void ports_reload(struct ports *ps)
{
	if (ps != NULL)
		jobs_restart_router(ps->jobs);
}

/* --- receiving ------------------------------------------------------------------------ */

/* Reads every port socket that is readable now: one epoll_wait (no wait)
 * per PORTS_READY_BATCH ready sockets, one recvmmsg per ready socket. */
static void ports_read_ready(struct ports *ps)
{
	size_t rounds = ps->n / PORTS_READY_BATCH + 1;

	for (size_t r = 0; r < rounds; r++) {
		int n = epoll_wait(ps->epfd, ps->ready, PORTS_READY_BATCH, 0);

		for (int i = 0; i < n; i++)
			port_read(ps->ready[i].data.ptr);
		if (n < PORTS_READY_BATCH)
			break;
	}
}

static void ports_on_rx(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ports_read_ready(arg);
}

/* --- the ticker ---------------------------------------------------------------------- */

/* Walks the active calls only.  A call that ends in its tick leaves the
 * list by swapping the last entry into its slot: walking from the end,
 * that entry was already ticked in this step. */
static void ports_tick_all(struct ports *ps, uint64_t now)
{
	for (size_t i = ps->nact; i-- > 0;)
		if (i < ps->nact)
			port_tick(ps->act[i], now);
}

/* One persistent 20 ms timer for every call.  Each step has an absolute
 * deadline; a late loop runs the missed steps at once (up to a bound), so
 * the calls' clock keeps real time on average. */
static void ports_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ports *ps = arg;
	uint64_t now = port_now_ms();
	int steps = 0;

	(void)fd;
	(void)what;
	while (ps->nact > 0 && now + 1 >= ps->next_tick_ms && steps < PORTS_MAX_CATCH_UP) {
		if (steps == 0)
			ports_read_ready(ps);
		ports_tick_all(ps, now);
		ps->next_tick_ms += FGW_TICK_MS;
		steps++;
	}
	if (now >= ps->next_tick_ms + FGW_TICK_MS)
		ps->next_tick_ms = now + FGW_TICK_MS;
}

static void ports_call_started(void *arg, struct port *p)
{
	struct ports *ps = arg;
	struct timeval tv = { 0, FGW_TICK_MS * 1000 };

	if (ps->nact >= ps->n)
		return;      /* cannot happen: one call per port */
	port_set_slot(p, ps->nact);
	ps->act[ps->nact++] = p;
	if (ps->nact == 1) {
		ps->next_tick_ms = port_now_ms() + FGW_TICK_MS;
		event_add(ps->ticker, &tv);
		event_del(ps->rx_ev);      /* the ticks read from now on */
	}
}

static void ports_call_ended(void *arg, struct port *p)
{
	struct ports *ps = arg;
	size_t i = port_slot(p);

	if (i >= ps->nact || ps->act[i] != p)
		return;
	ps->act[i] = ps->act[--ps->nact];
	port_set_slot(ps->act[i], i);
	ps->act[ps->nact] = NULL;
	if (ps->nact == 0) {
		event_del(ps->ticker);
		event_add(ps->rx_ev, NULL);
	}
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

static int ports_watch(struct ports *ps, struct port *p)
{
	struct epoll_event ev;

	if (port_fd(p) < 0)
		return 0;      /* a failed port: nothing to read */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = p;
	return epoll_ctl(ps->epfd, EPOLL_CTL_ADD, port_fd(p), &ev);
}

int ports_new(struct event_base *base, struct core *core, struct ports **out, char *err,
	      size_t errlen)
{
	const struct config *cfg = core_config(core);
	struct ports *ps = calloc(1, sizeof(*ps));
	struct core_dataplane dp;
	struct port_env env;

	*out = NULL;
	if (ps == NULL || (ps->v = calloc(cfg->nports + 1, sizeof(*ps->v))) == NULL ||
	    (ps->act = calloc(cfg->nports + 1, sizeof(*ps->act))) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (ps != NULL)
			free(ps->v);
		free(ps);
		return -1;
	}
	ps->base = base;
	ps->core = core;
	ps->epfd = -1;
	ps->ticker = event_new(base, -1, EV_PERSIST, ports_on_tick, ps);
	if (ps->ticker == NULL) {
		snprintf(err, errlen, "cannot create the call ticker");
		goto fail;
	}
	if (ports_start_jobs(ps, err, errlen) != 0)
		goto fail;
	/* After the router's fork: it must not inherit the set. */
	ps->epfd = epoll_create1(EPOLL_CLOEXEC);
	ps->rx_ev = ps->epfd >= 0 ? event_new(base, ps->epfd, EV_READ | EV_PERSIST, ports_on_rx, ps)
				  : NULL;
	if (ps->rx_ev == NULL) {
		snprintf(err, errlen, "cannot create the port epoll set");
		goto fail;
	}
	memset(&env, 0, sizeof(env));
	env.base = base;
	env.core = core;
	env.call_started = ports_call_started;
	env.call_ended = ports_call_ended;
	env.committed = ports_committed;
	env.arg = ps;
	for (size_t i = 0; i < cfg->nports; i++) {
		ps->v[i] = port_new(&env, &cfg->ports[i]);
		if (ps->v[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		ps->n++;
		if (ports_watch(ps, ps->v[i]) != 0) {
			snprintf(err, errlen, "cannot watch the socket of port %u",
				 (unsigned)port_id(ps->v[i]));
			goto fail;
		}
	}
	if (event_add(ps->rx_ev, NULL) != 0) {
		snprintf(err, errlen, "cannot watch the port sockets");
		goto fail;
	}
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
	/* Active calls end as a hang-up: what they received is committed. */
	for (size_t i = 0; i < ps->n; i++)
		port_free(ps->v[i]);
	free(ps->v);
	free(ps->act);
	jobs_free(ps->jobs);
	if (ps->ticker != NULL)
		event_free(ps->ticker);
	if (ps->rx_ev != NULL)
		event_free(ps->rx_ev);
	if (ps->epfd >= 0)
		close(ps->epfd);
	free(ps);
}
