/*
 * sipmedia.c - SIP calls onto the media threads (sipmedia.h).
 */
#include "sipmedia.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "port.h"
#include "worker.h"

/* The plan's remote address as a socket address. */
static void sipmedia_remote(const struct sdp_plan *plan, struct port_media *pm)
{
	memset(&pm->remote, 0, sizeof(pm->remote));
	if (plan->remote.family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&pm->remote;
		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, plan->remote.bytes, 16);
		a->sin6_port = htons(plan->remote_port);
		pm->remote_len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&pm->remote;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, plan->remote.bytes, 4);
		a->sin_port = htons(plan->remote_port);
		pm->remote_len = sizeof(*a);
	}
}

static void sipmedia_convert(const struct sip_media *m, struct port_media *pm)
{
	const struct sdp_plan *plan = &m->plan;

	memset(pm, 0, sizeof(*pm));
	pm->serial = m->serial;
	pm->fd = m->fd;
	sipmedia_remote(plan, pm);
	pm->t38 = plan->transport == SDP_TRANSPORT_T38;
	pm->alaw = plan->law == SDP_CODEC_PCMA;
	pm->payload_type = pm->t38 ? -1 : plan->payload_type;
	pm->ptime = plan->ptime;
	pm->t38_version = plan->t38.version;
	pm->max_datagram = plan->t38_send_max_datagram;
	pm->ec_fec = plan->t38.ec == SDP_T38_EC_FEC;
	pm->ec_none = plan->t38.ec == SDP_T38_EC_NONE;
	snprintf(pm->call_id, sizeof(pm->call_id), "%s", m->call_id);
	snprintf(pm->from, sizeof(pm->from), "%s", m->from);
	snprintf(pm->to, sizeof(pm->to), "%s", m->to);
	snprintf(pm->user_agent, sizeof(pm->user_agent), "%s", m->user_agent);
	pm->job_id = m->job_id;
	snprintf(pm->send_file, sizeof(pm->send_file), "%s", m->send_file);
	snprintf(pm->local_ident, sizeof(pm->local_ident), "%s", m->local_ident);
	pm->ended = m->ended;
	pm->ended_arg = m->ended_arg;
}

static int sipmedia_send(struct dataplane *dp, enum worker_cmd_kind kind, size_t port,
			 unsigned channel, const struct sip_media *m, uint64_t serial)
{
	struct worker_cmd *cmd;
	struct port *p;
	struct worker *w;

	if (dataplane_channel(dp, port, channel, &p, &w) != 0)
		return -1;
	cmd = calloc(1, sizeof(*cmd));
	if (cmd == NULL) {
		log_err("SIP call: out of memory for a media command");
		return -1;
	}
	cmd->kind = kind;
	cmd->port = p;
	if (m != NULL)
		sipmedia_convert(m, &cmd->m);
	cmd->m.serial = serial;
	worker_command(w, cmd);
	return 0;
}

static int sipmedia_start(void *arg, const struct sip_media *m)
{
	return sipmedia_send(arg, WORKER_MEDIA_START, m->port, m->channel, m, m->serial);
}

static void sipmedia_update(void *arg, const struct sip_media *m)
{
	sipmedia_send(arg, WORKER_MEDIA_UPDATE, m->port, m->channel, m, m->serial);
}

static void sipmedia_hangup(void *arg, size_t port, unsigned channel, uint64_t serial)
{
	sipmedia_send(arg, WORKER_MEDIA_HANGUP, port, channel, NULL, serial);
}

void sipmedia_ops(struct dataplane *dp, struct sip_media_ops *ops)
{
	ops->start = sipmedia_start;
	ops->update = sipmedia_update;
	ops->hangup = sipmedia_hangup;
	ops->arg = dp;
}
