/*
 * test_calls.c - the table of calls in progress (calls.h): rows added,
 * updated and removed by slot, slots reused, growth past the first
 * allocation, the listing in port and channel order as one block.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "testutil.h"

Suite *calls_suite(void);

static struct calls_entry calls_entry_of(uint32_t port, uint32_t channel)
{
	static char peer[64], id[64];
	struct calls_entry e = {
		.port_id = port, .channel = channel, .port_name = "sip-in", .peer = peer,
		.transport = "G.711 PCMU ptime 20", .sip_call_id = id, .sip_from = "sip:a@b",
		.start_time = 1700000000u + port,
	};

	snprintf(peer, sizeof(peer), "192.0.2.%u:%u", (unsigned)port, (unsigned)(30000 + channel));
	snprintf(id, sizeof(id), "call-%u-%u", (unsigned)port, (unsigned)channel);
	return e;
}

START_TEST(test_calls_rows)
{
	struct calls *t = calls_new();
	struct calls_entry e;
	size_t a, b, c, n = 9;
	fgw_call *v = (void *)&n;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(calls_list(t, &v, &n), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	e = calls_entry_of(3, 1);
	ck_assert_int_eq(calls_start(t, &e, &a), 0);
	e = calls_entry_of(1, 0);
	e.sip_call_id = "";
	e.sip_from = "";
	e.transport = "T.38 (static port)";
	ck_assert_int_eq(calls_start(t, &e, &b), 0);
	e = calls_entry_of(3, 0);
	ck_assert_int_eq(calls_start(t, &e, &c), 0);
	ck_assert_uint_eq(calls_count(t), 3);
	calls_pages(t, a, 2);
	calls_transport(t, a, "T.38 v0, max datagram 400, redundancy (after re-INVITE)");
	calls_pages(t, CALLS_NO_SLOT, 5);          /* ignored */
	calls_transport(t, 12345, "x");            /* ignored */

	ck_assert_int_eq(calls_list(t, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	fgw_call want[] = {
		{ 1, 0, "sip-in", "192.0.2.1:30000", "T.38 (static port)", "", "", 0, 1700000001 },
		{ 3, 0, "sip-in", "192.0.2.3:30000", "G.711 PCMU ptime 20", "call-3-0", "sip:a@b", 0,
		  1700000003 },
		{ 3, 1, "sip-in", "192.0.2.3:30001",
		  "T.38 v0, max datagram 400, redundancy (after re-INVITE)", "call-3-1", "sip:a@b", 2,
		  1700000003 },
	};
	for (size_t i = 0; i < n; i++)
		testutil_assert_call_eq(&v[i], &want[i]);
	free(v);

	/* Removed rows go; their slots serve the next calls; a second end of
	 * the same slot changes nothing. */
	calls_end(t, b);
	calls_end(t, b);
	ck_assert_uint_eq(calls_count(t), 2);
	e = calls_entry_of(2, 0);
	size_t d;
	ck_assert_int_eq(calls_start(t, &e, &d), 0);
	ck_assert_uint_eq(d, b);
	calls_pages(t, b, 1);
	ck_assert_int_eq(calls_list(t, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(v[0].port_id, 2);
	ck_assert_uint_eq(v[0].pages, 1);
	ck_assert_uint_eq(v[1].pages, 0);
	free(v);
	calls_end(t, a);
	calls_end(t, c);
	calls_end(t, d);
	ck_assert_uint_eq(calls_count(t), 0);
	ck_assert_int_eq(calls_list(t, &v, &n), 0);
	ck_assert_ptr_null(v);
	calls_free(t);
	calls_free(NULL);
}
END_TEST

/* Many calls at once (the arrays grow), long strings cut to their caps. */
START_TEST(test_calls_many)
{
	enum { N = 1000 };
	static size_t slot[N];
	static char longer[4096];
	struct calls *t = calls_new();
	fgw_call *v;
	size_t n;

	memset(longer, 'x', sizeof(longer) - 1);
	for (uint32_t i = 0; i < N; i++) {
		struct calls_entry e = calls_entry_of(1 + i % 7, i);
		e.sip_from = longer;
		ck_assert_int_eq(calls_start(t, &e, &slot[i]), 0);
	}
	for (uint32_t i = 0; i < N; i += 2)
		calls_end(t, slot[i]);
	ck_assert_int_eq(calls_list(t, &v, &n), 0);
	ck_assert_uint_eq(n, N / 2);
	for (size_t i = 1; i < n; i++)
		ck_assert(v[i - 1].port_id < v[i].port_id ||
			  (v[i - 1].port_id == v[i].port_id && v[i - 1].channel < v[i].channel));
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(v[i].channel % 2, 1);
		ck_assert_uint_lt(strlen(v[i].sip_from), 128);
	}
	free(v);
	calls_free(t);
}
END_TEST

Suite *calls_suite(void)
{
	Suite *s = suite_create("calls");
	TCase *tc = tcase_create("calls");

	tcase_add_test(tc, test_calls_rows);
	tcase_add_test(tc, test_calls_many);
	suite_add_tcase(s, tc);
	return s;
}
