/*
 * mib_scalars.c - FAXGW-MIB faxgwGateway scalars (faxgwObjects 1), served
 * from the cache.  Read-only: the registration refuses SETs (notWritable).
 */
#include <string.h>
#include <time.h>

#include "agent.h"

#define SCALARS_ROOT_LEN (AGENT_MIB_OID_LEN + 2) /* faxgwMIB.1.1 */

/* RFC 2579 DateAndTime of a Unix time, UTC with an explicit "+0:0". */
size_t mib_scalars_date(uint64_t t, u_char out[11])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		memset(out, 0, 8);
		return 8;
	}
	int year = tm.tm_year + 1900;
	out[0] = (u_char)(year >> 8);
	out[1] = (u_char)year;
	out[2] = (u_char)(tm.tm_mon + 1);
	out[3] = (u_char)tm.tm_mday;
	out[4] = (u_char)tm.tm_hour;
	out[5] = (u_char)tm.tm_min;
	out[6] = (u_char)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	out[7] = 0;
	out[8] = '+';
	out[9] = 0;
	out[10] = 0;
	return 11;
}

static void scalars_gauge(netsnmp_variable_list *vb, uint32_t v)
{
	u_long l = v;
	snmp_set_var_typed_value(vb, ASN_GAUGE, &l, sizeof(l));
}

static int scalars_value(netsnmp_variable_list *vb, oid which)
{
	const struct cache_gateway *gw = cache_gateway();
	u_char date[11];
	long truth;

	switch (which) {
	case AGENT_SC_VERSION:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, gw->version, strlen(gw->version));
		return 0;
	case AGENT_SC_PORT_COUNT:
		scalars_gauge(vb, gw->port_count);
		return 0;
	case AGENT_SC_ACTIVE_CALLS:
		scalars_gauge(vb, gw->active_calls);
		return 0;
	case AGENT_SC_SPOOL_PENDING:
		scalars_gauge(vb, gw->spool_pending);
		return 0;
	case AGENT_SC_DEAD_LETTERS:
		scalars_gauge(vb, gw->dead_letters);
		return 0;
	case AGENT_SC_EXT_LOAD_FAILURES:
		scalars_gauge(vb, gw->extension_load_failures);
		return 0;
	case AGENT_SC_CONTROL_CONNECTED:
		truth = cache_connected() ? AGENT_TRUE : AGENT_FALSE;
		snmp_set_var_typed_value(vb, ASN_INTEGER, &truth, sizeof(truth));
		return 0;
	case AGENT_SC_START_TIME:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, date,
					 mib_scalars_date(gw->start_time, date));
		return 0;
	case AGENT_SC_SPOOL_UNROUTED:
		scalars_gauge(vb, gw->unrouted);
		return 0;
	case AGENT_SC_JOB_MAX_ROWS: {
		u_long max = AGENT_JOB_MAX_ROWS;

		snmp_set_var_typed_value(vb, ASN_UNSIGNED, &max, sizeof(max));
		return 0;
	}
	default:
		return -1;
	}
}

static int scalars_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
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
		/* The scalar_group helper has appended the instance to the
		 * registration's OID: the object is the subidentifier after
		 * faxgwGateway, at a fixed place. */
		if (vb->name_length <= SCALARS_ROOT_LEN ||
		    scalars_value(vb, vb->name[SCALARS_ROOT_LEN]) != 0)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

int mib_scalars_init(void)
{
	static const oid root[] = { AGENT_MIB_OID, 1, AGENT_GATEWAY };
	netsnmp_handler_registration *reg;

	reg = netsnmp_create_handler_registration("faxgwGateway", scalars_handler, root,
						  OID_LENGTH(root), HANDLER_CAN_RONLY);
	if (reg == NULL)
		return -1;
	return netsnmp_register_scalar_group(reg, AGENT_SC_VERSION, AGENT_SC_JOB_MAX_ROWS) ==
			       MIB_REGISTERED_OK ? 0 : -1;
}
