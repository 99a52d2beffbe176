/*
 * test-locks: disk leases with real QEMU (TCG) and the default lock
 * manager (lockd, direct OFD locks handed to QEMU), through the qvirt
 * binary: two guests on one disk, shareable disks, shared bases, kill -9
 * of the supervisor and of QEMU, suspend and resume with a <lease>
 * another guest takes meanwhile, racing starts, two simulated hosts (two
 * --roots) on one indirect lockspace, nop, configuration errors, and the
 * leases block jobs and snapshots take and let go.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qv-test-guest.h"

static void
write_conf(Env *e, const char *file, const char *text)
{
    g_autofree char *dir = g_build_filename(e->root, "etc", NULL);
    g_autofree char *path = g_build_filename(dir, file, NULL);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* A guest whose one disk is @path (absolute) */
static void
define_on(Env *e, const char *name, const char *path, const char *fmt, const char *extra)
{
    g_autofree char *d = g_strdup_printf(
        "<disk type='file' device='disk'><driver name='qemu' type='%s'/><source file='%s'/>"
        "<target dev='vda' bus='virtio'/>%s</disk>", fmt, path, extra ? extra : "");

    define(e, name, d);
}

/* start must fail; returns its error */
static char *
start_fails(Env *e, const char *name)
{
    char *err = NULL;

    g_autofree char *state = NULL;

    if (qv(e, NULL, &err, "start", name, NULL) == 0)
        g_error("start %s succeeded", name);
    state = domstate(e, name);
    /* "failed" once QEMU was started; a configuration error stops it
     * before anything ran */
    if (strcmp(state, "shut off (failed)") != 0 && strcmp(state, "shut off (unknown)") != 0)
        g_error("domain '%s' is '%s' after a failed start", name, state);
    assert_run_files_gone(e, name);
    return err;
}

static json_object *
lock_status(Env *e, const char *name)
{
    g_autofree char *out = NULL;
    json_object *all, *one = NULL;

    qv_ok(e, &out, "lock-status", name, "--json");
    g_assert_nonnull(all = json_tokener_parse(out));
    g_assert_true(json_object_object_get_ex(all, name, &one));
    json_object_get(one);
    json_object_put(all);
    return one;
}

/* The mode of the lease lock-status shows for @what ("" : not held) */
static const char *
lease_mode(json_object *st, const char *key)
{
    json_object *leases = NULL;

    json_object_object_get_ex(st, "leases", &leases);
    for (size_t i = 0; leases && i < json_object_array_length(leases); i++) {
        json_object *l = json_object_array_get_idx(leases, i), *k = NULL, *m = NULL;

        if (json_object_object_get_ex(l, "key", &k) &&
            strcmp(json_object_get_string(k), key) == 0 &&
            json_object_object_get_ex(l, "mode", &m))
            return json_object_get_string(m);
    }
    return "";
}

static void
assert_lease(Env *e, const char *name, const char *path, const char *mode)
{
    json_object *st = lock_status(e, name);
    g_autofree char *key = g_strdup_printf("disk:%s", path);

    if (strcmp(lease_mode(st, key), mode) != 0)
        g_error("domain '%s': lease of '%s' is '%s', not '%s': %s", name, path,
                lease_mode(st, key), mode, json_object_to_json_string(st));
    json_object_put(st);
}

static void
test_two_guests(void)
{
    Env e;
    g_autofree char *disk = NULL, *err = NULL, *holder = NULL;
    pid_t qa;

    env_init(&e, "two-guests");
    mkqcow(&e, "d.qcow2", NULL);
    disk = img(&e, "d.qcow2");
    define_on(&e, "a", disk, "qcow2", NULL);
    define_on(&e, "b", disk, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    qa = runtime_pid(&e, "a", "qemu_pid");
    err = start_fails(&e, "b");
    /* refused by the lease, before QEMU opened the image: the disk and
     * the holder are named */
    holder = g_strdup_printf("domain 'b': disk 'vda' ('%s') is locked by domain 'a' (QEMU pid %d)",
                             disk, (int)qa);
    assert_contains(err, holder);
    assert_lease(&e, "a", disk, "exclusive");
    /* a start with --paused is refused too: lockd takes its leases first */
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv(&e, NULL, &err, "start", "b", "--paused"), ==, 1);
    assert_contains(err, "is locked by domain 'a'");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    /* gone with QEMU */
    qv_ok(&e, NULL, "start", "b", NULL);
    runtime_pid(&e, "b", "qemu_pid");
    assert_lease(&e, "b", disk, "exclusive");
    qv_ok(&e, NULL, "destroy", "b", NULL);
    env_clear(&e);
}

static void
test_shareable(void)
{
    Env e;
    g_autofree char *disk = NULL;

    env_init(&e, "shareable");
    disk = img(&e, "shared.raw");
    qv_test_qemu_img("create", "-q", "-f", "raw", disk, "1M", NULL);
    define_on(&e, "a", disk, "raw", "<shareable/>");
    define_on(&e, "b", disk, "raw", "<shareable/>");
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    qv_ok(&e, NULL, "start", "b", NULL);
    runtime_pid(&e, "b", "qemu_pid");
    assert_lease(&e, "a", disk, "shared");
    assert_lease(&e, "b", disk, "shared");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    qv_ok(&e, NULL, "destroy", "b", NULL);
    env_clear(&e);
}

/* A base two guests read: shared by both, and nobody may write it */
static void
test_shared_base(void)
{
    Env e;
    g_autofree char *base = NULL, *err = NULL, *t1 = NULL, *t2 = NULL;

    env_init(&e, "shared-base");
    mkqcow(&e, "base.qcow2", NULL);
    base = img(&e, "base.qcow2");
    mkqcow(&e, "t1.qcow2", base);
    mkqcow(&e, "t2.qcow2", base);
    t1 = img(&e, "t1.qcow2");
    t2 = img(&e, "t2.qcow2");
    define_on(&e, "a", t1, "qcow2", NULL);
    define_on(&e, "b", t2, "qcow2", NULL);
    define_on(&e, "w", base, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    qv_ok(&e, NULL, "start", "b", NULL);
    runtime_pid(&e, "b", "qemu_pid");
    assert_lease(&e, "a", base, "shared");
    assert_lease(&e, "a", t1, "exclusive");
    err = start_fails(&e, "w");
    assert_contains(err, "disk 'vda'");
    assert_contains(err, "is locked by domain '");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    qv_ok(&e, NULL, "destroy", "b", NULL);
    qv_ok(&e, NULL, "start", "w", NULL);
    runtime_pid(&e, "w", "qemu_pid");
    qv_ok(&e, NULL, "destroy", "w", NULL);
    env_clear(&e);
}

/* The locks are QEMU's: a killed supervisor drops nothing, and the next
 * one finds them held; a killed QEMU drops them all at once */
static void
test_kill(void)
{
    Env e;
    g_autofree char *disk = NULL, *err = NULL, *log = NULL, *logtext = NULL;
    pid_t sup, qa;

    env_init(&e, "kill");
    mkqcow(&e, "d.qcow2", NULL);
    disk = img(&e, "d.qcow2");
    define_on(&e, "a", disk, "qcow2", NULL);
    define_on(&e, "b", disk, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    qa = runtime_pid(&e, "a", "qemu_pid");
    sup = runtime_pid(&e, "a", "supervisor_pid");
    kill_and_wait(sup);
    err = start_fails(&e, "b");
    assert_contains(err, "is locked by domain 'a'");
    /* a new supervisor takes over what QEMU holds, and takes nothing twice */
    assert_state(&e, "a", "running (unpaused)");
    assert_lease(&e, "a", disk, "exclusive");
    log = g_build_filename(e.root, "var/lib/a.supervisor.log", NULL);
    g_assert_true(g_file_get_contents(log, &logtext, NULL, NULL));
    assert_contains(logtext, "QEMU holds 1 lease");
    /* suspend and resume after the reattach let go and take back */
    qv_ok(&e, NULL, "suspend", "a", NULL);
    qv_ok(&e, NULL, "resume", "a", NULL);
    assert_lease(&e, "a", disk, "exclusive");
    kill_and_wait(qa);
    qv_ok(&e, NULL, "start", "b", NULL);
    runtime_pid(&e, "b", "qemu_pid");
    qv_ok(&e, NULL, "destroy", "b", NULL);
    env_clear(&e);
}

/* Paused, a guest holds no lease; a resume that cannot take them back
 * leaves it paused and says why */
static void
test_suspend_resume(void)
{
    Env e;
    g_autofree char *lockspace = NULL, *err = NULL, *da = NULL, *db = NULL;
    const char *lease = "<lease><lockspace>ls</lockspace><key>cluster-disk</key>"
                        "<target path='@DIR@/leases'/></lease>";
    json_object *st;

    env_init(&e, "suspend");
    lockspace = g_build_filename(e.dir, "leases", "ls", NULL);
    g_assert_cmpint(g_mkdir_with_parents(lockspace, 0700), ==, 0);
    mkqcow(&e, "a.qcow2", NULL);
    mkqcow(&e, "b.qcow2", NULL);
    da = file_disk("vda", "a.qcow2", NULL);
    db = file_disk("vda", "b.qcow2", NULL);
    {
        g_autofree char *deva = g_strconcat(da, lease, NULL);
        g_autofree char *devb = g_strconcat(db, lease, NULL);

        define(&e, "a", deva);
        define(&e, "b", devb);
    }
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    err = start_fails(&e, "b");
    assert_contains(err, "lease 'cluster-disk' in lockspace 'ls' is locked by domain 'a'");
    g_clear_pointer(&err, g_free);

    qv_ok(&e, NULL, "suspend", "a", NULL);
    st = lock_status(&e, "a");
    g_assert_cmpstr(lease_mode(st, "disk:"), ==, "");
    {
        json_object *leases = NULL, *rel = NULL;

        g_assert_true(json_object_object_get_ex(st, "leases", &leases));
        g_assert_cmpuint(json_object_array_length(leases), ==, 0);
        g_assert_true(json_object_object_get_ex(st, "released", &rel));
        g_assert_true(json_object_get_boolean(rel));
    }
    json_object_put(st);
    /* another guest takes the lease meanwhile */
    qv_ok(&e, NULL, "start", "b", NULL);
    runtime_pid(&e, "b", "qemu_pid");
    g_assert_cmpint(qv(&e, NULL, &err, "resume", "a", NULL), ==, 1);
    assert_contains(err, "domain 'a': cannot resume: lease 'cluster-disk'");
    assert_contains(err, "is locked by domain 'b'");
    assert_state(&e, "a", "paused (user)");
    /* nothing was left taken by the failed resume */
    st = lock_status(&e, "a");
    {
        json_object *leases = NULL;

        g_assert_true(json_object_object_get_ex(st, "leases", &leases));
        g_assert_cmpuint(json_object_array_length(leases), ==, 0);
    }
    json_object_put(st);
    /* a cont through qemu-monitor-command takes the leases first too */
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(qv(&e, NULL, &err, "qemu-monitor-command", "a", "{\"execute\":\"cont\"}"), ==, 1);
    assert_contains(err, "domain 'a': cont: lease 'cluster-disk'");
    assert_state(&e, "a", "paused (user)");
    qv_ok(&e, NULL, "destroy", "b", NULL);
    qv_ok(&e, NULL, "resume", "a", NULL);
    assert_state(&e, "a", "running (unpaused)");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    env_clear(&e);
}

/* true: it started; false: refused by the lease */
static bool
start_result(StartAsync *a)
{
    g_autofree char *err = NULL;

    if (start_wait(a, &err))
        return true;
    /* our lease, or QEMU's own image lock when QEMU got there first
     * (never both running) */
    if (!strstr(err, "is locked by") && !strstr(err, "Failed to get \"write\" lock"))
        g_error("unexpected start failure: %s", err);
    return false;
}

/* Two guests on one disk started at the same moment: exactly one runs */
static void
test_race(void)
{
    Env e;
    g_autofree char *disk = NULL;

    env_init(&e, "race");
    mkqcow(&e, "d.qcow2", NULL);
    disk = img(&e, "d.qcow2");
    define_on(&e, "a", disk, "qcow2", NULL);
    define_on(&e, "b", disk, "qcow2", NULL);
    for (int round = 0; round < 4; round++) {
        StartAsync x, y;
        bool ax, by;

        start_async(&x, e.root, "a");
        start_async(&y, e.root, "b");
        ax = start_result(&x);
        by = start_result(&y);
        if (ax == by)
            g_error("round %d: %s", round, ax ? "both guests run on one disk" : "neither started");
        runtime_pid(&e, ax ? "a" : "b", "qemu_pid");
        qv_ok(&e, NULL, "destroy", ax ? "a" : "b", NULL);
    }
    env_clear(&e);
}

/* Two hosts (two roots) sharing one lockspace folder: the indirect lock
 * files are sha256 of the disk's path, and exactly one host runs it */
static void
test_two_hosts(void)
{
    Env a, b;
    g_autofree char *disk = NULL, *ls = NULL, *conf = NULL, *err = NULL, *hash = NULL;
    g_autofree char *lockfile = NULL;

    env_init(&a, "hostA");
    env_init(&b, "hostB");
    ls = g_build_filename(tmp, "shared-lockspace", NULL);
    conf = g_strdup_printf("# as a libvirt host would have it\nfile_lockspace_dir = \"%s\"\n", ls);
    write_conf(&a, "qemu-lockd.conf", conf);
    write_conf(&b, "qemu-lockd.conf", conf);
    mkqcow(&a, "d.qcow2", NULL);
    disk = img(&a, "d.qcow2");
    define_on(&a, "vm", disk, "qcow2", NULL);
    define_on(&b, "vm", disk, "qcow2", NULL);
    hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, disk, -1);
    lockfile = g_build_filename(ls, hash, NULL);

    qv_ok(&a, NULL, "start", "vm", NULL);
    runtime_pid(&a, "vm", "qemu_pid");
    g_assert_true(g_file_test(lockfile, G_FILE_TEST_EXISTS));
    err = start_fails(&b, "vm");
    assert_contains(err, "is locked by domain 'vm'");
    assert_contains(err, lockfile);
    qv_ok(&a, NULL, "destroy", "vm", NULL);
    /* the last holder gone, the lock file goes */
    g_assert_false(g_file_test(lockfile, G_FILE_TEST_EXISTS));
    for (int round = 0; round < 4; round++) {
        StartAsync x, y;
        bool ax, by;

        start_async(&x, a.root, "vm");
        start_async(&y, b.root, "vm");
        ax = start_result(&x);
        by = start_result(&y);
        if (ax == by)
            g_error("round %d: %s", round, ax ? "both hosts run the disk" : "neither started");
        runtime_pid(ax ? &a : &b, "vm", "qemu_pid");
        qv_ok(ax ? &a : &b, NULL, "destroy", "vm", NULL);
    }
    env_clear(&a);
    env_clear(&b);
}

/* lock_manager = "nop": no leases; only QEMU's own image locks remain */
static void
test_nop(void)
{
    Env e;
    g_autofree char *disk = NULL, *err = NULL, *out = NULL;

    env_init(&e, "nop");
    write_conf(&e, "qemu.conf", "lock_manager = \"nop\"\n");
    mkqcow(&e, "d.qcow2", NULL);
    disk = img(&e, "d.qcow2");
    define_on(&e, "a", disk, "qcow2", NULL);
    define_on(&e, "b", disk, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    err = start_fails(&e, "b");
    g_assert_null(strstr(err, "is locked by"));
    assert_contains(err, "Failed to get \"write\" lock");
    qv_ok(&e, &out, "lock-status", NULL, NULL);
    assert_contains(out, "nop");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    env_clear(&e);
}

/* A mistake in the configuration stops a start before QEMU, naming the
 * file, the line and the key */
static void
test_config_error(void)
{
    Env e;
    g_autofree char *err = NULL, *conf = NULL;

    env_init(&e, "config-error");
    write_conf(&e, "qemu-lockd.conf", "auto_disk_leases = 1\nfile_lockspace_dirs = \"/x\"\n");
    mkqcow(&e, "d.qcow2", NULL);
    define(&e, "a", "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                    "<source file='@DIR@/d.qcow2'/><target dev='vda' bus='virtio'/></disk>");
    err = start_fails(&e, "a");
    conf = g_build_filename(e.root, "etc", "qemu-lockd.conf", NULL);
    assert_contains(err, conf);
    assert_contains(err, ":2:");
    assert_contains(err, "file_lockspace_dirs");
    env_clear(&e);
}

/* A copy's destination is locked while the job runs; after the pivot
 * the old top is let go */
static void
test_blockcopy(void)
{
    Env e;
    g_autofree char *src = NULL, *dst = NULL, *err = NULL;

    env_init(&e, "blockcopy");
    mkqcow(&e, "src.qcow2", NULL);
    src = img(&e, "src.qcow2");
    dst = img(&e, "dst.qcow2");
    define_on(&e, "a", src, "qcow2", NULL);
    define_on(&e, "c", dst, "qcow2", NULL);
    define_on(&e, "old", src, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    if (qv_test_qvirt(NULL, &err, "--root", e.root, "blockcopy", "a", "vda", dst, "--wait",
                      NULL) != 0)
        g_error("blockcopy: %s", err);
    assert_lease(&e, "a", dst, "exclusive");
    assert_lease(&e, "a", src, "exclusive");
    g_clear_pointer(&err, g_free);
    err = start_fails(&e, "c");
    assert_contains(err, "is locked by domain 'a'");
    if (qv_test_qvirt(NULL, NULL, "--root", e.root, "blockjob", "a", "vda", "--pivot", NULL) != 0)
        g_error("pivot failed");
    assert_lease(&e, "a", dst, "exclusive");
    assert_lease(&e, "a", src, "");
    qv_ok(&e, NULL, "start", "old", NULL);
    runtime_pid(&e, "old", "qemu_pid");
    qv_ok(&e, NULL, "destroy", "old", NULL);
    qv_ok(&e, NULL, "destroy", "a", NULL);
    env_clear(&e);
}

/* A snapshot's overlay is locked before QEMU writes it; the old top is
 * a backing layer after it, shared */
static void
test_snapshot(void)
{
    Env e;
    g_autofree char *top = NULL, *overlay = NULL, *err = NULL, *spec = NULL;

    env_init(&e, "snapshot");
    mkqcow(&e, "top.qcow2", NULL);
    top = img(&e, "top.qcow2");
    overlay = img(&e, "top.snap1");
    define_on(&e, "a", top, "qcow2", NULL);
    define_on(&e, "w", top, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    spec = g_strdup_printf("vda,file=%s", overlay);
    if (qv_test_qvirt(NULL, &err, "--root", e.root, "snapshot-create-as", "a", "snap1",
                      "--disk-only", "--diskspec", spec, NULL) != 0)
        g_error("snapshot: %s", err);
    assert_lease(&e, "a", overlay, "exclusive");
    assert_lease(&e, "a", top, "shared");
    g_clear_pointer(&err, g_free);
    err = start_fails(&e, "w");
    assert_contains(err, "is locked by domain 'a'");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    env_clear(&e);
}

/* The commit base is written while the job runs: exclusive; back to
 * shared when it ends */
static void
test_commit(void)
{
    Env e;
    g_autofree char *base = NULL, *mid = NULL, *top = NULL, *err = NULL;

    env_init(&e, "commit");
    mkqcow(&e, "base.qcow2", NULL);
    base = img(&e, "base.qcow2");
    mkqcow(&e, "mid.qcow2", base);
    mid = img(&e, "mid.qcow2");
    mkqcow(&e, "top.qcow2", mid);
    top = img(&e, "top.qcow2");
    define_on(&e, "a", top, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    assert_lease(&e, "a", base, "shared");
    assert_lease(&e, "a", mid, "shared");
    if (qv_test_qvirt(NULL, &err, "--root", e.root, "blockcommit", "a", "vda", "--top", mid,
                      "--base", base, "--wait", NULL) != 0)
        g_error("blockcommit: %s", err);
    /* mid left the chain; base is a backing layer again */
    assert_lease(&e, "a", mid, "");
    assert_lease(&e, "a", base, "shared");
    assert_lease(&e, "a", top, "exclusive");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    env_clear(&e);
}

/* A job writes while the guest is paused: what it writes keeps its
 * lease (or gets one) through the pause */
static void
test_paused_job(void)
{
    Env e;
    g_autofree char *base = NULL, *top = NULL, *err = NULL;
    const char *qemu_io[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 7 0 4M", NULL, NULL };

    env_init(&e, "paused-job");
    base = img(&e, "base.qcow2");
    qv_test_qemu_img("create", "-q", "-f", "qcow2", base, "8M", NULL);
    top = img(&e, "top.qcow2");
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", top, "8M", NULL);
    qemu_io[5] = top;
    g_assert_cmpint(qv_test_run(qemu_io, NULL, NULL), ==, 0);
    define_on(&e, "a", top, "qcow2", NULL);
    qv_ok(&e, NULL, "start", "a", NULL);
    runtime_pid(&e, "a", "qemu_pid");
    qv_ok(&e, NULL, "suspend", "a", NULL);
    /* an active commit, throttled so that it is still running below */
    if (qv_test_qvirt(NULL, &err, "--root", e.root, "blockcommit", "a", "vda", "--active",
                      "--bandwidth", "4096", "--bytes", NULL) != 0)
        g_error("blockcommit: %s", err);
    assert_lease(&e, "a", base, "exclusive");
    assert_lease(&e, "a", top, "");
    if (qv_test_qvirt(NULL, NULL, "--root", e.root, "blockjob", "a", "vda", "--abort", NULL) != 0)
        g_error("abort failed");
    /* the job over, the base goes with the guest's other (paused) leases */
    assert_lease(&e, "a", base, "");
    qv_ok(&e, NULL, "resume", "a", NULL);
    assert_lease(&e, "a", base, "shared");
    assert_lease(&e, "a", top, "exclusive");
    qv_ok(&e, NULL, "destroy", "a", NULL);
    env_clear(&e);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    g_test_add_func("/locks/two-guests", test_two_guests);
    g_test_add_func("/locks/shareable", test_shareable);
    g_test_add_func("/locks/shared-base", test_shared_base);
    g_test_add_func("/locks/kill", test_kill);
    g_test_add_func("/locks/suspend-resume", test_suspend_resume);
    g_test_add_func("/locks/race", test_race);
    g_test_add_func("/locks/two-hosts", test_two_hosts);
    g_test_add_func("/locks/nop", test_nop);
    g_test_add_func("/locks/config-error", test_config_error);
    g_test_add_func("/locks/blockcopy", test_blockcopy);
    g_test_add_func("/locks/snapshot", test_snapshot);
    g_test_add_func("/locks/commit", test_commit);
    g_test_add_func("/locks/paused-job", test_paused_job);
    ret = g_test_run();
    qv_test_guest_cleanup();
    return ret;
}
