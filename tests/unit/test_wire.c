/*
 * test_wire.c - the control protocol codec: every message type round
 * trips; truncated, oversized, garbage, wrong-version and trailing-byte
 * frames are refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

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
	ck_assert_uint_eq(h.type, rq->type);
	ck_assert_uint_eq(h.id, rq->id);
	ck_assert_uint_eq(h.len + WIRE_HEADER_LEN, w.len);
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

START_TEST(test_requests_roundtrip)
{
	for (uint16_t t = WIRE_HELLO; t <= WIRE_REQUEST_LAST; t++) {
		struct wire_request rq = { .type = t, .id = 1000u + t, .handle = 7,
					   .port_id = 42, .num = 0xdeadbeef, .job_id = 1ull << 40,
					   .flag = 1, .data_len = 5 };
		struct wire_request out;
		fgw_routing_change ch[2] = {
			{ .port_id = 1, .guid = SIF, .set_enabled = 1, .enabled = 1 },
			{ .port_id = 2, .guid = SIF, .set_data = 1, .data = "/srv/fax/a",
			  .data_len = 10 },
		};
		strcpy(rq.text, "libfaxgw test");
		strcpy(rq.guid, SIF);
		memcpy(rq.data, "ab\0cd", 5);
		rq.changes = ch;
		rq.nchanges = 2;
		wire_roundtrip(&rq, &out);
		ck_assert_uint_eq(out.type, t);
		ck_assert_uint_eq(out.id, 1000u + t);
		switch (t) {
		case WIRE_HELLO: case WIRE_SET_ORIGIN:
			ck_assert_str_eq(out.text, "libfaxgw test");
			break;
		case WIRE_OPEN_PORT:
			ck_assert_uint_eq(out.port_id, 42);
			ck_assert_uint_eq(out.num, 0xdeadbeef);
			break;
		case WIRE_SET_ROUTING:
			ck_assert_uint_eq(out.data_len, 5);
			ck_assert_mem_eq(out.data, "ab\0cd", 5);
			/* fall through */
		case WIRE_GET_ROUTING: case WIRE_ENABLE:
			ck_assert_str_eq(out.guid, SIF);
			ck_assert_uint_eq(out.handle, 7);
			if (t == WIRE_ENABLE)
				ck_assert_uint_eq(out.flag, 1);
			break;
		case WIRE_SET_GLOBAL:
			ck_assert_str_eq(out.guid, SIF);
			ck_assert_uint_eq(out.num, 0xdeadbeef);
			break;
		case WIRE_BATCH:
			ck_assert_uint_eq(out.nchanges, 2);
			ck_assert_uint_eq(out.changes[0].port_id, 1);
			ck_assert_str_eq(out.changes[0].guid, SIF);
			ck_assert(out.changes[0].set_enabled && out.changes[0].enabled);
			ck_assert(!out.changes[0].set_data);
			ck_assert_uint_eq(out.changes[1].data_len, 10);
			ck_assert_mem_eq(out.changes[1].data, "/srv/fax/a", 10);
			ck_assert(out.changes[1].set_data && !out.changes[1].set_enabled);
			break;
		case WIRE_RETRY_JOB:
			ck_assert(out.job_id == 1ull << 40);
			break;
		case WIRE_ENUM_JOBS:
			ck_assert_uint_eq(out.flag, 1);
			break;
		case WIRE_ENUM_AUDIT: case WIRE_SUBSCRIBE:
			ck_assert_uint_eq(out.num, 0xdeadbeef);
			break;
		case WIRE_CLOSE_PORT: case WIRE_GET_PORT: case WIRE_ENUM_METHODS:
			ck_assert_uint_eq(out.handle, 7);
			break;
		default:
			break;
		}
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
	wire_enc_error(&w, 6, FGW_E_BAD_DATA, 3, "folder /x is not below store-root /srv/fax");
	const uint8_t *b = wire_reply_body(&w, WIRE_R_ERROR, &len);
	ck_assert_int_eq(wire_dec_error(b, len, &e), 0);
	ck_assert_int_eq(e.code, FGW_E_BAD_DATA);
	ck_assert_uint_eq(e.failed_index, 3);
	ck_assert_str_eq(e.reason, "folder /x is not below store-root /srv/fax");
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

START_TEST(test_record_replies)
{
	struct wire_writer w;
	uint32_t len;
	size_t n;
	const uint8_t *b;

	wire_writer_init(&w);
	fgw_port_info ports[2] = {
		{ 1, "t38-trunk-a", FGW_TRANSPORT_T38, "127.0.0.1:4000", "+1 555 0100",
		  FGW_PORT_IDLE, 10, 20, 3, 4, "REMOTE", 1 },
		{ 2, "audio", FGW_TRANSPORT_AUDIO, "[::1]:4002", "", FGW_PORT_RECEIVING,
		  (uint64_t)1 << 50, 0, 0, 0, "", 0 },
	};
	wire_begin(&w, WIRE_R_PORTS, 9);
	wire_put_u32(&w, 2);
	wire_put_port(&w, &ports[0]);
	wire_put_port(&w, &ports[1]);
	b = wire_reply_body(&w, WIRE_R_PORTS, &len);
	fgw_port_info *p;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_PORT, (void **)&p, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(p[0].name, "t38-trunk-a");
	ck_assert_str_eq(p[0].last_remote_ident, "REMOTE");
	ck_assert_uint_eq(p[0].modify_held, 1);
	ck_assert_uint_eq(p[0].routing_failures, 4);
	ck_assert_str_eq(p[1].local_address, "[::1]:4002");
	ck_assert_int_eq(p[1].transport, FGW_TRANSPORT_AUDIO);
	ck_assert_int_eq(p[1].state, FGW_PORT_RECEIVING);
	ck_assert(p[1].faxes_received == (uint64_t)1 << 50);
	free(p);
	/* Count larger than the records present, and trailing bytes. */
	ck_assert_int_ne(wire_dec_list(b, len - 1, WIRE_REC_PORT, (void **)&p, &n), 0);
	ck_assert_ptr_null(p);

	fgw_routing_method m = { 1, "t38-trunk-a", 1, SIF, "Store in folder",
				 "RouteStoreInFolder", "/usr/lib/faxgw/routing/folder.so",
				 "faxgw folder", 3, 1, 99, 2, "disk full" };
	wire_writer_reset(&w);
	wire_begin(&w, WIRE_R_METHODS, 1);
	wire_put_u32(&w, 1);
	wire_put_method(&w, &m);
	b = wire_reply_body(&w, WIRE_R_METHODS, &len);
	fgw_routing_method *mm;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_METHOD, (void **)&mm, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(mm[0].guid, SIF);
	ck_assert_str_eq(mm[0].function_name, "RouteStoreInFolder");
	ck_assert_str_eq(mm[0].extension_friendly_name, "faxgw folder");
	ck_assert_str_eq(mm[0].last_error, "disk full");
	ck_assert_int_eq(mm[0].enabled, 1);
	ck_assert_uint_eq(mm[0].method_index, 3);
	ck_assert(mm[0].routed == 99 && mm[0].failures == 2);
	free(mm);

	fgw_global_routing_info g = { 2, SIF, "Store in folder", "RouteStoreInFolder",
				      "/x.so", "ext", 5 };
	wire_writer_reset(&w);
	wire_begin(&w, WIRE_R_GLOBALS, 1);
	wire_put_u32(&w, 1);
	wire_put_global(&w, &g);
	b = wire_reply_body(&w, WIRE_R_GLOBALS, &len);
	fgw_global_routing_info *gg;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_GLOBAL, (void **)&gg, &n), 0);
	ck_assert_uint_eq(gg[0].priority, 2);
	ck_assert_str_eq(gg[0].extension_image_name, "/x.so");
	ck_assert_uint_eq(gg[0].method_index, 5);
	free(gg);

	fgw_extension_info e = { "/bad.so", "", 0, "undefined symbol: x", 0 };
	wire_writer_reset(&w);
	wire_begin(&w, WIRE_R_EXTENSIONS, 1);
	wire_put_u32(&w, 1);
	wire_put_extension(&w, &e);
	b = wire_reply_body(&w, WIRE_R_EXTENSIONS, &len);
	fgw_extension_info *ee;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_EXTENSION, (void **)&ee, &n), 0);
	ck_assert_str_eq(ee[0].error, "undefined symbol: x");
	ck_assert_int_eq(ee[0].loaded, 0);
	free(ee);

	fgw_job j = { 123456789012ull, 1, FGW_JOB_FAILED, 5, 1700000000, 0, 3, 1, "TSID",
		      "/var/spool/faxgw/failed/1.tif", "smtp: 550" };
	wire_writer_reset(&w);
	wire_begin(&w, WIRE_R_JOBS, 1);
	wire_put_u32(&w, 1);
	wire_put_job(&w, &j);
	b = wire_reply_body(&w, WIRE_R_JOBS, &len);
	fgw_job *jj;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_JOB, (void **)&jj, &n), 0);
	ck_assert(jj[0].id == 123456789012ull);
	ck_assert_int_eq(jj[0].state, FGW_JOB_FAILED);
	ck_assert_int_eq(jj[0].partial, 1);
	ck_assert_str_eq(jj[0].path, "/var/spool/faxgw/failed/1.tif");
	free(jj);

	fgw_audit_entry a = { 1, 1700000000, 1000, "uid 1000 (alice)", "port 1 x data",
			      "/a", "/b" };
	wire_writer_reset(&w);
	wire_begin(&w, WIRE_R_AUDIT, 1);
	wire_put_u32(&w, 1);
	wire_put_audit(&w, &a);
	b = wire_reply_body(&w, WIRE_R_AUDIT, &len);
	fgw_audit_entry *aa;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_AUDIT, (void **)&aa, &n), 0);
	ck_assert_str_eq(aa[0].who, "uid 1000 (alice)");
	ck_assert_str_eq(aa[0].new_value, "/b");
	free(aa);

	/* An empty list decodes to NULL, 0. */
	wire_writer_reset(&w);
	wire_begin(&w, WIRE_R_AUDIT, 1);
	wire_put_u32(&w, 0);
	b = wire_reply_body(&w, WIRE_R_AUDIT, &len);
	aa = (void *)&a;
	ck_assert_int_eq(wire_dec_list(b, len, WIRE_REC_AUDIT, (void **)&aa, &n), 0);
	ck_assert_ptr_null(aa);
	ck_assert_uint_eq(n, 0);

	fgw_gateway_info gi = { "0.1.0", 2, 1, 3, 4, 5, 6, 1700000000 };
	wire_writer_reset(&w);
	wire_begin(&w, WIRE_R_GATEWAY, 1);
	wire_put_gateway(&w, &gi);
	b = wire_reply_body(&w, WIRE_R_GATEWAY, &len);
	fgw_gateway_info *gp;
	ck_assert_int_eq(wire_dec_one(b, len, WIRE_REC_GATEWAY, (void **)&gp), 0);
	ck_assert_str_eq(gp->version, "0.1.0");
	ck_assert_uint_eq(gp->extension_load_failures, 6);
	ck_assert(gp->start_time == 1700000000);
	free(gp);

	fgw_event ev = { FGW_EVENT_ROUTING_CHANGED, 1700000001, 1, SIF, 0, 0, "data" };
	wire_writer_reset(&w);
	wire_enc_event(&w, &ev);
	b = wire_reply_body(&w, WIRE_R_EVENT, &len);
	fgw_event *evp;
	ck_assert_int_eq(wire_dec_one(b, len, WIRE_REC_EVENT, (void **)&evp), 0);
	ck_assert_int_eq(evp->type, FGW_EVENT_ROUTING_CHANGED);
	ck_assert_str_eq(evp->guid, SIF);
	ck_assert_str_eq(evp->text, "data");
	free(evp);
	ck_assert_int_ne(wire_dec_one(b, len - 1, WIRE_REC_EVENT, (void **)&evp), 0);
	wire_writer_free(&w);
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
	ck_assert_ptr_nonnull(strstr(reason, "version 2"));
	ck_assert_ptr_nonnull(strstr(reason, "version 1"));
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
	tcase_add_test(tc, test_record_replies);
	tcase_add_test(tc, test_bad_headers);
	tcase_add_test(tc, test_bad_bodies);
	tcase_add_test(tc, test_writer_limits);
	suite_add_tcase(s, tc);
	return s;
}
