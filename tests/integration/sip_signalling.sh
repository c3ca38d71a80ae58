#!/usr/bin/env bash
# sip_signalling.sh - faxgwd's SIP signalling (faxgwd(8), SIP): a private
# faxgwd with a [sip] listener on a free loopback port (udp and tcp),
# driven by SIPp (Debian sip-tester) with the scenarios of
# tests/data/sip/: OPTIONS 200 (udp, tcp), unknown user 404, G.729-only
# offer 488 with a Warning, an acceptable offer answered 200 with SDP (a
# refresh re-INVITE leaves the media alone), faxgwd's T.38 re-INVITE
# refused (488: G.711 goes on) and accepted (the media switches), CANCEL
# while ringing 487, a source outside allow 403 (SIPp on
# 127.0.0.2), channels full 486, max-calls 503; then the RFC 4475 torture
# messages over UDP, faxgwd alive after each and OPTIONS still 200; a
# config check of bad [sip] values; a clean SIGTERM with the answer
# counters in the log; then digest authentication (401 challenge, right
# and wrong credentials) on a second faxgwd.  Loopback only, about 20 s.
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null 2>&1 || skip "sipp not installed (Debian sip-tester; tools/install-deps)"
[ -x "$B/faxgwd" ] || skip "no $B/faxgwd (make tests-build first)"
SC=$TOP/tests/data/sip
TORTURE=${FAXGW_TESTDATA:-$TOP/../shared/testdata}/sip/rfc4475

P=$(free_udp_tcp_port)
[ -n "$P" ] || fail "no free port for SIP"
U=$(free_udp_port)
mkdir -p "$WORK/var/spool" "$WORK/var/fax"
write_conf() {   # FILE [EXTRA [sip] LINES]
	cat > "$1" <<EOF
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
listen      = udp:127.0.0.1:$P, tcp:127.0.0.1:$P
allow       = 127.0.0.1/32, 127.0.0.3/32
max-calls   = 2
${2:-}

[port 1]
transport   = t38
listen      = 127.0.0.1:$U

[port 10]
name        = sales
transport   = sip
sip-user    = 5550100
channels    = 1
codecs      = pcma, pcmu
t38         = no

[port 11]
transport   = sip
sip-user    = 5550200
channels    = 4
t38         = accept

[port 12]
transport   = sip
sip-user    = 5550300
t38         = offer
EOF
}
write_conf "$WORK/faxgwd.conf"

# --- the configuration ---------------------------------------------------------
expect_rc 0 "$B/faxgwd" -n -c "$WORK/faxgwd.conf"
[ "$OUT" = "configuration OK" ] || fail "faxgwd -n: $OUT"
ok "faxgwd -n accepts [sip] and three sip ports"
write_conf "$WORK/bad.conf" "media-ports = 9000-8000
username    = fax"
sed -i -e 's/^codecs      = pcma, pcmu/codecs      = pcma, g729/' \
	-e 's/^sip-user    = 5550200/sip-user    = 5550100/' "$WORK/bad.conf"
expect_rc 1 "$B/faxgwd" -n -c "$WORK/bad.conf"
for want in "bad.conf:15: media-ports: '9000-8000' is not a range" \
	    "bad.conf:11: [sip]: username and password go together" \
	    "bad.conf:27: codecs: 'g729' is not one of: pcma pcmu" \
	    "bad.conf:30: [port 11]: sip-user 5550100 is already port 10's"; do
	printf '%s\n' "$ERR" | grep -qF "$want" || fail "faxgwd -n did not report '$want': $ERR"
done
ok "faxgwd -n reports each bad [sip] value with file:line"

# --- a running faxgwd -------------------------------------------------------------
start_faxgwd -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
expect_rc 0 "$B/faxgwctl" -s "$WORK/var/faxgw.sock" --json ports
json_true '[p["transport"] for p in j["ports"]] == ["t38", "sip", "sip", "sip"] and j["ports"][1]["name"] == "sales" and j["ports"][1]["state"] == "idle"'
ok "faxgwctl ports lists the sip ports (transport sip, idle) beside the static one"

# sipp_run NAME SCENARIO USER [SIPP ARGS...]: one SIPp run in $WORK, rc 0.
sipp_run() {
	local name=$1 sc=$2 user=$3; shift 3
	(cd "$WORK" && timeout 30 sipp -sf "$SC/$sc.xml" -s "$user" -m 1 -timeout 15s -timeout_error \
		-p 0 -i 127.0.0.1 -nostdin -trace_err -error_file "$WORK/$name.err" "$@" \
		"127.0.0.1:$P" > "$WORK/$name.log" 2>&1)
	local rc=$?
	[ "$rc" -eq 0 ] || { tail -n 20 "$WORK/$name.log" "$WORK/$name.err" 2>/dev/null;
			     fail "sipp $name ($sc) exited $rc"; }
	alive "$FAXGWD_PID" faxgwd
}

sipp_run options_udp options fax
ok "OPTIONS over UDP: 200"
sipp_run options_tcp options fax -t t1
ok "OPTIONS over TCP: 200"
sipp_run unknown invite_404 5559999
ok "INVITE to an unknown user: 404"
sipp_run g729_udp invite_g729 5550100
ok "G.729-only offer over UDP: 488 with Warning 305 'Incompatible media format'"
sipp_run g729_tcp invite_g729 5550100 -t t1
ok "G.729-only offer over TCP: 488 with Warning"
sipp_run answer invite_answer 5550200
grep -q "SIP call .* answered on port 11 channel [0-9]*: G.711 PCMU from 127.0.0.1:[0-9]*, local media port [0-9]*" "$WORK/faxgwd.log" ||
	fail "no 'answered' line for the PCMU call in the log"
grep -q "moved the media" "$WORK/faxgwd.log" && fail "the refresh re-INVITE touched the media"
ok "acceptable offer: 180, 200 OK with PCMU on a media port, ACK; a refresh re-INVITE answered without touching the media; BYE 200"
sipp_run t38_refused invite_t38_refused 5550300
grep -q "T.38 re-INVITE refused (488): the fax continues on G.711" "$WORK/faxgwd.log" ||
	fail "faxgwd did not log the refused T.38 re-INVITE"
ok "t38 = offer: faxgwd's image-only re-INVITE after the ACK; 488 leaves the call on G.711"
sipp_run t38_accepted invite_t38_accepted 5550300
grep -q "switched to T.38 (version 0, peer datagrams <= 72)" "$WORK/faxgwd.log" ||
	fail "faxgwd did not switch to T.38 with the peer's MaxDatagram 72"
ok "t38 = offer: the peer's 200 to our re-INVITE switches the media to T.38 within its MaxDatagram 72"
n0=$(grep -c "switched to T.38" "$WORK/faxgwd.log")
sipp_run t38_glare invite_t38_glare 5550300
grep -q "re-INVITE glare (491), retrying" "$WORK/faxgwd.log" || fail "faxgwd did not log the 491"
[ "$(grep -c "switched to T.38" "$WORK/faxgwd.log")" -gt "$n0" ] || fail "the retried re-INVITE did not switch to T.38"
ok "re-INVITE glare: 491 to faxgwd's T.38 re-INVITE, retried within 2 s, then accepted"
sipp_run cancel invite_cancel 5550200
ok "CANCEL while ringing: 200 for the CANCEL, 487 for the INVITE"
sipp_run forbidden invite_403 5550100 -i 127.0.0.2
ok "INVITE from 127.0.0.2 (outside allow 127.0.0.1/32): 403"

# Two calls to port 10 (channels 1), 100 ms apart: the second gets 486.
sipp_run busy invite_any 5550100 -m 2 -r 10 -rp 1000
n=$(grep -c "SIP INVITE for '5550100': 486" "$WORK/faxgwd.log")
[ "$n" -eq 1 ] || fail "expected one 486 for the second call to port 10, got $n"
ok "second call while port 10's one channel rings: 486"
# Three calls to port 11, 100 ms apart: max-calls = 2, the third gets 503.
sipp_run maxcalls invite_any 5550200 -m 3 -r 10 -rp 1000
n=$(grep -c "SIP INVITE for '5550200': 503" "$WORK/faxgwd.log")
[ "$n" -eq 1 ] || fail "expected one 503 for the third call (max-calls 2), got $n"
ok "third call at max-calls 2: 503"

# --- methods a fax gateway does not serve, and requests outside a dialog -----------
"$PY" - "$P" > "$WORK/methods.out" 2>&1 <<'EOF' || fail "methods: $(cat "$WORK/methods.out")"
import socket, sys
port = int(sys.argv[1])
want = {"REGISTER": 405, "MESSAGE": 405, "SUBSCRIBE": 405, "NOTIFY": 405, "REFER": 405,
        "INFO": 405, "PUBLISH": 405, "UPDATE": 481, "BYE": 481, "CANCEL": 481}
bad = []
for n, (method, status) in enumerate(want.items()):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(3)
    to_tag = ";tag=none" if method == "BYE" else ""
    msg = ("%s sip:5550100@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;rport;branch=z9hG4bK-m%d\r\n"
           "From: <sip:probe@127.0.0.1>;tag=p%d\r\nTo: <sip:5550100@127.0.0.1>%s\r\n"
           "Call-ID: methods-%d@127.0.0.1\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n"
           "Contact: <sip:probe@127.0.0.1>\r\nEvent: presence\r\n"
           "Refer-To: <sip:x@127.0.0.1>\r\nContent-Length: 0\r\n\r\n"
           % (method, port, s.getsockname()[1], n, n, to_tag, n, method))
    s.sendto(msg.encode(), ("127.0.0.1", port))
    got = None
    try:
        while got is None or got < 200:
            got = int(s.recv(65535).split(b" ", 2)[1])
    except (socket.timeout, ValueError, IndexError):
        pass
    print("# %s: %s" % (method, got))
    if got != status:
        bad.append("%s got %s, expected %s" % (method, got, status))
sys.exit("; ".join(bad) if bad else 0)
EOF
cat "$WORK/methods.out"
alive "$FAXGWD_PID" faxgwd
ok "REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, PUBLISH: 405; UPDATE, BYE and CANCEL outside a dialog: 481"

# --- RFC 4475 torture messages over UDP --------------------------------------------
if [ -d "$TORTURE" ]; then
	ntort=0
	for f in "$TORTURE"/*.dat; do
		"$PY" - "$f" "$P" > "$WORK/torture.out" 2>&1 <<'EOF' || fail "sending $f: $(cat "$WORK/torture.out")"
# faxgwd answers to the source address and the Via's port (RFC 3261
# 18.2.2): most messages name no port, so 5060.  The sender takes
# 127.0.0.3:5060 when it can, to read the answers; else any port.
# Only answers with the message's Call-ID count: a final answer to an
# INVITE is retransmitted until an ACK comes (RFC 3261 17.2.1), and none
# comes here.
import re, socket, sys, time
data = open(sys.argv[1], "rb").read()
def call_id(msg):
    m = re.search(rb"^(?:call-id|i)[ \t]*:[ \t]*(\S+)", msg, re.I | re.M)
    return m.group(1) if m else None
cid = call_id(data)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind(("127.0.0.3", 5060))
except OSError:
    s.bind(("127.0.0.3", 0))
s.sendto(data, ("127.0.0.1", int(sys.argv[2])))
answers, end = [], time.time() + 0.4
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        r = s.recv(65535)
    except socket.timeout:
        break
    if cid is None or call_id(r) != cid:
        continue
    answers.append(r.split(b"\r\n", 1)[0].decode("latin-1")[8:])
    if not answers[-1].startswith("1"):
        break
print(", ".join(answers) if answers else "no answer (dropped, or sent elsewhere)")
EOF
		printf '%s: %s\n' "$(basename "$f")" "$(cat "$WORK/torture.out")" >> "$WORK/torture.txt"
		alive "$FAXGWD_PID" "faxgwd (after $(basename "$f"))"
		ntort=$((ntort + 1))
	done
	sed 's/^/# /' "$WORK/torture.txt"
	ok "$ntort RFC 4475 torture messages over UDP: faxgwd alive after each"
	sipp_run options_after options fax
	ok "OPTIONS after the torture messages: 200"
	if "$B/faxpeer" --help 2>&1 | grep -q -- '--sip'; then
		"$B/faxtestdoc" make "$WORK/one.tif" 1 standard 71 >/dev/null || fail "faxtestdoc make"
		expect_rc 0 "$B/faxpeer" send --sip "sip:5550200@127.0.0.1:$P" --t38 direct -q \
			--timeout 120 "$WORK/one.tif"
		echo "# $OUT"
		ok "a fax call after the torture messages: T.38, 1 page confirmed"
	fi
else
	echo "# no RFC 4475 messages at $TORTURE: torture part skipped"
fi

# --- SIGTERM: a call ringing gets 503 with Retry-After, a clean stop, counters logged
n0=$(grep -c "SIP INVITE for '5550200': port 11" "$WORK/faxgwd.log")
(cd "$WORK" && timeout 30 sipp -sf "$SC/invite_stopping.xml" -s 5550200 -m 1 -timeout 15s \
	-timeout_error -p 0 -i 127.0.0.1 -nostdin "127.0.0.1:$P" > "$WORK/stopping.log" 2>&1) &
SIPP_PID=$!
arrived() { [ "$(grep -c "SIP INVITE for '5550200': port 11" "$WORK/faxgwd.log")" -gt "$n0" ]; }
wait_until 10 arrived ||
	fail "the INVITE placed before SIGTERM did not arrive"
kill -TERM "$FAXGWD_PID"
wait "$SIPP_PID" || fail "sipp invite_stopping: no 180 then 503 with Retry-After ($(tail -n 5 "$WORK/stopping.log"))"
ok "SIGTERM while a call rings: it gets 503 with Retry-After"
wait "$FAXGWD_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "faxgwd exited $rc after SIGTERM"
grep -q "faxgwd stopped" "$WORK/faxgwd.log" || fail "no 'faxgwd stopped' in the log"
line=$(grep "SIP answers:" "$WORK/faxgwd.log" | tail -n 1)
[ -n "$line" ] || fail "no 'SIP answers:' line in the log"
echo "# $line"
count() { printf '%s\n' "$line" | sed -n "s/.*[( ]$1 \\([0-9]*\\).*/\\1/p"; }
[ "$(count 403)" -ge 1 ] && [ "$(count 404)" -ge 1 ] && [ "$(count 486)" -ge 1 ] &&
	[ "$(count 487)" -ge 1 ] && [ "$(count 488)" -ge 2 ] && [ "$(count 503)" -ge 2 ] ||
	fail "answer counters do not match the calls made: $line"
ok "SIGTERM: faxgwd stopped cleanly (exit 0) and logged its SIP answer counters"

# --- digest authentication: a second faxgwd with username and password -------------
write_conf "$WORK/auth.conf" "username    = faxuser
password    = s3cret pass"
: > "$WORK/faxgwd.log"
start_faxgwd -c "$WORK/auth.conf"
wait_for_socket "$WORK/var/faxgw.sock"
wait_until 10 sh -c "ss -uln | grep -q ':$P '" || fail "the second faxgwd does not listen on $P"
sipp_run auth_good invite_auth 5550200 -au faxuser -ap "s3cret pass"
ok "digest: 401 with a challenge, then the right credentials go on (180, 200 OK)"
sipp_run auth_bad invite_auth_bad 5550200 -au faxuser -ap wrong
ok "digest: wrong credentials get 403"
sipp_run auth_user invite_auth_bad 5550200 -au someone -ap "s3cret pass"
ok "digest: an unknown username gets 403"
sipp_run auth_options options fax
ok "digest: OPTIONS is not challenged (200)"
kill -TERM "$FAXGWD_PID"
wait "$FAXGWD_PID" || fail "the second faxgwd exited $? after SIGTERM"
grep "SIP answers:" "$WORK/faxgwd.log" | sed 's/^/# /'

# --- max-calls-per-source: a third faxgwd; one source may hold one call -----------
write_conf "$WORK/source.conf" "max-calls-per-source = 1"
: > "$WORK/faxgwd.log"
start_faxgwd -c "$WORK/source.conf"
wait_for_socket "$WORK/var/faxgw.sock"
wait_until 10 sh -c "ss -uln | grep -q ':$P '" || fail "the third faxgwd does not listen on $P"
# Two calls from 127.0.0.1 100 ms apart (each held 300 ms after its 200),
# and one from 127.0.0.3 meanwhile.
sipp_run per_source invite_any 5550200 -m 2 -r 10 -rp 1000 &
SP1=$!
sleep 0.05
sipp_run per_source3 invite_any 5550200 -i 127.0.0.3
wait "$SP1" || fail "the calls from 127.0.0.1 failed"
n=$(grep -c "SIP INVITE for '5550200': 503" "$WORK/faxgwd.log")
a=$(grep -c "SIP call .* answered on port 11" "$WORK/faxgwd.log")
[ "$n" -eq 1 ] && [ "$a" -eq 2 ] || fail "max-calls-per-source 1: $n refused (503), $a answered; expected 1 and 2"
ok "max-calls-per-source = 1: the second call from one source gets 503, another source's call is answered"
kill -TERM "$FAXGWD_PID"
wait "$FAXGWD_PID" || fail "the third faxgwd exited $? after SIGTERM"
echo "$NCHECK passed, 0 failed"
