/*
 * mib_ext.c - FAXGW-MIB faxgwExtensionTable (faxgwObjects 5), INDEX
 * faxgwExtensionIndex, served from the cache's container.
 */
#include <string.h>

#include "agent.h"

static int extensions_value(netsnmp_variable_list *vb, const void *row, unsigned col)
{
	const struct cache_ext *e = row;

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

static const oid extensions_root[] = { AGENT_MIB_OID, 1, AGENT_EXT_TABLE };
static struct mib_rotable extensions_table = {
	.name = "faxgwExtensionTable",
	.root = extensions_root,
	.rootlen = OID_LENGTH(extensions_root),
	.min_column = AGENT_EC_IMAGE,
	.max_column = AGENT_EC_METHOD_COUNT,
	.value = extensions_value,
};

void mib_ext_shutdown(void)
{
	mib_rotable_shutdown(&extensions_table);
}

int mib_ext_init(void)
{
	extensions_table.container = cache_ext_container();
	return mib_rotable_register(&extensions_table);
}
