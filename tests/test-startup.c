/*
 * test-startup: the checks made before QEMU starts: every file of every
 * chain, and each startupPolicy for disks, cdroms and floppies, with the
 * top image or a middle layer missing, on images made by qemu-img.
 */
#include <string.h>
#include <unistd.h>

#include "qemu/qv-disk-prepare.h"
#include "conf/qv-domain-xml.h"
#include "util/qv-error.h"
#include "qv-test-util.h"

static char *dir;

static QvDomainDef *
parse(const char *devices)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>s</name><memory>65536</memory><devices>%s</devices></domain>",
        devices);
    g_autofree char *abs = qv_test_replace(xml, "@DIR@", dir);
    g_autoptr(GError) err = NULL;
    QvDomainDef *def = qv_domain_parse_xml(abs, "test", 0, &err);

    g_assert_no_error(err);
    return def;
}

static char *
disk(const char *device, const char *file, const char *policy,
     const char *fmt, const char *dev, const char *bus)
{
    g_autofree char *pol = policy ? g_strdup_printf(" startupPolicy='%s'", policy) : g_strdup("");

    return g_strdup_printf("<disk type='file' device='%s'><driver name='qemu' type='%s'/>"
                           "<source file='@DIR@/%s'%s/><target dev='%s' bus='%s'/>%s</disk>",
                           device, fmt, file, pol, dev, bus,
                           strcmp(device, "disk") ? "<readonly/>" : "");
}

/* Concatenate three owned strings */
static char *
cat3(char *a, char *b, char *c)
{
    char *r = g_strconcat(a, b, c, NULL);

    g_free(a);
    g_free(b);
    g_free(c);
    return r;
}

/* Prepare; returns the error text (dir replaced by @TMP@) or NULL */
static char *
prepare(QvDomainDef *def, QvStartReason reason, GPtrArray *dropped)
{
    g_autoptr(GError) err = NULL;

    if (qv_disks_prepare(def, reason, dropped, &err))
        return NULL;
    return qv_test_replace(err->message, dir, "@TMP@");
}

static char *
joined(GPtrArray *lines)
{
    g_autofree char *all = NULL;

    g_ptr_array_add(lines, NULL);
    all = g_strjoinv("\n", (char **)lines->pdata);
    g_ptr_array_remove_index(lines, lines->len - 1);
    return qv_test_replace(all, dir, "@TMP@");
}

static void
test_all_present(void)
{
    g_autofree char *d = disk("disk", "snap2.qcow2", NULL, "qcow2", "vda", "virtio");
    g_autoptr(QvDomainDef) def = parse(d);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);

    g_assert_null(prepare(def, QV_START_COLD, dropped));
    g_assert_cmpuint(dropped->len, ==, 0);
    g_assert_cmpuint(qv_source_count(def->disks[0]->src), ==, 3);
}

static void
test_mandatory_missing(void)
{
    g_autofree char *d1 = disk("disk", "orphan.qcow2", NULL, "qcow2", "vda", "virtio");
    g_autofree char *d2 = disk("disk", "gone.qcow2", "mandatory", "qcow2", "vdb", "virtio");
    g_autoptr(QvDomainDef) def1 = parse(d1);
    g_autoptr(QvDomainDef) def2 = parse(d2);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *e1 = prepare(def1, QV_START_COLD, dropped);
    g_autofree char *e2 = prepare(def2, QV_START_COLD, dropped);

    /* the middle of the chain is missing: named, with who needs it */
    g_assert_cmpstr(e1, ==, "disk 'vda': backing file 'snap1-missing.qcow2' (resolved to '@TMP@/snap1-missing.qcow2') of '@TMP@/orphan-mid.qcow2' does not exist");
    g_assert_cmpstr(e2, ==, "disk 'vdb': image '@TMP@/gone.qcow2' does not exist");
    g_assert_cmpuint(dropped->len, ==, 0);
}

static void
test_optional_disk_dropped(void)
{
    g_autofree char *d = cat3(
        disk("disk", "snap2.qcow2", NULL, "qcow2", "vda", "virtio"),
        disk("disk", "orphan.qcow2", "optional", "qcow2", "vdb", "virtio"),
        disk("disk", "gone.qcow2", "optional", "qcow2", "vdc", "virtio"));
    g_autoptr(QvDomainDef) def = parse(d);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *all = NULL;

    g_assert_null(prepare(def, QV_START_COLD, dropped));
    g_assert_cmpuint(def->ndisks, ==, 1);
    g_assert_cmpstr(def->disks[0]->dst, ==, "vda");
    all = joined(dropped);
    g_assert_cmpstr(all, ==,
        "disk 'vdb' dropped (startupPolicy 'optional'): backing file 'snap1-missing.qcow2' (resolved to '@TMP@/snap1-missing.qcow2') of '@TMP@/orphan-mid.qcow2' does not exist\n"
        "disk 'vdc' dropped (startupPolicy 'optional'): image '@TMP@/gone.qcow2' does not exist");
}

static void
test_removable_media(void)
{
    g_autofree char *d = cat3(
        disk("cdrom", "gone.iso", "optional", "raw", "sda", "sata"),
        disk("floppy", "gone.img", "optional", "raw", "fda", "fdc"),
        disk("cdrom", "cd.iso", "requisite", "raw", "sdb", "sata"));
    g_autoptr(QvDomainDef) def = parse(d);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *all = NULL;

    g_assert_null(prepare(def, QV_START_COLD, dropped));
    g_assert_cmpuint(def->ndisks, ==, 3);
    g_assert_false(def->disks[0]->has_source);
    g_assert_false(def->disks[1]->has_source);
    g_assert_true(def->disks[2]->has_source);
    all = joined(dropped);
    g_assert_cmpstr(all, ==,
        "disk 'sda' started empty (startupPolicy 'optional'): image '@TMP@/gone.iso' does not exist\n"
        "disk 'fda' started empty (startupPolicy 'optional'): image '@TMP@/gone.img' does not exist");
}

static void
test_requisite(void)
{
    g_autofree char *d = disk("cdrom", "gone.iso", "requisite", "raw", "sda", "sata");
    g_autoptr(QvDomainDef) cold = parse(d);
    g_autoptr(QvDomainDef) restore = parse(d);
    g_autoptr(QvDomainDef) migrate = parse(d);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *e = prepare(cold, QV_START_COLD, dropped);

    g_assert_cmpstr(e, ==, "disk 'sda': image '@TMP@/gone.iso' does not exist");
    g_assert_null(prepare(restore, QV_START_RESTORE, dropped));
    g_assert_false(restore->disks[0]->has_source);
    g_assert_null(prepare(migrate, QV_START_MIGRATE, dropped));
    g_assert_cmpuint(dropped->len, ==, 2);
}

static void
test_floppy_mandatory(void)
{
    g_autofree char *d = disk("floppy", "gone.img", NULL, "raw", "fda", "fdc");
    g_autoptr(QvDomainDef) def = parse(d);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *e = prepare(def, QV_START_COLD, dropped);

    g_assert_cmpstr(e, ==, "disk 'fda': image '@TMP@/gone.img' does not exist");
}

static void
test_given_chain(void)
{
    static const char *fmt =
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='@DIR@/snap2.qcow2'/>"
        "<backingStore type='file'><format type='qcow2'/><source file='@DIR@/@MID@'/>"
        "<backingStore type='file'><format type='qcow2'/><source file='@DIR@/base.qcow2'/><backingStore/></backingStore>"
        "</backingStore><target dev='vda' bus='virtio'/></disk>";
    g_autofree char *ok_xml = qv_test_replace(fmt, "@MID@", "snap1.qcow2");
    g_autofree char *bad_xml = qv_test_replace(fmt, "@MID@", "nothere.qcow2");
    g_autoptr(QvDomainDef) ok = parse(ok_xml);
    g_autoptr(QvDomainDef) bad = parse(bad_xml);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *e = NULL;

    g_assert_null(prepare(ok, QV_START_COLD, dropped));
    g_assert_cmpuint(qv_source_count(ok->disks[0]->src), ==, 3);
    e = prepare(bad, QV_START_COLD, dropped);
    g_assert_cmpstr(e, ==, "disk 'vda': backing file '@TMP@/nothere.qcow2' of '@TMP@/snap2.qcow2' does not exist");
}

static void
test_not_missing_is_fatal(void)
{
    g_autofree char *d1 = disk("disk", "corrupt.qcow2", "optional", "qcow2", "vda", "virtio");
    g_autofree char *d2 = disk("disk", "df.qcow2", "optional", "qcow2", "vdb", "virtio");
    g_autoptr(QvDomainDef) def1 = parse(d1);
    g_autoptr(QvDomainDef) def2 = parse(d2);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *e1 = prepare(def1, QV_START_COLD, dropped);
    g_autofree char *e2 = prepare(def2, QV_START_COLD, dropped);

    /* a corrupt image is not "missing": optional does not hide it */
    g_assert_nonnull(e1);
    g_assert_true(g_str_has_prefix(e1, "disk 'vda': "));
    g_assert_nonnull(strstr(e1, "corrupt.qcow2"));
    /* a missing external data file is missing: dropped */
    g_assert_null(e2);
    g_assert_cmpuint(dropped->len, ==, 1);
    g_assert_nonnull(strstr(dropped->pdata[0], "data file '"));
}

static void
test_quorum_child_missing(void)
{
    static const char *q =
        "<disk type='quorum' device='disk'><driver name='qemu' type='quorum'/><threshold value='2'/>"
        "<backingStore type='file'><format type='raw'/><source file='@DIR@/r1.raw'/></backingStore>"
        "<backingStore type='file'><format type='qcow2'/><source file='@DIR@/orphan.qcow2'/></backingStore>"
        "<target dev='vda' bus='virtio'/></disk>";
    g_autoptr(QvDomainDef) def = parse(q);
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *e = prepare(def, QV_START_COLD, dropped);

    g_assert_cmpstr(e, ==, "disk 'vda': backing file 'snap1-missing.qcow2' (resolved to '@TMP@/snap1-missing.qcow2') of '@TMP@/orphan-mid.qcow2' does not exist");
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    dir = qv_test_enter_tmpdir();
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "base.qcow2", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", "base.qcow2", "-F", "qcow2", "snap1.qcow2", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", "snap1.qcow2", "-F", "qcow2", "snap2.qcow2", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", "snap1-missing.qcow2", "-F", "qcow2", "orphan-mid.qcow2", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-u", "-b", "orphan-mid.qcow2", "-F", "qcow2", "orphan.qcow2", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "raw", "cd.iso", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "raw", "r1.raw", "1M", NULL);
    qv_test_qemu_img("create", "-q", "-f", "qcow2", "-o", "data_file=df.raw", "df.qcow2", "1M", NULL);
    g_assert_cmpint(unlink("df.raw"), ==, 0);
    g_assert_true(g_file_set_contents("corrupt.qcow2", "QFI\xfb\0\0\0\x03garbage", 16, NULL));
    g_test_add_func("/startup/all-present", test_all_present);
    g_test_add_func("/startup/mandatory-missing", test_mandatory_missing);
    g_test_add_func("/startup/optional-disk-dropped", test_optional_disk_dropped);
    g_test_add_func("/startup/removable-media", test_removable_media);
    g_test_add_func("/startup/requisite", test_requisite);
    g_test_add_func("/startup/floppy-mandatory", test_floppy_mandatory);
    g_test_add_func("/startup/given-chain", test_given_chain);
    g_test_add_func("/startup/not-missing-is-fatal", test_not_missing_is_fatal);
    g_test_add_func("/startup/quorum-child-missing", test_quorum_child_missing);
    ret = g_test_run();
    qv_test_rmtree(dir);
    g_free(dir);
    return ret;
}
