/*
 * qv-source-xml-parse: parsing counterpart of qv-source-xml.
 */
#pragma once

#include <libxml/tree.h>

#include "conf/qv-source-xml.h"

G_BEGIN_DECLS

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
