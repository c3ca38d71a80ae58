/*
 * testsrv.c - a control server in a forked child for the unit tests
 * (testsrv.h).
 */
#include "testsrv.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "caps.h"
#include "config.h"
#include "control.h"
#include "core.h"

void testsrv_init(struct testsrv *s, const char *prefix)
{
	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->stop_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/%s.XXXXXX", prefix);
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	chmod(s->dir, 0755);
	signal(SIGPIPE, SIG_IGN);
}

static void testsrv_mkdir(const struct testsrv *s, const char *sub)
{
	char path[FGW_MAX_PATH];

	snprintf(path, sizeof(path), "%s/%s", s->dir, sub);
	ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
}

void testsrv_config(struct testsrv *s, const struct testsrv_opts *o)
{
	char ident[FGW_MAX_IDENT + 32] = "";

	if (o->local_ident != NULL)
		snprintf(ident, sizeof(ident), "local-ident = %s\n", o->local_ident);
	snprintf(s->sock, sizeof(s->sock), "%s/%s", s->dir, o->sock != NULL ? o->sock : "faxgw.sock");
	snprintf(s->text, sizeof(s->text),
		 "[gateway]\nspool = %s/spool\nstate = %s/state.db\ncontrol = %s\n"
		 "extensions = %s\nstore-root = %s/fax\nexec-dir = %s/exec\n"
		 "admin-group = %s\nquery-group = %s\n"
		 "[port 1]\ntransport = t38\nlisten = 127.0.0.1:%u\n%s"
		 "[port 2]\ntransport = audio\nlisten = 127.0.0.1:%u\n",
		 s->dir, s->dir, s->sock,
		 o->extensions != NULL ? o->extensions : FAXGW_BUILD_DIR "/routing", s->dir, s->dir,
		 o->admin_group != NULL ? o->admin_group : "",
		 o->query_group != NULL ? o->query_group : "", o->udp_base, ident, o->udp_base + 2);
	testsrv_mkdir(s, "spool");
	testsrv_mkdir(s, "spool/failed");
	testsrv_mkdir(s, "fax");
	testsrv_mkdir(s, "fax/inbox");
	testsrv_mkdir(s, "exec");
}

static void testsrv_on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void testsrv_child_fail(int ready, const char *msg)
{
	if (write(ready, msg, strlen(msg)) < 0)
		_exit(3);
	_exit(1);
}

static void testsrv_child(const struct testsrv *s, int ready, int stop)
{
	struct config_errors *errs = calloc(1, sizeof(*errs));
	struct config *cfg = NULL;
	struct core *core = NULL;
	char err[FGW_MAX_ERROR_TEXT];

	signal(SIGPIPE, SIG_IGN);
	if (config_load_string("test.conf", s->text, strlen(s->text), &cfg, errs) != 0)
		testsrv_child_fail(ready, errs->n ? errs->msg[0] : "config");
	free(errs);
	if (core_new(cfg, &core, err, sizeof(err)) != 0)
		testsrv_child_fail(ready, err);
	struct event_base *base = event_base_new();
	struct control *ctl = control_new(base, cfg, core, err, sizeof(err));
	if (ctl == NULL)
		testsrv_child_fail(ready, err);
	struct event *ev = event_new(base, stop, EV_READ, testsrv_on_stop, base);
	event_add(ev, NULL);
	if (s->hook != NULL)
		s->hook(base, cfg, ctl, s->hook_arg);
	if (write(ready, "ok", 2) != 2)
		_exit(3);
	close(ready);
	event_base_dispatch(base);
	event_free(ev);
	control_free(ctl);
	core_free(core);
	event_base_free(base);
	config_free(cfg);
	fflush(NULL);
	/* _exit: LeakSanitizer's tracer crashes now and then in a child forked
	 * from the Check runner; faxgwd's own leak check runs in the
	 * sanitizer pass of the integration tests. */
	_exit(0);
}

void testsrv_start(struct testsrv *s)
{
	int ready[2], stop[2];
	char msg[FGW_MAX_ERROR_TEXT] = "";

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(stop), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		close(ready[0]);
		close(stop[1]);
		testsrv_child(s, ready[1], stop[0]);
	}
	close(ready[1]);
	close(stop[0]);
	s->stop_fd = stop[1];
	ssize_t n = read(ready[0], msg, sizeof(msg) - 1);
	close(ready[0]);
	msg[n > 0 ? n : 0] = '\0';
	ck_assert_msg(strcmp(msg, "ok") == 0, "server did not start: %s", msg);
}

void testsrv_stop(struct testsrv *s)
{
	int status;

	if (s->pid <= 0)
		return;
	close(s->stop_fd);
	s->stop_fd = -1;
	ck_assert_int_eq(waitpid(s->pid, &status, 0), s->pid);
	s->pid = -1;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "server ended badly: status 0x%x", (unsigned)status);
}

void testsrv_cleanup(struct testsrv *s)
{
	char cmd[128];

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = -1;
	}
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	s->stop_fd = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", s->dir);
}
