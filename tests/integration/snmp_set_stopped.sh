#!/usr/bin/env bash
# SNMP SETs while faxgwd is stopped (SIGSTOP), through a real snmpd with
# its default AgentX timeout (1 s): snmpd sends a PDU again when the
# subagent has not answered in that time, and a subagent that blocked on
# faxgwd used to see its SET phases run again on the same requests
# ("duplicate key 'faxgw:set'", genError) and once crashed.
#  - 100 snmpsets (-t 1 -r 0, 4 at a time) while faxgwd is stopped: each
#    answers resourceUnavailable or commitFailed (timeouts are counted and
#    reported; more than a few fail the test); nothing is changed;
#  - faxgw-agent is alive and logged no assertion or duplicate key;
#  - faxgwd continued: the agent reconnects, a SET succeeds, the tables
#    walk completely.
# Numeric OIDs: no MIB files needed.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
AGENT=${FAXGW_AGENT:-$B/faxgw-agent}
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
MIB=.1.3.6.1.4.1.32473.1.1
CONNECTED=$MIB.1.7.0                    # faxgwControlConnected.0
PORT_NAME=$MIB.2.1.2                    # faxPortName
METHOD_GUID=$MIB.3.1.2                  # faxRoutingMethodGuid
METHOD_DATA=$MIB.3.1.8                  # faxRoutingMethodData
NSETS=100 PARALLEL=4 MAX_TIMEOUTS=5

for t in snmpd snmpget snmpset snmpwalk; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed (tools/install-deps)"
done
[ -x "$AGENT" ] && [ -x "$B/faxgwd" ] && [ -x "$CTL" ] || skip "faxgw-agent, faxgwd or faxgwctl not built"
cd "$WORK" || exit 1

SPORT=$(free_udp_port)
[ -n "$SPORT" ] || fail "no free UDP port"
TARGET=127.0.0.1:$SPORT
AXSOCK=$WORK/snmp/agentx.sock
mkdir -p snmp/persist var/fax/sales var/fax/other var/routing.d sets
cat > snmp/snmpd.conf <<EOF
agentaddress udp:127.0.0.1:$SPORT
master agentx
agentXSocket $AXSOCK
agentXPerms 0600 0700
# snmpd's defaults, written out: 1 s per AgentX message, 5 retries.
agentXTimeout 1
agentXRetries 5
rwcommunity private 127.0.0.1 .1.3.6.1.4.1.32473.1
EOF
SNMP=(-v2c -c private -m "" -M /dev/null)

ctl_data() { "$CTL" -s "$WORK/var/faxgw.sock" get "$1" "$2"; }
connected() { [ "$(snmpget "${SNMP[@]}" -t 1 -r 1 -Oqv "$TARGET" "$CONNECTED" 2>/dev/null)" = "$1" ]; }

start_faxgwd
# A stopped faxgwd would not die of cleanup's SIGTERM: continue it first.
trap 'rc=$?; kill -CONT "$FAXGWD_PID" 2>/dev/null; (exit $rc); cleanup' EXIT
wait_for_socket "$WORK/var/faxgw.sock"
rm -f "$AXSOCK"
(SNMP_PERSISTENT_DIR=$WORK/snmp/persist exec snmpd -f -Lf "$WORK/snmpd.log" -C \
	-c "$WORK/snmp/snmpd.conf" -I -smux -M /dev/null -m "") &
SNMPD_PID=$!
PIDS+=("$SNMPD_PID")
wait_for_socket "$AXSOCK" 15
("$AGENT" -f -d -x "$AXSOCK" -s "$WORK/var/faxgw.sock" >>"$WORK/agent.log" 2>&1) &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
wait_until 15 connected 1 || fail "agent not serving: $(tail -5 agent.log)"
OUT=$("$CTL" -s "$WORK/var/faxgw.sock" --json methods 1) || fail "faxgwctl methods 1"
SI=$(json "[m['method_index'] for m in j['methods'] if m['guid'] == '$SIF'][0]")
expect_rc 0 snmpset "${SNMP[@]}" -t 2 -r 1 "$TARGET" "$METHOD_DATA.1.$SI" s "$WORK/var/fax/sales"
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "SET before the stop not applied"
ok "snmpd (agentXTimeout 1), faxgwd and faxgw-agent running; a SET works"

# --- faxgwd stopped ------------------------------------------------------------
kill -STOP "$FAXGWD_PID" || fail "cannot stop faxgwd"
start=$(date +%s)
for ((i = 0; i < NSETS; i += PARALLEL)); do
	jobs_=()
	for ((j = i; j < i + PARALLEL && j < NSETS; j++)); do
		(snmpset "${SNMP[@]}" -t 1 -r 0 "$TARGET" "$METHOD_DATA.1.$SI" s "$WORK/var/fax/other" \
			>"sets/$j.out" 2>&1; echo $? >"sets/$j.rc") &
		jobs_+=($!)
	done
	wait "${jobs_[@]}"
done
elapsed=$(( $(date +%s) - start ))
unavail=0 commitf=0 timeouts=0 other=0
for ((j = 0; j < NSETS; j++)); do
	if grep -q 'Reason: resourceUnavailable' "sets/$j.out"; then
		unavail=$((unavail + 1))
	elif grep -q 'Reason: commitFailed' "sets/$j.out"; then
		commitf=$((commitf + 1))
	elif grep -q '^Timeout' "sets/$j.out"; then
		timeouts=$((timeouts + 1))
	else
		other=$((other + 1))
		echo "# SET $j (exit $(cat "sets/$j.rc")): $(cat "sets/$j.out")"
	fi
done
echo "# $NSETS SETs with faxgwd stopped in ${elapsed}s: $unavail resourceUnavailable," \
	"$commitf commitFailed, $timeouts timeouts, $other other"
[ "$other" -eq 0 ] || fail "$other SETs answered something else than resourceUnavailable or commitFailed"
[ "$timeouts" -le "$MAX_TIMEOUTS" ] || fail "$timeouts of $NSETS SETs timed out (more than $MAX_TIMEOUTS)"
alive "$AGENT_PID" faxgw-agent
alive "$SNMPD_PID" snmpd
connected 2 || fail "faxgwControlConnected is not false(2) with faxgwd stopped"
ok "$NSETS SETs with faxgwd stopped: resourceUnavailable or commitFailed, $timeouts timeouts; agent alive"

if grep -i -n 'duplicate key\|netsnmp_assert\|assert.*fail' agent.log; then
	fail "faxgw-agent logged an assertion (above)"
fi
ok "faxgw-agent logged no assertion or duplicate key"

# --- faxgwd continued --------------------------------------------------------------
kill -CONT "$FAXGWD_PID" || fail "cannot continue faxgwd"
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/sales" ] || fail "a SET made while faxgwd was stopped changed the data"
wait_until 20 connected 1 || fail "agent did not reconnect after SIGCONT: $(tail -5 agent.log)"
expect_rc 0 snmpset "${SNMP[@]}" -t 2 -r 1 "$TARGET" "$METHOD_DATA.1.$SI" s "$WORK/var/fax/other"
[ "$(ctl_data 1 "$SIF")" = "$WORK/var/fax/other" ] || fail "SET after SIGCONT not applied"
# As many rows as faxgwd has ports (the embedded default's count changed
# when it gained sip port 3: count, do not assume).
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" --json ports
nports=$(json "len(j['ports'])")
expect_rc 0 snmpwalk "${SNMP[@]}" -t 2 -r 1 -Oq "$TARGET" "$PORT_NAME"
[ "$(echo "$OUT" | grep -c .)" -eq "$nports" ] || fail "faxPortTable walk after SIGCONT ($nports ports): $OUT"
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" --json methods 1
nmethods=$(json "len(j['methods'])")
expect_rc 0 snmpwalk "${SNMP[@]}" -t 2 -r 1 -Oq "$TARGET" "$METHOD_GUID"
[ "$(echo "$OUT" | grep -c .)" -eq $((nmethods * nports)) ] || fail "faxRoutingMethodTable walk after SIGCONT: $OUT"
alive "$AGENT_PID" faxgw-agent
alive "$FAXGWD_PID" faxgwd
alive "$SNMPD_PID" snmpd
ok "faxgwd continued: the agent reconnects, a SET succeeds, both tables walk completely"

echo "$NCHECK passed, 0 failed"
