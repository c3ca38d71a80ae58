/*
 * t38sdp.h - the T.38 attributes of an image stream (ITU-T T.38 Annex D,
 * RFC 3362): reading one attribute, the Annex D answer, writing them.
 * Internal to gateway/sip/ (sdp.c uses it); the types are in sdp_model.h.
 */
#ifndef FAXGW_SIP_T38SDP_H
#define FAXGW_SIP_T38SDP_H

#include <stdbool.h>
#include <stddef.h>

#include "fgwx_buf.h"
#include "sdp_model.h"

/*
 * Reads the attribute `name[:value]` (name nlen bytes; has_value when a
 * colon followed it) into t.  Returns SDP_OK with *known = false when name
 * is not a T.38 attribute we read (the caller ignores it), SDP_E_T38 or
 * SDP_E_DUPLICATE with *why set to a static reason.
 */
enum sdp_err t38sdp_parse_attr(const char *name, size_t nlen, bool has_value,
			       const char *value, size_t vlen, struct sdp_t38 *t,
			       bool *known, const char **why);

/*
 * The Annex D answer to the peer's attributes `peer` from a port's
 * settings: the result goes to *out, the largest UDPTL datagram we may
 * send to the peer to *send_limit.  Also used on the peer's answer to our
 * offer: the same minimums hold.
 */
void t38sdp_negotiate(const struct sdp_t38 *peer, const struct sdp_settings *s,
		      struct sdp_t38 *out, uint32_t *send_limit);

/* Our own offer's attributes from a port's settings (bare booleans). */
void t38sdp_ours(const struct sdp_settings *s, struct sdp_t38 *out);

/* Appends t's attributes as a= lines (CRLF), in the order Asterisk writes. */
void t38sdp_write(const struct sdp_t38 *t, struct fgwx_buf *o);

#endif
