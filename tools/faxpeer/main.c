/*
 * main.c - faxpeer's command line, summary line and exit status
 * (docs/man/faxpeer.1).
 *
 *   faxpeer send --t38|--audio [--local ADDR:PORT] [--ident ID] [--ecm|--no-ecm]
 *                [--rate BPS] [OPTIONS] HOST:PORT FILE.tif
 *   faxpeer receive --t38|--audio --listen ADDR:PORT [--timeout S] [OPTIONS] OUT.tif
 *   faxpeer send --sip sip:USER@HOST[:PORT] [--codec pcmu|pcma] [--ptime MS]
 *                [--t38 offer|accept|no|direct] [--refresh S] [--bye-after-page N]
 *                [--local ADDR[:PORT]] [OPTIONS] FILE.tif
 *   faxpeer receive --sip-listen ADDR:PORT [--t38 offer|accept|no] [OPTIONS] OUT.tif
 *
 * With --sip or --sip-listen anywhere on the line, --t38 takes a value
 * (what to do about T.38) instead of choosing the static T.38 transport.
 */
#include "caps.h"
#include "faxpeer.h"
#include "fgwx_number.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#ifndef FAXGW_VERSION
#define FAXGW_VERSION "unknown"
#endif

#define FAXPEER_MAX_TIMEOUT_S 86400.0

enum {
	OPT_T38 = 256, OPT_AUDIO, OPT_LOCAL, OPT_LISTEN, OPT_IDENT, OPT_ECM, OPT_NO_ECM, OPT_RATE,
	OPT_CODEC, OPT_T38_VERSION, OPT_EC, OPT_EC_DEPTH, OPT_MAX_DATAGRAM, OPT_STOP_AFTER,
	OPT_PCAP, OPT_PCAP_LINK, OPT_TIMEOUT, OPT_VERSION, OPT_SIP, OPT_SIP_LISTEN, OPT_PTIME,
	OPT_REFRESH, OPT_BYE_AFTER, OPT_USER, OPT_PASSWORD, OPT_MEDIA_VIA
};

/* Which options were given (cross-checks in faxpeer_check_opts). */
#define SEEN_T38       0x001u
#define SEEN_AUDIO     0x002u
#define SEEN_LOCAL     0x004u
#define SEEN_LISTEN    0x008u
#define SEEN_CODEC     0x010u
#define SEEN_T38PARAM  0x020u
#define SEEN_STOP      0x040u
#define SEEN_SIPONLY   0x080u     /* --ptime, --refresh, --bye-after-page, --user, --password */
#define SEEN_SIPSEND   0x100u     /* --refresh, --user, --password, --t38 direct */

/* Not const: with --sip / --sip-listen, --t38 takes an argument. */
static struct option faxpeer_longopts[] = {
	{ "t38", no_argument, NULL, OPT_T38 },
	{ "audio", no_argument, NULL, OPT_AUDIO },
	{ "local", required_argument, NULL, OPT_LOCAL },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "ident", required_argument, NULL, OPT_IDENT },
	{ "ecm", no_argument, NULL, OPT_ECM },
	{ "no-ecm", no_argument, NULL, OPT_NO_ECM },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "codec", required_argument, NULL, OPT_CODEC },
	{ "t38-version", required_argument, NULL, OPT_T38_VERSION },
	{ "ec", required_argument, NULL, OPT_EC },
	{ "ec-depth", required_argument, NULL, OPT_EC_DEPTH },
	{ "max-datagram", required_argument, NULL, OPT_MAX_DATAGRAM },
	{ "stop-after-pages", required_argument, NULL, OPT_STOP_AFTER },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "pcap-link", required_argument, NULL, OPT_PCAP_LINK },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "sip", required_argument, NULL, OPT_SIP },
	{ "sip-listen", required_argument, NULL, OPT_SIP_LISTEN },
	{ "ptime", required_argument, NULL, OPT_PTIME },
	{ "refresh", required_argument, NULL, OPT_REFRESH },
	{ "bye-after-page", required_argument, NULL, OPT_BYE_AFTER },
	{ "media-via", required_argument, NULL, OPT_MEDIA_VIA },
	{ "user", required_argument, NULL, OPT_USER },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void faxpeer_usage(FILE *f)
{
	fprintf(f,
	        "usage: faxpeer send --t38|--audio [--local ADDR:PORT] [--ident ID] [--ecm|--no-ecm]\n"
	        "                    [--rate BPS] [OPTIONS] HOST:PORT FILE.tif\n"
	        "       faxpeer receive --t38|--audio --listen ADDR:PORT [--timeout S] [OPTIONS] OUT.tif\n"
	        "       faxpeer send --sip sip:USER@HOST[:PORT] [--codec pcmu|pcma] [--ptime MS]\n"
	        "                    [--t38 offer|accept|no|direct] [--refresh S] [--bye-after-page N]\n"
	        "                    [--local ADDR[:PORT]] [OPTIONS] FILE.tif\n"
	        "       faxpeer receive --sip-listen ADDR:PORT [--t38 offer|accept|no] [--bye-after-page N]\n"
	        "                    [OPTIONS] OUT.tif\n"
	        "options:\n"
	        "  --ident ID                our TSI (send) or CSI (receive), up to 20 characters\n"
	        "  --ecm, --no-ecm           offer T.30 error correction (default: --ecm)\n"
	        "  --rate BPS                highest rate: 2400 4800 7200 9600 12000 14400 (default)\n"
	        "  --codec pcmu|pcma         audio: G.711 law (default pcmu)\n"
	        "  --t38-version N           T.38: version 0..3, must match the peer (default 0)\n"
	        "  --ec redundancy|fec|none  T.38: UDPTL error recovery (default redundancy)\n"
	        "  --ec-depth N              T.38: redundant IFPs, or FEC span (default 3)\n"
	        "  --max-datagram N          T.38: largest UDPTL datagram, %d..%d (default %d)\n"
	        "  --stop-after-pages N      send: hang up abruptly once N pages are confirmed\n"
	        "  --pcap FILE               write every datagram sent and received to FILE\n"
	        "  --pcap-link ether|raw     link type of the capture (default ether)\n"
	        "  --timeout S               give up after S seconds (default %d; 0: never)\n"
	        "  -q, --quiet               no progress messages, only the summary line\n"
	        "  -v, --verbose             spandsp's T.30 log on stderr (twice: more)\n"
	        "  -h, --help                this text\n"
	        "SIP (--sip, --sip-listen; the INVITE goes over UDP, ;transport=tcp in the URI: TCP):\n"
	        "  --t38 accept              take the peer's T.38 re-INVITE (default)\n"
	        "  --t38 offer               also send a T.38 re-INVITE after 1 s of G.711\n"
	        "  --t38 no                  answer a T.38 re-INVITE with 488, stay on G.711\n"
	        "  --t38 direct              send: the INVITE offers T.38 only\n"
	        "  --codec pcmu|pcma         send: the only law offered (default: both, PCMU first);\n"
	        "                            receive: the preferred law\n"
	        "  --ptime MS                a=ptime of our G.711 offer, 10..60 (default 20)\n"
	        "  --refresh S               send: a session-refresh re-INVITE every S seconds\n"
	        "  --bye-after-page N        BYE once N pages are confirmed (send) or received\n"
	        "  --media-via ADDR:PORT     a media relay in front of us: our SDP names it and our\n"
	        "                            media go to it (and are taken only from it)\n"
	        "  --local ADDR[:PORT]       send: our address (SIP and media), media port\n"
	        "  --user NAME --password PW send: digest credentials for a 401/407 challenge\n"
	        "ADDR:PORT is 127.0.0.1:4000 or [::1]:4000; --listen port 0 picks a free port.\n",
	        16, FGW_MAX_DATAGRAM, FGW_MAX_DATAGRAM, FAXPEER_DEFAULT_TIMEOUT_S);
}

static int faxpeer_bad(const char *fmt, const char *arg)
{
	fputs("faxpeer: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(faxpeer -h for help)\n", stderr);
	return -1;
}

/* min and max are not negative. */
static int faxpeer_int(const char *text, long min, long max, const char *what, long *out)
{
	uint64_t v;

	if (fgwx_str_number(text, &v, (uint64_t)max) != FGWX_NUM_OK || v < (uint64_t)min) {
		fprintf(stderr, "faxpeer: %s must be a number %ld..%ld, not '%s'\n(faxpeer -h for help)\n",
		        what, min, max, text);
		return -1;
	}
	*out = (long)v;
	return 0;
}

static int faxpeer_rate_ok(long r)
{
	return r == 2400 || r == 4800 || r == 7200 || r == 9600 || r == 12000 || r == 14400;
}

static int faxpeer_t38_mode(struct faxpeer_opts *o, const char *arg, unsigned *seen)
{
	if (strcmp(arg, "accept") == 0)
		o->t38 = FAXPEER_T38_ACCEPT;
	else if (strcmp(arg, "offer") == 0)
		o->t38 = FAXPEER_T38_OFFER;
	else if (strcmp(arg, "no") == 0)
		o->t38 = FAXPEER_T38_NO;
	else if (strcmp(arg, "direct") == 0) {
		o->t38 = FAXPEER_T38_DIRECT;
		*seen |= SEEN_SIPSEND;
	} else
		return faxpeer_bad("--t38 must be offer, accept, no or direct with SIP, not '%s'", arg);
	return 0;
}

/* The SIP options; -1 on a usage error. */
static int faxpeer_sip_opt(struct faxpeer_opts *o, int c, const char *arg, unsigned *seen)
{
	long v;

	switch (c) {
	case OPT_SIP: o->sip_uri = arg; return 0;
	case OPT_SIP_LISTEN: o->sip_listen = arg; return 0;
	case OPT_PTIME:
		*seen |= SEEN_SIPONLY;
		if (faxpeer_int(arg, FGW_SDP_PTIME_MIN_MS, FGW_SDP_PTIME_MAX_MS, "--ptime", &v) < 0)
			return -1;
		o->ptime = (unsigned)v;
		return 0;
	case OPT_REFRESH:
		*seen |= SEEN_SIPONLY | SEEN_SIPSEND;
		if (faxpeer_int(arg, 1, FAXPEER_SIP_MAX_REFRESH_S, "--refresh", &v) < 0)
			return -1;
		o->refresh_s = (unsigned)v;
		return 0;
	case OPT_BYE_AFTER:
		*seen |= SEEN_SIPONLY;
		if (faxpeer_int(arg, 1, 100000, "--bye-after-page", &v) < 0)
			return -1;
		o->stop_after_pages = (int)v;
		return 0;
	case OPT_MEDIA_VIA:
		*seen |= SEEN_SIPONLY;
		if (faxpeer_addr_syntax(arg, false, NULL, 0) < 0)
			return faxpeer_bad("--media-via: bad address '%s' (ADDR:PORT, port 1..65535)",
			                   arg);
		o->media_via = arg;
		return 0;
	case OPT_USER: *seen |= SEEN_SIPONLY | SEEN_SIPSEND; o->user = arg; return 0;
	case OPT_PASSWORD: *seen |= SEEN_SIPONLY | SEEN_SIPSEND; o->password = arg; return 0;
	default: return -1;
	}
}

/* Options shared by both commands; -1 on a usage error. */
static int faxpeer_opt(struct faxpeer_opts *o, int c, const char *arg, unsigned *seen)
{
	struct fax_session_params *s = &o->call.session;
	long v;

	switch (c) {
	case OPT_T38: s->mode = FAX_SESSION_T38; *seen |= SEEN_T38; return 0;
	case OPT_AUDIO: s->mode = FAX_SESSION_AUDIO; *seen |= SEEN_AUDIO; return 0;
	case OPT_LOCAL: *seen |= SEEN_LOCAL; o->local = arg; return 0;
	case OPT_LISTEN: *seen |= SEEN_LISTEN; o->local = arg; return 0;
	case OPT_IDENT:
		if (strlen(arg) > FGW_MAX_IDENT)
			return faxpeer_bad("--ident '%s' is longer than 20 characters", arg);
		s->local_ident = arg;
		return 0;
	case OPT_ECM: s->ecm = true; return 0;
	case OPT_NO_ECM: s->ecm = false; return 0;
	case OPT_RATE:
		if (faxpeer_int(arg, 2400, 14400, "--rate", &v) < 0)
			return -1;
		if (!faxpeer_rate_ok(v))
			return faxpeer_bad("--rate %s is not one of 2400 4800 7200 9600 12000 14400", arg);
		s->max_rate = (int)v;
		return 0;
	case OPT_CODEC:
		*seen |= SEEN_CODEC;
		o->codec_given = true;
		if (strcmp(arg, "pcmu") != 0 && strcmp(arg, "pcma") != 0)
			return faxpeer_bad("--codec must be pcmu or pcma, not '%s'", arg);
		s->use_alaw = strcmp(arg, "pcma") == 0;
		return 0;
	case OPT_T38_VERSION:
		*seen |= SEEN_T38PARAM;
		if (faxpeer_int(arg, 0, 3, "--t38-version", &v) < 0)
			return -1;
		s->t38_version = (int)v;
		return 0;
	case OPT_EC:
		*seen |= SEEN_T38PARAM;
		if (fax_call_parse_ec(arg, &o->call.ec) < 0)
			return faxpeer_bad("--ec must be redundancy, fec or none, not '%s'", arg);
		return 0;
	case OPT_EC_DEPTH:
		*seen |= SEEN_T38PARAM;
		if (faxpeer_int(arg, 0, FGW_MAX_UDPTL_SECONDARY, "--ec-depth", &v) < 0)
			return -1;
		o->call.ec_depth = (unsigned)v;
		return 0;
	case OPT_MAX_DATAGRAM:
		*seen |= SEEN_T38PARAM;
		if (faxpeer_int(arg, 16, FGW_MAX_DATAGRAM, "--max-datagram", &v) < 0)
			return -1;
		s->max_datagram = (int)v;
		return 0;
	case OPT_STOP_AFTER:
		*seen |= SEEN_STOP;
		if (faxpeer_int(arg, 1, 100000, "--stop-after-pages", &v) < 0)
			return -1;
		o->stop_after_pages = (int)v;
		return 0;
	case OPT_PCAP: o->pcap = arg; return 0;
	case OPT_PCAP_LINK:
		if (strcmp(arg, "ether") != 0 && strcmp(arg, "raw") != 0)
			return faxpeer_bad("--pcap-link must be ether or raw, not '%s'", arg);
		o->pcap_link = strcmp(arg, "raw") == 0 ? FAXPEER_LINK_RAW : FAXPEER_LINK_ETHER;
		return 0;
	case OPT_TIMEOUT: {
		char *end;
		errno = 0;
		o->timeout_s = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' || !(o->timeout_s >= 0)
		    || o->timeout_s > FAXPEER_MAX_TIMEOUT_S)
			return faxpeer_bad("--timeout must be seconds, 0..86400, not '%s'", arg);
		return 0;
	}
	case 'q': o->quiet = true; return 0;
	case 'v': o->verbose++; return 0;
	default: return faxpeer_sip_opt(o, c, arg, seen);
	}
}

/* Address syntax is a usage error; names that do not resolve are found
 * later (setup error). */
static int faxpeer_check_addrs(const struct faxpeer_opts *o)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (o->remote != NULL && faxpeer_addr_syntax(o->remote, false, err, sizeof(err)) < 0)
		return faxpeer_bad("%s", err);
	if (o->local != NULL && faxpeer_addr_syntax(o->local, true, err, sizeof(err)) < 0)
		return faxpeer_bad(o->cmd == FAXPEER_SEND ? "--local: %s" : "--listen: %s", err);
	return 0;
}

/* Cross-checks of a SIP command line; -1 on a usage error. */
static int faxpeer_check_sip(struct faxpeer_opts *o, unsigned seen, int npos, char **pos)
{
	bool send = o->cmd == FAXPEER_SEND;

	if (seen & SEEN_AUDIO)
		return faxpeer_bad("%s", "--audio does not go with SIP: the SDP decides the transport");
	if (send ? o->sip_listen != NULL : o->sip_uri != NULL)
		return faxpeer_bad("%s", send ? "--sip-listen is for receive; send takes --sip URI"
		                              : "--sip is for send; receive takes --sip-listen ADDR:PORT");
	if (!send && (seen & (SEEN_LOCAL | SEEN_LISTEN | SEEN_SIPSEND | SEEN_STOP)))
		return faxpeer_bad("%s", "receive --sip-listen takes none of --local, --listen, --refresh, "
		                         "--user, --password, --t38 direct");
	if (send && (seen & (SEEN_LISTEN | SEEN_STOP)))
		return faxpeer_bad("%s", "send --sip takes neither --listen nor --stop-after-pages "
		                         "(--bye-after-page)");
	if ((o->user == NULL) != (o->password == NULL))
		return faxpeer_bad("%s", "--user and --password go together");
	if (o->call.ec == UDPTL_EC_FEC && o->call.ec_depth == 0)
		return faxpeer_bad("%s", "--ec fec needs --ec-depth (the FEC span) of 1 or more");
	if (npos != 1)
		return faxpeer_bad("%s", send ? "send --sip takes one FILE.tif" : "receive takes one OUT.tif");
	o->file = pos[0];
	if (send)
		o->remote = o->sip_uri;
	else if (faxpeer_addr_syntax(o->sip_listen, false, NULL, 0) < 0)
		return faxpeer_bad("--sip-listen: bad address '%s' (ADDR:PORT, port 1..65535)",
		                   o->sip_listen);
	return 0;
}

/* Cross-checks after parsing; -1 on a usage error. */
static int faxpeer_check_opts(struct faxpeer_opts *o, unsigned seen, int npos, char **pos)
{
	bool send = o->cmd == FAXPEER_SEND;

	if (o->sip_uri != NULL || o->sip_listen != NULL)
		return faxpeer_check_sip(o, seen, npos, pos);
	if (seen & SEEN_SIPONLY)
		return faxpeer_bad("%s", "--ptime, --refresh, --bye-after-page, --user and --password "
		                         "need --sip");
	if ((seen & 3) == 0 || (seen & 3) == 3)
		return faxpeer_bad("%s", "give exactly one of --t38 and --audio");
	if (o->call.session.mode == FAX_SESSION_T38 && (seen & SEEN_CODEC))
		return faxpeer_bad("%s", "--codec applies to --audio only");
	if (o->call.session.mode == FAX_SESSION_AUDIO && (seen & SEEN_T38PARAM))
		return faxpeer_bad("%s", "--t38-version, --ec, --ec-depth and --max-datagram apply to --t38 only");
	if (send && (seen & SEEN_LISTEN))
		return faxpeer_bad("%s", "--listen is for receive; send takes --local");
	if (!send && (seen & SEEN_LOCAL))
		return faxpeer_bad("%s", "--local is for send; receive takes --listen");
	if (!send && (seen & SEEN_STOP))
		return faxpeer_bad("%s", "--stop-after-pages applies to send only");
	if (!send && o->local == NULL)
		return faxpeer_bad("%s", "receive needs --listen ADDR:PORT");
	if (o->call.ec == UDPTL_EC_FEC && o->call.ec_depth == 0)
		return faxpeer_bad("%s", "--ec fec needs --ec-depth (the FEC span) of 1 or more");
	if (npos != (send ? 2 : 1))
		return faxpeer_bad("%s", send ? "send takes HOST:PORT and FILE.tif"
		                              : "receive takes one OUT.tif");
	if (send) {
		o->remote = pos[0];
		o->file = pos[1];
	} else {
		o->file = pos[0];
	}
	return faxpeer_check_addrs(o);
}

/* With --sip or --sip-listen on the line, --t38 takes offer|accept|no|direct. */
static void faxpeer_sip_syntax(int argc, char **argv)
{
	bool sip = false;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strncmp(argv[i], "--sip", 5) == 0 &&
		    (argv[i][5] == '\0' || argv[i][5] == '=' || strncmp(argv[i] + 5, "-listen", 7) == 0))
			sip = true;
	for (struct option *op = faxpeer_longopts; op->name != NULL; op++)
		if (op->val == OPT_T38)
			op->has_arg = sip ? required_argument : no_argument;
}

/* Returns 0; 1 for -h, 2 after printing the version (exit 0 both); -1 on a
 * usage error. */
static int faxpeer_parse(int argc, char **argv, struct faxpeer_opts *o)
{
	unsigned seen = 0;
	int c;

	memset(o, 0, sizeof(*o));
	fax_call_params_default(&o->call);
	o->timeout_s = FAXPEER_DEFAULT_TIMEOUT_S;
	if (argc < 2)
		return faxpeer_bad("%s", "missing command: send or receive");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return 1;
	if (strcmp(argv[1], "--version") == 0) {
		printf("faxpeer %s\n", FAXGW_VERSION);
		return 2;
	}
	if (strcmp(argv[1], "send") == 0)
		o->cmd = FAXPEER_SEND;
	else if (strcmp(argv[1], "receive") == 0)
		o->cmd = FAXPEER_RECEIVE;
	else
		return faxpeer_bad("unknown command '%s': send or receive", argv[1]);
	argc--;
	argv++;
	faxpeer_sip_syntax(argc, argv);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qvh", faxpeer_longopts, NULL)) != -1) {
		if (c == OPT_T38 && optarg != NULL) {
			if (faxpeer_t38_mode(o, optarg, &seen) < 0)
				return -1;
			continue;
		}
		if (c == 'h')
			return 1;
		if (c == OPT_VERSION) {
			printf("faxpeer %s\n", FAXGW_VERSION);
			return 2;
		}
		if (c == '?' || c == ':')
			return faxpeer_bad("bad or incomplete option '%s'", argv[optind - 1]);
		if (faxpeer_opt(o, c, optarg, &seen) < 0)
			return -1;
	}
	return faxpeer_check_opts(o, seen, argc - optind, argv + optind);
}

/* --- before the call ------------------------------------------------------------ */

static int faxpeer_prepare(struct faxpeer_opts *o, struct faxpeer_outcome *out)
{
	char err[FGW_MAX_ERROR_TEXT];

	if (o->cmd == FAXPEER_SEND) {
		out->pages_in_file = faxpeer_doc_check(o->file, err, sizeof(err));
		if (out->pages_in_file < 0) {
			fprintf(stderr, "faxpeer: %s\n", err);
			return -1;
		}
		return 0;
	}
	/* receive: OUT.tif must be writable; an old one goes (spandsp writes
	 * nothing when no page arrives). */
	int fd = open(o->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "faxpeer: cannot write %s: %s\n", o->file, strerror(errno));
		return -1;
	}
	close(fd);
	unlink(o->file);
	return 0;
}

/* --- after the call --------------------------------------------------------------- */

static const char *faxpeer_res_name(int y_res, char *buf, size_t size)
{
	switch (y_res) {
	case 0: return "-";
	case 3850: return "standard";
	case 7700: return "fine";
	case 15400: return "superfine";
	default:
		snprintf(buf, size, "%d lines/m", y_res);
		return buf;
	}
}

static void faxpeer_reason(const struct faxpeer_opts *o, const struct faxpeer_outcome *out,
                           bool ok, char *buf, size_t size)
{
	const struct fax_session_result *r = &out->r;
	char what[128];

	if (ok) {
		snprintf(buf, size, "OK");
		return;
	}
	if (out->sip_refused) {
		if (out->sip_status >= 300)
			snprintf(buf, size, "call refused: %d %s", out->sip_status, out->sip_phrase);
		else
			snprintf(buf, size, "failed: no usable SDP answer");
		return;
	}
	if (out->sip_media_failed) {
		snprintf(buf, size, "failed: the media the SDP asked for could not be started");
		return;
	}
	if (o->cmd == FAXPEER_RECEIVE && !out->started) {
		snprintf(buf, size, out->interrupted ? "interrupted, no call" : "no call within %g s",
		         o->timeout_s);
		return;
	}
	if (out->interrupted)
		snprintf(what, sizeof(what), "interrupted");
	else if (out->stopped)
		snprintf(what, sizeof(what), "stopped after %d page%s as asked", r->pages,
		         r->pages == 1 ? "" : "s");
	else if (out->timed_out)
		snprintf(what, sizeof(what), "timed out after %g s", o->timeout_s);
	else if (out->peer_bye && !r->success)
		snprintf(what, sizeof(what), "the far end hung up (BYE)");
	else if (r->success)
		snprintf(what, sizeof(what), "only %d of %d pages confirmed", r->pages, out->pages_in_file);
	else if (r->t30_status == T30_ERR_CALLDROPPED)
		snprintf(what, sizeof(what), "call dropped");
	else
		snprintf(what, sizeof(what), "failed");
	snprintf(buf, size, "%s%s (T.30 code %d: %s)", r->partial ? "partial, " : "", what,
	         r->t30_status, r->t30_text);
}

static void faxpeer_summary(const struct faxpeer_opts *o, const struct faxpeer_outcome *out, bool ok)
{
	const struct fax_session_result *r = &out->r;
	char pages[FGW_MAX_DEGRADED_TEXT + 128], res[32], reason[FGW_MAX_ERROR_TEXT + 160];
	char list[FGW_MAX_DEGRADED_TEXT], detail[FGW_MAX_DEGRADED_DETAIL], sip[32] = "";
	bool send = o->cmd == FAXPEER_SEND;

	if (send && r->pages != out->pages_in_file)
		snprintf(pages, sizeof(pages), "%d of %d pages", r->pages, out->pages_in_file);
	else if (r->degraded_pages > 0) {
		fax_session_degraded_text(r, list, sizeof(list), detail, sizeof(detail));
		snprintf(pages, sizeof(pages), "%d page%s (%d degraded: %s; %d bad rows)", r->pages,
			 r->pages == 1 ? "" : "s", r->degraded_pages, list, r->bad_rows);
	} else
		snprintf(pages, sizeof(pages), "%d page%s", r->pages, r->pages == 1 ? "" : "s");
	faxpeer_reason(o, out, ok, reason, sizeof(reason));
	if (out->sip)
		snprintf(sip, sizeof(sip), "sip %d, ", out->sip_status);
	printf("faxpeer: %s %s %s %s (%s), %d bit/s, %s, %s, %sresult: %s\n",
	       send ? "sent" : "received", pages, send ? "to" : "from",
	       out->peer[0] ? out->peer : (send ? o->remote : "-"),
	       out->sip ? out->transport
	       : o->call.session.mode == FAX_SESSION_T38 ? "T.38"
	       : (o->call.session.use_alaw ? "audio, PCMA" : "audio, PCMU"),
	       r->pages > 0 ? r->bit_rate : 0, r->ecm ? "ECM" : "no ECM",
	       faxpeer_res_name(r->y_res, res, sizeof(res)),
	       sip, reason);
	fflush(stdout);
}

static int faxpeer_log_level(int verbose)
{
	if (verbose <= 0)
		return 0;
	if (verbose == 1)
		return SPAN_LOG_FLOW;
	if (verbose == 2)
		return SPAN_LOG_FLOW_3;
	return SPAN_LOG_DEBUG_3;
}

int main(int argc, char **argv)
{
	struct faxpeer_opts o;
	struct faxpeer_outcome out;

	int rc = faxpeer_parse(argc, argv, &o);
	if (rc > 0) {
		if (rc == 1)
			faxpeer_usage(stdout);
		return FAXPEER_EXIT_OK;
	}
	if (rc < 0)
		return FAXPEER_EXIT_USAGE;
	o.call.session.log_level = faxpeer_log_level(o.verbose);
	memset(&out, 0, sizeof(out));
	if (faxpeer_prepare(&o, &out) < 0)
		return FAXPEER_EXIT_SETUP;
	int pages_in_file = out.pages_in_file;
	if (faxpeer_run(&o, &out) != 0)
		return FAXPEER_EXIT_SETUP;
	out.pages_in_file = pages_in_file;
	bool ok = out.r.success && !out.stopped && !out.sip_refused && !out.timed_out && !out.interrupted
	          && (o.cmd == FAXPEER_SEND ? out.r.pages == out.pages_in_file : out.r.pages > 0);
	faxpeer_summary(&o, &out, ok);
	return ok ? FAXPEER_EXIT_OK : FAXPEER_EXIT_FAILED;
}
