/*
 * sendq_stub_TEMP.c - TEMPORARY: remove at merge.  Stands in for the
 * three reports of gateway/sendq.c (written in its own branch) so that
 * the SIP side of sending links on this branch: each report is only
 * logged, no job changes state.
 */
#include "sendq.h"

#include <inttypes.h>

#include "log.h"

void core_send_answered(struct core *c, uint64_t job_id, const char *call_id)
{
	(void)c;
	log_notice("sendq (stub): job %" PRIu64 " answered, call %s", job_id, call_id);
}

void core_send_dial_failed(struct core *c, uint64_t job_id, int sip_status, const char *reason)
{
	(void)c;
	log_notice("sendq (stub): job %" PRIu64 " dial failed: %d %s", job_id, sip_status, reason);
}

void core_send_outcome(struct core *c, const struct send_outcome *o)
{
	(void)c;
	log_notice("sendq (stub): job %" PRIu64 " on port %u: %d of %d page(s) sent, %s, T.30 %d "
		   "'%s', %s, peer %s, call %s, %" PRIu64 " s", o->job_id, (unsigned)o->port_id,
		   o->fax.pages, o->fax.pages_in_file, o->fax.success ? "complete" : "incomplete",
		   o->fax.t30_status, o->fax.t30_text, o->transport, o->peer, o->call_id,
		   o->end_time - o->start_time);
}
