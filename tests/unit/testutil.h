/*
 * testutil.h - file helpers shared by the Check suites (not a suite).
 */
#ifndef FAXGW_TESTUTIL_H
#define FAXGW_TESTUTIL_H

/* Copies FAXGW_BUILD_DIR/rel (a built .so) to dst, mode 0755; fails the
 * test when the source is missing. */
void testutil_install_built(const char *rel, const char *dst);
/* Removes a directory tree (best effort). */
void testutil_rmtree(const char *dir);

struct config;
/* Loads a configuration whose [gateway] names root/spool, root/state.db,
 * root/faxgw.sock, root/ext, root/fax and root/exec, followed by the text
 * rest (more keys, ports, sections); fails the test on any error.  Free it
 * with config_free(). */
struct config *testutil_config(const char *root, const char *rest);

#endif
