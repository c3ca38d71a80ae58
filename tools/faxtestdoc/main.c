/*
 * faxtestdoc - command-line access to the test documents of
 * tests/unit/testdoc.c, for the integration tests:
 *
 *   faxtestdoc make OUT.tif PAGES [standard|fine|mixed] [SEED]
 *   faxtestdoc compare SENT.tif RECEIVED.tif
 *   faxtestdoc pages FILE.tif
 *
 * Exit 0 on success (compare: the files are equal), 1 on failure or a
 * difference (described on stderr), 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgwx_number.h"
#include "testdoc.h"

#define FAXTESTDOC_MAX_PAGES 100

static void faxtestdoc_usage_to(FILE *out)
{
	fprintf(out,
	        "usage: faxtestdoc make OUT.tif PAGES [standard|fine|mixed] [SEED]\n"
	        "       faxtestdoc compare SENT.tif RECEIVED.tif\n"
	        "       faxtestdoc pages FILE.tif\n"
	        "       faxtestdoc --help | --version\n");
}

static int faxtestdoc_usage(void)
{
	faxtestdoc_usage_to(stderr);
	return 2;
}

static int faxtestdoc_number(const char *text, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (fgwx_str_number(text, &v, max) != FGWX_NUM_OK)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

static int faxtestdoc_make(int argc, char **argv)
{
	unsigned long pages, seed = 1;
	int res = TESTDOC_STANDARD;

	if (argc < 4 || argc > 6)
		return faxtestdoc_usage();
	if (faxtestdoc_number(argv[3], FAXTESTDOC_MAX_PAGES, &pages) < 0 || pages == 0) {
		fprintf(stderr, "faxtestdoc: PAGES must be 1..%d\n", FAXTESTDOC_MAX_PAGES);
		return 2;
	}
	if (argc >= 5) {
		if (strcmp(argv[4], "standard") == 0)
			res = TESTDOC_STANDARD;
		else if (strcmp(argv[4], "fine") == 0)
			res = TESTDOC_FINE;
		else if (strcmp(argv[4], "mixed") == 0)
			res = TESTDOC_MIXED;
		else
			return faxtestdoc_usage();
	}
	if (argc == 6 && faxtestdoc_number(argv[5], 0xffffffffUL, &seed) < 0) {
		fprintf(stderr, "faxtestdoc: SEED must be a number\n");
		return 2;
	}
	return testdoc_make(argv[2], (int)pages, res, (unsigned)seed) == 0 ? 0 : 1;
}

static int faxtestdoc_compare(int argc, char **argv)
{
	char why[512];

	if (argc != 4)
		return faxtestdoc_usage();
	if (testdoc_compare(argv[2], argv[3], why, sizeof(why)) != 0) {
		fprintf(stderr, "faxtestdoc: %s and %s differ: %s\n", argv[2], argv[3], why);
		return 1;
	}
	return 0;
}

static int faxtestdoc_pages(int argc, char **argv)
{
	if (argc != 3)
		return faxtestdoc_usage();
	int n = testdoc_pages(argv[2]);
	if (n < 0) {
		fprintf(stderr, "faxtestdoc: cannot open %s\n", argv[2]);
		return 1;
	}
	printf("%d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return faxtestdoc_usage();
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		faxtestdoc_usage_to(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("faxtestdoc %s\n", FAXGW_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "make") == 0)
		return faxtestdoc_make(argc, argv);
	if (strcmp(argv[1], "compare") == 0)
		return faxtestdoc_compare(argc, argv);
	if (strcmp(argv[1], "pages") == 0)
		return faxtestdoc_pages(argc, argv);
	return faxtestdoc_usage();
}
