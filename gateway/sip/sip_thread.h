/*
 * sip_thread.h - faxgwd's SIP signalling: sofia-sip's nua in one thread
 * of its own, which owns every SIP object (root, agent, handles, timers).
 * Other threads talk to it only through these functions, which pass plain
 * values (an eventfd wakes it; flags and counters are atomics).
 *
 * It answers (faxgwd(8), SIP): OPTIONS 200 (503 while draining); INVITE
 * 403 for a stranger, then with username and password a digest challenge
 * (401, sofia-sip's auth module; 403 for wrong credentials), then 503 /
 * 404 / 486 / 488 as sip_policy.h decides; an acceptable offer gets 180
 * Ringing, then after FGW_SIP_RING_MS 200 OK with our SDP answer, and the
 * call's media starts on a media thread (struct sip_media_ops); a CANCEL
 * while it rings gets 487 (nua sends it).  Once answered (sip_dialog.c):
 * re-INVITEs and UPDATEs that keep the media are answered without
 * touching it, a T.38 re-INVITE switches the media, a port with t38 =
 * offer sends its own T.38 re-INVITE (491: retried after a random
 * delay), a BYE hangs the media up, and the end of the fax sends BYE.
 * It also places calls for send jobs (sip_thread_dial, sip_out.c), which
 * once answered live among the answered calls and follow the same rules.
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

#include "sip_types.h"

struct sip_thread;

/* Starts the thread and waits until its listeners are bound (at most
 * FGW_SIP_START_MS).  0, or -1 with the reason in err.  ops may be NULL:
 * acceptable offers then get 503 with a Warning (no media). */
int sip_thread_start(const struct sip_settings *s, const struct sip_hooks *hooks,
		     const struct sip_media_ops *ops, struct sip_thread **out, char *err,
		     size_t errlen);

/* Any thread (a media thread): the media of call `serial` ended (the fax
 * is over, or it was hung up).  The SIP thread sends BYE if the dialog is
 * still up and frees the channel.  Safe until sip_thread_free(). */
void sip_thread_media_ended(struct sip_thread *t, uint64_t serial);

/* Sending (any thread; the main thread): places a call for a send job
 * from port d->port with a free channel: INVITE to d->uri (From: [sip]
 * from) offering the port's G.711 codecs; 1xx wait (at most
 * FGW_SIP_DIAL_MS, then CANCEL: 408); 200: ACK, the media starts on a
 * media thread sending d->file (hooks.dial_answered), T.38 as for
 * answered calls (the peer's re-INVITE, or ours with t38 = offer), BYE
 * when the fax ends; a final answer >= 300 or no channel:
 * hooks.dial_failed.  0 when queued for the SIP thread, -1 with err
 * (stopped, queue full). */
int sip_thread_dial(struct sip_thread *t, const struct sip_dial *d, char *err, size_t errlen);
/* Hangs up the call of send job job_id (CANCEL or BYE); unknown: nothing.
 * Any thread. */
void sip_thread_cancel(struct sip_thread *t, uint64_t job_id);
/* From now on OPTIONS and new INVITEs get 503 with Retry-After. */
void sip_thread_drain(struct sip_thread *t);

/* Stops and joins; then frees (see above).  Between stop and free the
 * media threads may still call sip_thread_media_ended(): stop the media
 * before sip_thread_free(). */
void sip_thread_stop(struct sip_thread *t);
void sip_thread_free(struct sip_thread *t);

/* What the SIP thread did, for the API, faxgwctl and FAXGW-MIB faxgwSip.
 * INVITEs are new ones (re-INVITEs and UPDATEs are counted apart). */
struct sip_stats {
	uint64_t invites;             /* new INVITEs received (from allowed sources) */
	uint64_t answered;            /* of those, answered 200 OK */
	uint64_t rejected[7];         /* of those, final answers by class: [3] .. [6] */
	uint64_t t38_sent;            /* our T.38 re-INVITEs (t38 = offer) */
	uint64_t t38_accepted;        /*   accepted by the peer: the media switched */
	uint64_t t38_refused;         /*   refused (488 and other failures; not 491) */
	uint64_t t38_peer;            /* the peer's re-INVITEs to T.38 we accepted */
	uint64_t refreshes;           /* re-INVITEs and UPDATEs that kept the media */
	uint64_t calls;               /* dialogs now: ringing, up or ending */
};

/* Any thread.  Everything zero for NULL. */
void sip_thread_stats(const struct sip_thread *t, struct sip_stats *out);
/* The same for settings->ports[i] only; -1 when there is no such port. */
int sip_thread_port_stats(const struct sip_thread *t, size_t i, struct sip_stats *out);

/* How many responses with this status (100..699) faxgwd's SIP thread sent,
 * including the ones nua sent for it (487 after CANCEL); 0 otherwise. */
uint64_t sip_thread_answers(const struct sip_thread *t, int status);
/* The same for a whole class: 1 (1xx) .. 6 (6xx). */
uint64_t sip_thread_answers_class(const struct sip_thread *t, int cls);

#endif
