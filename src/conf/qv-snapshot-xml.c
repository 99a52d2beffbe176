/*
 * qv-snapshot-xml: the snapshot model and its <domainsnapshot> XML.
 *
 * Owns the document level and each <disk> of <disks>; a disk's <source>
 * and <driver type> go through the domain XML's own source and format
 * parsers, so a snapshot disk reads like a domain disk does.  Checks that
 * need the domain (does disk 'vda' exist, can it get an overlay) are the
 * caller's.
 */
#include "conf/qv-snapshot-xml.h"

#include <string.h>

#include "util/qv-enum.h"
#include "util/qv-error.h"
#include "conf/qv-source-xml-parse.h"
#include "conf/qv-xml-util.h"

static const char *const location_names[] = {
    [QV_SNAPSHOT_LOCATION_DEFAULT] = NULL,
    [QV_SNAPSHOT_LOCATION_NO] = "no",
    [QV_SNAPSHOT_LOCATION_INTERNAL] = "internal",
    [QV_SNAPSHOT_LOCATION_EXTERNAL] = "external",
    [QV_SNAPSHOT_LOCATION_MANUAL] = "manual",
};
G_STATIC_ASSERT(G_N_ELEMENTS(location_names) == QV_SNAPSHOT_LOCATION_LAST);
QV_ENUM_IMPL(qv_snapshot_location, QvSnapshotLocation, location_names)

static const char *const state_names[] = {
    [QV_SNAPSHOT_STATE_NONE] = NULL,
    [QV_SNAPSHOT_STATE_RUNNING] = "running",
    [QV_SNAPSHOT_STATE_BLOCKED] = "blocked",
    [QV_SNAPSHOT_STATE_PAUSED] = "paused",
    [QV_SNAPSHOT_STATE_SHUTDOWN] = "shutdown",
    [QV_SNAPSHOT_STATE_SHUTOFF] = "shutoff",
    [QV_SNAPSHOT_STATE_CRASHED] = "crashed",
    [QV_SNAPSHOT_STATE_DISK_SNAPSHOT] = "disk-snapshot",
};
G_STATIC_ASSERT(G_N_ELEMENTS(state_names) == QV_SNAPSHOT_STATE_LAST);
QV_ENUM_IMPL(qv_snapshot_state, QvSnapshotState, state_names)

QV_XML_ENUM_PARSER(parse_location, QvSnapshotLocation, qv_snapshot_location,
                   QV_SNAPSHOT_LOCATION_NO, QV_SNAPSHOT_LOCATION_LAST)
QV_XML_ENUM_PARSER(parse_state, QvSnapshotState, qv_snapshot_state,
                   QV_SNAPSHOT_STATE_RUNNING, QV_SNAPSHOT_STATE_LAST)

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

/* ------------------------------------------------------------------ */
/* The model                                                           */

QvSnapshotDef *
qv_snapshot_def_new(void)
{
    return g_new0(QvSnapshotDef, 1);
}

void
qv_snapshot_def_free(QvSnapshotDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->description);
    for (size_t i = 0; i < def->ndisks; i++)
        qv_snapshot_disk_def_free(def->disks[i]);
    g_free(def->disks);
    for (size_t i = 0; i < def->nkept; i++)
        g_free(def->kept[i]);
    g_free(def->kept);
    g_free(def);
}

QvSnapshotDiskDef *
qv_snapshot_disk_def_new(const char *name, QvSnapshotLocation snapshot)
{
    QvSnapshotDiskDef *disk = g_new0(QvSnapshotDiskDef, 1);

    disk->name = g_strdup(name);
    disk->snapshot = snapshot;
    disk->src = qv_source_new(QV_STORAGE_FILE);
    return disk;
}

void
qv_snapshot_disk_def_free(QvSnapshotDiskDef *disk)
{
    if (!disk)
        return;
    g_free(disk->name);
    qv_source_free(disk->src);
    g_free(disk);
}

void
qv_snapshot_add_disk(QvSnapshotDef *def, QvSnapshotDiskDef **disk)
{
    def->disks = g_renew(QvSnapshotDiskDef *, def->disks, def->ndisks + 1);
    def->disks[def->ndisks++] = g_steal_pointer(disk);
}

const QvSnapshotDiskDef *
qv_snapshot_find_disk(const QvSnapshotDef *def, const char *name)
{
    for (size_t i = 0; i < def->ndisks; i++) {
        if (g_strcmp0(def->disks[i]->name, name) == 0)
            return def->disks[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* Elements of libvirt's schema that qvirt keeps without acting on them */
static const char *const kept_names[] = {
    "memory", "parent", "domain", "inactiveDomain", "active", "cookie",
};

static bool
is_kept(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(kept_names); i++) {
        if (strcmp(kept_names[i], name) == 0)
            return true;
    }
    return false;
}

/* A snapshot disk's type: libvirt also takes 'network', which qvirt
 * cannot make an overlay on */
static bool
parse_disk_type(xmlNodePtr node, QvStorageSource *src, const char *ctx,
                GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");

    if (!type)
        return true;
    if (strcmp(type, "file") == 0)
        src->type = QV_STORAGE_FILE;
    else if (strcmp(type, "block") == 0)
        src->type = QV_STORAGE_BLOCK;
    else
        FAIL("%s: unsupported disk type '%s' (expected 'file' or 'block')",
             ctx, type);
    return true;
}

static bool
parse_driver(xmlNodePtr node, QvStorageSource *src, const char *ctx,
             GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");
    xmlNodePtr child = qv_xml_element(node->children);

    if (child)
        FAIL("%s: unsupported element <%s> in <driver>", ctx,
             (const char *)child->name);
    return !type || qv_source_xml_parse_format(type, &src->format, ctx, error);
}

/* <driver> and <source>, each at most once */
static bool
parse_disk_children(xmlNodePtr node, QvSnapshotDiskDef *disk, const char *ctx,
                    GError **error)
{
    xmlNodePtr driver = NULL, source = NULL;

    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        xmlNodePtr *slot = qv_xml_is(c, "driver") ? &driver :
                           qv_xml_is(c, "source") ? &source : NULL;

        if (!slot)
            FAIL("%s: unsupported element <%s> in a snapshot <disk>", ctx,
                 (const char *)c->name);
        if (*slot)
            FAIL("%s: more than one <%s>", ctx, (const char *)c->name);
        *slot = c;
    }
    if (driver && !parse_driver(driver, disk->src, ctx, error))
        return false;
    return !source ||
           qv_source_xml_parse_source(source, disk->src, ctx, error);
}

static QvSnapshotDiskDef *
parse_disk(xmlNodePtr node, const QvSnapshotDef *def, const char *origin,
           GError **error)
{
    g_autofree char *name = qv_xml_prop(node, "name");
    g_autofree char *mode = NULL;
    g_autofree char *ctx = NULL;
    g_autoptr(QvSnapshotDiskDef) disk = NULL;

    if (!qv_xml_is(node, "disk") || !name || !*name) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: <disks> holds <disk name='...'> elements", origin);
        return NULL;
    }
    ctx = g_strdup_printf("%s: disk '%s'", origin, name);
    if (qv_snapshot_find_disk(def, name)) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s is listed twice", ctx);
        return NULL;
    }
    disk = qv_snapshot_disk_def_new(name, QV_SNAPSHOT_LOCATION_DEFAULT);
    mode = qv_xml_prop(node, "snapshot");
    if ((mode && !parse_location(mode, &disk->snapshot, ctx, "snapshot mode",
                                 error)) ||
        !parse_disk_type(node, disk->src, ctx, error) ||
        !parse_disk_children(node, disk, ctx, error))
        return NULL;
    /* as libvirt: only an external snapshot has somewhere to go */
    if (disk->snapshot != QV_SNAPSHOT_LOCATION_DEFAULT &&
        disk->snapshot != QV_SNAPSHOT_LOCATION_EXTERNAL &&
        (disk->src->path || disk->src->format != QV_FORMAT_NONE ||
         disk->src->type != QV_STORAGE_FILE)) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s: a type, <driver> or <source> requires snapshot='external', not '%s'",
                    ctx, mode);
        return NULL;
    }
    return g_steal_pointer(&disk);
}

static bool
parse_disks(xmlNodePtr node, QvSnapshotDef *def, const char *origin,
            GError **error)
{
    for (xmlNodePtr c = qv_xml_element(node->children); c;
         c = qv_xml_element(c->next)) {
        g_autoptr(QvSnapshotDiskDef) disk = parse_disk(c, def, origin, error);

        if (!disk)
            return false;
        qv_snapshot_add_disk(def, &disk);
    }
    return true;
}

static bool
parse_creation_time(xmlNodePtr node, QvSnapshotDef *def, const char *origin,
                    GError **error)
{
    g_autofree char *text = qv_xml_text(node);
    uint64_t v;

    if (!qv_xml_parse_u64(text, G_MAXINT64, &v))
        FAIL("%s: invalid creationTime '%s': expected seconds since the epoch",
             origin, g_strstrip(text));
    def->creation_time = (int64_t)v;
    def->has_creation_time = true;
    return true;
}

static bool
parse_state_text(xmlNodePtr node, QvSnapshotDef *def, const char *origin,
                 GError **error)
{
    g_autofree char *text = g_strstrip(qv_xml_text(node));

    return parse_state(text, &def->state, origin, "snapshot state", error);
}

/* One child of <domainsnapshot>; @seen holds the modelled ones met */
static bool
parse_top(xmlNodePtr c, QvSnapshotDef *def, GHashTable *seen,
          const char *origin, GError **error)
{
    const char *name = (const char *)c->name;

    if (c->ns)
        FAIL("%s: unsupported element <%s> of namespace '%s' in <domainsnapshot>",
             origin, name, (const char *)c->ns->href);
    if (is_kept(name)) {
        def->kept = g_renew(char *, def->kept, def->nkept + 1);
        def->kept[def->nkept++] = qv_xml_dump(c);
        return true;
    }
    if (strcmp(name, "name") != 0 && strcmp(name, "description") != 0 &&
        strcmp(name, "state") != 0 && strcmp(name, "creationTime") != 0 &&
        strcmp(name, "disks") != 0)
        FAIL("%s: unsupported element <%s> in <domainsnapshot>", origin, name);
    if (!g_hash_table_add(seen, (gpointer)name))
        FAIL("%s: more than one <%s>", origin, name);
    if (strcmp(name, "name") == 0)
        def->name = qv_xml_text(c);
    else if (strcmp(name, "description") == 0)
        def->description = qv_xml_text(c);
    else if (strcmp(name, "state") == 0)
        return parse_state_text(c, def, origin, error);
    else if (strcmp(name, "creationTime") == 0)
        return parse_creation_time(c, def, origin, error);
    else
        return parse_disks(c, def, origin, error);
    return true;
}

QvSnapshotDef *
qv_snapshot_parse_xml(const char *xml, const char *origin, GError **error)
{
    g_autoptr(QvXmlDoc) doc = NULL;
    g_autoptr(QvSnapshotDef) def = qv_snapshot_def_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    xmlNodePtr root;

    if (!origin)
        origin = "snapshot XML";
    if (!(doc = qv_xml_read(xml, strlen(xml), origin, error)))
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!qv_xml_is(root, "domainsnapshot")) {
        g_set_error(error, QV_ERROR, QV_ERR_XML,
                    "%s must be a <domainsnapshot> element", origin);
        return NULL;
    }
    for (xmlNodePtr c = qv_xml_element(root->children); c;
         c = qv_xml_element(c->next)) {
        if (!parse_top(c, def, seen, origin, error))
            return NULL;
    }
    return g_steal_pointer(&def);
}

QvSnapshotDef *
qv_snapshot_parse_file(const char *path, GError **error)
{
    g_autofree char *xml = qv_xml_read_file(path, "snapshot XML", error);

    if (!xml)
        return NULL;
    return qv_snapshot_parse_xml(xml, path, error);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

static void
format_disk(GString *buf, const QvSnapshotDiskDef *disk)
{
    const QvStorageSource *src = disk->src;
    bool has_overlay = src->path || src->format != QV_FORMAT_NONE ||
                       src->type != QV_STORAGE_FILE;

    g_string_append(buf, "    <disk");
    qv_xml_attr(buf, "name", disk->name);
    qv_xml_attr(buf, "snapshot",
                qv_snapshot_location_to_string(disk->snapshot));
    if (!has_overlay) {
        g_string_append(buf, "/>\n");
        return;
    }
    qv_xml_attr(buf, "type", qv_storage_type_to_string(src->type));
    g_string_append(buf, ">\n");
    if (src->format != QV_FORMAT_NONE) {
        g_string_append(buf, "      <driver");
        qv_xml_attr(buf, "type", qv_format_to_string(src->format));
        g_string_append(buf, "/>\n");
    }
    if (src->path) {
        if (src->index) {
            g_autofree char *extra = g_strdup_printf(" index='%u'",
                                                     src->index);

            qv_source_xml_format_source_full(buf, src, 6, extra);
        } else {
            qv_source_xml_format_source(buf, src, 6);
        }
    }
    g_string_append(buf, "    </disk>\n");
}

char *
qv_snapshot_format_xml(const QvSnapshotDef *def)
{
    GString *buf = g_string_new("<domainsnapshot>\n");

    qv_xml_text_element(buf, 2, "name", def->name);
    qv_xml_text_element(buf, 2, "description", def->description);
    qv_xml_text_element(buf, 2, "state",
                        qv_snapshot_state_to_string(def->state));
    if (def->has_creation_time)
        g_string_append_printf(buf,
                               "  <creationTime>%" G_GINT64_FORMAT "</creationTime>\n",
                               def->creation_time);
    if (def->ndisks) {
        g_string_append(buf, "  <disks>\n");
        for (size_t i = 0; i < def->ndisks; i++)
            format_disk(buf, def->disks[i]);
        g_string_append(buf, "  </disks>\n");
    }
    for (size_t i = 0; i < def->nkept; i++)
        g_string_append_printf(buf, "  %s\n", def->kept[i]);
    g_string_append(buf, "</domainsnapshot>\n");
    return g_string_free(buf, FALSE);
}
