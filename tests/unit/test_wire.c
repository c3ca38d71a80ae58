/*
 * test_wire.c - the control protocol codec: every message type and every
 * record kind round trips, compared whole (testutil_assert_*_eq) against
 * fixtures whose fields all differ, so a dropped or swapped field fails;
 * truncated, oversized, garbage, wrong-version and trailing-byte frames
 * are refused.
 */
#include <check.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "wire.h"

Suite *wire_suite(void);

#define SIF "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"

/* Encodes rq, checks the header and decodes it back into out. */
static void wire_roundtrip(const struct wire_request *rq, struct wire_request *out)
{
	struct wire_writer w;
	struct wire_header h;
	char reason[256];

	wire_writer_init(&w);
	ck_assert_int_eq(wire_enc_request(&w, rq), 0);
	ck_assert_int_eq(wire_parse_header(w.buf, w.len, &h, reason, sizeof(reason)), 0);
	struct wire_header want = { WIRE_VERSION, rq->type, rq->id,
				    (uint32_t)(w.len - WIRE_HEADER_LEN) };
	testutil_assert_wire_header_eq(&h, &want);
	ck_assert_int_eq(wire_dec_request(&h, w.buf + WIRE_HEADER_LEN, out, reason,
					  sizeof(reason)), 0);
	/* Every strict prefix of the body is refused. */
	for (uint32_t cut = 0; cut < h.len; cut++) {
		struct wire_request tmp;
		struct wire_header hc = h;
		hc.len = cut;
		ck_assert_int_ne(wire_dec_request(&hc, w.buf + WIRE_HEADER_LEN, &tmp, reason,
						  sizeof(reason)), 0);
	}
	/* A trailing byte is refused. */
	uint8_t *longer = malloc(w.len + 1);
	memcpy(longer, w.buf, w.len);
	longer[w.len] = 0;
	struct wire_request tmp;
	struct wire_header hl = h;
	hl.len = h.len + 1;
	ck_assert_int_eq(wire_dec_request(&hl, longer + WIRE_HEADER_LEN, &tmp, reason,
					  sizeof(reason)), FGW_E_PROTOCOL);
	free(longer);
	wire_writer_free(&w);
}

/* The body layout of each request type, as wire.h documents it (field
 * letters as there); the test's own copy, so that it checks the codec
 * against the documentation rather than against itself. */
static const char *const wire_test_layouts[] = {
	[WIRE_HELLO] = "S", [WIRE_SET_ORIGIN] = "S", [WIRE_GATEWAY_INFO] = "",
	[WIRE_ENUM_PORTS] = "", [WIRE_ENUM_EXTENSIONS] = "", [WIRE_OPEN_PORT] = "PN",
	[WIRE_CLOSE_PORT] = "H", [WIRE_GET_PORT] = "H", [WIRE_ENUM_METHODS] = "H",
	[WIRE_GET_ROUTING] = "HG", [WIRE_SET_ROUTING] = "HGD", [WIRE_ENABLE] = "HGF",
	[WIRE_ENUM_GLOBAL] = "", [WIRE_SET_GLOBAL] = "GN", [WIRE_BATCH] = "B",
	[WIRE_ENUM_JOBS] = "F", [WIRE_RETRY_JOB] = "J", [WIRE_ENUM_AUDIT] = "N",
	[WIRE_SUBSCRIBE] = "N", [WIRE_ENUM_JOBS_PAGE] = "FJN", [WIRE_ENUM_AUDIT_PAGE] = "JN",
	[WIRE_GET_JOB] = "J", [WIRE_ENUM_CALLS_PAGE] = "JN",
	[WIRE_SIP_INFO] = "", [WIRE_SEND_BEGIN] = "PSIJ", [WIRE_SEND_DATA] = "X",
	[WIRE_SEND_COMMIT] = "", [WIRE_CANCEL_JOB] = "J",
};

/* A document chunk with a NUL and a high byte in it. */
static const uint8_t wire_test_chunk[] = { 'I', 'I', '*', 0, 0x08, 0, 0xff, 'x' };

/* A batch whose changes differ from each other in every field, and in
 * which each pair of flags differs in some change (a swap of any two
 * fields fails).  The last one carries data without set_data: that is not
 * sent, so it decodes as the last of wire_test_changes_out. */
#define WIRE_TEST_GUID(n) "{00000000-0000-0000-0000-00000000000" #n "}"
static const fgw_routing_change wire_test_changes[] = {
	{ 0x01000101, WIRE_TEST_GUID(1), 1, 0, 0, NULL, 0 },
	{ 0x01000202, WIRE_TEST_GUID(2), 0, 1, 0, NULL, 0 },
	{ 0x01000303, WIRE_TEST_GUID(3), 0, 0, 1, "/srv/fax/a\0b", 12 },
	{ 0x01000404, WIRE_TEST_GUID(4), 1, 1, 0, "ignored", 7 },
};
static const fgw_routing_change wire_test_changes_out[] = {
	{ 0x01000101, WIRE_TEST_GUID(1), 1, 0, 0, NULL, 0 },
	{ 0x01000202, WIRE_TEST_GUID(2), 0, 1, 0, NULL, 0 },
	{ 0x01000303, WIRE_TEST_GUID(3), 0, 0, 1, "/srv/fax/a\0b", 12 },
	{ 0x01000404, WIRE_TEST_GUID(4), 1, 1, 0, NULL, 0 },
};
#define WIRE_TEST_NCHANGES (sizeof(wire_test_changes) / sizeof(wire_test_changes[0]))

/* A request of type t with every field set to a value no other field has. */
static void wire_test_request(uint16_t t, struct wire_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->type = t;
	rq->id = 0x02000000u + t;
	rq->handle = 0x03000003;
	rq->port_id = 0x04000004;
	rq->num = 0xdeadbeef;
	rq->job_id = 0x0500000000000005ull;
	rq->flag = 0x5a;
	strcpy(rq->text, "libfaxgw test");
	strcpy(rq->ident, "+49 30 1234567890123");
	strcpy(rq->guid, SIF);
	memcpy(rq->data, "ab\0cd", 5);
	rq->data_len = 5;
	rq->changes = wire_test_changes;
	rq->nchanges = WIRE_TEST_NCHANGES;
	rq->chunk = wire_test_chunk;
	rq->chunk_len = sizeof(wire_test_chunk);
}

/* What decoding rq must give: its type and id, and the fields of its
 * layout; the others zero. */
static void wire_test_expected(const struct wire_request *rq, struct wire_request *ex)
{
	memset(ex, 0, sizeof(*ex));
	ex->type = rq->type;
	ex->id = rq->id;
	for (const char *f = wire_test_layouts[rq->type]; *f != '\0'; f++) {
		switch (*f) {
		case 'S': memcpy(ex->text, rq->text, sizeof(ex->text)); break;
		case 'I': memcpy(ex->ident, rq->ident, sizeof(ex->ident)); break;
		case 'G': memcpy(ex->guid, rq->guid, sizeof(ex->guid)); break;
		case 'D':
			memcpy(ex->data, rq->data, rq->data_len);
			ex->data_len = rq->data_len;
			break;
		case 'H': ex->handle = rq->handle; break;
		case 'P': ex->port_id = rq->port_id; break;
		case 'N': ex->num = rq->num; break;
		case 'J': ex->job_id = rq->job_id; break;
		case 'F': ex->flag = rq->flag; break;
		case 'B':
			ex->changes = wire_test_changes_out;
			ex->nchanges = WIRE_TEST_NCHANGES;
			break;
		case 'X':
			ex->chunk = rq->chunk;
			ex->chunk_len = rq->chunk_len;
			break;
		default: ck_abort_msg("bad layout letter %c", *f);
		}
	}
}

START_TEST(test_requests_roundtrip)
{
	ck_assert_uint_eq(sizeof(wire_test_layouts) / sizeof(wire_test_layouts[0]),
			  WIRE_REQUEST_LAST + 1);
	for (uint16_t t = WIRE_HELLO; t <= WIRE_REQUEST_LAST; t++) {
		struct wire_request rq, ex, out;

		ck_assert_ptr_nonnull(wire_test_layouts[t]);
		wire_test_request(t, &rq);
		wire_test_expected(&rq, &ex);
		wire_roundtrip(&rq, &out);
		testutil_assert_wire_request_eq(&out, &ex);
		wire_request_free(&out);
	}
}
END_TEST

/* Finishes a reply frame in w and returns its body (checked header). */
static const uint8_t *wire_reply_body(struct wire_writer *w, uint16_t type, uint32_t *len)
{
	struct wire_header h;
	char reason[256];

	ck_assert_int_eq(wire_finish(w), 0);
	ck_assert_int_eq(wire_parse_header(w->buf, w->len, &h, reason, sizeof(reason)), 0);
	ck_assert_uint_eq(h.type, type);
	ck_assert_uint_eq(h.len + WIRE_HEADER_LEN, w->len);
	*len = h.len;
	return w->buf + WIRE_HEADER_LEN;
}

START_TEST(test_simple_replies)
{
	struct wire_writer w;
	uint32_t len, handle;
	struct wire_error e;
	char version[64];
	int mod;
	void *data;
	size_t dlen;

	wire_writer_init(&w);
	wire_enc_ok(&w, 5);
	wire_reply_body(&w, WIRE_R_OK, &len);
	ck_assert_uint_eq(len, 0);

	wire_writer_reset(&w);
	wire_enc_error(&w, 6, FGW_E_BAD_DATA, 0x0e000003,
		       "folder /x is not below store-root /srv/fax");
	const uint8_t *b = wire_reply_body(&w, WIRE_R_ERROR, &len);
	ck_assert_int_eq(wire_dec_error(b, len, &e), 0);
	struct wire_error want = { FGW_E_BAD_DATA, 0x0e000003,
				   "folder /x is not below store-root /srv/fax" };
	testutil_assert_wire_error_eq(&e, &want);
	ck_assert_int_ne(wire_dec_error(b, len - 1, &e), 0);

	wire_writer_reset(&w);
	wire_enc_hello(&w, 1, "0.1.0", 1);
	b = wire_reply_body(&w, WIRE_R_HELLO, &len);
	ck_assert_int_eq(wire_dec_hello(b, len, version, sizeof(version), &mod), 0);
	ck_assert_str_eq(version, "0.1.0");
	ck_assert_int_eq(mod, 1);

	wire_writer_reset(&w);
	wire_enc_opened(&w, 1, 77);
	b = wire_reply_body(&w, WIRE_R_OPENED, &len);
	ck_assert_int_eq(wire_dec_opened(b, len, &handle), 0);
	ck_assert_uint_eq(handle, 77);

	wire_writer_reset(&w);
	wire_enc_data(&w, 1, "x\0y", 3);
	b = wire_reply_body(&w, WIRE_R_DATA, &len);
	ck_assert_int_eq(wire_dec_data(b, len, &data, &dlen), 0);
	ck_assert_uint_eq(dlen, 3);
	ck_assert_mem_eq(data, "x\0y\0", 4);
	free(data);
	ck_assert_int_ne(wire_dec_data(b, len + 1, &data, &dlen), 0);
	ck_assert_ptr_null(data);
	wire_writer_free(&w);
}
END_TEST

/* --- records ---------------------------------------------------------------
 * Two records of each kind.  In the first every field has a value that no
 * other field of the record has (numbers wider than the narrower wire
 * fields, flags 1 where the counters are not), so a codec that swaps, drops
 * or narrows any field fails the comparison; the second differs from the
 * first in every field and looks like what faxgwd sends (empty strings,
 * zero counters, flags 0). */

static const fgw_gateway_info wire_test_gateways[] = {
	{ "gateway.version", 0x06000001, 0x06000002, 0x06000003, 0x06000004, 0x06000005,
	  0x06000006, 0x0600000000000007ull },
	{ "0.1.0", 2, 1, 3, 4, 5, 6, 1700000000 },
};

static const fgw_port_info wire_test_ports[] = {
	{ 0x07000001, "port.name", FGW_TRANSPORT_AUDIO, "port.local_address",
	  "port.local_ident", FGW_PORT_SENDING, 0x0700000000000002ull,
	  0x0700000000000003ull, 0x0700000000000004ull, 0x0700000000000005ull,
	  "port.last_remote_ident", 1, 0x0700000000000006ull, 0x0700000000000007ull,
	  0x0700000000000008ull },
	{ 2, "t38-trunk-a", FGW_TRANSPORT_T38, "[::1]:4002", "", FGW_PORT_RECEIVING,
	  (uint64_t)1 << 50, 0, 0, 0, "", 0, 1, 3, 0 },
};

static const fgw_extension_info wire_test_extensions[] = {
	{ "extension.image_name", "extension.friendly_name", 1, "extension.error",
	  0x08000001 },
	{ "/bad.so", "", 0, "undefined symbol: x", 0 },
};

static const fgw_routing_method wire_test_methods[] = {
	{ 0x09000001, "method.device_name", 1, "method.guid", "method.friendly_name",
	  "method.function_name", "method.extension_image_name",
	  "method.extension_friendly_name", 0x09000002, 0x09000003, 0x0900000000000004ull,
	  0x0900000000000005ull, "method.last_error" },
	{ 1, "t38-trunk-a", 0, SIF, "Store in folder", "RouteStoreInFolder",
	  "/usr/lib/faxgw/routing/folder.so", "faxgw folder", 3, 2, 99, 0, "" },
};

static const fgw_global_routing_info wire_test_globals[] = {
	{ 0x0a000001, "global.guid", "global.friendly_name", "global.function_name",
	  "global.extension_image_name", "global.extension_friendly_name", 0x0a000002 },
	{ 2, SIF, "Store in folder", "RouteStoreInFolder", "/x.so", "ext", 5 },
};

static const fgw_job wire_test_jobs[] = {
	{ 0x0b00000000000001ull, 0x0b000002, FGW_JOB_UNROUTED, 0x0b000003,
	  0x0b00000000000004ull, 0x0b00000000000005ull, 0x0b000006, 1, "job.remote_ident",
	  "job.path", "job.last_error", 0x0b000007, 0x0b000008, 0x0b000009, "job.degraded_list",
	  FGW_DIR_SEND, "job.to" },
	{ 123456789012ull, 1, FGW_JOB_FAILED, 5, 1700000000, 0, 3, 0, "TSID",
	  "/var/spool/faxgw/failed/1.tif", "smtp: 550", 2, 110, 60, "2,3", FGW_DIR_RECEIVE, "" },
};

static const fgw_audit_entry wire_test_audits[] = {
	{ 0x0c00000000000001ull, 0x0c00000000000002ull, 0x0c000003, "audit.who",
	  "audit.what", "audit.old_value", "audit.new_value" },
	{ 1, 1700000000, 1000, "uid 1000 (alice)", "port 1 x data", "", "/b" },
};

static const fgw_event wire_test_events[] = {
	{ FGW_EVENT_PORT_STATE_CHANGED, 0x0d00000000000001ull, 0x0d000002, "event.guid",
	  0x0d00000000000003ull, FGW_PORT_FAILED, "event.text", 0x0d000004 },
	{ FGW_EVENT_ROUTING_CHANGED, 1700000001, 1, SIF, 0, 0, "data", 0 },
};

static const fgw_call wire_test_calls[] = {
	{ 0x0e000001, 0x0e000002, "call.port_name", "call.peer", "call.transport",
	  "call.sip_call_id", "call.sip_from", 0x0e000003, 0x0e00000000000004ull },
	{ 3, 0, "sip-in", "192.0.2.7:30000", "G.711 PCMU ptime 20", "a84b4c76e66710", "", 0,
	  1700000000 },
};

static const fgw_sip_port wire_test_sip_ports[] = {
	{ 0x0f000001, 0x0f000002, "sip.users",
	  { 1, 0x0f000003, 0x0f00000000000004ull, 0x0f00000000000005ull,
	    { 0, 0, 0, 0x0f00000000000006ull, 0x0f00000000000007ull, 0x0f00000000000008ull,
	      0x0f00000000000009ull },
	    0x0f0000000000000aull, 0x0f0000000000000bull, 0x0f0000000000000cull,
	    0x0f0000000000000dull, 0x0f0000000000000eull } },
	{ 10, 4, "5550100, *", { 0, 0, 12, 10, { 0, 0, 0, 0, 2, 0, 0 }, 3, 2, 1, 0, 7 } },
};

/* Type-blind adapters for the table below. */
#define WIRE_TEST_ADAPT(kind, type)                                              \
	static void wire_test_put_##kind(struct wire_writer *w, const void *rec) \
	{                                                                        \
		wire_put_##kind(w, (const type *)rec);                           \
	}                                                                        \
	static void wire_test_eq_##kind(const void *a, const void *b)            \
	{                                                                        \
		testutil_assert_##kind##_eq((const type *)a, (const type *)b);   \
	}
WIRE_TEST_ADAPT(gateway, fgw_gateway_info)
WIRE_TEST_ADAPT(port, fgw_port_info)
WIRE_TEST_ADAPT(extension, fgw_extension_info)
WIRE_TEST_ADAPT(method, fgw_routing_method)
WIRE_TEST_ADAPT(global, fgw_global_routing_info)
WIRE_TEST_ADAPT(job, fgw_job)
WIRE_TEST_ADAPT(audit, fgw_audit_entry)
WIRE_TEST_ADAPT(event, fgw_event)
WIRE_TEST_ADAPT(call, fgw_call)
WIRE_TEST_ADAPT(sip_port, fgw_sip_port)

struct wire_test_kind {
	size_t size;
	void (*put)(struct wire_writer *w, const void *rec);
	void (*eq)(const void *a, const void *b);
	const void *recs;
	size_t n;
};

#define WIRE_TEST_KIND(k, kind, arr) \
	[k] = { sizeof(arr[0]), wire_test_put_##kind, wire_test_eq_##kind, arr, \
		sizeof(arr) / sizeof(arr[0]) }

/* Every enum wire_record, indexed by it. */
static const struct wire_test_kind wire_test_kinds[] = {
	WIRE_TEST_KIND(WIRE_REC_GATEWAY, gateway, wire_test_gateways),
	WIRE_TEST_KIND(WIRE_REC_PORT, port, wire_test_ports),
	WIRE_TEST_KIND(WIRE_REC_EXTENSION, extension, wire_test_extensions),
	WIRE_TEST_KIND(WIRE_REC_METHOD, method, wire_test_methods),
	WIRE_TEST_KIND(WIRE_REC_GLOBAL, global, wire_test_globals),
	WIRE_TEST_KIND(WIRE_REC_JOB, job, wire_test_jobs),
	WIRE_TEST_KIND(WIRE_REC_AUDIT, audit, wire_test_audits),
	WIRE_TEST_KIND(WIRE_REC_EVENT, event, wire_test_events),
	WIRE_TEST_KIND(WIRE_REC_CALL, call, wire_test_calls),
	WIRE_TEST_KIND(WIRE_REC_SIP_PORT, sip_port, wire_test_sip_ports),
};
#define WIRE_TEST_NKINDS (sizeof(wire_test_kinds) / sizeof(wire_test_kinds[0]))

static const void *wire_test_rec(const struct wire_test_kind *k, const void *base, size_t i)
{
	return (const char *)base + i * k->size;
}

/* Writes a reply frame of type `type` holding n records (a count first
 * when list). */
static void wire_test_encode(struct wire_writer *w, const struct wire_test_kind *k,
			     uint16_t type, int list, const void *recs, size_t n)
{
	wire_writer_reset(w);
	wire_begin(w, type, 77);
	if (list)
		wire_put_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		k->put(w, wire_test_rec(k, recs, i));
}

static int wire_test_decode(const uint8_t *body, uint32_t len, enum wire_record kind,
			    int list, void **out, size_t *n)
{
	if (list)
		return wire_dec_list(body, len, kind, out, n);
	*n = 1;
	return wire_dec_one(body, len, kind, out);
}

/* Encodes recs[first..first+n), decodes them, and compares every record
 * whole; then re-encodes what was decoded (same bytes), and checks that
 * every strict prefix of the body and one trailing byte are refused. */
static void wire_test_records(enum wire_record kind, int list, size_t first, size_t n)
{
	const struct wire_test_kind *k = &wire_test_kinds[kind];
	const void *recs = wire_test_rec(k, k->recs, first);
	uint16_t type = wire_record_reply_type(kind, list);
	struct wire_writer w, again;
	uint32_t len, len2;
	void *out;
	size_t got;

	wire_writer_init(&w);
	wire_writer_init(&again);
	wire_test_encode(&w, k, type, list, recs, n);
	const uint8_t *body = wire_reply_body(&w, type, &len);
	ck_assert_int_eq(wire_test_decode(body, len, kind, list, &out, &got), 0);
	ck_assert_uint_eq(got, n);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < n; i++)
		k->eq(wire_test_rec(k, out, i), wire_test_rec(k, recs, i));

	wire_test_encode(&again, k, type, list, out, n);
	const uint8_t *body2 = wire_reply_body(&again, type, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(body2, body, len);
	free(out);

	for (uint32_t cut = 0; cut < len; cut++) {
		ck_assert_int_ne(wire_test_decode(body, cut, kind, list, &out, &got), 0);
		ck_assert_ptr_null(out);
	}
	uint8_t *longer = calloc(1, len + 1);
	ck_assert_ptr_nonnull(longer);
	memcpy(longer, body, len);
	ck_assert_int_eq(wire_test_decode(longer, len + 1, kind, list, &out, &got),
			 FGW_E_PROTOCOL);
	ck_assert_ptr_null(out);
	free(longer);
	wire_writer_free(&again);
	wire_writer_free(&w);
}

/* The page reply of a kind, 0 when it has none. */
static uint16_t wire_test_page_type(enum wire_record kind)
{
	return kind == WIRE_REC_JOB ? WIRE_R_JOBS_PAGE : kind == WIRE_REC_AUDIT ? WIRE_R_AUDIT_PAGE
	       : kind == WIRE_REC_CALL ? WIRE_R_CALLS_PAGE : 0;
}

/* Every record of a kind in one page reply: decoded whole, re-encoded to
 * the same bytes, every strict prefix refused. */
static void wire_test_page(enum wire_record kind, uint16_t type)
{
	const struct wire_test_kind *k = &wire_test_kinds[kind];
	struct wire_writer w, again;
	uint32_t len, len2;
	uint64_t next = 0;
	void *out;
	size_t got = 0;

	wire_writer_init(&w);
	wire_writer_init(&again);
	wire_begin(&w, type, 5);
	wire_put_u64(&w, 0x0f00000000000001ull);
	wire_put_u32(&w, (uint32_t)k->n);
	for (size_t i = 0; i < k->n; i++)
		k->put(&w, wire_test_rec(k, k->recs, i));
	const uint8_t *body = wire_reply_body(&w, type, &len);
	ck_assert_int_eq(wire_dec_page(body, len, kind, &out, &got, &next), 0);
	ck_assert_uint_eq(next, 0x0f00000000000001ull);
	ck_assert_uint_eq(got, k->n);
	for (size_t i = 0; i < k->n; i++)
		k->eq(wire_test_rec(k, out, i), wire_test_rec(k, k->recs, i));
	wire_begin(&again, type, 5);
	wire_put_u64(&again, next);
	wire_put_u32(&again, (uint32_t)got);
	for (size_t i = 0; i < got; i++)
		k->put(&again, wire_test_rec(k, out, i));
	const uint8_t *body2 = wire_reply_body(&again, type, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(body2, body, len);
	free(out);
	for (uint32_t cut = 0; cut < len; cut++) {
		ck_assert_int_ne(wire_dec_page(body, cut, kind, &out, &got, &next), 0);
		ck_assert_ptr_null(out);
	}
	wire_writer_free(&again);
	wire_writer_free(&w);
}

/* Loop index: an enum wire_record. Each record kind through each reply
 * that carries it: alone (every fixture record), as a list of all, and
 * in a page. */
START_TEST(test_record_roundtrip)
{
	enum wire_record kind = (enum wire_record)_i;
	const struct wire_test_kind *k = &wire_test_kinds[kind];
	int carried = 0;

	ck_assert_ptr_nonnull(k->put);
	ck_assert_uint_ge(k->n, 2);
	if (wire_record_reply_type(kind, 0) != 0) {
		for (size_t i = 0; i < k->n; i++)
			wire_test_records(kind, 0, i, 1);
		carried++;
	}
	if (wire_record_reply_type(kind, 1) != 0) {
		wire_test_records(kind, 1, 0, k->n);
		carried++;
	}
	if (wire_test_page_type(kind) != 0) {
		wire_test_page(kind, wire_test_page_type(kind));
		carried++;
	}
	ck_assert_int_gt(carried, 0);
}
END_TEST

/* The table above has every kind: the codec knows none past its end. */
START_TEST(test_record_kinds_all_tested)
{
	ck_assert_uint_eq(WIRE_TEST_NKINDS, WIRE_REC_SIP_PORT + 1);
	ck_assert_uint_eq(wire_record_reply_type(WIRE_TEST_NKINDS, 0), 0);
	ck_assert_uint_eq(wire_record_reply_type(WIRE_TEST_NKINDS, 1), 0);
}
END_TEST

START_TEST(test_record_replies)
{
	struct wire_writer w, ev;
	uint32_t len;
	size_t n;
	const uint8_t *b;
	fgw_audit_entry *aa;

	/* An empty list decodes to NULL, 0. */
	wire_writer_init(&w);
	wire_begin(&w, WIRE_R_AUDIT, 1);
	wire_put_u32(&w, 0);
	b = wire_reply_body(&w, WIRE_R_AUDIT, &len);
	aa = (void *)&w;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_AUDIT, (void **)&aa, &n), 0);
	ck_assert_ptr_null(aa);
	ck_assert_uint_eq(n, 0);

	/* wire_enc_event is wire_begin(R_EVENT, 0) and wire_put_event. */
	wire_writer_reset(&w);
	wire_enc_event(&w, &wire_test_events[0]);
	ck_assert_int_eq(wire_finish(&w), 0);
	wire_writer_init(&ev);
	wire_begin(&ev, WIRE_R_EVENT, 0);
	wire_put_event(&ev, &wire_test_events[0]);
	ck_assert_int_eq(wire_finish(&ev), 0);
	ck_assert_uint_eq(w.len, ev.len);
	ck_assert_mem_eq(w.buf, ev.buf, w.len);
	wire_writer_free(&ev);
	wire_writer_free(&w);
}
END_TEST

/* A page of jobs: the next cursor, then a list; cut short anywhere it is
 * malformed. */
START_TEST(test_jobs_page_reply)
{
	struct wire_writer w;
	uint32_t len;
	const uint8_t *b;
	fgw_job *j = NULL;
	size_t n = 0;
	uint64_t next = 0;

	wire_writer_init(&w);
	wire_begin(&w, WIRE_R_JOBS_PAGE, 9);
	wire_put_u64(&w, 0x0d0000000000000eull);
	wire_put_u32(&w, 2);
	wire_put_job(&w, &wire_test_jobs[0]);
	wire_put_job(&w, &wire_test_jobs[1]);
	b = wire_reply_body(&w, WIRE_R_JOBS_PAGE, &len);
	ck_assert_int_eq(wire_dec_page(b, len, WIRE_REC_JOB, (void **)&j, &n, &next), 0);
	ck_assert_uint_eq(next, 0x0d0000000000000eull);
	ck_assert_uint_eq(n, 2);
	testutil_assert_job_eq(&j[0], &wire_test_jobs[0]);
	testutil_assert_job_eq(&j[1], &wire_test_jobs[1]);
	free(j);
	for (uint32_t cut = 0; cut < len; cut++) {
		j = (void *)&w;
		ck_assert_int_ne(wire_dec_page(b, cut, WIRE_REC_JOB, (void **)&j, &n, &next), 0);
		ck_assert_ptr_null(j);
	}
	ck_assert_str_eq(wire_type_name(WIRE_R_JOBS_PAGE), "R_JOBS_PAGE");
	ck_assert_str_eq(wire_type_name(WIRE_ENUM_JOBS_PAGE), "ENUM_JOBS_PAGE");
	wire_writer_free(&w);
}
END_TEST

/* One job with everything known of it (WIRE_R_JOB): every field through
 * the codec and back, re-encoded to the same bytes, prefixes and a
 * trailing byte refused; a job without methods; a frame cut to the
 * methods that fit. */
static const fgw_job_method_result wire_test_job_methods[] = {
	{ "jm.guid", "jm.friendly_name", FGW_JOB_DONE, 0x10000001, "jm.last_error" },
	{ SIF, "", FGW_JOB_FAILED, 3, "smtp: 550 mailbox unavailable" },
	{ "{6bbf7bfe-9af2-11d0-abf7-00c04fd91a4e}", "Route through e-mail", FGW_JOB_PENDING, 0,
	  "" },
};

static void wire_test_job_info(fgw_job_info *ji)
{
	memset(ji, 0, sizeof(*ji));
	ji->job = wire_test_jobs[0];
	ji->port_name = "ji.port_name";
	ji->local_ident = "ji.local_ident";
	ji->caller = "ji.caller";
	ji->start_time = 0x1100000000000001ull;
	ji->end_time = 0x1100000000000002ull;
	ji->x_res = 0x11000003;
	ji->y_res = 0x11000004;
	ji->bit_rate = 0x11000005;
	ji->ecm = 1;
	ji->t30_status = -7;
	ji->t30_text = "ji.t30_text";
	ji->finished_time = 0x1100000000000006ull;
	ji->sip_call_id = "ji.sip_call_id";
	ji->sip_from = "ji.sip_from";
	ji->sip_to = "ji.sip_to";
	ji->sip_user_agent = "ji.sip_user_agent";
	ji->transport = "ji.transport";
	ji->methods = (fgw_job_method_result *)wire_test_job_methods;
	ji->nmethods = sizeof(wire_test_job_methods) / sizeof(wire_test_job_methods[0]);
	ji->document_pages = 0x11000007;
	ji->sip_status = 0x11000008;
	ji->submitted_by = "ji.submitted_by";
}

START_TEST(test_job_info_reply)
{
	struct wire_writer w, again;
	fgw_job_info in, *out = NULL;
	uint32_t len, len2;

	wire_test_job_info(&in);
	wire_writer_init(&w);
	wire_writer_init(&again);
	wire_enc_job_info(&w, 3, &in);
	const uint8_t *b = wire_reply_body(&w, WIRE_R_JOB, &len);
	ck_assert_int_eq(wire_dec_job_info(b, len, &out), 0);
	testutil_assert_job_info_eq(out, &in);
	wire_enc_job_info(&again, 3, out);
	const uint8_t *b2 = wire_reply_body(&again, WIRE_R_JOB, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(b2, b, len);
	free(out);
	for (uint32_t cut = 0; cut < len; cut++) {
		out = (void *)&w;
		ck_assert_int_ne(wire_dec_job_info(b, cut, &out), 0);
		ck_assert_ptr_null(out);
	}
	uint8_t *longer = calloc(1, len + 1);
	ck_assert_ptr_nonnull(longer);
	memcpy(longer, b, len);
	ck_assert_int_eq(wire_dec_job_info(longer, len + 1, &out), FGW_E_PROTOCOL);
	free(longer);

	/* No methods, the other job, empty SIP fields (a static port), no
	 * sending fields (a received fax). */
	in.job = wire_test_jobs[1];
	in.methods = NULL;
	in.nmethods = 0;
	in.sip_call_id = in.sip_from = in.sip_to = in.sip_user_agent = "";
	in.transport = "T.38 (static port)";
	in.document_pages = 0;
	in.sip_status = 0;
	in.submitted_by = "";
	wire_writer_reset(&w);
	wire_enc_job_info(&w, 4, &in);
	b = wire_reply_body(&w, WIRE_R_JOB, &len);
	ck_assert_int_eq(wire_dec_job_info(b, len, &out), 0);
	testutil_assert_job_info_eq(out, &in);
	ck_assert_ptr_null(out->methods);
	free(out);
	ck_assert_str_eq(wire_type_name(WIRE_R_JOB), "R_JOB");
	ck_assert_str_eq(wire_type_name(WIRE_GET_JOB), "GET_JOB");
	ck_assert_str_eq(wire_type_name(WIRE_R_CALLS_PAGE), "R_CALLS_PAGE");
	ck_assert_str_eq(wire_type_name(WIRE_ENUM_CALLS_PAGE), "ENUM_CALLS_PAGE");
	wire_writer_free(&again);
	wire_writer_free(&w);
}
END_TEST

/* A job that no frame holds whole: its methods are cut to what fits, and
 * the fields after them (the sending tail) still arrive. */
START_TEST(test_job_info_cut)
{
	static char text[FGW_MAX_WIRE_STRING + 1];
	fgw_job_method_result *m = calloc(FGW_MAX_METHODS, sizeof(*m));
	struct wire_writer w;
	fgw_job_info in, *out = NULL;
	uint32_t len;

	ck_assert_ptr_nonnull(m);
	memset(text, 'e', FGW_MAX_WIRE_STRING);
	for (size_t i = 0; i < FGW_MAX_METHODS; i++)
		m[i] = (fgw_job_method_result){ text, text, FGW_JOB_FAILED, (uint32_t)i, text };
	wire_test_job_info(&in);
	in.methods = m;
	in.nmethods = FGW_MAX_METHODS;
	in.submitted_by = text;
	wire_writer_init(&w);
	wire_enc_job_info(&w, 1, &in);
	const uint8_t *b = wire_reply_body(&w, WIRE_R_JOB, &len);
	ck_assert_uint_le(len + WIRE_HEADER_LEN, FGW_MAX_FRAME);
	ck_assert_int_eq(wire_dec_job_info(b, len, &out), 0);
	ck_assert_uint_gt(out->nmethods, 0);
	ck_assert_uint_lt(out->nmethods, FGW_MAX_METHODS);
	in.nmethods = out->nmethods;
	testutil_assert_job_info_eq(out, &in);
	free(out);
	wire_writer_free(&w);
	free(m);
}
END_TEST

/* WIRE_R_JOB_ID: the id of a queued send job, exactly 8 bytes. */
START_TEST(test_job_id_reply)
{
	struct wire_writer w;
	uint32_t len;
	uint64_t id = 0;

	wire_writer_init(&w);
	wire_enc_job_id(&w, 7, 0x1200000000000001ull);
	const uint8_t *b = wire_reply_body(&w, WIRE_R_JOB_ID, &len);
	ck_assert_uint_eq(len, 8);
	ck_assert_int_eq(wire_dec_job_id(b, len, &id), 0);
	ck_assert_uint_eq(id, 0x1200000000000001ull);
	for (uint32_t cut = 0; cut < len; cut++)
		ck_assert_int_eq(wire_dec_job_id(b, cut, &id), FGW_E_PROTOCOL);
	uint8_t longer[9] = { 0 };
	memcpy(longer, b, 8);
	ck_assert_int_eq(wire_dec_job_id(longer, 9, &id), FGW_E_PROTOCOL);
	ck_assert_str_eq(wire_type_name(WIRE_R_JOB_ID), "R_JOB_ID");
	ck_assert_str_eq(wire_type_name(WIRE_SEND_BEGIN), "SEND_BEGIN");
	ck_assert_str_eq(wire_type_name(WIRE_SEND_DATA), "SEND_DATA");
	ck_assert_str_eq(wire_type_name(WIRE_SEND_COMMIT), "SEND_COMMIT");
	ck_assert_str_eq(wire_type_name(WIRE_CANCEL_JOB), "CANCEL_JOB");
	wire_writer_free(&w);
}
END_TEST

/* A SEND_DATA body: u32 length and the bytes, the length as given. */
static uint8_t *wire_test_chunk_body(uint32_t claimed, size_t have, uint32_t *len)
{
	uint8_t *b = calloc(1, 4 + have + 1);

	ck_assert_ptr_nonnull(b);
	b[0] = (uint8_t)(claimed >> 24);
	b[1] = (uint8_t)(claimed >> 16);
	b[2] = (uint8_t)(claimed >> 8);
	b[3] = (uint8_t)claimed;
	memset(b + 4, 0xa5, have);
	*len = (uint32_t)(4 + have);
	return b;
}

static int wire_test_dec_chunk(uint32_t claimed, size_t have)
{
	struct wire_header h = { WIRE_VERSION, WIRE_SEND_DATA, 3, 0 };
	struct wire_request rq;
	char reason[256];
	uint8_t *b = wire_test_chunk_body(claimed, have, &h.len);
	int rc = wire_dec_request(&h, b, &rq, reason, sizeof(reason));

	if (rc == 0) {
		ck_assert_uint_eq(rq.chunk_len, claimed);
		ck_assert_ptr_eq(rq.chunk, rq.alloc);
		ck_assert_mem_eq(rq.chunk, b + 4, claimed);
		wire_request_free(&rq);
		ck_assert_ptr_null(rq.chunk);
		ck_assert_ptr_null(rq.alloc);
	} else {
		ck_assert_ptr_nonnull(strstr(reason, "malformed SEND_DATA request"));
		ck_assert_ptr_null(rq.alloc);
	}
	free(b);
	return rc;
}

/* Document chunks: a whole FGW_SEND_CHUNK goes through a frame; an empty
 * chunk, one over FGW_SEND_CHUNK, and a length longer or shorter than the
 * frame are refused on both sides. */
START_TEST(test_send_chunks)
{
	uint8_t *big = malloc(FGW_SEND_CHUNK + 1);
	struct wire_request rq, out;
	struct wire_writer w;
	struct wire_header h;
	char reason[256];

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i <= FGW_SEND_CHUNK; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	memset(&rq, 0, sizeof(rq));
	rq.type = WIRE_SEND_DATA;
	rq.id = 41;
	rq.chunk = big;
	rq.chunk_len = FGW_SEND_CHUNK;
	wire_writer_init(&w);
	ck_assert_int_eq(wire_enc_request(&w, &rq), 0);
	ck_assert_uint_eq(w.len, WIRE_HEADER_LEN + 4 + FGW_SEND_CHUNK);
	ck_assert_uint_le(w.len, FGW_MAX_FRAME);
	ck_assert_int_eq(wire_parse_header(w.buf, w.len, &h, reason, sizeof(reason)), 0);
	ck_assert_int_eq(wire_dec_request(&h, w.buf + WIRE_HEADER_LEN, &out, reason,
					  sizeof(reason)), 0);
	ck_assert_uint_eq(out.chunk_len, FGW_SEND_CHUNK);
	ck_assert_mem_eq(out.chunk, big, FGW_SEND_CHUNK);
	ck_assert_ptr_ne(out.chunk, w.buf + WIRE_HEADER_LEN + 4);
	wire_request_free(&out);

	/* Not encoded: over the chunk size, empty, no bytes; the writer stays usable. */
	wire_writer_reset(&w);
	rq.chunk_len = FGW_SEND_CHUNK + 1;
	ck_assert_int_eq(wire_enc_request(&w, &rq), FGW_E_TOO_BIG);
	rq.chunk_len = 0;
	ck_assert_int_eq(wire_enc_request(&w, &rq), FGW_E_INVAL);
	rq.chunk = NULL;
	rq.chunk_len = 1;
	ck_assert_int_eq(wire_enc_request(&w, &rq), FGW_E_INVAL);
	ck_assert_uint_eq(w.len, 0);
	wire_writer_free(&w);
	free(big);

	ck_assert_int_eq(wire_test_dec_chunk(1, 1), 0);
	ck_assert_int_eq(wire_test_dec_chunk(FGW_SEND_CHUNK, FGW_SEND_CHUNK), 0);
	ck_assert_int_eq(wire_test_dec_chunk(0, 0), FGW_E_PROTOCOL);
	ck_assert_int_eq(wire_test_dec_chunk(FGW_SEND_CHUNK + 1, FGW_SEND_CHUNK + 1),
			 FGW_E_TOO_BIG);
	ck_assert_int_eq(wire_test_dec_chunk(0xffffffffu, 16), FGW_E_TOO_BIG);
	ck_assert_int_eq(wire_test_dec_chunk(17, 16), FGW_E_PROTOCOL);     /* longer */
	ck_assert_int_eq(wire_test_dec_chunk(15, 16), FGW_E_PROTOCOL);     /* shorter */
	ck_assert_int_eq(wire_test_dec_chunk(0, 16), FGW_E_PROTOCOL);
	ck_assert_int_eq(wire_test_dec_chunk(FGW_SEND_CHUNK, FGW_SEND_CHUNK - 1),
			 FGW_E_PROTOCOL);
}
END_TEST

/* SEND_BEGIN: the destination and our ident; an ident over FGW_MAX_IDENT
 * is malformed, one of exactly FGW_MAX_IDENT is fine. */
START_TEST(test_send_begin)
{
	struct wire_request rq, out;
	struct wire_writer w;
	struct wire_header h;
	char reason[256];

	memset(&rq, 0, sizeof(rq));
	rq.type = WIRE_SEND_BEGIN;
	rq.id = 5;
	rq.port_id = 3;
	snprintf(rq.text, sizeof(rq.text), "sip:+4930123456@carrier.example.net;user=phone");
	memset(rq.ident, '7', FGW_MAX_IDENT);
	rq.job_id = FGW_MAX_SEND_BYTES;
	wire_writer_init(&w);
	ck_assert_int_eq(wire_enc_request(&w, &rq), 0);
	ck_assert_int_eq(wire_parse_header(w.buf, w.len, &h, reason, sizeof(reason)), 0);
	ck_assert_int_eq(wire_dec_request(&h, w.buf + WIRE_HEADER_LEN, &out, reason,
					  sizeof(reason)), 0);
	testutil_assert_wire_request_eq(&out, &rq);
	wire_request_free(&out);

	/* The same frame with an ident one longer: P, S, then I of 21 bytes. */
	size_t to_len = strlen(rq.text);
	uint8_t body[4 + 2 + 256 + 2 + FGW_MAX_IDENT + 1 + 8] = { 0 };
	size_t o = 4;
	body[o++] = 0;
	body[o++] = (uint8_t)to_len;
	memcpy(body + o, rq.text, to_len);
	o += to_len;
	body[o++] = 0;
	body[o++] = FGW_MAX_IDENT + 1;
	memset(body + o, '7', FGW_MAX_IDENT + 1);
	o += FGW_MAX_IDENT + 1 + 8;
	h.len = (uint32_t)o;
	ck_assert_int_eq(wire_dec_request(&h, body, &out, reason, sizeof(reason)),
			 FGW_E_PROTOCOL);
	wire_writer_free(&w);
}
END_TEST

/* Every code has its own text; the sending ones say what is wrong. */
START_TEST(test_error_texts)
{
	for (int code = 0; code >= FGW_E_MIN; code--) {
		ck_assert_ptr_nonnull(fgw_strerror(code));
		ck_assert_str_ne(fgw_strerror(code), "unknown error");
		for (int other = code - 1; other >= FGW_E_MIN; other--)
			ck_assert_str_ne(fgw_strerror(code), fgw_strerror(other));
	}
	ck_assert_str_eq(fgw_strerror(FGW_E_MIN - 1), "unknown error");
	ck_assert_str_eq(fgw_strerror(1), "unknown error");
	ck_assert_ptr_nonnull(strstr(fgw_strerror(FGW_E_BAD_DOCUMENT), "document"));
	ck_assert_ptr_nonnull(strstr(fgw_strerror(FGW_E_BAD_ADDRESS), "destination"));
}
END_TEST

/* A calls page cut where the frame is full: next names the call after the
 * last one sent (wire_call_key + 1). */
START_TEST(test_calls_page_cut)
{
	enum { N = 3000 };
	static char name[FGW_MAX_NAME * 4];
	fgw_call *v = calloc(N, sizeof(*v));
	struct wire_writer w;
	uint32_t len;
	uint64_t next = 0;
	fgw_call *out = NULL;
	size_t got = 0, k;

	ck_assert_ptr_nonnull(v);
	memset(name, 'p', sizeof(name) - 1);
	for (size_t i = 0; i < N; i++) {
		v[i] = wire_test_calls[1];
		v[i].channel = (uint32_t)i;
		v[i].port_name = name;
	}
	wire_writer_init(&w);
	k = wire_enc_calls_page(&w, 1, v, N, 0);
	ck_assert_uint_lt(k, N);
	ck_assert_uint_gt(k, 0);
	const uint8_t *b = wire_reply_body(&w, WIRE_R_CALLS_PAGE, &len);
	ck_assert_uint_le(len + WIRE_HEADER_LEN, FGW_MAX_FRAME);
	ck_assert_int_eq(wire_dec_page(b, len, WIRE_REC_CALL, (void **)&out, &got, &next), 0);
	ck_assert_uint_eq(got, k);
	ck_assert_uint_eq(next, wire_call_key(&v[k - 1]) + 1);
	ck_assert_uint_eq(next, ((uint64_t)3 << 32) + k);
	testutil_assert_call_eq(&out[k - 1], &v[k - 1]);
	free(out);
	wire_writer_reset(&w);
	ck_assert_uint_eq(wire_enc_calls_page(&w, 2, v, 2, 0), 2);
	b = wire_reply_body(&w, WIRE_R_CALLS_PAGE, &len);
	ck_assert_int_eq(wire_dec_page(b, len, WIRE_REC_CALL, (void **)&out, &got, &next), 0);
	ck_assert_uint_eq(next, 0);
	free(out);
	wire_writer_free(&w);
	free(v);
}
END_TEST

START_TEST(test_bad_headers)
{
	uint8_t f[WIRE_HEADER_LEN] = { 'F', 'G', WIRE_VERSION, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };
	struct wire_header h;
	char reason[256];

	ck_assert_int_eq(wire_parse_header(f, sizeof(f), &h, reason, sizeof(reason)), 0);
	for (size_t i = 0; i < WIRE_HEADER_LEN; i++)
		ck_assert_int_eq(wire_parse_header(f, i, &h, reason, sizeof(reason)), 1);

	uint8_t g[WIRE_HEADER_LEN];
	memcpy(g, f, sizeof(g));
	g[0] = 'X';
	ck_assert_int_eq(wire_parse_header(g, sizeof(g), &h, reason, sizeof(reason)),
			 FGW_E_PROTOCOL);
	memcpy(g, f, sizeof(g));
	g[2] = WIRE_VERSION + 1;
	ck_assert_int_eq(wire_parse_header(g, sizeof(g), &h, reason, sizeof(reason)),
			 FGW_E_PROTOCOL);
	char peer[32], ours[32];
	snprintf(peer, sizeof(peer), "version %d", WIRE_VERSION + 1);
	snprintf(ours, sizeof(ours), "version %d", WIRE_VERSION);
	ck_assert_ptr_nonnull(strstr(reason, peer));
	ck_assert_ptr_nonnull(strstr(reason, ours));
	memcpy(g, f, sizeof(g));
	g[3] = 1;
	ck_assert_int_eq(wire_parse_header(g, sizeof(g), &h, reason, sizeof(reason)),
			 FGW_E_PROTOCOL);
	/* Oversized body. */
	memcpy(g, f, sizeof(g));
	g[10] = 0x00; g[11] = 0x10; g[12] = 0x00; g[13] = 0x00;
	ck_assert_int_eq(wire_parse_header(g, sizeof(g), &h, reason, sizeof(reason)),
			 FGW_E_PROTOCOL);
	g[10] = 0xff;
	ck_assert_int_eq(wire_parse_header(g, sizeof(g), &h, reason, sizeof(reason)),
			 FGW_E_PROTOCOL);
}
END_TEST

START_TEST(test_bad_bodies)
{
	struct wire_header h = { WIRE_VERSION, WIRE_GET_ROUTING, 1, 0 };
	struct wire_request rq;
	char reason[256];

	/* Unknown request type. */
	h.type = 999;
	ck_assert_int_eq(wire_dec_request(&h, "", &rq, reason, sizeof(reason)), FGW_E_PROTOCOL);
	h.type = WIRE_R_OK;
	ck_assert_int_eq(wire_dec_request(&h, "", &rq, reason, sizeof(reason)), FGW_E_PROTOCOL);

	/* A string with a NUL inside. */
	uint8_t b1[] = { 0, 0, 0, 1, 0, 3, 'a', 0, 'b' };
	h.type = WIRE_GET_ROUTING;
	h.len = sizeof(b1);
	ck_assert_int_eq(wire_dec_request(&h, b1, &rq, reason, sizeof(reason)), FGW_E_PROTOCOL);

	/* A GUID longer than a GUID. */
	uint8_t b2[4 + 2 + 40] = { 0, 0, 0, 1, 0, 40 };
	memset(b2 + 6, 'a', 40);
	h.len = sizeof(b2);
	ck_assert_int_eq(wire_dec_request(&h, b2, &rq, reason, sizeof(reason)), FGW_E_PROTOCOL);

	/* Routing data over FGW_MAX_ROUTING_DATA. */
	size_t big = 4 + 2 + 1 + 2 + FGW_MAX_ROUTING_DATA + 1;
	uint8_t *b3 = calloc(1, big);
	b3[5] = 1;
	b3[6] = 'x';
	b3[7] = (FGW_MAX_ROUTING_DATA + 1) >> 8;
	b3[8] = (FGW_MAX_ROUTING_DATA + 1) & 0xff;
	h.type = WIRE_SET_ROUTING;
	h.len = (uint32_t)big;
	ck_assert_int_eq(wire_dec_request(&h, b3, &rq, reason, sizeof(reason)), FGW_E_TOO_BIG);
	free(b3);

	/* A batch over FGW_MAX_BATCH. */
	uint8_t b4[4] = { 0, 0, 0xff, 0xff };
	h.type = WIRE_BATCH;
	h.len = 4;
	ck_assert_int_eq(wire_dec_request(&h, b4, &rq, reason, sizeof(reason)), FGW_E_TOO_BIG);
	/* A batch claiming one change it does not hold. */
	uint8_t b5[4] = { 0, 0, 0, 1 };
	ck_assert_int_eq(wire_dec_request(&h, b5, &rq, reason, sizeof(reason)), FGW_E_PROTOCOL);

	/* A list count over FGW_MAX_LIST, and one that the body cannot hold. */
	uint8_t l1[4] = { 0xff, 0xff, 0xff, 0xff };
	void *out;
	size_t n;
	ck_assert_int_eq(wire_dec_list(l1, 4, WIRE_REC_PORT, &out, &n), FGW_E_TOO_BIG);
	uint8_t l2[4] = { 0, 1, 0, 0 };
	ck_assert_int_eq(wire_dec_list(l2, 4, WIRE_REC_PORT, &out, &n), FGW_E_PROTOCOL);
	ck_assert_int_ne(wire_dec_list(l2, 3, WIRE_REC_PORT, &out, &n), 0);

	/* An error reply whose code is not an error. */
	struct wire_error e;
	uint8_t er[4 + 4 + 2] = { 0, 0, 0, 5 };
	ck_assert_int_eq(wire_dec_error(er, sizeof(er), &e), FGW_E_PROTOCOL);
}
END_TEST

START_TEST(test_writer_limits)
{
	struct wire_writer w;
	uint8_t data[FGW_MAX_ROUTING_DATA + 1] = { 0 };

	wire_writer_init(&w);
	wire_begin(&w, WIRE_R_DATA, 1);
	wire_put_bytes(&w, data, sizeof(data));
	ck_assert_int_eq(wire_finish(&w), FGW_E_TOO_BIG);
	ck_assert_uint_eq(w.len, 0);

	/* A frame cannot grow over FGW_MAX_FRAME; the writer stays usable. */
	wire_begin(&w, WIRE_R_PORTS, 1);
	for (size_t i = 0; i < FGW_MAX_FRAME / FGW_MAX_ROUTING_DATA + 2; i++)
		wire_put_bytes(&w, data, FGW_MAX_ROUTING_DATA);
	ck_assert_int_eq(wire_finish(&w), FGW_E_TOO_BIG);
	wire_enc_ok(&w, 2);
	ck_assert_int_eq(wire_finish(&w), 0);
	ck_assert_uint_eq(w.len, WIRE_HEADER_LEN);

	/* Over-long strings are cut, not refused. */
	char *s = malloc(FGW_MAX_WIRE_STRING + 100);
	memset(s, 'a', FGW_MAX_WIRE_STRING + 99);
	s[FGW_MAX_WIRE_STRING + 99] = '\0';
	wire_writer_reset(&w);
	wire_enc_error(&w, 1, FGW_E_INTERNAL, 0, s);
	ck_assert_int_eq(wire_finish(&w), 0);
	free(s);

	/* A request with an unknown type is not encoded. */
	struct wire_request rq = { .type = 0 };
	ck_assert_int_eq(wire_enc_request(&w, &rq), FGW_E_INVAL);
	ck_assert_str_eq(wire_type_name(WIRE_SET_ROUTING), "SET_ROUTING");
	ck_assert_str_eq(wire_type_name(WIRE_R_EVENT), "R_EVENT");
	ck_assert_str_eq(wire_type_name(0x7777), "unknown");
	wire_writer_free(&w);
}
END_TEST

Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_requests_roundtrip);
	tcase_add_test(tc, test_simple_replies);
	tcase_add_loop_test(tc, test_record_roundtrip, 0, (int)WIRE_TEST_NKINDS);
	tcase_add_test(tc, test_record_kinds_all_tested);
	tcase_add_test(tc, test_record_replies);
	tcase_add_test(tc, test_jobs_page_reply);
	tcase_add_test(tc, test_job_info_reply);
	tcase_add_test(tc, test_job_info_cut);
	tcase_add_test(tc, test_job_id_reply);
	tcase_add_test(tc, test_send_chunks);
	tcase_add_test(tc, test_send_begin);
	tcase_add_test(tc, test_error_texts);
	tcase_add_test(tc, test_calls_page_cut);
	tcase_add_test(tc, test_bad_headers);
	tcase_add_test(tc, test_bad_bodies);
	tcase_add_test(tc, test_writer_limits);
	suite_add_tcase(s, tc);
	return s;
}
