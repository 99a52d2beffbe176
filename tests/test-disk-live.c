/*
 * test-disk-live: disk settings in running guests, with real QEMU (TCG
 * or KVM, no guest OS), through the CLI as a user runs it.  The
 * definitions virt-install 4.1 writes for its common disk options
 * (tests/data/virtinst, made by scripts/virtinst-xml.sh) define, or are
 * refused with libvirt's reason, and start; <iotune> reaches QEMU
 * (query-block shows the limits) at start and after a hotplug; the
 * error policies and the IOThread are on the device (qom-get); a guest
 * paused by error_policy='stop' says so (domstate --reason: I/O error) and
 * domblkerror names the disk.
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "util/qv-json.h"
#include "qv-test-guest.h"

static const char *const virtinst_cases[] = {
    "virtio-qcow2", "sata-cache", "scsi-serial", "cdrom-sata", "iothread",
    "error-policy", "usb-removable", "blockio", "iotune", "multi",
};

/* The images the virt-install definitions name, in @e's folder */
static void
make_images(Env *e)
{
    static const char *const qcows[] = { "a.qcow2", "b.qcow2", "c.qcow2", "d.qcow2" };
    g_autofree char *raw = img(e, "r.raw");
    g_autofree char *iso = img(e, "cd.iso");

    for (size_t i = 0; i < G_N_ELEMENTS(qcows); i++)
        mkqcow(e, qcows[i], NULL);
    qv_test_qemu_img("create", "-q", "-f", "raw", raw, "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "raw", iso, "1M", NULL);
}

/* tests/data/virtinst/NAME.xml with @DIR@ made @e's image folder, as a
 * file; as a TCG guest: QEMU runs as its own user, which need not have
 * the host's /dev/kvm (the disks are what is tested) */
static char *
virtinst_file(Env *e, const char *name)
{
    g_autofree char *src = g_strdup_printf("%s/virtinst/%s.xml", g_getenv("QV_TEST_DATA"), name);
    g_autofree char *xml = NULL;
    g_autofree char *abs = NULL;
    char *path = g_strdup_printf("%s/%s.xml", e->root, name);

    g_assert_true(g_file_get_contents(src, &xml, NULL, NULL));
    {
        g_autofree char *tcg = qv_test_replace(xml, "<domain type=\"kvm\">", "<domain type=\"qemu\">");

        abs = qv_test_replace(tcg, "@DIR@", e->dir);
    }
    g_assert_true(g_file_set_contents(path, abs, -1, NULL));
    return path;
}

/* The reply of one QMP command through `qemu-monitor-command` */
static json_object *
monitor(Env *e, const char *dom, const char *cmd)
{
    g_autofree char *out = NULL;
    json_object *reply, *ret = NULL;

    qv_ok(e, &out, "qemu-monitor-command", dom, cmd);
    reply = json_tokener_parse(out);
    if (!reply || !json_object_object_get_ex(reply, "return", &ret))
        g_error("%s: no return in %s", cmd, out);
    json_object_get(ret);
    json_object_put(reply);
    return ret;
}

/* qom-get of @prop of device @id, as JSON text */
static char *
qom_get(Env *e, const char *dom, const char *id, const char *prop)
{
    g_autofree char *cmd = g_strdup_printf(
        "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/peripheral/%s\",\"property\":\"%s\"}}",
        id, prop);
    g_autoptr(json_object) ret = monitor(e, dom, cmd);

    return g_strdup(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The "inserted" part of query-block for the device with qdev id @id */
static json_object *
inserted(Env *e, const char *dom, const char *id)
{
    g_autoptr(json_object) blocks = monitor(e, dom, "{\"execute\":\"query-block\"}");
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s/", id);
    g_autofree char *exact = g_strdup_printf("/machine/peripheral/%s", id);

    for (size_t i = 0; i < json_object_array_length(blocks); i++) {
        json_object *b = json_object_array_get_idx(blocks, i), *qdev = NULL, *ins = NULL;
        const char *q;

        if (!json_object_object_get_ex(b, "qdev", &qdev))
            continue;
        q = json_object_get_string(qdev);
        if ((g_str_has_prefix(q, path) || strcmp(q, exact) == 0 || strcmp(q, id) == 0) &&
            json_object_object_get_ex(b, "inserted", &ins))
            return json_object_get(ins);
    }
    g_error("query-block has no device '%s': %s", id, json_object_to_json_string(blocks));
    return NULL;
}

static int64_t
member_int(json_object *o, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v))
        g_error("no '%s' in %s", key, json_object_to_json_string(o));
    return json_object_get_int64(v);
}

static void
test_virtinst(void)
{
    Env e;
    g_autofree char *ro = NULL;
    g_autofree char *err = NULL;

    env_init(&e, "virtinst");
    make_images(&e);
    for (size_t i = 0; i < G_N_ELEMENTS(virtinst_cases); i++) {
        g_autofree char *path = virtinst_file(&e, virtinst_cases[i]);
        g_autofree char *name = g_strdup_printf("vi-%s", virtinst_cases[i]);

        qv_ok(&e, NULL, "define", path, NULL);
        g_test_message("starting %s", name);
        start_destroy(&e, name, true);
    }
    /* libvirt refuses it at define; so does qvirt, with libvirt's reason */
    ro = virtinst_file(&e, "readonly-sata");
    g_assert_cmpint(qv(&e, NULL, &err, "define", ro, NULL), ==, 1);
    g_assert_cmpstr(err, ==, "qvirt: error: disk 'sda': readonly sata disks are not supported\n");
    env_clear(&e);
}

/* `qvirt blkdeviotune`, virsh's: read, changed live (merged as libvirt
 * merges), refused by QEMU's rules, and in the definition */
static void
blkdeviotune_live(Env *e)
{
    const char *set[] = { "--root", e->root, "blkdeviotune", "vi-iotune", "vda",
                          "--read-bytes-sec", "1000000", "--write-iops-sec", "300", NULL };
    const char *bad[] = { "--root", e->root, "blkdeviotune", "vi-iotune", "vda",
                          "--total-iops-sec-max", "10", "--live", NULL };
    const char *conf[] = { "--root", e->root, "blkdeviotune", "vi-iotune", "vda", "--config",
                           "--total-bytes-sec", "777", NULL };
    const char *show_conf[] = { "--root", e->root, "blkdeviotune", "vi-iotune", "vda", "--config",
                                NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(json_object) ins = NULL;

    qv_ok(e, &out, "blkdeviotune", "vi-iotune", "vda");
    assert_contains(out, "total_bytes_sec            : 10485760");
    g_assert_cmpint(qv_test_qvirtv(NULL, NULL, set), ==, 0);
    /* a read limit given clears the total of its kind; the iops total stays */
    ins = inserted(e, "vi-iotune", "virtio-disk0");
    g_assert_cmpint(member_int(ins, "bps"), ==, 0);
    g_assert_cmpint(member_int(ins, "bps_rd"), ==, 1000000);
    g_assert_cmpint(member_int(ins, "iops_wr"), ==, 300);
    g_assert_cmpint(member_int(ins, "iops"), ==, 0);
    g_clear_pointer(&out, g_free);
    qv_ok(e, &out, "blkdeviotune", "vi-iotune", "vda");
    assert_contains(out, "read_bytes_sec             : 1000000");
    g_assert_cmpint(qv_test_qvirtv(NULL, &err, bad), ==, 1);
    assert_contains(err, "total_iops_sec_max needs total_iops_sec");
    g_assert_cmpint(qv_test_qvirtv(NULL, NULL, conf), ==, 0);
    g_clear_pointer(&out, g_free);
    g_assert_cmpint(qv_test_qvirtv(&out, NULL, show_conf), ==, 0);
    assert_contains(out, "total_bytes_sec            : 777");
    /* the live limits are the live guest's */
    g_clear_pointer(&ins, json_object_put);
    ins = inserted(e, "vi-iotune", "virtio-disk0");
    g_assert_cmpint(member_int(ins, "bps_rd"), ==, 1000000);
}

static void
test_iotune_and_props(void)
{
    Env e;
    g_autofree char *path = NULL;
    g_autofree char *attach = NULL;
    g_autofree char *v = NULL;
    g_autoptr(json_object) ins = NULL;
    g_autoptr(json_object) ins2 = NULL;

    env_init(&e, "iotune");
    make_images(&e);
    path = virtinst_file(&e, "iotune");
    qv_ok(&e, NULL, "define", path, NULL);
    qv_ok(&e, NULL, "start", "vi-iotune", "--paused");
    runtime_pid(&e, "vi-iotune", "qemu_pid");
    ins = inserted(&e, "vi-iotune", "virtio-disk0");
    g_assert_cmpint(member_int(ins, "bps"), ==, 10485760);
    g_assert_cmpint(member_int(ins, "iops"), ==, 500);
    g_assert_cmpint(member_int(ins, "bps_rd"), ==, 0);

    /* a disk plugged in later gets its limits too (a group of its own) */
    attach = g_strdup_printf(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2' error_policy='report'/>"
        "<source file='%s/b.qcow2'/><target dev='sdb' bus='scsi'/>"
        "<iotune><read_bytes_sec>2000000</read_bytes_sec><write_iops_sec>70</write_iops_sec>"
        "<write_iops_sec_max>140</write_iops_sec_max><group_name>slow</group_name></iotune></disk>",
        e.dir);
    {
        g_autofree char *f = g_build_filename(e.root, "attach.xml", NULL);

        g_assert_true(g_file_set_contents(f, attach, -1, NULL));
        qv_ok(&e, NULL, "attach-device", "vi-iotune", f);
    }
    ins2 = inserted(&e, "vi-iotune", "scsi0-0-1-0");
    g_assert_cmpint(member_int(ins2, "bps_rd"), ==, 2000000);
    g_assert_cmpint(member_int(ins2, "iops_wr"), ==, 70);
    g_assert_cmpint(member_int(ins2, "iops_wr_max"), ==, 140);
    v = qom_get(&e, "vi-iotune", "scsi0-0-1-0", "werror");
    g_assert_cmpstr(v, ==, "\"report\"");
    g_free(v);
    v = qom_get(&e, "vi-iotune", "scsi0-0-1-0", "rerror");
    g_assert_cmpstr(v, ==, "\"report\"");
    blkdeviotune_live(&e);
    qv_ok(&e, NULL, "destroy", "vi-iotune", NULL);
    env_clear(&e);
}

static void
test_device_props(void)
{
    Env e;
    g_autofree char *p1 = NULL, *p2 = NULL, *v = NULL;

    env_init(&e, "props");
    make_images(&e);
    p1 = virtinst_file(&e, "iothread");
    p2 = virtinst_file(&e, "error-policy");
    qv_ok(&e, NULL, "define", p1, NULL);
    qv_ok(&e, NULL, "define", p2, NULL);
    qv_ok(&e, NULL, "start", "vi-iothread", "--paused");
    runtime_pid(&e, "vi-iothread", "qemu_pid");
    v = qom_get(&e, "vi-iothread", "virtio-disk0", "iothread");
    g_assert_cmpstr(v, ==, "\"/objects/iothread2\"");
    g_free(v);
    v = qom_get(&e, "vi-iothread", "virtio-disk0", "num-queues");
    g_assert_cmpstr(v, ==, "2");
    g_free(v);
    qv_ok(&e, NULL, "destroy", "vi-iothread", NULL);
    qv_ok(&e, NULL, "start", "vi-error-policy", "--paused");
    runtime_pid(&e, "vi-error-policy", "qemu_pid");
    v = qom_get(&e, "vi-error-policy", "virtio-disk0", "werror");
    g_assert_cmpstr(v, ==, "\"stop\"");
    g_free(v);
    v = qom_get(&e, "vi-error-policy", "virtio-disk0", "rerror");
    g_assert_cmpstr(v, ==, "\"stop\"");
    qv_ok(&e, NULL, "destroy", "vi-error-policy", NULL);
    env_clear(&e);
}

/* A dir disk starts as QEMU's virtual FAT of the folder */
static void
test_dir_fat(void)
{
    Env e;
    g_autofree char *share = NULL;
    g_autofree char *file = NULL;
    g_autofree char *devices = NULL;
    g_autofree char *out = NULL;

    env_init(&e, "fat");
    share = img(&e, "share");
    g_assert_cmpint(g_mkdir_with_parents(share, 0755), ==, 0);
    file = g_build_filename(share, "HELLO.TXT", NULL);
    g_assert_true(g_file_set_contents(file, "hello from the host\n", -1, NULL));
    devices = g_strdup_printf("<disk type='dir' device='disk'><driver name='qemu' type='fat'/>"
                              "<source dir='%s'/><target dev='vda' bus='virtio'/><readonly/></disk>",
                              share);
    define(&e, "fat", devices);
    qv_ok(&e, NULL, "start", "fat", "--paused");
    runtime_pid(&e, "fat", "qemu_pid");
    qv_ok(&e, &out, "qemu-monitor-command", "fat",
          "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}");
    assert_contains(out, "\"drv\":\"vvfat\"");
    assert_contains(out, "\"node-name\":\"vda-s1\"");
    qv_ok(&e, NULL, "destroy", "fat", NULL);
    env_clear(&e);
}

/*
 * error_policy='stop': the guest's firmware reads its boot disk, an NBD
 * export whose server is gone; QEMU pauses the guest, domstate says why
 * and domblkerror names the disk.  The disk has no format: raw, as libvirt
 * takes it
 */
static void
test_error_policy_stop(void)
{
    Env e;
    g_autofree char *image = NULL;
    g_autofree char *sock = NULL;
    g_autofree char *devices = NULL;
    g_autofree char *out = NULL;
    g_autofree char *state = NULL;
    const char *nbd[] = { "qemu-nbd", "-f", "raw", "-k", NULL, NULL, NULL };
    gint64 deadline;
    GPid nbd_pid;
    g_autoptr(GError) err = NULL;

    env_init(&e, "ioerror");
    image = img(&e, "boot.raw");
    sock = g_build_filename(e.root, "nbd.sock", NULL);
    qv_test_qemu_img("create", "-q", "-f", "raw", image, "1M", NULL);
    nbd[4] = sock;
    nbd[5] = image;
    g_assert_true(g_spawn_async(NULL, (char **)nbd, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &nbd_pid, &err));
    g_assert_no_error(err);
    for (deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
         !g_file_test(sock, G_FILE_TEST_EXISTS); g_usleep(20 * 1000))
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    /* a socket outside qvirt's labelling: QEMU, which runs as its own
     * user, connects to one that lets it */
    g_assert_cmpint(chmod(sock, 0666), ==, 0);
    devices = g_strdup_printf(
        "<disk type='network' device='disk'><driver name='qemu' error_policy='stop'/>"
        "<source protocol='nbd'><host transport='unix' socket='%s'/></source>"
        "<target dev='vda' bus='virtio'/></disk>", sock);
    define(&e, "ioerr", devices);
    qv_ok(&e, NULL, "start", "ioerr", "--paused");
    runtime_pid(&e, "ioerr", "qemu_pid");
    /* the export goes away before the firmware's first read */
    kill(nbd_pid, SIGKILL);
    waitpid(nbd_pid, NULL, 0);
    g_spawn_close_pid(nbd_pid);
    qv_ok(&e, NULL, "resume", "ioerr", NULL);
    for (deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;; g_usleep(100 * 1000)) {
        g_free(state);
        state = domstate(&e, "ioerr");
        if (strcmp(state, "paused (I/O error)") == 0)
            break;
        if (g_get_monotonic_time() > deadline)
            g_error("the guest never paused on its I/O error: %s", state);
    }
    for (deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;; g_usleep(100 * 1000)) {
        g_free(out);
        out = NULL;
        qv_ok(&e, &out, "domblkerror", "ioerr", NULL);
        if (strstr(out, "vda"))
            break;
        if (g_get_monotonic_time() > deadline)
            g_error("domblkerror never named vda: %s", out);
    }
    qv_ok(&e, NULL, "destroy", "ioerr", NULL);
    env_clear(&e);
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    g_test_add_func("/disk-live/virtinst", test_virtinst);
    g_test_add_func("/disk-live/iotune-and-props", test_iotune_and_props);
    g_test_add_func("/disk-live/device-props", test_device_props);
    g_test_add_func("/disk-live/error-policy-stop", test_error_policy_stop);
    g_test_add_func("/disk-live/dir-fat", test_dir_fat);
    ret = g_test_run();
    qv_test_guest_cleanup();
    return ret;
}
