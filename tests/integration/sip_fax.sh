#!/usr/bin/env bash
# sip_fax.sh - faxes over SIP into faxgwd (faxgwd(8) SIP, DESIGN 2b):
# faxpeer calls a private faxgwd the way an ATA or a PBX does, and each
# fax lands in its port's folder page for page identical to what was sent.
# Cases, run concurrently, one sip port each (its t38 and codecs as the
# case needs): G.711 PCMU and PCMA at ptime 20 and 30 with t38 = no;
# G.711 then faxgwd's T.38 re-INVITE; G.711 then faxpeer's T.38 re-INVITE;
# a direct T.38 INVITE; faxpeer refusing faxgwd's re-INVITE with 488 (the
# fax completes on G.711); a session refresh every 5 s during a 3-page
# fax; BYE after page 1 of 3 (a partial fax of 1 page, routed and
# flagged); 5% random loss each way on the media, through a relay
# (udp_relay.py) that faxpeer's SDP names (--media-via): G.711 and then
# T.38 after faxgwd's re-INVITE.  Each fax's SIP metadata (DESIGN 2b):
# `faxgwctl job N --json` shows the Call-ID, From, To, faxpeer's
# User-Agent and the transport, a Run program on port 13 sees them as
# FAXGW_SIP_* / FAXGW_TRANSPORT, and `faxgwctl calls`, polled while the
# faxes run, lists them in progress.  The SIP counters (faxgwctl sip, the
# log) match the calls made.  Loopback only, about 2 minutes.
. "$(dirname "$0")/lib.sh"

FP=${FAXPEER_SIP:-$B/faxpeer}
TD="$B/faxtestdoc"
CTL="$B/faxgwctl"
for x in "$B/faxgwd" "$FP" "$TD" "$CTL" "$B/routing/store_folder.so"; do
	[ -x "$x" ] || [ -f "$x" ] || skip "$x not built (make tests-build)"
done
"$FP" --help 2>&1 | grep -q -- '--sip' || skip "$FP has no --sip"
cd "$WORK" || exit 1
P=$(free_udp_port)
[ -n "$P" ] || fail "no free port for SIP"
mkdir -p var/spool var/fax
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'

# port ID USER T38 CODECS: one sip port with two channels.
port() {
	printf '\n[port %s]\nname = p%s\ntransport = sip\nsip-user = %s\nchannels = 2\nt38 = %s\ncodecs = %s\n' \
		"$1" "$1" "$2" "$3" "$4"
}
{
	cat <<CONF
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
CONF
	port 11 1011 no "pcmu, pcma"     # PCMU, ptime 20 and 30
	port 12 1012 no "pcma, pcmu"     # PCMA, ptime 20 and 30
	port 13 1013 offer "pcmu, pcma"  # faxgwd's T.38 re-INVITE
	port 14 1014 accept "pcmu, pcma" # faxpeer's T.38 re-INVITE
	port 15 1015 accept "pcmu, pcma" # direct T.38
	port 16 1016 offer "pcmu, pcma"  # faxpeer answers 488
	port 17 1017 offer "pcmu, pcma"  # refresh every 5 s
	port 18 1018 no "pcmu, pcma"     # BYE after page 1 of 3
	port 19 1019 offer "pcmu, pcma"  # 5% loss through a relay
} > faxgwd.conf
start_faxgwd -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
for p in 11 12 13 14 15 16 17 18 19; do
	mkdir -p "var/fax/in$p"
	"$CTL" -s var/faxgw.sock set "$p" "$SIF" "$WORK/var/fax/in$p" >/dev/null &&
		"$CTL" -s var/faxgw.sock enable "$p" "$SIF" >/dev/null ||
		fail "cannot enable Store in folder on port $p"
done
# Port 13 also runs a program that records the fax's environment.
printf '#!/bin/sh\nenv | grep "^FAXGW_" > %s/rec-$FAXGW_JOB_ID.env\n' "$WORK" > var/record
chmod 755 var/record
"$CTL" -s var/faxgw.sock set 13 RouteRunProgram record >/dev/null &&
	"$CTL" -s var/faxgw.sock enable 13 RouteRunProgram >/dev/null ||
	fail "cannot enable Run program on port 13"

"$TD" make one.tif 1 standard 31 || fail "faxtestdoc make"
"$TD" make three.tif 3 standard 32 || fail "faxtestdoc make"
"$TD" make first.tif 1 standard 32 || fail "faxtestdoc make"   # page 1 of three.tif

declare -A TX
# call NAME USER DOC FAXPEER-OPTIONS...: a faxpeer send --sip in the background.
call() {
	local name=$1 user=$2 doc=$3; shift 3
	"$FP" send --sip "sip:$user@127.0.0.1:$P" --timeout 240 "$@" "$doc" \
		> "$name.out" 2> "$name.err" &
	TX[$name]=$!
	PIDS+=("$!")
}
call pcmu20 1011 one.tif --codec pcmu --ptime 20 --t38 no
call pcmu30 1011 one.tif --codec pcmu --ptime 30 --t38 no
call pcma20 1012 one.tif --codec pcma --ptime 20 --t38 no
call pcma30 1012 one.tif --codec pcma --ptime 30 --t38 no
call ours 1013 one.tif --t38 accept
call theirs 1014 one.tif --t38 offer
call direct 1015 one.tif --t38 direct
call refused 1016 one.tif --t38 no
call refresh 1017 three.tif --t38 accept --refresh 5
call bye 1018 three.tif --t38 no --bye-after-page 1
# The lossy leg: faxpeer's media on a fixed port behind the relay, which
# its SDP names; faxgwd's first datagram makes it the relay's client.
read -r LM < <(free_udp_ports 1)
"$PY" "$TOP/tests/integration/udp_relay.py" --upstream "127.0.0.1:$LM" --port-file relay.port \
	--loss 0.05 --seed "${RELAY_SEED:-14}" --stats relay.json --idle 30 2> relay.err &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
wait_until 5 test -s relay.port || fail "the relay did not start: $(cat relay.err)"
call lossy 1019 three.tif --t38 accept --local "127.0.0.1:$LM" \
	--media-via "127.0.0.1:$(cat relay.port)"

# `faxgwctl calls` every half second while the faxes run (one JSON
# document a line), until calls.stop appears.
(
	for _ in $(seq 1 480); do
		[ -e calls.stop ] && break
		"$CTL" -s var/faxgw.sock --json calls 2>>calls.err | tr -d '\n' >> calls.log &&
			echo >> calls.log
		sleep 0.5
	done
) &
POLL=$!
PIDS+=("$POLL")

# finish NAME RC REGEX: faxpeer's exit status and summary line.
finish() {
	local rc
	wait "${TX[$1]}"; rc=$?
	[ "$rc" -eq "$2" ] || fail "$1: faxpeer exited $rc, expected $2: $(cat "$1.out") $(tail -n 8 "$1.err")"
	grep -Eq "$3" "$1.out" || fail "$1: summary '$(cat "$1.out")' does not match /$3/"
	echo "# $1: $(cat "$1.out")"
}
# stored PORT N DOC: N faxes in port PORT's folder, each identical to DOC.
stored() {
	local f n=0
	wait_until 10 sh -c "[ \$(ls '$WORK/var/fax/in$1' | grep -c '\\.tif\$') -ge $2 ]" ||
		fail "port $1: not $2 fax(es) stored: $(ls "$WORK/var/fax/in$1")"
	for f in "$WORK/var/fax/in$1"/*.tif; do
		"$TD" compare "$3" "$f" 2> cmp.err || fail "port $1: $f differs: $(cat cmp.err)"
		n=$((n + 1))
	done
	[ "$n" -eq "$2" ] || fail "port $1: $n faxes stored, expected $2"
}

finish pcmu20 0 'g711 pcmu ptime 20.*result: OK'
finish pcmu30 0 'g711 pcmu ptime 30.*result: OK'
stored 11 2 one.tif
ok "G.711 PCMU, ptime 20 and 30, t38 = no: both faxes stored, pages identical"
finish pcma20 0 'g711 pcma ptime 20.*result: OK'
finish pcma30 0 'g711 pcma ptime 30.*result: OK'
stored 12 2 one.tif
ok "G.711 PCMA, ptime 20 and 30, t38 = no: both faxes stored, pages identical"
finish ours 0 't38 .*re-INVITE.*result: OK'
stored 13 1 one.tif
grep -q "switched to T.38" faxgwd.log || fail "faxgwd did not log its T.38 switch"
ok "G.711, then faxgwd's T.38 re-INVITE: the fax completes on T.38"
finish theirs 0 't38 .*re-INVITE.*result: OK'
stored 14 1 one.tif
grep -q "the peer moved the media to T.38" faxgwd.log || fail "faxgwd did not log the peer's T.38 switch"
ok "G.711, then faxpeer's T.38 re-INVITE: accepted mid-call, the fax completes on T.38"
finish direct 0 't38.*result: OK'
stored 15 1 one.tif
ok "a direct T.38 INVITE: answered as T.38"
finish refused 0 'g711.*result: OK'
stored 16 1 one.tif
grep -q "T.38 re-INVITE refused (488): the fax continues on G.711" faxgwd.log ||
	fail "faxgwd did not log the refused re-INVITE"
ok "faxgwd's T.38 re-INVITE refused with 488: the fax completes on G.711"
finish refresh 0 'result: OK'
stored 17 1 three.tif
n=$(grep -c "session refresh answered 200" refresh.err)
[ "$n" -ge 2 ] || fail "refresh: $n refreshes answered 200, expected at least 2"
# Only faxpeer's own T.38 re-INVITE (port 14) moved media: no refresh did.
[ "$(grep -c "the peer moved the media" faxgwd.log)" -eq 1 ] ||
	fail "a refresh touched the media: $(grep "moved the media" faxgwd.log)"
ok "session refresh every 5 s during a 3-page fax: $n refreshes answered, media untouched, every page arrives"
finish bye 1 ''
stored 18 1 first.tif
OUT=$("$CTL" -s var/faxgw.sock --json jobs) || fail "faxgwctl jobs"
json_true 'any(x["port"] == 18 and x["partial"] and x["pages"] == 1 for x in j["jobs"])'
ok "BYE after page 1 of 3: a partial fax of 1 page, stored and flagged"

finish lossy 0 't38 .*re-INVITE.*result: OK'
stored 19 1 three.tif
kill -TERM "$RELAY_PID" 2>/dev/null
wait "$RELAY_PID" 2>/dev/null
dropped=$("$PY" -c 'import json; j = json.load(open("relay.json")); print(sum(v for k, v in j.items() if "drop" in k))' 2>/dev/null)
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "the relay dropped nothing: $(cat relay.json 2>/dev/null)"
ok "5% random loss each way through a relay, G.711 then T.38: 3 pages identical ($dropped datagrams dropped)"

touch calls.stop
wait "$POLL"
# The polls saw the calls: SIP identities, a transport, pages counting up.
OUT=$("$PY" -c '
import json, sys
polls = [json.loads(l)["calls"] for l in open(sys.argv[1]) if l.strip()]
calls = [c for p in polls for c in p]
print(json.dumps({"polls": len(polls), "max": max([len(p) for p in polls] or [0]),
                  "calls": calls}))' calls.log) || fail "faxgwctl calls: bad output: $(head -c 400 calls.log) $(cat calls.err)"
json_true 'j["max"] >= 5'
most=$(json 'j["max"]')
json_true 'all(11 <= c["port"] <= 19 and c["channel"] in (0, 1) and c["sip_call_id"] and c["peer"].startswith("127.0.0.1:") and c["transport"] and c["start_time"] > 0 for c in j["calls"])'
json_true 'any(c["transport"].startswith("G.711 PCMU ptime 30") for c in j["calls"] if c["port"] == 11)'
json_true 'any(c["port"] == 17 and c["pages"] >= 1 for c in j["calls"])'
json_true 'any(c["port"] == 13 and c["transport"].startswith("T.38") and "after re-INVITE" in c["transport"] for c in j["calls"])'
OUT=$("$CTL" -s var/faxgw.sock --json calls) || fail "faxgwctl calls after the faxes"
json_true 'j["calls"] == []'
ok "faxgwctl calls while faxes run: up to $most at once, each with port, channel, peer, SIP Call-ID, transport (switched to T.38 after the re-INVITE), pages so far"

# job JOB --json: the SIP identities and the transport of the fax.
job_of() {
	OUT=$("$CTL" -s var/faxgw.sock --json jobs) || fail "faxgwctl jobs"
	json "' '.join(str(x[\"id\"]) for x in j[\"jobs\"] if x[\"port\"] == $1)"
}
for id in $(job_of 11); do
	OUT=$("$CTL" -s var/faxgw.sock --json job "$id") || fail "faxgwctl job $id"
	json_true 'j["job"]["id"] == '"$id"' and j["job"]["port"] == 11 and j["job"]["state"] == "done"'
	json_true 'j["sip"]["call_id"] != "" and j["sip"]["from"].startswith("sip:") and j["sip"]["to"].startswith("sip:1011@") and j["sip"]["user_agent"] == "faxpeer"'
	json_true 'j["transport"] in ("G.711 PCMU ptime 20", "G.711 PCMU ptime 30")'
	json_true 'j["caller"].startswith("127.0.0.1:") and j["port_name"] == "p11"'
	json_true 'j["t30_status"] == 0 and j["job"]["pages"] == 1 and [m["state"] for m in j["methods"]] == ["done"] and j["methods"][0]["name"] == "Store in folder"'
	echo "$OUT" >> job11.json
done
[ "$(grep -c '"transport":"G.711 PCMU ptime 30"\|"transport": "G.711 PCMU ptime 30"' job11.json)" -eq 1 ] ||
	fail "port 11: not one fax at ptime 30: $(cat job11.json)"
ids=$(job_of 15)
OUT=$("$CTL" -s var/faxgw.sock --json job "$ids") || fail "faxgwctl job $ids"
json_true 'j["transport"].startswith("T.38 v0, max datagram ") and "(after re-INVITE)" not in j["transport"] and j["sip"]["to"].startswith("sip:1015@")'
OUT=$("$CTL" -s var/faxgw.sock job "$ids") || fail "faxgwctl job $ids (text)"
grep -q '^SIP User-Agent: faxpeer$' <<<"$OUT" || fail "faxgwctl job: no User-Agent line: $OUT"
expect_rc 1 "$CTL" -s var/faxgw.sock job 999999
grep -q 'no such job' <<<"$ERR" || fail "faxgwctl job 999999: $ERR"
ok "faxgwctl job --json: Call-ID, From, To, User-Agent faxpeer, G.711 law and ptime or T.38 parameters, per-method results; an unknown job is exit 1"

# Port 13's Run program saw the same, sanitized, in its environment.
wait_until 10 compgen -G "$WORK/rec-*.env" >/dev/null || fail "port 13: Run program not run"
rec=$(ls "$WORK"/rec-*.env | head -n 1)
grep -Eq '^FAXGW_SIP_CALL_ID=.+' "$rec" || fail "no FAXGW_SIP_CALL_ID: $(cat "$rec")"
grep -q '^FAXGW_SIP_FROM=sip:' "$rec" || fail "no FAXGW_SIP_FROM: $(cat "$rec")"
grep -q '^FAXGW_SIP_TO=sip:1013@' "$rec" || fail "no FAXGW_SIP_TO: $(cat "$rec")"
grep -q '^FAXGW_SIP_USER_AGENT=faxpeer$' "$rec" || fail "no FAXGW_SIP_USER_AGENT: $(cat "$rec")"
grep -Eq '^FAXGW_TRANSPORT=T\.38 v0, max datagram [0-9]+, (redundancy|FEC|no error correction) \(after re-INVITE\)$' "$rec" ||
	fail "FAXGW_TRANSPORT: $(grep TRANSPORT "$rec")"
OUT=$("$CTL" -s var/faxgw.sock --json job "$(job_of 13)") || fail "faxgwctl job (port 13)"
json_true 'j["sip"]["call_id"] == "'"$(sed -n 's/^FAXGW_SIP_CALL_ID=//p' "$rec")"'"'
ok "Run program on a SIP port: FAXGW_SIP_CALL_ID, _FROM, _TO, _USER_AGENT and FAXGW_TRANSPORT (T.38 after faxgwd's re-INVITE), as faxgwctl job shows them"

alive "$FAXGWD_PID" faxgwd
OUT=$("$CTL" -s var/faxgw.sock --json sip) || fail "faxgwctl sip: $OUT"
json_true 'j["sip"]["running"] and j["sip"]["invites"] == 11 and j["sip"]["answered"] == 11 and j["sip"]["t38_reinvites_sent"] == 4 and j["sip"]["t38_reinvites_accepted"] == 3 and j["sip"]["t38_reinvites_refused"] == 1 and j["sip"]["t38_peer_switches"] == 1 and j["sip"]["calls"] == 0'
json_true '[(p["id"], p["invites"], p["t38_reinvites_sent"]) for p in j["ports"]] == [(11, 2, 0), (12, 2, 0), (13, 1, 1), (14, 1, 0), (15, 1, 0), (16, 1, 1), (17, 1, 1), (18, 1, 0), (19, 1, 1)] and j["ports"][6]["refreshes"] >= 2'
ok "faxgwctl sip: the gateway's and each port's counters match the calls made"
stop_faxgwd
line=$(grep "SIP calls:" faxgwd.log | tail -n 1)
echo "# ${line#*: }"
# 11 calls: ports 13, 16, 17, 19 send T.38 re-INVITEs (16's refused);
# port 14 takes faxpeer's; the refreshes of port 17's call.
case "$line" in
*"11 INVITEs, 11 answered, rejected 3xx 0 4xx 0 5xx 0 6xx 0; our T.38 re-INVITEs 4 (accepted 3, refused 1), the peer's to T.38 1, refreshes "[1-9]*) ;;
*) fail "SIP counters do not match the calls: $line" ;;
esac
ok "the SIP counters match the calls made"
echo "$NCHECK passed, 0 failed"
