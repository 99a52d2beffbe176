/*
 * qv-domain-xml: libvirt domain XML <-> QvDomainDef: the whole document
 * (qv-domain-xml.c) and one <disk> (qv-disk-xml.c).
 *
 * Parsing goes through the safe reader (no network, no DTD, bounded
 * depth; syntax errors carry line and column), reports a problem with
 * the element it concerns ("disk 'vdb': backingStore 2: unknown format
 * 'qcow3'"), then checks the document against the shipped RelaxNG schema
 * unless QV_DOMAIN_XML_NO_SCHEMA.  Formatting writes libvirt's layout:
 * each chain as nested <backingStore> (ended by an empty one when the
 * chain is known), with QV_DOMAIN_XML_FLAT_CHAINS also a flat
 * <backingChain> per disk.  QV_DOMAIN_XML_STATUS is for the supervisor's
 * status document, which carries the runtime-only parts.
 */
#pragma once

#include <libxml/tree.h>

#include "conf/qv-domain.h"

G_BEGIN_DECLS

typedef enum {
    QV_DOMAIN_XML_STATUS = 1 << 0,       /* parse/write runtime-only parts:
                                          * <mirror>, <alias>, index */
    QV_DOMAIN_XML_FLAT_CHAINS = 1 << 1,  /* format: flat chain view too */
    QV_DOMAIN_XML_NO_SCHEMA = 1 << 2,    /* parse: skip the RelaxNG check */
    QV_DOMAIN_XML_DISK_SOURCE = 1 << 3,  /* parse a lone <disk> for its
                                          * source, as libvirt's
                                          * VIR_DOMAIN_DEF_PARSE_DISK_SOURCE:
                                          * no <target> needed */
} QvDomainXmlFlags;

/* @origin names the document in messages (a file name, or NULL) */
QvDomainDef *qv_domain_parse_xml(const char *xml, const char *origin,
                                 unsigned int flags, GError **error);
QvDomainDef *qv_domain_parse_file(const char *path, unsigned int flags,
                                  GError **error);

char *qv_domain_format_xml(const QvDomainDef *def, unsigned int flags);

/* One <disk> element on its own (used by hotplug and tests) */
QvDiskDef *qv_disk_parse_node(xmlNodePtr node, unsigned int flags,
                              GError **error);
/* A document that is one <disk> element (a device to attach or update);
 * @origin names it in messages.  No schema check: a lone disk is checked
 * in a domain (qv_conn_check_xml) */
QvDiskDef *qv_disk_parse_xml(const char *xml, const char *origin, unsigned int flags,
                             GError **error);
void qv_disk_format(GString *buf, const QvDiskDef *disk, unsigned int flags,
                    unsigned int indent);

/*
 * The destination of a block copy, as libvirt's virDomainBlockCopy takes
 * it: a <disk type='file'|'block'> parsed for its source (driver type,
 * source; no target needed) naming an absolute path.  Returns the
 * source: type, path and format (QV_FORMAT_NONE when no driver type).
 */
QvStorageSource *qv_disk_parse_copy_destination(const char *xml,
                                                GError **error);

G_END_DECLS
