/*
 * qv-source-xml: storage sources in libvirt's domain-XML form.
 *
 * Writes <source> elements, the nested <backingStore> chain (ending with
 * an empty <backingStore/> when the chain is known to end, and with
 * nothing when what lies below is unknown), quorum children as sibling
 * <backingStore>s, and a flat view with one <element> per chain element.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "storage/qv-source.h"

G_BEGIN_DECLS

/* Append "<source .../>" (or with children) for @src at @indent spaces */
/* The quorum options of @src as attributes of <threshold> (" a='v'"...) */
void qv_source_xml_quorum_attrs(GString *buf, const QvStorageSource *src);

void qv_source_xml_format_source(GString *buf, const QvStorageSource *src,
                                 unsigned int indent);

/* The same, with @extra_attrs (" startupPolicy='optional'", ...) written
 * after the source's own attributes */
void qv_source_xml_format_source_full(GString *buf, const QvStorageSource *src,
                                      unsigned int indent,
                                      const char *extra_attrs);

/* The same, leaving out <auth> or <encryption> (written at disk level) */
void qv_source_xml_format_source_skip(GString *buf, const QvStorageSource *src,
                                      unsigned int indent, const char *extra_attrs,
                                      bool skip_auth, bool skip_enc);

/* <auth username><secret .../></auth> of @src at @indent spaces */
void qv_source_xml_format_auth(GString *buf, const QvStorageSource *src,
                               unsigned int indent);

/* Append the backing stores of @src, nested, at @indent spaces */
void qv_source_xml_format_backing(GString *buf, const QvStorageSource *src,
                                  unsigned int indent);

/* A <disk> element (driver, source, chain) for an image on its own */
char *qv_source_xml_format_disk(const QvStorageSource *top);

/* <chain> with one <element index parent> per element, depth first */
char *qv_source_xml_format_flat(const QvStorageSource *top);

/* The flat view as an element called @name at @indent spaces */
void qv_source_xml_format_flat_in(GString *buf, const QvStorageSource *top,
                                  const char *name, unsigned int indent);

G_END_DECLS
