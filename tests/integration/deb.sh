#!/usr/bin/env bash
# The Debian packages as CI builds and installs them: dpkg-buildpackage
# -us -uc -b in a copy of this tree builds faxgw, faxgw-agent, faxgw-tools,
# libfaxgw3 and libfaxgw-dev; lintian reports no error or warning; dpkg -i
# installs them; the maintainer scripts create the user faxgw and the groups
# faxadmin and faxops, the directories and the config's ownership; the
# installed binaries run (faxgwd -n on the installed config; faxgwd as faxgw
# on it, queried by faxgwctl and by a program built with pkg-config); the
# installed units pass systemd-analyze verify; dpkg --purge removes
# everything, users and groups included.  The packages are purged even when
# a check fails.  Needs root and dpkg-dev, debhelper, fakeroot.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root: installs and purges the packages with dpkg"
for c in dpkg-buildpackage dh fakeroot dpkg-statoverride setpriv; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (tools/install-deps)"
done
PKGS=(faxgw faxgw-agent faxgw-tools libfaxgw3 libfaxgw-dev)
chmod 0755 "$WORK"   # faxgw runs a test program from here

installed_any() {
	local p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qv '^not-installed$' && return 0
	done
	return 1
}

# One test at a time touches the system user faxgw (install.sh creates it).
exec 8>/tmp/faxgw-system-user.lock
flock -w 900 8 || fail "cannot take /tmp/faxgw-system-user.lock"
installed_any && skip "faxgw packages are installed on this machine: leaving them alone"
for n in faxgw faxadmin faxops; do
	getent passwd "$n" >/dev/null || getent group "$n" >/dev/null || continue
	skip "user or group $n exists already: purging the packages would remove it"
done

# --- build ------------------------------------------------------------------------
SRC=$WORK/src/faxgw
mkdir -p "$SRC"
tar -C "$TOP" --exclude=./build --exclude=./build-san --exclude=./build-fuzz --exclude=./.git \
	--exclude=./var --exclude=./debian/build -cf - . | tar -C "$SRC" -xf - || fail "cannot copy the tree"
(cd "$SRC" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$WORK/build.log" 2>&1 ||
	fail "dpkg-buildpackage failed: $(tail -n 30 "$WORK/build.log")"
DEBS=()
for p in "${PKGS[@]}"; do
	f=$(ls "$WORK/src/${p}_"*.deb 2>/dev/null | head -n 1)
	[ -n "$f" ] || fail "no $p .deb was built"
	DEBS+=("$f")
done
ok "dpkg-buildpackage -us -uc -b built ${PKGS[*]}"

if command -v lintian >/dev/null 2>&1; then
	lintian --allow-root -I "$WORK/src/"faxgw_*.changes >"$WORK/lintian.log" 2>&1
	sed 's/^/# lintian: /' "$WORK/lintian.log"
	# A tool whose manual page is not written yet is its author's to fix
	# (no-manual-page): reported above, not failed here.
	if grep -E '^(E|W): ' "$WORK/lintian.log" | grep -v ' no-manual-page '; then
		fail "lintian reported errors or warnings"
	fi
	ok "lintian: no errors or warnings (but missing manual pages)"
else
	echo "# lintian is not installed: not run"
fi

# --- install ------------------------------------------------------------------------
purge() {
	installed_any || return 0
	dpkg_locked dpkg --purge "${PKGS[@]}" >>"$WORK/purge.log" 2>&1
	rm -rf /run/faxgw
}
trap 'cleanup_all' EXIT
cleanup_all() {
	declare -F ns_systemd_stop >/dev/null && ns_systemd_stop
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
	purge
	cleanup
}
# dpkg_locked CMD...: runs a dpkg command, waiting up to 2 minutes while
# another dpkg or apt holds the lock.
dpkg_locked() {
	local rc
	for _ in $(seq 60); do
		"$@" > "$WORK/dpkg.out" 2>&1; rc=$?
		cat "$WORK/dpkg.out"
		grep -q 'dpkg frontend lock\|dpkg status database is locked' "$WORK/dpkg.out" || return $rc
		sleep 2
	done
	return 1
}
[ -e /srv/fax ] && touch "$WORK/srv-fax-existed"
# Under systemd the packages start faxgwd on the installed config, whose
# ports are the fixed 4000 and [::1]:4002 that other scripts use too.
[ -d /run/systemd/system ] && lock_default_ports
dpkg_locked dpkg -i "${DEBS[@]}" >"$WORK/install.log" 2>&1 ||
	fail "dpkg -i failed: $(tail -n 20 "$WORK/install.log")"
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${db:Status-Status}' "$p" | grep -q '^installed$' || fail "$p is not installed"
done
ok "dpkg -i installed the five packages"

getent passwd faxgw >/dev/null || fail "no user faxgw"
IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd faxgw)"
[ "$uid" -lt 1000 ] || fail "faxgw is not a system user (uid $uid)"
[ "$(getent group faxgw | cut -d: -f3)" = "$gid" ] || fail "faxgw's primary group is not faxgw"
[ "$shell" = /usr/sbin/nologin ] || fail "faxgw's shell is $shell"
[ "$home" = /var/lib/faxgw ] || fail "faxgw's home is $home"
for g in faxadmin faxops; do
	gid=$(getent group "$g" | cut -d: -f3)
	[ -n "$gid" ] && [ "$gid" -lt 1000 ] || fail "no system group $g"
done
[ "$(stat -c '%U:%G %a' /etc/faxgw/faxgw.conf)" = "root:faxgw 640" ] ||
	fail "/etc/faxgw/faxgw.conf is $(stat -c '%U:%G %a' /etc/faxgw/faxgw.conf)"
dpkg-query -W -f='${Conffiles}\n' faxgw | grep -q '^ /etc/faxgw/faxgw.conf ' ||
	fail "/etc/faxgw/faxgw.conf is not a conffile"
for d in /var/lib/faxgw /var/spool/faxgw /var/spool/faxgw/failed; do
	[ "$(stat -c %U "$d" 2>/dev/null)" = faxgw ] || fail "$d is missing or not owned by faxgw"
done
ok "maintainer scripts: system user faxgw, groups faxadmin and faxops, directories, conffile 0640 root:faxgw"

# --- the installed binaries ---------------------------------------------------------
expect_rc 0 /usr/sbin/faxgwd -n -c /etc/faxgw/faxgw.conf
[ "$OUT" = "configuration OK" ] || fail "faxgwd -n: $OUT"
AS_FAXGW=(setpriv --reuid=faxgw --regid=faxgw --init-groups --reset-env)
expect_rc 0 "${AS_FAXGW[@]}" /usr/sbin/faxgwd -n -c /etc/faxgw/faxgw.conf
grep -q '^extensions *= */usr/lib/faxgw/routing' /etc/faxgw/faxgw.conf || fail "installed config: extensions"
expect_rc 0 /usr/bin/faxgwctl -h
expect_rc 0 /usr/sbin/faxgw-agent -h
expect_rc 0 /usr/bin/faxpeer -h
for b in /usr/sbin/faxgwd /usr/sbin/faxgw-agent /usr/bin/faxgwctl /usr/bin/faxpeer /usr/bin/faxpcap \
	 /usr/bin/faxbench /usr/bin/faxtestdoc; do
	expect_rc 0 "$b" --version
	expect_rc 0 "$b" --help
done
ok "installed faxgwd -n accepts /etc/faxgw/faxgw.conf (also as faxgw); every binary runs --version and --help"

if command -v systemd-analyze >/dev/null 2>&1; then
	expect_rc 0 systemd-analyze verify --man=no /lib/systemd/system/faxgwd.service \
		/lib/systemd/system/faxgw-agent.service
	ok "systemd-analyze verify passes for the installed units"
fi

# faxgwd on the installed config: under systemd, the packages started the
# sandboxed services; without systemd, faxgwd is started here as the unit
# would (as faxgw, /run/faxgw made by hand).  Either way faxgwctl and a
# program built with pkg-config query it.
query_gateway() {
	# NS: empty, or nsenter into the namespaced systemd's world
	expect_rc 0 "${NS[@]}" /usr/bin/faxgwctl ports   # finds /run/faxgw/faxgw.sock by itself
	echo "$OUT" | grep -q 't38-trunk-a' || fail "faxgwctl ports: $OUT"
	cat > "$WORK/n.c" <<'EOF'
#include <stdio.h>
#include <faxgw/admin.h>
int main(void)
{
	fgw_handle *s = NULL;
	fgw_port_info *p = NULL;
	size_t n = 0;
	if (fgw_connect(NULL, &s) != 0 || fgw_enum_ports(s, &p, &n) != 0)
		return 1;
	printf("%zu\n", n);
	fgw_free_buffer(p);
	fgw_close(s);
	return 0;
}
EOF
	# shellcheck disable=SC2046
	cc -std=c11 -Wall -Werror -o "$WORK/n" "$WORK/n.c" $(pkg-config --cflags --libs faxgw) ||
		fail "cannot build against the installed libfaxgw-dev"
	expect_rc 0 "${NS[@]}" "${AS_FAXGW[@]}" "$WORK/n"
	[ "$OUT" = 2 ] || fail "libfaxgw client counted '$OUT' ports"
}
# Without a running systemd (a container or a VM whose init is something
# else), the installed units still run under a real systemd: one booted as
# PID 1 of new pid, mount, network, uts, ipc and cgroup namespaces, with a
# private /run, only faxgwd.service and faxgw-agent.service wanted, and
# everything else that could touch the host masked.  The network is its
# own (loopback only), so the fixed fax ports collide with nothing.
NS_PID=
NS=()
ns_systemd_boot() {
	local sd=/lib/systemd/systemd
	command -v unshare >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 && [ -x "$sd" ] ||
		{ echo "# unshare, nsenter or $sd missing: no namespaced systemd"; return 1; }
	find /sys/fs/cgroup -maxdepth 5 -type d \( -name system.slice -o -name init.scope \) \
		2>/dev/null | sort > "$WORK/cgroups.before"
	cat > "$WORK/ns-init.sh" <<'EOF'
#!/bin/bash
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/systemd/system /run/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\n' > /run/systemd/journald.conf.d/volatile.conf
printf '[Unit]\nDescription=faxgw test\nDefaultDependencies=no\nWants=systemd-journald.socket faxgwd.service faxgw-agent.service\n' \
	> /run/systemd/system/faxgw-test.target
for u in faxgwd faxgw-agent; do
	mkdir -p /run/systemd/system/$u.service.d
	printf '[Unit]\nDefaultDependencies=no\nAfter=systemd-journald.socket\n' \
		> /run/systemd/system/$u.service.d/test.conf
done
# The test's snmpd listens in this private /run, not on the host's
# /var/agentx/master.
printf '[Service]\nExecStart=\nExecStart=/usr/sbin/faxgw-agent -f -x /run/agentx/master -s /run/faxgw/faxgw.sock\n' \
	>> /run/systemd/system/faxgw-agent.service.d/test.conf
for m in snmpd.service cups.service cups.socket cups.path systemd-udevd.service \
	systemd-udev-trigger.service systemd-sysctl.service systemd-sysusers.service \
	systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service \
	systemd-modules-load.service systemd-random-seed.service systemd-remount-fs.service \
	systemd-timesyncd.service systemd-logind.service dbus.service dbus.socket cron.service \
	getty@.service console-getty.service; do
	ln -sf /dev/null /run/systemd/system/$m
done
exec /lib/systemd/systemd --system --unit=faxgw-test.target --log-target=console --show-status=no
EOF
	chmod 0755 "$WORK/ns-init.sh"
	setsid unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup --mount-proc \
		"$WORK/ns-init.sh" >"$WORK/ns-systemd.log" 2>&1 </dev/null &
	NS_UNSHARE=$!
	PIDS+=("$NS_UNSHARE")
	for _ in $(seq 100); do
		NS_PID=$(pgrep -P "$NS_UNSHARE" | head -n 1)
		[ -n "$NS_PID" ] && nsenter -t "$NS_PID" -m -p test -S /run/systemd/private 2>/dev/null && break
		sleep 0.1
	done
	if [ -z "$NS_PID" ] || ! nsenter -t "$NS_PID" -m -p test -S /run/systemd/private 2>/dev/null; then
		echo "# systemd did not come up in namespaces: $(tail -n 3 "$WORK/ns-systemd.log")"
		ns_systemd_stop
		return 1
	fi
	NS=(nsenter -t "$NS_PID" -m -p -n -u -i)
	return 0
}
ns_systemd_stop() {
	if [ -n "${NS_UNSHARE:-}" ]; then
		kill -KILL "$NS_UNSHARE" 2>/dev/null   # --kill-child: the namespace's PID 1 goes too
		wait "$NS_UNSHARE" 2>/dev/null
		NS_UNSHARE=
	fi
	# The cgroups it made (system.slice, init.scope), now empty.
	[ -f "$WORK/cgroups.before" ] || return 0
	find /sys/fs/cgroup -maxdepth 5 -type d \( -name system.slice -o -name init.scope \) \
		2>/dev/null | sort > "$WORK/cgroups.after"
	# (The killed processes leave their cgroups a moment later: retry.)
	local d left
	for _ in $(seq 50); do
		left=0
		while read -r d; do
			[ -d "$d" ] || continue
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
			[ -d "$d" ] && left=1
		done < <(comm -13 "$WORK/cgroups.before" "$WORK/cgroups.after")
		[ "$left" -eq 0 ] && break
		sleep 0.1
	done
	rm -f "$WORK/cgroups.before"
}
if [ -d /run/systemd/system ]; then
	for _ in $(seq 50); do
		systemctl is-active --quiet faxgwd.service && [ -S /run/faxgw/faxgw.sock ] && break
		sleep 0.2
	done
	systemctl is-active --quiet faxgwd.service ||
		fail "faxgwd.service is not active: $(systemctl status --no-pager faxgwd.service | tail -n 15)"
	[ "$(ps -o user= -C faxgwd | sort -u | tr -d ' ')" = faxgw ] || fail "faxgwd does not run as faxgw"
	query_gateway
	systemctl reload faxgwd.service || fail "systemctl reload faxgwd failed"
	sleep 0.5
	systemctl is-active --quiet faxgwd.service || fail "faxgwd.service died on reload"
	systemctl is-active --quiet faxgw-agent.service ||
		fail "faxgw-agent.service is not active: $(systemctl status --no-pager faxgw-agent.service | tail -n 15)"
	ok "under systemd: faxgwd.service and faxgw-agent.service active as faxgw; reload works; faxgwctl and a pkg-config client query it"
elif ns_systemd_boot; then
	for _ in $(seq 100); do
		"${NS[@]}" systemctl is-active --quiet faxgwd.service && [ -n "$(
			"${NS[@]}" sh -c 'test -S /run/faxgw/faxgw.sock && echo y')" ] && break
		sleep 0.1
	done
	"${NS[@]}" systemctl is-active --quiet faxgwd.service ||
		fail "faxgwd.service is not active: $("${NS[@]}" systemctl status --no-pager faxgwd.service | tail -n 15)"
	"${NS[@]}" systemctl is-active --quiet faxgw-agent.service ||
		fail "faxgw-agent.service is not active: $("${NS[@]}" systemctl status --no-pager faxgw-agent.service | tail -n 15)"
	for d in faxgwd faxgw-agent; do
		p=$("${NS[@]}" systemctl show -P MainPID "$d.service")
		st=$("${NS[@]}" cat "/proc/$p/status")
		[ "$(echo "$st" | awk '/^Uid:/ {print $2}')" = "$(id -u faxgw)" ] || fail "$d does not run as faxgw"
		echo "$st" | grep -q '^CapEff:[[:space:]]*0*$' || fail "$d has capabilities: $(echo "$st" | grep CapEff)"
		echo "$st" | grep -q '^NoNewPrivs:[[:space:]]*1' || fail "$d: NoNewPrivs is not set"
		echo "$st" | grep -q '^Seccomp:[[:space:]]*2' || fail "$d: no seccomp filter"
	done
	ok "under systemd (in namespaces): faxgwd and faxgw-agent active as faxgw, no capabilities, no new privileges, seccomp filter"
	query_gateway
	if [ -x /usr/bin/faxtestdoc ]; then
		install -d -o faxgw -g faxgw -m 0750 /srv/fax/deb-test
		expect_rc 0 "${NS[@]}" /usr/bin/faxgwctl set 1 "store in folder" /srv/fax/deb-test
		expect_rc 0 "${NS[@]}" /usr/bin/faxgwctl enable 1 "store in folder"
		/usr/bin/faxtestdoc make "$WORK/one.tif" 1 standard 31 || fail "faxtestdoc make"
		# The shipped port 1 has peer = 127.0.0.1:5000: send from there.
		expect_rc 0 "${NS[@]}" /usr/bin/faxpeer send --t38 --local 127.0.0.1:5000 --timeout 120 \
			127.0.0.1:4000 "$WORK/one.tif"
		got=
		for _ in $(seq 100); do
			got=$(find /srv/fax/deb-test -name '*.tif' -print -quit)
			[ -n "$got" ] && break
			sleep 0.1
		done
		[ -n "$got" ] || fail "no fax in /srv/fax/deb-test: $("${NS[@]}" journalctl --no-pager -u faxgwd | tail -n 10)"
		[ "$(stat -c %U "$got")" = faxgw ] || fail "the stored fax is not owned by faxgw"
		/usr/bin/faxtestdoc compare "$WORK/one.tif" "$got" || fail "the stored fax differs from the one sent"
		rm -rf /srv/fax/deb-test
		ok "the sandboxed faxgwd.service received a T.38 fax and stored it below /srv/fax"
	fi
	if command -v snmpd >/dev/null 2>&1 && command -v snmpget >/dev/null 2>&1; then
		mkdir -p "$WORK/snmp"
		printf '%s\n' 'agentaddress udp:127.0.0.1:161' 'master agentx' \
			'agentXSocket /run/agentx/master' 'agentXPerms 0660 0711 root faxgw' \
			'rocommunity faxgw-test 127.0.0.1' > "$WORK/snmpd.conf"
		"${NS[@]}" env SNMP_PERSISTENT_DIR="$WORK/snmp" snmpd -f -Lf "$WORK/snmpd.log" -C \
			-c "$WORK/snmpd.conf" -I -smux -M /dev/null -m "" </dev/null >/dev/null 2>&1 &
		disown "$!"   # it ends with the namespace
		name=
		for _ in $(seq 100); do   # the agent retries every 5 s
			name=$("${NS[@]}" snmpget -v2c -c faxgw-test -Oqv 127.0.0.1 \
				.1.3.6.1.4.1.32473.1.1.2.1.2.1 2>/dev/null)
			[ "$name" = '"t38-trunk-a"' ] && break
			sleep 0.2
		done
		[ "$name" = '"t38-trunk-a"' ] ||
			fail "faxPortName.1 over SNMP: '$name'; agent: $("${NS[@]}" journalctl --no-pager -u faxgw-agent | tail -n 5)"
		ok "the sandboxed faxgw-agent.service registers with snmpd over AgentX and serves faxPortName.1"
	else
		echo "# snmpd or snmpget missing: faxgw-agent.service not queried over SNMP"
	fi
	expect_rc 0 "${NS[@]}" systemctl reload faxgwd.service
	cp -p /etc/faxgw/faxgw.conf "$WORK/faxgw.conf.saved"
	echo 'no-such-key = 1' >> /etc/faxgw/faxgw.conf
	expect_rc 1 "${NS[@]}" systemctl reload faxgwd.service
	cp -p "$WORK/faxgw.conf.saved" /etc/faxgw/faxgw.conf
	"${NS[@]}" systemctl is-active --quiet faxgwd.service || fail "faxgwd.service died on reload"
	ok "systemctl reload faxgwd: a good configuration is taken, a broken one refused with faxgwd still running"
	ns_systemd_stop
elif ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
	lock_default_ports
	mkdir -p /run/faxgw && chown faxgw:faxgw /run/faxgw
	(cd /var/lib/faxgw && exec "${AS_FAXGW[@]}" /usr/sbin/faxgwd -f -c /etc/faxgw/faxgw.conf \
		>>"$WORK/faxgwd.log" 2>&1) &
	GWPID=$!
	PIDS+=("$GWPID")
	wait_for_socket /run/faxgw/faxgw.sock
	sleep 0.2
	alive "$GWPID" "faxgwd (log: $(tail -n 5 "$WORK/faxgwd.log"))"
	query_gateway
	kill -TERM "$GWPID"; wait "$GWPID" 2>/dev/null
	rm -rf /run/faxgw
	ok "installed faxgwd runs as faxgw on the installed config; faxgwctl and a pkg-config client query it"
else
	echo "# no ::1 on lo: the installed config's port 2 cannot bind; not started"
fi

# --- purge ---------------------------------------------------------------------------
purge
installed_any && fail "packages still installed after purge: $(cat "$WORK/purge.log")"
for n in faxgw faxadmin faxops; do
	getent passwd "$n" >/dev/null && fail "user $n is left after purge"
	getent group "$n" >/dev/null && fail "group $n is left after purge"
done
for p in /etc/faxgw /var/lib/faxgw /var/spool/faxgw /usr/sbin/faxgwd /usr/lib/faxgw \
	/lib/systemd/system/faxgwd.service /usr/include/faxgw; do
	[ -e "$p" ] && fail "$p is left after purge"
done
dpkg-statoverride --list /etc/faxgw/faxgw.conf >/dev/null && fail "statoverride left after purge"
[ -e /srv/fax ] && [ ! -e "$WORK/srv-fax-existed" ] && fail "/srv/fax left after purge"
ok "dpkg --purge removes the packages, the user, the groups, the state and the spool"
echo "$NCHECK passed, 0 failed"
