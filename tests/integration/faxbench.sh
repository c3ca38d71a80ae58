#!/usr/bin/env bash
# faxbench smoke test: `faxbench --quick --max 2 --json` against a real
# faxgwd and the thin gateway, both transports.  Checks that the JSON report
# has every field and that both faxes of each transport arrived complete and
# identical, through the thin gateway and through faxgwd.  It is
# a benchmark: nothing here depends on how fast the machine is (late ticks,
# CPU figures and the ratio are only checked for presence).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

[ -e "$TOP/gateway/port.c" ] || skip "faxgwd's data plane (gateway/port.c) is not there yet"
[ -x "$B/faxbench" ] || skip "$B/faxbench is not built"
[ -x "$B/faxgwd" ] || skip "$B/faxgwd is not built"

expect_rc 0 "$B/faxbench" --help
echo "$OUT" | grep -q -- '--transport' || fail "--help does not show the options: $OUT"
echo "$OUT" | grep -q -- '--no-thin' || fail "--help does not show --no-thin: $OUT"
echo "$OUT" | grep -q -- '--thin-gateway-child' && fail "--help shows the internal option: $OUT"
expect_rc 2 "$B/faxbench" --transport carrier-pigeon
expect_rc 2 "$B/faxbench" --max 0
ok "usage: --help exits 0 (--no-thin shown, the internal option not), bad values exit 2"

export TMPDIR=$WORK
expect_rc 0 timeout 600 "$B/faxbench" --quick --max 2 --json
printf '%s\n' "$OUT" > "$WORK/faxbench.json"
# kept as a log: the sanitizer passes look for reports in $WORK/*.log
cp "$WORK/stderr" "$WORK/faxbench-stderr.log"
json_true 'sorted(t["transport"] for t in j["transports"]) == ["audio", "sip", "t38"]'
ok "JSON report with every transport"

for t in t38 audio; do
	sel="[x for x in j['transports'] if x['transport'] == '$t'][0]"
	json_true "$sel['error'] == ''"
	for k in held_n ports rss_idle_kb mem_per_idle_port_kb faxgwd_cpu_us_per_channel_second \
		 faxgwd_channels_per_core ratio_channels_per_core mem_per_active_reception_kb \
		 datagrams_per_second routed_latency_ms spandsp_alone steps thin_gateway \
		 ratio_thin_channels_per_core faxgwd_cpu_vs_thin ratio_thin_at_n; do
		json_true "'$k' in $sel"
	done
	for k in median p99; do
		json_true "'$k' in $sel['routed_latency_ms']"
	done
	for k in receive_cpu_us_per_channel_second send_cpu_us_per_channel_second \
		 channels_per_core heap_per_reception_kb pairs intact; do
		json_true "'$k' in $sel['spandsp_alone']"
	done
	json_true "$sel['spandsp_alone']['intact'] == $sel['spandsp_alone']['pairs'] > 0"
	json_true "$sel['spandsp_alone']['receive_cpu_us_per_channel_second'] > 0"
	ok "$t: every summary field present; spandsp alone: every fax intact"

	step="$sel['steps'][-1]"
	for k in n faxes intact failed late_ticks max_late_ms faxgwd_late_steps \
		 faxgwd_max_late_ms faxgwd_cpu_us \
		 faxgwd_cpu_us_per_channel_second rss_idle_kb rss_peak_kb \
		 mem_per_active_reception_kb datagrams_per_second routed_latency_ms held; do
		json_true "'$k' in $step"
	done
	json_true "$step['n'] == 2 and $step['faxes'] == 2"
	r=$(json "$step['intact'] == 2 and $step['failed'] == 0")
	[ "$r" = True ] || fail "$t: not every fax arrived intact: $(json "$step['first_error']")"
	json_true "$step['routed_latency_ms']['samples'] == 2"
	json_true "$step['datagrams_in'] > 0 and $step['datagrams_out'] > 0"
	ok "$t: both faxes routed to the folder complete and identical pixel by pixel"

	thin="$sel['thin_gateway']"
	json_true "$thin is not None and $thin['error'] == ''"
	for k in held_n ports rss_idle_kb cpu_us_per_channel_second channels_per_core \
		 mem_per_active_reception_kb datagrams_per_second routed_latency_ms steps; do
		json_true "'$k' in $thin"
	done
	tstep="$thin['steps'][-1]"
	for k in n faxes intact failed late_ticks max_late_ms thin_late_steps thin_max_late_ms \
		 thin_cpu_us thin_cpu_us_per_channel_second rss_idle_kb rss_peak_kb \
		 mem_per_active_reception_kb datagrams_per_second routed_latency_ms held; do
		json_true "'$k' in $tstep"
	done
	json_true "$tstep['n'] == 2 and $tstep['faxes'] == 2"
	r=$(json "$tstep['intact'] == 2 and $tstep['failed'] == 0")
	[ "$r" = True ] || fail "$t: thin gateway: not every fax arrived intact: $(json "$tstep['first_error']")"
	json_true "$tstep['datagrams_in'] > 0 and $tstep['datagrams_out'] > 0"
	# faxgwd's step and the thin gateway's have the same N: the ratios are
	# there whenever both CPU figures are (numbers, not judged)
	json_true "$sel['faxgwd_cpu_vs_thin'] is None or $sel['faxgwd_cpu_vs_thin'] > 0"
	ok "$t: thin gateway: every key present, both faxes in its folder complete and identical"
done


# --- --transport sip: each fax over SIP to faxgwd's one sip port (INVITE
# with G.711, faxgwd's T.38 re-INVITE, BYE).  The set-up and T.38 switch
# times are checked for presence only.
expect_rc 0 timeout 600 "$B/faxbench" --transport sip --quick --max 2 --json
printf '%s\n' "$OUT" > "$WORK/faxbench-sip.json"
cp "$WORK/stderr" "$WORK/faxbench-sip-stderr.log"
json_true '[t["transport"] for t in j["transports"]] == ["sip"]'
sel="j['transports'][0]"
json_true "$sel['error'] == ''"
json_true "$sel['spandsp_alone']['intact'] == $sel['spandsp_alone']['pairs'] > 0"
step="$sel['steps'][-1]"
json_true "$step['n'] == 2 and $step['faxes'] == 2"
r=$(json "$step['intact'] == 2 and $step['failed'] == 0")
[ "$r" = True ] || fail "sip: not every fax arrived intact: $(json "$step['first_error']")"
json_true "$step['routed_latency_ms']['samples'] == 2"
for o in "$sel" "$step"; do
	for k in setup_ms t38_switch_ms; do
		for q in median p99; do
			json_true "'$q' in $o['$k']"
		done
	done
done
json_true "$step['setup_ms']['samples'] == 2 and $step['t38_switch_ms']['samples'] == 2"
json_true "$step['setup_ms']['median'] is not None and $step['t38_switch_ms']['p99'] is not None"
ok "sip: both faxes over SIP (G.711, then T.38 by re-INVITE) routed complete and identical; set-up and T.38 switch times reported"

echo "$NCHECK passed, 0 failed"
