/*
 * faxgw/limits.h - the caps of faxgw's public interfaces: the routing
 * model (sizes of GUIDs, names, routing data) and the control protocol
 * that libfaxgw speaks (message and list sizes, the client's timeout).
 *
 * An API call that exceeds one of these fails with FGW_E_TOO_BIG.  The
 * daemon's internal caps (configuration, media, capture analysis,
 * threads) are not part of the interface (faxgwd(8), faxgwd.conf(5) and
 * docs/internals.md in the source say where they apply).
 */
#ifndef FAXGW_LIMITS_H
#define FAXGW_LIMITS_H

/* --- routing model (faxgw-routing(3)) --------------------------------- */
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
#define FGW_MAX_DEGRADED_LIST    16     /* page numbers of a fax's degraded pages listed
					   (fgw_job.degraded_list; the count goes on) */

/* --- control socket and wire protocol ------------------------------------ */
#define FGW_MAX_FRAME            (1u << 20) /* one control message, header included */
#define FGW_MAX_BATCH            256    /* changes in one fgw_set_routing_batch */
#define FGW_MAX_LIST             65536  /* entries in one enumeration reply */
#define FGW_MAX_AUDIT_QUERY      10000  /* audit entries returned by one query */
#define FGW_MAX_JOBS_PAGE        1000   /* jobs in one page of fgw_enum_jobs_page() */
#define FGW_MAX_AUDIT_PAGE       1000   /* entries in one page of fgw_enum_audit_page() */
#define FGW_CLIENT_TIMEOUT_MS    5000   /* a client waits this long for a reply */
#define FGW_MAX_WIRE_STRING      8192   /* one text field of a control message */
#define FGW_MAX_SEND_PAGES       500    /* pages of one document to send */
#define FGW_MAX_SEND_BYTES       (64u << 20) /* bytes of one document to send (TIFF or PDF) */
#define FGW_MAX_SEND_TO          256    /* a destination: number or sip: URI */
#define FGW_SEND_CHUNK           (512u << 10) /* document bytes in one control message */
#define FGW_SEND_COMMIT_TIMEOUT_MS 180000 /* ms fgw_send_document waits for faxgwd to check (render) a document */
#define FGW_MAX_ORIGIN           16     /* fgw_set_origin() name, e.g. "snmp" */

#endif
