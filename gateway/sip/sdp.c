/*
 * sdp.c - SDP for a fax gateway: the strict, bounded parser (RFC 4566),
 * the offer/answer decisions (RFC 3264) and the writer.  The T.38
 * attributes (T.38 Annex D) are in t38sdp.c.
 *
 * The parser walks the body with a pointer and a remaining length, one
 * line at a time (CRLF or LF; RFC 4566 5 asks for CRLF, and peers send
 * both).  What it enforces:
 *   - the body is at most FGW_SDP_MAX_BODY bytes, each line at most
 *     FGW_SDP_MAX_LINE, with no NUL, control byte or lone CR (RFC 4566 5:
 *     text is UTF-8 with no 0x00-0x1F but TAB);
 *   - v=0 first; o=, s= and t= (RFC 4566 5: required) before the first m=;
 *   - every line `<letter>=<value>`; types we do not use are ignored
 *     (i u e p b z k r), as are attributes we do not know;
 *   - c= is `IN IP4|IP6 <numeric address>`, at most one per section; an
 *     active stream needs one (its own or the session's, RFC 4566 5.7);
 *   - counts within FGW_SDP_MAX_MEDIA, FGW_SDP_MAX_FORMATS, FGW_SDP_MAX_ATTRS.
 * An error leaves a zeroed session and a "line N: reason" message.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "caps.h"
#include "sdp.h"
#include "t38sdp.h"

/* ----- errors ------------------------------------------------------------------ */

const char *sdp_strerror(int err)
{
	static const char *const texts[] = {
		[0] = "success",
		[1] = "invalid argument",
		[2] = "SDP body too big",
		[3] = "SDP line too long",
		[4] = "forbidden byte in SDP",
		[5] = "SDP syntax error",
		[6] = "SDP does not start with v=0",
		[7] = "SDP lacks o=, s= or t=",
		[8] = "malformed SDP origin (o=)",
		[9] = "malformed SDP connection (c=)",
		[10] = "SDP stream without a connection address",
		[11] = "malformed SDP media line (m=)",
		[12] = "too many SDP media lines",
		[13] = "too many formats on an SDP media line",
		[14] = "too many SDP attributes",
		[15] = "malformed SDP attribute",
		[16] = "malformed T.38 SDP attribute",
		[17] = "repeated SDP line or attribute",
		[18] = "no acceptable media in the SDP offer",
		[19] = "SDP buffer too small",
	};
	if (err > 0 || err < -(int)(sizeof(texts) / sizeof(texts[0]) - 1))
		return "unknown SDP error";
	return texts[-err];
}

/* ----- text helpers ------------------------------------------------------------- */

/* A piece of a line: pointer and length, never NUL-terminated. */
struct sdp_span {
	const char *p;
	size_t n;
};

static bool sdp_eq(struct sdp_span s, const char *lit)
{
	return strlen(lit) == s.n && strncasecmp(s.p, lit, s.n) == 0;
}

/* Splits the next space-separated token off *rest; false at the end. */
static bool sdp_token(struct sdp_span *rest, struct sdp_span *tok)
{
	while (rest->n > 0 && *rest->p == ' ') {
		rest->p++;
		rest->n--;
	}
	if (rest->n == 0)
		return false;
	tok->p = rest->p;
	while (rest->n > 0 && *rest->p != ' ') {
		rest->p++;
		rest->n--;
	}
	tok->n = (size_t)(rest->p - tok->p);
	return true;
}

/* Decimal digits only, 1..9 of them, value <= max. */
static bool sdp_number(struct sdp_span s, uint32_t max, uint32_t *out)
{
	uint32_t x = 0;

	if (s.n == 0 || s.n > 9)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		x = x * 10u + (uint32_t)(s.p[i] - '0');
	}
	if (x > max)
		return false;
	*out = x;
	return true;
}

static bool sdp_digits(struct sdp_span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return s.n > 0;
}

/* Copies a token of at most FGW_SDP_MAX_TOKEN bytes; false if longer. */
static bool sdp_copy_token(struct sdp_span s, char out[FGW_SDP_MAX_TOKEN + 1])
{
	if (s.n == 0 || s.n > FGW_SDP_MAX_TOKEN)
		return false;
	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	return true;
}

/* ----- parser state --------------------------------------------------------------- */

#define SEEN_V 0x1u
#define SEEN_O 0x2u
#define SEEN_S 0x4u
#define SEEN_T 0x8u

struct sdp_parser {
	const char *p;                 /* the rest of the body */
	size_t left;
	unsigned line;                 /* number of the current line, from 1 */
	struct sdp_session *s;
	struct sdp_media *m;           /* current m= section; NULL at session level */
	unsigned seen;                 /* SEEN_* */
	unsigned n_attrs;              /* a= lines in the current section */
	bool conn_seen;                /* a c= in the current section */
	enum sdp_dir sess_dir;         /* session-level direction attribute */
	unsigned sess_ptime;           /* session-level a=ptime (tolerated) */
	unsigned m_line[FGW_SDP_MAX_MEDIA]; /* line of each m=, for messages */
	const char *why;               /* the reason of an error */
};

static enum sdp_err sdp_fail(struct sdp_parser *ps, enum sdp_err e, const char *why)
{
	ps->why = why;
	return e;
}

/*
 * The next line into *line (without CR/LF); false at the end of the body.
 * A line ends at LF; one CR before it is dropped, and trailing spaces and
 * tabs (some peers write "a=sendrecv "); the last line may lack its end.
 */
static bool sdp_next_line(struct sdp_parser *ps, struct sdp_span *line)
{
	if (ps->left == 0)
		return false;
	const char *nl = memchr(ps->p, '\n', ps->left);
	size_t n = nl != NULL ? (size_t)(nl - ps->p) : ps->left;

	line->p = ps->p;
	line->n = n;
	ps->p += n + (nl != NULL);
	ps->left -= n + (nl != NULL);
	if (line->n > 0 && line->p[line->n - 1] == '\r')
		line->n--;
	while (line->n > 0 && (line->p[line->n - 1] == ' ' || line->p[line->n - 1] == '\t'))
		line->n--;
	ps->line++;
	return true;
}

/* RFC 4566 5: no NUL, no control byte but TAB (a lone CR is one). */
static enum sdp_err sdp_check_line(struct sdp_parser *ps, struct sdp_span line)
{
	if (line.n > FGW_SDP_MAX_LINE)
		return sdp_fail(ps, SDP_E_LINE_TOO_LONG, "line longer than FGW_SDP_MAX_LINE");
	for (size_t i = 0; i < line.n; i++) {
		unsigned char c = (unsigned char)line.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return sdp_fail(ps, SDP_E_CHARSET, "NUL, control byte or lone CR");
	}
	if (line.n < 2 || line.p[0] < 'a' || line.p[0] > 'z' || line.p[1] != '=')
		return sdp_fail(ps, SDP_E_SYNTAX, "a line is not <letter>=<value>");
	return SDP_OK;
}

/* ----- session-level lines ------------------------------------------------------- */

/* o=<username> <sess-id> <sess-version> IN IP4|IP6 <address> (RFC 4566 5.2) */
static enum sdp_err sdp_origin(struct sdp_parser *ps, struct sdp_span v)
{
	struct sdp_span user, id, ver, net, type, addr, extra;

	if (ps->m != NULL)
		return sdp_fail(ps, SDP_E_ORIGIN, "o= inside a media section");
	if (ps->seen & SEEN_O)
		return sdp_fail(ps, SDP_E_DUPLICATE, "o= repeated");
	ps->seen |= SEEN_O;
	if (!sdp_token(&v, &user) || !sdp_token(&v, &id) || !sdp_token(&v, &ver) ||
	    !sdp_token(&v, &net) || !sdp_token(&v, &type) || !sdp_token(&v, &addr) ||
	    sdp_token(&v, &extra))
		return sdp_fail(ps, SDP_E_ORIGIN, "o= needs six fields");
	if (!sdp_digits(id) || !sdp_digits(ver) || !sdp_eq(net, "IN") ||
	    !(sdp_eq(type, "IP4") || sdp_eq(type, "IP6")) || addr.n == 0)
		return sdp_fail(ps, SDP_E_ORIGIN, "o= fields malformed");
	if (!sdp_copy_token(user, ps->s->origin_user) || !sdp_copy_token(id, ps->s->origin_id) ||
	    !sdp_copy_token(ver, ps->s->origin_version))
		return sdp_fail(ps, SDP_E_ORIGIN, "o= field longer than FGW_SDP_MAX_TOKEN");
	return SDP_OK;
}

/* t=<start> <stop> (RFC 4566 5.9); several are allowed. */
static enum sdp_err sdp_timing(struct sdp_parser *ps, struct sdp_span v)
{
	struct sdp_span start, stop, extra;

	if (ps->m != NULL)
		return sdp_fail(ps, SDP_E_SYNTAX, "t= inside a media section");
	if (!sdp_token(&v, &start) || !sdp_token(&v, &stop) || sdp_token(&v, &extra) ||
	    !sdp_digits(start) || !sdp_digits(stop))
		return sdp_fail(ps, SDP_E_SYNTAX, "t= needs two decimal times");
	ps->seen |= SEEN_T;
	return SDP_OK;
}

/* c=IN IP4|IP6 <numeric address> (RFC 4566 5.7); no multicast TTL, no FQDN. */
static enum sdp_err sdp_connection(struct sdp_parser *ps, struct sdp_span v)
{
	struct sdp_span net, type, addr, extra;
	struct sdp_addr *a = ps->m != NULL ? &ps->m->conn : &ps->s->conn;
	char text[FGW_SDP_MAX_ADDR_TEXT];

	if (ps->conn_seen)
		return sdp_fail(ps, SDP_E_DUPLICATE, "c= repeated in a section");
	ps->conn_seen = true;
	if (!sdp_token(&v, &net) || !sdp_token(&v, &type) || !sdp_token(&v, &addr) ||
	    sdp_token(&v, &extra) || !sdp_eq(net, "IN"))
		return sdp_fail(ps, SDP_E_CONNECTION, "c= is IN IP4|IP6 <address>");
	if (sdp_eq(type, "IP4"))
		a->family = AF_INET;
	else if (sdp_eq(type, "IP6"))
		a->family = AF_INET6;
	else
		return sdp_fail(ps, SDP_E_CONNECTION, "c= address type is IP4 or IP6");
	if (addr.n >= sizeof(text))
		return sdp_fail(ps, SDP_E_CONNECTION, "c= address is not a numeric address");
	memcpy(text, addr.p, addr.n);
	text[addr.n] = '\0';
	if (inet_pton(a->family, text, a->bytes) != 1 ||
	    inet_ntop(a->family, a->bytes, a->text, sizeof(a->text)) == NULL)
		return sdp_fail(ps, SDP_E_CONNECTION, "c= address is not a numeric address");
	return SDP_OK;
}

/* ----- m= lines (RFC 4566 5.14) ------------------------------------------------- */

/* The codec of a static payload type (RFC 3551 table 4). */
static enum sdp_codec sdp_static_codec(unsigned pt)
{
	switch (pt) {
	case 0: return SDP_CODEC_PCMU;
	case 2: return SDP_CODEC_G726;
	case 8: return SDP_CODEC_PCMA;
	case 18: return SDP_CODEC_G729;
	default: return SDP_CODEC_OTHER;
	}
}

static enum sdp_err sdp_add_format(struct sdp_parser *ps, struct sdp_span f)
{
	struct sdp_media *m = ps->m;
	uint32_t pt;

	if (m->proto == SDP_PROTO_UDPTL && sdp_eq(f, "t38"))
		m->t38 = true;
	if (m->proto != SDP_PROTO_RTP_AVP)
		return SDP_OK;
	if (!sdp_number(f, 127, &pt))
		return sdp_fail(ps, SDP_E_MEDIA, "an RTP format is not a payload type 0..127");
	for (size_t i = 0; i < m->n_formats; i++)
		if (m->formats[i].pt == pt)
			return sdp_fail(ps, SDP_E_MEDIA, "a payload type is listed twice");
	if (m->n_formats == FGW_SDP_MAX_FORMATS)
		return sdp_fail(ps, SDP_E_TOO_MANY_FORMATS, "more than FGW_SDP_MAX_FORMATS formats");
	m->formats[m->n_formats].pt = (uint8_t)pt;
	m->formats[m->n_formats].codec = sdp_static_codec(pt);
	m->n_formats++;
	return SDP_OK;
}

/* <port>[/<count>] */
static bool sdp_port(struct sdp_span s, uint16_t *port)
{
	const char *slash = memchr(s.p, '/', s.n);
	struct sdp_span num = { s.p, slash != NULL ? (size_t)(slash - s.p) : s.n };
	struct sdp_span count = { slash + 1, slash != NULL ? s.n - num.n - 1 : 0 };
	uint32_t v, c;

	if (!sdp_number(num, 65535, &v))
		return false;
	if (slash != NULL && (!sdp_number(count, 65535, &c) || c == 0))
		return false;
	*port = (uint16_t)v;
	return true;
}

static enum sdp_err sdp_media_line(struct sdp_parser *ps, struct sdp_span v)
{
	struct sdp_span type, port, proto, f;
	enum sdp_err e;

	if ((ps->seen & (SEEN_O | SEEN_S | SEEN_T)) != (SEEN_O | SEEN_S | SEEN_T))
		return sdp_fail(ps, SDP_E_MISSING, "o=, s= and t= must come before m=");
	if (ps->s->n_media == FGW_SDP_MAX_MEDIA)
		return sdp_fail(ps, SDP_E_TOO_MANY_MEDIA, "more than FGW_SDP_MAX_MEDIA m= lines");
	ps->m_line[ps->s->n_media] = ps->line;
	ps->m = &ps->s->media[ps->s->n_media++];
	ps->n_attrs = 0;
	ps->conn_seen = false;
	if (!sdp_token(&v, &type) || !sdp_token(&v, &port) || !sdp_token(&v, &proto))
		return sdp_fail(ps, SDP_E_MEDIA, "m= needs media, port, proto and a format");
	if (!sdp_copy_token(type, ps->m->type_text) || !sdp_copy_token(proto, ps->m->proto_text))
		return sdp_fail(ps, SDP_E_MEDIA, "m= field longer than FGW_SDP_MAX_TOKEN");
	if (!sdp_port(port, &ps->m->port))
		return sdp_fail(ps, SDP_E_MEDIA, "m= port is not 0..65535");
	ps->m->type = sdp_eq(type, "audio") ? SDP_MEDIA_AUDIO
		    : sdp_eq(type, "image") ? SDP_MEDIA_IMAGE : SDP_MEDIA_OTHER;
	ps->m->proto = sdp_eq(proto, "RTP/AVP") ? SDP_PROTO_RTP_AVP
		     : sdp_eq(proto, "udptl") ? SDP_PROTO_UDPTL : SDP_PROTO_OTHER;
	if (!sdp_token(&v, &f))
		return sdp_fail(ps, SDP_E_MEDIA, "m= needs at least one format");
	if (!sdp_copy_token(f, ps->m->fmt_text))
		return sdp_fail(ps, SDP_E_MEDIA, "m= format longer than FGW_SDP_MAX_TOKEN");
	do {
		if (f.n > FGW_SDP_MAX_TOKEN)
			return sdp_fail(ps, SDP_E_MEDIA, "m= format longer than FGW_SDP_MAX_TOKEN");
		if ((e = sdp_add_format(ps, f)) != SDP_OK)
			return e;
	} while (sdp_token(&v, &f));
	return SDP_OK;
}

/* ----- a= lines ------------------------------------------------------------------- */

/* The codec of an rtpmap encoding (RFC 3551 table 4, RFC 4733, RFC 3551 4.5.4). */
static enum sdp_codec sdp_rtpmap_codec(struct sdp_span name, uint32_t clock, uint32_t channels)
{
	static const char *const g726[] = { "G726-16", "G726-24", "G726-32", "G726-40",
		"AAL2-G726-16", "AAL2-G726-24", "AAL2-G726-32", "AAL2-G726-40", "G721" };

	if (sdp_eq(name, "telephone-event"))
		return SDP_CODEC_TELEPHONE_EVENT;
	if (sdp_eq(name, "G729") || sdp_eq(name, "G729a"))
		return SDP_CODEC_G729;
	for (size_t i = 0; i < sizeof(g726) / sizeof(g726[0]); i++)
		if (sdp_eq(name, g726[i]))
			return SDP_CODEC_G726;
	if (clock != 8000 || channels != 1)
		return SDP_CODEC_OTHER;
	if (sdp_eq(name, "PCMU"))
		return SDP_CODEC_PCMU;
	if (sdp_eq(name, "PCMA"))
		return SDP_CODEC_PCMA;
	return SDP_CODEC_OTHER;
}

/* a=rtpmap:<pt> <encoding>/<clock>[/<channels>] (RFC 4566 6) */
static enum sdp_err sdp_rtpmap(struct sdp_parser *ps, struct sdp_span v)
{
	struct sdp_span pts, enc, extra;
	uint32_t pt, clock, channels = 1;

	if (!sdp_token(&v, &pts) || !sdp_token(&v, &enc) || sdp_token(&v, &extra) ||
	    !sdp_number(pts, 127, &pt))
		return sdp_fail(ps, SDP_E_ATTRIBUTE, "rtpmap is <pt> <encoding>/<clock>");
	const char *s1 = memchr(enc.p, '/', enc.n);
	if (s1 == NULL || s1 == enc.p)
		return sdp_fail(ps, SDP_E_ATTRIBUTE, "rtpmap is <pt> <encoding>/<clock>");
	struct sdp_span name = { enc.p, (size_t)(s1 - enc.p) };
	struct sdp_span rest = { s1 + 1, enc.n - name.n - 1 };
	const char *s2 = memchr(rest.p, '/', rest.n);
	struct sdp_span clk = { rest.p, s2 != NULL ? (size_t)(s2 - rest.p) : rest.n };
	struct sdp_span ch = { s2 + 1, s2 != NULL ? rest.n - clk.n - 1 : 0 };
	if (!sdp_number(clk, 999999999, &clock) || clock == 0 ||
	    (s2 != NULL && (!sdp_number(ch, 255, &channels) || channels == 0)))
		return sdp_fail(ps, SDP_E_ATTRIBUTE, "rtpmap clock or channels malformed");
	for (size_t i = 0; i < ps->m->n_formats; i++) {
		struct sdp_format *f = &ps->m->formats[i];
		if (f->pt != pt)
			continue;
		if (f->rtpmap)
			return sdp_fail(ps, SDP_E_DUPLICATE, "rtpmap repeated for a payload type");
		f->rtpmap = true;
		f->codec = sdp_rtpmap_codec(name, clock, channels);
	}
	return SDP_OK;     /* an rtpmap for a payload type not listed is ignored */
}

/* a=ptime:<ms> and a=maxptime:<ms> (RFC 4566 6), 1..1000. */
static enum sdp_err sdp_ptime(struct sdp_parser *ps, bool has_value, struct sdp_span v,
			      unsigned *slot)
{
	uint32_t ms;

	if (*slot != 0)
		return sdp_fail(ps, SDP_E_DUPLICATE, "ptime or maxptime repeated");
	if (!has_value || !sdp_number(v, 1000, &ms) || ms == 0)
		return sdp_fail(ps, SDP_E_ATTRIBUTE, "ptime/maxptime is 1..1000 ms");
	*slot = ms;
	return SDP_OK;
}

/* sendrecv | sendonly | recvonly | inactive (RFC 4566 6, RFC 3264 5.1) */
static int sdp_dir_of(struct sdp_span name)
{
	if (sdp_eq(name, "sendrecv"))
		return SDP_DIR_SENDRECV;
	if (sdp_eq(name, "sendonly"))
		return SDP_DIR_SENDONLY;
	if (sdp_eq(name, "recvonly"))
		return SDP_DIR_RECVONLY;
	if (sdp_eq(name, "inactive"))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_UNSET;
}

static enum sdp_err sdp_direction(struct sdp_parser *ps, bool has_value, enum sdp_dir d)
{
	enum sdp_dir *slot = ps->m != NULL ? &ps->m->dir : &ps->sess_dir;

	if (has_value)
		return sdp_fail(ps, SDP_E_ATTRIBUTE, "a direction attribute takes no value");
	if (*slot != SDP_DIR_UNSET)
		return sdp_fail(ps, SDP_E_DUPLICATE, "more than one direction attribute");
	*slot = d;
	return SDP_OK;
}

/* a=<name>[:<value>]: the ones we read; the rest is ignored. */
static enum sdp_err sdp_attribute(struct sdp_parser *ps, struct sdp_span v)
{
	const char *colon = memchr(v.p, ':', v.n);
	struct sdp_span name = { v.p, colon != NULL ? (size_t)(colon - v.p) : v.n };
	struct sdp_span val = { colon + 1, colon != NULL ? v.n - name.n - 1 : 0 };
	bool has_value = colon != NULL;
	struct sdp_media *m = ps->m;
	int d;

	if (++ps->n_attrs > FGW_SDP_MAX_ATTRS)
		return sdp_fail(ps, SDP_E_TOO_MANY_ATTRS, "more than FGW_SDP_MAX_ATTRS a= lines");
	if (name.n == 0 || memchr(name.p, ' ', name.n) != NULL)
		return sdp_fail(ps, SDP_E_SYNTAX, "a= needs an attribute name");
	if ((d = sdp_dir_of(name)) != SDP_DIR_UNSET)
		return sdp_direction(ps, has_value, (enum sdp_dir)d);
	if (sdp_eq(name, "ptime"))
		return sdp_ptime(ps, has_value, val, m != NULL ? &m->ptime : &ps->sess_ptime);
	if (m != NULL && sdp_eq(name, "maxptime"))
		return sdp_ptime(ps, has_value, val, &m->maxptime);
	if (m != NULL && m->proto == SDP_PROTO_RTP_AVP && sdp_eq(name, "rtpmap"))
		return has_value ? sdp_rtpmap(ps, val)
				 : sdp_fail(ps, SDP_E_ATTRIBUTE, "rtpmap without a value");
	if (m != NULL && m->type == SDP_MEDIA_IMAGE) {
		bool known;
		enum sdp_err e = t38sdp_parse_attr(name.p, name.n, has_value, val.p, val.n,
						   &m->t38p, &known, &ps->why);
		if (e != SDP_OK)
			return e;
	}
	return SDP_OK;
}

/* ----- the whole body ------------------------------------------------------------ */

static enum sdp_err sdp_session_line(struct sdp_parser *ps, struct sdp_span line)
{
	struct sdp_span v = { line.p + 2, line.n - 2 };

	if (!(ps->seen & SEEN_V)) {
		if (line.p[0] != 'v' || !sdp_eq(v, "0"))
			return sdp_fail(ps, SDP_E_VERSION, "the first line must be v=0");
		ps->seen |= SEEN_V;
		return SDP_OK;
	}
	switch (line.p[0]) {
	case 'v':
		return sdp_fail(ps, SDP_E_DUPLICATE, "v= repeated");
	case 'o':
		return sdp_origin(ps, v);
	case 's':
		if (ps->m != NULL || (ps->seen & SEEN_S))
			return sdp_fail(ps, SDP_E_DUPLICATE, "s= repeated or inside a media section");
		ps->seen |= SEEN_S;
		return SDP_OK;
	case 't':
		return sdp_timing(ps, v);
	case 'c':
		return sdp_connection(ps, v);
	case 'm':
		return sdp_media_line(ps, v);
	case 'a':
		return sdp_attribute(ps, v);
	default:
		return SDP_OK;         /* i u e p b z k r and unknown types: ignored */
	}
}

/* Session-level fallbacks (RFC 4566 5.7, 6) and the connection rule. */
static enum sdp_err sdp_finish(struct sdp_parser *ps)
{
	struct sdp_session *s = ps->s;

	if ((ps->seen & (SEEN_O | SEEN_S | SEEN_T)) != (SEEN_O | SEEN_S | SEEN_T))
		return sdp_fail(ps, SDP_E_MISSING, "o=, s= or t= missing");
	for (size_t i = 0; i < s->n_media; i++) {
		struct sdp_media *m = &s->media[i];
		if (m->dir == SDP_DIR_UNSET)
			m->dir = ps->sess_dir != SDP_DIR_UNSET ? ps->sess_dir : SDP_DIR_SENDRECV;
		if (m->ptime == 0)
			m->ptime = ps->sess_ptime;
		if (m->conn.family == 0)
			m->conn = s->conn;
		if (m->port != 0 && m->conn.family == 0) {
			ps->line = ps->m_line[i];
			return sdp_fail(ps, SDP_E_NO_CONNECTION, "an active stream without c=");
		}
	}
	return SDP_OK;
}

static enum sdp_err sdp_parse_body(struct sdp_parser *ps)
{
	struct sdp_span line;
	enum sdp_err e;

	while (sdp_next_line(ps, &line)) {
		if (line.n == 0)
			continue;      /* empty lines (a trailing CRLF) are tolerated */
		if ((e = sdp_check_line(ps, line)) != SDP_OK)
			return e;
		if ((e = sdp_session_line(ps, line)) != SDP_OK)
			return e;
	}
	if (!(ps->seen & SEEN_V))
		return sdp_fail(ps, SDP_E_VERSION, "empty SDP body");
	return sdp_finish(ps);
}

enum sdp_err sdp_parse(const char *buf, size_t len, struct sdp_session *out,
		       char *err, size_t errlen)
{
	struct sdp_parser ps;
	enum sdp_err e;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL || (buf == NULL && len > 0))
		return SDP_E_INVAL;
	memset(out, 0, sizeof(*out));
	memset(&ps, 0, sizeof(ps));
	ps.p = buf;
	ps.left = len;
	ps.s = out;
	if (len > FGW_SDP_MAX_BODY)
		e = sdp_fail(&ps, SDP_E_TOO_BIG, "body longer than FGW_SDP_MAX_BODY");
	else
		e = sdp_parse_body(&ps);
	if (e != SDP_OK) {
		memset(out, 0, sizeof(*out));
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "line %u: %s", ps.line, ps.why != NULL ? ps.why : "?");
	}
	return e;
}

/* ----- offer/answer (RFC 3264) ------------------------------------------------------ */

const char *sdp_dir_name(enum sdp_dir dir)
{
	switch (dir) {
	case SDP_DIR_SENDONLY: return "sendonly";
	case SDP_DIR_RECVONLY: return "recvonly";
	case SDP_DIR_INACTIVE: return "inactive";
	default: return "sendrecv";
	}
}

/* RFC 3264 6.1: sendonly is answered recvonly and the reverse. */
static enum sdp_dir sdp_answer_dir(enum sdp_dir offered)
{
	switch (offered) {
	case SDP_DIR_SENDONLY: return SDP_DIR_RECVONLY;
	case SDP_DIR_RECVONLY: return SDP_DIR_SENDONLY;
	case SDP_DIR_INACTIVE: return SDP_DIR_INACTIVE;
	default: return SDP_DIR_SENDRECV;
	}
}

static bool sdp_settings_ok(const struct sdp_settings *s)
{
	if (s->t38 > SDP_T38_OFFER || s->n_codecs == 0 || s->n_codecs > FGW_SDP_MAX_CODECS ||
	    s->t38_version > 3 || s->max_rate == 0 || s->udptl_ec > SDP_T38_EC_FEC ||
	    s->t38_max_datagram == 0 || (s->t38_flags & ~SDP_T38_ALL_FLAGS) != 0 ||
	    (s->ptime != 0 && (s->ptime < FGW_SDP_PTIME_MIN_MS || s->ptime > FGW_SDP_PTIME_MAX_MS)))
		return false;
	for (size_t i = 0; i < s->n_codecs; i++)
		if (s->codecs[i] != SDP_CODEC_PCMU && s->codecs[i] != SDP_CODEC_PCMA)
			return false;
	return true;
}

static bool sdp_is_t38(const struct sdp_media *m)
{
	return m->type == SDP_MEDIA_IMAGE && m->proto == SDP_PROTO_UDPTL && m->t38 && m->port != 0;
}

/* The first format of m that is one of our laws, in OUR order; -1 if none. */
static int sdp_pick_law(const struct sdp_media *m, const struct sdp_settings *s)
{
	if (m->type != SDP_MEDIA_AUDIO || m->proto != SDP_PROTO_RTP_AVP || m->port == 0)
		return -1;
	for (size_t c = 0; c < s->n_codecs; c++)
		for (size_t i = 0; i < m->n_formats; i++)
			if (m->formats[i].codec == s->codecs[c])
				return (int)i;
	return -1;
}

/* G.711 packet time: as offered (RFC 4566 6: a=ptime, a=maxptime), within
 * FGW_SDP_PTIME_MIN_MS..FGW_SDP_PTIME_MAX_MS; none offered: 20 ms. */
static unsigned sdp_pick_ptime(const struct sdp_media *m)
{
	unsigned p = m->ptime != 0 ? m->ptime : FGW_SDP_PTIME_DEFAULT_MS;

	if (m->maxptime != 0 && p > m->maxptime)
		p = m->maxptime;
	if (p < FGW_SDP_PTIME_MIN_MS)
		p = FGW_SDP_PTIME_MIN_MS;
	if (p > FGW_SDP_PTIME_MAX_MS)
		p = FGW_SDP_PTIME_MAX_MS;
	return p;
}

static void sdp_plan_common(const struct sdp_media *m, size_t index, struct sdp_plan *p)
{
	p->media_index = index;
	p->remote = m->conn;
	p->remote_port = m->port;
	p->dir = sdp_answer_dir(m->dir);
}

static void sdp_plan_audio(const struct sdp_media *m, size_t index, int f,
			   struct sdp_plan *p)
{
	p->transport = SDP_TRANSPORT_AUDIO;
	sdp_plan_common(m, index, p);
	p->payload_type = m->formats[f].pt;
	p->law = m->formats[f].codec;
	p->ptime = sdp_pick_ptime(m);
}

static void sdp_plan_t38(const struct sdp_media *m, size_t index, const struct sdp_settings *s,
			 struct sdp_plan *p)
{
	p->transport = SDP_TRANSPORT_T38;
	sdp_plan_common(m, index, p);
	t38sdp_negotiate(&m->t38p, s, &p->t38, &p->t38_send_max_datagram);
}

/* 488: the Warning text says what we would have taken (RFC 3261 20.43: 305). */
static enum sdp_err sdp_refuse(const struct sdp_settings *s, struct sdp_answer *out)
{
	out->status = 488;
	snprintf(out->warning, sizeof(out->warning), "Incompatible media format: %s",
		 s->t38 == SDP_T38_NO ? "only G.711 (PCMU/PCMA) is accepted"
				      : "only G.711 (PCMU/PCMA) or T.38 (udptl t38) is accepted");
	return SDP_E_NOT_ACCEPTABLE;
}

/*
 * RFC 3264 6: T.38 where the port allows it (an offer with
 * audio and image: the image stream; the audio one gets port 0), else the
 * first audio stream with one of our laws (our order of preference), else
 * 488.
 */
enum sdp_err sdp_answer(const struct sdp_session *offer, const struct sdp_settings *settings,
			struct sdp_answer *out)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (offer == NULL || settings == NULL || out == NULL || !sdp_settings_ok(settings))
		return SDP_E_INVAL;
	if (settings->t38 != SDP_T38_NO)
		for (size_t i = 0; i < offer->n_media; i++)
			if (sdp_is_t38(&offer->media[i])) {
				out->status = 200;
				sdp_plan_t38(&offer->media[i], i, settings, &out->plan);
				return SDP_OK;
			}
	for (size_t i = 0; i < offer->n_media; i++) {
		int f = sdp_pick_law(&offer->media[i], settings);
		if (f >= 0) {
			out->status = 200;
			sdp_plan_audio(&offer->media[i], i, f, &out->plan);
			return SDP_OK;
		}
	}
	return sdp_refuse(settings, out);
}

enum sdp_err sdp_plan_from_answer(const struct sdp_session *answer,
				  const struct sdp_settings *settings,
				  enum sdp_transport want, struct sdp_plan *out)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (answer == NULL || settings == NULL || out == NULL || !sdp_settings_ok(settings) ||
	    (want != SDP_TRANSPORT_AUDIO && want != SDP_TRANSPORT_T38))
		return SDP_E_INVAL;
	for (size_t i = 0; i < answer->n_media; i++) {
		const struct sdp_media *m = &answer->media[i];
		int f;
		if (want == SDP_TRANSPORT_T38 && sdp_is_t38(m)) {
			sdp_plan_t38(m, i, settings, out);
			return SDP_OK;
		}
		if (want == SDP_TRANSPORT_AUDIO && (f = sdp_pick_law(m, settings)) >= 0) {
			sdp_plan_audio(m, i, f, out);
			return SDP_OK;
		}
	}
	return SDP_E_NOT_ACCEPTABLE;
}

/*
 * Whether two plans send the same media the same way: a re-INVITE or
 * UPDATE whose answer plan equals the current one keeps the media (a
 * session refresh) and must not restart the fax.
 */
bool sdp_plan_same_media(const struct sdp_plan *a, const struct sdp_plan *b)
{
	if (a->transport != b->transport || a->remote.family != b->remote.family ||
	    memcmp(a->remote.bytes, b->remote.bytes, sizeof(a->remote.bytes)) != 0 ||
	    a->remote_port != b->remote_port || a->dir != b->dir)
		return false;
	if (a->transport == SDP_TRANSPORT_AUDIO)
		return a->payload_type == b->payload_type && a->law == b->law && a->ptime == b->ptime;
	if (a->transport == SDP_TRANSPORT_T38)
		return memcmp(&a->t38, &b->t38, sizeof(a->t38)) == 0 &&
		       a->t38_send_max_datagram == b->t38_send_max_datagram;
	return true;
}

/* ----- writer (RFC 4566 5, RFC 3264 6) ----------------------------------------------- */

/* v= o= s= c= t= for our side; false when local->addr is not numeric or
 * the port is 0 (that would refuse the stream, RFC 3264 6). */
static bool sdp_write_head(const struct sdp_local *l, struct fgwx_buf *o)
{
	uint8_t bytes[16];
	const char *type;

	if (l->addr == NULL || l->port == 0)
		return false;
	if (inet_pton(AF_INET, l->addr, bytes) == 1)
		type = "IP4";
	else if (inet_pton(AF_INET6, l->addr, bytes) == 1)
		type = "IP6";
	else
		return false;
	fgwx_buf_addf(o, "v=0\r\no=faxgw %llu %llu IN %s %s\r\ns=faxgw\r\nc=IN %s %s\r\nt=0 0\r\n",
		       (unsigned long long)l->session_id, (unsigned long long)l->session_version,
		       type, l->addr, type, l->addr);
	return true;
}

static const char *sdp_law_name(enum sdp_codec law)
{
	return law == SDP_CODEC_PCMA ? "PCMA" : "PCMU";
}

static void sdp_write_audio(const struct sdp_media *m, const struct sdp_plan *p,
			    uint16_t port, struct fgwx_buf *o)
{
	fgwx_buf_addf(o, "m=audio %u %s %u\r\na=rtpmap:%u %s/8000\r\na=ptime:%u\r\na=%s\r\n",
		       port, m->proto_text, p->payload_type, p->payload_type, sdp_law_name(p->law),
		       p->ptime, sdp_dir_name(p->dir));
}

static void sdp_write_image(const char *proto, const struct sdp_t38 *t, enum sdp_dir dir,
			    uint16_t port, struct fgwx_buf *o)
{
	fgwx_buf_addf(o, "m=image %u %s t38\r\n", port, proto);
	t38sdp_write(t, o);
	if (dir != SDP_DIR_SENDRECV)
		fgwx_buf_addf(o, "a=%s\r\n", sdp_dir_name(dir));
}

static enum sdp_err sdp_out_done(const struct fgwx_buf *o, size_t *out_len)
{
	if (fgwx_buf_failed(o))
		return SDP_E_NO_SPACE;
	if (out_len != NULL)
		*out_len = fgwx_buf_len(o);
	return SDP_OK;
}

enum sdp_err sdp_write_answer(const struct sdp_session *offer, const struct sdp_answer *ans,
			      const struct sdp_local *local, char *buf, size_t size,
			      size_t *out_len)
{
	struct fgwx_buf o;

	if (offer == NULL || ans == NULL || local == NULL || buf == NULL || size == 0 ||
	    ans->status != 200 || ans->plan.media_index >= offer->n_media)
		return SDP_E_INVAL;
	fgwx_buf_init(&o, buf, size);
	if (!sdp_write_head(local, &o))
		return SDP_E_INVAL;
	for (size_t i = 0; i < offer->n_media; i++) {
		const struct sdp_media *m = &offer->media[i];
		if (i != ans->plan.media_index)
			fgwx_buf_addf(&o, "m=%s 0 %s %s\r\n", m->type_text, m->proto_text,
				       m->fmt_text);
		else if (ans->plan.transport == SDP_TRANSPORT_T38)
			sdp_write_image(m->proto_text, &ans->plan.t38, ans->plan.dir, local->port, &o);
		else
			sdp_write_audio(m, &ans->plan, local->port, &o);
	}
	return sdp_out_done(&o, out_len);
}

static void sdp_write_audio_offer(const struct sdp_settings *s, uint16_t port, struct fgwx_buf *o)
{
	fgwx_buf_addf(o, "m=audio %u RTP/AVP", port);
	for (size_t i = 0; i < s->n_codecs; i++)
		fgwx_buf_addf(o, " %u", s->codecs[i] == SDP_CODEC_PCMA ? 8u : 0u);
	fgwx_buf_addf(o, "\r\n");
	for (size_t i = 0; i < s->n_codecs; i++)
		fgwx_buf_addf(o, "a=rtpmap:%u %s/8000\r\n", s->codecs[i] == SDP_CODEC_PCMA ? 8u : 0u,
			       sdp_law_name(s->codecs[i]));
	fgwx_buf_addf(o, "a=ptime:%u\r\na=sendrecv\r\n", s->ptime != 0 ? s->ptime
									: FGW_SDP_PTIME_DEFAULT_MS);
}

enum sdp_err sdp_write_offer(const struct sdp_settings *settings, enum sdp_transport kind,
			     const struct sdp_local *local, char *buf, size_t size,
			     size_t *out_len)
{
	struct fgwx_buf o;
	struct sdp_t38 t;

	if (settings == NULL || local == NULL || buf == NULL || size == 0 ||
	    !sdp_settings_ok(settings) ||
	    (kind != SDP_TRANSPORT_AUDIO && kind != SDP_TRANSPORT_T38))
		return SDP_E_INVAL;
	fgwx_buf_init(&o, buf, size);
	if (!sdp_write_head(local, &o))
		return SDP_E_INVAL;
	if (kind == SDP_TRANSPORT_T38) {
		t38sdp_ours(settings, &t);
		sdp_write_image("udptl", &t, SDP_DIR_SENDRECV, local->port, &o);
	} else {
		sdp_write_audio_offer(settings, local->port, &o);
	}
	return sdp_out_done(&o, out_len);
}
