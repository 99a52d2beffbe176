/*
 * qv-source-xml: storage sources in libvirt's domain-XML form.
 *
 * Writes <source> elements, the nested <backingStore> chain (ending with
 * an empty <backingStore/> when the chain is known to end, and with
 * nothing when what lies below is unknown), quorum children as sibling
 * <backingStore>s, and a flat view with one <element> per chain element;
 * and parses them back.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

#include "qv-source.h"

G_BEGIN_DECLS

/* Append "<source .../>" (or with children) for @src at @indent spaces */
void qv_source_xml_format_source(GString *buf, const QvStorageSource *src,
                                 unsigned int indent);

/* The same, with @extra_attrs (" startupPolicy='optional'", ...) written
 * after the source's own attributes */
void qv_source_xml_format_source_full(GString *buf, const QvStorageSource *src,
                                      unsigned int indent,
                                      const char *extra_attrs);

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

/*
 * Parsing.  @ctx starts every message ("disk 'vda'"); errors are
 * QV_ERR_XML.
 */

/* <source> into @src, whose ->type is already set.  A local source
 * without its path attribute is accepted (an empty cdrom); the caller
 * decides what that means. */
bool qv_source_xml_parse_source(xmlNodePtr node, QvStorageSource *src,
                                const char *ctx, GError **error);

/* <auth username><secret type uuid|usage/></auth> into @src */
bool qv_source_xml_parse_auth(xmlNodePtr node, QvStorageSource *src,
                              const char *ctx, GError **error);

/* <threshold value='N'/> of a quorum */
bool qv_source_xml_parse_threshold(xmlNodePtr node, QvStorageSource *src,
                                   const char *ctx, GError **error);

/* A format name; "unknown format 'x' (expected ...)" otherwise */
bool qv_source_xml_parse_format(const char *value, QvFormat *out,
                                const char *ctx, GError **error);

/* The optional index attribute of @node */
bool qv_source_xml_parse_index(xmlNodePtr node, unsigned int *out,
                               const char *ctx, GError **error);

/*
 * The <backingStore> children of @parent into @src's backing stores: a
 * nested chain for a plain source (an empty <backingStore/> says it ends:
 * backing_known; none says nothing is known), one child per element for
 * a quorum, each with a chain of its own.  *@given (may be NULL) is set
 * when any <backingStore> was present directly under @parent.  Elements
 * are named in messages by depth, 1 for the first under @parent:
 * "backingStore 2", "backingStore 1 (quorum child 2)".
 */
bool qv_source_xml_parse_backing(xmlNodePtr parent, QvStorageSource *src,
                                 const char *ctx, bool *given,
                                 GError **error);

G_END_DECLS
