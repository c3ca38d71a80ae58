/*
 * lockfile.h - one faxgwd per spool and per state database (faxgwd(8),
 * FILES).
 *
 * lockfile_take() opens a lock file (created mode 0640 when missing),
 * takes an exclusive open file description lock on it (fcntl F_OFD_SETLK,
 * never waiting) and writes the holder's pid into it ("1234\n").  Such a
 * lock belongs to the open file description, not to a process, so:
 *   - it survives fork(): faxgwd takes it before daemon(3) detaches; the
 *     detached child keeps it when the parent exits, and
 *     lockfile_set_pid() records the child's pid;
 *   - a forked child that closes its copy of the descriptor or exits does
 *     not release it (the router process closes every descriptor it does
 *     not need, so it neither holds nor releases the lock, and it dies
 *     with faxgwd); the descriptor is close-on-exec, so no program run by
 *     a routing method holds it either;
 *   - opening and closing the same file elsewhere in the process does not
 *     release it (POSIX record locks would be);
 *   - the kernel releases it when the last descriptor is closed:
 *     lockfile_free(), or the death of the holder, kill -9 included, so no
 *     stale lock outlives a crash.
 * The file is never removed: removing a lock file races with a process
 * that has just opened it and would lock an unlinked inode.
 *
 * Ownership: lockfile_take() gives a struct lockfile that lockfile_free()
 * releases (NULL is fine).  Not thread-safe; used at start-up and stop.
 */
#ifndef FAXGW_LOCKFILE_H
#define FAXGW_LOCKFILE_H

#include <stddef.h>
#include <sys/types.h>

struct lockfile;

enum lockfile_result {
	LOCKFILE_OK = 0,
	LOCKFILE_BUSY = -1,     /* another open file description holds it */
	LOCKFILE_ERROR = -2,    /* the file cannot be opened, locked or written */
};

/* Takes the lock on path.  LOCKFILE_BUSY: *holder gets the pid the file
 * names (0 when it names none yet); LOCKFILE_ERROR: the reason in err. */
int lockfile_take(const char *path, struct lockfile **out, pid_t *holder, char *err,
                  size_t errlen);
/* Writes pid into the lock file in place of the one there (after fork). */
int lockfile_set_pid(struct lockfile *l, pid_t pid, char *err, size_t errlen);
/* The pid recorded in the lock file at path, 0 when none is. */
pid_t lockfile_holder(const char *path);
/* Clears the pid and releases the lock, in the process that holds it
 * (lockfile_take or lockfile_set_pid); elsewhere it only closes the
 * descriptor, which leaves the lock held. */
void lockfile_free(struct lockfile *l);

#endif
