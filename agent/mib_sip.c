/*
 * mib_sip.c - FAXGW-MIB faxgwSip scalars (faxgwObjects 7), served from
 * cache_sip.c.  Read-only: SETs get notWritable.
 */
#include "agent.h"

#define SIP_ROOT_LEN (AGENT_MIB_OID_LEN + 2) /* faxgwMIB.1.7 */

/* Counter32: the low 32 bits of faxgwd's 64-bit counts (RFC 2578 7.1.6). */
static void sip_counter(netsnmp_variable_list *vb, uint64_t v)
{
	u_long l = (u_long)(v & 0xffffffffu);

	snmp_set_var_typed_value(vb, ASN_COUNTER, &l, sizeof(l));
}

static int sip_value(netsnmp_variable_list *vb, oid which)
{
	const fgw_sip_stats *s = cache_sip_stats();
	long truth = s->running ? AGENT_TRUE : AGENT_FALSE;
	u_long calls = s->calls;

	switch (which) {
	case AGENT_SIP_RUNNING:
		snmp_set_var_typed_value(vb, ASN_INTEGER, &truth, sizeof(truth));
		return 0;
	case AGENT_SIP_CALLS:
		snmp_set_var_typed_value(vb, ASN_GAUGE, &calls, sizeof(calls));
		return 0;
	case AGENT_SIP_INVITES: sip_counter(vb, s->invites); return 0;
	case AGENT_SIP_ANSWERED: sip_counter(vb, s->answered); return 0;
	case AGENT_SIP_REJECTED_3XX: sip_counter(vb, s->rejected[3]); return 0;
	case AGENT_SIP_REJECTED_4XX: sip_counter(vb, s->rejected[4]); return 0;
	case AGENT_SIP_REJECTED_5XX: sip_counter(vb, s->rejected[5]); return 0;
	case AGENT_SIP_REJECTED_6XX: sip_counter(vb, s->rejected[6]); return 0;
	case AGENT_SIP_T38_SENT: sip_counter(vb, s->t38_sent); return 0;
	case AGENT_SIP_T38_ACCEPTED: sip_counter(vb, s->t38_accepted); return 0;
	case AGENT_SIP_T38_REFUSED: sip_counter(vb, s->t38_refused); return 0;
	case AGENT_SIP_T38_PEER: sip_counter(vb, s->t38_peer); return 0;
	case AGENT_SIP_REFRESHES: sip_counter(vb, s->refreshes); return 0;
	default: return -1;
	}
}

static int sip_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
		       netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	(void)reg;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;

		if (r->processed)
			continue;
		if (reqinfo->mode != MODE_GET) {
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			continue;
		}
		/* The scalar_group helper has appended the instance: the
		 * object is the subidentifier after faxgwSip. */
		if (vb->name_length <= SIP_ROOT_LEN || sip_value(vb, vb->name[SIP_ROOT_LEN]) != 0)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

int mib_sip_init(void)
{
	static const oid root[] = { AGENT_MIB_OID, 1, AGENT_SIP };
	netsnmp_handler_registration *reg;

	reg = netsnmp_create_handler_registration("faxgwSip", sip_handler, root,
						  OID_LENGTH(root), HANDLER_CAN_RONLY);
	if (reg == NULL)
		return -1;
	return netsnmp_register_scalar_group(reg, AGENT_SIP_RUNNING, AGENT_SIP_REFRESHES) ==
			       MIB_REGISTERED_OK ? 0 : -1;
}
