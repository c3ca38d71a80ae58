#!/usr/bin/env bash
# Nothing blocks faxgwd's control loop: Print routing data is validated
# against a "CUPS server" on loopback that accepts connections and never
# answers (CUPS_SERVER for faxgwd).  While `faxgwctl set 1 RoutePrint`
# waits, `faxgwctl ports` from another client answers within a second; the
# set is refused within the client's 5 s with "validation did not finish
# within N s"; the data is unchanged; faxgwd and its router are alive and a
# change that needs no server still works.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
for x in "$B/faxgwd" "$CTL" "$B/routing/print.so" "$B/routing/store_folder.so"; do
	[ -e "$x" ] || skip "$x is not built"
done
cd "$WORK" || exit 1

# --- a server that accepts and never answers ----------------------------------------------
SILENT=$(free_tcp_port)
"$PY" - "$SILENT" > silent.log 2>&1 <<'PYEOF' & PIDS+=($!)
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
print("ready", flush=True)
held = []
while True:
    c, _ = s.accept()
    held.append(c)          # never read, never answer, never close
PYEOF
wait_until 10 grep -qs ready silent.log || fail "silent server did not start: $(cat silent.log)"

# --- faxgwd -----------------------------------------------------------------------------------
G=$WORK/gw
mkdir -p "$G/ext" "$G/routing.d" "$G/var/fax/inbox"
chmod 755 "$G/ext" "$G/routing.d"
cp "$B/routing/print.so" "$B/routing/store_folder.so" "$G/ext/"
chmod 755 "$G"/ext/*.so
UDP=$(free_udp_port)
{
	printf '[gateway]\nspool = %s/var/spool\nstate = %s/var/faxgw.db\n' "$G" "$G"
	printf 'control = %s/var/faxgw.sock\nextensions = %s/ext\n' "$G" "$G"
	printf 'store-root = %s/var/fax\nexec-dir = %s/routing.d\n' "$G" "$G"
	printf '[port 1]\nname = p1\ntransport = t38\nlisten = 127.0.0.1:%s\n' "$UDP"
} > "$G/faxgw.conf"
(CUPS_SERVER=127.0.0.1:$SILENT exec "$B/faxgwd" -f -c "$G/faxgw.conf" >>"$G/faxgwd.log" 2>&1) &
GWPID=$!
PIDS+=($GWPID)
wait_for_socket "$G/var/faxgw.sock"
export FAXGW_SOCKET=$G/var/faxgw.sock
expect_rc 0 "$CTL" --json info
ROUTER=$(pgrep -P "$GWPID" -x faxgwd-router | head -n 1)
[ -n "$ROUTER" ] || fail "no router process"
expect_rc 0 "$CTL" get 1 RoutePrint
BEFORE=$OUT

# --- the hanging set and a concurrent client ------------------------------------------------
start=$(date +%s%N)
("$CTL" set 1 RoutePrint faxq > set.out 2> set.err; echo $? > set.rc) &
SETPID=$!
sleep 0.5
t0=$(date +%s%N)
expect_rc 0 "$CTL" ports
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || fail "ports took $(( (t1 - t0) / 1000000 )) ms during the validation"
[ ! -e set.rc ] || fail "the set did not wait for the server: $(cat set.rc set.err)"
ok "faxgwctl ports answers in $(( (t1 - t0) / 1000000 )) ms while a Print validation hangs"

wait "$SETPID"
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
[ "$(cat set.rc)" = 1 ] || fail "set exited $(cat set.rc): $(cat set.out set.err)"
grep -q 'validation did not finish within [0-9]* s' set.err set.out ||
	fail "refused without the time limit: $(cat set.out set.err)"
[ "$ms" -lt 5000 ] || fail "the refusal took $ms ms (the client gives up at 5000)"
ok "the set is refused after $ms ms: $(cat set.err set.out | head -n 1)"

expect_rc 0 "$CTL" get 1 RoutePrint
[ "$OUT" = "$BEFORE" ] || fail "the refused set changed the data: '$OUT'"
ok "nothing changed"

kill -0 "$GWPID" 2>/dev/null || fail "faxgwd died"
kill -0 "$ROUTER" 2>/dev/null || fail "the router died"
[ -z "$(pgrep -P "$GWPID" -x faxgwd-check)" ] || fail "a validation worker was left running"
expect_rc 0 "$CTL" set 1 RouteStoreInFolder "$G/var/fax/inbox"
expect_rc 0 "$CTL" enable 1 RouteStoreInFolder
expect_rc 0 "$CTL" get 1 RouteStoreInFolder
[ "$OUT" = "$G/var/fax/inbox" ] || fail "store folder: '$OUT'"
ok "faxgwd and its router alive, no worker left, a normal set works"
echo "$NCHECK passed, 0 failed"
