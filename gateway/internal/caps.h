/*
 * caps.h - faxgw's internal caps: every buffer size and count of the
 * daemon, the routing extensions it ships, the media layer and the
 * capture analysis that is not part of a public interface (those are in
 * faxgw/limits.h, included here).  Not installed.
 *
 * Parsers of outside bytes (datagrams, control messages, config lines,
 * captures, routing data, SNMP SETs) check against these and refuse what
 * exceeds them with a clear error.
 */
#ifndef FAXGW_CAPS_H
#define FAXGW_CAPS_H

#include <faxgw/limits.h>

/* --- configuration -------------------------------------------------------- */
#define FGW_MAX_CONFIG_LINE      4096   /* one line of the config file */
#define FGW_MAX_CONFIG_SIZE      (4u << 20) /* a whole config file */
#define FGW_MAX_CONFIG_ERRORS    100    /* errors reported before giving up */
#define FGW_MAX_SMTP_URL         1024   /* [mail] smtp-url */
#define FGW_MAX_MAIL_FROM        512    /* [mail] from: display name and address */
#define FGW_MAX_CREDENTIAL       256    /* [mail] username, password */
#define FGW_MAX_DURATION_MS      86400000u /* a duration in the config: 24 h */
#define FGW_MAX_PERIOD_S         (3650ull * 86400) /* history, retention: 10 years */
#define FGW_MAX_ALLOW            32     /* prefixes in one `allow` list (a port's) */

/* --- control socket: the server side ------------------------------------ */
#define FGW_MAX_CLIENTS          256    /* control connections at once */
#define FGW_MAX_CLIENT_HANDLES   1024   /* port handles open on one connection */
#define FGW_MAX_CLIENT_OUTPUT    (4u << 20) /* bytes queued to one slow client */
#define FGW_CONTROL_RESERVED     32     /* of FGW_MAX_CLIENTS, kept for root and admin-group */
#define FGW_MAX_CLIENTS_PER_UID  32     /* connections of one other uid at once */
#define FGW_CONTROL_OUTPUT_BUDGET (32u << 20) /* bytes queued to all clients together */
#define FGW_CONTROL_IDLE_MS      300000 /* an unprivileged connection with no request
					   and no subscription is closed after this */
#define FGW_CONTROL_LOG_EVERY_S  10     /* refused connections are logged at most this often */

/* --- extension calls off the loop (extcall.h, core_apply_start) ---------- */
#define FGW_VALIDATE_SECS        3      /* a routing change request: its validate and
					   can_enable calls, waiting included; then it is
					   refused, so the client hears why before its own
					   FGW_CLIENT_TIMEOUT_MS */
#define FGW_DEVICE_CHANGE_SECS   10     /* one device_change notice (worker process) */
#define FGW_MAX_NOTICE_WORKERS   8      /* device_change notices running at once; more
					   are logged and dropped */
_Static_assert(FGW_VALIDATE_SECS * 1000 + 1000 <= FGW_CLIENT_TIMEOUT_MS,
	       "a refused validation must reach the client before it gives up");

/* --- routing jobs ---------------------------------------------------------- */
#define FGW_MAX_RETRY_ATTEMPTS   100
#define FGW_MAX_RUN_PROGRAM_SECS 60     /* Run program: time limit per attempt */
#define FGW_MAX_PROGRAM_OUTPUT   4096   /* Run program: bytes of output kept as message */
#define FGW_ROUTE_ATTEMPT_SECS   90     /* one routing attempt (worker process) */
#define FGW_SEND_PREPARE_MS      120000 /* checking a document to send, rendering a PDF (senddoc.h) */
/* the document check of a send (senddoc.c, in the router's worker) */
#define SENDDOC_MAX_ROWS         32768  /* rows of one page (2.1 m at 15.4 lines/mm) */
#define SENDDOC_MAX_TILE_WIDTH   4096   /* a tiled page's tile width */
#define SENDDOC_TIFF_MAX_ALLOC   (64 << 20) /* libtiff's largest single allocation */
#define SENDDOC_PDFINFO_MS       20000  /* counting a PDF's pages */
#define SENDDOC_RENDER_MS        FGW_SEND_PREPARE_MS /* rendering a PDF (the router's
					   worker has the same limit, and ends first) */
#define SENDDOC_MAX_TOOL_OUTPUT  4096   /* bytes of pdfinfo's or gs's output kept */
#define SENDDOC_MAX_RENDER_BYTES (1ull << 30) /* gs's output file (RLIMIT_FSIZE) */
#define SENDDOC_MAX_TOOL_MEMORY  (2ull << 30) /* gs's and pdfinfo's address space */
#define FGW_MAX_ROUTING_INFLIGHT 16     /* jobs being routed at once */
#define FGW_MAX_BACKOFF_MS       86400000u /* retry back-off cap: 24 h */
#define FGW_CALL_SILENCE_MS      20000  /* a call ends after this long without a datagram */
/* A static port without signalling is claimed by the first well-formed
 * datagram (claim.h); until its sender proves to be a live fax endpoint: */
#define FGW_CLAIM_T30_MS         5000   /* no T.30 signal from the peer by then (T.38: an
					   indicator other than no-signal, or data; audio:
					   CNG, V.21 flags or a T.30 frame): the call ends
					   as "no fax" and the port is free.  A calling fax
					   sends CNG at once (T.30 5.2: 0.5 s every 3.5 s) */
#define FGW_CLAIM_TX_CAP         8      /* datagrams sent to a peer before its second
					   well-formed datagram with another sequence
					   number: our first T.38 indicators (no-signal x3
					   and CED x3) fit, a reflector gets no more */
#define FGW_MAX_DATAGRAMS_PER_EVENT 64  /* datagrams read per socket event */
#define FGW_MAX_MEDIA_THREADS    64     /* faxgwd's media threads (one per core) */
#define FGW_MAX_COMMIT_GROUP     64     /* received faxes committed to the spool together */
#define FGW_MAX_SIDECAR          4096   /* bytes of a reception's tmp/NAME.meta (spool_sidecar.h) */
#define FGW_MAX_RX_PAGES         100000 /* pages of one received fax a sidecar may claim */
#define FGW_MAX_DEGRADED_TEXT    (FGW_MAX_DEGRADED_LIST * 12) /* "2,5,7": the page numbers
					   of a fax's first degraded pages (spool.h) */
#define FGW_MAX_DEGRADED_DETAIL  (FGW_MAX_DEGRADED_LIST * 40) /* "2:280/110/60 5:...": those
					   pages' rows/bad rows/longest bad run */
#define FGW_MMAP_THRESHOLD       (64 * 1024) /* faxgwd's allocations this big get their own
					   mapping (a page buffer: faxgwd(8), ENVIRONMENT) */
#define FGW_MAX_MAIL_RCPT        32     /* Route through e-mail: recipients per port */
#define FGW_MAX_MAIL_TIMEOUT_S   300    /* Route through e-mail: whole SMTP transaction */
#define FGW_MAX_URL              1024   /* Post to URL: the URL (routing data) */
#define FGW_MAX_PDF_SIZE         (64u << 20) /* a PDF made from a fax, in memory */
#define FGW_MAX_PDF_PAGES        1000   /* pages converted from one TIFF */
#define FGW_MAX_PAGE_COLUMNS     8192   /* pixels per fax row (T.4 max is 4864) */
#define FGW_MAX_PAGE_ROWS        65536  /* rows of one fax page */

/* --- media: UDPTL (ITU-T T.38 Annex A...) and RTP (RFC 3550) -------------- */
#define FGW_MAX_DATAGRAM         1500   /* UDP payload accepted on a port */
#define FGW_MAX_IFP              1024   /* one T.38 IFP packet */
#define FGW_MAX_UDPTL_SECONDARY  16     /* redundant IFPs per UDPTL packet */
#define FGW_MAX_UDPTL_FEC_ENTRIES 16    /* FEC entries per UDPTL packet */
#define FGW_MAX_UDPTL_FEC_SPAN   16     /* FEC span */
#define FGW_UDPTL_WINDOW         64     /* sequence numbers kept for recovery/dup checks */
#define FGW_UDPTL_RING           8192   /* bytes of IFPs a stream of page data keeps (a
					   power of two): the whole window while IFPs are
					   <= 128 bytes */
#define FGW_UDPTL_CTRL_RING      1024   /* the same for a stream of T.30 control only (the
					   send side of a reception): 64 IFPs of 16 bytes */
#define FGW_RTP_JITTER_SLOTS     16     /* 20 ms frames held for reordering: the receive
					   window ahead of play-out, whatever the ptime */
#define FGW_SAMPLES_PER_TICK     160    /* 20 ms at 8 kHz */
#define FGW_TICK_MS              20
#define FGW_RTP_MIN_PTIME        10     /* ms of G.711 per RTP packet (SDP a=ptime) */
#define FGW_RTP_MAX_PTIME        60
#define FGW_RTP_SAMPLES_PER_MS   8      /* G.711 RTP clock: 8 kHz (RFC 3551 4.5.14) */
#define FGW_RTP_MAX_SAMPLES      (FGW_RTP_MAX_PTIME * FGW_RTP_SAMPLES_PER_MS)
					/* 480: most samples (bytes) one G.711 packet
					   received or sent may carry */
#define FGW_RTP_RING_SAMPLES     4096   /* G.711 samples a receiver keeps, indexed by RTP
					   timestamp modulo this (a power of two, so the
					   index survives the timestamp's wrap): the window
					   of FGW_RTP_JITTER_SLOTS x 20 ms = 2560 samples
					   plus the jitter delay it may step back (<= half
					   the window) */
#define FGW_RTP_TX_QUEUE         (FGW_RTP_MAX_SAMPLES + FGW_SAMPLES_PER_TICK)
					/* samples a sender holds: less than one packet
					   left over plus the 20 ms tick just queued */

/* --- SIP and SDP (gateway/sip/): offers parsed by sdp.c (RFC 4566) ------- */
#define FGW_SDP_MAX_BODY         8192   /* bytes of one SDP body (offers are ~300-900) */
#define FGW_SDP_MAX_LINE         1024   /* bytes of one SDP line, without its CRLF/LF */
#define FGW_SDP_MAX_MEDIA        8      /* m= lines of one session description */
#define FGW_SDP_MAX_FORMATS      32     /* formats on one m= line */
#define FGW_SDP_MAX_ATTRS        64     /* a= lines at session level or in one m= section */
#define FGW_SDP_MAX_TOKEN        32     /* media type, proto, format, o= fields kept as text */
#define FGW_SDP_MAX_ADDR_TEXT    46     /* a numeric IPv4/IPv6 address as text, with NUL */
#define FGW_SDP_MAX_CODECS       4      /* laws in a port's `codecs` list */
#define FGW_SDP_MAX_WARNING      128    /* the Warning text of a 488 */
#define FGW_SDP_PTIME_MIN_MS     10     /* G.711 packet times answered: 10..60 ms */
#define FGW_SDP_PTIME_MAX_MS     60
#define FGW_SDP_PTIME_DEFAULT_MS 20     /* RFC 3551 4.5: no a=ptime means 20 ms */
#define FGW_T38_FAR_DATAGRAM_DEFAULT 400 /* the peer's T38FaxMaxDatagram when missing,
					   0 or above the next cap (as Asterisk does) */
#define FGW_T38_FAR_DATAGRAM_MAX 1400   /* larger values are not believed */
#define FGW_T38_OUR_DATAGRAM_MIN 72     /* t38-max-datagram: Cisco's smallest */
#define FGW_T38_OUR_DATAGRAM_DEFAULT 400 /* t38-max-datagram when not set */

/* --- SIP signalling (gateway/sip/sip_thread.c, [sip] of faxgwd.conf(5)) --- */
#define FGW_MAX_SIP_LISTEN       2      /* transports/addresses in [sip] listen: nua of
					   sofia-sip 1.12.11 binds two (NUTAG_URL and
					   NUTAG_SIPS_URL) */
#define FGW_MAX_SIP_USERS        32     /* request-URI users in one port's sip-user */
#define FGW_MAX_SIP_USER         64     /* bytes of one sip-user, with its NUL */
#define FGW_MAX_SIP_USERS_TEXT   (FGW_MAX_SIP_USERS * (FGW_MAX_SIP_USER + 2)) /* a port's
					   sip-user list as text ("a, b") */
#define FGW_MAX_SIP_URI          256    /* outbound-proxy, from, a listen URL */
#define FGW_MAX_SIP_IDENT        128    /* Call-ID, From, To, User-Agent kept of a call
					   (longer ones are cut) */
#define FGW_MAX_TRANSPORT_TEXT   96     /* a call's transport as text: "T.38 v0, max
					   datagram 400, redundancy (after re-INVITE)" */
#define FGW_SIP_MAX_ANSWER       2048   /* bytes of one SDP body we write */
#define FGW_SIP_GLARE_MAX_MS     2000   /* a 491 on our re-INVITE: retry after 0..this
					   (RFC 3261 14.1, we do not own the Call-ID) */
#define FGW_MAX_SIP_CALLS        10000  /* [sip] max-calls: calls at once, all ports */
#define FGW_SIP_DEFAULT_CALLS    1024   /* [sip] max-calls when not set */
#define FGW_MAX_SIP_CHANNELS     1024   /* a sip port's channels */
#define FGW_SIP_DIAL_MS          60000  /* a sent INVITE waits this long for its final answer */
#define FGW_MAX_SEND_PREPARING   16     /* documents the router checks at once (sendq.h) */
#define FGW_SEND_NOCHAN_MS       2000   /* a send job waits this long when no channel was free */
#define FGW_SEND_DISPATCH_MAX    64     /* send jobs dialled per look at the queue */
#define FGW_SIP_RING_MS          500    /* 180 Ringing before the final answer (a CANCEL
					   in that window gets 487) */
#define FGW_SIP_RETRY_AFTER_S    5      /* Retry-After of a 503 (max-calls, draining) */
#define FGW_SIP_MAX_MESSAGE      65536  /* bytes of one SIP message (NTATAG_MAXSIZE) */
#define FGW_SIP_MAX_PROCEEDING   1024   /* server transactions being answered at once */
#define FGW_SIP_SHUTDOWN_MS      5000   /* nua_shutdown: wait for nua_r_shutdown */
#define FGW_DRAIN_MS             60000  /* SIGTERM: calls in progress may finish this long */
#define FGW_DRAIN_POLL_MS        200    /* how often draining looks whether they have */
#define FGW_SIP_START_MS         5000   /* the SIP thread: wait for its listeners */

/* --- faxpcap: packet captures (capture.h, pcapstream.h, t30scan.h) -------- */
#define FGW_CAPTURE_MAX_VLAN     4      /* stacked 802.1Q / QinQ tags */
#define FGW_CAPTURE_MAX_IP6_EXT  8      /* IPv6 extension headers skipped */
#define FGW_CAPTURE_FRAG_SLOTS   32     /* IP datagrams being reassembled at once */
#define FGW_CAPTURE_MAX_REASM    16384  /* bytes of one reassembled IP payload */
#define FGW_CAPTURE_FRAG_TTL_US  30000000u /* a partial datagram is dropped after 30 s */
#define FGW_CAPTURE_MAX_FLOWS    32768  /* UDP flows (one direction each) tracked */
#define FGW_CAPTURE_MAX_TRIALS   1024   /* flows whose T.38 version is tried both ways */
#define FGW_CAPTURE_MAX_SDP      64     /* SDP media descriptions remembered (latest) */
#define FGW_CAPTURE_MAX_CALLS    4096   /* T.38 and G.711 stream pairs examined */
#define FGW_CAPTURE_BATCH        64     /* stream pairs decoded per pass over the capture */
#define FGW_T30SCAN_MAX_FRAMES   400    /* T.30 frames logged per call */
#define FGW_T30SCAN_MAX_HDLC     300    /* bytes of one T.30 / ECM HDLC frame */
#define FGW_T30SCAN_MAX_PAGE     (8u << 20) /* bytes of coded image data per page */
#define FGW_T30SCAN_MAX_PAGES    1000   /* pages decoded per call */

#endif
