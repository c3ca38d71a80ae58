/*
 * log.c - faxgwd's logging: syslog, or stderr in the foreground.
 */
#include "log.h"

#include "fgwx_journal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct {
	bool opened;
	bool to_stderr;
	bool journal;              /* stderr is systemd's journal: <N> prefixes */
	bool debug;
	char ident[32];
} log_state = { .to_stderr = true };

/* One line at a time from every thread (the media threads log too), and
 * never held across fork(): the router is forked while media threads run,
 * and a child must not start with the lock taken. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void log_fork_prepare(void)
{
	pthread_mutex_lock(&log_lock);
}

static void log_fork_done(void)
{
	pthread_mutex_unlock(&log_lock);
}

static void log_register_fork(void)
{
	pthread_atfork(log_fork_prepare, log_fork_done, log_fork_done);
}

static const char *log_level_name(int level)
{
	switch (level) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "critical";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void log_open(const char *ident, bool to_stderr, bool debug)
{
	pthread_once(&log_once, log_register_fork);
	snprintf(log_state.ident, sizeof(log_state.ident), "%s", ident);
	log_state.to_stderr = to_stderr;
	log_state.journal = to_stderr && fgwx_stderr_is_journal();
	log_state.debug = debug;
	if (!to_stderr)
		openlog(log_state.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_state.opened = true;
}

void log_close(void)
{
	if (log_state.opened && !log_state.to_stderr)
		closelog();
	log_state.opened = false;
	log_state.to_stderr = true;
}

bool log_debug_enabled(void)
{
	return log_state.debug;
}

static void log_stderr(int level, const char *fmt, va_list ap)
{
	char when[32];
	struct timespec ts;
	struct tm tm;

	if (log_state.journal) {
		/* The journal keeps the time and the ident; the priority lets
		 * `journalctl -p warning` find the warnings. */
		fprintf(stderr, "<%d>", level);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s[%s]: ", when, ts.tv_nsec / 1000000,
		log_state.ident[0] ? log_state.ident : "faxgw", log_level_name(level));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	if (level >= LOG_DEBUG && !log_state.debug)
		return;
	pthread_once(&log_once, log_register_fork);
	pthread_mutex_lock(&log_lock);
	if (!log_state.to_stderr)
		vsyslog(level, fmt, ap);
	else
		log_stderr(level, fmt, ap);
	pthread_mutex_unlock(&log_lock);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
