#!/usr/bin/env bash
# One faxgwd per spool and state database (faxgwd(8), FILES).
#
# A faxgwd receives a 2-page fax from faxpeer; while the call is in
# progress (its tmp file in spool/tmp/), a second faxgwd is started on the
# same spool and state with another control socket and port: it must
# refuse, exit status 1, naming the spool and the first daemon's pid,
# whether in the foreground or about to detach, and without touching the
# spool (its start-up recovery used to remove the tmp file of the call in
# progress).  The same for the state database alone.  The fax must arrive
# complete and be routed (Store in folder, pixels equal).  Then: the lock
# file names the daemon's pid also after daemon(3) detached, and kill -9
# of faxgwd leaves no stale lock (its router process does not hold it).
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/store_folder.so"; do
	[ -e "$x" ] || skip "$x is not built"
done
cd "$WORK" || exit 1

# conf FILE SPOOL STATE SOCKET UDPPORT
conf() {
	mkdir -p "$WORK/ext" "$WORK/fax/inbox"
	{
		printf '[gateway]\nspool = %s\nstate = %s\ncontrol = %s\n' "$2" "$3" "$4"
		printf 'extensions = %s/ext\nstore-root = %s/fax\n' "$WORK" "$WORK"
		printf '[port 1]\nname = p1\ntransport = t38\nlisten = 127.0.0.1:%s\n' "$5"
	} > "$1"
}

# refused WANT_TEXT CONF [ARGS...]: a faxgwd on CONF exits 1 at once with
# WANT_TEXT on stderr.
refused() {
	local want=$1 cf=$2; shift 2
	expect_rc 1 timeout 10 "$B/faxgwd" "$@" -c "$cf"
	case "$ERR" in
	*"$want"*) ;;
	*) fail "faxgwd $* -c $cf: expected '$want' in: $ERR" ;;
	esac
}

mkdir -p "$WORK/ext" && cp "$B/routing/store_folder.so" "$WORK/ext/" && chmod 755 "$WORK/ext" "$WORK"/ext/*.so
read -r -a P <<< "$(free_udp_ports 4)"
SPOOL=$WORK/var/spool
STATE=$WORK/var/faxgw.db
conf a.conf "$SPOOL" "$STATE" "$WORK/a.sock" "${P[0]}"
conf b.conf "$SPOOL" "$STATE" "$WORK/b.sock" "${P[1]}"
conf c.conf "$WORK/var/spool-c" "$STATE" "$WORK/c.sock" "${P[2]}"
# Two pages: long enough (about 40 s in real time) to try the others during
# the call.
"$DOC" make doc2.tif 2 standard 5 >/dev/null || fail "faxtestdoc make"

(exec "$B/faxgwd" -f -c a.conf >>a.log 2>&1) &
A=$!
PIDS+=("$A")
wait_for_socket "$WORK/a.sock"
expect_rc 0 "$CTL" -s "$WORK/a.sock" set 1 "$SIF" "$WORK/fax/inbox"
expect_rc 0 "$CTL" -s "$WORK/a.sock" enable 1 "$SIF"
[ "$(cat "$SPOOL/faxgwd.lock")" = "$A" ] || fail "spool lock file: '$(cat "$SPOOL/faxgwd.lock")', not $A"
[ "$(cat "$STATE.lock")" = "$A" ] || fail "state lock file: '$(cat "$STATE.lock")', not $A"
ok "faxgwd (pid $A) holds the spool and state locks"

"$PEER" send --t38 -q --ident "+49 30 1" "127.0.0.1:${P[0]}" doc2.tif \
	> peer.out 2>&1 &
S=$!
PIDS+=("$S")
wait_until 20 compgen -G "$SPOOL/tmp/*.tif" >/dev/null || fail "no reception in progress"
TMPF=$(compgen -G "$SPOOL/tmp/*.tif" | head -n 1)

refused "faxgwd: spool $SPOOL is in use by faxgwd pid $A" b.conf -f
ok "a second faxgwd in the foreground refuses, exit 1: $ERR"
refused "faxgwd: spool $SPOOL is in use by faxgwd pid $A" b.conf
ok "a second faxgwd about to detach refuses, exit 1"
refused "faxgwd: state database $STATE is in use by faxgwd pid $A" c.conf -f
ok "a faxgwd on the same state database with another spool refuses"
kill -0 "$S" 2>/dev/null || fail "the call ended before the second faxgwd was tried: $(cat peer.out)"
[ -e "$TMPF" ] || fail "the call's tmp file $TMPF was removed"
ok "the call in progress is untouched (still running, $TMPF still there)"
alive "$A" "the first faxgwd"

wait "$S"; rc=$?
[ "$rc" -eq 0 ] || fail "faxpeer exited $rc: $(cat peer.out)"
wait_until 10 compgen -G "$WORK/fax/inbox/*.tif" >/dev/null ||
	fail "the fax was not stored; faxgwd log: $(tail -n 20 a.log)"
"$DOC" compare doc2.tif "$(compgen -G "$WORK/fax/inbox/*.tif" | head -n 1)" ||
	fail "the stored fax differs from the one sent"
! grep -q 'not committed' a.log || fail "faxgwd: $(grep 'not committed' a.log)"
expect_rc 0 "$CTL" -s "$WORK/a.sock" --json jobs
json_true 'len(j["jobs"]) == 1 and j["jobs"][0]["state"] == "done" and j["jobs"][0]["pages"] == 2 and j["jobs"][0]["attempts"] == 1 and not j["jobs"][0]["partial"]'
ok "the fax arrived complete (2 pages, pixels equal) and was routed once"

# kill -9: no stale lock (the router dies with faxgwd and never held it).
kill -9 "$A"
wait "$A" 2>/dev/null
rm -f "$WORK/a.sock"
(exec "$B/faxgwd" -f -c a.conf >>a2.log 2>&1) &
A2=$!
PIDS+=("$A2")
wait_for_socket "$WORK/a.sock"
alive "$A2" "faxgwd restarted after kill -9"
[ "$(cat "$SPOOL/faxgwd.lock")" = "$A2" ] || fail "spool lock file: '$(cat "$SPOOL/faxgwd.lock")', not $A2"
ok "faxgwd starts again at once after kill -9 of the holder"
kill -TERM "$A2"
wait "$A2" 2>/dev/null
[ ! -s "$SPOOL/faxgwd.lock" ] || fail "a stopped faxgwd left its pid in the lock file"

# Detached (no -f): the lock file names the daemon, not the parent that exited.
rm -f "$WORK/a.sock"
expect_rc 0 "$B/faxgwd" -c a.conf
wait_for_socket "$WORK/a.sock"
D=$(cat "$SPOOL/faxgwd.lock")
[ -n "$D" ] && kill -0 "$D" 2>/dev/null || fail "lock file names '$D', not a running faxgwd"
PIDS+=("$D")
[ "$(cat "/proc/$D/comm")" = faxgwd ] || fail "pid $D is $(cat "/proc/$D/comm"), not faxgwd"
refused "faxgwd: spool $SPOOL is in use by faxgwd pid $D" b.conf -f
ok "after detaching, the lock names the daemon (pid $D)"
kill -TERM "$D"
wait_until 10 sh -c "! kill -0 $D 2>/dev/null" || fail "faxgwd $D did not stop"
echo "PASS ($NCHECK checks)"
