/*
 * testsrv.h - a control server for the unit tests: configuration, core,
 * control server and event loop of faxgwd run in a forked child, so that a
 * test drives them through the real libfaxgw (or winfax.h) over the real
 * socket.  Closing the stop pipe shuts the child down cleanly; its exit
 * status tells whether it survived the test.
 *
 * Ownership: the struct is the test's (usually static); testsrv_init()
 * makes its directory, testsrv_cleanup() kills a child still running and
 * removes the directory.  Check's assertions report every failure.
 */
#ifndef FAXGW_TESTSRV_H
#define FAXGW_TESTSRV_H

#include <sys/types.h>

struct event_base;
struct config;
struct control;

/* What the configuration written by testsrv_config() says. */
struct testsrv_opts {
	const char *sock;          /* below the directory: "faxgw.sock" if NULL */
	const char *extensions;    /* NULL: the shipped ones of this build */
	const char *admin_group;   /* NULL: empty */
	const char *query_group;   /* NULL: empty */
	unsigned udp_base;         /* port 1 on udp_base, port 2 on udp_base + 2 */
	const char *local_ident;   /* port 1's local-ident, or NULL */
};

/* In the child, once the control server runs and before its loop: may
 * tune the server and add events to base. */
typedef void (*testsrv_hook)(struct event_base *base, struct config *cfg, struct control *ctl,
			     void *arg);

struct testsrv {
	char dir[64];
	char sock[100];            /* fits sun_path */
	char text[4096];           /* the configuration the child loads */
	pid_t pid;                 /* the child, or -1 */
	int stop_fd;
	testsrv_hook hook;         /* NULL: none */
	void *hook_arg;
};

/* A fresh directory /tmp/PREFIX.XXXXXX (mode 0755: other users may reach
 * the socket) and no child. */
void testsrv_init(struct testsrv *s, const char *prefix);
/* The configuration of two ports (1: t38, 2: audio) with the spool, state,
 * fax folders and exec-dir below the directory (created). */
void testsrv_config(struct testsrv *s, const struct testsrv_opts *o);
/* Forks the child on s->text and waits until it serves. */
void testsrv_start(struct testsrv *s);
/* Stops the child; it must exit 0. */
void testsrv_stop(struct testsrv *s);
/* Kills a child still running and removes the directory. */
void testsrv_cleanup(struct testsrv *s);

#endif
