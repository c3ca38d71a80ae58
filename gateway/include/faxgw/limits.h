/*
 * faxgw/limits.h - every buffer size and count cap in faxgw, in one place.
 *
 * Parsers of outside bytes (datagrams, control messages, config lines,
 * captures, routing data, SNMP SETs) check against these and refuse what
 * exceeds them with a clear error.
 */
#ifndef FAXGW_LIMITS_H
#define FAXGW_LIMITS_H

/* --- routing model (DESIGN.md section 4) --------------------------------- */
#define FGW_MAX_ROUTING_DATA     1024   /* bytes of per-port routing data */
#define FGW_GUID_LEN             38     /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */
#define FGW_MAX_NAME             128    /* friendly names, function names, port names */
#define FGW_MAX_PATH             1024   /* file system paths, extension image names */
#define FGW_MAX_IDENT            20     /* T.30 identifier (TSID/CSID), ITU-T T.30 5.3.6.2.4 */
#define FGW_MAX_ADDRESS          64     /* "[v6addr]:port" text form */
#define FGW_MAX_ERROR_TEXT       512    /* a reason or last-error message */
#define FGW_MAX_EXTENSIONS       64     /* routing extensions loaded at once */
#define FGW_MAX_METHODS          256    /* routing methods across all extensions */
#define FGW_MAX_METHODS_PER_EXT  32
#define FGW_MAX_PORTS            8192   /* ports in one configuration */
#define FGW_MAX_PORT_ID          2147483647u  /* port ids are 1..2^31-1 */
#define FGW_MAX_AUDIT_TEXT       2048   /* an audit old/new value as printable text */

/* --- configuration -------------------------------------------------------- */
#define FGW_MAX_CONFIG_LINE      4096   /* one line of the config file */
#define FGW_MAX_CONFIG_SIZE      (4u << 20) /* a whole config file */
#define FGW_MAX_CONFIG_ERRORS    100    /* errors reported before giving up */
#define FGW_MAX_SMTP_URL         1024   /* [mail] smtp-url */
#define FGW_MAX_MAIL_FROM        512    /* [mail] from: display name and address */
#define FGW_MAX_CREDENTIAL       256    /* [mail] username, password */
#define FGW_MAX_DURATION_MS      86400000u /* a duration in the config: 24 h */

/* --- control socket and wire protocol ------------------------------------ */
#define FGW_MAX_FRAME            (1u << 20) /* one control message, header included */
#define FGW_MAX_CLIENTS          256    /* control connections at once */
#define FGW_MAX_BATCH            256    /* changes in one fgw_set_routing_batch */
#define FGW_MAX_LIST             65536  /* entries in one enumeration reply */
#define FGW_MAX_AUDIT_QUERY      10000  /* audit entries returned by one query */
#define FGW_CLIENT_TIMEOUT_MS    5000   /* a client waits this long for a reply */
#define FGW_MAX_WIRE_STRING      8192   /* one text field of a control message */
#define FGW_MAX_ORIGIN           16     /* fgw_set_origin() name, e.g. "snmp" */
#define FGW_MAX_CLIENT_HANDLES   1024   /* port handles open on one connection */
#define FGW_MAX_CLIENT_OUTPUT    (4u << 20) /* bytes queued to one slow client */

/* --- routing jobs ---------------------------------------------------------- */
#define FGW_MAX_RETRY_ATTEMPTS   100
#define FGW_MAX_RUN_PROGRAM_SECS 60     /* Run program: time limit per attempt */
#define FGW_MAX_PROGRAM_OUTPUT   4096   /* Run program: bytes of output kept as message */
#define FGW_ROUTE_ATTEMPT_SECS   90     /* one routing attempt (worker process) */
#define FGW_MAX_ROUTING_INFLIGHT 16     /* jobs being routed at once */
#define FGW_MAX_BACKOFF_MS       86400000u /* retry back-off cap: 24 h */
#define FGW_CALL_SILENCE_MS      20000  /* a call ends after this long without a datagram */
#define FGW_MAX_DATAGRAMS_PER_EVENT 64  /* datagrams read per socket event */
#define FGW_MAX_MEDIA_THREADS    64     /* faxgwd's media threads (one per core) */
#define FGW_MAX_COMMIT_GROUP     64     /* received faxes committed to the spool together */
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
#define FGW_RTP_JITTER_SLOTS     16     /* 20 ms packets held for reordering */
#define FGW_SAMPLES_PER_TICK     160    /* 20 ms at 8 kHz */
#define FGW_TICK_MS              20

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
