/*
 * mib_ports.c - FAXGW-MIB faxPortTable (faxgwObjects 2), INDEX
 * faxPortIndex, served from the cache's container (table_container).
 */
#include <string.h>

#include "agent.h"

static void ports_string(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

static void ports_typed(netsnmp_variable_list *vb, u_char type, long v)
{
	snmp_set_var_typed_value(vb, type, &v, sizeof(v));
}

/* Counter32: the low 32 bits of faxgwd's 64-bit counts (RFC 2578 7.1.6). */
static void ports_counter(netsnmp_variable_list *vb, uint64_t v)
{
	u_long l = (u_long)(v & 0xffffffffu);
	snmp_set_var_typed_value(vb, ASN_COUNTER, &l, sizeof(l));
}

static int ports_value(netsnmp_variable_list *vb, const struct cache_port *p, unsigned col)
{
	switch (col) {
	case AGENT_PC_NAME: ports_string(vb, p->name); return 0;
	case AGENT_PC_TRANSPORT: ports_typed(vb, ASN_INTEGER, p->transport); return 0;
	case AGENT_PC_LOCAL_ADDRESS: ports_string(vb, p->local_address); return 0;
	case AGENT_PC_STATE: ports_typed(vb, ASN_INTEGER, p->state); return 0;
	case AGENT_PC_FAXES_RECEIVED: ports_counter(vb, p->faxes_received); return 0;
	case AGENT_PC_PAGES_RECEIVED: ports_counter(vb, p->pages_received); return 0;
	case AGENT_PC_FAXES_FAILED: ports_counter(vb, p->faxes_failed); return 0;
	case AGENT_PC_ROUTING_FAILURES: ports_counter(vb, p->routing_failures); return 0;
	case AGENT_PC_LAST_REMOTE_IDENT: ports_string(vb, p->last_remote_ident); return 0;
	case AGENT_PC_LOCAL_IDENT: ports_string(vb, p->local_ident); return 0;
	case AGENT_PC_MODIFY_HELD:
		ports_typed(vb, ASN_INTEGER, p->modify_held ? AGENT_TRUE : AGENT_FALSE);
		return 0;
	default: return -1;
	}
}

static int ports_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			 netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	(void)reg;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		const struct cache_port *p;
		netsnmp_table_request_info *ti;

		if (r->processed)
			continue;
		if (reqinfo->mode != MODE_GET) {
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			continue;
		}
		p = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (p == NULL || ti == NULL) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (ports_value(r->requestvb, p, ti->colnum) != 0)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

static netsnmp_table_registration_info *ports_tinfo;

void mib_ports_shutdown(void)
{
	netsnmp_table_registration_info_free(ports_tinfo);
	ports_tinfo = NULL;
}

int mib_ports_init(void)
{
	static const oid root[] = { AGENT_MIB_OID, 1, AGENT_PORT_TABLE };
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;

	reg = netsnmp_create_handler_registration("faxPortTable", ports_handler, root,
						  OID_LENGTH(root), HANDLER_CAN_RONLY);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (reg == NULL || ti == NULL)
		return -1;
	ports_tinfo = ti;
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = AGENT_PC_NAME;
	ti->max_column = AGENT_PC_MODIFY_HELD;
	return netsnmp_container_table_register(reg, ti, cache_port_container(),
						TABLE_CONTAINER_KEY_NETSNMP_INDEX) ==
			       MIB_REGISTERED_OK ? 0 : -1;
}
