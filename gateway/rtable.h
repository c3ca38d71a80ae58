/*
 * rtable.h - the per-port routing table kept in memory by the core, and
 * the core's accessors for the data plane (router, job queue).
 *
 * The table holds, for every configured port and every loaded routing
 * method, the enabled flag, the routing data and a cache of the counters
 * (the state database is the truth; the cache gives the borrowed strings
 * that core.h hands out a stable home).
 *
 * Ownership: rtable_new() gives a table that rtable_free() releases with
 * every buffer in it (NULL is fine).
 */
#ifndef FAXGW_RTABLE_H
#define FAXGW_RTABLE_H

#include <stddef.h>
#include <stdint.h>
#include <faxgw/admin.h>

#include <faxgw/admin.h>

#include "caps.h"

struct rtable_entry {
	int enabled;
	size_t len;
	unsigned char *data;          /* malloc'd, NULL when len is 0 */
	uint64_t routed, failures;    /* cached from the state database */
	char *last_error;             /* cached, malloc'd, NULL for "" */
};

struct rtable;

struct rtable *rtable_new(size_t nports, size_t nmethods);
void rtable_free(struct rtable *t);
/* Entry of port index p (0..nports-1) and method slot m; NULL if out of range. */
struct rtable_entry *rtable_entry(struct rtable *t, size_t p, size_t m);
/* Copies data into a new buffer for rtable_take_data (*buf NULL for len 0);
 * -1 when out of memory. */
int rtable_copy_data(const void *data, size_t len, unsigned char **buf);
/* Replaces the entry's data with buf (taking ownership). */
void rtable_take_data(struct rtable_entry *e, unsigned char *buf, size_t len);
/* Replaces the cached last_error when it differs; -1 when out of memory. */
int rtable_set_last_error(struct rtable_entry *e, const char *text);

/* --- the core's accessors for the data plane (implemented in core.c) ------- */

struct core;
struct state;
struct extension_set;
struct extension_method;
struct router_request;

struct state *core_state(struct core *c);
const struct extension_set *core_extensions(const struct core *c);

/* One enabled method of a port, for the router. */
struct core_route {
	const struct extension_method *method;  /* guid, function_name, fn, ... */
	uint32_t priority;
	const void *data;                 /* borrowed until the next change */
	size_t len;
};

/* The enabled methods of a port in priority order (at most max); 0 or
 * FGW_E_NO_PORT. */
int core_port_routes(struct core *c, uint32_t port_id, struct core_route *out, size_t max,
                     size_t *n);

/* The data plane (ports.c) plugs its live state into the core: port
 * states for core_port_at/core_port_get, the active call count for
 * core_gateway_info, and a hook run after core_retry_job has set a job
 * PENDING (to bring its file back from spool/failed/ and route it now).
 * Every member may be NULL. */
struct core_dataplane {
	int (*port_state)(void *arg, uint32_t port_id);      /* fgw_port_state */
	uint32_t (*active_calls)(void *arg);
	void (*job_retried)(void *arg, uint64_t job_id);
	/* The calls in progress as one block (calls_list, calls.h). */
	int (*calls)(void *arg, fgw_call **out, size_t *n);
	/* Sending: hands a ROUTER_PREPARE request to the router process
	 * (jobs_prepare); 0 or -1 with err. */
	int (*prepare)(void *arg, const struct router_request *rq, char *err, size_t errlen);
	void *arg;
};
void core_set_dataplane(struct core *c, const struct core_dataplane *dp);

/* The SIP side (the daemon's, while its SIP thread runs): the gateway's
 * counters into out[0] (port_id 0), then one entry per sip port, each
 * port's sip-user list as text in users[i]; at most max entries, how many
 * in *n.  Without it the control server answers with out[0] zero. */
struct core_dial;
struct core_sip {
	int (*info)(void *arg, fgw_sip_port *out, char (*users)[FGW_MAX_SIP_USERS_TEXT],
		    size_t max, size_t *n);
	/* Sending (sendq.h): places the call of a send job; 0 when the SIP
	 * thread took it (then exactly one outcome follows: the dial failed,
	 * core_send_dial_failed(), or its media ended, core_send_outcome()),
	 * -1 with the reason in err (nothing follows).  cancel: hangs the
	 * job's call up (CANCEL while it rings, BYE once answered); the
	 * outcome still follows.  Either may be NULL (no sending). */
	int (*dial)(void *arg, const struct core_dial *d, char *err, size_t errlen);
	void (*cancel)(void *arg, uint64_t job_id);
	void *arg;
};
void core_set_sip(struct core *c, const struct core_sip *sip);


#endif
