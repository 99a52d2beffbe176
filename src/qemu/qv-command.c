/*
 * qv-command: build QEMU's argument vector for a guest.
 *
 * This file owns the machine, console and monitor arguments and the disk
 * front ends; the block graph of each disk comes from qv-blockdev.
 * -blockdev and -device are written as JSON (QEMU 7.2 accepts both) so
 * that paths and serial numbers need no comma escaping and the objects
 * are the same ones QMP takes for hotplug.  -chardev and -name still use
 * QEMU's option syntax, where a comma is written twice.
 */
#include "qemu/qv-command.h"
#include "qemu/qv-disk-props.h"

#include <inttypes.h>
#include <string.h>

#include "qemu/qv-blockdev.h"
#include "qemu/qv-qemu-validate.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"

#define QV_QEMU_DEFAULT_EMULATOR "qemu-system-x86_64"
#define QV_QEMU_DEFAULT_MACHINE "q35"
/* root ports beyond the virtio disks' when the definition declares none */
#define QV_QEMU_SPARE_ROOT_PORTS 4

/* Controllers built into, or added to, the machine */
typedef struct {
    bool q35;            /* AHCI ide.0-ide.5 built in; no floppy controller */
    bool need_scsi;      /* virtio-scsi-pci "scsi0" */
    bool need_ahci;      /* pc with sata disks: ich9-ahci "sata0" */
    bool need_fdc;       /* q35 with floppies: isa-fdc "fdc0" */
    bool need_usb;       /* usb disks: qemu-xhci "usb" */
    unsigned int nvirtio; /* virtio disks: on q35 each on a root port */
    unsigned int root_ports; /* q35: pcie-root-port "pci.1" ... */
} QvQemuBuses;

static void
qv_argv_add(GPtrArray *argv, const char *arg)
{
    g_ptr_array_add(argv, g_strdup(arg));
}

static void G_GNUC_PRINTF(2, 3)
qv_argv_addf(GPtrArray *argv, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(argv, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static void
qv_argv_add_json(GPtrArray *argv, const char *opt, json_object *obj)
{
    qv_argv_add(argv, opt);
    qv_argv_add(argv, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* QEMU's option syntax: a comma inside a value is written ",," */
static char *
qv_qemu_escape(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, ",", -1);

    return g_strjoinv(",,", parts);
}

int
qv_qemu_disk_index(const char *dst)
{
    static const char *const prefixes[] = { "fd", "hd", "vd", "sd", "xvd", "ubd" };
    const char *p = NULL;
    long idx = 0;
    size_t i;

    if (!dst)
        return -1;
    for (i = 0; i < G_N_ELEMENTS(prefixes) && !p; i++) {
        if (g_str_has_prefix(dst, prefixes[i]))
            p = dst + strlen(prefixes[i]);
    }
    if (!p || !*p)
        return -1;
    /* "a".."z", then "aa": like spreadsheet columns */
    for (i = 0; p[i]; i++) {
        if (p[i] < 'a' || p[i] > 'z' || idx > 100000)
            return -1;
        idx = (idx + (i == 0 ? 0 : 1)) * 26 + (p[i] - 'a');
    }
    return (int)idx;
}

static void
qv_command_machine(GPtrArray *argv, const QvDomainDef *def,
                   const QvQemuBuildOptions *opts)
{
    const char *machine = def->os_machine ? def->os_machine : QV_QEMU_DEFAULT_MACHINE;
    g_autofree char *name = qv_qemu_escape(def->name ? def->name : "");

    qv_argv_add(argv, "-name");
    qv_argv_addf(argv, "guest=%s,debug-threads=on", name);
    if (opts->paused)
        qv_argv_add(argv, "-S");
    if (opts->incoming) {
        qv_argv_add(argv, "-incoming");
        qv_argv_add(argv, opts->incoming);
    }
    qv_argv_add(argv, "-machine");
    qv_argv_addf(argv, "%s,accel=%s,usb=off", machine,
                 opts->accel ? opts->accel : "tcg");
    qv_argv_add(argv, "-m");
    qv_argv_addf(argv, "size=%" PRIu64 "k", def->memory_kib);
    qv_argv_add(argv, "-smp");
    qv_argv_addf(argv, "%u", def->vcpus ? def->vcpus : 1);
    qv_argv_add(argv, "-uuid");
    qv_argv_add(argv, def->uuid);
    qv_argv_add(argv, "-no-user-config");
    qv_argv_add(argv, "-nodefaults");
    qv_argv_add(argv, "-display");
    qv_argv_add(argv, "none");
    if (opts->sandbox) {
        qv_argv_add(argv, "-sandbox");
        qv_argv_add(argv, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
    }
}

static void
qv_command_chardevs(GPtrArray *argv, const QvQemuBuildOptions *opts)
{
    if (opts->qmp_fd > 0) {
        /* bound by the supervisor: QEMU needs no right on its folder */
        qv_argv_add(argv, "-chardev");
        qv_argv_addf(argv, "socket,id=charmonitor,fd=%d,server=on,wait=off", opts->qmp_fd);
        qv_argv_add(argv, "-mon");
        qv_argv_add(argv, "chardev=charmonitor,id=monitor,mode=control");
    } else if (opts->qmp_socket) {
        g_autofree char *path = qv_qemu_escape(opts->qmp_socket);
        qv_argv_add(argv, "-chardev");
        qv_argv_addf(argv, "socket,id=charmonitor,path=%s,server=on,wait=off", path);
        qv_argv_add(argv, "-mon");
        qv_argv_add(argv, "chardev=charmonitor,id=monitor,mode=control");
    }
    if (opts->serial_log) {
        g_autofree char *path = qv_qemu_escape(opts->serial_log);
        qv_argv_add(argv, "-chardev");
        qv_argv_addf(argv, "file,id=charserial0,path=%s,append=on", path);
        qv_argv_add(argv, "-device");
        qv_argv_add(argv, "{\"driver\":\"isa-serial\",\"chardev\":\"charserial0\",\"id\":\"serial0\"}");
    }
    if (opts->pidfile) {
        qv_argv_add(argv, "-pidfile");
        qv_argv_add(argv, opts->pidfile);
    }
}

bool
qv_qemu_machine_is_q35(const QvDomainDef *def)
{
    const char *machine = def->os_machine ? def->os_machine : QV_QEMU_DEFAULT_MACHINE;

    return g_str_has_prefix(machine, "q35") || strstr(machine, "-q35") != NULL;
}

static void
qv_command_scan_buses(const QvDomainDef *def, QvQemuBuses *b)
{
    size_t i;

    memset(b, 0, sizeof(*b));
    b->q35 = qv_qemu_machine_is_q35(def);
    for (i = 0; i < def->ndisks; i++) {
        switch (def->disks[i]->bus) {
        case QV_DISK_BUS_SCSI:
            b->need_scsi = true;
            break;
        case QV_DISK_BUS_SATA:
            b->need_ahci |= !b->q35;
            break;
        case QV_DISK_BUS_FDC:
            b->need_fdc |= b->q35;
            break;
        case QV_DISK_BUS_USB:
            b->need_usb = true;
            break;
        case QV_DISK_BUS_VIRTIO:
            b->nvirtio++;
            break;
        case QV_DISK_BUS_NONE:
        case QV_DISK_BUS_IDE:
        case QV_DISK_BUS_SD:
        case QV_DISK_BUS_LAST:
            break;
        }
    }
    /* every virtio disk on a root port of its own, so that it can be
     * unplugged, and spare ones for hotplug: as many in all as the
     * definition declares, else QV_QEMU_SPARE_ROOT_PORTS more */
    if (b->q35)
        b->root_ports = def->pcie_root_ports ? MAX(def->pcie_root_ports, b->nvirtio) :
                        b->nvirtio + QV_QEMU_SPARE_ROOT_PORTS;
}

static void
qv_command_controllers(GPtrArray *argv, const QvQemuBuses *b)
{
    for (unsigned int i = 1; i <= b->root_ports; i++) {
        qv_argv_add(argv, "-device");
        qv_argv_addf(argv, "{\"driver\":\"pcie-root-port\",\"id\":\"" QV_QEMU_ROOT_PORT_PREFIX
                     "%u\",\"bus\":\"pcie.0\",\"chassis\":%u,\"port\":%u}", i, i, 0x0f + i);
    }
    if (b->need_usb) {
        qv_argv_add(argv, "-device");
        qv_argv_add(argv, "{\"driver\":\"qemu-xhci\",\"id\":\"usb\"}");
    }
    if (b->need_scsi) {
        qv_argv_add(argv, "-device");
        qv_argv_add(argv, "{\"driver\":\"virtio-scsi-pci\",\"id\":\"scsi0\"}");
    }
    if (b->need_ahci) {
        qv_argv_add(argv, "-device");
        qv_argv_add(argv, "{\"driver\":\"ich9-ahci\",\"id\":\"sata0\"}");
    }
    if (b->need_fdc) {
        qv_argv_add(argv, "-device");
        qv_argv_add(argv, "{\"driver\":\"isa-fdc\",\"id\":\"fdc0\"}");
    }
}

static bool
qv_command_disk_blockdevs(GPtrArray *argv, const QvDiskDef *disk,
                          const char *cwd, GError **error)
{
    g_autoptr(json_object) props = qv_blockdev_props_cwd(disk, cwd, error);
    size_t i;

    if (!props)
        return false;
    for (i = 0; i < json_object_array_length(props); i++)
        qv_argv_add_json(argv, "-blockdev", json_object_array_get_idx(props, i));
    return true;
}

/* ---- disk front ends ---- */

const char *
qv_qemu_device_model(const QvDiskDef *disk)
{
    bool cd = disk->device == QV_DISK_DEVICE_CDROM;

    switch (disk->bus) {
    case QV_DISK_BUS_VIRTIO:
        if (disk->device != QV_DISK_DEVICE_DISK)
            return NULL;
        return disk->opts.model == QV_DISK_MODEL_VIRTIO_TRANSITIONAL ? "virtio-blk-pci-transitional" :
               disk->opts.model == QV_DISK_MODEL_VIRTIO_NON_TRANSITIONAL ?
               "virtio-blk-pci-non-transitional" : "virtio-blk-pci";
    case QV_DISK_BUS_SCSI:
        if (disk->device == QV_DISK_DEVICE_LUN)
            return "scsi-block";
        return disk->device == QV_DISK_DEVICE_FLOPPY ? NULL : cd ? "scsi-cd" : "scsi-hd";
    case QV_DISK_BUS_IDE:
    case QV_DISK_BUS_SATA:
        if (disk->device == QV_DISK_DEVICE_DISK)
            return "ide-hd";
        return cd ? "ide-cd" : NULL;
    case QV_DISK_BUS_FDC:
        return disk->device == QV_DISK_DEVICE_FLOPPY ? "floppy" : NULL;
    case QV_DISK_BUS_USB:
        return disk->device == QV_DISK_DEVICE_DISK ? "usb-storage" : NULL;
    case QV_DISK_BUS_SD:         /* no SD host controller on QEMU's PC machines */
    case QV_DISK_BUS_NONE:
    case QV_DISK_BUS_LAST:
        break;
    }
    return NULL;
}

int
qv_qemu_bus_slots(QvDiskBus bus, bool q35)
{
    switch (bus) {
    case QV_DISK_BUS_SCSI:
        return 256;
    case QV_DISK_BUS_IDE:
        /* q35: AHCI, one device per port; pc: PIIX, two buses of two */
        return q35 ? 6 : 4;
    case QV_DISK_BUS_SATA:
        return 6;
    case QV_DISK_BUS_FDC:
        return 2;
    case QV_DISK_BUS_VIRTIO:
    case QV_DISK_BUS_NONE:
    case QV_DISK_BUS_USB:
    case QV_DISK_BUS_SD:
    case QV_DISK_BUS_LAST:
        break;
    }
    return 0;
}

/* Where the device sits: bus, unit numbers, and its default id; @idx is
 * within the bus (qv_qemu_validate_frontend); false only when building
 * the JSON fails */
static bool
qv_command_device_address(json_object *dev, const QvDiskDef *disk,
                          const QvQemuBuses *b, int idx, const char *pci_bus,
                          char **id, GError **error)
{
    g_autofree char *bus = NULL;

    switch (disk->bus) {
    case QV_DISK_BUS_VIRTIO:
        *id = g_strdup_printf("virtio-disk%d", idx);
        return qv_json_add(&dev, error, "S:bus", pci_bus, NULL);
    case QV_DISK_BUS_USB:
        *id = g_strdup_printf("usb-disk%d", idx);
        return qv_json_add(&dev, error, "s:bus", "usb.0", NULL);
    case QV_DISK_BUS_SCSI:
        *id = g_strdup_printf("scsi0-0-%d-0", idx);
        return qv_json_add(&dev, error, "s:bus", "scsi0.0", "i:channel", 0,
                           "i:scsi-id", idx, "i:lun", 0, NULL);
    case QV_DISK_BUS_IDE:
    case QV_DISK_BUS_SATA:
        if (b->q35 || disk->bus == QV_DISK_BUS_SATA) {
            /* AHCI: one device per port */
            bus = g_strdup_printf("%s.%d", b->q35 ? "ide" : "sata0", idx);
            *id = g_strdup_printf("sata0-0-%d", idx);
            return qv_json_add(&dev, error, "s:bus", bus, NULL);
        }
        /* PIIX: two buses, master and slave */
        bus = g_strdup_printf("ide.%d", idx / 2);
        *id = g_strdup_printf("ide0-%d-%d", idx / 2, idx % 2);
        return qv_json_add(&dev, error, "s:bus", bus, "i:unit", idx % 2, NULL);
    case QV_DISK_BUS_FDC:
        *id = g_strdup_printf("fdc0-0-%d", idx);
        return qv_json_add(&dev, error, "i:unit", idx, NULL);
    case QV_DISK_BUS_SD:
    case QV_DISK_BUS_NONE:
    case QV_DISK_BUS_LAST:
        break;
    }
    /* refused by qv_qemu_validate_frontend, which runs first */
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "disk '%s': bus '%s' reached the -device builder", disk->dst, disk->bus ? qv_disk_bus_to_string(disk->bus) : "none");
    return false;
}

static const char *
qv_command_write_cache(QvDiskCache cache)
{
    switch (cache) {
    case QV_CACHE_DEFAULT:
    case QV_CACHE_LAST:
        return NULL;
    case QV_CACHE_WRITETHROUGH:
    case QV_CACHE_DIRECTSYNC:
        return "off";
    case QV_CACHE_NONE:
    case QV_CACHE_WRITEBACK:
    case QV_CACHE_UNSAFE:
        return "on";
    }
    return NULL;
}

static json_object *
qv_command_disk_device(const QvDomainDef *def, const QvDiskDef *disk,
                       const QvQemuBuses *b, const char *pci_bus, GError **error)
{
    const char *model = qv_qemu_device_model(disk);
    int idx = qv_qemu_disk_index(disk->dst);
    g_autoptr(json_object) dev = NULL;
    g_autofree char *id = NULL;
    g_autofree char *node = qv_blockdev_top_node(disk);
    const char *wce = qv_command_write_cache(disk->cache);

    /* scsi-block passes the guest's cache commands through */
    if (disk->device != QV_DISK_DEVICE_DISK || disk->readonly)
        wce = NULL;
    if (!qv_qemu_validate_frontend(def, disk, error) ||
        !qv_json_add(&dev, error, "s:driver", model, NULL) ||
        !qv_command_device_address(dev, disk, b, idx, pci_bus, &id, error) ||
        !qv_json_add(&dev, error,
                     "S:drive", node,
                     "s:id", disk->alias ? disk->alias : id,
                     "S:serial", disk->serial,
                     "I:bootindex", (int)disk->boot_order,
                     "S:write-cache", wce,
                     "B:share-rw", disk->shareable,
                     NULL) ||
        !qv_qemu_disk_device_opts(dev, disk, error))
        return NULL;
    return g_steal_pointer(&dev);
}

bool
qv_qemu_assign_aliases(QvDomainDef *def, GError **error)
{
    QvQemuBuses buses;

    qv_command_scan_buses(def, &buses);
    for (size_t i = 0; i < def->ndisks; i++) {
        QvDiskDef *disk = def->disks[i];
        g_autoptr(json_object) dev = json_object_new_object();
        g_autofree char *id = NULL;

        if (disk->alias)
            continue;
        if (!qv_qemu_validate_frontend(def, disk, error) ||
            !qv_command_device_address(dev, disk, &buses,
                                       qv_qemu_disk_index(disk->dst), NULL, &id,
                                       error))
            return false;
        disk->alias = g_steal_pointer(&id);
    }
    return true;
}

GPtrArray *
qv_qemu_build_argv(const QvDomainDef *def, const QvQemuBuildOptions *opts,
                   GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    const char *emulator = opts->emulator ? opts->emulator :
                           def->emulator ? def->emulator : QV_QEMU_DEFAULT_EMULATOR;
    QvQemuBuses buses;
    unsigned int nvirtio = 0;
    size_t i;

    qv_argv_add(argv, emulator);
    qv_command_machine(argv, def, opts);
    qv_command_chardevs(argv, opts);
    for (i = 0; opts->objects && i < json_object_array_length(opts->objects); i++)
        qv_argv_add_json(argv, "-object", json_object_array_get_idx(opts->objects, i));
    qv_qemu_iothread_objects(argv, def);
    for (i = 0; i < def->ndisks; i++) {
        if (!qv_command_disk_blockdevs(argv, def->disks[i], opts->cwd, error))
            return NULL;
    }
    qv_command_scan_buses(def, &buses);
    if (buses.q35) {
        /* native PCIe hotplug on the root ports: an unplug completes
         * without the guest's ACPI code (QEMU's default before 6.1) */
        qv_argv_add(argv, "-global");
        qv_argv_add(argv, "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off");
    }
    qv_command_controllers(argv, &buses);
    for (i = 0; i < def->ndisks; i++) {
        const QvDiskDef *disk = def->disks[i];
        g_autofree char *port = NULL;
        g_autoptr(json_object) dev = NULL;

        if (buses.q35 && disk->bus == QV_DISK_BUS_VIRTIO)
            port = g_strdup_printf(QV_QEMU_ROOT_PORT_PREFIX "%u", ++nvirtio);
        if (!(dev = qv_command_disk_device(def, disk, &buses, port, error)))
            return NULL;
        qv_argv_add_json(argv, "-device", dev);
    }
    g_ptr_array_add(argv, NULL);
    return g_steal_pointer(&argv);
}

json_object *
qv_qemu_disk_device_props(const QvDomainDef *def, const QvDiskDef *disk,
                          const char *pci_bus, GError **error)
{
    QvQemuBuses buses;

    qv_command_scan_buses(def, &buses);
    return qv_command_disk_device(def, disk, &buses, pci_bus, error);
}

const char *
qv_qemu_disk_controller(const QvDiskDef *disk, const char **driver)
{
    switch (disk->bus) {
    case QV_DISK_BUS_SCSI:
        *driver = "virtio-scsi-pci";
        return "scsi0";
    case QV_DISK_BUS_USB:
        *driver = "qemu-xhci";
        return "usb";
    case QV_DISK_BUS_NONE:
    case QV_DISK_BUS_VIRTIO:
    case QV_DISK_BUS_IDE:
    case QV_DISK_BUS_SATA:
    case QV_DISK_BUS_FDC:
    case QV_DISK_BUS_SD:
    case QV_DISK_BUS_LAST:
        break;
    }
    *driver = NULL;
    return NULL;
}
