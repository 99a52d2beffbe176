/*
 * qv-encryption-xml: libvirt's <encryption> element, and libvirt's rules
 * for a disk's <auth> and <encryption> (which secret type fits which
 * protocol, what a LUKS disk may not say).
 */
#pragma once

#include <libxml/tree.h>

#include "conf/qv-domain.h"
#include "conf/qv-encryption-format.h"

G_BEGIN_DECLS

/* <encryption format engine><secret type='passphrase' uuid|usage/>...
 * <cipher/><ivgen/></encryption> into *@out (errors: QV_ERR_XML, @ctx
 * first) */
bool qv_encryption_xml_parse(xmlNodePtr node, QvEncryption **out,
                             const char *ctx, GError **error);

/* The disk-level <encryption> (libvirt's older place): into the top
 * source, refused when its <source> has one too */
bool qv_disk_xml_parse_encryption(xmlNodePtr node, QvDiskDef *disk,
                                  const char *ctx, GError **error);

/* libvirt's checks of every element of @disk's chains: <auth> only where
 * the protocol has authentication, with the secret type it takes (iscsi:
 * 'iscsi', rbd: 'ceph'), no <cipher> for a LUKS disk, no encryption on
 * a 'lun' */
bool qv_disk_validate_secrets(const QvDiskDef *disk, GError **error);

G_END_DECLS
