#!/usr/bin/env bash
# send_fax.sh - faxes sent by faxgwd (DESIGN 3b; faxgwd(8) SENDING):
# `faxgwctl send --wait` submits a document to a private faxgwd, which
# calls `faxpeer receive --sip-listen` (a fax machine behind SIP) and
# sends it; what faxpeer receives equals what was sent, page for page and
# pixel for pixel.  Cases, run concurrently, one sip port each: a 3-page
# TIFF over G.711 (t38 = no); over T.38 after faxgwd's re-INVITE (t38 =
# offer); over T.38 after faxpeer's re-INVITE (t38 = accept, faxpeer
# --t38 offer); a 2-page Letter PDF made here with Ghostscript: 2 pages
# received, equal to this script's own rendering of it at the gateway's
# settings (gs tiffg4, 204x196 dpi, fitted to A4: 1728 pixels wide).
# Then `faxgwctl jobs` lists each as a send job, done; `faxgwctl job N`
# shows its details; the ports' send counters count them.
#
# Written against the interfaces of DESIGN 3b and admin.h before they were
# merged: `faxgwctl send [-p PORT] [--wait] TO FILE` prints the job id
# (the first number it prints); --wait exits 0 only when every page was
# confirmed; the JSON keys are the C fields' names (fgw_job direction and
# to, fgw_job_info document_pages, sip_status and submitted_by,
# fgw_port_info faxes_sent and pages_sent), direction "send" or
# "receive", state "done".  Loopback only, about a minute.
. "$(dirname "$0")/lib.sh"

FP="$B/faxpeer"
TD="$B/faxtestdoc"
CTL="$B/faxgwctl"
for x in "$B/faxgwd" "$FP" "$TD" "$CTL"; do
	[ -x "$x" ] || skip "$x not built (make tests-build)"
done
"$CTL" help send >/dev/null 2>&1 || skip "faxgwctl has no send command yet"
"$FP" --help 2>&1 | grep -q -- '--sip-listen' || skip "$FP has no --sip-listen"
GS=$(command -v gs) || skip "Ghostscript (gs) is not installed (tools/install-deps)"
cd "$WORK" || exit 1
P=$(free_udp_tcp_port)
[ -n "$P" ] || fail "no free port for SIP"
mkdir -p var/spool var/fax

# port ID T38: one sip port with two channels.
port() {
	printf '\n[port %s]\nname = s%s\ntransport = sip\nsip-user = 20%s\nchannels = 2\nt38 = %s\ncodecs = pcmu, pcma\n' \
		"$1" "$1" "$1" "$2"
}
{
	gateway_section "send-retry  = 1 1s"
	cat <<CONF
[sip]
listen      = udp:127.0.0.1:$P
media-ports = $(media_ports)
allow       = 127.0.0.1/32
from        = sip:fax@127.0.0.1
CONF
	port 21 no        # G.711 only
	port 22 offer     # faxgwd re-INVITEs to T.38
	port 23 accept    # faxpeer re-INVITEs to T.38
	port 24 no        # the PDF
} > faxgwd.conf
start_faxgwd -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
S=(-s "$WORK/var/faxgw.sock")

# --- documents --------------------------------------------------------------
"$TD" make three.tif 3 fine 41 || fail "faxtestdoc make"
cat > doc.ps <<'PS'
%!PS
/Helvetica findfont 28 scalefont setfont
1 1 2 {
  /n exch def
  72 700 moveto (faxgw sends page ) show n 3 string cvs show
  72 650 moveto (The quick brown fox jumps over the lazy dog.) show
  2 setlinewidth 72 100 moveto 540 100 lineto stroke
  n 2 eq { 300 400 100 0 360 arc stroke } if
  showpage
} for
PS
"$GS" -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sPAPERSIZE=letter \
	-sOutputFile=doc.pdf doc.ps 2>gs.err || fail "gs pdfwrite: $(cat gs.err)"
# What the gateway must send: the same rendering (docs/internals.md).
"$GS" -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=tiffg4 -r204x196 -sPAPERSIZE=a4 -dFIXEDMEDIA \
	-dPDFFitPage -dAdjustWidth=1 -sOutputFile=pdf-ref.tif doc.pdf 2>gs.err ||
	fail "gs tiffg4: $(cat gs.err)"
[ "$("$TD" pages pdf-ref.tif)" = 2 ] || fail "the reference rendering has not 2 pages"

# --- the faxes, all at once ---------------------------------------------------
# The event stream, followed from before the first send (JSON Lines), and
# `faxgwctl calls` every half second while the faxes run.
"$CTL" "${S[@]}" --json events -f > events.log 2> events.err &
EVPID=$!
PIDS+=("$EVPID")
sleep 0.3
(
	for _ in $(seq 1 400); do
		[ -e calls.stop ] && break
		"$CTL" "${S[@]}" --json calls 2>/dev/null | tr -d '\n' >> calls.log && echo >> calls.log
		sleep 0.5
	done
) &
PIDS+=("$!")
declare -A RX TX RP
read -r -a FREE <<< "$(free_udp_ports 4)"

# start NAME PORT DOC RX-OPTIONS: a receiver on a free port, then
# `faxgwctl send --wait` from PORT to it, both in the background.
start() {
	local name=$1 port=$2 doc=$3 rxo=$4 rp=${FREE[$5]}
	mkdir -p "$name"
	# shellcheck disable=SC2086
	"$FP" receive --sip-listen "127.0.0.1:$rp" $rxo --timeout 200 "$name/got.tif" \
		>"$name/rx.out" 2>"$name/rx.err" &
	RX[$name]=$!
	PIDS+=("$!")
	wait_until 5 grep -qs 'listening on' "$name/rx.err" ||
		fail "$name: receiver did not start: $(cat "$name/rx.err")"
	RP[$name]="sip:fax@127.0.0.1:$rp"
	"$CTL" "${S[@]}" send -p "$port" --wait "${RP[$name]}" "$doc" \
		>"$name/send.out" 2>"$name/send.err" &
	TX[$name]=$!
	PIDS+=("$!")
}
start g711 21 three.tif "--t38 no" 0
start ours 22 three.tif "--t38 accept" 1
start theirs 23 three.tif "--t38 offer" 2
start pdf 24 doc.pdf "--t38 no" 3

declare -A JOB
# finish NAME PAGES RX-REGEX: both ends' exit statuses, the job id, the
# receiver's summary.
finish() {
	local name=$1 txrc rxrc id
	wait "${TX[$name]}"; txrc=$?
	wait "${RX[$name]}"; rxrc=$?
	[ "$txrc" -eq 0 ] || fail "$name: faxgwctl send --wait exited $txrc: $(cat "$name/send.out" "$name/send.err")"
	[ "$rxrc" -eq 0 ] || fail "$name: faxpeer exited $rxrc: $(cat "$name/rx.out") $(tail -n 8 "$name/rx.err")"
	id=$(grep -Eo '[0-9]+' "$name/send.out" | head -n 1)
	[ -n "$id" ] || fail "$name: faxgwctl send printed no job id: $(cat "$name/send.out")"
	JOB[$name]=$id
	grep -Eq "^faxpeer: received $2 pages? from .*result: OK$" "$name/rx.out" ||
		fail "$name: receiver summary: $(cat "$name/rx.out")"
	grep -Eq "$3" "$name/rx.out" || fail "$name: summary '$(cat "$name/rx.out")' does not match /$3/"
	echo "# $name: job $id; $(cat "$name/rx.out")"
}
same_doc() {   # NAME SENT RECEIVED
	"$TD" compare "$2" "$3" 2>cmp.err || fail "$1: $(cat cmp.err)"
}

finish g711 3 '\(g711 pcm[au] ptime [0-9]+\), .*sip 200, result: OK$'
same_doc g711 three.tif g711/got.tif
ok "3-page TIFF over G.711 (t38 = no): every page confirmed, received == sent"

finish ours 3 '\(t38 v0 after re-INVITE\), .*result: OK$'
same_doc ours three.tif ours/got.tif
ok "3-page TIFF, faxgwd's T.38 re-INVITE (t38 = offer): the fax goes on T.38, received == sent"

finish theirs 3 '\(t38 v0 after re-INVITE\), .*result: OK$'
grep -q 'sending a T.38 re-INVITE' theirs/rx.err || fail "theirs: faxpeer sent no re-INVITE"
same_doc theirs three.tif theirs/got.tif
ok "3-page TIFF, faxpeer's T.38 re-INVITE accepted mid-call: received == sent"

finish pdf 2 'result: OK$'
same_doc pdf pdf-ref.tif pdf/got.tif
ok "2-page Letter PDF: rendered to 2 pages 1728 wide, received == Ghostscript's own rendering"

# --- what faxgwctl shows ---------------------------------------------------------
alive "$FAXGWD_PID" faxgwd
touch calls.stop
for name in g711 ours theirs pdf; do
	id=${JOB[$name]}
	for ev in send-queued send-dialing send-done; do
		"$PY" -c '
import json, sys
job, kind = int(sys.argv[1]), sys.argv[2]
evs = [json.loads(l) for l in open("events.log") if l.strip()]
sys.exit(0 if any(e.get("job") == job and e.get("type") == kind for e in evs) else 1)
' "$id" "$ev" || fail "no $ev event for job $id: $(cat events.log)"
	done
done
ok "faxgwctl events: send-queued, send-dialing and send-done for every job"
"$PY" -c '
import json, sys
seen = set()
for line in open("calls.log"):
    if line.strip():
        seen.update(c["port"] for c in json.loads(line).get("calls", []))
sys.exit(0 if {21, 22, 23, 24} <= seen else 1)
' || fail "faxgwctl calls never listed the sending calls: $(tail -n 3 calls.log)"
ok "faxgwctl calls listed the calls in progress on every sending port"
OUT=$("$CTL" "${S[@]}" log) || fail "faxgwctl log: $OUT"
for name in g711 ours theirs pdf; do
	grep -E "send job ${JOB[$name]} port" <<<"$OUT" | grep -q "uid $(id -u)" ||
		fail "the audit log does not say who submitted job ${JOB[$name]}: $OUT"
done
ok "the audit log records who submitted each send"
OUT=$("$CTL" "${S[@]}" --json jobs) || fail "faxgwctl --json jobs: $OUT"
for name in g711 ours theirs pdf; do
	case $name in g711) port=21 pages=3 ;; ours) port=22 pages=3 ;; theirs) port=23 pages=3 ;;
		pdf) port=24 pages=2 ;; esac
	json_true "any(x['id'] == ${JOB[$name]} and x['direction'] == 'send' and x['state'] == 'done' and x['port'] == $port and x['pages'] == $pages and x['to'] == '${RP[$name]}' for x in j['jobs'])"
done
json_true "all(x['direction'] == 'send' for x in j['jobs']) and len(j['jobs']) == 4"
OUT=$("$CTL" "${S[@]}" jobs) || fail "faxgwctl jobs: $OUT"
head -n 1 <<<"$OUT" | grep -qi 'DIR' || fail "faxgwctl jobs: no direction column: $(head -n 1 <<<"$OUT")"
for name in g711 ours theirs pdf; do
	line=$(grep -E "^ *${JOB[$name]} " <<<"$OUT") || fail "faxgwctl jobs: no row for job ${JOB[$name]}: $OUT"
	grep -qw 'send' <<<"$line" || fail "faxgwctl jobs: job ${JOB[$name]} is not shown as a send: $line"
	grep -qw 'done' <<<"$line" || fail "faxgwctl jobs: job ${JOB[$name]} is not shown done: $line"
done
ok "faxgwctl jobs: each fax is a send job, done, with its port, pages and destination (JSON and the DIRECTION column)"

OUT=$("$CTL" "${S[@]}" --json job "${JOB[ours]}") || fail "faxgwctl --json job ${JOB[ours]}: $OUT"
json_true "j['job']['id'] == ${JOB[ours]} and j['job']['direction'] == 'send' and j['job']['state'] == 'done' and j['job']['port'] == 22 and j['job']['to'] == '${RP[ours]}'"
json_true "j['document_pages'] == 3 and j['job']['pages'] == 3 and j['sip_status'] == 200 and j['t30_status'] == 0 and j['submitted_by'] != ''"
json_true "j['transport'].startswith('T.38') and j['port_name'] == 's22'"
OUT=$("$CTL" "${S[@]}" --json job "${JOB[g711]}") || fail "faxgwctl --json job ${JOB[g711]}: $OUT"
json_true "j['job']['direction'] == 'send' and j['job']['state'] == 'done' and j['transport'].startswith('G.711') and j['document_pages'] == 3"
OUT=$("$CTL" "${S[@]}" --json job "${JOB[pdf]}") || fail "faxgwctl --json job ${JOB[pdf]}: $OUT"
json_true "j['document_pages'] == 2 and j['job']['pages'] == 2 and j['job']['state'] == 'done'"
OUT=$("$CTL" "${S[@]}" job "${JOB[theirs]}") || fail "faxgwctl job ${JOB[theirs]}: $OUT"
grep -qF "${RP[theirs]}" <<<"$OUT" || fail "faxgwctl job: the destination is not shown: $OUT"
grep -qw 'done' <<<"$OUT" || fail "faxgwctl job: the state is not shown: $OUT"
ok "faxgwctl job N: direction, state, destination, document pages, pages confirmed, SIP status, transport"

OUT=$("$CTL" "${S[@]}" --json ports) || fail "faxgwctl --json ports: $OUT"
json_true "[(p['id'], p['faxes_sent'], p['pages_sent'], p['send_failures']) for p in j['ports'] if p['id'] in (21, 22, 23, 24)] == [(21, 1, 3, 0), (22, 1, 3, 0), (23, 1, 3, 0), (24, 1, 2, 0)]"
ok "faxgwctl ports: faxes and pages sent per port"

alive "$FAXGWD_PID" faxgwd
stop_faxgwd
echo "$NCHECK passed, 0 failed"
