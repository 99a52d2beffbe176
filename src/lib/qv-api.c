/*
 * qv-api: the public C API of include/qvirt/qvirt.h: connections and the
 * block job calls, which check their arguments the way libvirt does and
 * hand the work to the guest's supervisor.  The definition calls are in
 * qv-api-domain.c, the life-cycle calls in qv-api-guest.c, the chain
 * reader in qv-api-chain.c.
 */
#include <string.h>

#include "qvirt/qvirt.h"
#include "conf/qv-conn.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "lib/qv-api-priv.h"
#include "lib/qv-launch.h"
#include "conf/qv-domain-xml.h"
#include "conf/qv-snapshot-xml.h"
#include "qemu/qv-qemu-validate.h"

/* Block jobs may take long to end after a pivot or abort */
#define QV_JOB_CALL_TIMEOUT_MS (600 * 1000)

/*
 * Every QvConn the API hands out is set up here, once: what define needs
 * beyond the folders (the QEMU rules start applies, so that what is
 * stored can start) is set on the connection, so that no call can forget
 * it.
 */
static QvConn *
api_conn_open(const char *root, GError **error)
{
    QvConn *conn = qv_conn_open(root, error);

    if (conn)
        conn->validate_def = qv_qemu_validate_def;
    return conn;
}

QvirtConnect *
qvirt_connect_open(const char *root, GError **error)
{
    QvConn *conn = api_conn_open(root, error);
    QvirtConnect *c;

    if (!conn)
        return NULL;
    c = g_new0(QvirtConnect, 1);
    c->conn = conn;
    return c;
}

void
qvirt_connect_close(QvirtConnect *conn)
{
    if (!conn)
        return;
    qv_conn_free(conn->conn);
    g_free(conn);
}

static int
call(QvirtDomain *dom, QvCtlCommand cmd, const QvCtlArgs *args, json_object **ret,
     GError **error)
{
    return qv_ctl_call(dom->conn->conn, dom->name, cmd, args, QV_JOB_CALL_TIMEOUT_MS, ret,
                       error) ? 0 : -1;
}

/* libvirt's bandwidth: MiB/s unless the call's BYTES flag is set */
static bool
bandwidth_bytes(unsigned long bw, bool bytes, unsigned long long *out, GError **error)
{
    if (bytes) {
        *out = bw;
        return true;
    }
    if (bw > (unsigned long)(G_MAXINT64 >> 20)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "bandwidth %lu MiB/s is too large", bw);
        return false;
    }
    *out = (unsigned long long)bw << 20;
    return true;
}

static bool
check_flags(unsigned int flags, unsigned int known, const char *what, GError **error)
{
    if (flags & ~known) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "%s: unsupported flags 0x%x", what, flags & ~known);
        return false;
    }
    return true;
}

bool
qv_api_check_flags(unsigned int flags, unsigned int known, const char *what, GError **error)
{
    return check_flags(flags, known, what, error);
}

bool
qv_api_call(QvirtDomain *dom, QvCtlCommand cmd, const QvCtlArgs *args, unsigned int timeout_ms,
            json_object **ret, GError **error)
{
    return qv_ctl_call(dom->conn->conn, dom->name, cmd, args, timeout_ms, ret, error);
}

/* A copy's destination from libvirt's <disk> XML: type file or block,
 * <driver type=...> optional, <source file=...|dev=...> */
static bool
parse_destxml(const char *xml, QvCtlArgs *args, GError **error)
{
    g_autoptr(QvStorageSource) dest = qv_disk_parse_copy_destination(xml, error);

    if (!dest)
        return false;
    /* the destination is written by QEMU as a plain image: an encryption
     * it asks for would be dropped silently */
    if (dest->enc) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "the destination XML asks for <encryption>: qvirt copies to unencrypted images only; remove the <encryption> (an encrypted copy is not supported yet)");
        return false;
    }
    args->dest_block = dest->type == QV_STORAGE_BLOCK;
    args->dest_path = g_steal_pointer(&dest->path);
    if (dest->format != QV_FORMAT_NONE)
        args->dest_format = g_strdup(qv_format_to_string(dest->format));
    return true;
}

int
qvirt_domain_block_copy(QvirtDomain *dom, const char *disk, const char *destxml,
                        const QvirtTypedParameter *params, int nparams,
                        unsigned int flags, GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk), .flags = flags };

    if (!check_flags(flags, QV_CTL_COPY_FLAGS, "block copy", error) ||
        !parse_destxml(destxml, &args, error))
        return -1;
    for (int i = 0; i < nparams; i++) {
        const char *f = params[i].field;
        unsigned long long v = params[i].value;

        if (strcmp(f, QVIRT_DOMAIN_BLOCK_COPY_BANDWIDTH) == 0) {
            args.bandwidth = v;
        } else if (strcmp(f, QVIRT_DOMAIN_BLOCK_COPY_GRANULARITY) == 0) {
            if (v < 512 || v > 64 << 20 || (v & (v - 1))) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block copy: granularity %llu must be a power of two between 512 and 64 MiB", v);
                return -1;
            }
            args.granularity = v;
        } else if (strcmp(f, QVIRT_DOMAIN_BLOCK_COPY_BUF_SIZE) == 0) {
            args.buf_size = v;
        } else {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block copy: unknown parameter '%s'", f);
            return -1;
        }
    }
    return call(dom, QV_CTL_BLOCK_COPY, &args, NULL, error);
}

int
qvirt_domain_block_rebase(QvirtDomain *dom, const char *disk, const char *base,
                          unsigned long bandwidth, unsigned int flags, GError **error)
{
    unsigned long long bw = 0;

    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW | QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT |
                     QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW | QVIRT_DOMAIN_BLOCK_REBASE_COPY |
                     QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE | QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES,
                     "block rebase", error) ||
        !bandwidth_bytes(bandwidth, flags & QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES, &bw, error))
        return -1;
    if (flags & QVIRT_DOMAIN_BLOCK_REBASE_COPY) {
        unsigned int cflags = 0;
        g_autofree char *xml = NULL;
        g_autofree char *esc = NULL;
        QvirtTypedParameter p = { QVIRT_DOMAIN_BLOCK_COPY_BANDWIDTH, bw };

        if (!base || base[0] != '/') {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block rebase: a copy needs the destination's absolute path as base");
            return -1;
        }
        if (flags & QVIRT_DOMAIN_BLOCK_REBASE_RELATIVE) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG, "block rebase: RELATIVE does not apply to a copy");
            return -1;
        }
        if (flags & QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW)
            cflags |= QVIRT_DOMAIN_BLOCK_COPY_SHALLOW;
        if (flags & QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT)
            cflags |= QVIRT_DOMAIN_BLOCK_COPY_REUSE_EXT;
        esc = g_markup_escape_text(base, -1);
        xml = g_strdup_printf("<disk type='file'>%s<source file='%s'/></disk>",
                              flags & QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW ? "<driver type='raw'/>" : "",
                              esc);
        return qvirt_domain_block_copy(dom, disk, xml, &p, bw ? 1 : 0, cflags, error);
    }
    if (flags & (QVIRT_DOMAIN_BLOCK_REBASE_SHALLOW | QVIRT_DOMAIN_BLOCK_REBASE_REUSE_EXT |
                 QVIRT_DOMAIN_BLOCK_REBASE_COPY_RAW)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "block rebase: SHALLOW, REUSE_EXT and COPY_RAW: each requires a copy job (the COPY flag)");
        return -1;
    }
    {
        g_auto(QvCtlArgs) args = { .disk = g_strdup(disk), .base = g_strdup(base),
                                   .bandwidth = bw, .flags = flags };

        return call(dom, QV_CTL_BLOCK_PULL, &args, NULL, error);
    }
}

int
qvirt_domain_block_pull(QvirtDomain *dom, const char *disk, unsigned long bandwidth,
                        unsigned int flags, GError **error)
{
    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES, "block pull", error))
        return -1;
    return qvirt_domain_block_rebase(dom, disk, NULL, bandwidth,
                                     flags & QVIRT_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES ?
                                     QVIRT_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES : 0, error);
}

int
qvirt_domain_block_commit(QvirtDomain *dom, const char *disk, const char *base,
                          const char *top, unsigned long bandwidth, unsigned int flags,
                          GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk), .base = g_strdup(base),
                               .top = g_strdup(top), .flags = flags };
    unsigned long long bw = 0;

    if (!check_flags(flags, QV_CTL_COMMIT_FLAGS, "block commit", error) ||
        !bandwidth_bytes(bandwidth, flags & QVIRT_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES, &bw, error))
        return -1;
    args.bandwidth = bw;
    return call(dom, QV_CTL_BLOCK_COMMIT, &args, NULL, error);
}

int
qvirt_domain_block_job_abort(QvirtDomain *dom, const char *disk, unsigned int flags,
                             GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk), .flags = flags };

    if (!check_flags(flags, QV_CTL_ABORT_FLAGS, "block job abort", error))
        return -1;
    return call(dom, QV_CTL_BLOCK_JOB_ABORT, &args, NULL, error);
}

int
qvirt_domain_get_block_job_info(QvirtDomain *dom, const char *disk,
                                QvirtDomainBlockJobInfo *info, unsigned int flags,
                                GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk) };
    g_auto(QvCtlJobInfo) ji = { 0 };
    g_autoptr(json_object) ret = NULL;

    memset(info, 0, sizeof(*info));
    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES, "block job info", error) ||
        call(dom, QV_CTL_BLOCK_JOB_INFO, &args, &ret, error) < 0)
        return -1;
    if (!ret)
        return 0;
    if (!qv_ctl_job_info_decode(ret, &ji, error))
        return -1;
    info->type = ji.type;
    info->cur = ji.cur;
    info->end = ji.end;
    info->bandwidth = (flags & QVIRT_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES) ? ji.bandwidth
                                                                            : ji.bandwidth >> 20;
    /* as libvirt: for a copy or active commit, cur == end means ready
     * (pivot possible), and only then */
    if (info->type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_COPY ||
        info->type == QVIRT_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT) {
        if (ji.ready)
            info->cur = info->end;
        else if (info->cur == info->end)
            info->end++;
    }
    return 1;
}

int
qvirt_domain_block_job_set_speed(QvirtDomain *dom, const char *disk, unsigned long bandwidth,
                                 unsigned int flags, GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk) };
    unsigned long long bw = 0;

    if (!check_flags(flags, QVIRT_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES, "block job speed", error) ||
        !bandwidth_bytes(bandwidth, flags & QVIRT_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES, &bw, error))
        return -1;
    args.bandwidth = bw;
    return call(dom, QV_CTL_BLOCK_JOB_SPEED, &args, NULL, error);
}


int
qvirt_domain_snapshot_create_xml(QvirtDomain *dom, const char *xml, unsigned int flags,
                                 GError **error)
{
    g_autoptr(QvSnapshotDef) def = NULL;
    g_auto(QvCtlArgs) args = { .flags = flags };

    if (!check_flags(flags, QV_CTL_SNAPSHOT_FLAGS, "snapshot", error))
        return -1;
    if (!(flags & QVIRT_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED, "snapshot: only disk-only snapshots are supported (give DISK_ONLY, --disk-only)");
        return -1;
    }
    if (!(def = qv_snapshot_parse_xml(xml, "the snapshot XML", error)))
        return -1;
    args.name = g_steal_pointer(&def->name);
    for (size_t i = 0; i < def->ndisks; i++) {
        const QvSnapshotDiskDef *d = def->disks[i];

        qv_ctl_args_add_snap_disk(&args, d->name, qv_snapshot_location_to_string(d->snapshot), d->src->path);
    }
    if (!args.name) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();

        args.name = g_strdup_printf("%" G_GINT64_FORMAT, g_date_time_to_unix(now));
    }
    return call(dom, QV_CTL_SNAPSHOT, &args, NULL, error);
}

int
qvirt_domain_block_job_wait(QvirtDomain *dom, const char *disk, unsigned int timeout_ms,
                            GError **error)
{
    g_auto(QvCtlArgs) args = { .disk = g_strdup(disk) };
    g_autoptr(json_object) ret = NULL;
    json_object *v = NULL;

    if (!qv_ctl_call(dom->conn->conn, dom->name, QV_CTL_BLOCK_JOB_WAIT, &args,
                     timeout_ms ? timeout_ms : QV_JOB_CALL_TIMEOUT_MS, &ret, error))
        return -1;
    return ret && json_object_object_get_ex(ret, QV_CTL_REPLY_READY, &v) &&
           json_object_get_boolean(v);
}
