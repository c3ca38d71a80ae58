#!/usr/bin/env bash
# Durability: faxes go on while faxgwd, its router process and its routing
# workers are killed with SIGKILL at random moments (a bounded number of
# rounds, loopback only).  What must hold, as faxgwd(8) "What survives a
# crash" promises:
#   - every fax whose sender saw all its pages confirmed is routed: Store in
#     folder holds exactly one copy of it, equal pixel for pixel to what
#     was sent (no loss, no duplicate file);
#   - no job is left unfinished once faxgwd runs again.
# Run program (at least once) records every run: how many faxes it saw
# more than once is reported, not judged.
. "$(dirname "$0")/lib.sh"
CTL="$B/faxgwctl"
PEER="$B/faxpeer"
DOC="$B/faxtestdoc"
ROUNDS=${DURABILITY_ROUNDS:-10}
NPORTS=3
for x in "$B/faxgwd" "$CTL" "$PEER" "$DOC" "$B/routing/store_folder.so" \
	 "$B/routing/run_program.so"; do
	[ -e "$x" ] || skip "$x is not built"
done
cd "$WORK" || exit 1

D=$WORK/gw
mkdir -p "$D/ext" "$D/routing.d" "$D/var/fax/inbox" "$D/docs"
cp "$B/routing/store_folder.so" "$B/routing/run_program.so" "$D/ext/"
chmod 755 "$D/ext" "$D/routing.d" "$D"/ext/*.so
read -r -a UDP <<< "$(free_udp_ports $NPORTS)"
{
	printf '[gateway]\nspool = %s/var/spool\nstate = %s/var/faxgw.db\n' "$D" "$D"
	printf 'control = %s/var/faxgw.sock\nextensions = %s/ext\n' "$D" "$D"
	printf 'store-root = %s/var/fax\nexec-dir = %s/routing.d\nretry = 10 200ms\n' "$D" "$D"
	printf 'admin-group =\nquery-group =\n'
	for i in $(seq 1 $NPORTS); do
		printf '[port %d]\ntransport = t38\nlisten = 127.0.0.1:%s\n' "$i" "${UDP[$((i - 1))]}"
	done
} > "$D/faxgw.conf"
# The Run program target: one line per run, then a moment of work, so that
# kills land in routing too.
printf '#!/bin/sh\necho "$FAXGW_JOB_ID $FAXGW_PAGES $FAXGW_PARTIAL" >> %s/runs.log\nsleep 0.3\n' \
	"$D" > "$D/routing.d/record"
chmod 755 "$D/routing.d/record"

start() {
	("$B/faxgwd" -f -c "$D/faxgw.conf" >>"$D/faxgwd.log" 2>&1) &
	GW=$!
	PIDS+=("$GW")
	wait_for_socket "$D/var/faxgw.sock" 20
	wait_until 10 "$CTL" -s "$D/var/faxgw.sock" ports >/dev/null 2>&1 ||
		fail "faxgwd did not answer after a start: $(tail -n 5 "$D/faxgwd.log")"
}
ctl() { "$CTL" -s "$D/var/faxgw.sock" "$@"; }

start
for i in $(seq 1 $NPORTS); do
	ctl set "$i" "store in folder" "$D/var/fax/inbox" >/dev/null || fail "set store in folder"
	ctl enable "$i" "store in folder" >/dev/null || fail "enable store in folder"
	ctl set "$i" "run program" record >/dev/null || fail "set run program"
	ctl enable "$i" "run program" >/dev/null || fail "enable run program"
done

# kill_one ROUND: SIGKILL to faxgwd, its router or a routing worker.
kill_one() {
	local router worker victim
	router=$(pgrep -P "$GW" | head -n 1)
	worker=$([ -n "$router" ] && pgrep -P "$router" | head -n 1)
	case $(( RANDOM % 3 )) in
	0) victim=faxgwd ;;
	1) victim=router ;;
	*) victim=worker ;;
	esac
	[ "$victim" = worker ] && [ -z "$worker" ] && victim=router
	[ "$victim" = router ] && [ -z "$router" ] && victim=faxgwd
	echo "round $1: kill -9 $victim" >> "$D/kills.log"
	case $victim in
	faxgwd) kill -KILL "$GW"; wait "$GW" 2>/dev/null; sleep 0.$(( RANDOM % 10 )); start ;;
	router) kill -KILL "$router" ;;
	worker) kill -KILL "$worker" ;;
	esac
}

n=0
for r in $(seq 1 "$ROUNDS"); do
	pids=()
	for i in $(seq 1 $NPORTS); do
		n=$((n + 1))
		"$DOC" make "$D/docs/$n.tif" 1 standard "$n" >/dev/null || fail "faxtestdoc make"
		# A sender whose gateway was killed gives up after 40 s.
		"$PEER" send --t38 -q --ident "+1 555 $n" --timeout 40 \
			"127.0.0.1:${UDP[$((i - 1))]}" "$D/docs/$n.tif" > "$D/docs/$n.out" 2>&1 &
		pids+=("$!:$n")
	done
	sleep "$(( 1 + RANDOM % 6 )).$(( RANDOM % 10 ))"
	kill_one "$r"
	for p in "${pids[@]}"; do
		wait "${p%%:*}"
		echo $? > "$D/docs/${p##*:}.rc"
	done
	kill -0 "$GW" 2>/dev/null || fail "faxgwd ended by itself in round $r: $(tail -n 30 "$D/faxgwd.log")"
done

# Every job finished (routing goes on after the last restart).
finished() {
	local out
	out=$(ctl --json jobs 2>/dev/null) || return 1
	printf '%s' "$out" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
jobs = j["jobs"] if isinstance(j, dict) else j
sys.exit(0 if all(x["state"] in ("done", "failed", "unrouted") for x in jobs) else 1)'
}
wait_until 60 finished || fail "jobs still unfinished a minute after the last round: $(ctl jobs)"
OUT=$(ctl --json jobs --failed) || fail "faxgwctl jobs --failed"
json_true 'len(j["jobs"]) == 0' || fail "dead-lettered jobs: $(ctl jobs --failed)"

# Each confirmed fax: exactly one stored copy equal to what was sent.
confirmed=0 lost=0 dups=0
stored=("$D"/var/fax/inbox/*.tif)
for k in $(seq 1 "$n"); do
	[ "$(cat "$D/docs/$k.rc")" = 0 ] || continue
	confirmed=$((confirmed + 1))
	copies=0
	for f in "${stored[@]}"; do
		[ -e "$f" ] || continue
		"$DOC" compare "$D/docs/$k.tif" "$f" 2>/dev/null && copies=$((copies + 1))
	done
	[ "$copies" -eq 0 ] && { lost=$((lost + 1)); echo "lost: fax $k ($(cat "$D/docs/$k.out"))"; }
	[ "$copies" -gt 1 ] && { dups=$((dups + 1)); echo "duplicate: fax $k stored $copies times"; }
done
runs=$(wc -l < "$D/runs.log" 2>/dev/null || echo 0)
jobs=$(cut -d' ' -f1 "$D/runs.log" 2>/dev/null | sort -u | wc -l)
twice=$(cut -d' ' -f1 "$D/runs.log" 2>/dev/null | sort | uniq -d | wc -l)
echo "# $n faxes sent, $confirmed confirmed by their senders, ${#stored[@]} stored; kills: $(cut -d' ' -f5 "$D/kills.log" | sort | uniq -c | awk '{print $2 " " $1}' | paste -sd, -)"
echo "# Run program: $runs runs for $jobs faxes, $twice of them run more than once (at least once)"
[ "$confirmed" -gt 0 ] || fail "no fax was confirmed in $ROUNDS rounds: $(tail -n 20 "$D/faxgwd.log")"
[ "$lost" -eq 0 ] || fail "$lost confirmed fax(es) not stored"
[ "$dups" -eq 0 ] || fail "$dups fax(es) stored more than once"
ok "$ROUNDS kill -9 rounds: every confirmed fax routed once to Store in folder, no job left unfinished"
echo "$NCHECK passed, 0 failed"
