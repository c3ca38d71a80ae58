/*
 * testutil.h - helpers shared by the Check suites (not a suite): files,
 * configurations, and whole-record comparisons.
 */
#ifndef FAXGW_TESTUTIL_H
#define FAXGW_TESTUTIL_H

#include <faxgw/admin.h>

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

/* --- whole records ---------------------------------------------------------
 * Each testutil_assert_*_eq(a, b) fails the test unless a and b agree in
 * EVERY field of the record, so a field that a codec drops, swaps with
 * another or mangles is caught wherever a whole record is compared.  The
 * failure message names the field (Check prints the two expressions and
 * their values).  Strings compare by content, NULL only equal to NULL;
 * byte strings by length and content.  Neither argument may be NULL. */
void testutil_assert_gateway_eq(const fgw_gateway_info *a, const fgw_gateway_info *b);
void testutil_assert_port_eq(const fgw_port_info *a, const fgw_port_info *b);
void testutil_assert_extension_eq(const fgw_extension_info *a, const fgw_extension_info *b);
void testutil_assert_method_eq(const fgw_routing_method *a, const fgw_routing_method *b);
void testutil_assert_global_eq(const fgw_global_routing_info *a,
			       const fgw_global_routing_info *b);
void testutil_assert_job_eq(const fgw_job *a, const fgw_job *b);
void testutil_assert_call_eq(const fgw_call *a, const fgw_call *b);
void testutil_assert_job_method_eq(const fgw_job_method_result *a,
				   const fgw_job_method_result *b);
void testutil_assert_job_info_eq(const fgw_job_info *a, const fgw_job_info *b);
void testutil_assert_audit_eq(const fgw_audit_entry *a, const fgw_audit_entry *b);
void testutil_assert_event_eq(const fgw_event *a, const fgw_event *b);
void testutil_assert_sip_port_eq(const fgw_sip_port *a, const fgw_sip_port *b);
void testutil_assert_change_eq(const fgw_routing_change *a, const fgw_routing_change *b);

/* The wire codec's own records (gateway/proto/wire.h). A request compares
 * every field but `alloc`, its batch change by change. */
struct wire_header;
struct wire_request;
struct wire_error;
void testutil_assert_wire_header_eq(const struct wire_header *a, const struct wire_header *b);
void testutil_assert_wire_request_eq(const struct wire_request *a,
				     const struct wire_request *b);
void testutil_assert_wire_error_eq(const struct wire_error *a, const struct wire_error *b);

#endif
