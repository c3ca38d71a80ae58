/*
 * sipcall.c - SDP bodies in and fax_call parameters out for the SIP
 * callers among the tools (sipcall.h).
 */
#include "sipcall.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_string.h>

#include "caps.h"

int sipcall_parse_body(const sip_t *sip, struct sdp_session *sess, char *why, size_t size)
{
	const sip_payload_t *pl = sip != NULL ? sip->sip_payload : NULL;
	const sip_content_type_t *ct = sip != NULL ? sip->sip_content_type : NULL;
	char err[FGW_MAX_ERROR_TEXT / 2];

	if (pl == NULL || pl->pl_len == 0) {
		snprintf(why, size, "no SDP in the message");
		return -1;
	}
	if (ct == NULL || ct->c_type == NULL || !su_casematch(ct->c_type, "application/sdp")) {
		snprintf(why, size, "the body is not application/sdp");
		return -1;
	}
	if (sdp_parse(pl->pl_data, pl->pl_len, sess, err, sizeof(err)) != SDP_OK) {
		snprintf(why, size, "bad SDP: %s", err);
		return -1;
	}
	return 0;
}

static enum udptl_ec sipcall_ec(enum sdp_t38_ec ec)
{
	return ec == SDP_T38_EC_FEC ? UDPTL_EC_FEC : ec == SDP_T38_EC_NONE ? UDPTL_EC_NONE
	                                                                    : UDPTL_EC_REDUNDANCY;
}

struct fax_call_params sipcall_media_params(const struct fax_call_params *base,
                                            const struct sdp_plan *plan)
{
	struct fax_call_params p = *base;
	struct fax_session_params *s = &p.session;

	if (plan->transport == SDP_TRANSPORT_T38) {
		s->mode = FAX_SESSION_T38;
		s->t38_version = (int)plan->t38.version;
		s->max_datagram = plan->t38_send_max_datagram > FGW_MAX_DATAGRAM
		                  ? FGW_MAX_DATAGRAM : (int)plan->t38_send_max_datagram;
		s->fill_bit_removal = (plan->t38.flags & SDP_T38_FILL_BIT_REMOVAL) != 0;
		p.ec = sipcall_ec(plan->t38.ec);
		if (p.ec == UDPTL_EC_FEC && p.ec_depth == 0)
			p.ec_depth = FAX_CALL_DEFAULT_EC_DEPTH;
	} else {
		s->mode = FAX_SESSION_AUDIO;
		s->use_alaw = plan->law == SDP_CODEC_PCMA;
		p.payload_type = plan->payload_type;
		p.ptime = plan->ptime;          /* what the peer asked to receive */
	}
	return p;
}

int sipcall_plan_addr(const struct sdp_plan *plan, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (plan->remote.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, plan->remote.bytes, 4);
		a->sin_port = htons(plan->remote_port);
		*len = sizeof(*a);
	} else if (plan->remote.family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, plan->remote.bytes, 16);
		a->sin6_port = htons(plan->remote_port);
		*len = sizeof(*a);
	} else {
		return -1;
	}
	return 0;
}

void sipcall_respond(nua_t *nua, nua_handle_t *nh, int status, const char *body,
		     const char *warning)
{
	nua_respond(nh, status, sip_status_phrase(status), NUTAG_WITH_THIS(nua),
		    TAG_IF(body != NULL, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		    TAG_IF(body != NULL, SIPTAG_PAYLOAD_STR(body)),
		    TAG_IF(warning != NULL, SIPTAG_WARNING_STR(warning)),
		    NUTAG_AUTOANSWER(0), TAG_END());
}
