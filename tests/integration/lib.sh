# lib.sh - helpers for faxgw's integration scripts (sourced, bash).
#
# Each script runs from a fresh temporary directory, starts what it needs
# on loopback, and exits 0 (pass), 1 (fail) or 77 (skip).
set -u
TOP=${FAXGW_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
B=${FAXGW_BUILD:-$TOP/build}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/faxgw-it.XXXXXX)
PIDS=()
NCHECK=0

# Stops what the script started and removes $WORK.  It keeps the script's
# exit status (scripts may call it from their own EXIT trap and go on),
# except that in the sanitizer pass any report from a daemon fails it.
cleanup() {
	local rc=$? report=
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "${FAXGW_SANITIZED:-}" ] && [ "$rc" -ne 77 ] &&
	   grep -l 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer\|runtime error:' \
		"$WORK"/*.log "$WORK"/*/*.log >/dev/null 2>&1; then
		echo "FAIL: sanitizer report:"
		grep -h -A30 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer\|runtime error:' \
			"$WORK"/*.log "$WORK"/*/*.log 2>/dev/null | head -80
		report=1
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
	[ -z "$report" ] || exit 1
}
trap cleanup EXIT

# A failure says why, and shows the end of every faxgwd log the script
# wrote (a daemon that died tells how there).
fail() {
	local f
	echo "FAIL: $*"
	for f in "$WORK"/faxgwd.log "$WORK"/*/faxgwd.log "$WORK"/*/*/faxgwd.log; do
		[ -s "$f" ] || continue
		echo "--- last lines of ${f#"$WORK"/}:"
		tail -n 15 "$f"
	done
	exit 1
}
ok() { NCHECK=$((NCHECK + 1)); echo "ok $NCHECK - $*"; }
skip() { echo "SKIP: $*"; exit 77; }

# expect_rc RC CMD...: runs CMD, stdout in $OUT, stderr in $ERR.
expect_rc() {
	local want=$1; shift
	OUT=$("$@" 2>"$WORK/stderr"); local rc=$?
	ERR=$(cat "$WORK/stderr")
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want; stdout: $OUT; stderr: $ERR"
}

# wait_for_socket PATH [SECONDS]
wait_for_socket() {
	local i
	for i in $(seq $((${2:-10} * 10))); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	fail "socket $1 did not appear"
}

# The embedded default binds fixed UDP ports (4000, 4002): scripts that
# run it take this lock so that concurrent scripts do not collide.
lock_default_ports() {
	[ -n "${DEFAULT_PORTS_LOCKED:-}" ] && return 0
	exec 9>/tmp/faxgw-default-ports.lock
	flock 9
	DEFAULT_PORTS_LOCKED=1
}

# free_udp_port / free_tcp_port: a port number nothing listens on now.
# free_udp_tcp_port: a port number free for both UDP and TCP on 127.0.0.1
# (a SIP listener takes both).
free_udp_tcp_port() {
	"$PY" - <<'EOF'
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break
EOF
}
free_udp_port() { "$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
free_tcp_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# free_udp_ports N: N distinct free UDP ports on 127.0.0.1 (held open
# together while chosen, so no two are the same).
free_udp_ports() {
	"$PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds (0) or
# the time is up (1).
wait_until() {
	local n=$(( $1 * 10 )); shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

# start_faxgwd [ARGS...]: starts faxgwd -f in $WORK (embedded default
# unless -c is given); sets FAXGWD_PID.
start_faxgwd() {
	case " $* " in *" -c "*) ;; *) lock_default_ports ;; esac
	(cd "$WORK" && exec "$B/faxgwd" -f "$@" >>"$WORK/faxgwd.log" 2>&1) &
	FAXGWD_PID=$!
	PIDS+=("$FAXGWD_PID")
}

stop_faxgwd() {
	kill -TERM "$FAXGWD_PID" 2>/dev/null
	wait "$FAXGWD_PID" 2>/dev/null
}

alive() { kill -0 "$1" 2>/dev/null || fail "$2 is not running any more"; }

# gateway_section [KEY = VALUE]...: the [gateway] section of a private
# faxgwd under $WORK/var (spool, state, control socket, store-root and
# exec-dir there, the built extensions, no admin or query group), then
# the extra lines given.
gateway_section() {
	printf '[gateway]\nspool       = %s/var/spool\nstate       = %s/var/faxgw.db\n' "$WORK" "$WORK"
	printf 'control     = %s/var/faxgw.sock\nextensions  = %s/routing\n' "$WORK" "$B"
	printf 'store-root  = %s/var/fax\nexec-dir    = %s/var\nadmin-group =\nquery-group =\n' \
		"$WORK" "$WORK"
	[ "$#" -eq 0 ] || printf '%s\n' "$@"
	echo
}

# media_ports: a [sip] media-ports range of this test's own.  Every
# test's faxgwd would otherwise take its call's ports from 20000 on, and
# on loopback a stray datagram of another test's peer, still sending to a
# port just given back, could reach a new call first and be latched as
# its caller.
media_ports() {
	local base=$((20000 + ($$ % 200) * 200))
	echo "$base-$((base + 199))"
}

# job_field JOB KEY: a field of `faxgwctl --json job JOB` (the job's own,
# else the details'), through the control socket $WORK/var/faxgw.sock.
job_field() {
	"$B/faxgwctl" -s "$WORK/var/faxgw.sock" --json job "$1" |
		"$PY" -c 'import json,sys; d=json.load(sys.stdin); k=sys.argv[1]; print(d["job"].get(k, d.get(k)))' "$2"
}
job_state_is() { [ "$(job_field "$1" state)" = "$2" ]; }

# json EXPR: evaluates a Python expression on the JSON in $OUT (as `j`).
json() {
	printf '%s' "$OUT" | "$PY" -c "import json,sys; j=json.load(sys.stdin); r=($1); print(r)"
}
json_true() {
	local r
	r=$(json "$1") || fail "output is not JSON: $OUT"
	[ "$r" = "True" ] || fail "JSON check '$1' failed on: $OUT"
}
