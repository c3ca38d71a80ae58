/*
 * main.c - faxgw-agent: an AgentX subagent (RFC 2741) of Net-SNMP's snmpd
 * serving FAXGW-MIB for faxgwd.
 *
 *   faxgw-agent [-x AGENTX_SOCKET] [-s CONTROL_SOCKET] [-f] [-d]
 *
 * One loop: select() over Net-SNMP's descriptors (snmp_select_info2) and
 * the faxgwd event subscription, with Net-SNMP's alarms as the timers.
 * No config files, MIB modules or persistent files are read or written.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <syslog.h>
#include <unistd.h>

#include "agent.h"

#ifndef FAXGW_VERSION
#define FAXGW_VERSION "unknown"
#endif

#define MAIN_PING_INTERVAL 5     /* agentxPingInterval, seconds */
#define MAIN_TICK_SECS 1         /* cache timer: reconnection, refresh */

struct main_opts {
	const char *agentx_socket;
	const char *control_socket;
	int foreground;
	int debug;
};

static volatile sig_atomic_t main_stop;

static void main_usage(FILE *out)
{
	fprintf(out,
		"usage: faxgw-agent [-x AGENTX_SOCKET] [-s CONTROL_SOCKET] [-f] [-d]\n"
		"       faxgw-agent -h | --help | -V | --version\n"
		"  -x AGENTX_SOCKET   snmpd's AgentX socket (default: snmpd's default)\n"
		"  -s CONTROL_SOCKET  faxgwd's control socket (default: $FAXGW_SOCKET,\n"
		"                     ./var/faxgw.sock when it exists, /run/faxgw/faxgw.sock)\n"
		"  -f                 stay in the foreground and log to stderr\n"
		"  -d                 debug logging\n"
		"  -h, --help         this help\n"
		"  -V, --version      print the version\n");
}

/* 0 run, 1 exit 0, 2 usage error. */
static int main_parse(int argc, char **argv, struct main_opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "x:s:fdhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'x': o->agentx_socket = optarg; break;
		case 's': o->control_socket = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'd': o->debug = 1; break;
		case 'h': main_usage(stdout); return 1;
		case 'V': printf("faxgw-agent %s\n", FAXGW_VERSION); return 1;
		default: main_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "faxgw-agent: unexpected argument '%s'\n", argv[optind]);
		main_usage(stderr);
		return 2;
	}
	return 0;
}

static void main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static void main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Paths relative to the start directory stay valid after daemon(). */
static char *main_absolute(const char *path)
{
	char cwd[PATH_MAX], *out;

	if (path == NULL)
		return NULL;
	if (path[0] == '/' || strchr(path, ':') != NULL || getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(path);
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

/* Net-SNMP as a subagent with nothing read from or written to disk. */
static void main_snmp_options(const char *agentx_socket)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	if (agentx_socket != NULL)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
				      agentx_socket);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
	/* No MIB modules: the agent works with numeric OIDs only. */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/dev/null", 1);
}

static void main_on_timer(unsigned int reg, void *arg)
{
	(void)reg;
	(void)arg;
	cache_tick();
	cache_sip_tick();
	cache_jobs_tick();
}

/* Each faxgwd event: the job table first, so that a notification's
 * reader finds the job, then the notification. */
static void main_on_event(const fgw_event *ev)
{
	cache_jobs_event(ev);
	notify_event(ev);
}

static void main_loop(void)
{
	while (!main_stop) {
		netsnmp_large_fd_set fds;
		struct timeval tv = { MAIN_TICK_SECS, 0 };
		int numfds = 0, block = 0, efd, cfd, n;

		netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
		snmp_select_info2(&numfds, &fds, &tv, &block);
		efd = cache_event_fd();
		if (efd >= 0) {
			NETSNMP_LARGE_FD_SET(efd, &fds);
			if (efd >= numfds)
				numfds = efd + 1;
		}
		cfd = cache_connect_fd();
		if (cfd >= 0) {
			NETSNMP_LARGE_FD_SET(cfd, &fds);
			if (cfd >= numfds)
				numfds = cfd + 1;
		}
		if (cache_busy()) {
			/* a re-read in steps: only look, do not wait */
			tv.tv_sec = 0;
			tv.tv_usec = 0;
			block = 0;
		}
		n = netsnmp_large_fd_set_select(numfds, &fds, NULL, NULL, block ? NULL : &tv);
		if (n < 0 && errno != EINTR) {
			agent_log(LOG_ERR, "select: %s", strerror(errno));
			netsnmp_large_fd_set_cleanup(&fds);
			break;
		}
		if (n > 0) {
			if (efd >= 0 && NETSNMP_LARGE_FD_ISSET(efd, &fds)) {
				NETSNMP_LARGE_FD_CLR(efd, &fds);
				cache_read_events();
			}
			if (cfd >= 0 && NETSNMP_LARGE_FD_ISSET(cfd, &fds)) {
				NETSNMP_LARGE_FD_CLR(cfd, &fds);
				cache_connect_done();
			}
			snmp_read2(&fds);
		} else if (n == 0) {
			snmp_timeout();
		}
		netsnmp_large_fd_set_cleanup(&fds);
		run_alarms();
		netsnmp_check_outstanding_agent_requests();
		cache_step();
	}
}

static int main_register(void)
{
	if (mib_scalars_init() != 0 || mib_ports_init() != 0 || mib_methods_init() != 0 ||
	    mib_ext_init() != 0 || mib_jobs_init() != 0 || mib_sip_init() != 0) {
		agent_log(LOG_ERR, "cannot register the FAXGW-MIB handlers");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct main_opts o;
	char *xsock = NULL, *csock = NULL;
	int rc = main_parse(argc, argv, &o);

	if (rc != 0)
		return rc == 1 ? 0 : 2;
	xsock = main_absolute(o.agentx_socket);
	/* Without -s, the default socket is looked for at every connection
	 * attempt (faxgwd may create ./var/faxgw.sock later), except by a
	 * daemon, which leaves its start directory: it decides now. */
	if (o.control_socket != NULL || !o.foreground)
		csock = main_absolute(o.control_socket != NULL ? o.control_socket
							       : fgw_default_socket());
	if ((o.agentx_socket != NULL && xsock == NULL) ||
	    ((o.control_socket != NULL || !o.foreground) && csock == NULL)) {
		fprintf(stderr, "faxgw-agent: out of memory\n");
		return 1;
	}
	if (!o.foreground && daemon(0, 0) != 0) {
		fprintf(stderr, "faxgw-agent: cannot detach: %s\n", strerror(errno));
		return 1;
	}
	agent_log_init(o.foreground, o.debug);
	main_signals();
	main_snmp_options(xsock);
	init_agent("faxgw-agent");
	if (cache_init(csock) != 0 || cache_jobs_init() != 0) {
		agent_log(LOG_ERR, "cannot set up the cache");
		return 1;
	}
	cache_on_event(main_on_event);
	cache_on_connection(notify_connection);
	/* Set between init_agent() and init_snmp(): re-registration comes
	 * within seconds after an snmpd restart. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   MAIN_PING_INTERVAL);
	if (main_register() != 0)
		return 1;
	init_snmp("faxgw-agent");
	agent_log(LOG_INFO, "started (faxgwd control socket %s, AgentX socket %s)",
		  csock != NULL ? csock : "the default", xsock != NULL ? xsock : "snmpd's default");
	cache_tick();
	snmp_alarm_register(MAIN_TICK_SECS, SA_REPEAT, main_on_timer, NULL);
	main_loop();
	agent_log(LOG_INFO, "stopping");
	snmp_shutdown("faxgw-agent");
	shutdown_agent();
	mib_ports_shutdown();
	mib_methods_shutdown();
	mib_ext_shutdown();
	mib_jobs_shutdown();
	cache_shutdown();
	cache_jobs_shutdown();
	cache_sip_shutdown();
	free(xsock);
	free(csock);
	return 0;
}
