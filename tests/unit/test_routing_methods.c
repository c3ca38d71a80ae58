/*
 * test_routing_methods.c - the methods that reach servers: Route through
 * e-mail (mail.so), Post to URL (post_url.so) and Print (print.so).
 *
 * Each extension is loaded from the build directory with dlopen, as faxgwd
 * loads it, with a host table whose config_value answers from the test.
 * Real servers run on loopback ports picked per test, started from
 * tests/integration/routing_servers/: an aiosmtpd SMTP server (Debian's
 * /usr/bin/python3 and python3-aiosmtpd) that delivers into a Maildir and
 * unpacks each message, an http.server that unpacks each multipart POST,
 * and a private cupsd with a raw queue whose backend keeps each job's
 * document.  The PDFs that come out are compared with the fax through
 * poppler-utils (test_pdf.h).  A test whose server cannot run here says
 * "SKIP:" with the reason and passes.
 */
#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <faxgw/routing.h>

#include "caps.h"
#include "test_pdf.h"
#include "testdoc.h"

Suite *routing_methods_suite(void);

#define TRM_MAIL_GUID "{6bbf7bfe-9af2-11d0-abf7-00c04fd91a4e}"
#define TRM_PRINT_GUID "{aec1b37c-9af2-11d0-abf7-00c04fd91a4e}"
#define TRM_POST_GUID "{8a44b9b6-cac8-4541-a637-931de608809c}"
#define TRM_STORE_GUID "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"
#define TRM_PY "/usr/bin/python3"
#define TRM_MAX_CFG 16

static char trm_root[256];
static char trm_fax_path[512];
static fgw_fax trm_fax;
static pid_t trm_server = -1;
static unsigned trm_port;

/* --- the host ---------------------------------------------------------------------------- */

struct trm_kv {
	const char *section, *key, *value;
};
static struct trm_kv trm_cfg[TRM_MAX_CFG];
static size_t trm_ncfg;
static char trm_guid[64], trm_function[128];

static void trm_set(const char *section, const char *key, const char *value)
{
	for (size_t i = 0; i < trm_ncfg; i++) {
		if (strcmp(trm_cfg[i].section, section) == 0 && strcmp(trm_cfg[i].key, key) == 0) {
			trm_cfg[i].value = value;
			return;
		}
	}
	ck_assert_uint_lt(trm_ncfg, TRM_MAX_CFG);
	trm_cfg[trm_ncfg++] = (struct trm_kv){ section, key, value };
}

static const char *trm_config_value(void *host, const char *section, const char *key)
{
	(void)host;
	for (size_t i = 0; i < trm_ncfg; i++)
		if (strcmp(trm_cfg[i].section, section) == 0 && strcmp(trm_cfg[i].key, key) == 0)
			return trm_cfg[i].value;
	return NULL;
}

static int trm_register(void *host, const char *guid, const char *function_name,
			const char *friendly_name)
{
	(void)host;
	(void)friendly_name;
	snprintf(trm_guid, sizeof(trm_guid), "%s", guid);
	snprintf(trm_function, sizeof(trm_function), "%s", function_name);
	return 0;
}

static void trm_log(void *host, int level, const char *fmt, ...)
{
	(void)host;
	(void)level;
	(void)fmt;
}

static const fgw_route_host trm_host = {
	.abi_version = FGW_ROUTING_ABI_VERSION,
	.host = NULL,
	.store_root = "/nonexistent",
	.exec_dir = "/nonexistent",
	.spool_dir = "/nonexistent",
	.register_method = trm_register,
	.log = trm_log,
	.config_value = trm_config_value,
};

/* A loaded method. */
struct trm_method {
	void *handle;
	fgw_route_extension ext;
	fgw_routing_fn fn;
};

static void trm_load(const char *so, const char *guid, struct trm_method *m)
{
	char path[1024], err[512] = "";
	fgw_routing_init_fn init;

	snprintf(path, sizeof(path), "%s/routing/%s", FAXGW_BUILD_DIR, so);
	memset(m, 0, sizeof(*m));
	m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(m->handle != NULL, "dlopen %s: %s (build it first)", path, dlerror());
	*(void **)&init = dlsym(m->handle, FGW_ROUTING_ENTRY_NAME);
	ck_assert_ptr_nonnull(init);
	ck_assert_msg(init(&trm_host, &m->ext, err, sizeof(err)) == 0, "init: %s", err);
	ck_assert_str_eq(trm_guid, guid);
	*(void **)&m->fn = dlsym(m->handle, trm_function);
	ck_assert_msg(m->fn != NULL, "no routing function %s", trm_function);
}

/* validate (enable = 0) or can_enable (1) on text data; 0 or -1 (reason). */
static int trm_check(const struct trm_method *m, int enable, const char *data, char *reason,
		     size_t reasonlen)
{
	fgw_route_validate_fn fn = enable ? m->ext.can_enable : m->ext.validate;

	reason[0] = '\0';
	return fn(&trm_host, trm_guid, 1, data, strlen(data), reason, reasonlen);
}

static fgw_route_status trm_route(const struct trm_method *m, const char *data, char *msg,
				  size_t msglen)
{
	msg[0] = '\0';
	return m->fn(&trm_host, &trm_fax, data, strlen(data), msg, msglen);
}

/* --- files and processes -------------------------------------------------------------------- */

static const char *trm_p(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *trm_p(const char *fmt, ...)
{
	static char buf[8][700];
	static unsigned next;
	char *p = buf[next++ % 8], rel[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(p, sizeof(buf[0]), "%s/%s", trm_root, rel);
	return p;
}

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static char *trm_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			if (len != NULL)
				*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void trm_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static int trm_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Asserts that the file holds needle. */
static void trm_contains(const char *path, const char *needle)
{
	char *text = trm_slurp(path, NULL);

	ck_assert_msg(text != NULL, "%s is missing", path);
	ck_assert_msg(strstr(text, needle) != NULL, "%s lacks '%s':\n%s", path, needle, text);
	free(text);
}

static int trm_same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *x = trm_slurp(a, &la), *y = trm_slurp(b, &lb);
	int same = x != NULL && y != NULL && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

/* The PDF at path is a valid PDF whose pages are the fax's. */
static void trm_pdf_is_fax(const char *path)
{
	size_t len = 0;
	char *pdf = trm_slurp(path, &len), why[512] = "";
	long d;

	ck_assert_msg(pdf != NULL, "%s is missing", path);
	ck_assert_int_eq(test_pdf_structure((unsigned char *)pdf, len, why, sizeof(why)), 3);
	free(pdf);
	if (!test_pdf_have_poppler()) {
		printf("SKIP: pixel comparison of %s: poppler-utils is not installed\n", path);
		return;
	}
	d = test_pdf_compare(path, trm_fax_path, why, sizeof(why));
	ck_assert_msg(d == 0, "%s: %ld pixels differ from the fax %s", path, d, why);
}

static int trm_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static unsigned trm_free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(s >= 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(s);
	return port;
}

static int trm_port_open(unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0), ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(s);
	return ok;
}

/* The test sources (for the server scripts). */
static const char *trm_top(void)
{
	static char top[1024];
	const char *env = getenv("FAXGW_TOP");
	char *slash;

	if (env != NULL && env[0] != '\0')
		return env;
	snprintf(top, sizeof(top), "%s", FAXGW_BUILD_DIR);
	slash = strrchr(top, '/');
	if (slash != NULL)
		*slash = '\0';
	return top;
}

/* Starts a server (argv[0] absolute) that dies with this test process;
 * output into root/server.log. */
static pid_t trm_spawn(char *const argv[])
{
	pid_t pid = fork();

	ck_assert(pid >= 0);
	if (pid == 0) {
		int fd = open(trm_p("server.log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Waits up to 10 s for the server (ready file or open port).  NULL when
 * it runs, else why it does not (the server's output). */
static const char *trm_wait_ready(const char *ready_file, unsigned port)
{
	static char why[600];
	int status;

	for (int i = 0; i < 200; i++) {
		if (ready_file != NULL ? trm_exists(ready_file) : trm_port_open(port))
			return NULL;
		if (waitpid(trm_server, &status, WNOHANG) == trm_server) {
			char *log = trm_slurp(trm_p("server.log"), NULL);
			snprintf(why, sizeof(why), "the server exited (status %d): %.500s",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1, log ? log : "");
			free(log);
			trm_server = -1;
			return why;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return "the server did not become ready within 10 s";
}

/* A server whose dependencies are installed must start. */
static void trm_server_must_run(const char *why)
{
	ck_assert_msg(why == NULL, "%s", why);
}

static void trm_stop_server(void)
{
	if (trm_server > 0) {
		kill(trm_server, SIGTERM);
		waitpid(trm_server, NULL, 0);
		trm_server = -1;
	}
}

/* --- fixtures --------------------------------------------------------------------------------- */

static void trm_setup(void)
{
	snprintf(trm_root, sizeof(trm_root), "/tmp/faxgw-rm-XXXXXX");
	ck_assert(mkdtemp(trm_root) != NULL);
	chmod(trm_root, 0755);
	snprintf(trm_fax_path, sizeof(trm_fax_path), "%s/fax 42.tif", trm_root);
	ck_assert_int_eq(testdoc_make(trm_fax_path, 3, TESTDOC_MIXED, 42), 0);
	trm_fax = (fgw_fax){
		.job_id = 42, .port_id = 1, .port_name = "t38-trunk-a", .path = trm_fax_path,
		.remote_ident = "+1 555 0199", .local_ident = "+1 555 0100",
		.caller_address = "127.0.0.1:5000", .start_time = 1764100000,
		.end_time = 1764100042, .pages = 3, .x_resolution = 8031, .y_resolution = 3850,
		.bit_rate = 14400, .ecm = 1, .t30_status = 0, .t30_text = "OK", .partial = 0,
	};
	trm_ncfg = 0;
	trm_server = -1;
}

static void trm_teardown(void)
{
	trm_stop_server();
	nftw(trm_root, trm_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Starts the SMTP server into root/smtp (requiring AUTH with auth =
 * "user:password" unless NULL); NULL, or why it cannot run. */
static const char *trm_start_smtp_auth(const char *auth)
{
	char script[1200], dir[700], port[16];

	if (access(TRM_PY, X_OK) != 0)
		return TRM_PY " is not installed";
	if (system(TRM_PY " -c 'import aiosmtpd' 2>/dev/null") != 0)
		return "python3-aiosmtpd is not installed";
	snprintf(script, sizeof(script), "%s/tests/integration/routing_servers/smtp_server.py",
		 trm_top());
	snprintf(dir, sizeof(dir), "%s", trm_p("smtp"));
	mkdir(dir, 0755);
	trm_port = trm_free_port();
	snprintf(port, sizeof(port), "%u", trm_port);
	{
		char *argv[] = { TRM_PY, script, port, dir, (char *)auth, NULL };
		trm_server = trm_spawn(argv);
	}
	trm_server_must_run(trm_wait_ready(trm_p("smtp/ready"), 0));
	return NULL;
}

static const char *trm_start_smtp(void)
{
	return trm_start_smtp_auth(NULL);
}

static const char *trm_start_http(void)
{
	char script[1200], dir[700], port[16];

	if (access(TRM_PY, X_OK) != 0)
		return TRM_PY " is not installed";
	snprintf(script, sizeof(script), "%s/tests/integration/routing_servers/http_server.py",
		 trm_top());
	snprintf(dir, sizeof(dir), "%s", trm_p("http"));
	mkdir(dir, 0755);
	trm_port = trm_free_port();
	snprintf(port, sizeof(port), "%u", trm_port);
	{
		char *argv[] = { TRM_PY, script, port, dir, NULL };
		trm_server = trm_spawn(argv);
	}
	trm_server_must_run(trm_wait_ready(trm_p("http/ready"), 0));
	return NULL;
}

static const char *trm_start_cupsd(void)
{
	static char env[64];
	char script[1200], dir[700], port[16];

	if (access("/usr/sbin/cupsd", X_OK) != 0)
		return "/usr/sbin/cupsd (Debian package cups-daemon) is not installed";
	snprintf(script, sizeof(script), "%s/tests/integration/routing_servers/cupsd.sh",
		 trm_top());
	snprintf(dir, sizeof(dir), "%s", trm_p("cups"));
	mkdir(dir, 0755);
	trm_port = trm_free_port();
	snprintf(port, sizeof(port), "%u", trm_port);
	snprintf(env, sizeof(env), "127.0.0.1:%u", trm_port);
	setenv("CUPS_SERVER", env, 1);
	{
		char *argv[] = { "/bin/sh", script, port, dir, NULL };
		trm_server = trm_spawn(argv);
	}
	return trm_wait_ready(NULL, trm_port);
}

#define TRM_SKIP_IF(why) do { \
	const char *w_ = (why); \
	if (w_ != NULL) { \
		printf("SKIP: %s: %s\n", __func__, w_); \
		return; \
	} \
} while (0)

/* --- Route through e-mail -------------------------------------------------------------------- */

static void trm_mail_config(const char *url)
{
	trm_set("mail", "valid", "yes");
	trm_set("mail", "smtp-url", url);
	trm_set("mail", "starttls", "auto");
	trm_set("mail", "from", "Fax Gateway <fax@example.org>");
	trm_set("mail", "from-address", "fax@example.org");
	trm_set("mail", "username", "");
	trm_set("mail", "password", "");
	trm_set("mail", "attach", "pdf+tiff");
}

START_TEST(mail_validate)
{
	static const char *const good[] = {
		"a@example.org",
		"fax1@example.org, fax2@example.org",
		"first.last+fax@mail.example.co.uk,x@[127.0.0.1]",
		"o'hara@example.org",
		"x@[IPv6:::1]",
		"postmaster@localhost",
	};
	static const char *const bad[] = {
		"noat", "a@", "@example.org", "a..b@example.org", ".a@example.org",
		"a.@example.org", "a@-example.org", "a@example-.org", "a@exa_mple.org",
		"a@example..org", "a@example.org,", ",a@example.org", "a@b, ,c@d",
		"a b@example.org", "<a@example.org>", "Name <a@example.org>",
		"a@example.org\r\nRCPT TO:<evil@example.org>", "a@[300.1.1.1]", "a@[IPv6:zz]",
		"\xc3\xa4@example.org", "a@example.org\nb@example.org",
	};
	struct trm_method m;
	char reason[512], many[2048] = "", local[80];

	trm_load("mail.so", TRM_MAIL_GUID, &m);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(trm_check(&m, 0, good[i], reason, sizeof(reason)) == 0,
			      "'%s' refused: %s", good[i], reason);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(trm_check(&m, 0, bad[i], reason, sizeof(reason)) == -1,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(reason[0] != '\0', "no reason for '%s'", bad[i]);
	}
	ck_assert_int_eq(trm_check(&m, 0, "", reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "no recipient"));
	/* FGW_MAX_MAIL_RCPT recipients, then one more. */
	for (int i = 0; i < FGW_MAX_MAIL_RCPT; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%su%d@example.org",
			 i ? "," : "", i);
	ck_assert_int_eq(trm_check(&m, 0, many, reason, sizeof(reason)), 0);
	strcat(many, ",last@example.org");
	ck_assert_int_eq(trm_check(&m, 0, many, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "more than"));
	/* A local part over 64 octets (RFC 5321 4.5.3.1.1); overlong data. */
	memset(local, 'x', 65);
	strcpy(local + 65, "@example.org");
	ck_assert_int_eq(trm_check(&m, 0, local, reason, sizeof(reason)), -1);
	memset(many, 'a', 1100);
	many[1100] = '\0';
	ck_assert_int_eq(trm_check(&m, 0, many, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "longer than"));
	/* A NUL inside the data. */
	ck_assert_int_eq(m.ext.validate(&trm_host, trm_guid, 1, "a@b.org\0c@d.org", 15, reason,
					sizeof(reason)), -1);
}
END_TEST

START_TEST(mail_can_enable_needs_config)
{
	struct trm_method m;
	char reason[512];

	trm_load("mail.so", TRM_MAIL_GUID, &m);
	ck_assert_int_eq(trm_check(&m, 1, "a@example.org", reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "no [mail] section"));
	trm_set("mail", "valid", "no");
	trm_set("mail", "invalid-reason", "line 12: smtp-url must be smtp:// or smtps://");
	ck_assert_int_eq(trm_check(&m, 1, "a@example.org", reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "line 12: smtp-url must be"));
	trm_mail_config("smtp://127.0.0.1:25");
	ck_assert_int_eq(trm_check(&m, 1, "a@example.org", reason, sizeof(reason)), 0);
	ck_assert_int_eq(trm_check(&m, 1, "", reason, sizeof(reason)), -1);
	ck_assert_int_eq(trm_check(&m, 1, "not an address", reason, sizeof(reason)), -1);
}
END_TEST

START_TEST(mail_delivers_pdf_and_tiff)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	ck_assert_int_eq(trm_route(&m, "fax1@example.org, fax2@example.org", msg, sizeof(msg)),
			 FGW_ROUTE_OK);
	ck_assert_msg(strstr(msg, "250 2.0.0 queued as fax1") != NULL, "msg: %s", msg);
	/* One message for the whole list, to both recipients. */
	ck_assert(trm_exists(trm_p("smtp/msg-1")));
	ck_assert(!trm_exists(trm_p("smtp/msg-2")));
	trm_contains(trm_p("smtp/msg-1/envelope"), "MAIL FROM:fax@example.org\n");
	trm_contains(trm_p("smtp/msg-1/envelope"), "RCPT TO:fax1@example.org\n");
	trm_contains(trm_p("smtp/msg-1/envelope"), "RCPT TO:fax2@example.org\n");
	trm_contains(trm_p("smtp/msg-1/headers"),
		     "Subject: Fax from +1 555 0199 (3 pages, port 1 t38-trunk-a)\n");
	trm_contains(trm_p("smtp/msg-1/headers"), "From: Fax Gateway <fax@example.org>\n");
	trm_contains(trm_p("smtp/msg-1/headers"), "To: fax1@example.org, fax2@example.org\n");
	trm_contains(trm_p("smtp/msg-1/headers"), "Message-ID: <faxgw.42.");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "Remote ident (TSID): +1 555 0199\r\n");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "Pages:               3\r\n");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "Status:              complete\r\n");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "Page quality:        intact\r\n");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "Port:                1 t38-trunk-a\r\n");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "Resolution:          204 x 98 dpi\r\n");
	trm_contains(trm_p("smtp/msg-1/parts"), "fax-42.pdf application/pdf base64\n");
	trm_contains(trm_p("smtp/msg-1/parts"), "fax-42.tif image/tiff base64\n");
	ck_assert(trm_same_file(trm_p("smtp/msg-1/fax-42.tif"), trm_fax_path));
	trm_pdf_is_fax(trm_p("smtp/msg-1/fax-42.pdf"));
	/* The Maildir got exactly the one message. */
	{
		char cmd[800], *out;
		snprintf(cmd, sizeof(cmd), "ls '%s' | wc -l > '%s'", trm_p("smtp/Maildir/new"),
			 trm_p("count"));
		ck_assert_int_eq(system(cmd), 0);
		out = trm_slurp(trm_p("count"), NULL);
		ck_assert_str_eq(out, "1\n");
		free(out);
	}
}
END_TEST

START_TEST(mail_partial_pdf_only)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	trm_set("mail", "attach", "pdf");
	trm_fax.partial = 1;
	trm_fax.remote_ident = "";
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_OK);
	trm_contains(trm_p("smtp/msg-1/headers"),
		     "Subject: [partial] Fax from unknown sender (3 pages, port 1 t38-trunk-a)");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "PARTIAL");
	ck_assert(!trm_exists(trm_p("smtp/msg-1/fax-42.tif")));
	trm_pdf_is_fax(trm_p("smtp/msg-1/fax-42.pdf"));
}
END_TEST

/* A fax with degraded pages says so in the subject and the body; an
 * intact one says "intact" (mail_delivers_pdf_and_tiff). */
START_TEST(mail_degraded_says_so)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	trm_fax.degraded_pages = 2;
	trm_fax.bad_rows = 110;
	trm_fax.longest_bad_run = 60;
	trm_fax.degraded_list = "2,3";
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_OK);
	trm_contains(trm_p("smtp/msg-1/headers"),
		     "Subject: [degraded] Fax from +1 555 0199 (3 pages, port 1 t38-trunk-a)");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"),
		     "Page quality:        2 of 3 pages degraded (pages 2,3): 110 bad rows, "
		     "longest run 60\r\n");
	trm_contains(trm_p("smtp/msg-1/body-1.txt"), "Status:              complete\r\n");
}
END_TEST

/* A fax received over SIP: the body names the transport and the call's
 * identities, sanitized (a header injected through the User-Agent stays
 * on its line; non-ASCII becomes '?' in the us-ascii body).  A fax from
 * a static port has no SIP lines. */
START_TEST(mail_sip_identities)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];
	char *body;

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	trm_fax.sip_call_id = "a84b4c76e66710@pc33.example.com";
	trm_fax.sip_from = "sip:m\xc3\xbcller@carrier.example.net";
	trm_fax.sip_to = "sip:fax@gw.example.org";
	trm_fax.sip_user_agent = "Evil\r\nBcc: victim@example.org\xff";
	trm_fax.transport = "T.38 v0, max datagram 400, redundancy (after re-INVITE)";
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_OK);
	trm_contains(trm_p("smtp/msg-1/body-1.txt"),
		     "Transport:           T.38 v0, max datagram 400, redundancy (after re-INVITE)\r\n"
		     "SIP Call-ID:         a84b4c76e66710@pc33.example.com\r\n"
		     "SIP From:            sip:m??ller@carrier.example.net\r\n"
		     "SIP To:              sip:fax@gw.example.org\r\n"
		     "SIP User-Agent:      Evil??Bcc: victim@example.org?\r\n");
	body = trm_slurp(trm_p("smtp/msg-1/body-1.txt"), NULL);
	ck_assert_ptr_null(strstr(body, "\nBcc:"));
	free(body);

	trm_fax.sip_call_id = trm_fax.sip_from = trm_fax.sip_to = trm_fax.sip_user_agent = "";
	trm_fax.transport = "G.711 PCMA (static port)";
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_OK);
	trm_contains(trm_p("smtp/msg-2/body-1.txt"), "Transport:           G.711 PCMA (static port)\r\n");
	body = trm_slurp(trm_p("smtp/msg-2/body-1.txt"), NULL);
	ck_assert_ptr_null(strstr(body, "SIP "));
	free(body);
}
END_TEST

/* FGW_MAX_MAIL_RCPT recipients: one message, a folded To header. */
START_TEST(mail_many_recipients)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64], list[1024] = "", *headers, *line;

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	for (int i = 0; i < FGW_MAX_MAIL_RCPT; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%srecipient-%02d@example.org", i ? ", " : "", i);
	ck_assert_int_eq(trm_route(&m, list, msg, sizeof(msg)), FGW_ROUTE_OK);
	trm_contains(trm_p("smtp/msg-1/envelope"), "RCPT TO:recipient-00@example.org\n");
	trm_contains(trm_p("smtp/msg-1/envelope"), "RCPT TO:recipient-31@example.org\n");
	/* The parsed (unfolded) To header lists all of them in order. */
	headers = trm_slurp(trm_p("smtp/msg-1/headers"), NULL);
	ck_assert_ptr_nonnull(headers);
	line = strstr(headers, "\nTo: ");
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(strncmp(line + 5, list, strlen(list)), 0);
	free(headers);
	/* On the wire (RFC 5322 2.1.1): no line over 998 characters, and
	 * the To lines folded under 78 (awk counts the CR). */
	{
		char cmd[900];
		snprintf(cmd, sizeof(cmd), "awk 'length($0) > 999 { bad = 1 } /^To: / { to = 1 } "
			 "/^[A-Z][-A-Za-z]*: / && !/^To: / { to = 0 } to && length($0) > 79 "
			 "{ bad = 1 } END { exit bad }' '%s'/* >/dev/null",
			 trm_p("smtp/Maildir/new"));
		ck_assert_int_eq(system(cmd), 0);
	}
	ck_assert(!trm_exists(trm_p("smtp/msg-2")));
}
END_TEST

/* SMTP AUTH (RFC 4954): the right credentials deliver; wrong ones are a
 * 535, permanent. */
START_TEST(mail_auth)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	TRM_SKIP_IF(trm_start_smtp_auth("faxuser:s3cret"));
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_FAIL);
	ck_assert_msg(strstr(msg, "530") != NULL, "no AUTH: %s", msg);
	trm_set("mail", "username", "faxuser");
	trm_set("mail", "password", "wrong");
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_FAIL);
	ck_assert_msg(strstr(msg, "535") != NULL, "bad password: %s", msg);
	ck_assert(!trm_exists(trm_p("smtp/msg-1")));
	trm_set("mail", "password", "s3cret");
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert(trm_exists(trm_p("smtp/msg-1")));
	ck_assert_msg(strstr(msg, "s3cret") == NULL, "password in the message: %s", msg);
}
END_TEST

/* 451 is deferred (retry), the next attempt is delivered once. */
START_TEST(mail_451_then_250)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	trm_write(trm_p("smtp/script"), "DATA 451 4.3.0 Mail server temporarily busy\n");
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_msg(strstr(msg, "451 4.3.0 Mail server temporarily busy") != NULL, "msg: %s",
		      msg);
	ck_assert(!trm_exists(trm_p("smtp/msg-1")));
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert(trm_exists(trm_p("smtp/msg-1")));
	ck_assert(!trm_exists(trm_p("smtp/msg-2")));
}
END_TEST

START_TEST(mail_550_fails)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	trm_write(trm_p("smtp/script"),
		  "RCPT 550 5.1.1 <nobody@example.org>: Recipient address rejected\n");
	ck_assert_int_eq(trm_route(&m, "nobody@example.org", msg, sizeof(msg)), FGW_ROUTE_FAIL);
	ck_assert_msg(strstr(msg, "550 5.1.1 <nobody@example.org>: Recipient address rejected") !=
		      NULL, "msg: %s", msg);
	ck_assert(!trm_exists(trm_p("smtp/msg-1")));
	/* A 5xx to DATA as well. */
	trm_write(trm_p("smtp/script"), "DATA 554 5.6.0 Message content rejected\n");
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_FAIL);
	ck_assert_msg(strstr(msg, "554 5.6.0") != NULL, "msg: %s", msg);
}
END_TEST

START_TEST(mail_server_down_retries)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_free_port());
	trm_mail_config(url);
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_msg(strstr(msg, "cannot send mail") != NULL, "msg: %s", msg);
	/* No [mail]: retried (the configuration may be fixed), with the reason. */
	trm_ncfg = 0;
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_ptr_nonnull(strstr(msg, "no [mail] section"));
	/* Bad data at routing time is permanent. */
	trm_mail_config(url);
	ck_assert_int_eq(trm_route(&m, "not-an-address", msg, sizeof(msg)), FGW_ROUTE_FAIL);
}
END_TEST

START_TEST(mail_starttls_required_without_tls)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[64];

	TRM_SKIP_IF(trm_start_smtp());
	trm_load("mail.so", TRM_MAIL_GUID, &m);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%u", trm_port);
	trm_mail_config(url);
	trm_set("mail", "starttls", "required");
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert(!trm_exists(trm_p("smtp/msg-1")));
	trm_set("mail", "starttls", "off");
	ck_assert_int_eq(trm_route(&m, "a@example.org", msg, sizeof(msg)), FGW_ROUTE_OK);
}
END_TEST

/* --- Post to URL -------------------------------------------------------------------------------- */

static void trm_http_config(const char *timeout, const char *attach)
{
	trm_set("http", "valid", "yes");
	trm_set("http", "timeout", timeout);
	trm_set("http", "attach", attach);
}

START_TEST(post_validate)
{
	static const char *const good[] = {
		"http://127.0.0.1:8080/fax", "https://example.org/inbound?key=1",
		"http://[::1]/x", "HTTP://EXAMPLE.ORG/", "http://user:secret@example.org/fax",
	};
	static const char *const bad[] = {
		"ftp://example.org/x", "file:///etc/passwd", "http://", "not a url",
		"http://exa mple.org/", "javascript:alert(1)", "example.org/fax", "gopher://x/",
		"http://example.org/\r\nX-Evil: 1", "smtp://127.0.0.1/", "//example.org/x",
	};
	struct trm_method m;
	char reason[512], big[1200];

	trm_load("post_url.so", TRM_POST_GUID, &m);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(trm_check(&m, 0, good[i], reason, sizeof(reason)) == 0,
			      "'%s' refused: %s", good[i], reason);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(trm_check(&m, 0, bad[i], reason, sizeof(reason)) == -1,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(reason[0] != '\0', "no reason for '%s'", bad[i]);
	}
	ck_assert_int_eq(trm_check(&m, 0, "ftp://example.org/x", reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "http:// or https://"));
	memset(big, 'a', sizeof(big));
	memcpy(big, "http://x/", 9);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(trm_check(&m, 0, big, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "longer than"));
	/* can_enable needs [http]. */
	ck_assert_int_eq(trm_check(&m, 1, "http://example.org/", reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "no [http] section"));
	trm_set("http", "valid", "no");
	trm_set("http", "invalid-reason", "line 3: bad timeout");
	ck_assert_int_eq(trm_check(&m, 1, "http://example.org/", reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "line 3: bad timeout"));
	trm_http_config("30000ms", "pdf");
	ck_assert_int_eq(trm_check(&m, 1, "http://example.org/", reason, sizeof(reason)), 0);
	ck_assert_int_eq(trm_check(&m, 1, "", reason, sizeof(reason)), -1);
}
END_TEST

START_TEST(post_delivers_pdf_and_metadata)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[128];

	TRM_SKIP_IF(trm_start_http());
	trm_load("post_url.so", TRM_POST_GUID, &m);
	trm_http_config("10000ms", "pdf");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/inbound?token=abc", trm_port);
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert_msg(strstr(msg, "HTTP 200 from http://127.0.0.1:") != NULL, "msg: %s", msg);
	ck_assert_msg(strstr(msg, "token") == NULL, "query shown: %s", msg);
	trm_contains(trm_p("http/req-1/request"), "POST /inbound?token=abc\n");
	trm_contains(trm_p("http/req-1/request"), "multipart/form-data; boundary=");
	trm_contains(trm_p("http/req-1/files"), "fax fax-42.pdf application/pdf\n");
	trm_pdf_is_fax(trm_p("http/req-1/fax"));
	trm_contains(trm_p("http/req-1/job_id"), "42");
	trm_contains(trm_p("http/req-1/port_id"), "1");
	trm_contains(trm_p("http/req-1/port_name"), "t38-trunk-a");
	trm_contains(trm_p("http/req-1/remote_ident"), "+1 555 0199");
	trm_contains(trm_p("http/req-1/local_ident"), "+1 555 0100");
	trm_contains(trm_p("http/req-1/caller"), "127.0.0.1:5000");
	trm_contains(trm_p("http/req-1/pages"), "3");
	trm_contains(trm_p("http/req-1/partial"), "0");
	trm_contains(trm_p("http/req-1/start_time"), "1764100000");
	trm_contains(trm_p("http/req-1/end_time"), "1764100042");
	trm_contains(trm_p("http/req-1/bit_rate"), "14400");
	trm_contains(trm_p("http/req-1/ecm"), "1");
	trm_contains(trm_p("http/req-1/t30_status"), "0");
	trm_contains(trm_p("http/req-1/metadata"),
		     "{\"job_id\":42,\"port_id\":1,\"port_name\":\"t38-trunk-a\","
		     "\"remote_ident\":\"+1 555 0199\",\"local_ident\":\"+1 555 0100\","
		     "\"caller\":\"127.0.0.1:5000\",\"t30_text\":\"OK\",\"pages\":3,"
		     "\"partial\":false,\"start_time\":1764100000,\"end_time\":1764100042,"
		     "\"x_resolution\":8031,\"y_resolution\":3850,\"bit_rate\":14400,"
		     "\"ecm\":true,\"t30_status\":0}");
	/* The metadata part is JSON that Python reads back. */
	{
		char cmd[1200];
		snprintf(cmd, sizeof(cmd), TRM_PY " -c 'import json,sys; "
			 "j=json.load(open(sys.argv[1])); sys.exit(0 if j[\"pages\"]==3 and "
			 "j[\"remote_ident\"]==\"+1 555 0199\" else 1)' '%s'",
			 trm_p("http/req-1/metadata"));
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

START_TEST(post_tiff_and_credentials)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[128];

	TRM_SKIP_IF(trm_start_http());
	trm_load("post_url.so", TRM_POST_GUID, &m);
	trm_http_config("10000ms", "tiff");
	/* A quote in the ident is escaped in the JSON. */
	trm_fax.remote_ident = "a\"b\\c";
	snprintf(url, sizeof(url), "http://faxuser:s3cret@127.0.0.1:%u/fax", trm_port);
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert_msg(strstr(msg, "s3cret") == NULL && strstr(msg, "faxuser") == NULL,
		      "credentials in the message: %s", msg);
	/* RFC 7617: "faxuser:s3cret" in base64. */
	trm_contains(trm_p("http/req-1/request"), "Authorization: Basic ZmF4dXNlcjpzM2NyZXQ=");
	trm_contains(trm_p("http/req-1/files"), "fax fax-42.tif image/tiff\n");
	ck_assert(trm_same_file(trm_p("http/req-1/fax"), trm_fax_path));
	trm_contains(trm_p("http/req-1/metadata"), "\"remote_ident\":\"a\\\"b\\\\c\"");
}
END_TEST

/* 503 is retried, then 200 succeeds; 404 fails for good. */
START_TEST(post_503_then_200_and_404)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[128], want[160];

	TRM_SKIP_IF(trm_start_http());
	trm_load("post_url.so", TRM_POST_GUID, &m);
	trm_http_config("10000ms", "pdf");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/fax", trm_port);
	trm_write(trm_p("http/script"), "503 Service Unavailable\n404 Not Found\n");
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_RETRY);
	snprintf(want, sizeof(want), "HTTP 503 from http://127.0.0.1:%u/fax: 503 Service "
		 "Unavailable", trm_port);
	ck_assert_msg(strcmp(msg, want) == 0, "msg: %s", msg);
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_FAIL);
	ck_assert_msg(strstr(msg, "HTTP 404 from") != NULL, "msg: %s", msg);
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert_msg(strstr(msg, "HTTP 200 from") != NULL, "msg: %s", msg);
	trm_pdf_is_fax(trm_p("http/req-3/fax"));
}
END_TEST

START_TEST(post_timeout_and_down)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT], url[128];
	time_t t0;

	TRM_SKIP_IF(trm_start_http());
	trm_load("post_url.so", TRM_POST_GUID, &m);
	trm_http_config("1000ms", "pdf");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/slow", trm_port);
	trm_write(trm_p("http/script"), "SLEEP 4\n");
	t0 = time(NULL);
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_int_le(time(NULL) - t0, 3);
	ck_assert_msg(strstr(msg, "cannot post to") != NULL && strstr(msg, "imeout") != NULL,
		      "msg: %s", msg);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/fax", trm_free_port());
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_msg(strstr(msg, "cannot post to") != NULL, "msg: %s", msg);
	trm_ncfg = 0;
	ck_assert_int_eq(trm_route(&m, url, msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_ptr_nonnull(strstr(msg, "no [http] section"));
	trm_http_config("1000ms", "pdf");
	ck_assert_int_eq(trm_route(&m, "ftp://x/", msg, sizeof(msg)), FGW_ROUTE_FAIL);
}
END_TEST

/* --- Print ------------------------------------------------------------------------------------- */

/* Waits up to 15 s for the backend's output of a job. */
static int trm_wait_file(const char *path)
{
	for (int i = 0; i < 300; i++) {
		if (trm_exists(path))
			return 0;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

START_TEST(print_validate)
{
	struct trm_method m;
	char reason[512], big[200];

	TRM_SKIP_IF(trm_start_cupsd());
	trm_load("print.so", TRM_PRINT_GUID, &m);
	ck_assert_msg(trm_check(&m, 0, "faxq", reason, sizeof(reason)) == 0, "faxq: %s", reason);
	ck_assert_msg(trm_check(&m, 1, "faxq", reason, sizeof(reason)) == 0, "faxq: %s", reason);
	ck_assert_int_eq(trm_check(&m, 0, "nosuchqueue", reason, sizeof(reason)), -1);
	ck_assert_msg(strstr(reason, "nosuchqueue does not exist") != NULL, "reason: %s", reason);
	ck_assert_int_eq(trm_check(&m, 0, "fax q", reason, sizeof(reason)), -1);
	ck_assert_int_eq(trm_check(&m, 0, "faxq/", reason, sizeof(reason)), -1);
	ck_assert_int_eq(trm_check(&m, 0, "/x", reason, sizeof(reason)), -1);
	ck_assert_int_eq(trm_check(&m, 0, "a#b", reason, sizeof(reason)), -1);
	ck_assert_int_eq(trm_check(&m, 0, "", reason, sizeof(reason)), -1);
	ck_assert_int_eq(trm_check(&m, 1, "", reason, sizeof(reason)), -1);
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(trm_check(&m, 0, big, reason, sizeof(reason)), -1);
	ck_assert_ptr_nonnull(strstr(reason, "longer than"));
}
END_TEST

START_TEST(print_job_holds_the_fax)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT];

	TRM_SKIP_IF(trm_start_cupsd());
	trm_load("print.so", TRM_PRINT_GUID, &m);
	ck_assert_int_eq(trm_route(&m, "faxq", msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert_msg(strstr(msg, "job faxq-1 on 127.0.0.1:") != NULL, "msg: %s", msg);
	ck_assert_msg(trm_wait_file(trm_p("cups/out/job-1.out")) == 0, "the job never printed");
	trm_contains(trm_p("cups/out/job-1.title"),
		     "Fax from +1 555 0199 (3 pages, port 1)\n");
	trm_pdf_is_fax(trm_p("cups/out/job-1.out"));
}
END_TEST

START_TEST(print_errors_retry)
{
	struct trm_method m;
	char msg[FGW_MAX_ERROR_TEXT];

	TRM_SKIP_IF(trm_start_cupsd());
	trm_load("print.so", TRM_PRINT_GUID, &m);
	ck_assert_int_eq(trm_route(&m, "gone", msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_msg(strstr(msg, "gone does not exist") != NULL, "msg: %s", msg);
	trm_stop_server();
	ck_assert_int_eq(trm_route(&m, "faxq", msg, sizeof(msg)), FGW_ROUTE_RETRY);
	ck_assert_msg(strstr(msg, "cannot reach the CUPS server 127.0.0.1:") != NULL, "msg: %s",
		      msg);
	/* A SET while the server is down is refused with the same reason. */
	ck_assert_int_eq(trm_check(&m, 0, "faxq", msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, "cannot reach the CUPS server") != NULL, "reason: %s", msg);
	ck_assert_int_eq(trm_route(&m, "bad name", msg, sizeof(msg)), FGW_ROUTE_FAIL);
}
END_TEST

/* Post to URL: what readers without modify rights see. */
START_TEST(post_redact)
{
	static const char *const cases[][2] = {
		{ "https://user:secret@fax.example.org/in?q=1", "https://user:****@fax.example.org/in?q=1" },
		{ "http://token@10.0.0.1:8080/", "http://****@10.0.0.1:8080/" },
		{ "https://u:p:q@h/a@b", "https://u:****@h/a@b" },
		{ "https://fax.example.org/in?mail=a@b", NULL },
		{ "https://fax.example.org:443/", NULL },
	};
	struct trm_method m;
	char out[256];
	size_t n;

	trm_load("post_url.so", TRM_POST_GUID, &m);
	ck_assert_ptr_nonnull(m.ext.redact);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i][0], *want = cases[i][1];
		int r = m.ext.redact(&trm_host, trm_guid, in, strlen(in), out, sizeof(out), &n);
		ck_assert_int_eq(r, want != NULL);
		if (want != NULL) {
			ck_assert_uint_eq(n, strlen(want));
			ck_assert_msg(memcmp(out, want, n) == 0, "%s -> %.*s", in, (int)n, out);
		}
	}
	/* Too small an output: nothing shown rather than a cut secret. */
	ck_assert_int_eq(m.ext.redact(&trm_host, trm_guid, cases[0][0], strlen(cases[0][0]), out,
				      10, &n), -1);
}
END_TEST

/* Store in folder run twice for one job (a crash between storing and
 * recording the result): one file, not two; another fax still gets its
 * own name. */
START_TEST(store_twice_one_file)
{
	struct trm_method m;
	fgw_route_host host = trm_host;
	char msg[512], inbox[512];
	const char *data;
	int files = 0;

	host.store_root = trm_root;
	snprintf(inbox, sizeof(inbox), "%s/inbox", trm_root);
	ck_assert_int_eq(mkdir(inbox, 0755), 0);
	data = inbox;
	trm_load("store_folder.so", TRM_STORE_GUID, &m);
	ck_assert_int_eq(m.fn(&host, &trm_fax, data, strlen(data), msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert_int_eq(m.fn(&host, &trm_fax, data, strlen(data), msg, sizeof(msg)), FGW_ROUTE_OK);
	ck_assert_ptr_nonnull(strstr(msg, "(stored before)"));
	fgw_fax other = trm_fax;
	other.job_id = 43;
	ck_assert_int_eq(m.fn(&host, &other, data, strlen(data), msg, sizeof(msg)), FGW_ROUTE_OK);
	DIR *d = opendir(inbox);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		files += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(files, 2);
}
END_TEST

/* Store in folder: the folder must be UTF-8 text (RFC 3629), strictly. */
START_TEST(store_validate_utf8)
{
	static const char *const bad[] = {
		"/srv/fax/\xed\xa0\x80",            /* a surrogate */
		"/srv/fax/\xf4\x90\x80\x80",        /* above U+10FFFF */
		"/srv/fax/a\xc2\x85" "b",           /* C1 control NEL */
		"/srv/fax/\xc0\xaf" "x",             /* overlong '/' */
		"/srv/fax/a\nb",
	};
	struct trm_method m;
	char reason[512];

	trm_load("store_folder.so", TRM_STORE_GUID, &m);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(trm_check(&m, 0, bad[i], reason, sizeof(reason)), -1);
		ck_assert_msg(strstr(reason, "UTF-8") != NULL, "case %zu: %s", i, reason);
	}
	/* Good UTF-8 gets past that check (and fails later: no such root). */
	ck_assert_int_eq(trm_check(&m, 0, "/srv/fax/caf\xc3\xa9" "s", reason, sizeof(reason)), -1);
	ck_assert_ptr_null(strstr(reason, "UTF-8"));
}
END_TEST

Suite *routing_methods_suite(void)
{
	Suite *s = suite_create("routing_methods");
	TCase *mail = tcase_create("mail"), *post = tcase_create("post_url");
	TCase *print = tcase_create("print");

	tcase_add_checked_fixture(mail, trm_setup, trm_teardown);
	tcase_set_timeout(mail, 60);
	tcase_add_test(mail, mail_validate);
	tcase_add_test(mail, store_validate_utf8);
	tcase_add_test(mail, store_twice_one_file);
	tcase_add_test(mail, mail_can_enable_needs_config);
	tcase_add_test(mail, mail_delivers_pdf_and_tiff);
	tcase_add_test(mail, mail_partial_pdf_only);
	tcase_add_test(mail, mail_degraded_says_so);
	tcase_add_test(mail, mail_sip_identities);
	tcase_add_test(mail, mail_many_recipients);
	tcase_add_test(mail, mail_auth);
	tcase_add_test(mail, mail_451_then_250);
	tcase_add_test(mail, mail_550_fails);
	tcase_add_test(mail, mail_server_down_retries);
	tcase_add_test(mail, mail_starttls_required_without_tls);
	suite_add_tcase(s, mail);
	tcase_add_checked_fixture(post, trm_setup, trm_teardown);
	tcase_set_timeout(post, 60);
	tcase_add_test(post, post_validate);
	tcase_add_test(post, post_redact);
	tcase_add_test(post, post_delivers_pdf_and_metadata);
	tcase_add_test(post, post_tiff_and_credentials);
	tcase_add_test(post, post_503_then_200_and_404);
	tcase_add_test(post, post_timeout_and_down);
	suite_add_tcase(s, post);
	tcase_add_checked_fixture(print, trm_setup, trm_teardown);
	tcase_set_timeout(print, 60);
	tcase_add_test(print, print_validate);
	tcase_add_test(print, print_job_holds_the_fax);
	tcase_add_test(print, print_errors_retry);
	suite_add_tcase(s, print);
	return s;
}
