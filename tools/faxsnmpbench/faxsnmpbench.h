/*
 * faxsnmpbench.h - the SNMP benchmark of issue 4 ("Measure").
 *
 *   faxsnmpbench [-B BUILD_DIR] [-p PORTS] [-r ROUNDS] [-s SETS] [-m MAXREP] [-k]
 *
 * Starts, on loopback and in a temporary directory: faxgwd with a
 * generated PORTS-port configuration and the shipped extensions, a private
 * snmpd (AgentX master on a unix socket, UDP on a free port), faxgw-agent,
 * and a bare static AgentX subagent (this program again, static.c) that
 * serves a table of the same shape (PORTS x methods rows, the columns of
 * faxRoutingMethodTable) from an array.  Then, in the same run:
 *   - walks both tables with GETBULK ROUNDS times each, interleaved, and
 *     prints varbinds/s of each and their ratio;
 *   - times SETS snmpset of faxRoutingMethodData until faxgwd has the new
 *     value (polled with fgw_get_routing_info), and prints median and p99.
 * Exit 0 when everything ran, 1 on a failure, 2 on a usage error.
 */
#ifndef FAXSNMPBENCH_H
#define FAXSNMPBENCH_H

#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

/* The static table: enterprises.32473.2.3 (beside faxgwMIB, not in it);
 * its entry has faxRoutingMethodEntry's columns 2..12. */
#define SB_STATIC_TABLE 1, 3, 6, 1, 4, 1, 32473, 2, 3
#define SB_STATIC_TABLE_LEN 9
#define SB_METHOD_TABLE 1, 3, 6, 1, 4, 1, 32473, 1, 1, 3
#define SB_METHOD_TABLE_LEN 10

#define SB_MAX_PORTS 10000
#define SB_METHODS 5

/* static.c: the static subagent's main loop (until SIGTERM); ports x
 * SB_METHODS rows.  Returns the process exit status. */
int sb_static_main(const char *agentx_socket, unsigned ports);

#endif
