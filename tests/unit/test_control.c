/*
 * test_control.c - the control server with a real core, driven through
 * the real libfaxgw API.  The server (config, core, control, event loop)
 * runs in a forked child; closing its stop pipe makes it shut down
 * cleanly, and its exit status says it survived everything.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include <faxgw/admin.h>

#include "caps.h"
#include "config.h"
#include "control.h"
#include "core.h"
#include "testsrv.h"
#include "testutil.h"
#include "wire.h"

Suite *control_suite(void);

#define SIF "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"
#define NOBODY 65534

static struct testsrv srv;
static struct {
	const char *admin_group;              /* NULL: empty */
	const char *extensions;               /* NULL: the shipped ones */
	unsigned idle_ms;                     /* 0: faxgwd's default */
	int reload[2];                        /* a new admin-group name, as by SIGHUP */
	int reloaded[2];                      /* the server's answer: "r" */
} opt;

/* --- the server in a child ---------------------------------------------------- */

/* A reload as faxgwd does it on SIGHUP: the new groups, then every open
 * connection's rights checked again. */
struct srv_reload {
	struct config *cfg;
	struct control *ctl;
};

static void srv_on_reload(evutil_socket_t fd, short what, void *arg)
{
	struct srv_reload *r = arg;
	char name[64];
	ssize_t n = read(fd, name, sizeof(name) - 1);

	(void)what;
	if (n <= 0)
		return;
	name[n] = '\0';
	snprintf(r->cfg->admin_group, sizeof(r->cfg->admin_group), "%s", name);
	control_recheck_rights(r->ctl);
	if (write(opt.reloaded[1], "r", 1) != 1)
		_exit(4);
}

/* In the child: the idle timeout the test wants, and reloads on demand. */
static void srv_hook(struct event_base *base, struct config *cfg, struct control *ctl,
		     void *arg)
{
	static struct srv_reload reload;

	(void)arg;
	if (opt.idle_ms != 0)
		control_set_idle_timeout(ctl, opt.idle_ms);
	reload = (struct srv_reload){ cfg, ctl };
	event_add(event_new(base, opt.reload[0], EV_READ | EV_PERSIST, srv_on_reload, &reload),
		  NULL);
}

static void srv_config(const char *query_group)
{
	const struct testsrv_opts o = {
		.sock = "run/sub/faxgw.sock", .extensions = opt.extensions,
		.admin_group = opt.admin_group, .query_group = query_group, .udp_base = 14000,
	};

	testsrv_config(&srv, &o);
	srv.hook = srv_hook;
}

static void srv_start(const char *query_group)
{
	srv_config(query_group);
	testsrv_start(&srv);
}

static void srv_stop(void)
{
	testsrv_stop(&srv);
}

static void setup(void)
{
	testsrv_init(&srv, "faxgw-control");
	memset(&opt, 0, sizeof(opt));
	ck_assert_int_eq(pipe(opt.reload), 0);
	ck_assert_int_eq(pipe(opt.reloaded), 0);
}

static void teardown(void)
{
	for (size_t i = 0; i < 2; i++) {
		close(opt.reload[i]);
		close(opt.reloaded[i]);
	}
	testsrv_cleanup(&srv);
}

static fgw_handle *connect_ok(void)
{
	fgw_handle *h = NULL;
	int rc = fgw_connect(srv.sock, &h);

	ck_assert_msg(rc == 0, "connect: %s: %s", fgw_strerror(rc), fgw_last_error_message(NULL));
	return h;
}

static fgw_handle *open_ok(fgw_handle *s, uint32_t port, int flags)
{
	fgw_handle *p = NULL;
	int rc = fgw_open_port(s, port, flags, &p);

	ck_assert_msg(rc == 0, "open port %u: %s: %s", (unsigned)port, fgw_strerror(rc),
		      fgw_last_error_message(s));
	return p;
}

static const char *inbox(void)
{
	static char path[FGW_MAX_PATH];
	snprintf(path, sizeof(path), "%s/fax/inbox", srv.dir);
	return path;
}

/* --- tests --------------------------------------------------------------------- */

START_TEST(test_query_handle_cannot_change)
{
	srv_start("");
	fgw_handle *s = connect_ok();
	fgw_handle *p = open_ok(s, 1, FGW_PORT_OPEN_QUERY);
	void *data;
	size_t len;

	ck_assert_int_eq(fgw_set_routing_info(p, SIF, "x", 1), FGW_E_ACCESS);
	ck_assert_ptr_nonnull(strstr(fgw_last_error_message(p), "QUERY"));
	ck_assert_int_eq(fgw_enable_routing_method(p, SIF, 1), FGW_E_ACCESS);
	ck_assert_int_eq(fgw_get_routing_info(p, SIF, &data, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	fgw_free_buffer(data);

	fgw_port_info *pi;
	ck_assert_int_eq(fgw_get_port(p, &pi), 0);
	ck_assert_uint_eq(pi->id, 1);
	ck_assert_int_eq(pi->transport, FGW_TRANSPORT_T38);
	ck_assert_uint_eq(pi->modify_held, 0);
	fgw_free_buffer(pi);
	fgw_close(p);
	fgw_close(s);
	srv_stop();
}
END_TEST

START_TEST(test_modify_busy_and_released)
{
	srv_start("");
	fgw_handle *a = connect_ok(), *b = connect_ok();
	fgw_handle *pa = open_ok(a, 1, FGW_PORT_OPEN_MODIFY), *pb = NULL;

	ck_assert_int_eq(fgw_open_port(b, 1, FGW_PORT_OPEN_MODIFY, &pb), FGW_E_BUSY);
	ck_assert_ptr_null(pb);
	/* QUERY is still fine, and the port shows as held. */
	fgw_handle *q = open_ok(b, 1, FGW_PORT_OPEN_QUERY);
	fgw_port_info *ports;
	size_t n;
	ck_assert_int_eq(fgw_enum_ports(b, &ports, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ports[0].modify_held, 1);
	ck_assert_uint_eq(ports[1].modify_held, 0);
	fgw_free_buffer(ports);
	/* A batch touching a port held elsewhere. */
	fgw_routing_change ch[2] = {
		{ .port_id = 2, .guid = SIF, .set_data = 1, .data = inbox(),
		  .data_len = strlen(inbox()) },
		{ .port_id = 1, .guid = SIF, .set_data = 1, .data = inbox(),
		  .data_len = strlen(inbox()) },
	};
	size_t failed = 99;
	ck_assert_int_eq(fgw_set_routing_batch(b, ch, 2, &failed), FGW_E_BUSY);
	ck_assert_uint_eq(failed, 1);
	/* The holder's own batch is fine. */
	ck_assert_int_eq(fgw_set_routing_batch(a, ch, 2, &failed), 0);

	fgw_close(pa);
	pb = open_ok(b, 1, FGW_PORT_OPEN_MODIFY);
	fgw_close(pb);
	fgw_close(q);

	/* A holder that dies without closing releases its port. */
	int go[2];
	ck_assert_int_eq(pipe(go), 0);
	pid_t kid = fork();
	if (kid == 0) {
		fgw_handle *s = NULL, *p = NULL;
		close(go[0]);
		if (fgw_connect(srv.sock, &s) != 0 ||
		    fgw_open_port(s, 2, FGW_PORT_OPEN_MODIFY, &p) != 0)
			_exit(1);
		if (write(go[1], "h", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(go[1]);
	char byte;
	ck_assert_int_eq(read(go[0], &byte, 1), 1);
	close(go[0]);
	ck_assert_int_eq(fgw_open_port(b, 2, FGW_PORT_OPEN_MODIFY, &pb), FGW_E_BUSY);
	ck_assert_ptr_nonnull(strstr(fgw_last_error_message(b), "MODIFY"));
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	int rc = FGW_E_BUSY;
	for (int i = 0; i < 100 && rc == FGW_E_BUSY; i++) {
		rc = fgw_open_port(b, 2, FGW_PORT_OPEN_MODIFY, &pb);
		if (rc == FGW_E_BUSY)
			usleep(10000);
	}
	ck_assert_int_eq(rc, 0);
	fgw_close(pb);
	fgw_close(a);
	fgw_close(b);
	srv_stop();
}
END_TEST

START_TEST(test_unknown_port_and_method)
{
	srv_start("");
	fgw_handle *s = connect_ok(), *p = NULL;
	void *data;
	size_t len;

	ck_assert_int_eq(fgw_open_port(s, 99, FGW_PORT_OPEN_QUERY, &p), FGW_E_NO_PORT);
	ck_assert_int_eq(fgw_open_port(s, 0, FGW_PORT_OPEN_QUERY, &p), FGW_E_NO_PORT);
	ck_assert_int_eq(fgw_open_port(s, 1, 3, &p), FGW_E_INVAL);
	p = open_ok(s, 1, FGW_PORT_OPEN_MODIFY);
	const char *nope = "{00000000-0000-0000-0000-000000000000}";
	ck_assert_int_eq(fgw_get_routing_info(p, nope, &data, &len), FGW_E_NO_METHOD);
	ck_assert_int_eq(fgw_set_routing_info(p, nope, "x", 1), FGW_E_NO_METHOD);
	ck_assert_int_eq(fgw_enable_routing_method(p, nope, 1), FGW_E_NO_METHOD);
	ck_assert_int_eq(fgw_get_routing_info(p, "{not a guid at all, and far too long to be one}",
					      &data, &len), FGW_E_NO_METHOD);
	fgw_global_routing_info gi = { .priority = 1, .guid = nope };
	ck_assert_int_eq(fgw_set_global_routing_info(s, &gi), FGW_E_NO_METHOD);
	ck_assert_int_eq(fgw_retry_job(s, 123456), FGW_E_NO_JOB);
	/* Wrong kinds of handle. */
	fgw_routing_method *m;
	size_t n;
	ck_assert_int_eq(fgw_enum_routing_methods(s, &m, &n), FGW_E_HANDLE);
	fgw_port_info *pi;
	ck_assert_int_eq(fgw_enum_ports(p, &pi, &n), FGW_E_HANDLE);
	ck_assert_int_eq(fgw_event_fd(s), -1);
	fgw_close(p);
	fgw_close(s);
	srv_stop();
}
END_TEST

START_TEST(test_data_limits_and_roundtrip)
{
	srv_start("");
	fgw_handle *s = connect_ok();
	fgw_handle *p = open_ok(s, 1, FGW_PORT_OPEN_MODIFY);
	char big[FGW_MAX_ROUTING_DATA + 1];
	void *data;
	size_t len;

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(fgw_set_routing_info(p, SIF, big, sizeof(big)), FGW_E_TOO_BIG);
	ck_assert_int_eq(fgw_set_routing_info(p, SIF, "/etc", 4), FGW_E_BAD_DATA);
	ck_assert_str_ne(fgw_last_error_message(p), "");
	ck_assert_int_eq(fgw_enable_routing_method(p, SIF, 1), FGW_E_NOT_ENABLEABLE);
	ck_assert_int_eq(fgw_set_origin(s, "snmp"), 0);
	ck_assert_int_eq(fgw_set_origin(s, "bad name!"), FGW_E_INVAL);
	ck_assert_int_eq(fgw_set_origin(s, "a-much-too-long-origin-name"), FGW_E_INVAL);
	ck_assert_int_eq(fgw_set_routing_info(p, SIF, inbox(), strlen(inbox())), 0);
	ck_assert_int_eq(fgw_enable_routing_method(p, SIF, 1), 0);
	ck_assert_int_eq(fgw_get_routing_info(p, SIF, &data, &len), 0);
	ck_assert_uint_eq(len, strlen(inbox()));
	ck_assert_str_eq(data, inbox());
	fgw_free_buffer(data);

	fgw_routing_method *m;
	size_t n;
	ck_assert_int_eq(fgw_enum_routing_methods(p, &m, &n), 0);
	ck_assert_uint_ge(n, 1);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(m[i].guid, SIF) == 0) {
			seen = 1;
			ck_assert_int_eq(m[i].enabled, 1);
			ck_assert_uint_eq(m[i].device_id, 1);
		}
	}
	ck_assert_int_eq(seen, 1);
	fgw_free_buffer(m);

	fgw_audit_entry *e;
	ck_assert_int_eq(fgw_enum_audit(s, 10, &e, &n), 0);
	ck_assert_uint_ge(n, 2);
	ck_assert_ptr_nonnull(strstr(e[n - 1].who, "snmp"));
	fgw_free_buffer(e);
	fgw_close(p);
	fgw_close(s);
	srv_stop();
}
END_TEST

START_TEST(test_batch_all_or_nothing)
{
	srv_start("");
	fgw_handle *s = connect_ok();
	fgw_routing_change ch[3] = {
		{ .port_id = 1, .guid = SIF, .set_data = 1, .data = inbox(),
		  .data_len = strlen(inbox()) },
		{ .port_id = 1, .guid = SIF, .set_enabled = 1, .enabled = 1 },
		{ .port_id = 2, .guid = SIF, .set_enabled = 1, .enabled = 1 },
	};
	size_t failed = 99;
	void *data;
	size_t len;

	ck_assert_int_eq(fgw_set_routing_batch(s, ch, 3, &failed), FGW_E_NOT_ENABLEABLE);
	ck_assert_uint_eq(failed, 2);
	fgw_handle *p = open_ok(s, 1, FGW_PORT_OPEN_QUERY);
	ck_assert_int_eq(fgw_get_routing_info(p, SIF, &data, &len), 0);
	ck_assert_uint_eq(len, 0);
	fgw_free_buffer(data);

	ch[2].port_id = 77;
	ck_assert_int_ne(fgw_set_routing_batch(s, ch, 3, &failed), 0);
	ck_assert_uint_eq(failed, 2);
	char big[FGW_MAX_ROUTING_DATA + 1] = { 0 };
	ch[2] = (fgw_routing_change){ .port_id = 2, .guid = SIF, .set_data = 1, .data = big,
				      .data_len = sizeof(big) };
	ck_assert_int_eq(fgw_set_routing_batch(s, ch, 3, &failed), FGW_E_TOO_BIG);
	ck_assert_uint_eq(failed, 2);

	ck_assert_int_eq(fgw_set_routing_batch(s, ch, 2, &failed), 0);
	ck_assert_int_eq(fgw_get_routing_info(p, SIF, &data, &len), 0);
	ck_assert_str_eq(data, inbox());
	fgw_free_buffer(data);
	fgw_close(p);
	fgw_close(s);
	srv_stop();
}
END_TEST

START_TEST(test_subscribe_events)
{
	srv_start("");
	fgw_handle *s = connect_ok(), *sub = NULL, *other = NULL;
	fgw_event *ev = NULL;

	ck_assert_int_eq(fgw_subscribe(s, FGW_EVENT_MASK(FGW_EVENT_ROUTING_CHANGED), &sub), 0);
	ck_assert_int_eq(fgw_subscribe(s, FGW_EVENT_MASK(FGW_EVENT_FAX_RECEIVED), &other), 0);
	ck_assert_int_ge(fgw_event_fd(sub), 0);
	ck_assert_int_eq(fgw_read_event(sub, &ev, 0), FGW_E_TIMEOUT);

	fgw_handle *p = open_ok(s, 1, FGW_PORT_OPEN_MODIFY);
	ck_assert_int_eq(fgw_set_routing_info(p, SIF, inbox(), strlen(inbox())), 0);
	ck_assert_int_eq(fgw_read_event(sub, &ev, 2000), 0);
	ck_assert_int_eq(ev->type, FGW_EVENT_ROUTING_CHANGED);
	ck_assert_uint_eq(ev->port_id, 1);
	ck_assert_str_eq(ev->guid, SIF);
	fgw_free_buffer(ev);
	ck_assert_int_eq(fgw_read_event(other, &ev, 200), FGW_E_TIMEOUT);
	ck_assert_ptr_null(ev);
	fgw_close(other);

	/* Closing the server handle ends its port and subscription. */
	fgw_close(s);
	ck_assert_int_eq(fgw_read_event(sub, &ev, 0), FGW_E_CLOSED);
	ck_assert_int_eq(fgw_set_routing_info(p, SIF, "x", 1), FGW_E_CLOSED);
	ck_assert_int_eq(fgw_close(p), 0);
	ck_assert_int_eq(fgw_close(sub), 0);
	srv_stop();
}
END_TEST

START_TEST(test_priority)
{
	srv_start("");
	fgw_handle *s = connect_ok();
	fgw_global_routing_info *g;
	size_t n;

	ck_assert_int_eq(fgw_enum_global_routing_info(s, &g, &n), 0);
	ck_assert_uint_ge(n, 2);
	char guid[FGW_GUID_LEN + 1];
	snprintf(guid, sizeof(guid), "%s", g[n - 1].guid);
	fgw_free_buffer(g);
	fgw_global_routing_info set = { .priority = 1, .guid = guid };
	ck_assert_int_eq(fgw_set_global_routing_info(s, &set), 0);
	ck_assert_int_eq(fgw_enum_global_routing_info(s, &g, &n), 0);
	ck_assert_str_eq(g[0].guid, guid);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(g[i].priority, i + 1);
	fgw_free_buffer(g);
	set.priority = 999;
	ck_assert_int_eq(fgw_set_global_routing_info(s, &set), FGW_E_INVAL);

	fgw_gateway_info *gi;
	ck_assert_int_eq(fgw_get_gateway_info(s, &gi), 0);
	ck_assert_uint_eq(gi->port_count, 2);
	fgw_free_buffer(gi);
	fgw_extension_info *x;
	ck_assert_int_eq(fgw_enum_extensions(s, &x, &n), 0);
	ck_assert_uint_ge(n, 1);
	fgw_free_buffer(x);
	fgw_job *j;
	ck_assert_int_eq(fgw_enum_jobs(s, 0, &j, &n), 0);
	ck_assert_uint_eq(n, 0);
	fgw_free_buffer(j);
	fgw_close(s);
	srv_stop();
}
END_TEST

/* n finished jobs in the (stopped) server's state database, ids 1..n,
 * every 4th dead-lettered. */
static void fill_jobs(int n)
{
	char path[200], sql[512];
	sqlite3 *db = NULL;
	char *msg = NULL;

	snprintf(path, sizeof(path), "%s/state.db", srv.dir);
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)"
		 " INSERT INTO jobs(id, port_id, state, received_time, remote_ident, path,"
		 " finished_time) SELECT i, 1, CASE WHEN i %% 4 = 0 THEN 4 ELSE 3 END, i,"
		 " 'ident ' || i, '/x/' || i || '.tif', strftime('%%s', 'now') FROM c", n);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	sqlite3_close(db);
}

/* Jobs through the API in pages: each once, newest first, with the page
 * size capped; fgw_enum_jobs follows the pages and gives them by id. */
START_TEST(test_jobs_paged)
{
	enum { N = 2345 };
	static unsigned char seen[N + 1];
	uint64_t cursor = 0, last = UINT64_MAX;
	size_t n, pages = 0, total = 0;
	fgw_job *j;

	srv_start("");
	srv_stop();
	fill_jobs(N);
	srv_start("");
	fgw_handle *s = connect_ok();
	ck_assert_int_eq(fgw_enum_jobs_page(s, 0, 0, 10, NULL, &n, &cursor), FGW_E_INVAL);
	do {
		ck_assert_int_eq(fgw_enum_jobs_page(s, 0, cursor, 100000, &j, &n, &cursor), 0);
		ck_assert_uint_le(n, FGW_MAX_JOBS_PAGE);
		for (size_t i = 0; i < n; i++) {
			ck_assert_uint_lt(j[i].id, last);
			last = j[i].id;
			ck_assert_uint_le(j[i].id, N);
			seen[j[i].id]++;
			char want[32];
			snprintf(want, sizeof(want), "ident %u", (unsigned)j[i].id);
			ck_assert_str_eq(j[i].remote_ident, want);
			ck_assert_int_eq(j[i].state, j[i].id % 4 == 0 ? FGW_JOB_FAILED : FGW_JOB_DONE);
		}
		total += n;
		pages++;
		fgw_free_buffer(j);
	} while (cursor != 0);
	ck_assert_uint_eq(total, N);
	ck_assert_uint_eq(pages, 3);
	for (int i = 1; i <= N; i++)
		ck_assert_uint_eq(seen[i], 1);
	/* Small pages of the dead letters only. */
	ck_assert_int_eq(fgw_enum_jobs_page(s, 1, 0, 7, &j, &n, &cursor), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(j[0].id, 2344);
	ck_assert_uint_eq(cursor, j[6].id);
	fgw_free_buffer(j);
	/* The whole list, ascending, as before. */
	ck_assert_int_eq(fgw_enum_jobs(s, 1, &j, &n), 0);
	ck_assert_uint_eq(n, N / 4);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(j[i].id, 4 * (i + 1));
	ck_assert_str_eq(j[n - 1].path, "/x/2344.tif");
	fgw_free_buffer(j);
	ck_assert_int_eq(fgw_enum_jobs(s, 0, &j, &n), 0);
	ck_assert_uint_eq(n, N);
	ck_assert_uint_eq(j[0].id, 1);
	ck_assert_uint_eq(j[N - 1].id, N);
	fgw_free_buffer(j);
	fgw_close(s);
	srv_stop();
}
END_TEST

static void srv_sql(const char *sql)
{
	char path[200];
	sqlite3 *db = NULL;
	char *msg = NULL;

	snprintf(path, sizeof(path), "%s/state.db", srv.dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	sqlite3_close(db);
}

/* fgw_get_job: one job with its metadata (the spool's text), its SIP
 * columns and its methods in priority order, every field checked; an
 * unknown id is FGW_E_NO_JOB with a reason.  fgw_enum_calls: no call in
 * progress is an empty list. */
START_TEST(test_get_job_and_calls)
{
	fgw_job_info *ji = (void *)&srv;
	fgw_call *calls = (void *)&srv;
	size_t n = 7;

	srv_start("");
	srv_stop();
	srv_sql("INSERT INTO jobs(id, port_id, state, attempts, received_time, next_attempt_ms,"
		" pages, partial, remote_ident, path, meta, last_error, degraded_pages, bad_rows,"
		" longest_bad_run, degraded_list, finished_time, sip_call_id, sip_from, sip_to,"
		" sip_user_agent, transport) VALUES (9, 1, 4, 3, 1700000100, 0, 2, 1, 'TSID 9',"
		" '/x/failed/9.tif', 'port_id=1' || char(10) || 'port_name=sip-in' || char(10) ||"
		" 'local_ident=+1 555 0100' || char(10) || 'caller=192.0.2.7:30000' || char(10) ||"
		" 'start_time=1700000000' || char(10) || 'end_time=1700000071' || char(10) ||"
		" 'x_res=8031' || char(10) || 'y_res=7700' || char(10) || 'bit_rate=9600' ||"
		" char(10) || 'ecm=1' || char(10) || 't30_status=49' || char(10) ||"
		" 't30_text=The call dropped prematurely' || char(10), 'smtp: 550',"
		" 1, 17, 9, '2', 1700000200, 'a84b4c76e66710@pc33.example.com',"
		" 'sip:+4930123456@carrier.example.net', 'sip:fax@gw.example.org', 'faxpeer',"
		" 'G.711 PCMA ptime 30');"
		"INSERT INTO job_methods(job_id, guid, state, attempts, last_error) VALUES"
		" (9, '" SIF "', 3, 1, ''),"
		" (9, '{00000000-0000-4000-8000-0000000000ff}', 4, 3, 'smtp: 550')");
	srv_start("");
	fgw_handle *s = connect_ok();
	ck_assert_int_eq(fgw_get_job(s, 9, NULL), FGW_E_INVAL);
	ck_assert_int_eq(fgw_get_job(s, 10, &ji), FGW_E_NO_JOB);
	ck_assert_ptr_null(ji);
	ck_assert_ptr_nonnull(strstr(fgw_last_error_message(s), "no such job: 10"));
	ck_assert_int_eq(fgw_get_job(s, 9, &ji), 0);
	fgw_job want_job = { 9, 1, FGW_JOB_FAILED, 3, 1700000100, 0, 2, 1, "TSID 9",
			     "/x/failed/9.tif", "smtp: 550", 1, 17, 9, "2", FGW_DIR_RECEIVE, "" };
	fgw_job_method_result want_m[] = {
		{ SIF, "Store in folder", FGW_JOB_DONE, 1, "" },
		{ "{00000000-0000-4000-8000-0000000000ff}", "", FGW_JOB_FAILED, 3, "smtp: 550" },
	};
	fgw_job_info want = {
		.job = want_job, .port_name = "sip-in", .local_ident = "+1 555 0100",
		.caller = "192.0.2.7:30000", .start_time = 1700000000, .end_time = 1700000071,
		.x_res = 8031, .y_res = 7700, .bit_rate = 9600, .ecm = 1, .t30_status = 49,
		.t30_text = "The call dropped prematurely", .finished_time = 1700000200,
		.sip_call_id = "a84b4c76e66710@pc33.example.com",
		.sip_from = "sip:+4930123456@carrier.example.net",
		.sip_to = "sip:fax@gw.example.org", .sip_user_agent = "faxpeer",
		.transport = "G.711 PCMA ptime 30", .nmethods = 2, .methods = want_m,
		.submitted_by = "",
	};
	testutil_assert_job_info_eq(ji, &want);
	fgw_free_buffer(ji);
	ck_assert_int_eq(fgw_enum_calls(s, NULL, &n), FGW_E_INVAL);
	ck_assert_int_eq(fgw_enum_calls(s, &calls, &n), 0);
	ck_assert_ptr_null(calls);
	ck_assert_uint_eq(n, 0);
	fgw_close(s);
	srv_stop();
}
END_TEST

/* Records too long for FGW_MAX_JOBS_PAGE / FGW_MAX_AUDIT_PAGE of them in
 * one frame: faxgwd cuts each page where the frame is full and the walk
 * still returns each once; fgw_enum_audit gives the newest 10,000 (which
 * used to overflow one reply), oldest first. */
START_TEST(test_pages_cut_at_the_frame)
{
	uint64_t cursor = 0, last = UINT64_MAX;
	size_t n, total = 0, pages = 0;
	fgw_job *j;
	fgw_audit_entry *a;

	srv_start("");
	srv_stop();
	srv_sql("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1500)"
		" INSERT INTO jobs(id, port_id, state, path, finished_time)"
		" SELECT i, 1, 3, '/x/' || printf('%.4000c', 'p') || i, 1 FROM c;"
		"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 12000)"
		" INSERT INTO audit(id, time, uid, who, what, old_value, new_value)"
		" SELECT i, i, 1000, 'uid 1000 (alice)', 'port 1 {92041a90-9af2-11d0-abf7-"
		"00c04fd91a4e} data', '/srv/fax/inbox/old-folder-' || i,"
		" '/srv/fax/inbox/new-folder-' || i FROM c");
	srv_start("");
	fgw_handle *s = connect_ok();
	do {
		ck_assert_int_eq(fgw_enum_jobs_page(s, 0, cursor, 0, &j, &n, &cursor), 0);
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_lt(n, FGW_MAX_JOBS_PAGE);
		for (size_t i = 0; i < n; i++) {
			ck_assert_uint_eq(j[i].id, last == UINT64_MAX ? 1500 : last - 1);
			last = j[i].id;
			ck_assert_uint_eq(strlen(j[i].path), 3 + 4000 + strlen(j[i].path + 4003));
		}
		total += n;
		pages++;
		fgw_free_buffer(j);
	} while (cursor != 0);
	ck_assert_uint_eq(total, 1500);
	ck_assert_uint_gt(pages, 2);

	ck_assert_int_eq(fgw_enum_audit(s, 10000, &a, &n), 0);
	ck_assert_uint_eq(n, 10000);
	ck_assert_uint_eq(a[0].id, 2001);
	ck_assert_uint_eq(a[n - 1].id, 12000);
	ck_assert_str_eq(a[n - 1].new_value, "/srv/fax/inbox/new-folder-12000");
	ck_assert_str_eq(a[0].who, "uid 1000 (alice)");
	fgw_free_buffer(a);
	ck_assert_int_eq(fgw_enum_audit_page(s, 5, 0, &a, &n, &cursor), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(a[0].id, 4);
	ck_assert_uint_eq(cursor, 0);
	fgw_free_buffer(a);
	fgw_close(s);
	srv_stop();
}
END_TEST

/* Runs fn as nobody in a child; returns its exit status. */
static int as_nobody(int (*fn)(void))
{
	pid_t kid = fork();
	int status;

	if (kid == 0) {
		gid_t g = NOBODY;
		if (setgroups(1, &g) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(90);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int nobody_refused(void)
{
	fgw_handle *s = NULL;
	int rc = fgw_connect(srv.sock, &s);

	if (rc != FGW_E_ACCESS)
		return 10 - rc;
	if (s != NULL)
		return 2;
	if (strstr(fgw_last_error_message(NULL), "query-group root") == NULL)
		return 3;
	return 0;
}

static int nobody_refused_limit(void)
{
	fgw_handle *s = NULL;

	if (fgw_connect(srv.sock, &s) != FGW_E_LIMIT)
		return 1;
	if (strstr(fgw_last_error_message(NULL), "kept for root and admin-group") == NULL)
		return 2;
	return 0;
}

START_TEST(test_unauthorized_refused)
{
	if (geteuid() != 0)
		return;       /* needs root to become nobody */
	srv_start("root");
	ck_assert_int_eq(as_nobody(nobody_refused), 0);
	/* The server is fine afterwards. */
	fgw_handle *s = connect_ok();
	fgw_close(s);
	srv_stop();
}
END_TEST

static int nobody_query_only(void)
{
	fgw_handle *s = NULL, *p = NULL;
	fgw_port_info *ports;
	size_t n, failed;

	if (fgw_connect(srv.sock, &s) != 0)
		return 1;
	if (fgw_enum_ports(s, &ports, &n) != 0 || n != 2)
		return 2;
	fgw_free_buffer(ports);
	if (fgw_open_port(s, 1, FGW_PORT_OPEN_MODIFY, &p) != FGW_E_ACCESS)
		return 3;
	if (strstr(fgw_last_error_message(s), "may not modify") == NULL)
		return 4;
	fgw_routing_change ch = { .port_id = 1, .guid = SIF, .set_enabled = 1 };
	if (fgw_set_routing_batch(s, &ch, 1, &failed) != FGW_E_ACCESS)
		return 5;
	fgw_global_routing_info gi = { .priority = 1, .guid = SIF };
	if (fgw_set_global_routing_info(s, &gi) != FGW_E_ACCESS)
		return 6;
	if (fgw_open_port(s, 1, FGW_PORT_OPEN_QUERY, &p) != 0)
		return 7;
	fgw_close(s);
	return 0;
}

START_TEST(test_query_only_user)
{
	if (geteuid() != 0)
		return;
	srv_start("");
	ck_assert_int_eq(as_nobody(nobody_query_only), 0);
	srv_stop();
}
END_TEST

/* As nobody in admin-group nogroup: a MODIFY handle works until a reload
 * takes nobody out of admin-group; then the same connection may only query. */
static int nobody_loses_modify(void)
{
	fgw_handle *s = NULL, *p = NULL;
	char r;

	if (fgw_connect(srv.sock, &s) != 0)
		return 1;
	if (fgw_open_port(s, 1, FGW_PORT_OPEN_MODIFY, &p) != 0)
		return 2;
	if (fgw_set_routing_info(p, SIF, "/x", 2) == FGW_E_ACCESS)
		return 3;
	if (write(opt.reload[1], "root", 4) != 4 || read(opt.reloaded[0], &r, 1) != 1)
		return 4;
	if (fgw_enable_routing_method(p, SIF, 0) != FGW_E_ACCESS)
		return 5;
	fgw_routing_change ch = { .port_id = 1, .guid = SIF, .set_enabled = 1 };
	size_t failed;
	if (fgw_set_routing_batch(s, &ch, 1, &failed) != FGW_E_ACCESS)
		return 6;
	fgw_port_info *ports;
	size_t n;
	if (fgw_enum_ports(s, &ports, &n) != 0)
		return 7;
	fgw_free_buffer(ports);
	fgw_close(s);
	return 0;
}

START_TEST(test_reload_rechecks_rights)
{
	if (geteuid() != 0)
		return;
	opt.admin_group = "nogroup";
	srv_start("");
	ck_assert_int_eq(as_nobody(nobody_loses_modify), 0);
	srv_stop();
}
END_TEST

#define PU "{8a44b9b6-cac8-4541-a637-931de608809c}"
#define PU_SECRET "https://fax:s3cret@127.0.0.1:9/in"
#define PU_SHOWN "https://fax:****@127.0.0.1:9/in"

/* 0 when the Post to URL data of port 1 reads as want on handle s. */
static int pu_reads(fgw_handle *s, const char *want)
{
	fgw_handle *p = NULL;
	void *data = NULL;
	size_t len = 0;
	int ok;

	if (fgw_open_port(s, 1, FGW_PORT_OPEN_QUERY, &p) != 0 ||
	    fgw_get_routing_info(p, PU, &data, &len) != 0)
		return -1;
	ok = len == strlen(want) && memcmp(data, want, len) == 0;
	fgw_free_buffer(data);
	fgw_close(p);
	return ok ? 0 : 1;
}

static int nobody_sees_masked(void)
{
	fgw_handle *s = NULL;
	int rc;

	if (fgw_connect(srv.sock, &s) != 0)
		return 10;
	rc = pu_reads(s, PU_SHOWN);
	fgw_close(s);
	return rc;
}

/* Post to URL credentials: shown only to those who may change them. */
START_TEST(test_secrets_masked)
{
	fgw_handle *s, *relay, *p;
	fgw_audit_entry *e;
	size_t n;

	srv_start("");
	s = connect_ok();
	p = open_ok(s, 1, FGW_PORT_OPEN_MODIFY);
	ck_assert_int_eq(fgw_set_routing_info(p, PU, PU_SECRET, strlen(PU_SECRET)), 0);
	ck_assert_int_eq(pu_reads(s, PU_SECRET), 0);
	/* A relay (faxgw-agent names its origin) and a query-only user: masked. */
	relay = connect_ok();
	ck_assert_int_eq(fgw_set_origin(relay, "snmp"), 0);
	ck_assert_int_eq(pu_reads(relay, PU_SHOWN), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(as_nobody(nobody_sees_masked), 0);
	/* Writing back what was shown keeps the secret ... */
	fgw_handle *rp = NULL;
	fgw_close(p);
	ck_assert_int_eq(fgw_open_port(relay, 1, FGW_PORT_OPEN_MODIFY, &rp), 0);
	ck_assert_int_eq(fgw_set_routing_info(rp, PU, PU_SHOWN, strlen(PU_SHOWN)), 0);
	fgw_close(rp);
	ck_assert_int_eq(pu_reads(s, PU_SECRET), 0);
	/* ... and the audit log never holds it. */
	ck_assert_int_eq(fgw_enum_audit(s, 100, &e, &n), 0);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_null(strstr(e[i].old_value, "s3cret"));
		ck_assert_ptr_null(strstr(e[i].new_value, "s3cret"));
	}
	fgw_free_buffer(e);
	fgw_close(relay);
	fgw_close(s);
	srv_stop();
}
END_TEST

/* Raw socket helpers for malformed input. */
static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Reads until EOF (at most 2 s); returns the byte count. */
static size_t raw_read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 2000) <= 0)
			break;
		ssize_t n = recv(fd, buf + got, cap - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == cap)
			break;
	}
	return got;
}

/* Sends bytes, expects one error reply with `code` and then EOF. */
static void raw_expect_error(const void *bytes, size_t len, int code, const char *needle)
{
	int fd = raw_connect();
	uint8_t buf[4096];
	struct wire_header h;
	struct wire_error e;
	char reason[256];

	ck_assert_int_eq(send(fd, bytes, len, MSG_NOSIGNAL), (ssize_t)len);
	size_t got = raw_read_all(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_int_eq(wire_parse_header(buf, got, &h, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(h.type, WIRE_R_ERROR);
	ck_assert_uint_eq(got, WIRE_HEADER_LEN + h.len);
	ck_assert_int_eq(wire_dec_error(buf + WIRE_HEADER_LEN, h.len, &e), 0);
	ck_assert_int_eq(e.code, code);
	if (needle != NULL)
		ck_assert_msg(strstr(e.reason, needle) != NULL, "reason: %s", e.reason);
}

#define FGW_TEST_STR_(x) #x
#define FGW_TEST_STR(x) FGW_TEST_STR_(x)

START_TEST(test_malformed_frames)
{
	srv_start("");
	uint8_t garbage[32];
	memset(garbage, 0x5a, sizeof(garbage));
	raw_expect_error(garbage, sizeof(garbage), FGW_E_PROTOCOL, "magic");

	uint8_t v2[WIRE_HEADER_LEN] = { 'F', 'G', WIRE_VERSION + 1, 0, 0, WIRE_ENUM_PORTS };
	raw_expect_error(v2, sizeof(v2), FGW_E_PROTOCOL, "speaks version " FGW_TEST_STR(WIRE_VERSION));

	uint8_t huge[WIRE_HEADER_LEN] = { 'F', 'G', WIRE_VERSION, 0, 0, WIRE_ENUM_PORTS, 0, 0, 0,
					  1, 0x7f, 0xff, 0xff, 0xff };
	raw_expect_error(huge, sizeof(huge), FGW_E_PROTOCOL, "limit");

	uint8_t unknown[WIRE_HEADER_LEN] = { 'F', 'G', WIRE_VERSION, 0, 0x12, 0x34 };
	raw_expect_error(unknown, sizeof(unknown), FGW_E_PROTOCOL, "unknown");

	/* Trailing bytes after an empty ENUM_PORTS body. */
	uint8_t trail[WIRE_HEADER_LEN + 1] = { 'F', 'G', WIRE_VERSION, 0, 0, WIRE_ENUM_PORTS, 0,
					       0, 0, 1, 0, 0, 0, 1, 0 };
	raw_expect_error(trail, sizeof(trail), FGW_E_PROTOCOL, "trailing");

	/* Routing data over the limit in a hand-made SET_ROUTING. */
	size_t blen = 4 + 2 + FGW_GUID_LEN + 2 + FGW_MAX_ROUTING_DATA + 1;
	uint8_t *big = calloc(1, WIRE_HEADER_LEN + blen);
	memcpy(big, (uint8_t[]){ 'F', 'G', WIRE_VERSION, 0, 0, WIRE_SET_ROUTING, 0, 0, 0, 1,
				 0, 0, (uint8_t)(blen >> 8), (uint8_t)blen }, WIRE_HEADER_LEN);
	uint8_t *b = big + WIRE_HEADER_LEN + 4;
	b[1] = FGW_GUID_LEN;
	memcpy(b + 2, SIF, FGW_GUID_LEN);
	b[2 + FGW_GUID_LEN] = (FGW_MAX_ROUTING_DATA + 1) >> 8;
	b[3 + FGW_GUID_LEN] = (FGW_MAX_ROUTING_DATA + 1) & 0xff;
	raw_expect_error(big, WIRE_HEADER_LEN + blen, FGW_E_TOO_BIG, NULL);
	free(big);

	/* A half frame and a hang-up. */
	int fd = raw_connect();
	ck_assert_int_eq(send(fd, "FG\x01\x00", 4, MSG_NOSIGNAL), 4);
	close(fd);

	/* Still serving. */
	fgw_handle *s = connect_ok();
	fgw_port_info *ports;
	size_t n;
	ck_assert_int_eq(fgw_enum_ports(s, &ports, &n), 0);
	ck_assert_uint_eq(n, 2);
	fgw_free_buffer(ports);
	fgw_close(s);
	srv_stop();
}
END_TEST

START_TEST(test_slow_reader_dropped)
{
	srv_start("");
	int fd = raw_connect();
	struct wire_writer w;
	struct wire_request rq = { .type = WIRE_ENUM_GLOBAL };
	const int nreq = 40000;
	int rcv = 4096;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	wire_writer_init(&w);
	for (int i = 0; i < nreq; i++) {
		rq.id = (uint32_t)i + 1;
		ck_assert_int_eq(wire_enc_request(&w, &rq), 0);
	}
	/* Requests whose replies are not read: more than FGW_MAX_CLIENT_OUTPUT
	 * of them piles up, and faxgwd drops the connection. */
	size_t off = 0;
	for (int round = 0; round < 4000 && off < w.len; round++) {
		ssize_t n = send(fd, w.buf + off, w.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		else
			usleep(2000);
	}
	wire_writer_free(&w);
	/* Reading now gets what was queued, then the end: far fewer replies
	 * than requests. */
	uint8_t *buf = malloc(64u << 20);
	size_t got = raw_read_all(fd, buf, 64u << 20);
	free(buf);
	close(fd);
	ck_assert_msg(got < (size_t)nreq * 200, "got %zu bytes: not dropped", got);
	fgw_handle *s = connect_ok();
	fgw_close(s);
	srv_stop();
}
END_TEST

START_TEST(test_max_clients)
{
	int fds[FGW_MAX_CLIENTS];
	fgw_handle *s = NULL;

	srv_start("");
	for (int i = 0; i < FGW_MAX_CLIENTS; i++)
		fds[i] = raw_connect();
	ck_assert_int_eq(fgw_connect(srv.sock, &s), FGW_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(fgw_last_error_message(NULL), "connections"));
	for (int i = 0; i < FGW_MAX_CLIENTS; i++)
		close(fds[i]);
	int rc = FGW_E_LIMIT;
	for (int i = 0; i < 100 && rc == FGW_E_LIMIT; i++) {
		rc = fgw_connect(srv.sock, &s);
		if (rc == FGW_E_LIMIT)
			usleep(10000);
	}
	ck_assert_int_eq(rc, 0);
	fgw_close(s);
	srv_stop();
}
END_TEST

/* In a child as uid: opens n connections, says so on ready, holds them
 * until release closes; exits 0, or non-zero when a connection failed. */
static pid_t hold_as(uid_t uid, int n, const int ready[2], const int release[2])
{
	pid_t kid = fork();

	if (kid != 0)
		return kid;
	close(ready[0]);
	close(release[1]);            /* EOF on release once the test closes it */
	gid_t g = NOBODY;
	if (setgroups(1, &g) != 0 || setgid(NOBODY) != 0 || setuid(uid) != 0)
		_exit(90);
	for (int i = 0; i < n; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(91);
	}
	char b = 'r';
	if (write(ready[1], &b, 1) != 1)
		_exit(92);
	(void)!read(release[0], &b, 1);
	_exit(0);
}

static int nobody_over_uid_cap(void)
{
	fgw_handle *s = NULL;
	int fds[FGW_MAX_CLIENTS_PER_UID];

	for (int i = 0; i < FGW_MAX_CLIENTS_PER_UID; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
		if (connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) != 0)
			return 1;
	}
	usleep(200000);                 /* faxgwd has accepted them all */
	if (fgw_connect(srv.sock, &s) != FGW_E_LIMIT)
		return 2;
	if (strstr(fgw_last_error_message(NULL), "uid 65534 has") == NULL)
		return 3;
	return 0;
}

/* One local user cannot lock the others out: a cap per uid, and the last
 * slots kept for root and admin-group. */
START_TEST(test_connection_caps)
{
	int ready[2], release[2];
	int kids = (FGW_MAX_CLIENTS - FGW_CONTROL_RESERVED) / FGW_MAX_CLIENTS_PER_UID;
	pid_t pids[FGW_MAX_CLIENTS / FGW_MAX_CLIENTS_PER_UID];
	fgw_handle *s = NULL;
	char b;

	if (geteuid() != 0)
		return;
	srv_start("");
	ck_assert_int_eq(as_nobody(nobody_over_uid_cap), 0);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(release), 0);
	for (int i = 0; i < kids; i++)
		pids[i] = hold_as(61000 + (uid_t)i, FGW_MAX_CLIENTS_PER_UID, ready, release);
	for (int i = 0; i < kids; i++)
		ck_assert_int_eq(read(ready[0], &b, 1), 1);
	usleep(200000);
	/* Every unreserved slot is taken: another user is refused ... */
	ck_assert_int_eq(as_nobody(nobody_refused_limit), 0);
	/* ... root is not. */
	s = connect_ok();
	fgw_port_info *ports;
	size_t n;
	ck_assert_int_eq(fgw_enum_ports(s, &ports, &n), 0);
	fgw_free_buffer(ports);
	fgw_close(s);
	close(release[1]);
	for (int i = 0; i < kids; i++) {
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "holder %d: 0x%x", i,
			      (unsigned)status);
	}
	close(release[0]);
	close(ready[0]);
	close(ready[1]);
	srv_stop();
}
END_TEST

/* EOF within ms on a raw connection that sends nothing: 1, else 0. */
static int raw_closed_within(int ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	char b;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	struct pollfd pfd = { fd, POLLIN, 0 };
	int closed = poll(&pfd, 1, ms) == 1 && recv(fd, &b, 1, 0) == 0;
	close(fd);
	return closed;
}

static int nobody_idle_closed(void)
{
	return raw_closed_within(3000) == 1 ? 0 : 1;
}

/* An unprivileged connection that does nothing is closed; root's is not. */
START_TEST(test_idle_connection_closed)
{
	if (geteuid() != 0)
		return;
	opt.idle_ms = 300;
	srv_start("");
	ck_assert_int_eq(as_nobody(nobody_idle_closed), 0);
	ck_assert_int_eq(raw_closed_within(1000), 0);
	srv_stop();
}
END_TEST

START_TEST(test_socket_path_rules)
{
	char path[FGW_MAX_PATH], cwd[FGW_MAX_PATH];

	/* A stale socket file is replaced. */
	srv_config("");
	char parent[FGW_MAX_PATH];
	snprintf(parent, sizeof(parent), "%s/run", srv.dir);
	mkdir(parent, 0755);
	snprintf(parent, sizeof(parent), "%s/run/sub", srv.dir);
	mkdir(parent, 0755);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	srv_start("");
	/* A second server on the same socket is refused. */
	struct config *cfg = NULL;
	ck_assert_int_eq(config_load_string("t", srv.text, strlen(srv.text), &cfg, NULL), 0);
	struct core *core = NULL;
	char err[FGW_MAX_ERROR_TEXT];
	snprintf(path, sizeof(path), "%s/state2.db", srv.dir);
	snprintf(cfg->state, sizeof(cfg->state), "%s", path);
	ck_assert_int_eq(core_new(cfg, &core, err, sizeof(err)), 0);
	struct event_base *base = event_base_new();
	struct control *ctl = control_new(base, cfg, core, err, sizeof(err));
	ck_assert_ptr_null(ctl);
	ck_assert_msg(strstr(err, "another faxgwd") != NULL, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(srv.sock, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0666);
	srv_stop();
	ck_assert_int_ne(stat(srv.sock, &st), 0);

	/* A path that is not a socket is left alone. */
	fd = open(srv.sock, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ctl = control_new(base, cfg, core, err, sizeof(err));
	ck_assert_ptr_null(ctl);
	ck_assert_ptr_nonnull(strstr(err, "not a socket"));
	unlink(srv.sock);
	ctl = control_new(base, cfg, core, err, sizeof(err));
	ck_assert_ptr_nonnull(ctl);
	ck_assert_uint_eq(control_client_count(ctl), 0);
	control_free(ctl);
	core_free(core);
	event_base_free(base);
	config_free(cfg);

	/* Where clients look. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	setenv("FAXGW_SOCKET", "/x/y.sock", 1);
	ck_assert_str_eq(fgw_default_socket(), "/x/y.sock");
	unsetenv("FAXGW_SOCKET");
	ck_assert_int_eq(chdir(srv.dir), 0);
	ck_assert_str_eq(fgw_default_socket(), "/run/faxgw/faxgw.sock");
	mkdir("var", 0755);
	fd = open("var/faxgw.sock", O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_str_eq(fgw_default_socket(), "./var/faxgw.sock");
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

/* A fake faxgwd on srv.sock that answers the first request with `reply`
 * (len 0: never answers); returns its pid. */
static pid_t fake_server(const uint8_t *reply, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(srv.sock, sizeof(srv.sock), "%s/fake.sock", srv.dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	pid_t pid = fork();
	if (pid == 0) {
		uint8_t buf[256];
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0 || recv(fd, buf, sizeof(buf), 0) <= 0)
			_exit(1);
		if (len > 0 && send(fd, reply, len, MSG_NOSIGNAL) != (ssize_t)len)
			_exit(1);
		pause();
		_exit(0);
	}
	close(lfd);
	return pid;
}

START_TEST(test_client_version_and_timeout)
{
	fgw_handle *s = NULL;
	uint8_t v2[WIRE_HEADER_LEN] = { 'F', 'G', WIRE_VERSION + 1, 0, 0x80, 0x02, 0, 0, 0, 1 };
	pid_t pid = fake_server(v2, sizeof(v2));

	ck_assert_int_eq(fgw_connect(srv.sock, &s), FGW_E_PROTOCOL);
	ck_assert_ptr_null(s);
	const char *msg = fgw_last_error_message(NULL);
	char peer[32], ours[32];
	snprintf(peer, sizeof(peer), "version %d", WIRE_VERSION + 1);
	snprintf(ours, sizeof(ours), "version %d", WIRE_VERSION);
	ck_assert_msg(strstr(msg, peer) && strstr(msg, ours), "%s", msg);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(srv.sock);

	/* A daemon that never answers. */
	pid = fake_server(NULL, 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(fgw_connect(srv.sock, &s), FGW_E_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, FGW_CLIENT_TIMEOUT_MS - 100);
	ck_assert_int_lt(ms, FGW_CLIENT_TIMEOUT_MS + 2000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(test_client_basics)
{
	fgw_handle *s = NULL;

	for (int code = 0; code >= FGW_E_MIN; code--) {
		ck_assert_ptr_nonnull(fgw_strerror(code));
		ck_assert_str_ne(fgw_strerror(code), "unknown error");
	}
	ck_assert_str_eq(fgw_strerror(1), "unknown error");
	ck_assert_str_eq(fgw_strerror(-1000), "unknown error");
	ck_assert_int_eq(fgw_close(NULL), 0);
	fgw_free_buffer(NULL);
	ck_assert_int_eq(fgw_connect("/nonexistent/faxgw.sock", &s), FGW_E_CONNECT);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(fgw_last_error_message(NULL), "/nonexistent/faxgw.sock"));
	ck_assert_int_eq(fgw_connect(NULL, NULL), FGW_E_INVAL);
}
END_TEST

/* --- extensions that hang do not block the loop ------------------------------ */

#define SLOW "{00000000-0000-4000-8000-0000000000a1}"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server with only the slow_validate test extension loaded. */
static void srv_start_slow(void)
{
	static char dir[FGW_MAX_PATH];
	char dst[FGW_MAX_PATH + 32];

	snprintf(dir, sizeof(dir), "%s/ext", srv.dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(dst, sizeof(dst), "%s/slow_validate.so", dir);
	testutil_install_built("test-ext/slow_validate.so", dst);
	opt.extensions = dir;
	srv_start("");
}

struct hang_result {
	int rc;
	int64_t ms;
	char msg[FGW_MAX_ERROR_TEXT];
};

/* A client in a child sets data on port 1 that hangs the extension; it
 * writes "s" to fd just before asking, then its result. */
static pid_t hang_client(const char *data, int fd)
{
	pid_t kid = fork();

	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		struct hang_result r = { .rc = 1 };
		fgw_handle *s = NULL, *p = NULL;

		if (fgw_connect(srv.sock, &s) != 0 ||
		    fgw_open_port(s, 1, FGW_PORT_OPEN_MODIFY, &p) != 0 || write(fd, "s", 1) != 1)
			_exit(2);
		int64_t t0 = now_ms();
		r.rc = fgw_set_routing_info(p, SLOW, data, strlen(data));
		r.ms = now_ms() - t0;
		snprintf(r.msg, sizeof(r.msg), "%s", fgw_last_error_message(p));
		if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(3);
		fgw_close(s);
		_exit(0);
	}
	return kid;
}

static const char *time_limit_text(void)
{
	static char text[64];

	snprintf(text, sizeof(text), "validation did not finish within %d s", FGW_VALIDATE_SECS);
	return text;
}

static void expect_data(fgw_handle *p, const char *want)
{
	void *data = NULL;
	size_t len = 0;

	ck_assert_int_eq(fgw_get_routing_info(p, SLOW, &data, &len), 0);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(memcmp(data, want, len) == 0);
	fgw_free_buffer(data);
}

/* Other clients are served at once while one validation hangs. */
static void others_served_meanwhile(fgw_handle *s, fgw_handle *q)
{
	fgw_port_info *ports;
	size_t n;
	int64_t t0 = now_ms();

	ck_assert_int_eq(fgw_enum_ports(s, &ports, &n), 0);
	ck_assert_uint_eq(n, 2);
	fgw_free_buffer(ports);
	expect_data(q, "good-1");
	fgw_global_routing_info gi = { .priority = 1, .guid = SLOW };
	ck_assert_int_eq(fgw_set_global_routing_info(s, &gi), 0);
	ck_assert_int_lt(now_ms() - t0, 1000);
}

START_TEST(test_hanging_validation_does_not_block)
{
	srv_start_slow();
	fgw_handle *s = connect_ok();
	fgw_handle *p = open_ok(s, 1, FGW_PORT_OPEN_MODIFY);
	fgw_handle *q = open_ok(s, 1, FGW_PORT_OPEN_QUERY);
	struct hang_result r;
	int fds[2], status;
	char ch;

	ck_assert_int_eq(fgw_set_routing_info(p, SLOW, "good-1", 6), 0);
	fgw_close(p);
	ck_assert_int_eq(pipe(fds), 0);
	pid_t kid = hang_client("hang", fds[1]);
	ck_assert_int_eq(read(fds[0], &ch, 1), 1);
	usleep(300000);
	others_served_meanwhile(s, q);
	/* A change that arrives meanwhile waits its turn, then is made. */
	fgw_routing_change two = { .port_id = 2, .guid = SLOW, .set_data = 1, .data = "good-q",
				   .data_len = 6 };
	size_t failed = 99;
	ck_assert_int_eq(fgw_set_routing_batch(s, &two, 1, &failed), 0);
	ck_assert_int_eq(read(fds[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(r.rc, FGW_E_BAD_DATA);
	ck_assert_str_eq(r.msg, time_limit_text());
	ck_assert_int_ge(r.ms, FGW_VALIDATE_SECS * 1000 - 500);
	ck_assert_int_lt(r.ms, FGW_CLIENT_TIMEOUT_MS);
	close(fds[0]);
	close(fds[1]);

	/* Nothing changed, and the server still validates and applies. */
	expect_data(q, "good-1");
	p = open_ok(s, 1, FGW_PORT_OPEN_MODIFY);
	ck_assert_int_eq(fgw_set_routing_info(p, SLOW, "bad", 3), FGW_E_BAD_DATA);
	ck_assert_str_eq(fgw_last_error_message(p), "slow test data must start with 'good'");
	ck_assert_int_eq(fgw_set_routing_info(p, SLOW, "crash", 5), FGW_E_BAD_DATA);
	ck_assert_ptr_nonnull(strstr(fgw_last_error_message(p), "crashed in validation (SIGABRT)"));
	ck_assert_int_eq(fgw_set_routing_info(p, SLOW, "good-2", 6), 0);
	ck_assert_int_eq(fgw_enable_routing_method(p, SLOW, 1), 0);
	expect_data(q, "good-2");
	fgw_close(p);
	fgw_close(q);
	fgw_close(s);
	srv_stop();
}
END_TEST

/* A batch whose second change hangs: refused as a whole, blaming it. */
START_TEST(test_hanging_batch_changes_nothing)
{
	srv_start_slow();
	fgw_handle *s = connect_ok();
	fgw_handle *q = open_ok(s, 2, FGW_PORT_OPEN_QUERY);
	fgw_routing_change ch[2] = {
		{ .port_id = 2, .guid = SLOW, .set_data = 1, .data = "good-2", .data_len = 6 },
		{ .port_id = 1, .guid = SLOW, .set_data = 1, .data = "hang", .data_len = 4 },
	};
	size_t failed = 99;
	void *data;
	size_t len;
	int64_t t0 = now_ms();

	ck_assert_int_eq(fgw_set_routing_batch(s, ch, 2, &failed), FGW_E_BAD_DATA);
	ck_assert_int_lt(now_ms() - t0, FGW_CLIENT_TIMEOUT_MS);
	ck_assert_uint_eq(failed, 1);
	ck_assert_str_eq(fgw_last_error_message(s), time_limit_text());
	ck_assert_int_eq(fgw_get_routing_info(q, SLOW, &data, &len), 0);
	ck_assert_uint_eq(len, 0);
	fgw_free_buffer(data);
	/* The connection is still in step: its next request is answered. */
	ch[1].data = "good-1";
	ck_assert_int_eq(fgw_set_routing_batch(s, ch, 2, &failed), 0);
	expect_data(q, "good-2");
	fgw_close(q);
	fgw_close(s);
	srv_stop();
}
END_TEST

Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_query_handle_cannot_change);
	tcase_add_test(tc, test_modify_busy_and_released);
	tcase_add_test(tc, test_unknown_port_and_method);
	tcase_add_test(tc, test_data_limits_and_roundtrip);
	tcase_add_test(tc, test_batch_all_or_nothing);
	tcase_add_test(tc, test_subscribe_events);
	tcase_add_test(tc, test_priority);
	tcase_add_test(tc, test_unauthorized_refused);
	tcase_add_test(tc, test_query_only_user);
	tcase_add_test(tc, test_reload_rechecks_rights);
	tcase_add_test(tc, test_secrets_masked);
	tcase_add_test(tc, test_malformed_frames);
	tcase_add_test(tc, test_slow_reader_dropped);
	tcase_add_test(tc, test_max_clients);
	tcase_add_test(tc, test_connection_caps);
	tcase_add_test(tc, test_idle_connection_closed);
	tcase_add_test(tc, test_socket_path_rules);
	tcase_add_test(tc, test_client_basics);
	tcase_add_test(tc, test_jobs_paged);
	tcase_add_test(tc, test_get_job_and_calls);
	tcase_add_test(tc, test_pages_cut_at_the_frame);
	tcase_add_test(tc, test_client_version_and_timeout);
	tcase_add_test(tc, test_hanging_validation_does_not_block);
	tcase_add_test(tc, test_hanging_batch_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
