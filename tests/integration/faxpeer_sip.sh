#!/usr/bin/env bash
# faxpeer over SIP on loopback: `faxpeer send --sip` calls `faxpeer receive
# --sip-listen` with real SIP (sofia-sip, UDP), real SDP offer/answer and a
# real spandsp fax on the media the SDP named; each received document is
# compared with the one sent.  Cases: G.711 PCMU and PCMA without T.38; a
# T.38 re-INVITE from the caller and one from the callee (the fax_call is
# replaced, T.30 starts over); T.38 offered in the INVITE; a T.38
# re-INVITE refused with 488 (the fax goes on on G.711); session refreshes
# every 5 s mid-fax (no page lost); BYE after page 1 of 3; an INVITE
# refused with 488 and a Warning; usage errors.  The calls run
# concurrently.
. "$(dirname "$0")/lib.sh"
FP="$B/faxpeer"
TD="$B/faxtestdoc"
[ -x "$FP" ] && [ -x "$TD" ] || fail "build $FP and $TD first (make build/faxpeer build/faxtestdoc)"
cd "$WORK" || exit 1

declare -A RXPID TXPID RXPORT

# start_rx NAME SIP-PORT "RX-OPTIONS" [HOST]: a receiver on HOST:SIP-PORT
# (default 127.0.0.1).  Every receiver is started before any sender: a
# sender's SIP and media sockets take ports the system picks, maybe one of
# those chosen here.
start_rx() {
	local name=$1 port=$2 rxo=$3 host=${4:-127.0.0.1} d=$WORK/$1
	mkdir -p "$d"
	# shellcheck disable=SC2086
	"$FP" receive --sip-listen "$host:$port" $rxo --timeout 200 "$d/got.tif" \
		>"$d/rx.out" 2>"$d/rx.err" &
	RXPID[$name]=$!
	RXPORT[$name]=$host:$port
	PIDS+=("$!")
	wait_until 5 grep -qs 'listening on' "$d/rx.err" ||
		fail "$name: receiver did not start: $(cat "$d/rx.err")"
}

# start_tx NAME DOC "TX-OPTIONS": a sender calling NAME's receiver.
start_tx() {
	local name=$1 doc=$2 txo=$3 d=$WORK/$1
	# shellcheck disable=SC2086
	"$FP" send --sip "sip:fax@${RXPORT[$name]}" $txo --timeout 200 "$doc" \
		>"$d/tx.out" 2>"$d/tx.err" &
	TXPID[$name]=$!
	PIDS+=("$!")
}

# finish_call NAME RX-RC TX-RC: waits for both, checks statuses and that
# each printed one summary line (in RXOUT, TXOUT).
finish_call() {
	local name=$1 d=$WORK/$1 rxrc txrc
	wait "${TXPID[$name]}"; txrc=$?
	wait "${RXPID[$name]}"; rxrc=$?
	RXOUT=$(cat "$d/rx.out")
	TXOUT=$(cat "$d/tx.out")
	[ "$txrc" -eq "$3" ] || fail "$name: sender exited $txrc, expected $3: $TXOUT $(tail -n 8 "$d/tx.err")"
	[ "$rxrc" -eq "$2" ] || fail "$name: receiver exited $rxrc, expected $2: $RXOUT $(tail -n 8 "$d/rx.err")"
	[ "$(wc -l < "$d/rx.out")" -eq 1 ] || fail "$name: receiver printed not one summary line: $RXOUT"
	[ "$(wc -l < "$d/tx.out")" -eq 1 ] || fail "$name: sender printed not one summary line: $TXOUT"
}

expect_line() {   # NAME TEXT REGEX
	printf '%s\n' "$2" | grep -Eq "$3" || fail "$1: summary '$2' does not match /$3/"
}

same_doc() {      # NAME SENT RECEIVED
	"$TD" compare "$2" "$3" 2>"$WORK/cmp.err" || fail "$1: $(cat "$WORK/cmp.err")"
}

# --- documents -------------------------------------------------------------------
"$TD" make one.tif 1 standard 21 || fail "faxtestdoc make"
"$TD" make onefine.tif 1 fine 22 || fail "faxtestdoc make"
"$TD" make three.tif 3 standard 23 || fail "faxtestdoc make"
"$TD" make first.tif 1 standard 23 || fail "faxtestdoc make"   # page 1 of three.tif

# --- usage errors (2) ---------------------------------------------------------------
bad_usage() {
	expect_rc 2 "$FP" "$@"
	[ -n "$ERR" ] || fail "faxpeer $*: exit 2 without a message"
}
expect_rc 0 "$FP" -h
echo "$OUT" | grep -q 'faxpeer send --sip sip:USER@HOST' || fail "-h does not show --sip: $OUT"
bad_usage send --sip sip:fax@127.0.0.1 --audio one.tif
bad_usage send --sip sip:fax@127.0.0.1 --t38 sometimes one.tif
bad_usage send --sip sip:fax@127.0.0.1 --ptime 5 one.tif
bad_usage send --sip sip:fax@127.0.0.1 --refresh 0 one.tif
bad_usage send --sip sip:fax@127.0.0.1 --user alice one.tif
bad_usage send --sip sip:fax@127.0.0.1 127.0.0.1:4000 one.tif
bad_usage send --t38 --refresh 5 127.0.0.1:4000 one.tif
bad_usage receive --sip-listen 127.0.0.1 out.tif
bad_usage receive --sip-listen 127.0.0.1:5060 --t38 direct out.tif
bad_usage receive --sip-listen 127.0.0.1:5060 --refresh 5 out.tif
bad_usage receive --sip-listen 127.0.0.1:5060 --bye-after-page 0 out.tif
ok "SIP usage errors exit 2 with a message"

# --- the calls, all at once ----------------------------------------------------------
read -r -a P <<< "$(free_udp_ports 12)"
start_rx pcmu "${P[0]}" "--t38 no"
start_rx pcma "${P[1]}" "--t38 no --codec pcma"
start_rx offer "${P[2]}" "--t38 accept"
start_rx rxoffer "${P[3]}" "--t38 offer"
start_rx direct "${P[4]}" ""
start_rx refused488 "${P[5]}" "--t38 no"
start_rx refresh "${P[6]}" ""
start_rx bye1 "${P[7]}" "--t38 no"
start_rx glare "${P[10]}" "--t38 offer"
start_rx tcp "${P[11]}" ""
# IPv6, where the loopback has it
V6P=$("$PY" -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0)); print(s.getsockname()[1])' 2>/dev/null)
[ -n "$V6P" ] && start_rx ipv6 "$V6P" "--t38 accept" "[::1]"
start_rx ptime30 "${P[8]}" "--t38 no"
# An INVITE whose only offer is T.38, to a callee that takes no T.38:
# 488 with a Warning, exit 1; the callee goes on waiting (and times out).
mkdir -p notacc
"$FP" receive --sip-listen "127.0.0.1:${P[9]}" --t38 no --timeout 4 notacc/got.tif \
	>notacc/rx.out 2>notacc/rx.err &
PIDS+=("$!")
wait_until 5 grep -qs 'listening on' notacc/rx.err || fail "notacc: receiver did not start"

start_tx pcmu onefine.tif "--codec pcmu --ptime 20 --t38 no"
start_tx pcma one.tif "--codec pcma --t38 no"
start_tx offer one.tif "--t38 offer"
start_tx rxoffer one.tif "--t38 accept"
start_tx direct one.tif "--t38 direct"
start_tx refused488 one.tif "--t38 offer"
start_tx refresh three.tif "--t38 no --refresh 5"
start_tx bye1 three.tif "--t38 no --bye-after-page 1"
start_tx glare one.tif "--t38 offer"
RXPORT[tcp]="${RXPORT[tcp]};transport=tcp"
start_tx tcp one.tif "--t38 no"
[ -n "$V6P" ] && start_tx ipv6 one.tif "--t38 offer --codec pcma"
start_tx ptime30 one.tif "--t38 no --ptime 30"

# Stray datagrams to a media port mid-call, from our IP but not from the
# port the peer's first datagrams came from: counted as foreign, ignored.
sleep 3
MP=$(sed -n 's/.*media port \([0-9][0-9]*\)).*/\1/p' pcmu/rx.err)
[ -n "$MP" ] || fail "pcmu: no media port in $(cat pcmu/rx.err)"
for i in 1 2 3; do printf 'junk %s' "$i" > "/dev/udp/127.0.0.1/$MP"; done

expect_rc 1 "$FP" send --sip "sip:fax@127.0.0.1:${P[9]}" --t38 direct one.tif
expect_line notacc "$OUT" '^faxpeer: sent 0 of 1 pages to sip:fax@127\.0\.0\.1:[0-9]+ \(no media\), .*sip 488, result: call refused: 488 Not Acceptable Here$'
echo "$ERR" | grep -q 'INVITE answered 488 Not Acceptable Here (Warning: 305 faxpeer "Incompatible media format' ||
	fail "notacc: no status and Warning on stderr: $ERR"
ok "INVITE refused with 488: status, phrase and Warning shown, exit 1"

finish_call pcmu 0 0
expect_line pcmu "$TXOUT" '^faxpeer: sent 1 page to 127\.0\.0\.1:[0-9]+ \(g711 pcmu ptime 20\), 14400 bit/s, ECM, fine, sip 200, result: OK$'
expect_line pcmu "$RXOUT" '^faxpeer: received 1 page from 127\.0\.0\.1:[0-9]+ \(g711 pcmu ptime 20\), .*sip 200, result: OK$'
same_doc pcmu onefine.tif pcmu/got.tif
grep -Eq 'malformed 0, .*foreign [3-9]' pcmu/rx.err ||
	fail "pcmu: stray datagrams were not counted as foreign: $(tail -n 1 pcmu/rx.err)"
ok "SIP, G.711 PCMU ptime 20, no T.38: received == sent; stray datagrams to the media port ignored"

finish_call pcma 0 0
expect_line pcma "$TXOUT" '\(g711 pcma ptime 20\), .*sip 200, result: OK$'
expect_line pcma "$RXOUT" '\(g711 pcma ptime 20\), .*sip 200, result: OK$'
same_doc pcma one.tif pcma/got.tif
ok "SIP, G.711 PCMA: received == sent"

finish_call ptime30 0 0
expect_line ptime30 "$TXOUT" '\(g711 pcmu ptime 30\), .*sip 200, result: OK$'
same_doc ptime30 one.tif ptime30/got.tif
ok "SIP, G.711 with a=ptime:30: received == sent"

finish_call offer 0 0
expect_line offer "$TXOUT" '\(t38 v0 after re-INVITE\), .*sip 200, result: OK$'
expect_line offer "$RXOUT" '\(t38 v0 after re-INVITE\), .*sip 200, result: OK$'
grep -q 'sending a T.38 re-INVITE' offer/tx.err || fail "offer: the caller sent no re-INVITE"
same_doc offer one.tif offer/got.tif
ok "caller's T.38 re-INVITE accepted: the fax restarts on T.38, received == sent"

finish_call rxoffer 0 0
expect_line rxoffer "$TXOUT" '\(t38 v0 after re-INVITE\), .*result: OK$'
expect_line rxoffer "$RXOUT" '\(t38 v0 after re-INVITE\), .*result: OK$'
grep -q 'sending a T.38 re-INVITE' rxoffer/rx.err || fail "rxoffer: the callee sent no re-INVITE"
same_doc rxoffer one.tif rxoffer/got.tif
ok "callee's T.38 re-INVITE accepted by the caller: received == sent"

finish_call direct 0 0
expect_line direct "$TXOUT" '\(t38 v0\), .*sip 200, result: OK$'
expect_line direct "$RXOUT" '\(t38 v0\), .*sip 200, result: OK$'
same_doc direct one.tif direct/got.tif
ok "--t38 direct: T.38 from the INVITE on, received == sent"

finish_call refused488 0 0
expect_line refused488 "$TXOUT" '\(g711 pcmu ptime 20, T\.38 refused 488\), .*result: OK$'
expect_line refused488 "$RXOUT" '\(g711 pcmu ptime 20\), .*result: OK$'
grep -q 'answering an INVITE with 488' refused488/rx.err || fail "refused488: no 488 from the callee"
same_doc refused488 one.tif refused488/got.tif
ok "T.38 re-INVITE answered 488: the fax completes on G.711, received == sent"

finish_call refresh 0 0
expect_line refresh "$TXOUT" '^faxpeer: sent 3 pages .*\(g711 pcmu ptime 20\), .*result: OK$'
expect_line refresh "$RXOUT" '^faxpeer: received 3 pages .*result: OK$'
n=$(grep -c 'session refresh answered 200' refresh/tx.err)
[ "$n" -ge 3 ] || fail "refresh: only $n refreshes answered 200"
[ "$(grep -c 're-INVITE keeps the media' refresh/rx.err)" -eq "$n" ] ||
	fail "refresh: the callee did not take every refresh as one"
[ "$(grep -c '^faxpeer: media ' refresh/rx.err)" -eq 1 ] ||
	fail "refresh: the callee's media were restarted"
same_doc refresh three.tif refresh/got.tif
ok "session refresh every 5 s ($n of them) mid-fax: all 3 pages arrive, the media never restart"

finish_call bye1 1 1
expect_line bye1 "$TXOUT" '^faxpeer: sent 1 of 3 pages .*sip 200, result: partial, stopped after 1 page as asked'
expect_line bye1 "$RXOUT" '^faxpeer: received 1 page .*result: partial, the far end hung up \(BYE\)'
grep -q 'sending BYE' bye1/tx.err || fail "bye1: the caller sent no BYE"
[ "$("$TD" pages bye1/got.tif)" = 1 ] || fail "bye1: got.tif does not have exactly 1 page"
same_doc bye1 first.tif bye1/got.tif
ok "--bye-after-page 1 of 3: BYE, both exit 1, the callee keeps exactly page 1"

finish_call glare 0 0
expect_line glare "$TXOUT" '\(t38 v0 after re-INVITE\), .*result: OK$'
expect_line glare "$RXOUT" '\(t38 v0 after re-INVITE\), .*result: OK$'
[ "$(grep -c '^faxpeer: media T.38' glare/tx.err)" -eq 1 ] &&
	[ "$(grep -c '^faxpeer: media T.38' glare/rx.err)" -eq 1 ] ||
	fail "glare: T.38 was started more than once"
same_doc glare one.tif glare/got.tif
ok "both sides offer T.38 at once: one switch to T.38 (491 retried or the peer's offer taken), received == sent"

finish_call tcp 0 0
expect_line tcp "$TXOUT" '\(g711 pcmu ptime 20\), .*sip 200, result: OK$'
grep -q 'call answered: 200 OK (SIP/2.0/TCP)' tcp/tx.err || fail "tcp: the call was not made over TCP"
same_doc tcp one.tif tcp/got.tif
ok "SIP over TCP (;transport=tcp in the URI): received == sent"

if [ -n "$V6P" ]; then
	finish_call ipv6 0 0
	expect_line ipv6 "$TXOUT" '^faxpeer: sent 1 page to \[::1\]:[0-9]+ \(t38 v0 after re-INVITE\), .*sip 200, result: OK$'
	expect_line ipv6 "$RXOUT" '^faxpeer: received 1 page from \[::1\]:[0-9]+ \(t38 v0 after re-INVITE\), .*result: OK$'
	same_doc ipv6 one.tif ipv6/got.tif
	ok "SIP and media over IPv6 [::1], PCMA then T.38: received == sent"
else
	echo "# no IPv6 loopback: the [::1] call was skipped"
fi

# --- digest authentication and a 5xx with a Warning, against faxgwd ---------------------
if [ -x "$B/faxgwd" ]; then
	SP=$(free_udp_tcp_port)
	mkdir -p "$WORK/var/spool" "$WORK/var/fax"
	cat > "$WORK/faxgwd.conf" <<EOF
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
listen      = udp:127.0.0.1:$SP
media-ports = $(media_ports)
allow       = 127.0.0.1/32
username    = faxuser
password    = s3cret pass

[port 11]
transport   = sip
sip-user    = 5550200
channels    = 2
t38         = accept
EOF
	start_faxgwd -c "$WORK/faxgwd.conf"
	wait_for_socket "$WORK/var/faxgw.sock"
	wait_until 10 sh -c "ss -uln | grep -q ':$SP '" || fail "faxgwd does not listen on $SP"
	expect_rc 1 "$FP" send --sip "sip:5550200@127.0.0.1:$SP" --timeout 30 one.tif
	expect_line noauth "$OUT" 'sip 401, result: call refused: 401 Unauthorized$'
	expect_rc 1 "$FP" send --sip "sip:5550200@127.0.0.1:$SP" --user faxuser --password wrong \
		--timeout 30 one.tif
	echo "$ERR" | grep -q 'answering the Digest challenge' || fail "badauth: no answer to the challenge: $ERR"
	expect_line badauth "$OUT" 'sip 403, result: call refused: 403 Forbidden$'
	"$FP" send --sip "sip:5550200@127.0.0.1:$SP" --user faxuser --password "s3cret pass" \
		--timeout 120 one.tif >goodauth.out 2>goodauth.err
	grep -q 'answering the Digest challenge' goodauth.err || fail "goodauth: no answer to the challenge"
	grep -Eq 'sip (200|5[0-9][0-9]), result' goodauth.out ||
		fail "goodauth: credentials refused: $(cat goodauth.out goodauth.err)"
	# faxgwd without SIP media answers 503 with a Warning saying so
	if grep -q 'sip 503' goodauth.out; then
		grep -q 'INVITE answered 503 Service Unavailable (Warning: 399 faxgw "' goodauth.err ||
			fail "goodauth: 503 without its Warning on stderr: $(cat goodauth.err)"
	fi
	ok "digest against faxgwd: no credentials 401, wrong 403, right ones pass the challenge; a 5xx shows its Warning"
	stop_faxgwd
else
	echo "# no $B/faxgwd: the digest checks were skipped"
fi

echo "$NCHECK passed, 0 failed"
