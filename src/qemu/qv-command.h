/*
 * qv-command: the QEMU command line of a guest.
 *
 * From a domain definition whose chains are resolved, build the argument
 * vector QEMU is started with: machine, memory, vcpus, a serial console to
 * a log file, the QMP socket, every disk's -blockdev graph (qv-blockdev)
 * and its front end.  Nothing is started here.
 */
#pragma once

#include <json-c/json.h>

#include "conf/qv-domain.h"

G_BEGIN_DECLS

typedef struct {
    const char *emulator;    /* NULL: def->emulator, else qemu-system-x86_64 */
    const char *qmp_socket;  /* QMP unix socket path; NULL: no monitor */
    const char *serial_log;  /* serial console output; NULL: no serial */
    const char *pidfile;     /* NULL: none */
    const char *accel;       /* "kvm" or "tcg"; NULL: "tcg" */
    bool paused;             /* -S: CPUs stay stopped until "cont" */
    const char *incoming;    /* -incoming's value ("defer"); NULL: none */
    const char *cwd;         /* the folder QEMU runs in (qv_blockdev_pick_cwd); NULL: none assumed */
    json_object *objects;    /* -object arguments the block graph needs first (the master
                              * key and the encrypted secrets, qv-secret-objects); NULL: none */
    int qmp_fd;              /* > 0: QMP on this listening socket QEMU inherits (qmp_socket
                              * is then only where it is bound) */
    bool sandbox;            /* -sandbox on, with everything QEMU does not need denied */
} QvQemuBuildOptions;

/*
 * The argument vector, NULL-terminated (argv[0] is the emulator), or NULL
 * with @error set when a disk cannot be expressed.
 */
/*
 * Give every disk without an alias the id of its QEMU device, as libvirt
 * names them (virtio-disk0, sata0-0-0, ...): the <alias> of the live XML.
 */
bool qv_qemu_assign_aliases(QvDomainDef *def, GError **error);

GPtrArray *qv_qemu_build_argv(const QvDomainDef *def,
                              const QvQemuBuildOptions *opts,
                              GError **error);

/*
 * The position of a disk on its bus from its target name, as libvirt
 * counts ("vda" 0, "sdb" 1, "hdz" 25, "sdaa" 26), or -1 if the name has
 * no such suffix.
 */
int qv_qemu_disk_index(const char *dst);

/* The QEMU device model of a disk on its bus, or NULL when QEMU has none */
const char *qv_qemu_device_model(const QvDiskDef *disk);

/* How many devices @bus takes (on q35 when @q35); 0: no fixed limit */
int qv_qemu_bus_slots(QvDiskBus bus, bool q35);

/*
 * The -device object of @disk's front end, the same one start gives
 * (device_add takes it as is); @pci_bus: the PCI bus of a virtio disk
 * ("pci.3", "pci.0"), NULL to let QEMU choose
 */
json_object *qv_qemu_disk_device_props(const QvDomainDef *def, const QvDiskDef *disk,
                                       const char *pci_bus, GError **error);

/* The id of the controller @disk's bus needs ("scsi0", "usb") and its
 * QEMU driver, or NULL when the machine has the bus built in */
const char *qv_qemu_disk_controller(const QvDiskDef *disk, const char **driver);

/* The ids of a q35 guest's root ports: "pci.1", "pci.2", ... */
#define QV_QEMU_ROOT_PORT_PREFIX "pci."

/* The machine of @def (q35 when none is given) is a q35 */
bool qv_qemu_machine_is_q35(const QvDomainDef *def);

G_END_DECLS
