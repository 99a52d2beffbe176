/*
 * qv-disk-xml: one <disk> element <-> QvDiskDef.
 *
 * Owns the disk-level parts: type and device, the top <source>
 * with startupPolicy and index, the chain (through qv-source-xml),
 * quorum, <target>, the flags, <serial>, <boot>, <alias>, <address>
 * (kept as given) and, in status documents, <mirror>.  <driver> and the
 * settings in QvDiskOpts (<iotune>, <geometry>, <wwn>, ...) are
 * qv-disk-opts-xml's.  Checks that need
 * the whole domain (unique targets, threshold bounds, which startupPolicy
 * fits which device) live in qv-domain-validate.c; this file only refuses
 * what cannot be represented.  A lone <disk> parsed for its source (a
 * block copy's destination) goes through the same code.
 */
#include <string.h>

#include "conf/qv-disk-opts-xml.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "conf/qv-source-xml-parse.h"
#include "conf/qv-encryption-xml.h"
#include "conf/qv-xml-util.h"

QV_XML_ENUM_PARSER(parse_storage_type, QvStorageType, qv_storage_type,
                   QV_STORAGE_FILE, QV_STORAGE_LAST)
QV_XML_ENUM_PARSER(parse_device, QvDiskDevice, qv_disk_device,
                   QV_DISK_DEVICE_DISK, QV_DISK_DEVICE_LAST)
QV_XML_ENUM_PARSER(parse_bus, QvDiskBus, qv_disk_bus, 0, QV_DISK_BUS_LAST)
QV_XML_ENUM_PARSER(parse_startup, QvStartupPolicy, qv_startup_policy, 0,
                   QV_STARTUP_LAST)
QV_XML_ENUM_PARSER(parse_tray, QvTray, qv_tray, 0, QV_TRAY_LAST)
QV_XML_ENUM_PARSER(parse_mirror_job, QvMirrorJob, qv_mirror_job, 0,
                   QV_MIRROR_JOB_LAST)
QV_XML_ENUM_PARSER(parse_mirror_ready, QvMirrorReady, qv_mirror_ready, 0,
                   QV_MIRROR_READY_LAST)

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

/* The singleton children of <disk> qvirt understands */
typedef struct {
    xmlNodePtr driver;
    xmlNodePtr source;
    xmlNodePtr threshold;
    xmlNodePtr target;
    xmlNodePtr mirror;
    xmlNodePtr auth;         /* libvirt's older place for <auth> */
    xmlNodePtr encryption;   /* and for <encryption> */
    xmlNodePtr serial;
    xmlNodePtr boot;
    xmlNodePtr alias;
    xmlNodePtr address;
    xmlNodePtr transient;
} DiskNodes;

static const struct {
    const char *name;
    size_t offset;
} disk_children[] = {
    { "driver", G_STRUCT_OFFSET(DiskNodes, driver) },
    { "source", G_STRUCT_OFFSET(DiskNodes, source) },
    { "threshold", G_STRUCT_OFFSET(DiskNodes, threshold) },
    { "target", G_STRUCT_OFFSET(DiskNodes, target) },
    { "mirror", G_STRUCT_OFFSET(DiskNodes, mirror) },
    { "auth", G_STRUCT_OFFSET(DiskNodes, auth) },
    { "encryption", G_STRUCT_OFFSET(DiskNodes, encryption) },
    { "serial", G_STRUCT_OFFSET(DiskNodes, serial) },
    { "boot", G_STRUCT_OFFSET(DiskNodes, boot) },
    { "alias", G_STRUCT_OFFSET(DiskNodes, alias) },
    { "address", G_STRUCT_OFFSET(DiskNodes, address) },
    { "transient", G_STRUCT_OFFSET(DiskNodes, transient) },
};

/* 1-based position among the <disk> siblings, for disks with no target */
static size_t
disk_position(xmlNodePtr node)
{
    size_t pos = 1;

    for (xmlNodePtr p = node->prev; p; p = p->prev) {
        if (qv_xml_is(p, "disk"))
            pos++;
    }
    return pos;
}

/* Sort the children into @nodes and the flags into @disk; anything qvirt
 * would silently drop is refused instead */
static bool
collect_children(xmlNodePtr node, DiskNodes *nodes, QvDiskDef *disk,
                 const char *ctx, GError **error)
{
    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        const char *name = (const char *)c->name;
        size_t i;

        if (c->ns)
            FAIL("%s: unsupported element <%s> of namespace '%s' in <disk>",
                 ctx, name, (const char *)c->ns->href);
        if (strcmp(name, "readonly") == 0) {
            disk->readonly = true;
            continue;
        } else if (strcmp(name, "shareable") == 0) {
            disk->shareable = true;
            continue;
        } else if (strcmp(name, "backingStore") == 0 ||
                   strcmp(name, "backingChain") == 0 || strcmp(name, "health") == 0) {
            /* the chain is read later; the flat view is derived output, and
             * so is <health> (the live XML's; the supervisor keeps it) */
            continue;
        }
        switch (qv_disk_opts_parse_child(c, &disk->opts, ctx, error)) {
        case 1:
            continue;
        case -1:
            return false;
        default:
            break;
        }
        for (i = 0; i < G_N_ELEMENTS(disk_children); i++) {
            xmlNodePtr *slot = G_STRUCT_MEMBER_P(nodes,
                                                 disk_children[i].offset);

            if (strcmp(name, disk_children[i].name) != 0)
                continue;
            if (*slot)
                FAIL("%s: more than one <%s>", ctx, name);
            *slot = c;
            break;
        }
        if (i == G_N_ELEMENTS(disk_children))
            FAIL("%s: unsupported element <%s> in <disk>", ctx, name);
    }
    return true;
}

/* Look an optional attribute up and parse it with @fn */
#define ENUM_ATTR(node, attr_name, fn, out, ctx, what) \
    do { \
        g_autofree char *v_ = qv_xml_prop((node), (attr_name)); \
        if (v_ && !fn(v_, (out), (ctx), (what), error)) \
            return false; \
    } while (0)

/* The top <source>: an empty one (a cdrom with no medium) leaves the
 * source NONE but may still carry startupPolicy and index */
static bool
parse_top_source(xmlNodePtr node, QvDiskDef *disk, QvStorageType type,
                 const char *ctx, GError **error)
{
    QvStorageSource *src = disk->src;

    ENUM_ATTR(node, "startupPolicy", parse_startup, &disk->startup_policy,
              ctx, "startupPolicy");
    src->type = type;
    if (!qv_source_xml_parse_source(node, src, ctx, error))
        return false;
    disk->has_source = type == QV_STORAGE_NETWORK || src->path ||
                       (type == QV_STORAGE_VOLUME && src->pool) ||
                       type == QV_STORAGE_NVME;
    if (!disk->has_source)
        src->type = QV_STORAGE_NONE;
    return true;
}

static bool
parse_source_and_chain(xmlNodePtr node, const DiskNodes *nodes,
                       QvDiskDef *disk, QvStorageType type, const char *ctx,
                       GError **error)
{
    if (type == QV_STORAGE_QUORUM) {
        if (nodes->source)
            FAIL("%s: a quorum disk has no <source>; its children are <backingStore> elements",
                 ctx);
        disk->src->type = QV_STORAGE_QUORUM;
        disk->has_source = true;
        if (nodes->threshold &&
            !qv_source_xml_parse_threshold(nodes->threshold, disk->src, ctx,
                                           error))
            return false;
    } else {
        if (nodes->threshold)
            FAIL("%s: only a quorum disk has a <threshold>", ctx);
        if (nodes->source &&
            !parse_top_source(nodes->source, disk, type, ctx, error))
            return false;
    }
    if (nodes->auth) {
        if (disk->src->type != QV_STORAGE_NETWORK &&
            disk->src->type != QV_STORAGE_VOLUME)
            FAIL("%s: authentication is supported only for network backed disks (and volumes of network pools)", ctx);
        if (qv_source_has_auth(disk->src))
            FAIL("%s: an <auth> definition already found for disk source; give it once, in <source> or in <disk>", ctx);
        if (!qv_source_xml_parse_auth(nodes->auth, disk->src, ctx, error))
            return false;
        disk->auth_disk_level = true;
    }
    if (nodes->encryption &&
        !qv_disk_xml_parse_encryption(nodes->encryption, disk, ctx, error))
        return false;
    if (!qv_source_xml_parse_backing(node, disk->src, ctx, &disk->chain_given,
                                     error))
        return false;
    if (disk->chain_given && !disk->has_source)
        FAIL("%s: <backingStore> without a <source>", ctx);
    return true;
}

static bool
parse_target(xmlNodePtr node, QvDiskDef *disk, const char *ctx,
             GError **error)
{
    ENUM_ATTR(node, "bus", parse_bus, &disk->bus, ctx, "bus");
    ENUM_ATTR(node, "tray", parse_tray, &disk->tray, ctx, "tray state");
    return qv_disk_opts_parse_target(node, &disk->opts, ctx, error);
}

static bool
parse_mirror(xmlNodePtr node, QvDiskDef *disk, const char *disk_ctx,
             GError **error)
{
    g_autofree char *ctx = g_strdup_printf("%s: mirror", disk_ctx);
    g_autofree char *type = qv_xml_prop(node, "type");
    QvDiskMirror *m = g_new0(QvDiskMirror, 1);
    xmlNodePtr source = NULL;

    disk->mirror = m;
    m->src = qv_source_new(QV_STORAGE_FILE);
    ENUM_ATTR(node, "job", parse_mirror_job, &m->job, ctx, "job");
    ENUM_ATTR(node, "ready", parse_mirror_ready, &m->ready, ctx,
              "ready state");
    if (type && !parse_storage_type(type, &m->src->type, ctx, "type", error))
        return false;
    if (m->src->type == QV_STORAGE_QUORUM)
        FAIL("%s: a mirror cannot be a quorum", ctx);
    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        if (qv_xml_is(c, "format")) {
            g_autofree char *fmt = qv_xml_prop(c, "type");

            if (!fmt)
                FAIL("%s: <format> has no type attribute", ctx);
            if (!qv_source_xml_parse_format(fmt, &m->src->format, ctx, error))
                return false;
        } else if (qv_xml_is(c, "source")) {
            if (source)
                FAIL("%s: more than one <source>", ctx);
            source = c;
        } else if (!qv_xml_is(c, "backingStore")) {
            FAIL("%s: unsupported element <%s> in <mirror>", ctx,
                 (const char *)c->name);
        }
    }
    if (!source)
        FAIL("%s: missing <source>", ctx);
    return qv_source_xml_parse_source(source, m->src, ctx, error) &&
           qv_source_xml_parse_backing(node, m->src, ctx, NULL, error);
}

static bool
parse_device_info(const DiskNodes *nodes, QvDiskDef *disk, const char *ctx,
                  unsigned int flags, GError **error)
{
    if (nodes->serial)
        disk->serial = qv_xml_text(nodes->serial);
    if (nodes->boot) {
        g_autofree char *order = qv_xml_prop(nodes->boot, "order");
        uint64_t v = 0;

        if (!order || !qv_xml_parse_u64(order, G_MAXUINT, &v) || v == 0)
            FAIL("%s: <boot> needs an order attribute, a number from 1", ctx);
        disk->boot_order = (unsigned int)v;
    }
    if (nodes->alias) {
        g_autofree char *name = qv_xml_prop(nodes->alias, "name");

        if (!name || !*name)
            FAIL("%s: <alias> has no name attribute", ctx);
        /* as in libvirt, a definition keeps only user aliases; the others
         * are assigned at run time */
        if ((flags & QV_DOMAIN_XML_STATUS) || g_str_has_prefix(name, "ua-"))
            disk->alias = g_steal_pointer(&name);
    }
    if (nodes->address) {
        disk->address_xml = qv_xml_dump(nodes->address);
        qv_disk_opts_read_address(nodes->address, &disk->opts);
    }
    if (nodes->transient) {
        disk->transient = true;
        if (!qv_disk_opts_parse_transient(nodes->transient, &disk->opts, ctx, error))
            return false;
    }
    if (nodes->mirror) {
        /* runtime state: a definition drops it, as libvirt's inactive
         * parse does (define says so) */
        if (!(flags & QV_DOMAIN_XML_STATUS)) {
            disk->mirror_dropped = true;
            return true;
        }
        if (!parse_mirror(nodes->mirror, disk, ctx, error))
            return false;
    }
    return true;
}

static bool
parse_disk_attrs(xmlNodePtr node, QvDiskDef *disk, QvStorageType *type,
                 const char *ctx, GError **error)
{
    ENUM_ATTR(node, "type", parse_storage_type, type, ctx, "disk type");
    ENUM_ATTR(node, "device", parse_device, &disk->device, ctx,
              "disk device");
    return qv_disk_opts_parse_disk_attrs(node, &disk->opts, ctx, error);
}

/* "disk 'vda'", or "disk 3" when the target has no name ("disk" for a
 * lone one parsed for its source) */
static char *
disk_context(xmlNodePtr node, xmlNodePtr target, unsigned int flags,
             char **dst)
{
    *dst = target ? qv_xml_prop(target, "dev") : NULL;
    if (*dst && **dst)
        return g_strdup_printf("disk '%s'", *dst);
    if (flags & QV_DOMAIN_XML_DISK_SOURCE)
        return g_strdup("disk");
    return g_strdup_printf("disk %zu", disk_position(node));
}

/* A <target> without bus gets libvirt's from the device and the name */
static bool
infer_bus(QvDiskDef *disk, const char *ctx, GError **error)
{
    static const struct {
        const char *prefix;
        QvDiskBus bus;
    } by_name[] = {
        { "hd", QV_DISK_BUS_IDE }, { "sd", QV_DISK_BUS_SCSI }, { "vd", QV_DISK_BUS_VIRTIO },
    };

    if (disk->bus != QV_DISK_BUS_NONE)
        return true;
    if (disk->device == QV_DISK_DEVICE_FLOPPY) {
        disk->bus = QV_DISK_BUS_FDC;
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(by_name); i++) {
        if (g_str_has_prefix(disk->dst, by_name[i].prefix)) {
            disk->bus = by_name[i].bus;
            return true;
        }
    }
    if (g_str_has_prefix(disk->dst, "xvd") || g_str_has_prefix(disk->dst, "ubd"))
        FAIL("%s: target '%s' names a %s disk, which QEMU has no bus for", ctx, disk->dst,
             g_str_has_prefix(disk->dst, "xvd") ? "Xen" : "UML");
    FAIL("%s: Invalid harddisk device name: %s (give <target bus=...>)", ctx, disk->dst);
}

QvDiskDef *
qv_disk_parse_node(xmlNodePtr node, unsigned int flags, GError **error)
{
    g_autoptr(QvDiskDef) disk = qv_disk_def_new();
    g_autofree char *ctx = NULL;
    DiskNodes nodes = { 0 };
    QvStorageType type = QV_STORAGE_FILE;
    xmlNodePtr target = NULL;

    for (xmlNodePtr c = qv_xml_element(node->children); c && !target;
         c = qv_xml_element(c->next)) {
        if (qv_xml_is(c, "target"))
            target = c;
    }
    ctx = disk_context(node, target, flags, &disk->dst);
    if ((!disk->dst || !*disk->dst) && !(flags & QV_DOMAIN_XML_DISK_SOURCE)) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: missing <target dev=...>", ctx);
        return NULL;
    }
    if (!collect_children(node, &nodes, disk, ctx, error) ||
        !parse_disk_attrs(node, disk, &type, ctx, error))
        return NULL;
    if (!parse_source_and_chain(node, &nodes, disk, type, ctx, error) ||
        (nodes.driver && !qv_disk_parse_driver(nodes.driver, disk, ctx, error)) ||
        (nodes.target && !parse_target(nodes.target, disk, ctx, error)) ||
        !parse_device_info(&nodes, disk, ctx, flags, error) ||
        (!(flags & QV_DOMAIN_XML_DISK_SOURCE) && !infer_bus(disk, ctx, error)))
        return NULL;
    return g_steal_pointer(&disk);
}

QvDiskDef *
qv_disk_parse_xml(const char *xml, const char *origin, unsigned int flags, GError **error)
{
    g_autoptr(QvXmlDoc) doc = qv_xml_read(xml, strlen(xml), origin, error);
    xmlNodePtr root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!root || !qv_xml_is(root, "disk")) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s must be one <disk> element, not <%s>",
                    origin, root ? (const char *)root->name : "");
        return NULL;
    }
    return qv_disk_parse_node(root, flags, error);
}

QvStorageSource *
qv_disk_parse_copy_destination(const char *xml, GError **error)
{
    const char *origin = "the destination XML";
    g_autoptr(QvXmlDoc) doc = qv_xml_read(xml, strlen(xml), origin, error);
    g_autoptr(QvDiskDef) disk = NULL;
    g_autofree char *type = NULL;
    const char *attr;
    xmlNodePtr root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!root || !qv_xml_is(root, "disk")) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s must be a <disk> element", origin);
        return NULL;
    }
    /* what a copy can write to is said before what the XML gets wrong */
    type = qv_xml_prop(root, "type");
    if (!type || (strcmp(type, "file") != 0 && strcmp(type, "block") != 0)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "the destination disk must have type 'file' or 'block', not '%s'",
                    type ? type : "");
        return NULL;
    }
    attr = strcmp(type, "file") == 0 ? "file" : "dev";
    if (!(disk = qv_disk_parse_node(root, QV_DOMAIN_XML_DISK_SOURCE, error))) {
        g_prefix_error(error, "%s: ", origin);
        return NULL;
    }
    if (!disk->has_source || disk->src->path[0] != '/') {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "%s needs <source %s='/absolute/path'/>", origin, attr);
        return NULL;
    }
    return g_steal_pointer(&disk->src);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

/* startupPolicy and index ride on the top <source> */
static char *
source_extra_attrs(const QvDiskDef *disk)
{
    GString *extra = g_string_new(NULL);

    qv_xml_attr(extra, "startupPolicy",
                qv_startup_policy_to_string(disk->startup_policy));
    if (disk->src->index)
        g_string_append_printf(extra, " index='%u'", disk->src->index);
    return g_string_free(extra, FALSE);
}

static void
format_source_and_chain(GString *buf, const QvDiskDef *disk,
                        unsigned int flags, unsigned int indent)
{
    const QvStorageSource *src = disk->src;
    g_autofree char *extra = source_extra_attrs(disk);

    if (src->type == QV_STORAGE_QUORUM) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<threshold value='%u'", src->threshold);
        qv_source_xml_quorum_attrs(buf, src);
        /* the quorum's own index: it has no <source> to carry it */
        if (src->index)
            g_string_append_printf(buf, " index='%u'", src->index);
        g_string_append(buf, "/>\n");
    } else if (disk->has_source) {
        if (disk->auth_disk_level && qv_source_has_auth(src))
            qv_source_xml_format_auth(buf, src, indent);
        qv_source_xml_format_source_skip(buf, src, indent, extra, disk->auth_disk_level,
                                         disk->enc_disk_level);
    } else if (*extra) {
        /* an empty cdrom may still say how to start without its medium */
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<source%s/>\n", extra);
    }
    if (!disk->has_source)
        return;
    qv_source_xml_format_backing(buf, src, indent);
    if (flags & QV_DOMAIN_XML_FLAT_CHAINS)
        qv_source_xml_format_flat_in(buf, src, "backingChain", indent);
}

static void
format_mirror(GString *buf, const QvDiskMirror *m, unsigned int indent)
{
    qv_xml_indent(buf, indent);
    g_string_append(buf, "<mirror");
    qv_xml_attr(buf, "type", qv_storage_type_to_string(m->src->type));
    qv_xml_attr(buf, "job", qv_mirror_job_to_string(m->job));
    qv_xml_attr(buf, "ready", qv_mirror_ready_to_string(m->ready));
    g_string_append(buf, ">\n");
    if (m->src->format != QV_FORMAT_NONE) {
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "<format");
        qv_xml_attr(buf, "type", qv_format_to_string(m->src->format));
        g_string_append(buf, "/>\n");
    }
    if (m->src->index) {
        g_autofree char *extra = g_strdup_printf(" index='%u'",
                                                 m->src->index);

        qv_source_xml_format_source_full(buf, m->src, indent + 2, extra);
    } else {
        qv_source_xml_format_source(buf, m->src, indent + 2);
    }
    qv_source_xml_format_backing(buf, m->src, indent + 2);
    qv_xml_indent(buf, indent);
    g_string_append(buf, "</mirror>\n");
}

static void
format_target(GString *buf, const QvDiskDef *disk, unsigned int indent)
{
    qv_xml_indent(buf, indent);
    g_string_append(buf, "<target");
    qv_xml_attr(buf, "dev", disk->dst);
    qv_xml_attr(buf, "bus", qv_disk_bus_to_string(disk->bus));
    qv_xml_attr(buf, "tray", qv_tray_to_string(disk->tray));
    qv_disk_opts_format_target_attrs(buf, &disk->opts);
    g_string_append(buf, "/>\n");
}

static void
format_flag(GString *buf, bool on, const char *name, unsigned int indent)
{
    if (!on)
        return;
    qv_xml_indent(buf, indent);
    g_string_append_printf(buf, "<%s/>\n", name);
}

static void
format_device_info(GString *buf, const QvDiskDef *disk, unsigned int flags,
                   unsigned int indent)
{
    qv_xml_text_element(buf, indent, "serial", disk->serial);
    qv_disk_opts_format_ids(buf, &disk->opts, indent);
    if (disk->boot_order) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<boot order='%u'/>\n",
                               disk->boot_order);
    }
    if (disk->alias && ((flags & QV_DOMAIN_XML_STATUS) ||
                        g_str_has_prefix(disk->alias, "ua-"))) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<alias");
        qv_xml_attr(buf, "name", disk->alias);
        g_string_append(buf, "/>\n");
    }
    if (disk->address_xml) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, disk->address_xml);
        g_string_append_c(buf, '\n');
    }
    for (guint i = 0; (flags & QV_DOMAIN_XML_STATUS) && disk->health && i < disk->health->len; i++) {
        const QvDiskHealth *h = disk->health->pdata[i];
        g_autofree char *elem = h->index ? g_strdup_printf("%s[%u]", disk->dst, h->index) : NULL;
        g_autofree char *time = g_strdup_printf("%" G_GINT64_FORMAT, h->time);
        g_autofree char *sector = g_strdup_printf("%" G_GUINT64_FORMAT, h->sector);
        g_autofree char *sectors = g_strdup_printf("%" G_GUINT64_FORMAT, h->sectors);

        qv_xml_indent(buf, indent);
        g_string_append(buf, "<health");
        if (elem)
            qv_xml_attr(buf, "element", elem);
        qv_xml_attr(buf, "event", h->event);
        if (h->type)
            qv_xml_attr(buf, "type", h->type);
        if (h->error)
            qv_xml_attr(buf, "error", h->error);
        qv_xml_attr(buf, "time", time);
        qv_xml_attr(buf, "sector", sector);
        qv_xml_attr(buf, "sectors", sectors);
        g_string_append(buf, "/>\n");
    }
}

void
qv_disk_format(GString *buf, const QvDiskDef *disk, unsigned int flags,
               unsigned int indent)
{
    /* a disk with no medium still has a type in libvirt's XML */
    QvStorageType type = disk->src->type == QV_STORAGE_NONE ?
                         QV_STORAGE_FILE : disk->src->type;

    qv_xml_indent(buf, indent);
    g_string_append(buf, "<disk");
    qv_xml_attr(buf, "type", qv_storage_type_to_string(type));
    qv_xml_attr(buf, "device", qv_disk_device_to_string(disk->device));
    qv_disk_opts_format_disk_attrs(buf, &disk->opts);
    g_string_append(buf, ">\n");
    qv_disk_format_driver(buf, disk, indent + 2);
    format_source_and_chain(buf, disk, flags, indent + 2);
    qv_disk_opts_format_shape(buf, &disk->opts, indent + 2);
    if (disk->mirror && (flags & QV_DOMAIN_XML_STATUS))
        format_mirror(buf, disk->mirror, indent + 2);
    format_target(buf, disk, indent + 2);
    qv_disk_opts_format_iotune(buf, &disk->opts, indent + 2);
    format_flag(buf, disk->readonly, "readonly", indent + 2);
    format_flag(buf, disk->shareable, "shareable", indent + 2);
    if (disk->transient)
        qv_disk_opts_format_transient(buf, &disk->opts, indent + 2);
    if (disk->enc_disk_level && disk->has_source && disk->src->enc)
        qv_encryption_xml_format(buf, disk->src->enc, indent + 2);
    format_device_info(buf, disk, flags, indent + 2);
    qv_xml_indent(buf, indent);
    g_string_append(buf, "</disk>\n");
}
