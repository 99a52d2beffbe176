/*
 * Device commands, with virsh's names, options and messages:
 * attach-disk, attach-device, detach-device, detach-disk,
 * detach-device-alias, update-device and change-media.  They go through
 * the public API (qvirt_domain_attach_device_flags and friends); the
 * disk XML they build or look up comes from src/lib/qv-cli-device.h.
 *
 * --config, --live and --current mean what they mean in virsh
 * (QVIRT_DOMAIN_AFFECT_*); --persistent is --config, plus --live when
 * the domain is running.  A detach the guest has not finished within
 * the API's wait is reported as requested, not as done.
 */
#include <stdio.h>
#include <string.h>

#include "qvirt/qvirt.h"
#include "qvirt-cli.h"
#include "lib/qv-cli-support.h"
#include "lib/qv-cli-device.h"

static const QvCommand qv_cmd_attach_disk, qv_cmd_attach_device, qv_cmd_detach_device,
    qv_cmd_detach_disk, qv_cmd_detach_alias, qv_cmd_update_device, qv_cmd_change_media;
extern const QvCommand *const qv_device_commands[];
extern const size_t qv_device_ncommands;

/* A usage error of @cmd: "NAME: ..." */
#define ERR_USAGE(cmd, fmt, ...) \
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, "%s: " fmt, (cmd)->name, ##__VA_ARGS__)

/* --persistent, --config, --live, --current */
typedef struct {
    gboolean persistent, config, live, current;
} Impact;

#define PERSISTENT_ENTRY(i) \
    { "persistent", 0, 0, G_OPTION_ARG_NONE, &(i).persistent, "the definition, and the running guest when it runs", NULL }
#define IMPACT_ENTRIES(i) \
    { "config", 0, 0, G_OPTION_ARG_NONE, &(i).config, "affect the definition (the next boot)", NULL }, \
    { "live", 0, 0, G_OPTION_ARG_NONE, &(i).live, "affect the running guest", NULL }, \
    { "current", 0, 0, G_OPTION_ARG_NONE, &(i).current, "the running guest when it runs, else the definition", NULL }

static bool
exclusive(const QvCommand *cmd, bool a, const char *na, bool b, const char *nb, GError **error)
{
    if (!a || !b)
        return true;
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                "%s: options --%s and --%s are mutually exclusive", cmd->name, na, nb);
    return false;
}

/* virsh's checks, in its order */
static bool
check_impact(const QvCommand *cmd, const Impact *i, GError **error)
{
    return exclusive(cmd, i->persistent, "persistent", i->current, "current", error) &&
           exclusive(cmd, i->current, "current", i->live, "live", error) &&
           exclusive(cmd, i->current, "current", i->config, "config", error);
}

/* The flags before the domain is looked at */
static unsigned int
impact_flags(const Impact *i)
{
    return ((i->config || i->persistent) ? QVIRT_DOMAIN_AFFECT_CONFIG : 0) |
           (i->live ? QVIRT_DOMAIN_AFFECT_LIVE : 0);
}

/* virsh's attach-disk, attach-device, detach-disk and detach-device
 * without any impact option call virDomainAttachDevice and
 * virDomainDetachDevice, which mean the live guest (and fail on one that
 * is shut off); update-device, change-media and detach-device-alias mean
 * --current then */
static unsigned int
virsh_default_live(const Impact *i, unsigned int flags)
{
    if (!i->live && !i->config && !i->persistent && !i->current)
        flags |= QVIRT_DOMAIN_AFFECT_LIVE;
    return flags;
}

/* --persistent affects the running guest too */
static bool
add_persistent_live(QvirtDomain *dom, const Impact *i, unsigned int *flags, GError **error)
{
    int state;

    if (!i->persistent)
        return true;
    if (qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
        return false;
    if (state != QVIRT_DOMAIN_SHUTOFF && state != QVIRT_DOMAIN_NOSTATE)
        *flags |= QVIRT_DOMAIN_AFFECT_LIVE;
    return true;
}

static QvirtDomain *
open_dom(QvirtConnect **conn, const char *name, GError **error)
{
    if (!(*conn = qvirt_connect_open(qv_cli_root, error)))
        return NULL;
    /* the CLI runs no threads: a supervisor can be a fork of it */
    qv_cli_fork_supervisors(true);
    return qvirt_domain_lookup(*conn, name, error);
}

/* The result of a detach: 0 gone, 1 requested and not finished yet */
static void
report_detach(int r, const char *done)
{
    if (r == 1) {
        printf("Device detach request sent successfully\n");
        fprintf(stderr, "unplug requested; the guest has not released it yet\n");
    } else {
        printf("%s\n", done);
    }
}

/* ------------------------------------------------------------------ */
/* attach-disk                                                         */

typedef struct {
    gchar *targetbus, *driver, *subdriver, *iothread, *cache, *io, *type, *mode;
    gchar *sourcetype, *serial, *wwn, *alias, *address;
    gchar *protocol, *host_name, *host_transport, *host_socket;
    gboolean rawio, multifunction, shareable, print_xml;
    Impact impact;
} AttachDiskArgs;

static void
attach_disk_args_clear(AttachDiskArgs *a)
{
    gchar **strs[] = {
        &a->targetbus, &a->driver, &a->subdriver, &a->iothread, &a->cache, &a->io, &a->type,
        &a->mode, &a->sourcetype, &a->serial, &a->wwn, &a->alias, &a->address, &a->protocol,
        &a->host_name, &a->host_transport, &a->host_socket,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(strs); i++)
        g_clear_pointer(strs[i], g_free);
}

#define STR_OPTION(name, field, help, arg) \
    { name, 0, 0, G_OPTION_ARG_STRING, &a->field, help, arg }

static bool
parse_attach_disk(AttachDiskArgs *a, int *argc, char ***argv, bool *help_shown, GError **error)
{
    const GOptionEntry entries[] = {
        STR_OPTION("targetbus", targetbus, "the bus: virtio, scsi, sata, ide, usb, fdc, ...", "BUS"),
        STR_OPTION("driver", driver, "<driver name=...>: qemu", "NAME"),
        STR_OPTION("subdriver", subdriver, "the image format: raw, qcow2, ...", "FMT"),
        STR_OPTION("iothread", iothread, "the IOThread serving the disk", "N"),
        STR_OPTION("cache", cache, "none, writeback, writethrough, directsync, unsafe, default", "MODE"),
        STR_OPTION("io", io, "native, threads, io_uring", "MODE"),
        STR_OPTION("type", type, "the device: disk, cdrom, floppy, lun", "DEVICE"),
        STR_OPTION("mode", mode, "readonly or shareable", "MODE"),
        { "shareable", 0, 0, G_OPTION_ARG_NONE, &a->shareable, "--mode shareable", NULL },
        STR_OPTION("sourcetype", sourcetype, "file, block or network (default: block for a block device, network with --source-protocol, else file)", "TYPE"),
        STR_OPTION("serial", serial, "the serial number the guest sees", "S"),
        STR_OPTION("wwn", wwn, "the World Wide Name: 16 hex digits", "WWN"),
        STR_OPTION("alias", alias, "a user alias, ua-...", "ALIAS"),
        { "rawio", 0, 0, G_OPTION_ARG_NONE, &a->rawio, "the lun needs the rawio capability", NULL },
        STR_OPTION("address", address, "pci:D.B.S.F, scsi:C.B.U, sata:C.B.U, ide:C.B.U, usb:B.P, ccw:C.S.D", "ADDR"),
        { "multifunction", 0, 0, G_OPTION_ARG_NONE, &a->multifunction, "a multifunction pci address", NULL },
        { "print-xml", 0, 0, G_OPTION_ARG_NONE, &a->print_xml, "print the <disk> XML, attach nothing", NULL },
        STR_OPTION("source-protocol", protocol, "a network disk's protocol: nbd, iscsi, rbd, ...", "P"),
        STR_OPTION("source-host-name", host_name, "the server of a network disk", "HOST[:PORT]"),
        STR_OPTION("source-host-transport", host_transport, "tcp, rdma or unix", "T"),
        STR_OPTION("source-host-socket", host_socket, "with --source-host-transport unix", "PATH"),
        PERSISTENT_ENTRY(a->impact),
        IMPACT_ENTRIES(a->impact),
        G_OPTION_ENTRY_NULL,
    };

    return qv_cli_parse(&qv_cmd_attach_disk, entries, argc, argv, 3, 3, help_shown, error);
}

/* virsh's --shareable is --mode shareable */
static bool
apply_shareable(AttachDiskArgs *a, GError **error)
{
    if (!a->shareable)
        return true;
    if (a->mode && strcmp(a->mode, "shareable") != 0) {
        ERR_USAGE(&qv_cmd_attach_disk, "options --shareable and --mode %s are mutually exclusive",
                  a->mode);
        return false;
    }
    g_free(a->mode);
    a->mode = g_strdup("shareable");
    return true;
}

static char *
attach_disk_xml(const AttachDiskArgs *a, const char *source, const char *target, GError **error)
{
    const QvCliAttachDisk o = {
        .source = source, .target = target, .targetbus = a->targetbus, .driver = a->driver,
        .subdriver = a->subdriver, .iothread = a->iothread, .cache = a->cache, .io = a->io,
        .type = a->type, .mode = a->mode, .sourcetype = a->sourcetype, .serial = a->serial,
        .wwn = a->wwn, .alias = a->alias, .address = a->address, .rawio = a->rawio,
        .multifunction = a->multifunction, .source_protocol = a->protocol,
        .source_host_name = a->host_name, .source_host_transport = a->host_transport,
        .source_host_socket = a->host_socket, .source_is_block = qv_cli_path_is_block(source),
    };
    char *xml = qv_cli_attach_disk_xml(&o, error);

    if (!xml)
        g_prefix_error(error, "%s: ", qv_cmd_attach_disk.name);
    return xml;
}

static int
attach_disk(const AttachDiskArgs *a, char **argv, GError **error)
{
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *xml = NULL;
    unsigned int flags = virsh_default_live(&a->impact, impact_flags(&a->impact));

    if (!check_impact(&qv_cmd_attach_disk, &a->impact, error) ||
        !(xml = attach_disk_xml(a, argv[2], argv[3], error)))
        return 1;
    if (a->print_xml) {
        fputs(xml, stdout);
        return 0;
    }
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        !add_persistent_live(dom, &a->impact, &flags, error))
        return 1;
    if (qvirt_domain_attach_device_flags(dom, xml, flags, error) < 0) {
        g_prefix_error(error, "Failed to attach disk: ");
        return 1;
    }
    printf("Disk attached successfully\n");
    return 0;
}

static int
run_attach_disk(int argc, char **argv, GError **error)
{
    AttachDiskArgs a = { 0 };
    bool help_shown;
    int ret;

    if (!parse_attach_disk(&a, &argc, &argv, &help_shown, error))
        ret = help_shown ? 0 : 1;
    else if (!apply_shareable(&a, error))
        ret = 1;
    else
        ret = attach_disk(&a, argv, error);
    attach_disk_args_clear(&a);
    return ret;
}

/* ------------------------------------------------------------------ */
/* attach-device, detach-device, update-device: DOMAIN FILE            */

typedef enum {
    FILE_ATTACH,
    FILE_DETACH,
    FILE_UPDATE,
} FileAction;

static int
device_call(QvirtDomain *dom, FileAction action, const char *xml, unsigned int flags,
            GError **error)
{
    switch (action) {
    case FILE_ATTACH:
        return qvirt_domain_attach_device_flags(dom, xml, flags, error);
    case FILE_DETACH:
        return qvirt_domain_detach_device_flags(dom, xml, flags, error);
    case FILE_UPDATE:
        return qvirt_domain_update_device_flags(dom, xml, flags, error);
    }
    return -1;
}

static int
run_file_command(const QvCommand *cmd, FileAction action, int argc, char **argv, GError **error)
{
    static const char *const failed[] = { "attach", "detach", "update" };
    static const char *const done[] = {
        "Device attached successfully", "Device detached successfully", "Device updated successfully",
    };
    gboolean force = FALSE;
    Impact imp = { 0 };
    GOptionEntry entries[] = {
        PERSISTENT_ENTRY(imp),
        IMPACT_ENTRIES(imp),
        { "force", 0, 0, G_OPTION_ARG_NONE, &force, "open a tray the guest locked (a media change)", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *xml = NULL;
    unsigned int flags;
    bool help_shown;
    int r;

    if (action != FILE_UPDATE)   /* --force is update-device's only */
        entries[G_N_ELEMENTS(entries) - 2] = (GOptionEntry)G_OPTION_ENTRY_NULL;
    if (!qv_cli_parse(cmd, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    flags = impact_flags(&imp) | (force ? QVIRT_DOMAIN_DEVICE_MODIFY_FORCE : 0);
    if (action != FILE_UPDATE)
        flags = virsh_default_live(&imp, flags);
    if (!check_impact(cmd, &imp, error) ||
        !(dom = open_dom(&conn, argv[1], error)) ||
        !add_persistent_live(dom, &imp, &flags, error) ||
        !(xml = qv_cli_read_xml_file(argv[2], error)))
        return 1;
    if ((r = device_call(dom, action, xml, flags, error)) < 0) {
        g_prefix_error(error, "Failed to %s device from %s: ", failed[action], argv[2]);
        return 1;
    }
    report_detach(r, done[action]);
    return 0;
}

static int
run_attach_device(int argc, char **argv, GError **error)
{
    return run_file_command(&qv_cmd_attach_device, FILE_ATTACH, argc, argv, error);
}

static int
run_detach_device(int argc, char **argv, GError **error)
{
    return run_file_command(&qv_cmd_detach_device, FILE_DETACH, argc, argv, error);
}

static int
run_update_device(int argc, char **argv, GError **error)
{
    return run_file_command(&qv_cmd_update_device, FILE_UPDATE, argc, argv, error);
}

/* ------------------------------------------------------------------ */
/* detach-disk, detach-device-alias                                    */

/* The <disk> of @dom named by @path in the document virsh reads: the
 * definition for a change of the definition only, else the live one */
static char *
find_disk(QvirtDomain *dom, const char *path, unsigned int flags, bool removable,
          GError **error)
{
    bool inactive = removable ? (flags & QVIRT_DOMAIN_AFFECT_CONFIG) : flags == QVIRT_DOMAIN_AFFECT_CONFIG;
    g_autofree char *doc = qvirt_domain_get_xml_desc(dom, inactive ? QVIRT_DOMAIN_XML_INACTIVE : 0, error);
    char *disk = doc ? qv_cli_find_disk(doc, path, removable, error) : NULL;

    if (doc && !disk)
        g_prefix_error(error, "domain '%s': ", qvirt_domain_get_name(dom));
    return disk;
}

static int
run_detach_disk(int argc, char **argv, GError **error)
{
    gboolean print_xml = FALSE;
    Impact imp = { 0 };
    const GOptionEntry entries[] = {
        PERSISTENT_ENTRY(imp),
        IMPACT_ENTRIES(imp),
        { "print-xml", 0, 0, G_OPTION_ARG_NONE, &print_xml, "print the <disk> XML, detach nothing", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *disk = NULL;
    unsigned int flags;
    bool help_shown;
    int r;

    if (!qv_cli_parse(&qv_cmd_detach_disk, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    flags = virsh_default_live(&imp, impact_flags(&imp));
    if (!check_impact(&qv_cmd_detach_disk, &imp, error) ||
        !(dom = open_dom(&conn, argv[1], error)) ||
        !(disk = find_disk(dom, argv[2], flags, false, error)) ||
        !add_persistent_live(dom, &imp, &flags, error))
        return 1;
    if (print_xml) {
        printf("%s\n", disk);
        return 0;
    }
    if ((r = qvirt_domain_detach_device_flags(dom, disk, flags, error)) < 0) {
        g_prefix_error(error, "Failed to detach disk: ");
        return 1;
    }
    report_detach(r, "Disk detached successfully");
    return 0;
}

static int
run_detach_alias(int argc, char **argv, GError **error)
{
    Impact imp = { 0 };
    const GOptionEntry entries[] = {
        PERSISTENT_ENTRY(imp),
        IMPACT_ENTRIES(imp),
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    unsigned int flags;
    bool help_shown;
    int r;

    if (!qv_cli_parse(&qv_cmd_detach_alias, entries, &argc, &argv, 2, 2, &help_shown, error))
        return help_shown ? 0 : 1;
    flags = impact_flags(&imp);
    if (!check_impact(&qv_cmd_detach_alias, &imp, error) ||
        !(dom = open_dom(&conn, argv[1], error)) ||
        !add_persistent_live(dom, &imp, &flags, error))
        return 1;
    if ((r = qvirt_domain_detach_device_alias(dom, argv[2], flags, error)) < 0) {
        g_prefix_error(error, "Failed to detach device with alias %s: ", argv[2]);
        return 1;
    }
    /* virsh says "request sent" whatever the outcome: an alias detach
     * never waits */
    report_detach(r, "Device detach request sent successfully");
    return 0;
}

/* ------------------------------------------------------------------ */
/* change-media                                                        */

typedef struct {
    gboolean eject, insert, update, block, force, print_xml;
    gchar *source;
    Impact impact;
} MediaArgs;

/* virsh's checks and its choice of action: --update without SOURCE
 * ejects; no action given updates */
static bool
media_action(MediaArgs *m, QvCliMediaAction *action, GError **error)
{
    const QvCommand *cmd = &qv_cmd_change_media;

    if (!exclusive(cmd, m->eject, "eject", m->insert, "insert", error) ||
        !exclusive(cmd, m->eject, "eject", m->update, "update", error) ||
        !exclusive(cmd, m->insert, "insert", m->update, "update", error) ||
        !exclusive(cmd, m->eject, "eject", m->block, "block", error))
        return false;
    if (m->update && !m->source) {
        m->update = FALSE;
        m->eject = TRUE;
    }
    if (m->eject && m->source) {
        ERR_USAGE(cmd, "--eject takes no SOURCE ('%s')", m->source);
        return false;
    }
    if (!m->eject && !m->source) {
        ERR_USAGE(cmd, "SOURCE, the new medium, is missing (or give --eject); usage: qvirt %s %s",
                  cmd->name, cmd->args);
        return false;
    }
    *action = m->eject ? QV_CLI_MEDIA_EJECT : m->insert ? QV_CLI_MEDIA_INSERT : QV_CLI_MEDIA_UPDATE;
    return exclusive(cmd, m->impact.current, "current", m->impact.live, "live", error) &&
           exclusive(cmd, m->impact.current, "current", m->impact.config, "config", error);
}

static bool
parse_change_media(MediaArgs *m, int *argc, char ***argv, bool *help_shown, GError **error)
{
    const GOptionEntry entries[] = {
        { "source", 0, 0, G_OPTION_ARG_FILENAME, &m->source, "the new medium (or give it as SOURCE)", "PATH" },
        { "eject", 0, 0, G_OPTION_ARG_NONE, &m->eject, "remove the medium", NULL },
        { "insert", 0, 0, G_OPTION_ARG_NONE, &m->insert, "insert a medium into an empty drive", NULL },
        { "update", 0, 0, G_OPTION_ARG_NONE, &m->update, "replace the medium (the default with SOURCE)", NULL },
        IMPACT_ENTRIES(m->impact),
        { "force", 0, 0, G_OPTION_ARG_NONE, &m->force, "open the tray even when the guest locked it", NULL },
        { "print-xml", 0, 0, G_OPTION_ARG_NONE, &m->print_xml, "print the new <disk> XML, change nothing", NULL },
        { "block", 0, 0, G_OPTION_ARG_NONE, &m->block, "the new medium is a block device", NULL },
        G_OPTION_ENTRY_NULL,
    };

    if (!qv_cli_parse(&qv_cmd_change_media, entries, argc, argv, 2, 3, help_shown, error))
        return false;
    if (*argc == 4 && m->source) {
        ERR_USAGE(&qv_cmd_change_media, "the new medium is given twice, as SOURCE and with --source");
        return false;
    }
    if (*argc == 4)
        m->source = g_strdup((*argv)[3]);
    return true;
}

static int
change_media(MediaArgs *m, char **argv, GError **error)
{
    static const char *const names[] = { "eject", "insert", "update" };
    static const char *const done[] = {
        "Successfully ejected media.", "Successfully inserted media.", "Successfully updated media.",
    };
    g_autoptr(QvirtConnect) conn = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    g_autofree char *disk = NULL;
    g_autofree char *xml = NULL;
    QvCliMediaAction action;
    unsigned int flags;

    if (!media_action(m, &action, error))
        return 1;
    flags = impact_flags(&m->impact) | (m->force ? QVIRT_DOMAIN_DEVICE_MODIFY_FORCE : 0);
    if (!(dom = open_dom(&conn, argv[1], error)) ||
        !(disk = find_disk(dom, argv[2], flags, true, error)))
        return 1;
    if (!(xml = qv_cli_media_xml(disk, argv[2], action, m->source, m->block, error))) {
        g_prefix_error(error, "domain '%s': ", qvirt_domain_get_name(dom));
        return 1;
    }
    if (m->print_xml) {
        printf("%s\n", xml);
        return 0;
    }
    if (qvirt_domain_update_device_flags(dom, xml, flags, error) < 0) {
        g_prefix_error(error, "Failed to complete action %s on media: ", names[action]);
        return 1;
    }
    printf("%s\n", done[action]);
    return 0;
}

static int
run_change_media(int argc, char **argv, GError **error)
{
    MediaArgs m = { 0 };
    bool help_shown;
    int ret;

    if (!parse_change_media(&m, &argc, &argv, &help_shown, error))
        ret = help_shown ? 0 : 1;
    else
        ret = change_media(&m, argv, error);
    g_free(m.source);
    return ret;
}

/* ------------------------------------------------------------------ */

#define IMPACT_HELP \
    " --config changes the definition (the next boot), --live the running guest, both together both; --current the running guest when it runs, else the definition, and excludes the other two; --persistent is --config, plus --live when the domain runs. With none of them, attach-disk, attach-device, detach-disk and detach-device mean --live (virsh calls the flagless virDomainAttachDevice/virDomainDetachDevice), the others --current."

static const QvCommand qv_cmd_attach_disk = {
    .name = "attach-disk",
    .args = "DOMAIN SOURCE TARGET [--targetbus BUS] [--driver NAME] [--subdriver FMT] [--iothread N] [--cache MODE] [--io MODE] [--type disk|cdrom|floppy|lun] [--mode readonly|shareable] [--sourcetype file|block|network] [--serial S] [--wwn WWN] [--alias ua-NAME] [--rawio] [--address ADDR] [--multifunction] [--print-xml] [--source-protocol P] [--source-host-name HOST[:PORT]] [--source-host-transport tcp|rdma|unix] [--source-host-socket PATH] [--persistent] [--config] [--live] [--current]",
    .summary = "attach a disk, built from options as virsh builds it",
    .help = "Builds the <disk> element virsh's attach-disk builds (the same elements, order and layout) and attaches it with the meaning of attach-device. SOURCE is an absolute path, \"\" for a cdrom or floppy with no medium, or with --source-protocol the name of a network disk (an nbd export, an rbd pool/image, ...) served by --source-host-name HOST[:PORT] or, with --source-host-transport unix, by --source-host-socket PATH. SOURCE's type is block when it is a block device (unless --driver file), else file. A network disk needs --subdriver FMT: qvirt never has QEMU probe a format. --address takes pci:DOMAIN.BUS.SLOT.FUNCTION (hexadecimal; vd* targets, or ccw:CSSID.SSID.DEVNO), scsi:, sata: or usb: (sd* targets) and ide: (hd*) addresses. Every value is checked before anything is attached; --print-xml prints the element and does nothing else." IMPACT_HELP,
    .run = run_attach_disk,
};
static const QvCommand qv_cmd_attach_device = {
    .name = "attach-device", .args = "DOMAIN FILE [--persistent] [--config] [--live] [--current]",
    .summary = "attach a device (a <disk>) from an XML file",
    .help = "FILE ('-': standard input) holds one <disk> element. Live, the disk's whole chain is opened and its leases taken before the guest sees it; on any failure nothing stays." IMPACT_HELP,
    .run = run_attach_device,
};
static const QvCommand qv_cmd_detach_device = {
    .name = "detach-device", .args = "DOMAIN FILE [--persistent] [--config] [--live] [--current]",
    .summary = "detach the device (a <disk>) described in an XML file",
    .help = "FILE ('-': standard input) holds the <disk>; its target names the disk. Live, the guest is asked to release it; when it has not within 5 s the command says the request was sent, and the disk goes when the guest lets it go." IMPACT_HELP,
    .run = run_detach_device,
};
static const QvCommand qv_cmd_detach_disk = {
    .name = "detach-disk", .args = "DOMAIN TARGET [--persistent] [--config] [--live] [--current] [--print-xml]",
    .summary = "detach a disk named by its target or source path",
    .help = "Finds the disk whose target (vdb) or source path is TARGET in the live XML (in the definition with --config or --persistent alone) and detaches that <disk> element as detach-device does; --print-xml prints the element and does nothing else." IMPACT_HELP,
    .run = run_detach_disk,
};
static const QvCommand qv_cmd_detach_alias = {
    .name = "detach-device-alias", .args = "DOMAIN ALIAS [--persistent] [--config] [--live] [--current]",
    .summary = "detach the device with a given alias",
    .help = "ALIAS is the device's <alias name=...> (ua-data, scsi0-0-0-1). A live detach does not wait for the guest: the command says the request was sent. --persistent (not in virsh) is --config, plus --live when the domain runs." IMPACT_HELP,
    .run = run_detach_alias,
};
static const QvCommand qv_cmd_update_device = {
    .name = "update-device", .args = "DOMAIN FILE [--persistent] [--config] [--live] [--current] [--force]",
    .summary = "update a device (a cdrom or floppy's medium) from an XML file",
    .help = "FILE ('-': standard input) holds the <disk> (by target) with its new <source>, or without one to eject. --force opens a tray the guest locked." IMPACT_HELP,
    .run = run_update_device,
};
static const QvCommand qv_cmd_change_media = {
    .name = "change-media", .args = "DOMAIN PATH [SOURCE] [--source SOURCE] [--eject|--insert|--update] [--current] [--live] [--config] [--force] [--print-xml] [--block]",
    .summary = "eject, insert or replace the medium of a cdrom or floppy",
    .help = "PATH is the drive's target (hdc) or its medium's path. --eject removes the medium, --insert puts SOURCE into an empty drive, --update (the default with SOURCE; without SOURCE it ejects) replaces it. SOURCE is a file, or with --block a block device. The drive is found in the live XML, or in the definition with --config; the new <disk> goes to update-device (with --force opening a tray the guest locked). --print-xml prints it and changes nothing. --config, --live and --current as for the other device commands; there is no --persistent, as in virsh.",
    .run = run_change_media,
};

/* What the executable looks up after loading the module */
const QvCommand *const qv_device_commands[] = {
    &qv_cmd_attach_disk,
    &qv_cmd_attach_device,
    &qv_cmd_detach_device,
    &qv_cmd_detach_disk,
    &qv_cmd_detach_alias,
    &qv_cmd_update_device,
    &qv_cmd_change_media,
};
const size_t qv_device_ncommands = G_N_ELEMENTS(qv_device_commands);
