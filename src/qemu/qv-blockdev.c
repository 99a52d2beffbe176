/*
 * qv-blockdev: a disk's QEMU block graph as blockdev-add arguments (see
 * qv-blockdev.h for the node names).  This file owns the walk of the
 * chains and the JSON of every node; the command line and QMP callers
 * only pass the objects on.
 *
 * Why one blockdev-add per node, bottom-up.  Measured with QEMU 7.2 (TCG,
 * 2 cores, `-S -nodefaults -qmp stdio`, qmp_capabilities +
 * query-named-block-nodes + quit; qcow2 chains of empty 1 MiB images):
 *
 *                                         200 layers   1000 layers
 *   floor: top image only, QEMU opens       0.53-0.57 s  6.0-9.3 s
 *     the chain itself (no names below)
 *   (a) one -blockdev per node (2N),         0.53 s       5.6-7.9 s
 *     images with absolute backing names
 *   (a) same, relative backing names         4.8 s        > 600 s
 *   (d) one -blockdev per format node,       0.54 s       6.5-9.9 s
 *     protocol node inline (abs names)
 *   (d) same, relative backing names         5.3 s
 *   (b) one nested -blockdev per disk        6.6 s        refused: JSON
 *     ("backing" objects inline), relative               nesting > 1024
 *   (b) same, absolute backing names         2.1-2.5 s
 *   groups of 100 nested, abs names                       8.8 s
 * (1000-layer figures vary with the load other jobs put on the host; the
 * floor and (a) were always within 10% of each other in one run.)
 *
 * The per-node cost is not in blockdev-add itself: it is QEMU's
 * bdrv_refresh_filename().  When an image's backing string (as written in
 * its header, e.g. "base.qcow2") differs from the filename of the node
 * given as its backing ("/imgs/base.qcow2"), QEMU considers the backing
 * "overridden" and gives the node a json:{...} filename that embeds the
 * options of the whole chain below; every layer above then differs too,
 * so each refresh rebuilds O(depth) JSON for O(depth) nodes on each of the
 * O(depth) additions.  With absolute backing strings the names match and
 * explicit nodes cost no more than the floor.  Nesting (b) is slower in
 * every case (each level re-extracts its options from the flattened dict)
 * and JSON nesting is capped at 1024 (MAX_NESTING, qobject/json-parser.c),
 * so it cannot reach 5,000 layers; grouping nested objects does not remove
 * the refresh cost either.  Flat per-node objects have no depth limit, are
 * exactly what QMP blockdev-add takes for hotplug and block jobs, and the
 * command line stays small (about 200 bytes per node).  To reach the
 * floor, snapshots qvirt creates should write absolute backing names.
 *
 * A chain whose end is not known (backing_known false, e.g. a network
 * image that could not be read) gets no "backing" key at its last
 * element: QEMU then opens what the image names itself.  Writing null
 * there would silently cut the guest's view of its data.
 */
#include "qemu/qv-blockdev.h"
#include "qemu/qv-disk-props.h"

#include <string.h>

#include "conf/qv-domain-validate.h"
#include "qemu/qv-qemu-validate.h"
#include "qemu/qv-secret-objects.h"
#include "storage/qv-chain.h"
#include "util/qv-error.h"
#include "util/qv-json-build.h"
#include "util/qv-json.h"

typedef struct {
    const QvDiskDef *disk;
    json_object *list;       /* the result, in add order */
    const char *cwd;         /* QEMU's working folder, or NULL */
    const QvStorageSource *top;  /* the element the front end sees */
    const QvStorageSource *stop; /* an element QEMU has already, or NULL */
} QvBlockdevCtx;

static bool qv_blockdev_add_chain(QvBlockdevCtx *ctx,
                                  const QvStorageSource *top,
                                  bool top_readonly, GError **error);

char *
qv_blockdev_node_name(const char *dst, unsigned int index, bool format)
{
    return g_strdup_printf("%s-%c%u", dst, format ? 'f' : 's', index);
}

bool
qv_blockdev_disk_has_media(const QvDiskDef *disk)
{
    return disk->has_source && disk->src && disk->src->type != QV_STORAGE_NONE;
}

char *
qv_blockdev_top_node(const QvDiskDef *disk)
{
    if (!qv_blockdev_disk_has_media(disk))
        return NULL;
    if (disk->copy_on_read == QV_TRISTATE_ON)
        return g_strdup_printf("%s-cor", disk->dst);
    return qv_blockdev_node_name(disk->dst, disk->src->index, true);
}

GPtrArray *
qv_blockdev_node_names(json_object *props)
{
    GPtrArray *names = g_ptr_array_new();
    size_t i;

    for (i = 0; i < json_object_array_length(props); i++) {
        json_object *node = json_object_array_get_idx(props, i);
        json_object *nn = NULL;

        if (json_object_object_get_ex(node, "node-name", &nn))
            g_ptr_array_add(names, (gpointer)json_object_get_string(nn));
    }
    return names;
}

/* libvirt's cache modes as QEMU's cache.direct / cache.no-flush; false
 * for the default, which sets neither */
static bool
qv_blockdev_cache_flags(QvDiskCache cache, bool *direct, bool *no_flush)
{
    *direct = false;
    *no_flush = false;
    switch (cache) {
    case QV_CACHE_DEFAULT:
    case QV_CACHE_LAST:
        return false;
    case QV_CACHE_NONE:
    case QV_CACHE_DIRECTSYNC:
        *direct = true;
        break;
    case QV_CACHE_WRITETHROUGH:
    case QV_CACHE_WRITEBACK:
        break;
    case QV_CACHE_UNSAFE:
        *no_flush = true;
        break;
    }
    return true;
}

static const char *
qv_blockdev_discard_name(QvDiscard d)
{
    switch (d) {
    case QV_DISCARD_DEFAULT:
    case QV_DISCARD_LAST:
        return NULL;
    case QV_DISCARD_UNMAP:
        return "unmap";
    case QV_DISCARD_IGNORE:
        return "ignore";
    }
    return NULL;
}

static const char *
qv_blockdev_aio_name(QvDiskIo io)
{
    switch (io) {
    case QV_DISK_IO_DEFAULT:
    case QV_DISK_IO_LAST:
        return NULL;
    case QV_DISK_IO_NATIVE:
        return "native";
    case QV_DISK_IO_THREADS:
        return "threads";
    case QV_DISK_IO_URING:
        return "io_uring";
    }
    return NULL;
}

/* Options shared by both nodes of a layer: read-only, cache, discard */
static bool
qv_blockdev_add_common(json_object *obj, const QvDiskDef *disk,
                       bool readonly, bool top, GError **error)
{
    g_autoptr(json_object) cache = NULL;
    bool direct, no_flush;

    if (qv_blockdev_cache_flags(disk->cache, &direct, &no_flush) &&
        !(cache = qv_json_new(error, "b:direct", direct, "b:no-flush", no_flush, NULL)))
        return false;
    return qv_json_add(&obj, error,
                       "b:read-only", readonly,
                       "A:cache", &cache,
                       "S:discard", top ? qv_blockdev_discard_name(disk->discard) : NULL,
                       NULL);
}


/* ---- network protocol nodes ---- */

static char *
qv_blockdev_port(const QvStorageSource *src, const QvStorageHost *h)
{
    return g_strdup_printf("%u", h->port ? h->port : qv_protocol_default_port(src->protocol));
}

/* SocketAddress / InetSocketAddress: {type, host, port} or {type, path} */
static json_object *
qv_blockdev_net_server(const QvStorageSource *src, const QvStorageHost *h,
                       bool typed, GError **error)
{
    g_autofree char *port = NULL;

    if (h->transport == QV_TRANSPORT_UNIX)
        return qv_json_new(error, "s:type", "unix",
                           "s:path", h->socket ? h->socket : "", NULL);
    port = qv_blockdev_port(src, h);
    return qv_json_new(error, "S:type", typed ? "inet" : NULL,
                       "s:host", h->name ? h->name : "",
                       "s:port", port, NULL);
}

/* Every host of @src, as an array of servers */
static json_object *
qv_blockdev_net_servers(const QvStorageSource *src, bool typed,
                        GError **error)
{
    g_autoptr(json_object) servers = json_object_new_array();

    for (size_t i = 0; i < src->nhosts; i++) {
        json_object *server = qv_blockdev_net_server(src, &src->hosts[i], typed, error);

        if (!server)
            return NULL;
        json_object_array_add(servers, server);
    }
    return g_steal_pointer(&servers);
}

/*
 * The builders below run after qv_qemu_validate_protocol: hosts,
 * transports and names are as their protocol needs.  They fail only
 * when building the JSON does (or, a programming error, when the rules
 * were not applied first).
 */

static bool
qv_blockdev_unchecked(const QvStorageSource *src, GError **error)
{
    g_autofree char *what = qv_source_describe(src);

    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "network source '%s' reached the blockdev builder without passing the QEMU rules", what);
    return false;
}

static bool
qv_blockdev_net_iscsi(json_object *obj, const QvStorageSource *src,
                      GError **error)
{
    const char *name = src->path ? src->path : "";
    const char *slash = strrchr(name, '/');
    g_autofree char *target = slash ? g_strndup(name, slash - name) : g_strdup(name);
    g_autofree char *portal = NULL;
    g_autofree char *port = NULL;
    guint64 lun = 0;

    if (!qv_qemu_iscsi_lun(src, &lun))
        return qv_blockdev_unchecked(src, error);
    port = qv_blockdev_port(src, &src->hosts[0]);
    portal = g_strdup_printf(strchr(src->hosts[0].name, ':') ? "[%s]:%s" : "%s:%s",
                             src->hosts[0].name, port);
    return qv_json_add(&obj, error, "s:transport", "tcp", "s:portal", portal,
                       "s:target", target, "i:lun", (int)lun, NULL);
}

static bool
qv_blockdev_net_rbd(json_object *obj, const QvStorageSource *src,
                    GError **error)
{
    g_autofree char *pool = NULL;
    g_autofree char *image = NULL;
    g_autoptr(json_object) servers = NULL;
    char *ns;

    if (!qv_qemu_net_split_name(src, &pool, &image))
        return qv_blockdev_unchecked(src, error);
    if (!(servers = qv_blockdev_net_servers(src, false, error)))
        return false;
    /* "pool/namespace/image" */
    if ((ns = strchr(image, '/')))
        *ns++ = '\0';
    return qv_json_add(&obj, error,
                       "s:pool", pool,
                       "S:namespace", ns ? image : NULL,
                       "s:image", ns ? ns : image,
                       "S:snapshot", src->snapshot,
                       "S:conf", src->config,
                       "m:server", &servers,
                       NULL);
}

static bool
qv_blockdev_net_gluster(json_object *obj, const QvStorageSource *src,
                        GError **error)
{
    g_autofree char *volume = NULL;
    g_autofree char *path = NULL;
    g_autoptr(json_object) servers = NULL;

    if (!qv_qemu_net_split_name(src, &volume, &path))
        return qv_blockdev_unchecked(src, error);
    if (!(servers = qv_blockdev_net_servers(src, true, error)))
        return false;
    return qv_json_add(&obj, error, "s:volume", volume, "s:path", path,
                       "a:server", &servers, NULL);
}

static bool
qv_blockdev_net_curl(json_object *obj, const QvStorageSource *src,
                     GError **error)
{
    const QvStorageHost *h = &src->hosts[0];
    g_autoptr(GString) url = g_string_new(qv_protocol_to_string(src->protocol));
    const char *path = src->path ? src->path : "";

    g_string_append(url, "://");
    if (strchr(h->name, ':'))
        g_string_append_printf(url, "[%s]", h->name);
    else
        g_string_append(url, h->name);
    if (h->port)
        g_string_append_printf(url, ":%u", h->port);
    if (path[0] != '/')
        g_string_append_c(url, '/');
    g_string_append(url, path);
    if (src->query)
        g_string_append_printf(url, "?%s", src->query);
    return qv_json_add(&obj, error, "s:url", url->str, NULL);
}

static bool
qv_blockdev_net_nbd(json_object *obj, const QvStorageSource *src,
                    GError **error)
{
    g_autoptr(json_object) server = NULL;

    if (!(server = qv_blockdev_net_server(src, &src->hosts[0], true, error)))
        return false;
    return qv_json_add(&obj, error, "a:server", &server,
                       "S:export", src->path && src->path[0] ? src->path : NULL,
                       NULL);
}

static bool
qv_blockdev_net_ssh(json_object *obj, const QvStorageSource *src,
                    GError **error)
{
    g_autoptr(json_object) server = NULL;

    if (!(server = qv_blockdev_net_server(src, &src->hosts[0], false, error)))
        return false;
    return qv_json_add(&obj, error, "a:server", &server,
                       "s:path", src->path ? src->path : "",
                       "S:user", src->user, NULL);
}

static bool
qv_blockdev_net_nfs(json_object *obj, const QvStorageSource *src,
                    GError **error)
{
    g_autoptr(json_object) server = NULL;
    g_autoptr(json_object) user = NULL;
    guint64 uid;

    if (src->user) {
        /* QEMU's nfs "user" is a numeric uid */
        if (!qv_qemu_nfs_uid(src, &uid))
            return qv_blockdev_unchecked(src, error);
        user = json_object_new_int64((int64_t)uid);
    }
    if (!(server = qv_json_new(error, "s:type", "inet", "s:host", src->hosts[0].name, NULL)))
        return false;
    return qv_json_add(&obj, error, "a:server", &server,
                       "s:path", src->path ? src->path : "",
                       "A:user", &user, NULL);
}

static json_object *
qv_blockdev_net_props(const QvStorageSource *src, GError **error)
{
    g_autoptr(json_object) obj = NULL;
    bool ok = false;

    if (!(obj = qv_json_new(error, "s:driver", qv_protocol_to_string(src->protocol), NULL)))
        return NULL;
    switch (src->protocol) {
    case QV_PROTO_HTTP:
    case QV_PROTO_HTTPS:
    case QV_PROTO_FTP:
    case QV_PROTO_FTPS:
        ok = qv_blockdev_net_curl(obj, src, error);
        break;
    case QV_PROTO_NBD:
        ok = qv_blockdev_net_nbd(obj, src, error);
        break;
    case QV_PROTO_ISCSI:
        ok = qv_blockdev_net_iscsi(obj, src, error);
        break;
    case QV_PROTO_RBD:
        ok = qv_blockdev_net_rbd(obj, src, error);
        break;
    case QV_PROTO_GLUSTER:
        ok = qv_blockdev_net_gluster(obj, src, error);
        break;
    case QV_PROTO_SSH:
        ok = qv_blockdev_net_ssh(obj, src, error);
        break;
    case QV_PROTO_NFS:
        ok = qv_blockdev_net_nfs(obj, src, error);
        break;
    case QV_PROTO_NONE:
    case QV_PROTO_LAST:
        ok = qv_blockdev_unchecked(src, error);
        break;
    }
    ok = ok && qv_blockdev_net_opts(obj, src, error);
    return ok ? g_steal_pointer(&obj) : NULL;
}

/*
 * The folder a relative backing string of @src was resolved against (the
 * overlay's folder as it was named), or NULL when @src was not reached by
 * a relative string.
 */
static char *
qv_blockdev_rel_base(const QvStorageSource *src)
{
    size_t plen, rlen;

    if (!src->relpath || !src->path || src->relpath[0] == '/' ||
        (src->type != QV_STORAGE_FILE && src->type != QV_STORAGE_BLOCK))
        return NULL;
    plen = strlen(src->path);
    rlen = strlen(src->relpath);
    if (plen < rlen + 2 || strcmp(src->path + plen - rlen, src->relpath) != 0 ||
        src->path[plen - rlen - 1] != '/')
        return NULL;
    return g_strndup(src->path, plen - rlen - 1);
}

/*
 * The filename QEMU opens @src by: its backing string itself when it is
 * relative to @cwd, QEMU's working folder (see qv_blockdev_pick_cwd),
 * else the path.
 */
static const char *
qv_blockdev_filename(const QvStorageSource *src, const char *cwd)
{
    g_autofree char *base = cwd ? qv_blockdev_rel_base(src) : NULL;

    if (base && strcmp(base, cwd) == 0)
        return src->relpath;
    return src->path ? src->path : "";
}

/* The protocol node of a local or network element, without common keys */
static json_object *
qv_blockdev_protocol(const QvDiskDef *disk, const QvStorageSource *src,
                     const char *cwd, GError **error)
{
    const char *driver = "file";

    if (!qv_qemu_validate_protocol(disk, src, error))
        return NULL;
    switch (src->type) {
    case QV_STORAGE_FILE:
    case QV_STORAGE_BLOCK:
        if (src->type == QV_STORAGE_BLOCK)
            driver = disk->device == QV_DISK_DEVICE_CDROM ? "host_cdrom" : "host_device";
        return qv_json_new(error, "s:driver", driver,
                           "s:filename", qv_blockdev_filename(src, cwd),
                           "S:aio", qv_blockdev_aio_name(disk->io), NULL);
    case QV_STORAGE_NETWORK:
        return qv_blockdev_net_props(src, error);
    case QV_STORAGE_DIR:
        return qv_json_new(error, "s:driver", "vvfat", "s:dir", src->path ? src->path : "",
                           "b:floppy", disk->device == QV_DISK_DEVICE_FLOPPY,
                           "b:rw", false, NULL);
    case QV_STORAGE_NVME: {
        g_autofree char *pci = g_strdup_printf("%04x:%02x:%02x.%x", src->opts.pci_domain,
                                               src->opts.pci_bus, src->opts.pci_slot,
                                               src->opts.pci_function);

        return qv_json_new(error, "s:driver", "nvme", "s:device", pci,
                           "i:namespace", (int)src->opts.nvme_namespace, NULL);
    }
    case QV_STORAGE_VHOSTUSER:
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "disk '%s': qvirt cannot start a vhostuser disk yet: QEMU's vhost-user-blk-pci needs a chardev and shared guest memory, which qvirt does not set up", disk->dst);
        return NULL;
    case QV_STORAGE_VOLUME:
    case QV_STORAGE_NONE:
    case QV_STORAGE_QUORUM:
    case QV_STORAGE_LAST:
        break;
    }
    /* refused by qv_qemu_validate_protocol above */
    g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "disk '%s': a source of type '%s' reached the blockdev builder", disk->dst, qv_storage_type_to_string(src->type));
    return NULL;
}

const char *
qv_blockdev_format_driver(QvFormat f, bool *cow)
{
    *cow = false;
    switch (f) {
    case QV_FORMAT_RAW:
    case QV_FORMAT_ISO:
    case QV_FORMAT_FAT:      /* QEMU's vvfat protocol below a raw node */
        return "raw";
    case QV_FORMAT_QCOW:
    case QV_FORMAT_QCOW2:
    case QV_FORMAT_QED:
    case QV_FORMAT_VMDK:
        *cow = true;
        return qv_format_to_string(f);
    case QV_FORMAT_VDI:
    case QV_FORMAT_VPC:
    case QV_FORMAT_VHDX:
    case QV_FORMAT_BOCHS:
    case QV_FORMAT_CLOOP:
    case QV_FORMAT_DMG:
        return qv_format_to_string(f);
    case QV_FORMAT_VHD:
        return "vpc";
    case QV_FORMAT_PLOOP:
        return "parallels";
    case QV_FORMAT_LUKS:
        return "luks";
    case QV_FORMAT_NONE:
    case QV_FORMAT_LAST:
        break;
    }
    return NULL;
}

/*
 * The two nodes of chain element @src at @depth; @below names the format
 * node of the next element, or is NULL with @known_end telling whether
 * to write "backing": null (the chain ends here) or nothing (QEMU opens
 * what the image names).
 */
static bool
qv_blockdev_add_layer(QvBlockdevCtx *ctx, const QvStorageSource *src,
                      bool readonly, const char *below, bool known_end,
                      GError **error)
{
    const QvDiskDef *disk = ctx->disk;
    g_autofree char *pname = qv_blockdev_node_name(disk->dst, src->index, false);
    g_autofree char *fname = qv_blockdev_node_name(disk->dst, src->index, true);
    g_autoptr(json_object) proto = NULL;
    g_autoptr(json_object) fmt = NULL;
    bool cow;
    const char *drv = qv_blockdev_format_driver(src->format, &cow);
    bool top = src == ctx->top;
    bool auto_ro;

    if (!qv_qemu_validate_format(disk, src, below || src->nbacking > 0, error) ||
        !qv_qemu_validate_node_name(disk, fname, error))
        return false;

    /* a backing layer's file is opened as libvirt does: writable on
     * demand (auto-read-only) under a read-only format node, so that a
     * commit can reopen the format node read-write and write into it */
    auto_ro = readonly && !top && (src->type == QV_STORAGE_FILE || src->type == QV_STORAGE_BLOCK);
    if (!(proto = qv_blockdev_protocol(disk, src, ctx->cwd, error)) ||
        !qv_json_add(&proto, error, "s:node-name", pname, NULL) ||
        !qv_blockdev_add_common(proto, disk, readonly && !auto_ro, top, error) ||
        !qv_json_add(&proto, error, "B:auto-read-only", auto_ro, NULL))
        return false;

    if (!qv_json_add(&fmt, error, "s:driver", drv, "s:node-name", fname, NULL) ||
        !qv_blockdev_add_common(fmt, disk, readonly, top, error) ||
        !qv_json_add(&fmt, error,
                     "S:detect-zeroes", top ? qv_detect_zeroes_to_string(disk->detect_zeroes) : NULL,
                     "s:file", pname,
                     "S:backing", below,
                     NULL) ||
        !qv_blockdev_format_opts(fmt, disk, src, top, error))
        return false;
    if (!below && cow && known_end && !qv_json_add(&fmt, error, "n:backing", NULL))
        return false;
    if (!qv_qemu_secrets_blockdev(disk, src, proto, fmt, error))
        return false;

    json_object_array_add(ctx->list, g_steal_pointer(&proto));
    json_object_array_add(ctx->list, g_steal_pointer(&fmt));
    return true;
}

/* A quorum: its children's chains, then itself */
static bool
qv_blockdev_add_quorum(QvBlockdevCtx *ctx, const QvStorageSource *src,
                       bool readonly, GError **error)
{
    const QvDiskDef *disk = ctx->disk;
    g_autofree char *name = qv_blockdev_node_name(disk->dst, src->index, true);
    g_autoptr(json_object) children = json_object_new_array();
    json_object *obj;
    size_t i;

    for (i = 0; i < src->nbacking; i++) {
        g_autofree char *ctop = qv_blockdev_node_name(disk->dst, src->backing[i]->index, true);

        if (!qv_blockdev_add_chain(ctx, src->backing[i], readonly, error))
            return false;
        json_object_array_add(children, json_object_new_string(ctop));
    }
    if (!qv_qemu_validate_node_name(disk, name, error) ||
        !(obj = qv_json_new(error,
                            "s:driver", "quorum",
                            "s:node-name", name,
                            "b:read-only", readonly,
                            "i:vote-threshold", (int)src->threshold,
                            "S:read-pattern", qv_quorum_read_pattern_to_string(src->read_pattern),
                            "T:rewrite-corrupted", src->rewrite_corrupted,
                            "T:blkverify", src->blkverify,
                            "a:children", &children,
                            NULL)))
        return false;
    json_object_array_add(ctx->list, obj);
    return true;
}

/*
 * The chain from @top down, bottom-up.  Chains can be thousands deep, so
 * the elements are gathered in a loop; recursion only enters quorums.
 */
static bool
qv_blockdev_add_chain(QvBlockdevCtx *ctx, const QvStorageSource *top,
                      bool top_readonly, GError **error)
{
    g_autoptr(GPtrArray) elems = g_ptr_array_new();
    g_autofree char *stop_below = NULL;
    const QvStorageSource *cur = top;
    size_t d;

    for (;;) {
        g_ptr_array_add(elems, (gpointer)cur);
        if (cur->type == QV_STORAGE_QUORUM || cur->nbacking != 1)
            break;
        cur = cur->backing[0];
        /* the rest of the chain is in QEMU already: link to it */
        if (cur == ctx->stop) {
            stop_below = qv_blockdev_node_name(ctx->disk->dst, cur->index, true);
            break;
        }
    }
    for (d = elems->len; d-- > 0;) {
        const QvStorageSource *src = elems->pdata[d];
        bool ro = d > 0 || top_readonly || src->readonly;
        g_autofree char *below = NULL;

        if (src->type == QV_STORAGE_QUORUM) {
            if (!qv_blockdev_add_quorum(ctx, src, ro, error))
                return false;
            continue;
        }
        if (src->nbacking > 1) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "disk '%s': only a quorum can have several backing stores", ctx->disk->dst);
            return false;
        }
        if (d + 1 < elems->len)
            below = qv_blockdev_node_name(ctx->disk->dst,
                                          ((QvStorageSource *)elems->pdata[d + 1])->index, true);
        else if (stop_below)
            below = g_strdup(stop_below);
        if (!qv_blockdev_add_layer(ctx, src, ro, below,
                                   src->backing_known, error))
            return false;
    }
    return true;
}

/* Node names come from the indexes (qv_domain_assign_indexes): every
 * element must have one, distinct within the disk */
typedef struct {
    GHashTable *seen;
    unsigned int missing;        /* elements without an index */
    unsigned int repeated;       /* an index given twice, or 0 */
} IndexCheck;

static void
qv_blockdev_index_seen(const QvStorageSource *src, size_t i, gssize parent,
                       unsigned int depth, void *opaque)
{
    IndexCheck *c = opaque;

    if (src->index == 0)
        c->missing++;
    else if (!g_hash_table_add(c->seen, GUINT_TO_POINTER(src->index)) && !c->repeated)
        c->repeated = src->index;
}

static bool
qv_blockdev_check_indexes(const QvDiskDef *disk, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    IndexCheck c = { seen, 0, 0 };

    qv_chain_foreach(disk->src, qv_blockdev_index_seen, &c);
    if (c.missing)
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "disk '%s': an element of its chain has no index yet", disk->dst);
    else if (c.repeated)
        g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "disk '%s': index %u is given to two elements of its chain", disk->dst, c.repeated);
    return !c.missing && !c.repeated;
}

static bool
qv_blockdev_add_cor(QvBlockdevCtx *ctx, GError **error)
{
    g_autofree char *below = qv_blockdev_node_name(ctx->disk->dst, ctx->disk->src->index, true);
    g_autofree char *name = g_strdup_printf("%s-cor", ctx->disk->dst);
    json_object *obj = qv_json_new(error, "s:driver", "copy-on-read",
                                   "s:node-name", name, "s:file", below, NULL);

    if (!obj)
        return false;
    json_object_array_add(ctx->list, obj);
    return true;
}

/* Counts the folder a relative backing string of @src was resolved
 * against (qv_chain_foreach visitor) */
static void
qv_blockdev_count_base(const QvStorageSource *src, size_t i, gssize parent,
                       unsigned int depth, void *opaque)
{
    GHashTable *count = opaque;
    char *base = qv_blockdev_rel_base(src);

    if (base) {
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(count, base));

        g_hash_table_insert(count, base, GUINT_TO_POINTER(n + 1));
    }
}

char *
qv_blockdev_pick_cwd(const QvDomainDef *def)
{
    g_autoptr(GHashTable) count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter it;
    gpointer key, val;
    const char *best = NULL;
    guint most = 0;

    for (size_t i = 0; i < def->ndisks; i++) {
        if (qv_blockdev_disk_has_media(def->disks[i]))
            qv_chain_foreach(def->disks[i]->src, qv_blockdev_count_base, count);
    }
    g_hash_table_iter_init(&it, count);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        /* the smaller name on a tie, so that the choice is stable */
        if (GPOINTER_TO_UINT(val) > most ||
            (GPOINTER_TO_UINT(val) == most && best && strcmp(key, best) < 0)) {
            most = GPOINTER_TO_UINT(val);
            best = key;
        }
    }
    return best && best[0] == '/' ? g_strdup(best) : NULL;
}

json_object *
qv_blockdev_props(const QvDiskDef *disk, GError **error)
{
    return qv_blockdev_props_cwd(disk, NULL, error);
}

json_object *
qv_blockdev_props_cwd(const QvDiskDef *disk, const char *cwd, GError **error)
{
    g_autoptr(json_object) list = json_object_new_array();
    QvBlockdevCtx ctx = { disk, list, cwd, disk->src, NULL };
    bool ro = disk->readonly || disk->device == QV_DISK_DEVICE_CDROM;
    g_autofree char *label = NULL;

    if (!qv_blockdev_disk_has_media(disk))
        return g_steal_pointer(&list);
    if (!disk->dst) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "a disk has no target name: node names are built from it");
        return NULL;
    }
    label = qv_disk_label(disk, 0);
    if (!qv_qemu_validate_disk_options(disk, error) ||
        !qv_quorum_validate(disk->src, label, error))
        return NULL;
    if (!qv_blockdev_check_indexes(disk, error) ||
        !qv_blockdev_add_chain(&ctx, disk->src, ro, error))
        return NULL;
    if (disk->copy_on_read == QV_TRISTATE_ON && !qv_blockdev_add_cor(&ctx, error))
        return NULL;
    return g_steal_pointer(&list);
}

json_object *
qv_blockdev_chain_props(const QvDiskDef *disk, const QvStorageSource *top,
                        const QvStorageSource *stop, const char *cwd,
                        GError **error)
{
    g_autoptr(json_object) list = json_object_new_array();
    QvBlockdevCtx ctx = { disk, list, cwd, top, stop };

    if (!qv_blockdev_add_chain(&ctx, top, false, error))
        return NULL;
    return g_steal_pointer(&list);
}

typedef struct {
    const QvDiskDef *disk;
    const QvStorageSource *stop;
    json_object *names;
    gssize skip_depth;           /* inside @stop's subtree below this depth, or -1 */
} DelList;

/* The walk is depth first, so @stop's subtree is the run of elements
 * after it that lie deeper */
static void
qv_blockdev_del_visit(const QvStorageSource *src, size_t i, gssize parent,
                      unsigned int depth, void *opaque)
{
    DelList *d = opaque;
    g_autofree char *f = NULL, *p = NULL;

    if (d->skip_depth >= 0 && (gssize)depth > d->skip_depth)
        return;
    d->skip_depth = -1;
    if (src == d->stop) {
        d->skip_depth = depth;
        return;
    }
    f = qv_blockdev_node_name(d->disk->dst, src->index, true);
    json_object_array_add(d->names, json_object_new_string(f));
    if (src->type != QV_STORAGE_QUORUM) {
        p = qv_blockdev_node_name(d->disk->dst, src->index, false);
        json_object_array_add(d->names, json_object_new_string(p));
    }
}

json_object *
qv_blockdev_del_list(const QvDiskDef *disk, const QvStorageSource *top,
                     const QvStorageSource *stop)
{
    DelList d = { disk, stop, json_object_new_array(), -1 };

    qv_chain_foreach(top, qv_blockdev_del_visit, &d);
    return d.names;
}
