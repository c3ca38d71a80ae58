#!/usr/bin/env bash
# sip_load.sh - faxgwd's SIP under callers that misbehave (faxgwd(8), SIP):
# 1,000 INVITEs from SIPp whose final answers are never acknowledged (the
# answered calls' media and dialogs must end by themselves, and nothing
# may be left behind: no active call, no dialog handle at shutdown), then
# an ordinary call is still answered.  Loopback only, about 60 s.
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
allow       = 127.0.0.1/32
max-calls   = 8

[port 11]
transport   = sip
sip-user    = 5550200
channels    = 4
t38         = accept
CONF
start_faxgwd -d -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
CTL=("$B/faxgwctl" -s "$WORK/var/faxgw.sock")

(cd "$WORK" && timeout 120 sipp -sf "$SC/invite_noack.xml" -s 5550200 -m 1000 -r 250 \
	-timeout 60s -p 0 -i 127.0.0.1 -nostdin "127.0.0.1:$P" > "$WORK/noack.log" 2>&1) ||
	fail "sipp invite_noack: $(tail -n 20 "$WORK/noack.log")"
alive "$FAXGWD_PID" faxgwd
answered=$(grep -c "SIP call .* answered on port 11" "$WORK/faxgwd.log")
[ "$answered" -ge 1 ] && [ "$answered" -le 1000 ] || fail "answered $answered of the 1000 INVITEs"
echo "# $answered of 1000 INVITEs answered, the rest refused (486/503); none acknowledged"
idle() {
	OUT=$("${CTL[@]}" --json info) && [ "$(json 'j["gateway"]["active_calls"]')" = 0 ]
}
wait_until 90 idle || fail "calls still active 90 s after their callers vanished: $OUT"
ok "1,000 INVITEs never acknowledged: every answered call's media ended by itself"

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
