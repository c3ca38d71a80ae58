/*
 * sipmedia.h - the SIP thread's calls on faxgwd's media threads: the
 * struct sip_media_ops of gateway/sip/sip_thread.h over the data plane's
 * sip channels (port.h, worker.h).  A command becomes a worker_cmd with
 * the plan turned into plain port values, queued to the channel's media
 * thread.
 *
 * Ownership: sipmedia_ops() borrows dp, which must outlive the SIP thread
 * (the daemon stops the SIP thread before it frees the data plane).
 */
#ifndef FAXGW_SIPMEDIA_H
#define FAXGW_SIPMEDIA_H

#include "dataplane.h"
#include "sip_thread.h"

void sipmedia_ops(struct dataplane *dp, struct sip_media_ops *ops);

#endif
