/*
 * sip_thread.h - faxgwd's SIP signalling: sofia-sip's nua in one thread
 * of its own, which owns every SIP object (root, agent, handles, timers).
 * Other threads talk to it only through these functions, which pass plain
 * values (an eventfd wakes it; flags and counters are atomics).
 *
 * This increment answers without media (faxgwd(8), SIP): OPTIONS 200
 * (503 while draining); INVITE 403 for a stranger, then with username and
 * password a digest challenge (401, sofia-sip's auth module; 403 for wrong
 * credentials), then 503 / 404 / 486 / 488 as sip_policy.h decides, and
 * an acceptable offer 180 Ringing, then after
 * FGW_SIP_RING_MS 503 with a Warning that media over SIP is not
 * available yet; a CANCEL while it rings gets 487 (nua sends it).
 *
 * Ownership: sip_thread_start() copies the settings; sip_thread_stop()
 * stops the thread (calls still ringing get 503, then nua_shutdown,
 * nua_destroy, su_root_destroy, su_deinit) and joins it, the counters stay
 * readable; sip_thread_free() stops if needed and frees everything.  NULL
 * is fine for both.  Call sip_thread_drain()/stop()/free() from one
 * thread (the main thread); the counters may be read from any thread.
 */
#ifndef FAXGW_SIP_THREAD_H
#define FAXGW_SIP_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "sip_policy.h"

struct sip_thread;

/* What the SIP thread calls back, on its own thread: keep it short and
 * thread-safe.  level is syslog's (LOG_ERR .. LOG_DEBUG). */
struct sip_hooks {
	void (*log)(void *arg, int level, const char *text);
	void *arg;
};

/* Starts the thread and waits until its listeners are bound (at most
 * FGW_SIP_START_MS).  0, or -1 with the reason in err. */
int sip_thread_start(const struct sip_settings *s, const struct sip_hooks *hooks,
		     struct sip_thread **out, char *err, size_t errlen);

/* From now on OPTIONS and new INVITEs get 503 with Retry-After. */
void sip_thread_drain(struct sip_thread *t);

/* Stops and joins; then frees (see above). */
void sip_thread_stop(struct sip_thread *t);
void sip_thread_free(struct sip_thread *t);

/* How many responses with this status (100..699) faxgwd's SIP thread sent,
 * including the ones nua sent for it (487 after CANCEL); 0 otherwise. */
uint64_t sip_thread_answers(const struct sip_thread *t, int status);
/* The same for a whole class: 1 (1xx) .. 6 (6xx). */
uint64_t sip_thread_answers_class(const struct sip_thread *t, int cls);

#endif
