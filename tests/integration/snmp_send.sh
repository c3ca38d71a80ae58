#!/usr/bin/env bash
# Sending faxes as an NMS sees it (FAXGW-MIB revision 202612071800Z), with
# a real snmpd (AgentX master), snmptrapd, faxgw-agent and faxgwd on a
# configuration of its own (one sip port, send-retry = 2 500ms), on free
# loopback ports:
#  - a send that fails for good reaches snmptrapd as exactly one
#    faxSendFailed, with the job (faxJobIndex in the instances of
#    faxJobPort and faxJobDestination), the port, the destination and the
#    reason; a failed attempt that is retried sends none;
#  - the job's row: faxJobDirection sent(2), faxJobState failed(4),
#    faxJobDestination, faxJobAttempts, faxJobSipStatus,
#    faxJobDocumentPages, faxJobSubmittedBy; faxPortSendFailures counts it
#    and faxPortFaxesSent does not;
#  - a fax sent to faxpeer (receive --sip-listen): done(3), SIP 200, its
#    pages and the receiver's ident in its row, faxPortFaxesSent and
#    faxPortPagesSent count it, and no faxSendFailed.
# The failures: a SIP URI on a loopback port where nothing listens, and,
# when SIPp (Debian sip-tester) is installed, a SIPp UAS that answers 404
# (fails at once) and one that answers 486 twice (busy: retried once, then
# failed).  Needs faxgwctl send (skips before it exists).
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
AGENT=${FAXGW_AGENT:-$B/faxgw-agent}

for t in snmpd snmptrapd snmpget snmpwalk; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed (tools/install-deps)"
done
for b in "$AGENT" "$B/faxgwd" "$CTL" "$B/faxtestdoc"; do
	[ -x "$b" ] || skip "$b not built"
done
"$CTL" help send >/dev/null 2>&1 || skip "faxgwctl has no send command"
MIBDIR=$("$TOP/tests/setup-mibs" 2>"$WORK/setup-mibs.err") ||
	skip "no MIB directory: $(cat "$WORK/setup-mibs.err")"
cd "$WORK" || exit 1

read -r SPORT TPORT < <(free_udp_ports 2)
SIPPORT=$(free_udp_tcp_port)
[ -n "$SPORT" ] && [ -n "$TPORT" ] && [ -n "$SIPPORT" ] || fail "no free ports"
TARGET=127.0.0.1:$SPORT
AXSOCK=$WORK/snmp/agentx.sock
SOCK=$WORK/var/faxgw.sock
mkdir -p snmp/persist trap/persist var/spool var/fax var/routing.d
cat > faxgw.conf <<EOF
[gateway]
spool       = $WORK/var/spool
state       = $WORK/var/faxgw.db
control     = $SOCK
extensions  = $B/routing
store-root  = $WORK/var/fax
exec-dir    = $WORK/var/routing.d
admin-group =
query-group =
send-retry  = 2 500ms

[sip]
listen      = udp:127.0.0.1:$SIPPORT, tcp:127.0.0.1:$SIPPORT
allow       = 127.0.0.0/8
media-ports = 31000-31999

[port 1]
name        = sip-out
transport   = sip
sip-user    = *
channels    = 2
t38         = offer
codecs      = pcmu, pcma
EOF
cat > snmp/snmpd.conf <<EOF
agentaddress udp:127.0.0.1:$SPORT
master agentx
agentXSocket $AXSOCK
agentXPerms 0666 0755
agentXTimeout 5
view faxgwAll included .1.3.6.1.4.1.32473.1
rocommunity public 127.0.0.1 -V faxgwAll
trap2sink 127.0.0.1:$TPORT public
EOF
cat > trap/snmptrapd.conf <<EOF
snmpTrapdAddr udp:127.0.0.1:$TPORT
authCommunity log public
doNotRetainNotificationLogs yes
EOF
MIBS=(-M "$MIBDIR" -m FAXGW-MIB)
RO=(-v2c -c public -t 2 -r 1 "${MIBS[@]}")

# get OBJECT: its value as snmpget -OqvU prints it, quotes removed.
get() { snmpget "${RO[@]}" -OqvU "$TARGET" "$1" 2>/dev/null | sed 's/^"\(.*\)"$/\1/'; }
# wait_value OBJECT WANT SECONDS
wait_value() {
	local i
	for i in $(seq $(($3 * 4))); do
		[ "$(get "$1")" = "$2" ] && return 0
		sleep 0.25
	done
	return 1
}
trap_count() { grep -c "$1" "$WORK/traps.log" 2>/dev/null; }
all_alive() {
	alive "$FAXGWD_PID" faxgwd
	alive "$AGENT_PID" faxgw-agent
	alive "$SNMPD_PID" snmpd
}

start_faxgwd -c "$WORK/faxgw.conf"
wait_for_socket "$SOCK"
(SNMP_PERSISTENT_DIR=$WORK/trap/persist exec snmptrapd -f -Lf "$WORK/traps.log" -C \
	-c "$WORK/trap/snmptrapd.conf" "${MIBS[@]}") &
PIDS+=($!)
(SNMP_PERSISTENT_DIR=$WORK/snmp/persist exec snmpd -f -Lf "$WORK/snmpd.log" -C \
	-c "$WORK/snmp/snmpd.conf" -I -smux -M /dev/null -m "") &
SNMPD_PID=$!
PIDS+=("$SNMPD_PID")
wait_for_socket "$AXSOCK"
("$AGENT" -f -d -x "$AXSOCK" -s "$SOCK" >>"$WORK/agent.log" 2>&1) &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
wait_value faxgwControlConnected.0 true 10 || fail "agent not serving: $(tail -5 agent.log)"
[ "$(get faxPortSendFailures.1)" = 0 ] && [ "$(get faxPortFaxesSent.1)" = 0 ] ||
	fail "send counters not 0 before any send: $(get faxPortSendFailures.1) $(get faxPortFaxesSent.1)"
ok "snmpd, snmptrapd, faxgwd (one sip port) and faxgw-agent running; send counters 0"

"$B/faxtestdoc" make doc.tif 1 standard 5 >/dev/null || fail "faxtestdoc make"

# check_send_failed LABEL TO SIP_STATUS ATTEMPTS: sends doc.tif to TO from
# port 1 and checks that the job fails for good after ATTEMPTS calls
# (SIP_STATUS: its faxJobSipStatus; "-": either not checked), that exactly one
# faxSendFailed for it reaches snmptrapd with its job, port, destination
# and reason, and the job's row and the port's counters.
check_send_failed() {
	local label=$1 to=$2 want_sip=$3 want_att=$4
	local ntrap failures sent jid i line got
	ntrap=$(trap_count faxSendFailed)
	failures=$(get faxPortSendFailures.1)
	sent=$(get faxPortFaxesSent.1)
	expect_rc 0 "$CTL" -s "$SOCK" send -p 1 "$to" doc.tif
	jid=$(grep -oE '[0-9]+' <<<"$OUT" | tail -1)
	[ -n "$jid" ] || fail "$label: faxgwctl send printed no job id: $OUT"
	# The row appears with the send's columns while it is tried.
	wait_value faxJobDirection."$jid" sent 10 || fail "$label: job $jid not sent(2): $(get faxJobDirection."$jid")"
	[ "$(get faxJobDestination."$jid")" = "$to" ] ||
		fail "$label: faxJobDestination.$jid '$(get faxJobDestination."$jid")', want '$to'"
	wait_value faxJobState."$jid" failed 120 ||
		fail "$label: job $jid not failed(4): $(get faxJobState."$jid"); $("$CTL" -s "$SOCK" job "$jid" 2>&1)"
	for i in $(seq 40); do
		[ "$(trap_count faxSendFailed)" -gt "$ntrap" ] && break
		sleep 0.25
	done
	sleep 1                               # a second one would come now
	[ "$(trap_count faxSendFailed)" -eq $((ntrap + 1)) ] ||
		fail "$label: $(( $(trap_count faxSendFailed) - ntrap )) faxSendFailed for job $jid, want 1: $(grep -a faxSendFailed traps.log)"
	line=$(grep -a faxSendFailed traps.log | tail -1)
	for want in "faxJobPort.$jid = Gauge32: 1" "faxJobDestination.$jid = STRING: \"\\?$to\"\\?" \
		"faxPortName.1 = STRING: \"\\?sip-out" "faxPortSendFailures.1 = Counter32: $((failures + 1))" \
		"faxgwNotifyJobId.0 = STRING: \"\\?$jid\"\\?" "faxgwNotifyReason.0 = STRING: \"\\?[^\"]"; do
		grep -q "$want" <<<"$line" || fail "$label: faxSendFailed lacks '$want': $line"
	done
	# The row and the counters once the agent re-read them.
	wait_value faxPortSendFailures.1 $((failures + 1)) 10 ||
		fail "$label: faxPortSendFailures.1 $(get faxPortSendFailures.1), want $((failures + 1))"
	[ "$(get faxPortFaxesSent.1)" = "$sent" ] || fail "$label: faxPortFaxesSent.1 moved: $(get faxPortFaxesSent.1)"
	[ "$want_att" = - ] || wait_value faxJobAttempts."$jid" "$want_att" 10 ||
		fail "$label: faxJobAttempts.$jid $(get faxJobAttempts."$jid"), want $want_att"
	[ "$want_sip" = - ] || wait_value faxJobSipStatus."$jid" "$want_sip" 10 ||
		fail "$label: faxJobSipStatus.$jid $(get faxJobSipStatus."$jid"), want $want_sip"
	got="$(get faxJobDocumentPages."$jid")|$(get faxJobPort."$jid")"
	[ "$got" = "1|1" ] || fail "$label: faxJobDocumentPages|faxJobPort of $jid: '$got', want '1|1'"
	[ -n "$(get faxJobSubmittedBy."$jid")" ] || fail "$label: faxJobSubmittedBy.$jid is empty"
	[ -n "$(get faxJobLastError."$jid")" ] || fail "$label: faxJobLastError.$jid is empty"
	all_alive
	ok "$label: job $jid failed after $(get faxJobAttempts."$jid") call(s): one faxSendFailed (job, port, destination, reason), row and counters"
}

# check_send_done: a fax sent to faxpeer (answering over SIP) is done(3)
# with every column of a sent fax, counted by faxPortFaxesSent and
# faxPortPagesSent, and notified by nothing.
check_send_done() {
	local ntrap failures sent pages fport jid got
	[ -x "$B/faxpeer" ] || { echo "# faxpeer not built: no successful send tried"; return 0; }
	ntrap=$(trap_count faxSendFailed)
	failures=$(get faxPortSendFailures.1)
	sent=$(get faxPortFaxesSent.1)
	pages=$(get faxPortPagesSent.1)
	fport=$(free_udp_tcp_port)
	("$B/faxpeer" receive --sip-listen "127.0.0.1:$fport" --timeout 120 --ident "+1 555 0199" \
		"$WORK/got.tif" >"$WORK/faxpeer.log" 2>&1) &
	local peer=$!
	PIDS+=("$peer")
	sleep 0.5
	expect_rc 0 "$CTL" -s "$SOCK" send -p 1 "sip:5550199@127.0.0.1:$fport" doc.tif
	jid=$(grep -oE '[0-9]+' <<<"$OUT" | tail -1)
	[ -n "$jid" ] || fail "faxgwctl send printed no job id: $OUT"
	wait_value faxJobState."$jid" done 120 ||
		fail "job $jid not done(3): $(get faxJobState."$jid"); $("$CTL" -s "$SOCK" job "$jid" 2>&1)"
	wait "$peer" || fail "faxpeer receive failed: $(cat "$WORK/faxpeer.log")"
	wait_value faxPortFaxesSent.1 $((sent + 1)) 10 ||
		fail "faxPortFaxesSent.1 $(get faxPortFaxesSent.1), want $((sent + 1))"
	wait_value faxPortPagesSent.1 $((pages + 1)) 10 ||
		fail "faxPortPagesSent.1 $(get faxPortPagesSent.1), want $((pages + 1))"
	[ "$(get faxPortSendFailures.1)" = "$failures" ] || fail "faxPortSendFailures.1 moved"
	wait_value faxJobSipStatus."$jid" 200 10 || fail "faxJobSipStatus.$jid $(get faxJobSipStatus."$jid")"
	got="$(get faxJobDirection."$jid")|$(get faxJobDestination."$jid")|$(get faxJobPages."$jid")|$(get faxJobDocumentPages."$jid")|$(get faxJobRemoteIdent."$jid")|$(get faxJobRemoteAddressType."$jid")"
	[ "$got" = "sent|sip:5550199@127.0.0.1:$fport|1|1|+1 555 0199|ipv4" ] ||
		fail "job $jid: '$got'"
	sleep 1
	[ "$(trap_count faxSendFailed)" -eq "$ntrap" ] || fail "faxSendFailed for a fax that was sent"
	all_alive
	ok "a fax sent to faxpeer: job $jid done(3), sent(2), SIP 200, 1 of 1 page, the receiver's ident; faxPortFaxesSent and PagesSent count it, no faxSendFailed"
}
check_send_done

# Nothing listens on this port: the call cannot be placed (whether
# faxgwd retries that depends on what the SIP stack makes of it: the
# attempts are not checked; the 486 case below checks a retry).
DEAD=$(free_udp_tcp_port)
check_send_failed "nothing listening" "sip:x@127.0.0.1:$DEAD" - -

# sipp_uas CODE CALLS: a SIPp UAS on a free port answering CALLS INVITEs
# with CODE; sets SIPP_PORT, SIPP_PID.
sipp_uas() {
	cat > "uas_$1.xml" <<EOF
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="snmp_send uas $1">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[

      SIP/2.0 $1 Refused by test
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK" optional="false"/>
</scenario>
EOF
	SIPP_PORT=$(free_udp_tcp_port)
	(cd "$WORK" && exec timeout 120 sipp -sf "uas_$1.xml" -i 127.0.0.1 -p "$SIPP_PORT" -m "$2" \
		>"$WORK/sipp_$1.log" 2>&1) &
	SIPP_PID=$!
	PIDS+=("$SIPP_PID")
	sleep 0.5
}

if command -v sipp >/dev/null 2>&1; then
	sipp_uas 404 1
	check_send_failed "SIPp answers 404" "sip:5550404@127.0.0.1:$SIPP_PORT" 404 1
	sipp_uas 486 2
	check_send_failed "SIPp answers 486 twice (retried once)" \
		"sip:5550486@127.0.0.1:$SIPP_PORT" 486 2
else
	echo "# sipp not installed: the 404 and 486 answers not tried"
fi

echo "$NCHECK passed, 0 failed"
