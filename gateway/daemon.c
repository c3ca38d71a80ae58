/*
 * daemon.c - faxgwd: options, configuration, start-up, signals, main loop.
 *
 *   faxgwd [-c FILE] [-f] [-n] [-d]
 *
 * Fatal errors happen only here, at start-up; once the loop runs, what a
 * peer, a client or a file does wrong is logged and survived.
 */
#include "caps.h"
#include "daemon.h"

#include <errno.h>
#include <grp.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "control.h"
#include "core.h"
#include "log.h"
#include "dataplane.h"
#include "fgwx_dir.h"
#include "lockfile.h"
#include "port.h"
#include "rtable.h"
#include "sipconf.h"

struct daemon_opts {
	const char *config_file;   /* NULL: the embedded default */
	bool foreground;
	bool check_only;
	bool debug;
};

struct daemon {
	struct daemon_opts opts;
	struct config *cfg;
	struct core *core;
	struct control *control;
	struct dataplane *dataplane;
	struct sip_thread *sip;          /* NULL without [sip] */
	struct sipconf_link *sip_link;   /* its reports on send jobs' dials */
	struct event_base *base;
	struct event *ev_term, *ev_int, *ev_hup;
	struct event *ev_drain;          /* SIGTERM with calls in progress */
	uint64_t drain_until_ms;
	struct lockfile *lock_spool, *lock_state;
};

static void daemon_usage(FILE *out)
{
	fprintf(out,
		"usage: faxgwd [-c FILE] [-f] [-n] [-d]\n"
		"  -c FILE  configuration file (default: the embedded default,\n"
		"           two loopback ports with state under ./var)\n"
		"  -f       stay in the foreground and log to stderr\n"
		"  -n       check the configuration and exit\n"
		"  -d       debug logging\n"
		"  -V, --version  print the version and exit\n"
		"  -h, --help     print this help and exit\n");
}

/* Returns -1 to continue, else an exit status. */
static int daemon_parse_args(int argc, char **argv, struct daemon_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:fndhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_file = optarg; break;
		case 'f': o->foreground = true; break;
		case 'n': o->check_only = true; break;
		case 'd': o->debug = true; break;
		case 'V': printf("faxgwd %s\n", FAXGW_VERSION); return 0;
		case 'h': daemon_usage(stdout); return 0;
		default: daemon_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "faxgwd: unexpected argument '%s'\n", argv[optind]);
		daemon_usage(stderr);
		return 2;
	}
	return -1;
}

static void daemon_print_errors(const struct config_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
	if (errs->dropped > 0)
		fprintf(stderr, "(%zu more errors not shown)\n", errs->dropped);
}

/* A group named in admin-group or query-group that does not exist grants
 * nothing (only root may then modify, or query); said by -n and at start. */
static void daemon_check_groups(const struct config *cfg, bool to_stderr)
{
	const char *keys[2] = { "admin-group", "query-group" };
	const char *names[2] = { cfg->admin_group, cfg->query_group };

	for (size_t i = 0; i < 2; i++) {
		if (names[i][0] == '\0' || getgrnam(names[i]) != NULL)
			continue;
		if (to_stderr)
			fprintf(stderr, "%s: warning: %s %s does not exist: only root may %s\n",
				cfg->file, keys[i], names[i], i == 0 ? "modify" : "query");
		else
			log_warn("%s %s does not exist: only root may %s", keys[i], names[i],
				 i == 0 ? "modify" : "query");
	}
}

static int daemon_load_config(const struct daemon_opts *o, struct config **cfg,
			      struct config_errors *errs)
{
	if (o->config_file != NULL)
		return config_load_file(o->config_file, cfg, errs);

	char top[FGW_MAX_PATH];
	if (getcwd(top, sizeof(top)) == NULL) {
		snprintf(errs->msg[0], sizeof(errs->msg[0]),
			 "(embedded default): cannot get the current directory: %s",
			 strerror(errno));
		errs->n = 1;
		return -1;
	}
	return config_load_default(top, cfg, errs);
}

static int daemon_parent_dir(const char *path, char *out, size_t outlen)
{
	if (snprintf(out, outlen, "%s", path) >= (int)outlen)
		return -1;
	char *slash = strrchr(out, '/');
	if (slash == NULL)
		snprintf(out, outlen, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

static int daemon_prepare_dirs(const struct config *cfg)
{
	char failed_dir[FGW_MAX_PATH + 16], parent[FGW_MAX_PATH];
	const char *dirs[3] = { cfg->spool, failed_dir, parent };

	snprintf(failed_dir, sizeof(failed_dir), "%s/failed", cfg->spool);
	if (daemon_parent_dir(cfg->state, parent, sizeof(parent)) != 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (fgwx_mkdir_p(dirs[i], 0750, NULL, 0) != 0) {
			log_err("cannot create directory %s: %s", dirs[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Same settings, wherever in the file the section is. */
static bool daemon_same_port(const struct config_port *a, const struct config_port *b)
{
	struct config_port x = *a, y = *b;

	x.line = y.line = 0;
	x.sip_users = y.sip_users = NULL;   /* the lists: compared by content below */
	x.allow = y.allow = NULL;
	if (memcmp(&x, &y, sizeof(x)) != 0)
		return false;
	if (a->nallow > 0 && memcmp(a->allow, b->allow, a->nallow * sizeof(a->allow[0])) != 0)
		return false;
	for (size_t u = 0; u < a->nsip_users; u++)
		if (strcmp(a->sip_users[u], b->sip_users[u]) != 0)
			return false;
	return true;
}

static bool daemon_same_sip(const struct config_sip *a, const struct config_sip *b)
{
	struct config_sip x = *a, y = *b;

	x.line = y.line = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* SIGHUP: re-read the configuration and take over what can change while
 * ports and sockets stay as they are; the rest needs a restart. */
static void daemon_reload(struct daemon *d)
{
	struct config *next = NULL;
	struct config_errors errs = { 0 };

	log_notice("SIGHUP: reloading configuration");
	if (daemon_load_config(&d->opts, &next, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_err("reload refused: %s", errs.msg[i]);
		return;
	}
	struct config *cur = d->cfg;
	if (cur->nports != next->nports ||
	    strcmp(cur->spool, next->spool) != 0 || strcmp(cur->state, next->state) != 0 ||
	    strcmp(cur->control, next->control) != 0 ||
	    strcmp(cur->extensions, next->extensions) != 0)
		log_warn("reload: changes to ports, spool, state, control or extensions "
			 "take effect after a restart");
	if (!daemon_same_sip(&cur->sip, &next->sip))
		log_warn("reload: changes to [sip] take effect after a restart");
	for (size_t i = 0; i < cur->nports && i < next->nports; i++)
		if (!daemon_same_port(&cur->ports[i], &next->ports[i]))
			log_warn("reload: port %u changed: takes effect after a restart",
				 (unsigned)cur->ports[i].id);
	memcpy(cur->admin_group, next->admin_group, sizeof(cur->admin_group));
	memcpy(cur->query_group, next->query_group, sizeof(cur->query_group));
	memcpy(cur->store_root, next->store_root, sizeof(cur->store_root));
	memcpy(cur->exec_dir, next->exec_dir, sizeof(cur->exec_dir));
	cur->retry_attempts = next->retry_attempts;
	cur->retry_backoff_ms = next->retry_backoff_ms;
	cur->history_s = next->history_s;
	cur->retention_s = next->retention_s;
	cur->mail = next->mail;
	cur->http = next->http;
	config_free(next);
	dataplane_reload(d->dataplane);
	control_recheck_rights(d->control);
	log_notice("reload: access groups, store-root, exec-dir, retry, history, retention, "
		   "[mail] and [http] updated");
}

/* Calls in progress: on the media threads, or SIP dialogs not there yet
 * (ringing) or still ending; a SIP call on a media thread is both, so the
 * larger of the two is a lower bound that is 0 only when there is none. */
static uint32_t daemon_calls(const struct daemon *d)
{
	struct sip_stats st;
	uint32_t media = dataplane_active_calls(d->dataplane);

	sip_thread_stats(d->sip, &st);
	return media > st.calls ? media : (uint32_t)st.calls;
}

static void daemon_on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	uint32_t n = daemon_calls(d);

	(void)fd;
	(void)what;
	if (n > 0 && port_now_ms() < d->drain_until_ms)
		return;
	if (n > 0)
		log_warn("drained for %d s, %u call(s) still in progress: hanging them up",
			 FGW_DRAIN_MS / 1000, (unsigned)n);
	else
		log_notice("drained: no call in progress");
	event_base_loopbreak(d->base);
}

/* The first SIGTERM with calls in progress drains: no new call is taken
 * (SIP: 503, OPTIONS 503; static ports ignore new callers), the calls in
 * progress may finish for FGW_DRAIN_MS; a second SIGTERM, or SIGINT,
 * stops at once (their pages are kept as partial faxes). */
static bool daemon_drain(struct daemon *d)
{
	struct timeval tv = { FGW_DRAIN_POLL_MS / 1000, (FGW_DRAIN_POLL_MS % 1000) * 1000 };
	uint32_t n = daemon_calls(d);

	if (d->ev_drain != NULL || n == 0)
		return false;
	d->ev_drain = event_new(d->base, -1, EV_PERSIST, daemon_on_drain, d);
	if (d->ev_drain == NULL || event_add(d->ev_drain, &tv) != 0)
		return false;
	d->drain_until_ms = port_now_ms() + FGW_DRAIN_MS;
	sip_thread_drain(d->sip);
	dataplane_drain(d->dataplane);
	log_notice("SIGTERM: draining: %u call(s) in progress may finish (at most %d s), new "
		   "calls are refused; SIGTERM again stops now", (unsigned)n, FGW_DRAIN_MS / 1000);
	return true;
}

static void daemon_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		daemon_reload(d);
		return;
	}
	if (sig == SIGTERM && daemon_drain(d))
		return;
	log_notice("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	sip_thread_drain(d->sip);
	event_base_loopbreak(d->base);
}

/* Blocks of FGW_MMAP_THRESHOLD or more get mappings of their own.  A reception's
 * page buffers are such blocks: given back whole at the call's end, they
 * leave no holes in the heap of the media thread (about 10 kB less
 * resident memory per call, docs/performance.md); the allocator's own
 * default grows its threshold and keeps them in the heap.  A threshold set
 * in the environment wins. */
static void daemon_tune_malloc(void)
{
	const char *t = getenv("GLIBC_TUNABLES");

	if (getenv("MALLOC_MMAP_THRESHOLD_") != NULL ||
	    (t != NULL && strstr(t, "mmap_threshold") != NULL))
		return;
	/* Refused only under a sanitizer's allocator, which has its own. */
	(void)mallopt(M_MMAP_THRESHOLD, FGW_MMAP_THRESHOLD);
}

/* One lock: 0, or -1 with the reason on stderr (before the log is open,
 * so that the second faxgwd's refusal reaches whoever started it). */
static int daemon_lock_one(const char *what, const char *target, const char *path,
			   struct lockfile **out)
{
	char err[FGW_MAX_ERROR_TEXT];
	pid_t holder = 0;

	switch (lockfile_take(path, out, &holder, err, sizeof(err))) {
	case LOCKFILE_OK:
		return 0;
	case LOCKFILE_BUSY:
		if (holder > 0)
			fprintf(stderr, "faxgwd: %s %s is in use by faxgwd pid %ld (lock file %s)\n",
				what, target, (long)holder, path);
		else
			fprintf(stderr, "faxgwd: %s %s is in use by another faxgwd (lock file %s)\n",
				what, target, path);
		return -1;
	default:
		fprintf(stderr, "faxgwd: cannot lock %s %s: %s\n", what, target, err);
		return -1;
	}
}

/* One faxgwd per spool and per state database (faxgwd(8), FILES): taken
 * before anything in them is read, recovered or removed, and held until
 * daemon_stop().  Another faxgwd's start-up recovery would take the tmp
 * file of a call in progress for a leftover. */
static int daemon_lock(struct daemon *d)
{
	char path[FGW_MAX_PATH + 16], spool_path[FGW_MAX_PATH + 16];

	snprintf(spool_path, sizeof(spool_path), "%s/faxgwd.lock", d->cfg->spool);
	if (daemon_lock_one("spool", d->cfg->spool, spool_path, &d->lock_spool) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s.lock", d->cfg->state);
	if (strcmp(path, spool_path) == 0)
		return 0;          /* state = SPOOL/faxgwd: one file, already ours */
	return daemon_lock_one("state database", d->cfg->state, path, &d->lock_state);
}

/* After daemon(3): the locks are the child's now; name its pid. */
static int daemon_lock_detached(struct daemon *d)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (lockfile_set_pid(d->lock_spool, getpid(), err, sizeof(err)) != 0 ||
	    (d->lock_state != NULL &&
	     lockfile_set_pid(d->lock_state, getpid(), err, sizeof(err)) != 0)) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static int daemon_sip_info(void *arg, fgw_sip_port *out, char (*users)[FGW_MAX_SIP_USERS_TEXT],
			   size_t max, size_t *n)
{
	struct daemon *d = arg;

	return sipconf_info(d->cfg, d->sip, out, users, max, n);
}

/* Sending (rtable.h core_sip.dial, .cancel): the SIP thread places the
 * call; what becomes of the dial comes back through d->sip_link. */
static int daemon_sip_dial(void *arg, const struct core_dial *dial, char *err, size_t errlen)
{
	struct daemon *d = arg;

	return sipconf_dial(d->cfg, d->sip, dial, err, errlen);
}

static void daemon_sip_cancel(void *arg, uint64_t job_id)
{
	struct daemon *d = arg;

	sip_thread_cancel(d->sip, job_id);
}

static int daemon_start(struct daemon *d)
{
	char err[FGW_MAX_ERROR_TEXT];

	d->base = event_base_new();
	if (d->base == NULL) {
		log_err("cannot create the event loop");
		return -1;
	}
	if (core_new(d->cfg, &d->core, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	/* The data plane right after the core: it forks the router process,
	 * which must inherit neither the control socket nor signal handlers. */
	if (dataplane_new(d->base, d->core, &d->dataplane, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	d->control = control_new(d->base, d->cfg, d->core, err, sizeof(err));
	if (d->control == NULL) {
		log_err("%s", err);
		return -1;
	}
	d->sip_link = sipconf_link_new(d->base, d->core);
	if (d->sip_link == NULL) {
		log_err("out of memory");
		return -1;
	}
	/* After the router's fork: it must not inherit the SIP sockets. */
	if (sipconf_start(d->cfg, d->dataplane, d->sip_link, &d->sip, err, sizeof(err)) != 0) {
		/* The embedded default is for trying faxgw out: another SIP
		 * program on 5060 must not keep the static ports from working. */
		if (d->opts.config_file != NULL) {
			log_err("%s", err);
			return -1;
		}
		log_warn("%s: the embedded default runs without SIP", err);
	}
	if (d->cfg->sip.present) {
		struct core_sip hook = { daemon_sip_info, daemon_sip_dial, daemon_sip_cancel, d };
		core_set_sip(d->core, &hook);
	}
	d->ev_term = evsignal_new(d->base, SIGTERM, daemon_on_signal, d);
	d->ev_int = evsignal_new(d->base, SIGINT, daemon_on_signal, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, daemon_on_signal, d);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_hup == NULL ||
	    evsignal_add(d->ev_term, NULL) != 0 || evsignal_add(d->ev_int, NULL) != 0 ||
	    evsignal_add(d->ev_hup, NULL) != 0) {
		log_err("cannot install signal handlers");
		return -1;
	}
	return 0;
}

static void daemon_stop(struct daemon *d)
{
	if (d->ev_term) event_free(d->ev_term);
	if (d->ev_int) event_free(d->ev_int);
	if (d->ev_hup) event_free(d->ev_hup);
	if (d->ev_drain) event_free(d->ev_drain);
	/* SIP first: it may not hand anything to a data plane being freed;
	 * and freed after it: the media threads report to it until they stop. */
	if (d->core != NULL)
		core_set_sip(d->core, NULL);
	sip_thread_stop(d->sip);
	sipconf_log_answers(d->sip);
	dataplane_free(d->dataplane);
	sip_thread_free(d->sip);
	sipconf_link_free(d->sip_link);  /* after the SIP thread, before the loop */
	control_free(d->control);
	core_free(d->core);
	if (d->base) event_base_free(d->base);
	config_free(d->cfg);
	/* Last: the router is reaped and the database closed by now. */
	lockfile_free(d->lock_state);
	lockfile_free(d->lock_spool);
}

int daemon_main(int argc, char **argv)
{
	struct daemon d = { 0 };
	struct config_errors *errs = calloc(1, sizeof(*errs));
	int rc = daemon_parse_args(argc, argv, &d.opts);

	if (rc >= 0 || errs == NULL) {
		free(errs);
		return rc >= 0 ? rc : 1;
	}
	if (daemon_load_config(&d.opts, &d.cfg, errs) != 0) {
		daemon_print_errors(errs);
		free(errs);
		return 1;
	}
	free(errs);
	if (d.opts.check_only) {
		daemon_check_groups(d.cfg, true);
		printf("configuration OK\n");
		config_free(d.cfg);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (daemon_prepare_dirs(d.cfg) != 0 || daemon_lock(&d) != 0) {
		daemon_stop(&d);
		return 1;
	}
	if (!d.opts.foreground && daemon(1, 0) != 0) {
		fprintf(stderr, "faxgwd: cannot detach: %s\n", strerror(errno));
		daemon_stop(&d);
		return 1;
	}
	log_open("faxgwd", d.opts.foreground, d.opts.debug);
	daemon_tune_malloc();
	daemon_check_groups(d.cfg, false);
	rc = 1;
	if ((d.opts.foreground || daemon_lock_detached(&d) == 0) && daemon_start(&d) == 0) {
		log_notice("faxgwd %s started: %s, %zu ports, control socket %s", FAXGW_VERSION,
			   d.cfg->file, d.cfg->nports, d.cfg->control);
		event_base_dispatch(d.base);
		rc = 0;
	}
	daemon_stop(&d);
	log_notice("faxgwd stopped");
	log_close();
	return rc;
}
