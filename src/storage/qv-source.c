/*
 * qv-source: life cycle, copy, comparison and string tables of the
 * storage source.
 *
 * Chains can be thousands of elements deep, so free, copy and compare
 * walk single-backing chains in a loop and only recurse where a source
 * has several backing stores (a quorum).
 */
#include "storage/qv-source.h"

#include <string.h>

#include "util/qv-enum.h"

static const char *const storage_type_names[] = {
    [QV_STORAGE_NONE] = "none",
    [QV_STORAGE_FILE] = "file",
    [QV_STORAGE_BLOCK] = "block",
    [QV_STORAGE_DIR] = "dir",
    [QV_STORAGE_NETWORK] = "network",
    [QV_STORAGE_VOLUME] = "volume",
    [QV_STORAGE_QUORUM] = "quorum",
    [QV_STORAGE_NVME] = "nvme",
    [QV_STORAGE_VHOSTUSER] = "vhostuser",
};
G_STATIC_ASSERT(G_N_ELEMENTS(storage_type_names) == QV_STORAGE_LAST);

static const char *const format_names[] = {
    [QV_FORMAT_NONE] = "none",
    [QV_FORMAT_RAW] = "raw",
    [QV_FORMAT_ISO] = "iso",
    [QV_FORMAT_QCOW] = "qcow",
    [QV_FORMAT_QCOW2] = "qcow2",
    [QV_FORMAT_QED] = "qed",
    [QV_FORMAT_VMDK] = "vmdk",
    [QV_FORMAT_VDI] = "vdi",
    [QV_FORMAT_VPC] = "vpc",
    [QV_FORMAT_VHDX] = "vhdx",
    [QV_FORMAT_LUKS] = "luks",
    [QV_FORMAT_FAT] = "fat",
    [QV_FORMAT_BOCHS] = "bochs",
    [QV_FORMAT_CLOOP] = "cloop",
    [QV_FORMAT_DMG] = "dmg",
    [QV_FORMAT_PLOOP] = "ploop",
    [QV_FORMAT_VHD] = "vhd",
};
G_STATIC_ASSERT(G_N_ELEMENTS(format_names) == QV_FORMAT_LAST);

static const char *const protocol_names[] = {
    [QV_PROTO_NONE] = "none",
    [QV_PROTO_NBD] = "nbd",
    [QV_PROTO_ISCSI] = "iscsi",
    [QV_PROTO_RBD] = "rbd",
    [QV_PROTO_GLUSTER] = "gluster",
    [QV_PROTO_HTTP] = "http",
    [QV_PROTO_HTTPS] = "https",
    [QV_PROTO_FTP] = "ftp",
    [QV_PROTO_FTPS] = "ftps",
    [QV_PROTO_SSH] = "ssh",
    [QV_PROTO_NFS] = "nfs",
};
G_STATIC_ASSERT(G_N_ELEMENTS(protocol_names) == QV_PROTO_LAST);

static const unsigned int protocol_ports[] = {
    [QV_PROTO_NONE] = 0,
    [QV_PROTO_NBD] = 10809,
    [QV_PROTO_ISCSI] = 3260,
    [QV_PROTO_RBD] = 6789,
    [QV_PROTO_GLUSTER] = 24007,
    [QV_PROTO_HTTP] = 80,
    [QV_PROTO_HTTPS] = 443,
    [QV_PROTO_FTP] = 21,
    [QV_PROTO_FTPS] = 990,
    [QV_PROTO_SSH] = 22,
    [QV_PROTO_NFS] = 2049,
};
G_STATIC_ASSERT(G_N_ELEMENTS(protocol_ports) == QV_PROTO_LAST);

static const char *const transport_names[] = {
    [QV_TRANSPORT_TCP] = "tcp",
    [QV_TRANSPORT_UNIX] = "unix",
    [QV_TRANSPORT_RDMA] = "rdma",
};
G_STATIC_ASSERT(G_N_ELEMENTS(transport_names) == QV_TRANSPORT_LAST);

QV_ENUM_IMPL(qv_storage_type, QvStorageType, storage_type_names)
QV_ENUM_IMPL(qv_format, QvFormat, format_names)
QV_ENUM_IMPL(qv_protocol, QvNetProtocol, protocol_names)
QV_ENUM_IMPL(qv_transport, QvTransport, transport_names)

unsigned int
qv_protocol_default_port(QvNetProtocol p)
{
    return (unsigned int)p < QV_PROTO_LAST ? protocol_ports[p] : 0;
}

QvStorageSource *
qv_source_new(QvStorageType type)
{
    QvStorageSource *src = g_new0(QvStorageSource, 1);

    src->type = type;
    return src;
}

/* Free everything but the backing array and the struct itself */
static void
source_clear_fields(QvStorageSource *src)
{
    for (size_t i = 0; i < src->nhosts; i++) {
        g_free(src->hosts[i].name);
        g_free(src->hosts[i].socket);
    }
    g_free(src->hosts);
    g_free(src->path);
    g_free(src->pool);
    g_free(src->query);
    g_free(src->snapshot);
    g_free(src->config);
    g_free(src->user);
    g_free(src->auth_username);
    g_free(src->secret_type);
    g_free(src->secret_uuid);
    g_free(src->secret_usage);
    qv_encryption_free(src->enc);
    g_free(src->backing_name);
    g_free(src->data_file);
    g_free(src->encryption);
    g_free(src->relpath);
    qv_seclabels_free(src->seclabels, src->nseclabels);
    qv_source_opts_clear(&src->opts);
}

void
qv_source_free(QvStorageSource *src)
{
    while (src) {
        QvStorageSource *next = NULL;

        if (src->nbacking == 1) {
            next = src->backing[0];
        } else {
            for (size_t i = 0; i < src->nbacking; i++)
                qv_source_free(src->backing[i]);
        }
        g_free(src->backing);
        source_clear_fields(src);
        g_free(src);
        src = next;
    }
}

/* Copy every field except the backing stores */
static QvStorageSource *
source_copy_one(const QvStorageSource *src)
{
    QvStorageSource *dst = g_new0(QvStorageSource, 1);

    *dst = *src;
    dst->hosts = NULL;
    dst->nhosts = 0;
    dst->backing = NULL;
    dst->nbacking = 0;
    dst->path = g_strdup(src->path);
    dst->pool = g_strdup(src->pool);
    dst->query = g_strdup(src->query);
    dst->snapshot = g_strdup(src->snapshot);
    dst->config = g_strdup(src->config);
    dst->user = g_strdup(src->user);
    dst->auth_username = g_strdup(src->auth_username);
    dst->secret_type = g_strdup(src->secret_type);
    dst->secret_uuid = g_strdup(src->secret_uuid);
    dst->secret_usage = g_strdup(src->secret_usage);
    dst->enc = qv_encryption_copy(src->enc);
    dst->backing_name = g_strdup(src->backing_name);
    dst->data_file = g_strdup(src->data_file);
    dst->encryption = g_strdup(src->encryption);
    dst->relpath = g_strdup(src->relpath);
    dst->seclabels = qv_seclabels_copy(src->seclabels, src->nseclabels);
    qv_source_opts_deepen(&dst->opts);
    for (size_t i = 0; i < src->nhosts; i++)
        qv_source_add_host(dst, src->hosts[i].name, src->hosts[i].port,
                           src->hosts[i].transport, src->hosts[i].socket);
    return dst;
}

static const char *const read_patterns[QV_QUORUM_READ_LAST] = { "", "quorum", "fifo" };

const char *
qv_quorum_read_pattern_to_string(QvQuorumReadPattern p)
{
    return p > QV_QUORUM_READ_DEFAULT && p < QV_QUORUM_READ_LAST ? read_patterns[p] : NULL;
}

int
qv_quorum_read_pattern_from_string(const char *s)
{
    for (int i = QV_QUORUM_READ_QUORUM; s && i < QV_QUORUM_READ_LAST; i++) {
        if (strcmp(read_patterns[i], s) == 0)
            return i;
    }
    return -1;
}

QvStorageSource *
qv_source_copy(const QvStorageSource *src)
{
    QvStorageSource *top;
    QvStorageSource *tail;

    if (!src)
        return NULL;

    top = tail = source_copy_one(src);
    for (;;) {
        if (src->nbacking == 1) {
            QvStorageSource *child = source_copy_one(src->backing[0]);
            QvStorageSource *tmp = child;

            qv_source_add_backing(tail, &tmp);
            tail = child;
            src = src->backing[0];
            continue;
        }
        for (size_t i = 0; i < src->nbacking; i++) {
            QvStorageSource *child = qv_source_copy(src->backing[i]);

            qv_source_add_backing(tail, &child);
        }
        break;
    }
    return top;
}

static bool
host_equal(const QvStorageHost *a, const QvStorageHost *b)
{
    return g_strcmp0(a->name, b->name) == 0 &&
           a->port == b->port &&
           a->transport == b->transport &&
           g_strcmp0(a->socket, b->socket) == 0;
}

static bool
source_equal_one(const QvStorageSource *a, const QvStorageSource *b)
{
    if (a->type != b->type || a->format != b->format ||
        a->format_probed != b->format_probed ||
        a->protocol != b->protocol || a->readonly != b->readonly ||
        a->capacity != b->capacity || a->allocation != b->allocation ||
        a->physical != b->physical || a->sizes_known != b->sizes_known ||
        a->backing_format != b->backing_format ||
        a->data_file_raw != b->data_file_raw ||
        a->encrypted != b->encrypted ||
        !qv_seclabels_equal(a->seclabels, a->nseclabels, b->seclabels, b->nseclabels) ||
        a->format_version != b->format_version ||
        a->incompat_unknown != b->incompat_unknown ||
        a->dev != b->dev || a->ino != b->ino ||
        a->have_identity != b->have_identity ||
        a->index != b->index || a->nbacking != b->nbacking ||
        a->backing_known != b->backing_known ||
        a->threshold != b->threshold || a->nhosts != b->nhosts ||
        a->read_pattern != b->read_pattern ||
        a->rewrite_corrupted != b->rewrite_corrupted || a->blkverify != b->blkverify)
        return false;

    if (g_strcmp0(a->path, b->path) != 0 ||
        g_strcmp0(a->pool, b->pool) != 0 ||
        g_strcmp0(a->query, b->query) != 0 ||
        g_strcmp0(a->snapshot, b->snapshot) != 0 ||
        g_strcmp0(a->config, b->config) != 0 ||
        g_strcmp0(a->user, b->user) != 0 ||
        g_strcmp0(a->auth_username, b->auth_username) != 0 ||
        g_strcmp0(a->secret_type, b->secret_type) != 0 ||
        g_strcmp0(a->secret_uuid, b->secret_uuid) != 0 ||
        g_strcmp0(a->secret_usage, b->secret_usage) != 0 ||
        g_strcmp0(a->backing_name, b->backing_name) != 0 ||
        g_strcmp0(a->data_file, b->data_file) != 0 ||
        g_strcmp0(a->encryption, b->encryption) != 0 ||
        g_strcmp0(a->relpath, b->relpath) != 0 ||
        !qv_encryption_equal(a->enc, b->enc) ||
        !qv_source_opts_equal(&a->opts, &b->opts))
        return false;

    for (size_t i = 0; i < a->nhosts; i++) {
        if (!host_equal(&a->hosts[i], &b->hosts[i]))
            return false;
    }
    return true;
}

bool
qv_source_equal(const QvStorageSource *a, const QvStorageSource *b)
{
    while (a && b) {
        if (!source_equal_one(a, b))
            return false;
        if (a->nbacking == 1) {
            a = a->backing[0];
            b = b->backing[0];
            continue;
        }
        for (size_t i = 0; i < a->nbacking; i++) {
            if (!qv_source_equal(a->backing[i], b->backing[i]))
                return false;
        }
        return true;
    }
    return a == b;
}

void
qv_source_add_backing(QvStorageSource *src, QvStorageSource **child)
{
    src->backing = g_renew(QvStorageSource *, src->backing, src->nbacking + 1);
    src->backing[src->nbacking++] = g_steal_pointer(child);
}

void
qv_source_add_host(QvStorageSource *src, const char *name, unsigned int port,
                   QvTransport transport, const char *socket)
{
    QvStorageHost *h;

    src->hosts = g_renew(QvStorageHost, src->hosts, src->nhosts + 1);
    h = &src->hosts[src->nhosts++];
    h->name = g_strdup(name);
    h->port = port;
    h->transport = transport;
    h->socket = g_strdup(socket);
}

size_t
qv_source_count(const QvStorageSource *src)
{
    size_t n = 0;

    while (src) {
        n++;
        if (src->nbacking == 1) {
            src = src->backing[0];
            continue;
        }
        for (size_t i = 0; i < src->nbacking; i++)
            n += qv_source_count(src->backing[i]);
        break;
    }
    return n;
}

bool
qv_source_is_local(const QvStorageSource *src)
{
    return src->type == QV_STORAGE_FILE || src->type == QV_STORAGE_BLOCK ||
           src->type == QV_STORAGE_DIR;
}

bool
qv_source_has_auth(const QvStorageSource *src)
{
    return src->auth_username || src->secret_type || src->secret_uuid ||
           src->secret_usage;
}

char *
qv_source_describe(const QvStorageSource *src)
{
    GString *s;

    switch (src->type) {
    case QV_STORAGE_FILE:
    case QV_STORAGE_BLOCK:
    case QV_STORAGE_DIR:
    case QV_STORAGE_VHOSTUSER:
        return g_strdup(src->path ? src->path : "");
    case QV_STORAGE_NVME:
        return g_strdup_printf("nvme://%04x:%02x:%02x.%x/%" G_GUINT64_FORMAT,
                               src->opts.pci_domain, src->opts.pci_bus, src->opts.pci_slot,
                               src->opts.pci_function, src->opts.nvme_namespace);
    case QV_STORAGE_VOLUME:
        return g_strdup_printf("%s/%s", src->pool ? src->pool : "",
                               src->path ? src->path : "");
    case QV_STORAGE_QUORUM:
        return g_strdup_printf("quorum(%zu children, threshold %u)",
                               src->nbacking, src->threshold);
    case QV_STORAGE_NONE:
        return g_strdup("<none>");
    case QV_STORAGE_NETWORK:
    case QV_STORAGE_LAST:
        break;
    }

    s = g_string_new(qv_protocol_to_string(src->protocol));
    g_string_append(s, "://");
    if (src->nhosts > 0) {
        const QvStorageHost *h = &src->hosts[0];

        if (h->transport == QV_TRANSPORT_UNIX) {
            g_string_append_printf(s, "[unix:%s]", h->socket ? h->socket : "");
        } else {
            if (h->name && strchr(h->name, ':'))
                g_string_append_printf(s, "[%s]", h->name);
            else
                g_string_append(s, h->name ? h->name : "");
            if (h->port)
                g_string_append_printf(s, ":%u", h->port);
        }
    }
    if (src->path) {
        if (src->path[0] != '/')
            g_string_append_c(s, '/');
        g_string_append(s, src->path);
    }
    if (src->snapshot)
        g_string_append_printf(s, "@%s", src->snapshot);
    if (src->query)
        g_string_append_printf(s, "?%s", src->query);
    return g_string_free(s, FALSE);
}
