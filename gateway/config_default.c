/*
 * config_default.c - the embedded default configuration of faxgwd.
 *
 * Used when faxgwd runs without -c: two loopback ports and every path under
 * the current directory, so that a fax sent to a fresh checkout lands in
 * ./var/fax/inbox at once (faxgwd.conf(5)).  The text is ordinary
 * config syntax, parsed by the same parser after @TOP@ is replaced by the
 * directory faxgwd runs in.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_DEFAULT_NAME "(embedded default)"

#ifndef FAXGW_BUILD_DIR
#define FAXGW_BUILD_DIR "build"
#endif

static const char config_default[] =
	"# faxgwd embedded default: everything under @TOP@/var\n"
	"[gateway]\n"
	"spool       = @TOP@/var/spool\n"
	"state       = @TOP@/var/faxgw.db\n"
	"control     = @TOP@/var/faxgw.sock\n"
	"extensions  = " FAXGW_BUILD_DIR "/routing\n"
	"store-root  = @TOP@/var/fax\n"
	"exec-dir    = @TOP@/var/routing.d\n"
	"admin-group =                  # empty: the user running faxgwd may modify\n"
	"query-group =                  # empty: any local user may query\n"
	"retry       = 5 30s\n"
	"history     = 90d              # finished jobs and audit log kept this long\n"
	"retention   = 0                # routed faxes kept in spool/done/ (0: removed)\n"
	"\n"
	"[port 1]\n"
	"name        = t38-1\n"
	"transport   = t38\n"
	"listen      = 127.0.0.1:4000\n"
	"ecm         = yes\n"
	"max-rate    = 14400\n"
	"t38-version = 0\n"
	"udptl-ec    = redundancy\n"
	"\n"
	"[port 2]\n"
	"name        = audio-2\n"
	"transport   = audio\n"
	"listen      = 127.0.0.1:4002\n"
	"ecm         = yes\n"
	"max-rate    = 14400\n"
	"codec       = pcmu\n"
	"\n"
	"# SIP calls from this machine (a PBX, an SBC or faxpeer --sip) on port 3.\n"
	"[sip]\n"
	"listen      = udp:127.0.0.1:5060, tcp:127.0.0.1:5060\n"
	"allow       = 127.0.0.0/8\n"
	"media-ports = 20000-29999\n"
	"\n"
	"[port 3]\n"
	"name        = sip-3\n"
	"transport   = sip\n"
	"sip-user    = *\n"
	"channels    = 4\n"
	"t38         = offer\n"
	"codecs      = pcmu, pcma\n"
	"\n"
	"\n"
	"# The local mail server (port 25) takes the faxes of Route through e-mail.\n"
	"[mail]\n"
	"smtp-url    = smtp://127.0.0.1:25\n"
	"starttls    = auto\n"
	"from        = Fax Gateway <faxgw@localhost>\n"
	"attach      = pdf\n"
	"\n"
	"[http]\n"
	"timeout     = 30s\n"
	"attach      = pdf\n";

const char *config_default_text(void)
{
	return config_default;
}

static void config_default_error(struct config_errors *errs, const char *fmt, const char *arg)
{
	if (errs == NULL)
		return;
	snprintf(errs->msg[0], sizeof(errs->msg[0]), "%s: ", CONFIG_DEFAULT_NAME);
	size_t used = strlen(errs->msg[0]);
	snprintf(errs->msg[0] + used, sizeof(errs->msg[0]) - used, fmt, arg);
	errs->n = 1;
	errs->dropped = 0;
}

/* The text is config syntax: a directory that would be cut by a comment,
 * trimmed, or split into lines cannot be put into it. */
static int config_default_top_ok(const char *top, size_t toplen)
{
	if (toplen >= FGW_MAX_PATH || top[0] == ' ' || top[0] == '\t')
		return -1;
	for (size_t i = 0; i < toplen; i++) {
		unsigned char c = (unsigned char)top[i];
		if (c < 0x20 || c == 0x7f)
			return -1;
		if ((c == '#' || c == ';') && i > 0 && (top[i - 1] == ' ' || top[i - 1] == '\t'))
			return -1;
	}
	return 0;
}

/* Replaces every @TOP@ in the default text by top. */
static char *config_default_expand(const char *top, size_t toplen)
{
	const char *t = config_default_text();
	size_t n = 0;
	char *out, *o;

	for (const char *s = t; (s = strstr(s, "@TOP@")) != NULL; s += 5)
		n++;
	out = malloc(strlen(t) + n * toplen + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (const char *s = t, *hit; ; s = hit + 5) {
		hit = strstr(s, "@TOP@");
		size_t seg = hit != NULL ? (size_t)(hit - s) : strlen(s);
		memcpy(o, s, seg);
		o += seg;
		if (hit == NULL)
			break;
		memcpy(o, top, toplen);
		o += toplen;
	}
	*o = '\0';
	return out;
}

int config_load_default(const char *topdir, struct config **out, struct config_errors *errs)
{
	size_t toplen = strlen(topdir);
	int rc;

	*out = NULL;
	while (toplen > 0 && topdir[toplen - 1] == '/')
		toplen--;   /* "/" gives "/var/...", "/x/" gives "/x/var/..." */
	if (config_default_top_ok(topdir, toplen) != 0) {
		config_default_error(errs, "the directory '%.200s' cannot be used for the "
				     "embedded default", topdir);
		return -1;
	}
	char *text = config_default_expand(topdir, toplen);
	if (text == NULL) {
		config_default_error(errs, "%s", strerror(ENOMEM));
		return -1;
	}
	rc = config_parse(CONFIG_DEFAULT_NAME, text, strlen(text), true, out, errs);
	free(text);
	if (rc != 0)
		return -1;
	struct config *c = *out;
	int n = snprintf(c->default_store_folder, sizeof(c->default_store_folder), "%s/inbox",
			 c->store_root);
	if (n < 0 || (size_t)n >= sizeof(c->default_store_folder)) {
		config_default_error(errs, "%s/inbox: path too long", c->store_root);
		config_free(c);
		*out = NULL;
		return -1;
	}
	return 0;
}
