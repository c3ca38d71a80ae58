#!/bin/sh
# cupsd.sh PORT DIR: a private CUPS scheduler for faxgw's routing tests.
#
# Writes a cupsd configuration under DIR (nothing outside it is used but
# Debian's cupsd and its cups-exec helper), with one raw queue "faxq"
# whose backend copies each job's document to DIR/out/job-ID.out and its
# title to DIR/out/job-ID.title, then runs cupsd in the foreground on
# 127.0.0.1:PORT.  Exit status 77 when cupsd is not installed.
set -eu
port=$1
dir=$2
[ -x /usr/sbin/cupsd ] || { echo "cupsd.sh: /usr/sbin/cupsd not installed" >&2; exit 77; }
mkdir -p "$dir/spool" "$dir/cache" "$dir/state" "$dir/log" "$dir/out" "$dir/ppd" \
	"$dir/bin/backend" "$dir/bin/filter"
chmod 1777 "$dir/out"
ln -sfn /usr/lib/cups/daemon "$dir/bin/daemon"

# The backend (cups-backend(7)): argv = job user title copies options [file].
cat > "$dir/bin/backend/faxcapture" <<'EOF'
#!/bin/sh
[ $# -eq 0 ] && { echo 'direct faxcapture "Unknown" "faxgw test capture"'; exit 0; }
out=${DEVICE_URI#faxcapture:}
printf '%s\n' "$3" > "$out/job-$1.title"
if [ $# -ge 6 ]; then cat "$6"; else cat; fi > "$out/job-$1.tmp"
mv "$out/job-$1.tmp" "$out/job-$1.out"
EOF
# Raw jobs go through gziptoany; the documents here are never compressed.
cat > "$dir/bin/filter/gziptoany" <<'EOF'
#!/bin/sh
if [ $# -ge 6 ]; then exec cat "$6"; else exec cat; fi
EOF
chmod 755 "$dir/bin/backend/faxcapture" "$dir/bin/filter/gziptoany"

cat > "$dir/cupsd.conf" <<EOF
Listen 127.0.0.1:$port
LogLevel info
DefaultAuthType None
Browsing No
WebInterface No
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
cat > "$dir/cups-files.conf" <<EOF
ServerRoot $dir
ServerBin $dir/bin
RequestRoot $dir/spool
CacheDir $dir/cache
StateDir $dir/state
TempDir $dir/spool
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
Printcap
SystemGroup root
EOF
cat > "$dir/printers.conf" <<EOF
<Printer faxq>
Info faxgw test queue
DeviceURI faxcapture:$dir/out
State Idle
Type 4
Accepting Yes
Shared No
JobSheets none none
OpPolicy default
ErrorPolicy retry-job
</Printer>
EOF
exec /usr/sbin/cupsd -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf"
