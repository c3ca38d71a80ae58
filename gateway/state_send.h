/*
 * state_send.h - the state database's send jobs (sendq.h): rows of the
 * jobs table with direction FGW_DIR_SEND (struct state_job, state.h,
 * inserted with state_job_insert and updated with state_job_update), and
 * the ports' send counters.  Every function: 0, or -1 with the reason in
 * err.  Main thread only, like the rest of state.h.
 */
#ifndef FAXGW_STATE_SEND_H
#define FAXGW_STATE_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* Up to max QUEUED send jobs due at now_ms (wall clock ms), oldest
 * deadline first. */
int state_send_due(struct state *st, uint64_t now_ms, uint64_t *ids, size_t max, size_t *n,
		   char *err, size_t errlen);
/* The earliest deadline of a QUEUED send job (*found 0: none). */
int state_send_next(struct state *st, uint64_t *ms, int *found, char *err, size_t errlen);
/* Start-up: send jobs left DIALING or SENDING by a faxgwd that died are
 * QUEUED again, due now (the attempt they were in stays counted). */
int state_send_requeue(struct state *st, unsigned *n, char *err, size_t errlen);
/* What the last call of a send job gave: pages confirmed, the far end's
 * ident, the call's metadata text (spool.h format), its SIP final
 * response, transport and Call-ID. */
struct state_send_result {
	uint32_t pages;
	const char *remote_ident;
	const char *meta;
	uint32_t sip_status;
	const char *transport;
	const char *call_id;
};
int state_send_result(struct state *st, uint64_t id, const struct state_send_result *r,
		      char *err, size_t errlen);
/* Port counters: a fax sent (pages confirmed), a send job failed for good. */
int state_count_sent(struct state *st, uint32_t port_id, uint32_t pages, char *err,
		     size_t errlen);
int state_count_send_failed(struct state *st, uint32_t port_id, char *err, size_t errlen);

#endif
