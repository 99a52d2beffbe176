/*
 * test-locks-sanlock: the sanlock lock manager end to end, with real
 * QEMU (TCG), real sanlock daemons and the qvirt binary: two simulated
 * hosts (two --roots, two daemons with host_id 1 and 2 and their own run
 * folders) sharing one disk_lease_dir, as libvirt lays it out.  The
 * guest of each host has the same <lease> (the one of a disk both hosts
 * see): exactly one host runs it, every time; kill -9 of QEMU frees it
 * for the other host at once; a pause lets it go and a resume after
 * another host held it meanwhile is refused (the lease version is
 * checked); sanlock-cleanup keeps held leases and removes idle ones.
 *
 * One machine plays both hosts, so one image opened by two QEMUs would
 * be refused by QEMU's own image locks before sanlock is asked (sanlock
 * needs QEMU's pid, so its leases are taken after QEMU opened its
 * images): each host's guest has a disk of its own, and shares the
 * <lease>, as guests on hosts sharing a LUN do.
 *
 * Each qvirt command runs with SANLOCK_RUN_DIR of its host: this test
 * process itself never calls libsanlock (which reads that variable once
 * per process).
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/types.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qv-test-guest.h"
#include "qv-test-sanlock.h"

static QvTestSanlock *daemon_a, *daemon_b;
static char *lease_dir;

typedef struct {
    Env env;
    QvTestSanlock *daemon;
} Host;

static void
host_init(Host *h, const char *name, QvTestSanlock *d, unsigned int host_id)
{
    g_autofree char *etc = NULL, *qemu = NULL, *san = NULL, *text = NULL;

    env_init(&h->env, name);
    h->daemon = d;
    etc = g_build_filename(h->env.root, "etc", NULL);
    g_assert_cmpint(g_mkdir_with_parents(etc, 0755), ==, 0);
    qemu = g_build_filename(etc, "qemu.conf", NULL);
    g_assert_true(g_file_set_contents(qemu, "lock_manager = \"sanlock\"\n", -1, NULL));
    san = g_build_filename(etc, "qemu-sanlock.conf", NULL);
    text = g_strdup_printf("auto_disk_leases = 1\nhost_id = %u\nio_timeout = 1\n"
                           "disk_lease_dir = \"%s\"\n", host_id, lease_dir);
    g_assert_true(g_file_set_contents(san, text, -1, NULL));
}

/* What follows runs against @h's daemon */
static void
on(Host *h)
{
    g_setenv("SANLOCK_RUN_DIR", qv_test_sanlock_run_dir(h->daemon), TRUE);
}

/* The guest of host @h: a disk of its own, and the shared <lease> */
static void
define_vm(Host *h)
{
    g_autofree char *d = NULL;

    mkqcow(&h->env, "d.qcow2", NULL);
    d = g_strdup_printf(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='@DIR@/d.qcow2'/><target dev='vda' bus='virtio'/></disk>"
        "<lease><lockspace>__LIBVIRT__DISKS__</lockspace><key>cluster</key>"
        "<target path='%s/cluster' offset='0'/></lease>", lease_dir);
    on(h);
    define(&h->env, "vm", d);
}

static void
test_two_hosts(void)
{
    Host a, b;
    g_autofree char *disk = NULL, *err = NULL, *out = NULL, *lease = NULL, *name = NULL;

    host_init(&a, "hostA", daemon_a, 1);
    host_init(&b, "hostB", daemon_b, 2);
    define_vm(&a);
    define_vm(&b);

    on(&a);
    qv_ok(&a.env, NULL, "start", "vm", NULL);
    runtime_pid(&a.env, "vm", "qemu_pid");
    /* libvirt's layout: an md5-named lease for the disk */
    disk = img(&a.env, "d.qcow2");
    name = g_compute_checksum_for_string(G_CHECKSUM_MD5, disk, -1);
    lease = g_build_filename(lease_dir, name, NULL);
    g_assert_true(g_file_test(lease, G_FILE_TEST_EXISTS));
    qv_ok(&a.env, &out, "lock-status", "vm", NULL);
    assert_contains(out, "sanlock");
    assert_contains(out, "exclusive");
    assert_contains(out, "(host_id 1)");
    assert_contains(out, "lease 'cluster'");

    on(&b);
    g_assert_cmpint(qv(&b.env, NULL, &err, "start", "vm", NULL), ==, 1);
    assert_contains(err, "cluster");
    assert_contains(err, "host_id 1");
    assert_run_files_gone(&b.env, "vm");

    on(&a);
    qv_ok(&a.env, NULL, "destroy", "vm", NULL);
    on(&b);
    qv_ok(&b.env, NULL, "start", "vm", NULL);
    runtime_pid(&b.env, "vm", "qemu_pid");
    qv_ok(&b.env, NULL, "destroy", "vm", NULL);
    env_clear(&a.env);
    env_clear(&b.env);
}

static void
start_on(StartAsync *x, Host *h)
{
    on(h);
    start_async(x, h->env.root, "vm");
}

static bool
start_result(StartAsync *x)
{
    g_autofree char *err = NULL;

    if (start_wait(x, &err))
        return true;
    if (!strstr(err, "held by host_id"))
        g_error("unexpected start failure: %s", err);
    return false;
}

/* Both hosts start the guest at the same moment: exactly one runs it */
static void
test_race(void)
{
    Host a, b;

    host_init(&a, "raceA", daemon_a, 1);
    host_init(&b, "raceB", daemon_b, 2);
    define_vm(&a);
    define_vm(&b);
    for (int round = 0; round < 4; round++) {
        StartAsync x, y;
        bool ax, by;

        start_on(&x, &a);
        start_on(&y, &b);
        ax = start_result(&x);
        by = start_result(&y);
        if (ax == by)
            g_error("round %d: %s", round, ax ? "both hosts run the disk" : "neither started");
        on(ax ? &a : &b);
        runtime_pid(ax ? &a.env : &b.env, "vm", "qemu_pid");
        qv_ok(ax ? &a.env : &b.env, NULL, "destroy", "vm", NULL);
    }
    env_clear(&a.env);
    env_clear(&b.env);
}

/* The lease is QEMU's: kill -9 of QEMU frees it for the other host */
static void
test_qemu_kill(void)
{
    Host a, b;
    pid_t qa;

    host_init(&a, "killA", daemon_a, 1);
    host_init(&b, "killB", daemon_b, 2);
    define_vm(&a);
    define_vm(&b);
    on(&a);
    qv_ok(&a.env, NULL, "start", "vm", NULL);
    qa = runtime_pid(&a.env, "vm", "qemu_pid");
    /* the supervisor's death drops nothing */
    kill_and_wait(runtime_pid(&a.env, "vm", "supervisor_pid"));
    on(&b);
    g_assert_cmpint(qv(&b.env, NULL, NULL, "start", "vm", NULL), ==, 1);
    kill_and_wait(qa);
    qv_ok(&b.env, NULL, "start", "vm", NULL);
    runtime_pid(&b.env, "vm", "qemu_pid");
    qv_ok(&b.env, NULL, "destroy", "vm", NULL);
    on(&a);
    assert_state(&a.env, "vm", "shut off (crashed)");
    env_clear(&a.env);
    env_clear(&b.env);
}

/* A pause lets the lease go; another host holding it meanwhile makes the
 * resume fail (the lease version moved on), and the guest stays paused */
static void
test_pause(void)
{
    Host a, b;
    g_autofree char *err = NULL, *out = NULL;

    host_init(&a, "pauseA", daemon_a, 1);
    host_init(&b, "pauseB", daemon_b, 2);
    define_vm(&a);
    define_vm(&b);
    on(&a);
    qv_ok(&a.env, NULL, "start", "vm", NULL);
    runtime_pid(&a.env, "vm", "qemu_pid");
    /* paused and resumed with nobody in between: the lease comes back */
    qv_ok(&a.env, NULL, "suspend", "vm", NULL);
    qv_ok(&a.env, &out, "lock-status", "vm", NULL);
    assert_contains(out, "none held: paused");
    qv_ok(&a.env, NULL, "resume", "vm", NULL);
    g_clear_pointer(&out, g_free);
    qv_ok(&a.env, &out, "lock-status", "vm", NULL);
    assert_contains(out, "exclusive");
    qv_ok(&a.env, NULL, "suspend", "vm", NULL);
    /* host B takes the lease and lets it go while A is paused */
    on(&b);
    qv_ok(&b.env, NULL, "start", "vm", NULL);
    runtime_pid(&b.env, "vm", "qemu_pid");
    qv_ok(&b.env, NULL, "destroy", "vm", NULL);
    on(&a);
    g_assert_cmpint(qv(&a.env, NULL, &err, "resume", "vm", NULL), ==, 1);
    assert_contains(err, "cannot resume");
    assert_contains(err, "while the guest was paused");
    assert_state(&a.env, "vm", "paused (user)");
    qv_ok(&a.env, NULL, "destroy", "vm", NULL);
    env_clear(&a.env);
    env_clear(&b.env);
}

/* sanlock-cleanup removes the leases nobody holds and keeps the others */
static void
test_cleanup(void)
{
    Host a, b;
    g_autofree char *held = NULL, *idle = NULL, *out = NULL;
    g_autofree char *held_lease = NULL, *idle_lease = NULL;

    host_init(&a, "cleanA", daemon_a, 1);
    host_init(&b, "cleanB", daemon_a, 1);
    define_vm(&a);
    define_vm(&b);
    on(&a);
    /* b's guest ran once and left its disk's lease behind */
    qv_ok(&b.env, NULL, "start", "vm", NULL);
    runtime_pid(&b.env, "vm", "qemu_pid");
    qv_ok(&b.env, NULL, "destroy", "vm", NULL);
    qv_ok(&a.env, NULL, "start", "vm", NULL);
    runtime_pid(&a.env, "vm", "qemu_pid");
    held = img(&a.env, "d.qcow2");
    idle = img(&b.env, "d.qcow2");
    {
        g_autofree char *h = g_compute_checksum_for_string(G_CHECKSUM_MD5, held, -1);
        g_autofree char *i = g_compute_checksum_for_string(G_CHECKSUM_MD5, idle, -1);

        held_lease = g_build_filename(lease_dir, h, NULL);
        idle_lease = g_build_filename(lease_dir, i, NULL);
    }
    g_assert_true(g_file_test(idle_lease, G_FILE_TEST_EXISTS));
    qv_ok(&a.env, &out, "sanlock-cleanup", "--dry-run", NULL);
    assert_contains(out, idle_lease);
    g_assert_true(g_file_test(idle_lease, G_FILE_TEST_EXISTS));
    g_clear_pointer(&out, g_free);
    qv_ok(&a.env, &out, "sanlock-cleanup", NULL, NULL);
    assert_contains(out, "removed");
    g_assert_false(g_file_test(idle_lease, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(held_lease, G_FILE_TEST_EXISTS));
    assert_contains(out, held_lease);
    qv_ok(&a.env, NULL, "destroy", "vm", NULL);
    env_clear(&a.env);
    env_clear(&b.env);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    lease_dir = g_build_filename(tmp, "leases", NULL);
    g_assert_cmpint(g_mkdir_with_parents(lease_dir, 0755), ==, 0);
    daemon_a = qv_test_sanlock_start(tmp, "A");
    daemon_b = qv_test_sanlock_start(tmp, "B");
    /* the lockspace written with io_timeout 1 (a join in 3 s, not 21),
     * and the shared <lease>, which the management writes, not qvirt */
    {
        g_autofree char *ls = g_build_filename(lease_dir, "__LIBVIRT__DISKS__", NULL);
        g_autofree char *cluster = g_build_filename(lease_dir, "cluster", NULL);
        g_autofree char *res = g_strdup_printf("__LIBVIRT__DISKS__:cluster:%s:0", cluster);
        const char *init[] = { "sanlock", "direct", "init", "-r", res, NULL };
        g_autofree char *out = NULL, *err = NULL;

        qv_test_sanlock_write_lockspace("__LIBVIRT__DISKS__", ls, 1);
        g_assert_true(g_file_set_contents(cluster, "", 0, NULL));
        g_assert_cmpint(truncate(cluster, 1024 * 1024), ==, 0);
        if (qv_test_run(init, &out, &err) != 0)
            g_error("sanlock direct init -r %s: %s%s", res, out, err);
    }
    g_test_add_func("/locks-sanlock/two-hosts", test_two_hosts);
    g_test_add_func("/locks-sanlock/race", test_race);
    g_test_add_func("/locks-sanlock/qemu-kill", test_qemu_kill);
    g_test_add_func("/locks-sanlock/pause", test_pause);
    g_test_add_func("/locks-sanlock/cleanup", test_cleanup);
    ret = g_test_run();
    qv_test_sanlock_stop(daemon_a);
    qv_test_sanlock_stop(daemon_b);
    qv_test_guest_cleanup();
    g_free(lease_dir);
    return ret;
}
