/*
 * qv-disk-validate: libvirt's domain-level rules (src/conf/domain_validate.c,
 * domain_conf.c) for the disk settings of QvDiskOpts and QvSourceOpts, and
 * the rules across disks (drive addresses, boot order).  Each message is
 * libvirt's reason, after the disk it concerns.  qv-domain-validate calls
 * these; the QEMU rules are in src/qemu/qv-qemu-validate-disk.c.
 */
#pragma once

#include "conf/qv-domain.h"

G_BEGIN_DECLS

/* One disk on its own; @label: qv_disk_label() */
bool qv_disk_validate_opts(const QvDiskDef *disk, const char *label, GError **error);

/* The rules across the disks of @def */
bool qv_domain_validate_disk_set(const QvDomainDef *def, GError **error);

G_END_DECLS
