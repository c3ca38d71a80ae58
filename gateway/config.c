/*
 * config.c - faxgwd.conf parser (faxgwd.conf(5)).
 *
 * The text is split into lines with a pointer and a remaining length; each
 * line is bounded by FGW_MAX_CONFIG_LINE and the file by
 * FGW_MAX_CONFIG_SIZE.  Keys are dispatched through one table (cfg_keys)
 * that names the section, the value parser and the field written.  Every
 * error is recorded with its line and parsing goes on, so one run reports
 * all of them (up to FGW_MAX_CONFIG_ERRORS), sorted by line.
 */
#include "caps.h"
#include "config.h"
#include "config_addr.h"
#include "fgwx_text.h"
#include "fgwx_buf.h"
#include "fgwx_number.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CFG_WHY FGW_MAX_ERROR_TEXT

_Static_assert(sizeof(enum config_transport) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_udptl_ec) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_codec) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_starttls) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_t38_mode) == sizeof(int), "enum size");

enum cfg_section { SEC_NONE, SEC_GATEWAY, SEC_PORT, SEC_MAIL, SEC_HTTP, SEC_SIP, SEC_SKIP };

#define KEY_EMPTY_OK  1u   /* an empty value is allowed */
#define KEY_T38_ONLY  2u
#define KEY_AUDIO_ONLY 4u
#define KEY_SIP_ONLY  8u   /* transport = sip ports only */
#define KEY_STATIC_ONLY 16u /* t38 and audio ports only (a sip port has no socket) */

struct cfg_word {
	const char *word;
	int value;
};

struct cfg_parser;
struct cfg_key;
typedef int (*cfg_parse_fn)(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			    const char *val, char *why, size_t whylen);

struct cfg_key {
	const char *name;
	enum cfg_section sec;
	unsigned flags;
	cfg_parse_fn parse;
	size_t off;                 /* field offset in the section's struct */
	size_t size;                /* field size (strings) */
	const struct cfg_word *words;
	long min, max;              /* integer and duration ranges */
};

struct cfg_parser {
	struct config *cfg;
	struct config_errors *errs;
	int err_line[FGW_MAX_CONFIG_ERRORS];
	const char *file;
	int nerrors;                    /* also counted when errs is NULL */
	bool allow_relative;
	int line;
	enum cfg_section sec;
	int sec_line;
	int first_line[SEC_SKIP + 1];   /* first header of each section kind */
	bool any_port_header;
	struct config_port *port;       /* the [port N] being read */
	struct config_port scratch;     /* a port section that is in error */
	size_t ports_cap;
	int seen[64];                   /* line of each key (port keys: this section) */
};

/* --- errors ---------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static void cfg_error(struct cfg_parser *p, int line, const char *fmt, ...)
{
	struct config_errors *e = p->errs;
	va_list ap;

	p->nerrors++;
	if (e == NULL)
		return;
	if (e->n >= FGW_MAX_CONFIG_ERRORS) {
		e->dropped++;
		return;
	}
	struct fgwx_buf m;
	/* "file:line: message", cut at FGW_MAX_ERROR_TEXT */
	fgwx_buf_init(&m, e->msg[e->n], sizeof(e->msg[e->n]));
	if (line > 0)
		fgwx_buf_addf(&m, "%s:%d: ", p->file, line);
	else
		fgwx_buf_addf(&m, "%s: ", p->file);
	va_start(ap, fmt);
	fgwx_buf_vaddf(&m, fmt, ap);
	va_end(ap);
	p->err_line[e->n++] = line > 0 ? line : INT_MAX;
}

/* Stable insertion sort of the messages by line (file-wide ones last). */
static void cfg_sort_errors(struct cfg_parser *p)
{
	struct config_errors *e = p->errs;
	char tmp[FGW_MAX_ERROR_TEXT];

	if (e == NULL)
		return;
	for (size_t i = 1; i < e->n; i++) {
		int line = p->err_line[i];
		size_t j = i;
		if (p->err_line[j - 1] <= line)
			continue;
		memcpy(tmp, e->msg[i], sizeof(tmp));
		while (j > 0 && p->err_line[j - 1] > line) {
			memcpy(e->msg[j], e->msg[j - 1], sizeof(tmp));
			p->err_line[j] = p->err_line[j - 1];
			j--;
		}
		memcpy(e->msg[j], tmp, sizeof(tmp));
		p->err_line[j] = line;
	}
}

/* --- small value helpers ------------------------------------------------- */

static bool cfg_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool cfg_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits only (no sign, no spaces); 0 ok, -1 bad or above max. */
static int cfg_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (fgwx_number_len(s, len, &v, max) != FGWX_NUM_OK)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

/* "30s", "500ms", "2m", "1h", "90d", or plain seconds; at most max_ms. */
static int cfg_duration_max(const char *s, size_t len, uint64_t max_ms, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "", 1000 },
	};
	size_t n = 0;
	uint64_t v;

	while (n < len && cfg_is_digit(s[n]))
		n++;
	if (fgwx_number_len(s, n, &v, max_ms) != FGWX_NUM_OK)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t ul = strlen(units[i].unit);
		if (len - n != ul || memcmp(s + n, units[i].unit, ul) != 0)
			continue;
		if (v > max_ms / units[i].ms)
			return -1;
		*ms = v * units[i].ms;
		return 0;
	}
	return -1;
}

/* A duration of at most FGW_MAX_DURATION_MS. */
static int cfg_duration(const char *s, size_t len, unsigned long *ms)
{
	uint64_t v;

	if (cfg_duration_max(s, len, FGW_MAX_DURATION_MS, &v) != 0)
		return -1;
	*ms = (unsigned long)v;
	return 0;
}

static int cfg_copy(char *dst, size_t size, const char *val, char *why, size_t whylen)
{
	size_t len = strlen(val);

	if (len >= size) {
		snprintf(why, whylen, "value too long (%zu bytes, at most %zu)", len, size - 1);
		return -1;
	}
	memcpy(dst, val, len + 1);
	return 0;
}

/* --- value parsers (one per kind of value) --------------------------------- */

static int cfg_p_path(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		      const char *val, char *why, size_t whylen)
{
	if (val[0] != '/' && !p->allow_relative) {
		snprintf(why, whylen, "'%.80s' is not an absolute path", val);
		return -1;
	}
	return cfg_copy(dst, k->size, val, why, whylen);
}

/* A Unix-domain socket path must fit sun_path with its NUL (unix(7)). */
static int cfg_p_socket(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			const char *val, char *why, size_t whylen)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (strlen(val) > max) {
		snprintf(why, whylen, "socket path '%.80s...' is %zu bytes long: at most %zu fit "
			 "a Unix-domain socket address", val, strlen(val), max);
		return -1;
	}
	return cfg_p_path(p, k, dst, val, why, whylen);
}

/* Group names as POSIX portable names: letters, digits, '.', '_', '-'. */
static int cfg_p_group(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		       const char *val, char *why, size_t whylen)
{
	(void)p;
	for (const char *c = val; *c != '\0'; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  cfg_is_digit(*c) || *c == '.' || *c == '_' || (*c == '-' && c != val);
		if (!ok) {
			snprintf(why, whylen, "'%.80s' is not a group name", val);
			return -1;
		}
	}
	return cfg_copy(dst, k->size, val, why, whylen);
}

static int cfg_p_text(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		      const char *val, char *why, size_t whylen)
{
	(void)p;
	return cfg_copy(dst, k->size, val, why, whylen);
}

/* Names are shown in tables, SNMP and logs: UTF-8 text only. */
static int cfg_p_name(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		      const char *val, char *why, size_t whylen)
{
	if (!fgwx_utf8_text(val, strlen(val))) {
		snprintf(why, whylen, "a name must be UTF-8 text (RFC 3629) without control "
			 "characters");
		return -1;
	}
	return cfg_p_text(p, k, dst, val, why, whylen);
}

static void cfg_word_list(const struct cfg_word *w, char *out, size_t outlen)
{
	struct fgwx_buf b;

	fgwx_buf_init(&b, out, outlen);
	for (; w->word != NULL; w++)
		if (fgwx_buf_addf(&b, "%s%s", fgwx_buf_len(&b) ? " " : "", w->word) != 0)
			break;
}

static int cfg_p_word(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		      const char *val, char *why, size_t whylen)
{
	char list[128];

	(void)p;
	for (const struct cfg_word *w = k->words; w->word != NULL; w++) {
		if (strcasecmp(val, w->word) == 0) {
			memcpy(dst, &w->value, sizeof(int));
			return 0;
		}
	}
	cfg_word_list(k->words, list, sizeof(list));
	snprintf(why, whylen, "'%.80s' is not one of: %s", val, list);
	return -1;
}

static const struct cfg_word cfg_bools[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 }, { NULL, 0 },
};

static int cfg_p_bool(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		      const char *val, char *why, size_t whylen)
{
	struct cfg_key as_word = *k;
	int v;

	as_word.words = cfg_bools;
	if (cfg_p_word(p, &as_word, &v, val, why, whylen) != 0)
		return -1;
	*(bool *)dst = v != 0;
	return 0;
}

static int cfg_p_int(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		     const char *val, char *why, size_t whylen)
{
	unsigned long v;

	(void)p;
	if (cfg_uint(val, strlen(val), (unsigned long)k->max, &v) != 0 || (long)v < k->min) {
		snprintf(why, whylen, "'%.80s' is not a number from %ld to %ld", val, k->min,
			 k->max);
		return -1;
	}
	*(int *)dst = (int)v;
	return 0;
}

/* The largest unit that divides ms exactly: "10m", "1s", "1500ms". */
static void cfg_format_ms(unsigned long ms, char *out, size_t outlen)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(out, outlen, "%luh", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(out, outlen, "%lum", ms / 60000);
	else if (ms != 0 && ms % 1000 == 0)
		snprintf(out, outlen, "%lus", ms / 1000);
	else
		snprintf(out, outlen, "%lums", ms);
}

static int cfg_p_duration(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			  const char *val, char *why, size_t whylen)
{
	unsigned long ms;
	char lo[32], hi[32];

	(void)p;
	if (cfg_duration(val, strlen(val), &ms) != 0 || (long)ms < k->min || (long)ms > k->max) {
		cfg_format_ms((unsigned long)k->min, lo, sizeof(lo));
		cfg_format_ms((unsigned long)k->max, hi, sizeof(hi));
		snprintf(why, whylen, "'%.80s' is not a duration from %s to %s "
			 "(e.g. 500ms, 30s, 2m)", val, lo, hi);
		return -1;
	}
	*(unsigned *)dst = (unsigned)ms;
	return 0;
}

/* A long duration ("90d", "12h", 0 where k->min allows it), kept in
 * seconds (uint64_t); whole seconds only. */
static int cfg_p_period(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			const char *val, char *why, size_t whylen)
{
	uint64_t ms;

	(void)p;
	if (cfg_duration_max(val, strlen(val), FGW_MAX_PERIOD_S * 1000ull, &ms) != 0 ||
	    ms % 1000 != 0 || ms / 1000 < (uint64_t)k->min) {
		snprintf(why, whylen, "'%.80s' is not a period from %lds to %ud in whole "
			 "seconds (e.g. 0, 12h, 30d, 90d)", val, k->min,
			 (unsigned)(FGW_MAX_PERIOD_S / 86400));
		return -1;
	}
	*(uint64_t *)dst = ms / 1000;
	return 0;
}

/* "ATTEMPTS DURATION": attempts and the first back-off. */
/* "ATTEMPTS DURATION" into *attempts_out and *ms_out. */
static int cfg_retry_pair(const char *val, unsigned *attempts_out, unsigned *ms_out, char *why,
			  size_t whylen)
{
	size_t n = strcspn(val, " \t");
	const char *d = val + n;
	unsigned long attempts, ms;

	while (cfg_is_space(*d))
		d++;
	if (cfg_uint(val, n, FGW_MAX_RETRY_ATTEMPTS, &attempts) != 0 || attempts < 1) {
		snprintf(why, whylen, "'%.80s': attempts must be a number from 1 to %d "
			 "(format: ATTEMPTS DURATION, e.g. 5 30s)", val, FGW_MAX_RETRY_ATTEMPTS);
		return -1;
	}
	if (cfg_duration(d, strlen(d), &ms) != 0 || ms < 1) {
		snprintf(why, whylen, "'%.80s': the back-off must be a duration from 1ms to 24h "
			 "(format: ATTEMPTS DURATION, e.g. 5 30s)", val);
		return -1;
	}
	*attempts_out = (unsigned)attempts;
	*ms_out = (unsigned)ms;
	return 0;
}

static int cfg_p_retry(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		       const char *val, char *why, size_t whylen)
{
	struct config *c = dst;

	(void)p;
	if (strcmp(k->name, "send-retry") == 0)
		return cfg_retry_pair(val, &c->send_retry_attempts, &c->send_retry_backoff_ms, why,
				      whylen);
	return cfg_retry_pair(val, &c->retry_attempts, &c->retry_backoff_ms, why, whylen);
}

/* ITU-T T.30 5.3.6.2.4: digits, '+' and space, at most 20 characters. */
static int cfg_p_ident(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		       const char *val, char *why, size_t whylen)
{
	(void)p;
	if (strlen(val) > FGW_MAX_IDENT) {
		snprintf(why, whylen, "'%.80s' is longer than %d characters", val, FGW_MAX_IDENT);
		return -1;
	}
	if (val[strspn(val, "0123456789+ ")] != '\0') {
		snprintf(why, whylen, "'%.80s' has characters other than digits, '+' and space "
			 "(ITU-T T.30 5.3.6.2.4)", val);
		return -1;
	}
	return cfg_copy(dst, k->size, val, why, whylen);
}

static int cfg_p_listen(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			const char *val, char *why, size_t whylen)
{
	struct config_port *port = dst;

	(void)p;
	(void)k;
	if (config_addr_parse(val, &port->listen, &port->listen_len, port->listen_text,
			sizeof(port->listen_text), why, whylen) != 0)
		return -1;
	if (config_addr_is_multicast(&port->listen)) {
		snprintf(why, whylen, "'%.80s' is a multicast address: a port listens on a "
			 "unicast or wildcard address", val);
		port->listen_len = 0;
		return -1;
	}
	return 0;
}

static int cfg_p_peer(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		      const char *val, char *why, size_t whylen)
{
	struct config_port *port = dst;

	(void)p;
	(void)k;
	if (config_addr_parse(val, &port->peer, &port->peer_len, port->peer_text,
			sizeof(port->peer_text), why, whylen) != 0)
		return -1;
	port->has_peer = true;
	return 0;
}

/* One prefix of an allow list: text[0..len), spaces around it removed. */
static int cfg_allow_one(const char *text, size_t len, struct fgwx_cidr *out, char *why,
			 size_t whylen)
{
	char tok[FGWX_CIDR_TEXT];
	const char *reason = "empty entry";

	while (len > 0 && cfg_is_space(*text)) {
		text++;
		len--;
	}
	while (len > 0 && cfg_is_space(text[len - 1]))
		len--;
	if (len >= sizeof(tok))
		reason = "too long for an address";
	if (len > 0 && len < sizeof(tok)) {
		memcpy(tok, text, len);
		tok[len] = '\0';
		if (fgwx_cidr_parse(tok, out, &reason) == 0)
			return 0;
	}
	snprintf(why, whylen, "'%.*s': %s (a list of a.b.c.d[/N] or IPv6[/N], comma separated)",
		 (int)(len < 80 ? len : 80), text, reason);
	return -1;
}

/* CIDR, CIDR...: into list[FGW_MAX_ALLOW] and *n; empty: none (any source). */
static int cfg_allow_list(const char *val, struct fgwx_cidr *list, size_t *n, char *why,
			  size_t whylen)
{
	const char *s = val;

	*n = 0;
	if (val[0] == '\0')
		return 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		if (*n == FGW_MAX_ALLOW) {
			snprintf(why, whylen, "more than %d entries", FGW_MAX_ALLOW);
			*n = 0;
			return -1;
		}
		if (cfg_allow_one(s, len, &list[*n], why, whylen) != 0) {
			*n = 0;
			return -1;
		}
		(*n)++;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
}

/* allow = CIDR, CIDR...: the sources that may use a static port; empty:
 * any. */
static int cfg_p_allow(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		       const char *val, char *why, size_t whylen)
{
	struct config_port *port = dst;

	(void)p;
	(void)k;
	if (port->allow == NULL &&
	    (port->allow = calloc(FGW_MAX_ALLOW, sizeof(port->allow[0]))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return cfg_allow_list(val, port->allow, &port->nallow, why, whylen);
}

/* [sip] allow: the sources whose SIP requests are served; empty: any. */
static int cfg_p_sip_allow(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			   const char *val, char *why, size_t whylen)
{
	struct config_sip *sip = dst;

	(void)p;
	(void)k;
	return cfg_allow_list(val, sip->allow, &sip->nallow, why, whylen);
}

/* --- [sip] and sip-port values (parsed in config_sip.c) ------------------- */

static int cfg_p_sip_listen(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			    const char *val, char *why, size_t whylen)
{
	struct config_sip *sip = dst;

	(void)p;
	(void)k;
	return config_sip_listen(val, sip->listen, &sip->nlisten, why, whylen);
}

static int cfg_p_public_address(const struct cfg_parser *p, const struct cfg_key *k,
				void *dst, const char *val, char *why, size_t whylen)
{
	if (config_sip_public_address(val, why, whylen) != 0)
		return -1;
	return cfg_p_text(p, k, dst, val, why, whylen);
}

static int cfg_p_media_ports(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			     const char *val, char *why, size_t whylen)
{
	struct config_sip *sip = dst;

	(void)p;
	(void)k;
	return config_sip_media_ports(val, &sip->media_port_min, &sip->media_port_max, why,
				      whylen);
}

static int cfg_p_sip_uri(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			 const char *val, char *why, size_t whylen)
{
	if (config_sip_uri(val, why, whylen) != 0)
		return -1;
	return cfg_p_text(p, k, dst, val, why, whylen);
}

static int cfg_p_sip_users(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			   const char *val, char *why, size_t whylen)
{
	struct config_port *port = dst;

	(void)p;
	(void)k;
	if (port->sip_users == NULL &&
	    (port->sip_users = calloc(FGW_MAX_SIP_USERS, sizeof(port->sip_users[0]))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return config_sip_users(val, port->sip_users, &port->nsip_users, &port->sip_any, why,
				whylen);
}

_Static_assert(CONFIG_PCMU == 0 && CONFIG_PCMA == 1, "config_sip_laws() numbers the laws");

static int cfg_p_codecs(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			const char *val, char *why, size_t whylen)
{
	struct config_port *port = dst;
	int laws[FGW_SDP_MAX_CODECS];

	(void)p;
	(void)k;
	if (config_sip_laws(val, laws, FGW_SDP_MAX_CODECS, &port->ncodecs, why, whylen) != 0)
		return -1;
	for (size_t i = 0; i < port->ncodecs; i++)
		port->codecs[i] = (enum config_codec)laws[i];
	return 0;
}

/* smtp://host[:port][/path] or smtps://...; credentials go in username and
 * password, not in the URL. */
static int cfg_p_smtp_url(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			  const char *val, char *why, size_t whylen)
{
	const char *h;
	unsigned long port;

	(void)p;
	if (strncasecmp(val, "smtp://", 7) == 0)
		h = val + 7;
	else if (strncasecmp(val, "smtps://", 8) == 0)
		h = val + 8;
	else {
		snprintf(why, whylen, "'%.80s' does not start with smtp:// or smtps://", val);
		return -1;
	}
	size_t alen = strcspn(h, "/?#");
	size_t hlen = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#");
	bool host_ok = hlen > (h[0] == '[' ? 2u : 0u) && hlen <= alen;
	for (size_t i = 0; host_ok && h[0] != '[' && i < hlen; i++)
		host_ok = (h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
			  cfg_is_digit(h[i]) || h[i] == '.' || h[i] == '-' || h[i] == '_';
	if (host_ok && h[0] == '[')
		host_ok = h[hlen - 1] == ']' && strspn(h + 1, "0123456789abcdefABCDEF:.") == hlen - 2;
	if (host_ok && hlen < alen)
		host_ok = h[hlen] == ':' && cfg_uint(h + hlen + 1, alen - hlen - 1, 65535, &port) == 0 &&
			  port > 0;
	if (!host_ok || strpbrk(val, " \t\"<>\\") != NULL) {
		snprintf(why, whylen, "'%.80s' has no valid host[:port] (credentials belong in "
			 "username and password)", val);
		return -1;
	}
	return cfg_copy(dst, k->size, val, why, whylen);
}

/* An addr-spec of RFC 5322 3.4.1, restricted to what relays accept: a
 * non-empty local part of atom characters and dots, '@', a domain name. */
static bool cfg_mail_address_ok(const char *a, size_t len)
{
	const char *at = memchr(a, '@', len);

	if (at == NULL || at == a || at == a + len - 1)
		return false;
	for (const char *c = a; c < at; c++)
		if ((unsigned char)*c <= ' ' || strchr("()<>[]:;@\\,\"", *c) != NULL)
			return false;
	for (const char *c = at + 1; c < a + len; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || cfg_is_digit(*c) ||
		      *c == '.' || *c == '-'))
			return false;
	return at[1] != '.' && a[len - 1] != '.';
}

/* "Display Name <local@domain>" or "local@domain" (RFC 5322 3.4). */
static int cfg_p_from(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
		      const char *val, char *why, size_t whylen)
{
	struct config_mail *m = dst;
	const char *lt = strrchr(val, '<'), *addr = val;
	size_t len = strlen(val);

	(void)p;
	(void)k;
	if (lt != NULL) {
		addr = lt + 1;
		len = strlen(addr);
		if (len == 0 || addr[len - 1] != '>' || strchr(val, '>') < lt ||
		    memchr(val, '<', (size_t)(lt - val)) != NULL)
			len = 0;
		else
			len--;
	}
	if (len == 0 || !cfg_mail_address_ok(addr, len) || memchr(addr, '>', len) != NULL) {
		snprintf(why, whylen, "'%.80s' does not contain a mail address "
			 "(Name <user@example.org> or user@example.org)", val);
		return -1;
	}
	if (cfg_copy(m->from, sizeof(m->from), val, why, whylen) != 0)
		return -1;
	memcpy(m->from_address, addr, len);
	m->from_address[len] = '\0';
	return 0;
}

static int cfg_attach(const char *val, bool both_ok, bool *pdf, bool *tiff,
		      char *why, size_t whylen)
{
	bool is_pdf = strcasecmp(val, "pdf") == 0, is_tiff = strcasecmp(val, "tiff") == 0;
	bool is_both = strcasecmp(val, "pdf+tiff") == 0 || strcasecmp(val, "tiff+pdf") == 0;

	if (!is_pdf && !is_tiff && !(both_ok && is_both)) {
		snprintf(why, whylen, "'%.80s' is not one of: pdf tiff%s", val,
			 both_ok ? " pdf+tiff" : "");
		return -1;
	}
	*pdf = is_pdf || is_both;
	*tiff = is_tiff || is_both;
	return 0;
}

static int cfg_p_mail_attach(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			     const char *val, char *why, size_t whylen)
{
	struct config_mail *m = dst;

	(void)p;
	(void)k;
	return cfg_attach(val, true, &m->attach_pdf, &m->attach_tiff, why, whylen);
}

static int cfg_p_http_attach(const struct cfg_parser *p, const struct cfg_key *k, void *dst,
			     const char *val, char *why, size_t whylen)
{
	struct config_http *h = dst;

	(void)p;
	(void)k;
	return cfg_attach(val, false, &h->attach_pdf, &h->attach_tiff, why, whylen);
}

/* --- the key table --------------------------------------------------------- */

static const struct cfg_word cfg_transports[] = {
	{ "t38", CONFIG_T38 }, { "audio", CONFIG_AUDIO }, { "sip", CONFIG_SIP }, { NULL, 0 } };
static const struct cfg_word cfg_t38_modes[] = {
	{ "offer", CONFIG_T38_OFFER }, { "accept", CONFIG_T38_ACCEPT }, { "no", CONFIG_T38_NO },
	{ NULL, 0 } };
static const struct cfg_word cfg_ecs[] = {
	{ "redundancy", CONFIG_EC_REDUNDANCY }, { "fec", CONFIG_EC_FEC },
	{ "none", CONFIG_EC_NONE }, { NULL, 0 } };
static const struct cfg_word cfg_codecs[] = {
	{ "pcmu", CONFIG_PCMU }, { "pcma", CONFIG_PCMA }, { NULL, 0 } };
static const struct cfg_word cfg_tls[] = {
	{ "auto", CONFIG_TLS_AUTO }, { "required", CONFIG_TLS_REQUIRED },
	{ "off", CONFIG_TLS_OFF }, { NULL, 0 } };
/* ITU-T V.27 ter, V.29 and V.17 signalling rates. */
static const struct cfg_word cfg_rates[] = {
	{ "2400", 2400 }, { "4800", 4800 }, { "7200", 7200 }, { "9600", 9600 },
	{ "12000", 12000 }, { "14400", 14400 }, { NULL, 0 } };

#define GW(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define PT(f) offsetof(struct config_port, f), sizeof(((struct config_port *)0)->f)
#define ML(f) offsetof(struct config_mail, f), sizeof(((struct config_mail *)0)->f)
#define HT(f) offsetof(struct config_http, f), sizeof(((struct config_http *)0)->f)
#define SP(f) offsetof(struct config_sip, f), sizeof(((struct config_sip *)0)->f)

static const struct cfg_key cfg_keys[] = {
	{ "spool", SEC_GATEWAY, 0, cfg_p_path, GW(spool), NULL, 0, 0 },
	{ "state", SEC_GATEWAY, 0, cfg_p_path, GW(state), NULL, 0, 0 },
	{ "control", SEC_GATEWAY, 0, cfg_p_socket, GW(control), NULL, 0, 0 },
	{ "extensions", SEC_GATEWAY, 0, cfg_p_path, GW(extensions), NULL, 0, 0 },
	{ "store-root", SEC_GATEWAY, 0, cfg_p_path, GW(store_root), NULL, 0, 0 },
	{ "exec-dir", SEC_GATEWAY, 0, cfg_p_path, GW(exec_dir), NULL, 0, 0 },
	{ "admin-group", SEC_GATEWAY, KEY_EMPTY_OK, cfg_p_group, GW(admin_group), NULL, 0, 0 },
	{ "query-group", SEC_GATEWAY, KEY_EMPTY_OK, cfg_p_group, GW(query_group), NULL, 0, 0 },
	{ "retry", SEC_GATEWAY, 0, cfg_p_retry, 0, 0, NULL, 0, 0 },
	{ "send-retry", SEC_GATEWAY, 0, cfg_p_retry, 0, 0, NULL, 0, 0 },
	{ "send-group", SEC_GATEWAY, KEY_EMPTY_OK, cfg_p_group, GW(send_group), NULL, 0, 0 },
	{ "history", SEC_GATEWAY, 0, cfg_p_period, GW(history_s), NULL, 3600, 0 },
	{ "retention", SEC_GATEWAY, 0, cfg_p_period, GW(retention_s), NULL, 0, 0 },
	{ "name", SEC_PORT, 0, cfg_p_name, PT(name), NULL, 0, 0 },
	{ "transport", SEC_PORT, 0, cfg_p_word, PT(transport), cfg_transports, 0, 0 },
	{ "listen", SEC_PORT, KEY_STATIC_ONLY, cfg_p_listen, 0, 0, NULL, 0, 0 },
	{ "peer", SEC_PORT, KEY_STATIC_ONLY, cfg_p_peer, 0, 0, NULL, 0, 0 },
	{ "allow", SEC_PORT, KEY_EMPTY_OK | KEY_STATIC_ONLY, cfg_p_allow, 0, 0, NULL, 0, 0 },
	{ "local-ident", SEC_PORT, KEY_EMPTY_OK, cfg_p_ident, PT(local_ident), NULL, 0, 0 },
	{ "ecm", SEC_PORT, 0, cfg_p_bool, PT(ecm), NULL, 0, 0 },
	{ "max-rate", SEC_PORT, 0, cfg_p_word, PT(max_rate), cfg_rates, 0, 0 },
	{ "t38-version", SEC_PORT, KEY_T38_ONLY, cfg_p_int, PT(t38_version), NULL, 0, 3 },
	{ "udptl-ec", SEC_PORT, KEY_T38_ONLY, cfg_p_word, PT(udptl_ec), cfg_ecs, 0, 0 },
	{ "codec", SEC_PORT, KEY_AUDIO_ONLY, cfg_p_word, PT(codec), cfg_codecs, 0, 0 },
	{ "sip-user", SEC_PORT, KEY_SIP_ONLY, cfg_p_sip_users, 0, 0, NULL, 0, 0 },
	{ "channels", SEC_PORT, KEY_SIP_ONLY, cfg_p_int, PT(channels), NULL, 1,
	  FGW_MAX_SIP_CHANNELS },
	{ "t38", SEC_PORT, KEY_SIP_ONLY, cfg_p_word, PT(t38), cfg_t38_modes, 0, 0 },
	{ "codecs", SEC_PORT, KEY_SIP_ONLY, cfg_p_codecs, 0, 0, NULL, 0, 0 },
	{ "t38-max-datagram", SEC_PORT, KEY_SIP_ONLY, cfg_p_int, PT(t38_max_datagram), NULL,
	  FGW_T38_OUR_DATAGRAM_MIN, FGW_T38_FAR_DATAGRAM_MAX },
	{ "listen", SEC_SIP, 0, cfg_p_sip_listen, 0, 0, NULL, 0, 0 },
	{ "public-address", SEC_SIP, KEY_EMPTY_OK, cfg_p_public_address, SP(public_address),
	  NULL, 0, 0 },
	{ "media-ports", SEC_SIP, 0, cfg_p_media_ports, 0, 0, NULL, 0, 0 },
	{ "allow", SEC_SIP, KEY_EMPTY_OK, cfg_p_sip_allow, 0, 0, NULL, 0, 0 },
	{ "username", SEC_SIP, KEY_EMPTY_OK, cfg_p_text, SP(username), NULL, 0, 0 },
	{ "password", SEC_SIP, KEY_EMPTY_OK, cfg_p_text, SP(password), NULL, 0, 0 },
	{ "max-calls", SEC_SIP, 0, cfg_p_int, SP(max_calls), NULL, 1, FGW_MAX_SIP_CALLS },
	{ "max-calls-per-source", SEC_SIP, 0, cfg_p_int, SP(max_calls_per_source), NULL, 1,
	  FGW_MAX_SIP_CALLS },
	{ "outbound-proxy", SEC_SIP, KEY_EMPTY_OK, cfg_p_sip_uri, SP(outbound_proxy), NULL, 0, 0 },
	{ "from", SEC_SIP, KEY_EMPTY_OK, cfg_p_sip_uri, SP(from), NULL, 0, 0 },
	{ "smtp-url", SEC_MAIL, 0, cfg_p_smtp_url, ML(smtp_url), NULL, 0, 0 },
	{ "starttls", SEC_MAIL, 0, cfg_p_word, ML(starttls), cfg_tls, 0, 0 },
	{ "from", SEC_MAIL, 0, cfg_p_from, 0, 0, NULL, 0, 0 },
	{ "username", SEC_MAIL, KEY_EMPTY_OK, cfg_p_text, ML(username), NULL, 0, 0 },
	{ "password", SEC_MAIL, KEY_EMPTY_OK, cfg_p_text, ML(password), NULL, 0, 0 },
	{ "attach", SEC_MAIL, 0, cfg_p_mail_attach, 0, 0, NULL, 0, 0 },
	{ "timeout", SEC_HTTP, 0, cfg_p_duration, HT(timeout_ms), NULL, 1000, 600000 },
	{ "attach", SEC_HTTP, 0, cfg_p_http_attach, 0, 0, NULL, 0, 0 },
};
#define CFG_NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))
_Static_assert(CFG_NKEYS <= 64, "cfg_parser.seen is too small");

static const char *cfg_section_name(enum cfg_section s)
{
	static const char *names[] = { "", "[gateway]", "[port N]", "[mail]", "[http]", "[sip]",
				       "" };
	return names[s];
}

static size_t cfg_key_index(const char *name)
{
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return i;
	return CFG_NKEYS;
}

static int cfg_key_line(const struct cfg_parser *p, enum cfg_section sec, const char *name)
{
	size_t i = cfg_key_index(name);
	while (i < CFG_NKEYS && (cfg_keys[i].sec != sec || strcmp(cfg_keys[i].name, name) != 0))
		i++;
	return i < CFG_NKEYS ? p->seen[i] : 0;
}

/* --- sections -------------------------------------------------------------- */

/* What a port section allocated (its lists). */
static void cfg_port_release(struct config_port *port)
{
	free(port->allow);
	free(port->sip_users);
	port->allow = NULL;
	port->sip_users = NULL;
}

static void cfg_port_defaults(struct config_port *port, uint32_t id, int line)
{
	memset(port, 0, sizeof(*port));
	port->id = id;
	port->ecm = true;
	port->max_rate = 14400;
	port->t38_version = 0;
	port->udptl_ec = CONFIG_EC_REDUNDANCY;
	port->codec = CONFIG_PCMU;
	port->channels = 1;
	port->t38 = CONFIG_T38_OFFER;
	port->codecs[0] = CONFIG_PCMA;
	port->codecs[1] = CONFIG_PCMU;
	port->ncodecs = 2;
	port->t38_max_datagram = FGW_T38_OUR_DATAGRAM_DEFAULT;
	port->line = line;
}

/* Whether key k, written at line, applies to the port's transport. */
static void cfg_port_key_applies(struct cfg_parser *p, const struct config_port *port,
				 const struct cfg_key *k, int line)
{
	const char *t = config_transport_name(port->transport);
	unsigned id = (unsigned)port->id;

	if ((k->flags & KEY_T38_ONLY) && port->transport == CONFIG_AUDIO)
		cfg_error(p, line, "%s: applies only to t38 and sip ports (port %u is audio)",
			  k->name, id);
	if ((k->flags & KEY_AUDIO_ONLY) && port->transport != CONFIG_AUDIO)
		cfg_error(p, line, "%s: applies only to audio ports (port %u is %s)%s", k->name,
			  id, t, port->transport == CONFIG_SIP ? "; a sip port has codecs" : "");
	if ((k->flags & KEY_SIP_ONLY) && port->transport != CONFIG_SIP)
		cfg_error(p, line, "%s: applies only to sip ports (port %u is %s)", k->name, id, t);
	if ((k->flags & KEY_STATIC_ONLY) && port->transport == CONFIG_SIP)
		cfg_error(p, line, "%s: a sip port has no %s of its own (SIP calls come through "
			  "[sip]; its allow and media-ports apply)", k->name, k->name);
}

/* Checks a finished [port N] section: what depends on the transport. */
static void cfg_end_port(struct cfg_parser *p)
{
	struct config_port *port = p->port;

	if (port == NULL)
		return;
	if (cfg_key_line(p, SEC_PORT, "name") == 0)
		snprintf(port->name, sizeof(port->name), "port %u", (unsigned)port->id);
	/* After a bad [port N] header, what is missing is beside the point. */
	if (port->id != 0 && cfg_key_line(p, SEC_PORT, "transport") == 0)
		cfg_error(p, p->sec_line, "[port %u]: transport is required (t38, audio or sip)",
			  (unsigned)port->id);
	if (port->id != 0 && port->transport != CONFIG_SIP &&
	    cfg_key_line(p, SEC_PORT, "listen") == 0)
		cfg_error(p, p->sec_line, "[port %u]: listen is required (a.b.c.d:PORT or "
			  "[IPv6]:PORT)", (unsigned)port->id);
	if (port->id != 0 && port->transport == CONFIG_SIP &&
	    cfg_key_line(p, SEC_PORT, "sip-user") == 0)
		cfg_error(p, p->sec_line, "[port %u]: sip-user is required on a sip port (the "
			  "request-URI users it answers, or *)", (unsigned)port->id);
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		if (k->sec == SEC_PORT && p->seen[i] != 0 && port->transport != 0)
			cfg_port_key_applies(p, port, k, p->seen[i]);
	}
	p->port = NULL;
}

static void cfg_end_section(struct cfg_parser *p)
{
	if (p->sec != SEC_PORT)
		return;   /* a repeated [gateway], [mail] or [http] continues the first */
	cfg_end_port(p);
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if (cfg_keys[i].sec == SEC_PORT)
			p->seen[i] = 0;
}

static struct config_port *cfg_new_port(struct cfg_parser *p, uint32_t id)
{
	struct config *c = p->cfg;

	for (size_t i = 0; i < c->nports; i++) {
		if (c->ports[i].id == id) {
			cfg_error(p, p->line, "duplicate port id %u (first at line %d)",
				  (unsigned)id, c->ports[i].line);
			return &p->scratch;
		}
	}
	if (c->nports >= FGW_MAX_PORTS) {
		cfg_error(p, p->line, "too many ports (at most %d)", FGW_MAX_PORTS);
		return &p->scratch;
	}
	if (c->nports == p->ports_cap) {
		size_t cap = p->ports_cap ? p->ports_cap * 2 : 8;
		struct config_port *np = realloc(c->ports, cap * sizeof(*np));
		if (np == NULL) {
			cfg_error(p, p->line, "out of memory");
			return &p->scratch;
		}
		c->ports = np;
		p->ports_cap = cap;
	}
	return &c->ports[c->nports++];
}

/* "port N": N decimal 1..2^31-1 without sign or leading zeros. */
static void cfg_port_header(struct cfg_parser *p, const char *rest)
{
	unsigned long id = 0;
	size_t len = strlen(rest);
	bool ok = len > 0 && rest[0] != '0' && cfg_uint(rest, len, FGW_MAX_PORT_ID, &id) == 0;

	p->any_port_header = true;
	p->sec = SEC_PORT;
	if (!ok) {
		cfg_error(p, p->line, "[port %.40s]: the port id must be a number from 1 to %u",
			  rest, FGW_MAX_PORT_ID);
		p->port = &p->scratch;
	} else {
		p->port = cfg_new_port(p, (uint32_t)id);
	}
	if (p->port == &p->scratch)
		cfg_port_release(&p->scratch);  /* from an earlier section in error */
	cfg_port_defaults(p->port, (uint32_t)id, p->line);
}

static void cfg_section_header(struct cfg_parser *p, char *line, size_t len)
{
	static const struct { const char *name; enum cfg_section sec; } named[] = {
		{ "gateway", SEC_GATEWAY }, { "mail", SEC_MAIL }, { "http", SEC_HTTP },
		{ "sip", SEC_SIP },
	};

	cfg_end_section(p);
	p->sec = SEC_SKIP;
	p->sec_line = p->line;
	if (line[len - 1] != ']') {
		cfg_error(p, p->line, "section header does not end with ']'");
		return;
	}
	line[len - 1] = '\0';
	char *name = line + 1;
	name += strspn(name, " \t");
	for (size_t n = strlen(name); n > 0 && cfg_is_space(name[n - 1]); n--)
		name[n - 1] = '\0';
	if (strncmp(name, "port", 4) == 0 && cfg_is_space(name[4])) {
		cfg_port_header(p, name + 4 + strspn(name + 4, " \t"));
		return;
	}
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (strcmp(name, named[i].name) != 0)
			continue;
		p->sec = named[i].sec;
		if (p->first_line[p->sec] != 0)
			cfg_error(p, p->line, "duplicate section [%s] (first at line %d)", name,
				  p->first_line[p->sec]);
		else
			p->first_line[p->sec] = p->line;
		return;
	}
	cfg_error(p, p->line, "unknown section [%.80s] (expected [gateway], [port N], "
		  "[sip], [mail] or [http])", name);
}

static void *cfg_section_base(struct cfg_parser *p)
{
	switch (p->sec) {
	case SEC_GATEWAY: return p->cfg;
	case SEC_PORT: return p->port;
	case SEC_MAIL: return &p->cfg->mail;
	case SEC_HTTP: return &p->cfg->http;
	case SEC_SIP: return &p->cfg->sip;
	default: return NULL;
	}
}

static void cfg_key_value(struct cfg_parser *p, char *line)
{
	char *eq = strchr(line, '='), why[CFG_WHY];
	size_t i;

	if (eq == NULL) {
		cfg_error(p, p->line, "expected 'key = value' or '[section]'");
		return;
	}
	char *val = eq + 1;
	val += strspn(val, " \t");
	while (eq > line && cfg_is_space(eq[-1]))
		eq--;
	*eq = '\0';
	if (p->sec == SEC_SKIP)
		return;   /* the section header is already in error */
	if (p->sec == SEC_NONE) {
		cfg_error(p, p->line, "key '%.80s' outside any section", line);
		return;
	}
	for (i = 0; i < CFG_NKEYS; i++)
		if (cfg_keys[i].sec == p->sec && strcmp(cfg_keys[i].name, line) == 0)
			break;
	if (i == CFG_NKEYS) {
		size_t other = cfg_key_index(line);
		if (other < CFG_NKEYS)
			cfg_error(p, p->line, "key '%s' belongs in %s, not in %s", line,
				  cfg_section_name(cfg_keys[other].sec), cfg_section_name(p->sec));
		else
			cfg_error(p, p->line, "unknown key '%.80s' in %s", line,
				  cfg_section_name(p->sec));
		return;
	}
	const struct cfg_key *k = &cfg_keys[i];
	if (p->seen[i] != 0) {
		cfg_error(p, p->line, "duplicate key '%s' (first at line %d)", k->name, p->seen[i]);
		return;
	}
	p->seen[i] = p->line;
	if (val[0] == '\0' && !(k->flags & KEY_EMPTY_OK)) {
		cfg_error(p, p->line, "%s: a value is required", k->name);
		return;
	}
	if (k->parse(p, k, (char *)cfg_section_base(p) + k->off, val, why, sizeof(why)) != 0)
		cfg_error(p, p->line, "%s: %s", k->name, why);
}

/* '#' or ';' at the start or after white space begins a comment. */
static size_t cfg_strip(char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((line[i] == '#' || line[i] == ';') && (i == 0 || cfg_is_space(line[i - 1]))) {
			len = i;
			break;
		}
	}
	while (len > 0 && cfg_is_space(line[len - 1]))
		len--;
	line[len] = '\0';
	return len;
}

static void cfg_line(struct cfg_parser *p, const char *s, size_t len)
{
	char buf[FGW_MAX_CONFIG_LINE];

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len >= sizeof(buf)) {
		cfg_error(p, p->line, "line too long (more than %d bytes)", FGW_MAX_CONFIG_LINE - 1);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0) {
			cfg_error(p, p->line, "NUL byte in line");
			return;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			cfg_error(p, p->line, "control character 0x%02x in line", c);
			return;
		}
	}
	size_t skip = 0;
	while (skip < len && cfg_is_space(s[skip]))
		skip++;
	memcpy(buf, s + skip, len - skip);
	len = cfg_strip(buf, len - skip);
	if (len == 0)
		return;
	if (buf[0] == '[')
		cfg_section_header(p, buf, len);
	else
		cfg_key_value(p, buf);
}

/* --- whole-file checks ------------------------------------------------------ */

static bool cfg_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static uint16_t cfg_port_number(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_port;
	return ((const struct sockaddr_in6 *)ss)->sin6_port;
}

/* [::] also takes IPv4 (ports' sockets are dual-stack, ipv6(7)). */
static bool cfg_is_v6_wildcard(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 && cfg_is_wildcard(ss);
}

/* Two ports cannot bind the same address, nor a wildcard and a specific
 * address of the same family on the same UDP port, nor [::] and any
 * address on the same UDP port. */
static void cfg_check_listen(struct cfg_parser *p)
{
	const struct config *c = p->cfg;

	for (size_t j = 1; j < c->nports; j++) {
		const struct config_port *b = &c->ports[j];
		for (size_t i = 0; i < j && b->listen_len != 0; i++) {
			const struct config_port *a = &c->ports[i];
			if (cfg_port_number(&a->listen) != cfg_port_number(&b->listen) ||
			    (a->listen.ss_family != b->listen.ss_family &&
			     !cfg_is_v6_wildcard(&a->listen) && !cfg_is_v6_wildcard(&b->listen)))
				continue;
			if (a->listen_len == b->listen_len &&
			    memcmp(&a->listen, &b->listen, a->listen_len) == 0)
				cfg_error(p, b->line, "[port %u]: listen %s is already used by port %u "
					  "(line %d)", (unsigned)b->id, b->listen_text,
					  (unsigned)a->id, a->line);
			else if (cfg_is_wildcard(&a->listen) || cfg_is_wildcard(&b->listen))
				cfg_error(p, b->line, "[port %u]: listen %s overlaps port %u's %s "
					  "(line %d)", (unsigned)b->id, b->listen_text,
					  (unsigned)a->id, a->listen_text, a->line);
			else
				continue;
			break;
		}
	}
}

static void cfg_check_mail(struct cfg_parser *p)
{
	struct config_mail *m = &p->cfg->mail;
	int line = p->first_line[SEC_MAIL];

	if (line == 0) {
		snprintf(m->invalid_reason, sizeof(m->invalid_reason),
			 "no [mail] section in the configuration");
		return;
	}
	m->present = true;
	if (cfg_key_line(p, SEC_MAIL, "from") == 0)
		cfg_error(p, line, "[mail]: from is required (the sender address of fax mails)");
	if (m->password[0] != '\0' && m->username[0] == '\0')
		cfg_error(p, line, "[mail]: password is set but username is not");
	m->valid = true;
}

/* Two sip ports may not answer the same user; one only may have `*`. */
static void cfg_check_sip_users(struct cfg_parser *p)
{
	const struct config *c = p->cfg;
	const struct config_port *any = NULL;

	for (size_t j = 0; j < c->nports; j++) {
		const struct config_port *b = &c->ports[j];
		if (b->sip_any && any != NULL)
			cfg_error(p, b->line, "[port %u]: sip-user * is already port %u's (line %d)",
				  (unsigned)b->id, (unsigned)any->id, any->line);
		else if (b->sip_any)
			any = b;
		for (size_t u = 0; u < b->nsip_users; u++)
			for (size_t i = 0; i <= j; i++) {
				const struct config_port *a = &c->ports[i];
				for (size_t v = 0; v < a->nsip_users && (i < j || v < u); v++)
					if (strcmp(a->sip_users[v], b->sip_users[u]) == 0)
						cfg_error(p, b->line, "[port %u]: sip-user %s is "
							  "already port %u's (line %d)",
							  (unsigned)b->id, b->sip_users[u],
							  (unsigned)a->id, a->line);
			}
	}
}

static void cfg_sip_defaults(struct cfg_parser *p)
{
	struct config_sip *sip = &p->cfg->sip;
	char why[CFG_WHY];

	if (cfg_key_line(p, SEC_SIP, "listen") == 0)
		(void)cfg_p_sip_listen(p, NULL, sip, "udp:127.0.0.1:5060, tcp:127.0.0.1:5060",
				       why, sizeof(why));
	if (cfg_key_line(p, SEC_SIP, "allow") == 0)
		(void)cfg_allow_list("127.0.0.0/8, ::1", sip->allow, &sip->nallow, why,
				     sizeof(why));
}

/* [sip] and the sip ports together. */
static void cfg_check_sip(struct cfg_parser *p)
{
	struct config_sip *sip = &p->cfg->sip;
	int line = p->first_line[SEC_SIP];

	for (size_t i = 0; i < p->cfg->nports && line == 0; i++)
		if (p->cfg->ports[i].transport == CONFIG_SIP)
			cfg_error(p, p->cfg->ports[i].line, "[port %u]: transport = sip needs a "
				  "[sip] section", (unsigned)p->cfg->ports[i].id);
	cfg_check_sip_users(p);
	if (line == 0)
		return;
	sip->present = true;
	sip->line = line;
	cfg_sip_defaults(p);
	if ((sip->username[0] == '\0') != (sip->password[0] == '\0'))
		cfg_error(p, line, "[sip]: username and password go together (both set: digest "
			  "authentication; both empty: none)");
}

static void cfg_check_http(struct cfg_parser *p)
{
	struct config_http *h = &p->cfg->http;

	if (p->first_line[SEC_HTTP] == 0) {
		snprintf(h->invalid_reason, sizeof(h->invalid_reason),
			 "no [http] section in the configuration");
		return;
	}
	h->present = true;
	h->valid = true;
}

static void cfg_defaults(struct config *c, const char *name)
{
	snprintf(c->file, sizeof(c->file), "%s", name);
	snprintf(c->spool, sizeof(c->spool), "/var/spool/faxgw");
	snprintf(c->state, sizeof(c->state), "/var/lib/faxgw/faxgw.db");
	snprintf(c->control, sizeof(c->control), "/run/faxgw/faxgw.sock");
	snprintf(c->extensions, sizeof(c->extensions), "/usr/lib/faxgw/routing");
	snprintf(c->store_root, sizeof(c->store_root), "/srv/fax");
	snprintf(c->exec_dir, sizeof(c->exec_dir), "/etc/faxgw/routing.d");
	snprintf(c->admin_group, sizeof(c->admin_group), "faxadmin");
	snprintf(c->send_group, sizeof(c->send_group), "faxsend");
	snprintf(c->query_group, sizeof(c->query_group), "faxops");
	c->retry_attempts = 5;
	c->retry_backoff_ms = 30000;
	c->send_retry_attempts = 3;
	c->send_retry_backoff_ms = 120000;
	c->history_s = 90ull * 86400;
	c->retention_s = 0;
	snprintf(c->mail.smtp_url, sizeof(c->mail.smtp_url), "smtp://127.0.0.1:25");
	c->mail.starttls = CONFIG_TLS_AUTO;
	c->mail.attach_pdf = true;
	c->http.timeout_ms = 30000;
	c->http.attach_pdf = true;
	c->sip.media_port_min = 20000;
	c->sip.media_port_max = 29999;
	c->sip.max_calls = FGW_SIP_DEFAULT_CALLS;
}

static int cfg_port_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct config_port *)a)->id, y = ((const struct config_port *)b)->id;
	return x < y ? -1 : x > y;
}

static void cfg_errors_reset(struct config_errors *errs)
{
	if (errs != NULL) {
		errs->n = 0;
		errs->dropped = 0;
	}
}

int config_parse(const char *name, const char *text, size_t len, bool allow_relative,
		 struct config **out, struct config_errors *errs)
{
	struct cfg_parser *p = calloc(1, sizeof(*p));
	struct config *c = calloc(1, sizeof(*c));
	int rc = -1;

	*out = NULL;
	cfg_errors_reset(errs);
	if (p == NULL || c == NULL)
		goto done;
	p->cfg = c;
	p->errs = errs;
	p->file = name;
	p->allow_relative = allow_relative;
	cfg_defaults(c, name);
	if (len > FGW_MAX_CONFIG_SIZE) {
		cfg_error(p, 0, "file too big (more than %u bytes)", FGW_MAX_CONFIG_SIZE);
		goto done;
	}
	for (size_t pos = 0; pos < len; ) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		p->line++;
		cfg_line(p, text + pos, ll);
		pos += ll + (nl != NULL);
	}
	cfg_end_section(p);
	if (!p->any_port_header)
		cfg_error(p, 0, "no [port N] section: at least one port is required");
	cfg_check_listen(p);
	cfg_check_sip(p);
	cfg_check_mail(p);
	cfg_check_http(p);
	if (p->nerrors == 0) {
		qsort(c->ports, c->nports, sizeof(c->ports[0]), cfg_port_cmp);
		*out = c;
		c = NULL;
		rc = 0;
	}
done:
	if (p != NULL)
		cfg_sort_errors(p);
	if (rc != 0 && errs != NULL && errs->n == 0 && errs->dropped == 0) {
		snprintf(errs->msg[0], sizeof(errs->msg[0]), "%s: out of memory", name);
		errs->n = 1;
	}
	config_free(c);
	if (p != NULL)
		cfg_port_release(&p->scratch);
	free(p);
	return rc;
}

/* --- public API -------------------------------------------------------------- */

int config_load_string(const char *name, const char *text, size_t len,
		       struct config **out, struct config_errors *errs)
{
	return config_parse(name, text, len, false, out, errs);
}

static void cfg_file_error(struct config_errors *errs, const char *path, const char *what,
			   int err)
{
	if (errs == NULL)
		return;
	snprintf(errs->msg[0], sizeof(errs->msg[0]), "%s: %s: %s", path, what, strerror(err));
	errs->n = 1;
}

int config_load_file(const char *path, struct config **out, struct config_errors *errs)
{
	size_t cap = FGW_MAX_CONFIG_SIZE + 1, len = 0;
	char *buf = NULL;
	int fd, rc = -1;

	*out = NULL;
	cfg_errors_reset(errs);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cfg_file_error(errs, path, "cannot open", errno);
		return -1;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		cfg_file_error(errs, path, "cannot read", ENOMEM);
		goto done;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cfg_file_error(errs, path, "cannot read", errno);
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = config_parse(path, buf, len, false, out, errs);
done:
	free(buf);
	close(fd);
	return rc;
}

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nports; i++)
		cfg_port_release(&c->ports[i]);
	free(c->ports);
	free(c);
}

const struct config_port *config_find_port(const struct config *c, uint32_t id)
{
	struct config_port key = { .id = id };

	if (c == NULL || c->nports == 0)
		return NULL;
	return bsearch(&key, c->ports, c->nports, sizeof(c->ports[0]), cfg_port_cmp);
}

const char *config_transport_name(enum config_transport t)
{
	return t == CONFIG_T38 ? "t38" : t == CONFIG_AUDIO ? "audio" : t == CONFIG_SIP ? "sip" : "?";
}

const char *config_t38_mode_name(enum config_t38_mode m)
{
	return m == CONFIG_T38_OFFER ? "offer" : m == CONFIG_T38_ACCEPT ? "accept" : "no";
}

const char *config_udptl_ec_name(enum config_udptl_ec ec)
{
	return ec == CONFIG_EC_REDUNDANCY ? "redundancy" : ec == CONFIG_EC_FEC ? "fec" : "none";
}

const char *config_codec_name(enum config_codec codec)
{
	return codec == CONFIG_PCMA ? "pcma" : "pcmu";
}

const char *config_starttls_name(enum config_starttls s)
{
	return s == CONFIG_TLS_REQUIRED ? "required" : s == CONFIG_TLS_OFF ? "off" : "auto";
}
