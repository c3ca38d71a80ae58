#!/usr/bin/env bash
# faxgw's winfax.h as Windows fax admin code meets it: the walk-through of
# faxgw-winfax(3) (docs/examples/routing-admin.c, built by make) against a
# live faxgwd, and the compile test: tests/data/winfax_msdn.c, written
# only against Microsoft's documented declarations, compiled with -Wall
# -Wextra -Werror in C99 and C11, with and without UNICODE, linked with
# -lfaxgw (the shared library) and run.  run-all runs it in the sanitizer
# pass too, where LeakSanitizer checks that the walk-through frees all.
. "$(dirname "$0")/lib.sh"
EX="$B/examples/routing-admin"
CTL="$B/faxgwctl"
SIF='{92041a90-9af2-11d0-abf7-00c04fd91a4e}'
cd "$WORK" || exit 1
[ -x "$EX" ] || fail "$EX is not built (make)"

start_faxgwd
wait_for_socket "$WORK/var/faxgw.sock"

# NULL server: the local gateway (./var/faxgw.sock here).
expect_rc 0 "$EX"
echo "$OUT" | grep -q '^port: DeviceId 1, DeviceName ' || fail "no port line: $OUT"
[ "$(echo "$OUT" | grep -c '^method [0-9]*:$')" -ge 5 ] || fail "not every method printed: $OUT"
for f in SizeOfStruct DeviceId Enabled DeviceName Guid FriendlyName FunctionName \
	 ExtensionImageName ExtensionFriendlyName; do
	echo "$OUT" | grep -q "^  $f: " || fail "field $f not printed: $OUT"
done
echo "$OUT" | grep -q "^  Guid: $SIF\$" || fail "Store in folder missing: $OUT"
echo "$OUT" | grep -q '^  FunctionName: RouteStoreInFolder$' || fail "function name: $OUT"
echo "$OUT" | grep -q "^  ExtensionImageName: .*/store_folder.so\$" || fail "image name: $OUT"
inbox="$WORK/var/fax/inbox"
echo "$OUT" | grep -qxF "routing info: $inbox ($(( ${#inbox} + 1 )) bytes)" ||
	fail "routing info of Store in folder: $OUT"
echo "$OUT" | grep -qxF "routing info now: $inbox ($(( ${#inbox} + 1 )) bytes)" ||
	fail "data written back unchanged: $OUT"
[ "$(echo "$OUT" | tail -n 1)" = done ] || fail "walk-through did not finish: $OUT"
ok "routing-admin: connect, QUERY, enumerate, get, MODIFY, set, free, close"

folder="$WORK/var/fax/Eingang-für-Großkunden"
mkdir -p "$folder"
expect_rc 0 "$EX" "$WORK/var/faxgw.sock" "$folder"
echo "$OUT" | grep -qF "routing info now: $folder (" || fail "set to $folder: $OUT"
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" get 1 "$SIF"
[ "$OUT" = "$folder" ] || fail "faxgwctl sees '$OUT', not $folder"
ok "routing-admin SOCKET FOLDER: the change is faxgwd's (faxgwctl sees it)"

expect_rc 1 "$EX" "" /etc
echo "$ERR" | grep -q 'FaxSetRoutingInfo failed: error 13: .*store-root' ||
	fail "refused data: no ERROR_INVALID_DATA with the extension's reason: $ERR"
expect_rc 1 "$EX" FAXSRV
echo "$ERR" | grep -q 'FaxConnectFaxServer failed: error 1722' ||
	fail "a machine name: no RPC_S_SERVER_UNAVAILABLE: $ERR"
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" get 1 "$SIF"
[ "$OUT" = "$folder" ] || fail "a refused change changed the data: '$OUT'"
ok "refusals: ERROR_INVALID_DATA with the reason, RPC_S_SERVER_UNAVAILABLE"

CC=${CC:-cc}
# In the sanitizer pass libfaxgw.so is instrumented: so is the program.
SANFLAGS=${FAXGW_SANITIZED:+-fsanitize=address,undefined -fno-omit-frame-pointer}
for std in c99 c11; do
	for uni in "" -DUNICODE; do
		exe="$WORK/msdn-$std${uni:+-unicode}"
		"$CC" -std=$std -Wall -Wextra -Werror -pedantic $uni $SANFLAGS \
			-I"$TOP/gateway/include/faxgw" -o "$exe" "$TOP/tests/data/winfax_msdn.c" \
			-L"$B" -lfaxgw 2>"$WORK/cc.err" ||
			fail "compile test ($std $uni): $(cat "$WORK/cc.err")"
		expect_rc 0 env LD_LIBRARY_PATH="$B" "$exe"
		echo "$OUT" | grep -q '^port 1: [0-9]* routing methods, [0-9]* bytes of routing data$' ||
			fail "compile test program ($std $uni): $OUT"
		echo "$OUT" | grep -q '^3 ports$' || fail "compile test program ($std $uni): $OUT"
	done
done
ok "Microsoft's declarations compile against winfax.h (C99, C11, ±UNICODE) and run with -lfaxgw"

expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" get 1 "$SIF"
[ "$OUT" = "$folder" ] || fail "the compile test's write-back changed the data: '$OUT'"

# The EXAMPLE of faxgw-winfax(3) as printed there.
sed -n '/^\.SH EXAMPLE/,/^\.SH/p' "$TOP/docs/man/faxgw-winfax.3" | sed -n '/^\.EX/,/^\.EE/p' |
	sed '1d;$d' | sed 's/\\-/-/g; s/\\e/\\/g' > "$WORK/manexample.c"
"$CC" -std=c11 -Wall -Wextra -Werror $SANFLAGS -I"$TOP/gateway/include" -o "$WORK/manexample" \
	"$WORK/manexample.c" -L"$B" -lfaxgw 2>"$WORK/cc.err" ||
	fail "the man page's example does not compile: $(cat "$WORK/cc.err")"
expect_rc 0 env LD_LIBRARY_PATH="$B" "$WORK/manexample" "$WORK/var/fax/inbox"
echo "$OUT" | grep -qxF "$SIF Store in folder enabled" || fail "man page example: $OUT"
echo "$OUT" | grep -qxF "folder: $folder" || fail "man page example: $OUT"
expect_rc 0 "$CTL" -s "$WORK/var/faxgw.sock" get 1 "$SIF"
[ "$OUT" = "$WORK/var/fax/inbox" ] || fail "man page example did not set the folder: '$OUT'"
ok "the EXAMPLE of faxgw-winfax(3) compiles and runs"
alive "$FAXGWD_PID" faxgwd
echo "$NCHECK passed, 0 failed"
