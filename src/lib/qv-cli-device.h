/*
 * qv-cli-device: the disk XML the device commands of the qvirt CLI
 * (attach-disk, detach-disk, change-media, domblklist) make or look up,
 * as virsh makes and looks it up.  Pure functions of their inputs (no
 * domain, no file but the one stat of qv_cli_path_is_block), so that
 * they are tested on their own.
 *
 * Like qvirt.h this header includes no project header: the CLI includes
 * it (tests/check-layers.py checks).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include <qvirt/qvirt.h>

G_BEGIN_DECLS

/*
 * The options of `attach-disk DOMAIN SOURCE TARGET`, virsh's names; NULL
 * for an option not given.  The strings are borrowed.
 */
typedef struct {
    const char *source;                 /* a path, or a network disk's name;
                                         * "": a cdrom or floppy with no medium */
    const char *target;                 /* "vdb" */
    const char *targetbus;              /* --targetbus virtio|scsi|... */
    const char *driver;                 /* --driver: <driver name=...> */
    const char *subdriver;              /* --subdriver: <driver type=...> */
    const char *iothread;               /* --iothread N */
    const char *cache;                  /* --cache none|writeback|... */
    const char *io;                     /* --io native|threads|io_uring */
    const char *type;                   /* --type disk|cdrom|floppy|lun */
    const char *mode;                   /* --mode readonly|shareable */
    const char *sourcetype;             /* --sourcetype file|block|network */
    const char *serial;
    const char *wwn;
    const char *alias;                  /* "ua-..." */
    const char *address;                /* pci:D.B.S.F, scsi:C.B.U, ... */
    bool rawio;
    bool multifunction;                 /* with a pci: --address */
    const char *source_protocol;        /* nbd, iscsi, rbd, ... */
    const char *source_host_name;       /* HOST or HOST:PORT ([V6]:PORT) */
    const char *source_host_transport;  /* tcp|rdma|unix */
    const char *source_host_socket;     /* with transport unix */
    /* SOURCE names a block device (qv_cli_path_is_block): the default
     * --sourcetype is block then, as in virsh */
    bool source_is_block;
} QvCliAttachDisk;

/*
 * The <disk> element (new string, ending in a newline) virsh's
 * attach-disk would build from @opts, in its layout.  Every option is
 * checked first, so that the element passes libvirt's schema: NULL and
 * QVIRT_ERR_INVALID_ARG with a message naming the option and its value.
 */
char *qv_cli_attach_disk_xml(const QvCliAttachDisk *opts, GError **error);

/* Whether @s can stand in an XML attribute or text as given: UTF-8,
 * without control characters */
bool qv_cli_is_xml_text(const char *s);

/* Whether @path is a block device (false when it cannot be stat'ed) */
bool qv_cli_path_is_block(const char *path);

/*
 * The <disk> of the domain XML @domain_xml whose target dev, or source
 * file, dev, dir or name, is @path, as virsh's detach-disk and
 * change-media find it: serialised as it stands in the document, without
 * its <backingStore> (new string).  With @removable only cdrom and floppy
 * disks (and, as virsh, disks with no device attribute) are considered.
 * QVIRT_ERR_NOT_FOUND when there is none.
 */
char *qv_cli_find_disk(const char *domain_xml, const char *path,
                       bool removable, GError **error);

typedef enum {
    QV_CLI_MEDIA_EJECT,
    QV_CLI_MEDIA_INSERT,
    QV_CLI_MEDIA_UPDATE,
} QvCliMediaAction;

/*
 * The removable disk @disk_xml (from qv_cli_find_disk; @path is what the
 * user named it by, for messages) with its medium changed, as virsh's
 * change-media changes it: EJECT drops the <source> (the disk becomes
 * type 'file'); INSERT (refused when a medium is present) and UPDATE put
 * @source in, as <source dev=...> in a type 'block' disk with @block,
 * else <source file=...> in a type 'file' one, keeping the old source's
 * startupPolicy.  New string.
 */
char *qv_cli_media_xml(const char *disk_xml, const char *path,
                       QvCliMediaAction action, const char *source,
                       bool block, GError **error);

/*
 * The tray of each cdrom and floppy of the domain XML @domain_xml:
 * target name -> "open" or "closed" (no tray attribute: closed).  Disks
 * with no tray are not in the table.  g_hash_table_unref it.
 */
GHashTable *qv_cli_disk_trays(const char *domain_xml, GError **error);

G_END_DECLS
