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

/* The columns about calls: a t38 or audio port takes one call at a time;
 * a sip port's come from faxgwd's SIP settings (cache_sip.c). */
static int ports_calls(netsnmp_variable_list *vb, const struct cache_port *p, unsigned col)
{
	const struct cache_sip_port *sp = NULL;
	int busy = p->state == FGW_PORT_RECEIVING || p->state == FGW_PORT_SENDING;

	if (p->transport == FGW_TRANSPORT_SIP)
		sp = cache_sip_port(p->id);
	switch (col) {
	case AGENT_PC_CHANNELS:
		ports_typed(vb, ASN_GAUGE, p->transport != FGW_TRANSPORT_SIP ? 1
					   : sp != NULL ? (long)sp->channels : 0);
		return 0;
	case AGENT_PC_ACTIVE_CALLS:
		ports_typed(vb, ASN_GAUGE, p->transport != FGW_TRANSPORT_SIP ? busy
					   : sp != NULL ? (long)sp->calls : 0);
		return 0;
	default:
		ports_string(vb, sp != NULL ? sp->users : "");
		return 0;
	}
}

static int ports_value(netsnmp_variable_list *vb, const void *row, unsigned col)
{
	const struct cache_port *p = row;

	switch (col) {
	case AGENT_PC_NAME: ports_string(vb, p->name); return 0;
	case AGENT_PC_TRANSPORT: ports_typed(vb, ASN_INTEGER, p->transport); return 0;
	case AGENT_PC_LOCAL_ADDRESS: ports_string(vb, p->local_address); return 0;
	case AGENT_PC_STATE: ports_typed(vb, ASN_INTEGER, p->state); return 0;
	case AGENT_PC_FAXES_RECEIVED: ports_counter(vb, p->faxes_received); return 0;
	case AGENT_PC_PAGES_RECEIVED: ports_counter(vb, p->pages_received); return 0;
	case AGENT_PC_FAXES_FAILED: ports_counter(vb, p->faxes_failed); return 0;
	case AGENT_PC_ROUTING_FAILURES: ports_counter(vb, p->routing_failures); return 0;
	case AGENT_PC_FAXES_SENT: ports_counter(vb, p->faxes_sent); return 0;
	case AGENT_PC_PAGES_SENT: ports_counter(vb, p->pages_sent); return 0;
	case AGENT_PC_SEND_FAILURES: ports_counter(vb, p->send_failures); return 0;
	case AGENT_PC_LAST_REMOTE_IDENT: ports_string(vb, p->last_remote_ident); return 0;
	case AGENT_PC_LOCAL_IDENT: ports_string(vb, p->local_ident); return 0;
	case AGENT_PC_MODIFY_HELD:
		ports_typed(vb, ASN_INTEGER, p->modify_held ? AGENT_TRUE : AGENT_FALSE);
		return 0;
	case AGENT_PC_CHANNELS:
	case AGENT_PC_ACTIVE_CALLS:
	case AGENT_PC_SIP_USERS:
		return ports_calls(vb, p, col);
	default: return -1;
	}
}

static const oid ports_root[] = { AGENT_MIB_OID, 1, AGENT_PORT_TABLE };
static struct mib_rotable ports_table = {
	.name = "faxPortTable",
	.root = ports_root,
	.rootlen = OID_LENGTH(ports_root),
	.min_column = AGENT_PC_NAME,
	.max_column = AGENT_PC_SEND_FAILURES,
	.value = ports_value,
};

void mib_ports_shutdown(void)
{
	mib_rotable_shutdown(&ports_table);
}

int mib_ports_init(void)
{
	ports_table.container = cache_port_container();
	return mib_rotable_register(&ports_table);
}
