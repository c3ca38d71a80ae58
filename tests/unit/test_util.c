/*
 * test_util.c - gateway/util (fgwx_*): bounded decimal numbers, the
 * fixed-size append buffer, mkdir -p and the big-endian loads and stores,
 * each at its edges (empty, junk, signs, exact bounds, overflow, exact fit,
 * full buffer, existing directories, a file in the way).
 */
#include <check.h>
#include <errno.h>
#include <faxgw/limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fgwx_cpus.h"
#include "fgwx_be.h"
#include "fgwx_buf.h"
#include "fgwx_dir.h"
#include "fgwx_journal.h"
#include "fgwx_number.h"
#include "fgwx_text.h"
#include "testutil.h"

/* The CPUs of the affinity mask: at least one, never more than are online
 * (the mask holds online CPUs only). */
START_TEST(test_cpus_at_least_one)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	ck_assert_uint_ge(fgwx_cpus(), 1);
	if (online > 0)
		ck_assert_uint_le(fgwx_cpus(), (unsigned)online);
}
END_TEST

Suite *util_suite(void);

/* --- numbers -------------------------------------------------------------- */

static enum fgwx_num num(const char *text, uint64_t max, uint64_t *out)
{
	*out = 12345;            /* a marker: must stay on failure */
	return fgwx_str_number(text, out, max);
}

START_TEST(test_number_ok)
{
	uint64_t v;

	ck_assert_int_eq(num("0", 0, &v), FGWX_NUM_OK);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(num("42", 100, &v), FGWX_NUM_OK);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(num("007", 10, &v), FGWX_NUM_OK);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(num("100", 100, &v), FGWX_NUM_OK);        /* max itself */
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(num("18446744073709551615", UINT64_MAX, &v), FGWX_NUM_OK);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(num("4294967295", UINT32_MAX, &v), FGWX_NUM_OK);
	ck_assert_uint_eq(v, UINT32_MAX);
}
END_TEST

START_TEST(test_number_bounds)
{
	uint64_t v;

	ck_assert_int_eq(num("101", 100, &v), FGWX_NUM_OVERFLOW);
	ck_assert_uint_eq(v, 12345);
	ck_assert_int_eq(num("1", 0, &v), FGWX_NUM_OVERFLOW);
	ck_assert_int_eq(num("4294967296", UINT32_MAX, &v), FGWX_NUM_OVERFLOW);
	/* one above 2^64 - 1 and far above it: no wrap-around to a small value */
	ck_assert_int_eq(num("18446744073709551616", UINT64_MAX, &v), FGWX_NUM_OVERFLOW);
	ck_assert_int_eq(num("99999999999999999999999999999999", UINT64_MAX, &v),
			 FGWX_NUM_OVERFLOW);
	ck_assert_int_eq(num("36893488147419103232", UINT64_MAX, &v), FGWX_NUM_OVERFLOW);
	ck_assert_uint_eq(v, 12345);
}
END_TEST

START_TEST(test_number_bad)
{
	static const char *const bad[] = {
		"-1", "-0", "+1", " 1", "1 ", "1x", "x1", "0x10", "1.5", "1e3", "\xd9\xa1", "\t7",
	};
	uint64_t v;

	ck_assert_int_eq(num("", 100, &v), FGWX_NUM_EMPTY);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(num(bad[i], UINT64_MAX, &v) == FGWX_NUM_INVALID, "'%s'", bad[i]);
	/* junk after too many digits is junk, not overflow */
	ck_assert_int_eq(num("99999999999999999999999x", UINT64_MAX, &v), FGWX_NUM_INVALID);
	ck_assert_uint_eq(v, 12345);
	ck_assert_str_eq(fgwx_num_strerror(FGWX_NUM_INVALID), "not a number");
	ck_assert_str_eq(fgwx_num_strerror((enum fgwx_num)99), "unknown number error");
}
END_TEST

START_TEST(test_number_len)
{
	uint64_t v = 0;

	/* only the len bytes count: the digits after them are not read */
	ck_assert_int_eq(fgwx_number_len("12345", 2, &v, 100), FGWX_NUM_OK);
	ck_assert_uint_eq(v, 12);
	ck_assert_int_eq(fgwx_number_len("65535:x", 5, &v, 65535), FGWX_NUM_OK);
	ck_assert_uint_eq(v, 65535);
	ck_assert_int_eq(fgwx_number_len("65536", 5, &v, 65535), FGWX_NUM_OVERFLOW);
	ck_assert_int_eq(fgwx_number_len(NULL, 0, &v, 10), FGWX_NUM_EMPTY);
	ck_assert_int_eq(fgwx_number_len("1\0002", 3, &v, 1000), FGWX_NUM_INVALID);
}
END_TEST

/* --- the bounded buffer ------------------------------------------------------ */

START_TEST(test_buf_appends)
{
	char mem[32];
	struct fgwx_buf b;

	memset(mem, 'Z', sizeof(mem));
	fgwx_buf_init(&b, mem, sizeof(mem));
	ck_assert_str_eq(fgwx_buf_str(&b), "");
	ck_assert_uint_eq(fgwx_buf_len(&b), 0);
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", ""), 0);                /* empty append */
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s:%d: ", "file", 7), 0);
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", "bad"), 0);
	ck_assert_str_eq(mem, "file:7: bad");
	ck_assert_uint_eq(fgwx_buf_len(&b), strlen("file:7: bad"));
	ck_assert(!fgwx_buf_failed(&b));
	ck_assert_ptr_eq(fgwx_buf_str(&b), mem);
}
END_TEST

START_TEST(test_buf_exact_fit)
{
	char mem[8];
	struct fgwx_buf b;

	fgwx_buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", "abc"), 0);
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", "defg"), 0);     /* 7 + NUL == 8 */
	ck_assert_str_eq(mem, "abcdefg");
	ck_assert(!fgwx_buf_failed(&b));
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", ""), 0);          /* still fits */
	ck_assert_int_eq(fgwx_buf_addf(&b, "%c", 'h'), -1);        /* one too many */
	ck_assert_str_eq(mem, "abcdefg");
	ck_assert(fgwx_buf_failed(&b));
}
END_TEST

START_TEST(test_buf_full_is_sticky)
{
	char mem[16];
	struct fgwx_buf b;

	memset(mem, 'Z', sizeof(mem));
	fgwx_buf_init(&b, mem, 10);                /* only the first 10 bytes are its */
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", "0123"), 0);
	ck_assert_int_eq(fgwx_buf_addf(&b, "%d%s", 45678, "9abc"), -1);
	ck_assert_str_eq(mem, "012345678");        /* cut at the capacity, terminated */
	ck_assert_uint_eq(fgwx_buf_len(&b), 9);
	ck_assert(fgwx_buf_failed(&b));
	for (int i = 10; i < 16; i++)
		ck_assert_int_eq(mem[i], 'Z');     /* nothing written past cap */
	/* sticky: an append that would fit on its own fails too */
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", ""), -1);
	ck_assert_str_eq(mem, "012345678");
}
END_TEST

START_TEST(test_buf_tiny)
{
	char one[1] = { 'Z' };
	struct fgwx_buf b;

	fgwx_buf_init(&b, one, sizeof(one));       /* room for the NUL only */
	ck_assert_int_eq(one[0], '\0');
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", ""), 0);
	ck_assert_int_eq(fgwx_buf_addf(&b, "x"), -1);
	ck_assert_int_eq(one[0], '\0');
	fgwx_buf_init(&b, NULL, 0);                 /* no memory: failed from the start */
	ck_assert(fgwx_buf_failed(&b));
	ck_assert_str_eq(fgwx_buf_str(&b), "");
	ck_assert_int_eq(fgwx_buf_addf(&b, "%s", ""), -1);
}
END_TEST

/* --- mkdir -p ------------------------------------------------------------------- */

static char util_root[64];

static void util_setup(void)
{
	snprintf(util_root, sizeof(util_root), "/tmp/faxgw-util.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(util_root));
}

static void util_teardown(void)
{
	testutil_rmtree(util_root);
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

START_TEST(test_mkdir_new_and_existing)
{
	char path[256], err[256] = "untouched";

	snprintf(path, sizeof(path), "%s/a/b//c/", util_root);
	ck_assert_int_eq(fgwx_mkdir_p(path, 0750, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "untouched");
	ck_assert(is_dir(path));
	/* all of it exists now: fine again, and for a prefix of it */
	ck_assert_int_eq(fgwx_mkdir_p(path, 0750, err, sizeof(err)), 0);
	ck_assert_int_eq(fgwx_mkdir_p(util_root, 0750, NULL, 0), 0);
	ck_assert_int_eq(fgwx_mkdir_p("/", 0755, NULL, 0), 0);
	/* the mode is applied (under the umask) to what it makes */
	mode_t old = umask(022);
	snprintf(path, sizeof(path), "%s/m", util_root);
	ck_assert_int_eq(fgwx_mkdir_p(path, 0750, NULL, 0), 0);
	umask(old);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0750);
	/* a symbolic link to a directory counts as one */
	char link[256];
	snprintf(link, sizeof(link), "%s/ln", util_root);
	ck_assert_int_eq(symlink(path, link), 0);
	snprintf(path, sizeof(path), "%s/ln/deeper", util_root);
	ck_assert_int_eq(fgwx_mkdir_p(path, 0750, NULL, 0), 0);
	ck_assert(is_dir(path));
}
END_TEST

START_TEST(test_mkdir_file_in_the_way)
{
	char file[256], path[300], err[512], want[512];

	snprintf(file, sizeof(file), "%s/plain", util_root);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	/* a middle component is a file: the error names that component */
	snprintf(path, sizeof(path), "%s/x/y", file);
	errno = 0;
	ck_assert_int_eq(fgwx_mkdir_p(path, 0750, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	snprintf(want, sizeof(want), "cannot create directory %s: %s", file, strerror(ENOTDIR));
	ck_assert_str_eq(err, want);
	/* the last component is a file */
	errno = 0;
	ck_assert_int_eq(fgwx_mkdir_p(file, 0750, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_str_eq(err, want);
	/* a short err buffer is cut and terminated */
	char small[8];
	ck_assert_int_eq(fgwx_mkdir_p(file, 0750, small, sizeof(small)), -1);
	ck_assert_str_eq(small, "cannot ");
}
END_TEST

START_TEST(test_mkdir_bad_paths)
{
	char err[256], *longp = malloc(FGW_MAX_PATH + 1);

	ck_assert_ptr_nonnull(longp);
	errno = 0;
	ck_assert_int_eq(fgwx_mkdir_p("", 0750, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(fgwx_mkdir_p(NULL, 0750, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	memset(longp, 'a', FGW_MAX_PATH);           /* FGW_MAX_PATH bytes: one too many */
	longp[0] = '/';
	longp[FGW_MAX_PATH] = '\0';
	errno = 0;
	ck_assert_int_eq(fgwx_mkdir_p(longp, 0750, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_ptr_nonnull(strstr(err, "cannot create directory /aaa"));
	free(longp);
	/* nothing made under a missing read-only parent; errno from mkdir */
	if (geteuid() != 0) {
		char path[256];
		snprintf(path, sizeof(path), "%s/ro", util_root);
		ck_assert_int_eq(mkdir(path, 0500), 0);
		snprintf(path, sizeof(path), "%s/ro/a/b", util_root);
		errno = 0;
		ck_assert_int_eq(fgwx_mkdir_p(path, 0750, err, sizeof(err)), -1);
		ck_assert_int_eq(errno, EACCES);
		ck_assert_ptr_nonnull(strstr(err, "/ro/a: "));
		snprintf(path, sizeof(path), "%s/ro", util_root);
		chmod(path, 0700);
	}
}
END_TEST

/* --- big-endian ------------------------------------------------------------------ */

START_TEST(test_be_roundtrip)
{
	uint8_t b[9] = { 0 };

	fgwx_put_be16(b + 1, 0x1234);
	ck_assert_uint_eq(b[1], 0x12);
	ck_assert_uint_eq(b[2], 0x34);
	ck_assert_uint_eq(fgwx_get_be16(b + 1), 0x1234);
	fgwx_put_be32(b + 1, 0xdeadbeefu);       /* unaligned on purpose */
	static const uint8_t w32[] = { 0xde, 0xad, 0xbe, 0xef };
	ck_assert_mem_eq(b + 1, w32, 4);
	ck_assert_uint_eq(fgwx_get_be32(b + 1), 0xdeadbeefu);
	fgwx_put_be64(b + 1, 0x0102030405060708ull);
	static const uint8_t w64[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	ck_assert_mem_eq(b + 1, w64, 8);
	ck_assert(fgwx_get_be64(b + 1) == 0x0102030405060708ull);
	ck_assert_uint_eq(b[0], 0);              /* neighbours untouched */
	/* top bits set: no sign extension anywhere */
	fgwx_put_be16(b, 0xffff);
	ck_assert_uint_eq(fgwx_get_be16(b), 0xffff);
	fgwx_put_be32(b, 0x80000001u);
	ck_assert_uint_eq(fgwx_get_be32(b), 0x80000001u);
	fgwx_put_be64(b, UINT64_MAX - 1);
	ck_assert(fgwx_get_be64(b) == UINT64_MAX - 1);
	fgwx_put_be64(b, 0x8000000000000000ull);
	ck_assert(fgwx_get_be64(b) == 0x8000000000000000ull);
}
END_TEST

START_TEST(test_reason)
{
	char err[8] = "x";

	fgwx_reason(err, sizeof(err), "port %d refused", 12);
	ck_assert_str_eq(err, "port 12");
	fgwx_reason(NULL, 0, "nothing %s", "wanted");
	fgwx_reason(err, 0, "untouched");
	ck_assert_str_eq(err, "port 12");
}
END_TEST

START_TEST(test_journal)
{
	struct stat st;
	char v[64];

	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	unsetenv("JOURNAL_STREAM");
	ck_assert(!fgwx_stderr_is_journal());
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	ck_assert(fgwx_stderr_is_journal());
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	ck_assert(!fgwx_stderr_is_journal());
	setenv("JOURNAL_STREAM", "not numbers", 1);
	ck_assert(!fgwx_stderr_is_journal());
	unsetenv("JOURNAL_STREAM");
}
END_TEST

/* --- UTF-8 and display-safe text ------------------------------------------ */

struct utf8_case {
	const char *bytes;
	size_t len;
	bool valid;              /* well-formed UTF-8 */
	bool text;               /* and no control character */
	const char *shown;       /* fgwx_text_sanitize */
};

#define U(s) s, sizeof(s) - 1
static const struct utf8_case utf8_cases[] = {
	{ U(""), true, true, "" },
	{ U("+1 555 0100"), true, true, "+1 555 0100" },
	{ U("Gr\xc3\xbc\xc3\x9f Gott \xe2\x82\xac \xf0\x9f\x93\xa0"), true, true,
	  "Gr\xc3\xbc\xc3\x9f Gott \xe2\x82\xac \xf0\x9f\x93\xa0" },
	{ U("a\nforged log line"), true, false, "a?forged log line" },
	{ U("\x1b[2Jcleared"), true, false, "?[2Jcleared" },
	{ U("bell\x07"), true, false, "bell?" },
	{ U("del\x7f"), true, false, "del?" },
	{ U("c1 \xc2\x85 next line"), true, false, "c1 ? next line" },
	{ U("c1 \xc2\x9b csi"), true, false, "c1 ? csi" },
	{ U("nul\0in"), true, false, "nul?in" },
	{ U("surrogate \xed\xa0\x80"), false, false, "surrogate ???" },
	{ U("too big \xf4\x90\x80\x80"), false, false, "too big ????" },
	{ U("max \xf4\x8f\xbf\xbf"), true, true, "max \xf4\x8f\xbf\xbf" },
	{ U("overlong \xc0\xaf"), false, false, "overlong ??" },
	{ U("overlong3 \xe0\x80\xaf"), false, false, "overlong3 ???" },
	{ U("cut \xe2\x82"), false, false, "cut ??" },
	{ U("stray \x80"), false, false, "stray ?" },
	{ U("f5 \xf5\x80\x80\x80"), false, false, "f5 ????" },
};

START_TEST(test_utf8_table)
{
	const struct utf8_case *c = &utf8_cases[_i];
	char out[64];

	ck_assert_msg(fgwx_utf8_valid(c->bytes, c->len) == c->valid, "valid: case %d", _i);
	ck_assert_msg(fgwx_utf8_text(c->bytes, c->len) == c->text, "text: case %d", _i);
	size_t n = fgwx_text_sanitize(out, sizeof(out), c->bytes, c->len);
	ck_assert_str_eq(out, c->shown);
	ck_assert_uint_eq(n, strlen(c->shown));
	ck_assert(fgwx_utf8_text(out, n));
}
END_TEST

START_TEST(test_sanitize_bounds)
{
	char out[6];

	/* A sequence that does not fit is left out, never cut. */
	ck_assert_uint_eq(fgwx_text_sanitize(out, sizeof(out), "abcd\xe2\x82\xac", 7), 4);
	ck_assert_str_eq(out, "abcd");
	ck_assert_uint_eq(fgwx_text_sanitize(out, 1, "abc", 3), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(fgwx_text_sanitize(out, 0, "abc", 3), 0);
	ck_assert_uint_eq(fgwx_text_sanitize(out, sizeof(out), NULL, 0), 0);
	ck_assert_str_eq(out, "");
	uint32_t cp = 0;
	ck_assert_uint_eq(fgwx_utf8_seq((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x20ac);
	ck_assert_uint_eq(fgwx_utf8_seq((const unsigned char *)"x", 0, &cp), 0);
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");
	TCase *dir = tcase_create("mkdir");

	tcase_add_test(tc, test_number_ok);
	tcase_add_test(tc, test_number_bounds);
	tcase_add_test(tc, test_number_bad);
	tcase_add_test(tc, test_number_len);
	tcase_add_test(tc, test_buf_appends);
	tcase_add_test(tc, test_buf_exact_fit);
	tcase_add_test(tc, test_buf_full_is_sticky);
	tcase_add_test(tc, test_buf_tiny);
	tcase_add_test(tc, test_be_roundtrip);
	tcase_add_test(tc, test_reason);
	tcase_add_test(tc, test_journal);
	tcase_add_loop_test(tc, test_utf8_table, 0,
			    (int)(sizeof(utf8_cases) / sizeof(utf8_cases[0])));
	tcase_add_test(tc, test_sanitize_bounds);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(dir, util_setup, util_teardown);
	tcase_add_test(dir, test_mkdir_new_and_existing);
	tcase_add_test(dir, test_mkdir_file_in_the_way);
	tcase_add_test(dir, test_mkdir_bad_paths);
	tcase_add_test(dir, test_cpus_at_least_one);
	suite_add_tcase(s, dir);
	return s;
}
