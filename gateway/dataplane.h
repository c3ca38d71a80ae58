/*
 * dataplane.h - faxgwd's data plane: the router process, spool recovery,
 * the job queue, the ports (port.h) and the media threads that serve
 * them (worker.h).
 *
 * dataplane.c: forks the router process (router.h),
 * runs spool recovery, starts the job queue (jobs.h), opens every port,
 * spreads the ports over the media threads (port i on thread i mod W),
 * applies their reports on the main thread, and plugs port states,
 * active calls and job retries into the core (core_set_dataplane).
 *
 * Ownership: dataplane_new() gives a data plane that dataplane_free() releases
 * (NULL is fine); it borrows base and core, which must outlive it.
 * dataplane_free() stops the media threads and ends active calls as a
 * hang-up, committing what they received.
 */
#ifndef FAXGW_DATAPLANE_H
#define FAXGW_DATAPLANE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct core;
struct dataplane;

/* Must be called right after core_new(), before anything else opens
 * sockets or starts threads (the router process is forked here). */
int dataplane_new(struct event_base *base, struct core *core, struct dataplane **out,
                  char *err, size_t errlen);
void dataplane_free(struct dataplane *dp);
uint32_t dataplane_active_calls(const struct dataplane *dp);
/* From now on the static ports take no new call (draining); the calls
 * in progress go on. */
void dataplane_drain(struct dataplane *dp);
/* Channel `channel` of the sip_port-th port with transport = sip (in
 * configuration order) and its media thread; -1 when there is none. */
struct port;
struct worker;
int dataplane_channel(const struct dataplane *dp, size_t sip_port, unsigned channel,
		      struct port **p, struct worker **w);
/* After a configuration reload (SIGHUP): the router process is replaced so
 * that routing functions see the new store-root, exec-dir, [mail], [http]. */
void dataplane_reload(struct dataplane *dp);

#endif
