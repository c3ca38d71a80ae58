#!/usr/bin/env bash
# send_restart.sh - send jobs survive kill -9 of faxgwd (DESIGN 3b: "the
# send job is durable from the moment send returns"): a port with one
# channel, whose call rings at a far end that never answers (SIPp), holds
# job A dialing and job B queued behind it; faxgwd is killed with
# SIGKILL; after its restart both jobs complete, and each receiver (a
# faxpeer answering one call) gets exactly one fax, page for page as
# sent.  Job A's cut call counts as one of its attempts; B's first call is
# its first.  Loopback only, about a minute.
. "$(dirname "$0")/lib.sh"

FP="$B/faxpeer"
TD="$B/faxtestdoc"
CTL="$B/faxgwctl"
SC="$TOP/tests/data/sip"
for x in "$B/faxgwd" "$FP" "$TD" "$CTL"; do
	[ -x "$x" ] || skip "$x not built (make tests-build)"
done
command -v sipp >/dev/null 2>&1 || skip "sipp not installed (Debian sip-tester; tools/install-deps)"
cd "$WORK" || exit 1
P=$(free_udp_port)
read -r PA PB < <(free_udp_ports 2)
[ -n "$P" ] && [ -n "$PB" ] || fail "no free ports"
mkdir -p var/spool var/fax
{
	gateway_section "send-retry  = 3 1s"
	cat <<CONF
[sip]
listen      = udp:127.0.0.1:$P
media-ports = $(media_ports)
allow       = 127.0.0.1/32

[port 31]
name        = out
transport   = sip
sip-user    = 3100
channels    = 1
t38         = no
codecs      = pcmu
CONF
} > faxgwd.conf
S=(-s "$WORK/var/faxgw.sock")
"$TD" make a.tif 2 standard 51 || fail "faxtestdoc make"
"$TD" make b.tif 2 standard 52 || fail "faxtestdoc make"

start_faxgwd -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
timeout 120 sipp -sf "$SC/uas_ring.xml" -i 127.0.0.1 -p "$PA" -m 1 -nostdin \
	> ring.log 2>&1 &
RING=$!
PIDS+=("$RING")
expect_rc 0 "$CTL" "${S[@]}" send -p 31 "sip:a@127.0.0.1:$PA" a.tif
A=$(printf '%s' "$OUT" | tr -dc 0-9)
wait_until 20 job_state_is "$A" dialing || fail "job $A is not dialing: $(job_field "$A" state)"
expect_rc 0 "$CTL" "${S[@]}" send -p 31 "sip:b@127.0.0.1:$PB" b.tif
B_=$(printf '%s' "$OUT" | tr -dc 0-9)
sleep 1
job_state_is "$B_" queued || fail "job $B_ is not queued behind the busy channel: $(job_field "$B_" state)"
ok "job $A dialing (the far end rings), job $B_ queued behind it"

kill -9 "$FAXGWD_PID"
wait "$FAXGWD_PID" 2>/dev/null
kill "$RING" 2>/dev/null; wait "$RING" 2>/dev/null
"$FP" receive --sip-listen "127.0.0.1:$PA" --timeout 300 --t38 no ra.tif > ra.out 2> ra.err &
RA=$!
PIDS+=("$RA")
"$FP" receive --sip-listen "127.0.0.1:$PB" --timeout 300 --t38 no rb.tif > rb.out 2> rb.err &
RB=$!
PIDS+=("$RB")
sleep 0.5
rm -f var/faxgw.sock      # the killed faxgwd's; the new one makes its own
start_faxgwd -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
wait_until 10 grep -q '1 send job(s) cut by a stop of faxgwd queued again' faxgwd.log ||
	fail "the restart did not requeue the dialing job"
wait_until 200 job_state_is "$A" done || fail "job $A is $(job_field "$A" state): $(job_field "$A" last_error)"
wait_until 200 job_state_is "$B_" done || fail "job $B_ is $(job_field "$B_" state): $(job_field "$B_" last_error)"
[ "$(job_field "$A" attempts)" = 2 ] || fail "job $A: $(job_field "$A" attempts) attempts, not 2"
[ "$(job_field "$B_" attempts)" = 1 ] || fail "job $B_: $(job_field "$B_" attempts) attempts, not 1"
wait "$RA" || fail "receiver A: $(cat ra.err)"
wait "$RB" || fail "receiver B: $(cat rb.err)"
"$TD" compare a.tif ra.tif 2> cmp.err || fail "ra.tif differs: $(cat cmp.err)"
"$TD" compare b.tif rb.tif 2> cmp.err || fail "rb.tif differs: $(cat cmp.err)"
ok "after kill -9 and a restart both jobs completed, one whole fax at each receiver"
[ -z "$(ls var/spool/outbox/*.tif 2>/dev/null)" ] || fail "documents left in spool/outbox: $(ls var/spool/outbox)"
ok "the sent documents left spool/outbox"
alive "$FAXGWD_PID" faxgwd
echo "$NCHECK passed, 0 failed"
