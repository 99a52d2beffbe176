/*
 * qv-backing: turn the backing string of an image into a storage source.
 *
 * Owns the rule that tells a file name from a protocol (QEMU's: the text
 * before a ':' that comes before any '/' names a protocol), the lexical
 * join of relative names, the URI syntaxes of the network protocols and
 * QEMU's legacy colon syntaxes (nbd:, rbd:).  "json:" is in
 * qv-backing-json.c.
 *
 * Inner helpers set bare messages; qv_backing_parse() adds the context
 * ("backing file 'NAME' of 'PARENT': ") once, with both strings made
 * printable and cut short, since they come from image headers.
 */
#include "storage/qv-backing.h"

#include "storage/qv-backing-json.h"
#include "util/qv-error.h"
#include "util/qv-uri.h"

#include <string.h>

/* qcow2 caps backing names at 1023 bytes; json: strings written by other
 * tools are longer, but nothing legitimate comes near this */
#define BACKING_MAX_LEN (64 * 1024)
/* Characters of the backing string / inner message kept in an error */
#define BACKING_MSG_NAME 100
#define BACKING_MSG_PARENT 200
#define BACKING_MSG_DETAIL 300

typedef struct _BackingProto BackingProto;
typedef QvStorageSource *(*BackingParseFunc)(const char *name,
                                             const BackingProto *proto,
                                             const char *parent,
                                             GError **error);

struct _BackingProto {
    const char *name;           /* QEMU's protocol name, case-sensitive */
    QvStorageType type;         /* FILE/BLOCK prefix, NETWORK, NONE: unsupported */
    QvNetProtocol protocol;
    QvTransport transport;
    BackingParseFunc parse;
};

void *
qv_backing_fail(GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, QV_ERROR, QV_ERR_PARSE, msg);
    return NULL;
}

static char *
join_cwd(const char *name)
{
    g_autofree char *cwd = g_get_current_dir();

    if (g_str_has_suffix(cwd, "/"))
        return g_strconcat(cwd, name, NULL);
    return g_strconcat(cwd, "/", name, NULL);
}

char *
qv_backing_local_path(const char *path, const char *parent_path,
                      GError **error)
{
    if (path[0] == '/')
        return g_strdup(path);
    if (parent_path) {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "relative name '%s' would be opened by QEMU against its own working folder, not the image's folder; use an absolute path",
                    path);
        return NULL;
    }
    return join_cwd(path);
}

/* "file:PATH", "host_device:PATH": QEMU strips the prefix, nothing more */
static QvStorageSource *
parse_local_prefix(const char *name, const BackingProto *proto,
                   const char *parent, GError **error)
{
    const char *rest = name + strlen(proto->name) + 1;
    g_autoptr(QvStorageSource) src = qv_source_new(proto->type);

    if (!*rest)
        return qv_backing_fail(error, "missing file name after '%s:'",
                               proto->name);
    if (!(src->path = qv_backing_local_path(rest, parent, error)))
        return NULL;
    if (rest[0] != '/')
        src->relpath = g_strdup(rest);
    return g_steal_pointer(&src);
}

static QvStorageSource *
network_source(QvNetProtocol protocol)
{
    QvStorageSource *src = qv_source_new(QV_STORAGE_NETWORK);

    src->protocol = protocol;
    return src;
}

/* The user name of a URI: userinfo up to @stop (the password, which
 * qvirt never keeps) */
static bool
uri_set_user(QvStorageSource *src, const QvUri *uri, const char *stop,
             bool decode, GError **error)
{
    g_autofree char *raw = NULL;

    if (!uri->userinfo || strcspn(uri->userinfo, stop) == 0)
        return true;
    raw = g_strndup(uri->userinfo, strcspn(uri->userinfo, stop));
    if (!decode) {
        src->user = g_steal_pointer(&raw);
        return true;
    }
    return (src->user = qv_uri_unescape(raw, error)) != NULL;
}

/* The one server of an nbd:// or gluster:// URI: a host, or for the
 * "+unix" schemes a socket given as the only parameter, "?socket=PATH" */
static bool
uri_add_server(QvStorageSource *src, const QvUri *uri, const char *query_raw,
               QvTransport transport, const char *default_host,
               GError **error)
{
    g_autoptr(QvUriQuery) query = qv_uri_query_parse(query_raw, error);
    const char *sock;
    const char *host = uri->host ? uri->host : default_host;

    if (!query)
        return false;
    if (transport != QV_TRANSPORT_UNIX) {
        if (query->nparams > 0) {
            qv_backing_fail(error, "unexpected query '%s'", query_raw);
            return false;
        }
        if (!host) {
            qv_backing_fail(error, "missing host");
            return false;
        }
        qv_source_add_host(src, host, uri->port, transport, NULL);
        return true;
    }

    if (uri->host || uri->port) {
        qv_backing_fail(error, "a unix socket URI must not name a host");
        return false;
    }
    sock = qv_uri_query_get(query, "socket");
    if (query->nparams != 1 || !sock || !*sock) {
        qv_backing_fail(error, "a unix socket URI needs exactly one parameter, '?socket=PATH'");
        return false;
    }
    qv_source_add_host(src, NULL, 0, QV_TRANSPORT_UNIX, sock);
    return true;
}

/* nbd[+tcp|+unix]://[host[:port]]/[export][?socket=path] */
static QvStorageSource *
parse_nbd_uri(const char *name, const BackingProto *proto, GError **error)
{
    g_autoptr(QvUri) uri = qv_uri_parse(name, error);
    g_autoptr(QvStorageSource) src = network_source(QV_PROTO_NBD);
    g_autofree char *path = NULL;

    if (!uri || !(path = qv_uri_unescape(uri->path, error)))
        return NULL;
    /* "/" alone is the default (empty) export */
    if (path[0] && path[1])
        src->path = g_strdup(path + 1);
    if (!uri_add_server(src, uri, uri->query, proto->transport, NULL, error))
        return NULL;
    return g_steal_pointer(&src);
}

/* nbd:HOST:PORT[:exportname=NAME] and nbd:unix:SOCKET[:exportname=NAME] */
static QvStorageSource *
parse_nbd_colon(const char *name, GError **error)
{
    static const char exportopt[] = ":exportname=";
    g_autofree char *copy = g_strdup(name);
    g_autoptr(QvStorageSource) src = network_source(QV_PROTO_NBD);
    char *export = strstr(copy, exportopt);
    const char *spec = copy + strlen("nbd:");

    if (export) {
        if (!export[strlen(exportopt)])
            return qv_backing_fail(error, "empty export name");
        src->path = g_strdup(export + strlen(exportopt));
        *export = '\0';
    }
    if (!*spec)
        return qv_backing_fail(error, "missing server: expected 'nbd:HOST:PORT' or 'nbd:unix:SOCKET'");
    if (g_str_has_prefix(spec, "unix:")) {
        if (!spec[5])
            return qv_backing_fail(error, "missing unix socket path");
        qv_source_add_host(src, NULL, 0, QV_TRANSPORT_UNIX, spec + 5);
    } else {
        g_autofree char *host = NULL;
        unsigned int port;

        if (!qv_uri_parse_host_port(spec, true, &host, &port, error))
            return NULL;
        qv_source_add_host(src, host, port, QV_TRANSPORT_TCP, NULL);
    }
    return g_steal_pointer(&src);
}

/* QEMU's own test: any "://" makes it a URI */
static QvStorageSource *
parse_nbd(const char *name, const BackingProto *proto,
          const char *parent G_GNUC_UNUSED, GError **error)
{
    if (strstr(name, "://"))
        return parse_nbd_uri(name, proto, error);
    if (strcmp(proto->name, "nbd") != 0)
        return qv_backing_fail(error, "expected '%s://'", proto->name);
    return parse_nbd_colon(name, error);
}

/* iscsi://[user[%password]@]host[:port]/TARGET/LUN, as libiscsi reads it:
 * the password follows a raw '%', and the target ends at the first '/' */
static QvStorageSource *
parse_iscsi(const char *name, const BackingProto *proto,
            const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvUri) uri = qv_uri_parse(name, error);
    g_autoptr(QvStorageSource) src = network_source(QV_PROTO_ISCSI);
    g_autofree char *raw = NULL;
    g_autofree char *target = NULL;
    const char *path;
    const char *slash;
    guint64 lun;

    if (!uri)
        return NULL;
    if (!uri->host)
        return qv_backing_fail(error, "missing host");
    if (uri->query)
        return qv_backing_fail(error, "unexpected query '%s'", uri->query);
    path = uri->path[0] == '/' ? uri->path + 1 : uri->path;
    slash = strchr(path, '/');
    if (!slash || slash == path)
        return qv_backing_fail(error, "expected '/TARGET/LUN' after the host, not '%s'",
                               uri->path);
    if (!g_ascii_isdigit(slash[1]) ||
        !g_ascii_string_to_unsigned(slash + 1, 10, 0, G_MAXINT, &lun, NULL))
        return qv_backing_fail(error, "invalid LUN '%s'", slash + 1);
    raw = g_strndup(path, (size_t)(slash - path));
    if (!(target = qv_uri_unescape(raw, error)))
        return NULL;
    src->path = g_strdup_printf("%s/%" G_GUINT64_FORMAT, target, lun);
    if (!uri_set_user(src, uri, "%", false, error))
        return NULL;
    qv_source_add_host(src, uri->host, uri->port, proto->transport, NULL);
    return g_steal_pointer(&src);
}

/* gluster[+tcp|+unix|+rdma]://[host[:port]]/VOLUME/PATH[?socket=...];
 * path is "VOLUME/PATH".  QEMU uses localhost when no host is given. */
static QvStorageSource *
parse_gluster(const char *name, const BackingProto *proto,
              const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvUri) uri = qv_uri_parse(name, error);
    g_autoptr(QvStorageSource) src = network_source(QV_PROTO_GLUSTER);
    g_autofree char *path = NULL;
    const char *vol;
    const char *img;
    size_t vlen;

    if (!uri || !(path = qv_uri_unescape(uri->path, error)))
        return NULL;
    vol = path + strspn(path, "/");
    vlen = strcspn(vol, "/");
    img = vol + vlen + strspn(vol + vlen, "/");
    if (vlen == 0 || !*img)
        return qv_backing_fail(error, "expected '/VOLUME/PATH' after the host, not '%s'",
                               uri->path);
    src->path = g_strdup_printf("%.*s/%s", (int)vlen, vol, img);
    if (!uri_add_server(src, uri, uri->query, proto->transport, "localhost",
                        error))
        return NULL;
    return g_steal_pointer(&src);
}

/* Common to URIs naming a path on one TCP server: host required, path
 * decoded and kept with its leading '/' */
static QvStorageSource *
parse_server_path_uri(const char *name, const BackingProto *proto,
                      QvUri **urip, GError **error)
{
    g_autoptr(QvUri) uri = qv_uri_parse(name, error);
    g_autoptr(QvStorageSource) src = network_source(proto->protocol);

    if (!uri)
        return NULL;
    if (!uri->host)
        return qv_backing_fail(error, "missing host");
    if (!(src->path = qv_uri_unescape(uri->path, error)))
        return NULL;
    if (!*src->path)
        g_clear_pointer(&src->path, g_free);
    if (!uri_set_user(src, uri, ":", true, error))
        return NULL;
    qv_source_add_host(src, uri->host, uri->port, QV_TRANSPORT_TCP, NULL);
    *urip = g_steal_pointer(&uri);
    return g_steal_pointer(&src);
}

/* http(s)://, ftp(s)://: QEMU hands the whole URL to curl; the query
 * stays as written */
static QvStorageSource *
parse_curl(const char *name, const BackingProto *proto,
           const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvUri) uri = NULL;
    QvStorageSource *src = parse_server_path_uri(name, proto, &uri, error);

    if (src)
        src->query = g_strdup(uri->query);
    return src;
}

/* ssh://[user@]host[:port]/path[?host_key_check=...] */
static QvStorageSource *
parse_ssh(const char *name, const BackingProto *proto,
          const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autoptr(QvUri) uri = NULL;
    g_autoptr(QvStorageSource) src = parse_server_path_uri(name, proto, &uri, error);
    g_autoptr(QvUriQuery) query = NULL;

    if (!src || !(query = qv_uri_query_parse(uri->query, error)))
        return NULL;
    if (!src->path)
        return qv_backing_fail(error, "missing remote path");
    if (query->nparams > 1 ||
        (query->nparams == 1 &&
         strcmp(query->params[0].name, "host_key_check") != 0))
        return qv_backing_fail(error, "unexpected query '%s': only 'host_key_check' is allowed",
                               uri->query);
    src->query = g_strdup(uri->query);
    return g_steal_pointer(&src);
}

/* nfs://host/export/path[?uid=N&gid=N&...]; user is the uid */
static QvStorageSource *
parse_nfs(const char *name, const BackingProto *proto,
          const char *parent G_GNUC_UNUSED, GError **error)
{
    static const char *const params[] = {
        "uid", "gid", "tcp-syncnt", "readahead", "pagecache", "debug",
    };
    g_autoptr(QvUri) uri = NULL;
    g_autoptr(QvStorageSource) src = parse_server_path_uri(name, proto, &uri, error);
    g_autoptr(QvUriQuery) query = NULL;

    if (!src || !(query = qv_uri_query_parse(uri->query, error)))
        return NULL;
    if (!src->path)
        return qv_backing_fail(error, "missing file path");
    g_clear_pointer(&src->user, g_free);
    for (size_t i = 0; i < query->nparams; i++) {
        const QvUriParam *p = &query->params[i];
        bool known = false;

        for (size_t j = 0; j < G_N_ELEMENTS(params); j++)
            known = known || strcmp(p->name, params[j]) == 0;
        if (!known)
            return qv_backing_fail(error, "unknown NFS parameter '%s'",
                                   p->name);
        if (!*p->value || strspn(p->value, "0123456789") != strlen(p->value))
            return qv_backing_fail(error, "invalid value '%s' for NFS parameter '%s'",
                                   p->value, p->name);
    }
    src->user = g_strdup(qv_uri_query_get(query, "uid"));
    src->query = g_strdup(uri->query);
    return g_steal_pointer(&src);
}

/* QEMU's rbd tokenizer: cut @s at the first of @delims not escaped by
 * '\'; *next points after it (NULL when the string ended), *found is
 * the delimiter met ('\0' at the end) */
static char *
rbd_next_token(char *s, const char *delims, char **next, char *found)
{
    char *end;

    for (end = s; *end; end++) {
        if (strchr(delims, *end))
            break;
        if (*end == '\\' && end[1])
            end++;
    }
    *found = *end;
    *next = NULL;
    if (*end) {
        *end = '\0';
        *next = end + 1;
    }
    return s;
}

static char *
rbd_unescape(char *s)
{
    char *out = s;

    for (char *in = s; *in; in++, out++) {
        if (*in == '\\' && in[1])
            in++;
        *out = *in;
    }
    *out = '\0';
    return s;
}

/* mon_host=HOST[:PORT] separated by ',', ';' or ' ' (after unescaping,
 * so "a\;b" in the string); IPv6 in brackets */
static bool
rbd_add_mon_hosts(QvStorageSource *src, const char *value, GError **error)
{
    g_auto(GStrv) hosts = g_strsplit_set(value, ",; ", -1);

    if (src->nhosts > 0) {
        qv_backing_fail(error, "'mon_host' is given more than once");
        return false;
    }
    for (size_t i = 0; hosts[i]; i++) {
        g_autofree char *host = NULL;
        unsigned int port;

        if (!*hosts[i])
            continue;
        if (!qv_uri_parse_host_port(hosts[i], false, &host, &port, error))
            return false;
        qv_source_add_host(src, host, port, QV_TRANSPORT_TCP, NULL);
    }
    return true;
}

/* rbd:POOL[/NAMESPACE]/IMAGE[@SNAPSHOT][:KEY=VALUE...]; conf= is the
 * configuration file, id= the user, mon_host= the monitors; other keys
 * go to librados and are not modelled */
static bool
rbd_parse_options(QvStorageSource *src, char *p, GError **error)
{
    char delim;

    while (p) {
        char *key = rbd_next_token(p, "=", &p, &delim);
        char *value;

        if (!p) {
            qv_backing_fail(error, "option '%s' has no value",
                            rbd_unescape(key));
            return false;
        }
        rbd_unescape(key);
        value = rbd_unescape(rbd_next_token(p, ":", &p, &delim));
        if (strcmp(key, "conf") == 0) {
            g_free(src->config);
            src->config = g_strdup(value);
        } else if (strcmp(key, "id") == 0) {
            g_free(src->user);
            src->user = g_strdup(value);
        } else if (strcmp(key, "mon_host") == 0) {
            if (!rbd_add_mon_hosts(src, value, error))
                return false;
        }
    }
    return true;
}

static QvStorageSource *
parse_rbd(const char *name, const BackingProto *proto G_GNUC_UNUSED,
          const char *parent G_GNUC_UNUSED, GError **error)
{
    g_autofree char *buf = g_strdup(name + strlen("rbd:"));
    g_autoptr(QvStorageSource) src = network_source(QV_PROTO_RBD);
    char *p = buf;
    char *pool;
    char *ns = NULL;
    char *image;
    char delim;

    pool = rbd_unescape(rbd_next_token(p, "/", &p, &delim));
    if (!p || !*pool)
        return qv_backing_fail(error, "missing pool name: expected 'rbd:POOL/IMAGE'");
    image = rbd_next_token(p, "/@:", &p, &delim);
    if (delim == '/') {
        ns = rbd_unescape(image);
        image = rbd_next_token(p, "@:", &p, &delim);
    }
    rbd_unescape(image);
    if (!*image || (ns && !*ns))
        return qv_backing_fail(error, "missing image name: expected 'rbd:POOL/IMAGE'");
    src->path = ns ? g_strdup_printf("%s/%s/%s", pool, ns, image)
                   : g_strdup_printf("%s/%s", pool, image);
    if (delim == '@') {
        char *snap = rbd_unescape(rbd_next_token(p, ":", &p, &delim));

        if (!*snap)
            return qv_backing_fail(error, "empty snapshot name");
        src->snapshot = g_strdup(snap);
    }
    if (!rbd_parse_options(src, p, error))
        return NULL;
    return g_steal_pointer(&src);
}

#define LOCAL(n, t) { n, t, QV_PROTO_NONE, QV_TRANSPORT_TCP, parse_local_prefix }
#define NET(n, p, tr, f) { n, QV_STORAGE_NETWORK, p, tr, f }
#define UNSUPPORTED(n) { n, QV_STORAGE_NONE, QV_PROTO_NONE, QV_TRANSPORT_TCP, NULL }

static const BackingProto backing_protocols[] = {
    LOCAL("file", QV_STORAGE_FILE),
    LOCAL("host_device", QV_STORAGE_BLOCK),
    LOCAL("host_cdrom", QV_STORAGE_BLOCK),
    NET("nbd", QV_PROTO_NBD, QV_TRANSPORT_TCP, parse_nbd),
    NET("nbd+tcp", QV_PROTO_NBD, QV_TRANSPORT_TCP, parse_nbd),
    NET("nbd+unix", QV_PROTO_NBD, QV_TRANSPORT_UNIX, parse_nbd),
    NET("iscsi", QV_PROTO_ISCSI, QV_TRANSPORT_TCP, parse_iscsi),
    NET("iser", QV_PROTO_ISCSI, QV_TRANSPORT_RDMA, parse_iscsi),
    NET("gluster", QV_PROTO_GLUSTER, QV_TRANSPORT_TCP, parse_gluster),
    NET("gluster+tcp", QV_PROTO_GLUSTER, QV_TRANSPORT_TCP, parse_gluster),
    NET("gluster+unix", QV_PROTO_GLUSTER, QV_TRANSPORT_UNIX, parse_gluster),
    NET("gluster+rdma", QV_PROTO_GLUSTER, QV_TRANSPORT_RDMA, parse_gluster),
    NET("http", QV_PROTO_HTTP, QV_TRANSPORT_TCP, parse_curl),
    NET("https", QV_PROTO_HTTPS, QV_TRANSPORT_TCP, parse_curl),
    NET("ftp", QV_PROTO_FTP, QV_TRANSPORT_TCP, parse_curl),
    NET("ftps", QV_PROTO_FTPS, QV_TRANSPORT_TCP, parse_curl),
    NET("ssh", QV_PROTO_SSH, QV_TRANSPORT_TCP, parse_ssh),
    NET("nfs", QV_PROTO_NFS, QV_TRANSPORT_TCP, parse_nfs),
    NET("rbd", QV_PROTO_RBD, QV_TRANSPORT_TCP, parse_rbd),
    /* QEMU drivers (current or removed) with a protocol name qvirt does
     * not handle: refused by name rather than taken for file names */
    UNSUPPORTED("sheepdog"), UNSUPPORTED("sheepdog+tcp"),
    UNSUPPORTED("sheepdog+unix"), UNSUPPORTED("vxhs"), UNSUPPORTED("tftp"),
    UNSUPPORTED("nvme"), UNSUPPORTED("null-co"), UNSUPPORTED("null-aio"),
    UNSUPPORTED("blkdebug"), UNSUPPORTED("blkverify"), UNSUPPORTED("fat"),
    UNSUPPORTED("virtio-blk-vfio-pci"), UNSUPPORTED("virtio-blk-vhost-user"),
    UNSUPPORTED("virtio-blk-vhost-vdpa"),
};

/*
 * The protocol @name starts with, or NULL for a file name.  QEMU calls
 * anything with a ':' before the first '/' a protocol and fails when it
 * knows no such driver; qvirt keeps "a:b.qcow2" a file name, but sets
 * *unknown for what can only have been meant as a protocol: "x://...",
 * or a known name in the wrong case ("NBD:", "JSON:").
 */
static const BackingProto *
backing_find_protocol(const char *name, bool *unknown)
{
    size_t len = strcspn(name, ":/");

    *unknown = false;
    if (name[len] != ':' || len == 0)
        return NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(backing_protocols); i++) {
        const char *p = backing_protocols[i].name;

        if (strlen(p) == len && memcmp(name, p, len) == 0)
            return &backing_protocols[i];
    }
    if (strncmp(name + len, "://", 3) == 0 ||
        (len == 4 && g_ascii_strncasecmp(name, "json", 4) == 0))
        *unknown = true;
    for (size_t i = 0; i < G_N_ELEMENTS(backing_protocols); i++) {
        const char *p = backing_protocols[i].name;

        if (strlen(p) == len && g_ascii_strncasecmp(name, p, len) == 0)
            *unknown = true;
    }
    return NULL;
}

bool
qv_backing_is_relative(const char *name)
{
    bool unknown;

    if (!name || !*name || name[0] == '/' || g_str_has_prefix(name, "json:"))
        return false;
    return !backing_find_protocol(name, &unknown) && !unknown;
}

/*
 * QEMU resolves a relative backing name against the folder of the
 * overlay's name as it was opened, as text: dirname + name, with "./"
 * and "../" left for the file system to follow.  So does qvirt; it must
 * not canonicalise, or a chain through a symlinked folder would resolve
 * differently from QEMU.
 */
static char *
join_relative(const char *name, const char *parent, GError **error)
{
    const BackingProto *proto;
    const char *slash;
    bool unknown;

    if (!parent)
        return join_cwd(name);

    proto = backing_find_protocol(parent, &unknown);
    if (g_str_has_prefix(parent, "json:") || unknown ||
        (proto && proto->parse != parse_local_prefix))
        return qv_backing_fail(error, "a relative name cannot be resolved against an image that is not a local file");
    if (proto)
        parent += strlen(proto->name) + 1;

    slash = strrchr(parent, '/');
    if (!slash)
        return g_strdup(name);
    return g_strdup_printf("%.*s%s", (int)(slash - parent + 1), parent, name);
}

QvStorageSource *
qv_backing_parse_network(const char *str, QvNetProtocol expect,
                         GError **error)
{
    bool unknown;
    const BackingProto *proto = backing_find_protocol(str, &unknown);

    if (!proto || proto->type != QV_STORAGE_NETWORK ||
        proto->protocol != expect)
        return qv_backing_fail(error, "expected a location for protocol '%s', not '%s'",
                               qv_protocol_to_string(expect), str);
    return proto->parse(str, proto, NULL, error);
}

static QvStorageSource *
backing_parse(const char *name, const char *parent, GError **error)
{
    g_autoptr(QvStorageSource) src = NULL;
    const BackingProto *proto;
    size_t len = strlen(name);
    bool unknown = false;

    if (len == 0)
        return qv_backing_fail(error, "the name is empty");
    if (len > BACKING_MAX_LEN)
        return qv_backing_fail(error, "the name is %zu bytes long, more than the limit of %d",
                               len, BACKING_MAX_LEN);
    if (g_str_has_prefix(name, "json:"))
        return qv_backing_json_parse(name + strlen("json:"), parent, error);

    proto = name[0] == '/' ? NULL : backing_find_protocol(name, &unknown);
    if (name[0] != '/' && unknown)
        return qv_backing_fail(error, "unknown protocol '%.*s'",
                               (int)strcspn(name, ":"), name);
    if (proto && !proto->parse)
        return qv_backing_fail(error, "protocol '%s' is not supported",
                               proto->name);
    if (proto)
        return proto->parse(name, proto, parent, error);

    src = qv_source_new(QV_STORAGE_FILE);
    if (name[0] == '/') {
        src->path = g_strdup(name);
    } else {
        if (!(src->path = join_relative(name, parent, error)))
            return NULL;
        src->relpath = g_strdup(name);
    }
    return g_steal_pointer(&src);
}

/* @s made printable (valid UTF-8, no control characters) and cut to
 * @max characters: it came from an image header */
static char *
printable(const char *s, size_t max)
{
    g_autofree char *valid = g_utf8_make_valid(s, -1);
    GString *out = g_string_new(NULL);
    const char *p = valid;
    size_t n;

    for (n = 0; *p && n < max; n++, p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (c < 0x20 || (c >= 0x7f && c < 0xa0))
            g_string_append_c(out, '?');
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
    }
    if (*p)
        g_string_append(out, "...");
    return g_string_free(out, FALSE);
}

QvStorageSource *
qv_backing_parse(const char *name, const char *parent_path, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = NULL;
    g_autofree char *n = NULL;
    g_autofree char *detail = NULL;

    if (name)
        src = backing_parse(name, parent_path, &err);
    else
        g_set_error(&err, QV_ERROR, QV_ERR_PARSE, "no name given");
    if (src)
        return g_steal_pointer(&src);

    n = printable(name ? name : "", BACKING_MSG_NAME);
    detail = printable(err->message, BACKING_MSG_DETAIL);
    if (parent_path) {
        g_autofree char *p = printable(parent_path, BACKING_MSG_PARENT);

        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "backing file '%s' of '%s': %s", n, p, detail);
    } else {
        g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                    "backing file '%s': %s", n, detail);
    }
    return NULL;
}
