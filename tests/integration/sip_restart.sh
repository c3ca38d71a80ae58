#!/usr/bin/env bash
# sip_restart.sh - faxgwd stopped with SIP calls in flight (faxgwd(8) SIP,
# SIGNALS, "What survives a crash"), each time with a 3-page fax over SIP
# after its first page: SIGTERM drains (OPTIONS and new INVITEs get 503,
# the fax completes, then faxgwd exits); a second SIGTERM stops at once
# (BYE to the caller, page 1 committed as a partial fax); SIGKILL (the
# next faxgwd recovers page 1 from the spool as a partial fax).  Every
# fax lands in Store in folder identical to what was sent.  Loopback only,
# about 90 s.
. "$(dirname "$0")/lib.sh"

FP="$B/faxpeer"
TD="$B/faxtestdoc"
CTL="$B/faxgwctl"
for x in "$B/faxgwd" "$FP" "$TD" "$CTL" "$B/routing/store_folder.so"; do
	[ -e "$x" ] || skip "$x not built (make tests-build)"
done
"$FP" --help 2>&1 | grep -q -- '--sip' || skip "$FP has no --sip"
command -v sipp >/dev/null 2>&1 || skip "sipp not installed (Debian sip-tester)"
cd "$WORK" || exit 1
P=$(free_udp_port)
mkdir -p var/spool var/fax/inbox
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
cat > faxgwd.conf <<CONF
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

[port 7]
transport   = sip
sip-user    = *
t38         = no
CONF
"$TD" make three.tif 3 standard 51 || fail "faxtestdoc make"
"$TD" make first.tif 1 standard 51 || fail "faxtestdoc make"   # page 1 of three.tif

start() {
	start_faxgwd -c "$WORK/faxgwd.conf"
	wait_for_socket "$WORK/var/faxgw.sock"
}
# folder NAME: Store in folder into var/fax/NAME from now on.
folder() {
	mkdir -p "$WORK/var/fax/$1"
	"$CTL" -s var/faxgw.sock set 7 "$SIF" "$WORK/var/fax/$1" >/dev/null &&
		"$CTL" -s var/faxgw.sock enable 7 "$SIF" >/dev/null || fail "cannot enable Store in folder"
}

# cut NAME SIGNAL: a 3-page fax (faxpeer's pid in PEER), SIGNAL to faxgwd
# once page 1 is confirmed.
cut() {
	"$FP" send --sip "sip:fax@127.0.0.1:$P" --t38 no --timeout 150 three.tif \
		> "$1.out" 2> "$1.err" &
	PEER=$!
	PIDS+=("$PEER")
	wait_until 90 grep -qs "page 1 confirmed" "$1.err" ||
		fail "$1: page 1 never confirmed: $(tail -n 5 "$1.err")"
	kill "-$2" "$FAXGWD_PID"
}
# stored NAME DOC: one fax in var/fax/NAME, identical to DOC.
stored() {
	local f
	wait_until 20 compgen -G "$WORK/var/fax/$1/*.tif" >/dev/null ||
		fail "no fax in var/fax/$1"
	for f in "$WORK/var/fax/$1"/*.tif; do
		"$TD" compare "$2" "$f" 2> cmp.err || fail "$f: $(cat cmp.err)"
	done
	[ "$(ls "$WORK/var/fax/$1" | wc -l)" -eq 1 ] || fail "not one fax in var/fax/$1"
}

start
folder drain
cut drain TERM
wait_until 5 grep -q "SIGTERM: draining: 1 call(s) in progress" faxgwd.log ||
	fail "SIGTERM with a call in progress did not drain"
(timeout 30 sipp -sf "$TOP/tests/data/sip/options_503.xml" -s fax -m 1 -timeout 10s -timeout_error \
	-p 0 -i 127.0.0.1 -nostdin "127.0.0.1:$P" > options.log 2>&1) ||
	fail "OPTIONS while draining: not 503 ($(tail -n 5 options.log))"
wait "$PEER" || fail "the fax in progress did not complete while draining: $(cat drain.out)"
wait "$FAXGWD_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "faxgwd exited $rc after draining"
grep -q "drained: no call in progress" faxgwd.log || fail "faxgwd did not say it drained"
echo "# drain: $(cat drain.out)"
start
stored drain three.tif
ok "SIGTERM mid-fax drains: OPTIONS 503, the 3-page fax completes and is stored, then faxgwd exits 0"

folder term
cut term TERM
sleep 1
kill -TERM "$FAXGWD_PID"
wait "$FAXGWD_PID" 2>/dev/null
wait "$PEER"
echo "# term twice: $(cat term.out)"
grep -q "the far end hung up (BYE)" term.err || fail "no BYE from the stopping faxgwd: $(tail -n 5 term.err)"
start
stored term first.tif
ok "SIGTERM twice mid-fax: BYE to the caller at once, page 1 stored as a partial fax"

folder kill
cut kill KILL
wait "$FAXGWD_PID" 2>/dev/null
start
stored kill first.tif
kill "$PEER" 2>/dev/null      # it would wait for T.30 to time out
OUT=$("$CTL" -s var/faxgw.sock --json jobs) || fail "faxgwctl jobs"
json_true '[(x["pages"], x["partial"]) for x in j["jobs"]] == [(1, True), (1, True), (3, False)]'
ok "SIGKILL mid-fax: the next faxgwd keeps page 1 as a partial fax"
stop_faxgwd
echo "$NCHECK passed, 0 failed"
