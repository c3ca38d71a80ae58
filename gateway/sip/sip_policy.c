/*
 * sip_policy.c - the answers of faxgwd's SIP signalling, from plain values
 * (sip_policy.h).  The order is that of DESIGN 2b: the source first (no
 * state is created for a stranger), then draining and the global limit,
 * then the user, the port's channels, and last the SDP offer.
 */
#include "sip_policy.h"

#include <stdio.h>
#include <string.h>

size_t sip_settings_size(size_t nports)
{
	return sizeof(struct sip_settings) + nports * sizeof(struct sip_port_settings);
}

int sip_policy_port(const struct sip_settings *s, const char *user)
{
	int any = -1;

	if (s == NULL || user == NULL)
		return -1;
	for (size_t i = 0; i < s->nports; i++) {
		const struct sip_port_settings *p = &s->ports[i];
		for (size_t u = 0; u < p->nusers; u++)
			if (strcmp(p->users[u], user) == 0)
				return (int)i;
		if (p->any && any < 0)
			any = (int)i;
	}
	return any;
}

bool sip_policy_allowed(const struct sip_settings *s, const struct sockaddr *src)
{
	return src != NULL && fgwx_cidr_allowed(s->allow, s->nallow, src);
}

int sip_policy_options(const struct sip_settings *s, const struct sockaddr *src, bool draining)
{
	if (!sip_policy_allowed(s, src))
		return 403;
	return draining ? 503 : 200;
}

int sip_policy_invite(const struct sip_settings *s, const struct sockaddr *src,
		      const char *user, const struct sip_load *load, int *port)
{
	int i;

	*port = -1;
	if (!sip_policy_allowed(s, src))
		return 403;                     /* RFC 3261 21.4.4 Forbidden */
	if (load->draining || load->calls >= s->max_calls ||
	    (s->max_calls_per_source > 0 && load->source_calls >= s->max_calls_per_source))
		return 503;                     /* 21.5.4, with Retry-After */
	i = sip_policy_port(s, user);
	if (i < 0)
		return 404;                     /* 21.4.5 Not Found */
	if (load->port_calls != NULL && load->port_calls[i] >= s->ports[i].channels)
		return 486;                     /* 21.4.24 Busy Here */
	*port = i;
	return 0;
}

int sip_policy_offer(const struct sip_port_settings *p, const char *body, size_t len,
		     struct sdp_session *offer, struct sdp_answer *ans, char *warning,
		     size_t size)
{
	char err[96];
	enum sdp_err rc;

	memset(ans, 0, sizeof(*ans));
	warning[0] = '\0';
	if (len == 0)
		return 200;
	rc = sdp_parse(body, len, offer, err, sizeof(err));
	if (rc != SDP_OK) {
		snprintf(warning, size, "Bad SDP: %s", err);
		return 488;
	}
	rc = sdp_answer(offer, &p->sdp, ans);
	if (rc == SDP_OK && ans->status == 200)
		return 200;
	snprintf(warning, size, "%s", ans->warning[0] != '\0' ? ans->warning
			 : "Incompatible media format");
	return 488;
}

void sip_policy_warning(char *out, size_t size, int code, const char *agent, const char *text)
{
	int n = snprintf(out, size, "%d %s \"", code, agent);
	size_t i = n > 0 ? (size_t)n : 0;

	for (; *text != '\0' && i + 2 < size; text++, i++) {
		unsigned char c = (unsigned char)*text;
		out[i] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '\'' : (char)c;
	}
	if (i + 1 < size)
		out[i++] = '"';
	out[i < size ? i : size - 1] = '\0';
}
