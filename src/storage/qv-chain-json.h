/*
 * qv-chain-json: the stable JSON view of a chain, for scripts.
 *
 * {"elements": [ {"index": 0, "parent": null, ...}, ... ]} with one
 * object per element, depth first, each naming its parent's index.
 */
#pragma once

#include <json-c/json.h>

#include "qv-source.h"

G_BEGIN_DECLS

/* The JSON object for one element (no index/parent) */
struct json_object *qv_source_to_json(const QvStorageSource *src);

/* The whole tree, flat, as described above */
struct json_object *qv_chain_to_json(const QvStorageSource *top);

/* Serialised, pretty, with a final newline */
char *qv_chain_format_json(const QvStorageSource *top);

G_END_DECLS
