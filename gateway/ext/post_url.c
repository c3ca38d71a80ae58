/*
 * post_url.c - the "Post to URL" routing method (faxgw-methods(7)).
 *
 * Routing data: an absolute http:// or https:// URL with a host (RFC 3986,
 * parsed by libcurl's URL API), printable ASCII, at most FGW_MAX_URL - 1
 * bytes.  User information in the URL is allowed (HTTP basic
 * authentication) but never shown: messages name the URL as
 * scheme://host[:port]/path.  The method can be enabled only when the
 * config has a valid [http] section (timeout, attach).
 *
 * The routing function sends one multipart/form-data POST (RFC 7578):
 * the fax as the file part "fax" (PDF, or the TIFF per [http] attach; with
 * both, the TIFF is "fax_tiff"), one text field per metadata item, and
 * the same metadata as a JSON part "metadata".  Redirects are not
 * followed.  Outcome (RFC 9110 15): 2xx -> FGW_ROUTE_OK; 5xx, 408, 429, a
 * timeout ([http] timeout covers connect and transfer) or a connection
 * failure -> FGW_ROUTE_RETRY; any other status -> FGW_ROUTE_FAIL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "caps.h"
#include "common/routing_entry.h"
#include <faxgw/routing.h>

#include "common/pdf.h"

#define PU_GUID "{8a44b9b6-cac8-4541-a637-931de608809c}"
#define PU_FUNCTION "RoutePostUrl"
#define PU_MAX_BODY 200               /* bytes of the answer kept for the message */
#define PU_MAX_JSON 4096
#define PU_DEFAULT_TIMEOUT_MS 30000u

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status RoutePostUrl(const fgw_route_host *host, const fgw_fax *fax, const void *data,
			      size_t len, char *msg, size_t msglen);

struct pu_target {
	char url[FGW_MAX_URL];
	char shown[FGW_MAX_URL];      /* without user information and query */
};

/* --- the URL ----------------------------------------------------------------------------- */

static void pu_shown(CURLU *u, char *dst, size_t dstlen)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;

	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	snprintf(dst, dstlen, "%s://%s%s%s%s", scheme ? scheme : "?", host ? host : "?",
		 port ? ":" : "", port ? port : "", path ? path : "/");
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
}

/* Checks the routing data; fills t.  0 or -1 with a reason. */
static int pu_parse(const void *data, size_t len, struct pu_target *t, char *reason,
		    size_t reasonlen)
{
	const unsigned char *p = data;
	char *scheme = NULL, *host = NULL;
	CURLU *u;
	CURLUcode uc;
	int rc = -1;

	if (len == 0) {
		snprintf(reason, reasonlen, "no URL set");
		return -1;
	}
	if (len >= FGW_MAX_URL) {
		snprintf(reason, reasonlen, "the URL is longer than %d bytes", FGW_MAX_URL - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f) {
			snprintf(reason, reasonlen, "the URL must be printable ASCII without spaces "
				 "(byte %zu is 0x%02x); percent-encode other characters", i, p[i]);
			return -1;
		}
	}
	memcpy(t->url, data, len);
	t->url[len] = '\0';
	u = curl_url();
	if (u == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	uc = curl_url_set(u, CURLUPART_URL, t->url, CURLU_NON_SUPPORT_SCHEME);
	if (uc != CURLUE_OK) {
		snprintf(reason, reasonlen, "not a URL: %s", curl_url_strerror(uc));
		goto done;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(reason, reasonlen, "the URL must start with http:// or https://, not "
			 "%.20s://", scheme ? scheme : "?");
		goto done;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		snprintf(reason, reasonlen, "the URL has no host");
		goto done;
	}
	pu_shown(u, t->shown, sizeof(t->shown));
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* The URL with the password of its user information (RFC 3986 3.2.1)
 * masked: "https://user:****@host/..."; user information without a
 * password is masked whole.  1 when something was masked, -1 when it
 * does not fit out, 0 when there is no user information. */
static int pu_redact(const fgw_route_host *host, const char *guid, const void *data,
		     size_t len, void *out, size_t outcap, size_t *outlen)
{
	const char *s = data, *end = s + len;
	const char *auth = NULL, *at = NULL, *colon = NULL;
	char *o = out;

	(void)host;
	(void)guid;
	for (const char *p = s; p + 3 <= end && auth == NULL; p++)
		if (memcmp(p, "://", 3) == 0)
			auth = p + 3;
	for (const char *p = auth; p != NULL && p < end && strchr("/?#", *p) == NULL; p++) {
		if (*p == '@')
			at = p;
		else if (*p == ':' && at == NULL && colon == NULL)
			colon = p;
	}
	if (at == NULL)
		return 0;
	if (colon == NULL || colon > at)
		colon = auth;                    /* no password: hide the user too */
	size_t head = (size_t)(colon - s) + (colon != auth), tail = (size_t)(end - at);
	if (head + 4 + tail > outcap)
		return -1;
	memcpy(o, s, head);
	memcpy(o + head, "****", 4);
	memcpy(o + head + 4, at, tail);
	*outlen = head + 4 + tail;
	return 1;
}

/* [http]: 0 with the timeout and attachments, or -1 with a reason. */
static int pu_config(const fgw_route_host *host, unsigned *timeout_ms, int *pdf, int *tiff,
		     char *reason, size_t reasonlen)
{
	const char *v = host->config_value(host->host, "http", "valid");
	unsigned long ms;
	char *end;

	if (v == NULL) {
		snprintf(reason, reasonlen, "no [http] section in faxgwd's configuration");
		return -1;
	}
	if (strcmp(v, "yes") != 0) {
		v = host->config_value(host->host, "http", "invalid-reason");
		snprintf(reason, reasonlen, "the [http] section is invalid: %.300s",
			 v != NULL && v[0] ? v : "no reason given");
		return -1;
	}
	*timeout_ms = PU_DEFAULT_TIMEOUT_MS;
	v = host->config_value(host->host, "http", "timeout");
	if (v != NULL) {
		ms = strtoul(v, &end, 10);
		if (end != v && strcmp(end, "ms") == 0 && ms > 0 && ms <= FGW_MAX_DURATION_MS)
			*timeout_ms = (unsigned)ms;
	}
	v = host->config_value(host->host, "http", "attach");
	*pdf = v == NULL || strcmp(v, "tiff") != 0;
	*tiff = v != NULL && strstr(v, "tiff") != NULL;
	return 0;
}

static int pu_validate(const fgw_route_host *host, const char *guid, uint32_t port_id,
		       const void *data, size_t len, char *reason, size_t reasonlen)
{
	struct pu_target t;

	(void)host;
	(void)guid;
	(void)port_id;
	return pu_parse(data, len, &t, reason, reasonlen);
}

static int pu_can_enable(const fgw_route_host *host, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	unsigned ms;
	int pdf, tiff;

	if (len == 0) {
		snprintf(reason, reasonlen, "no URL set: set the routing data first");
		return -1;
	}
	if (pu_config(host, &ms, &pdf, &tiff, reason, reasonlen) != 0)
		return -1;
	return pu_validate(host, guid, port_id, data, len, reason, reasonlen);
}

/* --- the form ----------------------------------------------------------------------------- */

static const char *pu_str(const char *s)
{
	return s != NULL ? s : "";
}

/* Appends s as a JSON string (RFC 8259 7) to j[*off..cap). */
static void pu_json_str(char *j, size_t cap, size_t *off, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (*off + 2 >= cap)
		return;
	j[(*off)++] = '"';
	for (; *s != '\0' && *off + 8 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			j[(*off)++] = '\\';
			j[(*off)++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes outside ASCII are not assumed to be UTF-8. */
			memcpy(j + *off, "\\u00", 4);
			j[*off + 4] = hex[c >> 4];
			j[*off + 5] = hex[c & 15];
			*off += 6;
		} else {
			j[(*off)++] = (char)c;
		}
	}
	j[(*off)++] = '"';
	j[*off] = '\0';
}

static void pu_json_add(char *j, size_t cap, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void pu_json_add(char *j, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (size_t)n < cap ? *off + (size_t)n : cap - 1;
}

static void pu_json(char *j, size_t cap, const fgw_fax *fax)
{
	size_t off = 0;
	const struct { const char *k; const char *v; } strs[] = {
		{ "port_name", pu_str(fax->port_name) },
		{ "remote_ident", pu_str(fax->remote_ident) },
		{ "local_ident", pu_str(fax->local_ident) },
		{ "caller", pu_str(fax->caller_address) },
		{ "t30_text", pu_str(fax->t30_text) },
	};

	pu_json_add(j, cap, &off, "{\"job_id\":%llu,\"port_id\":%u",
		    (unsigned long long)fax->job_id, (unsigned)fax->port_id);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		pu_json_add(j, cap, &off, ",\"%s\":", strs[i].k);
		pu_json_str(j, cap, &off, strs[i].v);
	}
	pu_json_add(j, cap, &off, ",\"pages\":%u,\"partial\":%s,\"start_time\":%lld,"
		    "\"end_time\":%lld,\"x_resolution\":%u,\"y_resolution\":%u,"
		    "\"bit_rate\":%u,\"ecm\":%s,\"t30_status\":%d}",
		    (unsigned)fax->pages, fax->partial ? "true" : "false",
		    (long long)fax->start_time, (long long)fax->end_time,
		    (unsigned)fax->x_resolution, (unsigned)fax->y_resolution,
		    (unsigned)fax->bit_rate, fax->ecm ? "true" : "false", fax->t30_status);
}

static int pu_field(curl_mime *mime, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pu_field(curl_mime *mime, const char *name, const char *fmt, ...)
{
	char value[FGW_MAX_ERROR_TEXT];
	curl_mimepart *p = curl_mime_addpart(mime);
	va_list ap;

	if (p == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (curl_mime_name(p, name) != CURLE_OK ||
	    curl_mime_data(p, value, CURL_ZERO_TERMINATED) != CURLE_OK)
		return -1;
	return 0;
}

static int pu_fields(curl_mime *mime, const fgw_fax *fax)
{
	char json[PU_MAX_JSON];
	curl_mimepart *p;

	if (pu_field(mime, "job_id", "%llu", (unsigned long long)fax->job_id) ||
	    pu_field(mime, "port_id", "%u", (unsigned)fax->port_id) ||
	    pu_field(mime, "port_name", "%s", pu_str(fax->port_name)) ||
	    pu_field(mime, "remote_ident", "%s", pu_str(fax->remote_ident)) ||
	    pu_field(mime, "local_ident", "%s", pu_str(fax->local_ident)) ||
	    pu_field(mime, "caller", "%s", pu_str(fax->caller_address)) ||
	    pu_field(mime, "pages", "%u", (unsigned)fax->pages) ||
	    pu_field(mime, "partial", "%d", fax->partial ? 1 : 0) ||
	    pu_field(mime, "start_time", "%lld", (long long)fax->start_time) ||
	    pu_field(mime, "end_time", "%lld", (long long)fax->end_time) ||
	    pu_field(mime, "bit_rate", "%u", (unsigned)fax->bit_rate) ||
	    pu_field(mime, "ecm", "%d", fax->ecm ? 1 : 0) ||
	    pu_field(mime, "t30_status", "%d", fax->t30_status))
		return -1;
	pu_json(json, sizeof(json), fax);
	p = curl_mime_addpart(mime);
	if (p == NULL || curl_mime_name(p, "metadata") != CURLE_OK ||
	    curl_mime_type(p, "application/json") != CURLE_OK ||
	    curl_mime_data(p, json, CURL_ZERO_TERMINATED) != CURLE_OK)
		return -1;
	return 0;
}

static int pu_files(curl_mime *mime, const fgw_fax *fax, const unsigned char *pdf,
		    size_t pdflen, int tiff)
{
	char name[64];
	curl_mimepart *p;

	if (pdf != NULL) {
		snprintf(name, sizeof(name), "fax-%llu.pdf", (unsigned long long)fax->job_id);
		p = curl_mime_addpart(mime);
		if (p == NULL || curl_mime_name(p, "fax") != CURLE_OK ||
		    curl_mime_filename(p, name) != CURLE_OK ||
		    curl_mime_type(p, "application/pdf") != CURLE_OK ||
		    curl_mime_data(p, (const char *)pdf, pdflen) != CURLE_OK)
			return -1;
	}
	if (tiff) {
		snprintf(name, sizeof(name), "fax-%llu.tif", (unsigned long long)fax->job_id);
		p = curl_mime_addpart(mime);
		if (p == NULL || curl_mime_name(p, pdf != NULL ? "fax_tiff" : "fax") != CURLE_OK ||
		    curl_mime_filedata(p, fax->path) != CURLE_OK ||
		    curl_mime_filename(p, name) != CURLE_OK ||
		    curl_mime_type(p, "image/tiff") != CURLE_OK)
			return -1;
	}
	return 0;
}

/* --- the POST ----------------------------------------------------------------------------- */

struct pu_answer {
	char body[PU_MAX_BODY + 1];
	size_t len;
};

static size_t pu_write(char *data, size_t size, size_t nmemb, void *user)
{
	struct pu_answer *a = user;
	size_t n = size * nmemb;

	for (size_t i = 0; i < n && a->len < PU_MAX_BODY; i++) {
		char c = data[i];
		if (c == '\r' || c == '\n') {
			if (a->len > 0 && a->body[a->len - 1] != ' ')
				a->body[a->len++] = ' ';
			continue;
		}
		a->body[a->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	a->body[a->len] = '\0';
	return n;
}

static int pu_setopts(CURL *curl, const struct pu_target *t, unsigned timeout_ms,
		      curl_mime *mime, struct curl_slist *headers, struct pu_answer *a,
		      char *errbuf)
{
	int bad = 0;

	bad |= curl_easy_setopt(curl, CURLOPT_URL, t->url) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_USERAGENT, "faxgw/" FAXGW_VERSION) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, pu_write) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, a) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
	return bad ? -1 : 0;
}

static fgw_route_status pu_result(CURL *curl, CURLcode rc, const struct pu_target *t,
				  const struct pu_answer *a, const char *errbuf, char *msg,
				  size_t msglen)
{
	char body[PU_MAX_BODY + 1];
	size_t n = a->len;
	long code = 0;

	while (n > 0 && a->body[n - 1] == ' ')
		n--;
	memcpy(body, a->body, n);
	body[n] = '\0';

	if (rc != CURLE_OK) {
		snprintf(msg, msglen, "cannot post to %s: %s%s%.200s", t->shown,
			 curl_easy_strerror(rc), errbuf[0] ? ": " : "", errbuf);
		return FGW_ROUTE_RETRY;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	snprintf(msg, msglen, "HTTP %ld from %s%s%s", code, t->shown, n ? ": " : "", body);
	if (code >= 200 && code <= 299)
		return FGW_ROUTE_OK;
	if ((code >= 500 && code <= 599) || code == 408 || code == 429)
		return FGW_ROUTE_RETRY;
	return FGW_ROUTE_FAIL;
}

static fgw_route_status pu_post(const struct pu_target *t, unsigned timeout_ms,
				const fgw_fax *fax, const unsigned char *pdf, size_t pdflen,
				int tiff, char *msg, size_t msglen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct pu_answer a = { "", 0 };
	struct curl_slist *headers = NULL, *h;
	fgw_route_status st = FGW_ROUTE_RETRY;
	curl_mime *mime = NULL;
	CURL *curl = curl_easy_init();

	if (curl == NULL || (mime = curl_mime_init(curl)) == NULL) {
		snprintf(msg, msglen, "cannot start libcurl");
		goto done;
	}
	/* No "Expect: 100-continue" round trip (RFC 9110 10.1.1). */
	h = curl_slist_append(NULL, "Expect:");
	if (h == NULL || pu_fields(mime, fax) != 0 || pu_files(mime, fax, pdf, pdflen, tiff) != 0) {
		curl_slist_free_all(h);
		snprintf(msg, msglen, "cannot build the request (out of memory)");
		goto done;
	}
	headers = h;
	if (pu_setopts(curl, t, timeout_ms, mime, headers, &a, errbuf) != 0) {
		snprintf(msg, msglen, "this libcurl lacks an option HTTP needs");
		goto done;
	}
	st = pu_result(curl, curl_easy_perform(curl), t, &a, errbuf, msg, msglen);
done:
	curl_mime_free(mime);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return st;
}

fgw_route_status RoutePostUrl(const fgw_route_host *host, const fgw_fax *fax, const void *data,
			      size_t len, char *msg, size_t msglen)
{
	struct pu_target t;
	char why[FGW_MAX_ERROR_TEXT];
	unsigned char *pdf = NULL;
	size_t pdflen = 0;
	unsigned timeout_ms;
	int want_pdf, want_tiff;
	fgw_route_status st;

	if (pu_parse(data, len, &t, why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "bad URL: %s", why);
		return FGW_ROUTE_FAIL;
	}
	if (pu_config(host, &timeout_ms, &want_pdf, &want_tiff, msg, msglen) != 0)
		return FGW_ROUTE_RETRY;
	if (access(fax->path, R_OK) != 0) {
		snprintf(msg, msglen, "cannot read the fax %s", fax->path);
		return FGW_ROUTE_RETRY;
	}
	if (want_pdf && pdf_from_tiff(fax->path, NULL, &pdf, &pdflen, why, sizeof(why)) < 0) {
		snprintf(msg, msglen, "cannot make a PDF of the fax: %s", why);
		return FGW_ROUTE_FAIL;
	}
	st = pu_post(&t, timeout_ms, fax, pdf, pdflen, want_tiff, msg, msglen);
	pdf_free(pdf);
	return st;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	static const struct routing_entry entry = {
		.friendly_name = "faxgw standard routing: post to URL",
		.guid = PU_GUID,
		.function_name = PU_FUNCTION,
		.method_name = "Post to URL",
		.validate = pu_validate,
		.can_enable = pu_can_enable,
		.redact = pu_redact,
	};

	return routing_entry_init(host, ext, &entry, err, errlen);
}
