/*
 * test-migrate: live migration between two simulated hosts on this
 * machine (two --roots with their own state, image folders and one
 * lockd lockspace they share, as hosts on shared storage would), with
 * real QEMU (TCG) through the qvirt binary:
 *   - --copy-storage-all of a 3-layer chain, the guest writing before
 *     and during the copy: the destination's image equals the source's
 *     chain (qemu-img compare), the guest runs there, the source is shut
 *     off, the leases moved (the source cannot start it again);
 *   - --copy-storage-inc onto an overlay of the same base: only the top
 *     copied (qemu-img map);
 *   - shared storage: nothing copied; the old source cannot run it;
 *   - failures: the destination's QEMU killed during the copy, a lease
 *     the destination cannot take, the migrating command killed,
 *     domjobabort: the guest keeps running on the source with its
 *     leases and data, and nothing is left on the destination;
 *   - a quorum disk and a 200-layer chain; ping-pong three times;
 *   - the flags libvirt refuses, a block job that refuses it, --suspend,
 *     --persistent and --undefinesource, the transient definition.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "util/qv-json.h"
#include "qv-test-guest.h"

static char *lockspace;          /* the hosts' shared lockd folder */
static char *leases;             /* the folder of <lease> lockspaces */

static void
write_conf(Env *e, const char *file, const char *text)
{
    g_autofree char *dir = g_build_filename(e->root, "etc", NULL);
    g_autofree char *path = g_build_filename(dir, file, NULL);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* Two hosts on one lockspace */
static void
hosts_init(Env *a, Env *b, const char *tag)
{
    g_autofree char *na = g_strdup_printf("%s-A", tag), *nb = g_strdup_printf("%s-B", tag);
    g_autofree char *conf = g_strdup_printf("file_lockspace_dir = \"%s\"\n", lockspace);

    env_init(a, na);
    env_init(b, nb);
    write_conf(a, "qemu-lockd.conf", conf);
    write_conf(b, "qemu-lockd.conf", conf);
}

static const char *const uuid = "0b0c5f6e-3a43-4c1d-9a49-5d8f1c0e7a11";

/* The domain XML with @devices (and a <lease> both hosts know) */
static char *
domain_xml(const char *name, const char *devices)
{
    return g_strdup_printf("<domain type='qemu'><name>%s</name><uuid>%s</uuid>"
                           "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                           "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
                           "<devices>%s<lease><lockspace>ls</lockspace><key>%s-lease</key>"
                           "<target path='%s'/></lease></devices></domain>",
                           name, uuid, devices, name, leases);
}

static char *
write_xml(Env *e, const char *file, const char *xml)
{
    char *path = g_build_filename(e->root, file, NULL);

    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    return path;
}

static void
define_xml(Env *e, const char *name, const char *devices)
{
    g_autofree char *xml = domain_xml(name, devices);
    g_autofree char *path = write_xml(e, "def.xml", xml);

    qv_ok(e, NULL, "define", path, NULL);
}

static char *
qcow_disk(const char *dev, const char *path)
{
    return g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='%s'/><target dev='%s' bus='virtio'/></disk>", path, dev);
}

/* `qvirt --root A migrate NAME qvirt:///B ARGS...` */
static int
migrate(Env *a, Env *b, const char *name, char **err, const char *const *extra)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *out = NULL;
    int rc;

    g_ptr_array_add(args, g_strdup("--root"));
    g_ptr_array_add(args, g_strdup(a->root));
    g_ptr_array_add(args, g_strdup("migrate"));
    g_ptr_array_add(args, g_strdup(name));
    g_ptr_array_add(args, g_strdup_printf("qvirt://%s", b->root));
    for (size_t i = 0; extra && extra[i]; i++)
        g_ptr_array_add(args, g_strdup(extra[i]));
    g_ptr_array_add(args, NULL);
    rc = qv_test_qvirtv(&out, err, (const char *const *)args->pdata);
    return rc;
}

static void
migrate_ok(Env *a, Env *b, const char *name, const char *const *extra)
{
    g_autofree char *err = NULL;

    if (migrate(a, b, name, &err, extra) != 0)
        g_error("migrate %s from %s: %s", name, a->root, err);
}

/* The same in the background */
static GPid
migrate_async(Env *a, Env *b, const char *name, const char *const *extra, int *errfd)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    GPid pid;

    g_ptr_array_add(argv, g_strdup(g_getenv("QVIRT_BIN")));
    g_ptr_array_add(argv, g_strdup("--root"));
    g_ptr_array_add(argv, g_strdup(a->root));
    g_ptr_array_add(argv, g_strdup("migrate"));
    g_ptr_array_add(argv, g_strdup(name));
    g_ptr_array_add(argv, g_strdup_printf("qvirt://%s", b->root));
    for (size_t i = 0; extra && extra[i]; i++)
        g_ptr_array_add(argv, g_strdup(extra[i]));
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, NULL,
                                           NULL, errfd, NULL));
    return pid;
}

/* Its exit status, and what it said */
static int
migrate_wait(GPid pid, int errfd, char **err)
{
    g_autoptr(GString) s = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    int status;

    while ((n = read(errfd, buf, sizeof(buf))) > 0)
        g_string_append_len(s, buf, n);
    close(errfd);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    *err = g_strdup(s->str);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static json_object *
jobinfo(Env *e, const char *name)
{
    g_autofree char *out = NULL;
    json_object *o;

    qv_ok(e, &out, "domjobinfo", name, "--json");
    g_assert_nonnull(o = json_tokener_parse(out));
    return o;
}

/* Wait until the migration of @name copies its disks */
static void
wait_storage_phase(Env *e, const char *name)
{
    for (int i = 0; i < 6000; i++) {
        g_autoptr(json_object) o = jobinfo(e, name);
        json_object *phase = NULL, *done = NULL;

        if (json_object_object_get_ex(o, "phase", &phase) &&
            strcmp(json_object_get_string(phase), "storage") == 0 &&
            json_object_object_get_ex(o, "file_processed", &done) &&
            json_object_get_uint64(done) > 0)
            return;
        g_usleep(10 * 1000);
    }
    g_error("the migration of '%s' never copied its disks", name);
}

/* HMP qemu-io on the block backend of device @dev: what the guest
 * would write (HMP answers errors as text) */
static void
guest_io_dev(Env *e, const char *name, const char *dev, const char *io)
{
    g_autofree char *cmd = g_strdup_printf("{\"execute\":\"human-monitor-command\",\"arguments\":"
                                           "{\"command-line\":\"qemu-io -d "
                                           "/machine/peripheral/%s/virtio-backend \\\"%s\\\"\"}}",
                                           dev, io);
    g_autofree char *out = NULL;

    qv_ok(e, &out, "qemu-monitor-command", name, cmd);
    if (strstr(out, "rror"))
        g_error("qemu-io %s on '%s': %s", io, dev, out);
}

/* HMP qemu-io on vda: what the guest would write */
static void
guest_io(Env *e, const char *name, const char *io)
{
    guest_io_dev(e, name, "virtio-disk0", io);
}

/* The image @path (QEMU has let go of it) holds @pattern there */
static void
assert_image_reads(const char *path, const char *pattern, const char *off, const char *len,
                   const char *what)
{
    g_autofree char *io = g_strdup_printf("read -P %s %s %s", pattern, off, len);
    const char *argv[] = { "qemu-io", "-r", "-f", "qcow2", "-c", io, path, NULL };
    g_autofree char *out = NULL, *err = NULL;

    if (qv_test_run(argv, &out, &err) != 0 || strstr(out, "Pattern verification failed") ||
        !strstr(out, "read "))
        g_error("%s: '%s' holds something else at %s: %s%s", what, path, off, out, err);
}

static void
compare_images(const char *a, const char *b)
{
    const char *argv[] = { "qemu-img", "compare", "-U", a, b, NULL };
    g_autofree char *out = NULL, *err = NULL;

    if (qv_test_run(argv, &out, &err) != 0)
        g_error("qemu-img compare %s %s: %s%s", a, b, out, err);
}

/* Whether the state folder of @b still has files of guest @name */
static bool
dest_has_files(Env *b, const char *name)
{
    g_autofree char *state = g_build_filename(b->root, "var", "lib", NULL);
    g_autoptr(GDir) dir = g_dir_open(state, 0, NULL);
    const char *f;

    while (dir && (f = g_dir_read_name(dir))) {
        if (g_str_has_prefix(f, name) && f[strlen(name)] == '.')
            return true;
    }
    return false;
}

/* The destination has nothing of the guest: no QEMU, no files */
static void
assert_dest_clean(Env *b, const char *name, const char *const *images)
{
    g_autofree char *def = g_strdup_printf("%s/etc/domains/%s.xml", b->root, name);
    g_autofree char *state = g_build_filename(b->root, "var", "lib", NULL);
    g_autoptr(GDir) dir = g_dir_open(state, 0, NULL);
    const char *f;

    g_assert_false(g_file_test(def, G_FILE_TEST_EXISTS));
    while (dir && (f = g_dir_read_name(dir))) {
        if (g_str_has_prefix(f, name) && f[strlen(name)] == '.')
            g_error("the destination kept '%s/%s'", state, f);
    }
    assert_run_files_gone(b, name);
    for (size_t i = 0; images && images[i]; i++) {
        if (g_file_test(images[i], G_FILE_TEST_EXISTS))
            g_error("the destination kept the image '%s'", images[i]);
    }
}

/* The guest runs on @e with its leases (the disk's and the <lease>) */
static void
assert_runs_with_leases(Env *e, const char *name, const char *disk)
{
    g_autofree char *out = NULL, *state = domstate(e, name);
    g_autofree char *key = g_strdup_printf("disk:%s", disk);
    g_autoptr(json_object) all = NULL;
    json_object *st = NULL, *list = NULL, *v = NULL;
    bool disk_held = false, lease_held = false;

    if (!g_str_has_prefix(state, "running"))
        g_error("domain '%s' on '%s' is %s, not running", name, e->root, state);
    qv_ok(e, &out, "lock-status", name, "--json");
    g_assert_nonnull(all = json_tokener_parse(out));
    g_assert_true(json_object_object_get_ex(all, name, &st));
    g_assert_true(json_object_object_get_ex(st, "released", &v));
    g_assert_false(json_object_get_boolean(v));
    g_assert_true(json_object_object_get_ex(st, "leases", &list));
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *l = json_object_array_get_idx(list, i), *k = NULL, *h = NULL, *t = NULL;

        json_object_object_get_ex(l, "key", &k);
        json_object_object_get_ex(l, "held", &h);
        json_object_object_get_ex(l, "type", &t);
        if (!json_object_get_boolean(h))
            continue;
        if (strcmp(json_object_get_string(k), key) == 0)
            disk_held = true;
        if (strcmp(json_object_get_string(t), "lease") == 0)
            lease_held = true;
    }
    if (!disk_held || !lease_held)
        g_error("domain '%s' on '%s' does not hold its leases (%s): %s", name, e->root, key, out);
}

/* A 64 MiB qcow2 in @e's images folder, on @backing (relative) or not */
static void
mkq(Env *e, const char *name, const char *backing)
{
    g_autofree char *p = img(e, name);

    if (backing)
        qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", backing, "-F", "qcow2", p,
                         "64M", NULL);
    else
        qv_test_qemu_img("create", "-q", "-f", "qcow2", p, "64M", NULL);
}

/* Base 0xaa at 0, mid 0xbb at 1M, top 0xdd at 3M, 8M of each */
static void
make_data_chain(Env *e)
{
    mkq(e, "base.qcow2", NULL);
    mkq(e, "mid.qcow2", "base.qcow2");
    mkq(e, "top.qcow2", "mid.qcow2");
    {
        g_autofree char *b = img(e, "base.qcow2"), *m = img(e, "mid.qcow2");
        g_autofree char *t = img(e, "top.qcow2");

        {
            const char *w1[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0xaa 0 8M", b, NULL };
            const char *w2[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0xbb 1M 8M", m, NULL };
            const char *w3[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0xdd 3M 8M", t, NULL };
            g_autofree char *o = NULL, *er = NULL;

            g_assert_cmpint(qv_test_run(w1, &o, &er), ==, 0);
            g_assert_cmpint(qv_test_run(w2, NULL, NULL), ==, 0);
            g_assert_cmpint(qv_test_run(w3, NULL, NULL), ==, 0);
        }
    }
}

/* ---- the cases ---- */

static void
test_copy_all(void)
{
    Env a, b;
    g_autofree char *top = NULL, *dst = NULL, *dev = NULL, *destxml = NULL, *xmlpath = NULL;
    g_autofree char *err = NULL;
    int errfd;
    GPid pid;

    hosts_init(&a, &b, "all");
    make_data_chain(&a);
    top = img(&a, "top.qcow2");
    dst = img(&b, "vda.qcow2");
    dev = qcow_disk("vda", top);
    define_xml(&a, "vm", dev);
    qv_ok(&a, NULL, "start", "vm", NULL);
    runtime_pid(&a, "vm", "qemu_pid");
    guest_io(&a, "vm", "write -P 0xc1 12M 1M");
    {
        g_autofree char *d2 = qcow_disk("vda", dst);

        destxml = domain_xml("vm", d2);
        xmlpath = write_xml(&a, "dest.xml", destxml);
    }
    {
        /* slow enough to write while it copies; then full speed */
        const char *args[] = { "--live", "--copy-storage-all", "--xml", xmlpath, "--verbose",
                               "--bandwidth", "2", NULL };

        pid = migrate_async(&a, &b, "vm", args, &errfd);
        wait_storage_phase(&a, "vm");
        guest_io(&a, "vm", "write -P 0xc2 2M 64k");
        guest_io(&a, "vm", "write -P 0xc3 20M 64k");
        qv_ok(&a, NULL, "migrate-setspeed", "vm", "0");
        if (migrate_wait(pid, errfd, &err) != 0)
            g_error("migrate: %s", err);
        assert_contains(err, "Migration: [100 %]");
    }
    {
        g_autofree char *r = domstate(&a, "vm");

        g_assert_cmpstr(r, ==, "shut off (migrated)");
    }
    runtime_pid(&b, "vm", "qemu_pid");
    assert_runs_with_leases(&b, "vm", dst);
    /* the source host cannot start it again: the <lease> is the other host's */
    {
        g_autofree char *e2 = NULL;

        g_assert_cmpint(qv(&a, NULL, &e2, "start", "vm", NULL), !=, 0);
        assert_contains(e2, "vm-lease");
    }
    qv_ok(&b, NULL, "destroy", "vm", NULL);
    compare_images(top, dst);
    assert_image_reads(dst, "0xc1", "12M", "1M", "a write before the copy");
    assert_image_reads(dst, "0xc2", "2M", "64k", "a write during the copy");
    assert_image_reads(dst, "0xc3", "20M", "64k", "a write during the copy");
    assert_image_reads(dst, "0xdd", "3M", "1M", "the top's data");
    assert_image_reads(dst, "0xbb", "1M", "1M", "the middle's data");
    assert_image_reads(dst, "0xaa", "0", "1M", "the base's data");
    /* not --persistent: defined on the destination only while it ran */
    {
        g_autofree char *e2 = NULL;

        g_assert_cmpint(qv(&b, NULL, &e2, "dominfo", "vm", NULL), !=, 0);
        assert_contains(e2, "is not defined");
    }
    env_clear(&a);
    env_clear(&b);
}

static void
test_copy_inc(void)
{
    Env a, b;
    g_autofree char *top = NULL, *dst = NULL, *dev = NULL, *xmlpath = NULL, *map = NULL;

    hosts_init(&a, &b, "inc");
    mkq(&a, "base.qcow2", NULL);
    mkq(&a, "top.qcow2", "base.qcow2");
    {
        g_autofree char *bp = img(&a, "base.qcow2"), *tp = img(&a, "top.qcow2");
        const char *w1[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0xaa 0 16M", bp, NULL };
        const char *w2[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0xbb 32M 1M", tp, NULL };

        g_assert_cmpint(qv_test_run(w1, NULL, NULL), ==, 0);
        g_assert_cmpint(qv_test_run(w2, NULL, NULL), ==, 0);
    }
    top = img(&a, "top.qcow2");
    dst = img(&b, "top.qcow2");
    dev = qcow_disk("vda", top);
    define_xml(&a, "vm", dev);
    qv_ok(&a, NULL, "start", "vm", NULL);
    {
        g_autofree char *d2 = qcow_disk("vda", dst);
        g_autofree char *x = domain_xml("vm", d2);
        /* over TCP on loopback, guest writes waiting for the copy */
        const char *args[] = { "--live", "--copy-storage-inc", "--xml", NULL,
                               "--copy-storage-synchronous-writes",
                               "--migrateuri", "tcp://127.0.0.1", "--disks-uri", "tcp://127.0.0.1",
                               NULL };

        xmlpath = write_xml(&a, "dest.xml", x);
        args[3] = xmlpath;
        migrate_ok(&a, &b, "vm", args);
    }
    runtime_pid(&b, "vm", "qemu_pid");
    assert_runs_with_leases(&b, "vm", dst);
    qv_ok(&b, NULL, "destroy", "vm", NULL);
    /* only the top's clusters were copied: the new overlay holds 1 MiB */
    {
        const char *argv[] = { "qemu-img", "map", "-U", "--output=json", dst, NULL };
        g_autoptr(json_object) m = NULL;
        uint64_t in_top = 0;

        g_assert_cmpint(qv_test_run(argv, &map, NULL), ==, 0);
        g_assert_nonnull(m = json_tokener_parse(map));
        for (size_t i = 0; i < json_object_array_length(m); i++) {
            json_object *e = json_object_array_get_idx(m, i), *d = NULL, *l = NULL, *data = NULL;

            json_object_object_get_ex(e, "depth", &d);
            json_object_object_get_ex(e, "length", &l);
            json_object_object_get_ex(e, "data", &data);
            if (json_object_get_int(d) == 0 && json_object_get_boolean(data))
                in_top += json_object_get_uint64(l);
        }
        g_assert_cmpuint(in_top, ==, 1024 * 1024);
    }
    assert_image_reads(dst, "0xaa", "0", "1M", "the shared base");
    assert_image_reads(dst, "0xbb", "32M", "1M", "the copied top");
    env_clear(&a);
    env_clear(&b);
}

static void
test_shared(void)
{
    Env a, b;
    g_autofree char *top = NULL, *dev = NULL, *err = NULL;

    hosts_init(&a, &b, "shared");
    make_data_chain(&a);
    top = img(&a, "top.qcow2");
    dev = qcow_disk("vda", top);
    define_xml(&a, "vm", dev);
    qv_ok(&a, NULL, "start", "vm", NULL);
    guest_io(&a, "vm", "write -P 0xe1 30M 1M");
    {
        const char *args[] = { "--live", "--persistent", "--undefinesource", NULL };

        migrate_ok(&a, &b, "vm", args);
    }
    runtime_pid(&b, "vm", "qemu_pid");
    assert_runs_with_leases(&b, "vm", top);
    /* --undefinesource: gone here; --persistent: defined there */
    {
        g_autofree char *e2 = NULL;

        g_assert_cmpint(qv(&a, NULL, &e2, "dominfo", "vm", NULL), !=, 0);
        assert_contains(e2, "is not defined");
    }
    {
        g_autofree char *def = g_strdup_printf("%s/etc/domains/vm.xml", b.root);

        g_assert_true(g_file_test(def, G_FILE_TEST_EXISTS));
    }
    /* the old source cannot run it again: the lease is the other host's */
    define_xml(&a, "vm", dev);
    g_assert_cmpint(qv(&a, NULL, &err, "start", "vm", NULL), !=, 0);
    assert_contains(err, "is locked by domain 'vm'");
    /* nor can anything else write it: QEMU's own image lock is there's */
    {
        const char *argv[] = { "qemu-io", "-f", "qcow2", "-c", "write 0 512", top, NULL };
        g_autofree char *out = NULL, *e2 = NULL;

        g_assert_cmpint(qv_test_run(argv, &out, &e2), !=, 0);
        assert_contains(e2, "Failed to get \"write\" lock");
    }
    qv_ok(&b, NULL, "destroy", "vm", NULL);
    assert_image_reads(top, "0xe1", "30M", "1M", "the source's last write");
    /* --persistent: the definition stays after the guest stops */
    qv_ok(&b, NULL, "dominfo", "vm", NULL);
    env_clear(&a);
    env_clear(&b);
}

/* Two hosts; on A a running guest on the 3-layer data chain (*@top),
 * and the destination's definition (*@xmlpath) with its disk at
 * *@dst on B */
static void
running_chain_guest(Env *a, Env *b, const char *tag, char **top, char **dst, char **xmlpath)
{
    g_autofree char *dev = NULL, *d2 = NULL, *x = NULL;

    hosts_init(a, b, tag);
    make_data_chain(a);
    *top = img(a, "top.qcow2");
    *dst = img(b, "vda.qcow2");
    dev = qcow_disk("vda", *top);
    define_xml(a, "vm", dev);
    qv_ok(a, NULL, "start", "vm", NULL);
    d2 = qcow_disk("vda", *dst);
    x = domain_xml("vm", d2);
    *xmlpath = write_xml(a, "dest.xml", x);
}

/* A migration started slowly, then broken by @breaker: the guest goes
 * on running on the source with its leases and its data, and the
 * destination has nothing of it */
typedef void (*Breaker)(Env *a, Env *b, GPid migrating);

static void
failure_case(const char *tag, Breaker breaker, bool dest_lease_held, const char *want)
{
    Env a, b;
    g_autofree char *top = NULL, *dst = NULL, *xmlpath = NULL, *err = NULL;
    g_autofree char *lockfile = NULL;
    int errfd, holder = -1;
    GPid pid;

    running_chain_guest(&a, &b, tag, &top, &dst, &xmlpath);
    if (dest_lease_held) {
        /* another host's process holds the destination image's lease */
        g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, dst, -1);
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };

        g_assert_cmpint(g_mkdir_with_parents(lockspace, 0755), ==, 0);
        lockfile = g_build_filename(lockspace, hash, NULL);
        g_assert_cmpint(holder = open(lockfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600), >=, 0);
        g_assert_cmpint(fcntl(holder, F_OFD_SETLK, &fl), ==, 0);
    }
    {
        const char *slow[] = { "--live", "--copy-storage-all", "--xml", xmlpath,
                               "--bandwidth", "1", NULL };
        const char *fast[] = { "--live", "--copy-storage-all", "--xml", xmlpath, NULL };

        pid = migrate_async(&a, &b, "vm", breaker ? slow : fast, &errfd);
        if (breaker) {
            wait_storage_phase(&a, "vm");
            guest_io(&a, "vm", "write -P 0xf1 5M 64k");
            breaker(&a, &b, pid);
        }
        g_assert_cmpint(migrate_wait(pid, errfd, &err), !=, 0);
        if (want)
            assert_contains(err, want);
    }
    /* the source's supervisor has undone it by the time it answers; a
     * killed migrating command leaves that to it: wait for the end */
    for (int i = 0; i < 3000; i++) {
        g_autoptr(json_object) o = jobinfo(&a, "vm");
        json_object *t = NULL;

        if (json_object_object_get_ex(o, "type", &t) &&
            strcmp(json_object_get_string(t), "none") == 0)
            break;
        g_usleep(10 * 1000);
    }
    for (int i = 0; i < 3000; i++) {
        g_autofree char *st = domstate(&a, "vm");

        if (g_str_has_prefix(st, "running"))
            break;
        g_usleep(10 * 1000);
    }
    assert_runs_with_leases(&a, "vm", top);
    /* the destination: nothing left once its side has ended (it undoes
     * itself after the source gave up: images, then the guest's files) */
    for (int i = 0; i < 3000 && (g_file_test(dst, G_FILE_TEST_EXISTS) || dest_has_files(&b, "vm"));
         i++)
        g_usleep(10 * 1000);
    {
        const char *const images[] = { dst, NULL };

        assert_dest_clean(&b, "vm", images);
    }
    /* and it can go again */
    if (holder >= 0)
        close(holder);
    {
        const char *args[] = { "--live", "--copy-storage-all", "--xml", xmlpath, NULL };

        migrate_ok(&a, &b, "vm", args);
    }
    runtime_pid(&b, "vm", "qemu_pid");
    qv_ok(&b, NULL, "destroy", "vm", NULL);
    /* what the guest wrote on the source, also during the failed copy */
    compare_images(top, dst);
    if (breaker)
        assert_image_reads(dst, "0xf1", "5M", "64k", "a write during the failed copy");
    assert_image_reads(dst, "0xdd", "3M", "1M", "the top's data");
    env_clear(&a);
    env_clear(&b);
}

static void
kill_dest_qemu(Env *a, Env *b, GPid migrating)
{
    kill_and_wait(runtime_pid(b, "vm", "qemu_pid"));
}

static void
kill_migrating(Env *a, Env *b, GPid migrating)
{
    kill(migrating, SIGKILL);
}

static void
abort_job(Env *a, Env *b, GPid migrating)
{
    qv_ok(a, NULL, "domjobabort", "vm", NULL);
}

static void
test_fail_dest_qemu(void)
{
    failure_case("fail-qemu", kill_dest_qemu, false, "migration");
}

static void
test_fail_lease(void)
{
    failure_case("fail-lease", NULL, true, "locked");
}

static void
test_fail_connection(void)
{
    failure_case("fail-conn", kill_migrating, false, NULL);
}

static void
test_fail_abort(void)
{
    failure_case("fail-abort", abort_job, false, "aborted");
}

/* A quorum of three raw children and a 200-layer chain */
static void
test_quorum_deep(void)
{
    Env a, b;
    g_autoptr(GString) dev = g_string_new(NULL), ddev = g_string_new(NULL);
    g_autofree char *xmlpath = NULL, *top = NULL, *dtop = NULL;
    char name[64];

    hosts_init(&a, &b, "deep");
    for (int i = 0; i < 200; i++) {
        g_autofree char *prev = i ? g_strdup_printf("l%d.qcow2", i - 1) : NULL;

        g_snprintf(name, sizeof(name), "l%d.qcow2", i);
        mkq(&a, name, prev);
    }
    top = img(&a, "l199.qcow2");
    dtop = img(&b, "deep.qcow2");
    g_string_append_printf(dev, "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='%s'/><target dev='vda' bus='virtio'/></disk>", top);
    g_string_append_printf(ddev, "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='%s'/><target dev='vda' bus='virtio'/></disk>", dtop);
    g_string_append(dev, "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/>"
                    "<threshold value='2'/>");
    g_string_append(ddev, "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/>"
                    "<threshold value='2'/>");
    for (int i = 0; i < 3; i++) {
        g_autofree char *r = NULL, *dr = NULL;

        g_snprintf(name, sizeof(name), "r%d.raw", i);
        qv_test_qemu_img("create", "-q", "-f", "raw", (r = img(&a, name)), "64M", NULL);
        dr = img(&b, name);
        g_string_append_printf(dev, "<backingStore type='file'><format type='raw'/>"
                               "<source file='%s'/></backingStore>", r);
        g_string_append_printf(ddev, "<backingStore type='file'><format type='raw'/>"
                               "<source file='%s'/></backingStore>", dr);
    }
    g_string_append(dev, "<target dev='vdb' bus='virtio'/></disk>");
    g_string_append(ddev, "<target dev='vdb' bus='virtio'/></disk>");
    define_xml(&a, "vm", dev->str);
    qv_ok(&a, NULL, "start", "vm", NULL);
    guest_io_dev(&a, "vm", "virtio-disk1", "write -P 0x5a 1M 2M");
    guest_io(&a, "vm", "write -P 0x77 0 1M");
    {
        g_autofree char *x = domain_xml("vm", ddev->str);
        const char *args[] = { "--live", "--copy-storage-all", "--xml", NULL, NULL };

        xmlpath = write_xml(&a, "dest.xml", x);
        args[3] = xmlpath;
        migrate_ok(&a, &b, "vm", args);
    }
    runtime_pid(&b, "vm", "qemu_pid");
    {
        g_autofree char *st = domstate(&b, "vm");

        g_assert_true(g_str_has_prefix(st, "running"));
    }
    qv_ok(&b, NULL, "destroy", "vm", NULL);
    compare_images(top, dtop);
    for (int i = 0; i < 3; i++) {
        g_autofree char *r = NULL, *dr = NULL;

        g_snprintf(name, sizeof(name), "r%d.raw", i);
        r = img(&a, name);
        dr = img(&b, name);
        compare_images(r, dr);
    }
    env_clear(&a);
    env_clear(&b);
}

/* A to B and back, three times, the guest writing each time */
static void
test_ping_pong(void)
{
    Env h[2];
    g_autofree char *xa = NULL, *xb = NULL, *pa = NULL, *pb = NULL;
    const char *const patterns[] = { "0x11", "0x22", "0x33", "0x44", "0x55", "0x66" };

    hosts_init(&h[0], &h[1], "pingpong");
    mkq(&h[0], "d.qcow2", NULL);
    pa = img(&h[0], "d.qcow2");
    pb = img(&h[1], "d.qcow2");
    {
        g_autofree char *da = qcow_disk("vda", pa), *db = qcow_disk("vda", pb);
        g_autofree char *sa = domain_xml("vm", da), *sb = domain_xml("vm", db);

        xa = write_xml(&h[1], "to-a.xml", sa);
        xb = write_xml(&h[0], "to-b.xml", sb);
        define_xml(&h[0], "vm", da);
    }
    qv_ok(&h[0], NULL, "start", "vm", NULL);
    for (int i = 0; i < 6; i++) {
        Env *src = &h[i % 2], *dst = &h[(i + 1) % 2];
        g_autofree char *off = g_strdup_printf("%dM", i * 2);
        g_autofree char *io = g_strdup_printf("write -P %s %s 1M", patterns[i], off);
        const char *args[] = { "--live", "--copy-storage-all", "--xml", i % 2 ? xa : xb, NULL };

        guest_io(src, "vm", io);
        /* the image it goes to was the guest's before: not reused */
        unlink(i % 2 ? pa : pb);
        migrate_ok(src, dst, "vm", args);
        runtime_pid(dst, "vm", "qemu_pid");
    }
    qv_ok(&h[0], NULL, "destroy", "vm", NULL);
    for (int k = 0; k < 6; k++) {
        g_autofree char *o = g_strdup_printf("%dM", k * 2);

        assert_image_reads(pa, patterns[k], o, "1M", "a write on an earlier host");
    }
    env_clear(&h[0]);
    env_clear(&h[1]);
}

/* --timeout: the guest is suspended so that the copy converges, or
 * with --abort-on-error the migration is aborted; migrate-setspeed and
 * getspeed; domjobinfo without a migration; --offline */
static void
test_timeout_speed_offline(void)
{
    Env a, b;
    g_autofree char *top = NULL, *dst = NULL, *xmlpath = NULL, *err = NULL;
    g_autofree char *out = NULL;

    running_chain_guest(&a, &b, "timeout", &top, &dst, &xmlpath);
    qv_ok(&a, &out, "domjobinfo", "vm", NULL);
    assert_contains(out, "None");
    g_clear_pointer(&out, g_free);
    qv_ok(&a, NULL, "migrate-setspeed", "vm", "100");
    qv_ok(&a, &out, "migrate-getspeed", "vm", NULL);
    g_assert_cmpstr(g_strstrip(out), ==, "100");
    g_clear_pointer(&out, g_free);
    qv_ok(&a, NULL, "migrate-setspeed", "vm", "0");
    qv_ok(&a, &out, "migrate-getspeed", "vm", NULL);
    g_assert_cmpstr(g_strstrip(out), ==, "0");
    {
        const char *args[] = { "--live", "--copy-storage-all", "--xml", xmlpath, "--bandwidth",
                               "1", "--timeout", "1", "--abort-on-error", NULL };

        g_assert_cmpint(migrate(&a, &b, "vm", &err, args), !=, 0);
        assert_contains(err, "did not complete in time; aborted");
    }
    assert_runs_with_leases(&a, "vm", top);
    {
        const char *const images[] = { dst, NULL };

        assert_dest_clean(&b, "vm", images);
    }
    {
        /* suspended at the timeout, it converges; it runs there after */
        const char *args[] = { "--live", "--copy-storage-all", "--xml", xmlpath, "--bandwidth",
                               "4", "--timeout", "1", NULL };

        migrate_ok(&a, &b, "vm", args);
    }
    runtime_pid(&b, "vm", "qemu_pid");
    assert_runs_with_leases(&b, "vm", dst);
    {
        g_autofree char *log = g_strdup_printf("%s/var/lib/vm.supervisor.log", a.root);
        g_autofree char *text = NULL;

        g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
        assert_contains(text, "timeout; suspending the guest");
    }
    qv_ok(&b, NULL, "destroy", "vm", NULL);
    /* --offline: the definition alone, of a domain that is shut off */
    {
        const char *args[] = { "--offline", "--persistent", "--undefinesource", NULL };
        g_autofree char *def = g_strdup_printf("%s/etc/domains/vm.xml", b.root);

        unlink(def);
        migrate_ok(&a, &b, "vm", args);
        g_assert_true(g_file_test(def, G_FILE_TEST_EXISTS));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(qv(&a, NULL, &err, "dominfo", "vm", NULL), !=, 0);
        assert_contains(err, "is not defined");
    }
    env_clear(&a);
    env_clear(&b);
}

/* What libvirt refuses, and a guest that stays paused */
static void
test_refusals(void)
{
    Env a, b;
    g_autofree char *top = NULL, *dev = NULL, *err = NULL;
    struct {
        const char *const args[4];
        const char *want;
    } cases[] = {
        { { "--offline", NULL }, "offline migration must be specified with the persistent flag set" },
        { { "--offline", "--persistent", NULL }, "is running" },
        { { "--copy-storage-all", "--copy-storage-inc", NULL }, "mutually exclusive" },
        { { "--migrate-disks", "vda", NULL }, "requires --copy-storage-all" },
        { { "--copy-storage-synchronous-writes", NULL }, "requires --copy-storage-all" },
        { { "--copy-storage-all", "--migrate-disks", "vdz" }, "has no disk 'vdz'" },
        { { "--tunnelled", NULL }, "not supported" },
        { { "--timeout", "5", NULL }, "Unexpected timeout for offline migration" },
    };

    hosts_init(&a, &b, "refuse");
    make_data_chain(&a);
    top = img(&a, "top.qcow2");
    dev = qcow_disk("vda", top);
    define_xml(&a, "vm", dev);
    {
        const char *args[] = { "--live", NULL };

        g_assert_cmpint(migrate(&a, &b, "vm", &err, args), !=, 0);
        assert_contains(err, "is not running");
        g_clear_pointer(&err, g_free);
    }
    qv_ok(&a, NULL, "start", "vm", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(migrate(&a, &b, "vm", &err, cases[i].args), !=, 0);
        assert_contains(err, cases[i].want);
        g_clear_pointer(&err, g_free);
    }
    /* the same file as the destination's copy */
    {
        const char *args[] = { "--live", "--copy-storage-all", NULL };

        g_assert_cmpint(migrate(&a, &b, "vm", &err, args), !=, 0);
        assert_contains(err, "is the very file the source guest uses");
        g_clear_pointer(&err, g_free);
    }
    /* a block job refuses it, naming the job */
    {
        g_autofree char *copy = img(&a, "copy.qcow2");
        const char *bc[] = { "--root", a.root, "blockcopy", "vm", "vda", copy, "--bandwidth",
                             "1", NULL };
        const char *args[] = { "--live", NULL };

        const char *ab[] = { "--root", a.root, "blockjob", "vm", "vda", "--abort", NULL };

        g_assert_cmpint(qv_test_qvirtv(NULL, NULL, bc), ==, 0);
        g_assert_cmpint(migrate(&a, &b, "vm", &err, args), !=, 0);
        assert_contains(err, "block job");
        assert_contains(err, "copy");
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(qv_test_qvirtv(NULL, NULL, ab), ==, 0);
    }
    assert_runs_with_leases(&a, "vm", top);
    assert_dest_clean(&b, "vm", NULL);
    /* --suspend: paused there, without its leases (as any paused guest) */
    {
        const char *args[] = { "--live", "--suspend", NULL };
        g_autofree char *st = NULL;

        migrate_ok(&a, &b, "vm", args);
        st = domstate(&b, "vm");

        g_assert_cmpstr(st, ==, "paused (user)");
        qv_ok(&b, NULL, "resume", "vm", NULL);
        assert_runs_with_leases(&b, "vm", top);
    }
    qv_ok(&b, NULL, "destroy", "vm", NULL);
    env_clear(&a);
    env_clear(&b);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    lockspace = g_build_filename(tmp, "lockspace", NULL);
    leases = g_build_filename(tmp, "leases", NULL);
    {
        g_autofree char *ls = g_build_filename(leases, "ls", NULL);

        g_assert_cmpint(g_mkdir_with_parents(ls, 0755), ==, 0);
    }
    g_test_add_func("/migrate/copy-all", test_copy_all);
    g_test_add_func("/migrate/copy-inc", test_copy_inc);
    g_test_add_func("/migrate/shared", test_shared);
    g_test_add_func("/migrate/fail-dest-qemu", test_fail_dest_qemu);
    g_test_add_func("/migrate/fail-lease", test_fail_lease);
    g_test_add_func("/migrate/fail-connection", test_fail_connection);
    g_test_add_func("/migrate/fail-abort", test_fail_abort);
    g_test_add_func("/migrate/quorum-deep", test_quorum_deep);
    g_test_add_func("/migrate/ping-pong", test_ping_pong);
    g_test_add_func("/migrate/refusals", test_refusals);
    g_test_add_func("/migrate/timeout-speed-offline", test_timeout_speed_offline);
    rc = g_test_run();
    g_free(lockspace);
    g_free(leases);
    qv_test_guest_cleanup();
    return rc;
}
