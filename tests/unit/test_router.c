/*
 * test_router.c - the routing stage: per-attempt worker processes (crash,
 * hang, results), and the job queue with a real router process: retry
 * with doubling back-off, dead letter after the last attempt, a
 * segfaulting extension isolated and dead-lettered, `retry` of a dead
 * letter, resuming an interrupted job after a restart, and the end of a
 * job: recorded done before its file is removed, and a job whose methods
 * all succeeded finished (not dead-lettered) when its file is gone.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "testutil.h"
#include "config.h"
#include "extension.h"
#include "jobs.h"
#include "router.h"
#include "spool.h"
#include "state.h"
#include "testdoc.h"

Suite *router_suite(void);

#define RUN_GUID   "{57b68a34-09e7-416d-82b1-7e98d07dbdaf}"
#define CRASH_GUID "{00000000-0000-4000-8000-000000000004}"
#define OK_GUID    "{00000000-0000-4000-8000-000000000001}"

static char rt_root[256];
static char rt_path[4][1024];
static struct config *rt_cfg;
static struct extension_set *rt_ext;
static struct state *rt_st;
static struct event_base *rt_base;
static struct jobs *rt_jobs;
static char rt_err[512];

/* what the fake core says: the routing data per method */
static const char *rt_program = "flaky";

static fgw_event_type rt_events[256];
static size_t rt_nevents;

static const char *rt_p(const char *rel)
{
	static unsigned next;
	char *p = rt_path[next++ % 4];

	snprintf(p, sizeof(rt_path[0]), "%s/%s", rt_root, rel);
	return p;
}

static void rt_install(const char *rel, const char *name)
{
	testutil_install_built(rel, rt_p(name));
}

static void rt_script(const char *name, const char *body)
{
	FILE *f = fopen(rt_p(name), "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(rt_p(name), 0755);
}

static void rt_setup(void)
{
	snprintf(rt_root, sizeof(rt_root), "/tmp/faxgw-router-XXXXXX");
	ck_assert(mkdtemp(rt_root) != NULL);
	mkdir(rt_p("ext"), 0755);
	mkdir(rt_p("exec"), 0755);
	mkdir(rt_p("fax"), 0755);
	rt_cfg = testutil_config(rt_root,
				 "retry = 3 100ms\n"
				 "[port 1]\n"
				 "transport = t38\n"
				 "listen = 127.0.0.1:4000\n");
	rt_install("routing/run_program.so", "ext/run_program.so");
	rt_install("test-ext/crash_route.so", "ext/crash_route.so");
	rt_install("test-ext/test_ok.so", "ext/test_ok.so");
	ck_assert_int_eq(extension_set_load(rt_cfg, &rt_ext, rt_err, sizeof(rt_err)), 0);
	ck_assert_ptr_nonnull(extension_method_find(rt_ext, RUN_GUID, NULL));
	ck_assert_ptr_nonnull(extension_method_find(rt_ext, CRASH_GUID, NULL));
	ck_assert_msg(state_open(rt_cfg->state, &rt_st, NULL, rt_err, sizeof(rt_err)) == 0, "%s",
		      rt_err);
	ck_assert_int_eq(spool_init(rt_cfg->spool, rt_err, sizeof(rt_err)), 0);
	rt_base = event_base_new();
	ck_assert_ptr_nonnull(rt_base);
	rt_jobs = NULL;
	rt_nevents = 0;
	rt_program = "flaky";
	rt_script("exec/flaky",
		  "n=$(cat \"$0.count\" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > \"$0.count\"\n"
		  "[ $n -ge 3 ] || { echo \"flaky failure $n\"; exit 1; }\necho \"routed $FAXGW_JOB_ID\"");
	rt_script("exec/broken", "echo 'target is down'; exit 1");
}

static void rt_teardown(void)
{
	jobs_free(rt_jobs);
	if (rt_base != NULL)
		event_base_free(rt_base);
	state_close(rt_st);
	extension_set_free(rt_ext);
	config_free(rt_cfg);
	testutil_rmtree(rt_root);
}

/* --- the fake core ---------------------------------------------------------------- */

static void rt_emit(void *arg, const fgw_event *ev)
{
	(void)arg;
	if (rt_nevents < sizeof(rt_events) / sizeof(rt_events[0]))
		rt_events[rt_nevents++] = ev->type;
}

static size_t rt_count(fgw_event_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < rt_nevents; i++)
		n += rt_events[i] == t;
	return n;
}

static int rt_methods(void *arg, uint32_t port_id, char (*guids)[FGW_GUID_LEN + 1], size_t max,
		      size_t *n)
{
	(void)arg;
	(void)port_id;
	(void)max;
	snprintf(guids[0], sizeof(guids[0]), "%s", OK_GUID);
	*n = 1;
	return 0;
}

static int rt_data(void *arg, uint32_t port_id, const char *guid, void *data, size_t *len)
{
	(void)arg;
	(void)port_id;
	*len = 0;
	if (strcmp(guid, RUN_GUID) == 0) {
		*len = strlen(rt_program);
		memcpy(data, rt_program, *len);
	}
	return 0;
}

static int rt_restart(void *arg, struct router **out)
{
	char err[512];

	(void)arg;
	return router_start(rt_ext, out, err, sizeof(err));
}

static void rt_start_jobs(void)
{
	struct jobs_env env;
	struct router *r = NULL;

	ck_assert_msg(router_start(rt_ext, &r, rt_err, sizeof(rt_err)) == 0, "%s", rt_err);
	memset(&env, 0, sizeof(env));
	env.cfg = rt_cfg;
	env.st = rt_st;
	env.base = rt_base;
	env.emit = rt_emit;
	env.port_methods = rt_methods;
	env.routing_data = rt_data;
	env.router_restart = rt_restart;
	ck_assert_int_eq(jobs_new(&env, r, &rt_jobs, rt_err, sizeof(rt_err)), 0);
}

/* A committed 1-page fax on port 1 with the given methods. */
static uint64_t rt_job(const char *g1, const char *g2)
{
	char guids[2][FGW_GUID_LEN + 1];
	struct spool_fax f;
	char tmp[1024];
	uint64_t id = 0;
	size_t n = 0;

	if (g1 != NULL)
		snprintf(guids[n++], sizeof(guids[0]), "%s", g1);
	if (g2 != NULL)
		snprintf(guids[n++], sizeof(guids[0]), "%s", g2);
	ck_assert_int_eq(spool_tmp_path(rt_cfg->spool, 1, tmp, sizeof(tmp)), 0);
	ck_assert_int_eq(testdoc_make(tmp, 1, TESTDOC_STANDARD, 11), 0);
	memset(&f, 0, sizeof(f));
	f.port_id = 1;
	f.pages = 1;
	snprintf(f.caller, sizeof(f.caller), "127.0.0.1:5000");
	ck_assert_msg(spool_commit(rt_st, rt_cfg->spool, tmp, &f,
				   (const char (*)[FGW_GUID_LEN + 1])guids, n, &id, rt_err,
				   sizeof(rt_err)) == 0, "%s", rt_err);
	return id;
}

static double rt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rt_get(uint64_t id, struct state_job *j)
{
	int found = 0;

	ck_assert_int_eq(state_job_get(rt_st, id, j, &found, rt_err, sizeof(rt_err)), 0);
	ck_assert(found);
}

/* Runs the loop until job id reaches state (or the time is up). */
static void rt_run_until(uint64_t id, int state, double secs)
{
	struct state_job *j = calloc(1, sizeof(*j));
	double end = rt_now() + secs;

	for (;;) {
		rt_get(id, j);
		struct timeval tv = { 0, 50000 };

		if (j->state == state || rt_now() > end)
			break;
		event_base_loopexit(rt_base, &tv);
		event_base_loop(rt_base, EVLOOP_ONCE);
	}
	ck_assert_msg(j->state == state, "job %llu is in state %d, not %d (last error: %s)",
		      (unsigned long long)id, j->state, state, j->last_error);
	free(j);
}

static int rt_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* --- router_attempt alone ------------------------------------------------------------- */

static fgw_route_status rt_fn_crash(const fgw_route_host *h, const fgw_fax *fax,
				    const void *data, size_t len, char *msg, size_t msglen)
{
	(void)h;
	(void)fax;
	(void)data;
	(void)len;
	(void)msg;
	(void)msglen;
	raise(SIGSEGV);
	return FGW_ROUTE_OK;
}

static fgw_route_status rt_fn_hang(const fgw_route_host *h, const fgw_fax *fax,
				   const void *data, size_t len, char *msg, size_t msglen)
{
	(void)h;
	(void)fax;
	(void)data;
	(void)len;
	(void)msg;
	(void)msglen;
	for (;;)
		pause();
	return FGW_ROUTE_OK;
}

static fgw_route_status rt_fn_echo(const fgw_route_host *h, const fgw_fax *fax,
				   const void *data, size_t len, char *msg, size_t msglen)
{
	(void)h;
	snprintf(msg, msglen, "job %llu %.*s %s", (unsigned long long)fax->job_id, (int)len,
		 (const char *)data, fax->path);
	return len > 0 && memcmp(data, "fail", 4) == 0 ? FGW_ROUTE_FAIL : FGW_ROUTE_OK;
}

START_TEST(test_attempt_isolation)
{
	fgw_fax fax = { 0 };
	char msg[512];
	double t0;

	fax.job_id = 42;
	fax.path = "/spool/42.tif";
	ck_assert_int_eq(router_attempt(extension_host(rt_ext), rt_fn_crash, &fax, "", 0, 5000, msg,
					sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_str_eq(msg, "routing function crashed (SIGSEGV)");
	t0 = rt_now();
	ck_assert_int_eq(router_attempt(extension_host(rt_ext), rt_fn_hang, &fax, "", 0, 300, msg,
					sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_msg(rt_now() - t0 < 3.0, "time limit not applied");
	ck_assert_ptr_nonnull(strstr(msg, "timed out"));
	ck_assert_int_eq(router_attempt(extension_host(rt_ext), rt_fn_echo, &fax, "abc", 3, 5000, msg,
					sizeof(msg)), FGW_ROUTE_OK);
	ck_assert_str_eq(msg, "job 42 abc /spool/42.tif");
	ck_assert_int_eq(router_attempt(extension_host(rt_ext), rt_fn_echo, &fax, "fail", 4, 5000, msg,
					sizeof(msg)), FGW_ROUTE_FAIL);
}
END_TEST

START_TEST(test_router_process)
{
	struct router_request *rq = calloc(1, sizeof(*rq));
	struct router_reply rp;
	struct router *r = NULL;
	double end;
	int got = 0;

	ck_assert_int_eq(router_start(rt_ext, &r, rt_err, sizeof(rt_err)), 0);
	rq->job_id = 7;
	snprintf(rq->guid, sizeof(rq->guid), "%s", CRASH_GUID);
	ck_assert_int_eq(router_send(r, rq), 0);
	rq->job_id = 8;
	snprintf(rq->guid, sizeof(rq->guid), "%s", "{00000000-0000-4000-8000-00000000ffff}");
	ck_assert_int_eq(router_send(r, rq), 0);
	end = rt_now() + 10;
	while (got < 2 && rt_now() < end) {
		int rc = router_recv(r, &rp);
		ck_assert_int_ge(rc, 0);
		if (rc == 0) {
			usleep(10000);
			continue;
		}
		ck_assert_int_eq(rp.status, FGW_ROUTE_RETRY);
		got++;
		if (rp.job_id == 7) {
			ck_assert_str_eq(rp.msg, "routing function crashed (SIGSEGV)");
		} else {
			ck_assert_uint_eq(rp.job_id, 8);
			ck_assert_ptr_nonnull(strstr(rp.msg, "not loaded"));
		}
	}
	ck_assert_int_eq(got, 2);
	/* The router survived the crash and still answers. */
	ck_assert_int_eq(kill(router_pid(r), 0), 0);
	router_free(r);
	free(rq);
}
END_TEST

/* --- the job queue ---------------------------------------------------------------------- */

START_TEST(test_retry_backoff_then_success)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct state_job_method m[2];
	uint64_t id = rt_job(RUN_GUID, OK_GUID);
	double t0 = rt_now();
	size_t n = 0;

	rt_start_jobs();
	rt_run_until(id, FGW_JOB_DONE, 10);
	/* Back-offs of 100 ms then 200 ms between the three attempts. */
	ck_assert_msg(rt_now() - t0 >= 0.29, "back-off not applied (%.3f s)", rt_now() - t0);
	rt_get(id, j);
	ck_assert_uint_eq(j->attempts, 3);
	ck_assert(!rt_exists(j->path));
	ck_assert_int_eq(state_job_methods(rt_st, id, m, 2, &n, rt_err, sizeof(rt_err)), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(m[i].state, FGW_JOB_DONE);
		/* Test OK ran once only; Run program three times. */
		ck_assert_uint_eq(m[i].attempts, strcmp(m[i].guid, RUN_GUID) == 0 ? 3 : 1);
	}
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_FAILED), 2);
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_SUCCEEDED), 2);
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_DEAD_LETTERED), 0);
	free(j);
}
END_TEST

START_TEST(test_dead_letter_and_retry)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct state_method_counters mc;
	char failed[1024];
	uint64_t id;

	rt_program = "broken";
	id = rt_job(RUN_GUID, NULL);
	rt_start_jobs();
	rt_run_until(id, FGW_JOB_FAILED, 10);
	rt_get(id, j);
	ck_assert_uint_eq(j->attempts, 3);
	ck_assert_int_eq(spool_failed_path(rt_cfg->spool, id, failed, sizeof(failed)), 0);
	ck_assert_str_eq(j->path, failed);
	ck_assert(rt_exists(failed));
	ck_assert_ptr_nonnull(strstr(j->last_error, "target is down"));
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_DEAD_LETTERED), 1);
	ck_assert_int_eq(state_method_counters_get(rt_st, 1, RUN_GUID, &mc, rt_err,
						   sizeof(rt_err)), 0);
	ck_assert_uint_eq(mc.failures, 3);

	/* faxgwctl retry: the file comes back and the job is routed. */
	rt_program = "flaky";
	{
		FILE *f = fopen(rt_p("exec/flaky.count"), "w");
		ck_assert_ptr_nonnull(f);
		fputs("2\n", f);
		fclose(f);
	}
	ck_assert_int_eq(state_job_retry(rt_st, id, 0, rt_err, sizeof(rt_err)), 0);
	jobs_retried(rt_jobs, id);
	rt_get(id, j);
	ck_assert(!rt_exists(failed));
	rt_run_until(id, FGW_JOB_DONE, 10);
	rt_get(id, j);
	ck_assert_uint_eq(j->attempts, 1);
	ck_assert(!rt_exists(j->path));
	free(j);
}
END_TEST

START_TEST(test_crash_isolated)
{
	struct state_job *j = calloc(1, sizeof(*j));
	uint64_t crash = rt_job(CRASH_GUID, NULL);
	uint64_t ok = rt_job(OK_GUID, NULL);

	rt_start_jobs();
	rt_run_until(ok, FGW_JOB_DONE, 10);
	rt_run_until(crash, FGW_JOB_FAILED, 10);
	rt_get(crash, j);
	ck_assert_uint_eq(j->attempts, 3);
	ck_assert_str_eq(j->last_error, "routing function crashed (SIGSEGV)");
	ck_assert(rt_exists(j->path));
	ck_assert_ptr_nonnull(strstr(j->path, "/failed/"));
	/* Another job is still routed afterwards: the router lives on. */
	ok = rt_job(OK_GUID, NULL);
	jobs_kick(rt_jobs);
	rt_run_until(ok, FGW_JOB_DONE, 10);
	free(j);
}
END_TEST

START_TEST(test_resume_after_restart)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_recovery rec;
	uint64_t id = rt_job(OK_GUID, NULL), unrouted;

	/* As if faxgwd died during an attempt. */
	rt_get(id, j);
	j->state = FGW_JOB_ROUTING;
	j->attempts = 1;
	ck_assert_int_eq(state_job_update(rt_st, j, rt_err, sizeof(rt_err)), 0);
	/* And a job received while nothing was enabled: it takes the port's
	 * methods when routed. */
	unrouted = rt_job(NULL, NULL);
	rt_get(unrouted, j);
	ck_assert_int_eq(j->state, FGW_JOB_UNROUTED);
	ck_assert_int_eq(state_job_retry(rt_st, unrouted, 0, rt_err, sizeof(rt_err)), 0);

	ck_assert_int_eq(spool_recover(rt_st, rt_cfg->spool, NULL, NULL, &rec, rt_err,
				       sizeof(rt_err)), 0);
	rt_get(id, j);
	ck_assert_int_eq(j->state, FGW_JOB_PENDING);
	rt_start_jobs();
	rt_run_until(id, FGW_JOB_DONE, 10);
	rt_get(id, j);
	ck_assert_uint_eq(j->attempts, 2);
	rt_run_until(unrouted, FGW_JOB_DONE, 10);
	free(j);
}
END_TEST

START_TEST(test_slow_target_does_not_block)
{
	uint64_t slow, quick;
	struct state_job *j = calloc(1, sizeof(*j));

	rt_script("exec/slow", "sleep 3; echo slept");
	rt_program = "slow";
	slow = rt_job(RUN_GUID, NULL);
	quick = rt_job(OK_GUID, NULL);
	rt_start_jobs();
	rt_run_until(quick, FGW_JOB_DONE, 2.5);
	rt_get(slow, j);
	ck_assert_int_eq(j->state, FGW_JOB_ROUTING);
	rt_run_until(slow, FGW_JOB_DONE, 10);
	free(j);
}
END_TEST

START_TEST(test_router_restarted)
{
	uint64_t id;
	int pid;

	rt_start_jobs();
	pid = jobs_router_pid(rt_jobs);
	ck_assert_int_gt(pid, 0);
	kill(pid, SIGKILL);
	id = rt_job(OK_GUID, NULL);
	jobs_kick(rt_jobs);
	rt_run_until(id, FGW_JOB_DONE, 10);
	ck_assert_int_ne(jobs_router_pid(rt_jobs), pid);
	/* A reload replaces the router on purpose; routing goes on. */
	pid = jobs_router_pid(rt_jobs);
	jobs_restart_router(rt_jobs);
	id = rt_job(OK_GUID, NULL);
	jobs_kick(rt_jobs);
	rt_run_until(id, FGW_JOB_DONE, 10);
	ck_assert_int_gt(jobs_router_pid(rt_jobs), 0);
	ck_assert_int_ne(jobs_router_pid(rt_jobs), pid);
}
END_TEST

/* An attempt cut short by the router's end (as by a crash or kill -9)
 * ran to no result: it uses up no attempt. */
START_TEST(test_lost_attempt_not_counted)
{
	struct state_job *j = calloc(1, sizeof(*j));
	uint64_t id;
	int pid;

	rt_script("exec/slow", "sleep 2; echo slept");
	rt_program = "slow";
	id = rt_job(RUN_GUID, NULL);
	rt_start_jobs();
	rt_run_until(id, FGW_JOB_ROUTING, 5);
	pid = jobs_router_pid(rt_jobs);
	ck_assert_int_gt(pid, 0);
	kill(pid, SIGKILL);
	rt_run_until(id, FGW_JOB_DONE, 15);
	rt_get(id, j);
	ck_assert_uint_eq(j->attempts, 1);
	free(j);
}
END_TEST

/* --- the end of a job: state first, then the file ------------------------------------ */

/* Runs SQL on the state database through a connection of its own. */
static void rt_sql(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(rt_cfg->state, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg != NULL ? msg : "?");
	sqlite3_close(db);
}

/* Runs the loop until job id is neither PENDING nor ROUTING, or the time
 * is up; its state then. */
static int rt_settle(uint64_t id, double secs)
{
	struct state_job *j = calloc(1, sizeof(*j));
	double end = rt_now() + secs;
	int state;

	for (;;) {
		struct timeval tv = { 0, 50000 };

		rt_get(id, j);
		if ((j->state != FGW_JOB_PENDING && j->state != FGW_JOB_ROUTING) || rt_now() > end)
			break;
		event_base_loopexit(rt_base, &tv);
		event_base_loop(rt_base, EVLOOP_ONCE);
	}
	state = j->state;
	free(j);
	return state;
}

/* Runs the loop until no attempt is running and the first method of job
 * id has a result. */
static void rt_run_idle(uint64_t id, double secs)
{
	struct state_job_method m[1];
	double end = rt_now() + secs;
	size_t n = 0;

	for (;;) {
		struct timeval tv = { 0, 50000 };

		ck_assert_int_eq(state_job_methods(rt_st, id, m, 1, &n, rt_err, sizeof(rt_err)), 0);
		ck_assert_uint_eq(n, 1);
		if ((m[0].state != FGW_JOB_PENDING && jobs_inflight(rt_jobs) == 0) || rt_now() > end)
			break;
		event_base_loopexit(rt_base, &tv);
		event_base_loop(rt_base, EVLOOP_ONCE);
	}
	ck_assert_int_eq(m[0].state, FGW_JOB_DONE);
	ck_assert_uint_eq(jobs_inflight(rt_jobs), 0);
}

/* faxgwd killed after a job's only method succeeded and its file was
 * removed, before the job was recorded done: the crash window of the old
 * order of jobs_done. */
static void rt_crash_after_unlink(uint64_t id, int state)
{
	struct state_job *j = calloc(1, sizeof(*j));

	rt_get(id, j);
	ck_assert_int_eq(state_job_method_update(rt_st, id, OK_GUID, FGW_JOB_DONE, 1, "", rt_err,
						 sizeof(rt_err)), 0);
	j->state = state;
	j->attempts = 1;
	if (state == FGW_JOB_FAILED)
		snprintf(j->last_error, sizeof(j->last_error),
			 "the fax file is missing from the spool");
	ck_assert_int_eq(state_job_update(rt_st, j, rt_err, sizeof(rt_err)), 0);
	ck_assert_int_eq(unlink(j->path), 0);
	free(j);
}

START_TEST(test_done_methods_file_gone)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_recovery rec;
	char failed[1024];
	uint64_t id = rt_job(OK_GUID, NULL), dead = rt_job(OK_GUID, NULL);

	rt_crash_after_unlink(id, FGW_JOB_ROUTING);
	/* And one that an older faxgwd's recovery dead-lettered for it. */
	rt_crash_after_unlink(dead, FGW_JOB_FAILED);
	ck_assert_int_eq(spool_recover(rt_st, rt_cfg->spool, NULL, NULL, &rec, rt_err,
				       sizeof(rt_err)), 0);
	rt_start_jobs();
	ck_assert_int_eq(rt_settle(id, 5), FGW_JOB_DONE);
	rt_get(id, j);
	ck_assert_uint_eq(j->attempts, 1);
	ck_assert_str_eq(j->last_error, "");
	ck_assert_int_eq(spool_failed_path(rt_cfg->spool, id, failed, sizeof(failed)), 0);
	ck_assert(!rt_exists(failed));
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_DEAD_LETTERED), 0);

	/* faxgwctl retry of the false dead letter: done, not dead again. */
	ck_assert_int_eq(state_job_retry(rt_st, dead, 0, rt_err, sizeof(rt_err)), 0);
	jobs_retried(rt_jobs, dead);
	ck_assert_int_eq(rt_settle(dead, 5), FGW_JOB_DONE);
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_DEAD_LETTERED), 0);
	free(j);
}
END_TEST

/* jobs_done records the job done before it removes the file: when the
 * state cannot be written, the file stays and a restart finishes the job. */
START_TEST(test_done_state_first)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_recovery rec;
	char sql[256], path[1024];
	uint64_t id = rt_job(OK_GUID, NULL);

	rt_get(id, j);
	snprintf(path, sizeof(path), "%s", j->path);
	snprintf(sql, sizeof(sql),
		 "CREATE TRIGGER rt_fail_done BEFORE UPDATE OF state ON jobs "
		 "WHEN NEW.state = %d BEGIN SELECT RAISE(ABORT, 'injected: disk full'); END",
		 FGW_JOB_DONE);
	rt_sql(sql);
	rt_start_jobs();
	rt_run_idle(id, 5);
	rt_get(id, j);
	ck_assert_int_ne(j->state, FGW_JOB_DONE);
	ck_assert_msg(rt_exists(path), "%s removed before the job was recorded done", path);

	/* The database works again; faxgwd restarts. */
	rt_sql("DROP TRIGGER rt_fail_done");
	jobs_free(rt_jobs);
	rt_jobs = NULL;
	ck_assert_int_eq(spool_recover(rt_st, rt_cfg->spool, NULL, NULL, &rec, rt_err,
				       sizeof(rt_err)), 0);
	rt_start_jobs();
	ck_assert_int_eq(rt_settle(id, 5), FGW_JOB_DONE);
	/* The method ran once, and is not run again: its success was kept
	 * (the job's own count went with the write that failed). */
	struct state_job_method m;
	size_t nm = 0;
	ck_assert_int_eq(state_job_methods(rt_st, id, &m, 1, &nm, rt_err, sizeof(rt_err)), 0);
	ck_assert_uint_eq(nm, 1);
	ck_assert_int_eq(m.state, FGW_JOB_DONE);
	ck_assert_uint_eq(m.attempts, 1);
	ck_assert(!rt_exists(path));
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_DEAD_LETTERED), 0);
	ck_assert_uint_eq(rt_count(FGW_EVENT_ROUTING_SUCCEEDED), 1);
	free(j);
}
END_TEST

Suite *router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("router");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, rt_setup, rt_teardown);
	tcase_add_test(tc, test_attempt_isolation);
	tcase_add_test(tc, test_lost_attempt_not_counted);
	tcase_add_test(tc, test_router_process);
	tcase_add_test(tc, test_retry_backoff_then_success);
	tcase_add_test(tc, test_dead_letter_and_retry);
	tcase_add_test(tc, test_crash_isolated);
	tcase_add_test(tc, test_resume_after_restart);
	tcase_add_test(tc, test_slow_target_does_not_block);
	tcase_add_test(tc, test_router_restarted);
	tcase_add_test(tc, test_done_methods_file_gone);
	tcase_add_test(tc, test_done_state_first);
	suite_add_tcase(s, tc);
	return s;
}
