/*
 * fgwx_journal.h - whether standard error is systemd's journal, so that
 * log lines may carry a "<priority>" prefix (sd-daemon(3)).
 */
#ifndef FAXGW_UTIL_FGWX_JOURNAL_H
#define FAXGW_UTIL_FGWX_JOURNAL_H

#include <stdbool.h>

/* True when $JOURNAL_STREAM ("DEV:INODE", systemd.exec(5)) names the file
 * open as standard error. */
bool fgwx_stderr_is_journal(void);

#endif
