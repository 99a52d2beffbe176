/*
 * qv-domain-xml: libvirt domain XML <-> QvDomainDef.
 *
 * Parsing checks the document against the shipped RelaxNG schema and
 * reports problems with the element they concern ("disk 'vdb':
 * backingStore 2: unknown format 'qcow3"); syntax errors carry line and
 * column.  Formatting writes libvirt's layout: nested <backingStore>
 * (always written when the chain is known), or with
 * QV_DOMAIN_XML_FLAT_CHAINS a flat <backingChain> view per disk.
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
void qv_disk_format(GString *buf, const QvDiskDef *disk, unsigned int flags,
                    unsigned int indent);

G_END_DECLS
