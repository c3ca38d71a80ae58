/*
 * extcall.c - extension calls in worker processes, off the loop (extcall.h).
 */
#include "caps.h"
#include "extcall.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include <faxgw/admin.h>

#include "extension.h"

/* What a worker writes back: less than PIPE_BUF, so one atomic write. */
struct extcall_result {
	int32_t rc;
	char reason[FGW_MAX_ERROR_TEXT];
};

struct extcall {
	pid_t pid;
	int fd;                       /* read end of the result pipe */
	struct event *ev_read, *ev_timer;
	enum extcall_kind kind;
	unsigned timeout_ms;
	struct extcall_result res;
	size_t got;
	extcall_done_fn done;
	void *arg;
};

static const char *extcall_what(enum extcall_kind kind)
{
	return kind == EXTCALL_DEVICE_CHANGE ? "device change notice" : "validation";
}

void extcall_timeout_text(enum extcall_kind kind, unsigned timeout_ms, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s did not finish within %u s", extcall_what(kind),
		 (timeout_ms + 999) / 1000);
}

/* --- the worker ------------------------------------------------------------------------ */

static void extcall_worker_setup(int wfd, pid_t parent)
{
	static const int dfl[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGINT,
				   SIGHUP, SIGPIPE, SIGCHLD };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);             /* faxgwd died before the line above */
	prctl(PR_SET_NAME, "faxgwd-check");
	/* A crash must end the worker with its signal, whatever handlers
	 * faxgwd had (a sanitizer's, for one). */
	for (size_t i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);
	/* Nothing of faxgwd but the extensions: no control socket, no
	 * ports, no database (syslog reconnects on the next message). */
	closelog();
	if (wfd > 3)
		close_range(3, (unsigned)wfd - 1, 0);
	close_range((unsigned)wfd + 1, ~0u, 0);
}

static void extcall_worker(int wfd, pid_t parent, const struct extension_set *ext,
			   const struct extcall_args *a)
{
	struct extcall_result res;

	extcall_worker_setup(wfd, parent);
	memset(&res, 0, sizeof(res));
	switch (a->kind) {
	case EXTCALL_VALIDATE:
		res.rc = extension_validate(ext, a->guid, a->port_id, a->data, a->len, res.reason,
					    sizeof(res.reason));
		break;
	case EXTCALL_CAN_ENABLE:
		res.rc = extension_can_enable(ext, a->guid, a->port_id, a->data, a->len,
					      res.reason, sizeof(res.reason));
		break;
	case EXTCALL_DEVICE_CHANGE:
		extension_device_change(ext, a->guid, a->port_id, a->enabled, a->data, a->len);
		break;
	}
	res.reason[sizeof(res.reason) - 1] = '\0';
	if (write(wfd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(3);
	_exit(0);
}

/* --- the loop's side --------------------------------------------------------------------- */

static void extcall_free(struct extcall *k)
{
	int wstatus;

	if (k->ev_read != NULL)
		event_free(k->ev_read);
	if (k->ev_timer != NULL)
		event_free(k->ev_timer);
	if (k->fd >= 0)
		close(k->fd);
	if (k->pid > 0) {
		/* Its result is read (or it is out of time): killing it costs
		 * nothing, and the wait cannot block. */
		kill(k->pid, SIGKILL);
		while (waitpid(k->pid, &wstatus, 0) < 0 && errno == EINTR)
			;
	}
	free(k);
}

/* The verdict of a worker that ended before its time limit. */
static int extcall_verdict(struct extcall *k, int wstatus, char *reason, size_t reasonlen)
{
	if (k->got == sizeof(k->res) && k->res.rc <= 0 && k->res.rc >= FGW_E_MIN) {
		snprintf(reason, reasonlen, "%s", k->res.reason);
		return k->res.rc;
	}
	if (WIFSIGNALED(wstatus)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(wstatus));
		snprintf(reason, reasonlen, "the extension crashed in %s (SIG%s)",
			 extcall_what(k->kind), abbrev != NULL ? abbrev : "?");
	} else {
		snprintf(reason, reasonlen, "the extension's %s ended without a result",
			 extcall_what(k->kind));
	}
	return FGW_E_INTERNAL;
}

/* Ends the call: reaps the worker, then tells the caller. */
static void extcall_finish(struct extcall *k, int timed_out)
{
	char reason[FGW_MAX_ERROR_TEXT] = "";
	extcall_done_fn done = k->done;
	void *arg = k->arg;
	int wstatus = 0, rc;

	close(k->fd);
	k->fd = -1;
	/* Done or out of time: all it may still do is exit. */
	kill(k->pid, SIGKILL);
	while (waitpid(k->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	k->pid = 0;
	if (timed_out) {
		extcall_timeout_text(k->kind, k->timeout_ms, reason, sizeof(reason));
		rc = FGW_E_TIMEOUT;
	} else {
		rc = extcall_verdict(k, wstatus, reason, sizeof(reason));
	}
	extcall_free(k);
	done(arg, rc, reason);
}

static void extcall_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct extcall *k = arg;
	ssize_t n;

	(void)what;
	do
		n = read(fd, (char *)&k->res + k->got, sizeof(k->res) - k->got);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n > 0)
		k->got += (size_t)n;
	if (n <= 0 || k->got == sizeof(k->res))
		extcall_finish(k, 0);
}

static void extcall_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	extcall_finish(arg, 1);
}

/* The pipe and the worker; 0 or -1 with errno. */
static int extcall_fork(struct extcall *k, const struct extension_set *ext,
			const struct extcall_args *a)
{
	pid_t parent = getpid();
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	k->pid = fork();
	if (k->pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		k->pid = 0;
		errno = e;
		return -1;
	}
	if (k->pid == 0) {
		close(pfd[0]);
		extcall_worker(pfd[1], parent, ext, a);
	}
	close(pfd[1]);
	k->fd = pfd[0];
	return fcntl(k->fd, F_SETFL, O_NONBLOCK);
}

int extcall_start(struct event_base *base, const struct extension_set *ext,
		  const struct extcall_args *a, unsigned timeout_ms, extcall_done_fn done,
		  void *arg, struct extcall **out, char *reason, size_t reasonlen)
{
	struct extcall *k = calloc(1, sizeof(*k));
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	*out = NULL;
	if (k == NULL) {
		snprintf(reason, reasonlen, "faxgwd is out of memory");
		return FGW_E_NOMEM;
	}
	k->fd = -1;
	k->kind = a->kind;
	k->timeout_ms = timeout_ms;
	k->done = done;
	k->arg = arg;
	if (extcall_fork(k, ext, a) != 0) {
		snprintf(reason, reasonlen, "cannot start the %s worker: %s", extcall_what(a->kind),
			 strerror(errno));
		extcall_free(k);
		return FGW_E_INTERNAL;
	}
	k->ev_read = event_new(base, k->fd, EV_READ | EV_PERSIST, extcall_on_read, k);
	k->ev_timer = evtimer_new(base, extcall_on_timer, k);
	if (k->ev_read == NULL || k->ev_timer == NULL || event_add(k->ev_read, NULL) != 0 ||
	    evtimer_add(k->ev_timer, &tv) != 0) {
		snprintf(reason, reasonlen, "faxgwd is out of memory");
		extcall_free(k);
		return FGW_E_NOMEM;
	}
	*out = k;
	return 0;
}

void extcall_cancel(struct extcall *k)
{
	if (k != NULL)
		extcall_free(k);
}
