#!/usr/bin/env bash
# Bounded history as an administrator meets it: faxgwd -n checks the
# history and retention keys; a routed fax is kept in spool/done/ while
# retention lasts; with 30,000 finished jobs in the state database (above
# the ~24,000 where one reply used to overflow the 1 MiB frame) faxgwctl
# jobs pages through all of them, as a table and as one JSON document,
# --failed and --limit too; finished jobs older than history are deleted
# at start (pending ones stay) and the deletion is logged.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
FILL="$TOP/tests/bench/history_fill.sh"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/store_folder.so"; do
	[ -e "$x" ] || skip "$x is not built"
done
command -v sqlite3 >/dev/null || skip "sqlite3 (the command-line tool) is not installed"
cd "$WORK" || exit 1

# -n: the keys, their units and their errors with file and line.
printf '[gateway]\nhistory = 30d\nretention = 12h\n[port 1]\ntransport = t38\nlisten = 127.0.0.1:4000\n' > good.conf
expect_rc 0 "$B/faxgwd" -n -c good.conf
printf '[gateway]\nhistory = 30 days\nretention = -1\n[port 1]\ntransport = t38\nlisten = 127.0.0.1:4000\n' > bad.conf
expect_rc 1 "$B/faxgwd" -n -c bad.conf
echo "$ERR" | grep -q '^bad.conf:2: history: ' || fail "bad history not reported with its line: $ERR"
echo "$ERR" | grep -q '^bad.conf:3: retention: ' || fail "bad retention not reported with its line: $ERR"
ok "faxgwd -n checks history and retention"

UDP=$(free_udp_port)
mkdir -p var/fax/inbox ext
cp "$B/routing/store_folder.so" ext/
cat > faxgw.conf <<CONF
[gateway]
spool = $WORK/var/spool
state = $WORK/var/faxgw.db
control = $WORK/var/faxgw.sock
extensions = $WORK/ext
store-root = $WORK/var/fax
exec-dir = $WORK
history = 90d
retention = 1h
[port 1]
name = p1
transport = t38
listen = 127.0.0.1:$UDP
CONF
export FAXGW_SOCKET=$WORK/var/faxgw.sock
start_faxgwd -c "$WORK/faxgw.conf"
wait_for_socket "$WORK/var/faxgw.sock"
expect_rc 0 "$CTL" set 1 "$SIF" "$WORK/var/fax/inbox"
expect_rc 0 "$CTL" enable 1 "$SIF"

# A routed fax stays in spool/done/ (retention = 1h).
"$DOC" make doc1.tif 1 standard 3 >/dev/null || fail "faxtestdoc make"
"$PEER" send --t38 -q "127.0.0.1:$UDP" doc1.tif > peer.out 2>&1 || fail "faxpeer: $(cat peer.out)"
routed() { "$CTL" --json jobs > jobs.json 2>/dev/null &&
	   grep -q '"state":"done"' jobs.json; }
wait_until 10 routed || fail "the fax was not routed: $(cat jobs.json)"
[ -f var/spool/done/1.tif ] || fail "no var/spool/done/1.tif: $(ls -R var/spool)"
OUT=$(cat jobs.json)
json_true 'j["jobs"][0]["path"].endswith("/done/1.tif") and j["jobs"][0]["state"] == "done"'
ok "a routed fax is kept in spool/done/ for its retention"
stop_faxgwd

# 30,000 finished jobs (every 10th dead-lettered), 1,200 finished 100
# days ago, and an old pending job that must stay (its next attempt far
# ahead, so that the queue leaves it alone).
"$FILL" var/faxgw.db 1200 10 $((100 * 86400)) || fail "history_fill (old)"
sqlite3 var/faxgw.db "INSERT INTO jobs(port_id, state, received_time, next_attempt_ms,
	next_attempt_time) VALUES (1, 1, 1, 9000000000000, 9000000000)" ||
	fail "sqlite3 insert"
"$FILL" var/faxgw.db 30000 10 60 || fail "history_fill"
start_faxgwd -c "$WORK/faxgw.conf"
wait_for_socket "$WORK/var/faxgw.sock"
pruned() { grep -q 'history: deleted 1200 finished job(s)' faxgwd.log; }
wait_until 10 pruned || fail "no pruning logged: $(grep history faxgwd.log)"
[ "$(sqlite3 var/faxgw.db 'SELECT count(*) FROM jobs WHERE state = 1')" = 1 ] ||
	fail "the pending job was deleted"
[ "$(sqlite3 var/faxgw.db 'SELECT count(*) FROM jobs')" = 30002 ] ||
	fail "jobs left: $(sqlite3 var/faxgw.db 'SELECT count(*) FROM jobs')"
ok "finished jobs older than history deleted at start (logged), the pending one kept"

expect_rc 0 "$CTL" jobs
[ "$(printf '%s\n' "$OUT" | wc -l)" = 30003 ] || fail "jobs printed $(printf '%s\n' "$OUT" | wc -l) lines"
printf '%s\n' "$OUT" | head -n 1 | grep -q '^ID  *PORT  *STATE' || fail "no header first"
[ "$(printf '%s\n' "$OUT" | grep -c '^ID ')" = 1 ] || fail "the header is printed more than once"
ok "faxgwctl jobs lists 30,002 jobs page after page, one header"

expect_rc 0 "$CTL" --json jobs
json_true 'len(j["jobs"]) == 30002 and "error" not in j'
json_true 'all(a["id"] > b["id"] for a, b in zip(j["jobs"], j["jobs"][1:]))'
json_true 'j["jobs"][0]["id"] == max(x["id"] for x in j["jobs"]) and j["version"] != ""'
json_true 'sum(x["state"] == "failed" for x in j["jobs"]) == 3000'
ok "faxgwctl --json jobs: one valid document, 30,002 jobs, newest first, each once"

expect_rc 0 "$CTL" --json jobs --failed
json_true 'len(j["jobs"]) == 3000 and all(x["state"] == "failed" for x in j["jobs"])'
expect_rc 0 "$CTL" jobs --failed --limit 5
[ "$(printf '%s\n' "$OUT" | wc -l)" = 6 ] || fail "--limit 5 printed: $OUT"
expect_rc 0 "$CTL" --json jobs --limit 1500
json_true 'len(j["jobs"]) == 1500'
expect_rc 2 "$CTL" jobs --limit 0
expect_rc 2 "$CTL" jobs --limit
ok "jobs --failed and --limit N"

alive "$FAXGWD_PID" faxgwd
stop_faxgwd
echo "$NCHECK passed, 0 failed"
