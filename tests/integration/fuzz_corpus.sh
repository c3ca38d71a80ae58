#!/usr/bin/env bash
# Every libFuzzer harness builds (`make fuzz`) and replays its seed corpus
# without a finding, then fuzzes briefly from it: a regression check for
# every parser of outside bytes.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
command -v clang >/dev/null || skip "clang is not installed"
make --no-print-directory fuzz > "$WORK/build.log" 2>&1 ||
	fail "make fuzz failed: $(tail -n 20 "$WORK/build.log")"
ok "make fuzz builds every harness"

for h in tests/fuzz/fuzz_*.c; do
	n=$(basename "$h" .c); n=${n#fuzz_}
	corpus=tests/fuzz/corpus/$n
	[ -d "$corpus" ] || fail "harness $n has no seed corpus in $corpus"
	mkdir -p "$WORK/new-$n" "$WORK/art-$n"
	if ! (cd "$WORK/art-$n" && "$TOP/build-fuzz/fuzz_$n" -runs=0 "$TOP/$corpus" \
		> "$WORK/$n.log" 2>&1); then
		fail "fuzz_$n fails on its own corpus: $(tail -n 30 "$WORK/$n.log")"
	fi
	if ! (cd "$WORK/art-$n" && "$TOP/build-fuzz/fuzz_$n" -max_total_time="${FUZZ_SECONDS:-10}" \
		-timeout=10 "$WORK/new-$n" "$TOP/$corpus" > "$WORK/$n.log" 2>&1); then
		fail "fuzz_$n found a crash: $(tail -n 40 "$WORK/$n.log")"
	fi
	ok "fuzz_$n: corpus replays clean, $(grep -o 'Done [0-9]* runs' "$WORK/$n.log" | tail -n 1)"
done
echo "$NCHECK passed, 0 failed"
