/*
 * qv-qemu-validate: the QEMU rules of a definition (see the header).
 *
 * This file owns the rules and their messages; the builders own the JSON
 * and call these first, so that after a rule passed building cannot fail
 * for that reason.  The walk of qv_qemu_validate_def visits the disks in
 * the order start does (every front end, then each disk's graph bottom-up,
 * a quorum after its children), so that a definition breaking several
 * rules is refused for the same one at define and at start.
 */
#include "qemu/qv-qemu-validate.h"
#include "qemu/qv-secret-objects.h"

#include <string.h>

#include "conf/qv-domain-validate.h"
#include "qemu/qv-blockdev.h"
#include "qemu/qv-command.h"
#include "qemu/qv-qemu-validate-disk.h"
#include "storage/qv-chain.h"
#include "util/qv-error.h"

/* ---- front ends ---- */

bool
qv_qemu_validate_frontend(const QvDomainDef *def, const QvDiskDef *disk,
                          GError **error)
{
    const char *model = qv_qemu_device_model(disk);
    int idx = qv_qemu_disk_index(disk->dst);
    int slots = qv_qemu_bus_slots(disk->bus, qv_qemu_machine_is_q35(def));
    bool removable = disk->device == QV_DISK_DEVICE_CDROM ||
                     disk->device == QV_DISK_DEVICE_FLOPPY;
    g_autofree char *label = g_strdup_printf("disk '%s'", disk->dst);

    if (!qv_qemu_validate_disk_early(disk, error))
        return false;
    if (!model) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': device '%s' on bus '%s' is not supported", disk->dst, qv_disk_device_to_string(disk->device), disk->bus ? qv_disk_bus_to_string(disk->bus) : "none");
        return false;
    }
    if (idx < 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': the target name does not give a position on the bus (expected e.g. 'vda', 'sdb', 'hdc', 'fda')", disk->dst);
        return false;
    }
    if (!removable && !qv_blockdev_disk_has_media(disk)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': only a cdrom or floppy can be empty", disk->dst);
        return false;
    }
    if (!qv_disk_validate_lun(disk, label, error))
        return false;
    if (disk->serial && disk->bus == QV_DISK_BUS_FDC) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': a floppy has no serial number", disk->dst);
        return false;
    }
    if (slots > 0 && idx >= slots) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': target '%s' is beyond the %d devices of bus '%s'", disk->dst, disk->dst, slots, qv_disk_bus_to_string(disk->bus));
        return false;
    }
    return qv_qemu_validate_disk_settings(def, disk, error);
}

/* ---- block graph ---- */

bool
qv_qemu_validate_disk_options(const QvDiskDef *disk, GError **error)
{
    bool direct = disk->cache == QV_CACHE_NONE || disk->cache == QV_CACHE_DIRECTSYNC;

    if (disk->io == QV_DISK_IO_NATIVE && !direct) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': io='native' needs cache='none' or cache='directsync'", disk->dst);
        return false;
    }
    if (disk->detect_zeroes == QV_DETECT_ZEROES_UNMAP &&
        disk->discard != QV_DISCARD_UNMAP) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': detect_zeroes='unmap' needs discard='unmap'", disk->dst);
        return false;
    }
    return true;
}

bool
qv_qemu_validate_format(const QvDiskDef *disk, const QvStorageSource *src,
                        bool has_backing, GError **error)
{
    bool cow;
    g_autofree char *what = NULL;

    if (!qv_blockdev_format_driver(src->format, &cow)) {
        what = qv_source_describe(src);
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': the format of '%s' is not known; give it with <format type=...> (qvirt never lets QEMU probe)", disk->dst, what);
        return false;
    }
    if (!cow && has_backing) {
        what = qv_source_describe(src);
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': '%s' has format '%s', which cannot have a backing store", disk->dst, what, qv_format_to_string(src->format));
        return false;
    }
    return true;
}

bool
qv_qemu_validate_node_name(const QvDiskDef *disk, const char *name,
                           GError **error)
{
    const char *p;

    if (strlen(name) > QV_BLOCKDEV_NODE_NAME_MAX) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': node name '%s' is longer than QEMU's limit of %d characters; use a shorter target name", disk->dst, name, QV_BLOCKDEV_NODE_NAME_MAX);
        return false;
    }
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-_.", *p)) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': target name gives the invalid node name '%s': only letters, digits, '-', '_' and '.' are allowed", disk->dst, name);
            return false;
        }
    }
    return true;
}

/* ---- network sources ---- */

bool
qv_qemu_net_split_name(const QvStorageSource *src, char **first, char **rest)
{
    const char *name = src->path ? src->path : "";
    const char *slash;

    while (*name == '/')
        name++;
    slash = strchr(name, '/');
    if (!slash || slash == name || !slash[1])
        return false;
    *first = g_strndup(name, slash - name);
    *rest = g_strdup(slash + 1);
    return true;
}

bool
qv_qemu_iscsi_lun(const QvStorageSource *src, guint64 *lun)
{
    const char *slash = src->path ? strrchr(src->path, '/') : NULL;

    *lun = 0;
    return !slash || g_ascii_string_to_unsigned(slash + 1, 10, 0, 255, lun, NULL);
}

bool
qv_qemu_nfs_uid(const QvStorageSource *src, guint64 *uid)
{
    return g_ascii_string_to_unsigned(src->user, 10, 0, G_MAXINT32, uid, NULL);
}

static bool
net_need_hosts(const QvDiskDef *disk, const QvStorageSource *src,
               size_t min, bool unix_ok, GError **error)
{
    if (src->nhosts < min) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': a %s source needs a <host>", disk->dst, qv_protocol_to_string(src->protocol));
        return false;
    }
    for (size_t i = 0; i < src->nhosts; i++) {
        QvTransport t = src->hosts[i].transport;

        if (t == QV_TRANSPORT_RDMA || (t == QV_TRANSPORT_UNIX && !unix_ok)) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': transport '%s' is not supported for protocol '%s'", disk->dst, qv_transport_to_string(t), qv_protocol_to_string(src->protocol));
            return false;
        }
    }
    return true;
}

static bool
net_need_split(const QvDiskDef *disk, const QvStorageSource *src,
               const char *what, GError **error)
{
    g_autofree char *first = NULL;
    g_autofree char *rest = NULL;

    if (!qv_qemu_net_split_name(src, &first, &rest)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': %s source name '%s' must be '%s'", disk->dst, qv_protocol_to_string(src->protocol), src->path ? src->path : "", what);
        return false;
    }
    return true;
}

static bool
validate_network(const QvDiskDef *disk, const QvStorageSource *src,
                 GError **error)
{
    guint64 n;

    switch (src->protocol) {
    case QV_PROTO_HTTP:
    case QV_PROTO_HTTPS:
    case QV_PROTO_FTP:
    case QV_PROTO_FTPS:
    case QV_PROTO_SSH:
        return net_need_hosts(disk, src, 1, false, error);
    case QV_PROTO_NBD:
        return net_need_hosts(disk, src, 1, true, error);
    case QV_PROTO_ISCSI:
        if (!net_need_hosts(disk, src, 1, false, error))
            return false;
        if (!qv_qemu_iscsi_lun(src, &n)) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': iscsi source name '%s' must be 'IQN/LUN' with a LUN from 0 to 255", disk->dst, src->path);
            return false;
        }
        return true;
    case QV_PROTO_RBD:
        return net_need_hosts(disk, src, 0, false, error) &&
               net_need_split(disk, src, "pool/image", error);
    case QV_PROTO_GLUSTER:
        return net_need_hosts(disk, src, 1, true, error) &&
               net_need_split(disk, src, "volume/path", error);
    case QV_PROTO_NFS:
        if (!net_need_hosts(disk, src, 1, false, error))
            return false;
        if (src->user && !qv_qemu_nfs_uid(src, &n)) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': nfs user '%s' must be a numeric uid", disk->dst, src->user);
            return false;
        }
        return true;
    case QV_PROTO_NONE:
    case QV_PROTO_LAST:
        break;
    }
    g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': network source without a protocol", disk->dst);
    return false;
}

bool
qv_qemu_validate_protocol(const QvDiskDef *disk, const QvStorageSource *src,
                          GError **error)
{
    if (!qv_qemu_validate_source_settings(disk, src, error))
        return false;
    switch (src->type) {
    case QV_STORAGE_FILE:
    case QV_STORAGE_BLOCK:
    case QV_STORAGE_DIR:         /* QEMU's vvfat */
    case QV_STORAGE_NVME:
        return true;
    case QV_STORAGE_VHOSTUSER:
        /* kept, and define says it is not applied; start refuses it
         * (qv_blockdev_protocol) */
        return true;
    case QV_STORAGE_NETWORK:
        return validate_network(disk, src, error);
    case QV_STORAGE_VOLUME:
    case QV_STORAGE_NONE:
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_LAST:
        break;
    }
    g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': a source of type '%s' cannot be opened by QEMU's blockdev; resolve it to a file, block device or network source first", disk->dst, qv_storage_type_to_string(src->type));
    return false;
}

/* ---- the whole definition ---- */

typedef struct {
    const QvDiskDef *disk;
    GHashTable *index;           /* element -> the index start gives it */
    unsigned int next;
} ValidateCtx;

/* qv_domain_assign_indexes(def, true) without writing: top-down, from 1,
 * across the disks that have media */
static void
index_count(const QvStorageSource *src, size_t i, gssize parent,
            unsigned int depth, void *opaque)
{
    ValidateCtx *ctx = opaque;

    g_hash_table_insert(ctx->index, (gpointer)src, GUINT_TO_POINTER(++ctx->next));
}

static bool
validate_name(ValidateCtx *ctx, const QvStorageSource *src, GError **error)
{
    unsigned int index = GPOINTER_TO_UINT(g_hash_table_lookup(ctx->index, src));
    g_autofree char *name = qv_blockdev_node_name(ctx->disk->dst, index, true);

    return qv_qemu_validate_node_name(ctx->disk, name, error);
}

/*
 * The chain from @top as qv-blockdev walks it: elements gathered in a
 * loop (chains can be thousands deep), checked bottom-up, recursion only
 * into quorums.  @given: the chain below @top is in the XML; when not,
 * start reads it from the images, and a local top without a format is
 * opened as raw (qv_disks_prepare), so only the rest of its rules apply.
 */
static bool
validate_chain(ValidateCtx *ctx, const QvStorageSource *top, bool given,
               GError **error)
{
    g_autoptr(GPtrArray) elems = g_ptr_array_new();
    const QvStorageSource *cur = top;

    for (;;) {
        g_ptr_array_add(elems, (gpointer)cur);
        if (cur->type == QV_STORAGE_QUORUM || cur->nbacking != 1)
            break;
        cur = cur->backing[0];
    }
    for (size_t d = elems->len; d-- > 0;) {
        const QvStorageSource *src = elems->pdata[d];
        /* a top without a format is raw at start, as in libvirt
         * (qv_disks_prepare); only a layer below needs one */
        bool resolved = src->format == QV_FORMAT_NONE &&
                        ((!given && qv_source_is_local(src) && src->path) ||
                         (src == ctx->disk->src && src->type == QV_STORAGE_NETWORK));

        if (src->type == QV_STORAGE_QUORUM) {
            for (size_t i = 0; i < src->nbacking; i++) {
                const QvStorageSource *child = src->backing[i];

                if (!validate_chain(ctx, child,
                                    child->nbacking > 0 || child->backing_known,
                                    error))
                    return false;
            }
            if (!validate_name(ctx, src, error))
                return false;
            continue;
        }
        if ((!resolved &&
             !qv_qemu_validate_format(ctx->disk, src, src->nbacking > 0, error)) ||
            !validate_name(ctx, src, error) ||
            !qv_qemu_validate_protocol(ctx->disk, src, error) ||
            !qv_qemu_validate_secrets(ctx->disk, src, error))
            return false;
    }
    return true;
}

bool
qv_qemu_validate_def(const QvDomainDef *def, GError **error)
{
    g_autoptr(GHashTable) index = g_hash_table_new(g_direct_hash, g_direct_equal);
    ValidateCtx ctx = { NULL, index, 0 };

    /* start checks every front end before it builds a block graph */
    for (size_t i = 0; i < def->ndisks; i++) {
        if (!qv_qemu_validate_frontend(def, def->disks[i], error))
            return false;
    }
    for (size_t i = 0; i < def->ndisks; i++) {
        const QvDiskDef *disk = def->disks[i];

        if (disk->src && disk->src->type != QV_STORAGE_NONE)
            qv_chain_foreach(disk->src, index_count, &ctx);
    }
    for (size_t i = 0; i < def->ndisks; i++) {
        ctx.disk = def->disks[i];
        if (!qv_blockdev_disk_has_media(ctx.disk))
            continue;
        if (!qv_qemu_validate_disk_options(ctx.disk, error) ||
            !validate_chain(&ctx, ctx.disk->src, ctx.disk->chain_given, error))
            return false;
    }
    return true;
}
