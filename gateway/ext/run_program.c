/*
 * run_program.c - the "Run program" routing method (faxgw-methods(7)).
 *
 * Routing data: the NAME of a program (no slash) that is a regular,
 * executable file directly in the configured exec-dir (its realpath must
 * lie directly in realpath(exec-dir): a symbolic link out of it is
 * refused) and is not writable by everyone.
 *
 * The routing function runs it without a shell: argv = { NAME, FAX_PATH },
 * stdin /dev/null, stdout and stderr captured (the last
 * FGW_MAX_PROGRAM_OUTPUT bytes kept, the last line becomes the message),
 * environment FAXGW_* with the fax metadata and PATH=/usr/bin:/bin, in its
 * own process group.  Exit status 0 is success.  Any other exit status, a
 * signal, or running past the time limit (FGW_MAX_RUN_PROGRAM_SECS, then
 * SIGKILL to the whole process group) is a retryable failure: the job is
 * tried again later and dead-lettered after the last attempt.  The
 * environment variable FAXGW_RUN_PROGRAM_TIMEOUT (seconds) of the router
 * process can lower the time limit, never raise it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "common/routing_entry.h"
#include "fgwx_text.h"
#include <faxgw/routing.h>

#define RP_GUID "{57b68a34-09e7-416d-82b1-7e98d07dbdaf}"
#define RP_FUNCTION "RouteRunProgram"
#define RP_NENV 26
#define RP_MAX_ENV_VALUE FGW_MAX_PATH

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status RouteRunProgram(const fgw_route_host *host, const fgw_fax *fax,
				 const void *data, size_t len, char *msg, size_t msglen);

/* Resolves the program: real receives its realpath (PATH_MAX bytes), name
 * the name.  0, or -1 with a reason. */
static int rp_resolve(const fgw_route_host *host, const void *data, size_t len, char *real,
		      char *name, char *reason, size_t reasonlen)
{
	char dir[PATH_MAX], path[PATH_MAX + FGW_MAX_NAME + 2];
	const unsigned char *p = data;
	struct stat sb;
	size_t dl;

	if (len == 0) {
		snprintf(reason, reasonlen, "no program set");
		return -1;
	}
	if (len >= FGW_MAX_NAME) {
		snprintf(reason, reasonlen, "program name is longer than %d bytes",
			 FGW_MAX_NAME - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '/') {
			snprintf(reason, reasonlen, "program must be a file name in exec-dir, "
				 "without '/' or control characters");
			return -1;
		}
	}
	memcpy(name, data, len);
	name[len] = '\0';
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(reason, reasonlen, "program '%s' is not a file name", name);
		return -1;
	}
	if (host->exec_dir == NULL || host->exec_dir[0] == '\0') {
		snprintf(reason, reasonlen, "exec-dir is not set in the configuration");
		return -1;
	}
	if (realpath(host->exec_dir, dir) == NULL) {
		snprintf(reason, reasonlen, "exec-dir %s: %s", host->exec_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", host->exec_dir, name);
	if (realpath(path, real) == NULL) {
		snprintf(reason, reasonlen, "program %s: %s", path,
			 errno == ENOENT ? "does not exist" : strerror(errno));
		return -1;
	}
	dl = strcmp(dir, "/") == 0 ? 0 : strlen(dir);
	if (strncmp(real, dir, dl) != 0 || real[dl] != '/' || strchr(real + dl + 1, '/') != NULL) {
		snprintf(reason, reasonlen, "program %s resolves to %s, outside exec-dir %s", path,
			 real, host->exec_dir);
		return -1;
	}
	if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(reason, reasonlen, "program %s is not a regular file", path);
		return -1;
	}
	if (sb.st_mode & S_IWOTH) {
		snprintf(reason, reasonlen, "program %s is writable by everyone", path);
		return -1;
	}
	if (access(real, X_OK) != 0) {
		snprintf(reason, reasonlen, "program %s is not executable by faxgwd", path);
		return -1;
	}
	return 0;
}

static int rp_validate(const fgw_route_host *host, const char *guid, uint32_t port_id,
		       const void *data, size_t len, char *reason, size_t reasonlen)
{
	char real[PATH_MAX], name[FGW_MAX_NAME];

	(void)guid;
	(void)port_id;
	return rp_resolve(host, data, len, real, name, reason, reasonlen);
}

static int rp_can_enable(const fgw_route_host *host, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	if (len == 0) {
		snprintf(reason, reasonlen, "no program set: set the routing data first");
		return -1;
	}
	return rp_validate(host, guid, port_id, data, len, reason, reasonlen);
}

/* --- the child's environment --------------------------------------------------- */

struct rp_env {
	char buf[RP_NENV][RP_MAX_ENV_VALUE + 32];
	char *envp[RP_NENV + 1];
	size_t n;
};

static void rp_env_add(struct rp_env *e, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rp_env_add(struct rp_env *e, const char *key, const char *fmt, ...)
{
	char value[RP_MAX_ENV_VALUE];
	va_list ap;

	if (e->n >= RP_NENV)
		return;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(e->buf[e->n], sizeof(e->buf[e->n]), "%s=%s", key, value);
	e->envp[e->n] = e->buf[e->n];
	e->n++;
	e->envp[e->n] = NULL;
}

static const char *rp_str(const char *s)
{
	return s != NULL ? s : "";
}

/* A value the caller sent (SIP identities): UTF-8 text only, anything
 * else as '?'. */
static void rp_env_text(struct rp_env *e, const char *key, const char *s)
{
	char clean[RP_MAX_ENV_VALUE];

	s = rp_str(s);
	fgwx_text_sanitize(clean, sizeof(clean), s, strnlen(s, sizeof(clean) - 1));
	rp_env_add(e, key, "%s", clean);
}

static void rp_env_build(struct rp_env *e, const fgw_fax *fax)
{
	e->n = 0;
	rp_env_add(e, "PATH", "/usr/bin:/bin");
	rp_env_add(e, "FAXGW_JOB_ID", "%llu", (unsigned long long)fax->job_id);
	rp_env_add(e, "FAXGW_PORT_ID", "%u", (unsigned)fax->port_id);
	rp_env_add(e, "FAXGW_PORT_NAME", "%s", rp_str(fax->port_name));
	rp_env_add(e, "FAXGW_REMOTE_IDENT", "%s", rp_str(fax->remote_ident));
	rp_env_add(e, "FAXGW_LOCAL_IDENT", "%s", rp_str(fax->local_ident));
	rp_env_add(e, "FAXGW_CALLER", "%s", rp_str(fax->caller_address));
	rp_env_add(e, "FAXGW_PAGES", "%u", (unsigned)fax->pages);
	rp_env_add(e, "FAXGW_PARTIAL", "%d", fax->partial ? 1 : 0);
	rp_env_add(e, "FAXGW_RESOLUTION", "%ux%u", (unsigned)fax->x_resolution,
		   (unsigned)fax->y_resolution);
	rp_env_add(e, "FAXGW_BIT_RATE", "%u", (unsigned)fax->bit_rate);
	rp_env_add(e, "FAXGW_ECM", "%d", fax->ecm ? 1 : 0);
	rp_env_add(e, "FAXGW_T30_STATUS", "%d", fax->t30_status);
	rp_env_add(e, "FAXGW_T30_TEXT", "%s", rp_str(fax->t30_text));
	rp_env_add(e, "FAXGW_START_TIME", "%lld", (long long)fax->start_time);
	rp_env_add(e, "FAXGW_END_TIME", "%lld", (long long)fax->end_time);
	rp_env_add(e, "FAXGW_FAX_FILE", "%s", rp_str(fax->path));
	rp_env_add(e, "FAXGW_DEGRADED_PAGES", "%u", (unsigned)fax->degraded_pages);
	rp_env_add(e, "FAXGW_BAD_ROWS", "%u", (unsigned)fax->bad_rows);
	rp_env_add(e, "FAXGW_LONGEST_BAD_RUN", "%u", (unsigned)fax->longest_bad_run);
	rp_env_add(e, "FAXGW_DEGRADED_LIST", "%s", rp_str(fax->degraded_list));
	rp_env_text(e, "FAXGW_SIP_CALL_ID", fax->sip_call_id);
	rp_env_text(e, "FAXGW_SIP_FROM", fax->sip_from);
	rp_env_text(e, "FAXGW_SIP_TO", fax->sip_to);
	rp_env_text(e, "FAXGW_SIP_USER_AGENT", fax->sip_user_agent);
	rp_env_text(e, "FAXGW_TRANSPORT", fax->transport);
}

/* --- running it ----------------------------------------------------------------- */

/* The last FGW_MAX_PROGRAM_OUTPUT bytes of the output. */
struct rp_output {
	char ring[FGW_MAX_PROGRAM_OUTPUT];
	size_t total;
};

static void rp_output_add(struct rp_output *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		o->ring[(o->total + i) % sizeof(o->ring)] = p[i];
	o->total += n;
}

/* The last non-empty line, control characters replaced by '?'. */
static void rp_output_last_line(const struct rp_output *o, char *out, size_t outlen)
{
	size_t have = o->total < sizeof(o->ring) ? o->total : sizeof(o->ring);
	size_t start = o->total - have, end = o->total, b;

	while (end > start && (o->ring[(end - 1) % sizeof(o->ring)] == '\n' ||
			       o->ring[(end - 1) % sizeof(o->ring)] == '\r' ||
			       o->ring[(end - 1) % sizeof(o->ring)] == ' '))
		end--;
	b = end;
	while (b > start && o->ring[(b - 1) % sizeof(o->ring)] != '\n')
		b--;
	size_t k = 0;
	for (size_t i = b; i < end && k + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)o->ring[i % sizeof(o->ring)];
		out[k++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (outlen > 0)
		out[k] = '\0';
}

static int64_t rp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned rp_time_limit(void)
{
	const char *s = getenv("FAXGW_RUN_PROGRAM_TIMEOUT");
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return FGW_MAX_RUN_PROGRAM_SECS;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > FGW_MAX_RUN_PROGRAM_SECS)
		return FGW_MAX_RUN_PROGRAM_SECS;
	return (unsigned)v;
}

/* In the child: only async-signal-safe calls. */
static void rp_child(const char *real, char *const argv[], char *const envp[], int out)
{
	sigset_t none;
	int nul;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	closefrom(3);
	execve(real, argv, envp);
	static const char m[] = "run program: execve failed\n";
	if (write(2, m, sizeof(m) - 1) < 0)
		_exit(127);
	_exit(127);
}

/* Reads the output until EOF or the deadline; 1 when the deadline passed. */
static int rp_collect(int fd, int64_t deadline, struct rp_output *o)
{
	char buf[4096];

	for (;;) {
		int64_t left = deadline - rp_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r;

		if (left <= 0)
			return 1;
		r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR)
			return 1;
		if (r <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return 0;
		}
		rp_output_add(o, buf, (size_t)n);
	}
}

/* Waits for the child until the deadline; 1 when it passed (not reaped),
 * -1 when its status cannot be had (SIGCHLD ignored by the caller). */
static int rp_wait(pid_t pid, int64_t deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (rp_now_ms() >= deadline)
			return 1;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static fgw_route_status rp_result(int status, int timed_out, unsigned limit,
				  const struct rp_output *o, char *msg, size_t msglen)
{
	char line[FGW_MAX_ERROR_TEXT];

	rp_output_last_line(o, line, sizeof(line));
	if (timed_out) {
		snprintf(msg, msglen, "killed after the time limit of %u s%s%s", limit,
			 line[0] ? ": " : "", line);
		return FGW_ROUTE_RETRY;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(msg, msglen, "%s", line[0] ? line : "exit status 0");
		return FGW_ROUTE_OK;
	}
	if (WIFEXITED(status))
		snprintf(msg, msglen, "exit status %d%s%s", WEXITSTATUS(status),
			 line[0] ? ": " : "", line);
	else if (WIFSIGNALED(status))
		snprintf(msg, msglen, "killed by signal %d%s%s", WTERMSIG(status),
			 line[0] ? ": " : "", line);
	else
		snprintf(msg, msglen, "ended abnormally");
	return FGW_ROUTE_RETRY;
}

fgw_route_status RouteRunProgram(const fgw_route_host *host, const fgw_fax *fax,
				 const void *data, size_t len, char *msg, size_t msglen)
{
	char real[PATH_MAX], name[FGW_MAX_NAME];
	char *argv[3];
	struct rp_run { struct rp_env env; struct rp_output out; } *run;
	fgw_route_status rs;
	unsigned limit = rp_time_limit();
	int fds[2], status = 0, timed_out;
	int64_t deadline;
	pid_t pid;

	if (rp_resolve(host, data, len, real, name, msg, msglen) != 0)
		return FGW_ROUTE_RETRY;
	run = calloc(1, sizeof(*run));
	if (run == NULL) {
		snprintf(msg, msglen, "out of memory");
		return FGW_ROUTE_RETRY;
	}
	rp_env_build(&run->env, fax);
	argv[0] = name;
	argv[1] = (char *)rp_str(fax->path);
	argv[2] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(msg, msglen, "cannot create a pipe: %s", strerror(errno));
		free(run);
		return FGW_ROUTE_RETRY;
	}
	deadline = rp_now_ms() + (int64_t)limit * 1000;
	pid = fork();
	if (pid < 0) {
		snprintf(msg, msglen, "cannot fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		free(run);
		return FGW_ROUTE_RETRY;
	}
	if (pid == 0)
		rp_child(real, argv, run->env.envp, fds[1]);
	setpgid(pid, pid);
	close(fds[1]);
	timed_out = rp_collect(fds[0], deadline, &run->out);
	close(fds[0]);
	if (!timed_out)
		timed_out = rp_wait(pid, deadline, &status);
	if (timed_out < 0) {
		snprintf(msg, msglen, "cannot get the exit status of %s: %s", name,
			 strerror(errno));
		free(run);
		return FGW_ROUTE_RETRY;
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	rs = rp_result(status, timed_out, limit, &run->out, msg, msglen);
	free(run);
	return rs;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	static const struct routing_entry entry = {
		.friendly_name = "faxgw standard routing: run program",
		.guid = RP_GUID,
		.function_name = RP_FUNCTION,
		.method_name = "Run program",
		.validate = rp_validate,
		.can_enable = rp_can_enable,
	};

	return routing_entry_init(host, ext, &entry, err, errlen);
}
