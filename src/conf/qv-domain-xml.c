/*
 * qv-domain-xml: a whole <domain> document <-> QvDomainDef.
 *
 * Owns the document level: reading (through the safe reader in
 * qv-xml-util), identity, memory, vcpus, <os>, <devices> with its leases,
 * and the elements qvirt keeps verbatim without acting on them.  Disks
 * are qv-disk-xml's.  The RelaxNG schema runs after this parser, so that
 * a user sees the message naming the element first.
 */
#include <string.h>

#include "conf/qv-disk-opts-xml.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "util/qv-uuid.h"
#include "conf/qv-schema.h"
#include "conf/qv-xml-util.h"

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

/* Top-level elements qvirt models; each may appear once */
typedef enum {
    TOP_NAME,
    TOP_UUID,
    TOP_TITLE,
    TOP_DESCRIPTION,
    TOP_MEMORY,
    TOP_CURRENT_MEMORY,
    TOP_VCPU,
    TOP_OS,
    TOP_DEVICES,

    TOP_LAST
} TopElement;

static const char *const top_names[] = {
    [TOP_NAME] = "name",
    [TOP_UUID] = "uuid",
    [TOP_TITLE] = "title",
    [TOP_DESCRIPTION] = "description",
    [TOP_MEMORY] = "memory",
    [TOP_CURRENT_MEMORY] = "currentMemory",
    [TOP_VCPU] = "vcpu",
    [TOP_OS] = "os",
    [TOP_DEVICES] = "devices",
};
G_STATIC_ASSERT(G_N_ELEMENTS(top_names) == TOP_LAST);

/* TOP_LAST for an element kept verbatim */
static TopElement
top_element(const char *name)
{
    for (size_t i = 0; i < TOP_LAST; i++) {
        if (strcmp(top_names[i], name) == 0)
            return (TopElement)i;
    }
    return TOP_LAST;
}

static bool
parse_memory(xmlNodePtr node, uint64_t *kib, GError **error)
{
    const char *what = (const char *)node->name;
    g_autofree char *unit = qv_xml_prop(node, "unit");
    g_autofree char *text = qv_xml_text(node);
    uint64_t scale;
    uint64_t v;

    if (!qv_xml_unit_scale(unit, &scale))
        FAIL("<%s>: unknown unit '%s' (expected 'b', 'bytes', 'KB', 'k', 'KiB', 'MB', 'M', 'MiB', 'GB', 'G', 'GiB', 'TB', 'T', 'TiB', 'PB', 'P', 'PiB', 'EB', 'E', 'EiB')",
             what, unit);
    if (!qv_xml_parse_u64(text, G_MAXUINT64 / scale, &v))
        FAIL("<%s>: invalid size '%s': expected an unsigned integer that fits in 64 bits of bytes",
             what, g_strstrip(text));
    /* stored in KiB, rounding up as libvirt does */
    v *= scale;
    *kib = v / 1024 + (v % 1024 != 0);
    return true;
}

static bool
parse_vcpu(xmlNodePtr node, unsigned int *vcpus, GError **error)
{
    g_autofree char *text = qv_xml_text(node);
    uint64_t v;

    if (!qv_xml_parse_u64(text, G_MAXUINT, &v))
        FAIL("<vcpu>: invalid count '%s': expected an unsigned integer",
             g_strstrip(text));
    *vcpus = (unsigned int)v;
    return true;
}

static bool
parse_os(xmlNodePtr node, QvDomainDef *def, GError **error)
{
    g_autoptr(GString) extra = NULL;

    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        g_autofree char *xml = NULL;

        if (qv_xml_is(c, "type")) {
            if (def->os_type)
                FAIL("<os>: more than one <type>");
            def->os_type = g_strstrip(qv_xml_text(c));
            def->os_arch = qv_xml_prop(c, "arch");
            def->os_machine = qv_xml_prop(c, "machine");
            continue;
        }
        if (qv_xml_is(c, "boot") && xmlHasProp(c, (const xmlChar *)"dev"))
            def->os_boot_dev = true;
        /* joined at the indentation they are written back with */
        xml = qv_xml_dump(c);
        if (!extra)
            extra = g_string_new(xml);
        else
            g_string_append_printf(extra, "\n    %s", xml);
    }
    if (extra)
        def->os_extra_xml = g_string_free(g_steal_pointer(&extra), FALSE);
    return true;
}

/* <lease><lockspace/><key/><target path offset/></lease> */
static bool
parse_lease_target(xmlNodePtr target, QvLeaseDef *lease, size_t pos,
                   GError **error)
{
    g_autofree char *offset = NULL;

    if (!target || !(lease->path = qv_xml_prop(target, "path")))
        FAIL("lease %zu: missing <target path=...>", pos);
    if (!(offset = qv_xml_prop(target, "offset")))
        return true;
    if (!qv_xml_parse_u64(offset, G_MAXUINT64, &lease->offset))
        FAIL("lease %zu: invalid offset '%s': expected an unsigned integer",
             pos, offset);
    lease->has_offset = true;
    return true;
}

/* <lease><lockspace/><key/><target path offset/></lease> */
static QvLeaseDef *
parse_lease(xmlNodePtr node, size_t pos, GError **error)
{
    g_autoptr(QvLeaseDef) lease = g_new0(QvLeaseDef, 1);
    xmlNodePtr target = NULL;

    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        const char *name = (const char *)c->name;
        char **slot = NULL;

        if (qv_xml_is(c, "lockspace"))
            slot = &lease->lockspace;
        else if (qv_xml_is(c, "key"))
            slot = &lease->key;
        else if (!qv_xml_is(c, "target")) {
            g_set_error(error, QV_ERROR, QV_ERR_XML,
                        "lease %zu: unsupported element <%s>", pos, name);
            return NULL;
        }
        if ((slot && *slot) || (!slot && target)) {
            g_set_error(error, QV_ERROR, QV_ERR_XML,
                        "lease %zu: more than one <%s>", pos, name);
            return NULL;
        }
        if (slot)
            *slot = g_strstrip(qv_xml_text(c));
        else
            target = c;
    }
    if (!lease->key) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "lease %zu: missing <key>",
                    pos);
        return NULL;
    }
    if (!parse_lease_target(target, lease, pos, error))
        return NULL;
    return g_steal_pointer(&lease);
}

static void
keep(char ***v, size_t *n, xmlNodePtr node)
{
    *v = g_renew(char *, *v, *n + 1);
    (*v)[(*n)++] = qv_xml_dump(node);
}

/* The drive address of a SCSI <hostdev>, for the disk checks */
static void
read_scsi_hostdev(xmlNodePtr node, QvDomainDef *def)
{
    g_autofree char *type = qv_xml_prop(node, "type");

    if (g_strcmp0(type, "scsi") != 0)
        return;
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        g_autofree char *atype = qv_xml_is(c, "address") ? qv_xml_prop(c, "type") : NULL;
        QvDiskOpts o = { 0 };

        if (g_strcmp0(atype, "drive") != 0)
            continue;
        qv_disk_opts_read_address(c, &o);
        def->scsi_hostdevs = g_renew(QvDriveAddress, def->scsi_hostdevs, def->n_scsi_hostdevs + 1);
        def->scsi_hostdevs[def->n_scsi_hostdevs++] = (QvDriveAddress){
            o.addr_controller, o.addr_bus, o.addr_target, o.addr_unit };
        qv_disk_opts_clear(&o);
    }
}

static bool
parse_devices(xmlNodePtr node, QvDomainDef *def, unsigned int flags,
              GError **error)
{
    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        if (qv_xml_is(c, "emulator")) {
            if (def->emulator)
                FAIL("<devices>: more than one <emulator>");
            def->emulator = g_strstrip(qv_xml_text(c));
        } else if (qv_xml_is(c, "disk")) {
            g_autoptr(QvDiskDef) disk = qv_disk_parse_node(c, flags, error);

            if (!disk)
                return false;
            qv_domain_add_disk(def, &disk);
        } else if (qv_xml_is(c, "lease")) {
            g_autoptr(QvLeaseDef) lease = parse_lease(c, def->nleases + 1,
                                                      error);

            if (!lease)
                return false;
            qv_domain_add_lease(def, &lease);
        } else {
            if (qv_xml_is(c, "controller")) {
                g_autofree char *type = qv_xml_prop(c, "type");
                g_autofree char *model = qv_xml_prop(c, "model");

                if (g_strcmp0(type, "pci") == 0 && g_strcmp0(model, "pcie-root-port") == 0)
                    def->pcie_root_ports++;
            }
            if (qv_xml_is(c, "hostdev"))
                read_scsi_hostdev(c, def);
            keep(&def->kept_devices, &def->nkept_devices, c);
        }
    }
    return true;
}

static bool
parse_modelled(xmlNodePtr c, TopElement which, QvDomainDef *def,
               unsigned int flags, GError **error)
{
    g_autofree char *uuid = NULL;

    switch (which) {
    case TOP_NAME:
        def->name = g_strstrip(qv_xml_text(c));
        return true;
    case TOP_UUID:
        uuid = qv_xml_text(c);
        if (!qv_uuid_canonical(uuid, def->uuid))
            FAIL("<uuid>: malformed UUID '%s': expected 32 hexadecimal digits as 8-4-4-4-12",
                 g_strstrip(uuid));
        return true;
    case TOP_TITLE:
        def->title = qv_xml_text(c);
        return true;
    case TOP_DESCRIPTION:
        def->description = qv_xml_text(c);
        return true;
    case TOP_MEMORY:
        return parse_memory(c, &def->memory_kib, error);
    case TOP_CURRENT_MEMORY:
        return parse_memory(c, &def->current_memory_kib, error);
    case TOP_VCPU:
        return parse_vcpu(c, &def->vcpus, error);
    case TOP_OS:
        return parse_os(c, def, error);
    case TOP_DEVICES:
        return parse_devices(c, def, flags, error);
    case TOP_LAST:
        break;
    }
    FAIL("internal error: unhandled element <%s>", (const char *)c->name);
}

static void
add_iothread_id(QvDomainDef *def, unsigned int id)
{
    def->iothread_ids = g_renew(unsigned int, def->iothread_ids, def->n_iothread_ids + 1);
    def->iothread_ids[def->n_iothread_ids++] = id;
}

/* <iothreads>N</iothreads> and <iothreadids><iothread id/>...: which
 * IOThreads a disk's <driver iothread> may name.  As in libvirt, the ids
 * given are the ids, and <iothreads> adds 1, 2, ... up to N that are not
 * taken.  The elements themselves are kept verbatim. */
static bool
read_iothreads(xmlNodePtr c, QvDomainDef *def, unsigned int *count, GError **error)
{
    if (qv_xml_is(c, "iothreads")) {
        g_autofree char *text = qv_xml_text(c);
        uint64_t n;

        if (!qv_xml_parse_u64(text, G_MAXUINT, &n))
            FAIL("<iothreads>: invalid count '%s': expected an unsigned integer", g_strstrip(text));
        *count = (unsigned int)n;
        return true;
    }
    for (xmlNodePtr t = qv_xml_element(c->children); t; t = qv_xml_element(t->next)) {
        g_autofree char *id = qv_xml_is(t, "iothread") ? qv_xml_prop(t, "id") : NULL;
        uint64_t n;

        if (!id)
            continue;
        if (!qv_xml_parse_u64(id, G_MAXUINT, &n) || n == 0)
            FAIL("<iothreadids>: invalid iothread id '%s': expected a positive integer", id);
        add_iothread_id(def, (unsigned int)n);
    }
    return true;
}

static void
fill_iothreads(QvDomainDef *def, unsigned int count)
{
    for (unsigned int id = 1; def->n_iothread_ids < count; id++) {
        bool taken = false;

        for (size_t i = 0; i < def->n_iothread_ids; i++)
            taken |= def->iothread_ids[i] == id;
        if (!taken)
            add_iothread_id(def, id);
    }
}

/* <on_lockfailure>: libvirt's values, in its order (QvLockFailureAction) */
static bool
parse_on_lockfailure(xmlNodePtr c, QvDomainDef *def, GError **error)
{
    static const char *const names[] = { "default", "poweroff", "restart", "pause", "ignore" };
    g_autofree char *text = qv_xml_text(c);

    g_strstrip(text);
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcmp(text, names[i]) == 0) {
            def->on_lockfailure = (int)i;
            return true;
        }
    }
    g_set_error(error, QV_ERROR, QV_ERR_XML,
                "<on_lockfailure>: unknown lock failure action '%s' (expected default, "
                "poweroff, restart, pause or ignore)", text);
    return false;
}

static QvDomainDef *
parse_domain(xmlNodePtr root, unsigned int flags, GError **error)
{
    g_autoptr(QvDomainDef) def = qv_domain_def_new();
    bool seen[TOP_LAST] = { false };
    unsigned int iothreads = 0;

    def->type = qv_xml_prop(root, "type");
    def->vcpus = 1;
    for (xmlNodePtr c = qv_xml_element(root->children); c;
         c = qv_xml_element(c->next)) {
        TopElement which = c->ns ? TOP_LAST :
                           top_element((const char *)c->name);

        if (which == TOP_LAST) {
            /* kept verbatim; the lock manager reads its value */
            if (!c->ns && strcmp((const char *)c->name, "on_lockfailure") == 0 &&
                !parse_on_lockfailure(c, def, error))
                return NULL;
            if ((qv_xml_is(c, "iothreads") || qv_xml_is(c, "iothreadids")) &&
                !read_iothreads(c, def, &iothreads, error))
                return NULL;
            keep(&def->kept_toplevel, &def->nkept_toplevel, c);
            continue;
        }
        if (seen[which]) {
            g_set_error(error, QV_ERROR, QV_ERR_XML, "more than one <%s>",
                        top_names[which]);
            return NULL;
        }
        seen[which] = true;
        if (!parse_modelled(c, which, def, flags, error))
            return NULL;
    }
    fill_iothreads(def, iothreads);
    if (!def->name || !*def->name) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "the domain has no <name>");
        return NULL;
    }
    if (!def->uuid[0]) {
        g_autofree char *uuid = g_uuid_string_random();

        def->uuid_generated = true;
        g_strlcpy(def->uuid, uuid, sizeof(def->uuid));
    }
    return g_steal_pointer(&def);
}

QvDomainDef *
qv_domain_parse_xml(const char *xml, const char *origin, unsigned int flags,
                    GError **error)
{
    const char *where = origin ? origin : "domain XML";
    g_autoptr(QvXmlDoc) doc = qv_xml_read(xml, strlen(xml), where, error);
    g_autoptr(QvDomainDef) def = NULL;
    xmlNodePtr root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!qv_xml_is(root, "domain")) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: the root element is <%s>, expected <domain>", where,
                    (const char *)root->name);
        return NULL;
    }
    if (!(def = parse_domain(root, flags, error)))
        return NULL;
    if (!(flags & QV_DOMAIN_XML_NO_SCHEMA) &&
        !qv_schema_validate(doc, where, error))
        return NULL;
    return g_steal_pointer(&def);
}

QvDomainDef *
qv_domain_parse_file(const char *path, unsigned int flags, GError **error)
{
    g_autofree char *xml = qv_xml_read_file(path, "domain XML", error);

    if (!xml)
        return NULL;
    return qv_domain_parse_xml(xml, path, flags, error);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

static void
format_os(GString *buf, const QvDomainDef *def)
{
    if (!def->os_type && !def->os_arch && !def->os_machine &&
        !def->os_extra_xml)
        return;
    g_string_append(buf, "  <os>\n");
    if (def->os_type || def->os_arch || def->os_machine) {
        g_string_append(buf, "    <type");
        qv_xml_attr(buf, "arch", def->os_arch);
        qv_xml_attr(buf, "machine", def->os_machine);
        g_string_append_c(buf, '>');
        qv_xml_escape(buf, def->os_type ? def->os_type : "", false);
        g_string_append(buf, "</type>\n");
    }
    if (def->os_extra_xml)
        g_string_append_printf(buf, "    %s\n", def->os_extra_xml);
    g_string_append(buf, "  </os>\n");
}

static void
format_lease(GString *buf, const QvLeaseDef *lease)
{
    g_string_append(buf, "    <lease>\n");
    qv_xml_text_element(buf, 6, "lockspace", lease->lockspace);
    qv_xml_text_element(buf, 6, "key", lease->key);
    g_string_append(buf, "      <target");
    qv_xml_attr(buf, "path", lease->path);
    if (lease->has_offset)
        g_string_append_printf(buf, " offset='%" G_GUINT64_FORMAT "'",
                               lease->offset);
    g_string_append(buf, "/>\n    </lease>\n");
}

static void
format_devices(GString *buf, const QvDomainDef *def, unsigned int flags)
{
    if (!def->emulator && !def->ndisks && !def->nleases &&
        !def->nkept_devices)
        return;
    g_string_append(buf, "  <devices>\n");
    qv_xml_text_element(buf, 4, "emulator", def->emulator);
    for (size_t i = 0; i < def->ndisks; i++)
        qv_disk_format(buf, def->disks[i], flags, 4);
    for (size_t i = 0; i < def->nleases; i++)
        format_lease(buf, def->leases[i]);
    for (size_t i = 0; i < def->nkept_devices; i++)
        g_string_append_printf(buf, "    %s\n", def->kept_devices[i]);
    g_string_append(buf, "  </devices>\n");
}

char *
qv_domain_format_xml(const QvDomainDef *def, unsigned int flags)
{
    GString *buf = g_string_new("<domain");

    qv_xml_attr(buf, "type", def->type);
    g_string_append(buf, ">\n");
    qv_xml_text_element(buf, 2, "name", def->name);
    qv_xml_text_element(buf, 2, "uuid", def->uuid[0] ? def->uuid : NULL);
    qv_xml_text_element(buf, 2, "title", def->title);
    qv_xml_text_element(buf, 2, "description", def->description);
    if (def->memory_kib)
        g_string_append_printf(buf,
                               "  <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n",
                               def->memory_kib);
    if (def->current_memory_kib)
        g_string_append_printf(buf,
                               "  <currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>\n",
                               def->current_memory_kib);
    g_string_append_printf(buf, "  <vcpu>%u</vcpu>\n", def->vcpus);
    format_os(buf, def);
    for (size_t i = 0; i < def->nkept_toplevel; i++)
        g_string_append_printf(buf, "  %s\n", def->kept_toplevel[i]);
    format_devices(buf, def, flags);
    g_string_append(buf, "</domain>\n");
    return g_string_free(buf, FALSE);
}
