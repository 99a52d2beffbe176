/*
 * qv-qemu-validate-disk: libvirt's QEMU rules (src/qemu/qemu_validate.c
 * qemuValidateDomainDeviceDefDisk*, qemu_domain.c
 * qemuDomainValidateStorageSource) for the disk settings beyond the
 * basic ones, with libvirt's reasons after the disk they concern.
 * qv-qemu-validate.c calls these, so define, start and hotplug refuse
 * alike.
 */
#pragma once

#include "conf/qv-domain.h"

G_BEGIN_DECLS

/* What libvirt says before the front end is looked at: the target names
 * a disk, not a partition ("vdb1"); a lun is on virtio or scsi */
bool qv_qemu_validate_disk_early(const QvDiskDef *disk, GError **error);

/* The front end's settings: geometry, wwn, vendor, product, rotation
 * rate, addresses, read-only ide/sata, copy_on_read, iothread, iotune,
 * transient, the driver name */
bool qv_qemu_validate_disk_settings(const QvDomainDef *def, const QvDiskDef *disk,
                                    GError **error);

/* One element of a chain: its format and the <source> options */
bool qv_qemu_validate_source_settings(const QvDiskDef *disk, const QvStorageSource *src,
                                      GError **error);

/* QEMU's limit on every throttling value, as libvirt's QEMU_BLOCK_IOTUNE_MAX */
#define QV_QEMU_IOTUNE_MAX 1000000000000000ULL

G_END_DECLS
