#!/usr/bin/env bash
# The control plane as an administrator meets it: faxgwd on its embedded
# default, faxgwctl ports/methods/get/set/enable/disable/priority/log, JSON
# output, refusals with the extension's reason, persistence across a
# restart, and configuration checking with -n.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
cd "$WORK" || exit 1

# -n on the embedded default and on a broken file.
expect_rc 0 "$B/faxgwd" -n
[ "$OUT" = "configuration OK" ] || fail "faxgwd -n said: $OUT"
printf '[gateway]\nspool = /tmp/x\nbogus = 1\n[port 1]\nlisten = 127.0.0.1:4000\n' > bad.conf
expect_rc 1 "$B/faxgwd" -n -c bad.conf
echo "$ERR" | grep -q '^bad.conf:3: ' || fail "no FILE:LINE error for the unknown key: $ERR"
echo "$ERR" | grep -q '^bad.conf:4\|^bad.conf:5\|^bad.conf:' || fail "missing transport not reported: $ERR"
# What start would refuse, -n refuses too; a group that does not exist is
# said as a warning.
printf '[gateway]\ncontrol = /%0150d\n[port 1]\ntransport = t38\nlisten = 239.0.0.1:4000\n' 0 > start.conf
expect_rc 1 "$B/faxgwd" -n -c start.conf
echo "$ERR" | grep -q '^start.conf:2: .*Unix-domain socket' || fail "long socket path not refused: $ERR"
echo "$ERR" | grep -q '^start.conf:5: .*multicast' || fail "multicast listen not refused: $ERR"
printf '[gateway]\nadmin-group = faxgw-no-such-group\nquery-group =\n[port 1]\ntransport = t38\nlisten = 127.0.0.1:4000\n' > groups.conf
expect_rc 0 "$B/faxgwd" -n -c groups.conf
echo "$ERR" | grep -q 'warning: admin-group faxgw-no-such-group does not exist' ||
	fail "missing admin-group not said: $ERR"
ok "faxgwd -n checks configurations"

start_faxgwd
wait_for_socket "$WORK/var/faxgw.sock"

expect_rc 0 "$CTL" ports
echo "$OUT" | grep -q 't38' || fail "ports: $OUT"
expect_rc 0 "$CTL" --json ports
json_true '[p["id"] for p in j["ports"]] == [1, 2, 3]'
json_true 'j["ports"][0]["transport"] == "t38" and j["ports"][1]["transport"] == "audio" and j["ports"][2]["transport"] == "sip"'
ok "faxgwctl ports lists ports 1, 2 and 3 (t38, audio, sip)"

expect_rc 0 "$CTL" --json methods 1
json_true "any(m['guid'] == '$SIF' and m['enabled'] and m['data'] == '$WORK/var/fax/inbox' for m in j['methods'])"
json_true "any(m['function_name'] == 'RouteRunProgram' and not m['enabled'] for m in j['methods'])"
expect_rc 0 "$CTL" methods 1
echo "$OUT" | grep -q "$SIF" || fail "methods: $OUT"
ok "methods 1: Store in folder enabled into ./var/fax/inbox, Run program disabled"

mkdir -p "$WORK/var/fax/sales"
expect_rc 0 "$CTL" set 1 "$SIF" "$WORK/var/fax/sales"
expect_rc 0 "$CTL" get 1 "store in"
[ "$OUT" = "$WORK/var/fax/sales" ] || fail "get after set: '$OUT'"
ok "set/get round trip (method by GUID and by name prefix)"

expect_rc 1 "$CTL" set 1 "$SIF" /etc
echo "$ERR" | grep -qi 'store-root\|below' || fail "no reason for /etc: $ERR"
expect_rc 1 "$CTL" set 1 "$SIF" "$WORK/var/fax/../../outside"
expect_rc 0 "$CTL" get 1 "$SIF"
[ "$OUT" = "$WORK/var/fax/sales" ] || fail "refused set changed the data: '$OUT'"
ok "bad data refused with the extension's reason, nothing changed"

expect_rc 1 "$CTL" enable 1 RouteRunProgram
echo "$ERR" | grep -qi 'program\|data' || fail "enable without data: $ERR"
expect_rc 0 "$CTL" disable 1 "$SIF"
expect_rc 0 "$CTL" --json methods 1
json_true "not [m for m in j['methods'] if m['guid'] == '$SIF'][0]['enabled']"
expect_rc 0 "$CTL" enable 1 "$SIF"
ok "enable/disable; enabling without data refused"

expect_rc 0 "$CTL" --json priority
json_true "sorted(m['priority'] for m in j['methods']) == list(range(1, len(j['methods']) + 1))"
expect_rc 0 "$CTL" priority RouteRunProgram 1
expect_rc 0 "$CTL" --json priority
json_true "[m for m in j['methods'] if m['function_name'] == 'RouteRunProgram'][0]['priority'] == 1"
ok "global priorities"

expect_rc 2 "$CTL" frobnicate
expect_rc 2 "$CTL" set 1
expect_rc 1 "$CTL" get 99 "$SIF"
expect_rc 1 "$CTL" get 1 '{00000000-0000-0000-0000-000000000000}'
# A usage error is short and points at help; help names each command.
expect_rc 2 "$CTL" frobnicate
[ "$(echo "$ERR" | wc -l)" -le 2 ] && echo "$ERR" | grep -q "faxgwctl help" ||
	fail "usage error is not short: $ERR"
expect_rc 0 "$CTL" help
echo "$OUT" | grep -q '^  enable PORT METHOD' || fail "help: $OUT"
expect_rc 0 "$CTL" help priority
[ "$(echo "$OUT" | grep -c priority)" -eq 2 ] || fail "help priority: $OUT"
expect_rc 2 "$CTL" help frobnicate
# METHOD: a prefix of the function name or of a word of the friendly name,
# '-' ignored; a miss lists the methods.
expect_rc 0 "$CTL" get 1 email
expect_rc 0 "$CTL" get 1 folder
expect_rc 1 "$CTL" get 1 fnord
echo "$ERR" | grep -q 'the methods are: .*Store in folder (RouteStoreInFolder)' ||
	fail "a missed METHOD does not list the methods: $ERR"
# events: the stream (ends after a quiet second without -f); a change
# made meanwhile shows, with who made it.
("$CTL" --json events > events.json 2>&1 &)
sleep 0.3
expect_rc 0 "$CTL" disable 1 "$SIF"
sleep 1.5
grep -q '"type":"routing-changed".*"text":"disabled by uid' events.json ||
	fail "events: no routing-changed line: $(cat events.json)"
expect_rc 0 "$CTL" enable 1 "$SIF"
# With --json an error is a JSON document on stdout too.
expect_rc 1 "$CTL" --json get 99 "$SIF"
json_true "j['error']['command'] == 'get' and j['error']['code'] < 0 and j['error']['text'] != ''"
ok "usage errors exit 2 (one line and a hint; help [COMMAND]), unknown port/method exit 1 (also as JSON)"

# Persistence across a restart.
stop_faxgwd
start_faxgwd
wait_for_socket "$WORK/var/faxgw.sock"
sleep 0.2
expect_rc 0 "$CTL" get 1 "$SIF"
[ "$OUT" = "$WORK/var/fax/sales" ] || fail "data lost over restart: '$OUT'"
expect_rc 0 "$CTL" --json priority
json_true "[m for m in j['methods'] if m['function_name'] == 'RouteRunProgram'][0]['priority'] == 1"
ok "settings survive a restart"

expect_rc 0 "$CTL" log
echo "$OUT" | grep -q "sales" || fail "audit log lacks the change: $OUT"
echo "$OUT" | grep -q "data (Store in folder)" || fail "audit log does not name the method: $OUT"
expect_rc 0 "$CTL" --json log
json_true "len(j['entries']) >= 4"
for c in "ports" "methods 2" "priority" "jobs" "jobs --failed" "log" "info"; do
	# shellcheck disable=SC2086
	expect_rc 0 "$CTL" --json $c
	printf '%s' "$OUT" | "$PY" -m json.tool >/dev/null || fail "--json $c is not JSON: $OUT"
	json_true "j['version'] != ''"
done
ok "audit log; --json on every command is valid JSON"

alive "$FAXGWD_PID" faxgwd
echo "$NCHECK passed, 0 failed"
