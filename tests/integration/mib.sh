#!/usr/bin/env bash
# mib.sh: FAXGW-MIB (mibs/FAXGW-MIB.txt) is clean SMIv2 (RFC 2578-2580)
# under smilint -l 6, loads in Net-SNMP, and defines every object of
# faxgw-agent(8) and the MIB module under its exact name, OID, access and syntax; and
# docs/snmpd.conf.example is accepted by a private snmpd whose VACM lets
# the SNMPv3 user write only faxRoutingMethodEnabled/faxRoutingMethodData
# and the v2c community write nothing.
# Exit: 0 pass, 1 fail, 77 skip (tools missing).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

MIB=mibs/FAXGW-MIB.txt
ROOT=.1.3.6.1.4.1.32473.1
passed=0 failed=0

ok()  { passed=$((passed + 1)); echo "ok   - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}

for tool in smilint snmptranslate; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (tools/install-deps installs smitools and snmp)"
		exit 77
	fi
done

tmp=$(mktemp -d /tmp/faxgw-mib.XXXXXX)
snmpd_pid=
cleanup() {
	[ -n "${trap_pid:-}" ] && kill "$trap_pid" 2>/dev/null
	if [ -n "$snmpd_pid" ]; then
		kill "$snmpd_pid" 2>/dev/null
		wait "$snmpd_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. the base MIBs ----------------------------------------------------
echo "# tests/setup-mibs: IETF base MIBs + FAXGW-MIB in build/mibs"
if ! mibdir=$(tests/setup-mibs); then
	bad "tests/setup-mibs failed (see its message above)"
	finish
fi
ok "setup-mibs: $mibdir"
for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF FAXGW-MIB; do
	if [ -s "$mibdir/$m.txt" ]; then ok "$m present"; else bad "$mibdir/$m.txt missing"; fi
done
cmp -s "$MIB" "$mibdir/FAXGW-MIB.txt" && ok "build/mibs holds the current FAXGW-MIB" ||
	bad "build/mibs/FAXGW-MIB.txt differs from $MIB"

# --- 2. smilint: no output at all ----------------------------------------
echo "# smilint -s -m -l 6 (SMIPATH=$mibdir): must print nothing"
lint=$(SMIPATH="$mibdir" smilint -c /dev/null -s -m -l 6 "$MIB" 2>&1)
if [ -z "$lint" ]; then
	ok "smilint -l 6: no errors, no warnings"
else
	bad "smilint -l 6 reported:"
	printf '%s\n' "$lint" | sed 's/^/    /'
fi
# The same with the system's libsmi configuration (the way users run it).
lint=$(SMIPATH="$mibdir" smilint -s -m -l 6 "$MIB" 2>&1)
[ -z "$lint" ] && ok "smilint -l 6 with the default smi.conf: clean" ||
	bad "smilint (default config): $lint"

# The enterprise number is assigned in exactly one place.
n=$(grep -v '^[[:space:]]*--' "$MIB" | grep -cE '::=[[:space:]]*\{[^}]*[[:space:]]32473[[:space:]}]')
[ "$n" -eq 1 ] && ok "enterprise number 32473 assigned in one place" ||
	bad "enterprise number 32473 assigned in $n places (want 1)"

# --- 3. Net-SNMP loads it -------------------------------------------------
echo "# snmptranslate -M $mibdir -m FAXGW-MIB"
NS=(-M "$mibdir" -m FAXGW-MIB)
snmptranslate "${NS[@]}" -Tp > "$tmp/tree" 2> "$tmp/tree.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/tree.err" ] && grep -q 'faxgwMIB(1)' "$tmp/tree"; then
	ok "snmptranslate -Tp loads FAXGW-MIB without a message"
else
	bad "snmptranslate -Tp: rc=$rc"
	sed 's/^/    /' "$tmp/tree.err"
fi

# name, OID below $ROOT, access (ro rw na an -: not an object), syntax text
# that snmptranslate -Td must show ("-": not checked).
while read -r name sub access syntax; do
	case $name in ''|'#'*) continue ;; esac
	[ "$sub" = - ] && sub=
	want=$ROOT${sub:+.$sub}
	got=$(snmptranslate "${NS[@]}" -On "FAXGW-MIB::$name" 2>&1)
	if [ "$got" != "$want" ]; then
		bad "$name: got '$got', want $want"
		continue
	fi
	def=$(snmptranslate "${NS[@]}" -Td "FAXGW-MIB::$name" 2>&1)
	case $access in
	ro) acc=read-only ;; rw) acc=read-write ;; na) acc=not-accessible ;;
	an) acc=accessible-for-notify ;; *) acc= ;;
	esac
	if [ -n "$acc" ] && ! grep -q "MAX-ACCESS[[:space:]]*$acc\$" <<<"$def"; then
		bad "$name ($want): MAX-ACCESS is not $acc"
		continue
	fi
	if [ "$syntax" != "-" ] && ! grep -qF "$syntax" <<<"$def"; then
		bad "$name ($want): definition lacks '$syntax'"
		continue
	fi
	ok "$name = $want${acc:+ $acc}"
done <<'EOF'
faxgwMIB                        -          -  MODULE-IDENTITY
faxgwNotifications              0          -  -
faxgwObjects                    1          -  -
faxgwConformance                2          -  -
faxgwGateway                    1.1        -  -
faxgwVersion                    1.1.1      ro OCTET STRING (0..64)
faxgwPortCount                  1.1.2      ro Gauge32
faxgwActiveCalls                1.1.3      ro Gauge32
faxgwSpoolPending               1.1.4      ro Gauge32
faxgwDeadLetters                1.1.5      ro Gauge32
faxgwExtensionLoadFailures      1.1.6      ro Gauge32
faxgwControlConnected           1.1.7      ro TruthValue
faxgwStartTime                  1.1.8      ro DateAndTime
faxgwSpoolUnrouted              1.1.9      ro Gauge32
faxJobTableMaxRows              1.1.10     ro Unsigned32 (1..1000)
faxPortTable                    1.2        na -
faxPortEntry                    1.2.1      na INDEX		{ faxPortIndex }
faxPortIndex                    1.2.1.1    na Unsigned32 (1..2147483647)
faxPortName                     1.2.1.2    ro FaxgwUtf8String
faxPortTransport                1.2.1.3    ro INTEGER {t38(1), audio(2), sip(3)}
faxPortLocalAddress             1.2.1.4    ro DisplayString
faxPortState                    1.2.1.5    ro INTEGER {idle(1), receiving(2), sending(3), disabled(4), failed(5)}
faxPortFaxesReceived            1.2.1.6    ro Counter32
faxPortPagesReceived            1.2.1.7    ro Counter32
faxPortFaxesFailed              1.2.1.8    ro Counter32
faxPortRoutingFailures          1.2.1.9    ro Counter32
faxPortLastRemoteIdent          1.2.1.10   ro OCTET STRING (0..20)
faxPortLocalIdent               1.2.1.11   ro OCTET STRING (0..20)
faxPortModifyHeld               1.2.1.12   ro TruthValue
faxPortChannels                 1.2.1.13   ro Gauge32
faxPortActiveCalls              1.2.1.14   ro Gauge32
faxPortSipUsers                 1.2.1.15   ro FaxgwUtf8String
faxPortFaxesSent                1.2.1.16   ro Counter32
faxPortPagesSent                1.2.1.17   ro Counter32
faxPortSendFailures             1.2.1.18   ro Counter32
faxRoutingMethodTable           1.3        na -
faxRoutingMethodEntry           1.3.1      na INDEX		{ faxPortIndex, faxRoutingMethodIndex }
faxRoutingMethodIndex           1.3.1.1    na Unsigned32 (1..65535)
faxRoutingMethodGuid            1.3.1.2    ro FaxGuid
faxRoutingMethodFunctionName    1.3.1.3    ro DisplayString
faxRoutingMethodFriendlyName    1.3.1.4    ro FaxgwUtf8String
faxRoutingMethodExtensionImage  1.3.1.5    ro DisplayString
faxRoutingMethodExtensionName   1.3.1.6    ro FaxgwUtf8String
faxRoutingMethodEnabled         1.3.1.7    rw TruthValue
faxRoutingMethodData            1.3.1.8    rw FaxgwUtf8String
faxRoutingMethodPriority        1.3.1.9    ro Unsigned32
faxRoutingMethodRouted          1.3.1.10   ro Counter32
faxRoutingMethodFailures        1.3.1.11   ro Counter32
faxRoutingMethodLastError       1.3.1.12   ro DisplayString
faxgwNotifyObjects              1.4        -  -
faxgwNotifyJobId                1.4.1      an DisplayString
faxgwNotifyReason               1.4.2      an DisplayString
faxgwExtensionTable             1.5        na -
faxgwExtensionEntry             1.5.1      na INDEX		{ faxgwExtensionIndex }
faxgwExtensionIndex             1.5.1.1    na Unsigned32
faxgwExtensionImage             1.5.1.2    ro DisplayString
faxgwExtensionName              1.5.1.3    ro FaxgwUtf8String
faxgwExtensionStatus            1.5.1.4    ro INTEGER {loaded(1), failed(2)}
faxgwExtensionLoadError         1.5.1.5    ro DisplayString
faxgwExtensionMethodCount       1.5.1.6    ro Gauge32
faxJobTable                     1.6        na -
faxJobEntry                     1.6.1      na INDEX		{ faxJobIndex }
faxJobIndex                     1.6.1.1    na Unsigned32
faxJobDirection                 1.6.1.2    ro INTEGER {received(1), sent(2)}
faxJobPort                      1.6.1.3    ro Unsigned32
faxJobState                     1.6.1.4    ro INTEGER {pending(1), routing(2), done(3), failed(4), unrouted(5), queued(6), dialing(7), sending(8), cancelled(9)}
faxJobRemoteIdent               1.6.1.5    ro FaxgwUtf8String
faxJobPages                     1.6.1.6    ro Gauge32
faxJobPartial                   1.6.1.7    ro TruthValue
faxJobReceivedTime              1.6.1.8    ro DateAndTime
faxJobAttempts                  1.6.1.9    ro Gauge32
faxJobLastError                 1.6.1.10   ro DisplayString
faxJobDegradedPages             1.6.1.11   ro Gauge32
faxJobRemoteAddressType         1.6.1.12   ro INTEGER {unknown(0), ipv4(1), ipv6(2)}
faxJobRemoteAddress             1.6.1.13   ro OCTET STRING (0 | 4 | 16)
faxJobRemotePort                1.6.1.14   ro Unsigned32 (0..65535)
faxJobBitRate                   1.6.1.15   ro Unsigned32
faxJobEcm                       1.6.1.16   ro TruthValue
faxJobT30Status                 1.6.1.17   ro Integer32
faxJobT30Text                   1.6.1.18   ro FaxgwUtf8String
faxJobStartTime                 1.6.1.19   ro DateAndTime
faxJobEndTime                   1.6.1.20   ro DateAndTime
faxJobDestination               1.6.1.21   ro OCTET STRING (0..255)
faxJobDocumentPages             1.6.1.22   ro Gauge32
faxJobSipStatus                 1.6.1.23   ro Unsigned32 (0..699)
faxJobSubmittedBy               1.6.1.24   ro OCTET STRING (0..255)
faxgwSip                        1.7        -  -
faxgwSipRunning                 1.7.1      ro TruthValue
faxgwSipCalls                   1.7.2      ro Gauge32
faxgwSipInvites                 1.7.3      ro Counter32
faxgwSipAnswered                1.7.4      ro Counter32
faxgwSipRejected3xx             1.7.5      ro Counter32
faxgwSipRejected4xx             1.7.6      ro Counter32
faxgwSipRejected5xx             1.7.7      ro Counter32
faxgwSipRejected6xx             1.7.8      ro Counter32
faxgwSipT38ReinvitesSent        1.7.9      ro Counter32
faxgwSipT38ReinvitesAccepted    1.7.10     ro Counter32
faxgwSipT38ReinvitesRefused     1.7.11     ro Counter32
faxgwSipT38PeerSwitches         1.7.12     ro Counter32
faxgwSipRefreshes               1.7.13     ro Counter32
faxRoutingFailed                0.1        -  NOTIFICATION-TYPE
faxRoutingDeadLettered          0.2        -  NOTIFICATION-TYPE
faxReceiveFailed                0.3        -  NOTIFICATION-TYPE
faxRoutingChanged               0.4        -  NOTIFICATION-TYPE
faxExtensionLoadFailed          0.5        -  NOTIFICATION-TYPE
faxPortStateChanged             0.6        -  NOTIFICATION-TYPE
faxgwControlLost                0.7        -  NOTIFICATION-TYPE
faxgwControlRestored            0.8        -  NOTIFICATION-TYPE
faxSendFailed                   0.9        -  NOTIFICATION-TYPE
faxgwCompliances                2.1        -  -
faxgwCompliance                 2.1.1      -  MODULE-COMPLIANCE
faxgwGroups                     2.2        -  -
faxgwGatewayGroup               2.2.1      -  OBJECT-GROUP
faxgwPortGroup                  2.2.2      -  OBJECT-GROUP
faxgwRoutingGroup               2.2.3      -  OBJECT-GROUP
faxgwNotifyObjectsGroup         2.2.4      -  OBJECT-GROUP
faxgwNotificationGroup          2.2.5      -  -
faxgwExtensionGroup             2.2.6      -  OBJECT-GROUP
faxgwPortNotificationGroup      2.2.7      -  -
faxgwComplianceV2               2.1.2      -  MODULE-COMPLIANCE
faxgwPortChannelGroup           2.2.8      -  OBJECT-GROUP
faxgwJobGroup                   2.2.9      -  OBJECT-GROUP
faxgwSipGroup                   2.2.10     -  OBJECT-GROUP
faxgwControlNotificationGroup   2.2.11     -  -
faxgwComplianceV3               2.1.3      -  MODULE-COMPLIANCE
faxgwSendGroup                  2.2.12     -  OBJECT-GROUP
faxgwSendNotificationGroup      2.2.13     -  -
EOF

# The notifications carry what a NOC needs to act.
while read -r notif objs; do
	[ -n "$notif" ] || continue
	def=$(snmptranslate "${NS[@]}" -Td "FAXGW-MIB::$notif" 2>&1)
	miss=
	for o in $objs; do
		grep -qE "OBJECTS.*[{ ,]${o}[ ,}]" <<<"$def" || miss="$miss $o"
	done
	[ -z "$miss" ] && ok "$notif OBJECTS include:$(printf ' %s' $objs)" ||
		bad "$notif OBJECTS lack:$miss"
done <<'EOF'
faxRoutingFailed        faxPortName faxRoutingMethodGuid faxRoutingMethodFriendlyName faxRoutingMethodLastError faxgwNotifyJobId faxgwNotifyReason
faxRoutingDeadLettered  faxPortName faxRoutingMethodGuid faxgwNotifyJobId faxgwNotifyReason
faxReceiveFailed        faxPortName faxgwNotifyReason
faxRoutingChanged       faxPortName faxRoutingMethodGuid faxRoutingMethodEnabled faxgwNotifyReason
faxExtensionLoadFailed  faxgwExtensionImage faxgwExtensionLoadError
faxPortStateChanged     faxPortName faxPortState
faxgwControlLost        faxgwControlConnected
faxgwControlRestored    faxgwControlConnected faxgwStartTime
faxSendFailed           faxJobPort faxJobDestination faxPortName faxPortSendFailures faxgwNotifyJobId faxgwNotifyReason
EOF

# Sending (revision 202612071800Z): the groups and the compliance that
# require them.  snmptranslate does not print the members of a group or
# the clauses of a MODULE-COMPLIANCE: read them from the text.
# mib_clause NAME KIND END CLAUSE: the CLAUSE { ... } of NAME's definition.
mib_clause() {
	sed -n "/^$1 $2/,/::= { $3 }/p" "$MIB" | sed -n "/$4/,/}/p"
}
# mib_members WHAT TEXT NAMES...: each name appears in TEXT as a member.
mib_members() {
	local what=$1 text=$2 miss= m
	shift 2
	for m in "$@"; do
		grep -qE "(^|[{ ,])$m([ ,}]|\$)" <<<"$text" || miss="$miss $m"
	done
	[ -z "$miss" ] && ok "$what: $*" || bad "$what lacks:$miss"
}
mib_members "faxgwSendGroup OBJECTS" \
	"$(mib_clause faxgwSendGroup OBJECT-GROUP 'faxgwGroups 12' OBJECTS)" \
	faxPortFaxesSent faxPortPagesSent faxPortSendFailures faxJobDestination \
	faxJobDocumentPages faxJobSipStatus faxJobSubmittedBy
mib_members "faxgwSendNotificationGroup NOTIFICATIONS" \
	"$(mib_clause faxgwSendNotificationGroup NOTIFICATION-GROUP 'faxgwGroups 13' NOTIFICATIONS)" \
	faxSendFailed
mib_members "faxgwComplianceV3 MANDATORY-GROUPS" \
	"$(mib_clause faxgwComplianceV3 MODULE-COMPLIANCE 'faxgwCompliances 3' MANDATORY-GROUPS)" \
	faxgwGatewayGroup faxgwPortGroup faxgwRoutingGroup faxgwNotifyObjectsGroup \
	faxgwNotificationGroup faxgwExtensionGroup faxgwPortChannelGroup faxgwJobGroup \
	faxgwControlNotificationGroup faxgwSendGroup faxgwSendNotificationGroup
last=$(sed -n 's/^[[:space:]]*LAST-UPDATED[[:space:]]*"\([0-9Z]*\)".*/\1/p' "$MIB")
first=$(sed -n 's/^[[:space:]]*REVISION[[:space:]]*"\([0-9Z]*\)".*/\1/p' "$MIB" | head -1)
[ "$last" = 202612071800Z ] && [ "$first" = "$last" ] &&
	ok "LAST-UPDATED and the newest REVISION are 202612071800Z" ||
	bad "LAST-UPDATED '$last', newest REVISION '$first' (want 202612071800Z both)"

# faxJobState and faxJobDirection carry the numbers of admin.h's
# fgw_job_state and fgw_job_direction (the agent passes them through).
ADMIN=gateway/include/faxgw/admin.h
want=$(sed -n 's/^[[:space:]]*FGW_JOB_\([A-Z]*\) = \([0-9]*\),.*/\L\1\E(\2)/p' "$ADMIN" | paste -sd' ')
got=$(snmptranslate "${NS[@]}" -Td FAXGW-MIB::faxJobState 2>&1 |
	sed -n 's/.*SYNTAX[[:space:]]*INTEGER {\(.*\)}.*/\1/p' | tr -d ' ' | tr ',' ' ')
[ -n "$want" ] && [ "$got" = "$want" ] && ok "faxJobState = fgw_job_state: $got" ||
	bad "faxJobState '$got', fgw_job_state '$want'"
want=$(sed -n 's/^[[:space:]]*FGW_DIR_[A-Z]* = \([0-9]*\),.*/\1/p' "$ADMIN" | paste -sd' ')
got=$(snmptranslate "${NS[@]}" -Td FAXGW-MIB::faxJobDirection 2>&1 |
	sed -n 's/.*SYNTAX[[:space:]]*INTEGER {\(.*\)}.*/\1/p' | grep -oE '\([0-9]+\)' | tr -d '()' | paste -sd' ')
[ "$want" = "1 2" ] && [ "$got" = "$want" ] && ok "faxJobDirection numbers = fgw_job_direction: $got" ||
	bad "faxJobDirection numbers '$got', fgw_job_direction '$want'"

# --- 4. docs/snmpd.conf.example in a private snmpd ------------------------
echo "# docs/snmpd.conf.example in a private snmpd on 127.0.0.1"
for tool in snmpd snmpset snmpget; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "# $tool not installed: snmpd.conf.example not checked"
		finish
	fi
done

free_udp_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
port=$(free_udp_port)
# A notification receiver on loopback for the coldStart that snmpd sends
# at start to every destination.  snmptrapd (when installed) configured
# as the example tells an NMS to be: it must decode the SNMPv2c trap and
# authenticate and decrypt the SNMPv3 one.  Without it, a small UDP
# listener checks that one SNMPv2c and one SNMPv3 message arrive.
trapsess=$(grep '^trapsess' docs/snmpd.conf.example)
topt() {  # option letter: its value on the trapsess line (quotes removed)
	sed -n "s/.* -$1 \("'"'"\([^"'"'"]*\)"'"'"\|\([^ ]*\)\).*/\2\3/p" <<<"$trapsess"
}
trap_community=$(awk '$1 == "trap2sink" { print $3; exit }' docs/snmpd.conf.example)
trap_pid=
if command -v snmptrapd >/dev/null 2>&1; then
	receiver=snmptrapd
	tport=$(free_udp_port)
	mkdir -p "$tmp/trapd"
	cat > "$tmp/snmptrapd.conf" <<TEOF
createUser -e $(topt e) $(topt u) $(topt a) "$(topt A)" $(topt x) "$(topt X)"
authUser log $(topt u) priv
authCommunity log $trap_community
TEOF
	SNMP_PERSISTENT_DIR=$tmp/trapd snmptrapd -f -Lf "$tmp/trapd.log" -F '%P %v\n' -On \
		-C -c "$tmp/snmptrapd.conf" -M /dev/null -m "" "udp:127.0.0.1:$tport" &
	trap_pid=$!
	for _ in $(seq 1 50); do
		grep -q '^NET-SNMP version' "$tmp/trapd.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^NET-SNMP version' "$tmp/trapd.log" 2>/dev/null || {
		bad "snmptrapd did not start:"; sed 's/^/    /' "$tmp/trapd.log"; finish; }
else
	receiver=listener
	/usr/bin/python3 - "$tmp/traps" <<'PYEOF' &
import socket, sys, time
out = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(out + ".port", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
end = time.time() + 15
seen = []
while len(seen) < 2 and time.time() < end:
    s.settimeout(max(0.1, end - time.time()))
    try:
        d = s.recv(65535)
    except socket.timeout:
        break
    # Message ::= SEQUENCE { version INTEGER, ... } (RFC 3416, RFC 3412)
    i = 2 + ((d[1] & 0x7f) if d[1] & 0x80 else 0) if len(d) > 2 else len(d)
    ok = len(d) >= i + 3 and d[0] == 0x30 and d[i] == 0x02 and d[i + 1] == 1
    seen.append("version=%d" % d[i + 2] if ok else "garbage")
    with open(out, "w") as f:
        f.write("\n".join(seen) + "\n")
PYEOF
	trap_pid=$!
	for _ in $(seq 1 50); do [ -s "$tmp/traps.port" ] && break; sleep 0.1; done
	tport=$(cat "$tmp/traps.port" 2>/dev/null)
	if [ -z "$tport" ]; then
		bad "notification receiver did not start"
		finish
	fi
fi

# The group of the AgentX socket: faxgw where it exists, else one that
# exists everywhere (Net-SNMP refuses gid 0 as "Can't identify group").
group=faxgw
if ! getent group faxgw >/dev/null 2>&1; then
	group=nogroup
	echo "# group faxgw does not exist here: agentXPerms uses $group"
fi
# The socket's owner: Debian-snmp (Debian's snmpd user) where it exists.
owner=Debian-snmp
if ! getent passwd Debian-snmp >/dev/null 2>&1; then
	owner=nobody
	echo "# user Debian-snmp does not exist here: agentXPerms uses $owner"
fi
chmod 0711 "$tmp"   # lets a non-root process reach the AgentX socket
mkdir -p "$tmp/persist"
sed -e "s|^agentaddress .*|agentaddress udp:127.0.0.1:$port|" \
    -e "s|^agentXSocket .*|agentXSocket $tmp/agentx/master|" \
    -e "s|^\(agentXPerms [0-7]* [0-7]*\) Debian-snmp faxgw\$|\1 $owner $group|" \
    -e "s|127\.0\.0\.1:162|127.0.0.1:$tport|" \
    docs/snmpd.conf.example > "$tmp/snmpd.conf"
if grep -qE ':162([^0-9]|$)' "$tmp/snmpd.conf" || ! grep -q "udp:127.0.0.1:$port" "$tmp/snmpd.conf"; then
	bad "could not rewrite the addresses of snmpd.conf.example for the test"
	finish
fi

SNMP_PERSISTENT_DIR=$tmp/persist snmpd -f -Lf "$tmp/snmpd.log" -C -c "$tmp/snmpd.conf" \
	-I -smux -M /dev/null -m "" &
snmpd_pid=$!
started=
for _ in $(seq 1 50); do
	if grep -q '^NET-SNMP version' "$tmp/snmpd.log" 2>/dev/null; then started=1; break; fi
	kill -0 "$snmpd_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -n "$started" ]; then
	ok "snmpd started with snmpd.conf.example"
else
	bad "snmpd did not start with snmpd.conf.example; its log:"
	sed 's/^/    /' "$tmp/snmpd.log" 2>/dev/null
	finish
fi

# Every line snmpd logs at start-up must be one of these harmless ones.
unexpected=$(grep -vE '^(Created directory: |Turning on AgentX master support\.|NET-SNMP version |Connection from |$)' "$tmp/snmpd.log")
if [ -z "$unexpected" ]; then
	ok "snmpd logged no configuration error or warning"
else
	bad "snmpd logged:"
	printf '%s\n' "$unexpected" | sed 's/^/    /'
fi

perm=$(stat -c '%a %G' "$tmp/agentx/master" 2>/dev/null)
[ "$perm" = "660 $group" ] && ok "AgentX socket mode 0660, group $group" ||
	bad "AgentX socket: '$perm', want '660 $group'"
perm=$(stat -c '%a' "$tmp/agentx" 2>/dev/null)
[ "$perm" = "711" ] && ok "AgentX directory mode 0711" || bad "AgentX directory mode '$perm', want 711"
# A process of the socket's group (faxgw-agent) can connect; one of
# another group cannot.
agentx_connect() {  # group: prints connected / refused
	setpriv --reuid=nobody --regid="$1" --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    print("connected")
except OSError as e:
    print("refused:", e.strerror)' "$tmp/agentx/master" 2>&1
}
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	other=daemon
	[ "$group" = daemon ] && other=nogroup
	r=$(agentx_connect "$group")
	[ "$r" = connected ] && ok "AgentX socket: a process of group $group connects" ||
		bad "AgentX socket: a process of group $group: $r"
	r=$(agentx_connect "$other")
	case $r in refused*) ok "AgentX socket: a process of group $other is refused" ;;
	*) bad "AgentX socket: a process of group $other: $r" ;; esac
else
	echo "# not root or no setpriv: AgentX socket access not tried"
fi

# Credentials from the example itself.
read -r user auth_proto auth_pass priv_proto priv_pass < <(
	sed -n 's/^createUser[[:space:]]\+\([^ ]*\)[[:space:]]\+\([^ ]*\)[[:space:]]\+"\([^"]*\)"[[:space:]]\+\([^ ]*\)[[:space:]]\+"\([^"]*\)".*/\1 \2 \3 \4 \5/p' \
		docs/snmpd.conf.example)
community=$(awk '$1 == "rocommunity" { print $2; exit }' docs/snmpd.conf.example)
[ "$auth_proto" = SHA-256 ] || [ "$auth_proto" = SHA-512 ] && ok "v3 user $user: $auth_proto auth, $priv_proto priv" ||
	bad "v3 user '$user': auth '$auth_proto' (want SHA-256 or SHA-512)"
[ "$priv_proto" = AES ] || bad "v3 user '$user': priv '$priv_proto' (want AES)"

V3=(-v3 -u "$user" -l authPriv -a "$auth_proto" -A "$auth_pass" -x "$priv_proto" -X "$priv_pass" -t 2 -r 1)
V2=(-v2c -c "$community" -t 2 -r 1)
agent=udp:127.0.0.1:$port

# Over snmpset's error: VACM refusal is noAccess; an OID in the write view
# with no subagent behind it is notWritable/noCreation (faxgw-agent is not
# running here).
set_reason() {  # snmpset args...
	snmpset "$@" 2>&1 | sed -n 's/^Reason: \([a-zA-Z]*\).*/\1/p'
}
expect_set() {  # label, want (allowed|noAccess), snmpset args...
	local label=$1 want=$2 r
	shift 2
	r=$(set_reason "$@")
	case $want:$r in
	allowed:notWritable|allowed:noCreation) ok "$label: past VACM ($r: no subagent here)" ;;
	noAccess:noAccess) ok "$label: refused by VACM (noAccess)" ;;
	*) bad "$label: got '${r:-no error/timeout}', want $want" ;;
	esac
}
E=$ROOT.1.3.1.7.1.1 D=$ROOT.1.3.1.8.1.1 P=$ROOT.1.3.1.9.1.1
expect_set "v3 SET faxRoutingMethodEnabled" allowed "${V3[@]}" "$agent" "$E" i 1
expect_set "v3 SET faxRoutingMethodData" allowed "${V3[@]}" "$agent" "$D" s /srv/fax/in
expect_set "v3 SET faxRoutingMethodPriority (read-only column)" noAccess "${V3[@]}" "$agent" "$P" u 1
expect_set "v3 SET faxPortName" noAccess "${V3[@]}" "$agent" "$ROOT.1.2.1.2.1" s x
expect_set "v3 SET sysName (outside faxgw)" noAccess "${V3[@]}" "$agent" .1.3.6.1.2.1.1.5.0 s x
expect_set "v2c SET faxRoutingMethodEnabled" noAccess "${V2[@]}" "$agent" "$E" i 1
expect_set "v2c SET faxRoutingMethodData" noAccess "${V2[@]}" "$agent" "$D" s x

# Reads answer inside the faxgw subtree (noSuchObject: no subagent here).
for who in V2 V3; do
	declare -n args=$who
	if snmpget "${args[@]}" "$agent" "$ROOT.1.1.1.0" 2>&1 | grep -q 'No Such Object'; then
		ok "$who GET faxgwVersion.0 answered (noSuchObject without faxgw-agent)"
	else
		bad "$who GET faxgwVersion.0 not answered"
	fi
	unset -n args
done
# The v3 user without privacy is not served.
if snmpget -v3 -u "$user" -l authNoPriv -a "$auth_proto" -A "$auth_pass" -t 1 -r 0 \
	"$agent" "$ROOT.1.1.1.0" >/dev/null 2>&1; then
	bad "v3 authNoPriv request was served"
else
	ok "v3 authNoPriv request refused"
fi
# A wrong community gets nothing.
if snmpget -v2c -c wrong-community -t 1 -r 0 "$agent" "$ROOT.1.1.1.0" >/dev/null 2>&1; then
	bad "v2c with a wrong community was served"
else
	ok "v2c with a wrong community refused"
fi

# The coldStart of snmpd's start reached both destinations: SNMPv2c and
# SNMPv3 with the user and engine ID of the example.
cold=.1.3.6.1.6.3.1.1.5.1
if [ "$receiver" = snmptrapd ]; then
	v2='' v3=''
	for _ in $(seq 1 50); do
		grep -q "^TRAP2, SNMP v2c, community $trap_community .*OID: $cold" "$tmp/trapd.log" && v2=1
		grep -q "^TRAP2, SNMP v3, user $(topt u), .*OID: $cold" "$tmp/trapd.log" && v3=1
		[ -n "$v2" ] && [ -n "$v3" ] && break
		sleep 0.1
	done
	[ -n "$v2" ] && ok "snmptrapd got the SNMPv2c coldStart (community of trap2sink)" ||
		bad "snmptrapd got no SNMPv2c coldStart"
	[ -n "$v3" ] && ok "snmptrapd authenticated and decrypted the SNMPv3 coldStart (user $(topt u), engine $(topt e))" ||
		bad "snmptrapd got no valid SNMPv3 coldStart"
	if [ -z "$v2" ] || [ -z "$v3" ]; then sed 's/^/    /' "$tmp/trapd.log"; fi
else
	wait "$trap_pid" 2>/dev/null
	got=$(sort "$tmp/traps" 2>/dev/null | tr '\n' ' ')
	[ "$got" = "version=1 version=3 " ] && ok "notifications sent to the v2c and v3 destinations" ||
		bad "notifications received: '${got}' (want one SNMPv2c and one SNMPv3)"
fi

kill "$snmpd_pid" 2>/dev/null
wait "$snmpd_pid" 2>/dev/null
snmpd_pid=
finish
