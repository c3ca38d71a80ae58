/*
 * sipcall.h - what a SIP caller tool does with offer/answer once sofia-sip
 * has handed it a message: the SDP body of a message parsed (gateway/sip's
 * strict parser), and the fax_call that a media plan (RFC 3264) calls for.
 * Shared by faxpeer (one call) and faxbench (--transport sip, many calls);
 * faxgwd has its own in gateway/sip.  Plain functions, no state: callable
 * from any thread, on its own values.
 */
#ifndef FAXGW_SIPCALL_H
#define FAXGW_SIPCALL_H

#include <stddef.h>
#include <sys/socket.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include "fax_call.h"
#include "sdp.h"

/* The SDP body of sip (NULL: none) parsed into *sess: 0, or -1 with the
 * reason in why[0..size) (no body, not application/sdp, bad SDP). */
int sipcall_parse_body(const sip_t *sip, struct sdp_session *sess, char *why, size_t size);

/* The fax_call parameters for a plan: *base (a caller's own settings), with
 * what the SDP decided: G.711 law, payload type and packet time; or T.38
 * version, datagram size, UDPTL error recovery and fill-bit removal. */
struct fax_call_params sipcall_media_params(const struct fax_call_params *base,
                                            const struct sdp_plan *plan);

/* The plan's remote media address as a socket address: 0, or -1 when the
 * plan names no IPv4/IPv6 address. */
/* Answers the request of nh (on nua) with status, an SDP body and a
 * Warning value when given, and never lets nua answer by itself
 * (NUTAG_AUTOANSWER(0)). */
void sipcall_respond(nua_t *nua, nua_handle_t *nh, int status, const char *body,
		     const char *warning);
int sipcall_plan_addr(const struct sdp_plan *plan, struct sockaddr_storage *ss, socklen_t *len);

#endif
