/*
 * wire.h - the faxgw control protocol: one codec for faxgwd and libfaxgw.
 *
 * A frame is a 14-byte header and a body, all integers big-endian:
 *
 *   offset 0  u8  'F'                 magic
 *          1  u8  'G'
 *          2  u8  WIRE_VERSION        protocol version
 *          3  u8  0                   flags (must be zero)
 *          4  u16 type                enum wire_type
 *          6  u32 request id          echoed in the reply; 0 for events
 *         10  u32 body length         header + body <= FGW_MAX_FRAME
 *
 * Body fields are typed by position (the message type fixes the layout):
 * u8, u16, u32, u64, a string (u16 length + bytes, no NUL inside, at most
 * FGW_MAX_WIRE_STRING), a byte string (u16 length + bytes, at most
 * FGW_MAX_ROUTING_DATA) and a document chunk (u32 length + bytes,
 * 1..FGW_SEND_CHUNK; only in WIRE_SEND_DATA).  A body must be consumed
 * exactly: a short field or trailing bytes make the frame malformed
 * (FGW_E_PROTOCOL).
 *
 * Records grow at their end: version 3 appended faxes_sent, pages_sent
 * and send_failures to fgw_port_info; direction (u8) and to (S) to
 * fgw_job; document_pages, sip_status (u32 each) and submitted_by (S) to
 * fgw_job_info, after its method results; job_state (u32) to fgw_event.
 *
 * Encoding uses a growable writer with a hard cap (FGW_MAX_FRAME) whose
 * errors are sticky: put calls after a failure do nothing, and
 * wire_finish() reports the first failure.  Decoding uses a reader that
 * carries the remaining length; its errors are sticky too.
 *
 * Lists and single records of replies decode into ONE malloc'd block
 * holding the array and every string it points to (free() releases it;
 * this is what fgw_free_buffer() does).
 */
#ifndef FAXGW_WIRE_H
#define FAXGW_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <faxgw/admin.h>

#define WIRE_MAGIC0 'F'
#define WIRE_MAGIC1 'G'
/* Adding a request or reply type keeps the version: an older faxgwd
 * answers a request type it does not know with WIRE_R_ERROR
 * (FGW_E_PROTOCOL, "unknown request type"), which a client can tell
 * apart, and an older client never sends it.  Changing the layout of an
 * existing type needs a new version. */
#define WIRE_VERSION 3
#define WIRE_HEADER_LEN 14

enum wire_type {
	/* requests: client -> faxgwd */
	WIRE_HELLO = 1,            /* S client name            -> WIRE_R_HELLO */
	WIRE_SET_ORIGIN = 2,       /* S origin                 -> WIRE_R_OK */
	WIRE_GATEWAY_INFO = 3,     /*                          -> WIRE_R_GATEWAY */
	WIRE_ENUM_PORTS = 4,       /*                          -> WIRE_R_PORTS */
	WIRE_ENUM_EXTENSIONS = 5,  /*                          -> WIRE_R_EXTENSIONS */
	WIRE_OPEN_PORT = 6,        /* P port id, N flags       -> WIRE_R_OPENED */
	WIRE_CLOSE_PORT = 7,       /* H handle                 -> WIRE_R_OK */
	WIRE_GET_PORT = 8,         /* H handle                 -> WIRE_R_PORT */
	WIRE_ENUM_METHODS = 9,     /* H handle                 -> WIRE_R_METHODS */
	WIRE_GET_ROUTING = 10,     /* H handle, G guid         -> WIRE_R_DATA */
	WIRE_SET_ROUTING = 11,     /* H handle, G guid, D data -> WIRE_R_OK */
	WIRE_ENABLE = 12,          /* H handle, G guid, F on   -> WIRE_R_OK */
	WIRE_ENUM_GLOBAL = 13,     /*                          -> WIRE_R_GLOBALS */
	WIRE_SET_GLOBAL = 14,      /* G guid, N priority       -> WIRE_R_OK */
	WIRE_BATCH = 15,           /* B changes                -> WIRE_R_OK */
	WIRE_ENUM_JOBS = 16,       /* F failed only            -> WIRE_R_JOBS */
	WIRE_RETRY_JOB = 17,       /* J job id                 -> WIRE_R_OK */
	WIRE_ENUM_AUDIT = 18,      /* N max                    -> WIRE_R_AUDIT */
	WIRE_SUBSCRIBE = 19,       /* N event mask             -> WIRE_R_OK, then events */
	WIRE_ENUM_JOBS_PAGE = 20,  /* F failed only, J cursor, N max -> WIRE_R_JOBS_PAGE */
	WIRE_ENUM_AUDIT_PAGE = 21, /* J cursor, N max          -> WIRE_R_AUDIT_PAGE */
	WIRE_GET_JOB = 22,         /* J job id                 -> WIRE_R_JOB */
	WIRE_ENUM_CALLS_PAGE = 23, /* J cursor, N max          -> WIRE_R_CALLS_PAGE */
	WIRE_SIP_INFO = 24,        /*                          -> WIRE_R_SIP */
	/* Sending (fgw_send_document): BEGIN opens this connection's upload
	 * (one at a time; a new BEGIN drops the old), DATA appends to it,
	 * COMMIT ends it and is answered once faxgwd checked the document. */
	WIRE_SEND_BEGIN = 25,      /* P port id, S to, S local ident, J size -> WIRE_R_OK */
	WIRE_SEND_DATA = 26,       /* X bytes (u32 length, 1..FGW_SEND_CHUNK) -> WIRE_R_OK */
	WIRE_SEND_COMMIT = 27,     /*                          -> WIRE_R_JOB_ID */
	WIRE_CANCEL_JOB = 28,      /* J job id                 -> WIRE_R_OK */
	WIRE_REQUEST_LAST = WIRE_CANCEL_JOB,

	/* replies and events: faxgwd -> client */
	WIRE_R_OK = 0x8000,
	WIRE_R_ERROR = 0x8001,     /* u32 code (negative, two's complement), u32 failed index, S reason */
	WIRE_R_HELLO = 0x8002,     /* S server version, u8 may modify */
	WIRE_R_OPENED = 0x8003,    /* u32 handle */
	WIRE_R_DATA = 0x8004,      /* D routing data */
	WIRE_R_GATEWAY = 0x8005,   /* one fgw_gateway_info */
	WIRE_R_PORT = 0x8006,      /* one fgw_port_info */
	WIRE_R_PORTS = 0x8007,     /* u32 count, fgw_port_info... */
	WIRE_R_EXTENSIONS = 0x8008,
	WIRE_R_METHODS = 0x8009,
	WIRE_R_GLOBALS = 0x800a,
	WIRE_R_JOBS = 0x800b,
	WIRE_R_AUDIT = 0x800c,
	WIRE_R_EVENT = 0x800d,     /* one fgw_event, request id 0 */
	WIRE_R_JOBS_PAGE = 0x800e, /* u64 next cursor (0: last page), u32 count, fgw_job... */
	WIRE_R_AUDIT_PAGE = 0x800f,/* u64 next cursor (0: last page), u32 count, fgw_audit_entry... */
	WIRE_R_JOB = 0x8010,       /* one fgw_job_info (fgw_job, then its details, u32
				    * count, fgw_job_method_result...) */
	WIRE_R_CALLS_PAGE = 0x8011,/* u64 next cursor (0: last page), u32 count, fgw_call... */
	WIRE_R_SIP = 0x8012,       /* u32 count, fgw_sip_port... (the first: the gateway, port 0) */
	WIRE_R_JOB_ID = 0x8013,    /* u64 job id */
	WIRE_REPLY_LAST = WIRE_R_JOB_ID,
};

struct wire_header {
	uint8_t version;
	uint16_t type;
	uint32_t id;
	uint32_t len;              /* body length */
};

/* --- writer ---------------------------------------------------------------- */

struct wire_writer {
	uint8_t *buf;              /* owned */
	size_t len, cap;
	size_t start;              /* offset of the frame being written */
	int err;                   /* first failure: FGW_E_NOMEM or FGW_E_TOO_BIG */
};

void wire_writer_init(struct wire_writer *w);
/* Forgets the content, keeps the buffer. */
void wire_writer_reset(struct wire_writer *w);
void wire_writer_free(struct wire_writer *w);
/* Starts a frame at the end of the writer (several may follow each other). */
void wire_begin(struct wire_writer *w, uint16_t type, uint32_t id);
/* Patches the body length; 0 or the first error (the frame is then
 * removed again and the writer is usable). */
int wire_finish(struct wire_writer *w);
void wire_put_u8(struct wire_writer *w, uint8_t v);
void wire_put_u16(struct wire_writer *w, uint16_t v);
void wire_put_u32(struct wire_writer *w, uint32_t v);
void wire_put_u64(struct wire_writer *w, uint64_t v);
/* NULL is sent as ""; longer than FGW_MAX_WIRE_STRING is cut there. */
void wire_put_str(struct wire_writer *w, const char *s);
/* More than FGW_MAX_ROUTING_DATA is an error (FGW_E_TOO_BIG). */
void wire_put_bytes(struct wire_writer *w, const void *p, size_t len);

/* --- reader ---------------------------------------------------------------- */

struct wire_reader {
	const uint8_t *p;
	size_t left;
	int err;                   /* 0 or FGW_E_PROTOCOL / FGW_E_TOO_BIG */
};

void wire_reader_init(struct wire_reader *r, const void *body, size_t len);
uint8_t wire_get_u8(struct wire_reader *r);
uint16_t wire_get_u16(struct wire_reader *r);
uint32_t wire_get_u32(struct wire_reader *r);
uint64_t wire_get_u64(struct wire_reader *r);
/* Copies a string into out (outlen including the NUL); longer than
 * outlen-1 or containing NUL is an error. */
void wire_get_str_buf(struct wire_reader *r, char *out, size_t outlen);
/* 0 when everything was consumed without error, else the error
 * (trailing bytes: FGW_E_PROTOCOL). */
int wire_reader_end(const struct wire_reader *r);

/* --- header ---------------------------------------------------------------- */

/* Parses the first WIRE_HEADER_LEN bytes of buf.  Returns 1 when fewer
 * bytes are available, 0 when the header is good, FGW_E_PROTOCOL (bad
 * magic, flags, version or a body over FGW_MAX_FRAME) with a reason. */
int wire_parse_header(const void *buf, size_t len, struct wire_header *h,
		      char *reason, size_t reasonlen);
/* "GET_ROUTING", "R_PORTS", ... or "unknown". */
const char *wire_type_name(uint16_t type);

/* --- requests -------------------------------------------------------------- */

/* One request of any type; which fields count depends on the type (see
 * enum wire_type). Decoded strings and data are copies inside the struct;
 * a decoded batch or document chunk lives in `alloc` (release with
 * wire_request_free).
 *
 * WIRE_SEND_BEGIN: port_id, text = to, ident = local ident (may be ""),
 * job_id = the document's size in bytes.  WIRE_SEND_DATA: chunk and
 * chunk_len (1..FGW_SEND_CHUNK). */
struct wire_request {
	uint16_t type;
	uint32_t id;
	uint32_t handle;                       /* H */
	uint32_t port_id;                      /* P */
	uint32_t num;                          /* N: flags, priority, mask, max */
	uint64_t job_id;                       /* J: job id, cursor, document size */
	uint8_t flag;                          /* F: enabled, failed_only */
	char text[FGW_MAX_ERROR_TEXT];         /* S: client name, origin, send to */
	char ident[FGW_MAX_IDENT + 1];         /* I: a second string, the local ident (TSI) */
	char guid[FGW_GUID_LEN + 1];           /* G */
	uint8_t data[FGW_MAX_ROUTING_DATA];    /* D */
	size_t data_len;
	const fgw_routing_change *changes;     /* B (encode: caller's; decode: in alloc) */
	size_t nchanges;
	const uint8_t *chunk;                  /* X (encode: caller's; decode: in alloc) */
	size_t chunk_len;
	void *alloc;
};

/* Appends a whole request frame; 0 or FGW_E_INVAL/NOMEM/TOO_BIG. For
 * encoding, `text` and `guid` are taken from the struct's arrays. */
int wire_enc_request(struct wire_writer *w, const struct wire_request *rq);
/* Decodes the body of a request frame whose header is h.  Returns 0, or
 * FGW_E_PROTOCOL / FGW_E_TOO_BIG with a reason. */
int wire_dec_request(const struct wire_header *h, const void *body,
		     struct wire_request *rq, char *reason, size_t reasonlen);
void wire_request_free(struct wire_request *rq);

/* --- replies --------------------------------------------------------------- */

void wire_enc_ok(struct wire_writer *w, uint32_t id);
void wire_enc_error(struct wire_writer *w, uint32_t id, int code, uint32_t failed_index,
		    const char *reason);
void wire_enc_hello(struct wire_writer *w, uint32_t id, const char *version, int may_modify);
void wire_enc_opened(struct wire_writer *w, uint32_t id, uint32_t handle);
void wire_enc_data(struct wire_writer *w, uint32_t id, const void *data, size_t len);
/* WIRE_R_JOB_ID: the id of the job a WIRE_SEND_COMMIT queued. */
void wire_enc_job_id(struct wire_writer *w, uint32_t id, uint64_t job_id);

/* Records, written inside a frame begun with wire_begin(): a list body is
 * a u32 count followed by that many records. */
void wire_put_gateway(struct wire_writer *w, const fgw_gateway_info *g);
void wire_put_port(struct wire_writer *w, const fgw_port_info *p);
void wire_put_extension(struct wire_writer *w, const fgw_extension_info *e);
void wire_put_method(struct wire_writer *w, const fgw_routing_method *m);
void wire_put_global(struct wire_writer *w, const fgw_global_routing_info *g);
void wire_put_job(struct wire_writer *w, const fgw_job *j);
void wire_put_audit(struct wire_writer *w, const fgw_audit_entry *a);
void wire_put_event(struct wire_writer *w, const fgw_event *ev);
void wire_put_call(struct wire_writer *w, const fgw_call *c);
void wire_put_sip_port(struct wire_writer *w, const fgw_sip_port *p);
/* Whole page replies of the records v[0..n) (newest first), as many as
 * fit in one frame (at least one): when not all fit, next becomes the id
 * of the last one sent, so that the client asks for the rest.  Returns
 * how many were written. */
size_t wire_enc_jobs_page(struct wire_writer *w, uint32_t id, const fgw_job *v, size_t n,
			  uint64_t next);
size_t wire_enc_audit_page(struct wire_writer *w, uint32_t id, const fgw_audit_entry *v,
			   size_t n, uint64_t next);
/* A whole WIRE_R_JOB frame: j and its methods (cut to what fits in a
 * frame: a job has at most FGW_MAX_METHODS). */
void wire_enc_job_info(struct wire_writer *w, uint32_t id, const fgw_job_info *j);
/* The calls v[0..n) (in cursor order) as a WIRE_R_CALLS_PAGE, as many as
 * fit: next becomes the cursor after the last one sent when not all fit.
 * A call's cursor is wire_call_key(); a page request with cursor c asks
 * for the calls whose key is c or above. */
size_t wire_enc_calls_page(struct wire_writer *w, uint32_t id, const fgw_call *v, size_t n,
			   uint64_t next);
uint64_t wire_call_key(const fgw_call *c);
/* A WIRE_R_JOB body into one block (free()): 0, FGW_E_PROTOCOL,
 * FGW_E_TOO_BIG or FGW_E_NOMEM. */
int wire_dec_job_info(const void *body, size_t len, fgw_job_info **out);
/* A whole event frame (request id 0). */
void wire_enc_event(struct wire_writer *w, const fgw_event *ev);

struct wire_error {
	int code;                  /* negative FGW_E_* */
	uint32_t failed_index;
	char reason[FGW_MAX_ERROR_TEXT];
};
int wire_dec_error(const void *body, size_t len, struct wire_error *e);
int wire_dec_hello(const void *body, size_t len, char *version, size_t versionlen,
		   int *may_modify);
int wire_dec_opened(const void *body, size_t len, uint32_t *handle);
int wire_dec_job_id(const void *body, size_t len, uint64_t *job_id);
/* *data: malloc'd, NUL-terminated (not counted in *dlen). */
int wire_dec_data(const void *body, size_t len, void **data, size_t *dlen);

/* The record kinds of list and single-record replies. */
enum wire_record {
	WIRE_REC_GATEWAY,          /* fgw_gateway_info */
	WIRE_REC_PORT,             /* fgw_port_info */
	WIRE_REC_EXTENSION,        /* fgw_extension_info */
	WIRE_REC_METHOD,           /* fgw_routing_method */
	WIRE_REC_GLOBAL,           /* fgw_global_routing_info */
	WIRE_REC_JOB,              /* fgw_job */
	WIRE_REC_AUDIT,            /* fgw_audit_entry */
	WIRE_REC_EVENT,            /* fgw_event */
	WIRE_REC_CALL,             /* fgw_call */
	WIRE_REC_SIP_PORT,         /* fgw_sip_port */
};
/* A list body (u32 count, records) into one block: *out is the array
 * (NULL when n is 0); 0, FGW_E_PROTOCOL, FGW_E_TOO_BIG or FGW_E_NOMEM. */
int wire_dec_list(const void *body, size_t len, enum wire_record kind, void **out,
		  size_t *n);
/* A page reply (WIRE_R_JOBS_PAGE: WIRE_REC_JOB, WIRE_R_AUDIT_PAGE:
 * WIRE_REC_AUDIT, WIRE_R_CALLS_PAGE: WIRE_REC_CALL): *next and the records as wire_dec_list() gives them. */
int wire_dec_page(const void *body, size_t len, enum wire_record kind, void **out,
		  size_t *n, uint64_t *next);
/* A body of exactly one record, into one block. */
int wire_dec_one(const void *body, size_t len, enum wire_record kind, void **out);
/* The reply type that carries a list or single record of that kind (0:
 * none; calls come only in WIRE_R_CALLS_PAGE). */
uint16_t wire_record_reply_type(enum wire_record kind, int list);

#endif
