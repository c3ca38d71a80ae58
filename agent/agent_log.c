/*
 * agent_log.c - faxgw-agent's log: everything, Net-SNMP's own messages
 * included, goes through Net-SNMP's log handlers, to syslog (LOG_DAEMON,
 * ident "faxgw-agent") or, with -f, to stderr; when stderr is systemd's
 * journal, each message starts with its "<priority>" (sd-daemon(3)).
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "agent.h"
#include "fgwx_journal.h"

static int log_debug_on;

static int agent_log_journal(int major, int minor, void *server_arg, void *client_arg)
{
	const struct snmp_log_message *m = server_arg;

	(void)major;
	(void)minor;
	(void)client_arg;
	fprintf(stderr, "<%d>%s", m->priority, m->msg);
	return 0;
}

void agent_log_init(int foreground, int debug)
{
	log_debug_on = debug;
	snmp_disable_log();
	if (foreground && fgwx_stderr_is_journal() &&
	    netsnmp_register_loghandler(NETSNMP_LOGHANDLER_CALLBACK, LOG_DEBUG) != NULL)
		snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
				       agent_log_journal, NULL);
	else if (foreground)
		snmp_enable_stderrlog();
	else
		snmp_enable_syslog_ident("faxgw-agent", LOG_DAEMON);
}

void agent_log(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (priority >= LOG_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snmp_log(priority, "faxgw-agent: %s\n", line);
}
