/*
 * jobs.h - the routing job queue, run from faxgwd's main event loop.
 *
 * The state database is the queue (jobs, job_methods).  jobs.c picks the
 * PENDING jobs that are due, marks each ROUTING (attempts + 1), and asks
 * the router process (router.h) to run its methods that have not yet
 * succeeded, one after the other in global priority order.  Each reply is
 * recorded at once (job_methods, counters via state_count_routing, event
 * FGW_EVENT_ROUTING_SUCCEEDED / _FAILED).  When a job's attempt is over:
 *
 *   every method succeeded           -> DONE, the spool file is removed
 *   a method failed for good         -> dead letter
 *   a retryable failure, attempts    -> PENDING again after a back-off of
 *     below the configured maximum      retry_backoff_ms doubled per attempt
 *   a retryable failure on the last  -> dead letter
 *     attempt
 *
 * A dead letter moves the file to spool/failed/, sets the job FAILED and
 * emits FGW_EVENT_ROUTING_DEAD_LETTERED.  A job with no method (received
 * on a port with nothing enabled) takes the port's methods enabled at the
 * time it is routed; with none it becomes UNROUTED.
 *
 * jobs_kick() makes the queue look again at once (a fax was committed, a
 * job retried); a timer wakes it for the next back-off deadline.
 *
 * Ownership: jobs_new() borrows everything in env (must outlive the jobs)
 * and takes the router (freed by jobs_free(), NULL is fine).
 */
#ifndef FAXGW_JOBS_H
#define FAXGW_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include <faxgw/admin.h>
#include <faxgw/limits.h>

struct event_base;
struct config;
struct state;
struct router;
struct router_reply;
struct router_request;
struct jobs;

struct jobs_env {
	const struct config *cfg;      /* spool, retry_attempts, retry_backoff_ms */
	struct state *st;
	struct event_base *base;
	void (*emit)(void *arg, const fgw_event *ev);
	/* The enabled methods of a port now, in priority order. */
	int (*port_methods)(void *arg, uint32_t port_id, char (*guids)[FGW_GUID_LEN + 1],
	                    size_t max, size_t *n);
	/* The routing data of a method on a port (copied into data, which
	 * holds FGW_MAX_ROUTING_DATA bytes); 0 or -1. */
	int (*routing_data)(void *arg, uint32_t port_id, const char *guid, void *data,
	                    size_t *len);
	/* Starts a new router process when the running one died (NULL: routing
	 * stops until faxgwd restarts); 0 or -1. */
	int (*router_restart)(void *arg, struct router **out);
	/* Sending (sendq.h): the router's answer to a PREPARE request
	 * (jobs_prepare); a request lost with the router process gets
	 * status FGW_ROUTE_FAILED and a reason. */
	void (*prepared)(void *arg, const struct router_reply *rp);
	void *arg;
};

int jobs_new(const struct jobs_env *env, struct router *router, struct jobs **out, char *err,
             size_t errlen);
void jobs_free(struct jobs *j);

/* Look at the queue now. */
void jobs_kick(struct jobs *j);
/* A job was set PENDING again by faxgwctl retry: bring its file back from
 * spool/failed/ and route it now. */
void jobs_retried(struct jobs *j, uint64_t job_id);
/* Hands a ROUTER_PREPARE request to the router process (at most
 * FGW_MAX_SEND_PREPARING at once); its reply comes through
 * env.prepared.  0, or -1 with the reason in err (nothing follows). */
int jobs_prepare(struct jobs *j, const struct router_request *rq, char *err, size_t errlen);
/* Jobs with an attempt running. */
size_t jobs_inflight(const struct jobs *j);
/* Replaces the router process with a new one (which sees the current
 * configuration: store-root, exec-dir, [mail], [http] after a SIGHUP
 * reload); waits for running attempts to end first. */
void jobs_restart_router(struct jobs *j);
/* The router process now (0 while there is none). */
int jobs_router_pid(const struct jobs *j);

#endif
