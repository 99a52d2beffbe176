/*
 * qv-cli-device: the <disk> element of `qvirt attach-disk`, built from
 * its options as virsh's attach-disk builds it: the same elements in the
 * same order and layout (<driver>, <source> with its <host>, <target>,
 * the mode, <serial>, <alias>, <wwn>, <address>), and SOURCE's type
 * guessed the same way.  Unlike virsh, every value is escaped, and
 * checked first against what libvirt's schema accepts, so that
 * --print-xml never shows an element libvirt (or qvirt) would refuse and
 * the error names the option at fault.
 */
#include <string.h>
#include <sys/stat.h>

#include "conf/qv-xml-write.h"
#include "lib/qv-cli-device.h"

#define FAIL(...) \
    do { \
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG, __VA_ARGS__); \
        return false; \
    } while (0)

typedef enum {
    SOURCE_FILE,
    SOURCE_BLOCK,
    SOURCE_NETWORK,
} SourceType;

/* The values libvirt's schema allows, where it lists them */
static const char *const source_types[] = { "file", "block", "network", NULL };
static const char *const device_values[] = { "disk", "cdrom", "floppy", "lun", NULL };
static const char *const mode_values[] = { "readonly", "shareable", NULL };
static const char *const bus_values[] = {
    "virtio", "scsi", "sata", "ide", "usb", "fdc", "xen", "sd", NULL,
};
static const char *const format_values[] = {
    "raw", "qcow2", "qcow", "qed", "vmdk", "vpc", "vdi", "vhd", "luks", "iso",
    "dmg", "cloop", "bochs", "cow", "ploop", "fat", "dir", NULL,
};
static const char *const cache_values[] = {
    "default", "none", "writethrough", "writeback", "directsync", "unsafe", NULL,
};
static const char *const io_values[] = { "native", "threads", "io_uring", NULL };
static const char *const protocol_values[] = {
    "nbd", "iscsi", "rbd", "gluster", "http", "https", "ftp", "ftps", "tftp",
    "nfs", "sheepdog", "vxhs", NULL,
};
static const char *const transport_values[] = { "tcp", "rdma", "unix", NULL };

/* The string options: their names, where their values are, and the
 * values allowed (NULL: checked on their own further down) */
typedef struct {
    const char *name;
    size_t offset;
    const char *const *values;
} OptionDesc;

#define OPTION(n, field, vals) { n, G_STRUCT_OFFSET(QvCliAttachDisk, field), vals }
static const OptionDesc options[] = {
    OPTION("targetbus", targetbus, bus_values),
    OPTION("driver", driver, NULL),
    OPTION("subdriver", subdriver, format_values),
    OPTION("iothread", iothread, NULL),
    OPTION("cache", cache, cache_values),
    OPTION("io", io, io_values),
    OPTION("type", type, device_values),
    OPTION("mode", mode, mode_values),
    OPTION("sourcetype", sourcetype, source_types),
    OPTION("serial", serial, NULL),
    OPTION("wwn", wwn, NULL),
    OPTION("alias", alias, NULL),
    OPTION("address", address, NULL),
    OPTION("source-protocol", source_protocol, protocol_values),
    OPTION("source-host-name", source_host_name, NULL),
    OPTION("source-host-transport", source_host_transport, transport_values),
    OPTION("source-host-socket", source_host_socket, NULL),
};

static const char *
option_value(const QvCliAttachDisk *o, const OptionDesc *d)
{
    return G_STRUCT_MEMBER(const char *, o, d->offset);
}

static int
value_index(const char *const *values, const char *v)
{
    for (int i = 0; values[i]; i++) {
        if (strcmp(values[i], v) == 0)
            return i;
    }
    return -1;
}

static bool
check_listed(const OptionDesc *d, const char *v, GError **error)
{
    g_autofree char *list = NULL;

    if (!d->values || value_index(d->values, v) >= 0)
        return true;
    list = g_strjoinv(", ", (char **)d->values);
    FAIL("--%s '%s' is not one of %s", d->name, v, list);
}

bool
qv_cli_is_xml_text(const char *s)
{
    if (!g_utf8_validate(s, -1, NULL))
        return false;
    for (; *s; s = g_utf8_next_char(s)) {
        gunichar c = g_utf8_get_char(s);

        /* the controls (XML refuses most), and what XML 1.0 excludes */
        if (c < 0x20 || c == 0x7f || c == 0xfffe || c == 0xffff)
            return false;
    }
    return true;
}

/* Every string option given: not empty, text, and one of its values */
static bool
check_options(const QvCliAttachDisk *o, GError **error)
{
    if (!qv_cli_is_xml_text(o->source))
        FAIL("SOURCE is not UTF-8 text without control characters");
    if (o->target && !qv_cli_is_xml_text(o->target))
        FAIL("TARGET is not UTF-8 text without control characters");
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        const char *v = option_value(o, &options[i]);

        if (!v)
            continue;
        if (!*v)
            FAIL("--%s needs a value", options[i].name);
        if (!qv_cli_is_xml_text(v))
            FAIL("--%s: the value is not UTF-8 text without control characters", options[i].name);
        if (!check_listed(&options[i], v, error))
            return false;
    }
    return true;
}

/* Only characters of @allowed (besides ASCII letters and digits) */
static bool
is_word(const char *s, const char *allowed)
{
    for (; *s; s++) {
        if (!g_ascii_isalnum(*s) && !strchr(allowed, *s))
            return false;
    }
    return true;
}

/* libvirt's diskTargetDev: (fd|hd|sd|vd|xvd|ubd) and a name */
static bool
check_target(const char *target, GError **error)
{
    static const char *const prefixes[] = { "fd", "hd", "sd", "vd", "xvd", "ubd" };

    for (size_t i = 0; target && i < G_N_ELEMENTS(prefixes); i++) {
        size_t n = strlen(prefixes[i]);

        if (strncmp(target, prefixes[i], n) == 0 && target[n] &&
            is_word(target + n, "_"))
            return true;
    }
    FAIL("TARGET '%s' is not a disk target name (fd*, hd*, sd*, vd*, xvd*, ubd*: vdb, sda, hdc, fda, ...)",
         target ? target : "");
}

static bool
check_words(const QvCliAttachDisk *o, GError **error)
{
    if (o->driver && !is_word(o->driver, "_+-"))
        FAIL("--driver '%s' may hold only letters, digits and _ + -", o->driver);
    if (o->serial && !is_word(o->serial, "_.+- "))
        FAIL("--serial '%s' may hold only letters, digits, spaces and _ . + -", o->serial);
    if (o->alias && (!is_word(o->alias, "_-.") || !g_str_has_prefix(o->alias, "ua-")))
        FAIL("--alias '%s' is not a user alias: 'ua-' then letters, digits and _ - . (ua-data)",
             o->alias);
    return true;
}

/* libvirt's virValidateWWN: 16 hexadecimal digits, after an optional 0x */
static bool
check_wwn(const char *wwn, GError **error)
{
    const char *p = g_str_has_prefix(wwn, "0x") ? wwn + 2 : wwn;
    size_t n = strspn(p, "0123456789abcdefABCDEF");

    if (n != 16 || p[n])
        FAIL("--wwn '%s' is not a WWN: 16 hexadecimal digits, optionally after 0x", wwn);
    return true;
}

static bool
check_iothread(const char *iothread, GError **error)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(iothread, 10, 1, G_MAXUINT32, &v, NULL))
        FAIL("--iothread '%s' is not an IOThread id (a number from 1)", iothread);
    return true;
}

static bool
check_values(const QvCliAttachDisk *o, GError **error)
{
    return check_options(o, error) &&
           check_target(o->target, error) &&
           check_words(o, error) &&
           (!o->wwn || check_wwn(o->wwn, error)) &&
           (!o->iothread || check_iothread(o->iothread, error));
}

/* ------------------------------------------------------------------ */
/* the source                                                          */

/* virsh's guess: network with a protocol; block for a block device,
 * unless the driver is one that takes files only */
static SourceType
source_type(const QvCliAttachDisk *o)
{
    if (o->sourcetype)
        return (SourceType)value_index(source_types, o->sourcetype);
    if (o->source_protocol)
        return SOURCE_NETWORK;
    if (o->source_is_block && g_strcmp0(o->driver, "file") != 0 &&
        g_strcmp0(o->driver, "tap") != 0)
        return SOURCE_BLOCK;
    return SOURCE_FILE;
}

/* virsh's checks of the --source-host-* options, in its order */
static bool
check_host_options(const QvCliAttachDisk *o, GError **error)
{
    if (o->source_host_name && !o->source_protocol)
        FAIL("--source-host-name needs --source-protocol");
    if (o->source_host_transport && !o->source_protocol)
        FAIL("--source-host-transport needs --source-protocol");
    if (o->source_host_socket && !o->source_protocol)
        FAIL("--source-host-socket needs --source-protocol");
    if (o->source_host_socket && !o->source_host_transport)
        FAIL("--source-host-socket needs --source-host-transport unix");
    if (o->source_host_name && o->source_host_socket)
        FAIL("--source-host-name and --source-host-socket are mutually exclusive");
    return true;
}

/* What the schema adds: a unix socket and only it, a host for a
 * protocol that needs one */
static bool
check_host(const QvCliAttachDisk *o, GError **error)
{
    bool unix_socket = g_strcmp0(o->source_host_transport, "unix") == 0;

    if (unix_socket && !o->source_host_socket)
        FAIL("--source-host-transport unix needs --source-host-socket PATH");
    if (o->source_host_socket && !unix_socket)
        FAIL("--source-host-socket needs --source-host-transport unix, not %s",
             o->source_host_transport);
    if (o->source_host_transport && !unix_socket && !o->source_host_name)
        FAIL("--source-host-transport %s needs --source-host-name HOST[:PORT]",
             o->source_host_transport);
    if (o->source_host_socket && o->source_host_socket[0] != '/')
        FAIL("--source-host-socket '%s' must be an absolute path", o->source_host_socket);
    if (!o->source_host_name && !o->source_host_socket &&
        strcmp(o->source_protocol, "rbd") != 0)
        FAIL("--source-protocol %s needs a host: --source-host-name HOST[:PORT] or --source-host-transport unix --source-host-socket PATH",
             o->source_protocol);
    if (!*o->source && strcmp(o->source_protocol, "nbd") != 0)
        FAIL("--source-protocol %s needs SOURCE, the name of the image or volume on the server",
             o->source_protocol);
    return true;
}

static bool
check_source(const QvCliAttachDisk *o, SourceType type, GError **error)
{
    bool removable = g_strcmp0(o->type, "cdrom") == 0 || g_strcmp0(o->type, "floppy") == 0;

    if (!check_host_options(o, error))
        return false;
    if (type == SOURCE_NETWORK && !o->source_protocol)
        FAIL("--sourcetype network needs --source-protocol");
    if (type != SOURCE_NETWORK && o->source_protocol)
        FAIL("--source-protocol needs --sourcetype network, not %s", source_types[type]);
    if (type == SOURCE_NETWORK)
        return check_host(o, error);
    if (!*o->source && !removable)
        FAIL("an empty SOURCE (no medium) needs --type cdrom or --type floppy");
    if (*o->source && o->source[0] != '/')
        FAIL("SOURCE '%s' must be an absolute path", o->source);
    if (o->rawio && g_strcmp0(o->type, "lun") != 0)
        FAIL("--rawio needs --type lun");
    if (type == SOURCE_FILE && g_strcmp0(o->type, "lun") == 0)
        FAIL("--type lun needs a block device (--sourcetype block) or a network source, not the file '%s'",
             o->source);
    return true;
}

/* HOST, HOST:PORT or [V6ADDR]:PORT into *@host and *@port (or NULL) */
static bool
split_host(const char *spec, char **host, char **port, GError **error)
{
    const char *colon;
    guint64 v;

    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');

        if (!end || end == spec + 1 || (end[1] && end[1] != ':'))
            FAIL("--source-host-name '%s': an IPv6 address is written [ADDRESS] or [ADDRESS]:PORT", spec);
        *host = g_strndup(spec + 1, end - spec - 1);
        colon = end[1] ? end + 1 : NULL;
    } else {
        colon = strchr(spec, ':');
        *host = colon ? g_strndup(spec, colon - spec) : g_strdup(spec);
    }
    *port = colon ? g_strdup(colon + 1) : NULL;
    if (!**host)
        FAIL("--source-host-name '%s' has no host name", spec);
    if (*port && !g_ascii_string_to_unsigned(*port, 10, 0, 65535, &v, NULL))
        FAIL("--source-host-name '%s': port '%s' is not a number from 0 to 65535", spec, *port);
    return true;
}

/* <host .../>, attributes in virsh's order; nothing without any */
static bool
format_host(GString *buf, const QvCliAttachDisk *o, GError **error)
{
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;

    if (!o->source_host_transport && !o->source_host_socket && !o->source_host_name)
        return true;
    if (o->source_host_name && !split_host(o->source_host_name, &host, &port, error))
        return false;
    g_string_append(buf, "    <host");
    qv_xml_attr(buf, "transport", o->source_host_transport);
    qv_xml_attr(buf, "socket", o->source_host_socket);
    qv_xml_attr(buf, "name", host);
    qv_xml_attr(buf, "port", port);
    g_string_append(buf, "/>\n");
    return true;
}

static bool
format_source(GString *buf, const QvCliAttachDisk *o, SourceType type, GError **error)
{
    size_t open_end;

    if (!*o->source && type != SOURCE_NETWORK)
        return true;   /* an empty drive */
    g_string_append(buf, "  <source");
    if (type == SOURCE_NETWORK) {
        qv_xml_attr(buf, "protocol", o->source_protocol);
        qv_xml_attr(buf, "name", *o->source ? o->source : NULL);
    } else {
        qv_xml_attr(buf, type == SOURCE_BLOCK ? "dev" : "file", o->source);
    }
    g_string_append(buf, ">\n");
    open_end = buf->len;
    if (!format_host(buf, o, error))
        return false;
    if (buf->len == open_end)
        g_string_overwrite(buf, open_end - 2, "/>\n");
    else
        g_string_append(buf, "  </source>\n");
    return true;
}

/* ------------------------------------------------------------------ */
/* --address                                                           */

typedef enum {
    ADDR_PCI,
    ADDR_SCSI,
    ADDR_IDE,
    ADDR_CCW,
    ADDR_USB,
    ADDR_SATA,
} AddressType;

/* Each kind: its fields, their base and the highest value the schema
 * (or libvirt's parser) takes */
static const struct {
    const char *prefix;
    const char *form;
    int base;
    size_t nfields;
    guint64 max[4];
} address_kinds[] = {
    [ADDR_PCI] = { "pci", "pci:DOMAIN.BUS.SLOT.FUNCTION (hexadecimal: pci:0000.00.0a.0)", 16, 4,
                   { 0xffff, 0xff, 0x1f, 7 } },
    [ADDR_SCSI] = { "scsi", "scsi:CONTROLLER.BUS.UNIT (scsi:0.0.1)", 10, 3, { 99, 99, 99999 } },
    [ADDR_IDE] = { "ide", "ide:CONTROLLER.BUS.UNIT (ide:0.1.0)", 10, 3, { 99, 99, 99999 } },
    [ADDR_CCW] = { "ccw", "ccw:CSSID.SSID.DEVNO (hexadecimal: ccw:0xfe.0.0000)", 16, 3,
                   { 0xfe, 3, 0xffff } },
    [ADDR_USB] = { "usb", "usb:BUS.PORT (usb:0.1)", 10, 2, { 999, 999 } },
    [ADDR_SATA] = { "sata", "sata:CONTROLLER.BUS.UNIT (sata:0.0.1)", 10, 3, { 99, 99, 99999 } },
};

typedef struct {
    AddressType type;
    guint64 v[4];
} Address;

static bool
parse_field(const char *field, int base, guint64 max, guint64 *out)
{
    if (base == 16 && (g_str_has_prefix(field, "0x") || g_str_has_prefix(field, "0X")))
        field += 2;
    return g_ascii_string_to_unsigned(field, base, 0, max, out, NULL);
}

/* virsh's forms; a field may also end with ':' (pci:0000:00:0a.0) */
static bool
parse_address(const char *spec, Address *addr, GError **error)
{
    const char *colon = strchr(spec, ':');
    g_auto(GStrv) fields = NULL;
    size_t k;

    for (k = 0; colon && k < G_N_ELEMENTS(address_kinds); k++) {
        if ((size_t)(colon - spec) == strlen(address_kinds[k].prefix) &&
            strncmp(spec, address_kinds[k].prefix, colon - spec) == 0)
            break;
    }
    if (!colon || k == G_N_ELEMENTS(address_kinds))
        FAIL("--address '%s' is not an address: pci:D.B.S.F, scsi:C.B.U, sata:C.B.U, ide:C.B.U, usb:B.P or ccw:C.S.D",
             spec);
    addr->type = (AddressType)k;
    fields = g_strsplit_set(colon + 1, ".:", -1);
    if (g_strv_length(fields) != address_kinds[k].nfields)
        FAIL("--address '%s': expected %s", spec, address_kinds[k].form);
    for (size_t i = 0; i < address_kinds[k].nfields; i++) {
        guint64 max = address_kinds[k].max[i];
        bool hex = address_kinds[k].base == 16;

        if (!parse_field(fields[i], address_kinds[k].base, max, &addr->v[i])) {
            g_autofree char *top = hex ? g_strdup_printf("0x%" G_GINT64_MODIFIER "x", max) :
                                         g_strdup_printf("%" G_GUINT64_FORMAT, max);

            FAIL("--address '%s': '%s' is not a %s number from 0 to %s; expected %s",
                 spec, fields[i], hex ? "hexadecimal" : "decimal", top, address_kinds[k].form);
        }
    }
    return true;
}

/* virsh's rule: the address kind follows the target's name */
static bool
check_address_kind(const Address *addr, const char *spec, const char *target, GError **error)
{
    AddressType t = addr->type;

    if (g_str_has_prefix(target, "vd") && t != ADDR_PCI && t != ADDR_CCW)
        FAIL("--address '%s': a vd* target takes a pci: or ccw: address", spec);
    if (g_str_has_prefix(target, "sd") && t != ADDR_SCSI && t != ADDR_USB && t != ADDR_SATA)
        FAIL("--address '%s': an sd* target takes a scsi:, usb: or sata: address", spec);
    if (g_str_has_prefix(target, "hd") && t != ADDR_IDE)
        FAIL("--address '%s': an hd* target takes an ide: address", spec);
    return true;
}

static void
format_address(GString *buf, const Address *a, bool multifunction)
{
    switch (a->type) {
    case ADDR_PCI:
        g_string_append_printf(buf, "  <address type='pci' domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'%s/>\n",
                               (unsigned int)a->v[0], (unsigned int)a->v[1], (unsigned int)a->v[2],
                               (unsigned int)a->v[3], multifunction ? " multifunction='on'" : "");
        break;
    case ADDR_SCSI:
    case ADDR_IDE:
    case ADDR_SATA:
        g_string_append_printf(buf, "  <address type='drive' controller='%u' bus='%u' unit='%u'/>\n",
                               (unsigned int)a->v[0], (unsigned int)a->v[1], (unsigned int)a->v[2]);
        break;
    case ADDR_CCW:
        g_string_append_printf(buf, "  <address type='ccw' cssid='0x%02x' ssid='0x%x' devno='0x%04x'/>\n",
                               (unsigned int)a->v[0], (unsigned int)a->v[1], (unsigned int)a->v[2]);
        break;
    case ADDR_USB:
        g_string_append_printf(buf, "  <address type='usb' bus='%u' port='%u'/>\n",
                               (unsigned int)a->v[0], (unsigned int)a->v[1]);
        break;
    }
}

static bool
append_address(GString *buf, const QvCliAttachDisk *o, GError **error)
{
    Address addr;

    if (!o->address) {
        if (o->multifunction)
            FAIL("--multifunction needs a pci: --address");
        return true;
    }
    if (!parse_address(o->address, &addr, error) ||
        !check_address_kind(&addr, o->address, o->target, error))
        return false;
    if (o->multifunction && addr.type != ADDR_PCI)
        FAIL("--multifunction needs a pci: --address, not '%s'", o->address);
    format_address(buf, &addr, o->multifunction);
    return true;
}

/* ------------------------------------------------------------------ */
/* the element                                                         */

static void
format_driver(GString *buf, const QvCliAttachDisk *o)
{
    size_t mark = buf->len;

    g_string_append(buf, "  <driver");
    qv_xml_attr(buf, "name", o->driver);
    qv_xml_attr(buf, "type", o->subdriver);
    qv_xml_attr(buf, "iothread", o->iothread);
    qv_xml_attr(buf, "cache", o->cache);
    qv_xml_attr(buf, "io", o->io);
    if (buf->len == mark + strlen("  <driver"))
        g_string_truncate(buf, mark);   /* nothing to say: no element */
    else
        g_string_append(buf, "/>\n");
}

static void
format_device_info(GString *buf, const QvCliAttachDisk *o)
{
    g_string_append(buf, "  <target");
    qv_xml_attr(buf, "dev", o->target);
    qv_xml_attr(buf, "bus", o->targetbus);
    g_string_append(buf, "/>\n");
    if (o->mode)
        g_string_append_printf(buf, "  <%s/>\n", o->mode);
    qv_xml_text_element(buf, 2, "serial", o->serial);
    if (o->alias) {
        g_string_append(buf, "  <alias");
        qv_xml_attr(buf, "name", o->alias);
        g_string_append(buf, "/>\n");
    }
    qv_xml_text_element(buf, 2, "wwn", o->wwn);
}

char *
qv_cli_attach_disk_xml(const QvCliAttachDisk *opts, GError **error)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    QvCliAttachDisk o = *opts;
    SourceType type;

    if (!o.source)
        o.source = "";
    if (!check_values(&o, error))
        return NULL;
    type = source_type(&o);
    if (!check_source(&o, type, error))
        return NULL;
    g_string_append(buf, "<disk");
    qv_xml_attr(buf, "type", source_types[type]);
    qv_xml_attr(buf, "device", o.type);
    if (o.rawio)
        g_string_append(buf, " rawio='yes'");
    g_string_append(buf, ">\n");
    format_driver(buf, &o);
    if (!format_source(buf, &o, type, error))
        return NULL;
    format_device_info(buf, &o);
    if (!append_address(buf, &o, error))
        return NULL;
    g_string_append(buf, "</disk>\n");
    return g_string_free(g_steal_pointer(&buf), FALSE);
}

bool
qv_cli_path_is_block(const char *path)
{
    struct stat st;

    return path && stat(path, &st) == 0 && S_ISBLK(st.st_mode);
}
