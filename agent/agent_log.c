/*
 * agent_log.c - faxgw-agent's log: everything, Net-SNMP's own messages
 * included, goes through Net-SNMP's log handlers, to syslog (LOG_DAEMON,
 * ident "faxgw-agent") or, with -f, to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "agent.h"

static int log_debug_on;

void agent_log_init(int foreground, int debug)
{
	log_debug_on = debug;
	snmp_disable_log();
	if (foreground)
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
