/*
 * extension.c - the routing extension loader.
 */
#include "extension.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <faxgw/admin.h>

#include "config.h"
#include "log.h"

struct extension_slot {
	struct extension_image info;
	void *handle;                 /* dlopen handle while loaded */
	fgw_route_extension cb;
};

struct extension_set {
	const struct config *cfg;
	fgw_route_host host;
	struct extension_slot images[FGW_MAX_EXTENSIONS];
	size_t nimages;
	uint32_t skipped;             /* images over FGW_MAX_EXTENSIONS */
	struct extension_method methods[FGW_MAX_METHODS];
	size_t nmethods;
	long loading;                 /* image being initialised, -1 outside init */
	size_t loading_first;         /* its first method */
	char value[FGW_MAX_ERROR_TEXT]; /* config_value's answer */
};

int extension_guid_valid(const char *guid)
{
	static const size_t dashes[] = { 9, 14, 19, 24 };
	size_t d = 0;

	if (guid == NULL || strlen(guid) != FGW_GUID_LEN || guid[0] != '{' ||
	    guid[FGW_GUID_LEN - 1] != '}')
		return 0;
	for (size_t i = 1; i < FGW_GUID_LEN - 1; i++) {
		if (d < 4 && i == dashes[d]) {
			if (guid[i] != '-')
				return 0;
			d++;
			continue;
		}
		if (!((guid[i] >= '0' && guid[i] <= '9') || (guid[i] >= 'a' && guid[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* A C identifier of 1..FGW_MAX_NAME-1 characters (what dlsym can find). */
static int extension_function_name_valid(const char *s)
{
	size_t n = s != NULL ? strnlen(s, FGW_MAX_NAME) : 0;

	if (n == 0 || n >= FGW_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
			 (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return 0;
	}
	return 1;
}

/* 1..FGW_MAX_NAME-1 bytes, no control characters. */
static int extension_friendly_name_valid(const char *s)
{
	size_t n = s != NULL ? strnlen(s, FGW_MAX_NAME) : 0;

	if (n == 0 || n >= FGW_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* --- the host table ------------------------------------------------------------ */

static int extension_host_register(void *host, const char *guid, const char *function_name,
				   const char *friendly_name)
{
	struct extension_set *s = host;
	struct extension_slot *img;

	if (s == NULL || s->loading < 0)
		return -1;
	img = &s->images[s->loading];
	if (!extension_guid_valid(guid)) {
		log_err("routing extension %s: method GUID '%.60s' is not in the canonical "
			"{8-4-4-4-12} lower-case form", img->info.path, guid ? guid : "(null)");
		return -1;
	}
	if (!extension_function_name_valid(function_name) ||
	    !extension_friendly_name_valid(friendly_name)) {
		log_err("routing extension %s: method %s: function and friendly names must be "
			"1..%d printable characters (function: a C identifier)", img->info.path,
			guid, FGW_MAX_NAME - 1);
		return -1;
	}
	if (extension_method_find(s, guid, NULL) != NULL) {
		log_err("routing extension %s: method %s is already registered", img->info.path,
			guid);
		return -1;
	}
	if (s->nmethods >= FGW_MAX_METHODS ||
	    s->nmethods - s->loading_first >= FGW_MAX_METHODS_PER_EXT) {
		log_err("routing extension %s: too many methods", img->info.path);
		return -1;
	}
	struct extension_method *m = &s->methods[s->nmethods++];
	memset(m, 0, sizeof(*m));
	snprintf(m->guid, sizeof(m->guid), "%s", guid);
	snprintf(m->function_name, sizeof(m->function_name), "%s", function_name);
	snprintf(m->friendly_name, sizeof(m->friendly_name), "%s", friendly_name);
	m->image = (size_t)s->loading;
	return 0;
}

static void extension_host_log(void *host, int level, const char *fmt, ...)
{
	va_list ap;

	(void)host;
	if (level < LOG_EMERG || level > LOG_DEBUG)
		level = LOG_INFO;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static const char *extension_value(struct extension_set *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *extension_value(struct extension_set *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->value, sizeof(s->value), fmt, ap);
	va_end(ap);
	return s->value;
}

static const char *extension_attach_name(int pdf, int tiff)
{
	return pdf && tiff ? "pdf+tiff" : tiff ? "tiff" : "pdf";
}

/* [mail] keys as faxgwd.conf(5) names them, plus "valid" (yes/no) and
 * "invalid-reason". */
static const char *extension_mail_value(struct extension_set *s, const struct config_mail *m,
					const char *key)
{
	if (strcmp(key, "valid") == 0)
		return m->valid ? "yes" : "no";
	if (strcmp(key, "invalid-reason") == 0)
		return extension_value(s, "%s", m->invalid_reason);
	if (strcmp(key, "smtp-url") == 0)
		return extension_value(s, "%s", m->smtp_url);
	if (strcmp(key, "starttls") == 0)
		return config_starttls_name(m->starttls);
	if (strcmp(key, "from") == 0)
		return extension_value(s, "%s", m->from);
	if (strcmp(key, "from-address") == 0)
		return extension_value(s, "%s", m->from_address);
	if (strcmp(key, "username") == 0)
		return extension_value(s, "%s", m->username);
	if (strcmp(key, "password") == 0)
		return extension_value(s, "%s", m->password);
	if (strcmp(key, "attach") == 0)
		return extension_attach_name(m->attach_pdf, m->attach_tiff);
	return NULL;
}

static const char *extension_http_value(struct extension_set *s, const struct config_http *h,
					const char *key)
{
	if (strcmp(key, "valid") == 0)
		return h->valid ? "yes" : "no";
	if (strcmp(key, "invalid-reason") == 0)
		return extension_value(s, "%s", h->invalid_reason);
	if (strcmp(key, "timeout") == 0)
		return extension_value(s, "%ums", h->timeout_ms);
	if (strcmp(key, "attach") == 0)
		return extension_attach_name(h->attach_pdf, h->attach_tiff);
	return NULL;
}

/* The answer is valid until the next call. */
static const char *extension_host_config_value(void *host, const char *section, const char *key)
{
	struct extension_set *s = host;

	if (s == NULL || s->cfg == NULL || section == NULL || key == NULL)
		return NULL;
	if (strcmp(section, "mail") == 0 && s->cfg->mail.present)
		return extension_mail_value(s, &s->cfg->mail, key);
	if (strcmp(section, "http") == 0 && s->cfg->http.present)
		return extension_http_value(s, &s->cfg->http, key);
	return NULL;
}

/* --- loading ---------------------------------------------------------------------- */

static struct extension_slot *extension_new_slot(struct extension_set *s, const char *path)
{
	struct extension_slot *img;

	if (s->nimages >= FGW_MAX_EXTENSIONS) {
		s->skipped++;
		log_err("routing extension %s skipped: more than %d extensions", path,
			FGW_MAX_EXTENSIONS);
		return NULL;
	}
	img = &s->images[s->nimages++];
	memset(img, 0, sizeof(*img));
	snprintf(img->info.path, sizeof(img->info.path), "%s", path);
	return img;
}

static void extension_fail(struct extension_slot *img, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void extension_fail(struct extension_slot *img, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(img->info.error, sizeof(img->info.error), fmt, ap);
	va_end(ap);
	img->info.loaded = 0;
	img->info.friendly_name[0] = '\0';
	log_err("routing extension %s not loaded: %s", img->info.path, img->info.error);
}

/* Owner root or us, not writable by others. */
static int extension_check_owner(const struct stat *sb, const char *what, char *why, size_t whylen)
{
	if (sb->st_uid != 0 && sb->st_uid != geteuid()) {
		snprintf(why, whylen, "%s is owned by uid %u, not by root or faxgwd's uid %u",
			 what, (unsigned)sb->st_uid, (unsigned)geteuid());
		return -1;
	}
	if (sb->st_mode & S_IWOTH) {
		snprintf(why, whylen, "%s is writable by everyone", what);
		return -1;
	}
	return 0;
}

static int extension_check_file(const char *path, char *why, size_t whylen)
{
	struct stat sb;

	if (lstat(path, &sb) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (S_ISLNK(sb.st_mode)) {
		snprintf(why, whylen, "it is a symbolic link, not a regular file");
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return -1;
	}
	return extension_check_owner(&sb, "the file", why, whylen);
}

/* Finds every method's routing function; -1 with the image failed. */
static int extension_resolve(struct extension_set *s, struct extension_slot *img)
{
	for (size_t i = s->loading_first; i < s->nmethods; i++) {
		struct extension_method *m = &s->methods[i];
		void *sym;

		dlerror();
		sym = dlsym(img->handle, m->function_name);
		if (sym == NULL) {
			extension_fail(img, "method %s: routing function %s not found", m->guid,
				       m->function_name);
			return -1;
		}
		m->fn = (fgw_routing_fn)sym;
	}
	return 0;
}

/* Calls the entry; -1 with the image failed (methods not yet rolled back).
 * *inited tells whether the entry succeeded (so shutdown is owed). */
static int extension_init(struct extension_set *s, struct extension_slot *img, int *inited)
{
	char why[FGW_MAX_ERROR_TEXT] = "";
	fgw_routing_init_fn entry;
	void *sym;
	int rc;

	dlerror();
	sym = dlsym(img->handle, FGW_ROUTING_ENTRY_NAME);
	if (sym == NULL) {
		extension_fail(img, "no entry symbol %s", FGW_ROUTING_ENTRY_NAME);
		return -1;
	}
	entry = (fgw_routing_init_fn)sym;
	s->loading = (long)(img - s->images);
	s->loading_first = s->nmethods;
	rc = entry(&s->host, &img->cb, why, sizeof(why));
	s->loading = -1;
	why[sizeof(why) - 1] = '\0';
	if (rc != 0) {
		extension_fail(img, "initialisation refused: %s", why[0] ? why : "no reason given");
		return -1;
	}
	*inited = 1;
	if (img->cb.validate == NULL || img->cb.can_enable == NULL) {
		extension_fail(img, "validate and can_enable callbacks are required");
		return -1;
	}
	if (!extension_friendly_name_valid(img->cb.friendly_name)) {
		extension_fail(img, "extension friendly name must be 1..%d printable characters",
			       FGW_MAX_NAME - 1);
		return -1;
	}
	return 0;
}

static void extension_load_one(struct extension_set *s, const char *path)
{
	char why[FGW_MAX_ERROR_TEXT];
	struct extension_slot *img = extension_new_slot(s, path);
	size_t first = s->nmethods;
	int rc, inited = 0;

	if (img == NULL)
		return;
	if (extension_check_file(path, why, sizeof(why)) != 0) {
		extension_fail(img, "%s", why);
		return;
	}
	img->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (img->handle == NULL) {
		const char *e = dlerror();
		extension_fail(img, "dlopen: %s", e != NULL ? e : "unknown error");
		return;
	}
	rc = extension_init(s, img, &inited);
	if (rc == 0)
		rc = extension_resolve(s, img);
	if (rc != 0) {
		if (inited && img->cb.shutdown != NULL)
			img->cb.shutdown(&s->host);
		s->nmethods = first;
		dlclose(img->handle);
		img->handle = NULL;
		memset(&img->cb, 0, sizeof(img->cb));
		return;
	}
	img->info.loaded = 1;
	img->info.method_count = (uint32_t)(s->nmethods - first);
	snprintf(img->info.friendly_name, sizeof(img->info.friendly_name), "%s",
		 img->cb.friendly_name);
	log_info("routing extension %s loaded: %s, %u methods", path, img->info.friendly_name,
		 (unsigned)img->info.method_count);
}

static int extension_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int extension_is_candidate(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 3 && strcmp(name + n - 3, ".so") == 0;
}

/* Names of the candidate files, sorted (malloc'd array of malloc'd names). */
static int extension_scan(DIR *d, char ***names, size_t *n)
{
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	while ((de = readdir(d)) != NULL) {
		if (!extension_is_candidate(de->d_name))
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nv = realloc(*names, ncap * sizeof(*nv));
			if (nv == NULL)
				return -1;
			*names = nv;
			cap = ncap;
		}
		(*names)[*n] = strdup(de->d_name);
		if ((*names)[*n] == NULL)
			return -1;
		(*n)++;
	}
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), extension_name_cmp);
	return 0;
}

/* Checks the directory; records a failed image for it when unusable. */
static DIR *extension_open_dir(struct extension_set *s, const char *dir)
{
	char why[FGW_MAX_ERROR_TEXT];
	struct stat sb;
	struct extension_slot *img;
	DIR *d = NULL;

	if (stat(dir, &sb) != 0)
		snprintf(why, sizeof(why), "extensions directory: %s", strerror(errno));
	else if (!S_ISDIR(sb.st_mode))
		snprintf(why, sizeof(why), "extensions directory: not a directory");
	else if (extension_check_owner(&sb, "the extensions directory", why, sizeof(why)) == 0 &&
		 (d = opendir(dir)) == NULL)
		snprintf(why, sizeof(why), "extensions directory: %s", strerror(errno));
	if (d == NULL && (img = extension_new_slot(s, dir)) != NULL)
		extension_fail(img, "%s; no routing extension loaded", why);
	return d;
}

int extension_set_load(const struct config *cfg, struct extension_set **out, char *err,
		       size_t errlen)
{
	struct extension_set *s = calloc(1, sizeof(*s));
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	int rc = 0;

	*out = NULL;
	if (s == NULL)
		goto nomem;
	s->cfg = cfg;
	s->loading = -1;
	s->host.abi_version = FGW_ROUTING_ABI_VERSION;
	s->host.host = s;
	s->host.store_root = cfg->store_root;
	s->host.exec_dir = cfg->exec_dir;
	s->host.spool_dir = cfg->spool;
	s->host.register_method = extension_host_register;
	s->host.log = extension_host_log;
	s->host.config_value = extension_host_config_value;
	d = extension_open_dir(s, cfg->extensions);
	if (d != NULL) {
		rc = extension_scan(d, &names, &n);
		closedir(d);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char path[FGW_MAX_PATH];
		if (snprintf(path, sizeof(path), "%s/%s", cfg->extensions, names[i]) >=
		    (int)sizeof(path)) {
			log_err("routing extension %s/%s: path too long", cfg->extensions, names[i]);
			s->skipped++;
			continue;
		}
		extension_load_one(s, path);
	}
	for (size_t i = 0; i < n; i++)
		free(names ? names[i] : NULL);
	free(names);
	if (rc != 0)
		goto nomem;
	*out = s;
	return 0;
nomem:
	extension_set_free(s);
	snprintf(err, errlen, "routing extensions: out of memory");
	return -1;
}

void extension_set_free(struct extension_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = s->nimages; i-- > 0;) {
		struct extension_slot *img = &s->images[i];
		if (img->handle == NULL)
			continue;
		if (img->cb.shutdown != NULL)
			img->cb.shutdown(&s->host);
		dlclose(img->handle);
	}
	free(s);
}

/* --- queries ---------------------------------------------------------------- */

size_t extension_count(const struct extension_set *s)
{
	return s != NULL ? s->nimages : 0;
}

const struct extension_image *extension_at(const struct extension_set *s, size_t i)
{
	return s != NULL && i < s->nimages ? &s->images[i].info : NULL;
}

uint32_t extension_failures(const struct extension_set *s)
{
	uint32_t n = 0;

	if (s == NULL)
		return 0;
	for (size_t i = 0; i < s->nimages; i++)
		n += !s->images[i].info.loaded;
	return n + s->skipped;
}

size_t extension_method_count(const struct extension_set *s)
{
	return s != NULL ? s->nmethods : 0;
}

const struct extension_method *extension_method_at(const struct extension_set *s, size_t i)
{
	return s != NULL && i < s->nmethods ? &s->methods[i] : NULL;
}

const struct extension_method *extension_method_find(const struct extension_set *s,
						     const char *guid, size_t *index)
{
	if (s == NULL || guid == NULL)
		return NULL;
	for (size_t i = 0; i < s->nmethods; i++) {
		if (strcasecmp(s->methods[i].guid, guid) == 0) {
			if (index != NULL)
				*index = i;
			return &s->methods[i];
		}
	}
	return NULL;
}

static int extension_call(const struct extension_set *s, const char *guid, int enable,
			  uint32_t port_id, const void *data, size_t len, char *reason,
			  size_t reasonlen)
{
	const struct extension_method *m = extension_method_find(s, guid, NULL);
	char why[FGW_MAX_ERROR_TEXT] = "";
	const struct extension_slot *img;
	fgw_route_validate_fn fn;

	if (m == NULL) {
		snprintf(reason, reasonlen, "no routing method %.40s", guid ? guid : "(null)");
		return FGW_E_NO_METHOD;
	}
	img = &s->images[m->image];
	fn = enable ? img->cb.can_enable : img->cb.validate;
	if (fn(&s->host, m->guid, port_id, len > 0 ? data : "", len, why, sizeof(why)) == 0)
		return 0;
	why[sizeof(why) - 1] = '\0';
	if (why[0] == '\0')
		snprintf(why, sizeof(why), "refused by %s", img->info.friendly_name);
	snprintf(reason, reasonlen, "%s", why);
	return enable ? FGW_E_NOT_ENABLEABLE : FGW_E_BAD_DATA;
}

int extension_validate(const struct extension_set *s, const char *guid, uint32_t port_id,
		       const void *data, size_t len, char *reason, size_t reasonlen)
{
	return extension_call(s, guid, 0, port_id, data, len, reason, reasonlen);
}

int extension_can_enable(const struct extension_set *s, const char *guid, uint32_t port_id,
			 const void *data, size_t len, char *reason, size_t reasonlen)
{
	return extension_call(s, guid, 1, port_id, data, len, reason, reasonlen);
}

void extension_device_change(const struct extension_set *s, const char *guid, uint32_t port_id,
			     int enabled, const void *data, size_t len)
{
	const struct extension_method *m = extension_method_find(s, guid, NULL);

	if (m == NULL || s->images[m->image].cb.device_change == NULL)
		return;
	s->images[m->image].cb.device_change(&s->host, m->guid, port_id, enabled,
					     len > 0 ? data : "", len);
}

int extension_redact(const struct extension_set *s, const char *guid, const void *data,
		     size_t len, void *out, size_t outcap, size_t *outlen)
{
	const struct extension_method *m = extension_method_find(s, guid, NULL);
	size_t n = 0;

	if (m == NULL || s->images[m->image].cb.redact == NULL || len == 0)
		return 0;
	int r = s->images[m->image].cb.redact(&s->host, m->guid, data, len, out, outcap, &n);
	if (r == 0)
		return 0;
	/* Masked, or something to hide that could not be masked: then
	 * nothing is shown rather than the secret. */
	*outlen = r == 1 && n <= outcap ? n : 0;
	return 1;
}

int extension_has_device_change(const struct extension_set *s, const char *guid)
{
	const struct extension_method *m = extension_method_find(s, guid, NULL);

	return m != NULL && s->images[m->image].cb.device_change != NULL;
}

fgw_routing_fn extension_routing_fn(const struct extension_set *s, const char *guid)
{
	const struct extension_method *m = extension_method_find(s, guid, NULL);

	return m != NULL ? m->fn : NULL;
}

const fgw_route_host *extension_host(const struct extension_set *s)
{
	return s != NULL ? &s->host : NULL;
}
