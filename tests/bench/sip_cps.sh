#!/usr/bin/env bash
# sip_cps.sh [RATE] [SECONDS] [FAXES]: SIP calls set up and torn down per
# second while faxes are in progress (not part of make check; figures in
# docs/performance.md, "SIP at scale").
#
# A private faxgwd on loopback with two sip ports: `load` (1024 channels)
# takes SIPp's calls (tests/data/sip/invite_bye.xml: INVITE, 180, 200,
# ACK, one second of faxgwd's G.711, BYE) at RATE per second (default 300)
# for SECONDS (default 20); `fax` takes FAXES (default 32) concurrent
# 2-page faxes from faxpeer over SIP (T.38 from the INVITE) placed just
# before the load.  Prints SIPp's successful and failed calls and the rate
# reached, how many faxes completed, faxgwd's CPU time and its SIP
# counters, and the media threads' late-step reports.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${FAXGW_BUILD:-$TOP/build}
RATE=${1:-300}
SECS=${2:-20}
FAXES=${3:-32}
W=$(mktemp -d /tmp/faxgw-bench-sipcps.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
P=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$W/var/spool" "$W/var/fax"
cat > "$W/faxgw.conf" <<CONF
[gateway]
spool = $W/var/spool
state = $W/var/faxgw.db
control = $W/var/faxgw.sock
extensions = $W/none
store-root = $W/var/fax
exec-dir = $W/var
admin-group =
query-group =

[sip]
listen = udp:127.0.0.1:$P
allow = 127.0.0.1/32
max-calls = 2048

[port 1]
name = load
transport = sip
sip-user = load
channels = 1024
t38 = no

[port 2]
name = fax
transport = sip
sip-user = fax
channels = 256
t38 = accept
CONF
mkdir -p "$W/none"
"$B/faxgwd" -f -c "$W/faxgw.conf" > "$W/faxgwd.log" 2>&1 &
PID=$!
for _ in $(seq 50); do [ -S "$W/var/faxgw.sock" ] && break; sleep 0.1; done
"$B/faxtestdoc" make "$W/doc.tif" 2 standard 61 >/dev/null || exit 1
cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
t0=$(cpu)
for i in $(seq "$FAXES"); do
	"$B/faxpeer" send --sip "sip:fax@127.0.0.1:$P" --t38 direct -q --timeout 300 "$W/doc.tif" \
		> "$W/fax$i.out" 2>&1 &
done
sleep 3
start=$(date +%s.%N)
(cd "$W" && sipp -sf "$TOP/tests/data/sip/invite_bye.xml" -s load -r "$RATE" -m $((RATE * SECS)) \
	-l $((RATE * 4)) -timeout $((SECS + 60))s -p 0 -i 127.0.0.1 -nostdin -trace_stat \
	-stf stat.csv "127.0.0.1:$P" > sipp.out 2>&1)
end=$(date +%s.%N)
for j in $(jobs -p); do [ "$j" = "$PID" ] || wait "$j"; done
t1=$(cpu)
ok=$(cat "$W"/fax*.out 2>/dev/null | grep -c "result: OK")
succ=$(grep -E '^ +Successful call' "$W/sipp.out" | tail -1 | awk '{ print $NF }')
fail=$(grep -E '^ +Failed call' "$W/sipp.out" | tail -1 | awk '{ print $NF }')
printf 'SIPp: %s calls at %s/s asked: %s successful, %s failed, in %.1f s (%.0f calls/s)\n' \
	$((RATE * SECS)) "$RATE" "$succ" "$fail" "$(echo "$end - $start" | bc)" \
	"$(echo "$succ / ($end - $start)" | bc -l)"
printf 'faxes: %s of %s OK\n' "$ok" "$FAXES"
printf 'faxgwd CPU: %.1f s (user+system)\n' "$(echo "($t1 - $t0) / $(getconf CLK_TCK)" | bc -l)"
"$B/faxgwctl" -s "$W/var/faxgw.sock" sip | head -4
grep -c 'ran late' "$W/faxgwd.log" | sed 's/^/late-step reports: /'
grep 'ran late' "$W/faxgwd.log" | tail -2
