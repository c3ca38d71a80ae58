/*
 * mib_ext.c - FAXGW-MIB faxgwExtensionTable (faxgwObjects 5), INDEX
 * faxgwExtensionIndex, served from the cache's container.
 */
#include <string.h>

#include "agent.h"

static int ext_value(netsnmp_variable_list *vb, const struct cache_ext *e, unsigned col)
{
	long v;
	u_long g;

	switch (col) {
	case AGENT_EC_IMAGE:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, e->image, strlen(e->image));
		return 0;
	case AGENT_EC_NAME:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, e->name, strlen(e->name));
		return 0;
	case AGENT_EC_STATUS:
		v = e->loaded ? 1 : 2;
		snmp_set_var_typed_value(vb, ASN_INTEGER, &v, sizeof(v));
		return 0;
	case AGENT_EC_LOAD_ERROR:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, e->error, strlen(e->error));
		return 0;
	case AGENT_EC_METHOD_COUNT:
		g = e->method_count;
		snmp_set_var_typed_value(vb, ASN_GAUGE, &g, sizeof(g));
		return 0;
	default:
		return -1;
	}
}

static int ext_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
		       netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	(void)reg;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		const struct cache_ext *e;
		netsnmp_table_request_info *ti;

		if (r->processed)
			continue;
		if (reqinfo->mode != MODE_GET) {
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			continue;
		}
		e = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (e == NULL || ti == NULL) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (ext_value(r->requestvb, e, ti->colnum) != 0)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

static netsnmp_table_registration_info *ext_tinfo;

void mib_ext_shutdown(void)
{
	netsnmp_table_registration_info_free(ext_tinfo);
	ext_tinfo = NULL;
}

int mib_ext_init(void)
{
	static const oid root[] = { AGENT_MIB_OID, 1, AGENT_EXT_TABLE };
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;

	reg = netsnmp_create_handler_registration("faxgwExtensionTable", ext_handler, root,
						  OID_LENGTH(root), HANDLER_CAN_RONLY);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (reg == NULL || ti == NULL)
		return -1;
	ext_tinfo = ti;
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = AGENT_EC_IMAGE;
	ti->max_column = AGENT_EC_METHOD_COUNT;
	return netsnmp_container_table_register(reg, ti, cache_ext_container(),
						TABLE_CONTAINER_KEY_NETSNMP_INDEX) ==
			       MIB_REGISTERED_OK ? 0 : -1;
}
