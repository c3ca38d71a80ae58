/*
 * test_agent_tables.c - faxgw-agent's MIB handlers called through an
 * in-process Net-SNMP master agent (no network, no snmpd, no AgentX): the
 * handlers are registered as in the agent, and requests go through
 * Net-SNMP's internal callback transport (netsnmp_iquery_*), so every
 * PDU passes the real agent code: table_container, the handlers and the
 * SET phases of RFC 3416 4.2.5 (RESERVE1, RESERVE2, ACTION, COMMIT, FREE,
 * UNDO).
 *
 * "read": the cache is filled directly (cache_put_*) with known rows.
 * "set":  a real faxgwd (FAXGW_BUILD_DIR/faxgwd) on a temporary config
 *         with the shipped extensions; the agent's cache reads it, SETs
 *         reach it through fgw_set_routing_batch, and the results are
 *         checked with a separate libfaxgw connection.
 * "events": faxgwd with an extension that does not load: the failure is
 *         replayed to each new subscriber, and the agent finds its row.
 * Everything runs in Check's forked test child; faxgwd dies with it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/snmpCallbackDomain.h>

Suite *agent_tables_suite(void);

/* The agent's internal callback transport, which init_agent() opens in a
 * master agent (Net-SNMP's snmp_vars.c; its header is not installed). */
extern int callback_master_num;

#ifndef FAXGW_BUILD_DIR
#define FAXGW_BUILD_DIR "build"
#endif

#define SIF "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"  /* Store in folder */
#define RUNP "{57b68a34-09e7-416d-82b1-7e98d07dbdaf}" /* Run program */

/* Instances: faxgwObjects.T.1.COL.INDEX... */
#define AT_OBJECTS 1, 3, 6, 1, 4, 1, 32473, 1, 1
#define AT_OBJECTS_LEN 9

static struct {
	char dir[64];
	char sock[128];
	pid_t gwd;
	netsnmp_session *ss;
	const char *ext_dir;            /* faxgwd's extensions; NULL: the build's */
	int fail_mode;                  /* the test object's ACTION: see at_fail_handler */
	unsigned fail_actions, fail_undos;
} at = { .gwd = -1 };

/* --- helpers: OIDs, requests ------------------------------------------------------ */

static size_t at_oid(oid *out, oid table, oid col, uint32_t i1, uint32_t i2, size_t nidx)
{
	static const oid base[] = { AT_OBJECTS };
	size_t n = AT_OBJECTS_LEN;

	memcpy(out, base, sizeof(base));
	out[n++] = table;
	out[n++] = 1;
	out[n++] = col;
	if (nidx > 0)
		out[n++] = i1;
	if (nidx > 1)
		out[n++] = i2;
	return n;
}

/* One varbind to send: name, and for a SET the type and value. */
struct at_vb {
	oid name[MAX_OID_LEN];
	size_t len;
	u_char type;
	const void *val;
	size_t val_len;
};

static struct at_vb at_method(oid col, uint32_t port, uint32_t method)
{
	struct at_vb v = { .type = ASN_NULL };
	v.len = at_oid(v.name, AGENT_METHOD_TABLE, col, port, method, 2);
	return v;
}

static struct at_vb at_set_int(struct at_vb v, const long *x)
{
	v.type = ASN_INTEGER;
	v.val = x;
	v.val_len = sizeof(*x);
	return v;
}

static struct at_vb at_set_str(struct at_vb v, const void *s, size_t len)
{
	v.type = ASN_OCTET_STR;
	v.val = s;
	v.val_len = len;
	return v;
}

/* Sends one PDU through the callback transport; the response (to be
 * freed with snmp_free_pdu) or a failed check. */
static netsnmp_pdu *at_request(int command, const struct at_vb *vbs, size_t n)
{
	netsnmp_pdu *pdu = snmp_pdu_create(command), *resp = NULL;
	int rc;

	ck_assert_ptr_nonnull(pdu);
	/* An internal request (as snmpd's own queries): the view-based
	 * access control, which this agent has no configuration for, is
	 * not what is under test. */
	pdu->flags |= UCD_MSG_FLAG_ALWAYS_IN_VIEW;
	for (size_t i = 0; i < n; i++) {
		if (command == SNMP_MSG_SET)
			snmp_pdu_add_variable(pdu, vbs[i].name, vbs[i].len, vbs[i].type,
					      vbs[i].val, vbs[i].val_len);
		else
			snmp_add_null_var(pdu, vbs[i].name, vbs[i].len);
	}
	rc = snmp_synch_response(at.ss, pdu, &resp);
	ck_assert_msg(rc == STAT_SUCCESS && resp != NULL, "no response (%d)", rc);
	return resp;
}

static netsnmp_variable_list *at_vb_at(netsnmp_pdu *resp, size_t i)
{
	netsnmp_variable_list *v = resp->variables;

	while (v != NULL && i-- > 0)
		v = v->next_variable;
	ck_assert_ptr_nonnull(v);
	return v;
}

static void at_expect_string(netsnmp_variable_list *v, const char *want)
{
	ck_assert_int_eq(v->type, ASN_OCTET_STR);
	ck_assert_uint_eq(v->val_len, strlen(want));
	ck_assert(memcmp(v->val.string, want, v->val_len) == 0);
}

static void at_expect_name(netsnmp_variable_list *v, const oid *want, size_t len)
{
	ck_assert_msg(snmp_oid_compare(v->name, v->name_length, want, len) == 0,
		      "GETNEXT went to another instance");
}

/* A SET whose error status and index (1-based, 0: none) are checked. */
static void at_set_expect(const struct at_vb *vbs, size_t n, long status, long index)
{
	netsnmp_pdu *resp = at_request(SNMP_MSG_SET, vbs, n);

	ck_assert_msg(resp->errstat == status && resp->errindex == index,
		      "SET: error %ld at %ld, expected %ld at %ld", resp->errstat,
		      resp->errindex, status, index);
	snmp_free_pdu(resp);
}

/* --- the in-process master agent --------------------------------------------------- */

/* A test object: GET 0; its ACTION fails (commitFailed) and, in mode 2,
 * first changes port 2's Store in folder data through its own libfaxgw
 * connection, as another administrator could at that moment.  In mode 3
 * its ACTION stops faxgwd (SIGSTOP) and succeeds. */
static int at_fail_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
			   netsnmp_agent_request_info *ri, netsnmp_request_info *rq)
{
	long zero = 0;

	(void)h;
	(void)reg;
	for (; rq != NULL; rq = rq->next) {
		if (ri->mode == MODE_GET) {
			snmp_set_var_typed_value(rq->requestvb, ASN_INTEGER, &zero, sizeof(zero));
		} else if (ri->mode == MODE_SET_ACTION && at.fail_mode == 3) {
			kill(at.gwd, SIGSTOP);   /* faxgwd stops; this object succeeds */
		} else if (ri->mode == MODE_SET_ACTION) {
			at.fail_actions++;
			if (at.fail_mode == 2) {
				char dir[128];
				fgw_handle *srv = NULL, *port = NULL;

				snprintf(dir, sizeof(dir), "%s/fax/other", at.dir);
				if (fgw_connect(at.sock, &srv) == 0 &&
				    fgw_open_port(srv, 2, FGW_PORT_OPEN_MODIFY, &port) == 0)
					fgw_set_routing_info(port, SIF, dir, strlen(dir));
				fgw_close(port);
				fgw_close(srv);
			}
			netsnmp_set_request_error(ri, rq, SNMP_ERR_COMMITFAILED);
		} else if (ri->mode == MODE_SET_UNDO) {
			at.fail_undos++;
		}
	}
	return SNMP_ERR_NOERROR;
}

static const oid at_fail_before[] = { 1, 3, 6, 1, 4, 1, 32473, 0, 99, 0 };
static const oid at_fail_after[] = { 1, 3, 6, 1, 4, 1, 32473, 99, 0 };

static void at_write(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void at_snmp_start(const char *control_socket)
{
	char dir[160], path[200];

	snprintf(dir, sizeof(dir), "%s/snmp", at.dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	/* A private configuration and persistent directory: nothing of the
	 * machine's Net-SNMP set-up is read or written. */
	setenv("SNMP_PERSISTENT_DIR", dir, 1);
	setenv("SNMPCONFPATH", dir, 1);
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/dev/null", 1);
	snprintf(path, sizeof(path), "%s/agent-tables.conf", dir);
	at_write(path, "# no listening address, no AgentX: callback transport only\n", 0600);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 0);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_MASTER, 0);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR, dir);
	/* Net-SNMP's start-up notes (no access control configured: none is
	 * needed here) are dropped; the agent's log goes to stderr after. */
	snmp_disable_log();
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
	init_agent("agent-tables");
	ck_assert_int_eq(cache_init(control_socket), 0);
	ck_assert_int_eq(cache_jobs_init(), 0);
	ck_assert_int_eq(mib_scalars_init(), 0);
	ck_assert_int_eq(mib_ports_init(), 0);
	ck_assert_int_eq(mib_methods_init(), 0);
	ck_assert_int_eq(mib_ext_init(), 0);
	ck_assert_int_eq(mib_jobs_init(), 0);
	ck_assert_int_eq(mib_sip_init(), 0);
	ck_assert_int_eq(netsnmp_register_instance(netsnmp_create_handler_registration(
			"failBefore", at_fail_handler, at_fail_before, OID_LENGTH(at_fail_before),
			HANDLER_CAN_RWRITE)), MIB_REGISTERED_OK);
	ck_assert_int_eq(netsnmp_register_instance(netsnmp_create_handler_registration(
			"failAfter", at_fail_handler, at_fail_after, OID_LENGTH(at_fail_after),
			HANDLER_CAN_RWRITE)), MIB_REGISTERED_OK);
	init_snmp("agent-tables");
	agent_log_init(1, 0);
	/* A client session on the callback transport. */
	ck_assert_int_gt(callback_master_num, 0);
	at.ss = netsnmp_callback_open(callback_master_num, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(at.ss);
	at.ss->version = SNMP_VERSION_2c;
	free(at.ss->community);
	at.ss->community = (u_char *)strdup("private");
	at.ss->community_len = strlen("private");
	at.ss->securityModel = SNMP_SEC_MODEL_SNMPv2c;
}

static void at_mkdtemp(void)
{
	snprintf(at.dir, sizeof(at.dir), "/tmp/faxgw-agent-ut.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(at.dir));
	snprintf(at.sock, sizeof(at.sock), "%s/faxgw.sock", at.dir);
}

/* --- fixture "read": known rows put in the cache ----------------------------------- */

static void at_fill_method(uint32_t port, uint32_t index, const char *guid, const char *name,
			   int enabled, const char *data, uint32_t prio)
{
	struct cache_method *m = cache_put_method(port, index);

	ck_assert_ptr_nonnull(m);
	snprintf(m->guid, sizeof(m->guid), "%s", guid);
	snprintf(m->function_name, sizeof(m->function_name), "Route%s", name);
	snprintf(m->friendly_name, sizeof(m->friendly_name), "%s", name);
	snprintf(m->ext_image, sizeof(m->ext_image), "/x/%s.so", name);
	snprintf(m->ext_name, sizeof(m->ext_name), "%s extension", name);
	m->enabled = enabled;
	m->data_len = strlen(data);
	memcpy(m->data, data, m->data_len);
	m->priority = prio;
	m->routed = 0x100000007ull;            /* Counter32 shows the low 32 bits */
	m->failures = 3;
	snprintf(m->last_error, sizeof(m->last_error), "%s", index == 2 ? "down" : "");
}

static void read_setup(void)
{
	struct cache_port *p;

	at_mkdtemp();
	/* No faxgwd: a socket nobody listens on. */
	at_snmp_start(at.sock);
	for (uint32_t id = 1; id <= 2; id++) {
		p = cache_put_port(id);
		ck_assert_ptr_nonnull(p);
		snprintf(p->name, sizeof(p->name), "port-%u", (unsigned)id);
		p->transport = 1;
		p->state = 1;
	}
	at_fill_method(1, 1, SIF, "Folder", 1, "/srv/fax/a", 1);
	at_fill_method(1, 2, RUNP, "Program", 0, "", 2);
	at_fill_method(2, 1, SIF, "Folder", 0, "/srv/fax/b", 1);
}

static void at_teardown(void)
{
	if (at.ss != NULL)
		snmp_close(at.ss);
	at.ss = NULL;
	if (at.gwd > 0) {
		int st;
		kill(at.gwd, SIGTERM);
		kill(at.gwd, SIGCONT);       /* a test may have left it stopped */
		waitpid(at.gwd, &st, 0);
		at.gwd = -1;
	}
	snmp_shutdown("agent-tables");
	shutdown_agent();
	mib_ports_shutdown();
	mib_methods_shutdown();
	mib_ext_shutdown();
	mib_jobs_shutdown();
	cache_shutdown();
	cache_jobs_shutdown();
	cache_sip_shutdown();
	if (at.dir[0] != '\0') {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", at.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", at.dir);
	}
}

START_TEST(test_get_values)
{
	struct at_vb q[7] = {
		at_method(AGENT_MC_GUID, 1, 1), at_method(AGENT_MC_ENABLED, 1, 2),
		at_method(AGENT_MC_DATA, 1, 1), at_method(AGENT_MC_PRIORITY, 1, 2),
		at_method(AGENT_MC_ROUTED, 2, 1), at_method(AGENT_MC_LAST_ERROR, 1, 2),
		at_method(AGENT_MC_EXT_IMAGE, 2, 1),
	};
	netsnmp_pdu *r = at_request(SNMP_MSG_GET, q, 7);
	netsnmp_variable_list *v;

	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	at_expect_string(at_vb_at(r, 0), SIF);
	v = at_vb_at(r, 1);
	ck_assert_int_eq(v->type, ASN_INTEGER);
	ck_assert_int_eq(*v->val.integer, AGENT_FALSE);
	at_expect_string(at_vb_at(r, 2), "/srv/fax/a");
	v = at_vb_at(r, 3);
	ck_assert_int_eq(v->type, ASN_UNSIGNED);
	ck_assert_int_eq(*v->val.integer, 2);
	v = at_vb_at(r, 4);
	ck_assert_int_eq(v->type, ASN_COUNTER);
	ck_assert_uint_eq((unsigned long)*v->val.integer, 7);
	at_expect_string(at_vb_at(r, 5), "down");
	at_expect_string(at_vb_at(r, 6), "/x/Folder.so");
	snmp_free_pdu(r);
}
END_TEST

START_TEST(test_get_missing)
{
	struct at_vb q[3] = {
		at_method(AGENT_MC_GUID, 1, 9),      /* no such row */
		at_method(AGENT_MC_GUID, 3, 1),      /* no such port */
		at_method(13, 1, 1),                 /* no such column */
	};
	netsnmp_pdu *r = at_request(SNMP_MSG_GET, q, 3);

	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	ck_assert_int_eq(at_vb_at(r, 0)->type, SNMP_NOSUCHINSTANCE);
	ck_assert_int_eq(at_vb_at(r, 1)->type, SNMP_NOSUCHINSTANCE);
	ck_assert_int_eq(at_vb_at(r, 2)->type, SNMP_NOSUCHOBJECT);
	snmp_free_pdu(r);
}
END_TEST

/* GETNEXT: into the table, along a column, across a gap in the index,
 * from one column to the next, and out of the table at its end. */
START_TEST(test_getnext_table_ends)
{
	struct at_vb q[6];
	oid want[MAX_OID_LEN], table[MAX_OID_LEN];
	size_t tlen = at_oid(table, AGENT_METHOD_TABLE, 0, 0, 0, 0) - 2; /* faxRoutingMethodTable */
	netsnmp_pdu *r;
	netsnmp_variable_list *v;
	size_t n;

	memcpy(q[0].name, table, tlen * sizeof(oid));
	q[0].len = tlen;
	q[1] = at_method(AGENT_MC_GUID, 1, 1);
	q[2] = at_method(AGENT_MC_GUID, 1, 9);
	q[3] = at_method(AGENT_MC_GUID, 2, 1);
	q[4] = at_method(AGENT_MC_LAST_ERROR, 2, 1);
	/* past the last column of faxPortTable: the first method row */
	q[5].len = at_oid(q[5].name, AGENT_PORT_TABLE, 200, 0, 0, 0);
	r = at_request(SNMP_MSG_GETNEXT, q, 6);
	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);

	n = at_oid(want, AGENT_METHOD_TABLE, AGENT_MC_GUID, 1, 1, 2);
	at_expect_name(at_vb_at(r, 0), want, n);
	at_expect_string(at_vb_at(r, 0), SIF);
	n = at_oid(want, AGENT_METHOD_TABLE, AGENT_MC_GUID, 1, 2, 2);
	at_expect_name(at_vb_at(r, 1), want, n);
	at_expect_string(at_vb_at(r, 1), RUNP);
	n = at_oid(want, AGENT_METHOD_TABLE, AGENT_MC_GUID, 2, 1, 2);
	at_expect_name(at_vb_at(r, 2), want, n);
	n = at_oid(want, AGENT_METHOD_TABLE, AGENT_MC_FUNCTION_NAME, 1, 1, 2);
	at_expect_name(at_vb_at(r, 3), want, n);
	at_expect_string(at_vb_at(r, 3), "RouteFolder");
	/* the last instance: whatever comes next is not in the table */
	v = at_vb_at(r, 4);
	ck_assert(v->type == SNMP_ENDOFMIBVIEW ||
		  snmp_oidtree_compare(v->name, v->name_length, table, tlen) != 0);
	n = at_oid(want, AGENT_METHOD_TABLE, AGENT_MC_GUID, 1, 1, 2);
	at_expect_name(at_vb_at(r, 5), want, n);
	snmp_free_pdu(r);
}
END_TEST

/* An empty table is skipped by GETNEXT. */
START_TEST(test_getnext_empty_table)
{
	struct at_vb q[1];
	oid table[MAX_OID_LEN];
	size_t tlen = at_oid(table, AGENT_METHOD_TABLE, 0, 0, 0, 0) - 2;
	netsnmp_pdu *r;
	netsnmp_variable_list *v;

	CONTAINER_CLEAR(cache_method_container(), NULL, NULL);
	memcpy(q[0].name, table, tlen * sizeof(oid));
	q[0].len = tlen;
	r = at_request(SNMP_MSG_GETNEXT, q, 1);
	v = at_vb_at(r, 0);
	ck_assert(v->type == SNMP_ENDOFMIBVIEW ||
		  snmp_oidtree_compare(v->name, v->name_length, table, tlen) != 0);
	snmp_free_pdu(r);
}
END_TEST

/* RESERVE1 refusals (RFC 3416 4.2.5), each on its varbind, and nothing
 * changed in the cache. */
START_TEST(test_set_reserve1_errors)
{
	static const long yes = AGENT_TRUE, three = 3;
	static char big[FGW_MAX_ROUTING_DATA + 1];
	const char *good = "/srv/fax/c";
	struct at_vb q[2];
	const struct cache_method *m = cache_find_method(1, 1);

	memset(big, 'a', sizeof(big));
	/* wrongType: TruthValue sent as a string */
	q[0] = at_set_str(at_method(AGENT_MC_ENABLED, 1, 1), "1", 1);
	at_set_expect(q, 1, SNMP_ERR_WRONGTYPE, 1);
	/* wrongLength: 1025 octets of routing data */
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, 1), big, sizeof(big));
	at_set_expect(q, 1, SNMP_ERR_WRONGLENGTH, 1);
	/* wrongValue: TruthValue 3 */
	q[0] = at_set_int(at_method(AGENT_MC_ENABLED, 1, 1), &three);
	at_set_expect(q, 1, SNMP_ERR_WRONGVALUE, 1);
	/* noCreation: rows are never created by a SET */
	q[0] = at_set_int(at_method(AGENT_MC_ENABLED, 7, 7), &yes);
	at_set_expect(q, 1, SNMP_ERR_NOCREATION, 1);
	/* notWritable: a read-only column of an existing row */
	q[0] = at_set_str(at_method(AGENT_MC_GUID, 1, 1), SIF, strlen(SIF));
	at_set_expect(q, 1, SNMP_ERR_NOTWRITABLE, 1);
	/* a good varbind, then a bad one: the error names the second */
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, 1), good, strlen(good));
	q[1] = at_set_str(at_method(AGENT_MC_ENABLED, 1, 2), "x", 1);
	at_set_expect(q, 2, SNMP_ERR_WRONGTYPE, 2);
	ck_assert_uint_eq(m->data_len, strlen("/srv/fax/a"));
	ck_assert(memcmp(m->data, "/srv/fax/a", m->data_len) == 0);
	ck_assert_int_eq(cache_find_method(1, 2)->enabled, 0);
}
END_TEST

/* Good varbinds while faxgwd cannot be reached: commitFailed in ACTION,
 * and the cache keeps its values. */
START_TEST(test_set_not_connected)
{
	const char *good = "/srv/fax/c";
	struct at_vb q[1] = { at_set_str(at_method(AGENT_MC_DATA, 1, 1), good, strlen(good)) };
	const struct cache_method *m = cache_find_method(1, 1);

	at_set_expect(q, 1, SNMP_ERR_COMMITFAILED, 1);
	ck_assert(memcmp(m->data, "/srv/fax/a", m->data_len) == 0);
}
END_TEST

/* --- the SET phases called directly, as a retransmitted AgentX PDU can ---------------
 * snmpd sends a PDU again when the subagent has not answered within
 * agentxTimeout, and the subagent library then runs phases on requests
 * that have seen them already.  Requests are built as the table helpers
 * leave them: table info and the row looked up in RESERVE1. */

struct at_req {
	netsnmp_request_info r;
	netsnmp_table_request_info ti;
	netsnmp_variable_list *vb;
};

static void at_req_init(struct at_req *q, uint32_t port, uint32_t method, const char *data)
{
	memset(q, 0, sizeof(*q));
	q->vb = snmp_varlist_add_variable(&q->vb, NULL, 0, ASN_OCTET_STR, data, strlen(data));
	ck_assert_ptr_nonnull(q->vb);
	q->r.requestvb = q->vb;
	q->ti.colnum = AGENT_MC_DATA;
	q->ti.index_oid[0] = port;
	q->ti.index_oid[1] = method;
	q->ti.index_oid_len = 2;
	netsnmp_request_add_list_data(&q->r, netsnmp_create_data_list(TABLE_HANDLER_NAME, &q->ti,
								      NULL));
	if (cache_find_method(port, method) != NULL)
		netsnmp_request_add_list_data(&q->r, netsnmp_create_data_list(
			TABLE_CONTAINER_ROW, cache_find_method(port, method), NULL));
}

static void at_req_free(struct at_req *q)
{
	netsnmp_free_all_list_data(q->r.parent_data);
	snmp_free_varbind(q->vb);
}

/* How many SET states the request carries. */
static int at_states(const struct at_req *q)
{
	int n = 0;

	for (const netsnmp_data_list *d = q->r.parent_data; d != NULL; d = d->next)
		n += strcmp(d->name, "faxgw:set") == 0;
	return n;
}

static void at_phase(netsnmp_agent_request_info *ri, int mode, netsnmp_request_info *r)
{
	ri->mode = mode;
	ck_assert_int_eq(set_handle(ri, r), SNMP_ERR_NOERROR);
}

/* RESERVE1 and RESERVE2 twice on the same request: one state, one hold;
 * FREE releases it; FREE again finds nothing. */
START_TEST(test_set_phases_reentered)
{
	netsnmp_agent_request_info ri;
	struct at_req q;

	memset(&ri, 0, sizeof(ri));
	at_req_init(&q, 1, 1, "/srv/fax/c");
	for (int round = 0; round < 2; round++) {
		at_phase(&ri, MODE_SET_RESERVE1, &q.r);
		at_phase(&ri, MODE_SET_RESERVE2, &q.r);
		ck_assert_int_eq(q.r.processed, 0);
		ck_assert_int_eq(at_states(&q), 1);
		ck_assert_int_eq(cache_held(), 1);
	}
	at_phase(&ri, MODE_SET_FREE, &q.r);
	ck_assert_int_eq(at_states(&q), 0);
	ck_assert_int_eq(cache_held(), 0);
	at_phase(&ri, MODE_SET_FREE, &q.r);
	ck_assert_int_eq(cache_held(), 0);
	ck_assert_int_eq(q.r.status, SNMP_ERR_NOERROR);
	at_req_free(&q);
}
END_TEST

/* RESERVE2 fails on the second varbind (its row went): FREE releases the
 * first one's state and nothing else; the cache is untouched. */
START_TEST(test_set_free_after_failed_reserve2)
{
	netsnmp_agent_request_info ri;
	struct at_req q1, q2;
	const struct cache_method *m = cache_find_method(1, 1);

	memset(&ri, 0, sizeof(ri));
	at_req_init(&q1, 1, 1, "/srv/fax/c");
	at_req_init(&q2, 1, 9, "/srv/fax/d");
	q1.r.next = &q2.r;
	q2.r.prev = &q1.r;
	at_phase(&ri, MODE_SET_RESERVE2, &q1.r);
	ck_assert_int_eq(at_states(&q1), 1);
	ck_assert_int_eq(at_states(&q2), 0);
	ck_assert_int_eq(q2.r.status, SNMP_ERR_NOCREATION);
	ck_assert_int_eq(cache_held(), 1);
	at_phase(&ri, MODE_SET_FREE, &q1.r);
	ck_assert_int_eq(at_states(&q1), 0);
	ck_assert_int_eq(cache_held(), 0);
	ck_assert_int_eq(q1.r.status, SNMP_ERR_NOERROR);
	ck_assert(memcmp(m->data, "/srv/fax/a", m->data_len) == 0);
	q1.r.next = NULL;
	at_req_free(&q1);
	at_req_free(&q2);
}
END_TEST

/* ACTION for a request whose RESERVE2 never ran: commitFailed on it,
 * nothing sent; UNDO then has nothing to restore. */
START_TEST(test_set_action_without_reserve2)
{
	netsnmp_agent_request_info ri;
	struct at_req q;

	memset(&ri, 0, sizeof(ri));
	at_req_init(&q, 1, 1, "/srv/fax/c");
	at_phase(&ri, MODE_SET_ACTION, &q.r);
	ck_assert_int_eq(q.r.status, SNMP_ERR_COMMITFAILED);
	at_phase(&ri, MODE_SET_UNDO, &q.r);
	ck_assert_int_eq(q.r.status, SNMP_ERR_COMMITFAILED);
	ck_assert_int_eq(cache_held(), 0);
	at_req_free(&q);
}
END_TEST

/* --- fixture "set": a real faxgwd ----------------------------------------------------- */

static uint16_t at_free_udp_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	ck_assert_uint_ne(port, 0);
	return port;
}

static void at_start_faxgwd(void)
{
	char conf[160], path[160], text[2048];
	int len;

	snprintf(path, sizeof(path), "%s/fax", at.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (int i = 0; i < 3; i++) {
		static const char *const sub[] = { "a", "b", "other" };
		snprintf(path, sizeof(path), "%s/fax/%s", at.dir, sub[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/routing.d", at.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/routing.d/ok.sh", at.dir);
	at_write(path, "#!/bin/sh\nexit 0\n", 0755);
	len = snprintf(text, sizeof(text),
		       "[gateway]\nspool = %s/spool\nstate = %s/faxgw.db\ncontrol = %s\n"
		       "extensions = %s\nstore-root = %s/fax\nexec-dir = %s/routing.d\n"
		       "admin-group =\nquery-group =\n"
		       "[port 1]\nname = one\ntransport = t38\nlisten = 127.0.0.1:%u\n"
		       "[port 2]\nname = two\ntransport = t38\nlisten = 127.0.0.1:%u\n",
		       at.dir, at.dir, at.sock,
		       at.ext_dir != NULL ? at.ext_dir : FAXGW_BUILD_DIR "/routing", at.dir, at.dir,
		       (unsigned)at_free_udp_port(), (unsigned)at_free_udp_port());
	ck_assert(len > 0 && (size_t)len < sizeof(text));
	snprintf(conf, sizeof(conf), "%s/faxgw.conf", at.dir);
	at_write(conf, text, 0644);
	at.gwd = fork();
	ck_assert_int_ge(at.gwd, 0);
	if (at.gwd == 0) {
		char log[160];
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		snprintf(log, sizeof(log), "%s/faxgwd.log", at.dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(FAXGW_BUILD_DIR "/faxgwd", "faxgwd", "-f", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		struct stat st;
		if (stat(at.sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return;
		ck_assert_msg(waitpid(at.gwd, NULL, WNOHANG) == 0, "faxgwd exited; see %s",
			      at.dir);
		usleep(25000);
	}
	ck_abort_msg("faxgwd did not open %s", at.sock);
}

/* The agent's cache connects (a helper thread) and reads everything. */
static void at_cache_connect(void)
{
	time_t end = time(NULL) + 10;

	cache_tick();
	while (!cache_connected() && time(NULL) < end) {
		struct pollfd pfd = { .fd = cache_connect_fd(), .events = POLLIN };
		if (pfd.fd >= 0 && poll(&pfd, 1, 100) > 0)
			cache_connect_done();
		else if (pfd.fd < 0)
			cache_tick();
	}
	ck_assert_msg(cache_connected(), "the cache did not connect to faxgwd");
	while (cache_busy())
		cache_step();
	ck_assert_ptr_nonnull(cache_find_method_guid(2, SIF));
}

static void set_setup(void)
{
	at_mkdtemp();
	at_start_faxgwd();
	at_snmp_start(at.sock);
	at_cache_connect();
}

/* What faxgwd has, read through a connection of our own. */
static void at_faxgwd_method(uint32_t port_id, const char *guid, char *data, size_t size,
			     int *enabled)
{
	fgw_handle *srv = NULL, *port = NULL;
	fgw_routing_method *ms = NULL;
	void *d = NULL;
	size_t len = 0, n = 0;

	ck_assert_int_eq(fgw_connect(at.sock, &srv), 0);
	ck_assert_int_eq(fgw_open_port(srv, port_id, FGW_PORT_OPEN_QUERY, &port), 0);
	ck_assert_int_eq(fgw_get_routing_info(port, guid, &d, &len), 0);
	snprintf(data, size, "%.*s", (int)len, (const char *)d);
	fgw_free_buffer(d);
	ck_assert_int_eq(fgw_enum_routing_methods(port, &ms, &n), 0);
	*enabled = -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ms[i].guid, guid) == 0)
			*enabled = ms[i].enabled != 0;
	fgw_free_buffer(ms);
	fgw_close(port);
	fgw_close(srv);
}

/* A change made by another client (through its own connection). */
static void at_faxgwd_set(uint32_t port_id, const char *guid, const char *data, int enable)
{
	fgw_handle *srv = NULL, *port = NULL;

	ck_assert_int_eq(fgw_connect(at.sock, &srv), 0);
	ck_assert_int_eq(fgw_open_port(srv, port_id, FGW_PORT_OPEN_MODIFY, &port), 0);
	ck_assert_int_eq(fgw_set_routing_info(port, guid, data, strlen(data)), 0);
	ck_assert_int_eq(fgw_enable_routing_method(port, guid, enable), 0);
	fgw_close(port);
	fgw_close(srv);
}

static uint32_t at_index(uint32_t port_id, const char *guid)
{
	const struct cache_method *m = cache_find_method_guid(port_id, guid);

	ck_assert_ptr_nonnull(m);
	return m->method_index;
}

START_TEST(test_set_applied)
{
	static const long no = AGENT_FALSE;
	char dir[128], got[FGW_MAX_ROUTING_DATA + 1];
	uint32_t si = at_index(1, SIF);
	struct at_vb q[2];
	netsnmp_pdu *r;
	int enabled;

	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, si), dir, strlen(dir));
	q[1] = at_set_int(at_method(AGENT_MC_ENABLED, 2, at_index(2, SIF)), &no);
	at_set_expect(q, 2, SNMP_ERR_NOERROR, 0);
	at_faxgwd_method(1, SIF, got, sizeof(got), &enabled);
	ck_assert_str_eq(got, dir);
	at_faxgwd_method(2, SIF, got, sizeof(got), &enabled);
	ck_assert_int_eq(enabled, 0);
	/* the next GET sees it */
	q[0] = at_method(AGENT_MC_DATA, 1, si);
	r = at_request(SNMP_MSG_GET, q, 1);
	at_expect_string(at_vb_at(r, 0), dir);
	snmp_free_pdu(r);
}
END_TEST

/* Enabling Run program alone is refused (inconsistentValue); with its
 * data in the same PDU it works; data the extension refuses is
 * wrongValue on that varbind, and nothing of the PDU is applied. */
START_TEST(test_set_faxgwd_errors)
{
	static const long yes = AGENT_TRUE;
	char got[FGW_MAX_ROUTING_DATA + 1], dir[128];
	uint32_t ri = at_index(1, RUNP), si = at_index(1, SIF);
	struct at_vb q[2];
	int enabled;

	q[0] = at_set_int(at_method(AGENT_MC_ENABLED, 1, ri), &yes);
	at_set_expect(q, 1, SNMP_ERR_INCONSISTENTVALUE, 1);
	at_faxgwd_method(1, RUNP, got, sizeof(got), &enabled);
	ck_assert_int_eq(enabled, 0);

	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, si), dir, strlen(dir));
	q[1] = at_set_str(at_method(AGENT_MC_DATA, 1, ri), "../../bin/sh", 12);
	at_set_expect(q, 2, SNMP_ERR_WRONGVALUE, 2);
	at_faxgwd_method(1, SIF, got, sizeof(got), &enabled);
	ck_assert_str_ne(got, dir);

	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, ri), "ok.sh", 5);
	q[1] = at_set_int(at_method(AGENT_MC_ENABLED, 1, ri), &yes);
	at_set_expect(q, 2, SNMP_ERR_NOERROR, 0);
	at_faxgwd_method(1, RUNP, got, sizeof(got), &enabled);
	ck_assert_str_eq(got, "ok.sh");
	ck_assert_int_eq(enabled, 1);
}
END_TEST

/* A port held for MODIFY by another client: resourceUnavailable. */
START_TEST(test_set_port_busy)
{
	char dir[128];
	fgw_handle *srv = NULL, *port = NULL;
	struct at_vb q[1];

	ck_assert_int_eq(fgw_connect(at.sock, &srv), 0);
	ck_assert_int_eq(fgw_open_port(srv, 1, FGW_PORT_OPEN_MODIFY, &port), 0);
	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, at_index(1, SIF)), dir, strlen(dir));
	at_set_expect(q, 1, SNMP_ERR_RESOURCEUNAVAILABLE, 1);
	fgw_close(port);
	fgw_close(srv);
	at_set_expect(q, 1, SNMP_ERR_NOERROR, 0);
}
END_TEST

/* A later varbind fails in ACTION after the faxgw varbinds were applied:
 * UNDO restores what this request changed, and only that (port 2's data,
 * which another client changed meanwhile and the PDU did not touch,
 * keeps that client's value). */
START_TEST(test_undo_after_partial_failure)
{
	static const long no = AGENT_FALSE;
	char before1[FGW_MAX_ROUTING_DATA + 1], got[FGW_MAX_ROUTING_DATA + 1], dir[128],
		other[128];
	uint32_t si = at_index(1, SIF);
	struct at_vb q[3];
	int enabled1, enabled2, e;
	const struct cache_method *m1 = cache_find_method(1, si);

	snprintf(dir, sizeof(dir), "%s/fax/a", at.dir);
	at_faxgwd_set(2, SIF, dir, 1);
	at_faxgwd_method(1, SIF, before1, sizeof(before1), &enabled1);
	at_faxgwd_method(2, SIF, got, sizeof(got), &enabled2);
	ck_assert_int_eq(enabled2, 1);
	ck_assert_str_eq(got, dir);
	/* the cache reads the change (as faxgwd's event would have it do) */
	ck_assert_int_eq(cache_refresh_port(2), 0);
	ck_assert_int_eq(cache_find_method_guid(2, SIF)->enabled, 1);
	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	snprintf(other, sizeof(other), "%s/fax/other", at.dir);
	at.fail_mode = 2;
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, si), dir, strlen(dir));
	q[1] = at_set_int(at_method(AGENT_MC_ENABLED, 2, at_index(2, SIF)), &no);
	q[2] = at_set_int((struct at_vb){ .len = OID_LENGTH(at_fail_after) }, &no);
	memcpy(q[2].name, at_fail_after, sizeof(at_fail_after));
	at_set_expect(q, 3, SNMP_ERR_COMMITFAILED, 3);
	ck_assert_uint_eq(at.fail_actions, 1);
	at_faxgwd_method(1, SIF, got, sizeof(got), &e);
	ck_assert_str_eq(got, before1);
	ck_assert_int_eq(e, enabled1);
	at_faxgwd_method(2, SIF, got, sizeof(got), &e);
	ck_assert_int_eq(e, 1);                      /* restored */
	ck_assert_str_eq(got, other);                /* not the request's: kept */
	/* the cache follows */
	ck_assert_uint_eq(m1->data_len, strlen(before1));
	ck_assert(memcmp(m1->data, before1, m1->data_len) == 0);
	ck_assert_int_eq(cache_find_method_guid(2, SIF)->enabled, 1);
}
END_TEST

/* The failing object first: whatever ACTION did on the faxgw varbinds is
 * undone, so nothing changes. */
START_TEST(test_undo_failure_first)
{
	static const long one = 1;
	char before[FGW_MAX_ROUTING_DATA + 1], got[FGW_MAX_ROUTING_DATA + 1], dir[128];
	uint32_t si = at_index(1, SIF);
	struct at_vb q[2];
	int e0, e;

	at_faxgwd_method(1, SIF, before, sizeof(before), &e0);
	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	at.fail_mode = 1;
	q[0] = at_set_int((struct at_vb){ .len = OID_LENGTH(at_fail_before) }, &one);
	memcpy(q[0].name, at_fail_before, sizeof(at_fail_before));
	q[1] = at_set_str(at_method(AGENT_MC_DATA, 1, si), dir, strlen(dir));
	at_set_expect(q, 2, SNMP_ERR_COMMITFAILED, 1);
	at_faxgwd_method(1, SIF, got, sizeof(got), &e);
	ck_assert_str_eq(got, before);
	ck_assert_int_eq(e, e0);
}
END_TEST

/* A PDU refused in RESERVE1 never reaches ACTION: UNDO (or FREE) must not
 * write anything to faxgwd. */
START_TEST(test_reserve1_failure_changes_nothing)
{
	static const long three = 3;
	char before[FGW_MAX_ROUTING_DATA + 1], got[FGW_MAX_ROUTING_DATA + 1], dir[128];
	uint32_t si = at_index(1, SIF);
	struct at_vb q[2];
	int e0, e;

	at_faxgwd_method(1, SIF, before, sizeof(before), &e0);
	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, si), dir, strlen(dir));
	q[1] = at_set_int(at_method(AGENT_MC_ENABLED, 1, si), &three);
	at_set_expect(q, 2, SNMP_ERR_WRONGVALUE, 2);
	at_faxgwd_method(1, SIF, got, sizeof(got), &e);
	ck_assert_str_eq(got, before);
	ck_assert_int_eq(e, e0);
}
END_TEST

static int64_t at_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* faxgwd stopped (SIGSTOP): the first SET finds it silent in RESERVE2
 * (resourceUnavailable), the next ones find the agent disconnected
 * (commitFailed); each answers well within snmpd's 1 s AgentX timeout and
 * nothing changes.  Continued, faxgwd is reconnected and a SET works. */
START_TEST(test_set_faxgwd_stopped)
{
	char before[FGW_MAX_ROUTING_DATA + 1], got[FGW_MAX_ROUTING_DATA + 1], dir[128];
	uint32_t si = at_index(1, SIF);
	struct at_vb q[1];
	int64_t t0;
	int e0, e;

	at_faxgwd_method(1, SIF, before, sizeof(before), &e0);
	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	q[0] = at_set_str(at_method(AGENT_MC_DATA, 1, si), dir, strlen(dir));
	ck_assert_int_eq(kill(at.gwd, SIGSTOP), 0);
	t0 = at_now_ms();
	at_set_expect(q, 1, SNMP_ERR_RESOURCEUNAVAILABLE, 1);
	ck_assert_int_lt(at_now_ms() - t0, 900);
	ck_assert_int_eq(cache_connected(), 0);
	for (int i = 0; i < 3; i++) {
		t0 = at_now_ms();
		at_set_expect(q, 1, SNMP_ERR_COMMITFAILED, 1);
		ck_assert_int_lt(at_now_ms() - t0, 900);
	}
	ck_assert_int_eq(cache_held(), 0);
	ck_assert_int_eq(kill(at.gwd, SIGCONT), 0);
	at_faxgwd_method(1, SIF, got, sizeof(got), &e);
	ck_assert_str_eq(got, before);
	ck_assert_int_eq(e, e0);
	at_cache_connect();
	at_set_expect(q, 1, SNMP_ERR_NOERROR, 0);
	at_faxgwd_method(1, SIF, got, sizeof(got), &e);
	ck_assert_str_eq(got, dir);
}
END_TEST

/* faxgwd stops between RESERVE2 and ACTION (the test object before ours
 * stops it in its ACTION): the batch gets no answer within the bound, so
 * the outcome is unknown and the SET answers undoFailed quickly; the agent
 * stays up, and once faxgwd is continued the rows are read again. */
START_TEST(test_set_faxgwd_stopped_in_action)
{
	static const long one = 1;
	char dir[128], got[FGW_MAX_ROUTING_DATA + 1];
	uint32_t si = at_index(1, SIF);
	struct at_vb q[2];
	int64_t t0;
	int e;

	snprintf(dir, sizeof(dir), "%s/fax/b", at.dir);
	at.fail_mode = 3;
	q[0] = at_set_int((struct at_vb){ .len = OID_LENGTH(at_fail_before) }, &one);
	memcpy(q[0].name, at_fail_before, sizeof(at_fail_before));
	q[1] = at_set_str(at_method(AGENT_MC_DATA, 1, si), dir, strlen(dir));
	t0 = at_now_ms();
	at_set_expect(q, 2, SNMP_ERR_UNDOFAILED, 2);
	ck_assert_int_lt(at_now_ms() - t0, 900);
	ck_assert_int_eq(cache_held(), 0);
	ck_assert_int_eq(kill(at.gwd, SIGCONT), 0);
	at_cache_connect();
	/* faxgwd carried the batch out when it read it: the cache shows it */
	at_faxgwd_method(1, SIF, got, sizeof(got), &e);
	ck_assert_str_eq(got, dir);
	ck_assert_uint_eq(cache_find_method(1, si)->data_len, strlen(dir));
}
END_TEST

/* --- fixture "events": an extension that does not load --------------------------- */

static char at_ext_dir[128];

static void events_setup(void)
{
	char cmd[512];

	at_mkdtemp();
	snprintf(at_ext_dir, sizeof(at_ext_dir), "%s/ext", at.dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir '%s' && cp '" FAXGW_BUILD_DIR "/routing/store_folder.so' '%s/' && "
		 "echo 'not an ELF file' > '%s/zz_broken.so'", at_ext_dir, at_ext_dir, at_ext_dir);
	ck_assert_int_eq(system(cmd), 0);
	at.ext_dir = at_ext_dir;
	at_start_faxgwd();
	at_snmp_start(at.sock);
	at_cache_connect();
}

/* faxgwd reported the load failure at its start, before anyone
 * subscribed: every new subscriber asking for it gets it once, after the
 * reply to its subscription; one that did not ask gets nothing. */
START_TEST(test_load_failure_replayed)
{
	fgw_handle *srv = NULL, *sub[2] = { NULL, NULL }, *other = NULL;
	fgw_event *ev = NULL;
	uint32_t index = 0;
	const struct cache_ext *e;
	char want[160];

	snprintf(want, sizeof(want), "%s/zz_broken.so: ", at_ext_dir);
	ck_assert_int_eq(fgw_connect(at.sock, &srv), 0);
	ck_assert_int_eq(fgw_subscribe(srv, FGW_EVENT_MASK(FGW_EVENT_ROUTING_CHANGED), &other), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(fgw_subscribe(srv, FGW_EVENT_ALL, &sub[i]), 0);
		ck_assert_int_eq(fgw_read_event(sub[i], &ev, 2000), 0);
		ck_assert_int_eq(ev->type, FGW_EVENT_EXTENSION_LOAD_FAILED);
		ck_assert_msg(strncmp(ev->text, want, strlen(want)) == 0, "%s", ev->text);
		/* the agent finds the extension's row from the event's text */
		e = cache_find_ext_image(ev->text, &index);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->loaded, 0);
		ck_assert_uint_ne(index, 0);
		fgw_free_buffer(ev);
		ev = NULL;
		ck_assert_int_eq(fgw_read_event(sub[i], &ev, 200), FGW_E_TIMEOUT);
	}
	ck_assert_int_eq(fgw_read_event(other, &ev, 200), FGW_E_TIMEOUT);
	ck_assert_int_eq(cache_gateway()->extension_load_failures, 1);
	fgw_close(sub[0]);
	fgw_close(sub[1]);
	fgw_close(other);
	fgw_close(srv);
}
END_TEST


/* --- faxJobTable, faxgwSip, the port columns about calls --------------------------- */

/* A scalar's instance: faxgwObjects.GROUP.WHICH.0 */
static struct at_vb at_scalar(oid group, oid which)
{
	static const oid base[] = { AT_OBJECTS };
	struct at_vb v = { .type = ASN_NULL };

	memcpy(v.name, base, sizeof(base));
	v.len = AT_OBJECTS_LEN;
	v.name[v.len++] = group;
	v.name[v.len++] = which;
	v.name[v.len++] = 0;
	return v;
}

static struct at_vb at_row(oid table, oid col, uint32_t index)
{
	struct at_vb v = { .type = ASN_NULL };

	v.len = at_oid(v.name, table, col, index, 0, 1);
	return v;
}

static void at_expect_typed(netsnmp_variable_list *v, u_char type, unsigned long want)
{
	ck_assert_int_eq(v->type, type);
	ck_assert_uint_eq((unsigned long)*v->val.integer, want);
}

static fgw_job at_job(uint64_t id)
{
	fgw_job j = { .id = id, .port_id = 2, .state = FGW_JOB_DONE, .attempts = 1,
		      .received_time = 1796644800 /* 2026-12-07 12:00:00 UTC */,
		      .pages = 3, .remote_ident = "+49 30 1234", .path = "/spool/x.tif",
		      .last_error = "", .degraded_list = "" };
	return j;
}

/* Jobs put newest first: the table keeps AGENT_JOB_MAX_ROWS of them and a
 * complete refresh removes the ones it did not see; the columns. */
START_TEST(test_job_table_bound)
{
	const uint32_t total = AGENT_JOB_MAX_ROWS + 100;
	fgw_job j;
	uint32_t id;
	int rc = 0;

	cache_jobs_begin();
	for (id = total; id >= 1; id--) {
		j = at_job(id);
		if ((rc = cache_jobs_put(&j)) != 0)
			break;
	}
	cache_jobs_end(1);
	ck_assert_int_eq(rc, -1);
	ck_assert_uint_eq(id, total - AGENT_JOB_MAX_ROWS + 1);
	ck_assert_uint_eq(CONTAINER_SIZE(cache_job_container()), AGENT_JOB_MAX_ROWS);
	ck_assert_ptr_null(cache_find_job(total - AGENT_JOB_MAX_ROWS));
	ck_assert_ptr_nonnull(cache_find_job(total));

	/* 10 newer ones: the 10 oldest rows go, but only when the refresh was
	 * complete. */
	cache_jobs_begin();
	for (id = total + 10; id > total - AGENT_JOB_MAX_ROWS + 10; id--) {
		j = at_job(id);
		cache_jobs_put(&j);
	}
	cache_jobs_end(0);
	ck_assert_uint_eq(CONTAINER_SIZE(cache_job_container()), AGENT_JOB_MAX_ROWS + 10);
	cache_jobs_begin();
	for (id = total + 10; id > total - AGENT_JOB_MAX_ROWS + 10; id--) {
		j = at_job(id);
		cache_jobs_put(&j);
	}
	cache_jobs_end(1);
	ck_assert_uint_eq(CONTAINER_SIZE(cache_job_container()), AGENT_JOB_MAX_ROWS);
	ck_assert_ptr_null(cache_find_job(total - AGENT_JOB_MAX_ROWS + 10));
	ck_assert_ptr_nonnull(cache_find_job(total - AGENT_JOB_MAX_ROWS + 11));
	/* Ids outside Unsigned32 have no row and take no place. */
	cache_jobs_begin();
	j = at_job(1ull << 32);
	ck_assert_int_eq(cache_jobs_put(&j), 0);
	ck_assert_ptr_null(cache_find_job(0));
}
END_TEST

START_TEST(test_job_columns)
{
	static const u_char when[11] = { 0x07, 0xea, 12, 7, 12, 0, 0, 0, '+', 0, 0 };
	fgw_job j = at_job(42);
	struct at_vb q[11];
	netsnmp_pdu *r;
	netsnmp_variable_list *v;

	j.state = FGW_JOB_FAILED;
	j.partial = 1;
	j.attempts = 5;
	j.last_error = "SMTP server down";
	j.degraded_pages = 2;
	j.remote_ident = "Fa\xc3\xa7" "ade 1";  /* UTF-8 */
	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&j), 0);
	cache_jobs_end(1);
	for (oid c = AGENT_JC_DIRECTION; c <= AGENT_JC_DEGRADED_PAGES; c++)
		q[c - AGENT_JC_DIRECTION] = at_row(AGENT_JOB_TABLE, c, 42);
	q[10] = at_scalar(AGENT_GATEWAY, AGENT_SC_JOB_MAX_ROWS);
	r = at_request(SNMP_MSG_GET, q, 11);
	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	at_expect_typed(at_vb_at(r, 0), ASN_INTEGER, AGENT_JOB_RECEIVED);
	at_expect_typed(at_vb_at(r, 1), ASN_UNSIGNED, 2);
	at_expect_typed(at_vb_at(r, 2), ASN_INTEGER, FGW_JOB_FAILED);
	at_expect_string(at_vb_at(r, 3), "Fa\xc3\xa7" "ade 1");
	at_expect_typed(at_vb_at(r, 4), ASN_GAUGE, 3);
	at_expect_typed(at_vb_at(r, 5), ASN_INTEGER, AGENT_TRUE);
	v = at_vb_at(r, 6);
	ck_assert_int_eq(v->type, ASN_OCTET_STR);
	ck_assert_uint_eq(v->val_len, sizeof(when));
	ck_assert(memcmp(v->val.string, when, sizeof(when)) == 0);
	at_expect_typed(at_vb_at(r, 7), ASN_GAUGE, 5);
	at_expect_string(at_vb_at(r, 8), "SMTP server down");
	at_expect_typed(at_vb_at(r, 9), ASN_GAUGE, 2);
	at_expect_typed(at_vb_at(r, 10), ASN_UNSIGNED, AGENT_JOB_MAX_ROWS);
	snmp_free_pdu(r);
}
END_TEST

/* faxgwd's media address text -> FaxgwInetAddressType, bytes and port. */
START_TEST(test_job_address_parse)
{
	static const unsigned char lo6[16] = { [15] = 1 };
	static const unsigned char doc6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	static const char *const bad[] = {
		"", "?", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:+5",
		"127.0.0.1: 5", "256.0.0.1:5", "host.example:5", ":5", "::1:4000",
		"[::1]", "[::1]:", "[::1]4000", "[]:4000", "[127.0.0.1]:4000",
		"[fe80::1%eth0]:4000", "[::1:4000",
	};
	struct cache_job_addr a;

	ck_assert_int_eq(cache_jobs_parse_address("127.0.0.1:5000", &a), 0);
	ck_assert_int_eq(a.type, AGENT_ADDR_IPV4);
	ck_assert_uint_eq(a.len, 4);
	ck_assert(memcmp(a.bytes, "\x7f\x00\x00\x01", 4) == 0);
	ck_assert_uint_eq(a.port, 5000);

	ck_assert_int_eq(cache_jobs_parse_address("[::1]:4000", &a), 0);
	ck_assert_int_eq(a.type, AGENT_ADDR_IPV6);
	ck_assert_uint_eq(a.len, 16);
	ck_assert(memcmp(a.bytes, lo6, 16) == 0);
	ck_assert_uint_eq(a.port, 4000);

	ck_assert_int_eq(cache_jobs_parse_address("[2001:db8::7]:65535", &a), 0);
	ck_assert_int_eq(a.type, AGENT_ADDR_IPV6);
	ck_assert(memcmp(a.bytes, doc6, 16) == 0);
	ck_assert_uint_eq(a.port, 65535);
	ck_assert_int_eq(cache_jobs_parse_address("192.0.2.7:0", &a), 0);
	ck_assert(memcmp(a.bytes, "\xc0\x00\x02\x07", 4) == 0);
	ck_assert_uint_eq(a.port, 0);

	/* Anything else is unknown(0), empty, port 0: nothing of an earlier
	 * parse is left. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(cache_jobs_parse_address("[::1]:4000", &a), 0);
		ck_assert_msg(cache_jobs_parse_address(bad[i], &a) == -1, "'%s' accepted", bad[i]);
		ck_assert_msg(a.type == AGENT_ADDR_UNKNOWN && a.len == 0 && a.port == 0,
			      "'%s' left type %d len %zu port %u", bad[i], a.type, a.len,
			      (unsigned)a.port);
		for (size_t k = 0; k < sizeof(a.bytes); k++)
			ck_assert_uint_eq(a.bytes[k], 0);
	}
	ck_assert_int_eq(cache_jobs_parse_address(NULL, &a), -1);
	ck_assert_int_eq(a.type, AGENT_ADDR_UNKNOWN);
}
END_TEST

/* A GET of the columns about the call (faxJobRemoteAddressType ..
 * faxJobEndTime) of job `id`. */
static netsnmp_pdu *at_job_call_get(uint32_t id)
{
	struct at_vb q[AGENT_JC_END_TIME - AGENT_JC_REMOTE_ADDR_TYPE + 1];
	netsnmp_pdu *r;

	for (oid c = AGENT_JC_REMOTE_ADDR_TYPE; c <= AGENT_JC_END_TIME; c++)
		q[c - AGENT_JC_REMOTE_ADDR_TYPE] = at_row(AGENT_JOB_TABLE, c, id);
	r = at_request(SNMP_MSG_GET, q, sizeof(q) / sizeof(q[0]));
	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	return r;
}

static void at_expect_bytes(netsnmp_variable_list *v, const void *want, size_t len)
{
	ck_assert_int_eq(v->type, ASN_OCTET_STR);
	ck_assert_uint_eq(v->val_len, len);
	ck_assert(len == 0 || memcmp(v->val.string, want, len) == 0);
}

/* Every call column as it reads before the details came: zero/empty. */
static void at_expect_no_call(uint32_t id)
{
	static const u_char zero_date[8] = { 0 };
	netsnmp_pdu *r = at_job_call_get(id);

	at_expect_typed(at_vb_at(r, 0), ASN_INTEGER, AGENT_ADDR_UNKNOWN);
	at_expect_bytes(at_vb_at(r, 1), "", 0);
	at_expect_typed(at_vb_at(r, 2), ASN_UNSIGNED, 0);
	at_expect_typed(at_vb_at(r, 3), ASN_UNSIGNED, 0);
	at_expect_typed(at_vb_at(r, 4), ASN_INTEGER, AGENT_FALSE);
	at_expect_typed(at_vb_at(r, 5), ASN_INTEGER, 0);
	at_expect_string(at_vb_at(r, 6), "");
	at_expect_bytes(at_vb_at(r, 7), zero_date, sizeof(zero_date));
	at_expect_bytes(at_vb_at(r, 8), zero_date, sizeof(zero_date));
	snmp_free_pdu(r);
}

/* The columns from fgw_get_job(): zero/empty until the details are put,
 * then each its own field; put again with another received_time (an id
 * used again), the row loses them. */
START_TEST(test_job_call_columns)
{
	static const u_char start[11] = { 0x07, 0xea, 12, 7, 11, 58, 20, 0, '+', 0, 0 };
	static const u_char end[11] = { 0x07, 0xea, 12, 7, 11, 59, 55, 0, '+', 0, 0 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x12, [15] = 0x34 };
	fgw_job j = at_job(42), other = at_job(41);
	fgw_job_info info = { .caller = "[2001:db8::1234]:40002",
			      .start_time = 1796644700, .end_time = 1796644795,
			      .bit_rate = 14400, .ecm = 1, .t30_status = -7,
			      .t30_text = "Caf\xc3\xa9 hung up" };
	netsnmp_pdu *r;
	netsnmp_variable_list *v;

	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&j), 0);
	ck_assert_int_eq(cache_jobs_put(&other), 0);
	cache_jobs_end(1);
	ck_assert_uint_eq(cache_jobs_undetailed(), 2);
	at_expect_no_call(42);

	info.job = j;
	info.job.id = 43;                        /* no such row */
	ck_assert_int_eq(cache_jobs_put_info(&info), -1);
	info.job.id = 42;
	info.job.received_time = j.received_time + 1;  /* not the row's job */
	ck_assert_int_eq(cache_jobs_put_info(&info), -1);
	at_expect_no_call(42);
	info.job.received_time = j.received_time;
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	ck_assert_uint_eq(cache_jobs_undetailed(), 1);

	r = at_job_call_get(42);
	at_expect_typed(at_vb_at(r, 0), ASN_INTEGER, AGENT_ADDR_IPV6);
	at_expect_bytes(at_vb_at(r, 1), v6, sizeof(v6));
	at_expect_typed(at_vb_at(r, 2), ASN_UNSIGNED, 40002);
	at_expect_typed(at_vb_at(r, 3), ASN_UNSIGNED, 14400);
	at_expect_typed(at_vb_at(r, 4), ASN_INTEGER, AGENT_TRUE);
	v = at_vb_at(r, 5);
	ck_assert_int_eq(v->type, ASN_INTEGER);
	ck_assert_int_eq(*v->val.integer, -7);
	at_expect_string(at_vb_at(r, 6), "Caf\xc3\xa9 hung up");
	at_expect_bytes(at_vb_at(r, 7), start, sizeof(start));
	at_expect_bytes(at_vb_at(r, 8), end, sizeof(end));
	snmp_free_pdu(r);
	at_expect_no_call(41);                   /* the other row has none */

	/* IPv4, no ECM: the same columns with the other values. */
	info.caller = "127.0.0.1:5000";
	info.ecm = 0;
	info.t30_status = 0;
	info.t30_text = "OK";
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	r = at_job_call_get(42);
	at_expect_typed(at_vb_at(r, 0), ASN_INTEGER, AGENT_ADDR_IPV4);
	at_expect_bytes(at_vb_at(r, 1), "\x7f\x00\x00\x01", 4);
	at_expect_typed(at_vb_at(r, 2), ASN_UNSIGNED, 5000);
	at_expect_typed(at_vb_at(r, 4), ASN_INTEGER, AGENT_FALSE);
	at_expect_typed(at_vb_at(r, 5), ASN_INTEGER, 0);
	at_expect_string(at_vb_at(r, 6), "OK");
	snmp_free_pdu(r);

	/* A re-read keeps them; the same id with another received_time
	 * (a new spool) does not. */
	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&j), 0);
	cache_jobs_end(0);
	ck_assert_uint_eq(cache_find_job(42)->remote.port, 5000);
	ck_assert_int_eq(cache_find_job(42)->detailed, 1);
	j.received_time += 60;
	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&j), 0);
	cache_jobs_end(0);
	ck_assert_int_eq(cache_find_job(42)->detailed, 0);
	at_expect_no_call(42);
	ck_assert_uint_eq(cache_jobs_undetailed(), 2);
}
END_TEST

/* faxPortChannels/ActiveCalls/SipUsers: a t38 port takes one call, a sip
 * port's come from the SIP model; the faxgwSip scalars. */
START_TEST(test_sip_columns_and_scalars)
{
	fgw_sip_stats gw = { .running = 1, .calls = 2, .invites = 0x100000005ull,
			     .answered = 4, .rejected = { 0, 0, 0, 5, 6, 7, 8 },
			     .t38_sent = 9, .t38_accepted = 10, .t38_refused = 11,
			     .t38_peer = 12, .refreshes = 13 };
	fgw_sip_port sp = { .port_id = 3, .channels = 4, .sip_users = "*",
			    .stats = { .calls = 2 } };
	struct cache_port *p = cache_put_port(3);
	struct at_vb q[9 + 13];
	netsnmp_pdu *r;
	size_t n = 0;

	ck_assert_ptr_nonnull(p);
	p->transport = FGW_TRANSPORT_SIP;
	cache_find_port(1)->state = FGW_PORT_RECEIVING;
	ck_assert_int_eq(cache_sip_set(&gw, &sp, 1), 0);
	for (uint32_t id = 1; id <= 3; id++)
		for (oid c = AGENT_PC_CHANNELS; c <= AGENT_PC_SIP_USERS; c++)
			q[n++] = at_row(AGENT_PORT_TABLE, c, id);
	for (oid w = AGENT_SIP_RUNNING; w <= AGENT_SIP_REFRESHES; w++)
		q[n++] = at_scalar(AGENT_SIP, w);
	r = at_request(SNMP_MSG_GET, q, n);
	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	at_expect_typed(at_vb_at(r, 0), ASN_GAUGE, 1);   /* port 1: receiving */
	at_expect_typed(at_vb_at(r, 1), ASN_GAUGE, 1);
	at_expect_string(at_vb_at(r, 2), "");
	at_expect_typed(at_vb_at(r, 3), ASN_GAUGE, 1);   /* port 2: idle */
	at_expect_typed(at_vb_at(r, 4), ASN_GAUGE, 0);
	at_expect_string(at_vb_at(r, 5), "");
	at_expect_typed(at_vb_at(r, 6), ASN_GAUGE, 4);   /* port 3: sip */
	at_expect_typed(at_vb_at(r, 7), ASN_GAUGE, 2);
	at_expect_string(at_vb_at(r, 8), "*");
	at_expect_typed(at_vb_at(r, 9), ASN_INTEGER, AGENT_TRUE);
	at_expect_typed(at_vb_at(r, 10), ASN_GAUGE, 2);
	at_expect_typed(at_vb_at(r, 11), ASN_COUNTER, 5); /* low 32 bits */
	for (size_t i = 12; i < 22; i++)
		at_expect_typed(at_vb_at(r, i), ASN_COUNTER, i - 8);
	snmp_free_pdu(r);
}
END_TEST

/* Against a real faxgwd that has none of these jobs: a details pass asks
 * for the newest AGENT_JOB_DETAILS_PER_PASS rows only; faxgwd's "no such
 * job" counts as done (the row goes at the next re-read), so the next
 * pass takes the rest, and the rows read zero/empty meanwhile. */
START_TEST(test_job_details_pass_live)
{
	const uint32_t n = AGENT_JOB_DETAILS_PER_PASS + 8;
	fgw_job j;

	cache_jobs_begin();
	for (uint32_t id = n; id >= 1; id--) {
		j = at_job(id);
		ck_assert_int_eq(cache_jobs_put(&j), 0);
	}
	cache_jobs_end(1);
	ck_assert_uint_eq(cache_jobs_undetailed(), n);
	ck_assert_int_eq(cache_jobs_details(), 0);
	ck_assert_uint_eq(cache_jobs_undetailed(), 8);
	for (uint32_t id = 1; id <= n; id++)
		ck_assert_msg(cache_find_job(id)->detailed == (id > 8), "job %u", (unsigned)id);
	at_expect_no_call(n);
	ck_assert_int_eq(cache_jobs_details(), 0);
	ck_assert_uint_eq(cache_jobs_undetailed(), 0);
	ck_assert_int_eq(cache_connected(), 1);
}
END_TEST

static int at_conn_changes[2];

static void at_on_connection(int connected)
{
	at_conn_changes[connected != 0]++;
}

/* Against a real faxgwd with no job: a refresh empties the job table (a
 * complete one removes rows it did not see), the SIP model matches what
 * faxgwd says, and a faxgwd that goes away is reported once. */
START_TEST(test_jobs_sip_refresh_live)
{
	fgw_job j = at_job(77);
	fgw_handle *srv = NULL;
	fgw_sip_stats gw;
	fgw_sip_port *ports = NULL;
	size_t n = 0;
	int st;

	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&j), 0);
	cache_jobs_end(1);
	ck_assert_ptr_nonnull(cache_find_job(77));
	ck_assert_int_eq(cache_jobs_refresh(), 0);
	ck_assert_ptr_null(cache_find_job(77));
	ck_assert_uint_eq(CONTAINER_SIZE(cache_job_container()), 0);

	ck_assert_int_eq(fgw_connect(at.sock, &srv), 0);
	ck_assert_int_eq(fgw_get_sip_info(srv, &gw, &ports, &n), 0);
	fgw_free_buffer(ports);
	fgw_close(srv);
	ck_assert_int_eq(cache_sip_refresh(), 0);
	ck_assert_uint_eq(cache_sip_stats()->running, gw.running);
	ck_assert_uint_eq(cache_sip_stats()->invites, gw.invites);

	at_conn_changes[0] = at_conn_changes[1] = 0;
	cache_on_connection(at_on_connection);
	kill(at.gwd, SIGTERM);
	waitpid(at.gwd, &st, 0);
	at.gwd = -1;
	ck_assert_int_ne(cache_sip_refresh(), 0);
	ck_assert_int_eq(cache_connected(), 0);
	ck_assert_int_eq(cache_jobs_refresh(), FGW_E_CLOSED);
	cache_on_connection(NULL);
	ck_assert_int_eq(at_conn_changes[0], 1);
	ck_assert_int_eq(at_conn_changes[1], 0);
	/* the rows stay, stale, while faxgwd is away */
	ck_assert_uint_eq(cache_sip_stats()->running, gw.running);
}
END_TEST

/* --- sending: the port counters, sent faxes in faxJobTable, faxSendFailed --------- */

/* faxPortFaxesSent/PagesSent/SendFailures: each its own field (distinct
 * values, so a swap fails), Counter32 of the low 32 bits; the last
 * column of faxPortTable, then the next table. */
START_TEST(test_port_send_columns)
{
	struct cache_port *p = cache_find_port(2);
	struct at_vb q[7];
	oid want[MAX_OID_LEN];
	netsnmp_pdu *r;
	size_t n;

	ck_assert_ptr_nonnull(p);
	p->faxes_sent = 0x100000011ull;
	p->pages_sent = 52;
	p->send_failures = 3;
	for (oid c = AGENT_PC_FAXES_SENT; c <= AGENT_PC_SEND_FAILURES; c++) {
		q[c - AGENT_PC_FAXES_SENT] = at_row(AGENT_PORT_TABLE, c, 2);
		q[3 + c - AGENT_PC_FAXES_SENT] = at_row(AGENT_PORT_TABLE, c, 1);
	}
	q[6] = at_row(AGENT_PORT_TABLE, AGENT_PC_SEND_FAILURES, 2);
	r = at_request(SNMP_MSG_GET, q, 6);
	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	at_expect_typed(at_vb_at(r, 0), ASN_COUNTER, 0x11);
	at_expect_typed(at_vb_at(r, 1), ASN_COUNTER, 52);
	at_expect_typed(at_vb_at(r, 2), ASN_COUNTER, 3);
	for (size_t i = 3; i < 6; i++)            /* port 1 sent nothing */
		at_expect_typed(at_vb_at(r, i), ASN_COUNTER, 0);
	snmp_free_pdu(r);
	/* GETNEXT from the last instance of the last column leaves the table */
	r = at_request(SNMP_MSG_GETNEXT, &q[6], 1);
	n = at_oid(want, AGENT_METHOD_TABLE, AGENT_MC_GUID, 1, 1, 2);
	at_expect_name(at_vb_at(r, 0), want, n);
	snmp_free_pdu(r);
	/* and faxPortSipUsers.2 is followed by faxPortFaxesSent.1 */
	q[0] = at_row(AGENT_PORT_TABLE, AGENT_PC_SIP_USERS, 2);
	r = at_request(SNMP_MSG_GETNEXT, q, 1);
	n = at_oid(want, AGENT_PORT_TABLE, AGENT_PC_FAXES_SENT, 1, 0, 1);
	at_expect_name(at_vb_at(r, 0), want, n);
	at_expect_typed(at_vb_at(r, 0), ASN_COUNTER, 0);
	snmp_free_pdu(r);
}
END_TEST

static fgw_job at_send_job(uint64_t id, fgw_job_state state)
{
	fgw_job j = at_job(id);

	j.direction = FGW_DIR_SEND;
	j.state = state;
	j.port_id = 3;
	j.pages = 1;
	j.attempts = 2;
	j.remote_ident = "+1 555 0100";
	j.last_error = "SIP 486 Busy Here";
	j.to = "sip:5550100@pbx.example.com";
	return j;
}

/* Every new column of a sent fax's row and of a received one (a send
 * job's columns empty there), the new states passed through as they are. */
START_TEST(test_job_send_columns)
{
	static const fgw_job_state states[] = { FGW_JOB_QUEUED, FGW_JOB_DIALING,
						FGW_JOB_SENDING, FGW_JOB_DONE,
						FGW_JOB_FAILED, FGW_JOB_CANCELLED };
	fgw_job s = at_send_job(50, FGW_JOB_QUEUED), rx = at_job(49);
	fgw_job_info info = { .caller = "192.0.2.7:4002", .bit_rate = 9600,
			      .document_pages = 4, .sip_status = 486,
			      .submitted_by = "uid 1000 (alice)" };
	struct at_vb q[15];
	netsnmp_pdu *r;
	size_t n = 0;

	rx.direction = FGW_DIR_RECEIVE;
	rx.to = "";
	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&s), 0);
	ck_assert_int_eq(cache_jobs_put(&rx), 0);
	cache_jobs_end(1);
	info.job = s;
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	info.job = rx;                               /* a received fax's details */
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);

	for (uint32_t id = 50; id >= 49; id--) {
		q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_DIRECTION, id);
		q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_PORT, id);
		q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_STATE, id);
		q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_DESTINATION, id);
		q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_DOCUMENT_PAGES, id);
		q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_SIP_STATUS, id);
		q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_SUBMITTED_BY, id);
	}
	q[n++] = at_row(AGENT_JOB_TABLE, AGENT_JC_LAST_ERROR, 50);
	r = at_request(SNMP_MSG_GET, q, n);
	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	at_expect_typed(at_vb_at(r, 0), ASN_INTEGER, AGENT_JOB_SENT);
	at_expect_typed(at_vb_at(r, 1), ASN_UNSIGNED, 3);
	at_expect_typed(at_vb_at(r, 2), ASN_INTEGER, 6);             /* queued(6) */
	at_expect_string(at_vb_at(r, 3), "sip:5550100@pbx.example.com");
	at_expect_typed(at_vb_at(r, 4), ASN_GAUGE, 4);
	at_expect_typed(at_vb_at(r, 5), ASN_UNSIGNED, 486);
	at_expect_string(at_vb_at(r, 6), "uid 1000 (alice)");
	at_expect_typed(at_vb_at(r, 7), ASN_INTEGER, AGENT_JOB_RECEIVED);
	at_expect_typed(at_vb_at(r, 8), ASN_UNSIGNED, 2);
	at_expect_typed(at_vb_at(r, 9), ASN_INTEGER, FGW_JOB_DONE);
	at_expect_string(at_vb_at(r, 10), "");
	at_expect_typed(at_vb_at(r, 11), ASN_GAUGE, 0);
	at_expect_typed(at_vb_at(r, 12), ASN_UNSIGNED, 0);
	at_expect_string(at_vb_at(r, 13), "");
	at_expect_string(at_vb_at(r, 14), "SIP 486 Busy Here");
	snmp_free_pdu(r);

	/* A direction faxgwd did not set (0) is a received fax. */
	rx.direction = 0;
	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&rx), 0);
	cache_jobs_end(0);
	q[0] = at_row(AGENT_JOB_TABLE, AGENT_JC_DIRECTION, 49);
	r = at_request(SNMP_MSG_GET, q, 1);
	at_expect_typed(at_vb_at(r, 0), ASN_INTEGER, AGENT_JOB_RECEIVED);
	snmp_free_pdu(r);

	/* Each state of a send job reads as its fgw_job_state number, which
	 * faxJobState's enumeration matches (mib.sh checks the MIB side). */
	q[0] = at_row(AGENT_JOB_TABLE, AGENT_JC_STATE, 50);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		s.state = states[i];
		cache_jobs_begin();
		ck_assert_int_eq(cache_jobs_put(&s), 0);
		cache_jobs_end(0);
		r = at_request(SNMP_MSG_GET, q, 1);
		at_expect_typed(at_vb_at(r, 0), ASN_INTEGER, (unsigned long)states[i]);
		snmp_free_pdu(r);
	}

	/* A SIP status outside faxJobSipStatus's range reads 0. */
	info.job = s;
	info.sip_status = 1000;
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	q[0] = at_row(AGENT_JOB_TABLE, AGENT_JC_SIP_STATUS, 50);
	r = at_request(SNMP_MSG_GET, q, 1);
	at_expect_typed(at_vb_at(r, 0), ASN_UNSIGNED, 0);
	snmp_free_pdu(r);
}
END_TEST

/* A send job's details are its last attempt's: fetched again when the
 * listing shows another state or attempt count, the old values kept
 * until then; a received fax's never are. */
START_TEST(test_job_send_details_again)
{
	fgw_job s = at_send_job(60, FGW_JOB_DIALING), rx = at_job(59);
	fgw_job_info info = { .caller = "192.0.2.7:4002", .sip_status = 180 };

	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&s), 0);
	ck_assert_int_eq(cache_jobs_put(&rx), 0);
	cache_jobs_end(1);
	info.job = s;
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	info.job = rx;
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	ck_assert_uint_eq(cache_jobs_undetailed(), 0);

	/* the same listing again: nothing to fetch */
	cache_jobs_begin();
	cache_jobs_put(&s);
	cache_jobs_put(&rx);
	cache_jobs_end(1);
	ck_assert_uint_eq(cache_jobs_undetailed(), 0);

	/* the send job answered, the received one failed routing: only the
	 * send job waits, and reads its old call meanwhile */
	s.state = FGW_JOB_SENDING;
	rx.state = FGW_JOB_FAILED;
	rx.attempts = 3;
	cache_jobs_begin();
	cache_jobs_put(&s);
	cache_jobs_put(&rx);
	cache_jobs_end(1);
	ck_assert_uint_eq(cache_jobs_undetailed(), 1);
	ck_assert_int_eq(cache_find_job(60)->detailed, 0);
	ck_assert_int_eq(cache_find_job(59)->detailed, 1);
	ck_assert_uint_eq(cache_find_job(60)->remote.port, 4002);
	ck_assert_uint_eq(cache_find_job(60)->sip_status, 180);
	info.job = s;
	info.sip_status = 200;
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	ck_assert_uint_eq(cache_find_job(60)->sip_status, 200);
	ck_assert_uint_eq(cache_jobs_undetailed(), 0);

	/* back to queued after a failed attempt, then dialled again: the same
	 * state as before but one more attempt */
	s.state = FGW_JOB_QUEUED;
	cache_jobs_begin();
	cache_jobs_put(&s);
	cache_jobs_end(1);
	ck_assert_uint_eq(cache_jobs_undetailed(), 1);
	info.job = s;
	ck_assert_int_eq(cache_jobs_put_info(&info), 0);
	s.attempts++;
	cache_jobs_begin();
	cache_jobs_put(&s);
	cache_jobs_end(0);
	ck_assert_uint_eq(cache_jobs_undetailed(), 1);
}
END_TEST

/* cache_jobs_put_job(): fgw_get_job()'s answer makes a missing row with
 * every column, or updates one; ids without a faxJobIndex are refused. */
START_TEST(test_job_put_job)
{
	fgw_job_info info = { .job = at_send_job(70, FGW_JOB_FAILED), .caller = "127.0.0.1:5000",
			      .document_pages = 2, .sip_status = 404,
			      .submitted_by = "uid 0 (root)" };
	const struct cache_job *j;

	ck_assert_ptr_null(cache_find_job(70));
	ck_assert_int_eq(cache_jobs_put_job(&info), 0);
	j = cache_find_job(70);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(j->direction, AGENT_JOB_SENT);
	ck_assert_int_eq(j->state, FGW_JOB_FAILED);
	ck_assert_uint_eq(j->port_id, 3);
	ck_assert_str_eq(j->destination, "sip:5550100@pbx.example.com");
	ck_assert_str_eq(j->last_error, "SIP 486 Busy Here");
	ck_assert_uint_eq(j->attempts, 2);
	ck_assert_int_eq(j->detailed, 1);
	ck_assert_uint_eq(j->remote.port, 5000);
	ck_assert_uint_eq(j->document_pages, 2);
	ck_assert_uint_eq(j->sip_status, 404);
	ck_assert_str_eq(j->submitted_by, "uid 0 (root)");
	/* again, changed: the same row */
	info.job.last_error = "SIP 404 Not Found";
	ck_assert_int_eq(cache_jobs_put_job(&info), 0);
	ck_assert_ptr_eq(cache_find_job(70), j);
	ck_assert_str_eq(j->last_error, "SIP 404 Not Found");
	ck_assert_uint_eq(CONTAINER_SIZE(cache_job_container()), 1);
	info.job.id = 0;
	ck_assert_int_eq(cache_jobs_put_job(&info), -1);
	info.job.id = 1ull << 32;
	ck_assert_int_eq(cache_jobs_put_job(&info), -1);
	ck_assert_uint_eq(CONTAINER_SIZE(cache_job_container()), 1);
	/* not connected: fetching one job says so and changes nothing */
	ck_assert_int_eq(cache_jobs_fetch(70), FGW_E_CLOSED);
	ck_assert_str_eq(j->last_error, "SIP 404 Not Found");
}
END_TEST

/* The notifications the agent sends, as Net-SNMP hands each SNMPv2-Trap
 * PDU to its SEND_TRAP2 callbacks (netsnmp_send_traps()): a copy of the
 * varbinds of each. */
static struct {
	netsnmp_variable_list *vars[8];
	size_t n;
} at_traps;

static int at_on_trap(int major, int minor, void *server_arg, void *client_arg)
{
	netsnmp_pdu *pdu = server_arg;

	(void)major;
	(void)minor;
	(void)client_arg;
	if (at_traps.n < sizeof(at_traps.vars) / sizeof(at_traps.vars[0]))
		at_traps.vars[at_traps.n++] = snmp_clone_varbind(pdu->variables);
	return SNMPERR_SUCCESS;
}

static void at_traps_start(void)
{
	at_traps.n = 0;
	ck_assert_int_eq(snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_SEND_TRAP2,
						at_on_trap, NULL), SNMPERR_SUCCESS);
}

static void at_traps_stop(void)
{
	snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_SEND_TRAP2, at_on_trap,
				 NULL, 1);
	for (size_t i = 0; i < at_traps.n; i++)
		snmp_free_varbind(at_traps.vars[i]);
	at_traps.n = 0;
}

/* The varbind after sysUpTime.0 and snmpTrapOID.0: the i-th object. */
static netsnmp_variable_list *at_trap_object(netsnmp_variable_list *v, size_t i)
{
	for (i += 2; v != NULL && i > 0; i--)
		v = v->next_variable;
	ck_assert_ptr_nonnull(v);
	return v;
}

static void at_expect_trap_oid(netsnmp_variable_list *v, oid which)
{
	static const oid trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	const oid want[] = { 1, 3, 6, 1, 4, 1, 32473, 1, 0, which };

	ck_assert_ptr_nonnull(v->next_variable);
	v = v->next_variable;                     /* after sysUpTime.0 */
	at_expect_name(v, trap_oid, OID_LENGTH(trap_oid));
	ck_assert_int_eq(v->type, ASN_OBJECT_ID);
	ck_assert_msg(snmp_oid_compare(v->val.objid, v->val_len / sizeof(oid), want,
				       OID_LENGTH(want)) == 0, "another notification");
}

/* Each varbind of faxSendFailed, in the order of its OBJECTS. */
static void at_expect_send_failed(netsnmp_variable_list *v, uint32_t job, uint32_t port,
				  const char *dest, const char *name, unsigned long failures,
				  const char *job_text, const char *reason)
{
	static const oid notify_base[] = { AT_OBJECTS, AGENT_NOTIFY_OBJECTS };
	oid want[MAX_OID_LEN];
	size_t n, count = 0;

	at_expect_trap_oid(v, AGENT_TRAP_SEND_FAILED);
	for (netsnmp_variable_list *x = v; x != NULL; x = x->next_variable)
		count++;
	ck_assert_uint_eq(count, 2 + 6);
	n = at_oid(want, AGENT_JOB_TABLE, AGENT_JC_PORT, job, 0, 1);
	at_expect_name(at_trap_object(v, 0), want, n);
	at_expect_typed(at_trap_object(v, 0), ASN_UNSIGNED, port);
	n = at_oid(want, AGENT_JOB_TABLE, AGENT_JC_DESTINATION, job, 0, 1);
	at_expect_name(at_trap_object(v, 1), want, n);
	at_expect_string(at_trap_object(v, 1), dest);
	n = at_oid(want, AGENT_PORT_TABLE, AGENT_PC_NAME, port, 0, 1);
	at_expect_name(at_trap_object(v, 2), want, n);
	at_expect_string(at_trap_object(v, 2), name);
	n = at_oid(want, AGENT_PORT_TABLE, AGENT_PC_SEND_FAILURES, port, 0, 1);
	at_expect_name(at_trap_object(v, 3), want, n);
	at_expect_typed(at_trap_object(v, 3), ASN_COUNTER, failures);
	memcpy(want, notify_base, sizeof(notify_base));
	n = OID_LENGTH(notify_base);
	want[n] = AGENT_NO_JOB_ID;
	want[n + 1] = 0;
	at_expect_name(at_trap_object(v, 4), want, n + 2);
	at_expect_string(at_trap_object(v, 4), job_text);
	want[n] = AGENT_NO_REASON;
	at_expect_name(at_trap_object(v, 5), want, n + 2);
	at_expect_string(at_trap_object(v, 5), reason);
}

/* faxSendFailed: sent for a send job that failed for good, from its row
 * and its port's; not for a failed attempt that is retried, nor for the
 * other send events.  An id beyond Unsigned32 has instance 0. */
START_TEST(test_send_failed_trap)
{
	static const fgw_event_type quiet[] = { FGW_EVENT_SEND_QUEUED, FGW_EVENT_SEND_DIALING,
						 FGW_EVENT_SEND_DONE };
	fgw_job s = at_send_job(80, FGW_JOB_FAILED);
	fgw_event ev = { .type = FGW_EVENT_SEND_FAILED, .port_id = 2, .job_id = 80,
			 .guid = "", .text = "SIP 486 Busy Here (3 attempts)",
			 .job_state = FGW_JOB_QUEUED };
	struct cache_port *p = cache_find_port(2);

	ck_assert_ptr_nonnull(p);
	p->send_failures = 0x100000004ull;
	s.port_id = 2;
	cache_jobs_begin();
	ck_assert_int_eq(cache_jobs_put(&s), 0);
	cache_jobs_end(1);
	at_traps_start();

	/* an attempt failed, to be retried; the other send events */
	cache_jobs_event(&ev);
	notify_event(&ev);
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		fgw_event o = ev;
		o.type = quiet[i];
		o.job_state = quiet[i] == FGW_EVENT_SEND_DONE ? FGW_JOB_DONE : FGW_JOB_DIALING;
		cache_jobs_event(&o);
		notify_event(&o);
	}
	ck_assert_uint_eq(at_traps.n, 0);

	/* failed for good */
	ev.job_state = FGW_JOB_FAILED;
	cache_jobs_event(&ev);
	notify_event(&ev);
	ck_assert_uint_eq(at_traps.n, 1);
	at_expect_send_failed(at_traps.vars[0], 80, 2, "sip:5550100@pbx.example.com", "port-2", 4,
			      "80", "SIP 486 Busy Here (3 attempts)");

	/* a job the agent has no row for, on a port it does not know: the
	 * notification still goes, with what there is */
	ev.job_id = 5000000000ull;
	ev.port_id = 9;
	ev.text = NULL;
	notify_event(&ev);
	ck_assert_uint_eq(at_traps.n, 2);
	at_expect_send_failed(at_traps.vars[1], 0, 9, "", "", 0, "5000000000", "");
	at_traps_stop();
}
END_TEST

/* Against a real faxgwd (which has sent nothing): the send counters of
 * every port read 0 through the cache's own reading of faxgwd. */
START_TEST(test_port_send_counters_live)
{
	struct at_vb q[6];
	netsnmp_pdu *r;
	size_t n = 0;

	for (uint32_t id = 1; id <= 2; id++)
		for (oid c = AGENT_PC_FAXES_SENT; c <= AGENT_PC_SEND_FAILURES; c++)
			q[n++] = at_row(AGENT_PORT_TABLE, c, id);
	r = at_request(SNMP_MSG_GET, q, n);
	ck_assert_int_eq(r->errstat, SNMP_ERR_NOERROR);
	for (size_t i = 0; i < n; i++)
		at_expect_typed(at_vb_at(r, i), ASN_COUNTER, 0);
	snmp_free_pdu(r);
	/* faxgwd has no job 12345: fetching it is "no such job", no row */
	ck_assert_int_eq(cache_jobs_fetch(12345), FGW_E_NO_JOB);
	ck_assert_ptr_null(cache_find_job(12345));
	ck_assert_int_eq(cache_connected(), 1);
}
END_TEST

Suite *agent_tables_suite(void)
{
	Suite *s = suite_create("agent_tables");
	TCase *rd = tcase_create("read");
	TCase *st = tcase_create("set");
	TCase *ev = tcase_create("events");

	tcase_add_checked_fixture(rd, read_setup, at_teardown);
	tcase_add_test(rd, test_get_values);
	tcase_add_test(rd, test_get_missing);
	tcase_add_test(rd, test_getnext_table_ends);
	tcase_add_test(rd, test_getnext_empty_table);
	tcase_add_test(rd, test_set_reserve1_errors);
	tcase_add_test(rd, test_set_not_connected);
	tcase_add_test(rd, test_set_phases_reentered);
	tcase_add_test(rd, test_set_free_after_failed_reserve2);
	tcase_add_test(rd, test_set_action_without_reserve2);
	tcase_add_test(rd, test_job_table_bound);
	tcase_add_test(rd, test_job_columns);
	tcase_add_test(rd, test_job_address_parse);
	tcase_add_test(rd, test_job_call_columns);
	tcase_add_test(rd, test_sip_columns_and_scalars);
	tcase_add_test(rd, test_port_send_columns);
	tcase_add_test(rd, test_job_send_columns);
	tcase_add_test(rd, test_job_send_details_again);
	tcase_add_test(rd, test_job_put_job);
	tcase_add_test(rd, test_send_failed_trap);
	suite_add_tcase(s, rd);

	tcase_add_checked_fixture(st, set_setup, at_teardown);
	tcase_set_timeout(st, 30);
	tcase_add_test(st, test_set_applied);
	tcase_add_test(st, test_set_faxgwd_errors);
	tcase_add_test(st, test_set_port_busy);
	tcase_add_test(st, test_undo_after_partial_failure);
	tcase_add_test(st, test_undo_failure_first);
	tcase_add_test(st, test_reserve1_failure_changes_nothing);
	tcase_add_test(st, test_set_faxgwd_stopped);
	tcase_add_test(st, test_set_faxgwd_stopped_in_action);
	tcase_add_test(st, test_job_details_pass_live);
	tcase_add_test(st, test_jobs_sip_refresh_live);
	tcase_add_test(st, test_port_send_counters_live);
	suite_add_tcase(s, st);

	tcase_add_checked_fixture(ev, events_setup, at_teardown);
	tcase_set_timeout(ev, 30);
	tcase_add_test(ev, test_load_failure_replayed);
	suite_add_tcase(s, ev);
	return s;
}
