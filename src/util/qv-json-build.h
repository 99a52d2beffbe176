/*
 * qv-json-build: one call that adds several members to a JSON object,
 * for the objects qvirt sends to QEMU (blockdev-add arguments, -device,
 * QMP commands), after libvirt's virJSONValueObjectAdd:
 *
 *     qv_json_add(&props, error, "s:driver", drv, "S:aio", aio,
 *                 "b:read-only", ro, "A:cache", &cache, NULL);
 *
 * Each member is a "C:key" string, where C is a code, then its value;
 * the list ends with NULL.  Members are added in the order given (json-c
 * keeps insertion order, and golden files depend on it).
 *
 *   s  const char *     string; NULL is an error
 *   S  const char *     string, omitted when NULL
 *   i  int              integer
 *   I  int              integer, omitted when 0
 *   u  uint64_t         unsigned integer (pass a uint64_t, not an int)
 *   U  uint64_t         unsigned integer, omitted when 0
 *   b  bool             boolean
 *   B  bool             boolean, omitted when false
 *   T  int              tri-state: 0 omitted, 1 true, 2 false (the
 *                       values of QvTristate's DEFAULT, ON, OFF)
 *   n  (no value)       null
 *   a  json_object **   any JSON value (stolen); NULL is an error
 *   A  json_object **   the same, omitted when NULL
 *   m  json_object **   an array (stolen), omitted when empty; NULL or a
 *                       value that is not an array is an error
 *
 * Stolen values: every a/A/m value is taken, whether the call succeeds
 * (it is in the object, or freed when omitted) or fails (it is freed),
 * and its pointer is set to NULL.  The one exception is a member that is
 * not "C:key" with a known code: the values after it cannot be read, so
 * they are left to the caller (with g_autoptr they are freed as usual).
 *
 * Errors are programming errors: a malformed "C:key", an unknown code,
 * a NULL for s/a/m, a T value out of range, a key given twice (also one
 * already in *obj), or an *obj that is not an object.  They are
 * QV_ERROR/QV_ERR_INTERNAL naming the key.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/*
 * Add the members to *obj, creating it when *obj is NULL (even when
 * every member is omitted).  On error *obj is as it was before the call:
 * no member of the list is added, and no object is created.
 */
bool qv_json_add(json_object **obj, GError **error, ...)
    G_GNUC_NULL_TERMINATED;

/* A new object with the members, or NULL on error */
json_object *qv_json_new(GError **error, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
