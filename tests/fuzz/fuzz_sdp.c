/*
 * fuzz_sdp.c - libFuzzer harness for the SDP parser, the offer/answer
 * rules and the writer (gateway/sip/sdp.c, t38sdp.c).
 *
 * The input is an SDP body.  A parse either fails with a zeroed session
 * and a "line N: ..." message, or succeeds within the caps; then, for each
 * of three port settings, the answer is decided and written, the written
 * answer must parse, and read as an answer it must give the same plan
 * (RFC 3264 6: one m= line per offered one, the accepted one in place).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sdp_settings fz_settings[] = {
	{ .t38 = SDP_T38_OFFER, .n_codecs = 2, .codecs = { SDP_CODEC_PCMA, SDP_CODEC_PCMU },
	  .t38_version = 3, .max_rate = 14400, .udptl_ec = SDP_T38_EC_FEC,
	  .t38_flags = SDP_T38_ALL_FLAGS, .t38_max_datagram = 400, .ptime = 20 },
	{ .t38 = SDP_T38_ACCEPT, .n_codecs = 1, .codecs = { SDP_CODEC_PCMU },
	  .t38_version = 0, .max_rate = 9600, .udptl_ec = SDP_T38_EC_REDUNDANCY,
	  .t38_flags = SDP_T38_FILL_BIT_REMOVAL, .t38_max_datagram = 72,
	  .t38_max_buffer = 200, .ptime = 30 },
	{ .t38 = SDP_T38_NO, .n_codecs = 2, .codecs = { SDP_CODEC_PCMU, SDP_CODEC_PCMA },
	  .t38_version = 1, .max_rate = 14400, .udptl_ec = SDP_T38_EC_NONE,
	  .t38_flags = 0, .t38_max_datagram = 1400, .ptime = 20 },
};

static const struct sdp_local fz_local = { "2001:db8::10", 5000, 1, 2 };

static struct sdp_session fz_offer, fz_back;

static void fz_check_session(const struct sdp_session *s)
{
	if (s->n_media > FGW_SDP_MAX_MEDIA)
		abort();
	for (size_t i = 0; i < s->n_media; i++) {
		const struct sdp_media *m = &s->media[i];
		if (m->n_formats > FGW_SDP_MAX_FORMATS || m->dir == SDP_DIR_UNSET ||
		    m->dir > SDP_DIR_INACTIVE)
			abort();
		if (m->port != 0 && m->conn.family == 0)
			abort();
		if (memchr(m->type_text, '\0', sizeof(m->type_text)) == NULL ||
		    memchr(m->conn.text, '\0', sizeof(m->conn.text)) == NULL)
			abort();
		if (m->type != SDP_MEDIA_IMAGE && m->t38p.present != 0)
			abort();
	}
}

static void fz_same_plan(const struct sdp_plan *a, const struct sdp_plan *b,
			 const struct sdp_settings *s)
{
	if (a->transport != b->transport || a->media_index != b->media_index)
		abort();
	if (a->payload_type != b->payload_type || a->law != b->law || a->ptime != b->ptime)
		abort();
	if (a->ptime != 0 && (a->ptime < FGW_SDP_PTIME_MIN_MS || a->ptime > FGW_SDP_PTIME_MAX_MS))
		abort();
	if (a->transport != SDP_TRANSPORT_T38)
		return;
	if (memcmp(&a->t38, &b->t38, sizeof(a->t38)) != 0)
		abort();
	if (b->t38_send_max_datagram != s->t38_max_datagram ||
	    a->t38_send_max_datagram == 0 || a->t38_send_max_datagram > FGW_T38_FAR_DATAGRAM_MAX)
		abort();
	if (a->t38.version > s->t38_version || a->t38.max_bitrate > s->max_rate ||
	    (a->t38.flags & ~s->t38_flags) != 0 || a->t38.ec > s->udptl_ec)
		abort();
}

/* Answer with settings s, write, parse back, read as an answer. */
static void fz_answer(const struct sdp_settings *s)
{
	static char buf[8192];
	struct sdp_answer ans;
	struct sdp_plan back_plan;
	size_t len;
	enum sdp_err e = sdp_answer(&fz_offer, s, &ans);

	if (e == SDP_E_NOT_ACCEPTABLE) {
		if (ans.status != 488 || ans.warning[0] == '\0')
			abort();
		return;
	}
	if (e != SDP_OK || ans.status != 200 || ans.plan.media_index >= fz_offer.n_media)
		abort();
	if (sdp_write_answer(&fz_offer, &ans, &fz_local, buf, sizeof(buf), &len) != SDP_OK ||
	    len != strlen(buf))
		abort();
	if (sdp_parse(buf, len, &fz_back, NULL, 0) != SDP_OK)
		abort();
	if (fz_back.n_media != fz_offer.n_media)
		abort();
	if (sdp_plan_from_answer(&fz_back, s, ans.plan.transport, &back_plan) != SDP_OK)
		abort();
	fz_same_plan(&ans.plan, &back_plan, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	if (sdp_parse((const char *)data, size, &fz_offer, err, sizeof(err)) != SDP_OK) {
		static const struct sdp_session zero;
		if (memcmp(&fz_offer, &zero, sizeof(zero)) != 0 || strncmp(err, "line ", 5) != 0)
			abort();
		return 0;
	}
	fz_check_session(&fz_offer);
	for (size_t i = 0; i < sizeof(fz_settings) / sizeof(fz_settings[0]); i++)
		fz_answer(&fz_settings[i]);
	return 0;
}
