/*
 * config.h - faxgwd's configuration file (faxgwd.conf(5)).
 *
 * INI style: [gateway], [port N] (N = 1..2^31-1), [sip], [mail], [http].  Every
 * problem (unknown section or key, bad value, duplicate key, duplicate port
 * id or listen address, missing transport, line too long, ...) is an error
 * reported as "FILE:LINE: message"; all of them are collected (up to
 * FGW_MAX_CONFIG_ERRORS) and the load fails when there is any.
 *
 * Ownership: config_load_*() allocate *out, which the caller frees with
 * config_free() (NULL is fine).  On failure *out is NULL.  The errors
 * struct is caller-owned (it is large: allocate it, don't put it on a
 * small stack); it is reset by each load and may be NULL.
 */
#ifndef FAXGW_CONFIG_H
#define FAXGW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "caps.h"
#include "config_sip.h"
#include "fgwx_cidr.h"

/* The values match fgw_transport (faxgw/admin.h) and faxPortTransport. */
enum config_transport { CONFIG_T38 = 1, CONFIG_AUDIO = 2, CONFIG_SIP = 3 };
/* A sip port's t38: re-INVITE to T.38 once answered | only the peer's | never. */
enum config_t38_mode { CONFIG_T38_OFFER, CONFIG_T38_ACCEPT, CONFIG_T38_NO };

/* UDPTL error recovery, ITU-T T.38 Annex A (A.2: redundancy, FEC). */
enum config_udptl_ec { CONFIG_EC_REDUNDANCY, CONFIG_EC_FEC, CONFIG_EC_NONE };
/* G.711 law on an audio port: mu-law (RTP PT 0) or A-law (PT 8), RFC 3551. */
enum config_codec { CONFIG_PCMU, CONFIG_PCMA };
enum config_starttls { CONFIG_TLS_AUTO, CONFIG_TLS_REQUIRED, CONFIG_TLS_OFF };

struct config_port {
	uint32_t id;                          /* 1..FGW_MAX_PORT_ID */
	char name[FGW_MAX_NAME];              /* default "port N" */
	enum config_transport transport;
	struct sockaddr_storage listen;       /* port number set */
	socklen_t listen_len;
	char listen_text[FGW_MAX_ADDRESS];    /* canonical "a.b.c.d:p" or "[v6]:p" */
	bool has_peer;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char peer_text[FGW_MAX_ADDRESS];      /* "" when !has_peer */
	char local_ident[FGW_MAX_IDENT + 1];  /* CSID, "" when unset */
	bool ecm;                             /* default yes */
	int max_rate;                         /* bit/s, default 14400 */
	int t38_version;                      /* t38 only, 0..3, default 0 */
	enum config_udptl_ec udptl_ec;        /* t38 only, default redundancy */
	enum config_codec codec;              /* audio only, default pcmu */
	/* sources that may use the port: nallow entries of an array of
	 * FGW_MAX_ALLOW allocated at the allow key (NULL without one); owned
	 * by the config.  nallow 0 (default): any source. */
	struct fgwx_cidr *allow;
	size_t nallow;
	/* transport = sip only (no listen, peer, allow, codec): */
	/* request-URI users: nsip_users entries of an array of
	 * FGW_MAX_SIP_USERS, allocated at the first sip-user key (NULL on
	 * every other port, which keeps an idle static port small); owned by
	 * the config (config_free) */
	char (*sip_users)[FGW_MAX_SIP_USER];
	size_t nsip_users;
	bool sip_any;                         /* `*`: every user no port claims */
	int channels;                         /* calls at once, default 1 */
	enum config_t38_mode t38;             /* default offer */
	enum config_codec codecs[FGW_SDP_MAX_CODECS]; /* our preference first */
	size_t ncodecs;                       /* default pcma, pcmu */
	int t38_max_datagram;                 /* announced, default 400 */
	int line;                             /* line of the [port N] header */
};

struct config_sip {
	bool present;                         /* a [sip] section exists */
	int line;                             /* its header */
	struct config_sip_listen listen[FGW_MAX_SIP_LISTEN];
	size_t nlisten;                       /* default udp and tcp 127.0.0.1:5060 */
	char public_address[FGW_SDP_MAX_ADDR_TEXT]; /* numeric; "" unset */
	unsigned media_port_min, media_port_max;    /* default 20000-29999 */
	struct fgwx_cidr allow[FGW_MAX_ALLOW];
	size_t nallow;                        /* default 127.0.0.0/8 and ::1 */
	char username[FGW_MAX_CREDENTIAL];    /* "": no digest authentication */
	char password[FGW_MAX_CREDENTIAL];
	int max_calls;                        /* default FGW_SIP_DEFAULT_CALLS */
	int max_calls_per_source;             /* from one source address; 0 (unset): max_calls */
	char outbound_proxy[FGW_MAX_SIP_URI]; /* "": none */
	char from[FGW_MAX_SIP_URI];           /* "": sip:faxgw@<first listen address> */
};

struct config_mail {
	bool present, valid;                  /* false, false: no [mail] section */
	char invalid_reason[FGW_MAX_ERROR_TEXT];
	char smtp_url[FGW_MAX_SMTP_URL];      /* default smtp://127.0.0.1:25 */
	enum config_starttls starttls;        /* default auto */
	char from[FGW_MAX_MAIL_FROM];         /* as written: "Name <a@b>" or "a@b" */
	char from_address[FGW_MAX_MAIL_FROM]; /* the address alone: "a@b" */
	char username[FGW_MAX_CREDENTIAL];    /* "" : no SMTP AUTH */
	char password[FGW_MAX_CREDENTIAL];
	bool attach_pdf, attach_tiff;         /* default pdf only */
};

struct config_http {
	bool present, valid;                  /* false, false: no [http] section */
	char invalid_reason[FGW_MAX_ERROR_TEXT];
	unsigned timeout_ms;                  /* 1 s..10 min, default 30 s */
	bool attach_pdf, attach_tiff;         /* exactly one of them; default pdf */
};

struct config {
	char file[FGW_MAX_PATH];              /* "(embedded default)" when none */
	char spool[FGW_MAX_PATH];
	char state[FGW_MAX_PATH];
	char control[FGW_MAX_PATH];
	char extensions[FGW_MAX_PATH];
	char store_root[FGW_MAX_PATH];
	char exec_dir[FGW_MAX_PATH];
	char admin_group[FGW_MAX_NAME];       /* "": only root and the daemon's uid modify */
	char query_group[FGW_MAX_NAME];       /* "": any local user may query */
	unsigned retry_attempts;              /* 1..FGW_MAX_RETRY_ATTEMPTS */
	unsigned retry_backoff_ms;            /* first back-off; doubles each time */
	unsigned send_retry_attempts;         /* sending: calls per job, 1..FGW_MAX_RETRY_ATTEMPTS (3) */
	unsigned send_retry_backoff_ms;       /* sending: first back-off (2 min), doubles */
	char send_group[FGW_MAX_NAME];        /* "": only root, the daemon's uid and admin-group send */
	uint64_t history_s;                   /* finished jobs and audit rows kept (s),
					       * 1 h..FGW_MAX_PERIOD_S, default 90 d */
	uint64_t retention_s;                 /* routed files kept in spool/done/ (s);
					       * 0: removed at once (default) */
	struct config_port *ports;            /* sorted by id, owned */
	size_t nports;                        /* >= 1 */
	struct config_sip sip;
	struct config_mail mail;
	struct config_http http;
	/* The embedded default's initial routing: Store in folder enabled into
	 * this folder on every port; "" for a config file. */
	char default_store_folder[FGW_MAX_PATH];
};

/* Every error as "FILE:LINE: message" (or "FILE: message" when it is about
 * the whole file); the ones beyond the cap are only counted. */
struct config_errors {
	size_t n;
	char msg[FGW_MAX_CONFIG_ERRORS][FGW_MAX_ERROR_TEXT];
	size_t dropped;
};

/* 0 ok, -1 errors (errs filled, *out NULL). */
int config_load_file(const char *path, struct config **out, struct config_errors *errs);
/* Parses len bytes of text; name is used as FILE in the errors and as
 * config->file. */
int config_load_string(const char *name, const char *text, size_t len,
		       struct config **out, struct config_errors *errs);
/* The embedded default, with its paths under topdir (the caller passes the
 * current directory).  Creates nothing: faxgwd creates the directories. */
int config_load_default(const char *topdir, struct config **out, struct config_errors *errs);
void config_free(struct config *c);

/* The port with that id, or NULL. */
const struct config_port *config_find_port(const struct config *c, uint32_t id);

/* Names as written in the config file: "t38", "redundancy", "pcmu", ... */
const char *config_transport_name(enum config_transport t);
const char *config_udptl_ec_name(enum config_udptl_ec ec);
const char *config_codec_name(enum config_codec codec);
const char *config_starttls_name(enum config_starttls s);
const char *config_t38_mode_name(enum config_t38_mode m);

/* The embedded default's text, before @TOP@ is substituted (for tests and
 * the fuzz corpus). */
const char *config_default_text(void);

/* The parser behind config_load_string(); allow_relative permits relative
 * paths, which only the embedded default may use (config_default.c). */
int config_parse(const char *name, const char *text, size_t len, bool allow_relative,
		 struct config **out, struct config_errors *errs);

#endif
