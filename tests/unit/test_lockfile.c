/*
 * test_lockfile.c - the lock that keeps a second faxgwd off a spool and a
 * state database: busy with the holder's pid, kept across the fork of
 * daemon(3) and by a child that closes its descriptors (the router),
 * released by lockfile_free and by the holder's death (kill -9).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lockfile.h"
#include "testutil.h"

Suite *lockfile_suite(void);

static char lk_dir[256];
static char lk_path[320];
static char lk_err[512];

static void lk_setup(void)
{
	snprintf(lk_dir, sizeof(lk_dir), "/tmp/faxgw-lock-XXXXXX");
	ck_assert(mkdtemp(lk_dir) != NULL);
	snprintf(lk_path, sizeof(lk_path), "%s/faxgwd.lock", lk_dir);
}

static void lk_teardown(void)
{
	testutil_rmtree(lk_dir);
}

/* Takes the lock anew (another open file description): the result. */
static int lk_try(pid_t *holder)
{
	struct lockfile *l = NULL;
	int rc = lockfile_take(lk_path, &l, holder, lk_err, sizeof(lk_err));

	ck_assert(rc == LOCKFILE_OK ? l != NULL : l == NULL);
	lockfile_free(l);
	return rc;
}

START_TEST(test_busy_names_holder)
{
	struct lockfile *l = NULL;
	pid_t holder = -1;
	struct stat sb;

	ck_assert_msg(lockfile_take(lk_path, &l, &holder, lk_err, sizeof(lk_err)) == LOCKFILE_OK,
		      "%s", lk_err);
	ck_assert_int_eq(holder, 0);
	ck_assert_int_eq(stat(lk_path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0640);
	ck_assert_int_eq(lockfile_holder(lk_path), getpid());
	/* lockfile_holder opened and closed the file: the lock is still held
	 * (a POSIX record lock would have gone with that close). */
	ck_assert_int_eq(lk_try(&holder), LOCKFILE_BUSY);
	ck_assert_int_eq(holder, getpid());
	lockfile_free(l);
	/* Released, and no pid is left behind in the file. */
	ck_assert_int_eq(lockfile_holder(lk_path), 0);
	ck_assert_int_eq(lk_try(&holder), LOCKFILE_OK);
	ck_assert_int_eq(stat(lk_path, &sb), 0);
}
END_TEST

START_TEST(test_child_closing_keeps_it)
{
	struct lockfile *l = NULL;
	pid_t holder = 0, pid;
	int status = 0;

	ck_assert(lockfile_take(lk_path, &l, &holder, lk_err, sizeof(lk_err)) == LOCKFILE_OK);
	/* As the router does: close every descriptor, run, exit. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close_range(3, ~0u, 0);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(lk_try(&holder), LOCKFILE_BUSY);
	ck_assert_int_eq(holder, getpid());
	/* A child that keeps the descriptor and exits the ordinary way (its
	 * lockfile_free only closes it) does not release it either. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		lockfile_free(l);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(lk_try(&holder), LOCKFILE_BUSY);
	ck_assert_int_eq(lockfile_holder(lk_path), getpid());
	/* Another process is refused and told who holds it. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pid_t h = 0;
		struct lockfile *other = NULL;
		int rc = lockfile_take(lk_path, &other, &h, lk_err, sizeof(lk_err));
		_exit(rc == LOCKFILE_BUSY && h == getppid() ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	lockfile_free(l);
}
END_TEST

/* faxgwd's start: lock, daemon(3) (the parent exits), lockfile_set_pid in
 * the detached child.  The child holds it until it dies, kill -9 too. */
START_TEST(test_kept_across_detach)
{
	int ready[2];
	pid_t first, daemon_pid = 0, holder = 0;
	int status = 0;

	ck_assert_int_eq(pipe(ready), 0);
	first = fork();
	ck_assert_int_ge(first, 0);
	if (first == 0) {
		struct lockfile *l = NULL;
		pid_t h = 0, child;

		if (lockfile_take(lk_path, &l, &h, lk_err, sizeof(lk_err)) != LOCKFILE_OK)
			_exit(1);
		child = fork();
		if (child != 0)
			_exit(child > 0 ? 0 : 1);     /* as daemon(3)'s parent does */
		close(ready[0]);
		alarm(30);                            /* never outlives the test */
		child = getpid();
		if (lockfile_set_pid(l, child, lk_err, sizeof(lk_err)) != 0 ||
		    write(ready[1], &child, sizeof(child)) != (ssize_t)sizeof(child))
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ck_assert_int_eq(waitpid(first, &status, 0), first);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(read(ready[0], &daemon_pid, sizeof(daemon_pid)),
			 (ssize_t)sizeof(daemon_pid));
	close(ready[0]);
	ck_assert_int_eq(lk_try(&holder), LOCKFILE_BUSY);
	ck_assert_int_eq(holder, daemon_pid);
	ck_assert_int_eq(kill(daemon_pid, SIGKILL), 0);
	/* Not our child: the lock goes when the kernel closes its files. */
	for (int i = 0; i < 200 && lk_try(&holder) != LOCKFILE_OK; i++)
		usleep(10000);
	ck_assert_int_eq(lk_try(&holder), LOCKFILE_OK);
}
END_TEST

START_TEST(test_error)
{
	struct lockfile *l = NULL;
	pid_t holder = 0;

	snprintf(lk_path, sizeof(lk_path), "%s/missing/faxgwd.lock", lk_dir);
	ck_assert_int_eq(lockfile_take(lk_path, &l, &holder, lk_err, sizeof(lk_err)),
			 LOCKFILE_ERROR);
	ck_assert_ptr_null(l);
	ck_assert_ptr_nonnull(strstr(lk_err, lk_path));
	ck_assert_ptr_nonnull(strstr(lk_err, "No such file or directory"));
	ck_assert_int_eq(lockfile_holder(lk_path), 0);
	lockfile_free(NULL);
}
END_TEST

Suite *lockfile_suite(void)
{
	Suite *s = suite_create("lockfile");
	TCase *tc = tcase_create("lockfile");

	tcase_add_checked_fixture(tc, lk_setup, lk_teardown);
	tcase_add_test(tc, test_busy_names_holder);
	tcase_add_test(tc, test_child_closing_keeps_it);
	tcase_add_test(tc, test_kept_across_detach);
	tcase_add_test(tc, test_error);
	suite_add_tcase(s, tc);
	return s;
}
