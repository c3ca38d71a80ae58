#!/usr/bin/env bash
# send_retry.sh - a sent fax's call outcomes (DESIGN 3b, faxgwd.conf(5)
# send-retry): a far end busy twice (SIPp answering 486) and then
# answering (faxpeer) gets the fax on the third call, page for page; 404
# fails the job at once, with no second call; a far end that hangs up
# after page 1 of 3 gets the whole fax again on the next call; a job
# cancelled while its call rings ends cancelled, the far end seeing
# CANCEL; faxgwctl retry queues a failed send again.  Cases run
# concurrently from one sip port with 4 channels; send-retry = 3 4s
# (a far end replaced between two calls has 4 s to listen again).
# Loopback only, about a minute.
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
read -r PA PB PC PD < <(free_udp_ports 4)
[ -n "$P" ] && [ -n "$PD" ] || fail "no free ports"
mkdir -p var/spool var/fax
{
	gateway_section "send-retry  = 3 4s"
	cat <<CONF
[sip]
listen      = udp:127.0.0.1:$P
media-ports = $(media_ports)
allow       = 127.0.0.1/32

[port 21]
name        = out
transport   = sip
sip-user    = 2100
channels    = 4
t38         = no
codecs      = pcmu, pcma
CONF
} > faxgwd.conf
start_faxgwd -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
"$TD" make three.tif 3 standard 41 || fail "faxtestdoc make"
S=(-s "$WORK/var/faxgw.sock")

# uas NAME SCENARIO PORT CALLS: SIPp as the far end, in the background.
uas() {
	timeout 120 sipp -sf "$SC/$2.xml" -i 127.0.0.1 -p "$3" -m "$4" -nostdin \
		-trace_err -error_file "$WORK/$1.err" > "$WORK/$1.log" 2>&1 &
	eval "UAS_$1=\$!"
	PIDS+=("$!")
}
# receiver NAME PORT [FAXPEER OPTIONS]: faxpeer answering one call.
receiver() {
	local name=$1 port=$2; shift 2
	"$FP" receive --sip-listen "127.0.0.1:$port" --timeout 300 "$@" "$name.tif" \
		> "$name.out" 2> "$name.err" &
	eval "RX_$name=\$!"
	PIDS+=("$!")
}
# submit TO: faxgwctl send, the job id in $JOB.
submit() {
	expect_rc 0 "$CTL" "${S[@]}" send -p 21 "$1" three.tif
	JOB=$(printf '%s' "$OUT" | tr -dc 0-9)
	[ -n "$JOB" ] || fail "faxgwctl send printed no job id: $OUT"
}

# Busy twice, then a fax machine on the same address.
uas busy uas_486 "$PA" 2
submit "sip:fax@127.0.0.1:$PA"; BUSY=$JOB
# 404 at once.
uas nf uas_404 "$PB" 1
submit "sip:nobody@127.0.0.1:$PB"; NF=$JOB
# Cut after page 1, then a receiver that takes it all.
receiver cut1 "$PC" --t38 no --bye-after-page 1
submit "sip:fax@127.0.0.1:$PC"; CUT=$JOB
# Rings for ever: cancelled.
uas ring uas_ring "$PD" 1
submit "sip:fax@127.0.0.1:$PD"; RING=$JOB

# The busy far end: once SIPp took its two calls, faxpeer listens there.
wait "$UAS_busy" || fail "SIPp (486 twice) failed: $(tail -n 5 busy.log busy.err 2>/dev/null)"
receiver busy_rx "$PA" --t38 no
# The cut: once the first receiver hung up, the second one listens.
wait "$RX_cut1"
receiver cut2 "$PC" --t38 no

wait_until 30 job_state_is "$RING" dialing || fail "job $RING is not ringing: $(job_field "$RING" state)"
expect_rc 0 "$CTL" "${S[@]}" cancel "$RING"
wait_until 20 job_state_is "$RING" cancelled || fail "job $RING not cancelled: $(job_field "$RING" state)"
wait "$UAS_ring" || fail "SIPp (ringing) did not see CANCEL: $(tail -n 5 ring.log ring.err 2>/dev/null)"
ok "a job cancelled while its call rang: cancelled, the far end got CANCEL"

wait_until 20 job_state_is "$NF" failed || fail "job $NF (404) did not fail: $(job_field "$NF" state)"
[ "$(job_field "$NF" attempts)" = 1 ] || fail "job $NF (404) was called $(job_field "$NF" attempts) times"
[ "$(job_field "$NF" sip_status)" = 404 ] || fail "job $NF: sip status $(job_field "$NF" sip_status)"
job_field "$NF" last_error | grep -q 404 || fail "job $NF: last error $(job_field "$NF" last_error)"
ok "404: the job failed at once, with the status in its last error"
# faxgwctl retry queues a failed send again (nothing listens there now:
# each call is refused, and the job fails again after send-retry's 3).
expect_rc 0 "$CTL" "${S[@]}" retry "$NF"
case $(job_field "$NF" state) in queued|dialing) ;; *) fail "job $NF after retry: $(job_field "$NF" state)" ;; esac

wait_until 200 job_state_is "$BUSY" done || fail "job $BUSY (busy twice) is $(job_field "$BUSY" state): $(job_field "$BUSY" last_error)"
[ "$(job_field "$BUSY" attempts)" = 3 ] || fail "job $BUSY made $(job_field "$BUSY" attempts) calls, not 3"
wait "$RX_busy_rx" || fail "the receiver after the busy calls failed: $(cat busy_rx.err)"
"$TD" compare three.tif busy_rx.tif 2> cmp.err || fail "busy_rx.tif differs: $(cat cmp.err)"
ok "486 twice, then answered: done on the third call, 3 pages identical"

wait_until 200 job_state_is "$CUT" done || fail "job $CUT (cut) is $(job_field "$CUT" state): $(job_field "$CUT" last_error)"
[ "$(job_field "$CUT" attempts)" = 2 ] || fail "job $CUT made $(job_field "$CUT" attempts) calls, not 2"
wait "$RX_cut2" || fail "the second receiver failed: $(cat cut2.err)"
"$TD" compare three.tif cut2.tif 2> cmp.err || fail "cut2.tif differs: $(cat cmp.err)"
ok "a far end that hung up after page 1: the fax sent again whole on the next call"

expect_rc 1 "$CTL" "${S[@]}" retry "$BUSY"
grep -q 'has not failed' <<<"$ERR" || fail "retry of a done send job: $ERR"
wait_until 90 job_state_is "$NF" failed || fail "job $NF after its retry: $(job_field "$NF" state)"
[ "$(job_field "$NF" attempts)" = 3 ] || fail "job $NF after its retry made $(job_field "$NF" attempts) calls, not 3"
ok "faxgwctl retry: a failed send queued again (and failed again after 3 calls), a done one refused"
expect_rc 0 "$CTL" "${S[@]}" --json ports
json_true '[p for p in j["ports"] if p["id"] == 21][0]["faxes_sent"] == 2 and [p for p in j["ports"] if p["id"] == 21][0]["send_failures"] == 2'
ok "port counters: 2 faxes sent, 2 send failures"
alive "$FAXGWD_PID" faxgwd
echo "$NCHECK passed, 0 failed"
