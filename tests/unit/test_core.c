/*
 * test_core.c - the routing model behind the control server: ports,
 * methods, priorities, all-or-nothing changes, audit, events, and what
 * survives a restart.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <faxgw/admin.h>

#include "testutil.h"
#include "config.h"
#include "core.h"
#include "extension.h"
#include "rtable.h"
#include "state.h"

Suite *core_suite(void);

#define SF_GUID "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"
#define RP_GUID "{57b68a34-09e7-416d-82b1-7e98d07dbdaf}"
#define OK_GUID1 "{00000000-0000-4000-8000-000000000001}"
#define OK_GUID2 "{00000000-0000-4000-8000-000000000002}"

static char tc_root[256];
static char tc_path[4][1024];
static struct config *tc_cfg;
static struct core *tc_core;
static char tc_reason[FGW_MAX_ERROR_TEXT];
static const struct core_who tc_admin = { 0, 1, NULL };
static const struct core_who tc_snmp = { 0, 2, "snmp" };

/* Events seen by the sink. */
static fgw_event tc_events[64];
static char tc_event_text[64][256];
static size_t tc_nevents;

static const char *tc_p(const char *rel)
{
	static unsigned next;
	char *p = tc_path[next++ % 4];

	snprintf(p, sizeof(tc_path[0]), "%s/%s", tc_root, rel);
	return p;
}

static void tc_install(const char *rel, const char *name)
{
	testutil_install_built(rel, tc_p(name));
}

static void tc_sink(void *arg, const fgw_event *ev)
{
	(void)arg;
	if (tc_nevents >= 64)
		return;
	tc_events[tc_nevents] = *ev;
	snprintf(tc_event_text[tc_nevents], sizeof(tc_event_text[0]), "%s",
		 ev->text ? ev->text : "");
	tc_events[tc_nevents].text = tc_event_text[tc_nevents];
	tc_events[tc_nevents].guid = "";
	tc_nevents++;
}

static void tc_start(void)
{
	char err[512];

	ck_assert_msg(core_new(tc_cfg, &tc_core, err, sizeof(err)) == 0, "%s", err);
}

static void tc_restart(void)
{
	core_free(tc_core);
	tc_core = NULL;
	tc_start();
}

static void tc_setup(void)
{
	snprintf(tc_root, sizeof(tc_root), "/tmp/faxgw-core-XXXXXX");
	ck_assert(mkdtemp(tc_root) != NULL);
	mkdir(tc_p("ext"), 0755);
	mkdir(tc_p("fax"), 0755);
	mkdir(tc_p("fax/inbox"), 0755);
	mkdir(tc_p("fax/other"), 0755);
	mkdir(tc_p("exec"), 0755);
	tc_cfg = testutil_config(tc_root,
				 "admin-group =\n"
				 "query-group =\n"
				 "[port 7]\n"
				 "name = audio-7\n"
				 "transport = audio\n"
				 "listen = 127.0.0.1:4002\n"
				 "[port 1]\n"
				 "name = t38-1\n"
				 "transport = t38\n"
				 "listen = 127.0.0.1:4000\n"
				 "local-ident = +1 555 0100\n");
	tc_install("routing/store_folder.so", "ext/store_folder.so");
	tc_install("routing/run_program.so", "ext/run_program.so");
	tc_install("test-ext/test_ok.so", "ext/test_ok.so");
	tc_install("test-ext/no_entry.so", "ext/no_entry.so");
	tc_nevents = 0;
	tc_core = NULL;
}

static void tc_teardown(void)
{
	core_free(tc_core);
	config_free(tc_cfg);
	testutil_rmtree(tc_root);
}

static fgw_routing_change tc_set(uint32_t port, const char *guid, const char *data)
{
	fgw_routing_change ch = { 0 };

	ch.port_id = port;
	ch.guid = guid;
	ch.set_data = 1;
	ch.data = data;
	ch.data_len = strlen(data);
	return ch;
}

static fgw_routing_change tc_enable(uint32_t port, const char *guid, int enabled)
{
	fgw_routing_change ch = { 0 };

	ch.port_id = port;
	ch.guid = guid;
	ch.set_enabled = 1;
	ch.enabled = enabled;
	return ch;
}

static int tc_apply1(fgw_routing_change ch)
{
	size_t failed = 99;

	return core_apply(tc_core, &ch, 1, &tc_admin, &failed, tc_reason, sizeof(tc_reason));
}

/* The method of that GUID as seen on a port. */
static fgw_routing_method tc_method(uint32_t port, const char *guid)
{
	fgw_routing_method m;

	for (size_t i = 0; i < core_method_count(tc_core); i++) {
		ck_assert_int_eq(core_method_at(tc_core, port, i, &m), 0);
		if (strcmp(m.guid, guid) == 0)
			return m;
	}
	ck_abort_msg("method %s not found", guid);
	return m;
}

static int tc_data_is(uint32_t port, const char *guid, const char *want)
{
	const void *data;
	size_t len;

	ck_assert_int_eq(core_get_routing_info(tc_core, port, guid, &data, &len), 0);
	return len == strlen(want) && memcmp(data, want, len) == 0;
}

static void tc_check_permutation(void)
{
	size_t n = core_method_count(tc_core);
	int seen[FGW_MAX_METHODS + 1] = { 0 };

	for (size_t i = 0; i < n; i++) {
		fgw_global_routing_info g;
		ck_assert_int_eq(core_global_at(tc_core, i, &g), 0);
		ck_assert_uint_eq(g.priority, i + 1);
		ck_assert(!seen[g.priority]);
		seen[g.priority] = 1;
	}
}

/* --- tests ------------------------------------------------------------------------ */

START_TEST(test_ports_methods_extensions)
{
	fgw_port_info pi;
	fgw_gateway_info gi;
	fgw_extension_info ei;
	fgw_routing_method m;

	tc_start();
	ck_assert_uint_eq(core_port_count(tc_core), 2);
	ck_assert_int_eq(core_port_at(tc_core, 0, &pi), 0);
	ck_assert_uint_eq(pi.id, 1);
	ck_assert_str_eq(pi.name, "t38-1");
	ck_assert_int_eq(pi.transport, FGW_TRANSPORT_T38);
	ck_assert_str_eq(pi.local_address, "127.0.0.1:4000");
	ck_assert_str_eq(pi.local_ident, "+1 555 0100");
	ck_assert_int_eq(pi.state, FGW_PORT_IDLE);
	ck_assert_int_eq(core_port_at(tc_core, 1, &pi), 0);
	ck_assert_uint_eq(pi.id, 7);
	ck_assert_int_eq(pi.transport, FGW_TRANSPORT_AUDIO);
	ck_assert_int_eq(core_port_get(tc_core, 7, &pi), 0);
	ck_assert_int_eq(core_port_get(tc_core, 2, &pi), FGW_E_NO_PORT);
	ck_assert_int_eq(core_port_at(tc_core, 2, &pi), FGW_E_NO_PORT);

	ck_assert_uint_eq(core_method_count(tc_core), 4);
	tc_check_permutation();
	ck_assert_uint_eq(core_extension_count(tc_core), 4);
	ck_assert_int_eq(core_gateway_info(tc_core, &gi), 0);
	ck_assert_uint_eq(gi.port_count, 2);
	ck_assert_uint_eq(gi.extension_load_failures, 1);
	ck_assert_str_eq(gi.version, FAXGW_VERSION);
	ck_assert_int_eq(core_extension_at(tc_core, 0, &ei), 0);
	ck_assert_ptr_nonnull(strstr(ei.image_name, "/no_entry.so"));
	ck_assert(!ei.loaded);
	ck_assert_str_ne(ei.error, "");

	m = tc_method(7, SF_GUID);
	ck_assert_uint_eq(m.device_id, 7);
	ck_assert_str_eq(m.device_name, "audio-7");
	ck_assert(!m.enabled);
	ck_assert_str_eq(m.function_name, "RouteStoreInFolder");
	ck_assert_str_eq(m.friendly_name, "Store in folder");
	ck_assert_str_eq(m.extension_friendly_name, "faxgw standard routing: store in folder");
	ck_assert_ptr_nonnull(strstr(m.extension_image_name, "/store_folder.so"));
	ck_assert_str_eq(m.last_error, "");
	ck_assert_int_eq(core_method_at(tc_core, 3, 0, &m), FGW_E_NO_PORT);
	ck_assert_int_eq(core_method_at(tc_core, 1, 4, &m), FGW_E_NO_METHOD);
}
END_TEST

START_TEST(test_set_enable_and_audit)
{
	fgw_audit_entry *a = NULL;
	size_t n = 0;
	char folder[1024];

	tc_start();
	snprintf(folder, sizeof(folder), "%s", tc_p("fax/inbox"));
	ck_assert_int_eq(tc_apply1(tc_set(1, SF_GUID, folder)), 0);
	ck_assert(tc_data_is(1, SF_GUID, folder));
	ck_assert(!tc_method(1, SF_GUID).enabled);
	ck_assert_int_eq(tc_apply1(tc_enable(1, SF_GUID, 1)), 0);
	ck_assert(tc_method(1, SF_GUID).enabled);
	/* Upper-case GUIDs are accepted too. */
	ck_assert_int_eq(tc_apply1(tc_set(7, "{00000000-0000-4000-8000-000000000001}",
					  "good\x01\xc3\xa9\\")), 0);
	fgw_routing_change ch = tc_enable(1, SF_GUID, 0);
	ck_assert_int_eq(core_apply(tc_core, &ch, 1, &tc_snmp, NULL, tc_reason,
				    sizeof(tc_reason)), 0);

	ck_assert_int_eq(core_audit(tc_core, 10, &a, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(a[0].who, "uid 0 (root)");
	ck_assert_uint_eq(a[0].uid, 0);
	ck_assert_ptr_nonnull(strstr(a[0].what, "port 1 " SF_GUID " data"));
	ck_assert_str_eq(a[0].old_value, "");
	ck_assert_str_eq(a[0].new_value, folder);
	ck_assert_ptr_nonnull(strstr(a[1].what, "port 1 " SF_GUID " enabled"));
	ck_assert_str_eq(a[1].old_value, "no");
	ck_assert_str_eq(a[1].new_value, "yes");
	ck_assert_str_eq(a[2].new_value, "good\\x01\xc3\xa9\\\\");
	ck_assert_str_eq(a[3].who, "snmp (uid 0)");
	ck_assert_str_eq(a[3].new_value, "no");
	free(a);

	/* Survives a restart. */
	tc_restart();
	ck_assert(tc_data_is(1, SF_GUID, folder));
	ck_assert(!tc_method(1, SF_GUID).enabled);
	ck_assert(tc_data_is(7, OK_GUID1, "good\x01\xc3\xa9\\"));
}
END_TEST

START_TEST(test_refusals)
{
	char big[FGW_MAX_ROUTING_DATA + 2];
	fgw_routing_change ch;

	tc_start();
	memset(big, 'g', sizeof(big));
	memcpy(big, "good", 4);
	big[sizeof(big) - 1] = '\0';
	ch = tc_set(1, OK_GUID1, big);
	ck_assert_uint_eq(ch.data_len, FGW_MAX_ROUTING_DATA + 1);
	ck_assert_int_eq(tc_apply1(ch), FGW_E_TOO_BIG);
	ch.data_len = FGW_MAX_ROUTING_DATA;
	ck_assert_int_eq(tc_apply1(ch), 0);

	ck_assert_int_eq(tc_apply1(tc_set(2, OK_GUID1, "good")), FGW_E_NO_PORT);
	ck_assert_int_eq(tc_apply1(tc_set(1, "{00000000-0000-4000-8000-0000000000ff}", "good")),
			 FGW_E_NO_METHOD);
	ck_assert_int_eq(tc_apply1(tc_set(1, OK_GUID2, "bad")), FGW_E_BAD_DATA);
	ck_assert_str_eq(tc_reason, "test data must start with 'good'");

	/* Store in folder: outside store-root, through "..", through a symlink. */
	ck_assert_int_eq(tc_apply1(tc_set(1, SF_GUID, "/tmp")), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(tc_reason, "not below store-root"));
	char p[1200];
	snprintf(p, sizeof(p), "%s/fax/inbox/../..", tc_root);
	ck_assert_int_eq(tc_apply1(tc_set(1, SF_GUID, p)), FGW_E_BAD_DATA);
	ck_assert_int_eq(symlink("/tmp", tc_p("fax/tmplink")), 0);
	ck_assert_int_eq(tc_apply1(tc_set(1, SF_GUID, tc_p("fax/tmplink"))), FGW_E_BAD_DATA);
	/* Run program: not in exec-dir, not executable. */
	ck_assert_int_eq(tc_apply1(tc_set(1, RP_GUID, "/bin/sh")), FGW_E_BAD_DATA);
	int fd = open(tc_p("exec/prog"), O_WRONLY | O_CREAT, 0644);
	close(fd);
	ck_assert_int_eq(tc_apply1(tc_set(1, RP_GUID, "prog")), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(tc_reason, "not executable"));

	/* Enabling without data is refused; so is enabling with bad stored data. */
	ck_assert_int_eq(tc_apply1(tc_enable(7, OK_GUID2, 1)), FGW_E_NOT_ENABLEABLE);
	ck_assert_str_eq(tc_reason, "no test data set");
	ck_assert_int_eq(tc_apply1(tc_enable(7, SF_GUID, 1)), FGW_E_NOT_ENABLEABLE);
	ck_assert_ptr_nonnull(strstr(tc_reason, "no folder set"));
	/* Disabling never needs data. */
	ck_assert_int_eq(tc_apply1(tc_enable(7, SF_GUID, 0)), 0);
	ck_assert_int_eq(tc_apply1(tc_enable(7, SF_GUID, 0)), 0);

	ck_assert_int_eq(core_apply(tc_core, NULL, 0, &tc_admin, NULL, NULL, 0), 0);
	ch = tc_set(1, NULL, "good");
	ck_assert_int_eq(tc_apply1(ch), FGW_E_INVAL);
}
END_TEST

START_TEST(test_batch_all_or_nothing)
{
	fgw_routing_change ch[4];
	fgw_audit_entry *a = NULL;
	size_t failed = 0, n = 0;
	char folder[1024];

	tc_start();
	snprintf(folder, sizeof(folder), "%s", tc_p("fax/inbox"));
	/* Data and enable in one batch, in either order. */
	ch[0] = tc_enable(1, OK_GUID1, 1);
	ch[1] = tc_set(1, OK_GUID1, "good one");
	ck_assert_int_eq(core_apply(tc_core, ch, 2, &tc_admin, &failed, tc_reason,
				    sizeof(tc_reason)), 0);
	ck_assert(tc_method(1, OK_GUID1).enabled);

	/* One bad change: nothing happens. */
	ch[0] = tc_set(1, OK_GUID1, "good two");
	ch[1] = tc_set(7, SF_GUID, folder);
	ch[2] = tc_enable(7, SF_GUID, 1);
	ch[3] = tc_enable(7, OK_GUID2, 1);
	ck_assert_int_eq(core_apply(tc_core, ch, 4, &tc_admin, &failed, tc_reason,
				    sizeof(tc_reason)), FGW_E_NOT_ENABLEABLE);
	ck_assert_uint_eq(failed, 3);
	ck_assert(tc_data_is(1, OK_GUID1, "good one"));
	ck_assert(tc_data_is(7, SF_GUID, ""));
	ck_assert(!tc_method(7, SF_GUID).enabled);
	/* Bad data in the middle. */
	ch[3] = tc_set(7, OK_GUID2, "bad");
	ck_assert_int_eq(core_apply(tc_core, ch, 4, &tc_admin, &failed, tc_reason,
				    sizeof(tc_reason)), FGW_E_BAD_DATA);
	ck_assert_uint_eq(failed, 3);
	/* Setting bad... then clearing the data of an enabled method. */
	ch[3] = tc_set(1, OK_GUID1, "");
	ck_assert_int_eq(core_apply(tc_core, ch, 4, &tc_admin, &failed, tc_reason,
				    sizeof(tc_reason)), FGW_E_NOT_ENABLEABLE);
	ck_assert_uint_eq(failed, 3);
	/* Disabling in the same batch makes it fine. */
	fgw_routing_change ch5[5] = { ch[0], ch[1], ch[2], ch[3], tc_enable(1, OK_GUID1, 0) };
	ck_assert_int_eq(core_apply(tc_core, ch5, 5, &tc_admin, &failed, tc_reason,
				    sizeof(tc_reason)), 0);
	ck_assert(tc_data_is(1, OK_GUID1, ""));
	ck_assert(!tc_method(1, OK_GUID1).enabled);
	ck_assert(tc_method(7, SF_GUID).enabled);
	ck_assert_int_eq(core_audit(tc_core, 100, &a, &n), 0);
	size_t before = n;
	free(a);

	/* A failed batch after a restart: still nothing changed, no audit. */
	tc_restart();
	ch[0] = tc_enable(7, SF_GUID, 0);
	ch[1] = tc_set(1, OK_GUID2, "nope");
	ck_assert_int_eq(core_apply(tc_core, ch, 2, &tc_admin, &failed, tc_reason,
				    sizeof(tc_reason)), FGW_E_BAD_DATA);
	ck_assert_uint_eq(failed, 1);
	tc_restart();
	ck_assert(tc_method(7, SF_GUID).enabled);
	ck_assert(tc_data_is(7, SF_GUID, folder));
	ck_assert(tc_data_is(1, OK_GUID1, ""));
	ck_assert_int_eq(core_audit(tc_core, 100, &a, &n), 0);
	ck_assert_uint_eq(n, before);
	free(a);

	/* Over FGW_MAX_BATCH. */
	fgw_routing_change *many = calloc(FGW_MAX_BATCH + 1, sizeof(*many));
	for (size_t i = 0; i <= FGW_MAX_BATCH; i++)
		many[i] = tc_enable(1, OK_GUID1, 0);
	ck_assert_int_eq(core_apply(tc_core, many, FGW_MAX_BATCH + 1, &tc_admin, &failed,
				    tc_reason, sizeof(tc_reason)), FGW_E_TOO_BIG);
	ck_assert_uint_eq(failed, FGW_MAX_BATCH + 1);
	free(many);
}
END_TEST

START_TEST(test_storage_failure_changes_nothing)
{
	sqlite3 *db = NULL;
	fgw_routing_change ch[2];
	size_t failed = 0;

	tc_start();
	/* Another connection holds the write lock past the busy timeout? Too
	 * slow; a trigger that fails the write is quicker. */
	snprintf(tc_reason, sizeof(tc_reason), "%s/state.db", tc_root);
	ck_assert_int_eq(sqlite3_open(tc_reason, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TRIGGER no_port7 BEFORE INSERT ON port_routing "
				      "WHEN NEW.port_id = 7 BEGIN SELECT RAISE(ABORT, "
				      "'disk on fire'); END", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ch[0] = tc_set(1, OK_GUID1, "good 1");
	ch[1] = tc_set(7, OK_GUID1, "good 7");
	ck_assert_int_eq(core_apply(tc_core, ch, 2, &tc_admin, &failed, tc_reason,
				    sizeof(tc_reason)), FGW_E_STORAGE);
	ck_assert_uint_eq(failed, 2);
	ck_assert_ptr_nonnull(strstr(tc_reason, "disk on fire"));
	ck_assert(tc_data_is(1, OK_GUID1, ""));
	tc_restart();
	ck_assert(tc_data_is(1, OK_GUID1, ""));
}
END_TEST

START_TEST(test_priorities)
{
	fgw_global_routing_info g;
	char order[4][40];

	tc_start();
	ck_assert_int_eq(core_set_priority(tc_core, OK_GUID2, 1, &tc_admin, tc_reason,
					   sizeof(tc_reason)), 0);
	tc_check_permutation();
	ck_assert_int_eq(core_global_at(tc_core, 0, &g), 0);
	ck_assert_str_eq(g.guid, OK_GUID2);
	ck_assert_int_eq(core_set_priority(tc_core, OK_GUID2, 4, &tc_admin, tc_reason,
					   sizeof(tc_reason)), 0);
	tc_check_permutation();
	ck_assert_int_eq(core_global_at(tc_core, 3, &g), 0);
	ck_assert_str_eq(g.guid, OK_GUID2);
	ck_assert_int_eq(core_set_priority(tc_core, SF_GUID, 3, &tc_admin, tc_reason,
					   sizeof(tc_reason)), 0);
	ck_assert_int_eq(core_set_priority(tc_core, SF_GUID, 0, &tc_admin, tc_reason,
					   sizeof(tc_reason)), FGW_E_INVAL);
	ck_assert_int_eq(core_set_priority(tc_core, SF_GUID, 5, &tc_admin, tc_reason,
					   sizeof(tc_reason)), FGW_E_INVAL);
	ck_assert_int_eq(core_set_priority(tc_core, "{x}", 1, &tc_admin, tc_reason,
					   sizeof(tc_reason)), FGW_E_NO_METHOD);
	tc_check_permutation();
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(core_global_at(tc_core, i, &g), 0);
		snprintf(order[i], sizeof(order[i]), "%s", g.guid);
	}
	ck_assert_str_eq(order[2], SF_GUID);
	tc_restart();
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(core_global_at(tc_core, i, &g), 0);
		ck_assert_str_eq(g.guid, order[i]);
	}
	ck_assert_uint_eq(tc_method(1, SF_GUID).priority, 3);

	fgw_audit_entry *a = NULL;
	size_t n = 0;
	ck_assert_int_eq(core_audit(tc_core, 1, &a, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0].what, "priority " SF_GUID);
	ck_assert_str_eq(a[0].old_value, "2");
	ck_assert_str_eq(a[0].new_value, "3");
	free(a);
}
END_TEST

START_TEST(test_indexes_stable_across_extension_changes)
{
	uint32_t idx[4];
	const char *guids[4] = { SF_GUID, RP_GUID, OK_GUID1, OK_GUID2 };
	fgw_global_routing_info g;

	/* Start without test_ok, add it later: appended at the end. */
	unlink(tc_p("ext/test_ok.so"));
	tc_start();
	ck_assert_uint_eq(core_method_count(tc_core), 2);
	ck_assert_int_eq(core_set_priority(tc_core, SF_GUID, 2, &tc_admin, tc_reason,
					   sizeof(tc_reason)), 0);
	tc_install("test-ext/test_ok.so", "ext/test_ok.so");
	tc_restart();
	ck_assert_uint_eq(core_method_count(tc_core), 4);
	tc_check_permutation();
	ck_assert_int_eq(core_global_at(tc_core, 0, &g), 0);
	ck_assert_str_eq(g.guid, RP_GUID);
	ck_assert_int_eq(core_global_at(tc_core, 1, &g), 0);
	ck_assert_str_eq(g.guid, SF_GUID);
	ck_assert_int_eq(core_global_at(tc_core, 2, &g), 0);
	ck_assert_str_eq(g.guid, OK_GUID1);
	ck_assert_int_eq(core_global_at(tc_core, 3, &g), 0);
	ck_assert_str_eq(g.guid, OK_GUID2);
	for (size_t i = 0; i < 4; i++)
		idx[i] = tc_method(1, guids[i]).method_index;
	ck_assert_uint_ne(idx[0], idx[1]);
	ck_assert_uint_ne(idx[2], idx[3]);

	/* Enable a test method, then remove the extension and bring it back. */
	fgw_routing_change ch[2] = { tc_set(7, OK_GUID2, "good x"), tc_enable(7, OK_GUID2, 1) };
	ck_assert_int_eq(core_apply(tc_core, ch, 2, &tc_admin, NULL, tc_reason,
				    sizeof(tc_reason)), 0);
	ck_assert_int_eq(core_set_priority(tc_core, OK_GUID2, 1, &tc_admin, tc_reason,
					   sizeof(tc_reason)), 0);
	unlink(tc_p("ext/test_ok.so"));
	tc_restart();
	ck_assert_uint_eq(core_method_count(tc_core), 2);
	tc_check_permutation();
	ck_assert_uint_eq(tc_method(1, SF_GUID).method_index, idx[0]);
	ck_assert_uint_eq(tc_method(1, RP_GUID).method_index, idx[1]);
	/* A new extension meanwhile gets a new index, never a reused one. */
	tc_install("test-ext/crash_route.so", "ext/crash_route.so");
	tc_restart();
	uint32_t crash = tc_method(1, "{00000000-0000-4000-8000-000000000004}").method_index;
	for (size_t i = 0; i < 4; i++)
		ck_assert_uint_ne(crash, idx[i]);
	tc_install("test-ext/test_ok.so", "ext/test_ok.so");
	tc_restart();
	ck_assert_uint_eq(core_method_count(tc_core), 5);
	tc_check_permutation();
	for (size_t i = 0; i < 4; i++)
		ck_assert_uint_eq(tc_method(1, guids[i]).method_index, idx[i]);
	ck_assert(tc_method(7, OK_GUID2).enabled);
	ck_assert(tc_data_is(7, OK_GUID2, "good x"));
	/* Its methods come back in the order they had among themselves. */
	ck_assert_uint_lt(tc_method(1, OK_GUID2).priority, tc_method(1, OK_GUID1).priority);
}
END_TEST

START_TEST(test_events)
{
	tc_start();
	core_set_event_sink(tc_core, tc_sink, NULL);
	ck_assert_uint_eq(tc_nevents, 1);
	ck_assert_int_eq(tc_events[0].type, FGW_EVENT_EXTENSION_LOAD_FAILED);
	ck_assert_ptr_nonnull(strstr(tc_events[0].text, "no_entry.so"));
	core_set_event_sink(tc_core, tc_sink, NULL);
	ck_assert_uint_eq(tc_nevents, 1);

	fgw_routing_change ch[2] = { tc_set(7, OK_GUID1, "good"), tc_enable(7, OK_GUID1, 1) };
	ck_assert_int_eq(core_apply(tc_core, ch, 2, &tc_admin, NULL, tc_reason,
				    sizeof(tc_reason)), 0);
	ck_assert_uint_eq(tc_nevents, 3);
	ck_assert_int_eq(tc_events[1].type, FGW_EVENT_ROUTING_CHANGED);
	ck_assert_uint_eq(tc_events[1].port_id, 7);
	/* What changed and who changed it (FAXGW-MIB faxRoutingChanged). */
	ck_assert_msg(strncmp(tc_events[2].text, "enabled by uid ", 15) == 0, "%s",
		      tc_events[2].text);
	/* A refused change emits nothing. */
	ck_assert_int_eq(tc_apply1(tc_set(7, OK_GUID1, "bad")), FGW_E_BAD_DATA);
	ck_assert_uint_eq(tc_nevents, 3);
	ck_assert_int_eq(core_set_priority(tc_core, OK_GUID1, 1, &tc_admin, tc_reason,
					   sizeof(tc_reason)), 0);
	ck_assert_uint_eq(tc_nevents, 4);
	ck_assert_int_eq(tc_events[3].type, FGW_EVENT_ROUTING_CHANGED);
	ck_assert_uint_eq(tc_events[3].port_id, 0);
	ck_assert_msg(strncmp(tc_events[3].text, "priority 1 by uid ", 18) == 0, "%s",
		      tc_events[3].text);
}
END_TEST

START_TEST(test_default_initial_routing)
{
	char folder[1024];

	snprintf(folder, sizeof(folder), "%s", tc_p("fax/new/inbox"));
	snprintf(tc_cfg->default_store_folder, sizeof(tc_cfg->default_store_folder), "%s",
		 folder);
	tc_start();
	ck_assert(tc_method(1, SF_GUID).enabled);
	ck_assert(tc_method(7, SF_GUID).enabled);
	ck_assert(tc_data_is(7, SF_GUID, folder));
	ck_assert_int_eq(access(folder, W_OK), 0);
	/* Only on a new database: an admin's choice stays. */
	ck_assert_int_eq(tc_apply1(tc_enable(7, SF_GUID, 0)), 0);
	tc_restart();
	ck_assert(!tc_method(7, SF_GUID).enabled);
	ck_assert(tc_method(1, SF_GUID).enabled);

	struct core_route r[8];
	size_t n = 0;
	ck_assert_int_eq(core_port_routes(tc_core, 1, r, 8, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(r[0].method->guid, SF_GUID);
	ck_assert_ptr_nonnull(r[0].method->fn);
	ck_assert_uint_eq(r[0].len, strlen(folder));
	ck_assert_int_eq(core_port_routes(tc_core, 7, r, 8, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(core_port_routes(tc_core, 9, r, 8, &n), FGW_E_NO_PORT);
}
END_TEST

START_TEST(test_counters_jobs_retry)
{
	char err[512];
	fgw_port_info pi;
	fgw_routing_method m;
	fgw_gateway_info gi;
	fgw_job *jobs = NULL;
	size_t n = 0;
	sqlite3 *db = NULL;

	tc_start();
	struct state *st = core_state(tc_core);
	ck_assert_int_eq(state_count_received(st, 7, 4, "REMOTE-TSID", err, sizeof(err)), 0);
	ck_assert_int_eq(state_count_routing(st, 7, SF_GUID, 0, "folder gone", err,
					     sizeof(err)), 0);
	ck_assert_int_eq(core_port_get(tc_core, 7, &pi), 0);
	ck_assert_uint_eq(pi.faxes_received, 1);
	ck_assert_uint_eq(pi.pages_received, 4);
	ck_assert_uint_eq(pi.routing_failures, 1);
	ck_assert_str_eq(pi.last_remote_ident, "REMOTE-TSID");
	m = tc_method(7, SF_GUID);
	ck_assert_uint_eq(m.failures, 1);
	ck_assert_str_eq(m.last_error, "folder gone");
	tc_restart();
	m = tc_method(7, SF_GUID);
	ck_assert_uint_eq(m.failures, 1);

	snprintf(err, sizeof(err), "%s/state.db", tc_root);
	ck_assert_int_eq(sqlite3_open(err, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO jobs(id, port_id, state, path) VALUES"
				      " (5, 7, 4, '/spool/failed/5.tif'), (6, 1, 5, '/s/6.tif'),"
				      " (8, 1, 1, '/s/8.tif')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(core_gateway_info(tc_core, &gi), 0);
	ck_assert_uint_eq(gi.dead_letters, 1);
	ck_assert_uint_eq(gi.unrouted, 1);
	ck_assert_uint_eq(gi.spool_pending, 1);
	ck_assert_int_eq(core_jobs(tc_core, 1, &jobs, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(jobs[0].path, "/spool/failed/5.tif");
	free(jobs);
	ck_assert_int_eq(core_retry_job(tc_core, 5, &tc_admin, tc_reason, sizeof(tc_reason)), 0);
	ck_assert_int_eq(core_retry_job(tc_core, 55, &tc_admin, tc_reason, sizeof(tc_reason)),
			 FGW_E_NO_JOB);
	ck_assert_int_eq(core_jobs(tc_core, 1, &jobs, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(jobs);
	fgw_audit_entry *a = NULL;
	ck_assert_int_eq(core_audit(tc_core, 1, &a, &n), 0);
	ck_assert_str_eq(a[0].what, "job 5");
	free(a);
}
END_TEST

Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tc_setup, tc_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ports_methods_extensions);
	tcase_add_test(tc, test_set_enable_and_audit);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_batch_all_or_nothing);
	tcase_add_test(tc, test_storage_failure_changes_nothing);
	tcase_add_test(tc, test_priorities);
	tcase_add_test(tc, test_indexes_stable_across_extension_changes);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_default_initial_routing);
	tcase_add_test(tc, test_counters_jobs_retry);
	suite_add_tcase(s, tc);
	return s;
}
