/*
 * json.c - faxgwctl's JSON writer (RFC 8259).
 */
#include "json.h"

#include "fgwx_text.h"

#include <inttypes.h>
#include <string.h>

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = true;
}

/* Writes the comma before a value when one is due. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
}

static void json_open(struct json *j, char ch)
{
	json_sep(j);
	fputc(ch, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char ch)
{
	if (j->depth > 0)
		j->depth--;
	fputc(ch, j->out);
}

void json_set_version(struct json *j, const char *v)
{
	j->version = v;
}

void json_begin_object(struct json *j)
{
	bool document = j->depth == 0;

	json_open(j, '{');
	if (document && j->version != NULL)
		json_kv_str(j, "version", j->version);
}
void json_end_object(struct json *j) { json_close(j, '}'); }
void json_begin_array(struct json *j) { json_open(j, '['); }
void json_end_array(struct json *j) { json_close(j, ']'); }

static void json_escaped(FILE *out, const unsigned char *p, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char ch = p[i];
		uint32_t cp = ch;
		size_t n = fgwx_utf8_seq(p + i, len - i, &cp);
		if (ch == '"' || ch == '\\') {
			fputc('\\', out);
			fputc(ch, out);
		} else if (ch == '\n') {
			fputs("\\n", out);
		} else if (ch == '\t') {
			fputs("\\t", out);
		} else if (ch == '\r') {
			fputs("\\r", out);
		} else if (ch < 0x20 || ch == 0x7f || n == 0) {
			fprintf(out, "\\u%04x", ch);
			n = 1;
		} else if (cp >= 0x80 && cp <= 0x9f) {   /* C1 controls escaped too */
			fprintf(out, "\\u%04x", (unsigned)cp);
			i += n;
			continue;
		} else {
			fwrite(p + i, 1, n, out);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_escaped(j->out, (const unsigned char *)key, strlen(key));
	fputc(':', j->out);
	j->after_key = true;
}

void json_strn(struct json *j, const void *s, size_t len)
{
	json_sep(j);
	json_escaped(j->out, s, len);
}

void json_str(struct json *j, const char *s)
{
	if (s == NULL)
		s = "";
	json_strn(j, s, strlen(s));
}

void json_u64(struct json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->out, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
}

void json_kv_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_str(j, v);
}

void json_kv_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_i64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_i64(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
