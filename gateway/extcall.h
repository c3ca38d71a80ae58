/*
 * extcall.h - one call into a routing extension that may do I/O
 * (validate, can_enable, device_change: faxgw-routing(3)), run off the
 * main event loop.
 *
 * extcall_start() forks a worker process for the call (as the router does
 * for a routing attempt) and returns at once; the loop keeps serving.  The
 * worker inherits the extensions and the configuration as they are now
 * (so a SIGHUP reload is seen), closes every other descriptor, makes the
 * call and writes the result to a pipe.  A worker that does not answer
 * within its time limit is killed; one that crashes is reported.  Either
 * way the loop never waits for an extension.
 *
 * Threads: everything runs on the loop of `base` (faxgwd's main thread).
 * Ownership: extcall_start() gives a handle that lives until done has
 * returned (the call frees itself then) or until extcall_cancel(), which
 * kills and reaps the worker and does not call done.
 */
#ifndef FAXGW_EXTCALL_H
#define FAXGW_EXTCALL_H

#include <stddef.h>
#include <stdint.h>
#include <faxgw/limits.h>

struct event_base;
struct extension_set;
struct extcall;

enum extcall_kind {
	EXTCALL_VALIDATE,          /* extension_validate */
	EXTCALL_CAN_ENABLE,        /* extension_can_enable */
	EXTCALL_DEVICE_CHANGE,     /* extension_device_change */
};

/* What to call (data is read in the worker only: borrowed for the
 * duration of extcall_start). */
struct extcall_args {
	enum extcall_kind kind;
	const char *guid;
	uint32_t port_id;
	int enabled;               /* DEVICE_CHANGE */
	const void *data;
	size_t len;
};

/* The result, on the loop: rc is what extension_validate/_can_enable
 * return (0, FGW_E_NO_METHOD, FGW_E_BAD_DATA, FGW_E_NOT_ENABLEABLE with
 * the extension's reason, never empty), FGW_E_TIMEOUT when the time limit
 * passed ("... did not finish within N s") or FGW_E_INTERNAL when the
 * worker crashed or could not be read ("... crashed (SIGSEGV)"). */
typedef void (*extcall_done_fn)(void *arg, int rc, const char *reason);

/* Forks the worker.  0, or an FGW_E_* code with the reason (fork or
 * pipe failed); done is then never called. */
int extcall_start(struct event_base *base, const struct extension_set *ext,
                  const struct extcall_args *a, unsigned timeout_ms, extcall_done_fn done,
                  void *arg, struct extcall **out, char *reason, size_t reasonlen);
/* Kills and reaps the worker; done is not called.  NULL is fine. */
void extcall_cancel(struct extcall *k);

/* The words for a call that ran out of time: "validation did not finish
 * within N s" (validate, can_enable) or "device change notice did not
 * finish within N s". */
void extcall_timeout_text(enum extcall_kind kind, unsigned timeout_ms, char *out, size_t outlen);

#endif
