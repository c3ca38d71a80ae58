/*
 * sdp.h - the SDP of a fax gateway: a strict, bounded parser of session
 * descriptions (RFC 4566), the offer/answer decisions (RFC 3264) for G.711
 * audio and T.38 image streams (RFC 3362, ITU-T T.38 Annex D), and a writer
 * of our answers and offers.  No sofia-sip here: the SIP thread hands in a
 * body as bytes and gets plain values back.
 *
 * Everything is allocation-free, with fixed-size structs (caps in caps.h),
 * and thread-agnostic: no global state, every function re-entrant.
 *
 *   sdp_parse()          bytes -> struct sdp_session (the whole body or an
 *                        error and a zeroed session, never a partial one)
 *   sdp_answer()         offer + port settings -> struct sdp_answer: 200
 *                        with a struct sdp_plan, or 488 with a Warning text
 *   sdp_plan_from_answer()  our offer's settings + the peer's answer -> plan
 *   sdp_plan_same_media()   whether a re-INVITE keeps the media (a refresh)
 *   sdp_write_answer()   the answer as SDP text
 *   sdp_write_offer()    our own offer: image-only T.38 (the re-INVITE that
 *                        Asterisk and FreeSWITCH send) or G.711 audio
 */
#ifndef FAXGW_SIP_SDP_H
#define FAXGW_SIP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp_model.h"

/* Returns a static English description of an enum sdp_err value (any int). */
const char *sdp_strerror(int err);

/*
 * Parses an SDP body of len bytes (not NUL-terminated; CRLF or LF line
 * ends).  On SDP_OK *out holds the session; on error *out is zeroed and
 * err (if not NULL) receives "line N: reason".  Never reads outside
 * buf[0..len).  Unknown line types and attributes are ignored; attribute
 * names are compared without case.
 */
enum sdp_err sdp_parse(const char *buf, size_t len, struct sdp_session *out,
		       char *err, size_t errlen);


/*
 * Decides the answer to an offer (RFC 3264 6): an image stream where the
 * port allows T.38, else the first audio stream with the first law of
 * settings->codecs it offers; every other m= line is answered with port 0.
 * SDP_OK with status 200, SDP_E_NOT_ACCEPTABLE with status 488 and a
 * warning, SDP_E_INVAL for NULL or invalid settings.  Pure function.
 */
enum sdp_err sdp_answer(const struct sdp_session *offer, const struct sdp_settings *settings,
			struct sdp_answer *out);

/*
 * The plan for the peer's answer to our own offer (sdp_write_offer() of
 * kind want): the accepted stream of that kind, the same Annex D rules
 * applied (an answer above what we offered is clamped to ours).
 * SDP_E_NOT_ACCEPTABLE when the peer refused it (port 0 or missing).
 */
enum sdp_err sdp_plan_from_answer(const struct sdp_session *answer,
				  const struct sdp_settings *settings,
				  enum sdp_transport want, struct sdp_plan *out);

/*
 * True when a and b send the same media the same way (transport, remote
 * address and port, direction; law, payload type and ptime, or the T.38
 * parameters and send limit); media_index is not compared.  A re-INVITE
 * or UPDATE whose answer plan is the same as the current one is a session
 * refresh: answer it, leave the media alone (restarting the media of a
 * refresh is a known way gateways lose pages).
 */
bool sdp_plan_same_media(const struct sdp_plan *a, const struct sdp_plan *b);

/* Returns "sendrecv", "sendonly", ... (static). */
const char *sdp_dir_name(enum sdp_dir dir);

/* ----- writer ------------------------------------------------------------------ */

/* Our side of a session description. */
struct sdp_local {
	const char *addr;              /* numeric IPv4 or IPv6 address for o= and c= */
	uint16_t port;                 /* our RTP or UDPTL port (not 0) */
	uint64_t session_id;           /* o= sess-id, stable for the dialog */
	uint64_t session_version;      /* o= sess-version, +1 for each new offer/answer */
};

/*
 * Writes the answer to `offer` decided by sdp_answer() (status 200) into
 * buf[0..size) as a NUL-terminated CRLF body; its length to *out_len.
 * Every m= line of the offer appears in order (RFC 3264 6); the ones not
 * accepted with port 0.  SDP_E_NO_SPACE when it does not fit.
 */
enum sdp_err sdp_write_answer(const struct sdp_session *offer, const struct sdp_answer *ans,
			      const struct sdp_local *local, char *buf, size_t size,
			      size_t *out_len);

/*
 * Writes our own offer: SDP_TRANSPORT_T38 gives one `m=image PORT udptl
 * t38` line with our T.38 attributes (bare booleans), SDP_TRANSPORT_AUDIO
 * one `m=audio PORT RTP/AVP` line with settings->codecs in order.
 */
enum sdp_err sdp_write_offer(const struct sdp_settings *settings, enum sdp_transport kind,
			     const struct sdp_local *local, char *buf, size_t size,
			     size_t *out_len);

#endif
