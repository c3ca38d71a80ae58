/*
 * set.c - SET of faxRoutingMethodEnabled and faxRoutingMethodData
 * (RFC 3416 section 4.2.5), applied all-or-nothing through one
 * fgw_set_routing_batch() per request.
 *
 * Net-SNMP phases (over AgentX, RFC 2741 7.2.4: TestSet = RESERVE1 +
 * RESERVE2, CommitSet = ACTION, CleanupSet = COMMIT or FREE, UndoSet =
 * UNDO):
 *   RESERVE1  column writable? row exists? type, length, value range
 *   RESERVE2  re-read the rows from faxgwd and save the old values
 *   ACTION    one batch with every varbind; faxgwd validates and persists
 *   COMMIT    nothing left to do (the batch is already persisted)
 *   UNDO      a batch restoring what this request's ACTION changed, and
 *             only that: nothing when ACTION did not apply
 *   FREE      nothing (per-varbind state is freed with the request)
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "agent.h"

#define SET_STATE "faxgw:set"

/* Per-varbind state, attached to the request from RESERVE2 on. */
struct set_vb {
	struct cache_method *row;
	unsigned col;
	int new_enabled;
	const u_char *new_data;
	size_t new_len;
	int old_enabled;
	u_char old_data[FGW_MAX_ROUTING_DATA];
	size_t old_len;
	int applied;                 /* ACTION changed it (undo restores it) */
};

int set_map_error(int fgw_rc)
{
	switch (fgw_rc) {
	case FGW_OK: return SNMP_ERR_NOERROR;
	case FGW_E_BAD_DATA: return SNMP_ERR_WRONGVALUE;
	case FGW_E_INVAL: return SNMP_ERR_WRONGVALUE;
	case FGW_E_NOT_ENABLEABLE: return SNMP_ERR_INCONSISTENTVALUE;
	case FGW_E_BUSY: return SNMP_ERR_RESOURCEUNAVAILABLE;
	case FGW_E_NOMEM: return SNMP_ERR_RESOURCEUNAVAILABLE;
	case FGW_E_ACCESS: return SNMP_ERR_NOACCESS;
	case FGW_E_TOO_BIG: return SNMP_ERR_WRONGLENGTH;
	case FGW_E_NO_PORT:
	case FGW_E_NO_METHOD: return SNMP_ERR_NOCREATION;
	default: return SNMP_ERR_COMMITFAILED; /* connection, storage, internal */
	}
}

/* RESERVE1 for one varbind: the RFC 3416 4.2.5 checks up to wrongValue. */
static int set_check(netsnmp_request_info *r)
{
	netsnmp_table_request_info *ti = netsnmp_extract_table_info(r);
	netsnmp_variable_list *vb = r->requestvb;
	int rc;

	if (ti == NULL)
		return SNMP_ERR_NOCREATION;
	if (ti->colnum != AGENT_MC_ENABLED && ti->colnum != AGENT_MC_DATA)
		return SNMP_ERR_NOTWRITABLE;
	if (netsnmp_container_table_row_extract(r) == NULL)
		return SNMP_ERR_NOCREATION;
	if (ti->colnum == AGENT_MC_ENABLED) {
		rc = netsnmp_check_vb_type_and_size(vb, ASN_INTEGER, sizeof(long));
		if (rc != SNMP_ERR_NOERROR)
			return rc;
		if (*vb->val.integer != AGENT_TRUE && *vb->val.integer != AGENT_FALSE)
			return SNMP_ERR_WRONGVALUE;
		return SNMP_ERR_NOERROR;
	}
	rc = netsnmp_check_vb_type(vb, ASN_OCTET_STR);
	if (rc != SNMP_ERR_NOERROR)
		return rc;
	if (vb->val_len > FGW_MAX_ROUTING_DATA)
		return SNMP_ERR_WRONGLENGTH;
	return SNMP_ERR_NOERROR;
}

static int set_reserve1(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	size_t n = 0;

	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		int rc;

		if (r->processed)
			continue;
		rc = set_check(r);
		if (rc != SNMP_ERR_NOERROR) {
			netsnmp_set_request_error(reqinfo, r, rc);
			return SNMP_ERR_NOERROR;
		}
		n++;
	}
	if (n > FGW_MAX_BATCH) {
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
		return SNMP_ERR_NOERROR;
	}
	cache_set_hold(1);
	return SNMP_ERR_NOERROR;
}

/* RESERVE2: fresh rows from faxgwd (when reachable), then the old values. */
static int set_reserve2(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	uint32_t done[FGW_MAX_BATCH];
	size_t ndone = 0;

	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		struct cache_method *m = netsnmp_container_table_row_extract(r);
		size_t i;

		if (r->processed || m == NULL || !cache_connected())
			continue;
		for (i = 0; i < ndone && done[i] != m->port_id; i++)
			;
		if (i == ndone && ndone < FGW_MAX_BATCH) {
			done[ndone++] = m->port_id;
			cache_refresh_port(m->port_id);
		}
	}
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(r);
		struct cache_method *m = netsnmp_container_table_row_extract(r);
		struct set_vb *sv;

		if (r->processed || m == NULL || ti == NULL)
			continue;
		sv = calloc(1, sizeof(*sv));
		if (sv == NULL) {
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_RESOURCEUNAVAILABLE);
			return SNMP_ERR_NOERROR;
		}
		sv->row = m;
		sv->col = ti->colnum;
		if (sv->col == AGENT_MC_ENABLED) {
			sv->new_enabled = *r->requestvb->val.integer == AGENT_TRUE;
		} else {
			sv->new_data = r->requestvb->val.string;
			sv->new_len = r->requestvb->val_len;
		}
		sv->old_enabled = m->enabled;
		sv->old_len = m->data_len;
		memcpy(sv->old_data, m->data, m->data_len);
		netsnmp_request_add_list_data(r, netsnmp_create_data_list(SET_STATE, sv, free));
	}
	return SNMP_ERR_NOERROR;
}

/* One change of a batch: the new value (undo 0) or the saved one (undo 1). */
static void set_change(const struct set_vb *sv, int undo, fgw_routing_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->port_id = sv->row->port_id;
	ch->guid = sv->row->guid;
	if (sv->col == AGENT_MC_ENABLED) {
		ch->set_enabled = 1;
		ch->enabled = undo ? sv->old_enabled : sv->new_enabled;
	} else {
		ch->set_data = 1;
		ch->data = undo ? (const void *)sv->old_data
				: (sv->new_data != NULL ? (const void *)sv->new_data : "");
		ch->data_len = undo ? sv->old_len : sv->new_len;
		if (ch->data == NULL)
			ch->data = "";
	}
}

/* The cache follows a change at once, so that a GET right after the SET
 * sees the new value. */
static void set_cache_update(struct set_vb *sv, int undo)
{
	struct cache_method *m = sv->row;

	if (sv->col == AGENT_MC_ENABLED) {
		m->enabled = undo ? sv->old_enabled : sv->new_enabled;
		return;
	}
	if (undo) {
		memcpy(m->data, sv->old_data, sv->old_len);
		m->data_len = sv->old_len;
	} else {
		if (sv->new_len > 0)
			memcpy(m->data, sv->new_data, sv->new_len);
		m->data_len = sv->new_len;
	}
}

/* Collects the requests' states (only those with `applied` == want when
 * want >= 0) in order; returns their number. */
static size_t set_collect(netsnmp_request_info *requests, int want, struct set_vb **svs,
			  netsnmp_request_info **reqs)
{
	size_t n = 0;

	for (netsnmp_request_info *r = requests; r != NULL && n < FGW_MAX_BATCH; r = r->next) {
		struct set_vb *sv = netsnmp_request_get_list_data(r, SET_STATE);

		if (sv == NULL || (want >= 0 && sv->applied != want))
			continue;
		svs[n] = sv;
		reqs[n] = r;
		n++;
	}
	return n;
}

static int set_action(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct set_vb *svs[FGW_MAX_BATCH];
	netsnmp_request_info *reqs[FGW_MAX_BATCH];
	fgw_routing_change changes[FGW_MAX_BATCH];
	size_t n = set_collect(requests, -1, svs, reqs), failed = 0;
	fgw_handle *server = cache_server();
	int rc;

	if (n == 0)
		return SNMP_ERR_NOERROR;
	if (server == NULL) {
		agent_log(LOG_WARNING, "SET refused: not connected to faxgwd (commitFailed)");
		netsnmp_set_request_error(reqinfo, reqs[0], SNMP_ERR_COMMITFAILED);
		return SNMP_ERR_NOERROR;
	}
	for (size_t i = 0; i < n; i++)
		set_change(svs[i], 0, &changes[i]);
	rc = fgw_set_routing_batch(server, changes, n, &failed);
	if (rc != 0) {
		size_t at = failed < n ? failed : 0;
		agent_log(LOG_WARNING, "SET refused on port %u method %s: %s: %s",
			  (unsigned)changes[at].port_id, changes[at].guid, fgw_strerror(rc),
			  fgw_last_error_message(server));
		cache_check_lost(rc);
		netsnmp_set_request_error(reqinfo, reqs[at], set_map_error(rc));
		return SNMP_ERR_NOERROR;
	}
	for (size_t i = 0; i < n; i++) {
		svs[i]->applied = 1;
		set_cache_update(svs[i], 0);
	}
	agent_log(LOG_INFO, "SET applied: %zu change%s", n, n == 1 ? "" : "s");
	return SNMP_ERR_NOERROR;
}

/* UNDO: restore, in one batch, exactly what ACTION applied. */
static int set_undo(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct set_vb *svs[FGW_MAX_BATCH];
	netsnmp_request_info *reqs[FGW_MAX_BATCH];
	fgw_routing_change changes[FGW_MAX_BATCH];
	size_t n = set_collect(requests, 1, svs, reqs), failed = 0;
	fgw_handle *server = cache_server();
	int rc;

	if (n == 0)
		return SNMP_ERR_NOERROR;
	for (size_t i = 0; i < n; i++)
		set_change(svs[n - 1 - i], 1, &changes[i]);
	rc = server != NULL ? fgw_set_routing_batch(server, changes, n, &failed) : FGW_E_CLOSED;
	if (rc != 0) {
		agent_log(LOG_ERR, "UNDO of a SET failed: %s: %s", fgw_strerror(rc),
			  server != NULL ? fgw_last_error_message(server) : "");
		cache_check_lost(rc);
		netsnmp_set_request_error(reqinfo, reqs[0], SNMP_ERR_UNDOFAILED);
		return SNMP_ERR_NOERROR;
	}
	for (size_t i = 0; i < n; i++) {
		set_cache_update(svs[n - 1 - i], 1);
		svs[n - 1 - i]->applied = 0;
	}
	agent_log(LOG_INFO, "SET undone: %zu change%s restored", n, n == 1 ? "" : "s");
	return SNMP_ERR_NOERROR;
}

int set_handle(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	int rc = SNMP_ERR_NOERROR;

	switch (reqinfo->mode) {
	case MODE_SET_RESERVE1:
		return set_reserve1(reqinfo, requests);
	case MODE_SET_RESERVE2:
		return set_reserve2(reqinfo, requests);
	case MODE_SET_ACTION:
		return set_action(reqinfo, requests);
	case MODE_SET_UNDO:
		rc = set_undo(reqinfo, requests);
		cache_set_hold(0);
		return rc;
	case MODE_SET_COMMIT:
	case MODE_SET_FREE:
		cache_set_hold(0);
		return SNMP_ERR_NOERROR;
	default:
		return SNMP_ERR_NOERROR;
	}
}
