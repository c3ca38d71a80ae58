/*
 * faxbench - load generator and benchmark for faxgwd (faxbench(1)).
 *
 *   faxbench [--transport t38|audio|sip|both|all] [--max N] [--start N] [--pages N]
 *            [--resolution standard|fine|mixed] [--duration S] [--stagger MS]
 *            [--alone-pairs N] [--rate BPS] [--no-ecm] [--faxgwd PATH]
 *            [--extensions DIR] [--quick] [--json] [--keep] [-v]
 *
 * Per transport: spandsp alone in memory (the floor), faxgwd idle with 1
 * port and with --max ports (memory per idle port), then a ramp N = start,
 * 2 start, ... --max of concurrent faxes through that faxgwd, stopping at
 * the first step not held.  Exit 0 when the benchmark ran (whatever the
 * figures), 1 when it could not run, 2 on a usage error.
 */
#include "faxbench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fgwx_number.h"
#include "testdoc.h"

#define FB_EXIT_OK    0
#define FB_EXIT_ERROR 1
#define FB_EXIT_USAGE 2
#define FB_DOC_SEED   7
#define FB_FD_RESERVE 64              /* descriptors kept for everything but senders */

static volatile pid_t fb_main_child;  /* faxgwd or the thin gateway to stop on SIGINT/SIGTERM */

static int fb_main_usage(FILE *out, int rc)
{
	fprintf(out,
		"usage: faxbench [--transport t38|audio|sip|both|all] [--max N] [--start N] [--pages N]\n"
		"                [--resolution standard|fine|mixed] [--duration S] [--stagger MS]\n"
		"                [--alone-pairs N] [--rate BPS] [--no-ecm] [--late-ms MS] [--nice N]\n"
		"                [--sender-threads N] [--faxgwd PATH] [--extensions DIR] [--no-thin]\n"
		"                [--quick] [--json] [--keep] [-v]\n");
	return rc;
}

static void fb_main_on_signal(int sig)
{
	if (fb_main_child > 0)
		kill(fb_main_child, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fb_main_note(const struct fb_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fb_main_note(const struct fb_opts *o, const char *fmt, ...)
{
	va_list ap;

	(void)o;
	va_start(ap, fmt);
	fputs("faxbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int fb_main_number(const char *text, unsigned long min, unsigned long max,
			  unsigned *out)
{
	uint64_t v;

	if (fgwx_str_number(text, &v, max) != FGWX_NUM_OK || v < min)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* build/faxgwd and build/routing next to this binary. */
static void fb_main_defaults(struct fb_opts *o)
{
	char self[PATH_MAX], dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	memset(o, 0, sizeof(*o));
	o->want[FB_T38] = o->want[FB_AUDIO] = o->want[FB_SIP] = true;
	o->pages = FB_DEFAULT_PAGES;
	o->resolution = TESTDOC_STANDARD;
	o->late_ms = FB_DEFAULT_LATE_MS;
	o->max_rate = 14400;
	o->ecm = true;
	if (n <= 0)
		snprintf(self, sizeof(self), "./faxbench");
	else
		self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(self));
	snprintf(o->faxgwd, sizeof(o->faxgwd), "%.900s/faxgwd", dir);
	snprintf(o->extensions, sizeof(o->extensions), "%.900s/routing", dir);
}

enum { OPT_TRANSPORT = 256, OPT_MAX, OPT_START, OPT_PAGES, OPT_RES, OPT_DURATION,
       OPT_STAGGER, OPT_PAIRS, OPT_RATE, OPT_NOECM, OPT_FAXGWD, OPT_EXT, OPT_QUICK,
       OPT_JSON, OPT_KEEP, OPT_LATE, OPT_NICE, OPT_THREADS, OPT_NOTHIN };

static const struct option fb_main_longopts[] = {
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "max", required_argument, NULL, OPT_MAX },
	{ "start", required_argument, NULL, OPT_START },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "resolution", required_argument, NULL, OPT_RES },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stagger", required_argument, NULL, OPT_STAGGER },
	{ "alone-pairs", required_argument, NULL, OPT_PAIRS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "no-ecm", no_argument, NULL, OPT_NOECM },
	{ "faxgwd", required_argument, NULL, OPT_FAXGWD },
	{ "extensions", required_argument, NULL, OPT_EXT },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "late-ms", required_argument, NULL, OPT_LATE },
	{ "nice", required_argument, NULL, OPT_NICE },
	{ "sender-threads", required_argument, NULL, OPT_THREADS },
	{ "no-thin", no_argument, NULL, OPT_NOTHIN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int fb_main_transport(const char *s, struct fb_opts *o)
{
	bool all = strcmp(s, "all") == 0;

	o->want[FB_T38] = all || strcmp(s, "t38") == 0 || strcmp(s, "both") == 0;
	o->want[FB_AUDIO] = all || strcmp(s, "audio") == 0 || strcmp(s, "both") == 0;
	o->want[FB_SIP] = all || strcmp(s, "sip") == 0;
	return o->want[FB_T38] || o->want[FB_AUDIO] || o->want[FB_SIP] ? 0 : -1;
}

static int fb_main_resolution(const char *s, struct fb_opts *o)
{
	if (strcmp(s, "standard") == 0)
		o->resolution = TESTDOC_STANDARD;
	else if (strcmp(s, "fine") == 0)
		o->resolution = TESTDOC_FINE;
	else if (strcmp(s, "mixed") == 0)
		o->resolution = TESTDOC_MIXED;
	else
		return -1;
	return 0;
}

static int fb_main_rate(const char *s, struct fb_opts *o)
{
	static const int rates[] = { 2400, 4800, 7200, 9600, 12000, 14400 };
	uint64_t v;

	if (fgwx_str_number(s, &v, 14400) != FGWX_NUM_OK)
		return -1;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (v == (uint64_t)rates[i]) {
			o->max_rate = rates[i];
			return 0;
		}
	return -1;
}

static int fb_main_nice(const char *s, struct fb_opts *o)
{
	unsigned v;

	if (fb_main_number(s[0] == '-' ? s + 1 : s, 0, 19, &v) != 0)
		return -1;
	o->nice = s[0] == '-' ? -(int)v : (int)v;
	return 0;
}

/* One option; -1 on a bad value. */
static int fb_main_option(int c, const char *arg, struct fb_opts *o)
{
	switch (c) {
	case OPT_TRANSPORT: return fb_main_transport(arg, o);
	case OPT_MAX: return fb_main_number(arg, 1, FB_MAX_CHANNELS, &o->max_n);
	case OPT_START: return fb_main_number(arg, 1, FB_MAX_CHANNELS, &o->start_n);
	case OPT_PAGES: return fb_main_number(arg, 1, FB_MAX_PAGES, &o->pages);
	case OPT_RES: return fb_main_resolution(arg, o);
	case OPT_DURATION: return fb_main_number(arg, 0, 86400, &o->duration_s);
	case OPT_STAGGER: return fb_main_number(arg, 1, 600000, &o->stagger_ms);
	case OPT_PAIRS: return fb_main_number(arg, 1, 4096, &o->alone_pairs);
	case OPT_RATE: return fb_main_rate(arg, o);
	case OPT_NOECM: o->ecm = false; return 0;
	case OPT_FAXGWD: snprintf(o->faxgwd, sizeof(o->faxgwd), "%s", arg); return 0;
	case OPT_EXT: snprintf(o->extensions, sizeof(o->extensions), "%s", arg); return 0;
	case OPT_QUICK: o->quick = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_KEEP: o->keep = true; return 0;
	case OPT_LATE: return fb_main_number(arg, 1, 10000, &o->late_ms);
	case OPT_NICE: return fb_main_nice(arg, o);
	case OPT_THREADS: return fb_main_number(arg, 1, FB_MAX_SENDER_THREADS, &o->sender_threads);
	case OPT_NOTHIN: o->no_thin = true; return 0;
	case 'v': o->verbose = true; return 0;
	default: return -1;
	}
}

/* 0, 1 (--help), or FB_EXIT_USAGE; --version prints and exits. */
static int fb_main_parse(int argc, char **argv, struct fb_opts *o)
{
	int c;

	fb_main_defaults(o);
	while ((c = getopt_long(argc, argv, "vhV", fb_main_longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == 'V') {
			printf("faxbench %s\n", FAXGW_VERSION);
			exit(FB_EXIT_OK);
		}
		if (c == '?' || fb_main_option(c, optarg, o) != 0) {
			if (c != '?')
				fprintf(stderr, "faxbench: bad value for --%s: %s\n",
					fb_main_longopts[c - OPT_TRANSPORT].name, optarg);
			return FB_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return FB_EXIT_USAGE;
	if (o->max_n == 0)
		o->max_n = o->quick ? FB_QUICK_MAX : FB_DEFAULT_MAX;
	if (o->start_n == 0)
		o->start_n = o->quick ? o->max_n : 1;
	if (o->alone_pairs == 0)
		o->alone_pairs = o->quick ? 4 : FB_DEFAULT_ALONE_PAIRS;
	if (o->sender_threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		o->sender_threads = cpus < 1 ? 1 : cpus > FB_MAX_SENDER_THREADS
			? FB_MAX_SENDER_THREADS : (unsigned)cpus;
	}
	if (o->start_n > o->max_n) {
		fprintf(stderr, "faxbench: --start %u is above --max %u\n", o->start_n, o->max_n);
		return FB_EXIT_USAGE;
	}
	return 0;
}

/* Enough descriptors for --max sockets (faxgwd inherits the limit too). */
static int fb_main_fd_limit(const struct fb_opts *o)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur != RLIM_INFINITY && o->max_n + FB_FD_RESERVE > rl.rlim_cur) {
		fprintf(stderr, "faxbench: --max %u needs more open files than the limit %llu\n",
			o->max_n, (unsigned long long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

/* --nice: the senders' loop runs at base + N; faxgwd stays at base. */
static int fb_main_priority(struct fb_opts *o)
{
	errno = 0;
	o->base_nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		o->base_nice = 0;
	if (o->nice != 0 && setpriority(PRIO_PROCESS, 0, o->base_nice + o->nice) != 0) {
		fprintf(stderr, "faxbench: --nice %d: %s\n", o->nice, strerror(errno));
		return -1;
	}
	return 0;
}

static int fb_main_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void fb_main_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Idle RSS of a faxgwd with `nports` ports of transport t; 0 on failure. */
static uint64_t fb_main_idle_rss(struct fb_run *run, struct fb_result *r, const char *name,
				 unsigned nports)
{
	struct fb_daemon *d = fb_daemon_start(run, name, r->t, nports, r->error, sizeof(r->error));
	struct fb_proc_sample s;

	if (d == NULL)
		return 0;
	fb_main_child = d->pid;
	fb_main_sleep_ms(FB_IDLE_SETTLE_MS);
	fb_proc_sample(d->pid, &s);
	fb_main_child = 0;
	fb_daemon_stop(d);
	return s.rss_kb;
}

/* The ramp against d (faxgwd or the thin gateway): steps into
 * steps[*nsteps..], the highest N held into *held; why a step could not
 * run into error. */
static void fb_main_ramp(struct fb_run *run, enum fb_transport t, struct fb_daemon *d,
			 struct fb_step *steps, unsigned *nsteps, int *held, char *error,
			 size_t errlen)
{
	const struct fb_opts *o = &run->o;
	unsigned n = o->start_n;

	for (;;) {
		struct fb_step *st = &steps[*nsteps];
		char err[FB_MAX_TEXT];
		fb_main_note(o, "%s: %s: %u concurrent faxes...", fb_transport_name(t),
			     fb_daemon_name(d), n);
		if (fb_load_step(run, d, t, n, st, err, sizeof(err)) != 0) {
			snprintf(error, errlen, "step N=%u: %.200s", n, err);
			(*nsteps)++;
			return;
		}
		(*nsteps)++;
		fb_main_note(o, "%s: %s: N=%u: %u of %u intact, %llu late ticks, %.0f us per "
			     "channel-second, its media threads up to %.0f ms late%s%s",
			     fb_transport_name(t), fb_daemon_name(d), n, st->intact, st->calls,
			     (unsigned long long)st->late_ticks, st->cpu_us_per_chan_s,
			     st->gw_max_late_ms, st->first_error[0] ? "; " : "", st->first_error);
		if (!st->held)
			return;
		*held = (int)*nsteps - 1;
		if (n >= o->max_n || *nsteps >= FB_MAX_STEPS)
			return;
		n = n * 2 > o->max_n ? o->max_n : n * 2;
		fb_main_sleep_ms(FB_STEP_GAP_MS);
	}
}

/* The thin gateway's ramp, with the same steps as faxgwd's. */
static void fb_main_thin(struct fb_run *run, struct fb_result *r)
{
	struct fb_thin *th = &r->thin;
	struct fb_proc_sample s;
	struct fb_daemon *d;
	char name[32];

	th->ran = true;
	th->held_index = -1;
	snprintf(name, sizeof(name), "%s-thin", fb_transport_name(r->t));
	fb_main_note(&run->o, "%s: thin gateway, %u sockets...", fb_transport_name(r->t),
		     run->o.max_n);
	d = fb_thin_start(run, name, r->t, run->o.max_n, th->error, sizeof(th->error));
	if (d == NULL)
		return;
	fb_main_child = d->pid;
	th->ports = run->o.max_n;
	fb_main_sleep_ms(FB_IDLE_SETTLE_MS);
	fb_proc_sample(d->pid, &s);
	th->rss_idle_kb = d->rss_fresh_kb = s.rss_kb;
	fb_main_ramp(run, r->t, d, th->steps, &th->nsteps, &th->held_index, th->error,
		     sizeof(th->error));
	fb_main_child = 0;
	fb_daemon_stop(d);
	fb_main_sleep_ms(FB_STEP_GAP_MS);
}

/* The spandsp-alone baseline of t.  sip's is the T.38 one (its faxes run
 * on T.38 once switched), in a directory of its own: with --quick the t38
 * transport's baseline writes the same file names beside it. */
static int fb_main_alone(const struct fb_run *run, enum fb_transport t, struct fb_alone *a,
			 char *err, size_t errlen)
{
	struct fb_run *sub;
	int rc = -1;

	if (t != FB_SIP)
		return fb_alone_run(run, t, a, err, errlen);
	sub = malloc(sizeof(*sub));
	if (sub == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*sub = *run;
	if (snprintf(sub->dir, sizeof(sub->dir), "%s/sip-alone", run->dir) >= (int)sizeof(sub->dir))
		snprintf(err, errlen, "the run directory's path is too long");
	else if (mkdir(sub->dir, 0750) != 0 && errno != EEXIST)
		snprintf(err, errlen, "mkdir .../sip-alone: %s", strerror(errno));
	else
		rc = fb_alone_run(sub, FB_T38, a, err, errlen);
	free(sub);
	return rc;
}

static void fb_main_transport_run(struct fb_run *run, enum fb_transport t)
{
	struct fb_result *r = &run->res[t];
	struct fb_daemon *d;
	char err[FB_MAX_TEXT];
	struct fb_proc_sample s;
	char name[32];

	r->t = t;
	r->ran = true;
	r->held_index = -1;
	r->mem_per_idle_port_kb = -1;
	fb_main_note(&run->o, "%s: spandsp alone, %u pairs in memory...", fb_transport_name(t),
		     run->o.alone_pairs);
	if (fb_main_alone(run, t, &r->alone, err, sizeof(err)) != 0)
		snprintf(r->alone.first_error, sizeof(r->alone.first_error), "%s", err);
	/* The thin gateway has no SIP: sip is judged against t38's. */
	if (!run->o.no_thin && t != FB_SIP)
		fb_main_thin(run, r);
	snprintf(name, sizeof(name), "%s-base", fb_transport_name(t));
	r->rss_base_kb = fb_main_idle_rss(run, r, name, 1);
	if (r->rss_base_kb == 0)
		return;
	d = fb_daemon_start(run, fb_transport_name(t), t, run->o.max_n, r->error, sizeof(r->error));
	if (d == NULL)
		return;
	fb_main_child = d->pid;
	r->ports = run->o.max_n;
	fb_main_sleep_ms(FB_IDLE_SETTLE_MS);
	fb_proc_sample(d->pid, &s);
	r->rss_idle_kb = d->rss_fresh_kb = s.rss_kb;
	if (r->ports > 1 && r->rss_idle_kb >= r->rss_base_kb)
		r->mem_per_idle_port_kb = (double)(r->rss_idle_kb - r->rss_base_kb) / (r->ports - 1);
	fb_main_ramp(run, t, d, r->steps, &r->nsteps, &r->held_index, r->error, sizeof(r->error));
	if (r->error[0] != '\0') {
		char tail[FB_MAX_TEXT / 2];
		fb_daemon_log_tail(d, tail, sizeof(tail));
		if (tail[0] != '\0' && run->o.verbose)
			fb_main_note(&run->o, "faxgwd log ends with: %s", tail);
	}
	fb_main_child = 0;
	fb_daemon_stop(d);
}

/* len bytes from fd, over as many reads as it takes (an fb_result, with
 * the thin gateway's steps, is several pages of a pipe).  0 or -1. */
static int fb_main_read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* --quick with both transports: each transport in its own process (its
 * own faxgwd, its own sender loop), at the same time; each child hands its
 * fb_result back through a pipe.  The figures stay per daemon. */
static void fb_main_parallel(struct fb_run *run)
{
	int fds[FB_NTRANSPORTS][2];
	pid_t pid[FB_NTRANSPORTS];

	for (int t = 0; t < FB_NTRANSPORTS; t++) {
		pid[t] = -1;
		if (!run->o.want[t] || pipe2(fds[t], O_CLOEXEC) != 0)
			continue;
		pid[t] = fork();
		if (pid[t] == 0) {
			struct fb_result *r = &run->res[t];
			close(fds[t][0]);
			fb_main_transport_run(run, (enum fb_transport)t);
			if (write(fds[t][1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
				_exit(1);
			_exit(0);
		}
		close(fds[t][1]);
	}
	for (int t = 0; t < FB_NTRANSPORTS; t++) {
		struct fb_result *r = &run->res[t];
		int status;
		if (!run->o.want[t])
			continue;
		if (pid[t] <= 0) {
			r->ran = true;
			r->t = (enum fb_transport)t;
			snprintf(r->error, sizeof(r->error), "cannot start a process: %s",
				 strerror(errno));
			continue;
		}
		if (fb_main_read_all(fds[t][0], r, sizeof(*r)) != 0) {
			memset(r, 0, sizeof(*r));
			r->ran = true;
			r->t = (enum fb_transport)t;
			r->held_index = -1;
			snprintf(r->error, sizeof(r->error), "the benchmark process failed");
		}
		close(fds[t][0]);
		waitpid(pid[t], &status, 0);
	}
}

static int fb_main_prepare(struct fb_run *run)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];

	snprintf(run->dir, sizeof(run->dir), "%s/faxbench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(run->dir) == NULL) {
		fprintf(stderr, "faxbench: cannot create a directory in %s: %s\n",
			tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return -1;
	}
	snprintf(run->doc, sizeof(run->doc), "%s/document.tif", run->dir);
	if (testdoc_make(run->doc, (int)run->o.pages, run->o.resolution, FB_DOC_SEED) != 0)
		return -1;
	run->doc_pages = testdoc_pages(run->doc);
	/* faxgwd runs in its own directory: absolute paths */
	if (realpath(run->o.faxgwd, path) == NULL || access(path, X_OK) != 0) {
		fprintf(stderr, "faxbench: %s: %s (use --faxgwd)\n", run->o.faxgwd, strerror(errno));
		return -1;
	}
	snprintf(run->o.faxgwd, sizeof(run->o.faxgwd), "%.1000s", path);
	if (realpath(run->o.extensions, path) == NULL) {
		fprintf(stderr, "faxbench: %s: %s (use --extensions)\n", run->o.extensions,
			strerror(errno));
		return -1;
	}
	snprintf(run->o.extensions, sizeof(run->o.extensions), "%.1000s", path);
	return 0;
}

int main(int argc, char **argv)
{
	static struct fb_run run;
	int rc;
	int64_t t0;

	/* the thin gateway: faxbench re-executed by thin.c (not an option) */
	if (argc == 3 && strcmp(argv[1], FB_THIN_CHILD_OPT) == 0)
		return fb_thin_child_main(argv[2]);
	rc = fb_main_parse(argc, argv, &run.o);

	if (rc == 1)
		return fb_main_usage(stdout, FB_EXIT_OK);
	if (rc != 0)
		return fb_main_usage(stderr, FB_EXIT_USAGE);
	if (fb_main_fd_limit(&run.o) != 0 || fb_main_priority(&run.o) != 0)
		return FB_EXIT_ERROR;
	signal(SIGINT, fb_main_on_signal);
	signal(SIGTERM, fb_main_on_signal);
	signal(SIGPIPE, SIG_IGN);
	t0 = fb_load_now();
	if (fb_main_prepare(&run) != 0) {
		rc = FB_EXIT_ERROR;
	} else {
		if (run.o.quick && run.o.want[FB_T38] + run.o.want[FB_AUDIO] + run.o.want[FB_SIP] > 1)
			fb_main_parallel(&run);
		else
			for (int t = 0; t < FB_NTRANSPORTS; t++)
				if (run.o.want[t])
					fb_main_transport_run(&run, (enum fb_transport)t);
		run.wall_s = (double)(fb_load_now() - t0) / 1e9;
		for (int t = 0; t < FB_NTRANSPORTS; t++)
			if (run.res[t].ran && (run.res[t].error[0] != '\0' ||
					       run.res[t].thin.error[0] != '\0'))
				rc = FB_EXIT_ERROR;
		if (run.o.json)
			fb_report_json(&run, stdout);
		else
			fb_report_text(&run, stdout);
	}
	if (run.o.keep)
		fb_main_note(&run.o, "kept %s", run.dir);
	else if (run.dir[0] != '\0')
		nftw(run.dir, fb_main_rm, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
