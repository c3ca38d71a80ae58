#!/usr/bin/env bash
# history_fill.sh DB N [FAILED_EVERY] [AGE_S]: adds N finished routing jobs
# to the state database DB of a STOPPED faxgwd (one that has run once, so
# that its schema exists), with the sqlite3 command-line tool.
#
# Each job is as faxgwd leaves a routed fax: state done (3), received and
# finished AGE_S (default 3600) seconds ago spread over the last N
# seconds, one page, a remote ident, no file (retention 0).  Every
# FAILED_EVERY-th job (default 10; 0: none) is a dead letter (4) instead,
# with a last error and a path in spool/failed/ that does not exist.
# Used by tests/integration/history.sh and tests/bench/history.sh.
set -eu
db=$1 n=$2 every=${3:-10} age=${4:-3600}
command -v sqlite3 >/dev/null || { echo "history_fill: sqlite3 not found" >&2; exit 77; }
v=$(sqlite3 "$db" 'PRAGMA user_version;')
[ "$v" -ge 5 ] || { echo "history_fill: $db has schema $v, needs 5 (run faxgwd once)" >&2; exit 1; }
now=$(date +%s)
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
INSERT INTO jobs(port_id, state, attempts, received_time, pages, remote_ident, path,
                 meta, last_error, finished_time)
SELECT 1 + (i % 2),
       CASE WHEN $every > 0 AND i % $every = 0 THEN 4 ELSE 3 END,
       1, $now - $age - ($n - i), 1, '+1 555 ' || printf('%07d', i),
       CASE WHEN $every > 0 AND i % $every = 0 THEN '/nonexistent/failed/' || i || '.tif'
            ELSE '' END,
       'pages=1', CASE WHEN $every > 0 AND i % $every = 0 THEN 'generated dead letter'
                       ELSE '' END,
       $now - $age - ($n - i)
FROM c;
COMMIT;
SQL
