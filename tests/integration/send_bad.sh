#!/usr/bin/env bash
# send_bad.sh - documents and destinations `faxgwctl send` must refuse
# (DESIGN 3b: "refused at submission, not at dialing time"), each with a
# clear reason on stderr, exit 1, and nothing queued: `faxgwctl jobs` is
# the same before and after, spool/outbox/tmp keeps no upload, and faxgwd
# is alive after each.  Documents: a text file, an empty file, a TIFF
# 1700 pixels wide, an 8-bit grey TIFF, a 1000-page PDF (refused by its
# count: quickly), a PDF that is garbage after its header, a PDF that
# needs a password.  Files faxgwctl itself cannot read (it reads the file
# with its caller's rights): mode 000 as the file's owner, and a file only
# root may read (/etc/shadow) as a user who is not root (as root, both
# run as nobody, in the send-group).  Destinations with CR LF, with
# spaces, without digits.
#
# Written against DESIGN 3b's CLI before it was merged: `faxgwctl send
# [-p PORT] [--wait] TO FILE`, exit 1 with the reason on stderr when
# refused; `faxgwctl --json jobs` lists {"jobs": [{"id": ...}, ...]}.
. "$(dirname "$0")/lib.sh"

TD="$B/faxtestdoc"
CTL="$B/faxgwctl"
for x in "$B/faxgwd" "$TD" "$CTL"; do
	[ -x "$x" ] || skip "$x not built (make tests-build)"
done
"$CTL" help send >/dev/null 2>&1 || skip "faxgwctl has no send command yet"
GS=$(command -v gs) || skip "Ghostscript (gs) is not installed (tools/install-deps)"
command -v pnmtotiff >/dev/null || skip "netpbm is not installed (tools/install-deps)"
cd "$WORK" || exit 1
P=$(free_udp_tcp_port)
DEAD=$(free_udp_port)   # nothing answers there: nothing may be dialled
{ [ -n "$P" ] && [ -n "$DEAD" ]; } || fail "no free ports"
mkdir -p var/spool var/fax
# As root, the unreadable files are tried as nobody, who may send.
SENDGROUP=
[ "$(id -u)" -eq 0 ] && SENDGROUP=$(id -gn nobody 2>/dev/null)

{
	gateway_section "send-group  = $SENDGROUP"
	cat <<CONF
[sip]
listen      = udp:127.0.0.1:$P
media-ports = $(media_ports)
allow       = 127.0.0.1/32
from        = sip:fax@127.0.0.1

[port 31]
name      = out
transport = sip
sip-user  = 3031
channels  = 2
t38       = offer
CONF
} > faxgwd.conf
start_faxgwd -c "$WORK/faxgwd.conf"
wait_for_socket "$WORK/var/faxgw.sock"
SOCK="$WORK/var/faxgw.sock"
TO="sip:fax@127.0.0.1:$DEAD"

# --- the documents ---------------------------------------------------------------
printf 'Dear Sir,\nplease find attached our offer.\n' > letter.txt
cp letter.txt letter.tif                          # the name does not make it a TIFF
: > empty.tif
pbmmake -white 1700 100 | pnmtotiff -g4 -xresolution 204 -yresolution 196 > narrow.tif ||
	fail "pnmtotiff"
pgmmake 0.5 1728 100 | pnmtotiff -xresolution 204 -yresolution 196 > grey.tif ||
	fail "pnmtotiff (grey)"
printf '%%!PS\n1 1 1000 { pop showpage } for\n' > k.ps
"$GS" -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile=k.pdf k.ps 2>gs.err ||
	fail "gs pdfwrite: $(cat gs.err)"
printf '%%PDF-1.4\nthis is not a PDF at all\n\001\002\003\n' > garbage.pdf
printf '%%!PS\n/Helvetica findfont 20 scalefont setfont 72 700 moveto (secret) show showpage\n' > one.ps
"$GS" -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOwnerPassword=owner -sUserPassword=user \
	-dEncryptionR=3 -dKeyLength=128 -sOutputFile=locked.pdf one.ps 2>gs.err ||
	fail "gs pdfwrite (encrypted): $(cat gs.err)"
"$TD" make good.tif 1 standard 51 || fail "faxtestdoc make"

jobs_now() {
	OUT=$("$CTL" -s "$SOCK" --json jobs) || fail "faxgwctl --json jobs: $OUT"
	json "sorted(x['id'] for x in j['jobs'])"
}
BEFORE=$(jobs_now)
[ "$BEFORE" = "[]" ] || fail "jobs before any submission: $BEFORE"

# nothing_queued WHAT: no job, no upload left behind, faxgwd alive.
nothing_queued() {
	local now
	now=$(jobs_now)
	[ "$now" = "$BEFORE" ] || fail "$1: a job was queued: $now"
	if [ -d var/spool/outbox/tmp ] && [ -n "$(ls -A var/spool/outbox/tmp)" ]; then
		fail "$1: the upload was left in spool/outbox/tmp: $(ls -A var/spool/outbox/tmp)"
	fi
	alive "$FAXGWD_PID" faxgwd
}

# refused WHAT REGEX FILE [TO]: exit 1, the reason on stderr, nothing queued.
refused() {
	local what=$1 re=$2 file=$3 to=${4:-$TO} t0=$SECONDS
	expect_rc 1 "$CTL" -s "$SOCK" send -p 31 "$to" "$file"
	grep -Eq -- "$re" <<<"$ERR" || fail "$what: the reason '$ERR' does not match /$re/"
	[ -z "$OUT" ] || fail "$what: refused, yet printed '$OUT' (a job id?)"
	nothing_queued "$what"
	echo "# $what ($((SECONDS - t0)) s): $ERR"
}

refused "a text file" 'not a TIFF or PDF file' letter.txt
refused "a text file named .tif" 'not a TIFF or PDF file' letter.tif
ok "a text file is refused (by its content, whatever its name): not a TIFF or PDF file"
refused "an empty file" 'is empty' empty.tif
ok "an empty file is refused: the file is empty"
refused "a TIFF 1700 pixels wide" 'page 1 is 1700 pixels wide; fax pages are 1728 \(A4/Letter\), 2048 \(B4\) or 2432 \(A3\) at 8 pels/mm' narrow.tif
ok "a TIFF of a width no fax carries is refused, the page and the widths named"
refused "an 8-bit grey TIFF" 'page 1 has 8 bits per pixel; fax pages are black and white' grey.tif
ok "an 8-bit grey TIFF is refused: fax pages are black and white"
t0=$SECONDS
refused "a 1000-page PDF" '1000 pages: more than 500' k.pdf
[ $((SECONDS - t0)) -le 10 ] || fail "the 1000-page PDF took $((SECONDS - t0)) s to refuse"
ok "a 1000-page PDF is refused by its page count, before any rendering"
refused "a PDF that is garbage after its header" 'not a valid PDF: .+' garbage.pdf
ok "a PDF that is garbage after its header is refused: not a valid PDF, with the parser's words"
refused "a PDF that needs a password" 'the PDF is encrypted' locked.pdf
ok "a PDF that needs a password is refused: encrypted"

# --- files faxgwctl cannot read ---------------------------------------------------------
# unreadable WHAT FILE [USER]: faxgwctl (as USER) fails before anything is
# sent, naming the problem.
unreadable() {
	local what=$1 file=$2 user=${3:-} t0=$SECONDS
	if [ -n "$user" ]; then
		expect_rc 1 setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
			"$USERCTL" -s "$SOCK" send -p 31 "$TO" "$file"
	else
		expect_rc 1 "$CTL" -s "$SOCK" send -p 31 "$TO" "$file"
	fi
	grep -qiE 'permission denied' <<<"$ERR" || fail "$what: no clear reason: '$ERR'"
	nothing_queued "$what"
	echo "# $what ($((SECONDS - t0)) s): $ERR"
}
if [ "$(id -u)" -eq 0 ]; then
	id nobody >/dev/null 2>&1 || skip "no user nobody to run faxgwctl as"
	# nobody reaches the socket (0666) through the work directories.
	chmod 711 "$WORK" "$WORK/var"
	PRIV=$(mktemp -d /tmp/faxgw-send-bad.XXXXXX)
	chmod 755 "$PRIV"
	# faxgwctl links libfaxgw statically: a copy runs where nobody may
	# reach it, wherever the checkout is.
	USERCTL=$PRIV/faxgwctl
	cp "$CTL" "$USERCTL"
	chmod 755 "$USERCTL"
	cp good.tif "$PRIV/mine.tif"
	chown nobody "$PRIV/mine.tif"
	chmod 000 "$PRIV/mine.tif"
	unreadable "mode 000, as its owner (nobody)" "$PRIV/mine.tif" nobody
	unreadable "/etc/shadow, as nobody" /etc/shadow nobody
	rm -rf "$PRIV"
else
	cp good.tif mine.tif
	chmod 000 mine.tif
	unreadable "mode 000, as its owner" mine.tif
	if [ -r /etc/shadow ]; then
		echo "# /etc/shadow is readable by $(id -un): that case is left out"
	else
		unreadable "/etc/shadow, not being root" /etc/shadow
	fi
fi
expect_rc 1 "$CTL" -s "$SOCK" send -p 31 "$TO" "$WORK/no-such-file.tif"
grep -qi 'no such file' <<<"$ERR" || fail "a missing file: no clear reason: '$ERR'"
nothing_queued "a missing file"
ok "files faxgwctl cannot read (mode 000 as the owner, root's /etc/shadow, missing): a clear reason, nothing sent"

# --- destinations -----------------------------------------------------------------------
refused "a destination with CR LF" '.' good.tif "$(printf 'sip:fax@127.0.0.1:%s\r\nX-Injected: 1' "$DEAD")"
refused "a destination with spaces" '.' good.tif "sip:fax@127.0.0.1:$DEAD; evil=1 x"
refused "a number with spaces and no digits" '.' good.tif "call me"
ok "destinations with CR LF, with spaces, or without digits: refused, nothing queued"

# A good document still goes in: the refusals left nothing stuck.
expect_rc 0 "$CTL" -s "$SOCK" send -p 31 "$TO" good.tif
id=$(grep -Eo '[0-9]+' <<<"$OUT" | head -n 1)
[ -n "$id" ] || fail "faxgwctl send printed no job id: $OUT"
OUT=$("$CTL" -s "$SOCK" --json jobs) || fail "faxgwctl --json jobs"
json_true "[x['id'] for x in j['jobs']] == [$id] and j['jobs'][0]['direction'] == 'send'"
expect_rc 0 "$CTL" -s "$SOCK" cancel "$id"
ok "after the refusals a good TIFF is accepted (job $id) and can be cancelled"

alive "$FAXGWD_PID" faxgwd
stop_faxgwd
echo "$NCHECK passed, 0 failed"
