/*
 * test-hotplug: disks plugged into running guests and pulled out again,
 * and media changes, with real QEMU (TCG, no guest OS: the buses that
 * unplug without one, research note live-disks §1.4), through the
 * public API: a 3-layer chain on scsi-hd (the controller added live),
 * on virtio-blk in a root port (native PCIe hotplug) and on usb-storage;
 * QEMU's node set before and after, the live and persistent XML for
 * each impact flag; every rollback path leaves QEMU's graph and the
 * leases as they were; an ACPI unplug the guest has not acked (a pc
 * guest), finished by the eject later or by a new supervisor; media
 * eject, insert and update on scsi-cd and sata cdroms; kill -9 of the
 * supervisor after a hotplug.
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qvirt/qvirt.h"
#include "qemu/qv-qmp.h"
#include "util/qv-json.h"
#include "qv-test-guest.h"

typedef struct {
    Env e;
    QvirtConnect *conn;
    QvirtDomain *dom;
} Fx;

static void
fx_init(Fx *fx, const char *name, const char *machine, const char *devices)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL, *abs = NULL, *path = NULL;

    env_init(&fx->e, name);
    xml = g_strdup_printf("<domain type='qemu'><name>%s</name><memory unit='MiB'>64</memory>"
                          "<vcpu>1</vcpu><os><type arch='x86_64' machine='%s'>hvm</type></os>"
                          "<devices>%s</devices></domain>", name, machine, devices);
    abs = qv_test_replace(xml, "@DIR@", fx->e.dir);
    path = g_build_filename(fx->e.root, "def.xml", NULL);
    g_assert_true(g_file_set_contents(path, abs, -1, NULL));
    qv_ok(&fx->e, NULL, "define", path, NULL);
    fx->conn = qvirt_connect_open(fx->e.root, &err);
    g_assert_no_error(err);
    fx->dom = qvirt_domain_lookup(fx->conn, name, &err);
    g_assert_no_error(err);
}

static void
fx_clear(Fx *fx)
{
    qv(&fx->e, NULL, NULL, "destroy", qvirt_domain_get_name(fx->dom), NULL);
    qvirt_domain_free(fx->dom);
    qvirt_connect_close(fx->conn);
    env_clear(&fx->e);
}

/* A qcow2 chain base <- mid <- top in the images folder */
static void
make_chain(Fx *fx, const char *prefix)
{
    g_autofree char *b = g_strdup_printf("%s-base.qcow2", prefix);
    g_autofree char *m = g_strdup_printf("%s-mid.qcow2", prefix);
    g_autofree char *t = g_strdup_printf("%s-top.qcow2", prefix);

    mkqcow(&fx->e, b, NULL);
    mkqcow(&fx->e, m, b);
    mkqcow(&fx->e, t, m);
}

static char *
disk_xml(Fx *fx, const char *file, const char *dev, const char *bus, const char *extra)
{
    return g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                           "<source file='%s/%s'/><target dev='%s' bus='%s'/>%s</disk>",
                           fx->e.dir, file, dev, bus, extra ? extra : "");
}

static json_object *
qmp(Fx *fx, const char *cmd)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    json_object *reply, *ret = NULL;

    if (qvirt_domain_qemu_monitor_command(fx->dom, cmd, &out, 0, &err) != 0)
        g_error("%s: %s", cmd, err->message);
    g_assert_nonnull(reply = json_tokener_parse(out));
    g_assert_true(json_object_object_get_ex(reply, "return", &ret));
    json_object_get(ret);
    json_object_put(reply);
    return ret;
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* QEMU's node names, sorted and joined by spaces */
static char *
nodes(Fx *fx)
{
    g_autoptr(json_object) list = qmp(fx, "{\"execute\":\"query-named-block-nodes\","
                                          "\"arguments\":{\"flat\":true}}");
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *n = NULL;

        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "node-name", &n))
            g_ptr_array_add(names, (char *)json_object_get_string(n));
    }
    g_ptr_array_sort(names, cmp_str);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

static bool
has_device(Fx *fx, const char *id)
{
    g_autoptr(json_object) list = qmp(fx, "{\"execute\":\"qom-list\","
                                          "\"arguments\":{\"path\":\"/machine/peripheral\"}}");

    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *n = NULL;

        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "name", &n) &&
            strcmp(json_object_get_string(n), id) == 0)
            return true;
    }
    return false;
}

static char *
live_xml(Fx *fx)
{
    g_autoptr(GError) err = NULL;
    char *xml = qvirt_domain_get_xml_desc(fx->dom, 0, &err);

    g_assert_no_error(err);
    return xml;
}

static char *
config_xml(Fx *fx)
{
    g_autoptr(GError) err = NULL;
    char *xml = qvirt_domain_get_xml_desc(fx->dom, QVIRT_DOMAIN_XML_INACTIVE, &err);

    g_assert_no_error(err);
    return xml;
}

static void
attach_ok(Fx *fx, const char *xml, unsigned int flags)
{
    g_autoptr(GError) err = NULL;

    if (qvirt_domain_attach_device_flags(fx->dom, xml, flags, &err) != 0)
        g_error("attach of %s failed: %s", xml, err->message);
}

static char *
attach_fails(Fx *fx, const char *xml, unsigned int flags)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(qvirt_domain_attach_device_flags(fx->dom, xml, flags, &err), ==, -1);
    g_assert_nonnull(err);
    return g_strdup(err->message);
}

static int
detach(Fx *fx, const char *xml, unsigned int flags)
{
    g_autoptr(GError) err = NULL;
    int r = qvirt_domain_detach_device_flags(fx->dom, xml, flags, &err);

    g_assert_no_error(err);
    return r;
}

/* The leases QEMU holds, "KEY MODE" sorted, one per line */
static char *
lease_keys(Fx *fx)
{
    g_autofree char *out = NULL;
    g_autoptr(json_object) all = NULL;
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    json_object *one = NULL, *leases = NULL;
    GString *s = g_string_new(NULL);

    qv_ok(&fx->e, &out, "lock-status", qvirt_domain_get_name(fx->dom), "--json");
    g_assert_nonnull(all = json_tokener_parse(out));
    g_assert_true(json_object_object_get_ex(all, qvirt_domain_get_name(fx->dom), &one));
    json_object_object_get_ex(one, "leases", &leases);
    for (size_t i = 0; leases && i < json_object_array_length(leases); i++) {
        json_object *l = json_object_array_get_idx(leases, i), *k = NULL, *m = NULL, *h = NULL;

        json_object_object_get_ex(l, "key", &k);
        json_object_object_get_ex(l, "mode", &m);
        json_object_object_get_ex(l, "held", &h);
        if (h && json_object_get_boolean(h))
            g_ptr_array_add(lines, g_strdup_printf("%s %s", json_object_get_string(k),
                                                   json_object_get_string(m)));
    }
    g_ptr_array_sort(lines, cmp_str);
    for (guint i = 0; i < lines->len; i++)
        g_string_append_printf(s, "%s\n", (char *)lines->pdata[i]);
    return g_string_free(s, FALSE);
}

/* A 3-layer chain on scsi-hd into a guest without a scsi controller:
 * the controller comes first, 6 nodes bottom-up, the disk in the live
 * XML with its chain, its lease held; detach takes it all away */
static void
test_scsi_chain(void)
{
    Fx fx;
    g_autofree char *before = NULL, *after = NULL, *gone = NULL, *xml = NULL, *live = NULL;
    g_autofree char *cfg = NULL, *locks = NULL, *top = NULL;

    fx_init(&fx, "scsi", "q35", "");
    make_chain(&fx, "s");
    qv_ok(&fx.e, NULL, "start", "scsi", "--paused");
    before = nodes(&fx);
    g_assert_false(has_device(&fx, "scsi0"));
    xml = disk_xml(&fx, "s-top.qcow2", "sda", "scsi", NULL);
    attach_ok(&fx, xml, QVIRT_DOMAIN_AFFECT_LIVE);
    after = nodes(&fx);
    g_assert_cmpstr(after, ==, "sda-f1 sda-f2 sda-f3 sda-s1 sda-s2 sda-s3");
    g_assert_true(has_device(&fx, "scsi0"));
    g_assert_true(has_device(&fx, "scsi0-0-0-0"));
    live = live_xml(&fx);
    assert_contains(live, "<target dev='sda' bus='scsi'/>");
    assert_contains(live, "s-base.qcow2");
    assert_contains(live, "<alias name='scsi0-0-0-0'/>");
    /* --live only: the definition has no sda */
    cfg = config_xml(&fx);
    g_assert_null(strstr(cfg, "sda"));
    top = img(&fx.e, "s-top.qcow2");
    /* taken before QEMU opened it, paused as it is */
    locks = lease_keys(&fx);
    assert_contains(locks, top);
    qv_ok(&fx.e, NULL, "resume", "scsi", NULL);
    g_free(locks);
    locks = lease_keys(&fx);
    assert_contains(locks, top);
    g_assert_cmpint(detach(&fx, xml, QVIRT_DOMAIN_AFFECT_LIVE), ==, 0);
    gone = nodes(&fx);
    g_assert_cmpstr(gone, ==, before);
    g_assert_false(has_device(&fx, "scsi0-0-0-0"));
    g_free(live);
    live = live_xml(&fx);
    g_assert_null(strstr(live, "sda"));
    g_free(locks);
    locks = lease_keys(&fx);
    g_assert_null(strstr(locks, top));
    fx_clear(&fx);
}

/* virtio-blk on a q35 guest's spare root port: unplugs at once with
 * native PCIe hotplug; attached again in the freed port */
static void
test_virtio_root_port(void)
{
    Fx fx;
    g_autofree char *xml = NULL, *n = NULL;

    fx_init(&fx, "virtio", "q35", "");
    make_chain(&fx, "v");
    qv_ok(&fx.e, NULL, "start", "virtio", NULL);
    xml = disk_xml(&fx, "v-top.qcow2", "vdb", "virtio", NULL);
    for (int round = 0; round < 2; round++) {
        g_autofree char *plugged = NULL;

        attach_ok(&fx, xml, QVIRT_DOMAIN_AFFECT_LIVE);
        g_assert_true(has_device(&fx, "virtio-disk1"));
        /* node names are never given twice in a guest's life */
        plugged = nodes(&fx);
        g_assert_cmpstr(plugged, ==, round ? "vdb-f4 vdb-f5 vdb-f6 vdb-s4 vdb-s5 vdb-s6" :
                                             "vdb-f1 vdb-f2 vdb-f3 vdb-s1 vdb-s2 vdb-s3");
        g_assert_cmpint(detach(&fx, xml, QVIRT_DOMAIN_AFFECT_LIVE), ==, 0);
        g_assert_false(has_device(&fx, "virtio-disk1"));
        g_free(n);
        n = nodes(&fx);
        g_assert_cmpstr(n, ==, "");
    }
    fx_clear(&fx);
}


/* Each failure leaves QEMU's graph, the leases and the live XML as they
 * were, and says which step failed */
static void
check_rollback(Fx *fx, const char *xml, const char *want, const char *nodes0,
               const char *locks0)
{
    g_autofree char *err = attach_fails(fx, xml, QVIRT_DOMAIN_AFFECT_LIVE);
    g_autofree char *n = nodes(fx);
    g_autofree char *l = lease_keys(fx);

    assert_contains(err, want);
    g_assert_cmpstr(n, ==, nodes0);
    g_assert_cmpstr(l, ==, locks0);
}

static void
test_rollback(void)
{
    Fx fx, other;
    g_autofree char *n0 = NULL, *l0 = NULL, *x = NULL;
    g_autofree char *live0 = NULL, *live1 = NULL, *sda = NULL;
    char dev[8];

    fx_init(&fx, "rb", "q35", "");
    make_chain(&fx, "r");
    mkqcow(&fx.e, "held.qcow2", NULL);
    mkqcow(&fx.e, "sda.qcow2", NULL);
    sda = disk_xml(&fx, "sda.qcow2", "sda", "scsi", NULL);
    qv_ok(&fx.e, NULL, "start", "rb", NULL);
    attach_ok(&fx, sda, QVIRT_DOMAIN_AFFECT_LIVE);
    n0 = nodes(&fx);
    l0 = lease_keys(&fx);
    live0 = live_xml(&fx);

    x = disk_xml(&fx, "r-top.qcow2", "sdb", "sata", NULL);
    check_rollback(&fx, x, "disk bus 'sata' cannot be hotplugged.", n0, l0);
    g_free(x);
    x = disk_xml(&fx, "r-top.qcow2", "sda", "scsi", NULL);
    check_rollback(&fx, x, "target sda already exists", n0, l0);
    g_free(x);
    /* the image sda already writes: QEMU's own image lock refuses the
     * second writer */
    x = disk_xml(&fx, "sda.qcow2", "sdb", "scsi", NULL);
    check_rollback(&fx, x, "blockdev-add: QMP command 'blockdev-add' failed: Failed to get \"write\" lock", n0, l0);
    g_free(x);
    /* a missing backing file, named with the image that needs it */
    {
        g_autofree char *gone = img(&fx.e, "gone.qcow2");

        mkqcow(&fx.e, "gone.qcow2", NULL);
        mkqcow(&fx.e, "orphan.qcow2", "gone.qcow2");
        g_assert_cmpint(unlink(gone), ==, 0);
        x = disk_xml(&fx, "orphan.qcow2", "sdc", "scsi", NULL);
        check_rollback(&fx, x, gone, n0, l0);
        g_free(x);
    }
    /* another guest (another root: the lock is on the image) holds it */
    {
        g_autofree char *path = img(&fx.e, "held.qcow2");
        g_autofree char *dx = g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' "
                                              "type='qcow2'/><source file='%s'/><target dev='vda' "
                                              "bus='virtio'/></disk>", path);

        fx_init(&other, "holder", "q35", dx);
        qv_ok(&other.e, NULL, "start", "holder", NULL);
        x = disk_xml(&fx, "held.qcow2", "sdd", "scsi", NULL);
        check_rollback(&fx, x, "locked by domain 'holder'", n0, l0);
        g_free(x);
        fx_clear(&other);
    }
    /* the root ports run out (of the 4 spare ones, scsi0 took one when
     * sda came): the nodes added go again */
    for (int i = 0; i < 3; i++) {
        g_autofree char *name = g_strdup_printf("p%d.qcow2", i);
        g_autofree char *d = NULL;

        mkqcow(&fx.e, name, NULL);
        g_snprintf(dev, sizeof(dev), "vd%c", 'b' + i);
        d = disk_xml(&fx, name, dev, "virtio", NULL);
        attach_ok(&fx, d, QVIRT_DOMAIN_AFFECT_LIVE);
    }
    g_free(n0);
    g_free(l0);
    n0 = nodes(&fx);
    l0 = lease_keys(&fx);
    x = disk_xml(&fx, "r-top.qcow2", "vdz", "virtio", NULL);
    check_rollback(&fx, x, "no free PCIe root port for disk 'vdz'", n0, l0);
    live1 = live_xml(&fx);
    g_assert_null(strstr(live1, "vdz"));
    fx_clear(&fx);
}

static int
detach_err(Fx *fx, const char *xml, unsigned int flags, char **msg)
{
    g_autoptr(GError) err = NULL;
    int r = qvirt_domain_detach_device_flags(fx->dom, xml, flags, &err);

    *msg = err ? g_strdup(err->message) : NULL;
    return r;
}

/* --live, --config, both (virsh's --persistent on a running guest) and
 * --current, on a shut-off and on a running guest */
static void
test_impact(void)
{
    Fx fx;
    g_autofree char *a = NULL, *b = NULL, *c = NULL, *msg = NULL;
    g_autofree char *cfg = NULL, *live = NULL, *n0 = NULL, *n1 = NULL;
    const unsigned int LIVE = QVIRT_DOMAIN_AFFECT_LIVE, CONFIG = QVIRT_DOMAIN_AFFECT_CONFIG;

    fx_init(&fx, "impact", "q35", "");
    mkqcow(&fx.e, "a.qcow2", NULL);
    mkqcow(&fx.e, "b.qcow2", NULL);
    mkqcow(&fx.e, "c.qcow2", NULL);
    a = disk_xml(&fx, "a.qcow2", "sda", "scsi", NULL);
    b = disk_xml(&fx, "b.qcow2", "sdb", "scsi", NULL);
    c = disk_xml(&fx, "c.qcow2", "sdc", "sata", NULL);

    /* shut off: current is the definition; live is refused */
    msg = attach_fails(&fx, a, LIVE);
    assert_contains(msg, "domain 'impact' is not running");
    attach_ok(&fx, a, QVIRT_DOMAIN_AFFECT_CURRENT);
    /* virsh's detach-disk without an impact option means the live guest */
    {
        g_autofree char *cli_err = NULL;

        g_assert_cmpint(qv(&fx.e, NULL, &cli_err, "detach-disk", "impact", "sda"), !=, 0);
        assert_contains(cli_err, "is not running");
    }
    /* a sata disk is fine in a definition */
    attach_ok(&fx, c, CONFIG);
    cfg = config_xml(&fx);
    assert_contains(cfg, "<target dev='sda' bus='scsi'/>");
    assert_contains(cfg, "<target dev='sdc' bus='sata'/>");
    g_free(msg);
    msg = attach_fails(&fx, a, CONFIG);
    assert_contains(msg, "target sda already exists");
    /* update-device changes the source and nothing else, as libvirt */
    {
        g_autoptr(GError) err = NULL;
        g_autofree char *plain = disk_xml(&fx, "c.qcow2", "sdc", "sata", NULL);
        g_autofree char *cached = qv_test_replace(plain, "type='qcow2'/>", "type='qcow2' cache='none'/>");
        g_autofree char *moved = disk_xml(&fx, "b.qcow2", "sdc", "sata", NULL);
        g_autofree char *cfg2 = NULL;

        g_assert_cmpint(qvirt_domain_update_device_flags(fx.dom, cached, CONFIG, &err), ==, -1);
        assert_contains(err->message, "cannot modify field 'cache' of the disk");
        g_clear_error(&err);
        g_assert_cmpint(qvirt_domain_update_device_flags(fx.dom, moved, CONFIG, &err), ==, 0);
        g_assert_no_error(err);
        cfg2 = config_xml(&fx);
        assert_contains(cfg2, "b.qcow2'/>\n      <target dev='sdc'");
    }
    g_assert_cmpint(detach(&fx, c, QVIRT_DOMAIN_AFFECT_CURRENT), ==, 0);
    g_free(msg);
    g_assert_cmpint(detach_err(&fx, c, CONFIG, &msg), ==, -1);
    assert_contains(msg, "no target device sdc");

    /* running: sda came from the definition */
    qv_ok(&fx.e, NULL, "start", "impact", "--paused");
    n0 = nodes(&fx);
    attach_ok(&fx, b, CONFIG);
    n1 = nodes(&fx);
    g_assert_cmpstr(n1, ==, n0);
    g_free(cfg);
    cfg = config_xml(&fx);
    assert_contains(cfg, "<target dev='sdb' bus='scsi'/>");
    g_free(msg);
    /* live and config: the live attach of sdb fails (config has it), so
     * the definition is left as it was */
    msg = attach_fails(&fx, b, LIVE | CONFIG);
    assert_contains(msg, "target sdb already exists");
    g_assert_cmpint(detach(&fx, b, CONFIG), ==, 0);
    attach_ok(&fx, b, LIVE | CONFIG);
    live = live_xml(&fx);
    assert_contains(live, "<target dev='sdb' bus='scsi'/>");
    g_free(cfg);
    cfg = config_xml(&fx);
    assert_contains(cfg, "<target dev='sdb' bus='scsi'/>");
    /* current on a running guest: live only */
    g_assert_cmpint(detach(&fx, b, QVIRT_DOMAIN_AFFECT_CURRENT), ==, 0);
    g_free(live);
    live = live_xml(&fx);
    g_assert_null(strstr(live, "dev='sdb'"));
    g_free(cfg);
    cfg = config_xml(&fx);
    assert_contains(cfg, "<target dev='sdb' bus='scsi'/>");
    /* both: sda leaves the guest and the definition */
    g_assert_cmpint(detach(&fx, a, LIVE | CONFIG), ==, 0);
    g_free(live);
    live = live_xml(&fx);
    g_assert_null(strstr(live, "dev='sda'"));
    g_free(cfg);
    cfg = config_xml(&fx);
    g_assert_null(strstr(cfg, "dev='sda'"));
    g_free(msg);
    g_assert_cmpint(detach_err(&fx, a, LIVE, &msg), ==, -1);
    assert_contains(msg, "disk sda not found");
    /* the QEMU of a guest that was started without sda never had it */
    fx_clear(&fx);
}

/* The guest's ACPI eject of PCI slot @slot (PIIX4's hotplug registers:
 * select bus 0, write the slot's bit to the eject register), as a guest
 * OS acks an unplug request */
static void
guest_ejects(Fx *fx, int slot)
{
    g_autofree char *sel = g_strdup("{\"execute\":\"human-monitor-command\","
                                    "\"arguments\":{\"command-line\":\"o /w 0xae10 0\"}}");
    g_autofree char *ej = g_strdup_printf("{\"execute\":\"human-monitor-command\","
                                          "\"arguments\":{\"command-line\":\"o 0xae08 0x%x\"}}",
                                          1u << slot);
    json_object *r;

    r = qmp(fx, sel);
    json_object_put(r);
    r = qmp(fx, ej);
    json_object_put(r);
}

static int
pci_slot(Fx *fx, const char *id)
{
    g_autofree char *cmd = g_strdup_printf("{\"execute\":\"qom-get\",\"arguments\":{\"path\":"
                                           "\"/machine/peripheral/%s\",\"property\":\"addr\"}}", id);
    json_object *r = qmp(fx, cmd);
    int devfn = json_object_get_int(r);

    json_object_put(r);
    return devfn >> 3;
}

static json_object *
unplugging(Fx *fx)
{
    json_object *rt = runtime(&fx->e, qvirt_domain_get_name(fx->dom)), *u = NULL;

    g_assert_true(json_object_object_get_ex(rt, "unplugging", &u));
    json_object_get(u);
    json_object_put(rt);
    return u;
}

/* The event is handled a moment after QEMU sent it: wait until the
 * live XML no longer has @what (10 s at most) */
static void
wait_gone(Fx *fx, const char *what)
{
    for (int i = 0; i < 500; i++) {
        g_autofree char *live = live_xml(fx);

        if (!strstr(live, what))
            return;
        g_usleep(20 * 1000);
    }
    g_error("the live XML still has %s", what);
}

/* A pc guest's PCI hotplug goes through ACPI: with no guest OS to ack
 * it, the unplug stays pending; the guest's eject finishes it, also
 * when a new supervisor took over meanwhile */
static void
test_unplug_pending(void)
{
    Fx fx;
    g_autofree char *x = NULL, *msg = NULL, *live = NULL, *n = NULL;
    json_object *u;
    pid_t sup;

    fx_init(&fx, "acpi", "pc", "");
    mkqcow(&fx.e, "p.qcow2", NULL);
    qv_ok(&fx.e, NULL, "start", "acpi", "--paused");
    x = disk_xml(&fx, "p.qcow2", "vdb", "virtio", NULL);
    attach_ok(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE);
    g_assert_cmpint(detach(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE), ==, 1);
    u = unplugging(&fx);
    g_assert_cmpint(json_object_array_length(u), ==, 1);
    g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(u, 0)), ==, "virtio-disk1");
    json_object_put(u);
    live = live_xml(&fx);
    assert_contains(live, "dev='vdb'");
    /* asked again: the request goes to QEMU again, which still waits for
     * the guest's answer to the first */
    g_assert_cmpint(detach(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE), ==, 1);
    /* the eject, later */
    guest_ejects(&fx, pci_slot(&fx, "virtio-disk1"));
    wait_gone(&fx, "dev='vdb'");
    n = nodes(&fx);
    g_assert_cmpstr(n, ==, "");
    u = unplugging(&fx);
    g_assert_cmpint(json_object_array_length(u), ==, 0);
    json_object_put(u);

    /* again, and the supervisor is killed before the guest acks: the
     * next supervisor follows the unplug and finishes it at the eject */
    attach_ok(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE);
    g_assert_cmpint(qvirt_domain_detach_device_alias(fx.dom, "virtio-disk1",
                                                     QVIRT_DOMAIN_AFFECT_LIVE, NULL), ==, 1);
    sup = runtime_pid(&fx.e, "acpi", "supervisor_pid");
    kill_and_wait(sup);
    /* the monitor command reattaches first */
    guest_ejects(&fx, pci_slot(&fx, "virtio-disk1"));
    wait_gone(&fx, "dev='vdb'");
    g_free(n);
    n = nodes(&fx);
    g_assert_cmpstr(n, ==, "");

    /* and the guest acks while no supervisor runs: the next one finds
     * the device gone and finishes the bookkeeping at once */
    attach_ok(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE);
    g_assert_cmpint(detach(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE), ==, 1);
    {
        g_autofree char *sock = NULL;
        json_object *rt = runtime(&fx.e, "acpi"), *q = NULL;
        g_autoptr(GError) err = NULL;
        g_autoptr(QvQmp) mon = NULL;
        g_autofree char *ej = NULL;
        json_object *args;
        int slot = pci_slot(&fx, "virtio-disk1");

        g_assert_true(json_object_object_get_ex(rt, "qmp_socket", &q));
        sock = g_strdup(json_object_get_string(q));
        json_object_put(rt);
        kill_and_wait(runtime_pid(&fx.e, "acpi", "supervisor_pid"));
        mon = qv_qmp_connect_unix(sock, NULL, 10000, &err);
        g_assert_no_error(err);
        g_assert_true(qv_qmp_handshake(mon, 10000, &err));
        args = json_object_new_object();
        json_object_object_add(args, "command-line", json_object_new_string("o /w 0xae10 0"));
        g_assert_true(qv_qmp_command_sync(mon, "human-monitor-command", &args, 10000, NULL, &err));
        ej = g_strdup_printf("o 0xae08 0x%x", 1u << slot);
        args = json_object_new_object();
        json_object_object_add(args, "command-line", json_object_new_string(ej));
        g_assert_true(qv_qmp_command_sync(mon, "human-monitor-command", &args, 10000, NULL, &err));
    }
    /* domstate reattaches */
    g_free(live);
    live = domstate(&fx.e, "acpi");
    wait_gone(&fx, "dev='vdb'");
    g_free(n);
    n = nodes(&fx);
    g_assert_cmpstr(n, ==, "");
    /* and its lease went with it */
    {
        g_autofree char *locks = lease_keys(&fx);
        g_autofree char *p = img(&fx.e, "p.qcow2");

        g_assert_null(strstr(locks, p));
    }

    /* the guest goes while an unplug waits: the caller hears it */
    attach_ok(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE);
    {
        g_autoptr(GError) err = NULL;
        StartAsync bg;
        g_autofree char *out = NULL;

        /* the detach waits 5 s for the guest; a destroy comes meanwhile */
        start_async_cmd(&bg, fx.e.root, "detach-disk", "acpi", "vdb");
        g_usleep(500 * 1000);
        qv_ok(&fx.e, NULL, "destroy", "acpi", NULL);
        g_assert_false(start_wait(&bg, &out));
        assert_contains(out, "QEMU exited");
    }
    assert_state(&fx.e, "acpi", "shut off (destroyed)");
    fx_clear(&fx);
}

/* A hotplugged chain survives kill -9 of the supervisor: the new one
 * checks the same graph and can unplug it */
static void
test_kill_supervisor(void)
{
    Fx fx;
    g_autofree char *x = NULL, *n0 = NULL, *n1 = NULL, *u = NULL, *n2 = NULL;

    fx_init(&fx, "kill", "q35", "");
    make_chain(&fx, "k");
    mkqcow(&fx.e, "u.qcow2", NULL);
    qv_ok(&fx.e, NULL, "start", "kill", NULL);
    x = disk_xml(&fx, "k-top.qcow2", "vdb", "virtio", NULL);
    u = g_strdup_printf("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                        "<source file='%s/u.qcow2'/><target dev='sdb' bus='usb'/></disk>",
                        fx.e.dir);
    attach_ok(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE);
    attach_ok(&fx, u, QVIRT_DOMAIN_AFFECT_LIVE);
    g_assert_true(has_device(&fx, "usb"));
    g_assert_true(has_device(&fx, "usb-disk1"));
    n0 = nodes(&fx);
    kill_and_wait(runtime_pid(&fx.e, "kill", "supervisor_pid"));
    n1 = nodes(&fx);
    g_assert_cmpstr(n1, ==, n0);
    g_assert_cmpint(detach(&fx, x, QVIRT_DOMAIN_AFFECT_LIVE), ==, 0);
    g_assert_cmpint(detach(&fx, u, QVIRT_DOMAIN_AFFECT_LIVE), ==, 0);
    n2 = nodes(&fx);
    g_assert_cmpstr(n2, ==, "");
    fx_clear(&fx);
}

static void
update(Fx *fx, const char *xml, unsigned int flags)
{
    g_autoptr(GError) err = NULL;

    if (qvirt_domain_update_device_flags(fx->dom, xml, flags, &err) != 0)
        g_error("update of %s failed: %s", xml, err->message);
}

/* Media change on a scsi-cd and a sata cdrom: insert, update, eject;
 * the tray events in the log; the old medium's nodes gone each time */
static void
test_media(void)
{
    Fx fx;
    g_autofree char *live = NULL, *n = NULL, *events = NULL, *cfg = NULL;
    const char *cds[] = { "sdc", "hdc" };
    const char *buses[] = { "scsi", "sata" };

    fx_init(&fx, "media", "q35",
            "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
            "<target dev='sdc' bus='scsi'/><readonly/></disk>"
            "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
            "<target dev='hdc' bus='sata'/><readonly/></disk>");
    for (int i = 0; i < 2; i++) {
        g_autofree char *iso = g_build_filename(fx.e.dir, i ? "two.iso" : "one.iso", NULL);

        g_assert_true(g_file_set_contents(iso, "1", 1, NULL));
    }
    qv_ok(&fx.e, NULL, "start", "media", "--paused");
    for (int i = 0; i < 2; i++) {
        g_autofree char *one = g_strdup_printf("<disk type='file' device='cdrom'><driver name='qemu' "
                                               "type='raw'/><source file='%s/one.iso'/><target dev='%s' "
                                               "bus='%s'/><readonly/></disk>", fx.e.dir, cds[i], buses[i]);
        g_autofree char *two = qv_test_replace(one, "one.iso", "two.iso");
        g_autofree char *none = g_strdup_printf("<disk type='file' device='cdrom'><driver name='qemu' "
                                                "type='raw'/><target dev='%s' bus='%s'/><readonly/></disk>",
                                                cds[i], buses[i]);
        g_autofree char *fmt = NULL;

        update(&fx, one, QVIRT_DOMAIN_AFFECT_LIVE);
        g_free(live);
        live = live_xml(&fx);
        assert_contains(live, "one.iso");
        g_free(n);
        n = nodes(&fx);
        fmt = g_strdup_printf("%s-f", cds[i]);
        assert_contains(n, fmt);
        update(&fx, two, QVIRT_DOMAIN_AFFECT_LIVE);
        g_free(live);
        live = live_xml(&fx);
        g_assert_null(strstr(live, "one.iso"));
        assert_contains(live, "two.iso");
        update(&fx, none, QVIRT_DOMAIN_AFFECT_LIVE);
        g_free(live);
        live = live_xml(&fx);
        g_assert_null(strstr(live, "two.iso"));
        g_free(n);
        n = nodes(&fx);
        g_assert_null(strstr(n, fmt));
    }
    /* startupPolicy applies to a new medium: a missing mandatory one is
     * refused by name, an optional one leaves the drive empty */
    {
        g_autoptr(GError) err = NULL;
        g_autofree char *gone = g_strdup_printf("<disk type='file' device='cdrom'><driver name='qemu' "
                                                "type='raw'/><source file='%s/gone.iso'%s/><target "
                                                "dev='sdc' bus='scsi'/><readonly/></disk>", fx.e.dir, "");
        g_autofree char *opt = g_strdup_printf("<disk type='file' device='cdrom'><driver name='qemu' "
                                               "type='raw'/><source file='%s/gone.iso' "
                                               "startupPolicy='optional'/><target dev='sdc' bus='scsi'/>"
                                               "<readonly/></disk>", fx.e.dir);

        g_assert_cmpint(qvirt_domain_update_device_flags(fx.dom, gone, QVIRT_DOMAIN_AFFECT_LIVE, &err), ==, -1);
        assert_contains(err->message, "gone.iso");
        update(&fx, opt, QVIRT_DOMAIN_AFFECT_LIVE);
        g_free(live);
        live = live_xml(&fx);
        g_assert_null(strstr(live, "gone.iso"));
    }
    /* the definition did not change: --live only */
    cfg = config_xml(&fx);
    g_assert_null(strstr(cfg, ".iso"));
    qv_ok(&fx.e, &events, "event", "media", NULL);
    assert_contains(events, "DEVICE_TRAY_MOVED");
    fx_clear(&fx);
}

/* A quorum of three (one child with a chain of its own) and an NBD disk
 * served by qemu-nbd go in and out like any other disk */
static void
test_quorum_network(void)
{
    Fx fx;
    g_autofree char *q = NULL, *nbd = NULL, *sock = NULL, *n = NULL, *live = NULL;
    g_autofree char *raw = NULL;
    GPid server;
    const char *argv[] = { "qemu-nbd", "-k", NULL, "-f", "raw", "-t", NULL, NULL };

    fx_init(&fx, "qn", "q35", "");
    mkqcow(&fx.e, "c1.qcow2", NULL);
    mkqcow(&fx.e, "c2.qcow2", NULL);
    mkqcow(&fx.e, "c3base.qcow2", NULL);
    mkqcow(&fx.e, "c3.qcow2", "c3base.qcow2");
    q = g_strdup_printf(
        "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/><threshold value='2'/>"
        "<backingStore type='file'><format type='qcow2'/><source file='%1$s/c1.qcow2'/></backingStore>"
        "<backingStore type='file'><format type='qcow2'/><source file='%1$s/c2.qcow2'/></backingStore>"
        "<backingStore type='file'><format type='qcow2'/><source file='%1$s/c3.qcow2'/></backingStore>"
        "<target dev='sdq' bus='scsi'/></disk>", fx.e.dir);
    sock = g_build_filename(fx.e.dir, "nbd.sock", NULL);
    raw = g_build_filename(fx.e.dir, "nbd.raw", NULL);
    g_assert_true(g_file_set_contents(raw, "", 0, NULL));
    g_assert_cmpint(truncate(raw, 16 << 20), ==, 0);
    argv[2] = sock;
    argv[6] = raw;
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &server, NULL));
    for (int i = 0; i < 250 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(20 * 1000);
    /* a network disk's server is not relabelled (as libvirt): QEMU, as
     * its own user, connects to a socket that lets it */
    g_assert_cmpint(chmod(sock, 0666), ==, 0);
    nbd = g_strdup_printf("<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
                          "<source protocol='nbd'><host transport='unix' socket='%s'/></source>"
                          "<target dev='sdn' bus='scsi'/></disk>", sock);
    qv_ok(&fx.e, NULL, "start", "qn", "--paused");
    attach_ok(&fx, q, QVIRT_DOMAIN_AFFECT_LIVE);
    attach_ok(&fx, nbd, QVIRT_DOMAIN_AFFECT_LIVE);
    n = nodes(&fx);
    /* the quorum node, its children's chains (c3 has a base of its own),
     * the NBD disk's two nodes */
    g_assert_cmpstr(n, ==, "sdn-f6 sdn-s6 sdq-f1 sdq-f2 sdq-f3 sdq-f4 sdq-f5 "
                           "sdq-s2 sdq-s3 sdq-s4 sdq-s5");
    live = live_xml(&fx);
    assert_contains(live, "<disk type='quorum' device='disk'>");
    assert_contains(live, "protocol='nbd'");
    g_assert_cmpint(detach(&fx, q, QVIRT_DOMAIN_AFFECT_LIVE), ==, 0);
    g_assert_cmpint(detach(&fx, nbd, QVIRT_DOMAIN_AFFECT_LIVE), ==, 0);
    g_free(n);
    n = nodes(&fx);
    g_assert_cmpstr(n, ==, "");
    kill(server, SIGTERM);
    g_spawn_close_pid(server);
    fx_clear(&fx);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    qv_test_guest_init();
    g_test_add_func("/hotplug/scsi-chain", test_scsi_chain);
    g_test_add_func("/hotplug/virtio-root-port", test_virtio_root_port);
    g_test_add_func("/hotplug/rollback", test_rollback);
    g_test_add_func("/hotplug/impact", test_impact);
    g_test_add_func("/hotplug/unplug-pending", test_unplug_pending);
    g_test_add_func("/hotplug/kill-supervisor", test_kill_supervisor);
    g_test_add_func("/hotplug/media", test_media);
    g_test_add_func("/hotplug/quorum-network", test_quorum_network);
    rc = g_test_run();
    qv_test_guest_cleanup();
    return rc;
}
