/*
 * extension.h - the routing extension loader (faxgw-routing(3)).
 *
 * extension_set_load() scans the configured `extensions` directory: only
 * regular files named *.so directly in it, in name order.  The directory must be
 * owned by root or by faxgwd's uid and not be writable by others; a file
 * that is world-writable or owned by someone else is refused.  Each image
 * is dlopen()ed (RTLD_NOW | RTLD_LOCAL), its entry FGW_ROUTING_ENTRY_NAME
 * called with the host table, and each registered method's routing
 * function found with dlsym().  An image that fails any step is unloaded,
 * every method it registered is forgotten (full rollback), and the failure
 * is recorded (extension_at()->error) and logged; the others are still
 * served.
 *
 * Ownership: the set borrows cfg (it must outlive the set; the host table
 * points into it, so SIGHUP updates of store-root, exec-dir, [mail] and
 * [http] are seen at once).  extension_set_free() calls each extension's
 * shutdown and unloads it (NULL is fine).  Pointers returned by
 * extension_at(), extension_method_at() and extension_method_find() live as
 * long as the set.
 */
#ifndef FAXGW_EXTENSION_H
#define FAXGW_EXTENSION_H

#include <stddef.h>
#include <stdint.h>
#include <faxgw/limits.h>
#include <faxgw/routing.h>

struct config;
struct extension_set;

/* One image found in the directory (loaded or not). */
struct extension_image {
	char path[FGW_MAX_PATH];          /* the .so path */
	char friendly_name[FGW_MAX_NAME]; /* "" when it did not load */
	int loaded;
	char error[FGW_MAX_ERROR_TEXT];   /* why it did not load, "" when loaded */
	uint32_t method_count;
};

/* One registered routing method of a loaded image. */
struct extension_method {
	char guid[FGW_GUID_LEN + 1];      /* canonical, lower case */
	char function_name[FGW_MAX_NAME];
	char friendly_name[FGW_MAX_NAME];
	size_t image;                     /* index for extension_at() */
	fgw_routing_fn fn;                /* the routing function (dlsym) */
};

/* Loads every extension; returns 0 (failures of single images are not
 * errors) or -1 when out of memory.  A missing or unsafe directory is
 * recorded as a failed image named after the directory. */
int extension_set_load(const struct config *cfg, struct extension_set **out, char *err,
                       size_t errlen);
void extension_set_free(struct extension_set *s);

size_t extension_count(const struct extension_set *s);
const struct extension_image *extension_at(const struct extension_set *s, size_t i);
/* Images (or the directory) that failed to load, plus those skipped
 * over FGW_MAX_EXTENSIONS. */
uint32_t extension_failures(const struct extension_set *s);

/* Methods in load order (image name order, then registration order). */
size_t extension_method_count(const struct extension_set *s);
const struct extension_method *extension_method_at(const struct extension_set *s, size_t i);
/* The method with that GUID (compared case-insensitively), or NULL; *index
 * (may be NULL) receives its position for extension_method_at(). */
const struct extension_method *extension_method_find(const struct extension_set *s,
                                                     const char *guid, size_t *index);

/* Through the owning extension.  Return 0, FGW_E_NO_METHOD, or
 * FGW_E_BAD_DATA (validate) / FGW_E_NOT_ENABLEABLE (can_enable) with the
 * extension's reason (never empty) in reason. */
int extension_validate(const struct extension_set *s, const char *guid, uint32_t port_id,
                       const void *data, size_t len, char *reason, size_t reasonlen);
int extension_can_enable(const struct extension_set *s, const char *guid, uint32_t port_id,
                         const void *data, size_t len, char *reason, size_t reasonlen);
/* Tells the owning extension (when it has device_change) of a change. */
void extension_device_change(const struct extension_set *s, const char *guid, uint32_t port_id,
                             int enabled, const void *data, size_t len);

/* The data as anyone may see it (the method's redact callback): 1 with
 * out and *outlen filled (at most outcap bytes; 0 bytes when the secret
 * could not be masked), 0 when there is nothing to hide, the method is
 * unknown or has no redact callback. */
int extension_redact(const struct extension_set *s, const char *guid, const void *data,
                     size_t len, void *out, size_t outcap, size_t *outlen);
/* 1 when the owning extension of guid has a device_change callback. */
int extension_has_device_change(const struct extension_set *s, const char *guid);

/* The routing function of a method, or NULL (the router calls it with
 * extension_host()). */
fgw_routing_fn extension_routing_fn(const struct extension_set *s, const char *guid);
const fgw_route_host *extension_host(const struct extension_set *s);

/* 1 when guid is the canonical "{8-4-4-4-12}" form in lower-case hex. */
int extension_guid_valid(const char *guid);

#endif
