/*
 * set.c - SET of faxRoutingMethodEnabled and faxRoutingMethodData
 * (RFC 3416 section 4.2.5), applied all-or-nothing through one
 * fgw_set_routing_batch() per request.
 *
 * Net-SNMP phases (over AgentX, RFC 2741 7.2.4: TestSet = RESERVE1 +
 * RESERVE2, CommitSet = ACTION, CleanupSet = COMMIT or FREE, UndoSet =
 * UNDO):
 *   RESERVE1  column writable? row exists? type, length, value range
 *   RESERVE2  re-read the rows from faxgwd (bounded: SET_RESERVE_MS) and
 *             save the old values in a state per varbind
 *   ACTION    one batch with every varbind (bounded: SET_COMMIT_MS);
 *             faxgwd validates and persists
 *   COMMIT    nothing left to do (the batch is already persisted)
 *   UNDO      a batch restoring what this request's ACTION changed, and
 *             only that: nothing when ACTION did not apply
 *   COMMIT, FREE and UNDO end the request: its states are released.
 *
 * snmpd waits agentxTimeout (1 s by default) for each AgentX answer and
 * then sends the PDU again with the same transaction id; the subagent
 * library then runs phases again on the requests it keeps per
 * transaction, so a phase may see requests it has already handled.  Hence
 * no phase waits for faxgwd longer than the bounds below, and each phase
 * is idempotent: a state is added only where there is none, ACTION sends
 * only what is not applied yet, UNDO restores only what is applied, and
 * the end of a request releases exactly the states it holds.  No phase
 * after RESERVE1 uses the row pointers the table helper looked up then
 * (the rows are found again by their index).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "agent.h"

#define SET_STATE "faxgw:set"
#define SET_RESERVE_MS 250      /* RESERVE2's re-read of the rows, in all */
#define SET_COMMIT_MS 500       /* ACTION's or UNDO's batch */

/* Per-varbind state, attached to the request from RESERVE2 on.  It holds
 * the row's key, not the row: a row may go between phases. */
struct set_vb {
	uint32_t port_id, method_index;
	char guid[FGW_GUID_LEN + 1];
	unsigned col;
	int new_enabled;
	u_char new_data[FGW_MAX_ROUTING_DATA];
	size_t new_len;
	int old_enabled;
	u_char old_data[FGW_MAX_ROUTING_DATA];
	size_t old_len;
	int applied;                 /* ACTION changed it (undo restores it) */
};

/* Each state holds the cache's rows in place while it lives. */
static void set_vb_free(void *p)
{
	free(p);
	cache_set_hold(0);
}

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
	if (n > FGW_MAX_BATCH)
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_RESOURCEUNAVAILABLE);
	return SNMP_ERR_NOERROR;
}

/* A request without a state yet (RESERVE2 adds one), or not for us. */
static int set_new(netsnmp_request_info *r, netsnmp_table_request_info **ti)
{
	*ti = netsnmp_extract_table_info(r);
	return !r->processed && *ti != NULL && (*ti)->index_oid_len == 2 &&
	       netsnmp_request_get_list_data(r, SET_STATE) == NULL;
}

/* The ports of the requests that need a state (none yet), at most
 * FGW_MAX_BATCH; returns how many requests need one. */
static size_t set_needing(netsnmp_request_info *requests, uint32_t *ports, size_t *nports)
{
	size_t need = 0;

	*nports = 0;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_table_request_info *ti;
		size_t i;

		if (!set_new(r, &ti))
			continue;
		need++;
		for (i = 0; i < *nports && ports[i] != ti->index_oid[0]; i++)
			;
		if (i == *nports && *nports < FGW_MAX_BATCH)
			ports[(*nports)++] = (uint32_t)ti->index_oid[0];
	}
	return need;
}

/* Fresh rows of those ports, within SET_RESERVE_MS in all.  -1 when the
 * connection was lost meanwhile (faxgwd stopped, hung, too slow or gone:
 * a call that runs out of time drops it). */
static int set_refresh(const uint32_t *ports, size_t nports)
{
	if (!cache_connected())
		return 0;                /* ACTION answers commitFailed */
	cache_set_deadline(SET_RESERVE_MS);
	for (size_t i = 0; i < nports && cache_connected(); i++)
		cache_refresh_port(ports[i]);
	cache_set_deadline(0);
	if (!cache_connected()) {
		agent_log(LOG_WARNING, "SET refused: faxgwd did not answer the re-read of the "
			  "rows within %d ms (resourceUnavailable)", SET_RESERVE_MS);
		return -1;
	}
	return 0;
}

/* A new state for request r (the row's current values as the old ones). */
static int set_add_state(netsnmp_request_info *r, const netsnmp_table_request_info *ti)
{
	struct cache_method *m = cache_find_method((uint32_t)ti->index_oid[0],
						   (uint32_t)ti->index_oid[1]);
	netsnmp_data_list *node;
	struct set_vb *sv;

	if (m == NULL)
		return SNMP_ERR_NOCREATION;  /* gone from faxgwd since RESERVE1 */
	sv = calloc(1, sizeof(*sv));
	if (sv == NULL)
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	cache_set_hold(1);
	sv->port_id = m->port_id;
	sv->method_index = m->method_index;
	memcpy(sv->guid, m->guid, sizeof(sv->guid));
	sv->col = ti->colnum;
	if (sv->col == AGENT_MC_ENABLED) {
		sv->new_enabled = *r->requestvb->val.integer == AGENT_TRUE;
	} else {
		sv->new_len = r->requestvb->val_len;
		if (sv->new_len > 0)
			memcpy(sv->new_data, r->requestvb->val.string, sv->new_len);
	}
	sv->old_enabled = m->enabled;
	sv->old_len = m->data_len;
	memcpy(sv->old_data, m->data, m->data_len);
	node = netsnmp_create_data_list(SET_STATE, sv, set_vb_free);
	if (node == NULL) {
		set_vb_free(sv);
		return SNMP_ERR_RESOURCEUNAVAILABLE;
	}
	netsnmp_request_add_list_data(r, node);
	return SNMP_ERR_NOERROR;
}

/* RESERVE2: fresh rows from faxgwd (when reachable), then the old values.
 * Requests that already have a state (a phase run again) keep it. */
static int set_reserve2(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	uint32_t ports[FGW_MAX_BATCH];
	size_t nports;
	int refreshed = 0;

	if (set_needing(requests, ports, &nports) == 0)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next) {
		netsnmp_table_request_info *ti;
		int rc;

		if (!set_new(r, &ti))
			continue;
		if (!refreshed && set_refresh(ports, nports) != 0) {
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_RESOURCEUNAVAILABLE);
			return SNMP_ERR_NOERROR;
		}
		refreshed = 1;
		rc = set_add_state(r, ti);
		if (rc != SNMP_ERR_NOERROR) {
			netsnmp_set_request_error(reqinfo, r, rc);
			return SNMP_ERR_NOERROR;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* One change of a batch: the new value (undo 0) or the saved one (undo 1). */
static void set_change(const struct set_vb *sv, int undo, fgw_routing_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->port_id = sv->port_id;
	ch->guid = sv->guid;
	if (sv->col == AGENT_MC_ENABLED) {
		ch->set_enabled = 1;
		ch->enabled = undo ? sv->old_enabled : sv->new_enabled;
	} else {
		ch->set_data = 1;
		ch->data = undo ? sv->old_data : sv->new_data;
		ch->data_len = undo ? sv->old_len : sv->new_len;
	}
}

/* The cache follows a change at once, so that a GET right after the SET
 * sees the new value (when the row is still there). */
static void set_cache_update(const struct set_vb *sv, int undo)
{
	struct cache_method *m = cache_find_method(sv->port_id, sv->method_index);

	if (m == NULL || strcasecmp(m->guid, sv->guid) != 0)
		return;
	if (sv->col == AGENT_MC_ENABLED) {
		m->enabled = undo ? sv->old_enabled : sv->new_enabled;
	} else if (undo) {
		memcpy(m->data, sv->old_data, sv->old_len);
		m->data_len = sv->old_len;
	} else {
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

/* A request that reached ACTION without a state (its RESERVE2 did not
 * run, or ran on other requests of the same transaction), or NULL. */
static netsnmp_request_info *set_stateless(netsnmp_request_info *requests)
{
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next)
		if (!r->processed && netsnmp_request_get_list_data(r, SET_STATE) == NULL)
			return r;
	return NULL;
}

/* One batch within SET_COMMIT_MS; *sent: it went out to faxgwd. */
static int set_batch(const fgw_routing_change *changes, size_t n, size_t *failed, int *sent)
{
	fgw_handle *server = cache_server();
	int rc;

	*sent = 0;
	if (server == NULL)
		return FGW_E_CLOSED;
	cache_set_deadline(SET_COMMIT_MS);
	rc = cache_budget();
	if (rc == 0) {
		*sent = 1;
		rc = fgw_set_routing_batch(server, changes, n, failed);
	}
	cache_set_deadline(0);
	return rc;
}

/* ACTION's batch got no answer in time: faxgwd may still apply it when it
 * reads it (a stopped faxgwd that is continued), so nothing can be
 * promised: undoFailed (RFC 3416 4.2.5).  The connection is dropped; the
 * rows are read again on the next connection. */
static int set_action_failed(int rc, int sent, const fgw_routing_change *ch)
{
	if (rc == FGW_E_TIMEOUT && sent) {
		agent_log(LOG_ERR, "SET on port %u method %s: faxgwd did not answer within %d ms; "
			  "it may still apply the change (undoFailed)", (unsigned)ch->port_id,
			  ch->guid, SET_COMMIT_MS);
		cache_check_lost(rc);
		return SNMP_ERR_UNDOFAILED;
	}
	if (cache_server() == NULL)
		agent_log(LOG_WARNING, "SET refused: not connected to faxgwd (commitFailed)");
	else
		agent_log(LOG_WARNING, "SET refused on port %u method %s: %s: %s",
			  (unsigned)ch->port_id, ch->guid, fgw_strerror(rc),
			  fgw_last_error_message(cache_server()));
	cache_check_lost(rc);
	return rc == FGW_E_TIMEOUT ? SNMP_ERR_COMMITFAILED : set_map_error(rc);
}

static int set_action(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct set_vb *svs[FGW_MAX_BATCH];
	netsnmp_request_info *reqs[FGW_MAX_BATCH];
	fgw_routing_change changes[FGW_MAX_BATCH];
	netsnmp_request_info *lost = set_stateless(requests);
	size_t n, failed = 0;
	int rc, sent;

	if (lost != NULL) {
		agent_log(LOG_WARNING, "SET phases out of order (ACTION without RESERVE2): "
			  "commitFailed");
		netsnmp_set_request_error(reqinfo, lost, SNMP_ERR_COMMITFAILED);
		return SNMP_ERR_NOERROR;
	}
	n = set_collect(requests, 0, svs, reqs);
	if (n == 0)
		return SNMP_ERR_NOERROR;  /* none, or applied by an earlier ACTION */
	for (size_t i = 0; i < n; i++)
		set_change(svs[i], 0, &changes[i]);
	rc = set_batch(changes, n, &failed, &sent);
	if (rc != 0) {
		size_t at = failed < n ? failed : 0;
		netsnmp_set_request_error(reqinfo, reqs[at],
					  set_action_failed(rc, sent, &changes[at]));
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
	int rc, sent;

	if (n == 0)
		return SNMP_ERR_NOERROR;
	for (size_t i = 0; i < n; i++)
		set_change(svs[n - 1 - i], 1, &changes[i]);
	rc = set_batch(changes, n, &failed, &sent);
	if (rc != 0) {
		agent_log(LOG_ERR, "UNDO of a SET failed: %s: %s", fgw_strerror(rc),
			  cache_server() != NULL ? fgw_last_error_message(cache_server()) : "");
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

/* COMMIT, FREE, UNDO: the request is over; its states (and their holds)
 * go, and only its own.  Run again, it finds none. */
static void set_release(netsnmp_request_info *requests)
{
	for (netsnmp_request_info *r = requests; r != NULL; r = r->next)
		netsnmp_request_remove_list_data(r, SET_STATE);
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
		set_release(requests);
		return rc;
	case MODE_SET_COMMIT:
	case MODE_SET_FREE:
		set_release(requests);
		return SNMP_ERR_NOERROR;
	default:
		return SNMP_ERR_NOERROR;
	}
}
