/*
 * qv-migrate-dst: the destination's side of a migration, `qvirt
 * __migrate-incoming [--root ROOT]`, on this host or at the other end of
 * ssh.  It speaks the migration protocol (docs/migration-protocol.md) on
 * stdin/stdout:
 *
 *   hello (sent first)  this host: protocol, boot id, lock driver
 *   prepare             checks, the images to copy into created, QEMU
 *                       started to receive (a supervisor in incoming
 *                       mode); answered with where to send RAM and disks
 *   finish              QEMU has it all: leases, cont; definition kept
 *   abort, or EOF       everything it made goes again: QEMU, the images
 *                       it created, the guest's files
 *
 * It lives for the whole migration, so a source that goes away (EOF:
 * the migrating command died, ssh dropped) undoes the destination too.
 */
#include "lib/qv-migrate.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/qv-domain-xml.h"
#include "lib/qv-api-priv.h"
#include "lib/qv-launch.h"
#include "locking/qv-lock-config.h"
#include "security/qv-security-conf.h"
#include "storage/qv-chain.h"
#include "storage/qv-image.h"
#include "supervisor/qv-control.h"
#include "supervisor/qv-status.h"
#include "util/qv-error.h"
#include "util/qv-file.h"
#include "util/qv-json.h"
#include "util/qv-json-build.h"

typedef struct {
    QvirtConnect *conn;
    char *name;
    GPtrArray *created;          /* paths of images made here */
    bool started;                /* the supervisor runs */
    bool had_definition;         /* the domain was defined here before */
    bool persistent;
    bool finished;               /* the guest runs here: nothing is undone */
    bool defined;                /* the finish defined it (it was not before) */
    char *xml;
    char *incoming;              /* the parameters' file */
    char *sockdir;               /* run/NAME.migration, or NULL */
} Dst;

char *
qv_migrate_boot_id(void)
{
    g_autofree char *id = NULL;

    if (!g_file_get_contents("/proc/sys/kernel/random/boot_id", &id, NULL, NULL))
        return g_strdup("unknown");
    return g_strstrip(g_steal_pointer(&id));
}

static bool
send_msg(int fd, json_object *msg)
{
    g_autoptr(GError) err = NULL;

    if (!qv_ctl_write_line(fd, msg, &err)) {
        g_printerr("qvirt migration destination: %s\n", err->message);
        return false;
    }
    return true;
}

static bool
reply(int fd, json_object *ret, const GError *err)
{
    g_autoptr(json_object) a = json_object_new_object();

    json_object_object_add(a, "ok", json_object_new_boolean(err == NULL));
    if (err) {
        json_object_object_add(a, "error", json_object_new_string(err->message));
        json_object_object_add(a, "code", json_object_new_int(err->domain == QV_ERROR ?
                                                                  err->code : QV_ERR_INTERNAL));
        json_object_put(ret);
    } else {
        json_object_object_add(a, "return", ret);
    }
    return send_msg(fd, a);
}

static char *
lock_driver_name(QvConn *conn)
{
    g_autoptr(QvLockConfig) cfg = qv_lock_config_load(conn->paths->config_dir, NULL);

    return g_strdup(cfg ? qv_lock_manager_kind_to_string(cfg->manager) : "unknown");
}

/* ---- prepare ---- */

/* The image at @path is one the source guest has open (same host) */
static bool
is_source_file(json_object *files, const struct stat *st)
{
    for (size_t i = 0; files && i < json_object_array_length(files); i++) {
        json_object *f = json_object_array_get_idx(files, i);
        uint64_t dev = 0, ino = 0;

        if (qv_json_get_uint64(f, "dev", &dev, NULL, NULL) &&
            qv_json_get_uint64(f, "ino", &ino, NULL, NULL) &&
            (dev_t)dev == st->st_dev && (ino_t)ino == st->st_ino)
            return true;
    }
    return false;
}

/* One image to receive a copy: made here, or one that exists already
 * with the same size (never the source's own file) */
static bool
make_image(Dst *d, const char *target, const QvStorageSource *src, uint64_t size,
           const QvStorageSource *base, json_object *files, bool same_host, GError **error)
{
    struct stat st;

    if (!qv_source_is_local(src) || !src->path) {
        g_set_error(error, QV_ERROR, QV_ERR_UNSUPPORTED,
                    "disk '%s': the destination's image is not a local file; qvirt copies "
                    "only into files and block devices", target);
        return false;
    }
    if (stat(src->path, &st) == 0) {
        g_autoptr(QvStorageSource) probe = qv_source_copy(src);
        g_autoptr(GError) err = NULL;

        if (same_host && is_source_file(files, &st)) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "disk '%s': the destination image '%s' is the very file the source "
                        "guest uses; give the destination other paths (--xml) or migrate "
                        "without copying storage", target, src->path);
            return false;
        }
        probe->nbacking = 0;
        probe->backing = NULL;
        probe->backing_known = false;
        if (S_ISREG(st.st_mode) && qv_chain_discover(probe, &err) && probe->sizes_known &&
            probe->capacity != size) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "disk '%s': the destination image '%s' exists with a size of %" G_GUINT64_FORMAT
                        " bytes; the disk has %" G_GUINT64_FORMAT, target, src->path,
                        probe->capacity, size);
            return false;
        }
        return true;
    }
    if (errno != ENOENT) {
        qv_error_set_errno(error, errno, "disk '%s': cannot read '%s'", target, src->path);
        return false;
    }
    if (!qv_image_create(src->path, src->format != QV_FORMAT_NONE ? src->format : QV_FORMAT_RAW,
                         size, base, error)) {
        g_prefix_error(error, "disk '%s': ", target);
        return false;
    }
    g_ptr_array_add(d->created, g_strdup(src->path));
    return true;
}

static bool
make_images(Dst *d, QvDomainDef *def, json_object *copy, json_object *files, bool same_host,
            GError **error)
{
    for (size_t i = 0; copy && i < json_object_array_length(copy); i++) {
        json_object *c = json_object_array_get_idx(copy, i), *b = NULL;
        const char *target = NULL, *bpath = NULL, *bfmt = NULL;
        g_autoptr(QvStorageSource) base = NULL;
        uint64_t size = 0;
        QvDiskDef *disk;

        if (!qv_json_require_string(c, "disk", &target, error) ||
            !qv_json_get_uint64(c, "size", &size, NULL, error) ||
            !qv_json_get_object(c, "base", &b, error))
            return false;
        if (!(disk = qv_domain_find_disk(def, target)) || !disk->src) {
            g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                        "disk '%s' to copy has no source in the destination's definition", target);
            return false;
        }
        if (b && qv_json_require_string(b, "path", &bpath, error) &&
            qv_json_get_string(b, "format", &bfmt, error)) {
            base = qv_source_new(QV_STORAGE_FILE);
            base->path = g_strdup(bpath);
            base->format = bfmt ? qv_format_from_string(bfmt) : QV_FORMAT_RAW;
            if (access(bpath, R_OK) < 0) {
                g_set_error(error, QV_ERROR, QV_ERR_NOT_FOUND,
                            "disk '%s': --copy-storage-inc needs the same base image on the "
                            "destination, and '%s' is not there", target, bpath);
                return false;
            }
        } else if (error && *error) {
            return false;
        }
        if (disk->src->type == QV_STORAGE_QUORUM) {
            /* every child receives what the quorum writes */
            for (size_t k = 0; k < disk->src->nbacking; k++) {
                if (!make_image(d, target, disk->src->backing[k], size, NULL, files, same_host,
                                error))
                    return false;
            }
        } else if (!make_image(d, target, disk->src, size, base, files, same_host, error)) {
            return false;
        }
    }
    return true;
}

/* A free TCP port of libvirt's migration range on @host */
static int
free_port(int skip, GError **error)
{
    const int n = QV_MIGRATE_PORT_MAX - QV_MIGRATE_PORT_MIN + 1;
    /* from a random place: two migrations at once rarely pick one port */
    int first = g_random_int_range(0, n);

    for (int k = 0; k < n; k++) {
        int port = QV_MIGRATE_PORT_MIN + (first + k) % n;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
        int fd, one = 1;
        bool ok;

        if (port == skip)
            continue;
        if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
            break;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return port;
    }
    g_set_error(error, QV_ERROR, QV_ERR_BUSY, "no free port in %d-%d for the migration's "
                "streams", QV_MIGRATE_PORT_MIN, QV_MIGRATE_PORT_MAX);
    return -1;
}

/* "tcp://HOST[:PORT]", "tcp:HOST:PORT" or "unix:PATH" (also unix:///PATH) */
static bool
parse_stream_uri(const char *uri, char **host, int *port, char **path, GError **error)
{
    const char *rest;

    *host = *path = NULL;
    *port = 0;
    if (g_str_has_prefix(uri, "unix:")) {
        rest = uri + 5;
        if (g_str_has_prefix(rest, "//"))
            rest += 2;
        if (*rest != '/')
            goto bad;
        *path = g_strdup(rest);
        return true;
    }
    if (g_str_has_prefix(uri, "tcp://"))
        rest = uri + 6;
    else if (g_str_has_prefix(uri, "tcp:"))
        rest = uri + 4;
    else
        goto bad;
    {
        const char *colon = strrchr(rest, ':');
        const char *end = rest + strlen(rest);

        if (end > rest && end[-1] == '/')
            end--;
        if (colon && colon < end) {
            g_autofree char *p = g_strndup(colon + 1, (gsize)(end - colon - 1));
            char *e = NULL;
            long v = strtol(p, &e, 10);

            if (!*p || *e || v <= 0 || v > 65535)
                goto bad;
            *port = (int)v;
            end = colon;
        }
        *host = g_strndup(rest, (gsize)(end - rest));
        if (!**host) {
            g_clear_pointer(host, g_free);
            goto bad;
        }
    }
    return true;
bad:
    g_set_error(error, QV_ERROR, QV_ERR_PARSE,
                "'%s' is not a migration stream URI (tcp://HOST[:PORT] or unix:PATH)", uri);
    return false;
}

/* The socket folder and what QEMU left in it */
static void
remove_socket_dir(Dst *d)
{
    g_autoptr(GDir) dir = NULL;
    const char *f;

    if (!d->sockdir)
        return;
    if ((dir = g_dir_open(d->sockdir, 0, NULL))) {
        while ((f = g_dir_read_name(dir))) {
            g_autofree char *p = g_build_filename(d->sockdir, f, NULL);

            unlink(p);
        }
    }
    rmdir(d->sockdir);
}

/* The folder of the unix sockets QEMU listens on: QEMU's own (it runs
 * as its user, the run folder is root's), run/NAME.migration */
static const char *
socket_dir(Dst *d, GError **error)
{
    g_autoptr(QvSecurityConfig) cfg = NULL;
    g_autoptr(QvQemuCred) cred = NULL;

    if (d->sockdir)
        return d->sockdir;
    if (!(cfg = qv_security_config_load(d->conn->conn->paths->config_dir, error)) ||
        !(cred = qv_security_resolve(cfg, error)))
        return NULL;
    d->sockdir = g_strdup_printf("%s/%s.migration", d->conn->conn->paths->run_dir, d->name);
    /* one a failed destination left */
    {
        Dst old = { .sockdir = d->sockdir };

        remove_socket_dir(&old);
    }
    if (!qv_mkdir_p(d->conn->conn->paths->run_dir, 0755, error))
        return NULL;
    if (mkdir(d->sockdir, 0700) < 0 && errno != EEXIST) {
        qv_error_set_errno(error, errno, "cannot make '%s'", d->sockdir);
        g_clear_pointer(&d->sockdir, g_free);
        return NULL;
    }
    if (cred->change && chown(d->sockdir, cred->uid, cred->gid) < 0) {
        qv_error_set_errno(error, errno, "cannot give '%s' to QEMU's user '%s'", d->sockdir,
                           cred->user);
        g_clear_pointer(&d->sockdir, g_free);
        return NULL;
    }
    return d->sockdir;
}

/* Where QEMU listens: the RAM stream's URI and the NBD server's address */
static bool
pick_addresses(Dst *d, json_object *req, bool exports, char **mig_uri, json_object **nbd,
               GError **error)
{
    QvGuestFiles *files = qv_guest_files_new(d->conn->conn->paths, d->name);
    const char *type = NULL, *host = NULL, *muri = NULL, *duri = NULL;
    json_object *listen = NULL;
    bool unix_socks;
    int port = 0;
    bool ok = false;

    if (!qv_json_get_object(req, "listen", &listen, error) ||
        (listen && (!qv_json_get_string(listen, "type", &type, error) ||
                    !qv_json_get_string(listen, "host", &host, error))) ||
        !qv_json_get_string(req, "migrate_uri", &muri, error) ||
        !qv_json_get_string(req, "disks_uri", &duri, error))
        goto out;
    unix_socks = !type || strcmp(type, "unix") == 0;
    if (muri) {
        g_autofree char *h = NULL, *p = NULL;
        int pt;

        if (!parse_stream_uri(muri, &h, &pt, &p, error))
            goto out;
        if (p)
            *mig_uri = g_strdup_printf("unix:%s", p);
        else if ((pt = pt ? pt : free_port(0, error)) < 0)
            goto out;
        else
            *mig_uri = g_strdup_printf("tcp:%s:%d", h, (port = pt));
    } else if (unix_socks) {
        const char *dir = socket_dir(d, error);

        if (!dir)
            goto out;
        *mig_uri = g_strdup_printf("unix:%s/mig.sock", dir);
    } else {
        if ((port = free_port(0, error)) < 0)
            goto out;
        *mig_uri = g_strdup_printf("tcp:%s:%d", host ? host : "0.0.0.0", port);
    }
    *nbd = NULL;
    if (exports) {
        g_autofree char *h = NULL, *p = NULL;
        int pt = 0;

        if (duri && !parse_stream_uri(duri, &h, &pt, &p, error))
            goto out;
        if (!duri && unix_socks) {
            const char *dir = socket_dir(d, error);

            if (!dir)
                goto out;
            p = g_strdup_printf("%s/nbd.sock", dir);
        }
        if (p) {
            *nbd = qv_json_new(error, "s:type", "unix", "a:data",
                               &(json_object *){ qv_json_new(NULL, "s:path", p, NULL) }, NULL);
        } else {
            g_autofree char *ps = NULL;

            if (!pt && (pt = free_port(port, error)) < 0)
                goto out;
            ps = g_strdup_printf("%d", pt);
            *nbd = qv_json_new(error, "s:type", "inet", "a:data",
                               &(json_object *){ qv_json_new(NULL, "s:host",
                                                             h ? h : host ? host : "0.0.0.0",
                                                             "s:port", ps, NULL) }, NULL);
        }
        if (!*nbd)
            goto out;
    }
    ok = true;
out:
    qv_guest_files_free(files);
    return ok;
}

static json_object *
prepare(Dst *d, json_object *req, GError **error)
{
    const char *name = NULL, *uuid = NULL, *xml = NULL, *boot = NULL;
    g_autofree char *here = qv_migrate_boot_id();
    g_autoptr(QvDomainDef) def = NULL, old = NULL;
    g_autoptr(json_object) exports = json_object_new_array();
    g_autoptr(json_object) params = NULL, report = NULL;
    json_object *copy = NULL, *files = NULL, *nbd = NULL, *v;
    g_autofree char *mig_uri = NULL, *text = NULL;
    bool suspend = false, offline = false, same_host;
    QvGuestState state = QV_GUEST_SHUTOFF;

    if (!qv_json_require_string(req, "name", &name, error) ||
        !qv_json_require_string(req, "uuid", &uuid, error) ||
        !qv_json_require_string(req, "xml", &xml, error) ||
        !qv_json_get_string(req, "boot_id", &boot, error) ||
        !qv_json_get_array(req, "copy", &copy, error) ||
        !qv_json_get_array(req, "source_files", &files, error) ||
        !qv_domain_name_check(name, error))
        return NULL;
    d->name = g_strdup(name);
    d->xml = g_strdup(xml);
    if (json_object_object_get_ex(req, "suspend", &v))
        suspend = json_object_get_boolean(v);
    if (json_object_object_get_ex(req, "offline", &v))
        offline = json_object_get_boolean(v);
    if (json_object_object_get_ex(req, "persistent", &v))
        d->persistent = json_object_get_boolean(v);
    same_host = boot && strcmp(boot, here) == 0;
    if ((old = qv_conn_lookup(d->conn->conn, name, NULL))) {
        d->had_definition = true;
        if (strcmp(old->uuid, uuid) != 0) {
            g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                        "domain '%s' already exists on the destination with uuid %s", name,
                        old->uuid);
            return NULL;
        }
    }
    if (!qv_guest_state(d->conn->conn, name, &state, NULL, error))
        return NULL;
    if (state != QV_GUEST_SHUTOFF) {
        g_set_error(error, QV_ERROR, QV_ERR_OPERATION_INVALID,
                    "domain '%s' is already running on the destination", name);
        return NULL;
    }
    if (!(def = qv_conn_check_xml(xml, "the migrated definition", 0,
                                  d->conn->conn->validate_def, error)))
        return NULL;
    if (strcmp(def->name, name) != 0 || strcmp(def->uuid, uuid) != 0) {
        g_set_error(error, QV_ERROR, QV_ERR_INVALID_ARG,
                    "the destination's definition names domain '%s' (%s), not '%s' (%s)",
                    def->name, def->uuid, name, uuid);
        return NULL;
    }
    if (offline)
        return json_object_new_object();
    if (!make_images(d, def, copy, files, same_host, error))
        return NULL;
    for (size_t i = 0; copy && i < json_object_array_length(copy); i++) {
        const char *t = NULL;
        g_autofree char *ename = NULL;

        qv_json_get_string(json_object_array_get_idx(copy, i), "disk", &t, NULL);
        ename = g_strdup_printf("drive-%s", t);
        json_object_array_add(exports, qv_json_new(NULL, "s:disk", t, "s:name", ename, NULL));
    }
    if (!pick_addresses(d, req, json_object_array_length(exports) > 0, &mig_uri, &nbd, error))
        return NULL;
    {
        json_object *created = json_object_new_array();
        unsigned long long start = 0;

        for (guint i = 0; i < d->created->len; i++)
            json_object_array_add(created, json_object_new_string(d->created->pdata[i]));
        qv_proc_start_time(getpid(), &start);
        /* the supervisor undoes it all if this process dies unheard */
        params = qv_json_new(error, "s:xml", xml, "s:uri", mig_uri, "A:nbd",
                             &(json_object *){ nbd ? json_object_get(nbd) : NULL },
                             "a:exports", &(json_object *){ json_object_get(exports) },
                             "b:late_block_activate", !suspend,
                             "a:created", &created, "u:owner_pid", (uint64_t)getpid(),
                             "u:owner_start", (uint64_t)start, NULL);
    }
    if (!params)
        return NULL;
    d->incoming = g_strdup_printf("%s/%s.incoming.json", d->conn->conn->paths->state_dir, name);
    text = g_strdup(json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN));
    if (!qv_mkdir_p(d->conn->conn->paths->state_dir, 0755, error) ||
        !qv_file_write_atomic(d->incoming, text, strlen(text), 0600, error))
        return NULL;
    if (!(report = qv_guest_spawn_supervisor(d->conn->conn, name, QV_SUPERVISE_INCOMING, false,
                                             error))) {
        g_prefix_error(error, "on the destination: ");
        return NULL;
    }
    d->started = true;
    return qv_json_new(error, "s:migrate_uri", mig_uri, "A:nbd",
                       &(json_object *){ nbd }, "a:exports",
                       &(json_object *){ json_object_get(exports) }, NULL);
}

/* ---- the end ---- */

static json_object *
finish(Dst *d, json_object *req, GError **error)
{
    g_auto(QvCtlArgs) args = { 0 };
    g_autoptr(json_object) ret = NULL;
    g_autoptr(QvirtDomain) dom = NULL;
    const char *state = NULL;
    json_object *v;
    bool suspend = false;

    if (!qv_json_get_string(req, "lock_state", &state, error))
        return NULL;
    if (json_object_object_get_ex(req, "suspend", &v))
        suspend = json_object_get_boolean(v);
    /* the definition is this host's before the guest runs here (as
     * libvirt stores it before starting the CPUs): nothing that can
     * fail comes after the guest runs */
    if (d->persistent || !d->had_definition) {
        if (!(dom = qvirt_domain_define_xml(d->conn, d->xml, 0, error))) {
            g_prefix_error(error, "the destination cannot store the definition: ");
            return NULL;
        }
        d->defined = !d->had_definition;
        if (!d->persistent) {
            g_autofree char *mark = g_strdup_printf("%s/%s.transient",
                                                    d->conn->conn->paths->state_dir, d->name);

            if (!qv_file_write_atomic(mark, "", 0, 0600, error))
                return NULL;
        }
    }
    if (d->started) {
        args.arguments = qv_json_new(error, "S:lock_state", state, "b:suspend", suspend, NULL);
        if (!qv_ctl_call(d->conn->conn, d->name, QV_CTL_MIGRATE_FINISH, &args,
                         QV_API_CALL_TIMEOUT_MS * 5, &ret, error))
            return NULL;
    }
    d->finished = true;
    /* the streams are over */
    remove_socket_dir(d);
    return ret ? g_steal_pointer(&ret) : json_object_new_object();
}

/* Everything the prepare made goes */
static void
undo(Dst *d)
{
    if (d->finished)
        return;
    if (d->started) {
        g_auto(QvCtlArgs) args = { .grace = 0, .has_grace = true };
        g_autoptr(GError) err = NULL;

        if (!qv_ctl_call(d->conn->conn, d->name, QV_CTL_DESTROY, &args,
                         QV_API_CALL_TIMEOUT_MS, NULL, &err))
            g_printerr("qvirt migration destination: domain '%s': %s\n", d->name, err->message);
        d->started = false;
    }
    for (guint i = 0; i < d->created->len; i++) {
        if (unlink(d->created->pdata[i]) < 0 && errno != ENOENT)
            g_printerr("qvirt migration destination: cannot remove '%s': %s\n",
                       (char *)d->created->pdata[i], g_strerror(errno));
    }
    g_ptr_array_set_size(d->created, 0);
    if (d->incoming)
        unlink(d->incoming);
    remove_socket_dir(d);
    if (d->defined) {
        g_autoptr(GError) err = NULL;
        g_autofree char *mark = g_strdup_printf("%s/%s.transient",
                                                d->conn->conn->paths->state_dir, d->name);

        if (!qv_conn_undefine(d->conn->conn, d->name, &err))
            g_printerr("qvirt migration destination: %s\n", err->message);
        unlink(mark);
        d->defined = false;
    }
    if (d->name && !d->had_definition) {
        g_autoptr(QvGuestFiles) f = qv_guest_files_new(d->conn->conn->paths, d->name);
        const char *const paths[] = { f->runtime, f->status, f->state, f->events, f->qemu_log,
                                      f->serial_log, f->sup_log, f->jobs, f->locks, f->health };

        qv_guest_files_remove_run(f);
        for (size_t i = 0; i < G_N_ELEMENTS(paths); i++)
            unlink(paths[i]);
    }
}

int
qv_migrate_incoming_main(const char *root, int in_fd, int out_fd)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *boot = qv_migrate_boot_id();
    g_autofree char *host = g_strdup(g_get_host_name());
    g_autofree char *driver = NULL;
    Dst d = { .created = g_ptr_array_new_with_free_func(g_free) };
    bool prepared = false, done = false;
    int status = 1;

    signal(SIGPIPE, SIG_IGN);
    if (!(d.conn = qvirt_connect_open(root, &err))) {
        reply(out_fd, NULL, err);
        goto out;
    }
    driver = lock_driver_name(d.conn->conn);
    if (!send_msg(out_fd, qv_json_new(NULL, "i:qvirt-migration", QV_MIGRATE_PROTOCOL,
                                      "s:boot_id", boot, "s:hostname", host,
                                      "s:lock_driver", driver, NULL)))
        goto out;
    while (!done) {
        g_autoptr(json_object) msg = NULL;
        g_autoptr(GError) e = NULL;
        json_object *ret = NULL;
        const char *cmd = NULL;
        bool eof = false;

        if (!(msg = qv_ctl_read_line(in_fd, G_MAXINT64, "the migrating host", &eof, &e))) {
            if (!eof)
                g_printerr("qvirt migration destination: %s\n", e->message);
            break;
        }
        if (!qv_json_require_string(msg, "cmd", &cmd, &e)) {
            reply(out_fd, NULL, e);
            break;
        }
        if (strcmp(cmd, "prepare") == 0 && !prepared) {
            int64_t version = 0;
            json_object *v;

            if (json_object_object_get_ex(msg, "qvirt-migration", &v))
                version = json_object_get_int64(v);
            if (version != QV_MIGRATE_PROTOCOL) {
                g_set_error(&e, QV_ERROR, QV_ERR_UNSUPPORTED,
                            "the source speaks migration protocol %" G_GINT64_FORMAT
                            ", the destination %d", version, QV_MIGRATE_PROTOCOL);
            } else {
                ret = prepare(&d, msg, &e);
                prepared = ret != NULL;
            }
            if (!reply(out_fd, ret, e) || !prepared)
                break;
        } else if (strcmp(cmd, "finish") == 0 && prepared) {
            /* a failed finish is undone before it is told: the source
             * may then run the guest again */
            if (!(ret = finish(&d, msg, &e)))
                undo(&d);
            reply(out_fd, ret, e);
            if (ret)
                status = 0;
            done = true;
        } else if (strcmp(cmd, "abort") == 0) {
            undo(&d);
            reply(out_fd, NULL, NULL);
            status = 0;
            done = true;
        } else {
            g_set_error(&e, QV_ERROR, QV_ERR_INVALID_ARG,
                        "migration protocol: '%s' is not expected now", cmd);
            reply(out_fd, NULL, e);
            break;
        }
    }
out:
    undo(&d);
    g_ptr_array_free(d.created, TRUE);
    g_free(d.name);
    g_free(d.xml);
    g_free(d.incoming);
    g_free(d.sockdir);
    if (d.conn)
        qvirt_connect_close(d.conn);
    return status;
}
