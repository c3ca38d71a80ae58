#!/usr/bin/env bash
# sip_load.sh - faxgwd's SIP under callers that misbehave (faxgwd(8), SIP):
# while two faxes (T.38 and G.711, 3 pages) are in progress on one port,
# a flood from an allowed source hits another: 1,000 INVITEs from SIPp
# whose final answers are never acknowledged, and 2,000 OPTIONS.  The
# faxes complete intact (the SIP thread never delays media); the answered
# calls' media and dialogs end by themselves and nothing is left behind
# (no active call, no dialog handle at shutdown); an ordinary call is
# still answered.  Loopback only, about 90 s.
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null 2>&1 || skip "sipp not installed (Debian sip-tester; tools/install-deps)"
[ -x "$B/faxgwd" ] || skip "no $B/faxgwd (make tests-build first)"
SC=$TOP/tests/data/sip
P=$(free_udp_port)
[ -n "$P" ] || fail "no free port for SIP"
mkdir -p "$WORK/var/spool" "$WORK/var/fax"
cat > "$WORK/faxgwd.conf" <<CONF
[gateway]
spool       = $WORK/var/spool
state       = $WORK/var/faxgw.db
control     = $WORK/var/faxgw.sock
extensions  = $B/routing
store-root  = $WORK/var/fax
exec-dir    = $WORK/var
admin-group =
query-group =

[sip]
listen      = udp:127.0.0.1:$P
media-ports = $(media_ports)
allow       = 127.0.0.1/32
max-calls   = 8

[port 11]
transport   = sip
sip-user    = 5550200
channels    = 4
t38         = accept

[port 12]
transport   = sip
sip-user    = 5550300
channels    = 2
t38         = accept
CONF
start_faxgwd -d -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
CTL=("$B/faxgwctl" -s "$WORK/var/faxgw.sock")
FP=${FAXPEER_SIP:-$B/faxpeer}
TD="$B/faxtestdoc"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
FAXES=
if "$FP" --help 2>&1 | grep -q -- '--sip'; then
	FAXES=1
	mkdir -p "$WORK/var/fax/in12"
	"${CTL[@]}" set 12 "$SIF" "$WORK/var/fax/in12" >/dev/null &&
		"${CTL[@]}" enable 12 "$SIF" >/dev/null || fail "cannot enable Store in folder on port 12"
	"$TD" make "$WORK/three.tif" 3 standard 41 || fail "faxtestdoc make"
	for t in direct no; do
		"$FP" send --sip "sip:5550300@127.0.0.1:$P" --t38 "$t" --timeout 240 "$WORK/three.tif" \
			> "$WORK/fax-$t.out" 2> "$WORK/fax-$t.err" &
		eval "FAX_$t=\$!"
		PIDS+=("$!")
	done
	sleep 8      # both faxes in training or in page 1
else
	echo "# $FP has no --sip: the flood runs without faxes in progress"
fi
(cd "$WORK" && timeout 60 sipp -sf "$SC/options.xml" -s fax -m 2000 -r 500 -timeout 30s \
	-p 0 -i 127.0.0.1 -nostdin "127.0.0.1:$P" > "$WORK/options.log" 2>&1) &
OPTS=$!

(cd "$WORK" && timeout 120 sipp -sf "$SC/invite_noack.xml" -s 5550200 -m 1000 -r 250 \
	-timeout 60s -p 0 -i 127.0.0.1 -nostdin "127.0.0.1:$P" > "$WORK/noack.log" 2>&1) ||
	fail "sipp invite_noack: $(tail -n 20 "$WORK/noack.log")"
alive "$FAXGWD_PID" faxgwd
wait "$OPTS" || fail "sipp OPTIONS flood: $(tail -n 20 "$WORK/options.log")"
answered=$(grep -c "SIP call .* answered on port 11" "$WORK/faxgwd.log")
[ "$answered" -ge 1 ] && [ "$answered" -le 1000 ] || fail "answered $answered of the 1000 INVITEs"
echo "# $answered of 1000 INVITEs answered, the rest refused (486/503); none acknowledged"
idle() {
	OUT=$("${CTL[@]}" --json info) && [ "$(json 'j["gateway"]["active_calls"]')" = 0 ]
}
wait_until 90 idle || fail "calls still active 90 s after their callers vanished: $OUT"
ok "1,000 INVITEs never acknowledged and 2,000 OPTIONS: every answered call's media ended by itself"
if [ -n "$FAXES" ]; then
	for t in direct no; do
		eval "pid=\$FAX_$t"
		wait "$pid" || fail "the $t fax during the flood failed: $(cat "$WORK/fax-$t.out") $(tail -n 5 "$WORK/fax-$t.err")"
		echo "# during the flood: $(cat "$WORK/fax-$t.out")"
	done
	wait_until 10 sh -c "[ \$(ls '$WORK/var/fax/in12' | grep -c '\\.tif\$') -ge 2 ]" ||
		fail "the faxes sent during the flood were not both stored"
	for f in "$WORK/var/fax/in12"/*.tif; do
		"$TD" compare "$WORK/three.tif" "$f" 2> "$WORK/cmp.err" || fail "$f differs: $(cat "$WORK/cmp.err")"
	done
	ok "two 3-page faxes (T.38, G.711) in progress during the flood: both complete, pages identical"
fi

(cd "$WORK" && timeout 30 sipp -sf "$SC/invite_answer.xml" -s 5550200 -m 1 -timeout 15s \
	-timeout_error -p 0 -i 127.0.0.1 -nostdin "127.0.0.1:$P" > "$WORK/answer.log" 2>&1) ||
	fail "an ordinary call after the flood: $(tail -n 20 "$WORK/answer.log")"
ok "an ordinary call is answered afterwards (200, refresh, BYE)"

# The dialogs of the unacknowledged calls end with faxgwd's BYE, which
# times out (32 s) with nobody there: wait for the handles, then stop.
sleep 35
stop_faxgwd
line=$(grep "INVITE handles" "$WORK/faxgwd.log" | tail -n 1)
echo "# ${line#*: }"
case "$line" in *", 0 left at shutdown"*) ;; *) fail "dialogs left behind: $line" ;; esac
ok "no dialog left behind at shutdown"
echo "$NCHECK passed, 0 failed"
