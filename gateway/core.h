/*
 * core.h - what faxgwd's control server may ask of the rest of the daemon.
 *
 * The control server (control.c) decodes requests, checks the client's
 * rights and handle rules (QUERY/MODIFY, one MODIFY handle per port), and
 * calls these functions; they know nothing of sockets or handles.  All run
 * on the daemon's main event loop thread, and none waits for an extension
 * (core_apply_start; core_apply is the blocking form for tests).
 *
 * Strings in structs filled by core_* are borrowed from the core: valid
 * until the caller returns to the event loop.  Every function returns 0 or
 * a negative FGW_E_* code (faxgw/admin.h); where a `reason` buffer is
 * given, a refused request leaves a human-readable reason there.
 */
#ifndef FAXGW_CORE_H
#define FAXGW_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <faxgw/admin.h>

#include "caps.h"

struct core;
struct config;

/* Creates the core for a loaded configuration (borrowed: must outlive the
 * core): opens the state database (creating it and its schema when new),
 * loads the routing extensions (a failing one is reported and skipped),
 * assigns method indexes to new GUIDs, and, when the database is new and
 * cfg->default_store_folder is set, enables Store in folder into that
 * folder on every port (creating the folder).  Returns 0 or -1 with err. */
int core_new(const struct config *cfg, struct core **out, char *err, size_t errlen);
void core_free(struct core *c);
const struct config *core_config(const struct core *c);

/* Who asks: the peer's credentials, checked by the control server. */
struct core_who {
	uid_t uid;
	pid_t pid;
	const char *origin;        /* NULL, or e.g. "snmp" (fgw_set_origin) */
};

/* The send queue (sendq.h), made by core_set_loop; NULL before (and
 * when it could not be made: sending is then refused). */
struct sendq;
struct sendq *core_sendq(struct core *c);

/* "uid 1000 (alice)", or "snmp (uid 998)" with an origin. */
void core_who_name(const struct core_who *who, char *out, size_t outlen);

/* Gateway-wide status (faxgwVersion ... faxgwExtensionLoadFailures). */
int core_gateway_info(struct core *c, fgw_gateway_info *out);

/* The SIP counters through the daemon's hook (rtable.h struct core_sip):
 * the gateway's in out[0], then each sip port's; out[0] zero without SIP. */
int core_sip_info(struct core *c, fgw_sip_port *out, char (*users)[FGW_MAX_SIP_USERS_TEXT],
		  size_t max, size_t *n);

size_t core_port_count(const struct core *c);
/* i in 0..core_port_count()-1, ordered by port id. */
int core_port_at(struct core *c, size_t i, fgw_port_info *out);
int core_port_get(struct core *c, uint32_t port_id, fgw_port_info *out);

size_t core_extension_count(const struct core *c);
int core_extension_at(struct core *c, size_t i, fgw_extension_info *out);

/* The loaded routing methods, in global priority order (i = priority-1). */
size_t core_method_count(const struct core *c);
int core_global_at(struct core *c, size_t i, fgw_global_routing_info *out);
/* Method i (priority order) as seen on one port. */
int core_method_at(struct core *c, uint32_t port_id, size_t i, fgw_routing_method *out);

/* The routing data of a method on a port (borrowed; may be len 0). */
int core_get_routing_info(struct core *c, uint32_t port_id, const char *guid,
                          const void **data, size_t *len);
/* The same as a reader without modify rights may see it: with secrets
 * masked by the method's extension (into buf, bufcap bytes) when it has
 * any. */
int core_get_routing_info_shown(struct core *c, uint32_t port_id, const char *guid, void *buf,
                                size_t bufcap, const void **data, size_t *len);

/* Validates every change with the extensions (data first, then whether
 * each method that ends up enabled can be enabled, taking the other
 * changes of the batch into account), then applies all of them in one
 * state-database transaction and writes the audit log.  Nothing changes
 * unless everything is accepted and persisted.  On failure *failed is the
 * index of the refused change (n when not about one change).  Emits
 * FGW_EVENT_ROUTING_CHANGED for each change applied.
 *
 * core_apply() makes the extension calls in the calling thread and waits
 * for them: for tests and tools, never on the control loop (FGW_E_BUSY
 * while a core_apply_start() change is pending). */
int core_apply(struct core *c, const fgw_routing_change *changes, size_t n,
               const struct core_who *who, size_t *failed, char *reason, size_t reasonlen);

/* The same without blocking the loop (needs core_set_loop): the extension
 * calls run one after the other in worker processes (extcall.h) while the
 * loop serves others; the state change (persist, audit, events) happens on
 * the loop once every call accepted.  Changes are applied one request at a
 * time in arrival order, each planned when its turn comes.  A request that
 * is not answered within FGW_VALIDATE_SECS of its arrival (waiting included)
 * is refused, "validation did not finish within N s", and changes nothing:
 * FGW_E_BAD_DATA or FGW_E_NOT_ENABLEABLE blaming the change whose call hung
 * (its worker is killed; a crashed call is refused the same way), or
 * FGW_E_STATE when it was still waiting for an earlier request.
 *
 * Returns 0 when the request is taken: done is called exactly once, later,
 * from the loop (never from inside this call), with what core_apply would
 * have returned, unless core_apply_cancel(*op) comes first.  Returns an
 * FGW_E_* code with reason when refused at once (then no done).  Nothing
 * of changes is borrowed after the return. */
struct core_op;
typedef void (*core_apply_done_fn)(void *arg, int rc, size_t failed, const char *reason);
int core_apply_start(struct core *c, const fgw_routing_change *changes, size_t n,
                     const struct core_who *who, core_apply_done_fn done, void *arg,
                     struct core_op **op, char *reason, size_t reasonlen);
/* Forgets a pending request (its worker is killed; done is not called);
 * NULL is fine. */
void core_apply_cancel(struct core_op *op);
/* The loop (borrowed) that runs the extension calls of core_apply_start
 * and device_change notices; before it is set, both run in the caller. */
struct event_base;
void core_set_loop(struct core *c, struct event_base *base);

/* Moves method `guid` to `priority` (1..count), shifting the others;
 * persisted and audited. */
int core_set_priority(struct core *c, const char *guid, uint32_t priority,
                      const struct core_who *who, char *reason, size_t reasonlen);

/* Routing jobs (malloc'd array, strings inside it are borrowed until the
 * next return to the loop; free the array with free()). */
int core_jobs(struct core *c, int failed_only, fgw_job **jobs, size_t *n);
/* The calls in progress (calls.h), one block: free().  0 or FGW_E_NOMEM. */
int core_calls(struct core *c, fgw_call **out, size_t *n);
/* One page, newest first (state_jobs_page); *jobs: free(). */
int core_jobs_page(struct core *c, int failed_only, uint64_t cursor, uint32_t max,
                   fgw_job **jobs, size_t *n, uint64_t *next);
/* One page of the audit log, newest first (state_audit_page); *e: free(). */
int core_audit_page(struct core *c, uint64_t cursor, uint32_t max, fgw_audit_entry **e,
                    size_t *n, uint64_t *next);
int core_retry_job(struct core *c, uint64_t job_id, const struct core_who *who,
                   char *reason, size_t reasonlen);

/* The newest `max` audit entries, oldest first (same ownership as jobs). */
int core_audit(struct core *c, uint32_t max, fgw_audit_entry **entries, size_t *n);

/* Events from anywhere in the daemon go to one sink (the control server,
 * which forwards them to subscribers). */
typedef void (*core_event_fn)(void *arg, const fgw_event *ev);
void core_set_event_sink(struct core *c, core_event_fn fn, void *arg);
void core_emit(struct core *c, const fgw_event *ev);

#endif
