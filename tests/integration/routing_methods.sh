#!/usr/bin/env bash
# The routing methods that reach servers, end to end: a real faxgwd with
# mail.so, post_url.so and print.so, real servers on loopback (an aiosmtpd
# SMTP server delivering into a Maildir, a Python http.server, a private
# cupsd with a capture queue; tests/integration/routing_servers/), faxpeer
# as the remote fax machine, faxgwctl as the administrator.
#
#   - SET-time validation through faxgwctl: bad addresses, unknown printers,
#     non-http schemes, overlong data refused with a reason, nothing changed;
#     enabling without data or without the config section refused.
#   - port 1 (e-mail + post + print): a 3-page fax arrives as one mail to
#     both recipients with a PDF whose embedded pages equal the fax's pixels,
#     as a POST with the PDF and the metadata, and as a CUPS job holding
#     the same PDF.
#   - port 2: the SMTP server answers 451, then 250: retried to success.
#   - port 3: the SMTP server answers 550: dead-lettered at once, the reply
#     in the job's last error.
#   - port 4: the HTTP server answers 503, then 200: retried to success.
#   - port 5: the HTTP server answers 404: dead-lettered.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
SRV="$TOP/tests/integration/routing_servers"
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/mail.so" "$B/routing/post_url.so" \
	 "$B/routing/print.so"; do
	[ -e "$x" ] || skip "$x is not built"
done
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd is not installed"
for x in pdfimages tifftopnm; do
	command -v "$x" >/dev/null || skip "$x (poppler-utils, netpbm) is not installed"
done
HAVE_CUPS=1
[ -x /usr/sbin/cupsd ] && command -v lpstat >/dev/null || HAVE_CUPS=0
cd "$WORK" || exit 1

free_ports() {   # PROTO N
	"$PY" - "$1" "$2" <<'EOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# --- servers --------------------------------------------------------------------
read -r SMTP HTTP IPP <<< "$(free_ports tcp 3)"
mkdir -p smtp http cups
"$PY" "$SRV/smtp_server.py" "$SMTP" "$WORK/smtp" > smtp.log 2>&1 & PIDS+=($!)
"$PY" "$SRV/http_server.py" "$HTTP" "$WORK/http" > http.log 2>&1 & PIDS+=($!)
wait_until 10 test -e smtp/ready || fail "SMTP server did not start: $(cat smtp.log)"
wait_until 10 test -e http/ready || fail "HTTP server did not start: $(cat http.log)"
if [ "$HAVE_CUPS" = 1 ]; then
	chmod 755 "$WORK"   # cupsd runs the capture backend as user lp
	sh "$SRV/cupsd.sh" "$IPP" "$WORK/cups" > cups.log 2>&1 & PIDS+=($!)
	export CUPS_SERVER=127.0.0.1:$IPP
	wait_until 10 lpstat -p faxq >/dev/null 2>&1 || { HAVE_CUPS=0; echo "SKIP part: cupsd: $(tail -n 3 cups.log)"; }
else
	echo "SKIP part: printing: cupsd or lpstat (cups-daemon, cups-client) not installed"
fi
ok "servers up: SMTP $SMTP, HTTP $HTTP$([ "$HAVE_CUPS" = 1 ] && echo ", cupsd $IPP")"

# --- faxgwd ------------------------------------------------------------------------
read -r -a UDP <<< "$(free_ports udp 5)"
G=$WORK/gw
mkdir -p "$G/ext" "$G/routing.d" "$G/var/fax"
chmod 755 "$G/ext" "$G/routing.d"
cp "$B/routing/mail.so" "$B/routing/post_url.so" "$B/routing/print.so" "$G/ext/"
chmod 755 "$G"/ext/*.so
{
	printf '[gateway]\nspool = %s/var/spool\nstate = %s/var/faxgw.db\n' "$G" "$G"
	printf 'control = %s/var/faxgw.sock\nextensions = %s/ext\n' "$G" "$G"
	printf 'store-root = %s/var/fax\nexec-dir = %s/routing.d\nretry = 3 300ms\n' "$G" "$G"
	for i in 1 2 3 4 5; do
		printf '[port %d]\nname = p%d\ntransport = t38\nlisten = 127.0.0.1:%s\n' \
			"$i" "$i" "${UDP[$((i - 1))]}"
		printf 'local-ident = +1 555 010%d\n' "$i"
	done
	printf '[mail]\nsmtp-url = smtp://127.0.0.1:%s\nstarttls = auto\n' "$SMTP"
	printf 'from = Fax Gateway <fax@example.org>\nattach = pdf\n'
	printf '[http]\ntimeout = 5s\nattach = pdf\n'
} > "$G/faxgw.conf"
("$B/faxgwd" -f -c "$G/faxgw.conf" >>"$G/faxgwd.log" 2>&1) & GWPID=$!
PIDS+=($GWPID)
wait_for_socket "$G/var/faxgw.sock"
export FAXGW_SOCKET=$G/var/faxgw.sock

expect_rc 0 "$CTL" --json info
json_true 'sum(1 for e in j["extensions"] if e["loaded"]) == 3'

# --- SET-time validation --------------------------------------------------------------
refused() {   # REASON-REGEX faxgwctl-ARGS...
	local want=$1; shift
	expect_rc 1 "$CTL" "$@"
	printf '%s\n' "$ERR$OUT" | grep -Eq "$want" ||
		fail "faxgwctl $*: refused without '$want': $ERR $OUT"
}
expect_rc 0 "$CTL" set 1 RouteEmail "fax1@example.org, fax2@example.org"
refused "no '@'" set 1 RouteEmail "not an address"
refused "not a domain" set 1 RouteEmail "a@exa_mple.org"
refused "more than 32 recipients" set 1 RouteEmail "$(seq -f 'u%g@example.org' -s , 33)"
refused "longer than|over the limit" set 1 RouteEmail "$(printf 'a%.0s' $(seq 1100))@example.org"
expect_rc 0 "$CTL" get 1 RouteEmail
[ "$OUT" = "fax1@example.org, fax2@example.org" ] || fail "refused SETs changed the data: $OUT"
ok "e-mail: bad addresses, too many, overlong refused with a reason; data unchanged"

refused "http:// or https://" set 1 RoutePostUrl "ftp://127.0.0.1/fax"
refused "http:// or https://" set 1 RoutePostUrl "file:///etc/passwd"
refused "no host|not a URL" set 1 RoutePostUrl "http://"
expect_rc 0 "$CTL" set 1 RoutePostUrl "http://127.0.0.1:$HTTP/inbound"
refused "longer than|over the limit" set 1 RoutePostUrl "http://127.0.0.1/$(printf 'x%.0s' $(seq 1100))"
expect_rc 0 "$CTL" get 1 RoutePostUrl
[ "$OUT" = "http://127.0.0.1:$HTTP/inbound" ] || fail "refused SETs changed the URL: $OUT"
ok "post to URL: non-http schemes, no host, overlong refused; data unchanged"

refused "no recipient" enable 2 RouteEmail
refused "no URL" enable 2 RoutePostUrl
if [ "$HAVE_CUPS" = 1 ]; then
	refused "nosuchqueue does not exist" set 1 RoutePrint nosuchqueue
	refused "printable ASCII" set 1 RoutePrint "fax queue"
	refused "no printer" enable 1 RoutePrint
	expect_rc 0 "$CTL" set 1 RoutePrint faxq
	ok "print: unknown destination and bad names refused at SET; enabling without data refused"
fi

# --- port 1: e-mail, post and print of one 3-page fax ---------------------------------
"$DOC" make doc3.tif 3 standard 5 >/dev/null || fail "faxtestdoc make"
"$DOC" make doc1.tif 1 standard 6 >/dev/null || fail "faxtestdoc make"
expect_rc 0 "$CTL" enable 1 RouteEmail
expect_rc 0 "$CTL" enable 1 RoutePostUrl
[ "$HAVE_CUPS" = 1 ] && expect_rc 0 "$CTL" enable 1 RoutePrint
"$PEER" send --t38 -q --ident "+49 30 1234" "127.0.0.1:${UDP[0]}" doc3.tif > peer1.out 2>&1 ||
	fail "faxpeer to port 1: $(cat peer1.out)"
wait_until 20 test -d smtp/msg-1 || fail "no mail; faxgwd log: $(tail -n 20 "$G/faxgwd.log")"
wait_until 10 test -d http/req-1 || fail "no POST; faxgwd log: $(tail -n 20 "$G/faxgwd.log")"

# The PDF's embedded images, decoded by poppler, against the sent TIFF
# decoded by libtiff (netpbm's tifftopnm), as PBM streams.
same_pixels() {   # PDF TIFF
	local d; d=$(mktemp -d "$WORK/pix.XXXX")
	pdfimages "$1" "$d/im" || fail "pdfimages $1"
	cat "$d"/im-*.pbm > "$d/pdf.pbm"
	tifftopnm "$2" > "$d/tif.pbm" 2>/dev/null || fail "tifftopnm $2"
	cmp -s "$d/pdf.pbm" "$d/tif.pbm" || fail "$1: pages differ from $2"
}
grep -q 'RCPT TO:fax1@example.org' smtp/msg-1/envelope && grep -q 'RCPT TO:fax2@example.org' smtp/msg-1/envelope ||
	fail "mail not to both recipients: $(cat smtp/msg-1/envelope)"
grep -q '^Subject: Fax from +49 30 1234 (3 pages, port 1 p1)$' smtp/msg-1/headers ||
	fail "subject: $(grep Subject smtp/msg-1/headers)"
[ "$(ls smtp/Maildir/new | wc -l)" = 1 ] || fail "not exactly one message in the Maildir"
pdf=$(ls smtp/msg-1/*.pdf) || fail "no PDF attachment: $(cat smtp/msg-1/parts)"
[ "$(pdfinfo "$pdf" | sed -n 's/^Pages: *//p')" = 3 ] || fail "PDF page count"
same_pixels "$pdf" doc3.tif
ok "e-mail: one message to both recipients, PDF attachment holding the fax's pixels"

grep -qx 3 http/req-1/pages && grep -qx '+49 30 1234' http/req-1/remote_ident ||
	fail "POST fields: $(ls http/req-1)"
"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["pages"] == 3 and j["port_id"] == 1 else 1)' \
	http/req-1/metadata || fail "metadata JSON: $(cat http/req-1/metadata)"
same_pixels http/req-1/fax doc3.tif
ok "post to URL: multipart POST with the PDF, the metadata fields and JSON"

if [ "$HAVE_CUPS" = 1 ]; then
	wait_until 15 test -e cups/out/job-1.out || fail "no print job output: $(tail cups/log/error_log)"
	grep -q 'Fax from +49 30 1234 (3 pages, port 1)' cups/out/job-1.title || fail "job title: $(cat cups/out/job-1.title)"
	same_pixels cups/out/job-1.out doc3.tif
	ok "print: the CUPS job holds the fax as PDF, titled after it"
fi
wait_until 10 sh -c "'$CTL' --json jobs | grep -q '\"state\": *\"done\"'" || true
expect_rc 0 "$CTL" --json jobs
json_true 'any(x["port"] == 1 and x["state"] == "done" and x["attempts"] == 1 for x in j["jobs"])'

# --- ports 2 and 4: 451 then 250, 503 then 200 ---------------------------------------
expect_rc 0 "$CTL" set 2 RouteEmail "retry@example.org"
expect_rc 0 "$CTL" enable 2 RouteEmail
expect_rc 0 "$CTL" set 4 RoutePostUrl "http://127.0.0.1:$HTTP/flaky"
expect_rc 0 "$CTL" enable 4 RoutePostUrl
echo "DATA 451 4.3.0 Mail server temporarily busy" > smtp/script
echo "503 Service Unavailable" > http/script
"$PEER" send --t38 -q "127.0.0.1:${UDP[1]}" doc1.tif > peer2.out 2>&1 & P2=$!
"$PEER" send --t38 -q "127.0.0.1:${UDP[3]}" doc1.tif > peer4.out 2>&1 & P4=$!
wait "$P2" || fail "faxpeer to port 2: $(cat peer2.out)"
wait "$P4" || fail "faxpeer to port 4: $(cat peer4.out)"
wait_until 20 test -d smtp/msg-2 || fail "451 then 250: not delivered; $(tail -n 20 "$G/faxgwd.log")"
wait_until 20 test -d http/req-3 || fail "503 then 200: not posted; $(tail -n 20 "$G/faxgwd.log")"
sleep 0.5
grep -q 'RCPT TO:retry@example.org' smtp/msg-2/envelope || fail "port 2 mail: $(cat smtp/msg-2/envelope)"
[ ! -e smtp/msg-3 ] || fail "451 then 250: delivered twice"
expect_rc 0 "$CTL" --json jobs
json_true 'any(x["port"] == 2 and x["state"] == "done" and x["attempts"] == 2 for x in j["jobs"])'
json_true 'any(x["port"] == 4 and x["state"] == "done" and x["attempts"] == 2 for x in j["jobs"])'
ok "SMTP 451 then 250 and HTTP 503 then 200: retried once, then routed"

# --- ports 3 and 5: 550 and 404 dead-letter -------------------------------------------
expect_rc 0 "$CTL" set 3 RouteEmail "nobody@example.org"
expect_rc 0 "$CTL" enable 3 RouteEmail
expect_rc 0 "$CTL" set 5 RoutePostUrl "http://127.0.0.1:$HTTP/missing"
expect_rc 0 "$CTL" enable 5 RoutePostUrl
echo "RCPT 550 5.1.1 <nobody@example.org>: Recipient address rejected" > smtp/script
echo "404 Not Found" > http/script
"$PEER" send --t38 -q "127.0.0.1:${UDP[2]}" doc1.tif > peer3.out 2>&1 & P3=$!
"$PEER" send --t38 -q "127.0.0.1:${UDP[4]}" doc1.tif > peer5.out 2>&1 & P5=$!
wait "$P3" || fail "faxpeer to port 3: $(cat peer3.out)"
wait "$P5" || fail "faxpeer to port 5: $(cat peer5.out)"
wait_until 20 sh -c "'$CTL' --json jobs --failed | grep -q 'HTTP 404'" ||
	fail "404 not dead-lettered: $("$CTL" jobs)"
wait_until 20 sh -c "'$CTL' --json jobs --failed | grep -q '550 5.1.1'" ||
	fail "550 not dead-lettered: $("$CTL" jobs)"
expect_rc 0 "$CTL" --json jobs --failed
json_true 'any(x["port"] == 3 and x["attempts"] == 1 and "550 5.1.1 <nobody@example.org>: Recipient address rejected" in x["last_error"] for x in j["jobs"])'
json_true 'any(x["port"] == 5 and x["attempts"] == 1 and "HTTP 404 from http://127.0.0.1:" in x["last_error"] for x in j["jobs"])'
[ ! -e smtp/msg-3 ] || fail "550: a message was delivered"
ok "SMTP 550 and HTTP 404: dead-lettered at the first attempt, the server's answer in last_error"

alive "$GWPID" faxgwd
echo "$NCHECK passed, 0 failed"
