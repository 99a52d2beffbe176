/*
 * qv-qapi: check JSON against QEMU's own QAPI schema, as returned by
 * query-qmp-schema of the QEMU that will run it.
 *
 * A QvQapiSchema owns an index of the SchemaInfo list by name.  Type
 * names are masked by QEMU ("123"), so validation starts from a command
 * (or event) name and follows its arg-type.  The rules are QEMU's input
 * visitor's: required members (no "default" key) present, no unknown
 * members, flat-union branches chosen by the tag's value, alternates by
 * the JSON type of the value, integers integral, "any" anything.
 * Errors name the command and the JSON path:
 *   "blockdev-add: 'file.backing.driver': value 'qcow3' is not one of the enum values"
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>

G_BEGIN_DECLS

typedef struct _QvQapiSchema QvQapiSchema;

/* @schema_list: the "return" of query-qmp-schema (borrowed; the schema
 * takes its own reference).  QV_ERR_PARSE when it is not a SchemaInfo
 * list. */
QvQapiSchema *qv_qapi_schema_new(json_object *schema_list, GError **error);

/* Load a file holding either that list or the whole QMP reply
 * ({"return": [...]}) */
QvQapiSchema *qv_qapi_schema_load_file(const char *path, GError **error);

void qv_qapi_schema_free(QvQapiSchema *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvQapiSchema, qv_qapi_schema_free)

bool qv_qapi_schema_has_command(QvQapiSchema *s, const char *command);

/*
 * Check @args (may be NULL: no arguments) against the arg-type of
 * @command.  QV_ERR_UNSUPPORTED when QEMU has no such command,
 * QV_ERR_INVALID_ARG when @args does not fit, QV_ERR_INTERNAL when the
 * schema itself is inconsistent.
 */
bool qv_qapi_validate_command_args(QvQapiSchema *s, const char *command,
                                   json_object *args, GError **error);

/* The same for the "data" of an event */
bool qv_qapi_validate_event_data(QvQapiSchema *s, const char *event,
                                 json_object *data, GError **error);

G_END_DECLS
