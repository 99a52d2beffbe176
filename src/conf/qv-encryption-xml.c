/*
 * qv-encryption-xml: <encryption> parse and format, and libvirt's checks
 * of <auth> and <encryption> on a disk's chain.
 *
 * libvirt reads <encryption> in a <source> (and in each <backingStore>'s)
 * and, its older place, as a child of <disk>; it writes it back where it
 * was found (QvDiskDef's enc_disk_level).  The messages of the checks are
 * libvirt's (domain_validate.c), after qvirt's context and with the fix.
 */
#include "conf/qv-encryption-xml.h"

#include <string.h>

#include "conf/qv-xml-util.h"
#include "storage/qv-source-tree.h"
#include "util/qv-uuid.h"

#define FAIL(...) \
    do { \
        g_set_error(error, QV_ERROR, QV_ERR_XML, __VA_ARGS__); \
        return false; \
    } while (0)

QV_XML_ENUM_PARSER(parse_format, QvEncFormat, qv_enc_format, 0, QV_ENC_FORMAT_LAST)
QV_XML_ENUM_PARSER(parse_engine, QvEncEngine, qv_enc_engine, 1, QV_ENC_ENGINE_LAST)

static bool
parse_secret(xmlNodePtr node, QvEncryption *enc, const char *ctx, GError **error)
{
    g_autofree char *type = qv_xml_prop(node, "type");
    g_autofree char *uuid = qv_xml_prop(node, "uuid");
    g_autofree char *usage = qv_xml_prop(node, "usage");
    char canon[QV_UUID_STRING_LEN];

    if (!type)
        FAIL("%s: unknown volume encryption secret type: <encryption> <secret> needs type='passphrase'", ctx);
    if (strcmp(type, "passphrase") != 0)
        FAIL("%s: unknown volume encryption secret type %s (expected 'passphrase')", ctx, type);
    if (!uuid == !usage)
        FAIL("%s: <encryption> <secret> needs exactly one of uuid and usage", ctx);
    if (uuid && !qv_uuid_canonical(uuid, canon))
        FAIL("%s: invalid secret uuid '%s' in <encryption>: expected 32 hexadecimal digits as 8-4-4-4-12", ctx, uuid);
    if (usage && !*usage)
        FAIL("%s: empty secret usage in <encryption>", ctx);
    qv_encryption_add_secret(enc, uuid ? canon : NULL, usage);
    return true;
}

static bool
parse_cipher(xmlNodePtr node, QvEncryption *enc, const char *ctx, GError **error)
{
    g_autofree char *size = qv_xml_prop(node, "size");
    uint64_t v;

    if (enc->cipher_name)
        FAIL("%s: more than one <cipher> in <encryption>", ctx);
    if (!(enc->cipher_name = qv_xml_prop(node, "name")))
        FAIL("%s: cipher info missing 'name' attribute", ctx);
    if (!size)
        FAIL("%s: <cipher> has no size attribute (the key size in bits)", ctx);
    if (!qv_xml_parse_u64(size, G_MAXUINT, &v))
        FAIL("%s: invalid cipher size '%s': expected an unsigned integer", ctx, size);
    enc->cipher_size = (unsigned int)v;
    enc->cipher_mode = qv_xml_prop(node, "mode");
    enc->cipher_hash = qv_xml_prop(node, "hash");
    return true;
}

static bool
parse_ivgen(xmlNodePtr node, QvEncryption *enc, const char *ctx, GError **error)
{
    if (enc->ivgen_name)
        FAIL("%s: more than one <ivgen> in <encryption>", ctx);
    if (!(enc->ivgen_name = qv_xml_prop(node, "name")))
        FAIL("%s: missing ivgen info name string", ctx);
    enc->ivgen_hash = qv_xml_prop(node, "hash");
    return true;
}

bool
qv_encryption_xml_parse(xmlNodePtr node, QvEncryption **out, const char *ctx,
                        GError **error)
{
    g_autoptr(QvEncryption) enc = g_new0(QvEncryption, 1);
    g_autofree char *format = qv_xml_prop(node, "format");
    g_autofree char *engine = qv_xml_prop(node, "engine");
    xmlNodePtr ivgen = NULL;

    if (*out)
        FAIL("%s: more than one <encryption>", ctx);
    if (!format)
        FAIL("%s: unknown volume encryption format: <encryption> has no format attribute", ctx);
    if (!parse_format(format, &enc->format, ctx, "volume encryption format type", error))
        return false;
    if (engine && !parse_engine(engine, &enc->engine, ctx, "encryption engine", error))
        return false;
    for (xmlNodePtr c = qv_xml_element(node->children); c; c = qv_xml_element(c->next)) {
        bool ok;

        if (qv_xml_is(c, "secret"))
            ok = parse_secret(c, enc, ctx, error);
        else if (qv_xml_is(c, "cipher"))
            ok = parse_cipher(c, enc, ctx, error);
        else if (qv_xml_is(c, "ivgen"))
            ok = (ivgen = c, true);
        else
            FAIL("%s: unsupported element <%s> in <encryption>", ctx, (const char *)c->name);
        if (!ok)
            return false;
    }
    if (ivgen && !enc->cipher_name)
        FAIL("%s: ivgen element found, but cipher is missing", ctx);
    if (ivgen && !parse_ivgen(ivgen, enc, ctx, error))
        return false;
    *out = g_steal_pointer(&enc);
    return true;
}

bool
qv_disk_xml_parse_encryption(xmlNodePtr node, QvDiskDef *disk, const char *ctx,
                             GError **error)
{
    if (disk->src->enc)
        FAIL("%s: an <encryption> definition already found for disk source; give it once, in <source>", ctx);
    if (!disk->has_source || disk->src->type == QV_STORAGE_QUORUM)
        FAIL("%s: <encryption> needs a disk with a <source>", ctx);
    disk->enc_disk_level = true;
    return qv_encryption_xml_parse(node, &disk->src->enc, ctx, error);
}

/* ------------------------------------------------------------------ */
/* libvirt's rules                                                     */

typedef struct {
    const QvDiskDef *disk;
    GError **error;
} CheckCtx;

static bool
check_auth(const QvStorageSource *src, const char *label, GError **error)
{
    const char *want = NULL;

    if (!qv_source_has_auth(src) || src->type == QV_STORAGE_VOLUME)
        return true;
    if (src->type != QV_STORAGE_NETWORK)
        FAIL("%s: authentication is supported only for network backed disks", label);
    switch (src->protocol) {
    case QV_PROTO_ISCSI:
        want = "iscsi";
        break;
    case QV_PROTO_RBD:
        want = "ceph";
        break;
    case QV_PROTO_HTTP:
    case QV_PROTO_HTTPS:
    case QV_PROTO_FTP:
    case QV_PROTO_FTPS:
    case QV_PROTO_SSH:
        break;
    case QV_PROTO_NBD:
    case QV_PROTO_GLUSTER:
    case QV_PROTO_NFS:
        FAIL("%s: authentication is not supported for protocol '%s'; remove the <auth>",
             label, qv_protocol_to_string(src->protocol));
    case QV_PROTO_NONE:
    case QV_PROTO_LAST:
        break;
    }
    if (!src->secret_type)
        FAIL("%s: unknown secret type '<null>': give <secret type='%s'> in <auth>", label,
             want ? want : "iscsi");
    if (want && strcmp(src->secret_type, want) != 0)
        FAIL("%s: invalid secret type '%s': protocol '%s' takes a secret of type '%s'", label,
             src->secret_type, qv_protocol_to_string(src->protocol), want);
    return true;
}

static bool
check_one(QvStorageSource *src, size_t index, gssize parent, unsigned int depth,
          void *opaque)
{
    CheckCtx *c = opaque;
    GError **error = c->error;
    g_autofree char *label = depth == 0 ? g_strdup_printf("disk '%s'", c->disk->dst) :
                             g_strdup_printf("disk '%s': backingStore %u", c->disk->dst, depth);

    if (!check_auth(src, label, error))
        return false;
    if (!src->enc)
        return true;
    if (src->enc->format == QV_ENC_FORMAT_LUKS && src->enc->cipher_name)
        FAIL("%s: supplying <cipher> for domain disk definition is unnecessary; remove <cipher> and <ivgen> (QEMU reads them from the LUKS header)",
             label);
    if (c->disk->device == QV_DISK_DEVICE_LUN && src->enc->format != QV_ENC_FORMAT_DEFAULT)
        FAIL("%s: disk device 'lun' doesn't support encryption", label);
    return true;
}

bool
qv_disk_validate_secrets(const QvDiskDef *disk, GError **error)
{
    CheckCtx c = { disk, error };

    if (!disk->has_source)
        return true;
    return qv_source_walk(disk->src, check_one, &c);
}
