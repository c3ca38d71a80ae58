/*
 * fuzz_senddoc.c - libFuzzer harness for the TIFF check of a document to
 * send (senddoc.h senddoc_check_tiff; the PDF path runs Ghostscript and
 * is not fuzzed here).
 *
 * The input is the submitted file (written to a memfd, opened by path
 * through /proc/self/fd).  The check must refuse it with a reason and
 * write nothing, or accept it with 1..max pages; then its output passes
 * the same check with the same page count and is rewritten to the same
 * bytes (the form is canonical).  Output files go to a directory in
 * /dev/shm (else /tmp), made once.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "senddoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_PAGES 6          /* keeps one run short; the cap's code is the same */

static char fz_dir[64];

static const char *fz_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", fz_dir, name);
	return buf;
}

static void fz_cleanup(void)
{
	rmdir(fz_dir);                   /* empty: every run removes its files */
}

static void fz_init(void)
{
	if (fz_dir[0] != '\0')
		return;
	snprintf(fz_dir, sizeof(fz_dir), "%s/fuzz-senddoc-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(fz_dir) == NULL)
		abort();
	atexit(fz_cleanup);
}

/* The whole file at path, or NULL (*len set). */
static unsigned char *fz_slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL || read(fd, p, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static void fz_check_output(const char *out, unsigned pages)
{
	char again[128], err[FGW_MAX_ERROR_TEXT];
	unsigned pages2 = 0;
	size_t n1 = 0, n2 = 0;
	unsigned char *a, *b;

	fz_path(again, sizeof(again), "again.tif");
	if (senddoc_check_tiff(out, again, FZ_MAX_PAGES, &pages2, err, sizeof(err)) != 0) {
		fprintf(stderr, "the output is refused: %s\n", err);
		abort();
	}
	if (pages2 != pages)
		abort();
	a = fz_slurp(out, &n1);
	b = fz_slurp(again, &n2);
	if (a == NULL || b == NULL || n1 != n2 || memcmp(a, b, n1) != 0) {
		fprintf(stderr, "the output is not canonical\n");
		abort();
	}
	free(a);
	free(b);
	unlink(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out[128], tmp[160], err[FGW_MAX_ERROR_TEXT];
	unsigned pages = 0;
	int fd, rc;

	fz_init();
	fd = memfd_create("fuzz-senddoc", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(in, sizeof(in), "/proc/self/fd/%d", fd);
	fz_path(out, sizeof(out), "out.tif");
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	unlink(out);
	err[0] = '\0';
	rc = senddoc_check_tiff(in, out, FZ_MAX_PAGES, &pages, err, sizeof(err));
	close(fd);
	if (access(tmp, F_OK) == 0)
		abort();                         /* the temp file is always gone */
	if (rc != 0) {
		if (err[0] == '\0' || pages != 0 || access(out, F_OK) == 0)
			abort();
		return 0;
	}
	if (pages < 1 || pages > FZ_MAX_PAGES)
		abort();
	fz_check_output(out, pages);
	unlink(out);
	return 0;
}
