/*
 * faxbench.h - faxbench, the load generator and benchmark (faxbench(1)):
 * N concurrent faxes through a real faxgwd over loopback, measured against
 * spandsp alone doing the same T.30 work in one process and against the
 * thin gateway (the same media code on bare UDP sockets, nothing else)
 * taking the same faxes.
 *
 *   main.c    command line, the ramp per transport, the overall flow
 *   daemon.c  generated configuration, starting/stopping faxgwd, routing setup
 *   thin.c    the thin gateway: faxbench re-executed as a separate process
 *             that runs fax_call receivers on bare UDP sockets (no spool, no
 *             routing, no control plane) and writes each fax into a folder
 *   proc.c    CPU time and resident memory of a process and its descendants
 *   load.c    one ramp step: N senders (fax_call + one UDP socket each) in one
 *             epoll loop on a single 20 ms clock, inotify on the store folder
 *   alone.c   the spandsp-alone baseline: sender and receiver sessions back
 *             to back in memory, receiving side timed with the thread CPU clock
 *   sip.c     --transport sip: each sender thread's calls placed over SIP with
 *             one sofia-sip nua (INVITE with G.711, faxgwd's T.38 re-INVITE
 *             answered, BYE), stepped from the thread's loop
 *   report.c  text and JSON output
 *
 * The senders run on --sender-threads threads; during a step a watcher
 * thread times the files and another samples the target's memory (load.c).
 * The thin gateway runs in a process of its own, with its own threads.  Ownership: every start
 * function has a matching stop function that accepts NULL.
 */
#ifndef FAXBENCH_H
#define FAXBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "caps.h"
#include "fax_call.h"

#define FB_MAX_CHANNELS        8192   /* senders in one step (= FGW_MAX_PORTS) */
#define FB_MAX_PAGES           50     /* --pages */
#define FB_MAX_CALLS_PER_CHAN  256    /* calls one channel makes in one step (--duration) */
#define FB_DEFAULT_MAX         64
#define FB_QUICK_MAX           4
#define FB_DEFAULT_PAGES       2
#define FB_MIN_STAGGER_MS      1000
#define FB_MAX_STAGGER_MS      20000  /* well under a call, so all N overlap */
#define FB_STAGGER_PER_CALL_MS 10
#define FB_DEFAULT_ALONE_PAIRS 64
#define FB_DEFAULT_LATE_MS     FGW_TICK_MS /* on time: before the next tick is due */
#define FB_REDIAL_GAP_MS       1000   /* --duration: pause between a channel's calls */
/* A call that runs longer has failed: set-up plus 30 s a page at 14,400
 * bit/s, more at lower rates (a 2-page standard fax takes about 50 s). */
#define FB_CALL_TIMEOUT_S(pages, rate) (60 + (pages) * 30 * 14400 / (rate))
#define FB_ROUTE_WAIT_S        30     /* wait for routed files after the last call */
#define FB_STEP_GAP_MS         2000   /* quiet time between ramp steps */
#define FB_RSS_SAMPLE_MS       250    /* faxgwd memory sampled this often during a step */
#define FB_READY_TIMEOUT_S     15     /* faxgwd must answer on its socket by then */
#define FB_IDLE_SETTLE_MS      1500   /* before idle memory is read */
#define FB_IDLE_PORTS_MEANINGFUL 64   /* fewer ports: the per-port figure is noise */
#define FB_MAX_TEXT            256
#define FB_MAX_SENDER_THREADS  64     /* --sender-threads */
#define FB_MAX_STEPS           16     /* steps of one ramp */
#define FB_THIN_CHILD_OPT      "--thin-gateway-child" /* internal: argv[1] of the thin gateway */
#define FB_THIN_MAX_THREADS    64     /* the thin gateway's media threads */

enum fb_transport { FB_T38 = 0, FB_AUDIO = 1, FB_SIP = 2, FB_NTRANSPORTS = 3 };

#define FB_MAX_SIP_CHANNELS    1024   /* channels of one sip port (faxgwd.conf(5)) */
#define FB_SIP_MEDIA_LOW       30000  /* sip: faxgwd's media ports somewhere in here */
#define FB_SIP_MEDIA_HIGH      60000
#define FB_SIP_POLL_MS         2      /* --transport sip: the SIP stack stepped this often */
#define FB_SIP_START_MS        1000   /* --transport sip: time for the threads' SIP stacks */

struct fb_opts {
	bool want[FB_NTRANSPORTS];
	unsigned start_n, max_n;      /* the ramp: start_n, 2 start_n, ..., max_n */
	unsigned pages;
	int resolution;               /* enum testdoc_res */
	unsigned duration_s;          /* sustained load per step; 0: one fax per channel */
	unsigned stagger_ms;          /* 0: FB_STAGGER_PER_CALL_MS x N within the bounds below */
	int nice;                     /* the senders' nice value relative to faxgwd's */
	int base_nice;                /* faxbench's nice value at start (faxgwd keeps it) */
	unsigned late_ms;             /* a tick this late or later is not on time */
	unsigned alone_pairs;
	unsigned sender_threads;      /* default: one per core */
	int max_rate;
	bool ecm;
	bool json, quick, keep, verbose;
	bool no_thin;                 /* --no-thin: no thin gateway ramp */
	char faxgwd[FB_MAX_TEXT * 4];
	char extensions[FB_MAX_TEXT * 4];
};

/* CPU and memory of a process tree (proc.c). */
struct fb_proc_sample {
	uint64_t cpu_ticks;           /* utime+stime+cutime+cstime, whole tree */
	uint64_t rss_kb;              /* VmRSS summed over the tree */
	unsigned nproc;               /* processes in the tree */
	bool alive;                   /* the root still exists */
};

/* One ramp step's figures (load.c). */
struct fb_step {
	unsigned n;                   /* concurrent channels */
	unsigned stagger_ms;          /* the calls started over this time */
	unsigned calls;               /* faxes started */
	unsigned intact;              /* sent OK, routed, identical pixel by pixel */
	unsigned failed;              /* calls - intact */
	unsigned sender_failed;       /* T.30 failed on the sending side */
	unsigned not_routed;          /* no file in the folder in time */
	unsigned mismatched;          /* file differs from the document */
	char first_error[FB_MAX_TEXT];
	uint64_t ticks, late_ticks;   /* the bench's 20 ms clock */
	double max_late_ms;
	uint64_t gw_late_steps;       /* faxgwd's media threads' steps 40 ms late or more */
	double gw_max_late_ms;        /* (their reports in faxgwd's log) */
	double gw_worst_step_late_ms; /* faxgwd: its media threads' worst step, and their */
	double gw_longest_call_ms;    /* longest step of one call not preempted (their
				       * "idle after" lines); -1: not reported */
	double window_s;              /* first call start .. last file routed */
	double channel_s;             /* sum of call durations */
	double call_s_mean;
	uint64_t datagrams_in, datagrams_out;
	double datagrams_per_s;       /* both directions, over first start .. last end */
	double cpu_us;                /* faxgwd tree, over the window */
	double cpu_us_per_chan_s;
	uint64_t rss_idle_kb;         /* the daemon before its first call (else before the step) */
	uint64_t rss_peak_kb;
	double mem_per_active_kb;     /* (peak - idle) / n */
	double latency_median_ms, latency_p99_ms, latency_max_ms;
	unsigned latency_samples;
	double bench_cpu_s;           /* faxbench's own CPU in the step */
	/* FB_SIP: INVITE sent -> 200 OK, and 200 -> faxgwd's T.38 re-INVITE
	 * completed (our 200 ACKed), over the calls that got that far (ms) */
	double setup_median_ms, setup_p99_ms, t38_median_ms, t38_p99_ms;
	unsigned setup_samples, t38_samples;
	bool held;                    /* every fax intact, every tick of ours and
				       * of faxgwd's media threads on time */
};

/* The spandsp-alone baseline for one transport (alone.c). */
struct fb_alone {
	unsigned pairs, intact;
	double rx_cpu_us, tx_cpu_us;  /* receiving / sending sessions, thread CPU */
	double channel_s;             /* receiver channel-seconds (ticks x 20 ms) */
	double rx_us_per_chan_s, tx_us_per_chan_s;
	double rx_peak_heap_kb;       /* heap a reception holds at its peak (pair 0) */
	double rx_init_heap_kb;       /* heap of a receiving session just after init */
	double wall_s;
	char first_error[FB_MAX_TEXT];
};

/* The thin gateway's ramp for one transport (thin.c runs the gateway,
 * main.c the ramp).  gw_late_steps / gw_max_late_ms of its steps are the
 * thin gateway's own late steps, logged in faxgwd's format. */
struct fb_thin {
	bool ran;
	char error[FB_MAX_TEXT];      /* why it could not be measured */
	struct fb_step steps[FB_MAX_STEPS];
	unsigned nsteps;
	int held_index;               /* step with the highest N held, -1 none */
	unsigned ports;               /* its sockets (= --max) */
	uint64_t rss_idle_kb;         /* with `ports` sockets, idle */
};

/* Everything measured for one transport. */
struct fb_result {
	enum fb_transport t;
	bool ran;
	char error[FB_MAX_TEXT];      /* why the transport could not be measured */
	struct fb_alone alone;
	struct fb_thin thin;          /* before faxgwd's ramp; thin.ran false with --no-thin */
	struct fb_step steps[FB_MAX_STEPS];
	unsigned nsteps;
	int held_index;               /* step with the highest N held, -1 none */
	unsigned ports;               /* ports in the daemon's configuration */
	uint64_t rss_base_kb;         /* faxgwd with 1 port, idle */
	uint64_t rss_idle_kb;         /* faxgwd with `ports` ports, idle */
	double mem_per_idle_port_kb;  /* < 0: not measured */
};

struct fb_run {
	struct fb_opts o;
	char dir[FB_MAX_TEXT];        /* temporary directory */
	char doc[FB_MAX_TEXT + 32];   /* the document every sender sends */
	int doc_pages;
	struct fb_result res[FB_NTRANSPORTS];
	double wall_s;
};

/* What an fb_daemon runs. */
enum fb_gw_kind { FB_GW_FAXGWD = 0, FB_GW_THIN = 1 };

/* A running faxgwd (daemon.c) or thin gateway (thin.c): load.c's target. */
struct fb_daemon {
	enum fb_gw_kind kind;
	pid_t pid;
	char dir[FB_MAX_TEXT + 32];   /* its own directory under the run's */
	char conf[FB_MAX_TEXT + 64];
	char sock[FB_MAX_TEXT + 64];
	char folder[FB_MAX_TEXT + 64];/* Store in folder target (thin: where it writes) */
	char log[FB_MAX_TEXT + 64];   /* its standard output and error */
	unsigned nports;
	uint32_t first_port_id;
	uint16_t *udp_ports;          /* listen port of port id first_port_id + i */
	uint64_t rss_fresh_kb;        /* idle RSS after start, before any call (0: unknown) */
	uint16_t sip_port;            /* FB_SIP: [sip] listens here; its one port (id
				       * first_port_id) has nports channels; 0: not sip */
};

/* --- daemon.c --- */
/* Writes a config with nports ports of transport t on free loopback UDP
 * ports under run->dir/name, starts `faxgwd -f -c`, waits until its control
 * socket answers and enables Store in folder on every port.  Returns NULL
 * with the reason in err (faxgwd's log tail included). */
struct fb_daemon *fb_daemon_start(const struct fb_run *run, const char *name,
                                  enum fb_transport t, unsigned nports, char *err, size_t errlen);
/* The directories (dir, dir/store/inbox) and nports free loopback UDP
 * ports of a daemon of that kind for transport t (FB_SIP: one port, the
 * SIP listener), not started (pid -1).  NULL with the reason in err. */
struct fb_daemon *fb_daemon_new(const struct fb_run *run, const char *name,
				enum fb_gw_kind kind, enum fb_transport t, unsigned nports,
				char *err, size_t errlen);
/* Forks path with argv, its output appended to d->log, in d->dir, at
 * faxbench's starting priority.  The child's pid, or -1. */
pid_t fb_daemon_spawn(const struct fb_run *run, const struct fb_daemon *d, const char *path,
		      char *const argv[]);
/* SIGTERM, wait (SIGKILL after 10 s), free.  NULL is fine. */
void fb_daemon_stop(struct fb_daemon *d);
/* "faxgwd" or "thin gateway". */
const char *fb_daemon_name(const struct fb_daemon *d);
/* Size of faxgwd's log now (where a step's lines start); 0 if unknown. */
long fb_daemon_log_size(const struct fb_daemon *d);
/* What the media threads reported in the log from offset `from` on: the
 * late steps (number, worst lateness) and, from the lines of their busy
 * periods' ends, the worst lateness of any step and the longest step of
 * one call (st->gw_*; the last two -1 when no such line came). */
void fb_daemon_late_steps(const struct fb_daemon *d, long from, struct fb_step *st);
/* Last lines of faxgwd's log into buf. */
void fb_daemon_log_tail(const struct fb_daemon *d, char *buf, size_t len);

/* --- proc.c --- */
/* Samples pid and all its descendants. */
void fb_proc_sample(pid_t pid, struct fb_proc_sample *s);
/* This process's own user+system CPU in seconds. */
double fb_proc_self_cpu_s(void);
long fb_proc_clock_ticks(void);

/* --- load.c --- */
/* Runs one step: n senders against d's ports 0..n-1.  Fills *st. 0, or -1
 * when the step could not run (reason in err; *st partially filled). */
int fb_load_step(const struct fb_run *run, struct fb_daemon *d, enum fb_transport t,
                 unsigned n, struct fb_step *st, char *err, size_t errlen);
/* The time over which the n calls of a step start (--stagger). */
unsigned fb_load_stagger_ms(const struct fb_run *run, unsigned n);
/* Monotonic time in nanoseconds. */
int64_t fb_load_now(void);

/* --- thin.c --- */
/* Starts the thin gateway for transport t with nports sockets (run->o's
 * ECM and rate): faxbench itself, re-executed with FB_THIN_CHILD_OPT, as
 * a child process; returns once every socket is bound.  Stop it with
 * fb_daemon_stop().  NULL with the reason in err. */
struct fb_daemon *fb_thin_start(const struct fb_run *run, const char *name,
				enum fb_transport t, unsigned nports, char *err, size_t errlen);
/* The thin gateway process: main() hands it argv[2] (its configuration
 * file); runs until SIGTERM or SIGINT.  The exit status. */
int fb_thin_child_main(const char *conf);

/* --- alone.c --- */
/* The same T.30 work (document, rate, ECM) between sessions in memory. */
int fb_alone_run(const struct fb_run *run, enum fb_transport t, struct fb_alone *a,
                 char *err, size_t errlen);

/* --- sip.c --- */
struct fb_sip;
struct sdp_plan;
enum fb_sip_event {
	FB_SIP_NONE = 0,
	FB_SIP_MEDIA,                 /* new media: start or replace the fax_call */
	FB_SIP_FAILED,                /* refused or broken: the call is over */
	FB_SIP_HUNG_UP                /* faxgwd hung up (a grace period ago): stop */
};
/* A SIP stack for ncalls call slots (<= FB_MAX_SIP_CHANNELS) calling
 * faxgwd's sip port at 127.0.0.1:server_port; opened, stepped and closed
 * on one thread.  NULL with the reason in err. */
struct fb_sip *fb_sip_open(const struct fb_run *run, uint16_t server_port, unsigned ncalls,
			   char *err, size_t errlen);
/* Hangs up what is up, waits (bounded) for the BYEs, shuts down.  NULL is fine. */
void fb_sip_close(struct fb_sip *s);
/* INVITE on slot k (ending the slot's previous call) offering G.711 at
 * 127.0.0.1:media_port.  0, or -1 (fb_sip_poll() then tells why). */
int fb_sip_invite(struct fb_sip *s, unsigned k, uint16_t media_port);
/* Serves what the SIP socket has, never blocking. */
void fb_sip_step(struct fb_sip *s);
/* What happened on slot k since the last poll: FB_SIP_MEDIA with *plan,
 * FB_SIP_FAILED (once) with the reason in why. */
enum fb_sip_event fb_sip_poll(struct fb_sip *s, unsigned k, struct sdp_plan *plan, char *why,
			      size_t len);
/* BYE (CANCEL before the answer) on slot k unless faxgwd ended it. */
void fb_sip_hangup(struct fb_sip *s, unsigned k);
/* Slot k's set-up time and time to T.38 in ns; -1 where not reached. */
void fb_sip_times(const struct fb_sip *s, unsigned k, int64_t *setup_ns, int64_t *t38_ns);
/* The channel whose sender sent the fax in the TIFF at path (its remote
 * ident), or -1. */
int fb_sip_file_channel(const char *path);

/* --- report.c --- */
void fb_report_text(const struct fb_run *run, FILE *out);
void fb_report_json(const struct fb_run *run, FILE *out);
const char *fb_transport_name(enum fb_transport t);
/* Value at fraction q (0..1) of the sorted array v[0..n). */
double fb_report_quantile(const double *v, size_t n, double q);

#endif
