/*
 * qv-json-build: the member list of qv_json_add (codes in the header).
 *
 * The members are built into a fresh object and moved into the target
 * only when the whole list is valid, so that a failed call leaves the
 * target as it was.  After the first error the list is still read to its
 * end, only to free the stolen values the caller handed over.
 */
#include "util/qv-json-build.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "util/qv-error.h"
#include "util/qv-json.h"

#define QV_JSON_BUILD_ERR(error, ...) \
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "building a JSON object: " __VA_ARGS__)

/* Takes the stolen value of an a/A/m member; NULL *val: none given */
static bool
qv_json_build_take(const char *spec, va_list *ap, json_object **val,
                   GError **error)
{
    json_object **ptr = va_arg(*ap, json_object **);

    *val = ptr ? g_steal_pointer(ptr) : NULL;
    if (!*val && spec[0] != 'A') {
        QV_JSON_BUILD_ERR(error, "member '%s' has no value", spec);
        return false;
    }
    if (spec[0] == 'm' && !json_object_is_type(*val, json_type_array)) {
        QV_JSON_BUILD_ERR(error, "member '%s' is a JSON %s, not an array", spec, json_type_to_name(json_object_get_type(*val)));
        return false;
    }
    return true;
}

/*
 * Reads the value of member @spec from @ap: *add tells whether it goes
 * into the object, *val is its value (a new reference; NULL is JSON
 * null).  *readable is false when the list cannot be read further.
 */
static bool
qv_json_build_value(const char *spec, va_list *ap, json_object **val,
                    bool *add, bool *readable, GError **error)
{
    *val = NULL;
    *add = false;
    *readable = spec[0] != '\0' && spec[1] == ':';
    if (!*readable) {
        QV_JSON_BUILD_ERR(error, "'%s' is not of the form 'C:key'", spec);
        return false;
    }

    switch (spec[0]) {
    case 's':
    case 'S': {
        const char *s = va_arg(*ap, const char *);

        if (!s && spec[0] == 's') {
            QV_JSON_BUILD_ERR(error, "member '%s' has no value", spec);
            return false;
        }
        *add = s != NULL;
        *val = s ? json_object_new_string(s) : NULL;
        break;
    }
    case 'i':
    case 'I': {
        int i = va_arg(*ap, int);

        *add = i != 0 || spec[0] == 'i';
        *val = *add ? json_object_new_int(i) : NULL;
        break;
    }
    case 'u':
    case 'U': {
        uint64_t u = va_arg(*ap, uint64_t);

        *add = u != 0 || spec[0] == 'u';
        *val = *add ? json_object_new_uint64(u) : NULL;
        break;
    }
    case 'b':
    case 'B': {
        bool b = va_arg(*ap, int) != 0;

        *add = b || spec[0] == 'b';
        *val = *add ? json_object_new_boolean(b) : NULL;
        break;
    }
    case 'T': {
        int t = va_arg(*ap, int);

        if (t < 0 || t > 2) {
            QV_JSON_BUILD_ERR(error, "member '%s' has the tri-state value %d, not 0, 1 or 2", spec, t);
            return false;
        }
        *add = t != 0;
        *val = *add ? json_object_new_boolean(t == 1) : NULL;
        break;
    }
    case 'n':
        *add = true;
        break;
    case 'a':
    case 'A':
    case 'm':
        if (!qv_json_build_take(spec, ap, val, error)) {
            json_object_put(g_steal_pointer(val));
            return false;
        }
        *add = *val != NULL &&
               (spec[0] != 'm' || json_object_array_length(*val) > 0);
        if (!*add)
            json_object_put(g_steal_pointer(val));
        break;
    default:
        *readable = false;
        QV_JSON_BUILD_ERR(error, "'%s' has an unknown code '%c'", spec, spec[0]);
        return false;
    }
    if (spec[2] == '\0') {
        json_object_put(g_steal_pointer(val));
        *add = false;
        QV_JSON_BUILD_ERR(error, "'%s' has no key", spec);
        return false;
    }
    return true;
}

/* The members of @args in a new object; @target: where they will go */
static json_object *
qv_json_build(json_object *target, GError **error, va_list args)
{
    g_autoptr(json_object) members = json_object_new_object();
    g_autoptr(GError) err = NULL;
    const char *spec;
    va_list ap;

    if (target && !json_object_is_type(target, json_type_object))
        QV_JSON_BUILD_ERR(&err, "the target is a JSON %s, not an object", json_type_to_name(json_object_get_type(target)));

    va_copy(ap, args);
    while ((spec = va_arg(ap, const char *))) {
        json_object *val = NULL;
        bool add = false;
        bool readable = true;
        const char *key = spec + 2;

        /* after an error, only the stolen values are of interest */
        if (!qv_json_build_value(spec, &ap, &val, &add, &readable,
                                 err ? NULL : &err)) {
            if (!readable)
                break;
            continue;
        }
        if (!add || err) {
            json_object_put(val);
            continue;
        }
        if (json_object_object_get_ex(members, key, NULL) ||
            (target && json_object_object_get_ex(target, key, NULL))) {
            QV_JSON_BUILD_ERR(&err, "member '%s' is given twice", key);
            json_object_put(val);
            continue;
        }
        json_object_object_add(members, key, val);
    }
    va_end(ap);

    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    return g_steal_pointer(&members);
}

static bool
qv_json_add_valist(json_object **obj, GError **error, va_list args)
{
    g_autoptr(json_object) members = qv_json_build(*obj, error, args);

    if (!members)
        return false;
    if (!*obj) {
        *obj = g_steal_pointer(&members);
        return true;
    }
    {
        /* a block: the macro declares its variables */
        json_object_object_foreach(members, key, val)
            json_object_object_add(*obj, key, json_object_get(val));
    }
    return true;
}

bool
qv_json_add(json_object **obj, GError **error, ...)
{
    va_list ap;
    bool ok;

    va_start(ap, error);
    ok = qv_json_add_valist(obj, error, ap);
    va_end(ap);
    return ok;
}

json_object *
qv_json_new(GError **error, ...)
{
    json_object *obj = NULL;
    va_list ap;

    va_start(ap, error);
    qv_json_add_valist(&obj, error, ap);
    va_end(ap);
    return obj;
}
