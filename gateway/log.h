/*
 * log.h - faxgwd's logging: syslog, or stderr in the foreground.
 *
 * Levels are syslog's (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
 * LOG_DEBUG).  Until log_open() is called, messages go to stderr.
 */
#ifndef FAXGW_LOG_H
#define FAXGW_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

/* ident: program name; to_stderr: log to stderr instead of syslog;
 * debug: let LOG_DEBUG through. */
void log_open(const char *ident, bool to_stderr, bool debug);
void log_close(void);
bool log_debug_enabled(void);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_err(...)     log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)    log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
