#!/usr/bin/env bash
# `make install` as a packager and an administrator use it: DESTDIR=$WORK/root
# PREFIX=/usr installs exactly the expected files (FHS layout, modes, the
# versioned libfaxgw with only the API's symbols exported, the config with
# the installed extensions directory); the installed faxgwd runs as the
# system user faxgw from a config pointing at temporary directories, and
# faxgwctl works as that user; a program built with `pkg-config --cflags
# --libs faxgw` against the installed libfaxgw lists the ports; the systemd
# units pass `systemd-analyze verify`; the installed faxgwd receives a fax
# from faxpeer and stores it in a folder.  Needs root (user faxgw, chown).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root: creates the system user faxgw and chowns directories to it"
for c in setpriv useradd pkg-config nm; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
done
cd "$TOP" || exit 1
# The build directory as make sees it from the top of the checkout.
MB=${B#"$TOP"/}
ROOT=$WORK/root
chmod 0755 "$WORK"   # faxgw must reach the installed tree and its directories

# One test at a time touches the system user faxgw (deb.sh purges it).
exec 8>/tmp/faxgw-system-user.lock
flock -w 900 8 || fail "cannot take /tmp/faxgw-system-user.lock"

# --- make install -------------------------------------------------------------
make --no-print-directory B="$MB" install DESTDIR="$ROOT" PREFIX=/usr >"$WORK/install.log" 2>&1 ||
	fail "make install failed: $(tail -n 20 "$WORK/install.log")"

# The expected list, from what this checkout has.
{
	echo etc/faxgw/faxgw.conf
	echo usr/sbin/faxgwd
	ls agent/*.c >/dev/null 2>&1 && echo usr/sbin/faxgw-agent
	for t in faxgwctl faxpeer faxpcap faxbench faxtestdoc; do
		[ -d "tools/$t" ] && echo "usr/bin/$t"
	done
	for e in gateway/ext/*.c; do
		[ -e "$e" ] && echo "usr/lib/faxgw/routing/$(basename "$e" .c).so"
	done
	echo usr/lib/libfaxgw.so.3.0.0
	echo usr/lib/libfaxgw.so.3
	echo usr/lib/libfaxgw.so
	echo usr/lib/pkgconfig/faxgw.pc
	for h in gateway/include/faxgw/*.h; do echo "usr/include/faxgw/$(basename "$h")"; done
	echo usr/share/snmp/mibs/FAXGW-MIB.txt
	for m in docs/man/*.[13578]; do
		[ -e "$m" ] && echo "usr/share/man/man${m##*.}/$(basename "$m")"
	done
	for d in README.md docs/admin-guide.md docs/faxgw.conf.example docs/snmpd.conf.example; do
		[ -e "$d" ] && echo "usr/share/doc/faxgw/$(basename "$d")"
	done
} | sort > "$WORK/expected"
(cd "$ROOT" && find . ! -type d | sed 's|^\./||' | sort) > "$WORK/installed"
diff -u "$WORK/expected" "$WORK/installed" > "$WORK/list.diff" ||
	fail "installed files differ from the expected list: $(cat "$WORK/list.diff")"
[ -d "$ROOT/etc/faxgw/routing.d" ] || fail "no etc/faxgw/routing.d (exec-dir)"
ok "make install DESTDIR PREFIX=/usr installs exactly the $(wc -l < "$WORK/expected") expected files"

for f in usr/sbin/faxgwd usr/bin/faxgwctl; do
	[ -x "$ROOT/$f" ] || fail "$f is not executable"
done
[ "$(stat -c %a "$ROOT/etc/faxgw/faxgw.conf")" = 640 ] || fail "faxgw.conf mode is not 0640"
[ "$(readlink "$ROOT/usr/lib/libfaxgw.so")" = libfaxgw.so.3 ] || fail "libfaxgw.so link"
[ "$(readlink "$ROOT/usr/lib/libfaxgw.so.3")" = libfaxgw.so.3.0.0 ] || fail "libfaxgw.so.3 link"
readelf -d "$ROOT/usr/lib/libfaxgw.so.3.0.0" | grep -q 'SONAME.*\[libfaxgw\.so\.3\]' ||
	fail "libfaxgw SONAME is not libfaxgw.so.3"
# The API: fgw_* (admin.h) and the Windows names that winfax.h declares.
winapi=$(grep -o 'WINAPI [A-Za-z]*(' "$TOP/gateway/include/faxgw/winfax.h" | sed 's/WINAPI //; s/($//')
bad=$(nm -D --defined-only "$ROOT/usr/lib/libfaxgw.so.3.0.0" | awk '$2 ~ /[TDBRW]/ {print $3}' |
	grep -v '^fgw_' | grep -vxF "$winapi")
[ -z "$bad" ] || fail "libfaxgw exports symbols outside the API: $bad"
for f in fgw_enum_ports fgw_send_document fgw_cancel_job; do
	nm -D --defined-only "$ROOT/usr/lib/libfaxgw.so.3.0.0" | grep -q " T $f\$" ||
		fail "libfaxgw does not export $f"
done
grep -q '^extensions *= */usr/lib/faxgw/routing\( \|$\)' "$ROOT/etc/faxgw/faxgw.conf" ||
	fail "installed faxgw.conf: extensions is not /usr/lib/faxgw/routing"
expect_rc 0 "$ROOT/usr/sbin/faxgwd" -n -c "$ROOT/etc/faxgw/faxgw.conf"
ok "modes, library links and SONAME, only fgw_* and winfax.h names exported, installed config valid"

# --- the user faxgw -----------------------------------------------------------
CREATED_USER=
if ! getent passwd faxgw >/dev/null; then
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin faxgw || fail "useradd faxgw"
	CREATED_USER=1
fi
remove_user() {
	[ -n "$CREATED_USER" ] || return 0
	userdel faxgw 2>/dev/null
	getent group faxgw >/dev/null && groupdel faxgw 2>/dev/null
	CREATED_USER=
}
trap 'cleanup; remove_user' EXIT
AS_FAXGW=(setpriv --reuid=faxgw --regid=faxgw --init-groups --reset-env)

# --- the installed faxgwd, as faxgw ------------------------------------------
read -r P1 P2 <<<"$(free_udp_ports 2)"
mkdir -p "$WORK/gw/spool" "$WORK/gw/state" "$WORK/gw/run" "$WORK/gw/fax/inbox" "$WORK/gw/routing.d"
chown -R faxgw:faxgw "$WORK/gw"
CONF=$WORK/gw/faxgw.conf
SOCK=$WORK/gw/run/faxgw.sock
cat > "$CONF" <<EOF
[gateway]
spool       = $WORK/gw/spool
state       = $WORK/gw/state/faxgw.db
control     = $SOCK
extensions  = $ROOT/usr/lib/faxgw/routing
store-root  = $WORK/gw/fax
exec-dir    = $WORK/gw/routing.d
admin-group =
query-group =
retry       = 3 1s

[port 1]
name        = install-t38
transport   = t38
listen      = 127.0.0.1:$P1
local-ident = +1 555 0100
ecm         = yes
max-rate    = 14400
t38-version = 0
udptl-ec    = redundancy

[port 2]
name        = install-audio
transport   = audio
listen      = 127.0.0.1:$P2
local-ident = +1 555 0101
ecm         = yes
max-rate    = 9600
codec       = pcmu
EOF
chmod 0644 "$CONF"

expect_rc 0 "${AS_FAXGW[@]}" "$ROOT/usr/sbin/faxgwd" -n -c "$CONF"
(cd "$WORK/gw" && exec "${AS_FAXGW[@]}" "$ROOT/usr/sbin/faxgwd" -f -c "$CONF" >>"$WORK/faxgwd.log" 2>&1) &
GWPID=$!
PIDS+=("$GWPID")
wait_for_socket "$SOCK"
sleep 0.2
alive "$GWPID" "installed faxgwd"
[ "$(ps -o user= -p "$GWPID" | tr -d ' ')" = faxgw ] || fail "faxgwd does not run as faxgw"
CTL=$ROOT/usr/bin/faxgwctl
expect_rc 0 "${AS_FAXGW[@]}" "$CTL" -s "$SOCK" ports
echo "$OUT" | grep -q 'install-t38' && echo "$OUT" | grep -q 'install-audio' ||
	fail "faxgwctl ports as faxgw: $OUT"
expect_rc 0 "${AS_FAXGW[@]}" "$CTL" -s "$SOCK" --json methods 1
json_true "any(m['function_name'] == 'RouteStoreInFolder' and m['extension_image_name'].startswith('$ROOT/usr/lib/faxgw/routing/') for m in j['methods'])"
ok "installed faxgwd runs as faxgw with the installed extensions; faxgwctl ports works as faxgw"

# --- a program built against the installed libfaxgw ---------------------------
cat > "$WORK/lsports.c" <<'EOF'
#include <stdio.h>
#include <faxgw/admin.h>

int main(int argc, char **argv)
{
	fgw_handle *srv = NULL;
	fgw_port_info *ports = NULL;
	size_t n = 0;
	int rc;

	if (argc != 2)
		return 2;
	rc = fgw_connect(argv[1], &srv);
	if (rc != 0) {
		fprintf(stderr, "fgw_connect: %s\n", fgw_strerror(rc));
		return 1;
	}
	rc = fgw_enum_ports(srv, &ports, &n);
	if (rc != 0) {
		fprintf(stderr, "fgw_enum_ports: %s\n", fgw_strerror(rc));
		fgw_close(srv);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		printf("%u %s\n", (unsigned)ports[i].id, ports[i].name);
	fgw_free_buffer(ports);
	fgw_close(srv);
	return 0;
}
EOF
PCFLAGS=$(PKG_CONFIG_PATH="$ROOT/usr/lib/pkgconfig" PKG_CONFIG_LIBDIR="$ROOT/usr/lib/pkgconfig" \
	PKG_CONFIG_SYSROOT_DIR="$ROOT" pkg-config --cflags --libs faxgw) || fail "pkg-config faxgw failed"
echo "$PCFLAGS" | grep -q -- "-I$ROOT/usr/include" || fail "pkg-config --cflags: $PCFLAGS"
echo "$PCFLAGS" | grep -q -- "-L$ROOT/usr/lib" || fail "pkg-config --libs: $PCFLAGS"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror -o "$WORK/lsports" "$WORK/lsports.c" $PCFLAGS 2>"$WORK/cc.err" ||
	fail "cannot build against the installed libfaxgw: $(cat "$WORK/cc.err")"
readelf -d "$WORK/lsports" | grep -q 'NEEDED.*\[libfaxgw\.so\.3\]' || fail "lsports does not need libfaxgw.so.3"
expect_rc 0 env LD_LIBRARY_PATH="$ROOT/usr/lib" "$WORK/lsports" "$SOCK"
[ "$OUT" = "1 install-t38
2 install-audio" ] || fail "lsports printed: $OUT"
LD_LIBRARY_PATH="$ROOT/usr/lib" ldd "$WORK/lsports" | grep -q "libfaxgw.so.3 => $ROOT/usr/lib/libfaxgw.so.3" ||
	fail "lsports did not load the installed libfaxgw"
ok "pkg-config --cflags --libs faxgw builds a client; fgw_connect + fgw_enum_ports list both ports"

# --- systemd units --------------------------------------------------------------
make --no-print-directory B="$MB" install-systemd DESTDIR="$WORK/sd" PREFIX=/usr \
	>"$WORK/install-systemd.log" 2>&1 || fail "make install-systemd: $(tail -n 5 "$WORK/install-systemd.log")"
for u in faxgwd faxgw-agent; do
	[ -f "$WORK/sd/usr/lib/systemd/system/$u.service" ] || fail "install-systemd did not install $u.service"
done
[ -f "$WORK/sd/usr/lib/sysusers.d/faxgw.conf" ] && [ -f "$WORK/sd/usr/lib/tmpfiles.d/faxgw.conf" ] ||
	fail "install-systemd: sysusers.d/tmpfiles.d files missing"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify checks that ExecStart= binaries exist: point them at the
	# installed tree.
	mkdir -p "$WORK/units"
	for u in faxgwd faxgw-agent; do
		sed "s|/usr/sbin/|$ROOT/usr/sbin/|g" "$WORK/sd/usr/lib/systemd/system/$u.service" > "$WORK/units/$u.service"
	done
	expect_rc 0 systemd-analyze verify --man=no "$WORK/units/faxgwd.service" "$WORK/units/faxgw-agent.service"
	[ -z "$ERR" ] || fail "systemd-analyze verify complained: $ERR"
	for u in faxgwd faxgw-agent; do
		expect_rc 0 systemd-analyze security --offline=true --threshold=20 "$WORK/units/$u.service"
		echo "# $(echo "$OUT" | grep 'Overall exposure level')"
	done
	ok "systemd-analyze verify passes for both units; security exposure below 2.0"
else
	echo "# systemd-analyze is not installed: unit verification skipped"
fi

# --- a fax through the installed faxgwd -------------------------------------------
if [ -f gateway/port.c ] && [ -x "$ROOT/usr/bin/faxpeer" ] && [ -x "$ROOT/usr/bin/faxtestdoc" ]; then
	SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
	expect_rc 0 "${AS_FAXGW[@]}" "$CTL" -s "$SOCK" set 1 "$SIF" "$WORK/gw/fax/inbox"
	expect_rc 0 "${AS_FAXGW[@]}" "$CTL" -s "$SOCK" enable 1 "$SIF"
	"$ROOT/usr/bin/faxtestdoc" make "$WORK/one.tif" 1 standard 21 || fail "faxtestdoc make"
	expect_rc 0 "$ROOT/usr/bin/faxpeer" send --t38 --timeout 120 "127.0.0.1:$P1" "$WORK/one.tif"
	got=
	for _ in $(seq 150); do
		got=$(find "$WORK/gw/fax/inbox" -name '*.tif' -print -quit)
		[ -n "$got" ] && break
		sleep 0.2
	done
	[ -n "$got" ] || fail "no fax in $WORK/gw/fax/inbox; faxgwd log: $(tail -n 20 "$WORK/faxgwd.log")"
	[ "$(stat -c %U "$got")" = faxgw ] || fail "stored fax is not owned by faxgw"
	"$ROOT/usr/bin/faxtestdoc" compare "$WORK/one.tif" "$got" 2>"$WORK/cmp.err" || fail "stored fax differs: $(cat "$WORK/cmp.err")"
	alive "$GWPID" "installed faxgwd"
	ok "installed faxgwd (as faxgw) received a T.38 fax from faxpeer and stored it in the folder"
else
	echo "# data plane not built (gateway/port.c, faxpeer, faxtestdoc): fax reception skipped"
fi

kill -TERM "$GWPID"
wait "$GWPID" 2>/dev/null
echo "$NCHECK passed, 0 failed"
