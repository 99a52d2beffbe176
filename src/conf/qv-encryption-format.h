/*
 * qv-encryption-format: libvirt's <encryption> element, written.
 */
#pragma once

#include <glib.h>

#include "storage/qv-encryption.h"

G_BEGIN_DECLS

/* Append <encryption format engine>... at @indent spaces */
void qv_encryption_xml_format(GString *buf, const QvEncryption *enc,
                              unsigned int indent);

G_END_DECLS
