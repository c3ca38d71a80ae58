/*
 * notify.c - faxgwd events -> FAXGW-MIB notifications (SNMPv2-Trap-PDU,
 * RFC 3416 4.2.6: sysUpTime.0 and snmpTrapOID.0 first, then the
 * NOTIFICATION-TYPE's OBJECTS).  Over AgentX a subagent hands them to
 * snmpd in a Notify-PDU (RFC 2741 6.2.10); snmpd sends them to its
 * configured destinations.  The varbinds come from the cache, which the
 * event has just refreshed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "agent.h"

static const oid notify_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 }; /* snmpTrapOID.0 */

struct notify_pdu {
	netsnmp_variable_list *vars;
};

/* Appends root.sub.idx... (idx_len subidentifiers). */
static void notify_add(struct notify_pdu *p, oid table, oid column_entry, oid column,
		       const oid *idx, size_t idx_len, u_char type, const void *val, size_t len)
{
	oid name[MAX_OID_LEN] = { AGENT_MIB_OID, 1 };
	size_t n = AGENT_MIB_OID_LEN + 1;

	name[n++] = table;
	if (column_entry != 0)
		name[n++] = column_entry;
	name[n++] = column;
	for (size_t i = 0; i < idx_len && n < MAX_OID_LEN; i++)
		name[n++] = idx[i];
	snmp_varlist_add_variable(&p->vars, name, n, type, val, len);
}

static void notify_string(struct notify_pdu *p, oid table, oid entry, oid column,
			  const oid *idx, size_t idx_len, const char *s)
{
	size_t len = strlen(s);

	if (len > AGENT_MAX_TEXT)
		len = AGENT_MAX_TEXT;
	notify_add(p, table, entry, column, idx, idx_len, ASN_OCTET_STR, s, len);
}

static void notify_begin(struct notify_pdu *p, oid which)
{
	oid trap[AGENT_MIB_OID_LEN + 2] = { AGENT_MIB_OID, 0, which };

	p->vars = NULL;
	snmp_varlist_add_variable(&p->vars, notify_trap_oid, OID_LENGTH(notify_trap_oid),
				  ASN_OBJECT_ID, trap, sizeof(trap));
}

static void notify_send(struct notify_pdu *p, const char *what)
{
	if (p->vars == NULL)
		return;
	send_v2trap(p->vars);
	snmp_free_varbind(p->vars);
	p->vars = NULL;
	agent_log(LOG_DEBUG, "sent %s", what);
}

static void notify_port_name(struct notify_pdu *p, uint32_t port_id)
{
	const struct cache_port *port = cache_find_port(port_id);
	oid idx[1] = { port_id };

	notify_string(p, AGENT_PORT_TABLE, 1, AGENT_PC_NAME, idx, 1,
		      port != NULL ? port->name : "");
}

/* faxRoutingMethodGuid and FriendlyName of (port, guid). */
static const struct cache_method *notify_method(struct notify_pdu *p, uint32_t port_id,
						const char *guid)
{
	const struct cache_method *m = cache_find_method_guid(port_id, guid);
	oid idx[2] = { port_id, m != NULL ? m->method_index : 0 };

	notify_string(p, AGENT_METHOD_TABLE, 1, AGENT_MC_GUID, idx, 2,
		      m != NULL ? m->guid : (guid != NULL ? guid : ""));
	notify_string(p, AGENT_METHOD_TABLE, 1, AGENT_MC_FRIENDLY_NAME, idx, 2,
		      m != NULL ? m->friendly_name : "");
	return m;
}

static void notify_job_reason(struct notify_pdu *p, const fgw_event *ev)
{
	static const oid zero[1] = { 0 };
	char job[24] = "";

	if (ev->job_id != 0)
		snprintf(job, sizeof(job), "%" PRIu64, ev->job_id);
	notify_string(p, AGENT_NOTIFY_OBJECTS, 0, AGENT_NO_JOB_ID, zero, 1, job);
	notify_string(p, AGENT_NOTIFY_OBJECTS, 0, AGENT_NO_REASON, zero, 1,
		      ev->text != NULL ? ev->text : "");
}

static void notify_gauge0(struct notify_pdu *p, oid which, uint32_t v)
{
	static const oid zero[1] = { 0 };
	u_long l = v;

	notify_add(p, AGENT_GATEWAY, 0, which, zero, 1, ASN_GAUGE, &l, sizeof(l));
}

static void notify_routing_failed(const fgw_event *ev, int dead)
{
	struct notify_pdu p;
	const struct cache_method *m;

	notify_begin(&p, dead ? AGENT_TRAP_DEAD_LETTERED : AGENT_TRAP_ROUTING_FAILED);
	notify_port_name(&p, ev->port_id);
	m = notify_method(&p, ev->port_id, ev->guid);
	if (!dead) {
		oid idx[2] = { ev->port_id, m != NULL ? m->method_index : 0 };
		notify_string(&p, AGENT_METHOD_TABLE, 1, AGENT_MC_LAST_ERROR, idx, 2,
			      m != NULL ? m->last_error : "");
	}
	notify_job_reason(&p, ev);
	if (dead)
		notify_gauge0(&p, AGENT_SC_DEAD_LETTERS, cache_gateway()->dead_letters);
	notify_send(&p, dead ? "faxRoutingDeadLettered" : "faxRoutingFailed");
}

static void notify_receive_failed(const fgw_event *ev)
{
	const struct cache_port *port = cache_find_port(ev->port_id);
	oid idx[1] = { ev->port_id };
	struct notify_pdu p;
	u_long failed = port != NULL ? (u_long)(port->faxes_failed & 0xffffffffu) : 0;

	notify_begin(&p, AGENT_TRAP_RECEIVE_FAILED);
	notify_port_name(&p, ev->port_id);
	notify_string(&p, AGENT_PORT_TABLE, 1, AGENT_PC_LAST_REMOTE_IDENT, idx, 1,
		      port != NULL ? port->last_remote_ident : "");
	notify_add(&p, AGENT_PORT_TABLE, 1, AGENT_PC_FAXES_FAILED, idx, 1, ASN_COUNTER,
		   &failed, sizeof(failed));
	notify_job_reason(&p, ev);
	notify_send(&p, "faxReceiveFailed");
}

static void notify_routing_changed(const fgw_event *ev)
{
	uint32_t port_id = ev->port_id;
	const struct cache_method *m;
	struct notify_pdu p;

	if (port_id == 0) {
		/* A priority change: once, with the lowest port's instances. */
		const struct cache_port *first = cache_first_port();
		if (first == NULL)
			return;
		port_id = first->id;
	}
	notify_begin(&p, AGENT_TRAP_ROUTING_CHANGED);
	notify_port_name(&p, port_id);
	m = notify_method(&p, port_id, ev->guid);
	{
		oid idx[2] = { port_id, m != NULL ? m->method_index : 0 };
		long enabled = m != NULL && m->enabled ? AGENT_TRUE : AGENT_FALSE;
		u_long prio = m != NULL ? m->priority : 0;

		notify_add(&p, AGENT_METHOD_TABLE, 1, AGENT_MC_ENABLED, idx, 2, ASN_INTEGER,
			   &enabled, sizeof(enabled));
		notify_add(&p, AGENT_METHOD_TABLE, 1, AGENT_MC_PRIORITY, idx, 2, ASN_UNSIGNED,
			   &prio, sizeof(prio));
	}
	{
		static const oid zero[1] = { 0 };
		notify_string(&p, AGENT_NOTIFY_OBJECTS, 0, AGENT_NO_REASON, zero, 1,
			      ev->text != NULL ? ev->text : "");
	}
	notify_send(&p, "faxRoutingChanged");
}

static void notify_ext_trap(struct cache_ext *e, uint32_t index, const char *image)
{
	oid idx[1] = { index };
	struct notify_pdu p;

	if (e != NULL) {
		if (e->notified_start == cache_gateway()->start_time)
			return;
		e->notified_start = cache_gateway()->start_time;
	}
	notify_begin(&p, AGENT_TRAP_EXT_LOAD_FAILED);
	notify_string(&p, AGENT_EXT_TABLE, 1, AGENT_EC_IMAGE, idx, 1,
		      e != NULL ? e->image : (image != NULL ? image : ""));
	notify_string(&p, AGENT_EXT_TABLE, 1, AGENT_EC_LOAD_ERROR, idx, 1,
		      e != NULL ? e->error : "");
	notify_gauge0(&p, AGENT_SC_EXT_LOAD_FAILURES, cache_gateway()->extension_load_failures);
	notify_send(&p, "faxExtensionLoadFailed");
}

/* The event's text is "IMAGE: REASON"; faxgwd replays its load failures
 * to every new subscription, so a reconnection to the same faxgwd
 * (same faxgwStartTime) does not notify them again. */
static void notify_ext_load_failed(const fgw_event *ev)
{
	uint32_t index = 0;
	struct cache_ext *e = cache_find_ext_image(ev->text, &index);

	notify_ext_trap(e, index, ev->text);
}

/* faxPortStateChanged: only entering or leaving disabled(4) or failed(5);
 * the event carries the new state, the port row the one reported before. */
static void notify_port_state(const fgw_event *ev)
{
	struct cache_port *port = cache_find_port(ev->port_id);
	oid idx[1] = { ev->port_id };
	struct notify_pdu p;
	long state = ev->port_state;
	int prev = port != NULL ? port->event_state : 0;

	if (port != NULL)
		port->event_state = (int)state;
	if (state != FGW_PORT_DISABLED && state != FGW_PORT_FAILED &&
	    prev != FGW_PORT_DISABLED && prev != FGW_PORT_FAILED)
		return;
	if (state == prev)
		return;
	notify_begin(&p, AGENT_TRAP_PORT_STATE_CHANGED);
	notify_port_name(&p, ev->port_id);
	notify_add(&p, AGENT_PORT_TABLE, 1, AGENT_PC_STATE, idx, 1, ASN_INTEGER, &state,
		   sizeof(state));
	{
		static const oid zero[1] = { 0 };
		notify_string(&p, AGENT_NOTIFY_OBJECTS, 0, AGENT_NO_REASON, zero, 1,
			      ev->text != NULL ? ev->text : "");
	}
	notify_send(&p, "faxPortStateChanged");
}

/* faxSendFailed: only for a send job that failed for good (the event's
 * job_state FAILED); an attempt that will be retried (job_state QUEUED)
 * is no news.  faxJobPort and faxJobDestination carry the job's
 * faxJobIndex (0 for an id beyond Unsigned32, which has no row); the
 * destination comes from the job's row, which cache_jobs_event() has
 * just read. */
static void notify_send_failed(const fgw_event *ev)
{
	const struct cache_port *port = cache_find_port(ev->port_id);
	oid job[1] = { ev->job_id <= UINT32_MAX ? (oid)ev->job_id : 0 };
	oid idx[1] = { ev->port_id };
	const struct cache_job *j = job[0] != 0 ? cache_find_job((uint32_t)job[0]) : NULL;
	u_long port_id = ev->port_id;
	u_long failures = port != NULL ? (u_long)(port->send_failures & 0xffffffffu) : 0;
	struct notify_pdu p;

	if (ev->job_state != FGW_JOB_FAILED)
		return;
	notify_begin(&p, AGENT_TRAP_SEND_FAILED);
	notify_add(&p, AGENT_JOB_TABLE, 1, AGENT_JC_PORT, job, 1, ASN_UNSIGNED, &port_id,
		   sizeof(port_id));
	notify_string(&p, AGENT_JOB_TABLE, 1, AGENT_JC_DESTINATION, job, 1,
		      j != NULL ? j->destination : "");
	notify_port_name(&p, ev->port_id);
	notify_add(&p, AGENT_PORT_TABLE, 1, AGENT_PC_SEND_FAILURES, idx, 1, ASN_COUNTER,
		   &failures, sizeof(failures));
	notify_job_reason(&p, ev);
	notify_send(&p, "faxSendFailed");
}

void notify_event(const fgw_event *ev)
{
	switch (ev->type) {
	case FGW_EVENT_ROUTING_FAILED:
		notify_routing_failed(ev, 0);
		break;
	case FGW_EVENT_ROUTING_DEAD_LETTERED:
		notify_routing_failed(ev, 1);
		break;
	case FGW_EVENT_RECEIVE_FAILED:
		notify_receive_failed(ev);
		break;
	case FGW_EVENT_ROUTING_CHANGED:
		notify_routing_changed(ev);
		break;
	case FGW_EVENT_EXTENSION_LOAD_FAILED:
		notify_ext_load_failed(ev);
		break;
	case FGW_EVENT_PORT_STATE_CHANGED:
		notify_port_state(ev);
		break;
	case FGW_EVENT_SEND_FAILED:
		notify_send_failed(ev);
		break;
	case FGW_EVENT_FAX_RECEIVED:
	case FGW_EVENT_ROUTING_SUCCEEDED:
	case FGW_EVENT_SEND_QUEUED:
	case FGW_EVENT_SEND_DIALING:
	case FGW_EVENT_SEND_DONE:
		break;
	}
}

/* faxgwControlLost / faxgwControlRestored.  Restored follows a Lost only:
 * the first connection after the agent starts is no news. */
void notify_connection(int connected)
{
	static const oid zero[1] = { 0 };
	static int lost_sent;
	const struct cache_gateway *gw = cache_gateway();
	struct notify_pdu p;
	long truth = connected ? AGENT_TRUE : AGENT_FALSE;
	u_char date[11];

	if (connected && !lost_sent)
		return;
	notify_begin(&p, connected ? AGENT_TRAP_CONTROL_RESTORED : AGENT_TRAP_CONTROL_LOST);
	notify_add(&p, AGENT_GATEWAY, 0, AGENT_SC_CONTROL_CONNECTED, zero, 1, ASN_INTEGER,
		   &truth, sizeof(truth));
	if (connected) {
		notify_add(&p, AGENT_GATEWAY, 0, AGENT_SC_START_TIME, zero, 1, ASN_OCTET_STR,
			   date, mib_scalars_date(gw->start_time, date));
		notify_string(&p, AGENT_GATEWAY, 0, AGENT_SC_VERSION, zero, 1, gw->version);
	}
	lost_sent = !connected;
	notify_send(&p, connected ? "faxgwControlRestored" : "faxgwControlLost");
}
