/*
 * faxgw/admin.h - libfaxgw, the faxgw administration API.
 *
 * Modelled on the Windows fax routing API (FaxConnectFaxServer,
 * FaxOpenPort, FaxEnumRoutingMethods, FaxGetRoutingInfo, FaxSetRoutingInfo,
 * FaxEnableRoutingMethod, FaxEnumGlobalRoutingInfo, FaxSetGlobalRoutingInfo,
 * FaxFreeBuffer, FaxClose), in C style.  It talks to faxgwd over its
 * Unix-domain control socket; it is the only user of the wire protocol.
 *
 * Return values: every call returns 0 (FGW_OK) or a negative FGW_E_* code.
 * fgw_strerror() names the code; fgw_last_error_message() gives the reason
 * that came with the last failure on a handle (for example the routing
 * extension's "folder /srv/fax/x does not exist").
 *
 * Ownership: every buffer that an enum or get call returns (through a
 * `T **out` argument) is one allocation holding the array and everything
 * its members point to; release it with fgw_free_buffer().  Handles are
 * released with fgw_close(); closing a server handle also closes the port
 * and subscription handles opened through it (their memory is released by
 * their own fgw_close, which stays valid to call).
 *
 * Threads: a handle must not be used by two threads at once.
 */
#ifndef FAXGW_ADMIN_H
#define FAXGW_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <faxgw/limits.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FGW_API __attribute__((visibility("default")))
#else
#define FGW_API
#endif

/* Error codes (one enum for the whole API). */
typedef enum fgw_error {
	FGW_OK = 0,
	FGW_E_INVAL = -1,          /* bad argument */
	FGW_E_NOMEM = -2,          /* out of memory */
	FGW_E_CONNECT = -3,        /* cannot reach faxgwd at the control socket */
	FGW_E_PROTOCOL = -4,       /* malformed or incompatible message */
	FGW_E_CLOSED = -5,         /* faxgwd closed the connection */
	FGW_E_TIMEOUT = -6,        /* faxgwd did not answer in time */
	FGW_E_ACCESS = -7,         /* access denied (group membership, QUERY handle) */
	FGW_E_BUSY = -8,           /* port already opened for MODIFY by another handle */
	FGW_E_NO_PORT = -9,        /* no such port */
	FGW_E_NO_METHOD = -10,     /* no such routing method (GUID) */
	FGW_E_BAD_DATA = -11,      /* the extension refused the routing data */
	FGW_E_NOT_ENABLEABLE = -12,/* cannot enable: routing data missing or invalid */
	FGW_E_TOO_BIG = -13,       /* over a limit of faxgw/limits.h */
	FGW_E_STORAGE = -14,       /* faxgwd could not persist the change */
	FGW_E_NO_JOB = -15,        /* no such routing job */
	FGW_E_HANDLE = -16,        /* wrong kind of handle for this call */
	FGW_E_STATE = -17,         /* not possible in the object's current state */
	FGW_E_INTERNAL = -18,      /* faxgwd failed unexpectedly */
	FGW_E_LIMIT = -19,         /* faxgwd's limit on connections reached; try later */
	FGW_E_BAD_DOCUMENT = -20,  /* not a sendable TIFF-F or PDF (the reason says why) */
	FGW_E_BAD_ADDRESS = -21,   /* not a number or sip: URI faxgwd can dial */
} fgw_error;
#define FGW_E_MIN FGW_E_BAD_ADDRESS

/* A server, port or subscription handle. */
typedef struct fgw_handle fgw_handle;

typedef enum fgw_transport {
	FGW_TRANSPORT_T38 = 1,
	FGW_TRANSPORT_AUDIO = 2,
	FGW_TRANSPORT_SIP = 3,        /* calls come by SIP ([sip] of faxgwd.conf(5)) */
} fgw_transport;

/* Same values as FAXGW-MIB faxPortState. */
typedef enum fgw_port_state {
	FGW_PORT_IDLE = 1,
	FGW_PORT_RECEIVING = 2,
	FGW_PORT_SENDING = 3,
	FGW_PORT_DISABLED = 4,
	FGW_PORT_FAILED = 5,
} fgw_port_state;

enum fgw_open_flags {
	FGW_PORT_OPEN_QUERY = 1,
	FGW_PORT_OPEN_MODIFY = 2,
};

/* FaxEnumPorts / FaxGetPort */
typedef struct fgw_port_info {
	uint32_t id;                  /* DeviceId; FAXGW-MIB faxPortIndex */
	const char *name;
	fgw_transport transport;
	const char *local_address;    /* "127.0.0.1:4000", "[::1]:4000" */
	const char *local_ident;      /* CSID */
	fgw_port_state state;
	uint64_t faxes_received;
	uint64_t pages_received;
	uint64_t faxes_failed;
	uint64_t routing_failures;
	const char *last_remote_ident;/* TSID of the last call, "" if none */
	uint32_t modify_held;         /* 1 while some handle has it open for MODIFY */
	uint64_t faxes_sent;          /* send jobs done on this port (every page confirmed) */
	uint64_t pages_sent;          /* pages the far end confirmed */
	uint64_t send_failures;       /* send jobs failed for good (after their retries) */
} fgw_port_info;

/* FaxEnumRoutingMethods (FAX_ROUTING_METHOD), plus faxgw's per-method state. */
typedef struct fgw_routing_method {
	uint32_t device_id;
	const char *device_name;
	int enabled;
	const char *guid;                    /* "{92041a90-9af2-11d0-abf7-00c04fd91a4e}" */
	const char *friendly_name;
	const char *function_name;
	const char *extension_image_name;    /* path of the .so */
	const char *extension_friendly_name;
	uint32_t method_index;               /* stable; FAXGW-MIB faxRoutingMethodIndex */
	uint32_t priority;                   /* 1 = runs first */
	uint64_t routed;                     /* faxes this method routed on this port */
	uint64_t failures;                   /* failed attempts on this port */
	const char *last_error;              /* "" if none */
} fgw_routing_method;

/* FaxEnumGlobalRoutingInfo (FAX_GLOBAL_ROUTING_INFO) */
typedef struct fgw_global_routing_info {
	uint32_t priority;                   /* the only field that can be changed */
	const char *guid;
	const char *friendly_name;
	const char *function_name;
	const char *extension_image_name;
	const char *extension_friendly_name;
	uint32_t method_index;
} fgw_global_routing_info;

/* One change of fgw_set_routing_batch(). */
typedef struct fgw_routing_change {
	uint32_t port_id;
	const char *guid;
	int set_enabled;          /* nonzero: apply `enabled` */
	int enabled;
	int set_data;             /* nonzero: replace the routing data with data/data_len */
	const void *data;
	size_t data_len;          /* at most FGW_MAX_ROUTING_DATA */
} fgw_routing_change;

typedef struct fgw_gateway_info {
	const char *version;
	uint32_t port_count;
	uint32_t active_calls;
	uint32_t spool_pending;       /* received faxes whose routing is not finished */
	uint32_t dead_letters;        /* jobs in spool/failed/ */
	uint32_t unrouted;            /* faxes received on ports with no enabled method */
	uint32_t extension_load_failures;
	uint64_t start_time;          /* Unix time faxgwd started */
} fgw_gateway_info;

/* SIP counters (faxgwd(8) SIP; FAXGW-MIB faxgwSip).  INVITEs are new
 * ones: re-INVITEs and UPDATEs count as T.38 switches or refreshes. */
typedef struct fgw_sip_stats {
	uint32_t running;             /* gateway: 1 while the SIP thread runs */
	uint32_t calls;               /* dialogs now: ringing, up or ending */
	uint64_t invites;             /* new INVITEs received */
	uint64_t answered;            /*   answered 200 OK */
	uint64_t rejected[7];         /*   final answers >= 300 by class: [3] .. [6] */
	uint64_t t38_sent;            /* faxgwd's T.38 re-INVITEs (t38 = offer) */
	uint64_t t38_accepted;        /*   the peer accepted: the fax went on over T.38 */
	uint64_t t38_refused;         /*   refused (488 or another failure; not 491) */
	uint64_t t38_peer;            /* the peer's re-INVITEs to T.38 accepted */
	uint64_t refreshes;           /* re-INVITEs and UPDATEs that kept the media */
} fgw_sip_stats;

/* One port with transport = sip. */
typedef struct fgw_sip_port {
	uint32_t port_id;
	uint32_t channels;            /* calls at once */
	const char *sip_users;        /* "5550100, 5550101"; "*" for every user */
	fgw_sip_stats stats;
} fgw_sip_port;

typedef struct fgw_extension_info {
	const char *image_name;       /* path of the .so */
	const char *friendly_name;    /* "" if it did not load */
	int loaded;                   /* 1 loaded, 0 failed */
	const char *error;            /* why it failed to load, "" if loaded */
	uint32_t method_count;
} fgw_extension_info;

typedef enum fgw_job_state {
	FGW_JOB_PENDING = 1,          /* waiting for its first or next attempt */
	FGW_JOB_ROUTING = 2,          /* an attempt is running */
	FGW_JOB_DONE = 3,             /* every enabled method succeeded */
	FGW_JOB_FAILED = 4,           /* dead-lettered, kept in spool/failed/ */
	FGW_JOB_UNROUTED = 5,         /* no method was enabled on the port */
	/* sending (direction FGW_DIR_SEND); DONE and FAILED end a send too */
	FGW_JOB_QUEUED = 6,           /* waiting for a channel or its next attempt */
	FGW_JOB_DIALING = 7,          /* INVITE sent, no answer yet */
	FGW_JOB_SENDING = 8,          /* answered: T.30 in progress */
	FGW_JOB_CANCELLED = 9,        /* fgw_cancel_job() before it was done */
} fgw_job_state;

typedef enum fgw_job_direction {
	FGW_DIR_RECEIVE = 1,          /* a fax received and routed */
	FGW_DIR_SEND = 2,             /* a fax submitted with fgw_send_document() */
} fgw_job_direction;

typedef struct fgw_job {
	uint64_t id;
	uint32_t port_id;
	fgw_job_state state;
	uint32_t attempts;
	uint64_t received_time;       /* Unix time */
	uint64_t next_attempt_time;   /* Unix time; 0 if none scheduled */
	uint32_t pages;
	int partial;
	const char *remote_ident;
	const char *path;             /* the fax file in the spool */
	const char *last_error;
	/* Page quality, as the receiver's T.4 decoder found it: a page with
	 * bad rows (rows that could not be decoded and were filled in with
	 * the row before) is degraded.  All 0 / "" when every page is intact
	 * (and for faxes received before faxgw recorded it). */
	uint32_t degraded_pages;      /* how many pages are degraded */
	uint32_t bad_rows;            /* bad rows over all pages */
	uint32_t longest_bad_run;     /* the longest run of consecutive bad rows */
	const char *degraded_list;    /* "2,5": the numbers of the first
	                               * FGW_MAX_DEGRADED_LIST degraded pages */
	fgw_job_direction direction;
	const char *to;               /* send: the number or sip: URI dialled; "" */
} fgw_job;

/* One routing method of a job (fgw_get_job), in current priority order. */
typedef struct fgw_job_method_result {
	const char *guid;
	const char *friendly_name;    /* "" when the method is not loaded now */
	fgw_job_state state;          /* PENDING (not yet succeeded), DONE, FAILED */
	uint32_t attempts;
	const char *last_error;       /* "" when none */
} fgw_job_method_result;

/* Everything known of one received fax (fgw_get_job).  The SIP fields are
 * "" for a fax received on a static port (and for faxes received before
 * faxgw recorded them); transport is "" for faxes received before. */
typedef struct fgw_job_info {
	fgw_job job;                  /* as fgw_enum_jobs() gives it */
	const char *port_name;
	const char *local_ident;      /* CSID */
	const char *caller;           /* the media address, "192.0.2.7:4000" */
	uint64_t start_time, end_time;/* Unix time of the call */
	uint32_t x_res, y_res;        /* pixels per metre */
	uint32_t bit_rate;
	int ecm;
	int t30_status;               /* spandsp's T30_ERR_*; 0: success */
	const char *t30_text;
	uint64_t finished_time;       /* when it became DONE/FAILED, 0 */
	const char *sip_call_id;
	const char *sip_from;         /* the From URI */
	const char *sip_to;           /* the To URI */
	const char *sip_user_agent;   /* the caller's User-Agent */
	const char *transport;        /* "G.711 PCMU ptime 20", "T.38 v0, max datagram
	                               * 400, redundancy (after re-INVITE)",
	                               * "T.38 (static port)" */
	size_t nmethods;
	fgw_job_method_result *methods;
	/* Sending (direction FGW_DIR_SEND; 0 / "" for received faxes): pages
	 * gives the pages the far end confirmed in the last attempt; the SIP
	 * final response of the last INVITE (200 once answered; 0: none yet);
	 * who submitted the job. */
	uint32_t document_pages;      /* pages of the document to send */
	uint32_t sip_status;
	const char *submitted_by;     /* "uid 1000 (alice)" */
} fgw_job_info;

/* A call in progress (fgw_enum_calls). */
typedef struct fgw_call {
	uint32_t port_id;
	uint32_t channel;             /* a sip port's channel, 0 on a static port */
	const char *port_name;
	const char *peer;             /* the media address */
	const char *transport;        /* as fgw_job_info's, current */
	const char *sip_call_id;      /* "" on a static port */
	const char *sip_from;
	uint32_t pages;               /* pages confirmed so far */
	uint64_t start_time;          /* Unix time */
} fgw_call;

typedef struct fgw_audit_entry {
	uint64_t id;
	uint64_t time;                /* Unix time */
	uint32_t uid;
	const char *who;              /* "uid 1000 (alice)" or "snmp (uid 998)" */
	const char *what;             /* "port 1 {92041a90-...} data" */
	const char *old_value;
	const char *new_value;
} fgw_audit_entry;

typedef enum fgw_event_type {
	FGW_EVENT_FAX_RECEIVED = 1,
	FGW_EVENT_RECEIVE_FAILED = 2,
	FGW_EVENT_ROUTING_SUCCEEDED = 3,
	FGW_EVENT_ROUTING_FAILED = 4,
	FGW_EVENT_ROUTING_DEAD_LETTERED = 5,
	FGW_EVENT_ROUTING_CHANGED = 6,
	FGW_EVENT_PORT_STATE_CHANGED = 7,
	FGW_EVENT_EXTENSION_LOAD_FAILED = 8,
	/* sending: job_id and port_id of the send job; text: the destination
	 * (QUEUED, DIALING), the pages and far end (DONE), or the reason
	 * (FAILED: for good when the job state is FAILED, else "retry in
	 * ...": a failed attempt that will be retried). */
	FGW_EVENT_SEND_QUEUED = 9,
	FGW_EVENT_SEND_DIALING = 10,
	FGW_EVENT_SEND_DONE = 11,
	FGW_EVENT_SEND_FAILED = 12,
} fgw_event_type;
#define FGW_EVENT_MASK(t) (1u << (t))
#define FGW_EVENT_ALL 0xffffffffu

typedef struct fgw_event {
	fgw_event_type type;
	uint64_t time;                /* Unix time */
	uint32_t port_id;             /* 0 if not about a port */
	const char *guid;             /* routing method, "" if none */
	uint64_t job_id;              /* 0 if none */
	int port_state;               /* for PORT_STATE_CHANGED */
	const char *text;             /* reason, remote ident, extension path... */
	int job_state;                /* SEND_*: the job's fgw_job_state after the event */
} fgw_event;

/* Names a code: "port busy (open for modification elsewhere)". Never NULL. */
FGW_API const char *fgw_strerror(int code);
/* The reason that came with the last failure on this handle, or "".
 * With NULL: the reason for this thread's last failed fgw_connect(). */
FGW_API const char *fgw_last_error_message(const fgw_handle *h);

/* FaxConnectFaxServer. socket_path NULL: -s is not known here, so
 * $FAXGW_SOCKET, else ./var/faxgw.sock when it exists, else
 * /run/faxgw/faxgw.sock (fgw_default_socket()). */
FGW_API int fgw_connect(const char *socket_path, fgw_handle **server);
FGW_API const char *fgw_default_socket(void);
/* Marks this connection's changes in the audit log with an origin such as
 * "snmp" (faxgw-agent); faxgwd still records the peer's uid. */
FGW_API int fgw_set_origin(fgw_handle *server, const char *origin);
/* How long each call through this server's connection (and its port
 * handles, and subscriptions opened afterwards) waits for faxgwd:
 * 1..FGW_CLIENT_TIMEOUT_MS ms; 0 restores FGW_CLIENT_TIMEOUT_MS.  A call
 * that runs out of time returns FGW_E_TIMEOUT and closes the connection
 * (later calls give FGW_E_CLOSED); a request it had sent may still be
 * carried out by faxgwd.  For a caller that must answer its own peers
 * quickly (faxgw-agent answers snmpd within a second). */
FGW_API int fgw_set_timeout(fgw_handle *server, int timeout_ms);
/* FaxClose: a server, port or subscription handle. NULL is fine. */
FGW_API int fgw_close(fgw_handle *h);
/* FaxFreeBuffer. NULL is fine. */
FGW_API void fgw_free_buffer(void *buffer);

FGW_API int fgw_get_gateway_info(fgw_handle *server, fgw_gateway_info **info);
/* SIP: the gateway's counters into *gateway (all zero, running 0, when
 * faxgwd has no [sip] section) and one entry per sip port in *ports (NULL
 * when *n is 0; fgw_free_buffer()). */
FGW_API int fgw_get_sip_info(fgw_handle *server, fgw_sip_stats *gateway, fgw_sip_port **ports,
                             size_t *n);
FGW_API int fgw_enum_ports(fgw_handle *server, fgw_port_info **ports, size_t *n);
FGW_API int fgw_enum_extensions(fgw_handle *server, fgw_extension_info **ext, size_t *n);

/* FaxOpenPort: flags FGW_PORT_OPEN_QUERY or FGW_PORT_OPEN_MODIFY. Only one
 * MODIFY handle per port at a time (FGW_E_BUSY); MODIFY needs the admin
 * group. */
FGW_API int fgw_open_port(fgw_handle *server, uint32_t port_id, int flags,
                          fgw_handle **port);
FGW_API int fgw_get_port(fgw_handle *port, fgw_port_info **info);

FGW_API int fgw_enum_routing_methods(fgw_handle *port, fgw_routing_method **methods,
                                     size_t *n);
/* *data is NUL-terminated for convenience (not counted in *len). */
FGW_API int fgw_get_routing_info(fgw_handle *port, const char *guid, void **data,
                                 size_t *len);
FGW_API int fgw_set_routing_info(fgw_handle *port, const char *guid, const void *data,
                                 size_t len);
FGW_API int fgw_enable_routing_method(fgw_handle *port, const char *guid, int enabled);

FGW_API int fgw_enum_global_routing_info(fgw_handle *server,
                                         fgw_global_routing_info **info, size_t *n);
/* Changes info->priority of the method info->guid; the others move to keep
 * priorities 1..n a permutation. */
FGW_API int fgw_set_global_routing_info(fgw_handle *server,
                                        const fgw_global_routing_info *info);

/* All-or-nothing; on failure *failed_index names the refused change
 * (n when the failure was not about one change). Needs the admin group;
 * a port held for MODIFY by another handle gives FGW_E_BUSY. */
FGW_API int fgw_set_routing_batch(fgw_handle *server, const fgw_routing_change *changes,
                                  size_t n, size_t *failed_index);

/* Routing jobs (failed_only: only the dead-lettered ones), in ascending id
 * order, at most FGW_MAX_LIST of them: the call fetches page after page
 * (fgw_enum_jobs_page) and gives FGW_E_TOO_BIG when there are more; list
 * a long history with fgw_enum_jobs_page().  *jobs (NULL when *n is 0):
 * fgw_free_buffer(). */
FGW_API int fgw_enum_jobs(fgw_handle *server, int failed_only, fgw_job **jobs, size_t *n);
/* One page of routing jobs, newest first (descending id): the jobs with
 * an id below cursor (0: start with the newest), at most max of them
 * (0 or above FGW_MAX_JOBS_PAGE: FGW_MAX_JOBS_PAGE; faxgwd may send fewer
 * when the jobs' texts are long).  *next_cursor is the
 * cursor of the following page, 0 when this was the last.  Walking from 0
 * to the end returns each job that existed at the start, and was not
 * deleted meanwhile, exactly once; jobs received during the walk are newer
 * than the cursor and are not returned.  *jobs (NULL when *n is 0) is one
 * block: fgw_free_buffer().  A faxgwd older than this call answers
 * FGW_E_PROTOCOL and closes the connection. */
FGW_API int fgw_enum_jobs_page(fgw_handle *server, int failed_only, uint64_t cursor,
                               uint32_t max, fgw_job **jobs, size_t *n,
                               uint64_t *next_cursor);
FGW_API int fgw_retry_job(fgw_handle *server, uint64_t job_id);
/* One job with everything known of it (metadata, T.30 result, SIP
 * identities, per-method results): *job is one block, fgw_free_buffer().
 * FGW_E_NO_JOB when there is no such job (or its record expired); a
 * faxgwd older than this call answers FGW_E_PROTOCOL. */
FGW_API int fgw_get_job(fgw_handle *server, uint64_t job_id, fgw_job_info **job);
/* The calls in progress, in port and channel order: *calls (NULL when *n
 * is 0) is one block, fgw_free_buffer().  Fetched page after page; at most
 * FGW_MAX_LIST.  A faxgwd older than this call answers FGW_E_PROTOCOL. */
FGW_API int fgw_enum_calls(fgw_handle *server, fgw_call **calls, size_t *n);
/* The newest `max` audit entries (0 or above FGW_MAX_AUDIT_QUERY:
 * FGW_MAX_AUDIT_QUERY), oldest first; fetched page after page
 * (fgw_enum_audit_page).  *entries (NULL when *n is 0): fgw_free_buffer(). */
FGW_API int fgw_enum_audit(fgw_handle *server, uint32_t max, fgw_audit_entry **entries,
                           size_t *n);
/* One page of the audit log, newest first, as fgw_enum_jobs_page(): the
 * entries with an id below cursor (0: the newest), at most max (0 or
 * above FGW_MAX_AUDIT_PAGE: FGW_MAX_AUDIT_PAGE; faxgwd may send fewer when
 * the entries are long), *next_cursor 0 after the last page.  *entries
 * (NULL when *n is 0) is one block: fgw_free_buffer(). */
FGW_API int fgw_enum_audit_page(fgw_handle *server, uint64_t cursor, uint32_t max,
                                fgw_audit_entry **entries, size_t *n,
                                uint64_t *next_cursor);

/* FaxSendDocument: queues `path` (a TIFF Class F, or a PDF that faxgwd
 * renders to fax resolution) to be faxed to `to` (a number, dialled
 * through [sip] outbound-proxy, or a whole sip:/sips: URI) from port_id
 * (a sip port; 0: the first sip port).  The file is read here, with the
 * caller's rights, and passed over the control socket; faxgwd checks it
 * (FGW_E_BAD_DOCUMENT with the reason: not a TIFF or PDF, empty, a page
 * of a width a fax cannot carry, over FGW_MAX_SEND_PAGES pages or
 * FGW_MAX_SEND_BYTES bytes) before it answers, and the job is durable
 * from the moment this returns 0 with *job_id.  `to` with control
 * characters, spaces or no digits: FGW_E_BAD_ADDRESS.  Needs the admin
 * group or the send-group.  options may be NULL (defaults). */
typedef struct fgw_send_options {
	const char *local_ident;      /* our TSI; NULL or "": the port's local-ident */
	uint32_t reserved[4];         /* zero */
} fgw_send_options;
FGW_API int fgw_send_document(fgw_handle *server, uint32_t port_id, const char *to,
                              const char *path, const fgw_send_options *options,
                              uint64_t *job_id);
/* Cancels a send job that is queued, dialing or sending (a call in
 * progress is hung up; pages already confirmed stay confirmed).
 * FGW_E_NO_JOB: no such send job; FGW_E_STATE: it already ended. */
FGW_API int fgw_cancel_job(fgw_handle *server, uint64_t job_id);

/* Events: opens a subscription handle (its own connection) for the event
 * types in mask (FGW_EVENT_MASK(t) | ..., or FGW_EVENT_ALL).  A new
 * subscriber to FGW_EVENT_EXTENSION_LOAD_FAILED first receives the load
 * failures of faxgwd's start-up. */
FGW_API int fgw_subscribe(fgw_handle *server, uint32_t mask, fgw_handle **sub);
/* A descriptor that becomes readable when an event may be waiting.
 * Events already read from it are buffered in the handle and do not make
 * it readable again: after fgw_subscribe() and after each wake-up, call
 * fgw_read_event(sub, &ev, 0) until it returns FGW_E_TIMEOUT. */
FGW_API int fgw_event_fd(const fgw_handle *sub);
/* Waits up to timeout_ms (0: poll, -1: forever) for the next event.
 * Returns 0 and *ev (free with fgw_free_buffer), FGW_E_TIMEOUT when none
 * came, or FGW_E_CLOSED when faxgwd went away. */
FGW_API int fgw_read_event(fgw_handle *sub, fgw_event **ev, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
