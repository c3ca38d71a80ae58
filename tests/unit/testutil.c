/*
 * testutil.c - helpers shared by the Check suites.
 */
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "wire.h"

void testutil_install_built(const char *rel, const char *dst)
{
	char src[1024], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/%s", FAXGW_BUILD_DIR, rel);
	in = open(src, O_RDONLY);
	ck_assert_msg(in >= 0, "%s: %s (build it first)", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static int testutil_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void testutil_rmtree(const char *dir)
{
	nftw(dir, testutil_rm, 16, FTW_DEPTH | FTW_PHYS);
}

struct config *testutil_config(const char *root, const char *rest)
{
	struct config_errors *errs = calloc(1, sizeof(*errs));
	struct config *cfg = NULL;
	char text[8192];
	int n;

	ck_assert_ptr_nonnull(errs);
	n = snprintf(text, sizeof(text),
		     "[gateway]\n"
		     "spool = %1$s/spool\n"
		     "state = %1$s/state.db\n"
		     "control = %1$s/faxgw.sock\n"
		     "extensions = %1$s/ext\n"
		     "store-root = %1$s/fax\n"
		     "exec-dir = %1$s/exec\n"
		     "%2$s",
		     root, rest);
	ck_assert(n > 0 && (size_t)n < sizeof(text));
	ck_assert_msg(config_load_string("test.conf", text, strlen(text), &cfg, errs) == 0,
		      "config: %s", errs->n ? errs->msg[0] : "?");
	free(errs);
	return cfg;
}

/* --- whole records ---------------------------------------------------------
 * One line per field, in the order of the struct, so that a field added to
 * a record shows up here as a missing line in review.  Check stringifies
 * the expressions: a failure reads "a->received_time == b->received_time". */

#define TU_UINT(f) ck_assert_uint_eq(a->f, b->f)
#define TU_INT(f) ck_assert_int_eq(a->f, b->f)
#define TU_STR(f) ck_assert_pstr_eq(a->f, b->f)

static void testutil_assert_bytes_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	ck_assert_uint_eq(alen, blen);
	if (alen == 0)
		return;
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_mem_eq(a, b, alen);
}

void testutil_assert_gateway_eq(const fgw_gateway_info *a, const fgw_gateway_info *b)
{
	TU_STR(version);
	TU_UINT(port_count);
	TU_UINT(active_calls);
	TU_UINT(spool_pending);
	TU_UINT(dead_letters);
	TU_UINT(unrouted);
	TU_UINT(extension_load_failures);
	TU_UINT(start_time);
}

void testutil_assert_port_eq(const fgw_port_info *a, const fgw_port_info *b)
{
	TU_UINT(id);
	TU_STR(name);
	TU_INT(transport);
	TU_STR(local_address);
	TU_STR(local_ident);
	TU_INT(state);
	TU_UINT(faxes_received);
	TU_UINT(pages_received);
	TU_UINT(faxes_failed);
	TU_UINT(routing_failures);
	TU_STR(last_remote_ident);
	TU_UINT(modify_held);
	TU_UINT(faxes_sent);
	TU_UINT(pages_sent);
	TU_UINT(send_failures);
}

void testutil_assert_extension_eq(const fgw_extension_info *a, const fgw_extension_info *b)
{
	TU_STR(image_name);
	TU_STR(friendly_name);
	TU_INT(loaded);
	TU_STR(error);
	TU_UINT(method_count);
}

void testutil_assert_method_eq(const fgw_routing_method *a, const fgw_routing_method *b)
{
	TU_UINT(device_id);
	TU_STR(device_name);
	TU_INT(enabled);
	TU_STR(guid);
	TU_STR(friendly_name);
	TU_STR(function_name);
	TU_STR(extension_image_name);
	TU_STR(extension_friendly_name);
	TU_UINT(method_index);
	TU_UINT(priority);
	TU_UINT(routed);
	TU_UINT(failures);
	TU_STR(last_error);
}

void testutil_assert_global_eq(const fgw_global_routing_info *a,
			       const fgw_global_routing_info *b)
{
	TU_UINT(priority);
	TU_STR(guid);
	TU_STR(friendly_name);
	TU_STR(function_name);
	TU_STR(extension_image_name);
	TU_STR(extension_friendly_name);
	TU_UINT(method_index);
}

void testutil_assert_job_eq(const fgw_job *a, const fgw_job *b)
{
	TU_UINT(id);
	TU_UINT(port_id);
	TU_INT(state);
	TU_UINT(attempts);
	TU_UINT(received_time);
	TU_UINT(next_attempt_time);
	TU_UINT(pages);
	TU_INT(partial);
	TU_STR(remote_ident);
	TU_STR(path);
	TU_STR(last_error);
	TU_UINT(degraded_pages);
	TU_UINT(bad_rows);
	TU_UINT(longest_bad_run);
	TU_STR(degraded_list);
	TU_INT(direction);
	TU_STR(to);
}

void testutil_assert_call_eq(const fgw_call *a, const fgw_call *b)
{
	TU_UINT(port_id);
	TU_UINT(channel);
	TU_STR(port_name);
	TU_STR(peer);
	TU_STR(transport);
	TU_STR(sip_call_id);
	TU_STR(sip_from);
	TU_UINT(pages);
	TU_UINT(start_time);
}

void testutil_assert_job_method_eq(const fgw_job_method_result *a,
				   const fgw_job_method_result *b)
{
	TU_STR(guid);
	TU_STR(friendly_name);
	TU_INT(state);
	TU_UINT(attempts);
	TU_STR(last_error);
}

void testutil_assert_job_info_eq(const fgw_job_info *a, const fgw_job_info *b)
{
	testutil_assert_job_eq(&a->job, &b->job);
	TU_STR(port_name);
	TU_STR(local_ident);
	TU_STR(caller);
	TU_UINT(start_time);
	TU_UINT(end_time);
	TU_UINT(x_res);
	TU_UINT(y_res);
	TU_UINT(bit_rate);
	TU_INT(ecm);
	TU_INT(t30_status);
	TU_STR(t30_text);
	TU_UINT(finished_time);
	TU_STR(sip_call_id);
	TU_STR(sip_from);
	TU_STR(sip_to);
	TU_STR(sip_user_agent);
	TU_STR(transport);
	TU_UINT(nmethods);
	for (size_t i = 0; i < a->nmethods; i++)
		testutil_assert_job_method_eq(&a->methods[i], &b->methods[i]);
	TU_UINT(document_pages);
	TU_UINT(sip_status);
	TU_STR(submitted_by);
}

void testutil_assert_audit_eq(const fgw_audit_entry *a, const fgw_audit_entry *b)
{
	TU_UINT(id);
	TU_UINT(time);
	TU_UINT(uid);
	TU_STR(who);
	TU_STR(what);
	TU_STR(old_value);
	TU_STR(new_value);
}

void testutil_assert_event_eq(const fgw_event *a, const fgw_event *b)
{
	TU_INT(type);
	TU_UINT(time);
	TU_UINT(port_id);
	TU_STR(guid);
	TU_UINT(job_id);
	TU_INT(port_state);
	TU_STR(text);
	TU_INT(job_state);
}

void testutil_assert_sip_port_eq(const fgw_sip_port *a, const fgw_sip_port *b)
{
	TU_UINT(port_id);
	TU_UINT(channels);
	TU_STR(sip_users);
	TU_UINT(stats.running);
	TU_UINT(stats.calls);
	TU_UINT(stats.invites);
	TU_UINT(stats.answered);
	for (int k = 3; k <= 6; k++)
		TU_UINT(stats.rejected[k]);
	TU_UINT(stats.t38_sent);
	TU_UINT(stats.t38_accepted);
	TU_UINT(stats.t38_refused);
	TU_UINT(stats.t38_peer);
	TU_UINT(stats.refreshes);
}

void testutil_assert_change_eq(const fgw_routing_change *a, const fgw_routing_change *b)
{
	TU_UINT(port_id);
	TU_STR(guid);
	TU_INT(set_enabled);
	TU_INT(enabled);
	TU_INT(set_data);
	testutil_assert_bytes_eq(a->data, a->data_len, b->data, b->data_len);
}

void testutil_assert_wire_header_eq(const struct wire_header *a, const struct wire_header *b)
{
	TU_UINT(version);
	TU_UINT(type);
	TU_UINT(id);
	TU_UINT(len);
}

void testutil_assert_wire_request_eq(const struct wire_request *a,
				     const struct wire_request *b)
{
	TU_UINT(type);
	TU_UINT(id);
	TU_UINT(handle);
	TU_UINT(port_id);
	TU_UINT(num);
	TU_UINT(job_id);
	TU_UINT(flag);
	ck_assert_str_eq(a->text, b->text);
	ck_assert_str_eq(a->ident, b->ident);
	ck_assert_str_eq(a->guid, b->guid);
	testutil_assert_bytes_eq(a->data, a->data_len, b->data, b->data_len);
	TU_UINT(nchanges);
	for (size_t i = 0; i < a->nchanges; i++)
		testutil_assert_change_eq(&a->changes[i], &b->changes[i]);
	testutil_assert_bytes_eq(a->chunk, a->chunk_len, b->chunk, b->chunk_len);
}

void testutil_assert_wire_error_eq(const struct wire_error *a, const struct wire_error *b)
{
	TU_INT(code);
	TU_UINT(failed_index);
	ck_assert_str_eq(a->reason, b->reason);
}
