/*
 * qv-json: typed getters and the dotted-key expansion over json-c.
 *
 * Nesting is bounded (json-c's tokener stops at 32 levels, dotted keys at
 * QV_JSON_MAX_DEPTH) so the recursive helpers here cannot be driven into
 * a deep stack by hostile input.
 */
#include "util/qv-json.h"

#include "util/qv-error.h"

#include <string.h>

#define QV_JSON_MAX_DEPTH 64

json_object *
qv_json_parse_object(const char *str, GError **error)
{
    json_tokener *tok = json_tokener_new();
    size_t len = strlen(str);
    g_autoptr(json_object) obj = NULL;
    enum json_tokener_error jerr;
    size_t end;

    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, str, (int)MIN(len, (size_t)G_MAXINT));
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (jerr == json_tokener_continue) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "JSON ends early (truncated?)");
        return NULL;
    }
    if (jerr != json_tokener_success) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "invalid JSON at offset %zu: %s", end,
                    json_tokener_error_desc(jerr));
        return NULL;
    }
    while (end < len && g_ascii_isspace(str[end]))
        end++;
    if (end < len) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "unexpected text after the JSON value at offset %zu", end);
        return NULL;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "JSON is not an object");
        return NULL;
    }
    return g_steal_pointer(&obj);
}

bool
qv_json_get_string(json_object *obj, const char *key,
                   const char **out, GError **error)
{
    json_object *v = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || !v)
        return true;
    if (!json_object_is_type(v, json_type_string)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "'%s' must be a string", key);
        return false;
    }
    /* An escaped NUL would silently cut the C string short */
    if (strlen(json_object_get_string(v)) !=
        (size_t)json_object_get_string_len(v)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "'%s' contains a NUL character", key);
        return false;
    }
    *out = json_object_get_string(v);
    return true;
}

bool
qv_json_require_string(json_object *obj, const char *key,
                       const char **out, GError **error)
{
    if (!qv_json_get_string(obj, key, out, error))
        return false;
    if (!*out) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "missing '%s'", key);
        return false;
    }
    return true;
}

bool
qv_json_get_scalar(json_object *obj, const char *key,
                   char **out, GError **error)
{
    json_object *v = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || !v)
        return true;
    if (json_object_is_type(v, json_type_int)) {
        *out = g_strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        return true;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = NULL;

        if (!qv_json_get_string(obj, key, &s, error))
            return false;
        *out = g_strdup(s);
        return true;
    }
    g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                "'%s' must be a string or an integer", key);
    return false;
}

bool
qv_json_get_uint64(json_object *obj, const char *key,
                   uint64_t *out, bool *found, GError **error)
{
    g_autofree char *text = NULL;
    guint64 v = 0;
    bool dummy;

    if (!found)
        found = &dummy;
    *found = false;
    if (!qv_json_get_scalar(obj, key, &text, error))
        return false;
    if (!text)
        return true;
    if (!g_ascii_isdigit(text[0]) ||
        !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &v, NULL)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "'%s' must be a non-negative integer, not '%s'", key, text);
        return false;
    }
    *out = v;
    *found = true;
    return true;
}

static bool
json_get_typed(json_object *obj, const char *key, json_type type,
               const char *what, json_object **out, GError **error)
{
    json_object *v = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || !v)
        return true;
    if (!json_object_is_type(v, type)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "'%s' must be %s", key, what);
        return false;
    }
    *out = v;
    return true;
}

bool
qv_json_get_object(json_object *obj, const char *key,
                   json_object **out, GError **error)
{
    return json_get_typed(obj, key, json_type_object, "an object", out, error);
}

bool
qv_json_get_array(json_object *obj, const char *key,
                  json_object **out, GError **error)
{
    return json_get_typed(obj, key, json_type_array, "an array", out, error);
}

static bool deflatten_value(json_object *v, unsigned int depth,
                            json_object **out, GError **error);

/* Move every member of @src into @dst, merging objects met on both sides */
static bool
deflatten_merge(json_object *dst, json_object *src, const char *key,
                GError **error)
{
    struct json_object_iterator it = json_object_iter_begin(src);
    struct json_object_iterator end = json_object_iter_end(src);

    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *k = json_object_iter_peek_name(&it);
        json_object *v = json_object_iter_peek_value(&it);
        json_object *old = NULL;

        if (!json_object_object_get_ex(dst, k, &old)) {
            json_object_object_add(dst, k, json_object_get(v));
            continue;
        }
        if (!json_object_is_type(old, json_type_object) ||
            !json_object_is_type(v, json_type_object)) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "key '%s' is given more than once", key);
            return false;
        }
        if (!deflatten_merge(old, v, key, error))
            return false;
    }
    return true;
}

/* Store @v (stolen) at the dotted path @key below @dst */
static bool
deflatten_store(json_object *dst, const char *key, json_object **v,
                unsigned int depth, GError **error)
{
    g_auto(GStrv) comps = g_strsplit(key, ".", -1);
    guint n = g_strv_length(comps);
    g_autoptr(json_object) val = g_steal_pointer(v);
    json_object *cur = dst;
    json_object *old = NULL;

    if (depth + n > QV_JSON_MAX_DEPTH) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "JSON is nested too deeply at key '%s'", key);
        return false;
    }
    /* g_strsplit() gives no component at all for "" */
    for (guint i = 0; i < MAX(n, 1); i++) {
        if (!comps[i] || !*comps[i]) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "invalid key '%s'", key);
            return false;
        }
    }
    for (guint i = 0; i + 1 < n; i++) {
        json_object *next = NULL;

        if (!json_object_object_get_ex(cur, comps[i], &next)) {
            next = json_object_new_object();
            json_object_object_add(cur, comps[i], next);
        } else if (!json_object_is_type(next, json_type_object)) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "key '%s' is given more than once", key);
            return false;
        }
        cur = next;
    }
    if (!json_object_object_get_ex(cur, comps[n - 1], &old)) {
        json_object_object_add(cur, comps[n - 1], g_steal_pointer(&val));
        return true;
    }
    if (!json_object_is_type(old, json_type_object) ||
        !json_object_is_type(val, json_type_object)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "key '%s' is given more than once", key);
        return false;
    }
    return deflatten_merge(old, val, key, error);
}

static bool
deflatten_object(json_object *obj, unsigned int depth, json_object **out,
                 GError **error)
{
    g_autoptr(json_object) res = json_object_new_object();
    struct json_object_iterator it = json_object_iter_begin(obj);
    struct json_object_iterator end = json_object_iter_end(obj);

    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *key = json_object_iter_peek_name(&it);
        json_object *v = NULL;

        if (!deflatten_value(json_object_iter_peek_value(&it), depth + 1,
                             &v, error) ||
            !deflatten_store(res, key, &v, depth, error))
            return false;
    }
    *out = g_steal_pointer(&res);
    return true;
}

/* *out: a new reference to a deflattened copy of @v (NULL: JSON null) */
static bool
deflatten_value(json_object *v, unsigned int depth, json_object **out,
                GError **error)
{
    g_autoptr(json_object) arr = NULL;

    *out = NULL;
    if (depth > QV_JSON_MAX_DEPTH) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "JSON is nested too deeply");
        return false;
    }
    if (json_object_is_type(v, json_type_object))
        return deflatten_object(v, depth, out, error);
    if (!json_object_is_type(v, json_type_array)) {
        *out = json_object_get(v);
        return true;
    }

    arr = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = NULL;

        if (!deflatten_value(json_object_array_get_idx(v, i), depth + 1,
                             &e, error))
            return false;
        json_object_array_add(arr, e);
    }
    *out = g_steal_pointer(&arr);
    return true;
}

/* True when the keys of @obj are exactly "0".."n-1" written canonically */
static bool
keys_are_indices(json_object *obj)
{
    struct json_object_iterator it = json_object_iter_begin(obj);
    struct json_object_iterator end = json_object_iter_end(obj);
    size_t n = (size_t)json_object_object_length(obj);

    if (n == 0)
        return false;
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *k = json_object_iter_peek_name(&it);
        guint64 idx;

        if ((k[0] == '0' && k[1]) || !g_ascii_isdigit(k[0]) ||
            !g_ascii_string_to_unsigned(k, 10, 0, n - 1, &idx, NULL))
            return false;
    }
    return true;
}

/* Convert index-keyed objects to arrays, in place where possible */
static json_object *
indices_to_arrays(json_object *v)
{
    if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *e = json_object_array_get_idx(v, i);

            json_object_array_put_idx(v, i, indices_to_arrays(json_object_get(e)));
        }
        return v;
    }
    if (!json_object_is_type(v, json_type_object))
        return v;

    if (keys_are_indices(v)) {
        size_t n = (size_t)json_object_object_length(v);
        json_object *arr = json_object_new_array_ext((int)n);

        for (size_t i = 0; i < n; i++) {
            char idx[24];

            g_snprintf(idx, sizeof(idx), "%zu", i);
            json_object_array_add(arr,
                indices_to_arrays(json_object_get(json_object_object_get(v, idx))));
        }
        json_object_put(v);
        return arr;
    } else {
        struct json_object_iterator it = json_object_iter_begin(v);
        struct json_object_iterator end = json_object_iter_end(v);

        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
            json_object *e = json_object_iter_peek_value(&it);

            /* Replacing the value of an existing key keeps the iterator */
            json_object_object_add(v, json_object_iter_peek_name(&it),
                                   indices_to_arrays(json_object_get(e)));
        }
        return v;
    }
}

json_object *
qv_json_deflatten(json_object *obj, GError **error)
{
    json_object *out = NULL;

    if (!deflatten_object(obj, 0, &out, error))
        return NULL;
    return indices_to_arrays(out);
}
