/*
 * faxgw/routing.h - the routing extension ABI (version 1).
 *
 * A routing extension is a shared object in faxgwd's `extensions`
 * directory, the Linux counterpart of a Windows Fax Service routing
 * extension DLL.  faxgwd loads it with dlopen(RTLD_NOW | RTLD_LOCAL) and
 * calls its one required entry symbol, FGW_ROUTING_ENTRY_NAME:
 *
 *     int faxgw_routing_init(const struct fgw_route_host *host,
 *                            struct fgw_route_extension *ext,
 *                            char *err, size_t errlen);
 *
 * The entry checks host->abi_version (refuse with a message when it is not
 * FGW_ROUTING_ABI_VERSION), fills *ext (its friendly name and callbacks)
 * and registers each of its methods with host->register_method().  It
 * returns 0, or -1 with a reason in err; faxgwd then unloads it and
 * forgets every method it registered (full rollback).
 *
 * Each method's routing function is found with dlsym() by its function
 * name and has the type fgw_routing_fn.  Routing functions run in faxgwd's
 * router process, never in the process that handles calls; a routing
 * function that crashes or hangs costs only that attempt.
 *
 * validate, can_enable and device_change may do I/O: each call runs in a
 * worker process forked for it, never on faxgwd's control loop, and ends
 * with it (keep no state from these calls).  A change request whose calls
 * have not finished within 3 s (FGW_VALIDATE_SECS) is refused with
 * "validation did not finish within 3 s"; a device_change notice gets
 * 10 s.  A crash or a hang refuses the change, nothing more.
 *
 * Ownership: everything the host passes (fax, data, strings) is owned by
 * the host and valid only during the call; the extension copies what it
 * keeps.  Strings the extension registers must stay valid while it is
 * loaded (string literals are the normal case).
 */
#ifndef FAXGW_ROUTING_H
#define FAXGW_ROUTING_H

#include <stddef.h>
#include <stdint.h>
#include <faxgw/limits.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FGW_ROUTING_ABI_VERSION 1u
#define FGW_ROUTING_ENTRY_NAME "faxgw_routing_init"

/* What a routing function returns. */
typedef enum fgw_route_status {
	FGW_ROUTE_OK = 0,        /* routed */
	FGW_ROUTE_RETRY = 1,     /* failed, worth trying again later */
	FGW_ROUTE_FAIL = 2,      /* failed for good: dead-letter now */
} fgw_route_status;

/* A received fax (faxgwd(8), "Received faxes"), read-only. */
typedef struct fgw_fax {
	uint64_t job_id;
	uint32_t port_id;
	const char *port_name;
	const char *path;            /* TIFF Class F file in the spool */
	const char *remote_ident;    /* TSID, "" if none */
	const char *local_ident;     /* CSID */
	const char *caller_address;  /* "addr:port" of the peer */
	int64_t start_time;          /* Unix time */
	int64_t end_time;
	uint32_t pages;
	uint32_t x_resolution;       /* pixels per metre, as T.30 reports */
	uint32_t y_resolution;
	uint32_t bit_rate;
	int ecm;
	int t30_status;              /* spandsp T.30 result code */
	const char *t30_text;
	int partial;                 /* call lost mid-document */
	/* Page quality (added in faxgw 0.1 within ABI version 1: faxgwd
	 * always passes the whole struct; an extension built before never
	 * reads past `partial`).  A page with bad rows (rows the T.4 decoder
	 * could not decode; the row before was repeated in their place) is
	 * degraded.  All 0 / "" when every page arrived intact. */
	uint32_t degraded_pages;     /* pages with bad rows */
	uint32_t bad_rows;           /* bad rows over all pages */
	uint32_t longest_bad_run;    /* the longest run of consecutive bad rows */
	const char *degraded_list;   /* "2,5": the first FGW_MAX_DEGRADED_LIST
	                              * degraded pages' numbers, "" if none */
	/* A fax received over SIP (added within ABI version 1 as the page
	 * quality was: an extension built before never reads past
	 * degraded_list).  Outside bytes as the caller sent them (control
	 * characters already replaced): quote or sanitize before use.  ""
	 * when the fax came to a static port (and for older faxes). */
	const char *sip_call_id;     /* Call-ID */
	const char *sip_from;        /* the From URI */
	const char *sip_to;          /* the To URI */
	const char *sip_user_agent;  /* the caller's User-Agent */
	const char *transport;       /* "G.711 PCMU ptime 20", "T.38 v0, max datagram
	                              * 400, redundancy (after re-INVITE)", "T.38
	                              * (static port)"; "" for older faxes */
} fgw_fax;

/* Log levels for host->log. */
enum fgw_route_log_level { FGW_LOG_ERR = 3, FGW_LOG_WARNING = 4, FGW_LOG_INFO = 6,
                           FGW_LOG_DEBUG = 7 };

/* Services faxgwd offers to an extension. */
typedef struct fgw_route_host {
	uint32_t abi_version;        /* FGW_ROUTING_ABI_VERSION of the host */
	void *host;                  /* pass back as the first argument */
	const char *store_root;      /* [gateway] store-root */
	const char *exec_dir;        /* [gateway] exec-dir */
	const char *spool_dir;       /* [gateway] spool */
	/* Registers a method; returns 0, or -1 (bad GUID, duplicate, too many). */
	int (*register_method)(void *host, const char *guid, const char *function_name,
	                       const char *friendly_name);
	void (*log)(void *host, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* A key of a config section that belongs to methods ("mail", "http"):
	 * the raw text value, or NULL when the section or key is absent. */
	const char *(*config_value)(void *host, const char *section, const char *key);
} fgw_route_host;

/* Validates routing data for a port. Return 0, or -1 with a reason such as
 * "folder /srv/fax/x does not exist". */
typedef int (*fgw_route_validate_fn)(const fgw_route_host *host, const char *guid,
                                     uint32_t port_id, const void *data, size_t len,
                                     char *reason, size_t reasonlen);

/* What the entry symbol fills in. */
typedef struct fgw_route_extension {
	const char *friendly_name;
	/* Required: is this data acceptable for this method on this port? */
	fgw_route_validate_fn validate;
	/* Required: can the method be enabled with this data (missing data,
	 * a section of the config it needs)? */
	fgw_route_validate_fn can_enable;
	/* Optional: a method was enabled/disabled or its data changed. */
	void (*device_change)(const fgw_route_host *host, const char *guid, uint32_t port_id,
	                      int enabled, const void *data, size_t len);
	/* Optional: called before the extension is unloaded. */
	void (*shutdown)(const fgw_route_host *host);
	/* Optional: the routing data as anyone may see it, secrets (a
	 * password in a URL, say) masked.  Writes at most outcap bytes to out,
	 * sets *outlen and returns 1; returns 0 when the data hides nothing,
	 * -1 when it hides something that does not fit out masked (faxgwd
	 * then shows nothing of it).
	 * Runs in faxgwd's control loop: no I/O, no blocking.  faxgwd shows
	 * the redacted form to readers without modify rights, to relays such
	 * as faxgw-agent (SNMP) and in the audit log; a change that writes the
	 * redacted form back keeps the secret. */
	int (*redact)(const fgw_route_host *host, const char *guid, const void *data,
	              size_t len, void *out, size_t outcap, size_t *outlen);
} fgw_route_extension;

/* The entry symbol's type. */
typedef int (*fgw_routing_init_fn)(const fgw_route_host *host, fgw_route_extension *ext,
                                   char *err, size_t errlen);

/* A routing function (found by its function name). msg receives what
 * happened in words: the path written, the server's answer. */
typedef fgw_route_status (*fgw_routing_fn)(const fgw_route_host *host, const fgw_fax *fax,
                                           const void *data, size_t len, char *msg,
                                           size_t msglen);

#ifdef __cplusplus
}
#endif
#endif
