/*
 * test-cli-device: the disk XML of the device commands
 * (src/lib/qv-cli-device.h) and the commands as a user runs them.
 *
 * attach-disk's builder: golden files tests/data/attach-disk/NAME.xml
 * (QV_TEST_REGENERATE=1 rewrites them; they were checked against virsh
 * 9.0's own --print-xml), each also valid against libvirt's domain.rng
 * once wrapped in a minimal <domain> (Debian's libvirt0, which
 * scripts/deps.sh installs; QV_TEST_LIBVIRT_SCHEMAS names another
 * folder); a table of option errors with their exact messages.  Then
 * the disk lookup, the media change and the trays; and the qvirt binary:
 * attach-disk --print-xml against the same golden files, the usage
 * errors, and detach-disk, change-media and domblklist --details on a
 * domain defined under --root.
 */
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "lib/qv-cli-device.h"
#include "qv-test-libvirt.h"
#include "qv-test-util.h"

static char *dir;

/* The <disk> @disk, in a minimal domain, is valid for libvirt */
static void
assert_libvirt_valid(const char *disk, const char *what)
{
    g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>t</name><memory>131072</memory>"
                                           "<os><type>hvm</type></os><devices>%s</devices></domain>", disk);

    qv_test_assert_libvirt_valid("domain.rng", xml, what);
}

/* ------------------------------------------------------------------ */
/* attach-disk's builder: golden files                                 */

typedef struct {
    const char *name;
    QvCliAttachDisk o;
} BuildCase;

static const BuildCase build_cases[] = {
    /* the research note's example */
    { "file-qcow2", { .source = "/var/lib/qvirt/images/data.qcow2", .target = "vdb", .driver = "qemu",
                      .subdriver = "qcow2", .targetbus = "virtio", .cache = "none", .mode = "readonly" } },
    { "file-plain", { .source = "/images/plain.img", .target = "vdb" } },
    { "file-escaped", { .source = "/images/a&b's <disk>.img", .target = "vdb" } },
    { "driver-all", { .source = "/images/fast.raw", .target = "vdc", .driver = "qemu", .subdriver = "raw",
                      .iothread = "2", .cache = "writeback", .io = "io_uring" } },
    { "block-guessed", { .source = "/dev/sdb", .target = "vdc", .source_is_block = true } },
    /* virsh's rule: a file-only driver keeps a block device a file */
    { "block-driver-file", { .source = "/dev/sdb", .target = "vdc", .driver = "file", .source_is_block = true } },
    { "block-sourcetype", { .source = "/dev/mapper/vg-data", .target = "vdd", .sourcetype = "block",
                            .subdriver = "raw", .mode = "shareable" } },
    { "cdrom", { .source = "/images/install.iso", .target = "sdc", .type = "cdrom", .targetbus = "sata",
                 .mode = "readonly" } },
    { "cdrom-empty", { .source = "", .target = "hdc", .type = "cdrom", .targetbus = "ide" } },
    { "floppy", { .source = "/images/boot.img", .target = "fda", .type = "floppy", .targetbus = "fdc" } },
    { "lun", { .source = "/dev/sdb", .target = "sdb", .type = "lun", .rawio = true, .targetbus = "scsi",
               .address = "scsi:0.0.3", .mode = "shareable", .source_is_block = true } },
    { "network-nbd-tcp", { .source = "export", .target = "vdb", .source_protocol = "nbd",
                           .source_host_name = "nbd.example.org:10809", .source_host_transport = "tcp" } },
    { "network-nbd-unix", { .source = "export", .target = "vdb", .source_protocol = "nbd",
                            .source_host_transport = "unix", .source_host_socket = "/run/nbd/export.sock" } },
    { "network-nbd-noname", { .source = "", .target = "vdb", .source_protocol = "nbd",
                              .source_host_name = "192.0.2.7" } },
    { "network-rbd", { .source = "pool/image", .target = "vde", .source_protocol = "rbd", .subdriver = "raw" } },
    { "network-iscsi-ipv6", { .source = "iqn.2013-07.com.example:iscsi-pool/1", .target = "sda",
                              .targetbus = "scsi", .sourcetype = "network", .source_protocol = "iscsi",
                              .source_host_name = "[2001:db8::7]:3260" } },
    { "serial-wwn-alias", { .source = "/images/data.img", .target = "sdb", .targetbus = "scsi",
                            .serial = "QV-0001 a.b+c", .wwn = "0x5000c50015ea71ac", .alias = "ua-data" } },
    { "address-pci", { .source = "/images/data.img", .target = "vdd", .address = "pci:0000.00.0a.0",
                       .multifunction = true } },
    { "address-pci-colons", { .source = "/images/data.img", .target = "vdd", .address = "pci:0x0000:0x01:0x1f.7" } },
    { "address-ccw", { .source = "/images/data.img", .target = "vdd", .address = "ccw:0xfe.0.0001" } },
    { "address-scsi", { .source = "/images/data.img", .target = "sdd", .targetbus = "scsi", .address = "scsi:0.0.2" } },
    { "address-sata", { .source = "/images/data.img", .target = "sde", .targetbus = "sata", .address = "sata:0.0.1" } },
    { "address-usb", { .source = "/images/data.img", .target = "sdf", .targetbus = "usb", .address = "usb:1.2" } },
    { "address-ide", { .source = "/images/data.img", .target = "hdb", .targetbus = "ide", .address = "ide:0.1.0" } },
};

static void
test_build_golden(gconstpointer data)
{
    const BuildCase *c = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = qv_cli_attach_disk_xml(&c->o, &err);
    g_autofree char *rel = g_strdup_printf("attach-disk/%s.xml", c->name);

    g_assert_no_error(err);
    qv_test_golden(rel, xml);
    assert_libvirt_valid(xml, rel);
}

/* ------------------------------------------------------------------ */
/* attach-disk's builder: errors                                       */

#define F "/images/f.img"

static const struct {
    QvCliAttachDisk o;
    const char *want;
} error_cases[] = {
    { { .source = F, .target = "vdb", .cache = "" }, "--cache needs a value" },
    { { .source = "/images/\xff.img", .target = "vdb" }, "SOURCE is not UTF-8 text without control characters" },
    { { .source = "/images/a\nb.img", .target = "vdb" }, "SOURCE is not UTF-8 text without control characters" },
    { { .source = F, .target = "vd\x01" "b" }, "TARGET is not UTF-8 text without control characters" },
    { { .source = F, .target = "vdb", .serial = "S\xef\xbf\xbe" }, "--serial: the value is not UTF-8 text without control characters" },
    { { .source = F, .target = "vdb", .type = "tape" }, "--type 'tape' is not one of disk, cdrom, floppy, lun" },
    { { .source = F, .target = "vdb", .mode = "rw" }, "--mode 'rw' is not one of readonly, shareable" },
    { { .source = F, .target = "vdb", .sourcetype = "dir" }, "--sourcetype 'dir' is not one of file, block, network" },
    { { .source = F, .target = "vdb", .targetbus = "pci" }, "--targetbus 'pci' is not one of virtio, scsi, sata, ide, usb, fdc, xen, sd" },
    { { .source = F, .target = "vdb", .cache = "sometimes" }, "--cache 'sometimes' is not one of default, none, writethrough, writeback, directsync, unsafe" },
    { { .source = F, .target = "vdb", .io = "fast" }, "--io 'fast' is not one of native, threads, io_uring" },
    { { .source = F, .target = "vdb", .subdriver = "qcow3" }, "--subdriver 'qcow3' is not one of raw, qcow2, qcow, qed, vmdk, vpc, vdi, vhd, luks, iso, dmg, cloop, bochs, cow, ploop, fat, dir" },
    { { .source = "x", .target = "vdb", .source_protocol = "nfs3" }, "--source-protocol 'nfs3' is not one of nbd, iscsi, rbd, gluster, http, https, ftp, ftps, tftp, nfs, sheepdog, vxhs" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_transport = "udp" }, "--source-host-transport 'udp' is not one of tcp, rdma, unix" },
    { { .source = F, .target = "disk1" }, "TARGET 'disk1' is not a disk target name (fd*, hd*, sd*, vd*, xvd*, ubd*: vdb, sda, hdc, fda, ...)" },
    { { .source = F, .target = "vd" }, "TARGET 'vd' is not a disk target name (fd*, hd*, sd*, vd*, xvd*, ubd*: vdb, sda, hdc, fda, ...)" },
    { { .source = F, .target = "vd-b" }, "TARGET 'vd-b' is not a disk target name (fd*, hd*, sd*, vd*, xvd*, ubd*: vdb, sda, hdc, fda, ...)" },
    { { .source = F }, "TARGET '' is not a disk target name (fd*, hd*, sd*, vd*, xvd*, ubd*: vdb, sda, hdc, fda, ...)" },
    { { .source = F, .target = "vdb", .driver = "q emu" }, "--driver 'q emu' may hold only letters, digits and _ + -" },
    { { .source = F, .target = "vdb", .serial = "a<b" }, "--serial 'a<b' may hold only letters, digits, spaces and _ . + -" },
    { { .source = F, .target = "vdb", .alias = "data" }, "--alias 'data' is not a user alias: 'ua-' then letters, digits and _ - . (ua-data)" },
    { { .source = F, .target = "vdb", .alias = "ua-my data" }, "--alias 'ua-my data' is not a user alias: 'ua-' then letters, digits and _ - . (ua-data)" },
    { { .source = F, .target = "vdb", .wwn = "123" }, "--wwn '123' is not a WWN: 16 hexadecimal digits, optionally after 0x" },
    { { .source = F, .target = "vdb", .wwn = "0x5000c50015ea71aZ" }, "--wwn '0x5000c50015ea71aZ' is not a WWN: 16 hexadecimal digits, optionally after 0x" },
    { { .source = F, .target = "vdb", .iothread = "0" }, "--iothread '0' is not an IOThread id (a number from 1)" },
    { { .source = F, .target = "vdb", .iothread = "two" }, "--iothread 'two' is not an IOThread id (a number from 1)" },
    /* virsh's --source-host-* rules, in its order */
    { { .source = F, .target = "vdb", .source_host_name = "h" }, "--source-host-name needs --source-protocol" },
    { { .source = F, .target = "vdb", .source_host_transport = "tcp" }, "--source-host-transport needs --source-protocol" },
    { { .source = F, .target = "vdb", .source_host_socket = "/s" }, "--source-host-socket needs --source-protocol" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_socket = "/s" }, "--source-host-socket needs --source-host-transport unix" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_transport = "unix", .source_host_socket = "/s", .source_host_name = "h" },
      "--source-host-name and --source-host-socket are mutually exclusive" },
    { { .source = "x", .target = "vdb", .sourcetype = "network" }, "--sourcetype network needs --source-protocol" },
    { { .source = F, .target = "vdb", .sourcetype = "file", .source_protocol = "nbd" }, "--source-protocol needs --sourcetype network, not file" },
    /* what libvirt's schema adds */
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_transport = "unix" }, "--source-host-transport unix needs --source-host-socket PATH" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_transport = "tcp", .source_host_socket = "/s" },
      "--source-host-socket needs --source-host-transport unix, not tcp" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_transport = "rdma" }, "--source-host-transport rdma needs --source-host-name HOST[:PORT]" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_transport = "unix", .source_host_socket = "run/s" },
      "--source-host-socket 'run/s' must be an absolute path" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd" },
      "--source-protocol nbd needs a host: --source-host-name HOST[:PORT] or --source-host-transport unix --source-host-socket PATH" },
    { { .source = "", .target = "sda", .source_protocol = "iscsi", .source_host_name = "h" }, "--source-protocol iscsi needs SOURCE, the name of the image or volume on the server" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_name = "h:port" }, "--source-host-name 'h:port': port 'port' is not a number from 0 to 65535" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_name = "h:65536" }, "--source-host-name 'h:65536': port '65536' is not a number from 0 to 65535" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_name = ":10809" }, "--source-host-name ':10809' has no host name" },
    { { .source = "x", .target = "vdb", .source_protocol = "nbd", .source_host_name = "[::1" }, "--source-host-name '[::1': an IPv6 address is written [ADDRESS] or [ADDRESS]:PORT" },
    { { .source = "", .target = "vdb" }, "an empty SOURCE (no medium) needs --type cdrom or --type floppy" },
    { { .target = "vdb" }, "an empty SOURCE (no medium) needs --type cdrom or --type floppy" },
    { { .source = "images/f.img", .target = "vdb" }, "SOURCE 'images/f.img' must be an absolute path" },
    { { .source = F, .target = "vdb", .rawio = true }, "--rawio needs --type lun" },
    { { .source = F, .target = "sdb", .type = "lun" }, "--type lun needs a block device (--sourcetype block) or a network source, not the file '/images/f.img'" },
    /* --address */
    { { .source = F, .target = "vdb", .address = "0000.00.0a.0" },
      "--address '0000.00.0a.0' is not an address: pci:D.B.S.F, scsi:C.B.U, sata:C.B.U, ide:C.B.U, usb:B.P or ccw:C.S.D" },
    { { .source = F, .target = "vdb", .address = "pcie:0.0.3.0" },
      "--address 'pcie:0.0.3.0' is not an address: pci:D.B.S.F, scsi:C.B.U, sata:C.B.U, ide:C.B.U, usb:B.P or ccw:C.S.D" },
    { { .source = F, .target = "vdb", .address = "pci:0.0.3" }, "--address 'pci:0.0.3': expected pci:DOMAIN.BUS.SLOT.FUNCTION (hexadecimal: pci:0000.00.0a.0)" },
    { { .source = F, .target = "vdb", .address = "pci:0.0.20.0" },
      "--address 'pci:0.0.20.0': '20' is not a hexadecimal number from 0 to 0x1f; expected pci:DOMAIN.BUS.SLOT.FUNCTION (hexadecimal: pci:0000.00.0a.0)" },
    { { .source = F, .target = "vdb", .address = "pci:0.0.3.8" },
      "--address 'pci:0.0.3.8': '8' is not a hexadecimal number from 0 to 0x7; expected pci:DOMAIN.BUS.SLOT.FUNCTION (hexadecimal: pci:0000.00.0a.0)" },
    { { .source = F, .target = "sdb", .address = "scsi:0.0.x" },
      "--address 'scsi:0.0.x': 'x' is not a decimal number from 0 to 99999; expected scsi:CONTROLLER.BUS.UNIT (scsi:0.0.1)" },
    { { .source = F, .target = "sdb", .address = "scsi:0..1" },
      "--address 'scsi:0..1': '' is not a decimal number from 0 to 99; expected scsi:CONTROLLER.BUS.UNIT (scsi:0.0.1)" },
    { { .source = F, .target = "sdb", .address = "usb:1.2.3" }, "--address 'usb:1.2.3': expected usb:BUS.PORT (usb:0.1)" },
    { { .source = F, .target = "vdb", .address = "scsi:0.0.1" }, "--address 'scsi:0.0.1': a vd* target takes a pci: or ccw: address" },
    { { .source = F, .target = "sdb", .address = "pci:0.0.3.0" }, "--address 'pci:0.0.3.0': an sd* target takes a scsi:, usb: or sata: address" },
    { { .source = F, .target = "hdb", .address = "sata:0.0.1" }, "--address 'sata:0.0.1': an hd* target takes an ide: address" },
    { { .source = F, .target = "vdb", .multifunction = true }, "--multifunction needs a pci: --address" },
    { { .source = F, .target = "vdb", .multifunction = true, .address = "ccw:0xfe.0.0001" },
      "--multifunction needs a pci: --address, not 'ccw:0xfe.0.0001'" },
};

static void
test_build_errors(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *xml = qv_cli_attach_disk_xml(&error_cases[i].o, &err);

        if (!err)
            g_error("case %zu (%s): built\n%s", i, error_cases[i].want, xml);
        g_assert_null(xml);
        g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_INVALID_ARG);
        g_assert_cmpstr(err->message, ==, error_cases[i].want);
    }
}

static void
test_path_is_block(void)
{
    g_autofree char *file = g_build_filename(dir, "plain.img", NULL);
    g_autofree char *node = g_build_filename(dir, "blockdev", NULL);

    g_assert_true(g_file_set_contents(file, "", 0, NULL));
    g_assert_false(qv_cli_path_is_block(file));
    g_assert_false(qv_cli_path_is_block(dir));
    g_assert_false(qv_cli_path_is_block("/nonexistent/qvirt-disk"));
    g_assert_false(qv_cli_path_is_block("/dev/null"));
    g_assert_false(qv_cli_path_is_block(NULL));
    /* a block device node of our own: needs CAP_MKNOD (CI runs as root) */
    if (mknod(node, S_IFBLK | 0600, makedev(7, 250)) != 0) {
        g_test_skip("mknod of a block device node refused (not root?)");
        return;
    }
    g_assert_true(qv_cli_path_is_block(node));
    unlink(node);
}

/* ------------------------------------------------------------------ */
/* the disk lookup, the media change, the trays                        */

static const char domain_xml[] =
    "<domain type='kvm'>\n"
    "  <name>dev</name>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/images/top.qcow2' index='2'/>\n"
    "      <backingStore type='file' index='1'>\n"
    "        <format type='raw'/>\n"
    "        <source file='/images/base.raw'/>\n"
    "        <backingStore/>\n"
    "      </backingStore>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "      <wwn>0x5000c50015ea71ac</wwn>\n"
    "      <alias name='virtio-disk0'/>\n"
    "    </disk>\n"
    "    <disk type='block' device='cdrom'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source dev='/dev/sr0' startupPolicy='optional'/>\n"
    "      <backingStore/>\n"
    "      <target dev='sdc' bus='scsi' tray='open'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <disk type='file' device='floppy'>\n"
    "      <target dev='fda' bus='fdc'/>\n"
    "    </disk>\n"
    "    <disk type='network'>\n"
    "      <source protocol='nbd' name='export'>\n"
    "        <host name='nbd.example.org' port='10809'/>\n"
    "      </source>\n"
    "      <target dev='vdb'/>\n"
    "    </disk>\n"
    "    <interface type='network'><source network='default'/></interface>\n"
    "  </devices>\n"
    "</domain>\n";

static const char vda_xml[] =
    "<disk type=\"file\" device=\"disk\">\n"
    "      <driver name=\"qemu\" type=\"qcow2\"/>\n"
    "      <source file=\"/images/top.qcow2\" index=\"2\"/>\n"
    "      <target dev=\"vda\" bus=\"virtio\"/>\n"
    "      <wwn>0x5000c50015ea71ac</wwn>\n"
    "      <alias name=\"virtio-disk0\"/>\n"
    "    </disk>";

static const char sdc_xml[] =
    "<disk type=\"block\" device=\"cdrom\">\n"
    "      <driver name=\"qemu\" type=\"raw\"/>\n"
    "      <source dev=\"/dev/sr0\" startupPolicy=\"optional\"/>\n"
    "      <target dev=\"sdc\" bus=\"scsi\" tray=\"open\"/>\n"
    "      <readonly/>\n"
    "    </disk>";

static char *
find(const char *path, bool removable, GError **err)
{
    return qv_cli_find_disk(domain_xml, path, removable, err);
}

static void
test_find_disk(void)
{
    static const struct {
        const char *path;
        bool removable;
        const char *want;
    } rows[] = {
        /* by target, by each kind of source, without the chain */
        { "vda", false, vda_xml },
        { "/images/top.qcow2", false, vda_xml },
        { "sdc", false, sdc_xml },
        { "/dev/sr0", true, sdc_xml },
        { "export", false, NULL },
        { "fda", true, "<disk type=\"file\" device=\"floppy\">\n      <target dev=\"fda\" bus=\"fdc\"/>\n    </disk>" },
        /* as virsh, a disk with no device attribute passes the filter */
        { "vdb", true, NULL },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *got = find(rows[i].path, rows[i].removable, &err);

        g_assert_no_error(err);
        if (rows[i].want)
            g_assert_cmpstr(got, ==, rows[i].want);
        else
            g_assert_true(g_str_has_prefix(got, "<disk type=\"network\">"));
    }
}

static void
test_find_disk_errors(void)
{
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
    g_autofree char *a = find("vdz", false, &e1);
    g_autofree char *b = find("vda", true, &e2);
    g_autofree char *c = find("/images/base.raw", false, &e3);
    g_autofree char *d = qv_cli_find_disk("<domain><devices>", "vda", false, &e4);
    g_autofree char *e = qv_cli_find_disk("<disk/>", "vda", false, &e5);

    g_assert_null(a);
    g_assert_error(e1, QVIRT_ERROR, QVIRT_ERR_NOT_FOUND);
    g_assert_cmpstr(e1->message, ==, "no disk whose target or source path is 'vdz'");
    g_assert_null(b);
    g_assert_cmpstr(e2->message, ==, "no cdrom or floppy whose target or source path is 'vda'");
    /* a backing file is not the disk's source */
    g_assert_null(c);
    g_assert_error(e3, QVIRT_ERROR, QVIRT_ERR_NOT_FOUND);
    g_assert_null(d);
    g_assert_error(e4, QVIRT_ERROR, QVIRT_ERR_XML);
    g_assert_null(e);
    g_assert_cmpstr(e5->message, ==, "the domain XML is not a <domain> document");
}

static char *
media(const char *disk, QvCliMediaAction action, const char *source, bool block, GError **err)
{
    return qv_cli_media_xml(disk, "sdc", action, source, block, err);
}

static void
test_media(void)
{
    static const char empty[] =
        "<disk type='file' device='cdrom'>\n"
        "      <driver name='qemu' type='raw'/>\n"
        "      <target dev='sdc' bus='scsi'/>\n"
        "      <readonly/>\n"
        "    </disk>";
    g_autoptr(GError) err = NULL;
    g_autofree char *ejected = media(sdc_xml, QV_CLI_MEDIA_EJECT, NULL, false, &err);
    g_autofree char *updated = media(sdc_xml, QV_CLI_MEDIA_UPDATE, "/images/new.iso", false, &err);
    g_autofree char *to_block = media(sdc_xml, QV_CLI_MEDIA_UPDATE, "/dev/sr1", true, &err);
    g_autofree char *inserted = media(empty, QV_CLI_MEDIA_INSERT, "/images/new.iso", false, &err);
    g_autofree char *no_target = media("<disk type='file' device='floppy'/>", QV_CLI_MEDIA_INSERT,
                                       "/images/f.img", false, &err);

    g_assert_no_error(err);
    /* the tray attribute is runtime state the update may carry: kept */
    g_assert_cmpstr(ejected, ==,
                    "<disk type=\"file\" device=\"cdrom\">\n"
                    "      <driver name=\"qemu\" type=\"raw\"/>\n"
                    "      <target dev=\"sdc\" bus=\"scsi\" tray=\"open\"/>\n"
                    "      <readonly/>\n"
                    "    </disk>");
    g_assert_cmpstr(updated, ==,
                    "<disk type=\"file\" device=\"cdrom\">\n"
                    "      <driver name=\"qemu\" type=\"raw\"/>\n"
                    "      <source file=\"/images/new.iso\" startupPolicy=\"optional\"/>\n"
                    "      <target dev=\"sdc\" bus=\"scsi\" tray=\"open\"/>\n"
                    "      <readonly/>\n"
                    "    </disk>");
    g_assert_cmpstr(to_block, ==,
                    "<disk type=\"block\" device=\"cdrom\">\n"
                    "      <driver name=\"qemu\" type=\"raw\"/>\n"
                    "      <source dev=\"/dev/sr1\" startupPolicy=\"optional\"/>\n"
                    "      <target dev=\"sdc\" bus=\"scsi\" tray=\"open\"/>\n"
                    "      <readonly/>\n"
                    "    </disk>");
    /* a new <source> goes before <target>, indented like it */
    g_assert_cmpstr(inserted, ==,
                    "<disk type=\"file\" device=\"cdrom\">\n"
                    "      <driver name=\"qemu\" type=\"raw\"/>\n"
                    "      <source file=\"/images/new.iso\"/>\n"
                    "      <target dev=\"sdc\" bus=\"scsi\"/>\n"
                    "      <readonly/>\n"
                    "    </disk>");
    g_assert_cmpstr(no_target, ==, "<disk type=\"file\" device=\"floppy\"><source file=\"/images/f.img\"/></disk>");
    assert_libvirt_valid(ejected, "ejected");
    assert_libvirt_valid(updated, "updated");
    assert_libvirt_valid(inserted, "inserted");
}

static void
test_media_errors(void)
{
    static const struct {
        const char *disk;
        QvCliMediaAction action;
        const char *source;
        int code;
        const char *want;
    } rows[] = {
        { vda_xml, QV_CLI_MEDIA_UPDATE, "/images/x.iso", QVIRT_ERR_INVALID_ARG,
          "the disk 'sdc' is not removable: only a cdrom or floppy has media" },
        { "<disk><target dev='sdc'/></disk>", QV_CLI_MEDIA_EJECT, NULL, QVIRT_ERR_INVALID_ARG,
          "the disk 'sdc' is not removable: only a cdrom or floppy has media" },
        { "<disk device='cdrom'><target dev='sdc'/></disk>", QV_CLI_MEDIA_EJECT, NULL, QVIRT_ERR_OPERATION_INVALID,
          "the disk 'sdc' has no medium to eject" },
        { sdc_xml, QV_CLI_MEDIA_INSERT, "/images/x.iso", QVIRT_ERR_OPERATION_INVALID,
          "the disk 'sdc' already has a medium ('/dev/sr0'); use --update to replace it, or --eject first" },
        { sdc_xml, QV_CLI_MEDIA_UPDATE, NULL, QVIRT_ERR_INVALID_ARG, "no new medium given for the disk 'sdc' (SOURCE)" },
        { sdc_xml, QV_CLI_MEDIA_UPDATE, "images/x.iso", QVIRT_ERR_INVALID_ARG,
          "the new medium 'images/x.iso' must be an absolute path" },
        { "<domain/>", QV_CLI_MEDIA_EJECT, NULL, QVIRT_ERR_XML, "the disk XML is not a <disk> element" },
        { sdc_xml, QV_CLI_MEDIA_UPDATE, "/images/\x80.iso", QVIRT_ERR_INVALID_ARG,
          "the new medium's path is not UTF-8 text without control characters" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *got = media(rows[i].disk, rows[i].action, rows[i].source, false, &err);

        g_assert_null(got);
        g_assert_error(err, QVIRT_ERROR, rows[i].code);
        g_assert_cmpstr(err->message, ==, rows[i].want);
    }
}

static void
test_trays(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) trays = qv_cli_disk_trays(domain_xml, &err);
    g_autoptr(GHashTable) none = qv_cli_disk_trays("<domain type='kvm'><name>x</name></domain>", &err);

    g_assert_no_error(err);
    g_assert_cmpuint(g_hash_table_size(trays), ==, 2);
    g_assert_cmpstr(g_hash_table_lookup(trays, "sdc"), ==, "open");
    g_assert_cmpstr(g_hash_table_lookup(trays, "fda"), ==, "closed");
    g_assert_null(g_hash_table_lookup(trays, "vda"));
    g_assert_cmpuint(g_hash_table_size(none), ==, 0);
    g_assert_null(qv_cli_disk_trays("not xml", &err));
    g_assert_error(err, QVIRT_ERROR, QVIRT_ERR_XML);
}

/* ------------------------------------------------------------------ */
/* the commands                                                        */

/* qvirt ARGS... (NULL-terminated, at most 24); "@TMP@" in an argument
 * is the test folder, and in the outputs the test folder is @TMP@ */
static int
qvirt(char **out, char **err, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *o = NULL, *e = NULL;
    int rc;

    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, qv_test_replace(args[i], "@TMP@", dir));
    g_ptr_array_add(argv, NULL);
    rc = qv_test_qvirtv(&o, &e, (const char *const *)argv->pdata);
    *out = qv_test_replace(o, dir, "@TMP@");
    *err = qv_test_replace(e, dir, "@TMP@");
    return rc;
}

/* attach-disk --print-xml prints the builder's golden files */
static void
test_cli_print_xml(void)
{
    static const struct {
        const char *golden;
        const char *args[24];
    } rows[] = {
        { "file-qcow2", { "attach-disk", "nosuchdomain", "/var/lib/qvirt/images/data.qcow2", "vdb", "--print-xml",
                          "--driver", "qemu", "--subdriver", "qcow2", "--targetbus", "virtio", "--cache", "none",
                          "--mode", "readonly" } },
        { "cdrom-empty", { "attach-disk", "d", "", "hdc", "--type=cdrom", "--targetbus=ide", "--print-xml" } },
        { "lun", { "attach-disk", "d", "/dev/sdb", "sdb", "--print-xml", "--type", "lun", "--rawio", "--targetbus",
                   "scsi", "--address", "scsi:0.0.3", "--shareable", "--sourcetype", "block", "--persistent" } },
        { "network-nbd-unix", { "attach-disk", "d", "export", "vdb", "--source-protocol", "nbd",
                                "--source-host-transport", "unix", "--source-host-socket", "/run/nbd/export.sock",
                                "--print-xml", "--live", "--config" } },
        { "serial-wwn-alias", { "attach-disk", "d", "/images/data.img", "sdb", "--targetbus", "scsi", "--serial",
                                "QV-0001 a.b+c", "--wwn", "0x5000c50015ea71ac", "--alias", "ua-data",
                                "--print-xml", "--current" } },
        { "address-pci", { "attach-disk", "d", "/images/data.img", "vdd", "--address", "pci:0000.00.0a.0",
                           "--multifunction", "--print-xml" } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autofree char *out = NULL, *err = NULL;
        g_autofree char *rel = g_strdup_printf("attach-disk/%s.xml", rows[i].golden);
        int rc = qvirt(&out, &err, rows[i].args);

        if (rc != 0)
            g_error("%s: exit %d: %s", rows[i].golden, rc, err);
        g_assert_cmpstr(err, ==, "");
        qv_test_golden(rel, out);
    }
}

/* Each bad invocation: exit 1, nothing on stdout, one line on stderr */
static void
test_cli_errors(void)
{
    static const struct {
        const char *args[12];
        const char *want;
    } rows[] = {
        { { "attach-disk", "d", "/f.img" }, "attach-disk: missing arguments; usage: qvirt attach-disk DOMAIN SOURCE TARGET" },
        { { "attach-disk", "d", "/f.img", "vdb", "x" }, "attach-disk: too many arguments; usage: qvirt attach-disk DOMAIN SOURCE TARGET" },
        { { "attach-disk", "d", "/f.img", "vdb", "--current", "--live" }, "attach-disk: options --current and --live are mutually exclusive" },
        { { "attach-disk", "d", "/f.img", "vdb", "--config", "--current" }, "attach-disk: options --current and --config are mutually exclusive" },
        { { "attach-disk", "d", "/f.img", "vdb", "--persistent", "--current" }, "attach-disk: options --persistent and --current are mutually exclusive" },
        { { "attach-disk", "d", "/f.img", "vdb", "--shareable", "--mode", "readonly" }, "attach-disk: options --shareable and --mode readonly are mutually exclusive" },
        { { "attach-disk", "d", "/f.img", "vdb", "--cache", "sometimes", "--print-xml" },
          "attach-disk: --cache 'sometimes' is not one of default, none, writethrough, writeback, directsync, unsafe" },
        { { "attach-disk", "d", "/f.img", "vdb", "--cache" }, "attach-disk: Missing argument for --cache" },
        { { "attach-disk", "d", "/f.img", "vdb", "--bogus" }, "attach-disk: Unknown option --bogus" },
        { { "attach-device", "d" }, "attach-device: missing arguments; usage: qvirt attach-device DOMAIN FILE" },
        { { "attach-device", "d", "f.xml", "--force" }, "attach-device: Unknown option --force" },
        { { "detach-device", "d", "f.xml", "--live", "--current" }, "detach-device: options --current and --live are mutually exclusive" },
        { { "update-device", "d", "f.xml", "--persistent", "--current" }, "update-device: options --persistent and --current are mutually exclusive" },
        { { "detach-disk", "d" }, "detach-disk: missing arguments; usage: qvirt detach-disk DOMAIN TARGET" },
        { { "detach-disk", "d", "vdb", "--config", "--current" }, "detach-disk: options --current and --config are mutually exclusive" },
        { { "detach-device-alias", "d", "ua-x", "--current", "--live" }, "detach-device-alias: options --current and --live are mutually exclusive" },
        { { "change-media", "d" }, "change-media: missing arguments; usage: qvirt change-media DOMAIN PATH [SOURCE]" },
        { { "change-media", "d", "hdc", "--eject", "--insert" }, "change-media: options --eject and --insert are mutually exclusive" },
        { { "change-media", "d", "hdc", "/x.iso", "--eject", "--update" }, "change-media: options --eject and --update are mutually exclusive" },
        { { "change-media", "d", "hdc", "/x.iso", "--insert", "--update" }, "change-media: options --insert and --update are mutually exclusive" },
        { { "change-media", "d", "hdc", "--eject", "--block" }, "change-media: options --eject and --block are mutually exclusive" },
        { { "change-media", "d", "hdc", "/x.iso", "--current", "--config" }, "change-media: options --current and --config are mutually exclusive" },
        { { "change-media", "d", "hdc", "/x.iso", "--source", "/y.iso" }, "change-media: the new medium is given twice, as SOURCE and with --source" },
        { { "change-media", "d", "hdc", "/x.iso", "--eject" }, "change-media: --eject takes no SOURCE ('/x.iso')" },
        { { "change-media", "d", "hdc", "--insert" }, "change-media: SOURCE, the new medium, is missing (or give --eject); usage: qvirt change-media DOMAIN PATH [SOURCE]" },
        { { "change-media", "d", "hdc", "--persistent" }, "change-media: Unknown option --persistent" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autofree char *out = NULL, *err = NULL;
        int rc = qvirt(&out, &err, rows[i].args);
        g_autofree char *prefix = g_strdup_printf("qvirt: error: %s", rows[i].want);

        if (rc != 1 || !g_str_has_prefix(err, prefix))
            g_error("%s: exit %d, stderr '%s', wanted '%s'", rows[i].args[0], rc, err, prefix);
        g_assert_cmpstr(out, ==, "");
        g_assert_nonnull(strchr(err, '\n'));
        g_assert_cmpstr(strchr(err, '\n') + 1, ==, "");
    }
}

static const char dev_domain[] =
    "<domain type='kvm'>\n"
    "  <name>devices</name>\n"
    "  <memory unit='MiB'>128</memory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source file='@TMP@/data.raw'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source file='@TMP@/install.iso' startupPolicy='optional'/>\n"
    "      <target dev='sdc' bus='sata' tray='open'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <disk type='file' device='floppy'>\n"
    "      <target dev='fda' bus='fdc'/>\n"
    "    </disk>\n"
    "  </devices>\n"
    "</domain>\n";

/* qvirt --root @TMP@/root ARGS... (NULL-terminated) expecting @want_rc;
 * stdout, and in *@err_out (optional) stderr */
static char * G_GNUC_NULL_TERMINATED
qv_root(int want_rc, char **err_out, ...)
{
    const char *args[24] = { "--root", "@TMP@/root" };
    g_autofree char *err = NULL;
    char *out = NULL;
    size_t n = 2;
    va_list ap;
    int rc;

    va_start(ap, err_out);
    while (n < G_N_ELEMENTS(args) - 1 && (args[n] = va_arg(ap, const char *)))
        n++;
    va_end(ap);
    args[n] = NULL;
    rc = qvirt(&out, &err, args);
    if (rc != want_rc)
        g_error("qvirt %s %s: exit %d, wanted %d; stderr: %s", args[2], args[3] ? args[3] : "", rc,
                want_rc, err);
    if (err_out)
        *err_out = g_steal_pointer(&err);
    return out;
}

static void
define_dev_domain(void)
{
    g_autofree char *xml = qv_test_replace(dev_domain, "@TMP@", dir);
    g_autofree char *path = g_build_filename(dir, "devices.xml", NULL);
    g_autofree char *data = g_build_filename(dir, "data.raw", NULL);
    g_autofree char *iso = g_build_filename(dir, "install.iso", NULL);
    g_autofree char *o = NULL;

    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    g_assert_true(g_file_set_contents(data, "", 0, NULL));
    g_assert_true(g_file_set_contents(iso, "", 0, NULL));
    o = qv_root(0, NULL, "define", path, NULL);
    g_assert_true(g_str_has_prefix(o, "Domain 'devices' defined"));
}

static void
test_cli_detach_disk_print(void)
{
    static const char vda[] =
        "<disk type=\"file\" device=\"disk\">\n"
        "      <driver name=\"qemu\" type=\"raw\"/>\n"
        "      <source file=\"@TMP@/data.raw\"/>\n"
        "      <target dev=\"vda\" bus=\"virtio\"/>\n"
        "    </disk>\n";
    g_autofree char *by_target = qv_root(0, NULL, "detach-disk", "devices", "vda", "--print-xml", NULL);
    g_autofree char *by_path = qv_root(0, NULL, "detach-disk", "devices", "@TMP@/data.raw", "--print-xml",
                                       "--config", NULL);
    g_autofree char *err = NULL;
    g_autofree char *none = qv_root(1, &err, "detach-disk", "devices", "vdz", "--print-xml", NULL);

    g_assert_cmpstr(by_target, ==, vda);
    g_assert_cmpstr(by_path, ==, vda);
    g_assert_cmpstr(none, ==, "");
    g_assert_cmpstr(err, ==, "qvirt: error: domain 'devices': no disk whose target or source path is 'vdz'\n");
}

static void
test_cli_change_media_print(void)
{
    g_autofree char *ejected = qv_root(0, NULL, "change-media", "devices", "sdc", "--eject", "--print-xml", NULL);
    g_autofree char *updated = qv_root(0, NULL, "change-media", "devices", "@TMP@/install.iso", "/dev/sr0",
                                       "--block", "--print-xml", "--live", NULL);
    g_autofree char *inserted = qv_root(0, NULL, "change-media", "devices", "fda", "--insert",
                                        "--source=@TMP@/boot.img", "--print-xml", "--config", NULL);
    g_autofree char *e1 = NULL, *e2 = NULL;
    g_autofree char *full = qv_root(1, &e1, "change-media", "devices", "sdc", "@TMP@/x.iso", "--insert", NULL);
    g_autofree char *notcd = qv_root(1, &e2, "change-media", "devices", "vda", "--eject", NULL);

    g_assert_cmpstr(ejected, ==,
                    "<disk type=\"file\" device=\"cdrom\">\n"
                    "      <driver name=\"qemu\" type=\"raw\"/>\n"
                    "      <target dev=\"sdc\" bus=\"sata\" tray=\"open\"/>\n"
                    "      <readonly/>\n"
                    "    </disk>\n");
    g_assert_cmpstr(updated, ==,
                    "<disk type=\"block\" device=\"cdrom\">\n"
                    "      <driver name=\"qemu\" type=\"raw\"/>\n"
                    "      <source dev=\"/dev/sr0\" startupPolicy=\"optional\"/>\n"
                    "      <target dev=\"sdc\" bus=\"sata\" tray=\"open\"/>\n"
                    "      <readonly/>\n"
                    "    </disk>\n");
    g_assert_cmpstr(inserted, ==,
                    "<disk type=\"file\" device=\"floppy\">\n"
                    "      <source file=\"@TMP@/boot.img\"/>\n"
                    "      <target dev=\"fda\" bus=\"fdc\"/>\n"
                    "    </disk>\n");
    g_assert_cmpstr(e1, ==, "qvirt: error: domain 'devices': the disk 'sdc' already has a medium ('@TMP@/install.iso'); use --update to replace it, or --eject first\n");
    g_assert_cmpstr(e2, ==, "qvirt: error: domain 'devices': no cdrom or floppy whose target or source path is 'vda'\n");
    g_assert_cmpstr(full, ==, "");
    g_assert_cmpstr(notcd, ==, "");
}

static void
test_cli_domblklist_tray(void)
{
    g_autofree char *plain = qv_root(0, NULL, "domblklist", "devices", NULL);
    g_autofree char *details = qv_root(0, NULL, "domblklist", "devices", "--details", NULL);

    /* the plain view is virsh's */
    g_assert_cmpstr(plain, ==,
                    " Target   Source\n"
                    "------------------------------------------------\n"
                    " vda      @TMP@/data.raw\n"
                    " sdc      @TMP@/install.iso\n"
                    " fda      -\n");
    g_assert_cmpstr(details, ==,
                    " Type     Device   Target   Tray     Source\n"
                    "------------------------------------------------\n"
                    " file     disk     vda      -        @TMP@/data.raw\n"
                    " file     cdrom    sdc      open     @TMP@/install.iso\n"
                    " file     floppy   fda      closed   -\n");
}

int
main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    dir = qv_test_enter_tmpdir();
    for (size_t i = 0; i < G_N_ELEMENTS(build_cases); i++) {
        g_autofree char *path = g_strdup_printf("/cli-device/build/%s", build_cases[i].name);

        g_test_add_data_func(path, &build_cases[i], test_build_golden);
    }
    g_test_add_func("/cli-device/build-errors", test_build_errors);
    g_test_add_func("/cli-device/path-is-block", test_path_is_block);
    g_test_add_func("/cli-device/find-disk", test_find_disk);
    g_test_add_func("/cli-device/find-disk-errors", test_find_disk_errors);
    g_test_add_func("/cli-device/media", test_media);
    g_test_add_func("/cli-device/media-errors", test_media_errors);
    g_test_add_func("/cli-device/trays", test_trays);
    g_test_add_func("/cli-device/cli/print-xml", test_cli_print_xml);
    g_test_add_func("/cli-device/cli/errors", test_cli_errors);
    define_dev_domain();
    g_test_add_func("/cli-device/cli/detach-disk-print", test_cli_detach_disk_print);
    g_test_add_func("/cli-device/cli/change-media-print", test_cli_change_media_print);
    g_test_add_func("/cli-device/cli/domblklist-tray", test_cli_domblklist_tray);
    ret = g_test_run();
    qv_test_libvirt_schemas_free();
    xmlCleanupParser();
    qv_test_rmtree(dir);
    g_free(dir);
    return ret;
}
