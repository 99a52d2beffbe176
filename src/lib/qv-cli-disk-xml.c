/*
 * qv-cli-disk-xml: the <disk> elements of a domain XML document that
 * detach-disk and change-media act on, and the trays domblklist shows.
 *
 * These work on the elements with libxml2 rather than through the
 * domain model (QvDiskDef): like virsh, the commands hand the element
 * back as the domain XML has it, and a round trip through the model
 * would change it: runtime aliases and elements the model does not hold
 * (<wwn>, a controller's <address> details, ...) would be dropped or
 * refused, and --print-xml would show qvirt's layout instead of the
 * element found.  Only what virsh changes is changed: the <backingStore>
 * (not wanted by a detach) and, for a media change, the <source> and the
 * disk's type.
 */
#include <string.h>

#include "conf/qv-xml-util.h"
#include "lib/qv-cli-device.h"

#define ORIGIN "the domain XML"

/* The first element child of @node called @name, or NULL */
static xmlNodePtr
child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        if (qv_xml_is(c, name))
            return c;
    }
    return NULL;
}

static bool
prop_is(xmlNodePtr node, const char *name, const char *value)
{
    g_autofree char *v = node ? qv_xml_prop(node, name) : NULL;

    return v && strcmp(v, value) == 0;
}

/* Remove @node, and the blank text that indents it */
static void
drop_node(xmlNodePtr node)
{
    xmlNodePtr prev = node->prev;

    if (prev && prev->type == XML_TEXT_NODE && xmlIsBlankNode(prev)) {
        xmlUnlinkNode(prev);
        xmlFreeNode(prev);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

/* virsh's test: the target, or the source by file, dev, dir or name */
static bool
disk_matches(xmlNodePtr disk, const char *path)
{
    static const char *const source_attrs[] = { "file", "dev", "dir", "name" };
    xmlNodePtr source = child(disk, "source");

    if (prop_is(child(disk, "target"), "dev", path))
        return true;
    for (size_t i = 0; source && i < G_N_ELEMENTS(source_attrs); i++) {
        if (prop_is(source, source_attrs[i], path))
            return true;
    }
    return false;
}

/* A cdrom or floppy; virsh lets a disk with no device attribute by too
 * (and refuses it as not removable later) */
static bool
maybe_removable(xmlNodePtr disk)
{
    g_autofree char *device = qv_xml_prop(disk, "device");

    return !device || strcmp(device, "cdrom") == 0 || strcmp(device, "floppy") == 0;
}

static bool
is_removable(xmlNodePtr disk)
{
    return prop_is(disk, "device", "cdrom") || prop_is(disk, "device", "floppy");
}

/* The <devices> of a domain document (NULL when it has none) */
static bool
find_devices(QvXmlDoc *doc, xmlNodePtr *devices, GError **error)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);

    if (!root || !qv_xml_is(root, "domain")) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_XML, "%s is not a <domain> document", ORIGIN);
        return false;
    }
    *devices = child(root, "devices");
    return true;
}

char *
qv_cli_find_disk(const char *domain_xml, const char *path, bool removable,
                 GError **error)
{
    g_autoptr(QvXmlDoc) doc = qv_xml_read(domain_xml, strlen(domain_xml), ORIGIN, error);
    xmlNodePtr devices = NULL;
    xmlNodePtr backing;

    if (!doc || !find_devices(doc, &devices, error))
        return NULL;
    for (xmlNodePtr d = devices ? child(devices, "disk") : NULL; d; d = qv_xml_element(d->next)) {
        if (!qv_xml_is(d, "disk") || (removable && !maybe_removable(d)) || !disk_matches(d, path))
            continue;
        /* the chain is the domain's business, not the detach's */
        while ((backing = child(d, "backingStore")))
            drop_node(backing);
        return qv_xml_dump(d);
    }
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_NOT_FOUND, "no %s whose target or source path is '%s'",
                removable ? "cdrom or floppy" : "disk", path);
    return NULL;
}

/* The path of @source's medium, as virsh looks for it */
static char *
source_path(xmlNodePtr source)
{
    static const char *const attrs[] = { "file", "dev", "dir", "pool", "name" };

    for (size_t i = 0; i < G_N_ELEMENTS(attrs); i++) {
        char *v = qv_xml_prop(source, attrs[i]);

        if (v)
            return v;
    }
    return NULL;
}

/* Put @source where the old <source> was, or before <target>, keeping
 * the indentation of the element it goes before */
static void
place_source(xmlNodePtr disk, xmlNodePtr old, xmlNodePtr source)
{
    xmlNodePtr next = old ? old : child(disk, "target");
    xmlNodePtr ws = next && next->prev && xmlIsBlankNode(next->prev) ? next->prev : NULL;

    if (old) {
        xmlReplaceNode(old, source);
        xmlFreeNode(old);
    } else if (next) {
        xmlAddPrevSibling(next, source);
        if (ws)
            xmlAddPrevSibling(next, xmlCopyNode(ws, 1));
    } else {
        xmlAddChild(disk, source);
    }
}

static bool
check_media_change(xmlNodePtr disk, xmlNodePtr old, const char *path,
                   QvCliMediaAction action, const char *source, GError **error)
{
    g_autofree char *medium = old ? source_path(old) : NULL;

    if (!is_removable(disk)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "the disk '%s' is not removable: only a cdrom or floppy has media", path);
        return false;
    }
    if (action == QV_CLI_MEDIA_EJECT && !old) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_OPERATION_INVALID,
                    "the disk '%s' has no medium to eject", path);
        return false;
    }
    if (action != QV_CLI_MEDIA_EJECT && (!source || !*source)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "no new medium given for the disk '%s' (SOURCE)", path);
        return false;
    }
    if (action != QV_CLI_MEDIA_EJECT && !qv_cli_is_xml_text(source)) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "the new medium's path is not UTF-8 text without control characters");
        return false;
    }
    if (action != QV_CLI_MEDIA_EJECT && source[0] != '/') {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG,
                    "the new medium '%s' must be an absolute path", source);
        return false;
    }
    if (action == QV_CLI_MEDIA_INSERT && medium) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_OPERATION_INVALID,
                    "the disk '%s' already has a medium ('%s'); use --update to replace it, or --eject first",
                    path, medium);
        return false;
    }
    return true;
}

char *
qv_cli_media_xml(const char *disk_xml, const char *path, QvCliMediaAction action,
                 const char *source, bool block, GError **error)
{
    g_autoptr(QvXmlDoc) doc = qv_xml_read(disk_xml, strlen(disk_xml), "the disk XML", error);
    g_autofree char *policy = NULL;
    xmlNodePtr disk, old, fresh;

    if (!doc)
        return NULL;
    disk = xmlDocGetRootElement(doc);
    if (!qv_xml_is(disk, "disk")) {
        g_set_error(error, QVIRT_ERROR, QVIRT_ERR_XML, "the disk XML is not a <disk> element");
        return NULL;
    }
    old = child(disk, "source");
    if (!check_media_change(disk, old, path, action, source, error))
        return NULL;
    if (action == QV_CLI_MEDIA_EJECT)
        block = false;   /* an empty drive is a file disk, as in virsh */
    xmlSetProp(disk, BAD_CAST "type", BAD_CAST (block ? "block" : "file"));
    if (action == QV_CLI_MEDIA_EJECT) {
        drop_node(old);
        return qv_xml_dump(disk);
    }
    policy = old ? qv_xml_prop(old, "startupPolicy") : NULL;
    fresh = xmlNewDocNode(doc, NULL, BAD_CAST "source", NULL);
    xmlNewProp(fresh, BAD_CAST (block ? "dev" : "file"), BAD_CAST source);
    if (policy)
        xmlNewProp(fresh, BAD_CAST "startupPolicy", BAD_CAST policy);
    place_source(disk, old, fresh);
    return qv_xml_dump(disk);
}

GHashTable *
qv_cli_disk_trays(const char *domain_xml, GError **error)
{
    g_autoptr(QvXmlDoc) doc = qv_xml_read(domain_xml, strlen(domain_xml), ORIGIN, error);
    g_autoptr(GHashTable) trays = NULL;
    xmlNodePtr devices = NULL;

    if (!doc || !find_devices(doc, &devices, error))
        return NULL;
    trays = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (xmlNodePtr d = devices ? child(devices, "disk") : NULL; d; d = qv_xml_element(d->next)) {
        xmlNodePtr target = child(d, "target");
        char *dev = target ? qv_xml_prop(target, "dev") : NULL;
        char *tray;

        if (!qv_xml_is(d, "disk") || !is_removable(d) || !dev) {
            g_free(dev);
            continue;
        }
        tray = qv_xml_prop(target, "tray");
        g_hash_table_replace(trays, dev, tray ? tray : g_strdup("closed"));
    }
    return g_steal_pointer(&trays);
}
