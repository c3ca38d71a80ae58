/*
 * worker.h - one media thread of faxgwd's data plane (port.h).
 *
 * A worker owns a set of ports for their whole life.  Its thread has an
 * event loop of its own: the ports' sockets sit in one epoll set, and a
 * 20 ms ticker with an absolute deadline walks the active calls only.
 * With no call active the loop reads a socket as soon as it is readable;
 * with calls active each tick first reads every ready socket (recvmmsg),
 * so the thread wakes once per 20 ms for all its datagrams.  Every
 * spandsp, libtiff, UDPTL and RTP step of a call runs on its worker's
 * thread (docs/internals.md: the objects of one call stay on one thread).
 *
 * What must happen on the main thread (events, the spool commit, the
 * state database, the job queue) reaches it as port reports: the worker
 * appends them to its outbox (a list under a mutex, taken once per call
 * start or end, never per datagram or tick) and bumps an eventfd watched
 * by the main loop when the list was empty; the main loop hands them to
 * port_report_apply() in the order they were posted.  A report lives in
 * its call, so the outbox never allocates and never fills up.
 *
 * Ownership: worker_new() gives a worker that worker_free() releases (NULL
 * is fine; it stops the thread first); it borrows main_base.  Ports added
 * with worker_add_port() stay the caller's and must outlive the thread.
 * Threads: everything here is for the main thread, except that the port
 * callbacks of worker_port_env() run on the worker's thread.
 */
#ifndef FAXGW_WORKER_H
#define FAXGW_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

struct event_base;
struct worker;

/* A SIP call's media command for one of the worker's channels (port.h). */
enum worker_cmd_kind { WORKER_MEDIA_START, WORKER_MEDIA_UPDATE, WORKER_MEDIA_HANGUP };

struct worker_cmd {
	struct worker_cmd *next;      /* the inbox's link */
	enum worker_cmd_kind kind;
	struct port *port;            /* a channel of this worker */
	struct port_media m;          /* HANGUP: only m.serial */
};

/* max_ports: how many ports may be added.  index: for log lines. */
int worker_new(struct event_base *main_base, unsigned index, size_t max_ports,
	       struct worker **out, char *err, size_t errlen);
void worker_free(struct worker *w);

/* Sets call_started, call_ended, post and arg of env for a port of w. */
void worker_port_env(struct worker *w, struct port_env *env);
/* Before worker_start(): w watches the port's socket (a failed port has
 * none and is only counted). */
int worker_add_port(struct worker *w, struct port *p, char *err, size_t errlen);

/* Starts the thread (signals blocked in it: they stay with the main
 * loop). */
int worker_start(struct worker *w, char *err, size_t errlen);
/* Stops and joins the thread; the worker's ports are the caller's again.
 * Reports still in the outbox are not applied: worker_drain(). */
void worker_stop(struct worker *w);
/* Applies every report in the outbox now. */
void worker_drain(struct worker *w);

/* Any thread: queues cmd (malloc'd; the worker owns and frees it) and
 * wakes the media thread, which applies it in its loop.  Commands still
 * queued when the worker stops are dropped (a START's socket closed). */
void worker_command(struct worker *w, struct worker_cmd *cmd);

/* Calls in progress on w's ports (any thread). */
uint32_t worker_active_calls(const struct worker *w);

#endif
