/*
 * mail.c - the "Route through e-mail" routing method (faxgw-methods(7)).
 *
 * Routing data: a comma-separated list of 1..FGW_MAX_MAIL_RCPT mailbox
 * addresses (RFC 5321 4.1.2 Mailbox with a dot-atom local part and a
 * domain or address literal; ASCII only; spaces around commas allowed).
 * The method can be enabled only when faxgwd's config has a valid [mail]
 * section (smtp-url, starttls, from, username, password, attach).
 *
 * The routing function sends one message to all recipients through the
 * configured relay with libcurl's SMTP: a MIME message (RFC 2045/2046)
 * with a text part describing the fax and the fax as a PDF attachment
 * (and/or the TIFF, per [mail] attach).  Outcome: the relay accepted the
 * message -> FGW_ROUTE_OK; a 5xx reply (RFC 5321 4.2.1, permanent) ->
 * FGW_ROUTE_FAIL; a 4xx reply, a connection failure, a TLS failure or a
 * timeout -> FGW_ROUTE_RETRY.  The relay's last reply line goes into the
 * message.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "caps.h"
#include "common/routing_entry.h"
#include "fgwx_buf.h"
#include "fgwx_text.h"
#include <faxgw/routing.h>

#include "common/pdf.h"

#define ML_GUID "{6bbf7bfe-9af2-11d0-abf7-00c04fd91a4e}"
#define ML_FUNCTION "RouteEmail"
#define ML_MAX_ADDR 254               /* RFC 5321 4.5.3.1.3: path minus "<>" */
#define ML_MAX_LOCAL 64               /* RFC 5321 4.5.3.1.1 */
#define ML_MAX_DOMAIN 253
#define ML_MAX_LABEL 63
#define ML_CONNECT_TIMEOUT_S 30
#define ML_MAX_REPLY 256

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status RouteEmail(const fgw_route_host *host, const fgw_fax *fax, const void *data,
			    size_t len, char *msg, size_t msglen);

struct ml_rcpts {
	char addr[FGW_MAX_MAIL_RCPT][ML_MAX_ADDR + 1];
	size_t n;
};

/* The [mail] section as the host reports it. */
struct ml_config {
	char url[FGW_MAX_SMTP_URL];
	char starttls[16];
	char from[FGW_MAX_MAIL_FROM];
	char from_address[FGW_MAX_MAIL_FROM];
	char username[FGW_MAX_CREDENTIAL];
	char password[FGW_MAX_CREDENTIAL];
	int attach_pdf, attach_tiff;
};

/* --- address syntax (RFC 5321 4.1.2, RFC 5322 3.2.3) ------------------------------------ */

/* atext of RFC 5322 3.2.3. */
static int ml_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Dot-string: atoms of atext separated by single dots. */
static int ml_local_ok(const char *s, size_t n)
{
	if (n == 0 || n > ML_MAX_LOCAL || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (s[i] != '.' && !ml_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* RFC 5321 4.1.3 address literal: [IPv4] or [IPv6:addr]. */
static int ml_literal_ok(const char *s, size_t n)
{
	char tmp[64];
	unsigned char bin[16];

	if (n < 3 || n - 2 >= sizeof(tmp) || s[0] != '[' || s[n - 1] != ']')
		return 0;
	memcpy(tmp, s + 1, n - 2);
	tmp[n - 2] = '\0';
	if (strncmp(tmp, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, tmp + 5, bin) == 1;
	return inet_pton(AF_INET, tmp, bin) == 1;
}

/* Domain of RFC 5321 4.1.2: LDH labels, or an address literal. */
static int ml_domain_ok(const char *s, size_t n)
{
	size_t label = 0;

	if (n > 0 && s[0] == '[')
		return ml_literal_ok(s, n);
	if (n == 0 || n > ML_MAX_DOMAIN)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if ((label == 0 && c == '-') || ++label > ML_MAX_LABEL)
			return 0;
	}
	return 1;
}

/* Checks one address s[0..n); 0 or -1 with a reason. */
static int ml_addr_check(const char *s, size_t n, char *reason, size_t reasonlen)
{
	const char *at = NULL;

	if (n == 0) {
		snprintf(reason, reasonlen, "empty address in the list");
		return -1;
	}
	if (n > ML_MAX_ADDR) {
		snprintf(reason, reasonlen, "address '%.40s...' is longer than %d characters", s,
			 ML_MAX_ADDR);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i;
	if (at == NULL) {
		snprintf(reason, reasonlen, "'%.*s' is not an address: no '@'", (int)n, s);
		return -1;
	}
	if (!ml_local_ok(s, (size_t)(at - s))) {
		snprintf(reason, reasonlen, "'%.*s': the part before '@' must be 1..%d letters, "
			 "digits or !#$%%&'*+-/=?^_`{|}~ separated by single dots", (int)n, s,
			 ML_MAX_LOCAL);
		return -1;
	}
	if (!ml_domain_ok(at + 1, n - (size_t)(at + 1 - s))) {
		snprintf(reason, reasonlen, "'%.*s': '%.*s' is not a domain name or address "
			 "literal", (int)n, s, (int)(n - (size_t)(at + 1 - s)), at + 1);
		return -1;
	}
	return 0;
}

/* Splits and checks the routing data; 0 or -1 with a reason. */
static int ml_parse(const void *data, size_t len, struct ml_rcpts *r, char *reason,
		    size_t reasonlen)
{
	const char *p = data;
	size_t i = 0;

	r->n = 0;
	if (len == 0) {
		snprintf(reason, reasonlen, "no recipient addresses set");
		return -1;
	}
	if (len >= FGW_MAX_ROUTING_DATA) {
		snprintf(reason, reasonlen, "the address list is longer than %d bytes",
			 FGW_MAX_ROUTING_DATA - 1);
		return -1;
	}
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)p[k];
		if (c < 0x20 || c >= 0x7f) {
			snprintf(reason, reasonlen, "addresses must be ASCII without control "
				 "characters (byte %zu is 0x%02x)", k, c);
			return -1;
		}
	}
	while (i <= len) {
		size_t s = i, e;
		while (i < len && p[i] != ',')
			i++;
		e = i++;
		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (ml_addr_check(p + s, e - s, reason, reasonlen) != 0)
			return -1;
		if (r->n == FGW_MAX_MAIL_RCPT) {
			snprintf(reason, reasonlen, "more than %d recipients", FGW_MAX_MAIL_RCPT);
			return -1;
		}
		memcpy(r->addr[r->n], p + s, e - s);
		r->addr[r->n][e - s] = '\0';
		r->n++;
	}
	return 0;
}

/* --- configuration --------------------------------------------------------------------- */

static void ml_copy(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src != NULL ? src : "");
}

/* Reads [mail]; 0, or -1 with a reason when absent or invalid. */
static int ml_config_get(const fgw_route_host *host, struct ml_config *c, char *reason,
			 size_t reasonlen)
{
	const char *v = host->config_value(host->host, "mail", "valid");
	char attach[16];

	if (v == NULL) {
		snprintf(reason, reasonlen, "no [mail] section in faxgwd's configuration");
		return -1;
	}
	if (strcmp(v, "yes") != 0) {
		v = host->config_value(host->host, "mail", "invalid-reason");
		snprintf(reason, reasonlen, "the [mail] section is invalid: %.300s",
			 v != NULL && v[0] ? v : "no reason given");
		return -1;
	}
	ml_copy(c->url, sizeof(c->url), host->config_value(host->host, "mail", "smtp-url"));
	ml_copy(c->starttls, sizeof(c->starttls),
		host->config_value(host->host, "mail", "starttls"));
	ml_copy(c->from, sizeof(c->from), host->config_value(host->host, "mail", "from"));
	ml_copy(c->from_address, sizeof(c->from_address),
		host->config_value(host->host, "mail", "from-address"));
	ml_copy(c->username, sizeof(c->username),
		host->config_value(host->host, "mail", "username"));
	ml_copy(c->password, sizeof(c->password),
		host->config_value(host->host, "mail", "password"));
	ml_copy(attach, sizeof(attach), host->config_value(host->host, "mail", "attach"));
	c->attach_pdf = strcmp(attach, "tiff") != 0;
	c->attach_tiff = strstr(attach, "tiff") != NULL;
	if (c->url[0] == '\0' || c->from_address[0] == '\0') {
		snprintf(reason, reasonlen, "[mail] smtp-url and from are required");
		return -1;
	}
	return 0;
}

/* --- validation callbacks ---------------------------------------------------------------- */

static int ml_validate(const fgw_route_host *host, const char *guid, uint32_t port_id,
		       const void *data, size_t len, char *reason, size_t reasonlen)
{
	struct ml_rcpts *r = malloc(sizeof(*r));
	int rc;

	(void)host;
	(void)guid;
	(void)port_id;
	if (r == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	rc = ml_parse(data, len, r, reason, reasonlen);
	free(r);
	return rc;
}

static int ml_can_enable(const fgw_route_host *host, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	struct ml_config *c;
	int rc;

	if (len == 0) {
		snprintf(reason, reasonlen, "no recipient addresses set: set the routing data "
			 "first");
		return -1;
	}
	c = malloc(sizeof(*c));
	if (c == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	rc = ml_config_get(host, c, reason, reasonlen);
	free(c);
	if (rc != 0)
		return -1;
	return ml_validate(host, guid, port_id, data, len, reason, reasonlen);
}

/* --- the message ------------------------------------------------------------------------ */

/* Printable ASCII copy of an identifier for headers and text. */
static void ml_clean(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;

	for (; src != NULL && *src != '\0' && i + 1 < dstlen; src++)
		dst[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[i] = '\0';
}

static void ml_time(char *dst, size_t dstlen, int64_t t, const char *fmt)
{
	time_t tt = t > 0 ? (time_t)t : time(NULL);
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(dst, dstlen, fmt, &tm);
}

/* A header line into the list; 0 or -1. */
static int ml_header(struct curl_slist **h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ml_header(struct curl_slist **h, const char *fmt, ...)
{
	char line[2048];
	struct curl_slist *n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = curl_slist_append(*h, line);
	if (n == NULL)
		return -1;
	*h = n;
	return 0;
}

/* The subject: who sent it, how many pages, on which port. */
static void ml_subject(char *dst, size_t dstlen, const fgw_fax *fax)
{
	char ident[FGW_MAX_IDENT * 2 + 1], port[FGW_MAX_NAME];

	ml_clean(ident, sizeof(ident), fax->remote_ident);
	ml_clean(port, sizeof(port), fax->port_name);
	snprintf(dst, dstlen, "%s%sFax from %s (%u page%s, port %u%s%s)",
		 fax->partial ? "[partial] " : "", fax->degraded_pages > 0 ? "[degraded] " : "",
		 ident[0] ? ident : "unknown sender",
		 (unsigned)fax->pages, fax->pages == 1 ? "" : "s", (unsigned)fax->port_id,
		 port[0] ? " " : "", port);
}

static int ml_headers(struct curl_slist **h, const struct ml_config *c,
		      const struct ml_rcpts *r, const fgw_fax *fax)
{
	char subject[256], date[64], to[FGW_MAX_ROUTING_DATA + 4 * FGW_MAX_MAIL_RCPT], host[128];
	struct fgwx_buf tb;
	size_t line = 4;

	/* RFC 5322 2.1.1 and 2.2.3: lines under 998 characters, folded
	 * before an address that would make the line longer than 78. */
	fgwx_buf_init(&tb, to, sizeof(to));
	for (size_t i = 0; i < r->n; i++) {
		size_t n = strlen(r->addr[i]);
		int fold = i > 0 && line + 2 + n > 78;
		const char *sep = i == 0 ? "" : fold ? ",\r\n " : ", ";
		line = fold ? 1 + n : line + strlen(sep) + n;
		fgwx_buf_addf(&tb, "%s%s", sep, r->addr[i]);
	}
	if (fgwx_buf_failed(&tb))      /* never with the caps ml_parse checks */
		return -1;
	ml_subject(subject, sizeof(subject), fax);
	ml_time(date, sizeof(date), time(NULL), "%a, %d %b %Y %H:%M:%S +0000");
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0' || strchr(host, '.') == NULL)
		snprintf(host, sizeof(host), "faxgw.invalid");
	host[sizeof(host) - 1] = '\0';
	/* RFC 5322 3.6: Date, From and To; Message-ID (3.6.4) for threading. */
	if (ml_header(h, "Date: %s", date) || ml_header(h, "From: %s", c->from) ||
	    ml_header(h, "To: %s", to) || ml_header(h, "Subject: %s", subject) ||
	    ml_header(h, "Message-ID: <faxgw.%llu.%lld.%ld@%s>", (unsigned long long)fax->job_id,
		      (long long)time(NULL), (long)getpid(), host) ||
	    ml_header(h, "X-Faxgw-Job: %llu", (unsigned long long)fax->job_id))
		return -1;
	return 0;
}

/* Pixels per metre (as T.30 reports) to dots per inch, rounded. */
static unsigned ml_dpi(uint32_t ppm)
{
	return (unsigned)(((uint64_t)ppm * 254u + 5000u) / 10000u);
}

/* "intact", or "2 of 3 pages degraded (pages 2,3): 110 bad rows, longest
 * run 60" (bad rows: the receiver repeated the row before in their
 * place). */
static void ml_quality(char *dst, size_t dstlen, const fgw_fax *fax)
{
	char list[FGW_MAX_DEGRADED_LIST * 12];

	if (fax->degraded_pages == 0) {
		snprintf(dst, dstlen, "intact");
		return;
	}
	ml_clean(list, sizeof(list), fax->degraded_list);
	snprintf(dst, dstlen, "%u of %u page%s degraded%s%s%s: %u bad row%s, longest run %u",
		 (unsigned)fax->degraded_pages, (unsigned)fax->pages, fax->pages == 1 ? "" : "s",
		 list[0] ? " (pages " : "", list, list[0] ? ")" : "", (unsigned)fax->bad_rows,
		 fax->bad_rows == 1 ? "" : "s", (unsigned)fax->longest_bad_run);
}

/* A value the caller sent (SIP identities) for the us-ascii body: UTF-8
 * text only (fgwx_text_sanitize), then printable ASCII. */
static void ml_outside(char *dst, size_t dstlen, const char *src)
{
	char text[FGW_MAX_SIP_IDENT * 2];

	src = src != NULL ? src : "";
	fgwx_text_sanitize(text, sizeof(text), src, strnlen(src, sizeof(text) - 1));
	ml_clean(dst, dstlen, text);
}

/* The SIP lines of the body ("" for a fax that did not come over SIP). */
static void ml_sip_lines(char *dst, size_t dstlen, const fgw_fax *fax)
{
	char id[FGW_MAX_SIP_IDENT], from[FGW_MAX_SIP_IDENT], to[FGW_MAX_SIP_IDENT];
	char ua[FGW_MAX_SIP_IDENT], transport[FGW_MAX_TRANSPORT_TEXT];

	ml_outside(id, sizeof(id), fax->sip_call_id);
	ml_outside(from, sizeof(from), fax->sip_from);
	ml_outside(to, sizeof(to), fax->sip_to);
	ml_outside(ua, sizeof(ua), fax->sip_user_agent);
	ml_outside(transport, sizeof(transport), fax->transport);
	dst[0] = '\0';
	if (transport[0] != '\0')
		snprintf(dst, dstlen, "Transport:           %s\r\n", transport);
	if (id[0] == '\0')
		return;
	size_t o = strlen(dst);
	snprintf(dst + o, dstlen - o,
		 "SIP Call-ID:         %s\r\n"
		 "SIP From:            %s\r\n"
		 "SIP To:              %s\r\n"
		 "SIP User-Agent:      %s\r\n",
		 id, from[0] ? from : "(none)", to[0] ? to : "(none)", ua[0] ? ua : "(none)");
}

/* The text part: the fax's metadata. */
static void ml_body(char *dst, size_t dstlen, const fgw_fax *fax, const char *attached)
{
	char ident[FGW_MAX_IDENT * 2 + 1], local[FGW_MAX_IDENT * 2 + 1], port[FGW_MAX_NAME];
	char caller[FGW_MAX_ADDRESS * 2], t30[FGW_MAX_ERROR_TEXT / 2], start[64], end[64];
	char quality[FGW_MAX_DEGRADED_LIST * 12 + 128];
	char sip[FGW_MAX_SIP_IDENT * 4 + FGW_MAX_TRANSPORT_TEXT + 128];

	ml_clean(ident, sizeof(ident), fax->remote_ident);
	ml_clean(local, sizeof(local), fax->local_ident);
	ml_clean(port, sizeof(port), fax->port_name);
	ml_clean(caller, sizeof(caller), fax->caller_address);
	ml_clean(t30, sizeof(t30), fax->t30_text);
	ml_time(start, sizeof(start), fax->start_time, "%Y-%m-%d %H:%M:%S UTC");
	ml_time(end, sizeof(end), fax->end_time, "%Y-%m-%d %H:%M:%S UTC");
	ml_quality(quality, sizeof(quality), fax);
	ml_sip_lines(sip, sizeof(sip), fax);
	snprintf(dst, dstlen,
		 "A fax was received by faxgw.\r\n\r\n"
		 "Remote ident (TSID): %s\r\n"
		 "Local ident (CSID):  %s\r\n"
		 "Pages:               %u\r\n"
		 "Status:              %s\r\n"
		 "Page quality:        %s\r\n"
		 "Port:                %u%s%s\r\n"
		 "Caller:              %s\r\n"
		 "%s"
		 "Started:             %s\r\n"
		 "Ended:               %s\r\n"
		 "Resolution:          %u x %u dpi\r\n"
		 "Bit rate:            %u bit/s, ECM %s\r\n"
		 "T.30 result:         %d%s%s\r\n"
		 "Job:                 %llu\r\n"
		 "Attached:            %s\r\n",
		 ident[0] ? ident : "(none)", local[0] ? local : "(none)", (unsigned)fax->pages,
		 fax->partial ? "PARTIAL: the call was lost; the pages received are attached" :
				"complete", quality,
		 (unsigned)fax->port_id, port[0] ? " " : "", port, caller[0] ? caller : "(unknown)",
		 sip, start, end, ml_dpi(fax->x_resolution), ml_dpi(fax->y_resolution), (unsigned)fax->bit_rate,
		 fax->ecm ? "on" : "off", fax->t30_status, t30[0] ? " " : "", t30,
		 (unsigned long long)fax->job_id, attached);
}

/* --- SMTP ----------------------------------------------------------------------------- */

struct ml_session {
	char reply[ML_MAX_REPLY];     /* the relay's last reply line (not 221) */
	char errbuf[CURL_ERROR_SIZE];
};

/* Keeps the relay's reply lines (RFC 5321 4.2): the last one that is not
 * the 221 of QUIT. */
static int ml_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *user)
{
	struct ml_session *s = user;
	size_t n = 0;

	(void)curl;
	if (type != CURLINFO_HEADER_IN || size < 3 || memcmp(data, "221", 3) == 0)
		return 0;
	while (n < size && n + 1 < sizeof(s->reply) && data[n] != '\r' && data[n] != '\n') {
		s->reply[n] = (data[n] >= 0x20 && data[n] < 0x7f) ? data[n] : '?';
		n++;
	}
	s->reply[n] = '\0';
	return 0;
}

static curl_mimepart *ml_part(curl_mime *mime, const char *type, const char *filename,
			      const char *encoder)
{
	curl_mimepart *p = curl_mime_addpart(mime);

	if (p == NULL || curl_mime_type(p, type) != CURLE_OK ||
	    (filename != NULL && curl_mime_filename(p, filename) != CURLE_OK) ||
	    curl_mime_encoder(p, encoder) != CURLE_OK)
		return NULL;
	return p;
}

/* The MIME body; 0 or -1 with msg. */
static int ml_mime(curl_mime *mime, const struct ml_config *c, const fgw_fax *fax,
		   const unsigned char *pdf, size_t pdflen, char *msg, size_t msglen)
{
	char body[4096], pdfname[64], tifname[64], attached[160];
	curl_mimepart *p;

	snprintf(pdfname, sizeof(pdfname), "fax-%llu.pdf", (unsigned long long)fax->job_id);
	snprintf(tifname, sizeof(tifname), "fax-%llu.tif", (unsigned long long)fax->job_id);
	snprintf(attached, sizeof(attached), "%s%s%s", c->attach_pdf ? pdfname : "",
		 c->attach_pdf && c->attach_tiff ? ", " : "", c->attach_tiff ? tifname : "");
	ml_body(body, sizeof(body), fax, attached);
	p = ml_part(mime, "text/plain; charset=us-ascii", NULL, "quoted-printable");
	if (p == NULL || curl_mime_data(p, body, CURL_ZERO_TERMINATED) != CURLE_OK)
		goto fail;
	if (c->attach_pdf) {
		p = ml_part(mime, "application/pdf", pdfname, "base64");
		if (p == NULL || curl_mime_data(p, (const char *)pdf, pdflen) != CURLE_OK)
			goto fail;
	}
	if (c->attach_tiff) {
		p = curl_mime_addpart(mime);
		if (p == NULL || curl_mime_filedata(p, fax->path) != CURLE_OK ||
		    curl_mime_filename(p, tifname) != CURLE_OK ||
		    curl_mime_type(p, "image/tiff") != CURLE_OK ||
		    curl_mime_encoder(p, "base64") != CURLE_OK)
			goto fail;
	}
	return 0;
fail:
	snprintf(msg, msglen, "cannot build the message (out of memory)");
	return -1;
}

static long ml_use_ssl(const char *starttls)
{
	if (strcmp(starttls, "required") == 0)
		return (long)CURLUSESSL_ALL;
	if (strcmp(starttls, "off") == 0)
		return (long)CURLUSESSL_NONE;
	return (long)CURLUSESSL_TRY;
}

static int ml_setopts(CURL *curl, const struct ml_config *c, struct curl_slist *rcpt,
		      struct curl_slist *headers, curl_mime *mime, struct ml_session *s,
		      const char *from)
{
	int bad = 0;

	bad |= curl_easy_setopt(curl, CURLOPT_URL, c->url) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_USE_SSL, ml_use_ssl(c->starttls)) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)ML_CONNECT_TIMEOUT_S) !=
	       CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)FGW_MAX_MAIL_TIMEOUT_S) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, s->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, ml_debug) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_DEBUGDATA, s) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L) != CURLE_OK;
	if (c->username[0] != '\0') {
		bad |= curl_easy_setopt(curl, CURLOPT_USERNAME, c->username) != CURLE_OK;
		bad |= curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

/* Classifies the transfer: RFC 5321 4.2.1 (4yz transient, 5yz permanent). */
static fgw_route_status ml_result(CURL *curl, CURLcode rc, const struct ml_session *s,
				  const struct ml_rcpts *r, char *msg, size_t msglen)
{
	long code = 0;

	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		snprintf(msg, msglen, "sent to %s%s: %s", r->addr[0], r->n > 1 ? " and others" : "",
			 s->reply[0] ? s->reply : "accepted");
		return FGW_ROUTE_OK;
	}
	if (code >= 500 && code <= 599) {
		snprintf(msg, msglen, "rejected by the mail relay: %s",
			 s->reply[0] ? s->reply : s->errbuf);
		return FGW_ROUTE_FAIL;
	}
	if (code >= 400 && code <= 499) {
		snprintf(msg, msglen, "deferred by the mail relay: %s",
			 s->reply[0] ? s->reply : s->errbuf);
		return FGW_ROUTE_RETRY;
	}
	snprintf(msg, msglen, "cannot send mail: %s%s%s", curl_easy_strerror(rc),
		 s->errbuf[0] ? ": " : "", s->errbuf);
	if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
		return FGW_ROUTE_FAIL;
	return FGW_ROUTE_RETRY;
}

static fgw_route_status ml_send(const struct ml_config *c, const struct ml_rcpts *r,
				const fgw_fax *fax, const unsigned char *pdf, size_t pdflen,
				char *msg, size_t msglen)
{
	struct curl_slist *rcpt = NULL, *headers = NULL;
	struct ml_session s;
	fgw_route_status st = FGW_ROUTE_RETRY;
	char from[FGW_MAX_MAIL_FROM + 2];
	curl_mime *mime = NULL;
	CURL *curl = curl_easy_init();
	CURLcode rc;

	memset(&s, 0, sizeof(s));
	snprintf(from, sizeof(from), "<%s>", c->from_address);
	if (curl == NULL || (mime = curl_mime_init(curl)) == NULL) {
		snprintf(msg, msglen, "cannot start libcurl");
		goto done;
	}
	for (size_t i = 0; i < r->n; i++) {
		char a[ML_MAX_ADDR + 3];
		struct curl_slist *n;
		snprintf(a, sizeof(a), "<%s>", r->addr[i]);
		n = curl_slist_append(rcpt, a);
		if (n == NULL)
			goto nomem;
		rcpt = n;
	}
	if (ml_headers(&headers, c, r, fax) != 0)
		goto nomem;
	if (ml_mime(mime, c, fax, pdf, pdflen, msg, msglen) != 0)
		goto done;
	if (ml_setopts(curl, c, rcpt, headers, mime, &s, from) != 0) {
		snprintf(msg, msglen, "this libcurl lacks an option SMTP needs");
		goto done;
	}
	rc = curl_easy_perform(curl);
	st = ml_result(curl, rc, &s, r, msg, msglen);
	goto done;
nomem:
	snprintf(msg, msglen, "out of memory");
done:
	curl_mime_free(mime);
	curl_slist_free_all(rcpt);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return st;
}

fgw_route_status RouteEmail(const fgw_route_host *host, const fgw_fax *fax, const void *data,
			    size_t len, char *msg, size_t msglen)
{
	struct ml_both { struct ml_rcpts r; struct ml_config c; } *b = calloc(1, sizeof(*b));
	char why[FGW_MAX_ERROR_TEXT], title[128];
	unsigned char *pdf = NULL;
	size_t pdflen = 0;
	fgw_route_status st = FGW_ROUTE_RETRY;

	if (b == NULL) {
		snprintf(msg, msglen, "out of memory");
		return FGW_ROUTE_RETRY;
	}
	if (ml_parse(data, len, &b->r, why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "bad recipient list: %s", why);
		st = FGW_ROUTE_FAIL;
		goto done;
	}
	if (ml_config_get(host, &b->c, msg, msglen) != 0)
		goto done;
	if (access(fax->path, R_OK) != 0) {
		snprintf(msg, msglen, "cannot read the fax %s", fax->path);
		goto done;
	}
	ml_subject(title, sizeof(title), fax);
	if (b->c.attach_pdf && pdf_from_tiff(fax->path, title, &pdf, &pdflen, why,
					     sizeof(why)) < 0) {
		snprintf(msg, msglen, "cannot make a PDF of the fax: %s", why);
		st = FGW_ROUTE_FAIL;
		goto done;
	}
	st = ml_send(&b->c, &b->r, fax, pdf, pdflen, msg, msglen);
done:
	pdf_free(pdf);
	free(b);
	return st;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	static const struct routing_entry entry = {
		.friendly_name = "faxgw standard routing: e-mail",
		.guid = ML_GUID,
		.function_name = ML_FUNCTION,
		.method_name = "Route through e-mail",
		.validate = ml_validate,
		.can_enable = ml_can_enable,
	};

	return routing_entry_init(host, ext, &entry, err, errlen);
}
