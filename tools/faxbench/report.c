/*
 * report.c - faxbench's output: a text table per transport, or one JSON
 * object (--json) with the same figures (faxbench(1) describes the keys).
 */
#include "faxbench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "testdoc.h"

const char *fb_transport_name(enum fb_transport t)
{
	return t == FB_T38 ? "t38" : t == FB_SIP ? "sip" : "audio";
}

static const char *fb_report_label(enum fb_transport t)
{
	return t == FB_T38 ? "T.38 (UDPTL)" : t == FB_SIP
	       ? "SIP (INVITE with G.711 PCMU, then T.38 by faxgwd's re-INVITE)" : "G.711 (RTP, PCMU)";
}

static const char *fb_report_res(int res)
{
	return res == TESTDOC_FINE ? "fine" : res == TESTDOC_MIXED ? "mixed" : "standard";
}

double fb_report_quantile(const double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	/* nearest rank */
	i = (size_t)ceil(q * (double)n);
	if (i > 0)
		i--;
	return v[i < n ? i : n - 1];
}

/* The step the summary is about: the highest N held, else the last one. */
static const struct fb_step *fb_report_headline(const struct fb_result *r)
{
	if (r->held_index >= 0)
		return &r->steps[r->held_index];
	return r->nsteps > 0 ? &r->steps[r->nsteps - 1] : NULL;
}

/* The thin gateway's summary step: the highest N held, else the last one. */
static const struct fb_step *fb_report_thin_headline(const struct fb_thin *th)
{
	if (th->held_index >= 0)
		return &th->steps[th->held_index];
	return th->nsteps > 0 ? &th->steps[th->nsteps - 1] : NULL;
}

/* The steps faxgwd and the thin gateway are compared at: faxgwd's highest
 * N held when the thin gateway ran that N too, else the highest N both
 * held.  False when there is none (or a CPU figure is 0). */
static bool fb_report_thin_pair(const struct fb_result *r, const struct fb_step **gw,
				const struct fb_step **thin)
{
	const struct fb_thin *th = &r->thin;

	*gw = *thin = NULL;
	if (r->held_index >= 0)
		for (unsigned k = 0; k < th->nsteps && *thin == NULL; k++)
			if (th->steps[k].n == r->steps[r->held_index].n) {
				*gw = &r->steps[r->held_index];
				*thin = &th->steps[k];
			}
	for (unsigned i = r->nsteps; *thin == NULL && i-- > 0;)
		for (unsigned k = 0; k < th->nsteps && *thin == NULL; k++)
			if (r->steps[i].held && th->steps[k].held && th->steps[k].n == r->steps[i].n) {
				*gw = &r->steps[i];
				*thin = &th->steps[k];
			}
	return *thin != NULL && (*gw)->cpu_us_per_chan_s > 0 && (*thin)->cpu_us_per_chan_s > 0;
}

/* faxgwd channels per core / spandsp-alone channels per core; < 0 unknown. */
static double fb_report_ratio(const struct fb_result *r)
{
	const struct fb_step *s = fb_report_headline(r);

	if (s == NULL || s->cpu_us_per_chan_s <= 0 || r->alone.rx_us_per_chan_s <= 0)
		return -1;
	return r->alone.rx_us_per_chan_s / s->cpu_us_per_chan_s;
}

static void fb_report_machine(char *buf, size_t len)
{
	struct utsname u;
	char line[256], model[128] = "unknown CPU";
	FILE *fp = fopen("/proc/cpuinfo", "re");

	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		char *p = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && p != NULL) {
			snprintf(model, sizeof(model), "%s", p + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (fp != NULL)
		fclose(fp);
	uname(&u);
	snprintf(buf, len, "%ld x %s, Linux %s", sysconf(_SC_NPROCESSORS_ONLN), model, u.release);
}

/* --- text ------------------------------------------------------------------------ */

/* sip: each step's set-up times too. */
static void fb_report_text_steps(const struct fb_step *steps, unsigned nsteps, bool sip,
				 FILE *out)
{
	fprintf(out, "  %6s %6s %6s %5s %8s %8s %10s %9s %8s %8s %8s  %s\n", "N", "faxes",
		"intact", "late", "max-late", "gw-late", "cpu-us/ch-s", "mem/rx-kB", "dgram/s",
		"lat-med", "lat-p99", "held");
	for (unsigned i = 0; i < nsteps; i++) {
		const struct fb_step *s = &steps[i];
		fprintf(out, "  %6u %6u %6u %5llu %6.1fms %6.0fms %10.0f %9.0f %8.0f %6.0fms "
			"%6.0fms  %s\n", s->n, s->calls, s->intact, (unsigned long long)s->late_ticks,
			s->max_late_ms, s->gw_max_late_ms, s->cpu_us_per_chan_s, s->mem_per_active_kb,
			s->datagrams_per_s, s->latency_median_ms, s->latency_p99_ms,
			s->held ? "yes" : "NO");
		if (sip)
			fprintf(out, "         call set-up %.1f ms median / %.1f ms p99 (%u calls), "
				"to T.38 %.1f ms median / %.1f ms p99 (%u calls)\n", s->setup_median_ms,
				s->setup_p99_ms, s->setup_samples, s->t38_median_ms, s->t38_p99_ms,
				s->t38_samples);
		if (!s->held && s->first_error[0] != '\0')
			fprintf(out, "         first failure: %s\n", s->first_error);
	}
}

static void fb_report_text_thin(const struct fb_run *run, const struct fb_thin *th, FILE *out)
{
	const struct fb_step *h = fb_report_thin_headline(th);

	fprintf(out, "  thin gateway (the same media code on bare UDP sockets, no spool, no "
		"routing):\n");
	if (th->error[0] != '\0')
		fprintf(out, "  thin gateway: %s\n", th->error);
	if (th->ports > 0)
		fprintf(out, "  thin gateway idle RSS: %llu kB with %u sockets\n",
			(unsigned long long)th->rss_idle_kb, th->ports);
	if (th->nsteps > 0)
		fb_report_text_steps(th->steps, th->nsteps, false, out);
	if (h == NULL)
		return;
	fprintf(out, "  highest N held: %u%s\n", th->held_index >= 0 ? h->n : 0,
		th->held_index >= 0 && h->n == run->o.max_n ? " (= --max)" : "");
	fprintf(out, "  at N=%u: thin gateway %.0f us per channel-second (%.0f channels per "
		"core), %.0f kB per active reception, file in folder %.0f ms median / %.0f ms p99 "
		"after the call\n", h->n, h->cpu_us_per_chan_s,
		h->cpu_us_per_chan_s > 0 ? 1e6 / h->cpu_us_per_chan_s : 0, h->mem_per_active_kb,
		h->latency_median_ms, h->latency_p99_ms);
}

static void fb_report_text_vs_thin(const struct fb_result *r, FILE *out)
{
	const struct fb_step *gw, *thin;

	if (!r->thin.ran)
		return;
	if (fb_report_thin_pair(r, &gw, &thin))
		fprintf(out, "  channels per core, faxgwd / thin gateway: %.2f (at N=%u; faxgwd "
			"CPU per channel-second = %.2f x the thin gateway's)\n",
			thin->cpu_us_per_chan_s / gw->cpu_us_per_chan_s, gw->n,
			gw->cpu_us_per_chan_s / thin->cpu_us_per_chan_s);
	else
		fprintf(out, "  channels per core, faxgwd / thin gateway: not measurable (no N "
			"held by both, or CPU below the clock resolution)\n");
}

static void fb_report_text_one(const struct fb_run *run, const struct fb_result *r, FILE *out)
{
	const struct fb_alone *a = &r->alone;
	const struct fb_step *h = fb_report_headline(r);
	double ratio = fb_report_ratio(r);

	fprintf(out, "\n%s\n", fb_report_label(r->t));
	fprintf(out, "  spandsp alone (%u pairs in memory, %u intact): receive %.0f us per "
		"channel-second (%.0f channels per core), send %.0f us; heap per reception %.0f kB "
		"at its peak (%.0f kB after init)\n", a->pairs, a->intact, a->rx_us_per_chan_s,
		a->rx_us_per_chan_s > 0 ? 1e6 / a->rx_us_per_chan_s : 0, a->tx_us_per_chan_s,
		a->rx_peak_heap_kb, a->rx_init_heap_kb);
	if (a->first_error[0] != '\0')
		fprintf(out, "  spandsp alone failure: %s\n", a->first_error);
	if (r->thin.ran)
		fb_report_text_thin(run, &r->thin, out);
	fprintf(out, "  faxgwd:\n");
	if (r->error[0] != '\0')
		fprintf(out, "  faxgwd: %s\n", r->error);
	if (r->ports > 0)
		fprintf(out, "  faxgwd idle RSS: %llu kB with %u ports, %llu kB with 1 port; ",
			(unsigned long long)r->rss_idle_kb, r->ports,
			(unsigned long long)r->rss_base_kb);
	if (r->ports > 0 && r->mem_per_idle_port_kb >= 0)
		fprintf(out, "%.1f kB per idle port%s\n", r->mem_per_idle_port_kb,
			r->ports < FB_IDLE_PORTS_MEANINGFUL ? " (few ports: mostly noise)" : "");
	else if (r->ports > 0)
		fprintf(out, "per idle port: not measurable (%s)\n",
			r->ports > 1 ? "no growth above the noise" : "needs --max 2 or more");
	if (r->nsteps > 0)
		fb_report_text_steps(r->steps, r->nsteps, r->t == FB_SIP, out);
	if (h == NULL)
		return;
	fprintf(out, "  highest N held: %u%s\n", r->held_index >= 0 ? h->n : 0,
		r->held_index >= 0 && h->n == run->o.max_n ? " (= --max)" : "");
	fprintf(out, "  at N=%u: faxgwd %.0f us per channel-second (%.0f channels per core), "
		"%.0f kB per active reception, %.0f datagrams/s, routed to folder %.0f ms median "
		"/ %.0f ms p99 after the call\n", h->n, h->cpu_us_per_chan_s,
		h->cpu_us_per_chan_s > 0 ? 1e6 / h->cpu_us_per_chan_s : 0, h->mem_per_active_kb,
		h->datagrams_per_s, h->latency_median_ms, h->latency_p99_ms);
	if (h->gw_worst_step_late_ms >= 0)
		fprintf(out, "  at N=%u: faxgwd's media threads: worst step %.1f ms late, longest step "
			"of one call %.2f ms\n", h->n, h->gw_worst_step_late_ms, h->gw_longest_call_ms);
	if (r->t == FB_SIP)
		fprintf(out, "  at N=%u: SIP call set-up (INVITE to 200 OK) %.1f ms median / %.1f ms "
			"p99; 200 OK to T.38 (re-INVITE ACKed) %.1f ms median / %.1f ms p99\n", h->n,
			h->setup_median_ms, h->setup_p99_ms, h->t38_median_ms, h->t38_p99_ms);
	if (ratio >= 0)
		fprintf(out, "  channels per core, faxgwd / spandsp alone: %.2f\n", ratio);
	else
		fprintf(out, "  channels per core, faxgwd / spandsp alone: not measurable "
			"(faxgwd CPU below the clock resolution)\n");
	fb_report_text_vs_thin(r, out);
}

void fb_report_text(const struct fb_run *run, FILE *out)
{
	char machine[256];

	fb_report_machine(machine, sizeof(machine));
	fprintf(out, "faxbench: %s\n", machine);
	fprintf(out, "document: %d pages, %s resolution, %s, up to %d bit/s; ", run->doc_pages,
		fb_report_res(run->o.resolution), run->o.ecm ? "ECM" : "no ECM", run->o.max_rate);
	if (run->o.stagger_ms > 0)
		fprintf(out, "calls start over %u ms", run->o.stagger_ms);
	else
		fprintf(out, "calls start over N x %d ms (%d to %d s)", FB_STAGGER_PER_CALL_MS,
			FB_MIN_STAGGER_MS / 1000, FB_MAX_STAGGER_MS / 1000);
	fprintf(out, "%s; a tick %u ms late or more is late; senders at nice %+d",
		run->o.duration_s ? ", sustained load" : "", run->o.late_ms,
		run->o.base_nice + run->o.nice);
	fprintf(out, " on %u thread(s)\n", run->o.sender_threads);
	for (int t = 0; t < FB_NTRANSPORTS; t++)
		if (run->res[t].ran)
			fb_report_text_one(run, &run->res[t], out);
	fprintf(out, "\nwall time %.0f s\n", run->wall_s);
}

/* --- JSON -------------------------------------------------------------------------- */

static void fb_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

/* A number, or null when negative (not measured) or not finite. */
static void fb_json_num(FILE *out, double v)
{
	if (!isfinite(v) || v < 0)
		fputs("null", out);
	else
		fprintf(out, "%.3f", v);
}

/* FB_SIP: ", "setup_ms": {...}, "t38_switch_ms": {...}" (null: no call got there). */
static void fb_json_sip(FILE *out, const struct fb_step *s)
{
	fputs(", \"setup_ms\": {\"median\": ", out);
	fb_json_num(out, s != NULL && s->setup_samples ? s->setup_median_ms : -1);
	fputs(", \"p99\": ", out);
	fb_json_num(out, s != NULL && s->setup_samples ? s->setup_p99_ms : -1);
	fprintf(out, ", \"samples\": %u}, \"t38_switch_ms\": {\"median\": ",
		s != NULL ? s->setup_samples : 0);
	fb_json_num(out, s != NULL && s->t38_samples ? s->t38_median_ms : -1);
	fputs(", \"p99\": ", out);
	fb_json_num(out, s != NULL && s->t38_samples ? s->t38_p99_ms : -1);
	fprintf(out, ", \"samples\": %u}", s != NULL ? s->t38_samples : 0);
}

/* One step; who names the measured process in its keys ("faxgwd", "thin"). */
static void fb_json_step(FILE *out, const struct fb_step *s, const char *who,
			 enum fb_transport t)
{
	fprintf(out, "{\"n\": %u, \"stagger_ms\": %u, \"faxes\": %u, \"intact\": %u, \"failed\": %u, "
		"\"sender_failed\": %u, \"not_routed\": %u, \"mismatched\": %u, \"ticks\": %llu, "
		"\"late_ticks\": %llu, \"max_late_ms\": ", s->n, s->stagger_ms, s->calls, s->intact, s->failed,
		s->sender_failed, s->not_routed, s->mismatched, (unsigned long long)s->ticks,
		(unsigned long long)s->late_ticks);
	fb_json_num(out, s->max_late_ms);
	fprintf(out, ", \"%s_late_steps\": %llu, \"%s_max_late_ms\": ", who,
		(unsigned long long)s->gw_late_steps, who);
	fb_json_num(out, s->gw_max_late_ms);
	fprintf(out, ", \"%s_worst_step_late_ms\": ", who);
	fb_json_num(out, s->gw_worst_step_late_ms);
	fprintf(out, ", \"%s_longest_call_step_ms\": ", who);
	fb_json_num(out, s->gw_longest_call_ms);
	fputs(", \"window_s\": ", out);
	fb_json_num(out, s->window_s);
	fputs(", \"channel_seconds\": ", out);
	fb_json_num(out, s->channel_s);
	fputs(", \"call_seconds_mean\": ", out);
	fb_json_num(out, s->call_s_mean);
	fprintf(out, ", \"datagrams_in\": %llu, \"datagrams_out\": %llu, \"datagrams_per_second\": ",
		(unsigned long long)s->datagrams_in, (unsigned long long)s->datagrams_out);
	fb_json_num(out, s->datagrams_per_s);
	fprintf(out, ", \"%s_cpu_us\": ", who);
	fb_json_num(out, s->cpu_us);
	fprintf(out, ", \"%s_cpu_us_per_channel_second\": ", who);
	fb_json_num(out, s->cpu_us_per_chan_s);
	fprintf(out, ", \"rss_idle_kb\": %llu, \"rss_peak_kb\": %llu, \"mem_per_active_reception_kb\": ",
		(unsigned long long)s->rss_idle_kb, (unsigned long long)s->rss_peak_kb);
	fb_json_num(out, s->mem_per_active_kb);
	fputs(", \"routed_latency_ms\": {\"median\": ", out);
	fb_json_num(out, s->latency_samples ? s->latency_median_ms : -1);
	fputs(", \"p99\": ", out);
	fb_json_num(out, s->latency_samples ? s->latency_p99_ms : -1);
	fputs(", \"max\": ", out);
	fb_json_num(out, s->latency_samples ? s->latency_max_ms : -1);
	fprintf(out, ", \"samples\": %u}, \"bench_cpu_s\": ", s->latency_samples);
	fb_json_num(out, s->bench_cpu_s);
	fprintf(out, ", \"held\": %s, \"first_error\": ", s->held ? "true" : "false");
	fb_json_str(out, s->first_error);
	if (t == FB_SIP)
		fb_json_sip(out, s);
	fputc('}', out);
}

static void fb_json_alone(FILE *out, const struct fb_alone *a)
{
	fprintf(out, "{\"pairs\": %u, \"intact\": %u, \"receive_cpu_us_per_channel_second\": ",
		a->pairs, a->intact);
	fb_json_num(out, a->rx_us_per_chan_s);
	fputs(", \"send_cpu_us_per_channel_second\": ", out);
	fb_json_num(out, a->tx_us_per_chan_s);
	fputs(", \"channels_per_core\": ", out);
	fb_json_num(out, a->rx_us_per_chan_s > 0 ? 1e6 / a->rx_us_per_chan_s : -1);
	fputs(", \"channel_seconds\": ", out);
	fb_json_num(out, a->channel_s);
	fputs(", \"heap_per_reception_kb\": ", out);
	fb_json_num(out, a->rx_peak_heap_kb);
	fputs(", \"heap_after_init_kb\": ", out);
	fb_json_num(out, a->rx_init_heap_kb);
	fputs(", \"wall_s\": ", out);
	fb_json_num(out, a->wall_s);
	fputs(", \"first_error\": ", out);
	fb_json_str(out, a->first_error);
	fputc('}', out);
}

static void fb_json_thin(FILE *out, const struct fb_thin *th)
{
	const struct fb_step *h = fb_report_thin_headline(th);

	fputs("{\"error\": ", out);
	fb_json_str(out, th->error);
	fprintf(out, ", \"held_n\": %u, \"ports\": %u, \"rss_idle_kb\": %llu, "
		"\"cpu_us_per_channel_second\": ", th->held_index >= 0 ? th->steps[th->held_index].n : 0,
		th->ports, (unsigned long long)th->rss_idle_kb);
	fb_json_num(out, h ? h->cpu_us_per_chan_s : -1);
	fputs(", \"channels_per_core\": ", out);
	fb_json_num(out, h && h->cpu_us_per_chan_s > 0 ? 1e6 / h->cpu_us_per_chan_s : -1);
	fputs(", \"mem_per_active_reception_kb\": ", out);
	fb_json_num(out, h ? h->mem_per_active_kb : -1);
	fputs(", \"datagrams_per_second\": ", out);
	fb_json_num(out, h ? h->datagrams_per_s : -1);
	fputs(", \"routed_latency_ms\": {\"median\": ", out);
	fb_json_num(out, h && h->latency_samples ? h->latency_median_ms : -1);
	fputs(", \"p99\": ", out);
	fb_json_num(out, h && h->latency_samples ? h->latency_p99_ms : -1);
	fputs("},\n       \"steps\": [", out);
	for (unsigned i = 0; i < th->nsteps; i++) {
		fputs(i ? ",\n         " : "\n         ", out);
		fb_json_step(out, &th->steps[i], "thin", FB_T38);
	}
	fputs("]}", out);
}

/* faxgwd against the thin gateway: null without a step to compare at. */
static void fb_json_vs_thin(FILE *out, const struct fb_result *r)
{
	const struct fb_step *gw, *thin;
	bool pair = r->thin.ran && fb_report_thin_pair(r, &gw, &thin);

	fputs(",\n     \"ratio_thin_channels_per_core\": ", out);
	fb_json_num(out, pair ? thin->cpu_us_per_chan_s / gw->cpu_us_per_chan_s : -1);
	fputs(", \"faxgwd_cpu_vs_thin\": ", out);
	fb_json_num(out, pair ? gw->cpu_us_per_chan_s / thin->cpu_us_per_chan_s : -1);
	if (pair)
		fprintf(out, ", \"ratio_thin_at_n\": %u", gw->n);
	else
		fputs(", \"ratio_thin_at_n\": null", out);
}

static void fb_json_result(FILE *out, const struct fb_result *r)
{
	const struct fb_step *h = fb_report_headline(r);

	fprintf(out, "    {\"transport\": \"%s\", \"error\": ", fb_transport_name(r->t));
	fb_json_str(out, r->error);
	fprintf(out, ",\n     \"held_n\": %u, \"ports\": %u, \"rss_base_kb\": %llu, "
		"\"rss_idle_kb\": %llu, \"mem_per_idle_port_kb\": ",
		r->held_index >= 0 ? r->steps[r->held_index].n : 0, r->ports,
		(unsigned long long)r->rss_base_kb, (unsigned long long)r->rss_idle_kb);
	fb_json_num(out, r->mem_per_idle_port_kb);
	fputs(",\n     \"faxgwd_cpu_us_per_channel_second\": ", out);
	fb_json_num(out, h ? h->cpu_us_per_chan_s : -1);
	fputs(", \"faxgwd_channels_per_core\": ", out);
	fb_json_num(out, h && h->cpu_us_per_chan_s > 0 ? 1e6 / h->cpu_us_per_chan_s : -1);
	fputs(", \"ratio_channels_per_core\": ", out);
	fb_json_num(out, fb_report_ratio(r));
	fb_json_vs_thin(out, r);
	fputs(",\n     \"mem_per_active_reception_kb\": ", out);
	fb_json_num(out, h ? h->mem_per_active_kb : -1);
	fputs(", \"datagrams_per_second\": ", out);
	fb_json_num(out, h ? h->datagrams_per_s : -1);
	fputs(", \"routed_latency_ms\": {\"median\": ", out);
	fb_json_num(out, h && h->latency_samples ? h->latency_median_ms : -1);
	fputs(", \"p99\": ", out);
	fb_json_num(out, h && h->latency_samples ? h->latency_p99_ms : -1);
	fputc('}', out);
	if (r->t == FB_SIP)
		fb_json_sip(out, h);
	fputs(",\n     \"spandsp_alone\": ", out);
	fb_json_alone(out, &r->alone);
	fputs(",\n     \"thin_gateway\": ", out);
	if (r->thin.ran)
		fb_json_thin(out, &r->thin);
	else
		fputs("null", out);
	fputs(",\n     \"steps\": [", out);
	for (unsigned i = 0; i < r->nsteps; i++) {
		fputs(i ? ",\n       " : "\n       ", out);
		fb_json_step(out, &r->steps[i], "faxgwd", r->t);
	}
	fputs("]}", out);
}

void fb_report_json(const struct fb_run *run, FILE *out)
{
	char machine[256];
	bool first = true;

	fb_report_machine(machine, sizeof(machine));
	fputs("{\"machine\": ", out);
	fb_json_str(out, machine);
	fprintf(out, ", \"cpus\": %ld,\n \"options\": {\"pages\": %d, \"resolution\": \"%s\", "
		"\"ecm\": %s, \"max_rate\": %d, \"start\": %u, \"max\": %u, \"duration_s\": %u, "
		"\"stagger_ms\": %u, \"late_ms\": %u, \"nice\": %d, \"alone_pairs\": %u, "
		"\"sender_threads\": %u, \"quick\": %s},\n"
		" \"transports\": [\n",
		sysconf(_SC_NPROCESSORS_ONLN), run->doc_pages, fb_report_res(run->o.resolution),
		run->o.ecm ? "true" : "false", run->o.max_rate, run->o.start_n, run->o.max_n,
		run->o.duration_s, run->o.stagger_ms, run->o.late_ms, run->o.nice, run->o.alone_pairs,
		run->o.sender_threads, run->o.quick ? "true" : "false");
	for (int t = 0; t < FB_NTRANSPORTS; t++) {
		if (!run->res[t].ran)
			continue;
		if (!first)
			fputs(",\n", out);
		first = false;
		fb_json_result(out, &run->res[t]);
	}
	fputs("\n ],\n \"wall_s\": ", out);
	fb_json_num(out, run->wall_s);
	fputs("}\n", out);
}
