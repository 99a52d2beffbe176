/*
 * qv-disk-opts: the disk-level settings of libvirt's <disk> beyond source,
 * target and the basic <driver> attributes: <iotune>, the rest of
 * <driver> (error policies, iothread, queues, ioeventfd, event_idx,
 * metadata_cache), the guest-visible identity and shape (<wwn>,
 * <vendor>, <product>, <geometry>, <blockio>, <target rotation_rate
 * removable>), the lun attributes rawio and sgio, disk@snapshot,
 * disk@model and <transient shareBacking>.  Kept by value in QvDiskDef
 * (disk->opts).  Parsed and written by qv-disk-opts-xml.c.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/qv-source-opts.h"

G_BEGIN_DECLS

/* libvirt's <iotune>: 0 is "unset" for every number, as in libvirt */
typedef struct {
    uint64_t total_bytes_sec, read_bytes_sec, write_bytes_sec;
    uint64_t total_iops_sec, read_iops_sec, write_iops_sec;
    uint64_t total_bytes_sec_max, read_bytes_sec_max, write_bytes_sec_max;
    uint64_t total_iops_sec_max, read_iops_sec_max, write_iops_sec_max;
    uint64_t size_iops_sec;
    char *group_name;
    uint64_t total_bytes_sec_max_length, read_bytes_sec_max_length, write_bytes_sec_max_length;
    uint64_t total_iops_sec_max_length, read_iops_sec_max_length, write_iops_sec_max_length;
} QvDiskIotune;

/* The numeric fields of QvDiskIotune, in libvirt's output order */
typedef struct {
    const char *name;
    size_t offset;
} QvIotuneField;
extern const QvIotuneField qv_iotune_fields[];
extern const size_t qv_iotune_nfields;
#define QV_IOTUNE_VALUE(tune, i) \
    G_STRUCT_MEMBER(uint64_t, (tune), qv_iotune_fields[i].offset)

typedef enum {
    QV_SNAPSHOT_DEFAULT,
    QV_SNAPSHOT_NO,
    QV_SNAPSHOT_INTERNAL,
    QV_SNAPSHOT_EXTERNAL,
    QV_SNAPSHOT_MANUAL,

    QV_SNAPSHOT_LAST
} QvDiskSnapshot;

typedef enum {
    QV_ERROR_POLICY_DEFAULT,
    QV_ERROR_POLICY_STOP,
    QV_ERROR_POLICY_REPORT,
    QV_ERROR_POLICY_IGNORE,
    QV_ERROR_POLICY_ENOSPACE,    /* error_policy only */

    QV_ERROR_POLICY_LAST
} QvErrorPolicy;

typedef enum {
    QV_GEOMETRY_TRANS_DEFAULT,
    QV_GEOMETRY_TRANS_NONE,
    QV_GEOMETRY_TRANS_AUTO,
    QV_GEOMETRY_TRANS_LBA,

    QV_GEOMETRY_TRANS_LAST
} QvGeometryTrans;

typedef enum {
    QV_SGIO_DEFAULT,
    QV_SGIO_FILTERED,
    QV_SGIO_UNFILTERED,

    QV_SGIO_LAST
} QvSgio;

typedef enum {
    QV_DISK_MODEL_DEFAULT,
    QV_DISK_MODEL_VIRTIO,
    QV_DISK_MODEL_VIRTIO_TRANSITIONAL,
    QV_DISK_MODEL_VIRTIO_NON_TRANSITIONAL,

    QV_DISK_MODEL_LAST
} QvDiskModel;

typedef struct {
    QvDiskSnapshot snapshot;
    QvDiskModel model;
    QvYesNo rawio;
    QvSgio sgio;
    QvYesNo share_backing;       /* <transient shareBacking> */

    /* <driver> */
    QvErrorPolicy error_policy;
    QvErrorPolicy rerror_policy;
    unsigned int iothread;       /* 0: none */
    unsigned int queues;         /* 0: unset */
    unsigned int queue_size;     /* 0: unset */
    int ioeventfd;               /* QvTristate: 0 unset, 1 on, 2 off */
    int event_idx;               /* the same */
    bool has_metadata_cache;     /* <metadata_cache> given */
    uint64_t metadata_cache_max; /* bytes; 0: no <max_size> */

    QvDiskIotune iotune;         /* an empty <iotune/> is dropped, as in libvirt */

    char *wwn;
    char *vendor;
    char *product;
    unsigned int cyls, heads, secs;  /* <geometry>; cyls 0: none */
    QvGeometryTrans trans;
    unsigned int logical_block_size, physical_block_size;  /* 0: unset */
    unsigned int rotation_rate;  /* 0: unset */
    int removable;               /* QvTristate */

    /* read from <address> (kept verbatim as address_xml) for the checks */
    char *addr_type;             /* "drive", "pci", "usb", ...; NULL: none */
    unsigned int addr_controller, addr_bus, addr_target, addr_unit;
} QvDiskOpts;

/* A drive address: <address type='drive' controller bus target unit/> */
typedef struct {
    unsigned int controller, bus, target, unit;
} QvDriveAddress;

void qv_disk_opts_clear(QvDiskOpts *o);
/* Whether any throttling number is set */
bool qv_disk_iotune_has_any(const QvDiskIotune *t);
/* libvirt's virDomainSetBlockIoTune merge: the fields of @given marked
 * in @set (qv_iotune_nfields of them) replace @t's; a total given clears
 * the old read and write of its kind, a read or write the old total
 * (QEMU takes one or the other); the group name when @group_set */
void qv_disk_iotune_merge(QvDiskIotune *t, const QvDiskIotune *given, const bool *set,
                          bool group_set);
bool qv_disk_iotune_equal(const QvDiskIotune *a, const QvDiskIotune *b);

/* The name of the first setting that differs ("error_policy", "iotune",
 * ...), or NULL when none does */
const char *qv_disk_opts_diff(const QvDiskOpts *a, const QvDiskOpts *b);

#define QV_DISK_OPTS_ENUM_DECL(prefix, type) \
    const char *prefix##_to_string(type v); \
    int prefix##_from_string(const char *s);
QV_DISK_OPTS_ENUM_DECL(qv_disk_snapshot, QvDiskSnapshot)
QV_DISK_OPTS_ENUM_DECL(qv_error_policy, QvErrorPolicy)
QV_DISK_OPTS_ENUM_DECL(qv_geometry_trans, QvGeometryTrans)
QV_DISK_OPTS_ENUM_DECL(qv_sgio, QvSgio)
QV_DISK_OPTS_ENUM_DECL(qv_disk_model, QvDiskModel)

G_END_DECLS
