/*
 * mib_rotable.c - a read-only FAXGW-MIB table served from a cache
 * container (faxPortTable, faxgwExtensionTable): one handler that answers
 * GET through the table's value function and refuses every SET with
 * notWritable (RFC 3416 4.2.5).
 */
#include "agent.h"

static int rotable_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct mib_rotable *t = reg->my_reg_void;

	(void)handler;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		const void *row;
		netsnmp_table_request_info *ti;

		if (r->processed)
			continue;
		if (reqinfo->mode != MODE_GET) {
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			continue;
		}
		row = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (row == NULL || ti == NULL) {
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (t->value(r->requestvb, row, ti->colnum) != 0)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

int mib_rotable_register(struct mib_rotable *t)
{
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;

	reg = netsnmp_create_handler_registration(t->name, rotable_handler, t->root, t->rootlen,
						  HANDLER_CAN_RONLY);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (reg == NULL || ti == NULL)
		return -1;
	reg->my_reg_void = t;
	t->tinfo = ti;
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, 0);
	ti->min_column = t->min_column;
	ti->max_column = t->max_column;
	return netsnmp_container_table_register(reg, ti, t->container,
						TABLE_CONTAINER_KEY_NETSNMP_INDEX) ==
			       MIB_REGISTERED_OK ? 0 : -1;
}

void mib_rotable_shutdown(struct mib_rotable *t)
{
	netsnmp_table_registration_info_free(t->tinfo);
	t->tinfo = NULL;
}
