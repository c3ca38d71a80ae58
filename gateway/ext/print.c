/*
 * print.c - the "Print" routing method (faxgw-methods(7)).
 *
 * Routing data: a CUPS destination, "queue" or "queue/instance" (printable
 * ASCII without space, '#', '\\' or quotes, at most FGW_MAX_NAME - 1
 * bytes), that the CUPS server knows when the data is set.  The CUPS
 * server is the one of faxgwd's environment (CUPS_SERVER, else the local
 * one), reached within PR_CONNECT_MS.
 *
 * The routing function converts the fax to PDF and submits it as one job
 * (IPP Create-Job + Send-Document, RFC 8011 4.2.4 and 4.3.1) titled
 * "Fax from IDENT (N pages, port P)".  Any CUPS error, including an
 * unknown destination, is a retryable failure whose message is CUPS's
 * own reason (cupsLastErrorString).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cups/cups.h>

#include "common/routing_entry.h"
#include <faxgw/routing.h>

#include "common/pdf.h"

#define PR_GUID "{aec1b37c-9af2-11d0-abf7-00c04fd91a4e}"
#define PR_FUNCTION "RoutePrint"
#define PR_CHUNK 65536
#define PR_CONNECT_MS 5000            /* to reach the CUPS server */

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen);
fgw_route_status RoutePrint(const fgw_route_host *host, const fgw_fax *fax, const void *data,
			    size_t len, char *msg, size_t msglen);

struct pr_dest {
	char name[FGW_MAX_NAME];
	const char *instance;         /* into name, or NULL */
};

/* The CUPS server in use, "host:port" or a socket path. */
static const char *pr_server(void)
{
	static char buf[300];
	const char *s = cupsServer();

	if (s == NULL || s[0] == '/')
		return s != NULL ? s : "(none)";
	snprintf(buf, sizeof(buf), "%.256s:%d", s, ippPort());
	return buf;
}

/* A connection to the CUPS server (httpClose it), or NULL with a reason.
 * The bounded connect keeps a SET from hanging on an unreachable server. */
static http_t *pr_connect(char *reason, size_t reasonlen)
{
	http_t *http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1,
				    PR_CONNECT_MS, NULL);

	if (http == NULL)
		snprintf(reason, reasonlen, "cannot reach the CUPS server %s: %s", pr_server(),
			 cupsLastErrorString());
	return http;
}

/* Splits and checks the data; 0 or -1 with a reason. */
static int pr_parse(const void *data, size_t len, struct pr_dest *d, char *reason,
		    size_t reasonlen)
{
	const unsigned char *p = data;
	char *slash;

	if (len == 0) {
		snprintf(reason, reasonlen, "no printer set");
		return -1;
	}
	if (len >= FGW_MAX_NAME) {
		snprintf(reason, reasonlen, "printer name is longer than %d bytes",
			 FGW_MAX_NAME - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f || strchr("#\\\"'", p[i]) != NULL) {
			snprintf(reason, reasonlen, "a CUPS destination name is printable ASCII "
				 "without spaces, '#', '\\' or quotes");
			return -1;
		}
	}
	memcpy(d->name, data, len);
	d->name[len] = '\0';
	d->instance = NULL;
	slash = strchr(d->name, '/');
	if (slash != NULL) {
		*slash = '\0';
		d->instance = slash + 1;
		if (d->name[0] == '\0' || d->instance[0] == '\0' || strchr(d->instance, '/')) {
			snprintf(reason, reasonlen, "write the destination as QUEUE or "
				 "QUEUE/INSTANCE");
			return -1;
		}
	}
	return 0;
}

/* The destination as CUPS knows it (cupsFreeDests(1, dest) it), or NULL
 * with a reason. */
static cups_dest_t *pr_lookup(http_t *http, const struct pr_dest *d, char *reason,
			      size_t reasonlen)
{
	cups_dest_t *dest = cupsGetNamedDest(http, d->name, d->instance);
	ipp_status_t st;

	if (dest != NULL)
		return dest;
	st = cupsLastError();
	if (st == IPP_STATUS_OK || st == IPP_STATUS_ERROR_NOT_FOUND)
		snprintf(reason, reasonlen, "CUPS destination %s%s%s does not exist on %s", d->name,
			 d->instance ? "/" : "", d->instance ? d->instance : "", pr_server());
	else
		snprintf(reason, reasonlen, "cannot look up CUPS destination %s on %s: %s",
			 d->name, pr_server(), cupsLastErrorString());
	return NULL;
}

static int pr_validate(const fgw_route_host *host, const char *guid, uint32_t port_id,
		       const void *data, size_t len, char *reason, size_t reasonlen)
{
	struct pr_dest d;
	cups_dest_t *dest;
	http_t *http;

	(void)host;
	(void)guid;
	(void)port_id;
	if (pr_parse(data, len, &d, reason, reasonlen) != 0)
		return -1;
	http = pr_connect(reason, reasonlen);
	if (http == NULL)
		return -1;
	dest = pr_lookup(http, &d, reason, reasonlen);
	httpClose(http);
	if (dest == NULL)
		return -1;
	cupsFreeDests(1, dest);
	return 0;
}

static int pr_can_enable(const fgw_route_host *host, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	if (len == 0) {
		snprintf(reason, reasonlen, "no printer set: set the routing data first");
		return -1;
	}
	return pr_validate(host, guid, port_id, data, len, reason, reasonlen);
}

/* Printable ASCII copy. */
static void pr_clean(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;

	for (; src != NULL && *src != '\0' && i + 1 < dstlen; src++)
		dst[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[i] = '\0';
}

static void pr_title(char *dst, size_t dstlen, const fgw_fax *fax)
{
	char ident[FGW_MAX_IDENT * 2 + 1];

	pr_clean(ident, sizeof(ident), fax->remote_ident);
	snprintf(dst, dstlen, "Fax from %s (%u page%s, port %u)%s",
		 ident[0] ? ident : "unknown sender", (unsigned)fax->pages,
		 fax->pages == 1 ? "" : "s", (unsigned)fax->port_id,
		 fax->partial ? " [partial]" : "");
}

/* Create-Job, Send-Document with the PDF; the job id or 0 with msg. */
static int pr_submit(http_t *http, cups_dest_t *dest, const char *title,
		     const unsigned char *pdf, size_t len, char *msg, size_t msglen)
{
	int job = cupsCreateJob(http, dest->name, title, dest->num_options, dest->options);

	if (job <= 0) {
		snprintf(msg, msglen, "CUPS refused the job on %s: %s", dest->name,
			 cupsLastErrorString());
		return 0;
	}
	if (cupsStartDocument(http, dest->name, job, "fax.pdf", CUPS_FORMAT_PDF, 1) !=
	    HTTP_STATUS_CONTINUE) {
		snprintf(msg, msglen, "CUPS refused the document for job %d on %s: %s", job,
			 dest->name, cupsLastErrorString());
		cupsCancelJob2(http, dest->name, job, 0);
		return 0;
	}
	for (size_t off = 0; off < len; off += PR_CHUNK) {
		size_t n = len - off < PR_CHUNK ? len - off : PR_CHUNK;
		if (cupsWriteRequestData(http, (const char *)pdf + off, n) != HTTP_STATUS_CONTINUE)
			break;
	}
	if (cupsFinishDocument(http, dest->name) > IPP_STATUS_OK_CONFLICTING) {
		snprintf(msg, msglen, "CUPS did not take the document for job %d on %s: %s", job,
			 dest->name, cupsLastErrorString());
		cupsCancelJob2(http, dest->name, job, 0);
		return 0;
	}
	return job;
}

fgw_route_status RoutePrint(const fgw_route_host *host, const fgw_fax *fax, const void *data,
			    size_t len, char *msg, size_t msglen)
{
	struct pr_dest d;
	cups_dest_t *dest;
	char why[FGW_MAX_ERROR_TEXT], title[128];
	unsigned char *pdf = NULL;
	size_t pdflen = 0;
	http_t *http;
	int job = 0;

	(void)host;
	if (pr_parse(data, len, &d, why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "bad printer: %s", why);
		return FGW_ROUTE_FAIL;
	}
	if (access(fax->path, R_OK) != 0) {
		snprintf(msg, msglen, "cannot read the fax %s", fax->path);
		return FGW_ROUTE_RETRY;
	}
	pr_title(title, sizeof(title), fax);
	if (pdf_from_tiff(fax->path, title, &pdf, &pdflen, why, sizeof(why)) < 0) {
		snprintf(msg, msglen, "cannot make a PDF of the fax: %s", why);
		return FGW_ROUTE_FAIL;
	}
	http = pr_connect(msg, msglen);
	dest = http != NULL ? pr_lookup(http, &d, msg, msglen) : NULL;
	if (dest != NULL) {
		job = pr_submit(http, dest, title, pdf, pdflen, msg, msglen);
		if (job > 0)
			snprintf(msg, msglen, "job %s-%d on %s", dest->name, job, pr_server());
		cupsFreeDests(1, dest);
	}
	httpClose(http);
	pdf_free(pdf);
	return job > 0 ? FGW_ROUTE_OK : FGW_ROUTE_RETRY;
}

int faxgw_routing_init(const struct fgw_route_host *host, struct fgw_route_extension *ext,
		       char *err, size_t errlen)
{
	static const struct routing_entry entry = {
		.friendly_name = "faxgw standard routing: print",
		.guid = PR_GUID,
		.function_name = PR_FUNCTION,
		.method_name = "Print",
		.validate = pr_validate,
		.can_enable = pr_can_enable,
	};

	return routing_entry_init(host, ext, &entry, err, errlen);
}
