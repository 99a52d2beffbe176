/*
 * test-lock-sanlock: the sanlock lock driver against real sanlock
 * daemons, one per simulated host (tests/qv-test-sanlock.h), sharing
 * one lease folder.
 *
 * libsanlock_client keeps the daemon of a process's first call for the
 * life of the process, so this process never calls it: each host's
 * side runs in an agent process (the op_* functions below, with the
 * guests' lock objects in the agent's memory), driven from here.  A
 * guest's QEMU is a child of its host's agent that calls the driver's
 * child_register and execs `sleep 1000`, so the registration crosses
 * exec as it does for QEMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>
#include <sanlock.h>
#include <sanlock_admin.h>

#include "locking/qv-lock-driver.h"
#include "locking/qv-lock-sanlock.h"
#include "util/qv-error.h"
#include "qv-test-sanlock.h"
#include "qv-test-util.h"

static const QvLockDriver *drv = &qv_lock_driver_sanlock;

typedef struct {
    char *dir;
    char *leases;
    QvTestSanlock *host[2];
    QvTestSanlockAgent *agent[2];
} Fx;

static QvLockConfig *
make_config(const char *dir, const char *leases, unsigned int host_id)
{
    QvLockConfig *cfg = qv_lock_config_new_defaults(dir);

    cfg->manager = QV_LOCK_MANAGER_SANLOCK;
    cfg->sanlock.auto_disk_leases = true;
    cfg->sanlock.require_lease_for_disks = false;
    cfg->sanlock.host_id = host_id;
    cfg->sanlock.io_timeout = 1;
    g_free(cfg->sanlock.disk_lease_dir);
    cfg->sanlock.disk_lease_dir = g_strdup(leases);
    return cfg;
}

/* ==== the agent's side ==== */

typedef struct {
    char *dir;
    char *leases;
    GHashTable *guests;         /* name -> QvLockObject * */
    GArray *children;           /* pid_t of the "QEMU"s */
} Ctx;

static void *
ctx_new(gpointer data)
{
    Fx *fx = data;
    Ctx *c = g_new0(Ctx, 1);

    c->dir = g_strdup(fx->dir);
    c->leases = g_strdup(fx->leases);
    c->guests = g_hash_table_new(g_str_hash, g_str_equal);
    c->children = g_array_new(FALSE, FALSE, sizeof(pid_t));
    return c;
}

static void
guest_free(QvLockObject *obj)
{
    drv->free_object(obj);
    g_free((char *)obj->proc.name);
    g_free((char *)obj->proc.uuid);
    g_free((char *)obj->proc.uri);
    g_free(obj);
}

static void
ctx_free(void *data)
{
    Ctx *c = data;
    GHashTableIter it;
    gpointer v;

    for (guint i = 0; i < c->children->len; i++) {
        pid_t pid = g_array_index(c->children, pid_t, i);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    g_array_unref(c->children);
    g_hash_table_iter_init(&it, c->guests);
    while (g_hash_table_iter_next(&it, NULL, &v))
        guest_free(v);
    g_hash_table_unref(c->guests);
    if (drv->deinit)
        drv->deinit();
    g_free(c->dir);
    g_free(c->leases);
    g_free(c);
}

static char *
reply_error(GError *err)
{
    char *r = g_strdup_printf("err|%d|%s", err->code, err->message);

    g_error_free(err);
    return r;
}

static char *
reply(bool ok, GError *err, const char *payload)
{
    if (!ok)
        return reply_error(err);
    return g_strdup_printf("ok|%s", payload ? payload : "");
}

static QvLockObject *
guest(Ctx *c, const char *name)
{
    QvLockObject *obj = g_hash_table_lookup(c->guests, name);

    if (!obj)
        g_error("agent: no guest '%s'", name);
    return obj;
}

/* "HOST_ID": the driver's init, which joins */
static char *
op_init(void *ctx, const char *arg)
{
    Ctx *c = ctx;
    g_autoptr(QvLockConfig) cfg = make_config(c->dir, c->leases, (unsigned int)atoi(arg));
    g_autofree char *took = NULL;
    GError *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    bool ok = drv->init(cfg, &err);

    took = g_strdup_printf("%.2f", (g_get_monotonic_time() - t0) / 1e6);
    return reply(ok, err, took);
}

/* "HOST_ID": the lockspace setup alone; says new or already */
static char *
op_setup(void *ctx, const char *arg)
{
    Ctx *c = ctx;
    g_autoptr(QvLockConfig) cfg = make_config(c->dir, c->leases, (unsigned int)atoi(arg));
    QvSanlockJoin how = QV_SANLOCK_JOIN_NEW;
    GError *err = NULL;
    bool ok = qv_sanlock_setup_lockspace(&cfg->sanlock, &how, &err);

    return reply(ok, err, how == QV_SANLOCK_JOIN_ALREADY ? "already" : "new");
}

/* "NAME[|URI]" */
static char *
op_guest(void *ctx, const char *arg)
{
    Ctx *c = ctx;
    g_auto(GStrv) a = g_strsplit(arg, "|", 2);
    QvLockObject *obj = g_new0(QvLockObject, 1);
    GError *err = NULL;

    obj->driver = drv;
    obj->proc.name = g_strdup(a[0]);
    obj->proc.uuid = g_strdup("0b5a1e3c-8f1d-4d8e-9a3c-4f1d2e3c4b5a");
    obj->proc.uri = g_strdup(a[1]);
    if (!drv->new_object(obj, &err)) {
        g_free(obj);
        return reply_error(err);
    }
    g_hash_table_insert(c->guests, (char *)obj->proc.name, obj);
    return reply(true, NULL, NULL);
}

/* "NAME|PATH|FLAGS" */
static char *
op_disk(void *ctx, const char *arg)
{
    g_auto(GStrv) a = g_strsplit(arg, "|", 3);
    QvLockResource r = { .type = QV_LOCK_RESOURCE_DISK, .name = a[1],
                         .flags = (unsigned int)atoi(a[2]) };
    GError *err = NULL;
    bool ok = drv->add_resource(guest(ctx, a[0]), &r, &err);

    return reply(ok, err, NULL);
}

/* "NAME|ACTION": prepare, fork "QEMU" (registers, execs sleep), check */
static char *
op_start(void *ctx, const char *arg)
{
    Ctx *c = ctx;
    g_auto(GStrv) a = g_strsplit(arg, "|", 2);
    QvLockObject *obj = guest(c, a[0]);
    QvLockFailureAction action = a[1] ? (QvLockFailureAction)atoi(a[1]) : QV_LOCK_FAILURE_DEFAULT;
    unsigned int flags = QV_LOCK_ACQUIRE_REGISTER_ONLY | QV_LOCK_ACQUIRE_RESTRICT;
    g_autofree char *pidstr = NULL;
    GError *err = NULL;
    int pipefd[2];
    char status = 0;
    pid_t pid;

    if (!drv->acquire(obj, NULL, flags, action, &err))
        return reply_error(err);
    g_assert_cmpint(pipe2(pipefd, O_CLOEXEC), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        int fd;

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(pipefd[0]);
        fd = drv->child_register(obj);
        status = fd >= 0 ? 'r' : 'e';
        if (write(pipefd[1], &status, 1) != 1 || fd < 0)
            _exit(3);
        execlp("sleep", "sleep", "1000", NULL);
        _exit(4);
    }
    close(pipefd[1]);
    if (read(pipefd[0], &status, 1) != 1)
        status = 0;
    close(pipefd[0]);
    g_array_append_val(c->children, pid);
    if (status != 'r')
        return g_strdup("err|0|the child could not register");
    obj->proc.pid = pid;
    if (!drv->acquire(obj, NULL, flags, action, &err))
        return reply_error(err);
    pidstr = g_strdup_printf("%d", (int)pid);
    return reply(true, NULL, pidstr);
}

/* "NAME|PID": act for a process the test chose */
static char *
op_setpid(void *ctx, const char *arg)
{
    g_auto(GStrv) a = g_strsplit(arg, "|", 2);

    guest(ctx, a[0])->proc.pid = atoi(a[1]);
    return reply(true, NULL, NULL);
}

/* "NAME|FLAGS|ACTION|STATE" */
static char *
op_acquire(void *ctx, const char *arg)
{
    g_auto(GStrv) a = g_strsplit(arg, "|", 4);
    g_autofree char *took = NULL;
    GError *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    bool ok = drv->acquire(guest(ctx, a[0]), *a[3] ? a[3] : NULL, (unsigned int)atoi(a[1]),
                           (QvLockFailureAction)atoi(a[2]), &err);

    took = g_strdup_printf("%.3f", (g_get_monotonic_time() - t0) / 1e6);
    return reply(ok, err, took);
}

/* "NAME": pause; the state */
static char *
op_release(void *ctx, const char *arg)
{
    g_autofree char *state = NULL;
    GError *err = NULL;
    bool ok = drv->release(guest(ctx, arg), &state, 0, &err);

    return reply(ok, err, state);
}

/* "NAME": the state held */
static char *
op_inquire(void *ctx, const char *arg)
{
    g_autofree char *state = NULL;
    GError *err = NULL;
    bool ok = drv->inquire(guest(ctx, arg), &state, &err);

    return reply(ok, err, state ? state : "NULL");
}

/* "NAME": kill -9 its QEMU */
static char *
op_kill(void *ctx, const char *arg)
{
    Ctx *c = ctx;
    QvLockObject *obj = guest(c, arg);

    kill(obj->proc.pid, SIGKILL);
    g_assert_cmpint(waitpid(obj->proc.pid, NULL, 0), ==, obj->proc.pid);
    for (guint i = 0; i < c->children->len; i++) {
        if (g_array_index(c->children, pid_t, i) == obj->proc.pid) {
            g_array_remove_index(c->children, i);
            break;
        }
    }
    return reply(true, NULL, NULL);
}

/* "PATH|N": N processes add the disk at once (creating its lease) */
static char *
op_create_race(void *ctx, const char *arg)
{
    g_auto(GStrv) a = g_strsplit(arg, "|", 2);
    int n = atoi(a[1]);
    pid_t pids[16];
    int failed = 0;

    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        g_assert_cmpint(pids[i], >=, 0);
        if (pids[i] == 0) {
            QvLockObject obj = { .driver = drv, .proc = { .name = "racer" } };
            QvLockResource r = { .type = QV_LOCK_RESOURCE_DISK, .name = a[0] };
            bool ok = drv->new_object(&obj, NULL) && drv->add_resource(&obj, &r, NULL);

            drv->free_object(&obj);
            _exit(ok ? 0 : 1);
        }
    }
    for (int i = 0; i < n; i++) {
        int status;

        if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status))
            failed++;
    }
    return failed ? g_strdup_printf("err|0|%d creators failed", failed) : reply(true, NULL, NULL);
}

/* "NAME|PATH": a hot-unplug: an object with the one disk, released */
static char *
op_unplug(void *ctx, const char *arg)
{
    g_auto(GStrv) a = g_strsplit(arg, "|", 2);
    QvLockObject *owner = guest(ctx, a[0]);
    QvLockObject obj = { .driver = drv, .proc = owner->proc };
    QvLockResource r = { .type = QV_LOCK_RESOURCE_DISK, .name = a[1] };
    GError *err = NULL;
    bool ok = drv->new_object(&obj, &err) && drv->add_resource(&obj, &r, &err) &&
              drv->release(&obj, NULL, 0, &err);

    drv->free_object(&obj);
    return reply(ok, err, NULL);
}

/* "HOST_ID|DRY": "ok|removed,...|kept,..." */
static char *
op_cleanup(void *ctx, const char *arg)
{
    Ctx *c = ctx;
    g_auto(GStrv) a = g_strsplit(arg, "|", 2);
    g_autoptr(QvLockConfig) cfg = make_config(c->dir, c->leases, (unsigned int)atoi(a[0]));
    g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *rs = NULL;
    g_autofree char *ks = NULL;
    GError *err = NULL;

    if (!qv_sanlock_cleanup(&cfg->sanlock, atoi(a[1]) != 0, removed, kept, &err))
        return reply_error(err);
    g_ptr_array_add(removed, NULL);
    g_ptr_array_add(kept, NULL);
    rs = g_strjoinv(",", (char **)removed->pdata);
    ks = g_strjoinv(",", (char **)kept->pdata);
    return g_strdup_printf("ok|%s|%s", rs, ks);
}

/* ==== the test's side ==== */

static void
fx_setup(Fx *fx, gconstpointer data)
{
    fx->dir = qv_test_mkdtemp();
    fx->leases = g_build_filename(fx->dir, "leases", NULL);
    g_assert_cmpint(g_mkdir(fx->leases, 0755), ==, 0);
}

static void
fx_teardown(Fx *fx, gconstpointer data)
{
    for (int i = 0; i < 2; i++)
        qv_test_sanlock_agent_stop(fx->agent[i]);
    qv_test_sanlock_stop(fx->host[1]);
    qv_test_sanlock_stop(fx->host[0]);
    qv_test_rmtree(fx->dir);
    g_free(fx->leases);
    g_free(fx->dir);
}

static char *
vcall(Fx *fx, int host, QvTestSanlockFunc fn, const char *fmt, va_list ap)
{
    g_autofree char *arg = g_strdup_vprintf(fmt, ap);

    return qv_test_sanlock_agent_call(fx->agent[host], fn, arg);
}

/* Run @fn on host @host (0: A, 1: B), require success; the payload */
static G_GNUC_PRINTF(4, 5) char *
ok(Fx *fx, int host, QvTestSanlockFunc fn, const char *fmt, ...)
{
    g_autofree char *r = NULL;
    va_list ap;

    va_start(ap, fmt);
    r = vcall(fx, host, fn, fmt, ap);
    va_end(ap);
    if (!g_str_has_prefix(r, "ok|"))
        g_error("host %c: %s", 'A' + host, r);
    return g_strdup(r + 3);
}

/* Run @fn on host @host, require failure with @code; the message */
static G_GNUC_PRINTF(5, 6) char *
fails(Fx *fx, int host, int code, QvTestSanlockFunc fn, const char *fmt, ...)
{
    g_autofree char *r = NULL;
    g_autofree char *prefix = g_strdup_printf("err|%d|", code);
    va_list ap;

    va_start(ap, fmt);
    r = vcall(fx, host, fn, fmt, ap);
    va_end(ap);
    if (!g_str_has_prefix(r, prefix))
        g_error("host %c: expected error %d, got: %s", 'A' + host, code, r);
    g_test_message("host %c: %s", 'A' + host, r + strlen(prefix));
    return g_strdup(r + strlen(prefix));
}

#define DONE(expr) g_free(expr)

/* Start host @i's daemon and agent; @host_id 0: no join */
static void
start_host(Fx *fx, int i, unsigned int host_id)
{
    fx->host[i] = qv_test_sanlock_start(fx->dir, i == 0 ? "A" : "B");
    fx->agent[i] = qv_test_sanlock_agent_start(fx->host[i], ctx_new, ctx_free, fx);
    if (host_id) {
        g_autofree char *took = ok(fx, i, op_init, "%u", host_id);

        g_test_message("host %c joined in %s s", 'A' + i, took);
    }
}

static void
start_two(Fx *fx)
{
    start_host(fx, 0, 1);
    start_host(fx, 1, 2);
}

static char *
disk_path(Fx *fx, const char *name)
{
    return g_build_filename(fx->dir, name, NULL);
}

static char *
lease_path(Fx *fx, const char *disk)
{
    g_autofree char *md5 = qv_sanlock_disk_lease_name(disk);

    return g_build_filename(fx->leases, md5, NULL);
}

/* A guest on host @i with @disk (@flags), started ("QEMU" registered) */
static void
guest_on(Fx *fx, int i, const char *name, const char *disk, unsigned int flags)
{
    DONE(ok(fx, i, op_guest, "%s", name));
    if (disk)
        DONE(ok(fx, i, op_disk, "%s|%s|%u", name, disk, flags));
}

static void
start(Fx *fx, int i, const char *name)
{
    DONE(ok(fx, i, op_start, "%s|0", name));
}

static void
acquire(Fx *fx, int i, const char *name, const char *state)
{
    DONE(ok(fx, i, op_acquire, "%s|0|0|%s", name, state ? state : ""));
}

static char *
inquire(Fx *fx, int i, const char *name)
{
    char *s = ok(fx, i, op_inquire, "%s", name);

    if (strcmp(s, "NULL") == 0)
        g_clear_pointer(&s, g_free);
    return s;
}

/* The lver of the only resource of @state */
static guint64
state_lver(const char *state)
{
    const char *colon = strrchr(state, ':');

    g_assert_nonnull(colon);
    return g_ascii_strtoull(colon + 1, NULL, 10);
}

/* ---- without a daemon ---- */

static void
test_names(void)
{
    g_autofree char *md5 = qv_sanlock_disk_lease_name("/var/lib/libvirt/images/demo.img");

    g_assert_cmpstr(md5, ==, "bfa0240911bc17753e0b473688822159");
}

/* None of this reaches libsanlock, so it runs in this process */
static void
test_config_errors(Fx *fx, gconstpointer data)
{
    g_autoptr(QvLockConfig) cfg = make_config(fx->dir, fx->leases, 0);
    g_autoptr(GError) err = NULL;
    g_autofree char *long_name = g_strnfill(SANLK_NAME_LEN, 'k');
    g_autofree char *long_path = g_strnfill(SANLK_PATH_LEN, 'p');
    QvLockObject obj = { .driver = drv, .proc = { .name = "noleases" } };
    QvLockResource rw = { .type = QV_LOCK_RESOURCE_DISK, .name = "/images/rw.img" };
    QvLockResource ro = { .type = QV_LOCK_RESOURCE_DISK, .name = "/images/ro.iso",
                          .flags = QV_LOCK_RESOURCE_READONLY };
    QvLockResource r = { .type = QV_LOCK_RESOURCE_LEASE, .name = long_name,
                         .lockspace = "ls", .path = "/leases/x", .offset = 0 };
    unsigned int reg = QV_LOCK_ACQUIRE_REGISTER_ONLY;

    /* automatic leases without a host_id */
    g_assert_false(drv->init(cfg, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "no host ID is set"));
    g_assert_nonnull(strstr(err->message, "qemu-sanlock.conf"));
    g_clear_error(&err);

    /* manual leases: the disks alone are not enough */
    cfg->sanlock.auto_disk_leases = false;
    cfg->sanlock.require_lease_for_disks = true;
    g_assert_true(drv->init(cfg, &err));
    g_assert_no_error(err);
    g_assert_true(drv->new_object(&obj, &err));
    g_assert_true(drv->add_resource(&obj, &rw, &err));
    g_assert_true(drv->add_resource(&obj, &ro, &err));
    g_assert_false(drv->acquire(&obj, NULL, reg, QV_LOCK_FAILURE_DEFAULT, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(err->message, "disks were present, but no leases specified"));
    g_clear_error(&err);

    /* sanlock's limits on names and paths */
    g_assert_false(drv->add_resource(&obj, &r, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "longer than 47 characters"));
    g_clear_error(&err);
    r.name = "key";
    r.path = long_path;
    g_assert_false(drv->add_resource(&obj, &r, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "sanlock's limit of 1023"));
    g_clear_error(&err);
    r.path = "/leases/x";
    r.lockspace = long_name;
    g_assert_false(drv->add_resource(&obj, &r, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_INVALID_ARG);
    g_clear_error(&err);
    /* a valid <lease> satisfies require_lease_for_disks */
    r.lockspace = "ls";
    g_assert_true(drv->add_resource(&obj, &r, &err));
    g_assert_true(drv->acquire(&obj, NULL, reg, QV_LOCK_FAILURE_DEFAULT, &err));
    g_assert_no_error(err);

    /* failure actions sanlock cannot carry out */
    g_assert_false(drv->acquire(&obj, NULL, reg, QV_LOCK_FAILURE_RESTART, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "restart"));
    g_clear_error(&err);
    g_assert_false(drv->acquire(&obj, NULL, reg, QV_LOCK_FAILURE_IGNORE, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_UNSUPPORTED);
    g_clear_error(&err);
    /* a killpath needs printable arguments */
    obj.proc.name = "bad\tname";
    g_assert_false(drv->acquire(&obj, NULL, reg, QV_LOCK_FAILURE_PAUSE, &err));
    g_assert_error(err, QV_ERROR, QV_ERR_UNSUPPORTED);
    g_clear_error(&err);
    drv->free_object(&obj);
    drv->deinit();
}

/* ---- one host ---- */

static void
test_init_join(Fx *fx, gconstpointer data)
{
    g_autofree char *ls = g_build_filename(fx->leases, QV_SANLOCK_DISKS_LOCKSPACE, NULL);
    g_autofree char *how = NULL;
    g_autofree char *msg = NULL;
    g_autoptr(GDir) dir = NULL;
    gint64 t0;
    struct stat st;

    start_host(fx, 0, 1);
    g_assert_cmpint(stat(ls, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 1024 * 1024);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    /* nothing but the lockspace in the folder */
    dir = g_dir_open(fx->leases, 0, NULL);
    g_assert_cmpstr(g_dir_read_name(dir), ==, QV_SANLOCK_DISKS_LOCKSPACE);
    g_assert_null(g_dir_read_name(dir));

    /* the daemon is in: another start's setup does not join again */
    t0 = g_get_monotonic_time();
    how = ok(fx, 0, op_setup, "1");
    g_assert_cmpstr(how, ==, "already");
    g_test_message("second setup in %.3f s", (g_get_monotonic_time() - t0) / 1e6);
    DONE(ok(fx, 0, op_init, "1"));

    /* the same daemon cannot be in it with another host_id too */
    msg = fails(fx, 0, QV_ERR_IO, op_setup, "7");
    g_assert_nonnull(strstr(msg, "host_id 7"));
}

static void
test_lease_files(Fx *fx, gconstpointer data)
{
    g_autofree char *disk = disk_path(fx, "a.img");
    g_autofree char *lease = lease_path(fx, disk);
    g_autofree char *md5 = qv_sanlock_disk_lease_name(disk);
    g_autofree char *leftover = g_strdup_printf(".qvirt-%s.AbC123.tmp", md5);
    g_autofree char *leftover_path = g_build_filename(fx->leases, leftover, NULL);
    g_autofree char *msg = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *name;
    guint n = 0;

    start_host(fx, 0, 1);
    DONE(ok(fx, 0, op_guest, "g"));

    /* an earlier creation crashed and left a zeroed temporary file */
    qv_test_write_at(leftover_path, 1024 * 1024 - 1, "", 1);

    /* the daemon goes: no lease file appears, half made or not */
    qv_test_sanlock_kill(fx->host[0]);
    msg = fails(fx, 0, QV_ERR_IO, op_disk, "g|%s|0", disk);
    g_assert_nonnull(strstr(msg, disk));
    g_assert_false(g_file_test(lease, G_FILE_TEST_EXISTS));
    g_clear_pointer(&msg, g_free);
    /* it comes back (same run folder, same host name: a quick rejoin) */
    qv_test_sanlock_stop(fx->host[0]);
    fx->host[0] = qv_test_sanlock_start(fx->dir, "A");
    DONE(ok(fx, 0, op_init, "1"));

    /* four creators at once: one file, and no temporary file left */
    DONE(ok(fx, 0, op_create_race, "%s|4", disk));
    dir = g_dir_open(fx->leases, 0, NULL);
    while ((name = g_dir_read_name(dir))) {
        n++;
        g_assert_true(strcmp(name, QV_SANLOCK_DISKS_LOCKSPACE) == 0 || strcmp(name, md5) == 0 ||
                      strcmp(name, leftover) == 0);
    }
    g_assert_cmpuint(n, ==, 3);

    /* the lease is a valid one */
    guest_on(fx, 0, "files", disk, 0);
    start(fx, 0, "files");
    acquire(fx, 0, "files", NULL);
    msg = inquire(fx, 0, "files");
    g_assert_nonnull(strstr(msg, md5));
}

static void
test_round_trip(Fx *fx, gconstpointer data)
{
    g_autofree char *disk = disk_path(fx, "a.img");
    g_autofree char *md5 = qv_sanlock_disk_lease_name(disk);
    g_autofree char *state = NULL;
    g_autofree char *paused = NULL;
    g_autofree char *none = NULL;
    g_autofree char *after = NULL;
    g_autofree char *took = NULL;
    g_autofree char *msg = NULL;

    start_host(fx, 0, 1);
    guest_on(fx, 0, "trip", disk, 0);
    start(fx, 0, "trip");
    /* registered only: nothing held yet */
    g_assert_null(inquire(fx, 0, "trip"));

    took = ok(fx, 0, op_acquire, "trip|0|0|");
    g_test_message("acquire in %s s", took);
    state = inquire(fx, 0, "trip");
    g_assert_nonnull(state);
    g_test_message("state: %s", state);
    g_assert_true(g_str_has_prefix(state, QV_SANLOCK_DISKS_LOCKSPACE ":"));
    g_assert_nonnull(strstr(state, md5));

    /* pause: the state is what was held */
    paused = ok(fx, 0, op_release, "trip");
    g_assert_cmpstr(paused, ==, state);
    g_assert_null(inquire(fx, 0, "trip"));
    /* letting go of nothing is fine and gives no state */
    none = ok(fx, 0, op_release, "trip");
    g_assert_cmpstr(none, ==, "");

    /* resume with the state: its version is checked, and grows */
    acquire(fx, 0, "trip", paused);
    after = inquire(fx, 0, "trip");
    g_assert_nonnull(after);
    g_assert_cmpuint(state_lver(after), ==, state_lver(state) + 1);

    /* a process that never registered is refused, not silently passed */
    guest_on(fx, 0, "bare", disk, QV_LOCK_RESOURCE_SHARED);
    DONE(ok(fx, 0, op_setpid, "bare|%d", (int)getpid()));
    msg = fails(fx, 0, QV_ERR_OPERATION_INVALID, op_acquire, "bare|0|0|");
    g_assert_nonnull(strstr(msg, "not registered"));
}

/* ---- two hosts ---- */

static void
test_two_hosts_exclusive(Fx *fx, gconstpointer data)
{
    g_autofree char *disk = disk_path(fx, "shared-by-mistake.img");
    const char *names[2] = { "guest-a", "guest-b" };

    start_two(fx);
    for (int i = 0; i < 2; i++) {
        guest_on(fx, i, names[i], disk, 0);
        start(fx, i, names[i]);
    }
    for (int round = 0; round < 5; round++) {
        char *r[2] = { NULL, NULL };
        int winner = -1;

        /* both at once */
        for (int i = 0; i < 2; i++) {
            g_autofree char *arg = g_strdup_printf("%s|0|0|", names[i]);

            qv_test_sanlock_agent_send(fx->agent[i], op_acquire, arg);
        }
        for (int i = 0; i < 2; i++) {
            r[i] = qv_test_sanlock_agent_wait(fx->agent[i]);
            if (g_str_has_prefix(r[i], "ok|")) {
                g_assert_cmpint(winner, ==, -1);
                winner = i;
            }
        }
        g_test_message("round %d: A %s; B %s", round, r[0], r[1]);
        g_assert_cmpint(winner, >=, 0);
        {
            g_autofree char *expect = g_strdup_printf("err|%d|", QV_ERR_LOCK_CONFLICT);
            g_autofree char *holder = g_strdup_printf("held by host_id %d", winner + 1);
            const char *lost = r[1 - winner];

            g_assert_true(g_str_has_prefix(lost, expect));
            g_assert_nonnull(strstr(lost, disk));
            g_assert_nonnull(strstr(lost, holder));
        }
        /* the winner lets go for the next round */
        DONE(ok(fx, winner, op_release, "%s", names[winner]));
        g_free(r[0]);
        g_free(r[1]);
    }
}

static void
test_two_hosts_shared(Fx *fx, gconstpointer data)
{
    g_autofree char *disk = disk_path(fx, "cluster.img");
    g_autofree char *base = disk_path(fx, "base.qcow2");
    g_autofree char *msg = NULL;
    const char *names[2] = { "guest-a", "guest-b" };

    start_two(fx);
    for (int i = 0; i < 2; i++) {
        guest_on(fx, i, names[i], disk, QV_LOCK_RESOURCE_SHARED);
        DONE(ok(fx, i, op_disk, "%s|%s|%d", names[i], base,
                QV_LOCK_RESOURCE_BACKING | QV_LOCK_RESOURCE_READONLY));
        start(fx, i, names[i]);
        acquire(fx, i, names[i], NULL);
    }
    /* nobody may write the backing file while they read it */
    guest_on(fx, 0, "writer", base, 0);
    start(fx, 0, "writer");
    msg = fails(fx, 0, QV_ERR_LOCK_CONFLICT, op_acquire, "writer|0|0|");
    g_assert_nonnull(strstr(msg, base));
}

static void
test_same_host_id(Fx *fx, gconstpointer data)
{
    g_autofree char *msg = NULL;
    gint64 t0;

    start_host(fx, 0, 1);
    start_host(fx, 1, 0);
    t0 = g_get_monotonic_time();
    /* with io_timeout 1 a loaded machine (valgrind, two suites at once)
     * can make the daemon's reads time out before the collision is seen:
     * the join fails either way; it is asked again to see why */
    for (int attempt = 0; attempt < 3; attempt++) {
        g_autofree char *io = g_strdup_printf("err|%d|", QV_ERR_IO);
        g_autofree char *conflict = g_strdup_printf("err|%d|", QV_ERR_LOCK_CONFLICT);
        g_autofree char *r = qv_test_sanlock_agent_call(fx->agent[1], op_init, "1");

        if (g_str_has_prefix(r, io) && strstr(r, "IO timeout") && attempt < 2) {
            g_test_message("host B: the join timed out (%s); asked again", r + strlen(io));
            continue;
        }
        if (!g_str_has_prefix(r, conflict))
            g_error("host B: expected error %d, got: %s", QV_ERR_LOCK_CONFLICT, r);
        msg = g_strdup(r + strlen(conflict));
        break;
    }
    g_test_message("refused after %.1f s", (g_get_monotonic_time() - t0) / 1e6);
    g_assert_nonnull(strstr(msg, "host_id 1"));
    g_assert_nonnull(strstr(msg, "being used by another host"));
    /* host A is not disturbed */
    g_free(msg);
    msg = ok(fx, 0, op_setup, "1");
    g_assert_cmpstr(msg, ==, "already");
}

static void
test_kill_frees(Fx *fx, gconstpointer data)
{
    g_autofree char *disk = disk_path(fx, "a.img");
    g_autofree char *msg = NULL;
    gint64 t0;
    int tries = 0;

    start_two(fx);
    guest_on(fx, 0, "guest-a", disk, 0);
    start(fx, 0, "guest-a");
    acquire(fx, 0, "guest-a", NULL);
    guest_on(fx, 1, "guest-b", disk, 0);
    start(fx, 1, "guest-b");
    msg = fails(fx, 1, QV_ERR_LOCK_CONFLICT, op_acquire, "guest-b|0|0|");
    g_assert_nonnull(strstr(msg, "held by host_id 1"));

    /* QEMU dies: its daemon lets go at once, not after host_dead_seconds */
    DONE(ok(fx, 0, op_kill, "guest-a"));
    t0 = g_get_monotonic_time();
    for (;;) {
        g_autofree char *r = qv_test_sanlock_agent_call(fx->agent[1], op_acquire, "guest-b|0|0|");

        if (g_str_has_prefix(r, "ok|"))
            break;
        g_assert_cmpint(++tries, <, 20);
        g_usleep(G_USEC_PER_SEC / 4);
    }
    g_test_message("taken by host B %.2f s after the kill (%d retries)",
                   (g_get_monotonic_time() - t0) / 1e6, tries);
}

static void
test_pause_lver(Fx *fx, gconstpointer data)
{
    g_autofree char *disk = disk_path(fx, "a.img");
    g_autofree char *state = NULL;
    g_autofree char *msg = NULL;

    start_two(fx);
    guest_on(fx, 0, "guest-a", disk, 0);
    start(fx, 0, "guest-a");
    acquire(fx, 0, "guest-a", NULL);
    state = ok(fx, 0, op_release, "guest-a");
    g_assert_cmpstr(state, !=, "");

    /* while A is paused, B takes the lease, writes, and lets go */
    guest_on(fx, 1, "guest-b", disk, 0);
    start(fx, 1, "guest-b");
    acquire(fx, 1, "guest-b", NULL);
    DONE(ok(fx, 1, op_release, "guest-b"));

    /* A's resume notices */
    msg = fails(fx, 0, QV_ERR_LOCK_CONFLICT, op_acquire, "guest-a|0|0|%s", state);
    g_assert_nonnull(strstr(msg, "taken by another host while the guest was paused"));
    g_assert_nonnull(strstr(msg, disk));
    g_assert_null(inquire(fx, 0, "guest-a"));
    /* a fresh start (no state) may take it */
    acquire(fx, 0, "guest-a", NULL);
}

#define MANY 11

static void
test_many(Fx *fx, gconstpointer data)
{
    g_autofree char *state = NULL;
    g_autofree char *released = NULL;
    g_autofree char *msg = NULL;
    g_autofree char *last = disk_path(fx, "disk10.img");
    g_auto(GStrv) parts = NULL;

    start_two(fx);
    guest_on(fx, 0, "many", NULL, 0);
    for (int i = 0; i < MANY; i++) {
        g_autofree char *name = g_strdup_printf("disk%d.img", i);
        g_autofree char *disk = disk_path(fx, name);

        DONE(ok(fx, 0, op_disk, "many|%s|0", disk));
    }
    start(fx, 0, "many");
    acquire(fx, 0, "many", NULL);
    state = inquire(fx, 0, "many");
    g_assert_nonnull(state);
    parts = g_strsplit(state, " ", -1);
    g_assert_cmpuint(g_strv_length(parts), ==, MANY);
    released = ok(fx, 0, op_release, "many");
    g_assert_null(inquire(fx, 0, "many"));
    acquire(fx, 0, "many", released);
    DONE(ok(fx, 0, op_release, "many"));

    /* the last disk (in the second call) is B's: the first call's 8 go back */
    guest_on(fx, 1, "holder", last, 0);
    start(fx, 1, "holder");
    acquire(fx, 1, "holder", NULL);
    msg = fails(fx, 0, QV_ERR_LOCK_CONFLICT, op_acquire, "many|0|0|");
    g_assert_nonnull(strstr(msg, last));
    g_assert_nonnull(strstr(msg, "held by host_id 2"));
    g_assert_null(inquire(fx, 0, "many"));
}

static bool
listed(const char *list, const char *path)
{
    g_auto(GStrv) items = g_strsplit(list, ",", -1);

    return g_strv_contains((const char *const *)items, path);
}

static void
test_cleanup(Fx *fx, gconstpointer data)
{
    g_autofree char *held_a = disk_path(fx, "held-a.img");
    g_autofree char *held_b = disk_path(fx, "held-b.img");
    g_autofree char *idle = disk_path(fx, "idle.img");
    g_autofree char *lease_a = lease_path(fx, held_a);
    g_autofree char *lease_b = lease_path(fx, held_b);
    g_autofree char *lease_idle = lease_path(fx, idle);
    g_autofree char *old_tmp = g_build_filename(fx->leases, ".qvirt-0123.AbCdEf.tmp", NULL);
    g_autofree char *new_tmp = g_build_filename(fx->leases, ".qvirt-4567.AbCdEf.tmp", NULL);
    g_autofree char *still = NULL;
    g_autofree char *b_held = NULL;
    struct utimbuf old = { .actime = time(NULL) - 7200, .modtime = time(NULL) - 7200 };

    start_two(fx);
    guest_on(fx, 0, "guest-a", held_a, 0);
    DONE(ok(fx, 0, op_disk, "guest-a|%s|0", idle));
    start(fx, 0, "guest-a");
    acquire(fx, 0, "guest-a", NULL);
    guest_on(fx, 1, "guest-b", held_b, QV_LOCK_RESOURCE_SHARED);
    start(fx, 1, "guest-b");
    acquire(fx, 1, "guest-b", NULL);
    b_held = inquire(fx, 1, "guest-b");
    g_assert_nonnull(b_held);
    /* A lets go of the idle disk alone (a hot-unplug) */
    DONE(ok(fx, 0, op_unplug, "guest-a|%s", idle));
    still = inquire(fx, 0, "guest-a");
    g_assert_nonnull(still);
    g_assert_null(strstr(still, lease_idle));
    qv_test_write_at(old_tmp, 0, "x", 1);
    g_assert_cmpint(utime(old_tmp, &old), ==, 0);
    qv_test_write_at(new_tmp, 0, "x", 1);

    for (int dry = 1; dry >= 0; dry--) {
        g_autofree char *r = ok(fx, 0, op_cleanup, "1|%d", dry);
        g_auto(GStrv) lists = g_strsplit(r, "|", 2);
        g_auto(GStrv) removed = g_strsplit(lists[0], ",", -1);

        g_test_message("dry-run %d: removed %s; kept %s", dry, lists[0], lists[1]);
        g_assert_true(listed(lists[0], lease_idle));
        g_assert_true(listed(lists[0], old_tmp));
        if (g_strv_length(removed) != 2) {
            /* the daemons' view, for a failure seen once under load */
            for (int i = 0; i < 2; i++) {
                g_autofree char *log = qv_test_sanlock_log(fx->host[i]);

                g_printerr("removed %s; kept %s\nhost %c's daemon:\n%s\n", lists[0], lists[1], 'A' + i, log);
            }
        }
        g_assert_cmpuint(g_strv_length(removed), ==, 2);
        g_assert_true(listed(lists[1], lease_a));
        g_assert_true(listed(lists[1], lease_b));
        g_assert_cmpint(g_file_test(lease_idle, G_FILE_TEST_EXISTS), ==, dry);
        g_assert_cmpint(g_file_test(old_tmp, G_FILE_TEST_EXISTS), ==, dry);
        g_assert_true(g_file_test(lease_a, G_FILE_TEST_EXISTS));
        g_assert_true(g_file_test(lease_b, G_FILE_TEST_EXISTS));
        g_assert_true(g_file_test(new_tmp, G_FILE_TEST_EXISTS));
    }
    /* the holders still hold: B's shared hold was read, not cleared */
    {
        g_autofree char *now = inquire(fx, 0, "guest-a");
        g_autofree char *b_now = inquire(fx, 1, "guest-b");

        g_assert_cmpstr(now, ==, still);
        g_assert_cmpstr(b_now, ==, b_held);
    }
}

/* The poweroff failure action: when the lockspace fails, the daemon
 * runs `qvirt --root ROOT destroy NAME --grace 0` (here a script in
 * qvirt's place, given by QVIRT_BIN, which records its arguments) */
static void
test_killpath(Fx *fx, gconstpointer data)
{
    g_autofree char *disk = disk_path(fx, "a.img");
    g_autofree char *script = g_build_filename(fx->dir, "fake-qvirt", NULL);
    g_autofree char *record = g_build_filename(fx->dir, "killpath.out", NULL);
    g_autofree char *text = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *saved_bin = g_strdup(g_getenv("QVIRT_BIN"));
    g_autofree char *ls_path = g_build_filename(fx->leases, QV_SANLOCK_DISKS_LOCKSPACE, NULL);
    int tries = 0;

    g_assert_true(g_file_set_contents(script, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> \"$(dirname \"$0\")/killpath.out\"\n", -1, NULL));
    g_assert_cmpint(chmod(script, 0755), ==, 0);
    g_setenv("QVIRT_BIN", script, TRUE);
    start_host(fx, 0, 1);
    if (saved_bin)
        g_setenv("QVIRT_BIN", saved_bin, TRUE);
    else
        g_unsetenv("QVIRT_BIN");

    DONE(ok(fx, 0, op_guest, "doomed guest|qvirt://%s/root", fx->dir));
    DONE(ok(fx, 0, op_disk, "doomed guest|%s|0", disk));
    DONE(ok(fx, 0, op_start, "doomed guest|%d", QV_LOCK_FAILURE_POWEROFF));
    /* after the fork it is too late to choose another action */
    DONE(fails(fx, 0, QV_ERR_OPERATION_INVALID, op_acquire, "doomed guest|%d|%d|",
               QV_LOCK_ACQUIRE_REGISTER_ONLY, QV_LOCK_FAILURE_PAUSE));
    DONE(ok(fx, 0, op_acquire, "doomed guest|0|%d|", QV_LOCK_FAILURE_POWEROFF));

    /* the lease storage fails under the guest: renewals fail, and
     * after 8 x io_timeout the daemon runs the killpath */
    g_assert_cmpint(truncate(ls_path, 0), ==, 0);
    while (!g_file_get_contents(record, &text, NULL, NULL)) {
        g_assert_cmpint(++tries, <, 300);
        g_usleep(G_USEC_PER_SEC / 10);
    }
    /* the script may not have finished writing */
    g_usleep(G_USEC_PER_SEC / 5);
    g_free(text);
    g_assert_true(g_file_get_contents(record, &text, NULL, NULL));
    expected = g_strdup_printf("--root\n%s/root\ndestroy\ndoomed guest\n--grace\n0\n", fx->dir);
    g_assert_cmpstr(text, ==, expected);
}

static void
add(const char *path, void (*fn)(Fx *, gconstpointer))
{
    g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lock-sanlock/names", test_names);
    add("/lock-sanlock/config-errors", test_config_errors);
    add("/lock-sanlock/init-join", test_init_join);
    add("/lock-sanlock/lease-files", test_lease_files);
    add("/lock-sanlock/round-trip", test_round_trip);
    add("/lock-sanlock/two-hosts-exclusive", test_two_hosts_exclusive);
    add("/lock-sanlock/two-hosts-shared", test_two_hosts_shared);
    add("/lock-sanlock/kill-frees", test_kill_frees);
    add("/lock-sanlock/pause-lver", test_pause_lver);
    add("/lock-sanlock/many", test_many);
    add("/lock-sanlock/cleanup", test_cleanup);
    add("/lock-sanlock/killpath", test_killpath);
    add("/lock-sanlock/same-host-id", test_same_host_id);
    return g_test_run();
}
