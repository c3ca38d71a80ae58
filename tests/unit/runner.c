/*
 * runner.c - the Check runner for every suite in tests/unit.
 *
 * Each tests/unit/test_NAME.c defines `Suite *NAME_suite(void)`; the build
 * lists them in suites.h.  Arguments select suites by name (all if none).
 * Exit status 0 only when every test passed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef SUITE

struct suite_entry {
	const char *name;
	Suite *(*make)(void);
};

static const struct suite_entry suites[] = {
#define SUITE(name) { #name, name##_suite },
#include "suites.h"
#undef SUITE
};

static int wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	SRunner *sr = NULL;
	size_t n = sizeof(suites) / sizeof(suites[0]);

	for (size_t i = 0; i < n; i++) {
		if (!wanted(suites[i].name, argc, argv))
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (sr == NULL) {
		fprintf(stderr, "unit-tests: no suite selected\n");
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	int run = srunner_ntests_run(sr);
	srunner_free(sr);
	printf("%d passed, %d failed\n", run - failed, failed);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
