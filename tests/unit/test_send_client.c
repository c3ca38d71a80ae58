/*
 * test_send_client.c - the client side of fgw_send_document() and
 * fgw_cancel_job(): what libfaxgw refuses before it sends anything (the
 * destination, the options, the document as the caller can read it),
 * each with its code and reason, against a real control server whose
 * connection must stay usable afterwards.  Sending a document through
 * faxgwd end to end is test_control's (the server's handlers).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <faxgw/admin.h>

#include "testsrv.h"

Suite *send_client_suite(void);

#define NOBODY 65534

static struct testsrv srv;
static fgw_handle *conn;
static char doc[128];           /* a readable one-page "document" */

static void setup(void)
{
	const struct testsrv_opts o = { .udp_base = 14400 };
	int fd;

	testsrv_init(&srv, "faxgw-sendc");
	testsrv_config(&srv, &o);
	testsrv_start(&srv);
	ck_assert_int_eq(fgw_connect(srv.sock, &conn), 0);
	snprintf(doc, sizeof(doc), "%s/doc.tif", srv.dir);
	fd = open(doc, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "II*\0\10\0\0\0", 8), 8);
	close(fd);
}

static void teardown(void)
{
	fgw_close(conn);
	conn = NULL;
	testsrv_stop(&srv);
	testsrv_cleanup(&srv);
}

/* rc and a reason that contains want; then the connection still answers
 * (nothing half-sent put it out of step), and no job id was made up. */
static void refused(int rc, int code, const char *want, uint64_t job)
{
	fgw_port_info *p = NULL;
	size_t n = 0;

	ck_assert_int_eq(rc, code);
	ck_assert_msg(strstr(fgw_last_error_message(conn), want) != NULL,
		      "reason '%s' does not say '%s'", fgw_last_error_message(conn), want);
	ck_assert_uint_eq(job, 0);
	ck_assert_int_eq(fgw_enum_ports(conn, &p, &n), 0);
	ck_assert_uint_eq(n, 2);
	fgw_free_buffer(p);
}

START_TEST(test_bad_arguments)
{
	uint64_t job = 77;

	ck_assert_int_eq(fgw_send_document(NULL, 0, "5550100", doc, NULL, &job), FGW_E_INVAL);
	ck_assert_int_eq(fgw_cancel_job(NULL, 1), FGW_E_INVAL);
	ck_assert_int_eq(fgw_send_document(conn, 0, "5550100", doc, NULL, NULL), FGW_E_INVAL);
	ck_assert_uint_eq(job, 77);
	job = 0;
	refused(fgw_send_document(conn, 0, "5550100", NULL, NULL, &job), FGW_E_INVAL,
		"no file given", job);
	refused(fgw_send_document(conn, 0, NULL, doc, NULL, &job), FGW_E_BAD_ADDRESS,
		"no destination", job);
}
END_TEST

/* Destinations refused before anything is sent; the limit itself and a
 * whole sip: URI pass the check (and reach the document checks). */
START_TEST(test_bad_addresses)
{
	static const struct {
		const char *to, *why;
	} bad[] = {
		{ "", "no destination" },
		{ "555 0100", "a space at character 4" },
		{ "5550100\n", "a control character at character 8" },
		{ "\t5550100", "a control character at character 1" },
		{ "555\x7f" "0100", "a control character at character 4" },
		{ "fax-office", "neither a number nor a sip: URI" },
		{ "sip:bob @example.org", "a space" },
	};
	char to[FGW_MAX_SEND_TO + 2];
	uint64_t job = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(fgw_send_document(conn, 0, bad[i].to, doc, NULL, &job),
			FGW_E_BAD_ADDRESS, bad[i].why, job);
	memset(to, '5', sizeof(to) - 1);
	to[sizeof(to) - 1] = '\0';
	refused(fgw_send_document(conn, 0, to, doc, NULL, &job), FGW_E_BAD_ADDRESS,
		"over the limit of 256 characters", job);
	/* Good destinations: the (missing) document is what is refused. */
	to[FGW_MAX_SEND_TO] = '\0';
	refused(fgw_send_document(conn, 0, to, "/nonexistent/x.tif", NULL, &job),
		FGW_E_BAD_DOCUMENT, "cannot read /nonexistent/x.tif", job);
	refused(fgw_send_document(conn, 0, "SIPS:fax@example.org", "/nonexistent/x.tif", NULL,
				  &job), FGW_E_BAD_DOCUMENT, "No such file", job);
	refused(fgw_send_document(conn, 0, "+49(30)123-456", "/nonexistent/x.tif", NULL, &job),
		FGW_E_BAD_DOCUMENT, "No such file", job);
}
END_TEST

START_TEST(test_bad_options)
{
	fgw_send_options o = { .local_ident = "+49 30 1234567890123" };
	uint64_t job = 0;

	/* 20 characters are fine (the document is what fails), 21 are not. */
	refused(fgw_send_document(conn, 0, "5550100", "/nonexistent", &o, &job),
		FGW_E_BAD_DOCUMENT, "cannot read", job);
	o.local_ident = "+49 30 12345678901234";
	refused(fgw_send_document(conn, 0, "5550100", doc, &o, &job), FGW_E_TOO_BIG,
		"local ident is over the limit of 20", job);
	o.local_ident = "+49\t30";
	refused(fgw_send_document(conn, 0, "5550100", doc, &o, &job), FGW_E_INVAL,
		"control character", job);
	o.local_ident = NULL;
	o.reserved[3] = 1;
	refused(fgw_send_document(conn, 0, "5550100", doc, &o, &job), FGW_E_INVAL,
		"reserved must be zero", job);
}
END_TEST

/* The document as the caller can read it: not a regular file, empty, over
 * FGW_MAX_SEND_BYTES, unreadable; a FIFO does not hang the open. */
START_TEST(test_bad_documents)
{
	char path[192], want[256];
	uint64_t job = 0;
	int fd;

	refused(fgw_send_document(conn, 0, "5550100", srv.dir, NULL, &job), FGW_E_BAD_DOCUMENT,
		"is not a regular file", job);
	snprintf(path, sizeof(path), "%s/fifo", srv.dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	refused(fgw_send_document(conn, 0, "5550100", path, NULL, &job), FGW_E_BAD_DOCUMENT,
		"is not a regular file", job);
	snprintf(path, sizeof(path), "%s/empty.tif", srv.dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	refused(fgw_send_document(conn, 0, "5550100", path, NULL, &job), FGW_E_BAD_DOCUMENT,
		"is empty", job);
	/* One byte over the cap (sparse: no disk used). */
	ck_assert_int_eq(ftruncate(fd, (off_t)FGW_MAX_SEND_BYTES + 1), 0);
	close(fd);
	refused(fgw_send_document(conn, 0, "5550100", path, NULL, &job), FGW_E_TOO_BIG,
		"over the limit of 67108864 bytes", job);
	/* Read with the caller's rights: as root, by a child that became
	 * nobody on the same connection (the refusal comes before any byte
	 * is sent, so the connection stays in step for the parent). */
	ck_assert_int_eq(chmod(doc, 0), 0);
	snprintf(want, sizeof(want), "cannot read %s: Permission denied", doc);
	if (geteuid() != 0) {
		refused(fgw_send_document(conn, 0, "5550100", doc, NULL, &job), FGW_E_ACCESS,
			want, job);
		return;
	}
	pid_t kid = fork();
	int status;
	if (kid == 0) {
		gid_t g = NOBODY;
		if (setgroups(1, &g) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(90);
		int rc = fgw_send_document(conn, 0, "5550100", doc, NULL, &job);
		_exit(rc != FGW_E_ACCESS ? 1 : job != 0 ? 2
		      : strcmp(fgw_last_error_message(conn), want) != 0 ? 3 : 0);
	}
	ck_assert_int_eq(waitpid(kid, &status, 0), kid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	refused(FGW_E_ACCESS, FGW_E_ACCESS, "", job);   /* the connection still answers */
}
END_TEST

Suite *send_client_suite(void)
{
	Suite *s = suite_create("send_client");
	TCase *tc = tcase_create("refusals");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_bad_addresses);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_bad_documents);
	suite_add_tcase(s, tc);
	return s;
}
