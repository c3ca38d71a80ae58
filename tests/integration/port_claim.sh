#!/usr/bin/env bash
# Claiming a static port without `peer` (faxgwd.conf(5), PORT CLAIM): real
# faxgwd on loopback, faxpeer as the caller, small Python UDP senders.
#
#   1 t38   a 5-byte datagram, then at once a real fax from elsewhere: the
#           junk claims nothing, the fax arrives complete; nothing is sent
#           to the junk sender (allow = 127.0.0.1/32, ::1 lets both in)
#   2 t38   well-formed UDPTL (no-signal indicators, new sequence numbers)
#           but no T.30: released as "no fax" within FGW_CLAIM_T30_MS (5 s)
#           plus a second, no job, not a failed reception; then a real fax
#           to the same port arrives
#   3 t38   allow = 10.0.0.0/8: a loopback source claims nothing
#   4 audio one RTP packet (PCMU, 240 bytes: 30 ms, as carrier trunks send):
#           it claims the port; at most FGW_CLAIM_TX_CAP (8)
#           datagrams go back to its unproven source, then the port is free
#   5 t38   one UDPTL packet sent three times (repetition, one sequence
#           number): the same cap
# Everything runs at once; about 45 s.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
CAP=8           # FGW_CLAIM_TX_CAP
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/store_folder.so"; do
	[ -e "$x" ] || skip "$x is not built"
done
cd "$WORK" || exit 1

G=$WORK/g
mkdir -p "$G/ext" "$G/routing.d" "$G/var/fax/inbox1" "$G/var/fax/inbox2"
chmod 755 "$G/ext" "$G/routing.d"
cp "$B/routing/store_folder.so" "$G/ext/"
chmod 755 "$G/ext/store_folder.so"
read -r -a P <<< "$(free_udp_ports 5)"
{
	printf '[gateway]\nspool = %s/var/spool\nstate = %s/var/faxgw.db\n' "$G" "$G"
	printf 'control = %s/var/faxgw.sock\nextensions = %s/ext\n' "$G" "$G"
	printf 'store-root = %s/var/fax\nexec-dir = %s/routing.d\n' "$G" "$G"
	printf '[port 1]\ntransport = t38\nlisten = 127.0.0.1:%s\nallow = 127.0.0.1/32, ::1\n' "${P[0]}"
	printf '[port 2]\ntransport = t38\nlisten = 127.0.0.1:%s\n' "${P[1]}"
	printf '[port 3]\ntransport = t38\nlisten = 127.0.0.1:%s\nallow = 10.0.0.0/8\n' "${P[2]}"
	printf '[port 4]\ntransport = audio\nlisten = 127.0.0.1:%s\n' "${P[3]}"
	printf '[port 5]\ntransport = t38\nlisten = 127.0.0.1:%s\n' "${P[4]}"
} > "$G/faxgw.conf"

ctl() { expect_rc 0 "$CTL" -s "$G/var/faxgw.sock" "$@"; }

# A bad allow list is refused at load time, with file and line.
printf '[port 9]\ntransport = t38\nlisten = 127.0.0.1:9\nallow = 10.0.0.1/8\n' > bad.conf
expect_rc 1 "$B/faxgwd" -n -c bad.conf
case "$OUT$ERR" in *"bad.conf:4: allow: '10.0.0.1/8'"*) ;; *) fail "bad allow: $OUT $ERR" ;; esac
ok "faxgwd -n: a bad allow prefix is reported as FILE:LINE"

("$B/faxgwd" -f -d -c "$G/faxgw.conf" >>"$G/faxgwd.log" 2>&1) &
GW=$!
PIDS+=($GW)
wait_for_socket "$G/var/faxgw.sock"
for i in 1 2; do
	ctl set "$i" "$SIF" "$G/var/fax/inbox$i"
	ctl enable "$i" "$SIF"
done
"$DOC" make doc.tif 1 standard 5 >/dev/null || fail "faxtestdoc make"

# udp MODE PORT SECONDS: a Python sender; prints the datagrams it got back.
#   junk: 5 bytes once; udptl1: one UDPTL no-signal packet, three copies;
#   udptl: a UDPTL no-signal packet with a new sequence number every 0.2 s;
#   rtp1: one RTP PCMU packet of 240 bytes (30 ms).
udp() {
	"$PY" - "$@" <<'EOF'
import socket, struct, sys, time
mode, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
dst = ("127.0.0.1", port)
def udptl(seq):      # seq, primary IFP [no-signal], redundancy with 0 secondaries
    return struct.pack(">HBBBB", seq, 1, 0x00, 0, 0)
if mode == "junk":
    s.sendto(b"\x80\x00junk"[:5], dst)
elif mode == "udptl1":
    for _ in range(3):
        s.sendto(udptl(0), dst)
elif mode == "rtp1":
    s.sendto(struct.pack(">BBHII", 0x80, 0, 1, 240, 0x1234) + b"\xff" * 240, dst)
got, seq, end, nxt = 0, 0, time.time() + secs, 0.0
while time.time() < end:
    if mode == "udptl" and time.time() >= nxt:
        s.sendto(udptl(seq), dst)
        seq, nxt = seq + 1, time.time() + 0.2
    s.settimeout(0.05)
    try:
        s.recv(2048)
        got += 1
    except socket.timeout:
        pass
print(got)
EOF
}

# 1: junk, then the real fax at once.
udp junk "${P[0]}" 40 > junk.out &
J=$!
sleep 0.1
"$PEER" send --t38 -q --timeout 50 "127.0.0.1:${P[0]}" doc.tif > peer1.out 2>&1 &
S1=$!
# 2: UDPTL without T.30 for 8 s.
T2=$(date +%s%N)
udp udptl "${P[1]}" 8 > noT30.out &
V=$!
# 3: a source outside allow.
udp udptl "${P[2]}" 3 > denied.out &
D=$!
# 4 and 5: one well-formed datagram and no answer to what comes back.
udp rtp1 "${P[3]}" 8 > rtp1.out &
R4=$!
udp udptl1 "${P[4]}" 8 > udptl1.out &
R5=$!

ports() { expect_rc 0 "$CTL" -s "$G/var/faxgw.sock" --json ports; }
port_state() { ports; json "[p['state'] for p in j['ports'] if p['id'] == $1][0]"; }

sleep 1.5
[ "$(port_state 3)" = idle ] || fail "port 3: a source outside allow claimed it: $OUT"
[ "$(port_state 2)" = receiving ] || fail "port 2: well-formed UDPTL did not claim it: $OUT"
[ "$(port_state 4)" = receiving ] || fail "port 4: a well-formed RTP packet did not claim it: $OUT"
wait "$D"
[ "$(cat denied.out)" = 0 ] || fail "port 3: $(cat denied.out) datagram(s) sent to a source outside allow"
ports
json_true "[p['state'] for p in j['ports'] if p['id'] == 3] == ['idle']"
ok "a source outside allow never claims the port, and gets nothing back"

# 2: released within the bound while the sender goes on.
wait_until 8 grep -q "port 2: no fax from" "$G/faxgwd.log" ||
	fail "port 2: not released without T.30: $(grep 'port 2' "$G/faxgwd.log")"
ms=$(( ($(date +%s%N) - T2) / 1000000 ))
[ "$ms" -le 6500 ] || fail "port 2: released only after $ms ms"
[ "$(port_state 2)" = idle ] || fail "port 2: not idle after the release: $OUT"
ports
json_true "[(p['faxes_received'], p['faxes_failed']) for p in j['ports'] if p['id'] == 2] == [(0, 0)]"
ok "well-formed UDPTL without T.30: released as no fax after ${ms} ms, not counted as failed"

wait "$R4" "$R5" "$V"
n4=$(cat rtp1.out) n5=$(cat udptl1.out)
[ "$n4" -ge 1 ] && [ "$n4" -le "$CAP" ] || fail "port 4: $n4 datagrams sent to an unproven RTP source (cap $CAP)"
[ "$n5" -ge 1 ] && [ "$n5" -le "$CAP" ] || fail "port 5: $n5 datagrams sent to an unproven UDPTL source (cap $CAP)"
grep -q "port 4: no fax from" "$G/faxgwd.log" || fail "port 4: not released"
grep -q "port 5: no fax from" "$G/faxgwd.log" || fail "port 5: not released"
ok "an unproven source gets at most $CAP datagrams (RTP: $n4, UDPTL: $n5); both ports released"

# 2 again: a real fax once the port is free.
"$PEER" send --t38 -q --timeout 50 "127.0.0.1:${P[1]}" doc.tif > peer2.out 2>&1 &
S2=$!
wait "$S1" || fail "port 1: the fax after the junk failed: $(cat peer1.out)"
wait_until 5 compgen -G "$G/var/fax/inbox1/*.tif" >/dev/null || fail "port 1: no fax stored"
f=$(compgen -G "$G/var/fax/inbox1/*.tif" | head -n 1)
expect_rc 0 "$DOC" compare doc.tif "$f"
wait "$J"
[ "$(cat junk.out)" = 0 ] || fail "port 1: $(cat junk.out) datagram(s) sent to the junk sender"
grep -q "port 1: call from" "$G/faxgwd.log" || fail "port 1: no call"
[ "$(grep -c 'port 1: call from 127.0.0.1:[0-9]*$' "$G/faxgwd.log")" = 1 ] ||
	fail "port 1: more than one call: $(grep 'port 1' "$G/faxgwd.log")"
ok "a 5-byte datagram claims nothing: the real fax right after it arrives complete; 0 datagrams to the junk sender"

wait "$S2" || fail "port 2: the fax after the release failed: $(cat peer2.out)"
wait_until 5 compgen -G "$G/var/fax/inbox2/*.tif" >/dev/null || fail "port 2: no fax stored"
ports
json_true "[(p['id'], p['faxes_received'], p['faxes_failed']) for p in j['ports']] == [(1, 1, 0), (2, 1, 0), (3, 0, 0), (4, 0, 0), (5, 0, 0)]"
expect_rc 0 "$CTL" -s "$G/var/faxgw.sock" --json jobs
json_true 'sorted(x["port"] for x in j["jobs"]) == [1, 2]'
[ -d "$G/var/spool/tmp" ] && [ -z "$(ls -A "$G/var/spool/tmp")" ] || fail "files left in spool/tmp: $(ls "$G/var/spool/tmp")"
alive "$GW" faxgwd
ok "the released port takes the next real fax; two jobs in all (ports 1, 2), no failed reception, spool/tmp empty"
echo "$NCHECK passed, 0 failed"
