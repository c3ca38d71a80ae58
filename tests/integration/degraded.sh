#!/usr/bin/env bash
# degraded.sh - a G.711 fax that loses audio mid-page is reported degraded,
# never silently good.
#
# One faxgwd with one PCMA port without ECM; the caller (faxpeer, 3
# standard pages) goes through udp_relay.py, which drops 10 of its RTP
# packets in a row (200 ms) in the middle of page 2 and nothing else.
# Without ECM nothing repairs that: the receiver's T.4 decoder loses rows,
# spandsp counts them as bad, and T.30 still ends OK.  What must hold:
# intact, or failed/degraded and reported.  Here the call completes, so the
# fax must be reported degraded with page 2 named: in the job
# (`faxgwctl --json jobs` and the QUALITY column), the log line of the
# received fax and the job's spool metadata (with the page's own rows,
# bad rows and longest run).  Should the call fail instead (a G.711 call
# on a machine too busy), the failure must be reported
# (a partial job, or none) and the script skips: it did not see what it
# is about.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
RELAY="$(cd "$(dirname "$0")" && pwd)/udp_relay.py"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/store_folder.so" "$RELAY"; do
	[ -e "$x" ] || skip "$x is not there (not built?)"
done
cd "$WORK" || exit 1
# The burst, in caller packets (20 ms each) from its first one: page 2's
# data runs from about packet 1300 to 1950 at 14400 bit/s (the
# back-to-back call of test_fax_session.c: MCF of page 1 at tick 1252,
# of page 2 at 2021).
BURST_AFTER=${BURST_AFTER:-1600}
BURST=10

"$DOC" make doc.tif 3 standard 61 >/dev/null || fail "faxtestdoc make"
read -r UDP <<< "$(free_udp_ports 1)"
mkdir -p ext var/fax/inbox
chmod 755 ext
cp "$B/routing/store_folder.so" ext/
chmod 755 ext/store_folder.so
{
	printf '[gateway]\nspool = %s/var/spool\nstate = %s/var/faxgw.db\n' "$WORK" "$WORK"
	printf 'control = %s/var/faxgw.sock\nextensions = %s/ext\n' "$WORK" "$WORK"
	printf 'store-root = %s/var/fax\n' "$WORK"
	printf '\n[port 1]\nname = lossy\nlisten = 127.0.0.1:%s\nlocal-ident = +1 555 0101\n' "$UDP"
	printf 'transport = audio\ncodec = pcma\necm = no\n'
} > faxgw.conf
"$B/faxgwd" -f -c "$WORK/faxgw.conf" >>"$WORK/faxgwd.log" 2>&1 &
GW=$!
PIDS+=("$GW")
wait_for_socket "$WORK/var/faxgw.sock"
expect_rc 0 "$CTL" -s var/faxgw.sock set 1 "$SIF" "$WORK/var/fax/inbox"
expect_rc 0 "$CTL" -s var/faxgw.sock enable 1 "$SIF"

"$PY" "$RELAY" --upstream "127.0.0.1:$UDP" --port-file relay.port --loss 0 \
	--burst-after "$BURST_AFTER" --burst-count "$BURST" --stats relay.json --idle 30 \
	2>relay.err &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
wait_until 5 test -s relay.port || fail "the relay did not start: $(cat relay.err)"
ok "faxgwd with a PCMA port without ECM, behind a relay that drops $BURST packets after $BURST_AFTER"

"$PEER" send -q --timeout 150 --ident "+49 30 61" --audio --codec pcma --no-ecm \
	"127.0.0.1:$(cat relay.port)" doc.tif >peer.out 2>&1 &
PEER_PID=$!
PIDS+=("$PEER_PID")
while kill -0 "$PEER_PID" 2>/dev/null; do
	alive "$GW" faxgwd
	sleep 0.5
done
wait "$PEER_PID"
PEER_RC=$?
kill -TERM "$RELAY_PID" 2>/dev/null
wait "$RELAY_PID" 2>/dev/null
OUT=$(cat relay.json 2>/dev/null)
json_true "j['burst_dropped'] == $BURST and j['up_dropped'] == 0 and j['down_dropped'] == 0"
ok "the relay dropped exactly the burst: $BURST caller packets"

# The sender was told every page arrived (T.30 ended OK): the one case in
# which only the receiver's own statistics can tell that a page is not
# what was sent.
if [ "$PEER_RC" != 0 ]; then
	sleep 1
	expect_rc 0 "$CTL" -s var/faxgw.sock --json jobs
	json_true "all(x['partial'] for x in j['jobs'])"
	skip "the call failed, and was reported failed ($(json "len(j['jobs'])") partial job(s)): $(cat peer.out)"
fi
grep -q 'sent 3 pages.*result: OK' peer.out || fail "not sent OK: $(cat peer.out)"
inbox_has() { compgen -G "var/fax/inbox/*.tif" >/dev/null; }
wait_until 5 inbox_has || fail "no fax stored; log: $(tail -n 20 faxgwd.log)"
ok "the call completed: $(cat peer.out)"

# Intact, or degraded and reported: the job says which, and here it is
# degraded on page 2.
expect_rc 0 "$CTL" -s var/faxgw.sock --json jobs
json_true "len(j['jobs']) == 1 and j['jobs'][0]['pages'] == 3 and not j['jobs'][0]['partial']"
if "$DOC" compare doc.tif var/fax/inbox/*.tif >compare.out 2>&1; then
	DIFF="identical"
else
	json_true "j['jobs'][0]['degraded']"     # never a silently different page
	DIFF="different: $(head -n 1 compare.out)"
fi
json_true "j['jobs'][0]['degraded'] and j['jobs'][0]['degraded_pages'] == 1 and j['jobs'][0]['degraded_list'] == [2]"
json_true "j['jobs'][0]['bad_rows'] > 0 and 1 <= j['jobs'][0]['longest_bad_run'] <= j['jobs'][0]['bad_rows']"
ok "faxgwctl --json jobs: degraded, page 2, $(json "j['jobs'][0]['bad_rows']") bad row(s) (stored pages $DIFF)"

expect_rc 0 "$CTL" -s var/faxgw.sock jobs
case $OUT in *"1 degraded (2): "*" bad rows, run "*) ;; *) fail "no QUALITY in: $OUT" ;; esac
line=$(grep "port 1: fax received from" faxgwd.log) || fail "no received line: $(cat faxgwd.log)"
case $line in *"3 page(s), 1 degraded (pages 2; "*" bad rows, longest run "*) ;;
*) fail "the log line does not say degraded: $line" ;; esac
ok "faxgwctl jobs and faxgwd's log say degraded: ${line#*: fax received from }"

# The spool metadata keeps the page's own numbers (page:rows/bad/run).
META=$("$PY" -c "import sqlite3
print(sqlite3.connect('var/faxgw.db').execute('SELECT meta FROM jobs').fetchone()[0])") ||
	fail "cannot read the job's metadata"
case $META in *"degraded_detail=2:"*) ;; *) fail "no per-page detail in the metadata: $META" ;; esac
ok "spool metadata: $(grep -o 'degraded_detail=.*' <<<"$META")"
alive "$GW" faxgwd
ok "faxgwd alive"
