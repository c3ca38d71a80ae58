#!/usr/bin/env bash
# snmpbench.sh - a smoke run of the SNMP benchmark (build/faxsnmpbench,
# docs/performance.md "## SNMP") on a small configuration, so that the
# benchmark keeps working: faxgwd, a private snmpd, faxgw-agent and the
# static subagent start, both tables walk completely with GETBULK and the
# same number of varbinds, and timed SETs reach faxgwd.  No figure is
# checked: it is not a timed test.
. "$(dirname "$0")/lib.sh"
BENCH=$B/faxsnmpbench

command -v snmpd >/dev/null 2>&1 || skip "snmpd not installed (tools/install-deps)"
[ -x "$BENCH" ] && [ -x "$B/faxgwd" ] && [ -x "$B/faxgw-agent" ] ||
	skip "faxsnmpbench, faxgwd or faxgw-agent not built"

expect_rc 0 timeout 300 "$BENCH" -B "$B" -p 20 -r 2 -s 10
echo "$OUT"
echo "$OUT" | grep -q '^  round 2: faxRoutingMethodTable 1100 varbinds in .* static table 1100 varbinds' ||
	fail "the walks did not cover 20 ports x 5 methods x 11 columns: $OUT $ERR"
echo "$OUT" | grep -Eq '^  ratio +[0-9.]+' || fail "no ratio: $OUT"
echo "$OUT" | grep -Eq '^  median [0-9.]+ ms, p99 [0-9.]+ ms' || fail "no SET timing: $OUT"
ok "faxsnmpbench: 20 ports x 5 methods walked on faxgw-agent and the static table; 10 SETs timed"
echo "$NCHECK passed, 0 failed"
