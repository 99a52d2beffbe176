/*
 * qv-json-writer: a streaming writer for pretty-printed JSON.
 *
 * Building a json-c tree only to print it costs a hash table per object;
 * for chains of thousands of elements that dominated `qvirt chain --json`.
 * This writer appends straight to a string, in the same layout as json-c's
 * pretty, spaced output (two-space indent, "key": value).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _QvJsonWriter QvJsonWriter;

QvJsonWriter *qv_json_writer_new(void);
void qv_json_writer_free(QvJsonWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvJsonWriter, qv_json_writer_free)

/* @key is the member name inside an object, NULL inside an array or at
 * the top */
void qv_json_begin_object(QvJsonWriter *w, const char *key);
void qv_json_end_object(QvJsonWriter *w);
void qv_json_begin_array(QvJsonWriter *w, const char *key);
void qv_json_end_array(QvJsonWriter *w);

/* A NULL @val writes null */
void qv_json_string(QvJsonWriter *w, const char *key, const char *val);
void qv_json_uint(QvJsonWriter *w, const char *key, uint64_t val);
void qv_json_bool(QvJsonWriter *w, const char *key, bool val);
void qv_json_null(QvJsonWriter *w, const char *key);

/* The text with a final newline; the writer is consumed */
char *qv_json_writer_finish(QvJsonWriter **w);

/* Append @s as a JSON string literal; invalid UTF-8 becomes U+FFFD */
void qv_json_append_quoted(GString *buf, const char *s);

G_END_DECLS
