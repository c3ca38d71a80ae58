/*
 * test_spool_sidecar.c - a reception's sidecar (spool_sidecar.h): text
 * round trip and files, the strict parser against malformed records, the
 * complete/partial decision, and start-up recovery of tmp files with and
 * without a sidecar (spool_recover).
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <faxgw/admin.h>

#include "spool.h"
#include "spool_sidecar.h"
#include "state.h"
#include "testdoc.h"

Suite *spool_sidecar_suite(void);

#define SC_G1 "{00000000-0000-4000-8000-0000000000c1}"

static char sc_dir[256];
static char sc_spool[300];
static struct state *sc_st;
static char sc_err[512];

static int sc_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void sc_setup(void)
{
	char db[400];

	snprintf(sc_dir, sizeof(sc_dir), "/tmp/faxgw-sidecar-XXXXXX");
	ck_assert(mkdtemp(sc_dir) != NULL);
	snprintf(sc_spool, sizeof(sc_spool), "%s/spool", sc_dir);
	snprintf(db, sizeof(db), "%s/state.db", sc_dir);
	ck_assert_msg(state_open(db, &sc_st, NULL, sc_err, sizeof(sc_err)) == 0, "%s", sc_err);
	ck_assert_msg(spool_init(sc_spool, sc_err, sizeof(sc_err)) == 0, "%s", sc_err);
}

static void sc_teardown(void)
{
	state_close(sc_st);
	nftw(sc_dir, sc_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static int sc_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* A record with a distinct value in every field. */
static void sc_record(struct spool_sidecar *sc, uint32_t port, uint32_t pages, bool eod)
{
	memset(sc, 0, sizeof(*sc));
	sc->port_id = port;
	snprintf(sc->port_name, sizeof(sc->port_name), "t38-in-%u", (unsigned)port);
	snprintf(sc->local_ident, sizeof(sc->local_ident), "+1 555 0100");
	snprintf(sc->remote_ident, sizeof(sc->remote_ident), "+49 30 123456");
	snprintf(sc->caller, sizeof(sc->caller), "[2001:db8::7]:40002");
	sc->start_time = 1700000000;
	sc->update_time = 1700000071;
	sc->pages = pages;
	sc->x_res = 8031;
	sc->y_res = 7700;
	sc->bit_rate = 9600;
	sc->ecm = true;
	sc->end_of_document = eod;
	sc->t30_done = false;
	sc->t30_status = 0;
	sc->t30_text[0] = '\0';
	sc->version = SPOOL_SIDECAR_VERSION;
	sc->degraded_pages = 1;
	sc->bad_rows = 17;
	sc->longest_bad_run = 9;
	snprintf(sc->degraded_list, sizeof(sc->degraded_list), "2");
	snprintf(sc->degraded_detail, sizeof(sc->degraded_detail), "2:275/17/9");
	snprintf(sc->sip_call_id, sizeof(sc->sip_call_id), "a84b4c76e66710@pc33.example.com");
	snprintf(sc->sip_from, sizeof(sc->sip_from), "sip:+4930123456@carrier.example.net");
	snprintf(sc->sip_to, sizeof(sc->sip_to), "sip:fax@gw.example.org");
	snprintf(sc->sip_user_agent, sizeof(sc->sip_user_agent), "Grandstream HT801 1.0.43.11");
	snprintf(sc->transport, sizeof(sc->transport),
		 "T.38 v0, max datagram 400, redundancy (after re-INVITE)");
}

/* Every field of two records (a swapped field fails). */
static void sc_expect_same(const struct spool_sidecar *a, const struct spool_sidecar *b)
{
	ck_assert_uint_eq(a->port_id, b->port_id);
	ck_assert_str_eq(a->port_name, b->port_name);
	ck_assert_str_eq(a->local_ident, b->local_ident);
	ck_assert_str_eq(a->remote_ident, b->remote_ident);
	ck_assert_str_eq(a->caller, b->caller);
	ck_assert_int_eq(a->start_time, b->start_time);
	ck_assert_int_eq(a->update_time, b->update_time);
	ck_assert_uint_eq(a->pages, b->pages);
	ck_assert_uint_eq(a->x_res, b->x_res);
	ck_assert_uint_eq(a->y_res, b->y_res);
	ck_assert_uint_eq(a->bit_rate, b->bit_rate);
	ck_assert_int_eq(a->ecm, b->ecm);
	ck_assert_int_eq(a->end_of_document, b->end_of_document);
	ck_assert_int_eq(a->t30_done, b->t30_done);
	ck_assert_int_eq(a->t30_status, b->t30_status);
	ck_assert_str_eq(a->t30_text, b->t30_text);
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_uint_eq(a->degraded_pages, b->degraded_pages);
	ck_assert_uint_eq(a->bad_rows, b->bad_rows);
	ck_assert_uint_eq(a->longest_bad_run, b->longest_bad_run);
	ck_assert_str_eq(a->degraded_list, b->degraded_list);
	ck_assert_str_eq(a->degraded_detail, b->degraded_detail);
	ck_assert_str_eq(a->sip_call_id, b->sip_call_id);
	ck_assert_str_eq(a->sip_from, b->sip_from);
	ck_assert_str_eq(a->sip_to, b->sip_to);
	ck_assert_str_eq(a->sip_user_agent, b->sip_user_agent);
	ck_assert_str_eq(a->transport, b->transport);
}

/* Every field of two spool_fax records. */
static void sc_expect_fax(const struct spool_fax *a, const struct spool_fax *b)
{
	ck_assert_uint_eq(a->port_id, b->port_id);
	ck_assert_str_eq(a->port_name, b->port_name);
	ck_assert_str_eq(a->remote_ident, b->remote_ident);
	ck_assert_str_eq(a->local_ident, b->local_ident);
	ck_assert_str_eq(a->caller, b->caller);
	ck_assert_int_eq(a->start_time, b->start_time);
	ck_assert_int_eq(a->end_time, b->end_time);
	ck_assert_uint_eq(a->pages, b->pages);
	ck_assert_uint_eq(a->x_res, b->x_res);
	ck_assert_uint_eq(a->y_res, b->y_res);
	ck_assert_uint_eq(a->bit_rate, b->bit_rate);
	ck_assert_int_eq(a->ecm, b->ecm);
	ck_assert_int_eq(a->t30_status, b->t30_status);
	ck_assert_str_eq(a->t30_text, b->t30_text);
	ck_assert_int_eq(a->partial, b->partial);
	ck_assert_uint_eq(a->degraded_pages, b->degraded_pages);
	ck_assert_uint_eq(a->bad_rows, b->bad_rows);
	ck_assert_uint_eq(a->longest_bad_run, b->longest_bad_run);
	ck_assert_str_eq(a->degraded_list, b->degraded_list);
	ck_assert_str_eq(a->degraded_detail, b->degraded_detail);
	ck_assert_str_eq(a->sip_call_id, b->sip_call_id);
	ck_assert_str_eq(a->sip_from, b->sip_from);
	ck_assert_str_eq(a->sip_to, b->sip_to);
	ck_assert_str_eq(a->sip_user_agent, b->sip_user_agent);
	ck_assert_str_eq(a->transport, b->transport);
}

/* The spool_fax recovery should make of sc_record(port, pages, ...). */
static void sc_fax_of(struct spool_fax *f, uint32_t port, uint32_t pages, int partial,
		      const char *text)
{
	memset(f, 0, sizeof(*f));
	f->port_id = port;
	snprintf(f->port_name, sizeof(f->port_name), "t38-in-%u", (unsigned)port);
	snprintf(f->remote_ident, sizeof(f->remote_ident), "+49 30 123456");
	snprintf(f->local_ident, sizeof(f->local_ident), "+1 555 0100");
	snprintf(f->caller, sizeof(f->caller), "[2001:db8::7]:40002");
	f->start_time = 1700000000;
	f->end_time = 1700000071;
	f->pages = pages;
	f->x_res = 8031;
	f->y_res = 7700;
	f->bit_rate = 9600;
	f->ecm = 1;
	f->t30_status = 0;
	snprintf(f->t30_text, sizeof(f->t30_text), "%s", text);
	f->partial = partial;
	f->degraded_pages = 1;
	f->bad_rows = 17;
	f->longest_bad_run = 9;
	snprintf(f->degraded_list, sizeof(f->degraded_list), "2");
	snprintf(f->degraded_detail, sizeof(f->degraded_detail), "2:275/17/9");
	snprintf(f->sip_call_id, sizeof(f->sip_call_id), "a84b4c76e66710@pc33.example.com");
	snprintf(f->sip_from, sizeof(f->sip_from), "sip:+4930123456@carrier.example.net");
	snprintf(f->sip_to, sizeof(f->sip_to), "sip:fax@gw.example.org");
	snprintf(f->sip_user_agent, sizeof(f->sip_user_agent), "Grandstream HT801 1.0.43.11");
	snprintf(f->transport, sizeof(f->transport),
		 "T.38 v0, max datagram 400, redundancy (after re-INVITE)");
}

/* --- text ------------------------------------------------------------------------ */

/* sc_record(12, 3, true) as written now (version 3). */
static const char sc_text_v3[] =
	"faxgw-sidecar 3\n"
	"port_id=12\n"
	"port_name=t38-in-12\n"
	"local_ident=+1 555 0100\n"
	"remote_ident=+49 30 123456\n"
	"caller=[2001:db8::7]:40002\n"
	"start_time=1700000000\n"
	"update_time=1700000071\n"
	"pages=3\n"
	"x_res=8031\n"
	"y_res=7700\n"
	"bit_rate=9600\n"
	"ecm=1\n"
	"end_of_document=1\n"
	"t30_done=0\n"
	"t30_status=0\n"
	"t30_text=\n"
	"degraded_pages=1\n"
	"bad_rows=17\n"
	"longest_bad_run=9\n"
	"degraded_list=2\n"
	"degraded_detail=2:275/17/9\n"
	"sip_call_id=a84b4c76e66710@pc33.example.com\n"
	"sip_from=sip:+4930123456@carrier.example.net\n"
	"sip_to=sip:fax@gw.example.org\n"
	"sip_user_agent=Grandstream HT801 1.0.43.11\n"
	"transport=T.38 v0, max datagram 400, redundancy (after re-INVITE)\n";

/* The same call as faxgwd 0.2.0 wrote it (version 2: no SIP fields). */
static const char sc_text_v2[] =
	"faxgw-sidecar 2\n"
	"port_id=12\n"
	"port_name=t38-in-12\n"
	"local_ident=+1 555 0100\n"
	"remote_ident=+49 30 123456\n"
	"caller=[2001:db8::7]:40002\n"
	"start_time=1700000000\n"
	"update_time=1700000071\n"
	"pages=3\n"
	"x_res=8031\n"
	"y_res=7700\n"
	"bit_rate=9600\n"
	"ecm=1\n"
	"end_of_document=1\n"
	"t30_done=0\n"
	"t30_status=0\n"
	"t30_text=\n"
	"degraded_pages=1\n"
	"bad_rows=17\n"
	"longest_bad_run=9\n"
	"degraded_list=2\n"
	"degraded_detail=2:275/17/9\n";

/* The same call as an older faxgwd wrote it (version 1: no page quality). */
static const char sc_text_ok[] =
	"faxgw-sidecar 1\n"
	"port_id=12\n"
	"port_name=t38-in-12\n"
	"local_ident=+1 555 0100\n"
	"remote_ident=+49 30 123456\n"
	"caller=[2001:db8::7]:40002\n"
	"start_time=1700000000\n"
	"update_time=1700000071\n"
	"pages=3\n"
	"x_res=8031\n"
	"y_res=7700\n"
	"bit_rate=9600\n"
	"ecm=1\n"
	"end_of_document=1\n"
	"t30_done=0\n"
	"t30_status=0\n"
	"t30_text=\n";

START_TEST(text_round_trip)
{
	struct spool_sidecar a, b;
	char text[FGW_MAX_SIDECAR + 1];
	size_t len = 0;

	sc_record(&a, 12, 3, true);
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, sc_err,
					      sizeof(sc_err)), 0);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_str_eq(text, sc_text_v3);
	ck_assert_msg(spool_sidecar_parse(text, len, &b, sc_err, sizeof(sc_err)) == 0, "%s",
		      sc_err);
	sc_expect_same(&a, &b);

	/* The other values of the flags, a final result, the largest fields. */
	a.ecm = false;
	a.end_of_document = false;
	a.t30_done = true;
	a.t30_status = 49;
	a.port_id = FGW_MAX_PORT_ID;
	a.pages = FGW_MAX_RX_PAGES;
	memset(a.port_name, 'n', sizeof(a.port_name) - 1);
	memset(a.t30_text, 'x', sizeof(a.t30_text) - 1);
	memset(a.caller, 'c', sizeof(a.caller) - 1);
	memset(a.remote_ident, 'r', sizeof(a.remote_ident) - 1);
	memset(a.local_ident, 'l', sizeof(a.local_ident) - 1);
	memset(a.degraded_list, '9', sizeof(a.degraded_list) - 1);
	memset(a.degraded_detail, 'd', sizeof(a.degraded_detail) - 1);
	memset(a.sip_call_id, 'i', sizeof(a.sip_call_id) - 1);
	memset(a.sip_from, 'f', sizeof(a.sip_from) - 1);
	memset(a.sip_to, 't', sizeof(a.sip_to) - 1);
	memset(a.sip_user_agent, 'u', sizeof(a.sip_user_agent) - 1);
	memset(a.transport, 'x', sizeof(a.transport) - 1);
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, sc_err,
					      sizeof(sc_err)), 0);
	ck_assert_uint_le(len, FGW_MAX_SIDECAR);
	ck_assert_msg(spool_sidecar_parse(text, len, &b, sc_err, sizeof(sc_err)) == 0, "%s",
		      sc_err);
	sc_expect_same(&a, &b);
}
END_TEST

START_TEST(text_control_characters_become_spaces)
{
	struct spool_sidecar a, b;
	char text[FGW_MAX_SIDECAR + 1];
	size_t len = 0;

	sc_record(&a, 1, 1, false);
	snprintf(a.remote_ident, sizeof(a.remote_ident), "a\nb\tc\x7f" "d");
	snprintf(a.t30_text, sizeof(a.t30_text), "line\r\nbreak");
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, NULL, 0), 0);
	ck_assert_int_eq(spool_sidecar_parse(text, len, &b, sc_err, sizeof(sc_err)), 0);
	ck_assert_str_eq(b.remote_ident, "a b c d");
	ck_assert_str_eq(b.t30_text, "line  break");
}
END_TEST

START_TEST(format_refuses_bad_records)
{
	struct spool_sidecar a;
	char text[FGW_MAX_SIDECAR + 1];
	size_t len = 1;

	sc_record(&a, 0, 1, false);                       /* port 0 */
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, sc_err,
					      sizeof(sc_err)), -1);
	ck_assert_ptr_nonnull(strstr(sc_err, "port_id"));
	ck_assert_uint_eq(len, 0);
	sc_record(&a, 1, 1, false);
	a.start_time = -1;
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, NULL, 0), -1);
	sc_record(&a, 1, 1, false);
	memset(a.caller, 'c', sizeof(a.caller));          /* not terminated */
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, sc_err,
					      sizeof(sc_err)), -1);
	ck_assert_ptr_nonnull(strstr(sc_err, "caller"));
	sc_record(&a, 1, 1, false);
	ck_assert_int_eq(spool_sidecar_format(&a, text, 40, &len, sc_err, sizeof(sc_err)), -1);
	ck_assert_ptr_nonnull(strstr(sc_err, "too small"));
}
END_TEST

/* The valid text with its line `line` (1-based) replaced by `with`. */
static void sc_edit(char *out, size_t outlen, int line, const char *with)
{
	const char *p = sc_text_ok;
	size_t o = 0;

	for (int n = 1; *p != '\0'; n++) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p) + 1;
		const char *src = n == line ? with : p;
		size_t k = n == line ? strlen(with) : len;
		ck_assert_uint_lt(o + k, outlen);
		memcpy(out + o, src, k);
		o += k;
		p = nl + 1;
	}
	out[o] = '\0';
}

static void sc_expect_bad(const char *text, size_t len, const char *why)
{
	struct spool_sidecar b;

	memset(&b, 0x5a, sizeof(b));
	sc_err[0] = '\0';
	ck_assert_msg(spool_sidecar_parse(text, len, &b, sc_err, sizeof(sc_err)) == -1,
		      "accepted: %s", why);
	ck_assert_msg(strncmp(sc_err, "sidecar", 7) == 0, "%s: no reason (%s)", why, sc_err);
	ck_assert_uint_eq(b.port_id, 0);      /* zeroed on failure */
	ck_assert_str_eq(b.port_name, "");
	ck_assert_int_eq(b.end_of_document, 0);
}

START_TEST(parse_refuses_malformed)
{
	static const struct { int line; const char *with; const char *expect; } edits[] = {
		{ 1, "faxgw-sidecar 3\n", "line 1" },
		{ 1, "\n", "line 1" },
		{ 2, "port_id=0\n", "line 2: port_id" },
		{ 2, "port_id=2147483648\n", "line 2" },
		{ 2, "port_id=012\n", "line 2" },
		{ 2, "port_id=+12\n", "line 2" },
		{ 2, "port_id=-1\n", "line 2" },
		{ 2, "port_id= 12\n", "line 2" },
		{ 2, "port_id=12 \n", "line 2" },
		{ 2, "port_id=\n", "line 2" },
		{ 2, "port_id=99999999999999999999999\n", "line 2" },
		{ 2, "port_id=1x\n", "line 2" },
		{ 2, "port_id=12\r\n", "line 2" },
		{ 2, "portid=12\n", "line 2: expected port_id=" },
		{ 2, "port_id 12\n", "line 2" },
		{ 2, "port_name=t38-in-12\n", "line 2: expected port_id=" },   /* order */
		{ 3, "port_name=tab\there\n", "line 3: port_name: control" },
		{ 5, "remote_ident=123456789012345678901\n", "line 5: remote_ident: longer" },
		{ 8, "update_time=253402300800\n", "line 8" },
		{ 9, "pages=100001\n", "line 9" },
		{ 13, "ecm=2\n", "line 13" },
		{ 14, "end_of_document=true\n", "line 14" },
		{ 16, "t30_status=65536\n", "line 16" },
		{ 17, "t30_text=x\ny=1\n", "line 18: data after" },
		{ 17, "t30_text=\nt30_text=\n", "line 18: data after" },
		{ 17, "", "line 17: truncated" },
	};
	char text[FGW_MAX_SIDECAR * 2];
	size_t n = strlen(sc_text_ok);

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		sc_edit(text, sizeof(text), edits[i].line, edits[i].with);
		sc_expect_bad(text, strlen(text), edits[i].with);
		ck_assert_msg(strstr(sc_err, edits[i].expect) != NULL, "%s: got \"%s\"",
			      edits[i].with, sc_err);
	}
	/* Every strict prefix of a valid record is refused (a torn write). */
	for (size_t len = 0; len < n; len++)
		sc_expect_bad(sc_text_ok, len, "prefix");
	/* A NUL inside a string, bytes after the last newline. */
	memcpy(text, sc_text_ok, n);
	text[strstr(sc_text_ok, "t38-in") - sc_text_ok + 3] = '\0';
	sc_expect_bad(text, n, "NUL in port_name");
	memcpy(text, sc_text_ok, n);
	memcpy(text + n, "x", 1);
	sc_expect_bad(text, n + 1, "trailing byte");
	ck_assert_ptr_nonnull(strstr(sc_err, "data after"));
	/* Over the cap, even when the start is valid. */
	memset(text, ' ', sizeof(text));
	memcpy(text, sc_text_ok, n);
	sc_expect_bad(text, FGW_MAX_SIDECAR + 1, "too big");
	ck_assert_ptr_nonnull(strstr(sc_err, "more than"));
}
END_TEST

/* A version 1 file (no page quality) still reads, as intact pages, and
 * is written back as it was; version 0 in a record means the current one. */
START_TEST(text_version_1_reads)
{
	struct spool_sidecar a, b;
	struct spool_fax f;
	char text[FGW_MAX_SIDECAR + 1];
	size_t len = 0;

	ck_assert_msg(spool_sidecar_parse(sc_text_ok, strlen(sc_text_ok), &a, sc_err,
					  sizeof(sc_err)) == 0, "%s", sc_err);
	ck_assert_uint_eq(a.version, 1);
	ck_assert_uint_eq(a.pages, 3);
	ck_assert_uint_eq(a.degraded_pages, 0);
	ck_assert_uint_eq(a.bad_rows, 0);
	ck_assert_str_eq(a.degraded_list, "");
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, NULL, 0), 0);
	ck_assert_str_eq(text, sc_text_ok);
	spool_fax_from_sidecar(&a, 3, &f);
	ck_assert_uint_eq(f.degraded_pages, 0);
	ck_assert_str_eq(f.degraded_detail, "");
	sc_record(&b, 12, 3, true);
	b.version = 0;
	ck_assert_int_eq(spool_sidecar_format(&b, text, sizeof(text), &len, NULL, 0), 0);
	ck_assert_str_eq(text, sc_text_v3);
	b.version = 4;
	ck_assert_int_eq(spool_sidecar_format(&b, text, sizeof(text), &len, NULL, 0), -1);
	/* Version 2 requires its fields, in range. */
	memcpy(text, sc_text_v2, strlen(sc_text_v2) + 1);
	*strstr(text, "degraded_detail=") = '\0';
	sc_expect_bad(text, strlen(text), "v2 without degraded_detail");
	ck_assert_ptr_nonnull(strstr(sc_err, "truncated (expected degraded_detail=)"));
	memcpy(text, sc_text_v2, strlen(sc_text_v2) + 1);
	memcpy(strstr(text, "degraded_pages=1"), "degraded_pages=x", 16);
	sc_expect_bad(text, strlen(text), "degraded_pages=x");
	ck_assert_ptr_nonnull(strstr(sc_err, "line 18: degraded_pages"));
}
END_TEST

/* A version 2 file (faxgwd 0.2.0) reads with its page quality and no SIP
 * identities, and writes back byte for byte; version 3 requires its
 * fields, in order. */
START_TEST(text_version_2_reads)
{
	struct spool_sidecar a;
	struct spool_fax f;
	char text[FGW_MAX_SIDECAR + 1];
	size_t len = 0;

	ck_assert_msg(spool_sidecar_parse(sc_text_v2, strlen(sc_text_v2), &a, sc_err,
					  sizeof(sc_err)) == 0, "%s", sc_err);
	ck_assert_uint_eq(a.version, 2);
	ck_assert_uint_eq(a.degraded_pages, 1);
	ck_assert_str_eq(a.degraded_detail, "2:275/17/9");
	ck_assert_str_eq(a.sip_call_id, "");
	ck_assert_str_eq(a.sip_user_agent, "");
	ck_assert_str_eq(a.transport, "");
	ck_assert_int_eq(spool_sidecar_format(&a, text, sizeof(text), &len, NULL, 0), 0);
	ck_assert_str_eq(text, sc_text_v2);
	spool_fax_from_sidecar(&a, 3, &f);
	ck_assert_str_eq(f.sip_from, "");
	ck_assert_str_eq(f.transport, "");
	ck_assert_uint_eq(f.degraded_pages, 1);
	/* Version 3 without its last field, or with two swapped. */
	memcpy(text, sc_text_v3, strlen(sc_text_v3) + 1);
	*strstr(text, "transport=") = '\0';
	sc_expect_bad(text, strlen(text), "v3 without transport");
	ck_assert_ptr_nonnull(strstr(sc_err, "truncated (expected transport=)"));
	memcpy(text, sc_text_v3, strlen(sc_text_v3) + 1);
	memcpy(strstr(text, "sip_to="), "sip_xx=", 7);
	sc_expect_bad(text, strlen(text), "v3 with sip_xx");
	ck_assert_ptr_nonnull(strstr(sc_err, "line 25: expected sip_to="));
	/* A control character in a SIP field is refused. */
	memcpy(text, sc_text_v3, strlen(sc_text_v3) + 1);
	*strstr(text, "Grandstream") = '\x01';
	sc_expect_bad(text, strlen(text), "v3 with a control character");
}
END_TEST

/* --- files ------------------------------------------------------------------------- */

START_TEST(file_write_read_remove)
{
	struct spool_sidecar a, b;
	char tif[1024], meta[1024], tmp[1100];
	int found = -1;

	snprintf(tif, sizeof(tif), "%s/tmp/P3-1700000000-1-1.tif", sc_spool);
	ck_assert_int_eq(spool_sidecar_path(tif, meta, sizeof(meta)), 0);
	snprintf(tmp, sizeof(tmp), "%s/tmp/P3-1700000000-1-1.meta", sc_spool);
	ck_assert_str_eq(meta, tmp);
	ck_assert_int_eq(spool_sidecar_path("x", meta, sizeof(meta)), 0);
	ck_assert_str_eq(meta, "x.meta");
	ck_assert_int_eq(spool_sidecar_path(tif, meta, 10), -1);
	ck_assert_int_eq(spool_sidecar_path(tif, meta, sizeof(meta)), 0);

	ck_assert_int_eq(spool_sidecar_read(tif, &b, &found, sc_err, sizeof(sc_err)), 0);
	ck_assert_int_eq(found, 0);
	sc_record(&a, 3, 1, false);
	ck_assert_msg(spool_sidecar_write(tif, &a, sc_err, sizeof(sc_err)) == 0, "%s", sc_err);
	sc_record(&a, 3, 2, true);             /* the next page replaces it */
	ck_assert_msg(spool_sidecar_write(tif, &a, sc_err, sizeof(sc_err)) == 0, "%s", sc_err);
	snprintf(tmp, sizeof(tmp), "%s.new", meta);
	ck_assert(!sc_exists(tmp));
	ck_assert_msg(spool_sidecar_read(tif, &b, &found, sc_err, sizeof(sc_err)) == 0, "%s",
		      sc_err);
	ck_assert_int_eq(found, 1);
	sc_expect_same(&a, &b);
	spool_sidecar_remove(tif);
	ck_assert(!sc_exists(meta));
	ck_assert_int_eq(spool_sidecar_read(tif, &b, &found, sc_err, sizeof(sc_err)), 0);
	ck_assert_int_eq(found, 0);
}
END_TEST

START_TEST(file_read_refuses_odd_files)
{
	struct spool_sidecar b;
	char tif[1024], meta[1024];
	int found = 0, fd;

	snprintf(tif, sizeof(tif), "%s/tmp/P3-1-1-1.tif", sc_spool);
	ck_assert_int_eq(spool_sidecar_path(tif, meta, sizeof(meta)), 0);
	/* a symlink is not followed */
	ck_assert_int_eq(symlink("/etc/passwd", meta), 0);
	ck_assert_int_eq(spool_sidecar_read(tif, &b, &found, sc_err, sizeof(sc_err)), -1);
	ck_assert_int_eq(found, 1);
	unlink(meta);
	/* a directory */
	ck_assert_int_eq(mkdir(meta, 0700), 0);
	ck_assert_int_eq(spool_sidecar_read(tif, &b, &found, sc_err, sizeof(sc_err)), -1);
	ck_assert_ptr_nonnull(strstr(sc_err, "regular"));
	rmdir(meta);
	/* a big file: refused, only the cap + 1 read */
	fd = open(meta, O_WRONLY | O_CREAT, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	ck_assert_int_eq(spool_sidecar_read(tif, &b, &found, sc_err, sizeof(sc_err)), -1);
	ck_assert_ptr_nonnull(strstr(sc_err, "more than"));
	/* an empty file */
	ck_assert_int_eq(truncate(meta, 0), 0);
	ck_assert_int_eq(spool_sidecar_read(tif, &b, &found, sc_err, sizeof(sc_err)), -1);
	ck_assert_ptr_nonnull(strstr(sc_err, "line 1"));
}
END_TEST

/* --- the decision ------------------------------------------------------------------- */

START_TEST(decision_complete_or_partial)
{
	struct spool_sidecar sc;
	struct spool_fax f, want;

	/* End of document confirmed, the file holds every page: complete. */
	sc_record(&sc, 4, 3, true);
	spool_fax_from_sidecar(&sc, 3, &f);
	sc_fax_of(&want, 4, 3, 0, f.t30_text);
	sc_expect_fax(&f, &want);
	ck_assert_ptr_nonnull(strstr(f.t30_text, "every page confirmed"));
	/* ... but the file holds fewer or more pages than confirmed: partial */
	spool_fax_from_sidecar(&sc, 2, &f);
	ck_assert(f.partial);
	ck_assert_uint_eq(f.pages, 2);
	spool_fax_from_sidecar(&sc, 4, &f);
	ck_assert(f.partial);
	ck_assert_uint_eq(f.pages, 4);
	/* No end of document: partial, with the metadata. */
	sc_record(&sc, 4, 2, false);
	spool_fax_from_sidecar(&sc, 2, &f);
	sc_fax_of(&want, 4, 2, 1, "reception interrupted (faxgwd restarted): 2 page(s) "
		  "confirmed, 2 in the file");
	sc_expect_fax(&f, &want);
	/* T.30 finished: its result decides, as a live commit does. */
	sc_record(&sc, 4, 2, true);
	sc.t30_done = true;
	sc.t30_status = 0;
	snprintf(sc.t30_text, sizeof(sc.t30_text), "OK");
	spool_fax_from_sidecar(&sc, 2, &f);
	sc_fax_of(&want, 4, 2, 0, "OK");
	sc_expect_fax(&f, &want);
	sc.t30_status = 41;
	snprintf(sc.t30_text, sizeof(sc.t30_text), "Timer T2 expired");
	spool_fax_from_sidecar(&sc, 2, &f);
	sc_fax_of(&want, 4, 2, 1, "Timer T2 expired");
	want.t30_status = 41;
	sc_expect_fax(&f, &want);
	/* A zero-page record is never complete. */
	sc_record(&sc, 4, 0, true);
	spool_fax_from_sidecar(&sc, 0, &f);
	ck_assert(f.partial);
}
END_TEST

/* --- recovery ------------------------------------------------------------------------ */

static int sc_methods(void *arg, uint32_t port_id, char (*guids)[FGW_GUID_LEN + 1], size_t max,
		      size_t *n)
{
	(void)arg;
	*n = 0;
	if (port_id == 4 && max > 0) {
		snprintf(guids[0], sizeof(guids[0]), "%s", SC_G1);
		*n = 1;
	}
	return 0;
}

/* A tmp file of `pages` pages on port 4, with a sidecar when sc != NULL. */
static void sc_tmp(const char *name, int pages, const struct spool_sidecar *sc, char *path,
		   size_t pathlen)
{
	snprintf(path, pathlen, "%s/tmp/%s", sc_spool, name);
	ck_assert_int_eq(testdoc_make(path, pages, TESTDOC_STANDARD, (unsigned)pages), 0);
	if (sc != NULL)
		ck_assert_msg(spool_sidecar_write(path, sc, sc_err, sizeof(sc_err)) == 0, "%s",
			      sc_err);
}

static void sc_recover(struct spool_recovery *rec)
{
	ck_assert_msg(spool_recover(sc_st, sc_spool, sc_methods, NULL, rec, sc_err,
				    sizeof(sc_err)) == 0, "%s", sc_err);
}

/* The one job recovery made (the newest), checked against want. */
static void sc_expect_job(uint64_t id, const struct spool_fax *want, int state)
{
	struct state_job *j = calloc(1, sizeof(*j));
	struct spool_fax f;
	int found = 0;

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(state_job_get(sc_st, id, j, &found, sc_err, sizeof(sc_err)), 0);
	ck_assert_msg(found, "job %llu missing", (unsigned long long)id);
	ck_assert_uint_eq(j->port_id, want->port_id);
	ck_assert_uint_eq(j->pages, want->pages);
	ck_assert_int_eq(j->partial, want->partial);
	ck_assert_str_eq(j->remote_ident, want->remote_ident);
	ck_assert_int_eq(j->state, state);
	ck_assert_ptr_null(strstr(j->path, "/spool/tmp/"));
	ck_assert(sc_exists(j->path));
	spool_meta_parse(j->meta, &f);
	/* The SIP identities and the transport live in the job's columns. */
	snprintf(f.sip_call_id, sizeof(f.sip_call_id), "%s", j->sip_call_id);
	snprintf(f.sip_from, sizeof(f.sip_from), "%s", j->sip_from);
	snprintf(f.sip_to, sizeof(f.sip_to), "%s", j->sip_to);
	snprintf(f.sip_user_agent, sizeof(f.sip_user_agent), "%s", j->sip_user_agent);
	snprintf(f.transport, sizeof(f.transport), "%s", j->transport);
	sc_expect_fax(&f, want);
	free(j);
}

static void sc_expect_counted(uint32_t port, uint64_t faxes, uint64_t pages, const char *ident)
{
	struct state_port_counters pc;

	ck_assert_int_eq(state_port_counters_get(sc_st, port, &pc, sc_err, sizeof(sc_err)), 0);
	ck_assert_uint_eq(pc.faxes_received, faxes);
	ck_assert_uint_eq(pc.pages_received, pages);
	ck_assert_str_eq(pc.last_remote_ident, ident);
}

/* (a) every page confirmed, the end of the document reached: complete,
 * with every field of the metadata, counted on the port. */
START_TEST(recover_complete_with_metadata)
{
	struct spool_sidecar sc;
	struct spool_recovery rec;
	struct spool_fax want;
	char tif[1024], meta[1024];

	sc_record(&sc, 4, 3, true);
	sc_tmp("P4-1700000000-9-1.tif", 3, &sc, tif, sizeof(tif));
	ck_assert_int_eq(spool_sidecar_path(tif, meta, sizeof(meta)), 0);
	sc_recover(&rec);
	ck_assert_uint_eq(rec.tmp_jobs, 1);
	ck_assert_uint_eq(rec.tmp_with_meta, 1);
	ck_assert_uint_eq(rec.tmp_complete, 1);
	ck_assert(!sc_exists(tif) && !sc_exists(meta));
	sc_fax_of(&want, 4, 3, 0, "every page confirmed, end of document (recovered: faxgwd "
		  "stopped before the commit)");
	sc_expect_job(1, &want, FGW_JOB_PENDING);
	sc_expect_counted(4, 1, 3, "+49 30 123456");
	/* nothing more to do on a second run */
	sc_recover(&rec);
	ck_assert_uint_eq(rec.tmp_jobs + rec.tmp_removed + rec.sidecars_removed, 0);
}
END_TEST

/* (b) 2 pages of 3 confirmed (the call ended mid-document): partial with
 * the metadata; and a sidecar one page behind its file: partial too. */
START_TEST(recover_partial_with_metadata)
{
	struct spool_sidecar sc;
	struct spool_recovery rec;
	struct spool_fax want;
	char tif[1024], behind[1024];

	sc_record(&sc, 4, 2, false);
	sc_tmp("P4-1700000000-9-1.tif", 2, &sc, tif, sizeof(tif));
	sc_tmp("P4-1700000000-9-2.tif", 3, &sc, behind, sizeof(behind));
	sc_recover(&rec);
	ck_assert_uint_eq(rec.tmp_jobs, 2);
	ck_assert_uint_eq(rec.tmp_with_meta, 2);
	ck_assert_uint_eq(rec.tmp_complete, 0);
	for (uint64_t id = 1; id <= 2; id++) {
		struct state_job j;
		int found = 0;
		ck_assert_int_eq(state_job_get(sc_st, id, &j, &found, sc_err, sizeof(sc_err)), 0);
		ck_assert(found);
		/* readdir order: find which one this is by its pages */
		sc_fax_of(&want, 4, j.pages, 1, "");
		snprintf(want.t30_text, sizeof(want.t30_text), "reception interrupted (faxgwd "
			 "restarted): 2 page(s) confirmed, %u in the file", (unsigned)j.pages);
		sc_expect_job(id, &want, FGW_JOB_PENDING);
	}
	sc_expect_counted(4, 2, 5, "+49 30 123456");
}
END_TEST

/* (c) no sidecar: as before sidecars (partial, port from the name, no
 * metadata, not counted); (d) a malformed sidecar or one of another port
 * changes nothing of that, and goes with its file. */
START_TEST(recover_without_valid_sidecar)
{
	struct spool_sidecar sc;
	struct spool_recovery rec;
	struct spool_fax want;
	char tif[3][1024], meta[1024];
	int fd;

	sc_tmp("P4-1700000000-9-1.tif", 2, NULL, tif[0], sizeof(tif[0]));
	sc_tmp("P4-1700000000-9-2.tif", 2, NULL, tif[1], sizeof(tif[1]));
	ck_assert_int_eq(spool_sidecar_path(tif[1], meta, sizeof(meta)), 0);
	fd = open(meta, O_WRONLY | O_CREAT, 0640);
	ck_assert_int_eq(write(fd, "faxgw-sidecar 1\nport_id=4\npages=", 32), 32);
	close(fd);
	sc_record(&sc, 5, 2, true);        /* another port's record */
	sc_tmp("P4-1700000000-9-3.tif", 2, &sc, tif[2], sizeof(tif[2]));
	sc_recover(&rec);
	ck_assert_uint_eq(rec.tmp_jobs, 3);
	ck_assert_uint_eq(rec.tmp_with_meta, 0);
	ck_assert_uint_eq(rec.tmp_complete, 0);
	ck_assert(!sc_exists(meta));
	for (uint64_t id = 1; id <= 3; id++) {
		memset(&want, 0, sizeof(want));
		want.port_id = 4;
		want.start_time = want.end_time = 1700000000;
		want.pages = 2;
		want.partial = 1;
		snprintf(want.t30_text, sizeof(want.t30_text),
			 "reception interrupted (faxgwd restarted)");
		sc_expect_job(id, &want, FGW_JOB_PENDING);
	}
	sc_expect_counted(4, 0, 0, "");
	sc_expect_counted(5, 0, 0, "");
}
END_TEST

/* Sidecars without a file, and the sidecar of a committed job whose
 * move had not happened, are removed; a tmp file without a page goes
 * with its sidecar. */
START_TEST(recover_removes_stale_sidecars)
{
	struct spool_sidecar sc;
	struct spool_recovery rec;
	struct state_job j;
	char tif[1024], stale[1024], stale_new[1024], named[1024], named_meta[1024];
	char empty[1024], empty_meta[1024];
	uint64_t id = 0;
	int fd;

	sc_record(&sc, 4, 1, false);
	snprintf(stale, sizeof(stale), "%s/tmp/P4-1-1-1.meta", sc_spool);
	snprintf(stale_new, sizeof(stale_new), "%s/tmp/P4-1-1-2.meta.new", sc_spool);
	snprintf(tif, sizeof(tif), "%s/tmp/P4-1-1-1.tif", sc_spool);
	ck_assert_int_eq(spool_sidecar_write(tif, &sc, sc_err, sizeof(sc_err)), 0);
	fd = open(stale_new, O_WRONLY | O_CREAT, 0640);
	close(fd);
	/* a committed job still naming its tmp file */
	sc_tmp("P4-1-1-3.tif", 1, &sc, named, sizeof(named));
	memset(&j, 0, sizeof(j));
	j.port_id = 4;
	j.state = FGW_JOB_PENDING;
	j.pages = 1;
	snprintf(j.path, sizeof(j.path), "%s", named);
	ck_assert_int_eq(state_job_insert(sc_st, &j, &id, sc_err, sizeof(sc_err)), 0);
	ck_assert_int_eq(spool_sidecar_path(named, named_meta, sizeof(named_meta)), 0);
	/* an empty tmp file with a sidecar */
	snprintf(empty, sizeof(empty), "%s/tmp/P4-1-1-4.tif", sc_spool);
	fd = open(empty, O_WRONLY | O_CREAT, 0640);
	close(fd);
	ck_assert_int_eq(spool_sidecar_write(empty, &sc, sc_err, sizeof(sc_err)), 0);
	ck_assert_int_eq(spool_sidecar_path(empty, empty_meta, sizeof(empty_meta)), 0);

	sc_recover(&rec);
	ck_assert_uint_eq(rec.sidecars_removed, 2);
	ck_assert_uint_eq(rec.tmp_moved, 1);
	ck_assert_uint_eq(rec.tmp_removed, 1);
	ck_assert_uint_eq(rec.tmp_jobs, 0);
	ck_assert(!sc_exists(stale) && !sc_exists(stale_new) && !sc_exists(named_meta) &&
		  !sc_exists(empty_meta) && !sc_exists(empty));
	ck_assert_uint_eq(rec.tmp_moved, 1);
}
END_TEST

/* A commit takes the metadata into the job and removes the sidecar. */
START_TEST(commit_removes_sidecar)
{
	static const char guids[1][FGW_GUID_LEN + 1] = { SC_G1 };
	struct spool_sidecar sc;
	struct spool_fax f;
	char tif[1024], meta[1024];
	uint64_t id = 0;

	sc_record(&sc, 4, 1, false);
	ck_assert_int_eq(spool_tmp_path(sc_spool, 4, tif, sizeof(tif)), 0);
	ck_assert_int_eq(testdoc_make(tif, 1, TESTDOC_STANDARD, 1), 0);
	ck_assert_int_eq(spool_sidecar_write(tif, &sc, sc_err, sizeof(sc_err)), 0);
	ck_assert_int_eq(spool_sidecar_path(tif, meta, sizeof(meta)), 0);
	ck_assert(sc_exists(meta));
	spool_fax_from_sidecar(&sc, 1, &f);
	ck_assert_msg(spool_commit(sc_st, sc_spool, tif, &f, guids, 1, &id, sc_err,
				   sizeof(sc_err)) == 0, "%s", sc_err);
	ck_assert(!sc_exists(meta) && !sc_exists(tif));
}
END_TEST

Suite *spool_sidecar_suite(void)
{
	Suite *s = suite_create("spool_sidecar");
	TCase *text = tcase_create("text");
	TCase *files = tcase_create("files");

	tcase_add_test(text, text_round_trip);
	tcase_add_test(text, text_control_characters_become_spaces);
	tcase_add_test(text, format_refuses_bad_records);
	tcase_add_test(text, parse_refuses_malformed);
	tcase_add_test(text, text_version_1_reads);
	tcase_add_test(text, text_version_2_reads);
	tcase_add_test(text, decision_complete_or_partial);
	tcase_add_checked_fixture(files, sc_setup, sc_teardown);
	tcase_add_test(files, file_write_read_remove);
	tcase_add_test(files, file_read_refuses_odd_files);
	tcase_add_test(files, recover_complete_with_metadata);
	tcase_add_test(files, recover_partial_with_metadata);
	tcase_add_test(files, recover_without_valid_sidecar);
	tcase_add_test(files, recover_removes_stale_sidecars);
	tcase_add_test(files, commit_removes_sidecar);
	suite_add_tcase(s, text);
	suite_add_tcase(s, files);
	return s;
}
