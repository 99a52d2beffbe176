/*
 * qv-json: small json-c helpers shared by everything that reads JSON
 * (json: backing strings, QMP replies).
 *
 * The getters are type-checked: a key that is present with the wrong
 * type is an error, never silently read as NULL or 0.  "Optional"
 * getters succeed with *out = NULL when the key is absent.  Errors are
 * QV_ERROR/QV_ERR_PARSE with a bare message naming the key; callers add
 * the context.  This header owns the g_autoptr cleanup for json_object.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

/* Parse all of @str (trailing blanks allowed) into a JSON object */
json_object *qv_json_parse_object(const char *str, GError **error);

/* Optional string; *out is borrowed from @obj */
bool qv_json_get_string(json_object *obj, const char *key,
                        const char **out, GError **error);

/* Like qv_json_get_string, but an absent key is an error */
bool qv_json_require_string(json_object *obj, const char *key,
                            const char **out, GError **error);

/* Optional string or integer, returned as text (newly allocated): QEMU
 * accepts "port": "10809" and "port": 10809 alike */
bool qv_json_get_scalar(json_object *obj, const char *key,
                        char **out, GError **error);

/* Optional non-negative integer given as a number or a decimal string;
 * *found (may be NULL) tells whether the key was there */
bool qv_json_get_uint64(json_object *obj, const char *key,
                        uint64_t *out, bool *found, GError **error);

/* Optional object or array; *out is borrowed from @obj */
bool qv_json_get_object(json_object *obj, const char *key,
                        json_object **out, GError **error);
bool qv_json_get_array(json_object *obj, const char *key,
                       json_object **out, GError **error);

/*
 * Return a new object where dotted keys are expanded into nested
 * objects ({"a.b": 1} -> {"a": {"b": 1}}), merged with objects written
 * nested, and objects whose keys are exactly "0".."n-1" become arrays:
 * QEMU's flattened option syntax.  A key given twice ({"a": 1,
 * "a.b": 2}) is an error.
 */
json_object *qv_json_deflatten(json_object *obj, GError **error);

G_END_DECLS
