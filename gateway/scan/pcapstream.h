/*
 * pcapstream.h - fax calls out of a packet capture: finds the T.38 (UDPTL)
 * and G.711 (RTP) streams, decodes both directions of each call passively
 * and reports what happened (t30scan.h) with the pages rebuilt into TIFF.
 *
 * Two passes over the capture (capture.h):
 *   1. discovery: SIP messages with SDP bodies (RFC 3261, RFC 4566; T.38
 *      attributes of ITU-T T.38 Annex D / RFC 3362 media type image/t38)
 *      name the T.38 and audio ports; every UDP flow is also classified by
 *      structure: datagrams that udptl_decode() accepts, or RTP version 2
 *      packets of payload type 0 / 8 carrying a whole number of ms of
 *      G.711, 10..60 (80..480 bytes in steps of 8: any SDP a=ptime; the
 *      size may change within a flow);
 *   2. decoding: T.38 datagrams go through the UDPTL receiving stream
 *      (udptl.h, redundancy and FEC recovery) and spandsp's IFP parser
 *      (t38_core) into the call's observer; G.711 datagrams go through the
 *      RTP receiving stream (rtp.h), which places the samples of packets of
 *      any ptime by timestamp and hands out 20 ms frames, into a modem bank
 *      (faxdemod.h).  With no clock but the packets, each packet's samples
 *      are played out as they come, in whole frames.
 *
 * Stream pairs are decoded FGW_CAPTURE_BATCH at a time, one more pass over
 * the file per batch, so a trunk capture with thousands of voice calls
 * holds the state of a few dozen at once; audio pairs without any fax
 * signal keep no decoder result.
 *
 * Ownership: pcapstream_run() returns a report the caller releases with
 * pcapstream_report_free() (NULL is fine).
 */
#ifndef FAXGW_MEDIA_PCAPSTREAM_H
#define FAXGW_MEDIA_PCAPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "capture.h"
#include "t30scan.h"
#include "udptl.h"

enum pcapstream_kind { PCAPSTREAM_T38, PCAPSTREAM_AUDIO };

struct pcapstream_call {
	enum pcapstream_kind kind;
	struct capture_endpoint ep[2];     /* direction 0: ep[0] -> ep[1] */
	bool from_sdp;                     /* announced in SDP (else found by structure) */
	int t38_version;                   /* T.38: version used to parse IFPs */
	const char *ec;                    /* T.38: "redundancy", "FEC", "none" (as seen) */
	int codec;                         /* audio: 0 PCMU, 8 PCMA */
	uint64_t first_us, last_us;
	uint64_t datagrams[2];
	struct udptl_rx_stats udptl[2];    /* T.38, per direction */
	uint64_t rtp_lost[2];              /* audio: frames missing */
	bool hostile;
	char hostile_why[FGW_MAX_ERROR_TEXT];
	char tiff[FGW_MAX_PATH];           /* pages file name ("" when none written) */
	struct t30scan *scan;              /* owned; NULL for audio streams without fax signals */
	const struct t30scan_result *res;  /* = t30scan_result(scan) after the run, or NULL */
};

struct pcapstream_report {
	struct capture_stats stats;
	int link;
	bool read_error;                   /* the file is damaged past some point */
	char read_err[FGW_MAX_ERROR_TEXT];
	uint64_t sip_messages;
	uint64_t flows;
	uint64_t flows_dropped;            /* beyond FGW_CAPTURE_MAX_FLOWS: not examined */
	size_t n_calls;                    /* stream pairs examined (fax or not) */
	struct pcapstream_call *calls;     /* [n_calls], owned */
	size_t calls_dropped;              /* beyond FGW_CAPTURE_MAX_CALLS */
};

struct pcapstream_opts {
	const char *out_dir;               /* pages go to DIR/<name>-<n>.tif; NULL: none written */
	const char *name;                  /* file name stem; NULL: "fax" */
};

/* Runs both passes.  Returns 0 with *out set, or -1 when the capture cannot
 * be opened at all (reason in err; *out NULL).  A capture damaged after
 * some frames still gives a report, with read_error set. */
int pcapstream_run(const char *path, const struct pcapstream_opts *o,
		   struct pcapstream_report **out, char *err, size_t errlen);
void pcapstream_report_free(struct pcapstream_report *r);

#endif
