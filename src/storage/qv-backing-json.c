/*
 * qv-backing-json: the "json:{...}" pseudo-protocol of backing strings.
 *
 * The text after "json:" holds QEMU blockdev options for the backing
 * node, nested ({"file": {"driver": "nbd", ...}}) or flattened with
 * dotted keys ({"file.driver": "nbd"}), which QEMU treats alike; both
 * are expanded into one nested object first.  The top level is either
 * a format driver over a "file" child (its name goes to ->format), a
 * bare {"file": {...}} (format left to probing), or a protocol driver.
 * Field names follow QEMU's qapi/block-core.json (BlockdevOptions*),
 * with the legacy spellings QEMU and libvirt still accept.
 */
#include "storage/qv-backing-json.h"

#include "util/qv-error.h"
#include "util/qv-json.h"
#include "util/qv-uri.h"

#include <string.h>

typedef struct _JsonDriver JsonDriver;

struct _JsonDriver {
    const char *name;
    QvStorageType type;         /* FILE, BLOCK or NETWORK */
    QvNetProtocol protocol;
    QvStorageSource *(*parse)(json_object *obj, const JsonDriver *drv,
                              const char *parent, GError **error);
};

/* {"host": H, "port": P} (InetSocketAddress); port is a string or number */
static bool
json_add_inet(QvStorageSource *src, json_object *srv, GError **error)
{
    const char *host = NULL;
    g_autofree char *port = NULL;
    unsigned int p = 0;

    if (!qv_json_require_string(srv, "host", &host, error) ||
        !qv_json_get_scalar(srv, "port", &port, error))
        return false;
    if (!*host) {
        qv_backing_fail(error, "empty 'host'");
        return false;
    }
    if (port && !qv_uri_parse_port(port, &p, error))
        return false;
    qv_source_add_host(src, host, p, QV_TRANSPORT_TCP, NULL);
    return true;
}

/* A SocketAddress: {"type": "inet"|"tcp", "host", "port"} or {"type":
 * "unix", "path"} ("socket" in old gluster), also the legacy form with
 * the fields under "data".  A missing type is inferred from the fields. */
static bool
json_add_server(QvStorageSource *src, json_object *srv, GError **error)
{
    const char *type = NULL;
    const char *path = NULL;
    json_object *data = NULL;

    if (!json_object_is_type(srv, json_type_object)) {
        qv_backing_fail(error, "a server must be an object");
        return false;
    }
    if (!qv_json_get_string(srv, "type", &type, error) ||
        !qv_json_get_object(srv, "data", &data, error))
        return false;
    if (data)
        srv = data;
    if (!qv_json_get_string(srv, "path", &path, error) ||
        (!path && !qv_json_get_string(srv, "socket", &path, error)))
        return false;
    if (!type)
        type = path ? "unix" : "inet";

    if (strcmp(type, "inet") == 0 || strcmp(type, "tcp") == 0)
        return json_add_inet(src, srv, error);
    if (strcmp(type, "unix") != 0) {
        qv_backing_fail(error, "unsupported server type '%s'", type);
        return false;
    }
    if (!path || !*path) {
        qv_backing_fail(error, "missing 'path' of the unix socket");
        return false;
    }
    qv_source_add_host(src, NULL, 0, QV_TRANSPORT_UNIX, path);
    return true;
}

/* "server": [ {...}, ... ] with at least @min entries */
static bool
json_add_server_list(QvStorageSource *src, json_object *obj, size_t min,
                     bool inet_only, GError **error)
{
    json_object *list = NULL;
    size_t n;

    if (!qv_json_get_array(obj, "server", &list, error))
        return false;
    n = list ? json_object_array_length(list) : 0;
    if (n < min) {
        qv_backing_fail(error, "'server' must list at least %zu server(s)",
                        min);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *srv = json_object_array_get_idx(list, i);

        if (inet_only && !json_object_is_type(srv, json_type_object)) {
            qv_backing_fail(error, "a server must be an object");
            return false;
        }
        if (!(inet_only ? json_add_inet(src, srv, error)
                        : json_add_server(src, srv, error)))
            return false;
    }
    return true;
}

static QvStorageSource *
network_source(const JsonDriver *drv)
{
    QvStorageSource *src = qv_source_new(QV_STORAGE_NETWORK);

    src->protocol = drv->protocol;
    return src;
}

/* file, host_device, host_cdrom: {"filename": PATH} */
static QvStorageSource *
json_parse_local(json_object *obj, const JsonDriver *drv, const char *parent,
                 GError **error)
{
    g_autoptr(QvStorageSource) src = qv_source_new(drv->type);
    const char *filename = NULL;

    if (!qv_json_require_string(obj, "filename", &filename, error))
        return NULL;
    if (!*filename)
        return qv_backing_fail(error, "empty 'filename'");
    if (!(src->path = qv_backing_local_path(filename, parent, error)))
        return NULL;
    if (filename[0] != '/')
        src->relpath = g_strdup(filename);
    return g_steal_pointer(&src);
}

/* nbd: "server" (SocketAddress) and "export"; or the legacy "host",
 * "port", "path" keys, which QEMU refuses to mix with "server" */
static QvStorageSource *
json_parse_nbd(json_object *obj, const JsonDriver *drv,
               const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvStorageSource) src = network_source(drv);
    json_object *server = NULL;
    const char *host = NULL;
    const char *path = NULL;
    const char *export = NULL;

    if (!qv_json_get_object(obj, "server", &server, error) ||
        !qv_json_get_string(obj, "host", &host, error) ||
        !qv_json_get_string(obj, "path", &path, error) ||
        !qv_json_get_string(obj, "export", &export, error))
        return NULL;

    if (server && (host || path))
        return qv_backing_fail(error, "'server' cannot be combined with the legacy 'host' or 'path'");
    if (server) {
        if (!json_add_server(src, server, error))
            return NULL;
    } else if (path) {
        if (!json_add_server(src, obj, error))
            return NULL;
    } else if (host) {
        if (!json_add_inet(src, obj, error))
            return NULL;
    } else {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE, "missing 'server'");
        return NULL;
    }
    if (export && *export)
        src->path = g_strdup(export);
    return g_steal_pointer(&src);
}

/* iscsi: transport (tcp|iser), portal "host[:port]", target, lun, user */
static QvStorageSource *
json_parse_iscsi(json_object *obj, const JsonDriver *drv,
                 const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvStorageSource) src = network_source(drv);
    g_autofree char *host = NULL;
    const char *transport = NULL;
    const char *portal = NULL;
    const char *target = NULL;
    const char *user = NULL;
    QvTransport tr = QV_TRANSPORT_TCP;
    unsigned int port;
    uint64_t lun = 0;
    bool found;

    if (!qv_json_get_string(obj, "transport", &transport, error) ||
        !qv_json_require_string(obj, "portal", &portal, error) ||
        !qv_json_require_string(obj, "target", &target, error) ||
        !qv_json_get_string(obj, "user", &user, error) ||
        !qv_json_get_uint64(obj, "lun", &lun, &found, error))
        return NULL;

    if (transport && strcmp(transport, "iser") == 0) {
        tr = QV_TRANSPORT_RDMA;
    } else if (transport && strcmp(transport, "tcp") != 0)
        return qv_backing_fail(error, "unsupported transport '%s'", transport);
    if (!*target)
        return qv_backing_fail(error, "empty 'target'");
    if (lun > G_MAXINT)
        return qv_backing_fail(error, "invalid LUN %" G_GUINT64_FORMAT, lun);
    if (!qv_uri_parse_host_port(portal, false, &host, &port, error))
        return NULL;
    qv_source_add_host(src, host, port, tr, NULL);
    src->path = g_strdup_printf("%s/%" G_GUINT64_FORMAT, target, lun);
    src->user = g_strdup(user && *user ? user : NULL);
    return g_steal_pointer(&src);
}

/* rbd: pool, [namespace], image, snapshot, conf, user, server [{host, port}] */
static QvStorageSource *
json_parse_rbd(json_object *obj, const JsonDriver *drv,
               const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvStorageSource) src = network_source(drv);
    const char *pool = NULL;
    const char *ns = NULL;
    const char *image = NULL;
    const char *snapshot = NULL;
    const char *conf = NULL;
    const char *user = NULL;

    if (!qv_json_require_string(obj, "pool", &pool, error) ||
        !qv_json_get_string(obj, "namespace", &ns, error) ||
        !qv_json_require_string(obj, "image", &image, error) ||
        !qv_json_get_string(obj, "snapshot", &snapshot, error) ||
        !qv_json_get_string(obj, "conf", &conf, error) ||
        !qv_json_get_string(obj, "user", &user, error) ||
        !json_add_server_list(src, obj, 0, true, error))
        return NULL;
    if (!*pool || !*image)
        return qv_backing_fail(error, "empty 'pool' or 'image'");
    src->path = ns && *ns ? g_strdup_printf("%s/%s/%s", pool, ns, image)
                          : g_strdup_printf("%s/%s", pool, image);
    src->snapshot = g_strdup(snapshot);
    src->config = g_strdup(conf);
    src->user = g_strdup(user);
    return g_steal_pointer(&src);
}

/* gluster: volume, path, server [SocketAddress...]; path is "VOLUME/PATH"
 * as for gluster:// URIs */
static QvStorageSource *
json_parse_gluster(json_object *obj, const JsonDriver *drv,
                   const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvStorageSource) src = network_source(drv);
    const char *volume = NULL;
    const char *path = NULL;

    if (!qv_json_require_string(obj, "volume", &volume, error) ||
        !qv_json_require_string(obj, "path", &path, error) ||
        !json_add_server_list(src, obj, 1, false, error))
        return NULL;
    path += strspn(path, "/");
    if (!*volume || strchr(volume, '/') || !*path)
        return qv_backing_fail(error, "invalid 'volume' or 'path'");
    src->path = g_strdup_printf("%s/%s", volume, path);
    return g_steal_pointer(&src);
}

/* http, https, ftp, ftps: everything is in "url" */
static QvStorageSource *
json_parse_curl(json_object *obj, const JsonDriver *drv,
                const char *parent G_GNUC_UNUSED, GError **error)
{
    const char *url = NULL;

    if (!qv_json_require_string(obj, "url", &url, error))
        return NULL;
    return qv_backing_parse_network(url, drv->protocol, error);
}

/* ssh: server {host, port} (or legacy "host"/"port"), path, user */
static QvStorageSource *
json_parse_ssh(json_object *obj, const JsonDriver *drv,
               const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvStorageSource) src = network_source(drv);
    json_object *server = NULL;
    const char *path = NULL;
    const char *user = NULL;

    if (!qv_json_get_object(obj, "server", &server, error) ||
        !qv_json_require_string(obj, "path", &path, error) ||
        !qv_json_get_string(obj, "user", &user, error))
        return NULL;
    if (!json_add_inet(src, server ? server : obj, error))
        return NULL;
    if (!*path)
        return qv_backing_fail(error, "empty 'path'");
    src->path = g_strdup(path);
    src->user = g_strdup(user);
    return g_steal_pointer(&src);
}

/* nfs: server {type: inet, host}, path, user (a uid) */
static QvStorageSource *
json_parse_nfs(json_object *obj, const JsonDriver *drv,
               const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvStorageSource) src = network_source(drv);
    json_object *server = NULL;
    const char *type = NULL;
    const char *path = NULL;
    uint64_t uid = 0;
    bool has_uid;

    if (!qv_json_get_object(obj, "server", &server, error) ||
        !qv_json_require_string(obj, "path", &path, error) ||
        !qv_json_get_uint64(obj, "user", &uid, &has_uid, error))
        return NULL;
    if (!server)
        return qv_backing_fail(error, "missing 'server'");
    if (!qv_json_get_string(server, "type", &type, error))
        return NULL;
    if (type && strcmp(type, "inet") != 0)
        return qv_backing_fail(error, "unsupported server type '%s'", type);
    if (!json_add_inet(src, server, error))
        return NULL;
    if (!*path)
        return qv_backing_fail(error, "empty 'path'");
    src->path = g_strdup(path);
    if (has_uid)
        src->user = g_strdup_printf("%" G_GUINT64_FORMAT, uid);
    return g_steal_pointer(&src);
}

static const JsonDriver json_drivers[] = {
    { "file", QV_STORAGE_FILE, QV_PROTO_NONE, json_parse_local },
    { "host_device", QV_STORAGE_BLOCK, QV_PROTO_NONE, json_parse_local },
    { "host_cdrom", QV_STORAGE_BLOCK, QV_PROTO_NONE, json_parse_local },
    { "nbd", QV_STORAGE_NETWORK, QV_PROTO_NBD, json_parse_nbd },
    { "iscsi", QV_STORAGE_NETWORK, QV_PROTO_ISCSI, json_parse_iscsi },
    { "rbd", QV_STORAGE_NETWORK, QV_PROTO_RBD, json_parse_rbd },
    { "gluster", QV_STORAGE_NETWORK, QV_PROTO_GLUSTER, json_parse_gluster },
    { "http", QV_STORAGE_NETWORK, QV_PROTO_HTTP, json_parse_curl },
    { "https", QV_STORAGE_NETWORK, QV_PROTO_HTTPS, json_parse_curl },
    { "ftp", QV_STORAGE_NETWORK, QV_PROTO_FTP, json_parse_curl },
    { "ftps", QV_STORAGE_NETWORK, QV_PROTO_FTPS, json_parse_curl },
    { "ssh", QV_STORAGE_NETWORK, QV_PROTO_SSH, json_parse_ssh },
    { "nfs", QV_STORAGE_NETWORK, QV_PROTO_NFS, json_parse_nfs },
};

/* QEMU drivers that are valid here but that qvirt does not model */
static const char *const json_unsupported[] = {
    "quorum", "throttle", "blkdebug", "blkverify", "blklogwrites",
    "copy-on-read", "compress", "preallocate", "replication", "snapshot-access",
    "null-co", "null-aio", "nvme", "vvfat", "sheepdog", "vxhs", "parallels",
    "bochs", "cloop", "dmg", "vhdx-log", "virtio-blk-vfio-pci",
    "virtio-blk-vhost-user", "virtio-blk-vhost-vdpa",
};

/* A format driver QEMU knows by qvirt's name for it */
static QvFormat
json_format(const char *driver)
{
    int f = qv_format_from_string(driver);

    if (f <= QV_FORMAT_NONE || f == QV_FORMAT_ISO)
        return QV_FORMAT_NONE;
    return (QvFormat)f;
}

static QvStorageSource *
json_parse_protocol(json_object *obj, const char *parent, GError **error)
{
    const char *driver = NULL;
    const char *filename = NULL;

    if (!qv_json_require_string(obj, "driver", &driver, error))
        return NULL;
    if (json_format(driver) != QV_FORMAT_NONE)
        return qv_backing_fail(error, "format driver '%s' nested under another format is not supported",
                               driver);
    for (size_t i = 0; i < G_N_ELEMENTS(json_drivers); i++) {
        const JsonDriver *drv = &json_drivers[i];
        QvStorageSource *src;

        if (strcmp(driver, drv->name) != 0)
            continue;
        /* Network drivers also take the URI or colon string QEMU accepts
         * on the command line, as "filename" */
        if (drv->type == QV_STORAGE_NETWORK &&
            !qv_json_get_string(obj, "filename", &filename, error))
            return NULL;
        src = filename ? qv_backing_parse_network(filename, drv->protocol, error)
                       : drv->parse(obj, drv, parent, error);
        if (!src)
            g_prefix_error(error, "driver '%s': ", driver);
        return src;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(json_unsupported); i++) {
        if (strcmp(driver, json_unsupported[i]) == 0)
            return qv_backing_fail(error, "driver '%s' is not supported",
                                   driver);
    }
    g_set_error(error, QV_ERROR, QV_ERR_PARSE, "unknown driver '%s'", driver);
    return NULL;
}

/* The top level: a format over "file", a bare "file", or a protocol */
static QvStorageSource *
json_parse_top(json_object *root, const char *parent, GError **error)
{
    g_autoptr(QvStorageSource) src = NULL;
    json_object *file = NULL;
    const char *driver = NULL;
    QvFormat format;

    if (!qv_json_get_string(root, "driver", &driver, error) ||
        !qv_json_get_object(root, "file", &file, error))
        return NULL;
    if (!driver && !file)
        return qv_backing_fail(error, "JSON has neither 'driver' nor a 'file' object");
    if (!driver)
        return json_parse_protocol(file, parent, error);

    format = json_format(driver);
    if (format == QV_FORMAT_NONE)
        return json_parse_protocol(root, parent, error);
    if (!file)
        return qv_backing_fail(error, "format driver '%s' has no 'file' object",
                               driver);
    /* A slice of a raw image is not something a source can describe */
    if (format == QV_FORMAT_RAW &&
        (json_object_object_get_ex(root, "offset", NULL) ||
         json_object_object_get_ex(root, "size", NULL)))
        return qv_backing_fail(error, "raw 'offset' and 'size' are not supported");
    if (!(src = json_parse_protocol(file, parent, error)))
        return NULL;
    src->format = format;
    return g_steal_pointer(&src);
}

QvStorageSource *
qv_backing_json_parse(const char *json, const char *parent_path,
                      GError **error)
{
    g_autoptr(json_object) raw = qv_json_parse_object(json, error);
    g_autoptr(json_object) root = NULL;

    if (!raw || !(root = qv_json_deflatten(raw, error)))
        return NULL;
    return json_parse_top(root, parent_path, error);
}
