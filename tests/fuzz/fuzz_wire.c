/*
 * fuzz_wire.c - libFuzzer harness for the control protocol codec: any
 * bytes as a frame, decoded as faxgwd decodes requests and as libfaxgw
 * decodes replies and events.  A request that decodes must encode again
 * and decode to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_request(const struct wire_header *h, const uint8_t *body)
{
	struct wire_request rq, again;
	struct wire_writer w;
	struct wire_header h2;
	char reason[FGW_MAX_ERROR_TEXT];

	if (wire_dec_request(h, body, &rq, reason, sizeof(reason)) != 0)
		return;
	wire_writer_init(&w);
	if (wire_enc_request(&w, &rq) != 0)
		abort();
	if (wire_parse_header(w.buf, w.len, &h2, reason, sizeof(reason)) != 0 ||
	    h2.type != h->type)
		abort();
	/* Requests other than a batch (whose flags are normalized) encode
	 * back to the same bytes. */
	if (rq.type != WIRE_BATCH &&
	    (h2.len != h->len || memcmp(w.buf + WIRE_HEADER_LEN, body, h->len) != 0))
		abort();
	if (wire_dec_request(&h2, w.buf + WIRE_HEADER_LEN, &again, reason, sizeof(reason)) != 0)
		abort();
	if (again.nchanges != rq.nchanges || again.data_len != rq.data_len ||
	    strcmp(again.guid, rq.guid) != 0 || strcmp(again.text, rq.text) != 0 ||
	    strcmp(again.ident, rq.ident) != 0 || again.chunk_len != rq.chunk_len ||
	    (rq.chunk_len > 0 && memcmp(again.chunk, rq.chunk, rq.chunk_len) != 0))
		abort();
	wire_request_free(&again);
	wire_request_free(&rq);
	wire_writer_free(&w);
}

/* A WIRE_R_JOB body that decodes encodes to a body of the same length
 * (flags other than 0 and 1 read as 1, so not always the same bytes)
 * that decodes and encodes again to exactly itself. */
static void fuzz_job_info(const uint8_t *body, size_t len)
{
	fgw_job_info *j = NULL, *k = NULL;
	struct wire_writer w, again;

	if (wire_dec_job_info(body, len, &j) != 0)
		return;
	wire_writer_init(&w);
	wire_writer_init(&again);
	wire_enc_job_info(&w, 1, j);
	if (wire_finish(&w) != 0 || w.len != WIRE_HEADER_LEN + len)
		abort();
	if (wire_dec_job_info(w.buf + WIRE_HEADER_LEN, len, &k) != 0)
		abort();
	wire_enc_job_info(&again, 1, k);
	if (wire_finish(&again) != 0 || again.len != w.len || memcmp(again.buf, w.buf, w.len) != 0)
		abort();
	wire_writer_free(&again);
	wire_writer_free(&w);
	free(k);
	free(j);
}

static void fuzz_replies(const uint8_t *body, size_t len)
{
	struct wire_error e;
	char version[FGW_MAX_NAME];
	int mod;
	uint32_t handle;
	uint64_t job_id;
	void *out;
	size_t n;
	uint64_t next;

	wire_dec_error(body, len, &e);
	wire_dec_hello(body, len, version, sizeof(version), &mod);
	wire_dec_opened(body, len, &handle);
	wire_dec_job_id(body, len, &job_id);
	if (wire_dec_data(body, len, &out, &n) == 0)
		free(out);
	if (wire_dec_page(body, len, WIRE_REC_JOB, &out, &n, &next) == 0)
		free(out);
	if (wire_dec_page(body, len, WIRE_REC_AUDIT, &out, &n, &next) == 0)
		free(out);
	if (wire_dec_page(body, len, WIRE_REC_CALL, &out, &n, &next) == 0)
		free(out);
	fuzz_job_info(body, len);
	for (int k = WIRE_REC_GATEWAY; k <= WIRE_REC_SIP_PORT; k++) {
		if (wire_dec_list(body, len, (enum wire_record)k, &out, &n) == 0)
			free(out);
		if (wire_dec_one(body, len, (enum wire_record)k, &out) == 0)
			free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_header h;
	char reason[FGW_MAX_ERROR_TEXT];

	if (wire_parse_header(data, size, &h, reason, sizeof(reason)) != 0)
		return 0;
	if (size - WIRE_HEADER_LEN < h.len)
		return 0;
	/* A copy of exactly the body, so reads past it are caught. */
	uint8_t *body = malloc(h.len ? h.len : 1);
	if (body == NULL)
		return 0;
	memcpy(body, data + WIRE_HEADER_LEN, h.len);
	fuzz_request(&h, body);
	fuzz_replies(body, h.len);
	free(body);
	return 0;
}
