/*
 * qv-domain: the domain (guest) definition model.
 *
 * What a guest is, as read from libvirt's domain XML: identity, memory,
 * vcpus, os, and devices.  Disks and leases are modelled in full because
 * qvirt acts on them; every other device, <features> and other top-level
 * elements qvirt does not act on are kept as verbatim XML and written back
 * unchanged.  A disk's image and chain are a QvStorageSource.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/qv-source.h"
#include "storage/qv-source-tree.h"
#include "conf/qv-disk-opts.h"

G_BEGIN_DECLS

typedef enum {
    QV_DISK_DEVICE_DISK,
    QV_DISK_DEVICE_CDROM,
    QV_DISK_DEVICE_FLOPPY,
    QV_DISK_DEVICE_LUN,

    QV_DISK_DEVICE_LAST
} QvDiskDevice;

typedef enum {
    QV_DISK_BUS_NONE,
    QV_DISK_BUS_VIRTIO,
    QV_DISK_BUS_SCSI,
    QV_DISK_BUS_IDE,
    QV_DISK_BUS_SATA,
    QV_DISK_BUS_FDC,
    QV_DISK_BUS_USB,
    QV_DISK_BUS_SD,

    QV_DISK_BUS_LAST
} QvDiskBus;

typedef enum {
    QV_STARTUP_DEFAULT,      /* attribute absent: behaves as mandatory */
    QV_STARTUP_MANDATORY,
    QV_STARTUP_REQUISITE,
    QV_STARTUP_OPTIONAL,

    QV_STARTUP_LAST
} QvStartupPolicy;

typedef enum {
    QV_CACHE_DEFAULT,
    QV_CACHE_NONE,
    QV_CACHE_WRITETHROUGH,
    QV_CACHE_WRITEBACK,
    QV_CACHE_DIRECTSYNC,
    QV_CACHE_UNSAFE,

    QV_CACHE_LAST
} QvDiskCache;

typedef enum {
    QV_DISK_IO_DEFAULT,
    QV_DISK_IO_NATIVE,
    QV_DISK_IO_THREADS,
    QV_DISK_IO_URING,        /* "io_uring" */

    QV_DISK_IO_LAST
} QvDiskIo;

typedef enum {
    QV_DISCARD_DEFAULT,
    QV_DISCARD_UNMAP,
    QV_DISCARD_IGNORE,

    QV_DISCARD_LAST
} QvDiscard;

typedef enum {
    QV_DETECT_ZEROES_DEFAULT,
    QV_DETECT_ZEROES_OFF,
    QV_DETECT_ZEROES_ON,
    QV_DETECT_ZEROES_UNMAP,

    QV_DETECT_ZEROES_LAST
} QvDetectZeroes;

typedef enum {
    QV_TRISTATE_DEFAULT,
    QV_TRISTATE_ON,
    QV_TRISTATE_OFF,

    QV_TRISTATE_LAST
} QvTristate;            /* "on"/"off"; copy_on_read */

typedef enum {
    QV_TRAY_DEFAULT,
    QV_TRAY_OPEN,
    QV_TRAY_CLOSED,

    QV_TRAY_LAST
} QvTray;

typedef enum {
    QV_MIRROR_JOB_COPY,
    QV_MIRROR_JOB_ACTIVE_COMMIT,

    QV_MIRROR_JOB_LAST
} QvMirrorJob;           /* "copy", "active-commit" */

typedef enum {
    QV_MIRROR_READY_NONE,    /* attribute absent */
    QV_MIRROR_READY_YES,
    QV_MIRROR_READY_ABORT,
    QV_MIRROR_READY_PIVOT,

    QV_MIRROR_READY_LAST
} QvMirrorReady;         /* "yes", "abort", "pivot" */

typedef struct {
    QvMirrorJob job;
    QvMirrorReady ready;
    QvStorageSource *src;    /* type, format, path/network, chain */
} QvDiskMirror;

/* The last I/O error QEMU reported for a disk or a quorum child: shown in
 * the live XML as <health> (status only; the supervisor keeps it) */
typedef struct {
    unsigned int index;      /* the child's element index (vdb[N]); 0: the disk */
    char *event;             /* "BLOCK_IO_ERROR", "QUORUM_REPORT_BAD", "QUORUM_FAILURE" */
    char *type;              /* "read", "write", "flush", "quorum", or NULL */
    char *error;             /* QEMU's message, or NULL */
    gint64 time;             /* unix seconds */
    uint64_t sector, sectors;
} QvDiskHealth;

typedef struct {
    QvDiskDevice device;
    QvStorageSource *src;    /* never NULL; type NONE when no <source> */
    bool has_source;         /* false: <source> absent (empty cdrom/floppy) */
    bool chain_given;        /* a <backingStore> was given: the chain is trusted */

    /* <driver> */
    char *driver_name;       /* "qemu" or NULL */
    QvDiskCache cache;
    QvDiskIo io;
    QvDiscard discard;
    QvDetectZeroes detect_zeroes;
    QvTristate copy_on_read;

    QvStartupPolicy startup_policy;

    /* <target> */
    char *dst;               /* target dev: "vda" */
    QvDiskBus bus;
    QvTray tray;

    bool readonly;
    bool shareable;
    bool transient;
    char *serial;
    unsigned int boot_order; /* 0: none */
    char *alias;             /* <alias name=...>: status, or user "ua-*" */
    char *address_xml;       /* <address .../> kept verbatim, or NULL */

    /* <auth> and <encryption> given as children of <disk> (libvirt's
     * older place, where libvirt writes <auth>) rather than of <source>:
     * written back where they were found */
    bool auth_disk_level;
    bool enc_disk_level;
    QvDiskOpts opts;         /* iotune, error policies, wwn, ... (qv-disk-opts.h) */

    QvDiskMirror *mirror;    /* status only, while a copy/commit runs */
    bool mirror_dropped;     /* a definition had a <mirror>: dropped */
    GPtrArray *health;       /* QvDiskHealth, for the live XML only, or NULL */
} QvDiskDef;

typedef struct {
    char *lockspace;
    char *key;
    char *path;              /* <target path=...> */
    uint64_t offset;
    bool has_offset;
} QvLeaseDef;

typedef struct {
    char *type;              /* <domain type=...>: "qemu", "kvm" */
    char *name;
    char uuid[37];           /* canonical text form; generated when absent */
    bool uuid_generated;     /* the document had no <uuid> */
    char *title;
    char *description;
    uint64_t memory_kib;
    uint64_t current_memory_kib; /* 0: same as memory */
    unsigned int vcpus;

    char *os_type;           /* "hvm" */
    char *os_arch;           /* "x86_64" or NULL */
    char *os_machine;        /* "q35", "pc", ... or NULL */
    char *os_extra_xml;      /* other children of <os>, verbatim, or NULL */
    bool os_boot_dev;        /* <os> has a <boot dev=...> */

    /* the IOThread ids <iothreads>/<iothreadids> declare (both kept
     * verbatim with the other top-level elements) */
    unsigned int *iothread_ids;
    size_t n_iothread_ids;

    /* the drive addresses of <hostdev type='scsi'> (kept verbatim with
     * the other devices), which no SCSI disk may use */
    QvDriveAddress *scsi_hostdevs;
    size_t n_scsi_hostdevs;

    char *emulator;

    QvDiskDef **disks;
    size_t ndisks;
    QvLeaseDef **leases;
    size_t nleases;
    /* <on_lockfailure> (kept verbatim with the other top-level elements;
     * its value read): 0 default, 1 poweroff, 2 restart, 3 pause, 4 ignore */
    int on_lockfailure;

    /* <controller type='pci' model='pcie-root-port'/> elements (kept
     * verbatim with the other devices; counted): a q35 guest gets this
     * many root ports for hotplug, 4 when it declares none */
    unsigned int pcie_root_ports;

    /* Kept verbatim, in document order: devices qvirt does not act on
     * (interface, graphics, ...), and top-level elements other than the
     * ones above (features, cpu, clock, on_*, ...).  Each is one element
     * serialised as XML. */
    char **kept_devices;
    size_t nkept_devices;
    char **kept_toplevel;
    size_t nkept_toplevel;
} QvDomainDef;

QvDomainDef *qv_domain_def_new(void);
void qv_domain_def_free(QvDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvDomainDef, qv_domain_def_free)

QvDiskDef *qv_disk_def_new(void);
void qv_disk_def_free(QvDiskDef *disk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvDiskDef, qv_disk_def_free)

void qv_disk_mirror_free(QvDiskMirror *mirror);
void qv_disk_health_free(QvDiskHealth *h);
/* Add one (stolen) to @disk's health */
void qv_disk_add_health(QvDiskDef *disk, QvDiskHealth *h);
void qv_lease_def_free(QvLeaseDef *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QvLeaseDef, qv_lease_def_free)

/* Append (stolen) */
void qv_domain_add_disk(QvDomainDef *def, QvDiskDef **disk);
void qv_domain_add_lease(QvDomainDef *def, QvLeaseDef **lease);

/* Remove @disk from @def and return it (the caller's now); NULL when
 * @def does not have it */
QvDiskDef *qv_domain_take_disk(QvDomainDef *def, const QvDiskDef *disk);

/* Find a disk by target name ("vda"); NULL if none */
QvDiskDef *qv_domain_find_disk(const QvDomainDef *def, const char *dst);

/*
 * Indexes of storage sources (libvirt's index, the N of vda[N]): every
 * element of every disk's chain gets one, unique in the domain.  With
 * @reset all are numbered afresh (a cold start), else only elements
 * without one get the next free numbers (a snapshot's new top, a copy's
 * destination).  Numbering is top-down, disk by disk, quorum children in
 * order.  Returns the highest index in use.
 */
unsigned int qv_domain_assign_indexes(QvDomainDef *def, bool reset);

/* Drop every index: a persistent definition has none */
void qv_domain_clear_indexes(QvDomainDef *def);

/* The same for one disk: elements without an index get @last + 1, ...;
 * returns the last one given */
unsigned int qv_disk_assign_indexes(QvDiskDef *disk, unsigned int last);

/* The element of @disk's chains with @index, or NULL */
QvStorageSource *qv_disk_find_index(const QvDiskDef *disk, unsigned int index);

/*
 * DISK as the block job calls take it: a target name ("vda"), libvirt's
 * "vda[N]" (the element with index N), or the path of any image of a
 * disk's chain.  Returns the disk and sets *elem to the element named
 * (its top for a target name); NULL with an error naming @spec.
 */
QvDiskDef *qv_domain_lookup_disk(const QvDomainDef *def, const char *spec,
                                 QvStorageSource **elem, GError **error);

/* An element of @disk's chain named by @spec ("vda[N]", a path, or the
 * target name for its top) */
QvStorageSource *qv_disk_lookup_element(const QvDomainDef *def,
                                        const QvDiskDef *disk,
                                        const char *spec, GError **error);

/* String tables: *_to_string(0) may be NULL for "absent" defaults;
 * *_from_string returns -1 when unknown */
#define QV_DOMAIN_ENUM_DECL(prefix, type) \
    const char *prefix##_to_string(type v); \
    int prefix##_from_string(const char *s);

QV_DOMAIN_ENUM_DECL(qv_disk_device, QvDiskDevice)
QV_DOMAIN_ENUM_DECL(qv_disk_bus, QvDiskBus)
QV_DOMAIN_ENUM_DECL(qv_startup_policy, QvStartupPolicy)
QV_DOMAIN_ENUM_DECL(qv_disk_cache, QvDiskCache)
QV_DOMAIN_ENUM_DECL(qv_disk_io, QvDiskIo)
QV_DOMAIN_ENUM_DECL(qv_discard, QvDiscard)
QV_DOMAIN_ENUM_DECL(qv_detect_zeroes, QvDetectZeroes)
QV_DOMAIN_ENUM_DECL(qv_tristate, QvTristate)
QV_DOMAIN_ENUM_DECL(qv_tray, QvTray)
QV_DOMAIN_ENUM_DECL(qv_mirror_job, QvMirrorJob)
QV_DOMAIN_ENUM_DECL(qv_mirror_ready, QvMirrorReady)

G_END_DECLS
