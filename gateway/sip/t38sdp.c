/*
 * t38sdp.c - the T.38 attributes of an image stream in SDP: ITU-T T.38
 * Annex D (D.2.3, the attributes and their values), RFC 3362 (image/t38),
 * and what peers in the field send and expect.
 *
 *   a=T38FaxVersion:N            absent = 0; the answer is <= the offer
 *   a=T38MaxBitRate:N            bit/s
 *   a=T38FaxFillBitRemoval       booleans: present = true (Annex D); some
 *   a=T38FaxTranscodingMMR         peers write :0 / :1 and expect the same
 *   a=T38FaxTranscodingJBIG        style back (FreeSWITCH mirrors it)
 *   a=T38FaxRateManagement:localTCF|transferredTCF   (UDP: transferredTCF)
 *   a=T38FaxMaxBuffer:N          what each side can receive; announced,
 *   a=T38FaxMaxDatagram:N          not negotiated
 *   a=T38FaxUdpEC:t38UDPFEC|t38UDPRedundancy   (the answer may weaken it)
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "caps.h"
#include "t38sdp.h"

enum t38sdp_kind { T38K_NUMBER, T38K_FLAG, T38K_RATE, T38K_EC };

/* One attribute we read: its name, kind, presence bit, and for numbers the
 * largest value taken, for flags the SDP_T38_* bit. */
struct t38sdp_attr {
	const char *name;
	enum t38sdp_kind kind;
	unsigned has;
	uint32_t max_or_flag;
};

static const struct t38sdp_attr t38sdp_attrs[] = {
	{ "T38FaxVersion",         T38K_NUMBER, SDP_T38_HAS_VERSION,      255 },
	{ "T38MaxBitRate",         T38K_NUMBER, SDP_T38_HAS_MAX_BITRATE,  1000000 },
	{ "T38FaxFillBitRemoval",  T38K_FLAG,   SDP_T38_HAS_FILL_BIT,     SDP_T38_FILL_BIT_REMOVAL },
	{ "T38FaxTranscodingMMR",  T38K_FLAG,   SDP_T38_HAS_MMR,          SDP_T38_TRANSCODING_MMR },
	{ "T38FaxTranscodingJBIG", T38K_FLAG,   SDP_T38_HAS_JBIG,         SDP_T38_TRANSCODING_JBIG },
	{ "T38FaxRateManagement",  T38K_RATE,   SDP_T38_HAS_RATE_MGMT,    0 },
	{ "T38FaxMaxBuffer",       T38K_NUMBER, SDP_T38_HAS_MAX_BUFFER,   999999999 },
	{ "T38FaxMaxDatagram",     T38K_NUMBER, SDP_T38_HAS_MAX_DATAGRAM, 999999999 },
	{ "T38FaxUdpEC",           T38K_EC,     SDP_T38_HAS_UDP_EC,       0 },
};

static bool t38sdp_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* Decimal digits only, 1..9 of them, value <= max. */
static bool t38sdp_number(const char *v, size_t n, uint32_t max, uint32_t *out)
{
	uint32_t x = 0;

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10u + (uint32_t)(v[i] - '0');
	}
	if (x > max)
		return false;
	*out = x;
	return true;
}

/* A boolean: bare (true) or :0 / :1; the style is remembered. */
static enum sdp_err t38sdp_flag(const struct t38sdp_attr *a, bool has_value, const char *v,
				size_t n, struct sdp_t38 *t, const char **why)
{
	bool on = true;

	if (has_value) {
		if (n != 1 || (v[0] != '0' && v[0] != '1')) {
			*why = "a T.38 boolean is bare or :0 / :1";
			return SDP_E_T38;
		}
		on = v[0] == '1';
		t->style = SDP_T38_STYLE_VALUE;
	}
	if (on)
		t->flags |= a->max_or_flag;
	return SDP_OK;
}

static enum sdp_err t38sdp_value(const struct t38sdp_attr *a, const char *v, size_t n,
				 struct sdp_t38 *t, const char **why)
{
	uint32_t x;

	switch (a->kind) {
	case T38K_NUMBER:
		if (!t38sdp_number(v, n, a->max_or_flag, &x)) {
			*why = "a T.38 number out of range or not decimal";
			return SDP_E_T38;
		}
		if (a->has == SDP_T38_HAS_VERSION)
			t->version = x;
		else if (a->has == SDP_T38_HAS_MAX_BITRATE)
			t->max_bitrate = x;
		else if (a->has == SDP_T38_HAS_MAX_BUFFER)
			t->max_buffer = x;
		else
			t->max_datagram = x;
		return SDP_OK;
	case T38K_RATE:
		if (t38sdp_eq(v, n, "localTCF"))
			t->rate = SDP_T38_RATE_LOCAL_TCF;
		else if (t38sdp_eq(v, n, "transferredTCF"))
			t->rate = SDP_T38_RATE_TRANSFERRED_TCF;
		else {
			*why = "T38FaxRateManagement is localTCF or transferredTCF";
			return SDP_E_T38;
		}
		return SDP_OK;
	default: /* T38K_EC; t38UDPNoEC is not in Annex D but peers write it */
		if (t38sdp_eq(v, n, "t38UDPFEC"))
			t->ec = SDP_T38_EC_FEC;
		else if (t38sdp_eq(v, n, "t38UDPRedundancy"))
			t->ec = SDP_T38_EC_REDUNDANCY;
		else if (t38sdp_eq(v, n, "t38UDPNoEC"))
			t->ec = SDP_T38_EC_NONE;
		else {
			*why = "T38FaxUdpEC is t38UDPFEC or t38UDPRedundancy";
			return SDP_E_T38;
		}
		return SDP_OK;
	}
}

enum sdp_err t38sdp_parse_attr(const char *name, size_t nlen, bool has_value,
			       const char *value, size_t vlen, struct sdp_t38 *t,
			       bool *known, const char **why)
{
	const struct t38sdp_attr *a = NULL;

	for (size_t i = 0; i < sizeof(t38sdp_attrs) / sizeof(t38sdp_attrs[0]); i++)
		if (t38sdp_eq(name, nlen, t38sdp_attrs[i].name))
			a = &t38sdp_attrs[i];
	*known = a != NULL;
	if (a == NULL)
		return SDP_OK;
	if (t->present & a->has) {
		*why = "a T.38 attribute is repeated";
		return SDP_E_DUPLICATE;
	}
	t->present |= a->has;
	if (a->kind == T38K_FLAG)
		return t38sdp_flag(a, has_value, value, vlen, t, why);
	if (!has_value) {
		*why = "a T.38 attribute lacks its value";
		return SDP_E_T38;
	}
	return t38sdp_value(a, value, vlen, t, why);
}

static uint32_t t38sdp_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * Annex D answer rules (D.2.3; what Asterisk and FreeSWITCH do):
 *   version       min(ours, the peer's; absent = 0)
 *   MaxBitRate    min(ours, the peer's; absent or 0 = ours)
 *   booleans      true only where both sides have them; the peer's style
 *                 (with values, all three are written: :0 or :1)
 *   RateManagement the peer's, echoed; absent = transferredTCF (UDP)
 *   MaxBuffer, MaxDatagram  ours, announced
 *   UdpEC         min(the peer's, ours) in fec > redundancy > none; absent = none
 *   send limit    the peer's MaxDatagram; missing, 0 or > FGW_T38_FAR_DATAGRAM_MAX
 *                 gives FGW_T38_FAR_DATAGRAM_DEFAULT (Asterisk's rule)
 */
void t38sdp_negotiate(const struct sdp_t38 *peer, const struct sdp_settings *s,
		      struct sdp_t38 *out, uint32_t *send_limit)
{
	memset(out, 0, sizeof(*out));
	out->present = SDP_T38_HAS_VERSION | SDP_T38_HAS_MAX_BITRATE | SDP_T38_HAS_RATE_MGMT |
		       SDP_T38_HAS_MAX_DATAGRAM;
	out->version = peer->version < s->t38_version ? peer->version : s->t38_version;
	out->max_bitrate = s->max_rate;
	if ((peer->present & SDP_T38_HAS_MAX_BITRATE) && peer->max_bitrate > 0)
		out->max_bitrate = t38sdp_min(s->max_rate, peer->max_bitrate);
	out->style = peer->style;
	out->flags = peer->flags & s->t38_flags & SDP_T38_ALL_FLAGS;
	if (out->style == SDP_T38_STYLE_VALUE)
		out->present |= SDP_T38_HAS_FILL_BIT | SDP_T38_HAS_MMR | SDP_T38_HAS_JBIG;
	else
		out->present |= (out->flags & SDP_T38_FILL_BIT_REMOVAL ? SDP_T38_HAS_FILL_BIT : 0) |
				(out->flags & SDP_T38_TRANSCODING_MMR ? SDP_T38_HAS_MMR : 0) |
				(out->flags & SDP_T38_TRANSCODING_JBIG ? SDP_T38_HAS_JBIG : 0);
	out->rate = peer->present & SDP_T38_HAS_RATE_MGMT ? peer->rate
							    : SDP_T38_RATE_TRANSFERRED_TCF;
	if (s->t38_max_buffer > 0) {
		out->present |= SDP_T38_HAS_MAX_BUFFER;
		out->max_buffer = s->t38_max_buffer;
	}
	out->max_datagram = s->t38_max_datagram;
	out->ec = peer->ec < s->udptl_ec ? peer->ec : s->udptl_ec;
	if (out->ec != SDP_T38_EC_NONE)
		out->present |= SDP_T38_HAS_UDP_EC;
	*send_limit = FGW_T38_FAR_DATAGRAM_DEFAULT;
	if ((peer->present & SDP_T38_HAS_MAX_DATAGRAM) && peer->max_datagram > 0 &&
	    peer->max_datagram <= FGW_T38_FAR_DATAGRAM_MAX)
		*send_limit = peer->max_datagram;
}

void t38sdp_ours(const struct sdp_settings *s, struct sdp_t38 *out)
{
	struct sdp_t38 all;
	uint32_t unused;

	/* what a peer offering everything would get: exactly our settings */
	memset(&all, 0, sizeof(all));
	all.present = SDP_T38_HAS_MAX_BITRATE | SDP_T38_HAS_UDP_EC;
	all.version = 255;
	all.max_bitrate = UINT32_MAX;
	all.flags = SDP_T38_ALL_FLAGS;
	all.ec = SDP_T38_EC_FEC;
	t38sdp_negotiate(&all, s, out, &unused);
}

static void t38sdp_write_flag(const struct sdp_t38 *t, struct fgwx_buf *o, unsigned has,
			      unsigned flag, const char *name)
{
	if (!(t->present & has))
		return;
	if (t->style == SDP_T38_STYLE_VALUE)
		fgwx_buf_addf(o, "a=%s:%d\r\n", name, (t->flags & flag) ? 1 : 0);
	else if (t->flags & flag)
		fgwx_buf_addf(o, "a=%s\r\n", name);
}

void t38sdp_write(const struct sdp_t38 *t, struct fgwx_buf *o)
{
	if (t->present & SDP_T38_HAS_VERSION)
		fgwx_buf_addf(o, "a=T38FaxVersion:%u\r\n", t->version);
	if (t->present & SDP_T38_HAS_MAX_BITRATE)
		fgwx_buf_addf(o, "a=T38MaxBitRate:%u\r\n", (unsigned)t->max_bitrate);
	t38sdp_write_flag(t, o, SDP_T38_HAS_FILL_BIT, SDP_T38_FILL_BIT_REMOVAL,
			  "T38FaxFillBitRemoval");
	t38sdp_write_flag(t, o, SDP_T38_HAS_MMR, SDP_T38_TRANSCODING_MMR, "T38FaxTranscodingMMR");
	t38sdp_write_flag(t, o, SDP_T38_HAS_JBIG, SDP_T38_TRANSCODING_JBIG,
			  "T38FaxTranscodingJBIG");
	if ((t->present & SDP_T38_HAS_RATE_MGMT) && t->rate != SDP_T38_RATE_NONE)
		fgwx_buf_addf(o, "a=T38FaxRateManagement:%s\r\n",
			       t->rate == SDP_T38_RATE_LOCAL_TCF ? "localTCF" : "transferredTCF");
	if (t->present & SDP_T38_HAS_MAX_BUFFER)
		fgwx_buf_addf(o, "a=T38FaxMaxBuffer:%u\r\n", (unsigned)t->max_buffer);
	if (t->present & SDP_T38_HAS_MAX_DATAGRAM)
		fgwx_buf_addf(o, "a=T38FaxMaxDatagram:%u\r\n", (unsigned)t->max_datagram);
	if ((t->present & SDP_T38_HAS_UDP_EC) && t->ec != SDP_T38_EC_NONE)
		fgwx_buf_addf(o, "a=T38FaxUdpEC:%s\r\n",
			       t->ec == SDP_T38_EC_FEC ? "t38UDPFEC" : "t38UDPRedundancy");
}
