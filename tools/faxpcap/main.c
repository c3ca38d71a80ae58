/*
 * faxpcap - recover faxes and diagnose fax calls from packet captures.
 *
 *   faxpcap [--json] [--out-dir DIR] [-q] CAPTURE
 *
 * Finds the T.38 and G.711 fax calls of a pcap / pcapng capture
 * (pcapstream.h), writes the pages of each call to DIR/<name>-<n>.tif and
 * reports per call: endpoints, times, the T.30 frames of both directions,
 * the negotiated rate, resolution, coding and ECM, the pages, and the
 * outcome with the reason of a failure.  Exit status: 0 every fax call
 * complete, 2 usage, 3 no fax found, 4 partial (missing pages or a failed
 * call), 5 bad capture (unreadable, damaged or hostile).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <spandsp.h>

#include "caps.h"
#include "capture.h"
#include "pcapstream.h"
#include "t30scan.h"

enum fp_exit { FP_OK = 0, FP_USAGE = 2, FP_NO_FAX = 3, FP_PARTIAL = 4, FP_BAD = 5 };

struct fp_opts {
	bool json;
	bool quiet;
	const char *out_dir;
	const char *path;
};

static void fp_usage(FILE *f)
{
	fprintf(f, "usage: faxpcap [--json] [--out-dir DIR] [-q] CAPTURE\n"
		   "  --json          report as one JSON object on stdout\n"
		   "  --out-dir DIR   write the pages of each call to DIR/NAME-N.tif\n"
		   "  -q, --quiet     text report without the T.30 frame list\n"
		   "  -h, --help      this text\n"
		   "exit: 0 every fax complete, 2 usage, 3 no fax found, 4 partial, 5 bad capture\n");
}

static int fp_args(int argc, char **argv, struct fp_opts *o)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "jo:qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'o': o->out_dir = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': fp_usage(stdout); exit(0);
		case 'V': printf("faxpcap %s\n", FAXGW_VERSION); exit(0);
		default: fp_usage(stderr); return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "faxpcap: %s\n", optind >= argc ? "missing CAPTURE" : "one CAPTURE only");
		fp_usage(stderr);
		return -1;
	}
	o->path = argv[optind];
	return 0;
}

/* File name stem of the capture: "dir/call.pcapng" -> "call". */
static void fp_stem(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(buf, len, "%s", *b ? b : "fax");
	char *dot = strrchr(buf, '.');
	if (dot != NULL && dot != buf)
		*dot = '\0';
}

/* ----- words ------------------------------------------------------------------- */

static const char *fp_link_name(int link)
{
	switch (link) {
	case CAPTURE_LINK_NULL: return "BSD loopback";
	case CAPTURE_LINK_ETHERNET: return "Ethernet";
	case CAPTURE_LINK_RAW: case 14: case 101: case CAPTURE_LINK_IPV4: case CAPTURE_LINK_IPV6: return "raw IP";
	case CAPTURE_LINK_LOOP: return "OpenBSD loopback";
	case CAPTURE_LINK_SLL: return "Linux cooked v1";
	case CAPTURE_LINK_SLL2: return "Linux cooked v2";
	default: return "unknown";
	}
}

static const char *fp_res(const struct t30scan_dcs *d)
{
	if (d->r16) return "400x400";
	if (d->r300) return "300x300";
	if (d->superfine) return "superfine (204x391)";
	return d->fine ? "fine (204x196)" : "standard (204x98)";
}

static const char *fp_yres(int y)
{
	return y >= T4_Y_RESOLUTION_SUPERFINE ? "superfine" : y >= T4_Y_RESOLUTION_300 ? "300" :
	       y >= T4_Y_RESOLUTION_FINE ? "fine" : "standard";
}

static const char *fp_enc(int enc)
{
	return enc == T4_COMPRESSION_ITU_T6 ? "T.6 (MMR)" : enc == T4_COMPRESSION_ITU_T4_2D ?
	       "T.4 2-D (MR)" : "T.4 1-D (MH)";
}

static const char *fp_modem(int m)
{
	return m == 17 ? "V.17" : m == 29 ? "V.29" : m == 27 ? "V.27ter" : "?";
}

static void fp_time(uint64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned)(us % 1000000u / 1000u));
}

static bool fp_is_fax(const struct pcapstream_call *c)
{
	return c->res != NULL && c->res->outcome != T30SCAN_NO_FAX;
}

/* ----- text report -------------------------------------------------------------- */

static void fp_text_frames(const struct pcapstream_call *c)
{
	const struct t30scan_result *r = c->res;

	printf("  T.30 frames (seconds from the first datagram):\n");
	for (size_t i = 0; i < r->n_frames; i++) {
		const struct t30scan_frame *f = &r->frames[i];
		double t = f->ts_us >= c->first_us ? (double)(f->ts_us - c->first_us) / 1e6 : 0.0;
		printf("    %8.3f  %s  %-7s %s%s\n", t, f->dir == 0 ? "A->B" : "B->A", f->name,
		       f->crc_ok ? "" : "(bad FCS) ", f->info);
	}
	if (r->frames_dropped)
		printf("    ... %zu more frames not listed\n", r->frames_dropped);
}

static void fp_text_call(size_t n, const struct pcapstream_call *c, bool quiet)
{
	const struct t30scan_result *r = c->res;
	char a[FGW_MAX_ADDRESS], b[FGW_MAX_ADDRESS], t0[40], t1[40];

	capture_endpoint_str(&c->ep[0], a, sizeof(a));
	capture_endpoint_str(&c->ep[1], b, sizeof(b));
	fp_time(c->first_us, t0, sizeof(t0));
	fp_time(c->last_us, t1, sizeof(t1));
	printf("call %zu: %s  A %s <-> B %s (%s)\n", n, c->kind == PCAPSTREAM_T38 ? "T.38" : "G.711",
	       a, b, c->from_sdp ? "announced in SDP" : "found by structure");
	printf("  time: %s .. %s (%.1f s), datagrams A->B %llu, B->A %llu\n", t0, t1,
	       (double)(c->last_us - c->first_us) / 1e6, (unsigned long long)c->datagrams[0],
	       (unsigned long long)c->datagrams[1]);
	if (c->kind == PCAPSTREAM_T38) {
		printf("  T.38 version %d, UDPTL error recovery %s; received %llu, recovered %llu "
		       "(FEC %llu), lost %llu, duplicates %llu, malformed %llu\n",
		       c->t38_version, c->ec,
		       (unsigned long long)(c->udptl[0].received + c->udptl[1].received),
		       (unsigned long long)(c->udptl[0].recovered + c->udptl[1].recovered),
		       (unsigned long long)(c->udptl[0].recovered_fec + c->udptl[1].recovered_fec),
		       (unsigned long long)(c->udptl[0].lost + c->udptl[1].lost),
		       (unsigned long long)(c->udptl[0].duplicate + c->udptl[1].duplicate),
		       (unsigned long long)(c->udptl[0].malformed + c->udptl[1].malformed));
	} else {
		printf("  codec %s, frames lost A->B %llu, B->A %llu\n", c->codec == 8 ? "PCMA" : "PCMU",
		       (unsigned long long)c->rtp_lost[0], (unsigned long long)c->rtp_lost[1]);
	}
	if (c->hostile)
		printf("  WARNING: %s\n", c->hostile_why);
	if (r == NULL)
		return;
	for (int k = 0; k < 2; k++)
		if (r->tones[k])
			printf("  tones from %s:%s%s\n", k == 0 ? "A" : "B",
			       (r->tones[k] & T30SCAN_TONE_CNG) ? " CNG (calling fax)" : "",
			       (r->tones[k] & T30SCAN_TONE_CED) ? " CED (answering fax)" : "");
	if (r->sender_dir >= 0) {
		int s = r->sender_dir;
		printf("  sender %s%s%s%s, receiver %s%s%s%s\n", s == 0 ? "A" : "B",
		       r->ident[s][0] ? " \"" : "", r->ident[s], r->ident[s][0] ? "\"" : "",
		       s == 0 ? "B" : "A", r->ident[!s][0] ? " \"" : "", r->ident[!s],
		       r->ident[!s][0] ? "\"" : "");
	}
	if (r->have_dcs)
		printf("  negotiated: %d bit/s %s, %s, %s, %s\n", r->dcs.bit_rate, fp_modem(r->dcs.modem),
		       fp_res(&r->dcs), fp_enc(r->dcs.encoding), r->dcs.ecm ? "ECM" : "no ECM");
	printf("  pages: %d confirmed, %d decoded%s", r->pages_confirmed, r->pages_decoded,
	       r->pages_unconfirmed ? " (unconfirmed ones included)" : "");
	for (int i = 0; i < r->pages_decoded; i++)
		printf("%s%s%s%s", i ? ", " : " (", fp_yres(r->page[i].y_res),
		       r->page[i].confirmed ? "" : " unconfirmed", i == r->pages_decoded - 1 ? ")" : "");
	printf("%s%s\n", c->tiff[0] ? " -> " : "", c->tiff);
	if (r->bad_rows || r->ecm_missing_frames || r->ppr_count || r->rtn_count || r->pages_incomplete)
		printf("  quality: %d bad rows, %d pages cut short, %d ECM frames missing, %d PPR, "
		       "%d RTN\n", r->bad_rows, r->pages_incomplete, r->ecm_missing_frames,
		       r->ppr_count, r->rtn_count);
	if (r->echoes)
		printf("  line echo: %llu frames heard back on the other direction, ignored\n",
		       (unsigned long long)r->echoes);
	if (r->outcome == T30SCAN_COMPLETE)
		printf("  outcome: complete\n");
	else if (r->outcome == T30SCAN_PARTIAL)
		printf("  outcome: partial: %s\n", r->reason);
	else
		printf("  outcome: no fax: %s\n", r->reason);
	if (!quiet && r->n_frames > 0)
		fp_text_frames(c);
}

static void fp_text(const struct fp_opts *o, const struct pcapstream_report *rep, int fax_calls)
{
	printf("faxpcap: %s: %d fax call%s (%s; %llu frames, %llu UDP datagrams, %llu truncated, "
	       "%llu malformed, %llu SIP messages)\n", o->path, fax_calls, fax_calls == 1 ? "" : "s",
	       fp_link_name(rep->link), (unsigned long long)rep->stats.frames,
	       (unsigned long long)rep->stats.udp, (unsigned long long)rep->stats.truncated,
	       (unsigned long long)rep->stats.malformed, (unsigned long long)rep->sip_messages);
	if (rep->read_error)
		printf("faxpcap: %s\n", rep->read_err);
	if (rep->flows_dropped || rep->calls_dropped)
		printf("faxpcap: capture too busy: %llu datagrams of flows beyond %d and %zu stream "
		       "pairs beyond %d not examined\n", (unsigned long long)rep->flows_dropped,
		       FGW_CAPTURE_MAX_FLOWS, rep->calls_dropped, FGW_CAPTURE_MAX_CALLS);
	for (size_t i = 0; i < rep->n_calls; i++) {
		const struct pcapstream_call *c = &rep->calls[i];
		if (fp_is_fax(c) || c->hostile || c->kind == PCAPSTREAM_T38)
			fp_text_call(i + 1, c, o->quiet);
	}
	size_t quiet_audio = 0;
	for (size_t i = 0; i < rep->n_calls; i++)
		if (!fp_is_fax(&rep->calls[i]) && !rep->calls[i].hostile && rep->calls[i].kind == PCAPSTREAM_AUDIO)
			quiet_audio++;
	if (quiet_audio)
		printf("(%zu G.711 stream pair%s without fax signals not listed)\n", quiet_audio,
		       quiet_audio == 1 ? "" : "s");
}

/* ----- JSON report -------------------------------------------------------------- */

static void fp_jstr(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7F)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void fp_json_frames(const struct pcapstream_call *c)
{
	const struct t30scan_result *r = c->res;

	printf(",\"frames\":[");
	for (size_t i = 0; i < r->n_frames; i++) {
		const struct t30scan_frame *f = &r->frames[i];
		double t = f->ts_us >= c->first_us ? (double)(f->ts_us - c->first_us) / 1e6 : 0.0;
		printf("%s{\"t\":%.3f,\"from\":\"%s\",\"name\":", i ? "," : "", t, f->dir == 0 ? "A" : "B");
		fp_jstr(f->name);
		printf(",\"fcs_ok\":%s,\"info\":", f->crc_ok ? "true" : "false");
		fp_jstr(f->info);
		putchar('}');
	}
	printf("]");
}

static void fp_json_result(const struct t30scan_result *r)
{
	printf(",\"outcome\":\"%s\",\"reason\":", r->outcome == T30SCAN_COMPLETE ? "complete" :
	       r->outcome == T30SCAN_PARTIAL ? "partial" : "no fax");
	fp_jstr(r->reason);
	printf(",\"tones\":{\"A\":[%s%s],\"B\":[%s%s]}",
	       (r->tones[0] & T30SCAN_TONE_CNG) ? "\"CNG\"" : "",
	       r->tones[0] == (T30SCAN_TONE_CNG | T30SCAN_TONE_CED) ? ",\"CED\"" :
	       r->tones[0] == T30SCAN_TONE_CED ? "\"CED\"" : "",
	       (r->tones[1] & T30SCAN_TONE_CNG) ? "\"CNG\"" : "",
	       r->tones[1] == (T30SCAN_TONE_CNG | T30SCAN_TONE_CED) ? ",\"CED\"" :
	       r->tones[1] == T30SCAN_TONE_CED ? "\"CED\"" : "");
	printf(",\"sender\":%s", r->sender_dir < 0 ? "null" : r->sender_dir == 0 ? "\"A\"" : "\"B\"");
	printf(",\"ident\":{\"A\":");
	fp_jstr(r->ident[0]);
	printf(",\"B\":");
	fp_jstr(r->ident[1]);
	printf("}");
	if (r->have_dcs) {
		printf(",\"rate\":%d,\"modem\":\"%s\",\"resolution\":", r->dcs.bit_rate, fp_modem(r->dcs.modem));
		fp_jstr(fp_res(&r->dcs));
		printf(",\"x_res\":%d,\"y_res\":%d,\"width\":%d,\"encoding\":", r->dcs.x_res, r->dcs.y_res,
		       r->dcs.width);
		fp_jstr(fp_enc(r->dcs.encoding));
		printf(",\"ecm\":%s", r->dcs.ecm ? "true" : "false");
	} else {
		printf(",\"rate\":null,\"modem\":null,\"resolution\":null,\"encoding\":null,\"ecm\":null");
	}
	printf(",\"pages\":[");
	for (int i = 0; i < r->pages_decoded; i++)
		printf("%s{\"resolution\":\"%s\",\"x_res\":%d,\"y_res\":%d,\"width\":%d,\"rows\":%d,"
		       "\"bad_rows\":%d,\"confirmed\":%s,\"incomplete\":%s}", i ? "," : "",
		       fp_yres(r->page[i].y_res), r->page[i].x_res, r->page[i].y_res, r->page[i].width,
		       r->page[i].rows, r->page[i].bad_rows, r->page[i].confirmed ? "true" : "false",
		       r->page[i].incomplete ? "true" : "false");
	printf("]");
	printf(",\"pages_confirmed\":%d,\"pages_decoded\":%d,\"pages_unconfirmed\":%d,"
	       "\"pages_rejected\":%d,\"pages_incomplete\":%d,\"bad_rows\":%d,\"ecm_missing_frames\":%d,\"ppr\":%d,\"ftt\":%d,\"tcf\":%d,\"echoes\":%llu",
	       r->pages_confirmed, r->pages_decoded, r->pages_unconfirmed, r->pages_rejected,
	       r->pages_incomplete, r->bad_rows, r->ecm_missing_frames, r->ppr_count, r->ftt_count,
	       r->tcf_count, (unsigned long long)r->echoes);
}

static void fp_json_call(size_t n, const struct pcapstream_call *c, bool first)
{
	char a[FGW_MAX_ADDRESS], b[FGW_MAX_ADDRESS], t0[40], t1[40];

	capture_endpoint_str(&c->ep[0], a, sizeof(a));
	capture_endpoint_str(&c->ep[1], b, sizeof(b));
	fp_time(c->first_us, t0, sizeof(t0));
	fp_time(c->last_us, t1, sizeof(t1));
	printf("%s{\"call\":%zu,\"transport\":\"%s\",\"A\":\"%s\",\"B\":\"%s\",\"found_by\":\"%s\","
	       "\"start\":\"%s\",\"end\":\"%s\",\"duration_s\":%.3f,\"datagrams\":[%llu,%llu]",
	       first ? "" : ",", n, c->kind == PCAPSTREAM_T38 ? "t38" : "g711", a, b,
	       c->from_sdp ? "sdp" : "structure", t0, t1, (double)(c->last_us - c->first_us) / 1e6,
	       (unsigned long long)c->datagrams[0], (unsigned long long)c->datagrams[1]);
	if (c->kind == PCAPSTREAM_T38)
		printf(",\"t38_version\":%d,\"udptl_ec\":\"%s\",\"udptl\":{\"received\":%llu,"
		       "\"recovered\":%llu,\"recovered_fec\":%llu,\"lost\":%llu,\"malformed\":%llu,"
		       "\"empty_ifps\":%llu}", c->t38_version, c->ec,
		       (unsigned long long)(c->udptl[0].received + c->udptl[1].received),
		       (unsigned long long)(c->udptl[0].recovered + c->udptl[1].recovered),
		       (unsigned long long)(c->udptl[0].recovered_fec + c->udptl[1].recovered_fec),
		       (unsigned long long)(c->udptl[0].lost + c->udptl[1].lost),
		       (unsigned long long)(c->udptl[0].malformed + c->udptl[1].malformed),
		       (unsigned long long)(c->udptl[0].empty + c->udptl[1].empty));
	else
		printf(",\"codec\":\"%s\",\"rtp_lost\":[%llu,%llu]", c->codec == 8 ? "PCMA" : "PCMU",
		       (unsigned long long)c->rtp_lost[0], (unsigned long long)c->rtp_lost[1]);
	printf(",\"hostile\":%s", c->hostile ? "true" : "false");
	if (c->hostile) {
		printf(",\"hostile_reason\":");
		fp_jstr(c->hostile_why);
	}
	printf(",\"tiff\":");
	if (c->tiff[0])
		fp_jstr(c->tiff);
	else
		printf("null");
	if (c->res != NULL) {
		fp_json_result(c->res);
		fp_json_frames(c);
	}
	printf("}");
}

static void fp_json(const struct fp_opts *o, const struct pcapstream_report *rep, int fax_calls, int code)
{
	printf("{\"capture\":");
	fp_jstr(o->path);
	printf(",\"link\":\"%s\",\"frames\":%llu,\"udp\":%llu,\"truncated\":%llu,\"malformed\":%llu,"
	       "\"fragments_reassembled\":%llu,\"sip_messages\":%llu,\"flows\":%llu,"
	       "\"datagrams_not_examined\":%llu,\"read_error\":",
	       fp_link_name(rep->link), (unsigned long long)rep->stats.frames,
	       (unsigned long long)rep->stats.udp, (unsigned long long)rep->stats.truncated,
	       (unsigned long long)rep->stats.malformed, (unsigned long long)rep->stats.reassembled,
	       (unsigned long long)rep->sip_messages, (unsigned long long)rep->flows,
	       (unsigned long long)rep->flows_dropped);
	if (rep->read_error)
		fp_jstr(rep->read_err);
	else
		printf("null");
	printf(",\"fax_calls\":%d,\"exit\":%d,\"calls\":[", fax_calls, code);
	bool first = true;
	for (size_t i = 0; i < rep->n_calls; i++) {
		const struct pcapstream_call *c = &rep->calls[i];
		if (fp_is_fax(c) || c->hostile || c->kind == PCAPSTREAM_T38) {
			fp_json_call(i + 1, c, first);
			first = false;
		}
	}
	printf("]}\n");
}

/* ----- main ---------------------------------------------------------------------- */

static int fp_verdict(const struct pcapstream_report *rep, int *fax_calls, char *why, size_t len)
{
	int partial = 0;
	bool hostile = false;

	*fax_calls = 0;
	why[0] = '\0';
	for (size_t i = 0; i < rep->n_calls; i++) {
		const struct pcapstream_call *c = &rep->calls[i];
		if (c->hostile && !hostile) {
			hostile = true;
			snprintf(why, len, "%s", c->hostile_why);
		}
		if (!fp_is_fax(c))
			continue;
		(*fax_calls)++;
		if (c->res->outcome != T30SCAN_COMPLETE)
			partial++;
	}
	if (hostile)
		return FP_BAD;
	if (*fax_calls == 0 && rep->read_error) {
		snprintf(why, len, "%s", rep->read_err);
		return FP_BAD;
	}
	if (*fax_calls == 0) {
		snprintf(why, len, "no fax found (%llu UDP datagrams, no T.38 or G.711 fax signals)",
			 (unsigned long long)rep->stats.udp);
		return FP_NO_FAX;
	}
	if (partial > 0) {
		snprintf(why, len, "%d of %d fax call%s partial", partial, *fax_calls, *fax_calls == 1 ? "" : "s");
		return FP_PARTIAL;
	}
	return FP_OK;
}

static int fp_mkdir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "faxpcap: cannot create the directory %s: %s\n", dir,
		errno == EEXIST ? "a file is in the way" : strerror(errno));
	return -1;
}

static void fp_quiet_spandsp(int level, const char *text)
{
	(void)level;
	(void)text;
}

static void fp_quiet_error(const char *text)
{
	(void)text;
}

int main(int argc, char **argv)
{
	struct fp_opts o;
	struct pcapstream_report *rep = NULL;
	char err[FGW_MAX_ERROR_TEXT], stem[FGW_MAX_NAME], why[FGW_MAX_ERROR_TEXT];
	int fax_calls = 0;

	if (fp_args(argc, argv, &o) < 0)
		return FP_USAGE;
	if (o.out_dir != NULL && fp_mkdir(o.out_dir) < 0)
		return FP_USAGE;
	span_set_message_handler(fp_quiet_spandsp);
	span_set_error_handler(fp_quiet_error);
	fp_stem(o.path, stem, sizeof(stem));
	struct pcapstream_opts po = { .out_dir = o.out_dir, .name = stem };
	if (pcapstream_run(o.path, &po, &rep, err, sizeof(err)) < 0) {
		fprintf(stderr, "faxpcap: %s\n", err);
		if (o.json) {
			printf("{\"capture\":");
			fp_jstr(o.path);
			printf(",\"error\":");
			fp_jstr(err);
			printf(",\"exit\":%d}\n", FP_BAD);
		}
		return FP_BAD;
	}
	int code = fp_verdict(rep, &fax_calls, why, sizeof(why));
	if (o.json)
		fp_json(&o, rep, fax_calls, code);
	else
		fp_text(&o, rep, fax_calls);
	if (code != FP_OK)
		fprintf(stderr, "faxpcap: %s: %s\n", o.path, why);
	pcapstream_report_free(rep);
	return code;
}
