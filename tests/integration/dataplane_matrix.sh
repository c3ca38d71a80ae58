#!/usr/bin/env bash
# dataplane_matrix.sh - faxes of every kind into one real faxgwd, at once.
#
# One faxgwd with its own configuration (free ports, no embedded default)
# and one port per call; every call runs concurrently:
#   ports 1-8  the matrix: T.38, G.711 PCMU and G.711 PCMA ports (a port per
#              codec, `codec = pcma` where it applies), 1 and 3 pages,
#              standard, fine and mixed resolution, ECM and non-ECM.  A
#              covering set: every pair of transport x ECM, of transport x
#              pages, of transport x resolution, of pages x resolution, of
#              ECM x pages and of ECM x resolution occurs; non-ECM is once
#              refused by the port (`ecm = no`) rather than by the caller.
#   port 9     T.38 through a relay (udp_relay.py, fixed seed) that drops
#              20% of the datagrams in each direction; ECM and redundancy.
#   port 10    T.38 version 3 (`t38-version = 3`, faxpeer --t38-version 3).
#   port 11    G.711 with a caller that stalls 250 ms early on (see STALL
#              below): faxgwd's RTP play-out must re-align to it.
# Store in folder is enabled on every port through faxgwctl after start.
# Each stored TIFF must equal the sent pages pixel for pixel (faxtestdoc
# compare), and `faxgwctl --json ports` must count the faxes and pages.
# The T.38 calls are captured by `faxpeer --pcap`; tshark must decode the
# UDPTL that faxgwd sent (versions 0 and 3) as T.38 with no malformed
# packet and no expert error.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
RELAY="$(cd "$(dirname "$0")" && pwd)/udp_relay.py"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/store_folder.so" "$RELAY"; do
	[ -e "$x" ] || skip "$x is not there (not built?)"
done
command -v tshark >/dev/null || skip "tshark is not installed (tools/install-deps)"
cd "$WORK" || exit 1
START=$(date +%s)

# The calls: port transport ecm pages resolution [faxpeer options]
#   transport: t38 | pcmu | pcma; ecm: ecm | noecm (caller refuses) |
#   portnoecm (the port is configured with ecm = no, the caller offers it).
CALLS=(
	"1 t38 ecm 1 standard"
	"2 t38 noecm 3 fine"
	"3 pcmu ecm 3 standard"
	"4 pcmu noecm 1 fine"
	"5 pcma ecm 1 fine"
	"6 pcma portnoecm 3 standard"
	"7 t38 ecm 3 mixed --ec fec"
	"8 pcmu ecm 1 standard --rate 9600"
	"9 t38 ecm 3 standard --ec redundancy"
	"10 t38 ecm 1 fine --t38-version 3"
)
LOSSY=9
# A G.711 caller that stalls for 250 ms 1.5 s into the call, during the
# answer tone (SIGSTOP/SIGCONT; a gap there costs nothing by itself), as
# a sender does after a scheduling hiccup or a network delay step: its
# stream then runs ~150 ms behind (faxpeer catches up 100 ms, then
# re-anchors its clock).  faxgwd's RTP play-out (gateway/media/rtp.c)
# re-aligns when it ran dry and the stream turns up behind it; before it
# did, every later packet was dropped as late and the call failed.
STALL=11
ALL=("${CALLS[@]}" "$STALL pcmu ecm 1 standard stall")
NPORTS=${#ALL[@]}

# fields CALL: splits a line of CALLS into no tr ecm pages res opts.
fields() { read -r no tr ecm pages res opts <<< "$1"; }

# The documents: PAGES x RESOLUTION, one seed each.
for d in "1 standard 21" "1 fine 22" "3 standard 23" "3 fine 24" "3 mixed 25"; do
	read -r pages res seed <<< "$d"
	"$DOC" make "doc-$pages-$res.tif" "$pages" "$res" "$seed" >/dev/null ||
		fail "faxtestdoc make $d"
done

# --- the gateway ---------------------------------------------------------------
read -r -a UDP <<< "$(free_udp_ports "$NPORTS")"
mkdir -p ext var/fax
chmod 755 ext
cp "$B/routing/store_folder.so" ext/
chmod 755 ext/store_folder.so
{
	printf '[gateway]\nspool = %s/var/spool\nstate = %s/var/faxgw.db\n' "$WORK" "$WORK"
	printf 'control = %s/var/faxgw.sock\nextensions = %s/ext\n' "$WORK" "$WORK"
	printf 'store-root = %s/var/fax\nretry = 3 200ms\n' "$WORK"
	for c in "${ALL[@]}"; do
		fields "$c"
		printf '\n[port %d]\nname = m%d\nlisten = 127.0.0.1:%s\nlocal-ident = +1 555 01%02d\n' \
			"$no" "$no" "${UDP[$((no - 1))]}" "$no"
		case $tr in
		t38) printf 'transport = t38\nudptl-ec = redundancy\n' ;;
		*) printf 'transport = audio\ncodec = %s\n' "$tr" ;;
		esac
		[ "$ecm" = portnoecm ] && printf 'ecm = no\n'
		case " $opts " in *" --t38-version 3 "*) printf 't38-version = 3\n' ;; esac
		mkdir -p "var/fax/inbox$no"
	done
} > faxgw.conf
"$B/faxgwd" -f -c "$WORK/faxgw.conf" >>"$WORK/faxgwd.log" 2>&1 &
GW=$!
PIDS+=("$GW")
wait_for_socket "$WORK/var/faxgw.sock"
TRANSPORTS=
for c in "${ALL[@]}"; do
	fields "$c"
	expect_rc 0 "$CTL" -s var/faxgw.sock set "$no" "$SIF" "$WORK/var/fax/inbox$no"
	expect_rc 0 "$CTL" -s var/faxgw.sock enable "$no" "$SIF"
	TRANSPORTS+="'$([ "$tr" = t38 ] && echo t38 || echo audio)',"
done
expect_rc 0 "$CTL" -s var/faxgw.sock --json ports
json_true "len(j['ports']) == $NPORTS and all(p['state'] == 'idle' for p in j['ports'])"
json_true "[p['transport'] for p in j['ports']] == [$TRANSPORTS]"
ok "faxgwd with $NPORTS ports (T.38, PCMU, PCMA) on free ports; Store in folder enabled on each"

# --- the lossy relay in front of port $LOSSY -------------------------------------------
"$PY" "$RELAY" --upstream "127.0.0.1:${UDP[$((LOSSY - 1))]}" --port-file relay.port \
	--loss 0.2 --seed "${RELAY_SEED:-38}" --stats relay.json --idle 60 2>relay.err &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
wait_until 5 test -s relay.port || fail "the relay did not start: $(cat relay.err)"
RELAY_PORT=$(cat relay.port)

# --- all calls at once ------------------------------------------------------------
# call PORT TRANSPORT ECM PAGES RES [OPTIONS]: faxpeer send to the port (or
# the relay), its exit status in peerN.rc.
call() {
	local no=$1 tr=$2 ecm=$3 pages=$4 res=$5 dest stall=; shift 5
	[ "${1:-}" = stall ] && { stall=1; shift; }
	local args=(send -q --timeout 150 --ident "+49 30 $no")
	case $tr in
	t38) args+=(--t38 --pcap "call$no.pcap") ;;
	*) args+=(--audio --codec "$tr") ;;
	esac
	[ "$ecm" = noecm ] && args+=(--no-ecm) || args+=(--ecm)
	dest=127.0.0.1:${UDP[$((no - 1))]}
	[ "$no" = "$LOSSY" ] && dest=127.0.0.1:$RELAY_PORT
	"$PEER" "${args[@]}" "$@" "$dest" "doc-$pages-$res.tif" >"peer$no.out" 2>&1 &
	local pid=$!
	echo "$pid" >"peer$no.pid"
	if [ -n "$stall" ]; then
		sleep 1.5
		kill -STOP "$pid" 2>/dev/null
		sleep 0.25
		kill -CONT "$pid" 2>/dev/null
	fi
	wait "$pid"
	echo $? >"peer$no.rc"
}
# On an early exit, the callers still running go too.
stop_callers() {
	local f
	for f in "$WORK"/peer*.pid; do
		[ -e "$f" ] && [ ! -e "${f%.pid}.rc" ] && kill "$(cat "$f")" 2>/dev/null
	done
	return 0
}
trap 'MX_RC=$?; stop_callers; (exit "$MX_RC"); cleanup' EXIT
CALL_PIDS=()
for c in "${ALL[@]}"; do
	# shellcheck disable=SC2086
	call $c &
	CALL_PIDS+=($!)
done
PIDS+=("${CALL_PIDS[@]}")

all_receiving() {
	OUT=$("$CTL" -s var/faxgw.sock --json ports 2>/dev/null) &&
		[ "$(json 'sum(p["state"] == "receiving" for p in j["ports"])')" -ge "$NPORTS" ]
}
wait_until 15 all_receiving || fail "not all $NPORTS ports were receiving at once: $OUT"
ok "$NPORTS calls in progress at once, every port receiving"

# Wait for the callers; a faxgwd that dies meanwhile fails the test at once.
calls_running() {
	local p
	for p in "${CALL_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
while calls_running; do
	alive "$GW" faxgwd
	sleep 0.5
done
for p in "${CALL_PIDS[@]}"; do wait "$p"; done
CALLS_DONE=$(date +%s)
kill -TERM "$RELAY_PID" 2>/dev/null
wait "$RELAY_PID" 2>/dev/null

# --- the matrix: pages identical, summary right ----------------------------------------
# What faxgwd says of the quality of port $1's fax (for a failure message).
job_quality() {
	"$CTL" -s var/faxgw.sock --json jobs 2>/dev/null | "$PY" -c "import json,sys
j=[x for x in json.load(sys.stdin)['jobs'] if x['port'] == $1]
print('; '.join('job %d: %s' % (x['id'], 'degraded pages %s, %d bad rows' % (x['degraded_list'], x['bad_rows']) if x['degraded'] else 'reported intact') for x in j) or 'no job')" 2>/dev/null
}
inbox_has() { compgen -G "var/fax/inbox$1/*.tif" >/dev/null; }
for c in "${CALLS[@]}"; do
	fields "$c"
	[ "$(cat "peer$no.rc")" = 0 ] || fail "port $no ($c): faxpeer failed: $(cat "peer$no.out")"
	sum=$(grep 'result: OK' "peer$no.out") || fail "port $no: no OK summary: $(cat "peer$no.out")"
	case $ecm in
	ecm) case $sum in *", ECM,"*) ;; *) fail "port $no: not sent with ECM: $sum" ;; esac ;;
	*) case $sum in *", no ECM,"*) ;; *) fail "port $no: ECM used although refused: $sum" ;; esac ;;
	esac
	case $tr in
	pcmu) case $sum in *"(audio, PCMU)"*) ;; *) fail "port $no: not PCMU: $sum" ;; esac ;;
	pcma) case $sum in *"(audio, PCMA)"*) ;; *) fail "port $no: not PCMA: $sum" ;; esac ;;
	t38) case $sum in *"(T.38)"*) ;; *) fail "port $no: not T.38: $sum" ;; esac ;;
	esac
	case $sum in *"sent $pages page"*) ;; *) fail "port $no: page count: $sum" ;; esac
	wait_until 5 inbox_has "$no" ||
		fail "port $no: no fax in inbox$no; log: $(tail -n 20 faxgwd.log)"
	files=(var/fax/inbox"$no"/*.tif)
	[ "${#files[@]}" -eq 1 ] || fail "port $no: ${#files[@]} files in inbox$no"
	"$DOC" compare "doc-$pages-$res.tif" "${files[0]}" >"compare$no.out" 2>&1 ||
		fail "port $no ($c): stored pages differ from the sent ones ($(job_quality "$no")): $(cat "compare$no.out")"
done
ok "matrix: T.38/PCMU/PCMA x ECM/non-ECM x 1/3 pages x standard/fine/mixed: stored pages identical"

# Page quality as faxgwd reports it: every fax stored intact is reported
# intact (a fax with bad rows would be reported degraded, never good).
expect_rc 0 "$CTL" -s var/faxgw.sock --json jobs
for c in "${CALLS[@]}"; do
	fields "$c"
	json_true "[(x['degraded'], x['degraded_pages'], x['bad_rows'], x['longest_bad_run'], x['degraded_list']) for x in j['jobs'] if x['port'] == $no] == [(False, 0, 0, 0, [])]"
done
ok "faxgwctl --json jobs: every fax stored intact is reported intact"

expect_rc 0 "$CTL" -s var/faxgw.sock --json ports
for c in "${CALLS[@]}"; do
	fields "$c"
	json_true "[(p['faxes_received'], p['pages_received'], p['faxes_failed'], p['state']) for p in j['ports'] if p['id'] == $no] == [(1, $pages, 0, 'idle')]"
	json_true "[p['last_remote_ident'] for p in j['ports'] if p['id'] == $no] == ['+49 30 $no']"
done
ok "faxgwctl --json ports: faxes_received, pages_received and the caller's ident match on every port"

# --- 20% loss -----------------------------------------------------------------------
# The relay really dropped about a fifth each way, and faxgwd recovered
# datagrams from redundancy.
[ -s relay.json ] || fail "the relay wrote no counters: $(cat relay.err)"
OUT=$(cat relay.json)
json_true 'j["up_forwarded"] > 100 and j["down_forwarded"] > 10 and j["foreign"] == 0'
json_true 'all(0.10 <= j[w + "_dropped"] / (j[w + "_dropped"] + j[w + "_forwarded"]) <= 0.30 for w in ("up", "down"))'
line=$(grep "port $LOSSY: call from .*datagrams in" faxgwd.log) ||
	fail "no call counters for port $LOSSY in the log"
rec=$(sed -n 's/.*recovered \([0-9]*\),.*/\1/p' <<<"$line")
[ "${rec:-0}" -gt 0 ] || fail "port $LOSSY: nothing recovered from redundancy: $line"
ok "T.38 through 20% datagram loss each way (relay: $(json 'j["up_dropped"]')+$(json 'j["down_dropped"]') dropped, faxgwd recovered $rec): pages identical"

# --- tshark on the UDPTL faxgwd sent ---------------------------------------------------
# tshark_check PORTNO: decodes callN.pcap as T.38 on the port's UDP port;
# the datagrams faxgwd sent must be T.38, none malformed, no expert error.
tshark_check() {
	local no=$1 port n total bad
	port=${UDP[$((no - 1))]}
	[ "$no" = "$LOSSY" ] && port=$RELAY_PORT
	total=$(tshark -n -r "call$no.pcap" -d "udp.port==$port,t38" \
		-Y "udp.srcport == $port" 2>tshark.err | wc -l)
	n=$(tshark -n -r "call$no.pcap" -d "udp.port==$port,t38" \
		-Y "udp.srcport == $port && t38" 2>>tshark.err | wc -l)
	bad=$(tshark -n -r "call$no.pcap" -d "udp.port==$port,t38" \
		-Y "udp.srcport == $port && (_ws.malformed || _ws.expert.severity >= error)" 2>>tshark.err)
	[ "$total" -gt 0 ] || fail "tshark: no datagrams from faxgwd in call$no.pcap: $(cat tshark.err)"
	[ "$n" -eq "$total" ] || fail "tshark: only $n of $total datagrams from port $no decoded as T.38"
	[ -z "$bad" ] || fail "tshark: malformed or erroneous T.38 from port $no: $bad"
	TS_COUNTS="$TS_COUNTS $total"
}
TS_COUNTS=
for no in 1 2 7; do tshark_check "$no"; done
ok "tshark decodes every UDPTL datagram faxgwd sent, version 0 (ports 1 2 7:$TS_COUNTS), none malformed"
TS_COUNTS=
tshark_check 10
ok "tshark decodes every UDPTL datagram faxgwd sent, version 3 ($TS_COUNTS), none malformed"

# --- the stalled G.711 caller (see STALL above) -----------------------------------
stall_result() {
	[ "$(cat "peer$STALL.rc")" = 0 ] || { echo "faxpeer failed: $(cat "peer$STALL.out")"; return 1; }
	wait_until 5 inbox_has "$STALL" || { echo "no fax in inbox$STALL"; return 1; }
	"$DOC" compare doc-1-standard.tif var/fax/inbox"$STALL"/*.tif 2>&1 || return 1
}
if why=$(stall_result); then
	ok "G.711 caller stalled 250 ms early in the call: fax complete, pages identical"
else
	line=$(grep "port $STALL: call from .*datagrams in" faxgwd.log)
	fail "G.711 caller stalled 250 ms early in the call: $why; faxgwd: ${line#*: call from }"
fi

alive "$GW" faxgwd
no_active_calls() {
	OUT=$("$CTL" -s var/faxgw.sock --json info 2>/dev/null) &&
		[ "$(json 'j["gateway"]["active_calls"]')" = 0 ]
}
wait_until 30 no_active_calls || fail "calls still active at the end: $OUT"
json_true 'j["gateway"]["dead_letters"] == 0'
ok "faxgwd alive, no active call, no dead letter"
echo "# calls took $((CALLS_DONE - START)) s, all $(( $(date +%s) - START )) s"
echo "$NCHECK passed, 0 failed"
