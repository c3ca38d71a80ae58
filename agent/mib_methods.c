/*
 * mib_methods.c - FAXGW-MIB faxRoutingMethodTable (faxgwObjects 3),
 * INDEX { faxPortIndex, faxRoutingMethodIndex }, served from the cache's
 * container.  faxRoutingMethodEnabled and faxRoutingMethodData are
 * writable; the SET phases are in set.c.
 */
#include <string.h>

#include "agent.h"

static void methods_string(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

/* Counter32: the low 32 bits of faxgwd's 64-bit counts (RFC 2578 7.1.6). */
static void methods_counter(netsnmp_variable_list *vb, uint64_t v)
{
	u_long l = (u_long)(v & 0xffffffffu);
	snmp_set_var_typed_value(vb, ASN_COUNTER, &l, sizeof(l));
}

static int methods_value(netsnmp_variable_list *vb, const struct cache_method *m,
			 unsigned col)
{
	long truth;
	u_long u;

	switch (col) {
	case AGENT_MC_GUID: methods_string(vb, m->guid); return 0;
	case AGENT_MC_FUNCTION_NAME: methods_string(vb, m->function_name); return 0;
	case AGENT_MC_FRIENDLY_NAME: methods_string(vb, m->friendly_name); return 0;
	case AGENT_MC_EXT_IMAGE: methods_string(vb, m->ext_image); return 0;
	case AGENT_MC_EXT_NAME: methods_string(vb, m->ext_name); return 0;
	case AGENT_MC_ENABLED:
		truth = m->enabled ? AGENT_TRUE : AGENT_FALSE;
		snmp_set_var_typed_value(vb, ASN_INTEGER, &truth, sizeof(truth));
		return 0;
	case AGENT_MC_DATA:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, m->data, m->data_len);
		return 0;
	case AGENT_MC_PRIORITY:
		u = m->priority;
		snmp_set_var_typed_value(vb, ASN_UNSIGNED, &u, sizeof(u));
		return 0;
	case AGENT_MC_ROUTED: methods_counter(vb, m->routed); return 0;
	case AGENT_MC_FAILURES: methods_counter(vb, m->failures); return 0;
	case AGENT_MC_LAST_ERROR: methods_string(vb, m->last_error); return 0;
	default: return -1;
	}
}

static int methods_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	(void)reg;
	if (reqinfo->mode != MODE_GET)
		return set_handle(reqinfo, requests);
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		const struct cache_method *m;
		netsnmp_table_request_info *ti;

		if (r->processed)
			continue;
		m = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (m == NULL || ti == NULL) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (methods_value(r->requestvb, m, ti->colnum) != 0)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

static netsnmp_table_registration_info *methods_tinfo;

void mib_methods_shutdown(void)
{
	netsnmp_table_registration_info_free(methods_tinfo);
	methods_tinfo = NULL;
}

int mib_methods_init(void)
{
	static const oid root[] = { AGENT_MIB_OID, 1, AGENT_METHOD_TABLE };
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;

	reg = netsnmp_create_handler_registration("faxRoutingMethodTable", methods_handler,
						  root, OID_LENGTH(root), HANDLER_CAN_RWRITE);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (reg == NULL || ti == NULL)
		return -1;
	methods_tinfo = ti;
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, ASN_UNSIGNED, 0);
	ti->min_column = AGENT_MC_GUID;
	ti->max_column = AGENT_MC_LAST_ERROR;
	return netsnmp_container_table_register(reg, ti, cache_method_container(),
						TABLE_CONTAINER_KEY_NETSNMP_INDEX) ==
			       MIB_REGISTERED_OK ? 0 : -1;
}
