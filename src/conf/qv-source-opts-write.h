/*
 * qv-source-opts-write: the writer side of qv-source-opts-xml.h.
 */
#pragma once

#include <glib.h>

#include "storage/qv-source.h"

G_BEGIN_DECLS

void qv_source_opts_format_attrs(GString *buf, const QvStorageSource *src);
bool qv_source_opts_has_children(const QvStorageSource *src);
void qv_source_opts_format_children(GString *buf, const QvStorageSource *src,
                                    unsigned int indent);

G_END_DECLS
