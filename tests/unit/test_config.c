/*
 * test_config.c - faxgwd.conf parser: every key good and bad, structure
 * errors, error collection and line numbers, files, the embedded default.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "caps.h"
#include "config.h"
#include "fgwx_cidr.h"

Suite *config_suite(void);

#define PORT1 "[port 1]\ntransport = t38\nlisten = 127.0.0.1:4000\n"

static struct config_errors *errs;
static struct config *cfg;

static void setup(void)
{
	errs = calloc(1, sizeof(*errs));
	ck_assert_ptr_nonnull(errs);
	cfg = NULL;
}

static void teardown(void)
{
	config_free(cfg);
	cfg = NULL;
	free(errs);
}

static void dump_errors(void)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "  %s\n", errs->msg[i]);
}

static int load(const char *text)
{
	config_free(cfg);
	cfg = NULL;
	int rc = config_load_string("t.conf", text, strlen(text), &cfg, errs);
	if (rc == 0)
		ck_assert_ptr_nonnull(cfg);
	else
		ck_assert_ptr_null(cfg);
	return rc;
}

static void load_ok(const char *text)
{
	if (load(text) != 0) {
		dump_errors();
		ck_abort_msg("config rejected:\n%s", text);
	}
	ck_assert_uint_eq(errs->n, 0);
}

/* Exactly one error, at `line`, containing `needle`. */
static void load_error(const char *text, int line, const char *needle)
{
	char prefix[64];

	ck_assert_int_eq(load(text), -1);
	if (errs->n != 1)
		dump_errors();
	ck_assert_uint_eq(errs->n, 1);
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
	else
		snprintf(prefix, sizeof(prefix), "t.conf: ");
	ck_assert_msg(strncmp(errs->msg[0], prefix, strlen(prefix)) == 0,
		      "'%s' does not start with '%s'", errs->msg[0], prefix);
	ck_assert_msg(strstr(errs->msg[0], needle) != NULL, "'%s' does not contain '%s'",
		      errs->msg[0], needle);
}

/* --- every key, good and bad values ------------------------------------- */

struct kv {
	const char *sec;   /* gateway, t38, audio, mail, http */
	const char *key;
	const char *val;
	int ok;
};

static const struct kv kvs[] = {
	{ "gateway", "spool", "/var/spool/fax", 1 },
	{ "gateway", "spool", "var/spool", 0 },
	{ "gateway", "spool", "", 0 },
	{ "gateway", "state", "/x/faxgw.db", 1 },
	{ "gateway", "state", "faxgw.db", 0 },
	{ "gateway", "control", "/run/x.sock", 1 },
	{ "gateway", "control", "./x.sock", 0 },
	{ "gateway", "extensions", "/usr/lib/x", 1 },
	{ "gateway", "extensions", "lib", 0 },
	{ "gateway", "store-root", "/srv/fax", 1 },
	{ "gateway", "store-root", "~/fax", 0 },
	{ "gateway", "exec-dir", "/etc/x.d", 1 },
	{ "gateway", "exec-dir", "x.d", 0 },
	{ "gateway", "admin-group", "wheel", 1 },
	{ "gateway", "admin-group", "", 1 },
	{ "gateway", "admin-group", "fax_admin-2.x", 1 },
	{ "gateway", "admin-group", "two words", 0 },
	{ "gateway", "admin-group", "-x", 0 },
	{ "gateway", "query-group", "faxops", 1 },
	{ "gateway", "query-group", "", 1 },
	{ "gateway", "query-group", "a/b", 0 },
	{ "gateway", "retry", "5 30s", 1 },
	{ "gateway", "retry", "1 500ms", 1 },
	{ "gateway", "retry", "100 1h", 1 },
	{ "gateway", "retry", "3\t10", 1 },
	{ "gateway", "retry", "2 2m", 1 },
	{ "gateway", "retry", "0 30s", 0 },
	{ "gateway", "retry", "101 30s", 0 },
	{ "gateway", "retry", "5", 0 },
	{ "gateway", "retry", "5 30x", 0 },
	{ "gateway", "retry", "5 30s 2", 0 },
	{ "gateway", "retry", "-1 30s", 0 },
	{ "gateway", "retry", "+1 30s", 0 },
	{ "gateway", "retry", "5 0s", 0 },
	{ "gateway", "retry", "5 25h", 0 },
	{ "gateway", "retry", "5 99999999999999999999s", 0 },
	{ "gateway", "retry", "", 0 },
	{ "gateway", "history", "90d", 1 },
	{ "gateway", "history", "1h", 1 },
	{ "gateway", "history", "3600", 1 },
	{ "gateway", "history", "3650d", 1 },
	{ "gateway", "history", "3651d", 0 },
	{ "gateway", "history", "59m", 0 },
	{ "gateway", "history", "0", 0 },
	{ "gateway", "history", "90 d", 0 },
	{ "gateway", "history", "90w", 0 },
	{ "gateway", "history", "1500ms", 0 },
	{ "gateway", "history", "-1d", 0 },
	{ "gateway", "history", "", 0 },
	{ "gateway", "retention", "0", 1 },
	{ "gateway", "retention", "30d", 1 },
	{ "gateway", "retention", "12h", 1 },
	{ "gateway", "retention", "45s", 1 },
	{ "gateway", "retention", "99999999999999999999d", 0 },
	{ "gateway", "retention", "30x", 0 },
	{ "gateway", "retention", "", 0 },
	{ "t38", "name", "trunk a", 1 },
	{ "t38", "name", "", 0 },
	{ "t38", "transport", "t38", 1 },
	{ "t38", "transport", "T38", 1 },
	{ "t38", "transport", "fax", 0 },
	{ "t38", "transport", "", 0 },
	{ "t38", "listen", "127.0.0.1:1", 1 },
	{ "t38", "listen", "0.0.0.0:4000", 1 },
	{ "t38", "listen", "[::1]:65535", 1 },
	{ "t38", "listen", "[fe80::1%lo]:4000", 1 },
	{ "t38", "listen", "127.0.0.1", 0 },
	{ "t38", "listen", "127.0.0.1:0", 0 },
	{ "t38", "listen", "127.0.0.1:65536", 0 },
	{ "t38", "listen", "127.0.0.1:", 0 },
	{ "t38", "listen", "127.0.0.1:+40", 0 },
	{ "t38", "listen", "127.0.0.1:4x", 0 },
	{ "t38", "listen", "localhost:4000", 0 },
	{ "t38", "listen", "127.1:4000", 0 },
	{ "t38", "listen", "0x7f.0.0.1:4000", 0 },
	{ "t38", "listen", "1.2.3.4.5:4000", 0 },
	{ "t38", "listen", "::1:4000", 0 },
	{ "t38", "listen", "[::1]4000", 0 },
	{ "t38", "listen", "[::1]", 0 },
	{ "t38", "listen", "[127.0.0.1]:4000", 0 },
	{ "t38", "listen", "[]:4000", 0 },
	{ "t38", "listen", ":4000", 0 },
	{ "t38", "peer", "127.0.0.1:5000", 1 },
	{ "t38", "peer", "[::1]:5000", 1 },
	{ "t38", "peer", "example.org:5000", 0 },
	{ "t38", "peer", "127.0.0.1:0", 0 },
	{ "t38", "allow", "", 1 },
	{ "t38", "allow", "127.0.0.1", 1 },
	{ "t38", "allow", "10.0.0.0/8, 192.168.1.0/24,::1, 2001:db8::/32", 1 },
	{ "t38", "allow", "0.0.0.0/0", 1 },
	{ "t38", "allow", "::/0", 1 },
	{ "audio", "allow", "192.0.2.7/32", 1 },
	{ "t38", "allow", "10.0.0.1/8", 0 },
	{ "t38", "allow", "10.0.0.0/33", 0 },
	{ "t38", "allow", "2001:db8::/129", 0 },
	{ "t38", "allow", "10.0.0.0/", 0 },
	{ "t38", "allow", "10.0.0.0/-1", 0 },
	{ "t38", "allow", "example.org", 0 },
	{ "t38", "allow", "[::1]", 0 },
	{ "t38", "allow", "10.0.0.0/8,", 0 },
	{ "t38", "allow", ",10.0.0.0/8", 0 },
	{ "t38", "allow", "10.0.0.0/8,,::1", 0 },
	{ "t38", "allow", "10.0.0.0 /8", 0 },
	{ "t38", "allow", "10.1", 0 },
	{ "t38", "local-ident", "+1 555 0100", 1 },
	{ "t38", "local-ident", "", 1 },
	{ "t38", "local-ident", "12345678901234567890", 1 },
	{ "t38", "local-ident", "123456789012345678901", 0 },
	{ "t38", "local-ident", "Fax-1", 0 },
	{ "t38", "ecm", "yes", 1 },
	{ "t38", "ecm", "no", 1 },
	{ "t38", "ecm", "true", 1 },
	{ "t38", "ecm", "false", 1 },
	{ "t38", "ecm", "on", 1 },
	{ "t38", "ecm", "off", 1 },
	{ "t38", "ecm", "1", 1 },
	{ "t38", "ecm", "0", 1 },
	{ "t38", "ecm", "YES", 1 },
	{ "t38", "ecm", "maybe", 0 },
	{ "t38", "ecm", "2", 0 },
	{ "t38", "max-rate", "2400", 1 },
	{ "t38", "max-rate", "4800", 1 },
	{ "t38", "max-rate", "7200", 1 },
	{ "t38", "max-rate", "9600", 1 },
	{ "t38", "max-rate", "12000", 1 },
	{ "t38", "max-rate", "14400", 1 },
	{ "t38", "max-rate", "9601", 0 },
	{ "t38", "max-rate", "33600", 0 },
	{ "t38", "max-rate", "14400bps", 0 },
	{ "t38", "t38-version", "0", 1 },
	{ "t38", "t38-version", "3", 1 },
	{ "t38", "t38-version", "4", 0 },
	{ "t38", "t38-version", "-1", 0 },
	{ "t38", "t38-version", "1.0", 0 },
	{ "t38", "udptl-ec", "redundancy", 1 },
	{ "t38", "udptl-ec", "fec", 1 },
	{ "t38", "udptl-ec", "none", 1 },
	{ "t38", "udptl-ec", "parity", 0 },
	{ "t38", "codec", "pcmu", 0 },
	{ "audio", "codec", "pcmu", 1 },
	{ "audio", "codec", "pcma", 1 },
	{ "audio", "codec", "g729", 0 },
	{ "audio", "t38-version", "0", 0 },
	{ "audio", "udptl-ec", "fec", 0 },
	{ "audio", "ecm", "no", 1 },
	{ "audio", "max-rate", "9600", 1 },
	{ "mail", "smtp-url", "smtp://127.0.0.1:25", 1 },
	{ "mail", "smtp-url", "smtps://mail.example.org", 1 },
	{ "mail", "smtp-url", "SMTP://relay:587", 1 },
	{ "mail", "smtp-url", "smtp://[::1]:587", 1 },
	{ "mail", "smtp-url", "smtp://relay.example.org/ehlo.example.org", 1 },
	{ "mail", "smtp-url", "http://relay.example.org", 0 },
	{ "mail", "smtp-url", "smtp://", 0 },
	{ "mail", "smtp-url", "smtp://:25", 0 },
	{ "mail", "smtp-url", "smtp://user:pw@relay", 0 },
	{ "mail", "smtp-url", "smtp://relay:0", 0 },
	{ "mail", "smtp-url", "smtp://relay:99999", 0 },
	{ "mail", "smtp-url", "smtp://relay:", 0 },
	{ "mail", "smtp-url", "smtp://[::1", 0 },
	{ "mail", "smtp-url", "smtp://[]", 0 },
	{ "mail", "smtp-url", "smtp://re lay", 0 },
	{ "mail", "starttls", "auto", 1 },
	{ "mail", "starttls", "required", 1 },
	{ "mail", "starttls", "off", 1 },
	{ "mail", "starttls", "maybe", 0 },
	{ "mail", "from", "Fax Gateway <fax@example.org>", 1 },
	{ "mail", "from", "fax@example.org", 1 },
	{ "mail", "from", "\"Fax, Gateway\" <fax.gw+in@mail.example.org>", 1 },
	{ "mail", "from", "Fax Gateway", 0 },
	{ "mail", "from", "Fax <>", 0 },
	{ "mail", "from", "Fax <fax@>", 0 },
	{ "mail", "from", "Fax <@example.org>", 0 },
	{ "mail", "from", "fax@example.org>", 0 },
	{ "mail", "from", "Fax <fax@example.org> x", 0 },
	{ "mail", "from", "Fax <fax@example.org", 0 },
	{ "mail", "from", "a<b <fax@example.org>", 0 },
	{ "mail", "from", "fax at example.org", 0 },
	{ "mail", "from", "fax@exa mple.org", 0 },
	{ "mail", "from", "fax@@example.org", 0 },
	{ "mail", "from", "", 0 },
	{ "mail", "username", "fax", 1 },
	{ "mail", "username", "", 1 },
	{ "mail", "attach", "pdf", 1 },
	{ "mail", "attach", "tiff", 1 },
	{ "mail", "attach", "pdf+tiff", 1 },
	{ "mail", "attach", "doc", 0 },
	{ "mail", "attach", "", 0 },
	{ "http", "timeout", "1s", 1 },
	{ "http", "timeout", "10m", 1 },
	{ "http", "timeout", "30", 1 },
	{ "http", "timeout", "1500ms", 1 },
	{ "http", "timeout", "500ms", 0 },
	{ "http", "timeout", "11m", 0 },
	{ "http", "timeout", "1h", 0 },
	{ "http", "timeout", "x", 0 },
	{ "http", "timeout", "s", 0 },
	{ "http", "attach", "pdf", 1 },
	{ "http", "attach", "tiff", 1 },
	{ "http", "attach", "pdf+tiff", 0 },
	/* [sip] (faxgwd.conf(5)) */
	{ "sip", "listen", "udp:127.0.0.1:5060", 1 },
	{ "sip", "listen", "udp:127.0.0.1:5060, tcp:127.0.0.1:5060", 1 },
	{ "sip", "listen", "UDP:[::1]:5060,tcp:0.0.0.0:5070", 1 },
	{ "sip", "listen", "udp:127.0.0.1:5060, udp:127.0.0.1:5060", 0 },
	{ "sip", "listen", "udp:127.0.0.1:5060, tcp:127.0.0.1:5060, udp:[::1]:5060", 0 },
	{ "sip", "listen", "tls:127.0.0.1:5061", 0 },
	{ "sip", "listen", "127.0.0.1:5060", 0 },
	{ "sip", "listen", "udp:::1:5060", 0 },
	{ "sip", "listen", "udp:127.0.0.1", 0 },
	{ "sip", "listen", "udp:224.0.0.1:5060", 0 },
	{ "sip", "listen", "", 0 },
	{ "sip", "public-address", "192.0.2.10", 1 },
	{ "sip", "public-address", "2001:db8::1", 1 },
	{ "sip", "public-address", "", 1 },
	{ "sip", "public-address", "gw.example.org", 0 },
	{ "sip", "public-address", "192.0.2.10:5060", 0 },
	{ "sip", "media-ports", "20000-29999", 1 },
	{ "sip", "media-ports", "40000-40000", 1 },
	{ "sip", "media-ports", "30000-20000", 0 },
	{ "sip", "media-ports", "80-90", 0 },
	{ "sip", "media-ports", "20000-70000", 0 },
	{ "sip", "media-ports", "20000", 0 },
	{ "sip", "allow", "127.0.0.0/8, ::1", 1 },
	{ "sip", "allow", "", 1 },
	{ "sip", "allow", "10.1.2.3/8", 0 },
	{ "sip", "max-calls", "1", 1 },
	{ "sip", "max-calls", "10000", 1 },
	{ "sip", "max-calls", "0", 0 },
	{ "sip", "max-calls", "10001", 0 },
	{ "sip", "outbound-proxy", "sip:trunk.example.org", 1 },
	{ "sip", "outbound-proxy", "sips:trunk.example.org:5061;transport=tls", 1 },
	{ "sip", "outbound-proxy", "", 1 },
	{ "sip", "outbound-proxy", "trunk.example.org", 0 },
	{ "sip", "outbound-proxy", "sip:", 0 },
	{ "sip", "outbound-proxy", "sip:a b", 0 },
	{ "sip", "from", "sip:fax@gw.example.org", 1 },
	{ "sip", "from", "<sip:fax@gw.example.org>", 0 },
	{ "sip", "username", "", 1 },
	{ "sip", "password", "", 1 },
	{ "sip", "codecs", "pcma", 0 },
	/* a port with transport = sip */
	{ "sipport", "sip-user", "5550100", 1 },
	{ "sipport", "sip-user", "5550100, 5550101", 1 },
	{ "sipport", "sip-user", "*", 1 },
	{ "sipport", "sip-user", "fax, *", 1 },
	{ "sipport", "sip-user", "+15550100", 1 },
	{ "sipport", "sip-user", "a b", 0 },
	{ "sipport", "sip-user", "5550100,", 0 },
	{ "sipport", "sip-user", "fax@example.org", 0 },
	{ "sipport", "sip-user", "", 0 },
	{ "sipport", "channels", "1", 1 },
	{ "sipport", "channels", "1024", 1 },
	{ "sipport", "channels", "0", 0 },
	{ "sipport", "channels", "1025", 0 },
	{ "sipport", "t38", "offer", 1 },
	{ "sipport", "t38", "accept", 1 },
	{ "sipport", "t38", "no", 1 },
	{ "sipport", "t38", "yes", 0 },
	{ "sipport", "codecs", "pcma, pcmu", 1 },
	{ "sipport", "codecs", "PCMU", 1 },
	{ "sipport", "codecs", "pcmu, pcmu", 0 },
	{ "sipport", "codecs", "pcmu, g729", 0 },
	{ "sipport", "codecs", "pcmux", 0 },
	{ "sipport", "codecs", "", 0 },
	{ "sipport", "t38-max-datagram", "72", 1 },
	{ "sipport", "t38-max-datagram", "1400", 1 },
	{ "sipport", "t38-max-datagram", "71", 0 },
	{ "sipport", "t38-max-datagram", "1401", 0 },
	{ "sipport", "t38-version", "3", 1 },
	{ "sipport", "udptl-ec", "fec", 1 },
	{ "sipport", "local-ident", "+1 555 0100", 1 },
	{ "sipport", "ecm", "no", 1 },
	{ "sipport", "max-rate", "9600", 1 },
	{ "sipport", "listen", "127.0.0.1:4000", 0 },
	{ "sipport", "peer", "127.0.0.1:5000", 0 },
	{ "sipport", "allow", "127.0.0.1", 0 },
	{ "sipport", "codec", "pcmu", 0 },
	{ "t38", "sip-user", "5550100", 0 },
	{ "audio", "channels", "2", 0 },
	{ "t38", "t38", "offer", 0 },
	{ "audio", "codecs", "pcmu", 0 },
	{ "t38", "t38-max-datagram", "400", 0 },
};

/* The key is always on line 2, right after its section header. */
static void kv_text(const struct kv *t, char *buf, size_t len)
{
	bool port = strcmp(t->sec, "t38") == 0 || strcmp(t->sec, "audio") == 0;
	char rest[256] = "";

	if (strcmp(t->sec, "sipport") == 0) {
		snprintf(buf, len, "[port 1]\n%s = %s\ntransport = sip\n%s[sip]\n", t->key, t->val,
			 strcmp(t->key, "sip-user") != 0 ? "sip-user = 5550100\n" : "");
		return;
	}
	if (port) {
		if (strcmp(t->key, "transport") != 0)
			snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest),
				 "transport = %s\n", t->sec);
		if (strcmp(t->key, "listen") != 0)
			snprintf(rest + strlen(rest), sizeof(rest) - strlen(rest),
				 "listen = 127.0.0.1:4000\n");
		snprintf(buf, len, "[port 1]\n%s = %s\n%s", t->key, t->val, rest);
		return;
	}
	if (strcmp(t->sec, "mail") == 0 && strcmp(t->key, "from") != 0)
		snprintf(rest, sizeof(rest), "from = fax@example.org\n");
	snprintf(buf, len, "[%s]\n%s = %s\n%s" PORT1, t->sec, t->key, t->val, rest);
}

START_TEST(test_key_values)
{
	const struct kv *t = &kvs[_i];
	char text[1024];

	kv_text(t, text, sizeof(text));
	if (t->ok) {
		load_ok(text);
	} else {
		load_error(text, 2, t->key);
	}
}
END_TEST

/* --- parsed values ---------------------------------------------------------- */

START_TEST(test_gateway_defaults)
{
	load_ok(PORT1);
	ck_assert_str_eq(cfg->file, "t.conf");
	ck_assert_str_eq(cfg->spool, "/var/spool/faxgw");
	ck_assert_str_eq(cfg->state, "/var/lib/faxgw/faxgw.db");
	ck_assert_str_eq(cfg->control, "/run/faxgw/faxgw.sock");
	ck_assert_str_eq(cfg->extensions, "/usr/lib/faxgw/routing");
	ck_assert_str_eq(cfg->store_root, "/srv/fax");
	ck_assert_str_eq(cfg->exec_dir, "/etc/faxgw/routing.d");
	ck_assert_str_eq(cfg->admin_group, "faxadmin");
	ck_assert_str_eq(cfg->query_group, "faxops");
	ck_assert_uint_eq(cfg->retry_attempts, 5);
	ck_assert_uint_eq(cfg->retry_backoff_ms, 30000);
	ck_assert_uint_eq(cfg->history_s, 90 * 86400);
	ck_assert_uint_eq(cfg->retention_s, 0);
	ck_assert_str_eq(cfg->default_store_folder, "");
	ck_assert(!cfg->mail.present && !cfg->mail.valid);
	ck_assert_str_eq(cfg->mail.invalid_reason, "no [mail] section in the configuration");
	ck_assert(!cfg->http.present && !cfg->http.valid);
	ck_assert_str_eq(cfg->http.invalid_reason, "no [http] section in the configuration");
}
END_TEST

START_TEST(test_port_defaults)
{
	load_ok(PORT1);
	ck_assert_uint_eq(cfg->nports, 1);
	const struct config_port *p = &cfg->ports[0];
	ck_assert_uint_eq(p->id, 1);
	ck_assert_str_eq(p->name, "port 1");
	ck_assert_int_eq(p->transport, CONFIG_T38);
	ck_assert_str_eq(p->listen_text, "127.0.0.1:4000");
	ck_assert_int_eq(p->listen.ss_family, AF_INET);
	ck_assert(!p->has_peer);
	ck_assert_str_eq(p->peer_text, "");
	ck_assert_str_eq(p->local_ident, "");
	ck_assert(p->ecm);
	ck_assert_int_eq(p->max_rate, 14400);
	ck_assert_int_eq(p->t38_version, 0);
	ck_assert_int_eq(p->udptl_ec, CONFIG_EC_REDUNDANCY);
	ck_assert_int_eq(p->codec, CONFIG_PCMU);
	ck_assert_int_eq(p->line, 1);
}
END_TEST

START_TEST(test_values_parsed)
{
	load_ok("# header comment\n"
		"[gateway]\n"
		"  spool = /s   # trailing comment\n"
		"state = /st ; other comment\n"
		"retry = 7 2m\n"
		"history = 30d\n"
		"retention = 12h\n"
		"admin-group =\n"
		"\n"
		"[port 42]\n"
		"name = trunk#2 # a comment needs white space before the #\n"
		"transport = audio\n"
		"listen = [0:0:0:0:0:0:0:1]:4002\n"
		"peer = 127.0.0.1:5000\n"
		"local-ident = +49 30 1234\n"
		"ecm = off\n"
		"max-rate = 9600\n"
		"codec = pcma\n"
		"[mail]\n"
		"smtp-url = smtps://relay.example.org:465\n"
		"starttls = required\n"
		"from = Fax <fax@example.org>\n"
		"username = fax\n"
		"password = s3cr#t\n"
		"attach = pdf+tiff\n"
		"[http]\n"
		"timeout = 90s\n"
		"attach = tiff\n");
	ck_assert_str_eq(cfg->spool, "/s");
	ck_assert_str_eq(cfg->state, "/st");
	ck_assert_uint_eq(cfg->retry_attempts, 7);
	ck_assert_uint_eq(cfg->retry_backoff_ms, 120000);
	ck_assert_uint_eq(cfg->history_s, 30 * 86400);
	ck_assert_uint_eq(cfg->retention_s, 12 * 3600);
	ck_assert_str_eq(cfg->admin_group, "");
	const struct config_port *p = config_find_port(cfg, 42);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->name, "trunk#2");
	ck_assert_int_eq(p->transport, CONFIG_AUDIO);
	ck_assert_str_eq(p->listen_text, "[::1]:4002");
	ck_assert_int_eq(p->listen.ss_family, AF_INET6);
	ck_assert(p->has_peer);
	ck_assert_str_eq(p->peer_text, "127.0.0.1:5000");
	ck_assert_str_eq(p->local_ident, "+49 30 1234");
	ck_assert(!p->ecm);
	ck_assert_int_eq(p->max_rate, 9600);
	ck_assert_int_eq(p->codec, CONFIG_PCMA);
	ck_assert_int_eq(p->line, 10);
	ck_assert(cfg->mail.present && cfg->mail.valid);
	ck_assert_str_eq(cfg->mail.smtp_url, "smtps://relay.example.org:465");
	ck_assert_int_eq(cfg->mail.starttls, CONFIG_TLS_REQUIRED);
	ck_assert_str_eq(cfg->mail.from, "Fax <fax@example.org>");
	ck_assert_str_eq(cfg->mail.from_address, "fax@example.org");
	ck_assert_str_eq(cfg->mail.username, "fax");
	ck_assert_str_eq(cfg->mail.password, "s3cr#t");
	ck_assert(cfg->mail.attach_pdf && cfg->mail.attach_tiff);
	ck_assert(cfg->http.present && cfg->http.valid);
	ck_assert_uint_eq(cfg->http.timeout_ms, 90000);
	ck_assert(!cfg->http.attach_pdf && cfg->http.attach_tiff);
}
END_TEST

START_TEST(test_mail_defaults)
{
	load_ok(PORT1 "[mail]\nfrom = fax@example.org\n[http]\n");
	ck_assert_str_eq(cfg->mail.smtp_url, "smtp://127.0.0.1:25");
	ck_assert_int_eq(cfg->mail.starttls, CONFIG_TLS_AUTO);
	ck_assert_str_eq(cfg->mail.from_address, "fax@example.org");
	ck_assert(cfg->mail.attach_pdf && !cfg->mail.attach_tiff);
	ck_assert_str_eq(cfg->mail.username, "");
	ck_assert(cfg->http.present && cfg->http.valid);
	ck_assert_uint_eq(cfg->http.timeout_ms, 30000);
	ck_assert(cfg->http.attach_pdf && !cfg->http.attach_tiff);
}
END_TEST

START_TEST(test_mail_required)
{
	load_error(PORT1 "[mail]\nsmtp-url = smtp://relay\n", 4, "from is required");
	load_error(PORT1 "[mail]\nfrom = a@example.org\npassword = x\n", 4,
		   "password is set but username is not");
}
END_TEST

START_TEST(test_ports_sorted_and_found)
{
	load_ok("[port 7]\ntransport = t38\nlisten = 127.0.0.1:4007\n"
		"[port 2147483647]\ntransport = audio\nlisten = 127.0.0.1:4001\n"
		"[port 3]\ntransport = t38\nlisten = 127.0.0.1:4003\n");
	ck_assert_uint_eq(cfg->nports, 3);
	ck_assert_uint_eq(cfg->ports[0].id, 3);
	ck_assert_uint_eq(cfg->ports[1].id, 7);
	ck_assert_uint_eq(cfg->ports[2].id, 2147483647u);
	ck_assert_int_eq(cfg->ports[1].line, 1);
	ck_assert_ptr_eq(config_find_port(cfg, 7), &cfg->ports[1]);
	ck_assert_ptr_null(config_find_port(cfg, 4));
	ck_assert_ptr_null(config_find_port(NULL, 4));
}
END_TEST

START_TEST(test_crlf_tabs_and_no_final_newline)
{
	load_ok("[port 1]\r\n\ttransport\t=\tt38\t\r\nlisten=127.0.0.1:4000");
	ck_assert_str_eq(cfg->ports[0].listen_text, "127.0.0.1:4000");
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(config_transport_name(CONFIG_T38), "t38");
	ck_assert_str_eq(config_transport_name(CONFIG_AUDIO), "audio");
	ck_assert_str_eq(config_udptl_ec_name(CONFIG_EC_FEC), "fec");
	ck_assert_str_eq(config_udptl_ec_name(CONFIG_EC_REDUNDANCY), "redundancy");
	ck_assert_str_eq(config_udptl_ec_name(CONFIG_EC_NONE), "none");
	ck_assert_str_eq(config_codec_name(CONFIG_PCMA), "pcma");
	ck_assert_str_eq(config_codec_name(CONFIG_PCMU), "pcmu");
	ck_assert_str_eq(config_starttls_name(CONFIG_TLS_OFF), "off");
}
END_TEST

/* --- structure errors -------------------------------------------------------- */

START_TEST(test_unknown_key)
{
	load_error("[gateway]\nspoool = /x\n" PORT1, 2, "unknown key 'spoool' in [gateway]");
	load_error(PORT1 "colour = red\n", 4, "unknown key 'colour' in [port N]");
	load_error("[http]\nretry = 1 1s\n" PORT1, 2, "belongs in [gateway], not in [http]");
	load_error("[gateway]\ncodec = pcmu\n" PORT1, 2, "belongs in [port N]");
	load_error("[gateway]\nSpool = /x\n" PORT1, 2, "unknown key 'Spool'");
}
END_TEST

START_TEST(test_unknown_section)
{
	load_error("[routing]\nfoo = bar\n" PORT1, 1, "unknown section [routing]");
	load_error("[gateway\n" PORT1, 1, "does not end with ']'");
	load_error("[]\n" PORT1, 1, "unknown section []");
	load_error("[port]\n" PORT1, 1, "unknown section [port]");
	load_error("[Gateway]\n" PORT1, 1, "unknown section");
}
END_TEST

START_TEST(test_bad_port_ids)
{
	static const char *bad[] = { "0", "-1", "+1", "01", "2147483648", "99999999999999999999",
				     "1x", "x", "1 2" };
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), PORT1 "[port %s]\ntransport = t38\n"
			 "listen = 127.0.0.1:4001\n", bad[i]);
		load_error(text, 4, "port id must be a number from 1 to 2147483647");
	}
	load_ok("[ port   9 ]\ntransport = t38\nlisten = 127.0.0.1:4000\n");
	ck_assert_uint_eq(cfg->ports[0].id, 9);
}
END_TEST

START_TEST(test_key_outside_section)
{
	load_error("spool = /x\n" PORT1, 1, "key 'spool' outside any section");
	load_error("just words\n" PORT1, 1, "expected 'key = value' or '[section]'");
}
END_TEST

START_TEST(test_duplicates)
{
	load_error("[gateway]\nspool = /a\nspool = /b\n" PORT1, 3,
		   "duplicate key 'spool' (first at line 2)");
	load_error(PORT1 "[port 1]\ntransport = t38\nlisten = 127.0.0.1:4001\n", 4,
		   "duplicate port id 1 (first at line 1)");
	load_error("[gateway]\n[gateway]\n" PORT1, 2, "duplicate section [gateway] (first at line 1)");
	load_error(PORT1 "transport = audio\n", 4, "duplicate key 'transport'");
	/* A duplicate [mail] section keeps counting keys across both. */
	load_error(PORT1 "[mail]\nfrom = a@example.org\n[mail]\n", 6, "duplicate section [mail]");
}
END_TEST

START_TEST(test_missing_transport_and_listen)
{
	load_error("[port 5]\nlisten = 127.0.0.1:4000\n", 1,
		   "[port 5]: transport is required");
	load_error("[port 5]\ntransport = t38\n", 1, "[port 5]: listen is required");
	load_error("[gateway]\n", 0, "at least one port is required");
	load_error("", 0, "at least one port is required");
}
END_TEST

START_TEST(test_wrong_transport_keys)
{
	load_error("[port 1]\ncodec = pcma\ntransport = t38\nlisten = 127.0.0.1:4000\n", 2,
		   "codec: applies only to audio ports (port 1 is t38)");
	load_error("[port 1]\ntransport = audio\nlisten = 127.0.0.1:4000\nudptl-ec = fec\n", 4,
		   "udptl-ec: applies only to t38 and sip ports (port 1 is audio)");
}
END_TEST

#define SIPPORT(n, users) "[port " #n "]\ntransport = sip\nsip-user = " users "\n"

START_TEST(test_sip_defaults)
{
	load_ok("[sip]\n" SIPPORT(10, "5550100"));
	ck_assert(cfg->sip.present);
	ck_assert_int_eq(cfg->sip.line, 1);
	ck_assert_uint_eq(cfg->sip.nlisten, 2);
	ck_assert_int_eq(cfg->sip.listen[0].proto, CONFIG_SIP_UDP);
	ck_assert_str_eq(cfg->sip.listen[0].text, "127.0.0.1:5060");
	ck_assert_int_eq(cfg->sip.listen[1].proto, CONFIG_SIP_TCP);
	ck_assert_str_eq(cfg->sip.listen[1].text, "127.0.0.1:5060");
	ck_assert_uint_eq(cfg->sip.media_port_min, 20000);
	ck_assert_uint_eq(cfg->sip.media_port_max, 29999);
	ck_assert_uint_eq(cfg->sip.nallow, 2);
	ck_assert_int_eq(cfg->sip.max_calls, FGW_SIP_DEFAULT_CALLS);
	ck_assert_str_eq(cfg->sip.public_address, "");
	ck_assert_str_eq(cfg->sip.outbound_proxy, "");
	const struct config_port *p = &cfg->ports[0];
	ck_assert_int_eq(p->transport, CONFIG_SIP);
	ck_assert_uint_eq(p->listen_len, 0);
	ck_assert_uint_eq(p->nsip_users, 1);
	ck_assert_str_eq(p->sip_users[0], "5550100");
	ck_assert(!p->sip_any);
	ck_assert_int_eq(p->channels, 1);
	ck_assert_int_eq(p->t38, CONFIG_T38_OFFER);
	ck_assert_uint_eq(p->ncodecs, 2);
	ck_assert_int_eq(p->codecs[0], CONFIG_PCMA);
	ck_assert_int_eq(p->codecs[1], CONFIG_PCMU);
	ck_assert_int_eq(p->t38_max_datagram, 400);
	ck_assert_str_eq(config_transport_name(p->transport), "sip");
	/* No [sip]: nothing of it is present. */
	load_ok(PORT1);
	ck_assert(!cfg->sip.present);
}
END_TEST

START_TEST(test_sip_values)
{
	load_ok("[sip]\nlisten = tcp:[::1]:5070, udp:0.0.0.0:5080\npublic-address = 192.0.2.7\n"
		"media-ports = 30000-30100\nallow = 10.0.0.0/8\nmax-calls = 7\n"
		"outbound-proxy = sip:trunk.example.org\nfrom = sip:fax@gw.example.org\n"
		"[port 11]\ntransport = sip\nsip-user = 11, 12 , *\nchannels = 4\nt38 = no\n"
		"codecs = pcmu\nt38-max-datagram = 72\nt38-version = 3\nudptl-ec = fec\n"
		PORT1);
	ck_assert_uint_eq(cfg->sip.nlisten, 2);
	ck_assert_int_eq(cfg->sip.listen[0].proto, CONFIG_SIP_TCP);
	ck_assert_str_eq(cfg->sip.listen[0].text, "[::1]:5070");
	ck_assert_int_eq(cfg->sip.listen[1].proto, CONFIG_SIP_UDP);
	ck_assert_str_eq(cfg->sip.listen[1].text, "0.0.0.0:5080");
	ck_assert_str_eq(cfg->sip.public_address, "192.0.2.7");
	ck_assert_uint_eq(cfg->sip.media_port_min, 30000);
	ck_assert_uint_eq(cfg->sip.media_port_max, 30100);
	ck_assert_uint_eq(cfg->sip.nallow, 1);
	ck_assert_int_eq(cfg->sip.max_calls, 7);
	ck_assert_str_eq(cfg->sip.outbound_proxy, "sip:trunk.example.org");
	ck_assert_str_eq(cfg->sip.from, "sip:fax@gw.example.org");
	const struct config_port *p = config_find_port(cfg, 11);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nsip_users, 2);
	ck_assert_str_eq(p->sip_users[0], "11");
	ck_assert_str_eq(p->sip_users[1], "12");
	ck_assert(p->sip_any);
	ck_assert_int_eq(p->channels, 4);
	ck_assert_int_eq(p->t38, CONFIG_T38_NO);
	ck_assert_uint_eq(p->ncodecs, 1);
	ck_assert_int_eq(p->codecs[0], CONFIG_PCMU);
	ck_assert_int_eq(p->t38_max_datagram, 72);
	ck_assert_int_eq(p->t38_version, 3);
	ck_assert_int_eq(p->udptl_ec, CONFIG_EC_FEC);
	ck_assert_str_eq(config_t38_mode_name(p->t38), "no");
	ck_assert_str_eq(config_sip_proto_name(cfg->sip.listen[0].proto), "tcp");
}
END_TEST

START_TEST(test_sip_structure_errors)
{
	load_error(SIPPORT(10, "1"), 1, "[port 10]: transport = sip needs a [sip] section");
	load_error("[sip]\n[port 10]\ntransport = sip\n", 2, "[port 10]: sip-user is required");
	load_error("[sip]\n" SIPPORT(10, "1, 2") SIPPORT(11, "3, 2"), 5,
		   "[port 11]: sip-user 2 is already port 10's (line 2)");
	load_error("[sip]\n" SIPPORT(10, "1, 1"), 2, "[port 10]: sip-user 1 is already port 10's");
	load_error("[sip]\n" SIPPORT(10, "*") SIPPORT(11, "*"), 5,
		   "[port 11]: sip-user * is already port 10's (line 2)");
	load_error("[sip]\nusername = fax\n" SIPPORT(10, "1"), 1,
		   "[sip]: username and password go together");
	load_error("[sip]\npassword = x\n" SIPPORT(10, "1"), 1,
		   "[sip]: username and password go together");
	load_ok("[sip]\nusername = fax\npassword = x y\n" SIPPORT(10, "1"));
	ck_assert_str_eq(cfg->sip.username, "fax");
	ck_assert_str_eq(cfg->sip.password, "x y");
	load_error("[sip]\n[sip]\n" SIPPORT(10, "1"), 2, "duplicate section [sip]");
	/* A [sip] without sip ports is fine (it answers OPTIONS, and 404). */
	load_ok("[sip]\n" PORT1);
}
END_TEST

START_TEST(test_listen_conflicts)
{
	load_error(PORT1 "[port 2]\ntransport = audio\nlisten = 127.0.0.1:4000\n", 4,
		   "listen 127.0.0.1:4000 is already used by port 1 (line 1)");
	load_error(PORT1 "[port 2]\ntransport = audio\nlisten = 0.0.0.0:4000\n", 4,
		   "overlaps port 1's 127.0.0.1:4000");
	load_error("[port 1]\ntransport = t38\nlisten = [::1]:4000\n"
		   "[port 2]\ntransport = t38\nlisten = [0::1]:4000\n", 4, "already used by port 1");
	/* Same address, other UDP port; same UDP port, other family. */
	load_ok(PORT1 "[port 2]\ntransport = audio\nlisten = 127.0.0.1:4001\n"
		"[port 3]\ntransport = audio\nlisten = [::1]:4000\n");
	/* [::] is dual-stack: it takes IPv4 on its UDP port too. */
	load_error(PORT1 "[port 2]\ntransport = audio\nlisten = [::]:4000\n", 4,
		   "listen [::]:4000 overlaps port 1's 127.0.0.1:4000");
	load_error("[port 1]\ntransport = t38\nlisten = [::]:4000\n"
		   "[port 2]\ntransport = t38\nlisten = 0.0.0.0:4000\n", 4,
		   "overlaps port 1's [::]:4000");
	load_ok("[port 1]\ntransport = t38\nlisten = [::]:4000\n"
		"[port 2]\ntransport = t38\nlisten = 127.0.0.1:4001\n");
}
END_TEST

START_TEST(test_name_not_utf8)
{
	load_error("[port 1]\nname = caf\xe9\ntransport = t38\nlisten = 127.0.0.1:4000\n", 2,
		   "a name must be UTF-8 text");
	load_error("[port 1]\nname = a\xc2\x85z\ntransport = t38\nlisten = 127.0.0.1:4000\n", 2,
		   "a name must be UTF-8 text");
	load_ok("[port 1]\nname = caf\xc3\xa9\ntransport = t38\nlisten = 127.0.0.1:4000\n");
}
END_TEST

START_TEST(test_listen_multicast)
{
	load_error("[port 1]\ntransport = t38\nlisten = 239.1.2.3:4000\n", 3,
		   "'239.1.2.3:4000' is a multicast address");
	load_error("[port 1]\ntransport = t38\nlisten = [ff02::1]:4000\n", 3,
		   "'[ff02::1]:4000' is a multicast address");
}
END_TEST

START_TEST(test_control_socket_too_long)
{
	char text[512], path[200];

	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), "[gateway]\ncontrol = %s\n" PORT1, path);
	load_error(text, 2, "at most 107 fit a Unix-domain socket address");
	path[107] = '\0';
	snprintf(text, sizeof(text), "[gateway]\ncontrol = %s\n" PORT1, path);
	load_ok(text);
}
END_TEST

START_TEST(test_value_required_and_long)
{
	char text[FGW_MAX_PATH + 256];
	char name[FGW_MAX_NAME + 1];

	load_error("[gateway]\nstate =\n" PORT1, 2, "state: a value is required");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text), PORT1 "name = %s\n", name);
	load_error(text, 4, "name: value too long");
	name[sizeof(name) - 2] = '\0';
	snprintf(text, sizeof(text), PORT1 "name = %s\n", name);
	load_ok(text);
}
END_TEST

START_TEST(test_too_many_ports)
{
	size_t n = FGW_MAX_PORTS + 1;
	char *text = malloc(n * 80);
	size_t used = 0;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 1; i <= n; i++)
		used += (size_t)sprintf(text + used, "[port %zu]\ntransport = t38\n"
					"listen = 127.%zu.%zu.1:4000\n", i, i / 256, i % 256);
	ck_assert_int_eq(config_load_string("t.conf", text, used, &cfg, errs), -1);
	ck_assert_uint_eq(errs->n, 1);
	ck_assert(strstr(errs->msg[0], "too many ports (at most 8192)") != NULL);
	ck_assert_int_eq(atoi(errs->msg[0] + 7), (int)(FGW_MAX_PORTS * 3 + 1));
	/* The largest allowed number of ports loads. */
	size_t all_but_last = (size_t)(strrchr(text, '[') - text);
	ck_assert_int_eq(config_load_string("t.conf", text, all_but_last, &cfg, errs), 0);
	ck_assert_uint_eq(cfg->nports, FGW_MAX_PORTS);
	free(text);
}
END_TEST

/* --- all errors collected, with line numbers ---------------------------------- */

START_TEST(test_all_errors_collected)
{
	ck_assert_int_eq(load("[gateway]\n"                    /* 1 */
			      "spool = relative\n"             /* 2: error */
			      "[port 1]\n"                     /* 3 */
			      "transport = t38\n"              /* 4 */
			      "max-rate = 9601\n"              /* 5: error */
			      "listen = 127.0.0.1:4000\n"      /* 6 */
			      "bogus = 1\n"),                  /* 7: error */
			 -1);
	if (errs->n != 3)
		dump_errors();
	ck_assert_uint_eq(errs->n, 3);
	ck_assert_uint_eq(errs->dropped, 0);
	ck_assert(strncmp(errs->msg[0], "t.conf:2: spool: ", 17) == 0);
	ck_assert(strncmp(errs->msg[1], "t.conf:5: max-rate: ", 20) == 0);
	ck_assert(strncmp(errs->msg[2], "t.conf:7: unknown key 'bogus'", 29) == 0);
}
END_TEST

START_TEST(test_errors_sorted_by_line)
{
	/* The missing transport is found at the end of the section but
	 * reported at the header line, before the later errors. */
	ck_assert_int_eq(load("[port 1]\nlisten = 127.0.0.1:4000\nfoo = 1\n"), -1);
	ck_assert_uint_eq(errs->n, 2);
	ck_assert(strncmp(errs->msg[0], "t.conf:1: ", 10) == 0);
	ck_assert(strncmp(errs->msg[1], "t.conf:3: ", 10) == 0);
}
END_TEST

START_TEST(test_error_cap)
{
	size_t n = FGW_MAX_CONFIG_ERRORS + 50;
	char *text = malloc(n * 8 + 64);
	size_t used = (size_t)sprintf(text, "[gateway]\n");

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		used += (size_t)sprintf(text + used, "x = 1\n");
	ck_assert_int_eq(load(text), -1);
	ck_assert_uint_eq(errs->n, FGW_MAX_CONFIG_ERRORS);
	ck_assert_uint_eq(errs->dropped, 51);   /* 50 keys + no port */
	ck_assert(strncmp(errs->msg[FGW_MAX_CONFIG_ERRORS - 1], "t.conf:101: ", 12) == 0);
	free(text);
}
END_TEST

START_TEST(test_errors_in_bad_port_sections_reported)
{
	/* A duplicate port section is still checked, so its errors show too. */
	ck_assert_int_eq(load(PORT1 "[port 1]\ntransport = fax\nlisten = 127.0.0.1:4001\n"), -1);
	ck_assert_uint_eq(errs->n, 2);
	ck_assert(strstr(errs->msg[0], "t.conf:4: duplicate port id") != NULL);
	ck_assert(strstr(errs->msg[1], "t.conf:5: transport:") != NULL);
}
END_TEST

/* --- line-level errors ------------------------------------------------------------ */

START_TEST(test_line_too_long)
{
	size_t n = FGW_MAX_CONFIG_LINE + 10;
	char *text = malloc(n + 128);

	ck_assert_ptr_nonnull(text);
	strcpy(text, PORT1 "name = ");
	size_t used = strlen(text);
	memset(text + used, 'x', n);
	strcpy(text + used + n, "\nbogus = 1\n");
	ck_assert_int_eq(load(text), -1);
	ck_assert_uint_eq(errs->n, 2);
	ck_assert(strstr(errs->msg[0], "t.conf:4: line too long") != NULL);
	ck_assert(strstr(errs->msg[1], "t.conf:5: unknown key") != NULL);
	free(text);
}
END_TEST

START_TEST(test_nul_and_control_bytes)
{
	static const char nul[] = "[port 1]\ntransport = t38\x00x\nlisten = 127.0.0.1:4000\n";

	ck_assert_int_eq(config_load_string("t.conf", nul, sizeof(nul) - 1, &cfg, errs), -1);
	ck_assert_uint_eq(errs->n, 2);
	ck_assert_str_eq(errs->msg[0], "t.conf:1: [port 1]: transport is required (t38, audio or sip)");
	ck_assert_str_eq(errs->msg[1], "t.conf:2: NUL byte in line");
	load_error(PORT1 "name = a\x1b[31m\n", 4, "control character 0x1b");
	load_error(PORT1 "name = a\rb\n", 4, "control character 0x0d");
}
END_TEST

START_TEST(test_text_too_big)
{
	size_t n = FGW_MAX_CONFIG_SIZE + 1;
	char *text = malloc(n);

	ck_assert_ptr_nonnull(text);
	memset(text, '\n', n);
	ck_assert_int_eq(config_load_string("t.conf", text, n, &cfg, errs), -1);
	ck_assert_uint_eq(errs->n, 1);
	ck_assert(strstr(errs->msg[0], "t.conf: file too big") == errs->msg[0]);
	free(text);
}
END_TEST

/* --- files ------------------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_file_missing)
{
	ck_assert_int_eq(config_load_file("/nonexistent/faxgw.conf", &cfg, errs), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs->n, 1);
	ck_assert_str_eq(errs->msg[0], "/nonexistent/faxgw.conf: cannot open: "
			 "No such file or directory");
}
END_TEST

START_TEST(test_file_directory)
{
	ck_assert_int_eq(config_load_file("/", &cfg, errs), -1);
	ck_assert_uint_eq(errs->n, 1);
	ck_assert_str_eq(errs->msg[0], "/: cannot read: Is a directory");
}
END_TEST

START_TEST(test_file_ok_and_errors)
{
	char path[] = "/tmp/faxgw-test-config-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, PORT1);
	ck_assert_int_eq(config_load_file(path, &cfg, errs), 0);
	ck_assert_str_eq(cfg->file, path);
	ck_assert_uint_eq(cfg->nports, 1);
	config_free(cfg);
	cfg = NULL;
	write_file(path, "[gateway]\nspool = x\n" PORT1);
	ck_assert_int_eq(config_load_file(path, &cfg, errs), -1);
	ck_assert_uint_eq(errs->n, 1);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s:2: spool:", path);
	ck_assert(strncmp(errs->msg[0], prefix, strlen(prefix)) == 0);
	/* A load resets the previous errors. */
	write_file(path, PORT1);
	ck_assert_int_eq(config_load_file(path, &cfg, errs), 0);
	ck_assert_uint_eq(errs->n, 0);
	unlink(path);
}
END_TEST

START_TEST(test_file_too_big)
{
	char path[] = "/tmp/faxgw-test-config-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)FGW_MAX_CONFIG_SIZE + 100), 0);
	close(fd);
	ck_assert_int_eq(config_load_file(path, &cfg, errs), -1);
	ck_assert_uint_eq(errs->n, 1);
	ck_assert(strstr(errs->msg[0], ": file too big (more than") != NULL);
	unlink(path);
}
END_TEST

START_TEST(test_null_errors)
{
	ck_assert_int_eq(config_load_string("t.conf", "[x]\n", 4, &cfg, NULL), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(config_load_string("t.conf", PORT1, strlen(PORT1), &cfg, NULL), 0);
	ck_assert_ptr_nonnull(cfg);
	config_free(NULL);
}
END_TEST

/* allow: each prefix parsed, in order; matching v4, v6 and v4-mapped
 * sources; the cap; an error names the entry and the line. */
START_TEST(test_port_allow)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	char text[4096];
	int n;

	load_ok(PORT1 "allow = 10.1.0.0/16 , 2001:db8::/32,192.0.2.1\n");
	const struct config_port *pt = &cfg->ports[0];
	ck_assert_uint_eq(pt->nallow, 3);
	ck_assert_int_eq(pt->allow[0].family, AF_INET);
	ck_assert_uint_eq(pt->allow[0].prefix, 16);
	ck_assert_int_eq(pt->allow[1].family, AF_INET6);
	ck_assert_uint_eq(pt->allow[1].prefix, 32);
	ck_assert_uint_eq(pt->allow[2].prefix, 32);
	inet_pton(AF_INET, "10.1.200.3", &in4.sin_addr);
	ck_assert(fgwx_cidr_allowed(pt->allow, pt->nallow, (struct sockaddr *)&in4));
	inet_pton(AF_INET, "10.2.0.1", &in4.sin_addr);
	ck_assert(!fgwx_cidr_allowed(pt->allow, pt->nallow, (struct sockaddr *)&in4));
	inet_pton(AF_INET6, "2001:db8:1::5", &in6.sin6_addr);
	ck_assert(fgwx_cidr_allowed(pt->allow, pt->nallow, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "2001:db9::5", &in6.sin6_addr);
	ck_assert(!fgwx_cidr_allowed(pt->allow, pt->nallow, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &in6.sin6_addr);
	ck_assert(fgwx_cidr_allowed(pt->allow, pt->nallow, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "::ffff:192.0.2.2", &in6.sin6_addr);
	ck_assert(!fgwx_cidr_allowed(pt->allow, pt->nallow, (struct sockaddr *)&in6));

	load_ok(PORT1 "allow =\n");
	ck_assert_uint_eq(cfg->ports[0].nallow, 0);
	ck_assert(fgwx_cidr_allowed(cfg->ports[0].allow, 0, (struct sockaddr *)&in4));

	n = snprintf(text, sizeof(text), PORT1 "allow = ");
	for (int i = 0; i < FGW_MAX_ALLOW; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s10.%d.0.0/16", i ? "," : "", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "\n");
	load_ok(text);
	ck_assert_uint_eq(cfg->ports[0].nallow, FGW_MAX_ALLOW);
	snprintf(text + n, sizeof(text) - (size_t)n, ",11.0.0.0/8\n");
	load_error(text, 4, "allow: more than");

	load_error(PORT1 "allow = 10.0.0.0/8, 10.0.0.1/8\n", 4,
		   "allow: '10.0.0.1/8': address has bits set after the prefix length");
	load_error(PORT1 "allow = 10.0.0.0/8, bad\n", 4, "allow: 'bad': not an IPv4 or IPv6");
	load_error(PORT1 "allow = ::1/200\n", 4, "prefix length is not 0..128");
}
END_TEST

START_TEST(test_example_file)
{
	const char *top = getenv("FAXGW_TOP");
	char path[FGW_MAX_PATH];

	snprintf(path, sizeof(path), "%s/docs/faxgw.conf.example", top ? top : ".");
	if (config_load_file(path, &cfg, errs) != 0) {
		dump_errors();
		ck_abort_msg("the example configuration is rejected");
	}
	ck_assert_uint_eq(cfg->nports, 2);
	ck_assert_str_eq(cfg->ports[0].name, "t38-trunk-a");
	ck_assert_str_eq(cfg->ports[0].peer_text, "127.0.0.1:5000");
	ck_assert_str_eq(cfg->ports[0].local_ident, "+1 555 0100");
	ck_assert_str_eq(cfg->ports[1].listen_text, "[::1]:4002");
	ck_assert(cfg->mail.valid && cfg->http.valid);
	ck_assert_str_eq(cfg->mail.from_address, "fax@example.org");
}
END_TEST

/* --- the embedded default ------------------------------------------------------------ */

START_TEST(test_default)
{
	ck_assert_int_eq(config_load_default("/tmp/top", &cfg, errs), 0);
	ck_assert_str_eq(cfg->file, "(embedded default)");
	ck_assert_str_eq(cfg->spool, "/tmp/top/var/spool");
	ck_assert_str_eq(cfg->state, "/tmp/top/var/faxgw.db");
	ck_assert_str_eq(cfg->control, "/tmp/top/var/faxgw.sock");
	ck_assert_str_eq(cfg->store_root, "/tmp/top/var/fax");
	ck_assert_str_eq(cfg->exec_dir, "/tmp/top/var/routing.d");
	ck_assert_str_eq(cfg->extensions, FAXGW_BUILD_DIR "/routing");
	ck_assert_str_eq(cfg->admin_group, "");
	ck_assert_str_eq(cfg->query_group, "");
	ck_assert_uint_eq(cfg->history_s, 90 * 86400);
	ck_assert_uint_eq(cfg->retention_s, 0);
	ck_assert_str_eq(cfg->default_store_folder, "/tmp/top/var/fax/inbox");
	ck_assert_uint_eq(cfg->retry_attempts, 5);
	ck_assert_uint_eq(cfg->nports, 3);
	const struct config_port *t = config_find_port(cfg, 1), *a = config_find_port(cfg, 2);
	const struct config_port *sp = config_find_port(cfg, 3);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(sp);
	/* SIP on 127.0.0.1:5060, udp and tcp, port 3 answers every user */
	ck_assert(cfg->sip.present);
	ck_assert_uint_eq(cfg->sip.nlisten, 2);
	ck_assert_str_eq(cfg->sip.listen[0].text, "127.0.0.1:5060");
	ck_assert_int_eq(sp->transport, CONFIG_SIP);
	ck_assert(sp->sip_any);
	ck_assert_int_eq(sp->channels, 4);
	ck_assert_int_eq(sp->t38, CONFIG_T38_OFFER);
	ck_assert_str_eq(t->name, "t38-1");
	ck_assert_int_eq(t->transport, CONFIG_T38);
	ck_assert_str_eq(t->listen_text, "127.0.0.1:4000");
	ck_assert_str_eq(a->name, "audio-2");
	ck_assert_int_eq(a->transport, CONFIG_AUDIO);
	ck_assert_int_eq(a->codec, CONFIG_PCMU);
	ck_assert_str_eq(a->listen_text, "127.0.0.1:4002");
	/* e-mail goes to the local mail server, so it can be enabled at once */
	ck_assert(cfg->mail.present && cfg->mail.valid);
	ck_assert_str_eq(cfg->mail.smtp_url, "smtp://127.0.0.1:25");
	ck_assert(cfg->http.present && cfg->http.valid);
}
END_TEST

START_TEST(test_default_topdirs)
{
	ck_assert_int_eq(config_load_default("/", &cfg, errs), 0);
	ck_assert_str_eq(cfg->spool, "/var/spool");
	ck_assert_str_eq(cfg->default_store_folder, "/var/fax/inbox");
	config_free(cfg);
	ck_assert_int_eq(config_load_default("/a b/c#d/", &cfg, errs), 0);
	ck_assert_str_eq(cfg->state, "/a b/c#d/var/faxgw.db");
	config_free(cfg);
	cfg = NULL;
	ck_assert_int_eq(config_load_default("/a\nb", &cfg, errs), -1);
	ck_assert_uint_eq(errs->n, 1);
	ck_assert(strncmp(errs->msg[0], "(embedded default): ", 20) == 0);
	ck_assert_int_eq(config_load_default("/a #b", &cfg, errs), -1);
	ck_assert_int_eq(config_load_default(" /a", &cfg, errs), -1);
}
END_TEST

START_TEST(test_default_text_is_config)
{
	const char *t = config_default_text();

	ck_assert_ptr_nonnull(strstr(t, "@TOP@"));
	/* Relative paths are allowed only for the embedded default. */
	ck_assert_int_eq(load(t), -1);
	ck_assert(strstr(errs->msg[0], "is not an absolute path") != NULL);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_key_values, 0, (int)(sizeof(kvs) / sizeof(kvs[0])));
	tcase_add_test(tc, test_sip_defaults);
	tcase_add_test(tc, test_sip_values);
	tcase_add_test(tc, test_sip_structure_errors);
	tcase_add_test(tc, test_gateway_defaults);
	tcase_add_test(tc, test_port_defaults);
	tcase_add_test(tc, test_values_parsed);
	tcase_add_test(tc, test_mail_defaults);
	tcase_add_test(tc, test_mail_required);
	tcase_add_test(tc, test_ports_sorted_and_found);
	tcase_add_test(tc, test_crlf_tabs_and_no_final_newline);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_port_allow);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_unknown_section);
	tcase_add_test(tc, test_bad_port_ids);
	tcase_add_test(tc, test_key_outside_section);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_missing_transport_and_listen);
	tcase_add_test(tc, test_wrong_transport_keys);
	tcase_add_test(tc, test_listen_conflicts);
	tcase_add_test(tc, test_listen_multicast);
	tcase_add_test(tc, test_name_not_utf8);
	tcase_add_test(tc, test_control_socket_too_long);
	tcase_add_test(tc, test_value_required_and_long);
	tcase_add_test(tc, test_too_many_ports);
	tcase_add_test(tc, test_all_errors_collected);
	tcase_add_test(tc, test_errors_sorted_by_line);
	tcase_add_test(tc, test_error_cap);
	tcase_add_test(tc, test_errors_in_bad_port_sections_reported);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_nul_and_control_bytes);
	tcase_add_test(tc, test_text_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file_missing);
	tcase_add_test(tc, test_file_directory);
	tcase_add_test(tc, test_file_ok_and_errors);
	tcase_add_test(tc, test_file_too_big);
	tcase_add_test(tc, test_null_errors);
	tcase_add_test(tc, test_example_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("default");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_default);
	tcase_add_test(tc, test_default_topdirs);
	tcase_add_test(tc, test_default_text_is_config);
	suite_add_tcase(s, tc);
	return s;
}
