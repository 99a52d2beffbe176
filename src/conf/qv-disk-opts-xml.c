/*
 * qv-disk-opts-xml: <driver> and the QvDiskOpts parts of <disk> (see the
 * header).  Numbers follow libvirt's parsers: unsigned, 0 meaning unset
 * where libvirt treats it so.
 */
#include "conf/qv-disk-opts-xml.h"

#include <string.h>

#include "conf/qv-source-xml-parse.h"
#include "conf/qv-xml-util.h"

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

QV_XML_ENUM_PARSER(parse_cache, QvDiskCache, qv_disk_cache, 0, QV_CACHE_LAST)
QV_XML_ENUM_PARSER(parse_io, QvDiskIo, qv_disk_io, 0, QV_DISK_IO_LAST)
QV_XML_ENUM_PARSER(parse_discard, QvDiscard, qv_discard, 0, QV_DISCARD_LAST)
QV_XML_ENUM_PARSER(parse_detect_zeroes, QvDetectZeroes, qv_detect_zeroes, 0,
                   QV_DETECT_ZEROES_LAST)
QV_XML_ENUM_PARSER(parse_tristate, QvTristate, qv_tristate, 0, QV_TRISTATE_LAST)
QV_XML_ENUM_PARSER(parse_yesno, QvYesNo, qv_yesno, 1, QV_YESNO_LAST)
QV_XML_ENUM_PARSER(parse_snapshot, QvDiskSnapshot, qv_disk_snapshot, 1, QV_SNAPSHOT_LAST)
QV_XML_ENUM_PARSER(parse_policy, QvErrorPolicy, qv_error_policy, 1, QV_ERROR_POLICY_LAST)
QV_XML_ENUM_PARSER(parse_trans, QvGeometryTrans, qv_geometry_trans, 1,
                   QV_GEOMETRY_TRANS_LAST)
QV_XML_ENUM_PARSER(parse_sgio, QvSgio, qv_sgio, 1, QV_SGIO_LAST)
QV_XML_ENUM_PARSER(parse_model, QvDiskModel, qv_disk_model, 1, QV_DISK_MODEL_LAST)

/* Look an optional attribute up and parse it with @fn */
#define ENUM_ATTR(node, attr_name, fn, out, ctx, what) \
    do { \
        g_autofree char *v_ = qv_xml_prop((node), (attr_name)); \
        if (v_ && !fn(v_, (out), (ctx), (what), error)) \
            return false; \
    } while (0)

/* QvTristate as an int field */
#define TRISTATE_ATTR(node, attr_name, out, ctx) \
    do { \
        QvTristate t_ = QV_TRISTATE_DEFAULT; \
        ENUM_ATTR(node, attr_name, parse_tristate, &t_, ctx, attr_name " value"); \
        *(out) = (int)t_; \
    } while (0)

/* An optional unsigned attribute from @min to @max */
static bool
uint_attr(xmlNodePtr node, const char *name, uint64_t min, uint64_t max,
          unsigned int *out, const char *ctx, GError **error)
{
    g_autofree char *v = qv_xml_prop(node, name);
    uint64_t n;

    if (!v)
        return true;
    if (!qv_xml_parse_u64(v, max, &n) || n < min)
        FAIL("%s: invalid %s '%s' on <%s>: expected an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
             ctx, name, v, (const char *)node->name, min, max);
    *out = (unsigned int)n;
    return true;
}

bool
qv_disk_opts_parse_disk_attrs(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    ENUM_ATTR(node, "snapshot", parse_snapshot, &o->snapshot, ctx, "snapshot mode");
    ENUM_ATTR(node, "model", parse_model, &o->model, ctx, "disk model");
    ENUM_ATTR(node, "rawio", parse_yesno, &o->rawio, ctx, "rawio value");
    ENUM_ATTR(node, "sgio", parse_sgio, &o->sgio, ctx, "sgio value");
    return true;
}

void
qv_disk_opts_format_disk_attrs(GString *buf, const QvDiskOpts *o)
{
    qv_xml_attr(buf, "model", qv_disk_model_to_string(o->model));
    qv_xml_attr(buf, "rawio", qv_yesno_to_string(o->rawio));
    qv_xml_attr(buf, "sgio", qv_sgio_to_string(o->sgio));
    qv_xml_attr(buf, "snapshot", qv_disk_snapshot_to_string(o->snapshot));
}

/* <metadata_cache><max_size unit='...'>N</max_size></metadata_cache>;
 * bytes when no unit, as libvirt reads it */
static bool
parse_metadata_cache(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    xmlNodePtr max = qv_xml_element(node->children);
    g_autofree char *unit = NULL;
    g_autofree char *text = NULL;
    uint64_t scale = 1;
    uint64_t v;

    if (o->has_metadata_cache)
        FAIL("%s: more than one <metadata_cache> in <driver>", ctx);
    o->has_metadata_cache = true;
    if (!max)
        return true;
    if (!qv_xml_is(max, "max_size") || qv_xml_element(max->next))
        FAIL("%s: <metadata_cache> holds at most one <max_size>", ctx);
    unit = qv_xml_prop(max, "unit");
    text = qv_xml_text(max);
    if (unit && !qv_xml_unit_scale(unit, &scale))
        FAIL("%s: <max_size>: unknown unit '%s'", ctx, unit);
    if (!qv_xml_parse_u64(text, G_MAXUINT64 / scale, &v))
        FAIL("%s: <max_size>: invalid size '%s': expected an unsigned integer", ctx,
             g_strstrip(text));
    o->metadata_cache_max = v * scale;
    return true;
}

static bool
parse_driver_opts(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    ENUM_ATTR(node, "error_policy", parse_policy, &o->error_policy, ctx, "error_policy");
    ENUM_ATTR(node, "rerror_policy", parse_policy, &o->rerror_policy, ctx, "rerror_policy");
    if (o->rerror_policy == QV_ERROR_POLICY_ENOSPACE)
        FAIL("%s: unknown rerror_policy 'enospace' (expected 'stop', 'report', 'ignore')", ctx);
    TRISTATE_ATTR(node, "ioeventfd", &o->ioeventfd, ctx);
    TRISTATE_ATTR(node, "event_idx", &o->event_idx, ctx);
    if (!uint_attr(node, "iothread", 0, G_MAXUINT, &o->iothread, ctx, error) ||
        !uint_attr(node, "queues", 1, G_MAXUINT, &o->queues, ctx, error) ||
        !uint_attr(node, "queue_size", 1, G_MAXUINT, &o->queue_size, ctx, error))
        return false;
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        if (!qv_xml_is(c, "metadata_cache"))
            FAIL("%s: unsupported element <%s> in <driver>", ctx, (const char *)c->name);
        if (!parse_metadata_cache(c, o, ctx, error))
            return false;
    }
    return true;
}

bool
qv_disk_parse_driver(xmlNodePtr node, QvDiskDef *disk, const char *ctx, GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");

    disk->driver_name = qv_xml_prop(node, "name");
    if (type && disk->src->type == QV_STORAGE_QUORUM) {
        if (strcmp(type, "quorum") != 0)
            FAIL("%s: the driver type of a quorum disk is 'quorum', not '%s'", ctx, type);
    } else if (type && strcmp(type, "quorum") == 0) {
        FAIL("%s: driver type 'quorum' needs <disk type='quorum'>", ctx);
    } else if (type && strcmp(type, "aio") == 0) {
        /* libvirt's old spelling of raw */
        disk->src->format = QV_FORMAT_RAW;
    } else if (type && !qv_source_xml_parse_format(type, &disk->src->format, ctx, error)) {
        return false;
    }
    ENUM_ATTR(node, "cache", parse_cache, &disk->cache, ctx, "cache mode");
    ENUM_ATTR(node, "io", parse_io, &disk->io, ctx, "io mode");
    ENUM_ATTR(node, "discard", parse_discard, &disk->discard, ctx, "discard mode");
    ENUM_ATTR(node, "detect_zeroes", parse_detect_zeroes, &disk->detect_zeroes, ctx,
              "detect_zeroes mode");
    ENUM_ATTR(node, "copy_on_read", parse_tristate, &disk->copy_on_read, ctx,
              "copy_on_read value");
    return parse_driver_opts(node, &disk->opts, ctx, error);
}

static void
uint_out(GString *buf, const char *name, uint64_t v)
{
    if (v)
        g_string_append_printf(buf, " %s='%" G_GUINT64_FORMAT "'", name, v);
}

void
qv_disk_format_driver(GString *buf, const QvDiskDef *disk, unsigned int indent)
{
    const QvStorageSource *src = disk->src;
    const QvDiskOpts *o = &disk->opts;
    const char *type = NULL;
    size_t mark;

    if (src->type == QV_STORAGE_QUORUM)
        type = "quorum";
    else if (src->format != QV_FORMAT_NONE)
        type = qv_format_to_string(src->format);
    qv_xml_indent(buf, indent);
    mark = buf->len;
    /* libvirt's order (virDomainDiskDefFormatDriver) */
    g_string_append(buf, "<driver");
    qv_xml_attr(buf, "name", disk->driver_name);
    qv_xml_attr(buf, "type", type);
    qv_xml_attr(buf, "cache", qv_disk_cache_to_string(disk->cache));
    qv_xml_attr(buf, "error_policy", qv_error_policy_to_string(o->error_policy));
    qv_xml_attr(buf, "rerror_policy", qv_error_policy_to_string(o->rerror_policy));
    qv_xml_attr(buf, "io", qv_disk_io_to_string(disk->io));
    qv_xml_attr(buf, "ioeventfd", qv_tristate_to_string((QvTristate)o->ioeventfd));
    qv_xml_attr(buf, "event_idx", qv_tristate_to_string((QvTristate)o->event_idx));
    qv_xml_attr(buf, "copy_on_read", qv_tristate_to_string(disk->copy_on_read));
    qv_xml_attr(buf, "discard", qv_discard_to_string(disk->discard));
    uint_out(buf, "iothread", o->iothread);
    qv_xml_attr(buf, "detect_zeroes", qv_detect_zeroes_to_string(disk->detect_zeroes));
    uint_out(buf, "queues", o->queues);
    uint_out(buf, "queue_size", o->queue_size);
    if (buf->len == mark + strlen("<driver") && !o->has_metadata_cache) {
        /* nothing to say: no element, as in libvirt */
        g_string_truncate(buf, mark - indent);
        return;
    }
    if (!o->has_metadata_cache) {
        g_string_append(buf, "/>\n");
        return;
    }
    g_string_append(buf, ">\n");
    qv_xml_indent(buf, indent + 2);
    if (!o->metadata_cache_max) {
        g_string_append(buf, "<metadata_cache/>\n");
    } else {
        g_string_append(buf, "<metadata_cache>\n");
        qv_xml_indent(buf, indent + 4);
        g_string_append_printf(buf, "<max_size unit='bytes'>%" G_GUINT64_FORMAT "</max_size>\n",
                               o->metadata_cache_max);
        qv_xml_indent(buf, indent + 2);
        g_string_append(buf, "</metadata_cache>\n");
    }
    qv_xml_indent(buf, indent);
    g_string_append(buf, "</driver>\n");
}

bool
qv_disk_opts_parse_target(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    TRISTATE_ATTR(node, "removable", &o->removable, ctx);
    return uint_attr(node, "rotation_rate", 1, G_MAXUINT, &o->rotation_rate, ctx, error);
}

void
qv_disk_opts_format_target_attrs(GString *buf, const QvDiskOpts *o)
{
    qv_xml_attr(buf, "removable", qv_tristate_to_string((QvTristate)o->removable));
    uint_out(buf, "rotation_rate", o->rotation_rate);
}

bool
qv_disk_opts_parse_transient(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    ENUM_ATTR(node, "shareBacking", parse_yesno, &o->share_backing, ctx, "shareBacking value");
    return true;
}

void
qv_disk_opts_format_transient(GString *buf, const QvDiskOpts *o, unsigned int indent)
{
    qv_xml_indent(buf, indent);
    g_string_append(buf, "<transient");
    qv_xml_attr(buf, "shareBacking", qv_yesno_to_string(o->share_backing));
    g_string_append(buf, "/>\n");
}

static bool
parse_iotune(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        const char *name = (const char *)c->name;
        g_autofree char *text = qv_xml_text(c);
        size_t i;

        if (strcmp(name, "group_name") == 0) {
            if (o->iotune.group_name)
                FAIL("%s: more than one <group_name> in <iotune>", ctx);
            o->iotune.group_name = g_strstrip(g_steal_pointer(&text));
            continue;
        }
        for (i = 0; i < qv_iotune_nfields; i++) {
            if (strcmp(qv_iotune_fields[i].name, name) == 0)
                break;
        }
        if (i == qv_iotune_nfields)
            FAIL("%s: unsupported element <%s> in <iotune>", ctx, name);
        if (!qv_xml_parse_u64(text, G_MAXUINT64, &QV_IOTUNE_VALUE(&o->iotune, i)))
            FAIL("%s: disk iotune field '%s' must be an integer, not '%s'", ctx, name,
                 g_strstrip(text));
    }
    return true;
}

static bool
parse_geometry(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    static const char *const names[] = { "cyls", "heads", "secs" };
    unsigned int *slots[] = { &o->cyls, &o->heads, &o->secs };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *v = qv_xml_prop(node, names[i]);

        if (!v)
            FAIL("%s: <geometry> needs cyls, heads and secs attributes", ctx);
        if (!uint_attr(node, names[i], 1, G_MAXUINT, slots[i], ctx, error))
            return false;
    }
    ENUM_ATTR(node, "trans", parse_trans, &o->trans, ctx, "geometry translation");
    return true;
}

static bool
parse_blockio(xmlNodePtr node, QvDiskOpts *o, const char *ctx, GError **error)
{
    return uint_attr(node, "logical_block_size", 1, G_MAXUINT, &o->logical_block_size,
                     ctx, error) &&
           uint_attr(node, "physical_block_size", 1, G_MAXUINT, &o->physical_block_size,
                     ctx, error);
}

static bool
parse_text(xmlNodePtr node, char **slot, const char *ctx, GError **error)
{
    *slot = g_strstrip(qv_xml_text(node));
    return true;
}

int
qv_disk_opts_parse_child(xmlNodePtr c, QvDiskOpts *o, const char *ctx, GError **error)
{
    const char *name = (const char *)c->name;
    bool dup = false;
    bool ok;

    if (strcmp(name, "iotune") == 0) {
        dup = qv_disk_iotune_has_any(&o->iotune) || o->iotune.group_name;
        ok = dup || parse_iotune(c, o, ctx, error);
    } else if (strcmp(name, "geometry") == 0) {
        dup = o->cyls != 0;
        ok = dup || parse_geometry(c, o, ctx, error);
    } else if (strcmp(name, "blockio") == 0) {
        dup = o->logical_block_size || o->physical_block_size;
        ok = dup || parse_blockio(c, o, ctx, error);
    } else if (strcmp(name, "wwn") == 0) {
        dup = o->wwn != NULL;
        ok = dup || parse_text(c, &o->wwn, ctx, error);
    } else if (strcmp(name, "vendor") == 0) {
        dup = o->vendor != NULL;
        ok = dup || parse_text(c, &o->vendor, ctx, error);
    } else if (strcmp(name, "product") == 0) {
        dup = o->product != NULL;
        ok = dup || parse_text(c, &o->product, ctx, error);
    } else {
        return 0;
    }
    if (dup) {
        g_set_error(error, QV_ERROR, QV_ERR_XML, "%s: more than one <%s>", ctx, name);
        return -1;
    }
    return ok ? 1 : -1;
}

void
qv_disk_opts_read_address(xmlNodePtr node, QvDiskOpts *o)
{
    static const char *const names[] = { "controller", "bus", "target", "unit" };
    unsigned int *slots[] = { &o->addr_controller, &o->addr_bus, &o->addr_target,
                              &o->addr_unit };

    o->addr_type = qv_xml_prop(node, "type");
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *v = qv_xml_prop(node, names[i]);
        guint64 n = 0;

        if (v && g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT, &n, NULL))
            *slots[i] = (unsigned int)n;
    }
}

void
qv_disk_opts_format_shape(GString *buf, const QvDiskOpts *o, unsigned int indent)
{
    if (o->cyls) {
        qv_xml_indent(buf, indent);
        g_string_append_printf(buf, "<geometry cyls='%u' heads='%u' secs='%u'", o->cyls,
                               o->heads, o->secs);
        qv_xml_attr(buf, "trans", qv_geometry_trans_to_string(o->trans));
        g_string_append(buf, "/>\n");
    }
    if (o->logical_block_size || o->physical_block_size) {
        qv_xml_indent(buf, indent);
        g_string_append(buf, "<blockio");
        uint_out(buf, "logical_block_size", o->logical_block_size);
        uint_out(buf, "physical_block_size", o->physical_block_size);
        g_string_append(buf, "/>\n");
    }
}

void
qv_disk_opts_format_iotune(GString *buf, const QvDiskOpts *o, unsigned int indent)
{
    const QvDiskIotune *t = &o->iotune;

    if (!qv_disk_iotune_has_any(t) && !t->group_name)
        return;
    qv_xml_indent(buf, indent);
    g_string_append(buf, "<iotune>\n");
    for (size_t i = 0; i < qv_iotune_nfields; i++) {
        uint64_t v = QV_IOTUNE_VALUE(t, i);

        if (v) {
            qv_xml_indent(buf, indent + 2);
            g_string_append_printf(buf, "<%s>%" G_GUINT64_FORMAT "</%s>\n",
                                   qv_iotune_fields[i].name, v, qv_iotune_fields[i].name);
        }
        /* libvirt writes the group after size_iops_sec */
        if (strcmp(qv_iotune_fields[i].name, "size_iops_sec") == 0)
            qv_xml_text_element(buf, indent + 2, "group_name", t->group_name);
    }
    qv_xml_indent(buf, indent);
    g_string_append(buf, "</iotune>\n");
}

void
qv_disk_opts_format_ids(GString *buf, const QvDiskOpts *o, unsigned int indent)
{
    qv_xml_text_element(buf, indent, "wwn", o->wwn);
    qv_xml_text_element(buf, indent, "vendor", o->vendor);
    qv_xml_text_element(buf, indent, "product", o->product);
}
