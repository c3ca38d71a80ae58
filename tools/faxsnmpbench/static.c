/*
 * static.c - the reference of the SNMP benchmark: a bare AgentX
 * subagent (RFC 2741) serving one table of faxRoutingMethodTable's shape
 * (INDEX { port, method }, columns 2..12 with the same types) from a
 * static array, through the same Net-SNMP helper as faxgw-agent
 * (table_container keyed by netsnmp_index), with no cache, no faxgwd and
 * no SET.  What faxgw-agent costs beyond this is its own.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faxsnmpbench.h"

#include <net-snmp/agent/net-snmp-agent-includes.h>

struct sb_row {
	netsnmp_index idx;
	oid idx_oid[2];
	char guid[40];
	char function_name[32];
	char friendly_name[32];
	char image[64];
	char ext_name[32];
	long enabled;
	char data[64];
	u_long priority, routed, failures;
	char last_error[16];
};

static volatile sig_atomic_t sb_stop;

static void sb_on_term(int sig)
{
	(void)sig;
	sb_stop = 1;
}

static void sb_string(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

static int sb_value(netsnmp_variable_list *vb, const struct sb_row *r, unsigned col)
{
	switch (col) {
	case 2: sb_string(vb, r->guid); return 0;
	case 3: sb_string(vb, r->function_name); return 0;
	case 4: sb_string(vb, r->friendly_name); return 0;
	case 5: sb_string(vb, r->image); return 0;
	case 6: sb_string(vb, r->ext_name); return 0;
	case 7: snmp_set_var_typed_value(vb, ASN_INTEGER, &r->enabled, sizeof(r->enabled)); return 0;
	case 8: sb_string(vb, r->data); return 0;
	case 9: snmp_set_var_typed_value(vb, ASN_UNSIGNED, &r->priority, sizeof(r->priority)); return 0;
	case 10: snmp_set_var_typed_value(vb, ASN_COUNTER, &r->routed, sizeof(r->routed)); return 0;
	case 11: snmp_set_var_typed_value(vb, ASN_COUNTER, &r->failures, sizeof(r->failures)); return 0;
	case 12: sb_string(vb, r->last_error); return 0;
	default: return -1;
	}
}

static int sb_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
		      netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	(void)reg;
	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		const struct sb_row *row;
		netsnmp_table_request_info *ti;

		if (r->processed)
			continue;
		row = netsnmp_container_table_row_extract(r);
		ti = netsnmp_extract_table_info(r);
		if (row == NULL || ti == NULL)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
		else if (sb_value(r->requestvb, row, ti->colnum) != 0)
			netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
	}
	return SNMP_ERR_NOERROR;
}

static void sb_fill(struct sb_row *r, unsigned port, unsigned method)
{
	static const char *const names[SB_METHODS] = { "Folder", "Email", "Print", "Program", "Url" };

	r->idx_oid[0] = port;
	r->idx_oid[1] = method;
	r->idx.oids = r->idx_oid;
	r->idx.len = 2;
	snprintf(r->guid, sizeof(r->guid), "{%08x-0000-4000-8000-%012x}", method, port);
	snprintf(r->function_name, sizeof(r->function_name), "Route%s", names[method - 1]);
	snprintf(r->friendly_name, sizeof(r->friendly_name), "%s method", names[method - 1]);
	snprintf(r->image, sizeof(r->image), "/usr/lib/faxgw/routing/%s.so", names[method - 1]);
	snprintf(r->ext_name, sizeof(r->ext_name), "%s extension", names[method - 1]);
	r->enabled = method == 1 ? 1 : 2;
	snprintf(r->data, sizeof(r->data), method == 1 ? "/srv/fax/port-%u" : "", port);
	r->priority = method;
	r->routed = port;
	r->failures = 0;
	r->last_error[0] = '\0';
}

static int sb_register(struct sb_row *rows, unsigned ports)
{
	static const oid root[] = { SB_STATIC_TABLE };
	netsnmp_container *c = netsnmp_container_find("table_container");
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *ti;

	reg = netsnmp_create_handler_registration("sbStaticTable", sb_handler, root,
						  OID_LENGTH(root), HANDLER_CAN_RONLY);
	ti = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (c == NULL || reg == NULL || ti == NULL)
		return -1;
	for (unsigned p = 0; p < ports; p++) {
		for (unsigned m = 0; m < SB_METHODS; m++) {
			struct sb_row *r = &rows[p * SB_METHODS + m];
			sb_fill(r, p + 1, m + 1);
			if (CONTAINER_INSERT(c, r) != 0)
				return -1;
		}
	}
	netsnmp_table_helper_add_indexes(ti, ASN_UNSIGNED, ASN_UNSIGNED, 0);
	ti->min_column = 2;
	ti->max_column = 12;
	return netsnmp_container_table_register(reg, ti, c, TABLE_CONTAINER_KEY_NETSNMP_INDEX) ==
			       MIB_REGISTERED_OK ? 0 : -1;
}

int sb_static_main(const char *agentx_socket, unsigned ports)
{
	struct sb_row *rows;
	struct sigaction sa;

	if (ports == 0 || ports > SB_MAX_PORTS)
		return 2;
	rows = calloc((size_t)ports * SB_METHODS, sizeof(*rows));
	if (rows == NULL)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sb_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	snmp_enable_stderrlog();
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, agentx_socket);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/dev/null", 1);
	init_agent("faxsnmpbench-static");
	if (sb_register(rows, ports) != 0) {
		fprintf(stderr, "faxsnmpbench: cannot register the static table\n");
		return 1;
	}
	init_snmp("faxsnmpbench-static");
	while (!sb_stop)
		agent_check_and_process(1);
	snmp_shutdown("faxsnmpbench-static");
	/* rows stay allocated: the container still points at them */
	return 0;
}
