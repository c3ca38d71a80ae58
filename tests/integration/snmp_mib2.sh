#!/usr/bin/env bash
# FAXGW-MIB as an NMS sees it (issues 14 and 17), with a real snmpd (AgentX
# master), snmptrapd, faxgw-agent and faxgwd on its embedded default
# configuration (ports 1 t38, 2 audio, 3 sip with 4 channels, sip-user *):
#  - routing data in UTF-8, set with faxgwctl, reads as text (FaxgwUtf8String
#    with its DISPLAY-HINT), not as Hex-STRING; the GUID as FaxGuid text;
#  - a fax sent by faxpeer over SIP: faxJobTable lists it as faxgwctl jobs
#    does, and its call (address, port, rate, ECM, T.30 result, start and
#    end) as faxgwctl job does; the faxgwSip scalars and the faxPort* SIP
#    columns match faxgwctl --json sip / ports, faxJobTableMaxRows bounds
#    the table; the send columns (faxPortFaxesSent/PagesSent/SendFailures,
#    faxJobDestination and the other sent-fax columns) read 0 or empty
#    while nothing was sent (tests/integration/snmp_send.sh sends);
#  - faxgwd stopped and started: faxgwControlLost and faxgwControlRestored
#    reach snmptrapd and faxgwControlConnected follows.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
AGENT=${FAXGW_AGENT:-$B/faxgw-agent}
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'

for t in snmpd snmptrapd snmpget snmpwalk snmptable; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed (tools/install-deps)"
done
for b in "$AGENT" "$B/faxgwd" "$CTL" "$B/faxpeer" "$B/faxtestdoc"; do
	[ -x "$b" ] || skip "$b not built"
done
MIBDIR=$("$TOP/tests/setup-mibs" 2>"$WORK/setup-mibs.err") ||
	skip "no MIB directory: $(cat "$WORK/setup-mibs.err")"
cd "$WORK" || exit 1

read -r SPORT TPORT < <(free_udp_ports 2)
[ -n "$SPORT" ] && [ -n "$TPORT" ] || fail "no free UDP ports"
TARGET=127.0.0.1:$SPORT
AXSOCK=$WORK/snmp/agentx.sock
SOCK=$WORK/var/faxgw.sock
mkdir -p snmp/persist trap/persist
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

# get OBJECT: its value as snmpget -Oqv prints it, quotes removed.
get() { snmpget "${RO[@]}" -Oqv "$TARGET" "$1" 2>/dev/null | sed 's/^"\(.*\)"$/\1/'; }
# wait_value OBJECT WANT SECONDS
wait_value() {
	local i
	for i in $(seq $(($3 * 4))); do
		[ "$(get "$1")" = "$2" ] && return 0
		sleep 0.25
	done
	return 1
}
# wait_trap NAME SECONDS: the number of NAME notifications grows past $2's count.
trap_count() { grep -c "$1" "$WORK/traps.log" 2>/dev/null; }
wait_trap() {
	local i
	for i in $(seq $(($3 * 4))); do
		[ "$(trap_count "$1")" -gt "$2" ] && return 0
		sleep 0.25
	done
	return 1
}
all_alive() {
	alive "$FAXGWD_PID" faxgwd
	alive "$AGENT_PID" faxgw-agent
	alive "$SNMPD_PID" snmpd
}

start_faxgwd                      # the embedded default; takes the ports' lock
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
ok "snmpd, snmptrapd, faxgwd (embedded default) and faxgw-agent running"

# --- text conventions -----------------------------------------------------------
UTF=$WORK/var/fax/Büro-Zürich
mkdir -p "$UTF"
expect_rc 0 "$CTL" -s "$SOCK" set 1 "$SIF" "$UTF"
OUT=$("$CTL" -s "$SOCK" --json methods 1) || fail "faxgwctl methods 1"
SI=$(json "[m['method_index'] for m in j['methods'] if m['guid'] == '$SIF'][0]")
for i in $(seq 40); do
	RAW=$(snmpget "${RO[@]}" "$TARGET" faxRoutingMethodData.1.$SI 2>&1)
	echo "$RAW" | grep -q 'Zürich' && break
	sleep 0.25
done
echo "$RAW" | grep -q "= STRING: \"\?$UTF\"\?\$" || fail "UTF-8 routing data not shown as text: $RAW"
echo "$RAW" | grep -q 'Hex-STRING' && fail "UTF-8 routing data shown as Hex-STRING: $RAW"
RAW=$(snmpget "${RO[@]}" "$TARGET" faxRoutingMethodGuid.1.$SI 2>&1)
echo "$RAW" | grep -q "= STRING: \"\?$SIF\"\?\$" || fail "faxRoutingMethodGuid: $RAW"
ok "UTF-8 routing data set with faxgwctl reads as STRING (not Hex-STRING); GUID as text"

# --- a fax over SIP: the job table, the SIP counters and port columns -----------
"$B/faxtestdoc" make one.tif 1 standard 31 >/dev/null || fail "faxtestdoc make"
expect_rc 0 "$B/faxpeer" send --sip sip:5550100@127.0.0.1:5060 --timeout 120 --t38 accept \
	--ident "+1 555 0100" one.tif
for i in $(seq 60); do
	OUT=$("$CTL" -s "$SOCK" --json jobs) || fail "faxgwctl jobs"
	[ "$(json "len(j['jobs'])")" -ge 1 ] && [ "$(json "j['jobs'][0]['state']")" != pending ] &&
		[ "$(json "j['jobs'][0]['state']")" != routing ] && break
	sleep 0.25
done
JOB=$(json "'%d|%d|%s|%d|%s|%d' % tuple(j['jobs'][0][k] for k in ('id', 'port', 'state', 'pages', 'remote_ident', 'attempts'))")
IFS='|' read -r JID JPORT JSTATE JPAGES JIDENT JATT <<<"$JOB"
[ "$JPORT" = 3 ] || fail "the SIP fax is not a job of port 3: $OUT"
WANT="$JPORT|$JSTATE|$JPAGES pages|$JIDENT|false|$JATT attempts|received"
for i in $(seq 40); do
	GOT="$(get faxJobPort.$JID)|$(get faxJobState.$JID)|$(get faxJobPages.$JID)|$(get faxJobRemoteIdent.$JID)|$(get faxJobPartial.$JID)|$(get faxJobAttempts.$JID)|$(get faxJobDirection.$JID)"
	[ "$GOT" = "$WANT" ] && break
	sleep 0.25
done
[ "$GOT" = "$WANT" ] || fail "faxJobTable row $JID: snmp '$GOT', faxgwctl '$WANT'"
get faxJobReceivedTime.$JID | grep -qE "^$(date -u +%Y)-[0-9]+-[0-9]+,[0-9:.]+,\+0:0\$" ||
	fail "faxJobReceivedTime: $(get faxJobReceivedTime.$JID)"
[ "$(get faxJobTableMaxRows.0)" = "500 rows" ] || fail "faxJobTableMaxRows: $(get faxJobTableMaxRows.0)"
expect_rc 0 snmptable "${RO[@]}" -Cf '|' -CH "$TARGET" faxJobTable
[ "$(echo "$OUT" | grep -c .)" -eq "$("$CTL" -s "$SOCK" jobs | grep -c '^ *[0-9]')" ] ||
	fail "snmptable faxJobTable has other rows than faxgwctl jobs: $OUT"
ok "faxJobTable: the SIP fax's row matches faxgwctl jobs (port, state, pages, ident, attempts, time)"

# The columns about the call against faxgwctl --json job: the caller's
# media address (type, the address octets as FaxgwInetAddress's "1x:"
# hint shows them, port), rate, ECM, T.30 result, start and end.
OUT=$("$CTL" -s "$SOCK" --json job "$JID") || fail "faxgwctl job $JID"
WANT=$(printf '%s' "$OUT" | "$PY" -c '
import datetime, ipaddress, json, sys
j = json.load(sys.stdin)
host, _, port = j["caller"].rpartition(":")
a = ipaddress.ip_address(host.strip("[]"))
def date(t):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return "%d-%d-%d,%d:%d:%d.0,+0:0" % (d.year, d.month, d.day, d.hour, d.minute, d.second)
print("|".join([
    "ipv%d" % a.version, ":".join("%x" % b for b in a.packed), port,
    "%d bit/s" % j["bit_rate"], "true" if j["ecm"] else "false",
    str(j["t30_status"]), j["t30_text"], date(j["start_time"]), date(j["end_time"])]))
') || fail "faxgwctl --json job $JID: no caller, rate, T.30 result or times: $OUT"
# FaxgwInetAddress as hex octets without leading zeros, whatever the padding.
addr() { get "$1" | "$PY" -c 'import sys; print(":".join("%x" % int(x, 16) for x in sys.stdin.read().split(":")))'; }
for i in $(seq 40); do
	GOT="$(get faxJobRemoteAddressType.$JID)|$(addr faxJobRemoteAddress.$JID)|$(get faxJobRemotePort.$JID)|$(get faxJobBitRate.$JID)|$(get faxJobEcm.$JID)|$(get faxJobT30Status.$JID)|$(get faxJobT30Text.$JID)|$(get faxJobStartTime.$JID)|$(get faxJobEndTime.$JID)"
	[ "$GOT" = "$WANT" ] && break
	sleep 0.25
done
[ "$GOT" = "$WANT" ] || fail "faxJobTable row $JID, the call: snmp '$GOT', faxgwctl job '$WANT'"
case $WANT in
ipv4\|7f:0:0:1\|*\|0\ bit/s\|*) fail "faxgwctl job $JID: no bit rate: $WANT" ;;
ipv4\|7f:0:0:1\|[1-9]*) ;;
*) fail "faxgwctl job $JID: not the fax faxpeer sent from 127.0.0.1: $WANT" ;;
esac
ok "faxJobTable: the SIP fax's call matches faxgwctl job (address, port, rate, ECM, T.30, start, end): $GOT"

# The columns of sent faxes, on a received one: empty destination and
# submitter, no document pages, no SIP answer of ours.
WANT='||0 pages|0'
GOT="$(get faxJobDestination.$JID)|$(get faxJobSubmittedBy.$JID)|$(get faxJobDocumentPages.$JID)|$(get faxJobSipStatus.$JID)"
[ "$GOT" = "$WANT" ] || fail "faxJobTable row $JID, the send columns of a received fax: '$GOT', want '$WANT'"
expect_rc 0 snmpwalk "${RO[@]}" -OqU "$TARGET" faxJobDirection
[ "$(echo "$OUT" | grep -c .)" -ge 1 ] && ! echo "$OUT" | grep -qv ' received$' ||
	fail "faxJobDirection: a row that is not received(1) with nothing sent: $OUT"
ok "faxJobTable: a received fax has no destination, submitter, document pages or SIP status; every row received(1)"

# faxgwSip against faxgwctl --json sip, once the agent's periodic read caught up.
OUT=$("$CTL" -s "$SOCK" --json sip) || fail "faxgwctl sip"
[ "$(json "j['sip']['invites']")" -ge 1 ] || fail "faxgwd counted no INVITE: $OUT"
SIPWANT=$(json "'|'.join(str(x) for x in ['true' if j['sip']['running'] else 'false', j['sip']['calls'], j['sip']['invites'], j['sip']['answered']] + [j['sip']['rejected'][k] for k in ('3xx', '4xx', '5xx', '6xx')] + [j['sip'][k] for k in ('t38_reinvites_sent', 't38_reinvites_accepted', 't38_reinvites_refused', 't38_peer_switches', 'refreshes')])")
PORTWANT=$(json "'|'.join('%d:%d:%s' % (p['id'], p['channels'], p['sip_users']) for p in j['ports'])")
sip_got() {
	local o v out=
	for o in Running Calls Invites Answered Rejected3xx Rejected4xx Rejected5xx Rejected6xx \
		T38ReinvitesSent T38ReinvitesAccepted T38ReinvitesRefused T38PeerSwitches Refreshes; do
		v=$(snmpget "${RO[@]}" -OqvU "$TARGET" "faxgwSip$o.0" 2>/dev/null)
		out="$out${out:+|}$v"
	done
	echo "$out"
}
for i in $(seq 40); do
	SIPGOT=$(sip_got)
	[ "$SIPGOT" = "$SIPWANT" ] && break
	sleep 0.25
done
[ "$SIPGOT" = "$SIPWANT" ] || fail "faxgwSip: snmp '$SIPGOT', faxgwctl '$SIPWANT'"
ok "faxgwSip scalars match faxgwctl --json sip ($SIPGOT)"

expect_rc 0 snmpwalk "${RO[@]}" -OqU "$TARGET" faxPortTable
WALK=$OUT
OUT=$("$CTL" -s "$SOCK" --json ports) || fail "faxgwctl ports"
for row in $(json "' '.join('%d|%s|%s' % (p['id'], p['transport'], p['state']) for p in j['ports'])"); do
	IFS='|' read -r id tr st <<<"$row"
	if [ "$tr" = sip ]; then
		sp=$(tr '|' '\n' <<<"$PORTWANT" | grep "^$id:") || fail "port $id missing in faxgwctl sip"
		IFS=: read -r _ ch users <<<"$sp"
		calls=0
	else
		ch=1 users=
		case $st in receiving|sending) calls=1 ;; *) calls=0 ;; esac
	fi
	echo "$WALK" | grep -q "^FAXGW-MIB::faxPortChannels.$id $ch\$" || fail "port $id channels $ch: $WALK"
	echo "$WALK" | grep -q "^FAXGW-MIB::faxPortActiveCalls.$id $calls\$" || fail "port $id calls $calls: $WALK"
	echo "$WALK" | grep -qxF -e "FAXGW-MIB::faxPortSipUsers.$id \"$users\"" \
		-e "FAXGW-MIB::faxPortSipUsers.$id $users" ||
		fail "port $id sip users '$users': $WALK"
done
echo "$WALK" | grep -q '^FAXGW-MIB::faxPortChannels.3 4$' || fail "port 3 has not 4 channels: $WALK"
all_alive
ok "faxPortChannels/ActiveCalls/SipUsers match faxgwctl ports and sip (port 3: 4 channels, '*')"

# The send counters: nothing was sent, so every port's read 0 (as
# faxgwctl --json ports says, where it gives them), and each port has all
# three.
OUT=$("$CTL" -s "$SOCK" --json ports) || fail "faxgwctl ports"
NPORTS=0
for row in $(json "' '.join('%d|%d|%d|%d' % (p['id'], p.get('faxes_sent', 0), p.get('pages_sent', 0), p.get('send_failures', 0)) for p in j['ports'])"); do
	IFS='|' read -r id fs ps sf <<<"$row"
	[ "$fs|$ps|$sf" = "0|0|0" ] || fail "faxgwctl ports: port $id sent something: $OUT"
	for col in FaxesSent:$fs PagesSent:$ps SendFailures:$sf; do
		echo "$WALK" | grep -q "^FAXGW-MIB::faxPort${col%%:*}.$id ${col#*:}\$" ||
			fail "faxPort${col%%:*}.$id is not ${col#*:}: $(echo "$WALK" | grep "faxPort${col%%:*}")"
	done
	NPORTS=$((NPORTS + 1))
done
[ "$NPORTS" -eq 3 ] || fail "not 3 ports in faxgwctl ports: $OUT"
[ "$(echo "$WALK" | grep -c '^FAXGW-MIB::faxPort\(FaxesSent\|PagesSent\|SendFailures\)\.')" -eq 9 ] ||
	fail "faxPortTable walk: not 3 send counters for each of 3 ports: $WALK"
ok "faxPortFaxesSent/PagesSent/SendFailures: 0 on every port with nothing sent"

# --- the connection to faxgwd: faxgwControlLost / faxgwControlRestored ----------
nlost=$(trap_count faxgwControlLost)
nrest=$(trap_count faxgwControlRestored)
[ "$nrest" -eq 0 ] || fail "faxgwControlRestored without a loss: $(cat traps.log)"
stop_faxgwd
wait_value faxgwControlConnected.0 false 5 || fail "faxgwControlConnected still true with faxgwd down"
wait_trap faxgwControlLost "$nlost" 10 || fail "no faxgwControlLost: $(cat traps.log)"
grep 'faxgwControlLost' traps.log | tail -1 | grep -q 'faxgwControlConnected.0 = INTEGER: false' ||
	fail "faxgwControlLost lacks faxgwControlConnected false: $(grep -a Control traps.log)"
[ "$(get faxJobPort.$JID)" = 3 ] || fail "the job row is not served (stale) while faxgwd is down"
start_faxgwd
wait_for_socket "$SOCK"
wait_value faxgwControlConnected.0 true 10 || fail "agent did not reconnect to faxgwd"
wait_trap faxgwControlRestored "$nrest" 10 || fail "no faxgwControlRestored: $(cat traps.log)"
grep 'faxgwControlRestored' traps.log | tail -1 | grep -q 'faxgwControlConnected.0 = INTEGER: true' ||
	fail "faxgwControlRestored lacks faxgwControlConnected true: $(grep -a Control traps.log)"
grep 'faxgwControlRestored' traps.log | tail -1 | grep -q 'faxgwStartTime.0 = STRING: [0-9]' ||
	fail "faxgwControlRestored lacks faxgwStartTime: $(grep -a Control traps.log)"
[ "$(trap_count faxgwControlLost)" -eq $((nlost + 1)) ] || fail "more than one faxgwControlLost"
all_alive
ok "faxgwd stopped and started: faxgwControlLost, faxgwControlRestored, faxgwControlConnected follows"

echo "$NCHECK passed, 0 failed"
