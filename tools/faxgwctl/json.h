/*
 * json.h - a small streaming JSON writer for faxgwctl --json (RFC 8259).
 *
 * Commas and nesting are tracked for the caller; strings are escaped
 * (control characters as \u00XX; bytes that are not valid UTF-8 are
 * written as the code point of the same value, so the output is always
 * valid JSON).
 */
#ifndef FAXGWCTL_JSON_H
#define FAXGWCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH];  /* nothing written yet at this level */
	bool after_key;
	const char *version;         /* json_set_version(), or NULL */
};

void json_init(struct json *j, FILE *out);
/* Every document that is an object then starts with "version": v (the
 * writer's version, so that scripts can tell the shape they read); v is
 * borrowed. */
void json_set_version(struct json *j, const char *v);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const void *s, size_t len);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
/* Ends the document with a newline. */
void json_finish(struct json *j);

/* key: value shorthands inside an object. */
void json_kv_str(struct json *j, const char *key, const char *v);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_i64(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

#endif
