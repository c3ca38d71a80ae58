/*
 * router.h - the routing stage's process, isolated from the media loop.
 *
 * router_start() forks one long-lived router process at start-up (before
 * any call).  It inherits the loaded routing extensions and nothing else:
 * it closes every other file descriptor, never touches the parent's event
 * loop or state database, and exits when the parent goes away.  The parent
 * (jobs.c) owns the state database and the job queue; the two talk over a
 * SOCK_SEQPACKET socket pair with fixed-size, bounded messages:
 *
 *   parent -> router  struct router_request: one attempt of one method on
 *                     one job (the fax metadata and the port's routing data)
 *   router -> parent  struct router_reply: the status and message
 *
 * The router runs each attempt in a worker process forked for that attempt
 * (router_attempt), with a time limit: a routing function that crashes or
 * hangs costs only that attempt and is reported as a retryable failure
 * ("routing function crashed (SIGSEGV)", "... timed out after N s").
 * Attempts run concurrently (up to FGW_MAX_ROUTING_INFLIGHT workers), so a
 * slow target delays only its own job; replies come in completion order.
 *
 * Ownership: router_start() gives a handle that router_free() releases
 * (closing the socket and reaping the process; NULL is fine).
 */
#ifndef FAXGW_ROUTER_H
#define FAXGW_ROUTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "caps.h"
#include <faxgw/routing.h>

struct extension_set;
struct router;

/* What a request asks: one routing attempt, or (sending, sendq.h) to
 * check a submitted document and make it TIFF Class F (senddoc.h). */
enum router_kind { ROUTER_ROUTE = 0, ROUTER_PREPARE = 1 };

/* One attempt of one method (all strings NUL-terminated within their
 * arrays).  PREPARE uses job_id (the upload's number, echoed), path (the
 * uploaded file), out_path and max_pages, nothing else. */
struct router_request {
	uint32_t kind;                         /* enum router_kind */
	char out_path[FGW_MAX_PATH];           /* PREPARE: where the TIFF goes */
	uint32_t max_pages;                    /* PREPARE: more pages are refused */
	uint64_t job_id;
	uint32_t port_id;
	char guid[FGW_GUID_LEN + 1];
	uint32_t data_len;                     /* <= FGW_MAX_ROUTING_DATA */
	unsigned char data[FGW_MAX_ROUTING_DATA];
	/* the fax (fgw_fax) */
	char path[FGW_MAX_PATH];
	char port_name[FGW_MAX_NAME];
	char remote_ident[FGW_MAX_IDENT + 1];
	char local_ident[FGW_MAX_IDENT + 1];
	char caller[FGW_MAX_ADDRESS];
	char t30_text[FGW_MAX_ERROR_TEXT];
	int64_t start_time, end_time;
	uint32_t pages, x_res, y_res, bit_rate;
	int32_t ecm, t30_status, partial;
	uint32_t degraded_pages, bad_rows, longest_bad_run;
	char degraded_list[FGW_MAX_DEGRADED_TEXT];
	char sip_call_id[FGW_MAX_SIP_IDENT];
	char sip_from[FGW_MAX_SIP_IDENT];
	char sip_to[FGW_MAX_SIP_IDENT];
	char sip_user_agent[FGW_MAX_SIP_IDENT];
	char transport[FGW_MAX_TRANSPORT_TEXT];
};

/* PREPARE: status FGW_ROUTE_OK and pages, or FGW_ROUTE_FAIL with the
 * reason in msg ("not a TIFF or PDF file", "page 2 is 1700 pixels wide
 * ...", "1000 pages: more than 500"). */
struct router_reply {
	uint32_t kind;                         /* the request's */
	uint32_t pages;                        /* PREPARE: pages of the TIFF written */
	uint64_t job_id;
	char guid[FGW_GUID_LEN + 1];
	int32_t status;                        /* fgw_route_status */
	char msg[FGW_MAX_ERROR_TEXT];
};

/* Forks the router process.  ext is the loaded extension set (the child
 * uses its copy).  Returns 0 or -1 with err. */
int router_start(const struct extension_set *ext, struct router **out, char *err, size_t errlen);
void router_free(struct router *r);
/* The parent's end of the socket pair (non-blocking), for the event loop. */
int router_fd(const struct router *r);
pid_t router_pid(const struct router *r);
/* Queues a request; 0, or -1 (socket full or router gone: errno set). */
int router_send(struct router *r, const struct router_request *rq);
/* Reads one reply: 1 got one, 0 nothing waiting, -1 the router is gone. */
int router_recv(struct router *r, struct router_reply *rp);

/* Runs fn once in a worker process (forked here) with the time limit
 * timeout_ms; the worker's result, or FGW_ROUTE_RETRY with the reason when
 * it crashed, hung or could not be started.  Usable from any process
 * that may fork (the router; tests). */
fgw_route_status router_attempt(const fgw_route_host *host, fgw_routing_fn fn,
                                const fgw_fax *fax, const void *data, size_t len,
                                unsigned timeout_ms, char *msg, size_t msglen);

/* Fills rq's fax fields / builds an fgw_fax view of a request (borrowing
 * its strings). */
void router_request_fax(const struct router_request *rq, fgw_fax *fax);

/* Handles one request in the calling process (what the router process
 * does for each message): looks the method up in ext and runs
 * router_attempt. */
void router_handle(const struct extension_set *ext, const struct router_request *rq,
                   struct router_reply *rp);

#endif
