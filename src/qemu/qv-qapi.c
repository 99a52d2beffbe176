/*
 * qv-qapi: validate JSON against a query-qmp-schema result (see
 * qv-qapi.h).  Owns a reference to the SchemaInfo list and an index of
 * its entries by name; validation walks the value and the schema
 * together, keeping the JSON path in a GString for error messages.
 */
#include "qemu/qv-qapi.h"

#include "util/qv-error.h"
#include "util/qv-json.h"

#include <string.h>

struct _QvQapiSchema {
    json_object *list;
    GHashTable *byname;  /* name -> SchemaInfo (borrowed from list) */
};

typedef struct {
    QvQapiSchema *s;
    const char *what;    /* the command or event: every message starts so */
    GString *path;       /* ".file.backing" or "[2]"-style, "" at the root */
    GError **error;
} QvQapiWalk;

static bool qv_qapi_check(QvQapiWalk *w, const char *type, json_object *v);

void
qv_qapi_schema_free(QvQapiSchema *s)
{
    if (!s)
        return;
    g_clear_pointer(&s->byname, g_hash_table_unref);
    json_object_put(s->list);
    g_free(s);
}

QvQapiSchema *
qv_qapi_schema_new(json_object *schema_list, GError **error)
{
    g_autoptr(QvQapiSchema) s = g_new0(QvQapiSchema, 1);
    size_t n;

    if (!json_object_is_type(schema_list, json_type_array)) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "QMP schema is not a list of SchemaInfo");
        return NULL;
    }
    s->list = json_object_get(schema_list);
    s->byname = g_hash_table_new(g_str_hash, g_str_equal);
    n = json_object_array_length(schema_list);
    for (size_t i = 0; i < n; i++) {
        json_object *info = json_object_array_get_idx(schema_list, i);
        json_object *name = json_object_object_get(info, "name");
        json_object *meta = json_object_object_get(info, "meta-type");

        if (!json_object_is_type(name, json_type_string) ||
            !json_object_is_type(meta, json_type_string)) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "QMP schema entry %zu has no 'name' or 'meta-type'", i);
            return NULL;
        }
        g_hash_table_insert(s->byname, (char *)json_object_get_string(name),
                            info);
    }
    return g_steal_pointer(&s);
}

QvQapiSchema *
qv_qapi_schema_load_file(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(json_object) doc = NULL;
    json_object *list = NULL;
    g_autoptr(GError) err = NULL;
    QvQapiSchema *s;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_set_error(error, QV_ERROR,
                    g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT) ?
                    QV_ERR_NOT_FOUND : QV_ERR_IO,
                    "cannot read QMP schema '%s': %s", path, err->message);
        return NULL;
    }
    doc = json_tokener_parse(text);
    if (!json_object_object_get_ex(doc, "return", &list))
        list = doc;
    s = qv_qapi_schema_new(list, &err);
    if (!s)
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "QMP schema '%s': %s",
                    path, err->message);
    return s;
}

static json_object *
qv_qapi_lookup(QvQapiSchema *s, const char *name, const char *meta)
{
    json_object *info = g_hash_table_lookup(s->byname, name);

    if (info && meta &&
        g_strcmp0(json_object_get_string(
                      json_object_object_get(info, "meta-type")), meta) != 0)
        return NULL;
    return info;
}

bool
qv_qapi_schema_has_command(QvQapiSchema *s, const char *command)
{
    return qv_qapi_lookup(s, command, "command") != NULL;
}

/* ---- error reporting ---- */

static const char *
qv_qapi_path(QvQapiWalk *w)
{
    return w->path->len ? w->path->str + (w->path->str[0] == '.') : "";
}

static bool G_GNUC_PRINTF(2, 3)
qv_qapi_fail(QvQapiWalk *w, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (w->path->len)
        g_set_error(w->error, QV_ERROR, QV_ERR_INVALID_ARG, "%s: '%s': %s",
                    w->what, qv_qapi_path(w), msg);
    else
        g_set_error(w->error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "%s: arguments: %s", w->what, msg);
    return false;
}

static bool
qv_qapi_broken(QvQapiWalk *w, const char *type)
{
    g_set_error(w->error, QV_ERROR, QV_ERR_INTERNAL,
                "%s: the QMP schema has no usable type '%s' (at '%s')",
                w->what, type, qv_qapi_path(w));
    return false;
}

/* "a string", "an integer", ... for the JSON value @v */
static const char *
qv_qapi_value_kind(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number";
    case json_type_int: return "an integer";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "a value";
}

/* The JSON type a SchemaInfo accepts, named as a builtin's json-type */
static const char *
qv_qapi_json_type(QvQapiSchema *s, const char *type)
{
    json_object *info = qv_qapi_lookup(s, type, NULL);
    const char *meta = json_object_get_string(
        json_object_object_get(info, "meta-type"));

    if (g_strcmp0(meta, "builtin") == 0)
        return json_object_get_string(json_object_object_get(info, "json-type"));
    if (g_strcmp0(meta, "enum") == 0)
        return "string";
    if (g_strcmp0(meta, "object") == 0)
        return "object";
    if (g_strcmp0(meta, "array") == 0)
        return "array";
    return NULL;
}

static const char *
qv_qapi_json_type_desc(const char *json_type)
{
    static const char *const names[][2] = {
        { "string", "a string" }, { "int", "an integer" },
        { "number", "a number" }, { "boolean", "a boolean" },
        { "null", "null" }, { "object", "an object" },
        { "array", "an array" }, { "value", "any value" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (g_strcmp0(json_type, names[i][0]) == 0)
            return names[i][1];
    }
    return "an unknown type";
}

/* Does a value of JSON type @v fit the builtin json-type @jt? */
static bool
qv_qapi_json_type_fits(const char *jt, json_object *v)
{
    json_type t = json_object_get_type(v);

    if (g_strcmp0(jt, "value") == 0)
        return true;
    if (g_strcmp0(jt, "number") == 0)
        return t == json_type_int || t == json_type_double;
    if (g_strcmp0(jt, "int") == 0)
        return t == json_type_int;
    if (g_strcmp0(jt, "string") == 0)
        return t == json_type_string;
    if (g_strcmp0(jt, "boolean") == 0)
        return t == json_type_boolean;
    if (g_strcmp0(jt, "null") == 0)
        return t == json_type_null;
    if (g_strcmp0(jt, "object") == 0)
        return t == json_type_object;
    if (g_strcmp0(jt, "array") == 0)
        return t == json_type_array;
    return false;
}

/* ---- the meta-types ---- */

static bool
qv_qapi_check_builtin(QvQapiWalk *w, json_object *info, json_object *v)
{
    const char *jt = json_object_get_string(
        json_object_object_get(info, "json-type"));

    if (qv_qapi_json_type_fits(jt, v))
        return true;
    return qv_qapi_fail(w, "expected %s, got %s", qv_qapi_json_type_desc(jt),
                        qv_qapi_value_kind(v));
}

static bool
qv_qapi_check_enum(QvQapiWalk *w, json_object *info, json_object *v)
{
    json_object *values = json_object_object_get(info, "values");
    json_object *members = json_object_object_get(info, "members");
    const char *str;
    size_t n;

    if (!json_object_is_type(v, json_type_string))
        return qv_qapi_fail(w, "expected a string, got %s",
                            qv_qapi_value_kind(v));
    str = json_object_get_string(v);
    /* "values" is deprecated in favour of "members": read either */
    n = json_object_array_length(values ? values : members);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(values ? values : members, i);

        if (!values)
            e = json_object_object_get(e, "name");
        if (g_strcmp0(json_object_get_string(e), str) == 0)
            return true;
    }
    return qv_qapi_fail(w, "value '%s' is not one of the enum values", str);
}

static bool
qv_qapi_check_array(QvQapiWalk *w, json_object *info, json_object *v)
{
    const char *elt = json_object_get_string(
        json_object_object_get(info, "element-type"));
    size_t len = w->path->len;
    size_t n;

    if (!json_object_is_type(v, json_type_array))
        return qv_qapi_fail(w, "expected an array, got %s",
                            qv_qapi_value_kind(v));
    n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++) {
        bool ok;

        g_string_append_printf(w->path, "[%zu]", i);
        ok = qv_qapi_check(w, elt, json_object_array_get_idx(v, i));
        g_string_truncate(w->path, len);
        if (!ok)
            return false;
    }
    return true;
}

static bool
qv_qapi_check_alternate(QvQapiWalk *w, json_object *info, json_object *v)
{
    json_object *members = json_object_object_get(info, "members");
    size_t n = json_object_array_length(members);
    g_autoptr(GString) want = g_string_new(NULL);

    /* QAPI alternates have at most one branch per JSON type, so the
     * value's type picks the branch and its errors are the useful ones */
    for (size_t i = 0; i < n; i++) {
        const char *type = json_object_get_string(json_object_object_get(
            json_object_array_get_idx(members, i), "type"));
        const char *jt = qv_qapi_json_type(w->s, type);

        if (!jt)
            return qv_qapi_broken(w, type);
        if (qv_qapi_json_type_fits(jt, v))
            return qv_qapi_check(w, type, v);
        g_string_append_printf(want, "%s%s", i == 0 ? "" :
                               i + 1 == n ? " or " : ", ",
                               qv_qapi_json_type_desc(jt));
    }
    return qv_qapi_fail(w, "expected %s, got %s", want->str,
                        qv_qapi_value_kind(v));
}

/* Collect the members of object type @type that apply to the value @v:
 * its own, plus those of the variant its tag selects (recursively) */
static bool
qv_qapi_collect_members(QvQapiWalk *w, const char *type, json_object *v,
                        GPtrArray *out)
{
    json_object *info = qv_qapi_lookup(w->s, type, "object");
    json_object *members = json_object_object_get(info, "members");
    json_object *variants = json_object_object_get(info, "variants");
    const char *tag = json_object_get_string(json_object_object_get(info, "tag"));
    json_object *tagval = NULL;
    size_t n;

    if (!info)
        return qv_qapi_broken(w, type);
    n = json_object_array_length(members);
    for (size_t i = 0; i < n; i++)
        g_ptr_array_add(out, json_object_array_get_idx(members, i));
    if (!tag || !json_object_object_get_ex(v, tag, &tagval) ||
        !json_object_is_type(tagval, json_type_string))
        return true;  /* a missing or mistyped tag is reported as a member */
    n = json_object_array_length(variants);
    for (size_t i = 0; i < n; i++) {
        json_object *var = json_object_array_get_idx(variants, i);

        if (g_strcmp0(json_object_get_string(json_object_object_get(var, "case")),
                      json_object_get_string(tagval)) == 0)
            return qv_qapi_collect_members(w, json_object_get_string(
                json_object_object_get(var, "type")), v, out);
    }
    return true;  /* a branch with no members of its own */
}

static json_object *
qv_qapi_find_member(GPtrArray *members, const char *name)
{
    for (size_t i = 0; i < members->len; i++) {
        json_object *m = g_ptr_array_index(members, i);

        if (g_strcmp0(json_object_get_string(json_object_object_get(m, "name")),
                      name) == 0)
            return m;
    }
    return NULL;
}

/* Check one member's value with the path extended by its name */
static bool
qv_qapi_check_member(QvQapiWalk *w, json_object *m, const char *name,
                     json_object *v)
{
    size_t len = w->path->len;
    bool ok;

    g_string_append_printf(w->path, ".%s", name);
    ok = qv_qapi_check(w, json_object_get_string(
                           json_object_object_get(m, "type")), v);
    g_string_truncate(w->path, len);
    return ok;
}

static bool
qv_qapi_check_object(QvQapiWalk *w, json_object *info, json_object *v)
{
    g_autoptr(GPtrArray) members = g_ptr_array_new();
    const char *tag = json_object_get_string(json_object_object_get(info, "tag"));
    json_object *tagval = NULL;
    size_t len = w->path->len;

    if (!json_object_is_type(v, json_type_object))
        return qv_qapi_fail(w, "expected an object, got %s",
                            qv_qapi_value_kind(v));
    if (!qv_qapi_collect_members(w, json_object_get_string(
                                     json_object_object_get(info, "name")),
                                 v, members))
        return false;
    /* the tag first: a wrong driver is the error, not its members */
    if (tag && json_object_object_get_ex(v, tag, &tagval) &&
        !qv_qapi_check_member(w, qv_qapi_find_member(members, tag), tag, tagval))
        return false;
    {
        /* (a block: the macro declares variables) */
        json_object_object_foreach(v, key, val) {
            json_object *m = qv_qapi_find_member(members, key);

            if (!m) {
                g_string_append_printf(w->path, ".%s", key);
                qv_qapi_fail(w, "unknown member");
                g_string_truncate(w->path, len);
                return false;
            }
            if (g_strcmp0(key, tag) != 0 &&
                !qv_qapi_check_member(w, m, key, val))
                return false;
        }
    }
    for (size_t i = 0; i < members->len; i++) {
        json_object *m = g_ptr_array_index(members, i);
        const char *name = json_object_get_string(json_object_object_get(m, "name"));

        /* a member without "default" is required */
        if (!json_object_object_get_ex(m, "default", NULL) &&
            !json_object_object_get_ex(v, name, NULL)) {
            g_string_append_printf(w->path, ".%s", name);
            qv_qapi_fail(w, "missing required member");
            g_string_truncate(w->path, len);
            return false;
        }
    }
    return true;
}

static bool
qv_qapi_check(QvQapiWalk *w, const char *type, json_object *v)
{
    json_object *info = type ? qv_qapi_lookup(w->s, type, NULL) : NULL;
    const char *meta = json_object_get_string(
        json_object_object_get(info, "meta-type"));

    if (g_strcmp0(meta, "builtin") == 0)
        return qv_qapi_check_builtin(w, info, v);
    if (g_strcmp0(meta, "enum") == 0)
        return qv_qapi_check_enum(w, info, v);
    if (g_strcmp0(meta, "array") == 0)
        return qv_qapi_check_array(w, info, v);
    if (g_strcmp0(meta, "object") == 0)
        return qv_qapi_check_object(w, info, v);
    if (g_strcmp0(meta, "alternate") == 0)
        return qv_qapi_check_alternate(w, info, v);
    return qv_qapi_broken(w, type ? type : "(none)");
}

static bool
qv_qapi_validate(QvQapiSchema *s, const char *name, const char *meta,
                 const char *key, json_object *v, GError **error)
{
    json_object *info = qv_qapi_lookup(s, name, meta);
    g_autoptr(GString) path = g_string_new(NULL);
    g_autoptr(json_object) empty = NULL;
    QvQapiWalk w = { s, name, path, error };

    if (!info) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "QEMU has no QMP %s '%s'", meta, name);
        return false;
    }
    if (!v)
        v = empty = json_object_new_object();
    return qv_qapi_check(&w, json_object_get_string(
                             json_object_object_get(info, key)), v);
}

bool
qv_qapi_validate_command_args(QvQapiSchema *s, const char *command,
                              json_object *args, GError **error)
{
    return qv_qapi_validate(s, command, "command", "arg-type", args, error);
}

bool
qv_qapi_validate_event_data(QvQapiSchema *s, const char *event,
                            json_object *data, GError **error)
{
    return qv_qapi_validate(s, event, "event", "arg-type", data, error);
}
