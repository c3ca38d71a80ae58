#!/usr/bin/env bash
# faxpeer back to back on loopback: `faxpeer receive` and `faxpeer send`
# over real UDP sockets in real time, T.38 (UDPTL) and audio (RTP, PCMU and
# PCMA), 1 and 3 pages, ECM and not, IPv4 and IPv6; a sender that hangs up
# after one page leaves a partial fax of exactly that page; captures; exit
# statuses and summary lines; usage and setup errors.  The calls run
# concurrently to keep the wall-clock time near that of the longest fax.
. "$(dirname "$0")/lib.sh"
FP="$B/faxpeer"
TD="$B/faxtestdoc"
[ -x "$FP" ] && [ -x "$TD" ] || fail "build $FP and $TD first (make build/faxpeer build/faxtestdoc)"
cd "$WORK" || exit 1

declare -A RXPID TXPID PORT

# start_pair NAME DOC "RX-OPTIONS" "TX-OPTIONS" [ipv6]
# Starts a receiver on a free port (--listen ...:0, port read from its
# "listening on" line), then a sender to it, both in the background.
start_pair() {
	local name=$1 doc=$2 rxo=$3 txo=$4 v6=${5:-} d=$WORK/$1 i p=
	local lhost=127.0.0.1
	[ -n "$v6" ] && lhost='[::1]'
	mkdir -p "$d"
	# shellcheck disable=SC2086
	"$FP" receive $rxo --listen "$lhost:0" --timeout 240 "$d/got.tif" >"$d/rx.out" 2>"$d/rx.err" &
	RXPID[$name]=$!
	PIDS+=("$!")
	for i in $(seq 100); do
		p=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\) (.*/\1/p' "$d/rx.err")
		[ -n "$p" ] && break
		kill -0 "${RXPID[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$p" ] || fail "$name: receiver did not start: $(cat "$d/rx.err")"
	PORT[$name]=$p
	# shellcheck disable=SC2086
	"$FP" send $txo --timeout 240 "$lhost:$p" "$doc" >"$d/tx.out" 2>"$d/tx.err" &
	TXPID[$name]=$!
	PIDS+=("$!")
}

# finish_pair NAME RX-RC TX-RC: waits for both and checks their statuses.
finish_pair() {
	local name=$1 d=$WORK/$1 rxrc txrc
	wait "${TXPID[$name]}"; txrc=$?
	wait "${RXPID[$name]}"; rxrc=$?
	RXOUT=$(cat "$d/rx.out")
	TXOUT=$(cat "$d/tx.out")
	[ "$txrc" -eq "$3" ] || fail "$name: sender exited $txrc, expected $3: $TXOUT $(tail -n 5 "$d/tx.err")"
	[ "$rxrc" -eq "$2" ] || fail "$name: receiver exited $rxrc, expected $2: $RXOUT $(tail -n 5 "$d/rx.err")"
	[ "$(wc -l < "$d/rx.out")" -eq 1 ] || fail "$name: receiver printed not one summary line: $RXOUT"
	[ "$(wc -l < "$d/tx.out")" -eq 1 ] || fail "$name: sender printed not one summary line: $TXOUT"
}

# expect_line NAME TEXT REGEX
expect_line() {
	printf '%s\n' "$2" | grep -Eq "$3" || fail "$1: summary '$2' does not match /$3/"
}

same_doc() {   # NAME SENT RECEIVED
	"$TD" compare "$2" "$3" 2>"$WORK/cmp.err" || fail "$1: $(cat "$WORK/cmp.err")"
}

# --- documents --------------------------------------------------------------
"$TD" make one.tif 1 standard 11 || fail "faxtestdoc make"
"$TD" make onefine.tif 1 fine 12 || fail "faxtestdoc make"
"$TD" make three.tif 3 standard 13 || fail "faxtestdoc make"
"$TD" make threemixed.tif 3 mixed 14 || fail "faxtestdoc make"
"$TD" make first.tif 1 standard 13 || fail "faxtestdoc make"   # page 1 of three.tif
[ "$("$TD" pages three.tif)" = 3 ] || fail "faxtestdoc pages"

# --- quick checks first: usage (2) and setup (3) errors ------------------------
expect_rc 0 "$FP" -h
echo "$OUT" | grep -q '^usage: faxpeer send --t38|--audio' || fail "-h: $OUT"
expect_rc 0 "$FP" send -h
bad_usage() {
	expect_rc 2 "$FP" "$@"
	[ -n "$ERR" ] || fail "faxpeer $*: exit 2 without a message"
}
bad_usage
bad_usage fly --t38 127.0.0.1:4000 one.tif
bad_usage send 127.0.0.1:4000 one.tif
bad_usage send --t38 --audio 127.0.0.1:4000 one.tif
bad_usage send --t38 127.0.0.1:4000
bad_usage send --t38 127.0.0.1 one.tif
echo "$ERR" | grep -q "bad address '127.0.0.1'" || fail "bad address message: $ERR"
bad_usage send --t38 ::1:4000 one.tif
bad_usage send --t38 '[::1]:99999' one.tif
bad_usage send --t38 127.0.0.1:0 one.tif
bad_usage send --t38 --rate 1234 127.0.0.1:4000 one.tif
bad_usage send --audio --codec gsm 127.0.0.1:4000 one.tif
bad_usage send --t38 --codec pcma 127.0.0.1:4000 one.tif
bad_usage send --audio --ec fec 127.0.0.1:4000 one.tif
bad_usage send --t38 --ec-depth 99 127.0.0.1:4000 one.tif
bad_usage send --t38 --t38-version 4 127.0.0.1:4000 one.tif
bad_usage send --t38 --ident 123456789012345678901 127.0.0.1:4000 one.tif
bad_usage send --t38 --timeout -1 127.0.0.1:4000 one.tif
bad_usage send --t38 --bogus 127.0.0.1:4000 one.tif
bad_usage send --t38 --listen 127.0.0.1:4000 127.0.0.1:4000 one.tif
bad_usage receive --t38 out.tif
bad_usage receive --t38 --listen 127.0.0.1:0 --stop-after-pages 1 out.tif
bad_usage receive --t38 --listen 127.0.0.1:0 a.tif b.tif
ok "bad arguments exit 2 with a message"

printf 'hello\n' > notfax.tif
expect_rc 3 "$FP" send --t38 127.0.0.1:9 notfax.tif
echo "$ERR" | grep -q 'notfax.tif is not a fax TIFF' || fail "not-a-TIFF message: $ERR"
expect_rc 3 "$FP" send --t38 127.0.0.1:9 missing.tif
echo "$ERR" | grep -q 'missing.tif' || fail "missing file message: $ERR"
expect_rc 3 "$FP" send --t38 --local 192.0.2.1:0 127.0.0.1:9 one.tif
echo "$ERR" | grep -q 'cannot bind' || fail "bind message: $ERR"
expect_rc 3 "$FP" send --t38 --local '[::1]:0' 127.0.0.1:9 one.tif
expect_rc 3 "$FP" receive --audio --listen 127.0.0.1:0 --timeout 1 "$WORK/no/such/dir/out.tif"
expect_rc 3 "$FP" send --t38 no-such-host.invalid:4000 one.tif
ok "setup errors exit 3: not a fax TIFF, missing file, cannot bind, unwritable output, unknown host"

# A receiver that gets no call gives up at --timeout, with no file.
expect_rc 1 "$FP" receive --t38 --listen 127.0.0.1:0 --timeout 1 --quiet nocall.tif
expect_line timeout "$OUT" '^faxpeer: received 0 pages from - \(T\.38\), .*result: no call within 1 s$'
[ -e nocall.tif ] && fail "a receiver without a call left nocall.tif"
ok "receive --timeout without a call: exit 1, no file"

# --- the calls, all at once ----------------------------------------------------
start_pair t38_ecm one.tif "--t38 --pcap $WORK/t38_ecm/rx.pcap --pcap-link raw" \
	"--t38 --ident +1-555-0001 --pcap $WORK/t38_ecm/tx.pcap"
start_pair t38_noecm3 threemixed.tif "--t38 --no-ecm" "--t38 --no-ecm --ec fec --ec-depth 3"
start_pair pcmu onefine.tif "--audio" "--audio --no-ecm --codec pcmu"
start_pair pcma3 three.tif "--audio --codec pcma" "--audio --codec pcma --ecm"
start_pair partial three.tif "--t38" "--t38 --stop-after-pages 1"
v6=yes
"$FP" receive --t38 --listen '[::1]:0' --timeout 0.1 --quiet "$WORK/v6probe.tif" >/dev/null 2>&1
[ $? -eq 3 ] && v6=
[ -n "$v6" ] && start_pair ipv6 one.tif "--t38 --t38-version 2" "--t38 --t38-version 2 --rate 9600" ipv6

# Stray datagrams from another source during a call are ignored (the
# receiver's socket is connected to its peer); the call goes on.
sleep 1
for i in 1 2 3; do printf 'junk %s' "$i" > "/dev/udp/127.0.0.1/${PORT[t38_ecm]}"; done

# A stray receiver: a second process cannot bind a port in use.
expect_rc 3 "$FP" receive --t38 --listen "127.0.0.1:${PORT[t38_ecm]}" --timeout 1 stray.tif
echo "$ERR" | grep -q 'cannot bind' || fail "port in use message: $ERR"
ok "a port in use is a setup error (exit 3)"

finish_pair t38_ecm 0 0
expect_line t38_ecm "$TXOUT" "^faxpeer: sent 1 page to 127\.0\.0\.1:${PORT[t38_ecm]} \(T\.38\), 14400 bit/s, ECM, standard, result: OK$"
expect_line t38_ecm "$RXOUT" '^faxpeer: received 1 page from 127\.0\.0\.1:[0-9]+ \(T\.38\), 14400 bit/s, ECM, standard, result: OK$'
same_doc t38_ecm one.tif t38_ecm/got.tif
ok "T.38, 1 page, ECM: received == sent, exit 0 both sides, stray datagrams ignored"
# captures: pcap magic, link type 1 (Ethernet) and 101 (LINKTYPE_RAW)
for f in tx:1 rx:101; do
	cap=t38_ecm/${f%%:*}.pcap
	[ -s "$cap" ] || fail "no capture $cap"
	magic=$(od -An -tx4 -N4 "$cap" | tr -d ' ')
	link=$(od -An -tu4 -j20 -N4 "$cap" | tr -d ' ')
	[ "$magic" = a1b2c3d4 ] || fail "$cap: magic $magic"
	[ "$link" = "${f#*:}" ] || fail "$cap: link type $link"
	[ "$(stat -c %s "$cap")" -gt 20000 ] || fail "$cap: too small"
done
ok "--pcap writes Ethernet and raw-IP captures"

finish_pair t38_noecm3 0 0
expect_line t38_noecm3 "$TXOUT" '^faxpeer: sent 3 pages to .* \(T\.38\), 14400 bit/s, no ECM, standard, result: OK$'
expect_line t38_noecm3 "$RXOUT" '^faxpeer: received 3 pages .*no ECM.*result: OK$'
same_doc t38_noecm3 threemixed.tif t38_noecm3/got.tif
ok "T.38, 3 pages of mixed resolution, no ECM, UDPTL FEC: received == sent"

finish_pair pcmu 0 0
expect_line pcmu "$TXOUT" '^faxpeer: sent 1 page to .* \(audio, PCMU\), 14400 bit/s, no ECM, fine, result: OK$'
expect_line pcmu "$RXOUT" '^faxpeer: received 1 page from .* \(audio, PCMU\), .*result: OK$'
same_doc pcmu onefine.tif pcmu/got.tif
ok "audio PCMU, 1 fine page, no ECM: received == sent"

finish_pair pcma3 0 0
expect_line pcma3 "$TXOUT" '^faxpeer: sent 3 pages to .* \(audio, PCMA\), 14400 bit/s, ECM, standard, result: OK$'
expect_line pcma3 "$RXOUT" '^faxpeer: received 3 pages .*\(audio, PCMA\).*result: OK$'
same_doc pcma3 three.tif pcma3/got.tif
ok "audio PCMA, 3 pages, ECM: received == sent"

finish_pair partial 1 1
expect_line partial "$TXOUT" '^faxpeer: sent 1 of 3 pages to .*result: partial, stopped after 1 page as asked \(T\.30 code [0-9]+: .*\)$'
expect_line partial "$RXOUT" '^faxpeer: received 1 page .*result: partial, .*\(T\.30 code [0-9]+: .*\)$'
[ "$("$TD" pages partial/got.tif)" = 1 ] || fail "partial: got.tif does not have exactly 1 page"
same_doc partial first.tif partial/got.tif
ok "--stop-after-pages 1: both exit 1, the receiver keeps exactly page 1"

if [ -n "$v6" ]; then
	finish_pair ipv6 0 0
	expect_line ipv6 "$TXOUT" "^faxpeer: sent 1 page to \[::1\]:${PORT[ipv6]} \(T\.38\), 9600 bit/s, ECM, standard, result: OK$"
	expect_line ipv6 "$RXOUT" '^faxpeer: received 1 page from \[::1\]:[0-9]+ .*result: OK$'
	same_doc ipv6 one.tif ipv6/got.tif
	ok "IPv6 [::1], T.38 version 2, 9600 bit/s: received == sent"
else
	echo "# no IPv6 loopback: the [::1] call was skipped"
fi

echo "$NCHECK passed, 0 failed"
