/*
 * qv-migrate: qvirt_domain_migrate and the calls around it (job info,
 * abort, max speed).
 *
 * The migrating command drives both sides, as libvirt's client-driven
 * migration does, with no daemon anywhere:
 *
 *   begin     the flags and the guest checked here; the disks to copy,
 *             their sizes and the destination's definition decided
 *   prepare   the destination side (qv-migrate-dst.c, run locally for
 *             qvirt:///ROOT or through ssh) creates the images and
 *             starts QEMU to receive, answering where to send
 *   perform   the source's supervisor copies the disks and the RAM
 *             (qv-sup-migrate.c), letting the leases go at switchover
 *   finish    the destination takes the leases and continues
 *   confirm   the source's QEMU stops ("done"), or, when the finish
 *             failed, the guest runs here again with its leases
 *
 * A failure before the finish aborts both sides; the source's guest
 * never stops running for longer than the switchover.
 */
#include "lib/qv-migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "conf/qv-domain-xml.h"
#include "lib/qv-api-priv.h"
#include "lib/qv-launch.h"
#include "locking/qv-lock-config.h"
#include "supervisor/qv-control.h"
#include "supervisor/qv-status.h"
#include "util/qv-error.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"

#define KNOWN_FLAGS \
    (QVIRT_MIGRATE_LIVE | QVIRT_MIGRATE_PERSIST_DEST | QVIRT_MIGRATE_UNDEFINE_SOURCE | \
     QVIRT_MIGRATE_PAUSED | QVIRT_MIGRATE_NON_SHARED_DISK | QVIRT_MIGRATE_NON_SHARED_INC | \
     QVIRT_MIGRATE_UNSAFE | QVIRT_MIGRATE_OFFLINE | QVIRT_MIGRATE_ABORT_ON_ERROR | \
     QVIRT_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES)
#define COPY_FLAGS (QVIRT_MIGRATE_NON_SHARED_DISK | QVIRT_MIGRATE_NON_SHARED_INC)

/* The destination can take long: QEMU opening a deep chain, images made */
#define PREPARE_TIMEOUT_S 600
#define HELLO_TIMEOUT_S 60
#define PROGRESS_MS 500

/* ---- begin ---- */

typedef struct {
    QvirtDomain *dom;
    unsigned int flags;
    const QvirtMigrateParams *params;
    QvDomainDef *live;           /* what the source runs */
    QvDomainDef *dest;           /* what the destination will run */
    json_object *copy;           /* [{"disk", "size", "base"}] */
    json_object *files;          /* [{"path", "dev", "ino"}]: every file the source opened */
    GPtrArray *copied;           /* targets */
    Peer peer;
    bool same_host;
} Mig;

static bool
wanted_disk(const Mig *m, const QvDiskDef *disk)
{
    const char *const *list = m->params ? m->params->migrate_disks : NULL;

    if (list) {
        for (size_t i = 0; list[i]; i++) {
            if (strcmp(list[i], disk->dst) == 0)
                return true;
        }
        return false;
    }
    return disk->has_source && !disk->readonly && !disk->shareable &&
           (disk->device == QV_DISK_DEVICE_DISK || disk->device == QV_DISK_DEVICE_LUN) &&
           (disk->src->type == QV_STORAGE_QUORUM || qv_source_is_local(disk->src));
}

static void
add_files(json_object *files, const QvStorageSource *src)
{
    struct stat st;

    if (qv_source_is_local(src) && src->path && stat(src->path, &st) == 0)
        json_object_array_add(files, qv_json_new(NULL, "s:path", src->path,
                                                 "u:dev", (uint64_t)st.st_dev,
                                                 "u:ino", (uint64_t)st.st_ino, NULL));
    for (size_t i = 0; i < src->nbacking; i++)
        add_files(files, src->backing[i]);
}

/* Shared file systems: migration needs no copy of what is on them */
static int
fs_kind(const char *path)
{
    struct statfs sf;

    if (statfs(path, &sf) < 0)
        return 0;
    switch ((unsigned long)sf.f_type) {
    case 0x01161970UL:       /* GFS2 */
    case 0x7461636fUL:       /* OCFS2 */
        return 2;            /* a cluster file system */
    case 0x6969UL:           /* NFS */
    case 0xFF534D42UL:       /* CIFS */
    case 0xFE534D42UL:       /* SMB2 */
    case 0x00c36400UL:       /* CEPH */
    case 0x65735546UL:       /* FUSE (glusterfs) */
    case 0x47504653UL:       /* GPFS */
    case 0x0BD00BD0UL:       /* Lustre */
    case 0x19830326UL:       /* BeeGFS */
        return 1;
    default:
        return 0;
    }
}

/* libvirt's qemuMigrationSrcIsSafe */
static bool
check_safe(Mig *m, GError **error)
{
    for (size_t i = 0; i < m->live->ndisks; i++) {
        QvDiskDef *disk = m->live->disks[i];
        int kind;

        if (!disk->has_source || !qv_source_is_local(disk->src) || !disk->src->path ||
            disk->readonly || disk->shareable)
            continue;
        if (g_ptr_array_find_with_equal_func(m->copied, disk->dst, g_str_equal, NULL))
            continue;
        kind = fs_kind(disk->src->path);
        if (kind == 0 && !m->same_host) {
            g_set_error(error, QV_ERROR, QV_ERR_UNSAFE,
                        "Unsafe migration: Migration without shared storage is unsafe "
                        "(disk '%s', '%s'; --copy-storage-all copies it, --unsafe skips this "
                        "check)", disk->dst, disk->src->path);
            return false;
        }
        /* libvirt's cache check passes whenever QEMU can drop the host's
         * page cache at the switch (blockdev file drop-cache, QEMU 4.0
         * on), which every QEMU qvirt runs can: a cluster file system is
         * safe, and so is any other shared one */
    }
    return true;
}

static bool
check_flags(Mig *m, bool running, GError **error)
{
    unsigned int f = m->flags;
    const char *name = m->dom->name;

    if (!qv_api_check_flags(f, KNOWN_FLAGS, "migrate", error))
        return false;
    if ((f & COPY_FLAGS) == COPY_FLAGS) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "migrate: --copy-storage-all and --copy-storage-inc are mutually exclusive");
        return false;
    }
    if ((f & QVIRT_MIGRATE_OFFLINE) && (f & COPY_FLAGS)) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "offline migration cannot handle non-shared storage");
        return false;
    }
    if ((f & QVIRT_MIGRATE_OFFLINE) && !(f & QVIRT_MIGRATE_PERSIST_DEST)) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "offline migration must be specified with the persistent flag set");
        return false;
    }
    if ((f & QVIRT_MIGRATE_OFFLINE) && running) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s' is running: an offline migration moves a domain that is "
                    "shut off", name);
        return false;
    }
    if (!(f & QVIRT_MIGRATE_OFFLINE) && !running) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s' is not running (--offline moves its definition only)", name);
        return false;
    }
    if (m->params && m->params->migrate_disks && !(f & COPY_FLAGS)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "use of --migrate-disks requires --copy-storage-all or --copy-storage-inc");
        return false;
    }
    if ((f & QVIRT_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES) && !(f & COPY_FLAGS)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "--copy-storage-synchronous-writes requires --copy-storage-all or "
                    "--copy-storage-inc");
        return false;
    }
    return true;
}

/* The chain the destination's image will have: discovered there */
static void
forget_chain(QvDiskDef *disk)
{
    QvStorageSource *src = disk->src;
    QvStorageSource **list = src->type == QV_STORAGE_QUORUM ? src->backing : &src;
    size_t n = src->type == QV_STORAGE_QUORUM ? src->nbacking : 1;

    disk->chain_given = false;
    for (size_t i = 0; i < n; i++) {
        QvStorageSource *top = list[i];

        for (size_t k = 0; k < top->nbacking; k++)
            qv_source_free(top->backing[k]);
        g_clear_pointer(&top->backing, g_free);
        top->nbacking = 0;
        top->backing_known = false;
    }
}

static bool
plan_disks(Mig *m, GError **error)
{
    const char *const *list = m->params ? m->params->migrate_disks : NULL;

    for (size_t i = 0; list && list[i]; i++) {
        QvDiskDef *disk = qv_domain_find_disk(m->live, list[i]);

        if (!disk) {
            g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                        "domain '%s' has no disk '%s' (--migrate-disks)", m->dom->name, list[i]);
            return false;
        }
        if (!disk->has_source || disk->readonly) {
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                        "Cannot migrate empty or read-only disk %s", list[i]);
            return false;
        }
    }
    for (size_t i = 0; (m->flags & COPY_FLAGS) && i < m->live->ndisks; i++) {
        QvDiskDef *disk = m->live->disks[i];
        g_auto(QvCtlArgs) args = { .disk = g_strdup(disk->dst) };
        g_autoptr(json_object) info = NULL;
        json_object *base = NULL;
        uint64_t size = 0;

        if (!wanted_disk(m, disk))
            continue;
        if (!qv_api_call(m->dom, QV_CTL_DOMBLKINFO, &args, QV_API_CALL_TIMEOUT_MS, &info, error) ||
            !qv_json_get_uint64(info, "capacity", &size, NULL, error))
            return false;
        if ((m->flags & QVIRT_MIGRATE_NON_SHARED_INC) && disk->src->type != QV_STORAGE_QUORUM &&
            disk->src->nbacking && qv_source_is_local(disk->src->backing[0]))
            base = qv_json_new(NULL, "s:path", disk->src->backing[0]->path, "s:format",
                               qv_format_to_string(disk->src->backing[0]->format), NULL);
        json_object_array_add(m->copy, qv_json_new(NULL, "s:disk", disk->dst, "u:size", size,
                                                   "A:base", &base, NULL));
        g_ptr_array_add(m->copied, g_strdup(disk->dst));
    }
    return true;
}

static bool
plan_dest(Mig *m, GError **error)
{
    const QvirtMigrateParams *pr = m->params;

    if (pr && pr->dest_xml) {
        if (!(m->dest = qv_domain_parse_xml(pr->dest_xml, "the destination's XML (--xml)", 0,
                                            error)))
            return false;
        if (strcmp(m->dest->uuid, m->live->uuid) != 0) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "the destination's XML is for uuid %s; domain '%s' is %s",
                        m->dest->uuid, m->dom->name, m->live->uuid);
            return false;
        }
        for (size_t i = 0; i < m->live->ndisks; i++) {
            if (!qv_domain_find_disk(m->dest, m->live->disks[i]->dst)) {
                g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                            "the destination's XML has no disk '%s', which the guest runs with",
                            m->live->disks[i]->dst);
                return false;
            }
        }
        if (m->dest->ndisks != m->live->ndisks) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "the destination's XML has %zu disks; the guest runs with %zu",
                        m->dest->ndisks, m->live->ndisks);
            return false;
        }
    } else {
        g_autofree char *xml = qv_domain_format_xml(m->live, 0);

        if (!(m->dest = qv_domain_parse_xml(xml, "the migrated definition", 0, error)))
            return false;
    }
    if (pr && pr->dest_name) {
        g_free(m->dest->name);
        m->dest->name = g_strdup(pr->dest_name);
    }
    for (guint i = 0; i < m->copied->len; i++)
        forget_chain(qv_domain_find_disk(m->dest, m->copied->pdata[i]));
    return true;
}

/* ---- perform ---- */

static void
fill_info(json_object *o, QvirtDomainJobInfo *info)
{
    static const char *const phases[] = { "storage", "memory", "switchover", "cancelling",
                                          "completed" };
    const char *phase = NULL;
    uint64_t v;

    memset(info, 0, sizeof(*info));
    if (!o)
        return;
    info->type = QVIRT_DOMAIN_JOB_UNBOUNDED;
    qv_json_get_string(o, "phase", &phase, NULL);
    for (size_t i = 0; phase && i < G_N_ELEMENTS(phases); i++) {
        if (strcmp(phases[i], phase) == 0)
            info->phase = phases[i];
    }
#define GET(key, field) \
    if (qv_json_get_uint64(o, key, &v, NULL, NULL)) \
        info->field = v
    GET("elapsed_ms", time_elapsed);
    GET("disk_total", file_total);
    GET("disk_processed", file_processed);
    GET("disk_remaining", file_remaining);
    GET("mem_total", mem_total);
    GET("mem_processed", mem_processed);
    GET("mem_remaining", mem_remaining);
#undef GET
    info->data_total = info->file_total + info->mem_total;
    info->data_processed = info->file_processed + info->mem_processed;
    info->data_remaining = info->file_remaining + info->mem_remaining;
}

static void
report_progress(Mig *m)
{
    g_autoptr(json_object) ret = NULL;
    QvirtDomainJobInfo info;

    if (!m->params || !m->params->progress ||
        !qv_api_call(m->dom, QV_CTL_MIGRATE_INFO, NULL, QV_API_CALL_TIMEOUT_MS, &ret, NULL) ||
        !ret)
        return;
    fill_info(ret, &info);
    m->params->progress(m->dom, &info, m->params->opaque);
}

/* The source's "migrate": its answer, while the progress is told and
 * the destination watched (gone: the source aborts) */
static bool
perform(Mig *m, json_object *args, json_object **ret, GError **error)
{
    g_autoptr(QvGuestFiles) files = qv_guest_files_new(m->dom->conn->conn->paths, m->dom->name);
    g_auto(QvCtlArgs) cargs = { .arguments = args };
    g_autoptr(json_object) req = NULL, answer = NULL;
    g_autofree char *what = g_strdup_printf("the supervisor of domain '%s'", m->dom->name);
    bool peer_gone = false;
    int fd;

    if (!(req = qv_ctl_encode(QV_CTL_MIGRATE, &cargs, error)) ||
        (fd = qv_ctl_connect(files->sock, error)) < 0)
        return false;
    if (!qv_ctl_write_line(fd, req, error)) {
        close(fd);
        return false;
    }
    for (;;) {
        struct pollfd pfd[2] = { { fd, POLLIN, 0 }, { m->peer.from, POLLIN, 0 } };
        int n = poll(pfd, peer_gone ? 1 : 2, PROGRESS_MS);

        if (n < 0 && errno == EINTR)
            continue;
        if (pfd[0].revents) {
            answer = qv_ctl_read_line(fd, g_get_monotonic_time() + 60 * G_USEC_PER_SEC, what,
                                      NULL, error);
            break;
        }
        if (!peer_gone && pfd[1].revents) {
            /* the destination says nothing before it is asked: it died */
            peer_gone = true;
            qv_api_call(m->dom, QV_CTL_MIGRATE_ABORT, NULL, QV_API_CALL_TIMEOUT_MS, NULL, NULL);
            continue;
        }
        report_progress(m);
    }
    close(fd);
    if (!answer || !qv_ctl_unpack(answer, ret, error)) {
        if (peer_gone) {
            g_autofree char *err = qv_migrate_peer_stderr(&m->peer);

            g_clear_error(error);
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_FAILED,
                        "domain '%s': migration: %s went away%s%s", m->dom->name,
                        m->peer.what, err ? ": " : "", err ? err : "");
        }
        return false;
    }
    if (peer_gone) {
        /* QEMU completed here, but nobody is there to finish: it never
         * ran there (it was never told to); take_back resumes it here */
        g_autofree char *err = qv_migrate_peer_stderr(&m->peer);

        json_object_put(*ret);
        *ret = NULL;
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_FAILED,
                    "domain '%s': migration: %s went away%s%s", m->dom->name, m->peer.what,
                    err ? ": " : "", err ? err : "");
        return false;
    }
    return true;
}

/* The addresses the source's QEMU connects to */
static json_object *
source_nbd(Mig *m, json_object *nbd)
{
    json_object *data = NULL;
    const char *type = NULL, *host = NULL, *port = NULL, *path = NULL;

    if (!nbd || !qv_json_get_string(nbd, "type", &type, NULL) ||
        !json_object_object_get_ex(nbd, "data", &data))
        return NULL;
    if (type && strcmp(type, "unix") == 0 && qv_json_get_string(data, "path", &path, NULL) && path)
        return qv_json_new(NULL, "s:type", "unix", "s:path", path, NULL);
    qv_json_get_string(data, "host", &host, NULL);
    qv_json_get_string(data, "port", &port, NULL);
    if (!host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
        host = m->peer.host ? m->peer.host : "127.0.0.1";
    return qv_json_new(NULL, "s:type", "inet", "s:host", host, "s:port", port ? port : "0", NULL);
}

static char *
source_uri(Mig *m, const char *uri)
{
    /* tcp:0.0.0.0:PORT is where it listens; the source goes to the host */
    if (g_str_has_prefix(uri, "tcp:0.0.0.0:") && m->peer.host)
        return g_strdup_printf("tcp:%s:%s", m->peer.host, uri + strlen("tcp:0.0.0.0:"));
    return g_strdup(uri);
}

static json_object *
prepare_msg(Mig *m, bool offline)
{
    g_autofree char *xml = qv_domain_format_xml(m->dest, 0);
    g_autofree char *boot = qv_migrate_boot_id();
    const QvirtMigrateParams *pr = m->params;
    json_object *listen = m->peer.host ?
        qv_json_new(NULL, "s:type", "tcp", "s:host", m->peer.host, NULL) :
        qv_json_new(NULL, "s:type", "unix", NULL);

    return qv_json_new(NULL, "s:cmd", "prepare", "i:qvirt-migration", QV_MIGRATE_PROTOCOL,
                       "s:name", m->dest->name, "s:uuid", m->dest->uuid, "s:xml", xml,
                       "b:persistent", (m->flags & QVIRT_MIGRATE_PERSIST_DEST) != 0,
                       "b:suspend", (m->flags & QVIRT_MIGRATE_PAUSED) != 0,
                       "b:offline", offline,
                       "a:copy", &(json_object *){ json_object_get(m->copy) },
                       "a:source_files", &(json_object *){ json_object_get(m->files) },
                       "s:boot_id", boot, "a:listen", &listen,
                       "S:migrate_uri", pr ? pr->migrate_uri : NULL,
                       "S:disks_uri", pr ? pr->disks_uri : NULL, NULL);
}

static void
fill_result(Mig *m, json_object *stats, gint64 t0)
{
    QvirtMigrateResult *r = m->params ? m->params->result : NULL;
    json_object *q = NULL, *ram = NULL, *v;

    if (!r)
        return;
    memset(r, 0, sizeof(*r));
    r->total_ms = (uint64_t)((g_get_monotonic_time() - t0) / 1000);
    if (stats && json_object_object_get_ex(stats, "disk_bytes", &v))
        r->disk_bytes = json_object_get_uint64(v);
    if (!stats || !json_object_object_get_ex(stats, "qemu", &q))
        return;
    if (json_object_object_get_ex(q, "total-time", &v))
        r->memory_ms = json_object_get_uint64(v);
    if (json_object_object_get_ex(q, "downtime", &v))
        r->downtime_ms = json_object_get_uint64(v);
    if (json_object_object_get_ex(q, "ram", &ram) &&
        json_object_object_get_ex(ram, "transferred", &v))
        r->memory_bytes = json_object_get_uint64(v);
}

static void
abort_peer(Mig *m)
{
    g_autoptr(json_object) ret = NULL;
    g_autoptr(GError) err = NULL;

    if (m->peer.to >= 0 && !qv_migrate_peer_call(&m->peer, qv_json_new(NULL, "s:cmd", "abort", NULL),
                                      QV_API_CALL_TIMEOUT_MS / 1000, &ret, &err))
        g_debug("migration: the destination's abort: %s", err->message);
}

static bool
hello(Mig *m, GError **error)
{
    g_autoptr(json_object) h = NULL;
    g_autofree char *boot = qv_migrate_boot_id();
    g_autofree char *driver = NULL;
    const char *their_boot = NULL, *their_driver = NULL;
    int64_t version = 0;
    json_object *v;

    if (!(h = qv_ctl_read_line(m->peer.from, g_get_monotonic_time() +
                               HELLO_TIMEOUT_S * G_USEC_PER_SEC, m->peer.what, NULL, error))) {
        qv_migrate_peer_fail(&m->peer, error);
        return false;
    }
    if (json_object_object_get_ex(h, "ok", NULL)) {
        g_autoptr(json_object) ret = NULL;

        /* it failed before it could say hello */
        if (qv_ctl_unpack(h, &ret, error))
            g_set_error(error, QV_ERROR, QV_ERR_INTERNAL, "%s answered before it was asked",
                        m->peer.what);
        qv_migrate_peer_fail(&m->peer, error);
        return false;
    }
    if (json_object_object_get_ex(h, "qvirt-migration", &v))
        version = json_object_get_int64(v);
    if (version != QV_MIGRATE_PROTOCOL) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "%s speaks migration protocol %" G_GINT64_FORMAT "; this qvirt speaks %d",
                    m->peer.what, version, QV_MIGRATE_PROTOCOL);
        return false;
    }
    qv_json_get_string(h, "boot_id", &their_boot, NULL);
    qv_json_get_string(h, "lock_driver", &their_driver, NULL);
    m->same_host = their_boot && strcmp(their_boot, boot) == 0;
    {
        g_autoptr(QvLockConfig) cfg = qv_lock_config_load(m->dom->conn->conn->paths->config_dir,
                                                           error);

        if (!cfg)
            return false;
        driver = g_strdup(qv_lock_manager_kind_to_string(cfg->manager));
    }
    if (their_driver && driver && strcmp(their_driver, driver) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "Source host lock driver %s different from target %s", driver, their_driver);
        return false;
    }
    return true;
}

/* What the destination answered must be a stream qvirt opens itself:
 * never an exec: or fd: URI that QEMU would act on */
static bool
check_stream_uri(Mig *m, const char *uri, GError **error)
{
    const char *rest = NULL;

    if (g_str_has_prefix(uri, "unix:/") && !strchr(uri, ','))
        return true;
    if (g_str_has_prefix(uri, "tcp:") && (rest = strrchr(uri + 4, ':')) && rest[1]) {
        bool digits = true;

        for (const char *c = rest + 1; *c; c++)
            digits = digits && g_ascii_isdigit(*c);
        if (digits && rest > uri + 4 && !strchr(uri, ','))
            return true;
    }
    g_set_error(error, QV_ERROR, QV_ERR_UNSAFE,
                "%s answered the migration stream '%s'; qvirt sends RAM only to tcp:HOST:PORT "
                "or unix:PATH", m->peer.what, uri);
    return false;
}

/* The destination exports exactly the disks to copy; into @disks
 * [{"disk", "export"}] for the source */
static bool
check_exports(Mig *m, json_object *exports, json_object *disks, GError **error)
{
    size_t n = exports ? json_object_array_length(exports) : 0;

    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(exports, i);
        const char *t = NULL, *name = NULL;

        if (!qv_json_require_string(e, "disk", &t, error) ||
            !qv_json_require_string(e, "name", &name, error))
            return false;
        if (!g_ptr_array_find_with_equal_func(m->copied, t, g_str_equal, NULL)) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "%s exports disk '%s', which is not to be copied", m->peer.what, t);
            return false;
        }
        json_object_array_add(disks, qv_json_new(NULL, "s:disk", t, "s:export", name, NULL));
    }
    if (n != m->copied->len) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "%s exports %zu disks; %u are to be copied", m->peer.what, n,
                    m->copied->len);
        return false;
    }
    return true;
}

/* The disks whose images are files or block devices here */
static guint
count_local_disks(Mig *m)
{
    guint n = 0;

    for (size_t i = 0; i < m->live->ndisks; i++) {
        QvDiskDef *disk = m->live->disks[i];

        if (disk->has_source &&
            (disk->src->type == QV_STORAGE_QUORUM || qv_source_is_local(disk->src)))
            n++;
    }
    return n;
}

/* After a failed perform: a source whose QEMU completed before the
 * failure waits paused for this (the destination is undone now) */
static void
take_back(Mig *m)
{
    g_auto(QvCtlArgs) cargs = { .name = g_strdup("resume") };
    g_autoptr(GError) err = NULL;

    if (!qv_api_call(m->dom, QV_CTL_MIGRATE_CONFIRM, &cargs, QV_API_CALL_TIMEOUT_MS, NULL,
                     &err) && !g_error_matches(err, QV_ERROR, QV_ERR_OPERATION_INVALID))
        g_printerr("qvirt: domain '%s': %s\n", m->dom->name, err->message);
}

static int
migrate(Mig *m, const char *dest_uri, GError **error)
{
    g_autoptr(json_object) prep = NULL, stats = NULL, fin = NULL, args = NULL, nbd = NULL;
    g_autoptr(GError) ferr = NULL;
    const char *uri = NULL, *lock_state = NULL;
    g_autofree char *suri = NULL;
    json_object *exports = NULL, *disks = json_object_new_array();
    gint64 t0 = g_get_monotonic_time();
    bool offline = m->flags & QVIRT_MIGRATE_OFFLINE;
    g_auto(QvCtlArgs) cargs = { 0 };

    if (!qv_migrate_peer_start(dest_uri, &m->peer, error) || !hello(m, error))
        goto fail_disks;
    if (!offline && !(m->flags & QVIRT_MIGRATE_UNSAFE) && !check_safe(m, error))
        goto fail_disks;
    if (!qv_migrate_peer_call(&m->peer, prepare_msg(m, offline), PREPARE_TIMEOUT_S, &prep, error))
        goto fail_disks;
    if (offline) {
        json_object_put(disks);
        goto finish;
    }
    if (!qv_json_require_string(prep, "migrate_uri", &uri, error) ||
        !qv_json_get_array(prep, "exports", &exports, error) ||
        !check_stream_uri(m, uri, error) ||
        !check_exports(m, exports, disks, error))
        goto fail_disks;
    {
        json_object *d = NULL;

        json_object_object_get_ex(prep, "nbd", &d);
        if (m->copied->len && !(nbd = source_nbd(m, d))) {
            g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                        "%s answered no NBD server (unix or inet) for the disks to copy",
                        m->peer.what);
            goto fail_disks;
        }
    }
    suri = source_uri(m, uri);
    args = qv_json_new(error, "s:uri", suri, "a:disks", &disks, "A:nbd",
                       &(json_object *){ nbd ? json_object_get(nbd) : NULL },
                       "s:sync", (m->flags & QVIRT_MIGRATE_NON_SHARED_INC) ? "top" : "full",
                       "b:write_blocking",
                       (m->flags & QVIRT_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES) != 0,
                       "b:abort_on_error", (m->flags & QVIRT_MIGRATE_ABORT_ON_ERROR) != 0,
                       "b:live", (m->flags & QVIRT_MIGRATE_LIVE) != 0,
                       "U:bandwidth", (uint64_t)(m->params ? m->params->bandwidth : 0) << 20,
                       "U:timeout", (uint64_t)(m->params ? m->params->timeout_s : 0), NULL);
    if (!args || !perform(m, g_steal_pointer(&args), &stats, error)) {
        /* the destination is undone first (it never ran the guest: it
         * was never told to finish); a source whose QEMU had completed
         * waits for that before it runs the guest again */
        abort_peer(m);
        take_back(m);
        return -1;
    }
    qv_json_get_string(stats, "lock_state", &lock_state, NULL);
finish:
    if (!qv_migrate_peer_call(&m->peer, qv_json_new(NULL, "s:cmd", "finish", "S:lock_state", lock_state,
                                         "b:suspend", (m->flags & QVIRT_MIGRATE_PAUSED) != 0,
                                         NULL), PREPARE_TIMEOUT_S, &fin, &ferr)) {
        if (!offline && !m->peer.answered) {
            /* no answer: it may run there; it must not run twice */
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_FAILED,
                        "domain '%s': migration: %s did not answer its finish (%s): the guest "
                        "stays paused here; if it does not run there, 'qvirt domjobabort %s' "
                        "takes it back here", m->dom->name, m->peer.what, ferr->message,
                        m->dom->name);
            return -1;
        }
        /* it answered: it has undone its side, the guest runs here again */
        if (!offline) {
            cargs.name = g_strdup("resume");
            if (!qv_api_call(m->dom, QV_CTL_MIGRATE_CONFIRM, &cargs, QV_API_CALL_TIMEOUT_MS,
                             NULL, error)) {
                g_prefix_error(error, "the destination failed (%s), and the guest could not "
                               "resume here: ", ferr->message);
                return -1;
            }
        }
        g_propagate_error(error, g_steal_pointer(&ferr));
        g_prefix_error(error, "domain '%s': migration: ", m->dom->name);
        return -1;
    }
    if (!offline) {
        /* images the other host keeps using keep their labels there */
        cargs.name = g_strdup(!m->same_host && m->copied->len < count_local_disks(m) ?
                              "done-shared" : "done");
        if (!qv_api_call(m->dom, QV_CTL_MIGRATE_CONFIRM, &cargs, QV_API_CALL_TIMEOUT_MS * 2,
                         NULL, error)) {
            g_prefix_error(error, "the guest runs on the destination, but its QEMU here did "
                           "not stop: ");
            return -1;
        }
    }
    if ((m->flags & QVIRT_MIGRATE_UNDEFINE_SOURCE) &&
        !qv_conn_undefine(m->dom->conn->conn, m->dom->name, error)) {
        g_prefix_error(error, "the guest runs on the destination; --undefinesource: ");
        return -1;
    }
    fill_result(m, stats, t0);
    return 0;

fail_disks:
    json_object_put(disks);
    abort_peer(m);
    return -1;
}

int
qvirt_domain_migrate(QvirtDomain *dom, const char *dest_uri, const QvirtMigrateParams *params,
                     unsigned int flags, GError **error)
{
    g_autoptr(QvGuestFiles) files = NULL;
    Mig m = { .dom = dom, .flags = flags, .params = params, .peer = { .to = -1, .from = -1 } };
    int state = QVIRT_DOMAIN_SHUTOFF, ret = -1;

    g_return_val_if_fail(dom != NULL && dest_uri != NULL, -1);
    if (qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0 ||
        !check_flags(&m, state != QVIRT_DOMAIN_SHUTOFF, error))
        return -1;
    files = qv_guest_files_new(dom->conn->conn->paths, dom->name);
    if (state != QVIRT_DOMAIN_SHUTOFF)
        m.live = qv_domain_parse_file(files->status, QV_DOMAIN_XML_STATUS | QV_DOMAIN_XML_NO_SCHEMA,
                                      error);
    else
        m.live = qv_conn_lookup(dom->conn->conn, dom->name, error);
    if (!m.live)
        return -1;
    m.copy = json_object_new_array();
    m.files = json_object_new_array();
    m.copied = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < m.live->ndisks; i++) {
        if (m.live->disks[i]->has_source)
            add_files(m.files, m.live->disks[i]->src);
    }
    if (plan_disks(&m, error) && plan_dest(&m, error))
        ret = migrate(&m, dest_uri, error);
    qv_migrate_peer_close(&m.peer);
    qv_domain_def_free(m.live);
    if (m.dest)
        qv_domain_def_free(m.dest);
    json_object_put(m.copy);
    json_object_put(m.files);
    g_ptr_array_free(m.copied, TRUE);
    return ret;
}

int
qvirt_domain_get_job_info(QvirtDomain *dom, QvirtDomainJobInfo *info, GError **error)
{
    g_autoptr(json_object) ret = NULL;
    int state;

    memset(info, 0, sizeof(*info));
    if (qvirt_domain_get_state(dom, &state, NULL, 0, error) < 0)
        return -1;
    if (state == QVIRT_DOMAIN_SHUTOFF)
        return 0;
    if (!qv_api_call(dom, QV_CTL_MIGRATE_INFO, NULL, QV_API_CALL_TIMEOUT_MS, &ret, error))
        return -1;
    fill_info(ret, info);
    return 0;
}

int
qvirt_domain_abort_job(QvirtDomain *dom, GError **error)
{
    return qv_api_call(dom, QV_CTL_MIGRATE_ABORT, NULL, QV_API_CALL_TIMEOUT_MS, NULL, error) ?
           0 : -1;
}

int
qvirt_domain_migrate_set_max_speed(QvirtDomain *dom, unsigned long bandwidth,
                                   unsigned int flags, GError **error)
{
    g_auto(QvCtlArgs) args = { 0 };

    if (!qv_api_check_flags(flags, 0, "migrate-setspeed", error))
        return -1;
    if ((uint64_t)bandwidth > (G_MAXUINT64 >> 21)) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "migrate-setspeed: %lu MiB/s is too large", bandwidth);
        return -1;
    }
    /* 0 is unlimited: sent as the largest value so that it is sent at all */
    args.bandwidth = bandwidth ? (uint64_t)bandwidth << 20 : G_MAXUINT64 >> 1;
    return qv_api_call(dom, QV_CTL_MIGRATE_SPEED, &args, QV_API_CALL_TIMEOUT_MS, NULL, error) ?
           0 : -1;
}

int
qvirt_domain_migrate_get_max_speed(QvirtDomain *dom, unsigned long *bandwidth,
                                   unsigned int flags, GError **error)
{
    g_autoptr(json_object) ret = NULL;
    uint64_t bw = 0;

    if (!qv_api_check_flags(flags, 0, "migrate-getspeed", error) ||
        !qv_api_call(dom, QV_CTL_MIGRATE_SPEED, NULL, QV_API_CALL_TIMEOUT_MS, &ret, error) ||
        !qv_json_get_uint64(ret, "bandwidth", &bw, NULL, error))
        return -1;
    *bandwidth = (unsigned long)(bw >> 20);
    return 0;
}
