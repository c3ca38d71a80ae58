#!/usr/bin/env bash
# faxgw-agent with a real snmpd (AgentX master), snmptrapd and faxgwd, on
# free loopback ports:
#  - walks of the scalars and both tables match faxgwctl row for row;
#    snmptable and snmpbulkwalk work;
#  - SETs of faxRoutingMethodData/Enabled reach faxgwd (audit log marked
#    snmp) and the next GET; faxRoutingChanged reaches snmptrapd;
#  - every SET error the agent produces (wrongValue with the extension's
#    reason logged, inconsistentValue, wrongType, wrongLength, noCreation,
#    notWritable, resourceUnavailable with a MODIFY handle held by another
#    client, commitFailed with faxgwd down, noAccess from VACM and from
#    faxgwd), all-or-nothing PDUs with the error on the offending varbind;
#  - VACM: v2c read-only, the v3 authPriv user writes only the routing
#    columns, authNoPriv refused;
#  - snmpd restart (back within 10 s), faxgwd restart (last values while
#    down, fresh after), a priority change, 500 ports, a broken extension
#    (faxExtensionLoadFailed), a received fax whose routing fails
#    (faxRoutingFailed, faxRoutingDeadLettered), the agent as nobody;
#  - the MIB handlers in a native master agent with an object that fails in
#    ACTION, so that UNDO runs after a partial failure.
# Every daemon is checked alive after each negative case.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
AGENT=${FAXGW_AGENT:-$B/faxgw-agent}   # e.g. the sanitizer build
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
RUNP='{57b68a34-09e7-416d-82b1-7e98d07dbdaf}'

for t in snmpd snmptrapd snmpget snmpset snmpwalk snmpbulkwalk snmptable; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed (tools/install-deps)"
done
[ -x "$AGENT" ] && [ -x "$B/faxgwd" ] && [ -x "$CTL" ] || skip "faxgw-agent, faxgwd or faxgwctl not built"
MIBDIR=$("$TOP/tests/setup-mibs" 2>"$WORK/setup-mibs.err") ||
	skip "no MIB directory: $(cat "$WORK/setup-mibs.err")"
cd "$WORK" || exit 1

# Two free loopback UDP ports: SNMP and traps.
read -r SPORT TPORT < <("$PY" -c '
import socket
s = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
[ -n "$SPORT" ] && [ -n "$TPORT" ] || fail "no free UDP ports"
TARGET=127.0.0.1:$SPORT
AXSOCK=$WORK/snmp/agentx.sock
mkdir -p snmp/persist trap/persist var/fax/sales var/routing.d
printf '#!/bin/sh\nexit 0\n' > var/routing.d/ok.sh
chmod +x var/routing.d/ok.sh

AUTH=authpass-$RANDOM$RANDOM PRIV=privpass-$RANDOM$RANDOM
cat > snmp/snmpd.conf <<EOF
agentaddress udp:127.0.0.1:$SPORT
master agentx
agentXSocket $AXSOCK
agentXPerms 0666 0755
agentXTimeout 5
view faxgwAll      included  .1.3.6.1.4.1.32473.1
view faxgwAll      included  .1.3.6.1.2.1.1
view faxgwRouting  included  .1.3.6.1.4.1.32473.1.1.3.1.7
view faxgwRouting  included  .1.3.6.1.4.1.32473.1.1.3.1.8
rocommunity public 127.0.0.1 -V faxgwAll
createUser faxadmin SHA-256 "$AUTH" AES "$PRIV"
group  faxgwAdmin  usm  faxadmin
access faxgwAdmin  ""  usm  priv  exact  faxgwAll  faxgwRouting  none
# faxall may write anything of faxgw: its SETs reach the agent's own checks.
createUser faxall SHA-256 "$AUTH" AES "$PRIV"
group  faxgwAll    usm  faxall
access faxgwAll    ""  usm  priv  exact  faxgwAll  faxgwAll  none
trap2sink 127.0.0.1:$TPORT public
EOF
cat > trap/snmptrapd.conf <<EOF
snmpTrapdAddr udp:127.0.0.1:$TPORT
authCommunity log public
doNotRetainNotificationLogs yes
EOF

MIBS=(-M "$MIBDIR" -m FAXGW-MIB)
RO=(-v2c -c public -t 2 -r 1 "${MIBS[@]}")
V3=(-v3 -l authPriv -u faxadmin -a SHA-256 -A "$AUTH" -x AES -X "$PRIV" -t 3 -r 1 "${MIBS[@]}")
ALL=(-v3 -l authPriv -u faxall -a SHA-256 -A "$AUTH" -x AES -X "$PRIV" -t 3 -r 1 "${MIBS[@]}")

start_snmpd() {
	rm -f "$AXSOCK"
	(SNMP_PERSISTENT_DIR=$WORK/snmp/persist exec snmpd -f -Lf "$WORK/snmpd.log" -C \
		-c "$WORK/snmp/snmpd.conf" -I -smux -M /dev/null -m "") &
	SNMPD_PID=$!
	PIDS+=("$SNMPD_PID")
	for _ in $(seq 150); do
		[ -S "$AXSOCK" ] && return 0
		kill -0 "$SNMPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "snmpd did not open its AgentX socket: $(tail -5 "$WORK/snmpd.log" 2>/dev/null)"
}

# wait_value OID WANT SECONDS: polls a GET until its value is WANT.
wait_value() {
	local i v
	for i in $(seq $(($3 * 4))); do
		v=$(snmpget "${RO[@]}" -Oqv "$TARGET" "$1" 2>/dev/null)
		[ "$v" = "$2" ] && return 0
		sleep 0.25
	done
	return 1
}

# set_fails ERROR FAILED_OBJECT ARGS...: an snmpset refused with ERROR
# (e.g. wrongValue) on FAILED_OBJECT (empty: not checked).
set_fails() {
	local want=$1 obj=$2
	shift 2
	OUT=$(snmpset "$@" 2>"$WORK/stderr"); local rc=$?
	ERR=$(cat "$WORK/stderr")
	[ "$rc" -ne 0 ] || fail "snmpset $* succeeded; expected $want"
	echo "$ERR" | grep -q "Reason: $want" || fail "snmpset $*: expected $want, got (exit $rc): $ERR $OUT"
	[ -z "$obj" ] || echo "$ERR" | grep -q "Failed object: FAXGW-MIB::$obj\$" ||
		fail "snmpset $*: expected the error on $obj, got: $ERR"
}

ctl_data() { # PORT METHOD: the routing data as faxgwctl sees it
	"$CTL" -s "$WORK/var/faxgw.sock" get "$1" "$2"
}
ctl_enabled() { # PORT GUID -> True/False
	OUT=$("$CTL" -s "$WORK/var/faxgw.sock" --json methods "$1") || fail "faxgwctl methods $1"
	json "[m for m in j['methods'] if m['guid'] == '$2'][0]['enabled']"
}
all_alive() {
	alive "$FAXGWD_PID" faxgwd
	alive "$AGENT_PID" faxgw-agent
	alive "$SNMPD_PID" snmpd
}

start_faxgwd
wait_for_socket "$WORK/var/faxgw.sock"
(SNMP_PERSISTENT_DIR=$WORK/trap/persist exec snmptrapd -f -Lf "$WORK/traps.log" -C \
	-c "$WORK/trap/snmptrapd.conf" "${MIBS[@]}") &
PIDS+=($!)
start_snmpd
("$AGENT" -f -d -x "$AXSOCK" -s "$WORK/var/faxgw.sock" >>"$WORK/agent.log" 2>&1) &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
wait_value faxgwControlConnected.0 true 10 || fail "agent not serving; $(tail -5 agent.log)"
ok "snmpd, snmptrapd, faxgwd and faxgw-agent running (SNMP port $SPORT)"

# --- reads ---------------------------------------------------------------------
expect_rc 0 snmpwalk "${RO[@]}" -Oq "$TARGET" faxgwGateway
for want in "faxgwVersion.0 " "faxgwPortCount.0 3" "faxgwControlConnected.0 true" \
	"faxgwExtensionLoadFailures.0 0" "faxgwDeadLetters.0 0" "faxgwStartTime.0 "; do
	echo "$OUT" | grep -q "^FAXGW-MIB::$want" || fail "scalars lack '$want': $OUT"
done
echo "$OUT" | grep -q '^FAXGW-MIB::faxgwVersion.0 [0-9]' || fail "faxgwVersion: $OUT"
ok "scalars: version, 3 ports, connected, no failures"

expect_rc 0 snmpwalk "${RO[@]}" -Oq "$TARGET" faxPortTable
WALK=$OUT
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" --json ports
for row in $(json "' '.join('%d|%s|%s|%s' % (p['id'], p['name'], p['transport'], p.get('local_address', p.get('address', ''))) for p in j['ports'])"); do
	IFS='|' read -r id name tr addr <<<"$row"
	echo "$WALK" | grep -q "^FAXGW-MIB::faxPortName.$id $name\$" || fail "port $id name $name: $WALK"
	echo "$WALK" | grep -q "^FAXGW-MIB::faxPortTransport.$id $tr\$" || fail "port $id transport $tr: $WALK"
	[ -z "$addr" ] || echo "$WALK" | grep -q "^FAXGW-MIB::faxPortLocalAddress.$id $addr\$" ||
		fail "port $id address $addr: $WALK"
done
[ "$(echo "$WALK" | grep -c '^FAXGW-MIB::faxPortName\.')" -eq 3 ] || fail "not 3 port rows: $WALK"
ok "faxPortTable matches faxgwctl ports"

# Every faxRoutingMethodTable row against faxgwctl methods, row for row.
check_methods() {
	local port rows n=0 idx guid name fn enabled data got want
	for port in 1 2 3; do
		OUT=$("$CTL" -s "$WORK/var/faxgw.sock" --json methods $port) || fail "faxgwctl methods $port"
		rows=$(json "'\n'.join('%d\t%s\t%s\t%s\t%s\t%s' % (m['method_index'], m['guid'], m['friendly_name'], m['function_name'], 'true' if m['enabled'] else 'false', m['data']) for m in j['methods'])")
		while IFS=$'\t' read -r idx guid name fn enabled data; do
			[ -n "$idx" ] || continue
			got=$(snmpget "${RO[@]}" -Oqv "$TARGET" faxRoutingMethodGuid.$port.$idx \
				faxRoutingMethodFriendlyName.$port.$idx faxRoutingMethodFunctionName.$port.$idx \
				faxRoutingMethodEnabled.$port.$idx faxRoutingMethodData.$port.$idx | tr '\n' '|')
			want="$guid|$name|$fn|$enabled|${data:-\"\"}|"
			# snmpget prints a DisplayString holding '/' as is, an empty one as "";
			# FaxgwUtf8String (DISPLAY-HINT "1024t") an empty one as nothing.
			[ "$got" = "$want" ] || [ "$got" = "$guid|$name|$fn|$enabled|\"$data\"|" ] ||
				[ "$got" = "$guid|$name|$fn|$enabled|$data|" ] ||
				fail "row $port.$idx: snmp '$got', faxgwctl '$want'"
			n=$((n + 1))
		done <<<"$rows"
	done
	[ "$n" -ge 4 ] || fail "only $n method rows compared"
	NMETHODROWS=$n
	expect_rc 0 snmpwalk "${RO[@]}" -Oq "$TARGET" faxRoutingMethodGuid
	[ "$(echo "$OUT" | grep -c .)" -eq "$n" ] || fail "walk has other rows than faxgwctl: $OUT"
}
check_methods
NROWS=$NMETHODROWS
OUT=$("$CTL" -s "$WORK/var/faxgw.sock" --json methods 1) || fail "faxgwctl methods 1"
SI=$(json "[m['method_index'] for m in j['methods'] if m['guid'] == '$SIF'][0]")
RI=$(json "[m['method_index'] for m in j['methods'] if m['guid'] == '$RUNP'][0]")
ok "faxRoutingMethodTable matches faxgwctl methods row for row (GUID, names, enabled, data)"

expect_rc 0 snmptable "${RO[@]}" -Cf '|' -CH "$TARGET" faxRoutingMethodTable
[ "$(echo "$OUT" | grep -c "$SIF")" -eq 3 ] && [ "$(echo "$OUT" | grep -c "$RUNP")" -eq 3 ] ||
	fail "snmptable: $OUT"
expect_rc 0 snmpbulkwalk "${RO[@]}" -Cr25 "$TARGET" faxRoutingMethodTable
[ "$(echo "$OUT" | grep -c '^FAXGW-MIB::faxRoutingMethod')" -eq $((NROWS * 11)) ] || fail "bulkwalk: $OUT"
expect_rc 0 snmptable "${RO[@]}" -Cf '|' "$TARGET" faxgwExtensionTable
echo "$OUT" | grep -q 'store_folder.so' || fail "extension table: $OUT"
ok "snmptable and snmpbulkwalk ($NROWS rows x 11 columns, extension table)"

# --- SET ------------------------------------------------------------------------
expect_rc 0 snmpset "${V3[@]}" "$TARGET" faxRoutingMethodData.1.$SI s "$WORK/var/fax/sales"
[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxRoutingMethodData.1.$SI)" = "\"$WORK/var/fax/sales\"" ] ||
	[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxRoutingMethodData.1.$SI)" = "$WORK/var/fax/sales" ] ||
	fail "GET after SET: $(snmpget "${RO[@]}" "$TARGET" faxRoutingMethodData.1.$SI)"
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "faxgwctl get after SET: $(ctl_data 1 "$SIF")"
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" log
echo "$OUT" | grep "snmp" | grep -q "$WORK/var/fax/sales" || fail "no audit entry marked snmp: $OUT"
ok "snmpset of faxRoutingMethodData: snmpget and faxgwctl see it; audit entry marked snmp"

for i in $(seq 40); do
	grep -q 'faxRoutingChanged' "$WORK/traps.log" 2>/dev/null && break
	sleep 0.25
done
grep -q 'faxRoutingChanged' "$WORK/traps.log" || fail "no faxRoutingChanged trap: $(cat "$WORK/traps.log" 2>/dev/null)"
grep -A20 'faxRoutingChanged' "$WORK/traps.log" | grep -q "faxRoutingMethodGuid.1.$SI = STRING: \"\?$SIF" ||
	fail "faxRoutingChanged lacks the method GUID: $(cat "$WORK/traps.log")"
ok "snmptrapd received faxRoutingChanged with the port's method"

set_fails wrongValue faxRoutingMethodData.1.$SI "${V3[@]}" "$TARGET" faxRoutingMethodData.1.$SI s "$WORK/var/fax/nope"
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "refused SET changed the data"
grep -q 'does not exist\|nope' "$WORK/agent.log" || fail "the extension's reason is not in the agent's log"
all_alive
ok "a folder that does not exist: wrongValue, reason logged, nothing changed"

set_fails inconsistentValue faxRoutingMethodEnabled.1.$RI "${V3[@]}" "$TARGET" faxRoutingMethodEnabled.1.$RI i 1
[ "$(ctl_enabled 1 "$RUNP")" = False ] || fail "Run program got enabled"
all_alive
ok "enabling Run program without data: inconsistentValue"

set_fails wrongValue faxRoutingMethodData.2.$SI "${V3[@]}" "$TARGET" \
	faxRoutingMethodEnabled.2.$SI i 2 faxRoutingMethodData.2.$SI s /etc
[ "$(ctl_enabled 2 "$SIF")" = True ] || fail "disable applied although the PDU failed"
[ "$(ctl_data 2 "$SIF")" = "$WORK/var/fax/inbox" ] || fail "data changed although the PDU failed"
set_fails wrongValue faxRoutingMethodData.2.$SI "${V3[@]}" "$TARGET" \
	faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox" faxRoutingMethodData.2.$SI s /etc
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "the good varbind of a failed PDU was applied"
all_alive
ok "a PDU with one bad varbind among good ones: wrongValue on that varbind, nothing changed"

expect_rc 0 snmpset "${V3[@]}" "$TARGET" faxRoutingMethodEnabled.2.$RI i 1 faxRoutingMethodData.2.$RI s ok.sh
[ "$(ctl_enabled 2 "$RUNP")" = True ] && [ "$(ctl_data 2 "$RUNP")" = ok.sh ] ||
	fail "data + enable in one PDU not applied"
[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxRoutingMethodEnabled.2.$RI)" = true ] || fail "GET after enable"
ok "enable + data in one PDU works where enabling alone is refused"

# A priority change (faxgwctl): one faxRoutingChanged with the lowest port's
# instances, and every port's faxRoutingMethodPriority follows.
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" priority "$RUNP" 1
wait_value faxRoutingMethodPriority.2.$RI 1 10 || fail "faxRoutingMethodPriority.2.$RI did not become 1"
for i in $(seq 40); do
	grep 'faxRoutingChanged' "$WORK/traps.log" | grep -q "faxRoutingMethodPriority.1.$RI = Gauge32: 1" && break
	sleep 0.25
done
grep 'faxRoutingChanged' "$WORK/traps.log" | grep -q "faxRoutingMethodPriority.1.$RI = Gauge32: 1" ||
	fail "no faxRoutingChanged for the priority change: $(grep -a Changed "$WORK/traps.log" | tail -3)"
ok "a priority change by faxgwctl: faxRoutingChanged, priorities follow on every port"

set_fails wrongType faxRoutingMethodEnabled.1.$RI -Ir "${V3[@]}" "$TARGET" faxRoutingMethodEnabled.1.$RI s yes
set_fails wrongType faxRoutingMethodData.1.$SI -Ir "${V3[@]}" "$TARGET" faxRoutingMethodData.1.$SI i 5
set_fails wrongValue faxRoutingMethodEnabled.1.$RI -Ir "${V3[@]}" "$TARGET" faxRoutingMethodEnabled.1.$RI i 3
LONG=$(head -c 1025 /dev/zero | tr '\0' a)
set_fails wrongLength faxRoutingMethodData.1.$SI -Ir "${V3[@]}" "$TARGET" faxRoutingMethodData.1.$SI s "$LONG"
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "a refused SET changed the data"
all_alive
ok "wrongType, wrongValue (TruthValue 3), wrongLength (1025 octets)"

set_fails noCreation faxRoutingMethodEnabled.99.1 "${V3[@]}" "$TARGET" faxRoutingMethodEnabled.99.1 i 1
set_fails noCreation faxRoutingMethodData.1.99 "${V3[@]}" "$TARGET" faxRoutingMethodData.1.99 s x
set_fails notWritable faxRoutingMethodFriendlyName.1.$RI -Ir "${ALL[@]}" "$TARGET" faxRoutingMethodFriendlyName.1.$RI s x
set_fails notWritable faxPortName.1 -Ir "${ALL[@]}" "$TARGET" faxPortName.1 s x
set_fails notWritable faxgwVersion.0 -Ir "${ALL[@]}" "$TARGET" faxgwVersion.0 s x
all_alive
ok "noCreation for rows that do not exist; notWritable for read-only objects"

set_fails noAccess "" "${RO[@]}" "$TARGET" faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox"
set_fails noAccess "" -Ir "${V3[@]}" "$TARGET" faxPortName.1 s x
OUT=$(snmpset -v3 -l authNoPriv -u faxadmin -a SHA-256 -A "$AUTH" -t 3 -r 1 "${MIBS[@]}" "$TARGET" \
	faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox" 2>&1) && fail "authNoPriv SET succeeded: $OUT"
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "a refused SET changed the data"
all_alive
ok "VACM: v2c SET refused, v3 admin writes only the routing columns, authNoPriv refused"

# resourceUnavailable: a MODIFY handle held by another libfaxgw client.
cat > holder.c <<'EOF'
#include <stdio.h>
#include <unistd.h>
#include <faxgw/admin.h>
int main(int argc, char **argv)
{
	fgw_handle *s, *p;
	(void)argc;
	if (fgw_connect(argv[1], &s) != 0 || fgw_open_port(s, 1, FGW_PORT_OPEN_MODIFY, &p) != 0)
		return 1;
	printf("held\n");
	fflush(stdout);
	pause();
	return 0;
}
EOF
# libfaxgw.a holds the client only: the wire format and helpers are in
# libfaxproto.a and libfaxutil.a, as for every program linked with it here.
FGWLIBS=("$B/libfaxgw.a" "$B/libfaxproto.a" "$B/libfaxutil.a")
if cc -I"$TOP/gateway/include" -o holder holder.c "${FGWLIBS[@]}" 2>holder.err; then
	./holder "$WORK/var/faxgw.sock" > holder.out &
	HOLDER=$!
	PIDS+=("$HOLDER")
	for i in $(seq 20); do grep -q held holder.out && break; sleep 0.1; done
	grep -q held holder.out || fail "holder could not open port 1 for MODIFY"
	set_fails resourceUnavailable faxRoutingMethodData.1.$SI "${V3[@]}" "$TARGET" \
		faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox"
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null
	[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "a refused SET changed the data"
	all_alive
	ok "a port held for MODIFY by another client: resourceUnavailable"
else
	echo "# cannot build the MODIFY holder: $(cat holder.err)"
fi

# --- restarts -------------------------------------------------------------------
kill "$SNMPD_PID"
wait "$SNMPD_PID" 2>/dev/null
start_snmpd
wait_value faxgwControlConnected.0 true 10 || fail "agent not back 10 s after the snmpd restart"
expect_rc 0 snmpwalk "${RO[@]}" -Oq "$TARGET" faxRoutingMethodGuid
[ "$(echo "$OUT" | grep -c .)" -eq "$NROWS" ] || fail "walk after snmpd restart: $OUT"
alive "$AGENT_PID" faxgw-agent
ok "snmpd restart: the agent re-registers within 10 s"

stop_faxgwd
wait_value faxgwControlConnected.0 false 5 || fail "faxgwControlConnected still true with faxgwd down"
[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxRoutingMethodEnabled.2.$RI)" = true ] ||
	fail "last values not served while faxgwd is down"
set_fails commitFailed "" "${V3[@]}" "$TARGET" faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox"
alive "$AGENT_PID" faxgw-agent
start_faxgwd
wait_for_socket "$WORK/var/faxgw.sock"
wait_value faxgwControlConnected.0 true 10 || fail "agent did not reconnect to faxgwd"
check_methods
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "SET did not survive the faxgwd restart"
all_alive
ok "faxgwd restart: last values served while down (connected false, SET commitFailed), fresh data after"

# --- the handlers natively, with a partial failure (UNDO) ----------------------
# The agent's MIB code (agent/*.c but main.c) linked into a small master
# agent that also serves a test object failing in the ACTION phase, so a
# PDU of good faxgw varbinds plus that object makes Net-SNMP call UNDO:
# the agent must restore exactly what its ACTION changed.
cat > undo.c <<'EOF'
#include <signal.h>
#include <stdlib.h>
#include "agent.h"
#include <net-snmp/agent/mib_modules.h>
static volatile sig_atomic_t stop;
static void on_term(int s) { (void)s; stop = 1; }
static int fail_handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
			netsnmp_agent_request_info *ri, netsnmp_request_info *rq)
{
	long zero = 0;
	(void)h; (void)reg;
	for (; rq != NULL; rq = rq->next) {
		if (ri->mode == MODE_GET)
			snmp_set_var_typed_value(rq->requestvb, ASN_INTEGER, &zero, sizeof(zero));
		else if (ri->mode == MODE_SET_ACTION)
			netsnmp_set_request_error(ri, rq, SNMP_ERR_COMMITFAILED);
	}
	return SNMP_ERR_NOERROR;
}
int main(int argc, char **argv)
{
	static const oid before[] = { 1, 3, 6, 1, 4, 1, 32473, 0, 99, 0 };
	static const oid after[] = { 1, 3, 6, 1, 4, 1, 32473, 99, 0 };
	if (argc != 4)
		return 2;
	signal(SIGTERM, on_term);
	agent_log_init(1, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 0);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_PORTS, argv[1]);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_OPTIONALCONFIG, argv[3]);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/dev/null", 1);
	init_agent("faxgw-agent-undo");
	init_mib_modules();
	if (cache_init(argv[2]) != 0 || mib_scalars_init() != 0 || mib_ports_init() != 0 ||
	    mib_methods_init() != 0 || mib_ext_init() != 0)
		return 1;
	netsnmp_register_instance(netsnmp_create_handler_registration("before", fail_handler,
		before, OID_LENGTH(before), HANDLER_CAN_RWRITE));
	netsnmp_register_instance(netsnmp_create_handler_registration("after", fail_handler,
		after, OID_LENGTH(after), HANDLER_CAN_RWRITE));
	init_snmp("faxgw-agent-undo");
	if (init_master_agent() != 0)
		return 1;
	cache_tick();
	while (!stop) {
		agent_check_and_process(0);
		if (cache_event_fd() >= 0)
			cache_read_events();
		cache_connect_done();
		cache_tick();
		cache_step();
		usleep(2000);
	}
	snmp_shutdown("faxgw-agent-undo");
	return 0;
}
EOF
UPORT=$("$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'rwcommunity private 127.0.0.1\n' > undo.conf
AGENT_SRC=()
for f in "$TOP"/agent/*.c; do
	[ "$(basename "$f")" = main.c ] || AGENT_SRC+=("$f")
done
read -r -a SNMPLIBS <<<"$(net-snmp-config --agent-libs)"
if cc -std=c11 -D_GNU_SOURCE -I"$TOP/gateway/include" -I"$TOP/agent" -I"$TOP/gateway/util" \
	-o undo undo.c "${AGENT_SRC[@]}" "${FGWLIBS[@]}" "${SNMPLIBS[@]}" -pthread 2>undo.err; then
	./undo "udp:127.0.0.1:$UPORT" "$WORK/var/faxgw.sock" "$WORK/undo.conf" >>undo.log 2>&1 &
	UNDO_PID=$!
	PIDS+=("$UNDO_PID")
	UT=(-v2c -c private -t 3 -r 1 "${MIBS[@]}" "127.0.0.1:$UPORT")
	for i in $(seq 40); do
		[ "$(snmpget "${UT[@]}" -Oqv faxgwControlConnected.0 2>/dev/null)" = true ] && break
		sleep 0.25
	done
	expect_rc 0 snmpwalk "${UT[@]}" -Oq faxRoutingMethodGuid
	[ "$(echo "$OUT" | grep -c .)" -eq "$NROWS" ] || fail "native walk: $OUT"
	# good varbinds, then the object failing in ACTION: UNDO restores
	set_fails commitFailed "" "${UT[@]}" faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox" \
		faxRoutingMethodEnabled.2.$RI i 2 .1.3.6.1.4.1.32473.99.0 i 1
	[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "UNDO did not restore the data"
	[ "$(ctl_enabled 2 "$RUNP")" = True ] || fail "UNDO did not restore enabled"
	grep -q 'SET undone: 2 changes restored' undo.log || fail "no UNDO in the log: $(cat undo.log)"
	[ "$(snmpget "${UT[@]}" -Oqv faxRoutingMethodEnabled.2.$RI)" = true ] || fail "cache not restored"
	# the failing object first
	set_fails commitFailed "" "${UT[@]}" .1.3.6.1.4.1.32473.0.99.0 i 1 \
		faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox"
	[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "UNDO (failure first) left a change"
	# a varbind failing in RESERVE1: ACTION never runs, UNDO must not change anything
	set_fails wrongValue faxRoutingMethodEnabled.1.$RI -Ir "${UT[@]}" faxRoutingMethodData.1.$SI s \
		"$WORK/var/fax/inbox" faxRoutingMethodEnabled.1.$RI i 7
	[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "a refused PDU changed the data"
	expect_rc 0 snmpset "${UT[@]}" faxRoutingMethodData.1.$SI s "$WORK/var/fax/inbox"
	[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/inbox" ] || fail "native SET not applied"
	alive "$UNDO_PID" "the native test agent"
	all_alive
	ok "native handlers: GETNEXT, SET, UNDO after a partial failure restores only what ACTION changed"
else
	echo "# cannot build the native handler test: $(head -5 undo.err)"
fi

# --- 500 ports: a complete and correct walk -------------------------------------
stop_faxgwd
mkdir -p big/spool big/fax big/routing.d big/ext
cp "$B"/routing/*.so big/ext/
echo 'not an ELF file' > big/ext/zz_broken.so
{
	printf '[gateway]\nspool = %s\nstate = %s\ncontrol = %s\nextensions = %s\n' \
		"$WORK/big/spool" "$WORK/big/faxgw.db" "$WORK/var/faxgw.sock" "$WORK/big/ext"
	printf 'store-root = %s\nexec-dir = %s\nadmin-group =\nquery-group =\n' \
		"$WORK/big/fax" "$WORK/big/routing.d"
	for i in $(seq 500); do
		printf '[port %d]\nname = big-%d\ntransport = t38\nlisten = 127.0.0.1:%d\n' \
			"$i" "$i" $((40000 + i))
	done
} > big.conf
start_faxgwd -c "$WORK/big.conf"
wait_for_socket "$WORK/var/faxgw.sock"
wait_value faxgwPortCount.0 "500 ports" 15 || fail "faxgwPortCount never became 500"
OUT=$("$CTL" -s "$WORK/var/faxgw.sock" --json methods 1) || fail "faxgwctl methods 1 (500 ports)"
json "'\n'.join('%d %s' % (m['method_index'], m['guid']) for m in j['methods'])" > big.methods
for p in $(seq 500); do
	while read -r idx guid; do echo "FAXGW-MIB::faxRoutingMethodGuid.$p.$idx $guid"; done < big.methods
done | sort > big.want
for i in $(seq 40); do
	snmpbulkwalk "${RO[@]}" -Cr50 -Oq "$TARGET" faxRoutingMethodGuid 2>/dev/null | sort > big.got
	cmp -s big.want big.got && break
	sleep 0.25
done
cmp -s big.want big.got || fail "500-port walk differs: $(diff big.want big.got | head -5)"
expect_rc 0 snmpbulkwalk "${RO[@]}" -Cr50 -Oq "$TARGET" faxPortName
[ "$(echo "$OUT" | grep -c '^FAXGW-MIB::faxPortName\.[0-9]* big-')" -eq 500 ] || fail "500-port faxPortTable"
all_alive
ok "500 ports x $(wc -l < big.methods) methods: faxRoutingMethodTable walks completely and correctly"

[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxgwExtensionLoadFailures.0)" = "1 extensions" ] ||
	fail "faxgwExtensionLoadFailures: $(snmpget "${RO[@]}" "$TARGET" faxgwExtensionLoadFailures.0)"
expect_rc 0 snmpwalk "${RO[@]}" -Oq "$TARGET" faxgwExtensionTable
echo "$OUT" | grep -q '^FAXGW-MIB::faxgwExtensionStatus\.[0-9]* failed$' || fail "no failed extension: $OUT"
for i in $(seq 40); do
	grep -q 'faxExtensionLoadFailed' "$WORK/traps.log" && break
	sleep 0.25
done
grep 'faxExtensionLoadFailed' "$WORK/traps.log" | grep -q 'zz_broken.so' ||
	fail "no faxExtensionLoadFailed for zz_broken.so: $(cat "$WORK/traps.log")"
ok "a broken extension: faxgwExtensionLoadFailures 1, status failed(2), faxExtensionLoadFailed received"

# --- a received fax whose routing fails: faxRoutingFailed, faxRoutingDeadLettered
if [ -x "$B/faxpeer" ] && [ -x "$B/faxtestdoc" ]; then
	stop_faxgwd
	FPORT=$("$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p fx/spool fx/fax fx/routing.d fx/ext
	cp "$B"/routing/*.so fx/ext/
	printf '#!/bin/sh\necho "target is down"\nexit 1\n' > fx/routing.d/broken
	chmod 755 fx/routing.d/broken
	{
		printf '[gateway]\nspool = %s\nstate = %s\ncontrol = %s\nextensions = %s\n' \
			"$WORK/fx/spool" "$WORK/fx/faxgw.db" "$WORK/var/faxgw.sock" "$WORK/fx/ext"
		printf 'store-root = %s\nexec-dir = %s\nretry = 2 200ms\n' "$WORK/fx/fax" "$WORK/fx/routing.d"
		printf '[port 1]\nname = fx-1\ntransport = t38\nlisten = 127.0.0.1:%s\n' "$FPORT"
	} > fx.conf
	start_faxgwd -c "$WORK/fx.conf"
	wait_for_socket "$WORK/var/faxgw.sock"
	wait_value faxPortName.1 fx-1 10 || fail "agent did not pick up the fax instance"
	OUT=$("$CTL" -s "$WORK/var/faxgw.sock" --json methods 1) || fail "faxgwctl methods 1 (fax instance)"
	FRI=$(json "[m['method_index'] for m in j['methods'] if m['guid'] == '$RUNP'][0]")
	expect_rc 0 snmpset "${V3[@]}" "$TARGET" faxRoutingMethodData.1.$FRI s broken \
		faxRoutingMethodEnabled.1.$FRI i 1
	"$B/faxtestdoc" make doc1.tif 1 standard 3 >/dev/null || fail "faxtestdoc make"
	expect_rc 0 "$B/faxpeer" send --t38 -q --timeout 60 --ident "+49 30 1234" "127.0.0.1:$FPORT" doc1.tif
	for i in $(seq 80); do
		grep -q 'faxRoutingDeadLettered' "$WORK/traps.log" && break
		sleep 0.25
	done
	grep 'faxRoutingFailed' "$WORK/traps.log" | grep -q 'target is down' ||
		fail "no faxRoutingFailed with the program's message: $(grep -a fax "$WORK/traps.log" | tail -5)"
	grep 'faxRoutingDeadLettered' "$WORK/traps.log" | grep -q "faxgwNotifyJobId.0 = STRING: \"\?[0-9]" ||
		fail "no faxRoutingDeadLettered with a job id: $(grep -a fax "$WORK/traps.log" | tail -5)"
	grep 'faxRoutingDeadLettered' "$WORK/traps.log" | grep -q "faxRoutingMethodGuid.1.$FRI = STRING: \"\?$RUNP" ||
		fail "faxRoutingDeadLettered does not name Run program: $(grep -a Dead "$WORK/traps.log")"
	wait_value faxgwDeadLetters.0 "1 faxes" 5 || fail "faxgwDeadLetters not 1"
	[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxPortFaxesReceived.1)" = "1 faxes" ] ||
		fail "faxPortFaxesReceived: $(snmpget "${RO[@]}" "$TARGET" faxPortFaxesReceived.1)"
	[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxPortLastRemoteIdent.1)" = "+49 30 1234" ] ||
		[ "$(snmpget "${RO[@]}" -Oqv "$TARGET" faxPortLastRemoteIdent.1)" = "\"+49 30 1234\"" ] ||
		fail "faxPortLastRemoteIdent: $(snmpget "${RO[@]}" "$TARGET" faxPortLastRemoteIdent.1)"
	all_alive
	ok "a fax whose Run program fails: faxRoutingFailed, faxRoutingDeadLettered, counters"
else
	echo "# faxpeer or faxtestdoc not built: routing failure notifications not tested"
fi

# --- unprivileged: the agent as nobody; faxgwd refuses it changes -> noAccess
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && [ -f fx.conf ]; then
	kill "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	stop_faxgwd
	chmod 755 "$WORK" "$WORK/snmp" "$WORK/var"
	sed '1a admin-group = root\nquery-group =' fx.conf > np.conf
	start_faxgwd -c "$WORK/np.conf"
	wait_for_socket "$WORK/var/faxgw.sock"
	(exec setpriv --reuid=65534 --regid=65534 --clear-groups "$AGENT" -f -x "$AXSOCK" \
		-s "$WORK/var/faxgw.sock" >>"$WORK/agent-nobody.log" 2>&1) &
	AGENT_PID=$!
	PIDS+=("$AGENT_PID")
	wait_value faxgwControlConnected.0 true 15 || fail "the agent as nobody does not serve: $(cat agent-nobody.log)"
	[ "$(ps -o user= -p "$AGENT_PID")" = nobody ] || fail "the agent does not run as nobody"
	expect_rc 0 snmpwalk "${RO[@]}" -Oq "$TARGET" faxRoutingMethodGuid
	[ "$(echo "$OUT" | grep -c .)" -ge 4 ] || fail "walk as nobody: $OUT"
	set_fails noAccess "faxRoutingMethodData.1.$FRI" "${V3[@]}" "$TARGET" faxRoutingMethodData.1.$FRI s ok.sh
	grep -q 'admin-group' agent-nobody.log || fail "faxgwd's reason not logged: $(cat agent-nobody.log)"
	all_alive
	ok "the agent runs unprivileged (nobody): reads work, faxgwd's refusal of changes gives noAccess"
fi

echo "$NCHECK passed, 0 failed"
