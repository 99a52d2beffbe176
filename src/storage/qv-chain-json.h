/*
 * qv-chain-json: the stable JSON view of a chain, for scripts.
 *
 * {"elements": [ {"index": 0, "parent": null, ...}, ... ]} with one
 * object per element, depth first, each naming its parent's index.
 */
#pragma once

#include "util/qv-json-writer.h"
#include "storage/qv-source.h"

G_BEGIN_DECLS

/* The members describing one element (inside an open object) */
void qv_source_write_json(QvJsonWriter *w, const QvStorageSource *src);

/* The whole tree, flat, as described above, with a final newline */
char *qv_chain_format_json(const QvStorageSource *top);

G_END_DECLS
