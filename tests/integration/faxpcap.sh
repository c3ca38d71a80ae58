#!/usr/bin/env bash
# faxpcap.sh - faxpcap(1) end to end.
#
# Fax calls between two faxpeer processes on loopback, each capture written
# by `faxpeer send --pcap`: T.38 with redundancy, with FEC, without ECM,
# with 10% of the capture's datagrams removed, G.711 PCMU and PCMA, 1 and 3
# pages, a sender that hangs up after page 1.  faxpcap must rebuild the
# sent pages pixel for pixel (faxtestdoc compare) and report the right
# rate, resolution and ECM.  Then the public captures of ../shared/testdata
# (partial G.711 call, one-way T.38 call, hostile UDPTL; skipped when
# absent), broken inputs, and every capture once more under
# AddressSanitizer (build-san/faxpcap, when built).
# FAXPCAP_CAPTURES=DIR reuses the captures of an earlier run (KEEP=1)
# instead of making the calls again.
. "$(dirname "$0")/lib.sh"

FP=$B/faxpcap
PEER=$B/faxpeer
DOC=$B/faxtestdoc
SAN=${FAXGW_SAN_BUILD:-$TOP/build-san}/faxpcap
for x in "$FP" "$PEER" "$DOC"; do
	[ -x "$x" ] || skip "$x not built"
done
TESTDATA=${FAXGW_TESTDATA:-$TOP/../shared/testdata}
cd "$WORK" || fail "no work directory"

"$DOC" make one.tif 1 standard 11 >/dev/null || fail "faxtestdoc make"
"$DOC" make fine.tif 1 fine 12 >/dev/null || fail "faxtestdoc make"
"$DOC" make three.tif 3 standard 13 >/dev/null || fail "faxtestdoc make"
"$DOC" make mixed.tif 3 mixed 14 >/dev/null || fail "faxtestdoc make"

# fax NAME DOC "RECEIVE OPTIONS" "SEND OPTIONS": one call, capture NAME.pcap.
fax() {
	local name=$1 doc=$2 rxo=$3 txo=$4 port host=127.0.0.1
	case $rxo in *--v6*) host='[::1]'; rxo=${rxo/--v6/} ;; esac
	if [ -n "${FAXPCAP_CAPTURES:-}" ] && [ -f "$FAXPCAP_CAPTURES/$name.pcap" ]; then
		cp "$FAXPCAP_CAPTURES/$name.pcap" . && echo 0 >"tx-$name.rc"
		return
	fi
	port=$(free_udp_port)
	# shellcheck disable=SC2086
	"$PEER" receive $rxo --listen "$host:$port" --timeout 200 -q "rx-$name.tif" \
		>"rx-$name.log" 2>&1 &
	local rx=$!
	sleep 0.5
	# shellcheck disable=SC2086
	"$PEER" send $txo -q --timeout 200 --pcap "$name.pcap" "$host:$port" "$doc" \
		>"tx-$name.log" 2>&1
	echo $? >"tx-$name.rc"
	wait "$rx"
}

fax t38-red one.tif "--t38" "--t38 --ident FAXPCAP-RED" &
P1=$!
fax t38-fec mixed.tif "--t38 --ec fec" "--t38 --ec fec" &
P2=$!
fax t38-noecm fine.tif "--t38" "--t38 --no-ecm --rate 9600" &
P3=$!
fax pcmu one.tif "--audio" "--audio" &
P4=$!
fax pcma three.tif "--audio --codec pcma" "--audio --codec pcma --no-ecm" &
P5=$!
fax t38-hangup three.tif "--t38" "--t38 --stop-after-pages 1" &
P6=$!
fax t38-v6 one.tif "--t38 --v6 --t38-version 3" "--t38 --t38-version 3 --pcap-link raw" &
P7=$!
PIDS+=("$P1" "$P2" "$P3" "$P4" "$P5" "$P6" "$P7")
wait "$P1" "$P2" "$P3" "$P4" "$P5" "$P6" "$P7"

for n in t38-red t38-fec t38-noecm pcmu pcma t38-v6; do
	[ "$(cat "tx-$n.rc")" = 0 ] || fail "faxpeer call $n failed: $(cat "tx-$n.log" "rx-$n.log")"
	[ -s "$n.pcap" ] || fail "no capture for $n"
done
ok "seven calls captured by faxpeer --pcap"

# A copy of a capture with every 10th frame removed (10% loss).
"$PY" - t38-noecm.pcap t38-loss.pcap <<'EOF' || fail "cannot write the lossy capture"
import struct, sys
d = open(sys.argv[1], 'rb').read()
out, o, n = [d[:24]], 24, 0
while o + 16 <= len(d):
    cl = struct.unpack('<I', d[o + 8:o + 12])[0]
    n += 1
    if n % 10:
        out.append(d[o:o + 16 + cl])
    o += 16 + cl
open(sys.argv[2], 'wb').write(b''.join(out))
EOF

# check NAME SENT PAGES RATE ECM RESOLUTION-WORD [CAPTURE]
check() {
	local name=$1 sent=$2 pages=$3 rate=$4 ecm=$5 res=$6 cap=${7:-$1.pcap}
	expect_rc 0 "$FP" "$cap"
	case $OUT in *"outcome: complete"*) ;; *) fail "$name: text report: $OUT" ;; esac
	expect_rc 0 "$FP" --json --out-dir "out-$name" "$cap"
	json_true "j['fax_calls'] == 1 and j['exit'] == 0"
	json_true "j['calls'][0]['outcome'] == 'complete' and j['calls'][0]['pages_decoded'] == $pages"
	json_true "j['calls'][0]['rate'] == $rate and j['calls'][0]['ecm'] == $ecm"
	json_true "j['calls'][0]['resolution'].startswith('$res')"
	local tif
	tif=$(json "j['calls'][0]['tiff']")
	[ -f "$tif" ] || fail "$name: no TIFF written"
	"$DOC" compare "$sent" "$tif" >"cmp-$name.log" 2>&1 ||
		fail "$name: pages differ from the sent ones: $(cat "cmp-$name.log")"
	ok "$name: $pages page(s) rebuilt pixel for pixel, $rate bit/s, ECM $ecm, $res"
}

check t38-red one.tif 1 14400 True standard
json_true "j['calls'][0]['udptl_ec'] == 'redundancy' and j['calls'][0]['ident']['A'] + j['calls'][0]['ident']['B'] == 'FAXPCAP-RED'"
json_true "[f['name'] for f in j['calls'][0]['frames']][:3] == ['DIS', 'TSI', 'DCS'] or 'DCS' in [f['name'] for f in j['calls'][0]['frames']]"
check t38-fec mixed.tif 3 14400 True standard
json_true "j['calls'][0]['udptl_ec'] == 'FEC'"
json_true "[p['resolution'] for p in j['calls'][0]['pages']] == ['standard', 'fine', 'standard']"
check t38-noecm fine.tif 1 9600 False fine
json_true "j['calls'][0]['modem'] == 'V.29'"
check t38-loss fine.tif 1 9600 False fine t38-loss.pcap
json_true "j['calls'][0]['udptl']['recovered'] > 0 and j['calls'][0]['udptl']['lost'] == 0"
check t38-v6 one.tif 1 14400 True standard
json_true "j['calls'][0]['A'].startswith('[::1]') and j['calls'][0]['t38_version'] == 3 and j['link'] == 'raw IP'"
if command -v editcap >/dev/null; then
	editcap -F pcapng t38-red.pcap t38-red.pcapng || fail "editcap"
	check t38-red-ng one.tif 1 14400 True standard t38-red.pcapng
fi
check pcmu one.tif 1 14400 True standard
json_true "j['calls'][0]['transport'] == 'g711' and j['calls'][0]['codec'] == 'PCMU'"
check pcma three.tif 3 14400 False standard
json_true "j['calls'][0]['codec'] == 'PCMA'"

# A busy trunk: 70 voice calls (random G.711, more than one decoding batch)
# merged with the PCMU fax call; the fax is still found and rebuilt.
"$PY" - pcmu.pcap trunk.pcap <<'EOF' || fail "cannot write the trunk capture"
import struct, sys, random
random.seed(3)
d = open(sys.argv[1], 'rb').read()
o, recs = 24, []
while o + 16 <= len(d):
    cl = struct.unpack('<I', d[o + 8:o + 12])[0]
    recs.append((struct.unpack('<II', d[o:o + 8]), d[o:o + 16 + cl]))
    o += 16 + cl
t0 = recs[0][0][0]
for tick in range(250):
    for c in range(70):
        for k in range(2):
            seq = (tick + c) & 0xffff
            pl = bytes([0x80, 0, seq >> 8, seq & 255]) + struct.pack('>II', tick * 160, c * 2 + k) + \
                bytes(random.getrandbits(8) | 0x10 for _ in range(160))
            u = struct.pack('>HHHH', 20000 + c * 2 + k, 20000 + c * 2 + 1 - k, 8 + len(pl), 0) + pl
            ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0,
                             bytes([10, 9, c, 1 + k]), bytes([10, 9, c, 2 - k])) + u
            fr = bytes(12) + b'\x08\x00' + ip
            ts = (t0 + tick // 50, (tick % 50) * 20000)
            recs.append((ts, struct.pack('<IIII', ts[0], ts[1], len(fr), len(fr)) + fr))
recs.sort(key=lambda r: r[0])
open(sys.argv[2], 'wb').write(b''.join([d[:24]] + [r[1] for r in recs]))
EOF
expect_rc 0 "$FP" --json --out-dir out-trunk trunk.pcap
json_true "j['fax_calls'] == 1 and j['calls'][0]['outcome'] == 'complete'"
json_true "j['calls'][0]['call'] > 64 and j['calls'][0]['codec'] == 'PCMU'"
"$DOC" compare one.tif "$(json "j['calls'][0]['tiff']")" >/dev/null || fail "trunk: pages differ"
ok "busy trunk: the fax call found among 70 voice calls and rebuilt"

# The sender hung up after page 1 of 3: partial, with the reason.
expect_rc 4 "$FP" --json --out-dir out-hangup t38-hangup.pcap
json_true "j['calls'][0]['outcome'] == 'partial' and j['calls'][0]['pages_confirmed'] == 1"
json_true "'after page 1' in j['calls'][0]['reason']"
"$DOC" pages "$(json "j['calls'][0]['tiff']")" | grep -q '^1' || fail "hang-up call: not 1 page in the TIFF"
ok "sender hanging up after page 1: partial (exit 4): $(json "j['calls'][0]['reason']")"

# ----- public captures -----------------------------------------------------------
PCAPS=()
if [ -d "$TESTDATA/pcap" ]; then
	G711=$TESTDATA/pcap/asterisk-testsuite-CARRIER_G711U.pcap
	ONEWAY=$TESTDATA/pcap/alwishariff-vega1-t38-oneway.pcap
	HOSTILE=$TESTDATA/pcap/asterisk-testsuite-ast-2016-003-crash.pcap
	expect_rc 4 "$FP" --json "$G711"
	json_true "j['calls'][0]['transport'] == 'g711' and j['calls'][0]['outcome'] == 'partial'"
	json_true "{'TSI', 'DCS'} <= {f['name'] for f in j['calls'][0]['frames']}"
	json_true "j['calls'][0]['rate'] == 9600 and j['calls'][0]['modem'] == 'V.29'"
	ok "partial G.711 call: exit 4, TSI and DCS (9600 bit/s V.29) found"
	expect_rc 4 "$FP" --json "$ONEWAY"
	json_true "any(c['transport'] == 't38' and {'NSF', 'CSI', 'DIS'} <= {f['name'] for f in c['frames']} and c['outcome'] == 'partial' and 'one direction' in c['reason'] for c in j['calls'])"
	ok "one-way T.38 call: exit 4, NSF, CSI and DIS found, one direction only"
	expect_rc 5 "$FP" "$HOSTILE"
	case $ERR in *hostile*AST-2016-003*) ;; *) fail "hostile capture: message: $ERR" ;; esac
	ok "hostile UDPTL capture: exit 5: $ERR"
	PCAPS+=("$G711" "$ONEWAY" "$HOSTILE")
else
	echo "# skipped: public captures not found in $TESTDATA (set FAXGW_TESTDATA)"
fi

# ----- broken input ---------------------------------------------------------------
expect_rc 2 "$FP"
expect_rc 2 "$FP" --bogus x.pcap
expect_rc 5 "$FP" /nonexistent/none.pcap
echo "not a capture" >text.pcap
expect_rc 5 "$FP" text.pcap
case $ERR in *"cannot read capture"*) ;; *) fail "text file: message: $ERR" ;; esac
head -c 30000 pcmu.pcap >cut.pcap
"$FP" cut.pcap >cut.out 2>cut.err
rc=$?
[ "$rc" -eq 3 ] || [ "$rc" -eq 4 ] || [ "$rc" -eq 5 ] || fail "cut capture: exit $rc"
cat cut.out cut.err | grep -q "damaged" || fail "cut capture: no damage message: $(cat cut.out cut.err)"
ok "usage errors exit 2, unreadable captures exit 5, a cut capture is reported damaged"

# ----- AddressSanitizer over every capture ------------------------------------------
if [ -x "$SAN" ]; then
	for cap in ./*.pcap "${PCAPS[@]}" "$TOP"/tests/fuzz/corpus/capture/*; do
		ASAN_OPTIONS=detect_leaks=1 "$SAN" --out-dir san-out "$cap" >/dev/null 2>san.err
		rc=$?
		[ "$rc" -lt 6 ] || fail "$SAN $cap: exit $rc: $(tail -20 san.err)"
		if grep -q -E "AddressSanitizer|runtime error|LeakSanitizer" san.err; then
			fail "$SAN $cap: $(head -30 san.err)"
		fi
	done
	ok "AddressSanitizer + UBSan clean over every capture"
else
	echo "# skipped: $SAN not built (make SANITIZE=address,undefined build-san/faxpcap)"
fi

echo "$NCHECK passed, 0 failed"
