#!/usr/bin/env bash
# The data plane end to end: real faxgwd, real sockets on loopback, faxpeer
# as the remote fax machine.
#
# Instance A (6 ports, all calls at once):
#   1 t38   3-page fax            -> Store in folder inbox1 within 1 s, pages equal
#   2 audio 3-page fax            -> Store in folder inbox2 within 1 s, pages equal
#   3 t38   call cut after page 1 -> partial fax stored, flagged, routed
#   4 t38   Run program that fails twice then succeeds (+ Store in folder once)
#   5 t38   Run program that always fails -> dead letter in spool/failed/,
#           `faxgwctl jobs --failed`; then `faxgwctl retry` routes it
#   6 t38   an extension whose routing function segfaults -> retried, then
#           dead-lettered, while the other calls go on
#   7 t38   a caller that vanishes before any page -> receive failed, counted
# plus garbage datagrams to busy and idle ports, and the event stream
# (fgw_subscribe through libfaxgw) checked for every data-plane event.
# Instance B (at the same time): kill -9 of faxgwd while a fax is being
# routed (slow Run program), restart: routed exactly once.
# The embedded default (no -c; ports 4000/4002, under the shared lock of
# lib.sh, skipped when another script holds it for more than 10 s): a
# T.38 and a G.711 fax land in ./var/fax/inbox within a second.
#
# Ports come from a free-port finder, so this runs beside other tests.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/store_folder.so" \
	 "$B/routing/run_program.so" "$B/test-ext/crash_route.so"; do
	[ -e "$x" ] || skip "$x is not built"
done
cd "$WORK" || exit 1

# make_instance DIR NPORTS PORTS...: config, extension dir, exec dir, inboxes.
make_instance() {
	local dir=$1 n=$2 i; shift 2
	mkdir -p "$dir/ext" "$dir/routing.d" "$dir/var/fax"
	chmod 755 "$dir/ext" "$dir/routing.d"
	cp "$B/routing/store_folder.so" "$B/routing/run_program.so" \
	   "$B/test-ext/crash_route.so" "$dir/ext/"
	chmod 755 "$dir"/ext/*.so
	{
		printf '[gateway]\nspool = %s/var/spool\nstate = %s/var/faxgw.db\n' "$dir" "$dir"
		printf 'control = %s/var/faxgw.sock\nextensions = %s/ext\n' "$dir" "$dir"
		printf 'store-root = %s/var/fax\nexec-dir = %s/routing.d\nretry = 3 200ms\n' "$dir" "$dir"
		for i in $(seq 1 "$n"); do
			printf '[port %d]\nname = p%d\ntransport = %s\nlisten = 127.0.0.1:%s\n' \
				"$i" "$i" "$([ "$i" = 2 ] && echo audio || echo t38)" "$1"
			printf 'local-ident = +1 555 010%d\n' "$i"
			shift
			mkdir -p "$dir/var/fax/inbox$i"
		done
	} > "$dir/faxgw.conf"
}

# script DIR NAME BODY: an executable Run-program target.
script() {
	printf '#!/bin/sh\n%s\n' "$3" > "$1/routing.d/$2"
	chmod 755 "$1/routing.d/$2"
}

# ctl DIR ARGS...: faxgwctl on an instance, must succeed.
ctl() {
	local dir=$1; shift
	expect_rc 0 "$CTL" -s "$dir/var/faxgw.sock" "$@"
}

# start DIR: faxgwd -f -c DIR/faxgw.conf; sets PID_<basename>.
start_gw() {
	local dir=$1
	("$B/faxgwd" -f -c "$dir/faxgw.conf" >>"$dir/faxgwd.log" 2>&1) &
	eval "PID_$(basename "$dir")=$!"
	PIDS+=($!)
	wait_for_socket "$dir/var/faxgw.sock"
}

# send_and_time DIR PORTNO TRANSPORT UDPPORT DOC [ARGS...]: faxpeer send, then
# how long after its exit the fax appeared in inboxN (ms, or "none").
send_and_time() {
	local dir=$1 no=$2 tr=$3 udp=$4 doc=$5; shift 5
	"$PEER" send "$tr" -q --ident "+49 30 $no" "$@" "127.0.0.1:$udp" "$doc" \
		> "$dir/peer$no.out" 2>&1
	echo $? > "$dir/peer$no.rc"
	local t0; t0=$(date +%s%N)
	if wait_until 3 compgen -G "$dir/var/fax/inbox$no/*.tif" >/dev/null; then
		echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$dir/peer$no.lat"
	else
		echo none > "$dir/peer$no.lat"
	fi
}

"$DOC" make doc3.tif 3 standard 7 >/dev/null || fail "faxtestdoc make"
"$DOC" make doc1.tif 1 fine 9 >/dev/null || fail "faxtestdoc make"

# --- instance A ---------------------------------------------------------------
A=$WORK/a
read -r -a PA <<< "$(free_udp_ports 7)"
make_instance "$A" 7 "${PA[@]}"
start_gw "$A"
# Every event of instance A, one line each: type port job port_state text.
# (Python loads libfaxgw; a sanitizer build of it cannot be loaded there.)
LIBFAXGW=$B/libfaxgw.so
if ldd "$LIBFAXGW" 2>/dev/null | grep -q 'libasan\|libubsan\|libtsan'; then
	LIBFAXGW=$TOP/build/libfaxgw.so
fi
[ -e "$LIBFAXGW" ] || skip "$LIBFAXGW is not built"
"$PY" - "$LIBFAXGW" "$A/var/faxgw.sock" > "$A/events.txt" 2>"$A/events.err" <<'PYEOF' &
import ctypes, sys
class Ev(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("time", ctypes.c_uint64), ("port_id", ctypes.c_uint32),
                ("guid", ctypes.c_char_p), ("job_id", ctypes.c_uint64),
                ("port_state", ctypes.c_int), ("text", ctypes.c_char_p)]
lib = ctypes.CDLL(sys.argv[1])
h, sub = ctypes.c_void_p(), ctypes.c_void_p()
assert lib.fgw_connect(sys.argv[2].encode(), ctypes.byref(h)) == 0
assert lib.fgw_subscribe(h, ctypes.c_uint32(0xffffffff), ctypes.byref(sub)) == 0
print("subscribed", flush=True)
while True:
    ev = ctypes.POINTER(Ev)()
    rc = lib.fgw_read_event(sub, ctypes.byref(ev), 1000)
    if rc == 0:
        e = ev.contents
        print(e.type, e.port_id, e.job_id, e.port_state,
              (e.text or b"").decode(errors="replace"), flush=True)
        lib.fgw_free_buffer(ev)
    elif rc != -6:
        print("read_event", rc, file=sys.stderr)
        break
PYEOF
PIDS+=($!)
wait_until 5 grep -q subscribed "$A/events.txt" || fail "cannot subscribe to events: $(cat "$A/events.err")"
for i in 1 2 3 4 5; do
	ctl "$A" set "$i" "$SIF" "$A/var/fax/inbox$i"
	ctl "$A" enable "$i" "$SIF"
done
script "$A" record "env | grep '^FAXGW_' > $A/rec-\$FAXGW_JOB_ID.env"
script "$A" flaky "n=\$(cat $A/flaky.count 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n > $A/flaky.count; [ \$n -ge 3 ] || { echo \"flaky failure \$n\"; exit 1; }; echo ok"
script "$A" broken 'echo "target is down"; exit 1'
ctl "$A" set 3 RouteRunProgram record
ctl "$A" enable 3 RouteRunProgram
ctl "$A" set 4 RouteRunProgram flaky
ctl "$A" enable 4 RouteRunProgram
ctl "$A" set 5 RouteRunProgram broken
ctl "$A" enable 5 RouteRunProgram
ctl "$A" enable 6 CrashRoute
# Garbage to an idle port starts no call.
"$PY" -c "
import socket, os
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (0, 1, 2, 3, 5, 40, 1400, 1500, 1600):
    s.sendto(os.urandom(n), ('127.0.0.1', ${PA[6]}))
" || fail "garbage sender"
sleep 0.3
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json ports
json_true 'j["ports"][6]["state"] == "idle" and j["ports"][6]["faxes_failed"] == 0'
alive "$PID_a" faxgwd
ok "instance A: 7 ports configured; garbage datagrams start no call"

# --- instance B: kill -9 between reception and routing ----------------------------
Bd=$WORK/b
read -r -a PB <<< "$(free_udp_ports 1)"
# Port 2 of instance B wants instance A's port 1 address: it cannot bind.
make_instance "$Bd" 2 "${PB[0]}" "${PA[0]}"
start_gw "$Bd"
expect_rc 0 "$CTL" -s "$Bd/var/faxgw.sock" --json ports
json_true '[p["state"] for p in j["ports"]] == ["idle", "failed"]'
alive "$PID_b" faxgwd
ok "a port whose address is taken is reported failed; faxgwd serves the others"
script "$Bd" slow "echo run >> $Bd/slow.runs; sleep 3; echo slept"
ctl "$Bd" set 1 "$SIF" "$Bd/var/fax/inbox1"
ctl "$Bd" enable 1 "$SIF"
ctl "$Bd" set 1 RouteRunProgram slow
ctl "$Bd" enable 1 RouteRunProgram
ctl "$Bd" priority RouteRunProgram 1

# --- the embedded default, when its fixed ports can be had -----------------------
DEF=$WORK/def
mkdir -p "$DEF"
exec 8>/tmp/faxgw-default-ports.lock
if flock -w 10 8; then
	(cd "$DEF" && exec "$B/faxgwd" -f >>"$DEF/faxgwd.log" 2>&1) &
	PID_def=$!
	PIDS+=($!)
	wait_for_socket "$DEF/var/faxgw.sock"
else
	echo "# embedded default ports busy for 10 s: its check is skipped"
	DEF=
fi

# send_default NO TRANSPORT UDPPORT: like send_and_time, into the default's
# ./var/fax/inbox (files of port NO are named fax-<job>-pNO-...).
send_default() {
	local no=$1 tr=$2 udp=$3
	"$PEER" send "$tr" -q "127.0.0.1:$udp" doc1.tif > "$DEF/peer$no.out" 2>&1
	echo $? > "$DEF/peer$no.rc"
	local t0; t0=$(date +%s%N)
	if wait_until 3 compgen -G "$DEF/var/fax/inbox/fax-*-p$no-*.tif" >/dev/null; then
		echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$DEF/peer$no.lat"
	else
		echo none > "$DEF/peer$no.lat"
	fi
}

# --- all calls at once --------------------------------------------------------------
START=$(date +%s)
send_and_time "$A" 1 --t38 "${PA[0]}" doc3.tif & S1=$!
send_and_time "$A" 2 --audio "${PA[1]}" doc3.tif & S2=$!
send_and_time "$A" 3 --t38 "${PA[2]}" doc3.tif --stop-after-pages 1 & S3=$!
send_and_time "$A" 4 --t38 "${PA[3]}" doc1.tif & S4=$!
send_and_time "$A" 5 --t38 "${PA[4]}" doc1.tif & S5=$!
"$PEER" send --t38 -q "127.0.0.1:${PA[5]}" doc1.tif > "$A/peer6.out" 2>&1 & S6=$!
"$PEER" send --t38 -q "127.0.0.1:${PB[0]}" doc1.tif > "$Bd/peer1.out" 2>&1 & SB=$!
"$PEER" send --t38 -q "127.0.0.1:${PA[6]}" doc1.tif > "$A/peer7.out" 2>&1 & S7=$!
if [ -n "$DEF" ]; then
	send_default 1 --t38 4000 & SD1=$!
	send_default 2 --audio 4002 & SD2=$!
fi

port_receiving() {
	OUT=$("$CTL" -s "$A/var/faxgw.sock" --json ports 2>/dev/null) &&
		[ "$(json 'sum(p["state"] == "receiving" for p in j["ports"])')" -ge 5 ]
}
wait_until 10 port_receiving || fail "ports not shown receiving during the calls: $OUT"
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json info
json_true 'j["gateway"]["active_calls"] >= 5'
ok "ports show receiving and the gateway counts active calls during the calls"

# Instance B stalls for 300 ms in its call (SIGSTOP): its media thread
# says its steps ran late, and the fax still arrives (checked below).
b_receiving() {
	OUT=$("$CTL" -s "$Bd/var/faxgw.sock" --json ports 2>/dev/null) &&
		[ "$(json 'sum(p["state"] == "receiving" for p in j["ports"])')" -ge 1 ]
}
wait_until 10 b_receiving || fail "instance B: port not shown receiving: $OUT"
kill -STOP "$PID_b"; sleep 0.3; kill -CONT "$PID_b"
wait_until 5 grep -q 'media thread 0: [0-9]* step(s) of its calls ran late, up to [0-9]* ms' \
	"$Bd/faxgwd.log" || fail "instance B: no late-step report after a stall: $(tail -n 5 "$Bd/faxgwd.log")"
ok "a media thread held up 300 ms in a call logs its late steps"

# The caller on port 7 vanishes before its first page.
kill -9 "$S7" 2>/dev/null; wait "$S7" 2>/dev/null
# Garbage from another address into busy ports is dropped (their faxes
# must still arrive intact).
"$PY" -c "
import socket, os
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    for p in (${PA[0]}, ${PA[1]}):
        s.sendto(os.urandom(i % 300), ('127.0.0.1', p))
" || fail "garbage sender"

# Instance B: once its fax is committed and the slow program runs, kill -9.
wait "$SB" || fail "faxpeer to instance B failed: $(cat "$Bd/peer1.out")"
wait_until 10 test -s "$Bd/slow.runs" || fail "instance B never started routing"
kill -9 "$PID_b"
{ wait "$PID_b"; } 2>/dev/null || true
ls "$Bd"/var/spool/*.tif >/dev/null 2>&1 || fail "instance B: the fax is not in the spool after kill -9"
[ -z "$(ls -A "$Bd/var/fax/inbox1")" ] || fail "instance B: routed before the kill"
rm -f "$Bd/var/faxgw.sock"
start_gw "$Bd"
wait_until 15 compgen -G "$Bd/var/fax/inbox1/*.tif" >/dev/null ||
	fail "instance B: not routed after restart; log: $(tail -n 20 "$Bd/faxgwd.log")"
sleep 0.5
expect_rc 0 "$CTL" -s "$Bd/var/faxgw.sock" --json jobs
json_true 'len(j["jobs"]) == 1 and j["jobs"][0]["state"] == "done"'
[ "$(ls "$Bd/var/fax/inbox1" | wc -l)" -eq 1 ] || fail "instance B: routed more than once"
[ -z "$(ls "$Bd"/var/spool/*.tif 2>/dev/null)" ] || fail "instance B: spool file left after routing"
ok "kill -9 between reception and routing: after restart routed exactly once"

for s in S1 S2 S4 S5; do
	wait "${!s}"
done
for i in 1 2 4 5; do
	[ "$(cat "$A/peer$i.rc")" = 0 ] || fail "faxpeer to port $i failed: $(cat "$A/peer$i.out")"
done
for i in 1 2; do
	lat=$(cat "$A/peer$i.lat")
	[ "$lat" != none ] && [ "$lat" -le 1000 ] ||
		fail "port $i: fax not in inbox$i within 1 s of faxpeer's exit ($lat)"
	f=$(ls "$A/var/fax/inbox$i"/*.tif)
	"$DOC" compare doc3.tif "$f" || fail "port $i: pages differ"
done
ok "T.38 and G.711 3-page faxes in their inbox within 1 s of faxpeer's exit, pages identical"

expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json ports
json_true '[p["faxes_received"] for p in j["ports"]][:2] == [1, 1] and [p["pages_received"] for p in j["ports"]][:2] == [3, 3]'
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" ports
echo "$OUT" | grep -q 'p1' || fail "ports: $OUT"
ok "faxgwctl ports shows the counters"

if [ -n "$DEF" ]; then
	wait "$SD1"
	wait "$SD2"
	for i in 1 2; do
		[ "$(cat "$DEF/peer$i.rc")" = 0 ] || fail "default port $i: faxpeer failed: $(cat "$DEF/peer$i.out")"
		lat=$(cat "$DEF/peer$i.lat")
		[ "$lat" != none ] && [ "$lat" -le 1000 ] ||
			fail "default port $i: not in ./var/fax/inbox within 1 s ($lat)"
		"$DOC" compare doc1.tif "$(ls "$DEF"/var/fax/inbox/fax-*-p$i-*.tif)" ||
			fail "default port $i: pages differ"
	done
	# faxgwctl finds ./var/faxgw.sock by itself at the top of the tree.
	OUT=$(cd "$DEF" && FAXGW_SOCKET= "$CTL" --json ports) || fail "faxgwctl ports in $DEF"
	json_true '[(p["id"], p["faxes_received"], p["pages_received"]) for p in j["ports"]][:2] == [(1, 1, 1), (2, 1, 1)]'
	kill -TERM "$PID_def"
	wait "$PID_def" 2>/dev/null
	exec 8>&-
	ok "embedded default: T.38 to 4000 and G.711 to 4002 land in ./var/fax/inbox within 1 s, pages identical"
fi

# Run program that fails twice then succeeds; Store in folder ran once.
wait_until 10 grep -qx 3 "$A/flaky.count" || fail "flaky program not retried to success"
sleep 0.3
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json jobs
json_true '[x for x in j["jobs"] if x["port"] == 4][0]["state"] == "done" and [x for x in j["jobs"] if x["port"] == 4][0]["attempts"] == 3'
[ "$(ls "$A/var/fax/inbox4" | wc -l)" -eq 1 ] || fail "Store in folder on port 4 ran more than once"
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json methods 4
json_true '[m for m in j["methods"] if m["function_name"] == "RouteRunProgram"][0]["routed"] == 1 and [m for m in j["methods"] if m["function_name"] == "RouteRunProgram"][0]["failures"] == 2'
ok "Run program failing twice then succeeding is retried to success; other methods not re-run"

# Always failing: dead letter.
wait_until 10 compgen -G "$A/var/spool/failed/*.tif" >/dev/null || fail "no dead letter in spool/failed/"
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json jobs --failed
json_true 'any(x["port"] == 5 and x["state"] == "failed" and "target is down" in x["last_error"] for x in j["jobs"])'
J5=$(json '[x["id"] for x in j["jobs"] if x["port"] == 5][0]')
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" jobs --failed
echo "$OUT" | grep -q "^$J5 " || fail "jobs --failed does not list job $J5: $OUT"
[ -e "$A/var/spool/failed/$J5.tif" ] || fail "job $J5 not in spool/failed/"
ok "always failing target: dead-lettered into spool/failed/ and listed by jobs --failed"

script "$A" broken 'echo fixed; exit 0'
ctl "$A" retry "$J5"
wait_until 5 sh -c "! test -e '$A/var/spool/failed/$J5.tif' && ! test -e '$A/var/spool/$J5.tif'" ||
	fail "retry: job $J5 file still in the spool"
sleep 0.3
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json jobs
json_true "[x for x in j['jobs'] if x['id'] == $J5][0]['state'] == 'done'"
ok "faxgwctl retry re-routes a dead-lettered job"

# A reload (SIGHUP) replaces the router process; the faxes still to come
# (ports 3 and 6) are routed by the new one.
kill -HUP "$PID_a"
sleep 0.3
alive "$PID_a" faxgwd

# The crashing extension: retried, then dead-lettered; port 6 counted it.
wait "$S6" || fail "faxpeer to port 6 failed: $(cat "$A/peer6.out")"
wait_until 10 sh -c "'$CTL' -s '$A/var/faxgw.sock' --json jobs --failed | grep -q SIGSEGV" ||
	fail "crash_route job not dead-lettered"
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json jobs --failed
json_true 'any(x["port"] == 6 and x["attempts"] == 3 and "routing function crashed (SIGSEGV)" in x["last_error"] for x in j["jobs"])'
alive "$PID_a" faxgwd
ok "a segfaulting routing function costs only its attempts: retried, dead-lettered, faxgwd alive"

# The partial fax (the gateway notices the cut call by silence or T.30 timeout).
wait "$S3"
wait_until 40 compgen -G "$A/var/fax/inbox3/*.tif" >/dev/null || fail "partial fax not routed"
wait_until 5 compgen -G "$A/rec-*.env" >/dev/null || fail "partial fax: Run program not run"
grep -q '^FAXGW_PARTIAL=1$' "$A"/rec-*.env || fail "partial fax not flagged: $(cat "$A"/rec-*.env)"
grep -q '^FAXGW_PAGES=1$' "$A"/rec-*.env || fail "partial fax pages: $(cat "$A"/rec-*.env)"
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json jobs
json_true 'any(x["port"] == 3 and x["partial"] and x["pages"] == 1 and x["state"] == "done" for x in j["jobs"])'
[ "$("$DOC" pages "$(ls "$A/var/fax/inbox3"/*.tif)")" = 1 ] || fail "partial fax: page count"
ok "a call cut after page 1: partial fax stored, flagged and routed"
# A static port's fax: its transport named, no SIP identities (empty, not absent).
grep -q '^FAXGW_TRANSPORT=T.38 (static port)$' "$A"/rec-*.env ||
	fail "static port: FAXGW_TRANSPORT: $(grep TRANSPORT "$A"/rec-*.env)"
for v in CALL_ID FROM TO USER_AGENT; do
	grep -q "^FAXGW_SIP_$v=\$" "$A"/rec-*.env || fail "static port: FAXGW_SIP_$v: $(cat "$A"/rec-*.env)"
done
id=$(sed -n 's/^FAXGW_JOB_ID=//p' "$A"/rec-*.env)
expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json job "$id"
json_true 'j["job"]["id"] == '"$id"' and j["job"]["partial"] and j["transport"] == "T.38 (static port)" and j["sip"] == {"call_id": "", "from": "", "to": "", "user_agent": ""} and j["port_name"] == "p3" and j["local_ident"] == "+1 555 0103" and j["caller"].startswith("127.0.0.1:")'
json_true 'sorted(m["state"] for m in j["methods"]) == ["done", "done"] and j["t30_status"] != 0 and j["t30_text"] != ""'
ok "a static port's fax: FAXGW_TRANSPORT 'T.38 (static port)', FAXGW_SIP_* empty; faxgwctl job shows the same with its methods and T.30 result"

expect_rc 0 "$CTL" -s "$A/var/faxgw.sock" --json info
json_true 'j["gateway"]["dead_letters"] == 1 and j["gateway"]["active_calls"] == 0 and j["gateway"]["spool_pending"] == 0'
ok "gateway info: dead letters, active calls, spool pending"

# Port 7: the vanished caller ends as a failed reception.
port7_failed() {
	OUT=$("$CTL" -s "$A/var/faxgw.sock" --json ports 2>/dev/null) &&
		[ "$(json 'j["ports"][6]["faxes_failed"]')" = 1 ]
}
wait_until 30 port7_failed || fail "port 7: vanished caller not counted as failed: $OUT"
json_true 'j["ports"][6]["state"] == "idle" and j["ports"][6]["faxes_received"] == 0'
[ -z "$(ls -A "$A/var/spool/tmp")" ] || fail "spool/tmp not empty: $(ls "$A/var/spool/tmp")"
ok "a caller that vanishes before any page: reception failed, counted, port idle, nothing left"

sleep 0.5
for t in 1 2 3 4 5 7; do
	grep -q "^$t " "$A/events.txt" || fail "no event of type $t; events: $(cat "$A/events.txt")"
done
grep -q "^1 1 [1-9][0-9]* 0 +49 30 1$" "$A/events.txt" ||
	fail "fax received event of port 1: $(grep '^1 ' "$A/events.txt")"
grep -q "^2 7 0 0 " "$A/events.txt" || fail "receive failed event of port 7: $(grep '^2 ' "$A/events.txt")"
grep -q "^7 1 0 2 " "$A/events.txt" && grep -q "^7 1 0 1 " "$A/events.txt" ||
	fail "port state events of port 1: $(grep '^7 ' "$A/events.txt")"
grep -q "^5 6 .*SIGSEGV" "$A/events.txt" || fail "dead letter event of port 6: $(grep '^5 ' "$A/events.txt")"
ok "events: fax received, receive failed, routing succeeded/failed/dead-lettered, port state"
alive "$PID_a" faxgwd
echo "elapsed $(( $(date +%s) - START )) s"
echo "$NCHECK passed, 0 failed"
