/*
 * test-probe: the native image header probes.
 *
 * Part one builds hostile headers in memory and checks the exact error
 * code, and that the message names the image.  Part two makes real images
 * with qemu-img (which CI installs; a missing qemu-img fails the test
 * rather than skipping it) and compares what the probes read with the
 * values qemu-img reports for them, written here as literals.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "util/qv-error.h"
#include "storage/qv-probe.h"

#define IMG "/images/hostile.img"

static char *tmpdir;

/* ---- helpers ---------------------------------------------------------- */

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static void
put_le16(uint8_t *p, uint16_t v)
{
    p[0] = v; p[1] = v >> 8;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static void
put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Probe @len bytes at @data as @fmt; @info is cleared by the caller */
static bool
probe_mem(const void *data, size_t len, QvFormat fmt, QvProbeInfo *info,
          GError **error)
{
    g_autoptr(QvReader) r = qv_reader_new_mem(data, len, IMG);

    return qv_probe_image(r, fmt, info, error);
}

static QvFormat
guess_mem(const void *data, size_t len)
{
    g_autoptr(QvReader) r = qv_reader_new_mem(data, len, IMG);
    g_autoptr(GError) err = NULL;
    QvFormat f = qv_probe_guess_format(r, &err);

    g_assert_no_error(err);
    return f;
}

/* The probe fails with @code, names the image, says @needle, and leaves
 * the info cleared */
static void
check_fails(const void *data, size_t len, QvFormat fmt, QvErrorCode code,
            const char *needle)
{
    QvProbeInfo info = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_false(probe_mem(data, len, fmt, &info, &err));
    g_assert_error(err, QV_ERROR, (gint)code);
    if (!strstr(err->message, IMG))
        g_error("message does not name the image: %s", err->message);
    if (needle && !strstr(err->message, needle))
        g_error("message lacks '%s': %s", needle, err->message);
    g_assert_cmpint(info.format, ==, QV_FORMAT_NONE);
    g_assert_null(info.backing_name);
    g_assert_null(info.data_file);
    g_assert_false(info.capacity_known);
}

/* ---- minimal valid headers, one per format ----------------------------- */

static uint8_t *
make_qcow2(size_t len, uint32_t version)
{
    uint8_t *b = g_malloc0(len);

    memcpy(b, "QFI\xfb", 4);
    put_be32(b + 4, version);
    put_be32(b + 20, 16);                 /* 64 KiB clusters */
    put_be64(b + 24, 1 << 20);
    if (version >= 3)
        put_be32(b + 100, 104);
    return b;
}

static uint8_t *
make_qcow1(size_t len)
{
    uint8_t *b = g_malloc0(len);

    memcpy(b, "QFI\xfb", 4);
    put_be32(b + 4, 1);
    put_be64(b + 24, 1 << 20);
    b[32] = 12;
    b[33] = 9;
    return b;
}

static uint8_t *
make_qed(size_t len)
{
    uint8_t *b = g_malloc0(len);

    memcpy(b, "QED\0", 4);
    put_le32(b + 4, 65536);
    put_le32(b + 8, 4);
    put_le32(b + 12, 1);
    put_le64(b + 48, 1 << 20);
    return b;
}

static uint8_t *
make_vmdk(size_t len)
{
    uint8_t *b = g_malloc0(len);

    memcpy(b, "KDMV", 4);
    put_le32(b + 4, 1);
    put_le64(b + 12, 2048);
    return b;
}

static uint8_t *
make_vdi(size_t len)
{
    uint8_t *b = g_malloc0(len);

    memcpy(b, "<<< QEMU VM Virtual Disk Image >>>\n", 35);
    put_le32(b + 0x40, 0xbeda107f);
    put_le32(b + 0x44, 0x00010001);
    put_le32(b + 0x168, 512);
    put_le64(b + 0x170, 4 << 20);
    put_le32(b + 0x178, 1 << 20);
    put_le32(b + 0x180, 4);
    return b;
}

static void
vpc_fix_checksum(uint8_t *f)
{
    uint32_t sum = 0;
    size_t i;

    put_be32(f + 64, 0);
    for (i = 0; i < 512; i++)
        sum += f[i];
    put_be32(f + 64, ~sum);
}

/* A fixed vpc image: @len bytes of data then the footer */
static uint8_t *
make_vpc_fixed(size_t len, uint32_t type)
{
    uint8_t *b = g_malloc0(len + 512);
    uint8_t *f = b + len;

    memcpy(f, "conectix", 8);
    put_be32(f + 12, 0x00010000);
    put_be64(f + 16, G_MAXUINT64);
    memcpy(f + 28, "win ", 4);
    put_be64(f + 48, len);
    put_be32(f + 60, type);
    vpc_fix_checksum(f);
    return b;
}

static const uint8_t vhdx_meta_guid[16] = {
    0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
    0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e };
static const uint8_t vhdx_size_guid[16] = {
    0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48,
    0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8 };
static const uint8_t vhdx_params_guid[16] = {
    0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d,
    0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b };

#define VHDX_LEN (448 * 1024)
#define VHDX_META (320 * 1024)

/* vhdx with its metadata region at 320 KiB: size item, then params */
static uint8_t *
make_vhdx(uint64_t region_off, uint32_t params_bits)
{
    uint8_t *b = g_malloc0(VHDX_LEN);
    uint8_t *rt = b + 192 * 1024;
    uint8_t *mt = b + VHDX_META;

    memcpy(b, "vhdxfile", 8);
    memcpy(b + 64 * 1024, "head", 4);
    put_le16(b + 64 * 1024 + 66, 1);
    memcpy(rt, "regi", 4);
    put_le32(rt + 8, 1);
    memcpy(rt + 16, vhdx_meta_guid, 16);
    put_le64(rt + 32, region_off);
    put_le32(rt + 40, 128 * 1024);
    memcpy(mt, "metadata", 8);
    put_le16(mt + 10, 2);
    memcpy(mt + 32, vhdx_size_guid, 16);
    put_le32(mt + 48, 65536);
    put_le32(mt + 52, 8);
    memcpy(mt + 64, vhdx_params_guid, 16);
    put_le32(mt + 80, 65536 + 8);
    put_le32(mt + 84, 8);
    put_le64(mt + 65536, 123 << 20);
    put_le32(mt + 65536 + 8 + 4, params_bits);
    return b;
}

static uint8_t *
make_luks1(size_t len, uint32_t payload_sectors)
{
    uint8_t *b = g_malloc0(len);

    memcpy(b, "LUKS\xba\xbe", 6);
    b[7] = 1;
    put_be32(b + 104, payload_sectors);
    return b;
}

/* ---- part one: hostile headers ------------------------------------------ */

static void
test_truncated(void)
{
    struct {
        QvFormat fmt;
        uint8_t *buf;
        size_t hdr;      /* every shorter prefix must be refused */
    } t[] = {
        { QV_FORMAT_QCOW, make_qcow1(48), 48 },
        { QV_FORMAT_QCOW2, make_qcow2(72, 2), 72 },
        { QV_FORMAT_QCOW2, make_qcow2(104, 3), 104 },
        { QV_FORMAT_QED, make_qed(64), 64 },
        { QV_FORMAT_VMDK, make_vmdk(79), 79 },
        { QV_FORMAT_VDI, make_vdi(512), 512 },
        { QV_FORMAT_VPC, make_vpc_fixed(0, 2), 512 },
        { QV_FORMAT_LUKS, make_luks1(592, 2), 592 },
        { QV_FORMAT_ISO, g_malloc0(0x8006), 0x8006 },
        { QV_FORMAT_VHDX, make_vhdx(VHDX_META, 0), VHDX_META + 65536 + 16 },
    };
    size_t i, len;

    for (i = 0; i < G_N_ELEMENTS(t); i++) {
        size_t step = t[i].hdr > 4096 ? 509 : 1;
        for (len = 0; len < t[i].hdr; len += step)
            check_fails(t[i].buf, len, t[i].fmt, QV_ERR_CORRUPT, NULL);
        g_free(t[i].buf);
    }
}

static void
test_backing_name_huge(void)
{
    g_autofree uint8_t *q2 = make_qcow2(65536, 3);
    g_autofree uint8_t *q1 = make_qcow1(4096);
    g_autofree uint8_t *qed = make_qed(65536);

    put_be64(q2 + 8, 512);
    put_be32(q2 + 16, 0x7fffffff);
    check_fails(q2, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT,
                "backing file name length 2147483647 exceeds 1023");

    put_be64(q1 + 8, 64);
    put_be32(q1 + 16, 0x7fffffff);
    check_fails(q1, 4096, QV_FORMAT_QCOW, QV_ERR_CORRUPT,
                "backing file name length 2147483647 exceeds 1023");

    put_le32(qed + 16, 1);
    put_le32(qed + 56, 64);
    put_le32(qed + 60, 0x7fffffff);
    check_fails(qed, 65536, QV_FORMAT_QED, QV_ERR_CORRUPT,
                "backing file name length 2147483647 exceeds 1023");
}

static void
test_backing_offset_out(void)
{
    g_autofree uint8_t *q2 = make_qcow2(4096, 2);
    g_autofree uint8_t *q1 = make_qcow1(4096);
    g_autofree uint8_t *qed = make_qed(4096);

    /* inside the first cluster, past the end of the file */
    put_be64(q2 + 8, 4000);
    put_be32(q2 + 16, 200);
    check_fails(q2, 4096, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, "beyond the end");
    /* past the first cluster */
    put_be64(q2 + 8, 70000);
    put_be32(q2 + 16, 8);
    check_fails(q2, 4096, QV_FORMAT_QCOW2, QV_ERR_CORRUPT,
                "outside the first cluster");
    /* offset + size would wrap */
    put_be64(q2 + 8, G_MAXUINT64 - 2);
    check_fails(q2, 4096, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, NULL);
    /* running past the first cluster */
    put_be64(q2 + 8, 65530);
    put_be32(q2 + 16, 100);
    check_fails(q2, 4096, QV_FORMAT_QCOW2, QV_ERR_CORRUPT,
                "runs past the first cluster");

    put_be64(q1 + 8, G_MAXUINT64 - 2);
    put_be32(q1 + 16, 10);
    check_fails(q1, 4096, QV_FORMAT_QCOW, QV_ERR_CORRUPT, "beyond the end");

    put_le32(qed + 16, 1);
    put_le32(qed + 56, 0xfffffff0);
    put_le32(qed + 60, 100);
    check_fails(qed, 4096, QV_FORMAT_QED, QV_ERR_CORRUPT, "outside the header");
    put_le32(qed + 56, 4090);
    put_le32(qed + 60, 100);
    check_fails(qed, 4096, QV_FORMAT_QED, QV_ERR_CORRUPT, "beyond the end");
}

static void
test_qcow2_extensions(void)
{
    g_autofree uint8_t *b = make_qcow2(65536, 3);
    QvProbeInfo info = { 0 };
    g_autoptr(GError) err = NULL;

    /* a length that would wrap the offset */
    put_be32(b + 104, 0xe2792aca);
    put_be32(b + 108, 0xfffffff8);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT,
                "runs past the end of the extension area");
    /* an extension that runs into the backing file name */
    put_be64(b + 8, 200);
    put_be32(b + 16, 4);
    put_be32(b + 108, 100);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT,
                "runs past the end of the extension area");
    /* a backing format name too long for QEMU */
    put_be32(b + 108, 16);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT,
                "backing format name length 16 exceeds 15");
    /* an unknown backing format is refused, not dropped */
    put_be32(b + 108, 5);
    memcpy(b + 112, "qcow3", 5);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_UNSUPPORTED, "'qcow3'");
    /* an extension area not ended before the end of the file */
    put_be64(b + 8, 0);
    put_be32(b + 16, 0);
    put_be32(b + 104, 0x12345678);
    put_be32(b + 108, 8);
    check_fails(b, 120, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, "beyond the end");

    /* a good one: unknown extension skipped, padding honoured */
    put_be32(b + 104, 0x12345678);
    put_be32(b + 108, 3);                        /* data padded to 120 */
    put_be32(b + 120, 0xe2792aca);
    put_be32(b + 124, 3);
    memcpy(b + 128, "raw", 3);
    put_be64(b + 8, 4096);
    put_be32(b + 16, 4);
    memcpy(b + 4096, "base", 4);
    put_be64(b + 72, (1ULL << 40) | (1ULL << 0));  /* unknown bit 40, dirty */
    g_assert_true(probe_mem(b, 65536, QV_FORMAT_QCOW2, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(info.backing_name, ==, "base");
    g_assert_cmpint(info.backing_format, ==, QV_FORMAT_RAW);
    g_assert_cmphex(info.incompat_unknown, ==, 1ULL << 40);
    g_assert_cmpuint(info.version, ==, 3);
    g_assert_null(info.data_file);

    /* a data file name counts only with its incompatible feature bit */
    put_be32(b + 136, 0x44415441);
    put_be32(b + 140, 5);
    memcpy(b + 144, "d.raw", 5);
    g_assert_true(probe_mem(b, 65536, QV_FORMAT_QCOW2, &info, &err));
    g_assert_null(info.data_file);
    put_be64(b + 72, 1ULL << 2);
    g_assert_true(probe_mem(b, 65536, QV_FORMAT_QCOW2, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(info.data_file, ==, "d.raw");
    g_assert_cmpstr(info.backing_name, ==, "base");
    g_assert_cmphex(info.incompat_unknown, ==, 0);
    qv_probe_info_clear(&info);
}

static void
test_qcow2_header_fields(void)
{
    static const uint32_t bad_bits[] = { 0, 8, 22, 64, 0xffffffff };
    g_autofree uint8_t *b = make_qcow2(65536, 3);
    QvProbeInfo info = { 0 };
    g_autoptr(GError) err = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad_bits); i++) {
        g_autofree char *want = g_strdup_printf("cluster_bits %u", bad_bits[i]);
        put_be32(b + 20, bad_bits[i]);
        check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, want);
    }
    put_be32(b + 20, 9);
    put_be32(b + 100, 1024);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, "header_length 1024");
    put_be32(b + 100, 100);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, "header_length 100");
    put_be32(b + 100, 104);
    put_be32(b + 32, 3);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, "encryption method 3");
    put_be32(b + 32, 0);
    put_be64(b + 88, 1);     /* the bitmaps bit alone is fine */
    put_be32(b + 100, 104);
    g_assert_true(probe_mem(b, 65536, QV_FORMAT_QCOW2, &info, &err));
    g_assert_false(info.data_file_raw);
    qv_probe_info_clear(&info);
    put_be64(b + 88, 2);     /* data-file-raw without a data file */
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_CORRUPT, "data-file-raw");
    put_be64(b + 88, 0);
    put_be32(b + 4, 4);
    check_fails(b, 65536, QV_FORMAT_QCOW2, QV_ERR_UNSUPPORTED, "version 4");
}

static void
test_vmdk_hostile(void)
{
    g_autofree uint8_t *b = make_vmdk(4096);
    const char *desc = "# Disk DescriptorFile\nversion=1\ncreateType=\"vmfs\"\n"
                       "RW 100 FLAT \"x\" 0\nRW 18446744073709551615 ZERO\n";
    const char *notype = "version=1\nRW 100 FLAT \"x\" 0\n";
    const char *badext = "version=1\ncreateType=\"vmfs\"\nRW lots FLAT \"x\" 0\n";
    const char *badtype = "version=1\ncreateType=\"monolithicSparse\"\nRW 1 FLAT \"x\" 0\n";
    g_autofree char *hint = g_strdup_printf(
        "version=1\ncreateType=\"vmfs\"\nparentFileNameHint=\"%01100d\"\nRW 1 FLAT \"x\" 0\n", 0);
    g_autofree char *big = g_malloc0((1 << 20) + 1);

    put_le64(b + 28, 100);                       /* past EOF */
    put_le64(b + 36, 1);
    check_fails(b, 4096, QV_FORMAT_VMDK, QV_ERR_CORRUPT, "descriptor offset 100");
    put_le64(b + 28, 1ULL << 60);                /* offset * 512 wraps */
    check_fails(b, 4096, QV_FORMAT_VMDK, QV_ERR_CORRUPT, "descriptor offset");
    put_le64(b + 28, 1);
    put_le64(b + 36, G_MAXUINT64 / 2);           /* huge descriptor */
    check_fails(b, 4096, QV_FORMAT_VMDK, QV_ERR_CORRUPT, "descriptor size");
    put_le64(b + 36, 2048 + 1);                  /* just over 1 MiB */
    check_fails(b, 4096, QV_FORMAT_VMDK, QV_ERR_CORRUPT, "exceeds 1048576");
    put_le64(b + 36, 20);                        /* inside, past EOF */
    check_fails(b, 4096, QV_FORMAT_VMDK, QV_ERR_CORRUPT, "beyond the end");
    put_le64(b + 36, 1);
    put_le64(b + 12, G_MAXUINT64);
    check_fails(b, 4096, QV_FORMAT_VMDK, QV_ERR_CORRUPT, "too large");
    put_le64(b + 12, 8);
    put_le32(b + 4, 4);
    check_fails(b, 4096, QV_FORMAT_VMDK, QV_ERR_UNSUPPORTED, "version 4");

    check_fails(desc, strlen(desc), QV_FORMAT_VMDK, QV_ERR_CORRUPT, "overflow");
    check_fails(notype, strlen(notype), QV_FORMAT_VMDK, QV_ERR_CORRUPT,
                "no createType");
    check_fails(badext, strlen(badext), QV_FORMAT_VMDK, QV_ERR_CORRUPT,
                "invalid extent line");
    check_fails(badtype, strlen(badtype), QV_FORMAT_VMDK, QV_ERR_UNSUPPORTED,
                "'monolithicSparse'");
    check_fails(hint, strlen(hint), QV_FORMAT_VMDK, QV_ERR_CORRUPT,
                "parentFileNameHint length 1100 exceeds 1023");
    memcpy(big, "version=1\n", 10);
    check_fails(big, (1 << 20) + 1, QV_FORMAT_VMDK, QV_ERR_CORRUPT,
                "exceeds 1048576");
}

static void
test_qed_hostile(void)
{
    static const uint32_t bad[] = { 0, 512, 3000, 4097, 65535, 1u << 27,
                                    0x80000000u };
    g_autofree uint8_t *b = make_qed(4096);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *want = g_strdup_printf("cluster size %u", bad[i]);
        put_le32(b + 4, bad[i]);
        check_fails(b, 4096, QV_FORMAT_QED, QV_ERR_CORRUPT, want);
    }
    put_le32(b + 4, 4096);
    put_le32(b + 8, 3);
    check_fails(b, 4096, QV_FORMAT_QED, QV_ERR_CORRUPT, "table size 3");
    put_le32(b + 8, 4);
    put_le64(b + 16, 8);
    check_fails(b, 4096, QV_FORMAT_QED, QV_ERR_UNSUPPORTED, "features 0x8");
}

static void
test_vhdx_hostile(void)
{
    g_autofree uint8_t *outside = make_vhdx(1ULL << 40, 0);
    g_autofree uint8_t *wrap = make_vhdx(G_MAXUINT64 - 10, 0);
    g_autofree uint8_t *parent = make_vhdx(VHDX_META, 2);
    g_autofree uint8_t *good = make_vhdx(VHDX_META, 0);
    g_autofree uint8_t *item = make_vhdx(VHDX_META, 0);
    g_autofree uint8_t *count = make_vhdx(VHDX_META, 0);
    QvProbeInfo info = { 0 };
    g_autoptr(GError) err = NULL;

    check_fails(outside, VHDX_LEN, QV_FORMAT_VHDX, QV_ERR_CORRUPT,
                "lies outside the image");
    check_fails(wrap, VHDX_LEN, QV_FORMAT_VHDX, QV_ERR_CORRUPT,
                "lies outside the image");
    check_fails(parent, VHDX_LEN, QV_FORMAT_VHDX, QV_ERR_UNSUPPORTED,
                "differencing");
    put_le32(item + VHDX_META + 48, 0xfffffffc);
    check_fails(item, VHDX_LEN, QV_FORMAT_VHDX, QV_ERR_CORRUPT,
                "outside the metadata region");
    put_le32(count + 192 * 1024 + 8, 100000);
    check_fails(count, VHDX_LEN, QV_FORMAT_VHDX, QV_ERR_CORRUPT, "100000 entries");

    g_assert_cmpint(guess_mem(good, VHDX_LEN), ==, QV_FORMAT_VHDX);
    g_assert_true(probe_mem(good, VHDX_LEN, QV_FORMAT_VHDX, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(info.capacity, ==, 123 << 20);
    g_assert_cmpuint(info.version, ==, 1);
    qv_probe_info_clear(&info);
}

static void
test_misc_hostile(void)
{
    g_autofree uint8_t *diff = make_vpc_fixed(4096, 4);
    g_autofree uint8_t *sum = make_vpc_fixed(4096, 2);
    g_autofree uint8_t *vdi = make_vdi(512);
    g_autofree uint8_t *vdi2 = make_vdi(512);
    g_autofree uint8_t *luks = make_luks1(4096, 100);
    g_autofree uint8_t *luks2 = make_luks1(4096, 1);

    check_fails(diff, 4096 + 512, QV_FORMAT_VPC, QV_ERR_UNSUPPORTED,
                "differencing");
    sum[4096 + 50] ^= 1;
    check_fails(sum, 4096 + 512, QV_FORMAT_VPC, QV_ERR_CORRUPT, "checksum");
    check_fails(luks, 4096, QV_FORMAT_VPC, QV_ERR_CORRUPT, "no 'conectix'");

    vdi[0x1b8] = 1;
    check_fails(vdi, 512, QV_FORMAT_VDI, QV_ERR_UNSUPPORTED, "differencing");
    put_le64(vdi2 + 0x170, 5 << 20);
    check_fails(vdi2, 512, QV_FORMAT_VDI, QV_ERR_CORRUPT, "does not fit");
    put_le32(vdi2 + 0x44, 0x00010000);
    check_fails(vdi2, 512, QV_FORMAT_VDI, QV_ERR_UNSUPPORTED, "version 1.0");

    check_fails(luks, 4096, QV_FORMAT_LUKS, QV_ERR_CORRUPT, "payload offset 51200");
    check_fails(luks2, 4096, QV_FORMAT_LUKS, QV_ERR_CORRUPT, "payload offset 512");
    luks2[7] = 3;
    check_fails(luks2, 4096, QV_FORMAT_LUKS, QV_ERR_CORRUPT, "version 3");
    check_fails(luks2, 4096, QV_FORMAT_ISO, QV_ERR_CORRUPT, "primary volume");
}

static void
test_luks2_json(void)
{
    const char *json = "{\"keyslots\":{\"0\":{\"offset\":\"999\"}},"
                       " \"segments\" : { \"0\" : {\"type\":\"crypt\","
                       "\"size\":\"dynamic\",\"x\":[1,{\"offset\":\"5\"}],"
                       "\"offset\":\"32768\"}}}";
    g_autofree uint8_t *b = g_malloc0(65536);
    QvProbeInfo info = { 0 };
    g_autoptr(GError) err = NULL;

    memcpy(b, "LUKS\xba\xbe", 6);
    b[7] = 2;
    put_be64(b + 8, 16384);
    memcpy(b + 4096, json, strlen(json));
    g_assert_cmpint(guess_mem(b, 65536), ==, QV_FORMAT_LUKS);
    g_assert_true(probe_mem(b, 65536, QV_FORMAT_LUKS, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(info.capacity, ==, 65536 - 32768);
    g_assert_cmpuint(info.version, ==, 2);
    g_assert_cmpstr(info.encryption, ==, "luks");

    put_be64(b + 8, 1ULL << 40);
    check_fails(b, 65536, QV_FORMAT_LUKS, QV_ERR_CORRUPT, "header size");
    put_be64(b + 8, 16384);
    b[4096] = '[';
    check_fails(b, 65536, QV_FORMAT_LUKS, QV_ERR_CORRUPT, "data segment");
    qv_probe_info_clear(&info);
}

static void
test_guess_and_raw(void)
{
    g_autofree uint8_t *q2 = make_qcow2(4096, 3);
    g_autofree uint8_t *q1 = make_qcow1(4096);
    g_autofree uint8_t *qed = make_qed(4096);
    g_autofree uint8_t *vmdk = make_vmdk(4096);
    g_autofree uint8_t *vdi = make_vdi(4096);
    g_autofree uint8_t *fixed = make_vpc_fixed(4096, 2);
    g_autofree uint8_t *luks = make_luks1(4096, 2);
    g_autofree uint8_t *iso = g_malloc0(65536);
    const char *desc = "# Disk DescriptorFile\nversion=1\n";
    const char *notdesc = "# Disk DescriptorFile\n\nversion=1\n";
    QvProbeInfo info = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(guess_mem(q2, 4096), ==, QV_FORMAT_QCOW2);
    g_assert_cmpint(guess_mem(q1, 4096), ==, QV_FORMAT_QCOW);
    g_assert_cmpint(guess_mem(qed, 4096), ==, QV_FORMAT_QED);
    g_assert_cmpint(guess_mem(vmdk, 4096), ==, QV_FORMAT_VMDK);
    g_assert_cmpint(guess_mem(vdi, 4096), ==, QV_FORMAT_VDI);
    g_assert_cmpint(guess_mem(luks, 4096), ==, QV_FORMAT_LUKS);
    g_assert_cmpint(guess_mem(desc, strlen(desc)), ==, QV_FORMAT_VMDK);
    g_assert_cmpint(guess_mem(notdesc, strlen(notdesc)), ==, QV_FORMAT_RAW);
    g_assert_cmpint(guess_mem("", 0), ==, QV_FORMAT_RAW);
    /* a footer at the end, which a guest could write, is not guessed */
    g_assert_cmpint(guess_mem(fixed, 4096 + 512), ==, QV_FORMAT_RAW);
    g_assert_true(probe_mem(fixed, 4096 + 512, QV_FORMAT_VPC, &info, &err));
    g_assert_cmpuint(info.capacity, ==, 4096);
    /* as QEMU, the CHS geometry wins for images made by Virtual PC or QEMU */
    memcpy(fixed + 4096 + 28, "qemu", 4);
    put_be32(fixed + 4096 + 56, 0x00020411);     /* 2 cylinders, 4 heads, 17 */
    vpc_fix_checksum(fixed + 4096);
    g_assert_true(probe_mem(fixed, 4096 + 512, QV_FORMAT_VPC, &info, &err));
    g_assert_cmpuint(info.capacity, ==, 2 * 4 * 17 * 512);
    /* ... unless it is the largest geometry, which may be too small */
    put_be32(fixed + 4096 + 56, 0xffff10ff);
    vpc_fix_checksum(fixed + 4096);
    g_assert_true(probe_mem(fixed, 4096 + 512, QV_FORMAT_VPC, &info, &err));
    g_assert_cmpuint(info.capacity, ==, 4096);
    memcpy(iso + 0x8000, "\x01" "CD001" "\x01", 7);
    g_assert_cmpint(guess_mem(iso, 65536), ==, QV_FORMAT_ISO);
    /* qcow magic with version 0 is raw for QEMU too */
    put_be32(q1 + 4, 0);
    g_assert_cmpint(guess_mem(q1, 4096), ==, QV_FORMAT_RAW);

    /* raw is never looked into, even when it holds a qcow2 header */
    put_be64(q2 + 8, 512);
    put_be32(q2 + 16, 8);
    memcpy(q2 + 512, "/etc/pwd", 8);
    g_assert_true(probe_mem(q2, 4096, QV_FORMAT_RAW, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpint(info.format, ==, QV_FORMAT_RAW);
    g_assert_cmpuint(info.capacity, ==, 4096);
    g_assert_true(info.capacity_known);
    g_assert_null(info.backing_name);
    qv_probe_info_clear(&info);

    check_fails(q2, 4096, QV_FORMAT_NONE, QV_ERR_INVALID_ARG, NULL);
    check_fails(q2, 4096, QV_FORMAT_LAST, QV_ERR_INVALID_ARG, NULL);
}

/* ---- part two: real images made by qemu-img ----------------------------- */

/*
 * Run qemu-img in the test folder.  LUKS creation measures PBKDF speed
 * with the thread's CPU time, and on a loaded machine that can read 0
 * ("Unable to get accurate CPU usage"): only that failure is retried.
 */
static void
run_qemu_img(const char *args)
{
    g_autofree char *cmd = g_strdup_printf("qemu-img %s", args);
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) err = NULL;
    int attempt;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &err));
    g_assert_no_error(err);
    for (attempt = 1; ; attempt++) {
        g_autofree char *out = NULL;
        g_autofree char *errout = NULL;
        int status = 0;

        if (g_spawn_sync(tmpdir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                         &out, &errout, &status, &err) &&
            g_spawn_check_wait_status(status, &err))
            return;
        if (attempt >= 10 || !errout ||
            !strstr(errout, "Unable to get accurate CPU usage"))
            g_error("'%s' failed: %s\n%s", cmd, err ? err->message : "",
                    errout ? errout : "");
        g_clear_error(&err);
    }
}

typedef struct {
    QvFormat guess;
    QvFormat format;
    unsigned int version;
    uint64_t capacity;
    const char *backing;
    QvFormat backing_format;
    const char *data_file;
    bool data_file_raw;
    const char *encryption;
} Expect;

static void
check_file(const char *file, const Expect *e)
{
    g_autofree char *path = g_build_filename(tmpdir, file, NULL);
    g_autoptr(QvReader) r = NULL;
    g_autoptr(GError) err = NULL;
    QvProbeInfo info = { 0 };
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0)
        g_error("cannot open '%s': %s", path, g_strerror(errno));
    r = qv_reader_new_fd(fd, (uint64_t)st.st_size, path);
    g_assert_cmpstr(qv_format_to_string(qv_probe_guess_format(r, &err)), ==,
                    qv_format_to_string(e->guess));
    g_assert_no_error(err);
    if (!qv_probe_image(r, e->format, &info, &err))
        g_error("probing '%s': %s", file, err->message);
    close(fd);
    g_assert_cmpint(info.format, ==, e->format);
    g_assert_cmpuint(info.version, ==, e->version);
    g_assert_true(info.capacity_known);
    g_assert_cmpuint(info.capacity, ==, e->capacity);
    g_assert_cmpstr(info.backing_name, ==, e->backing);
    g_assert_cmpint(info.backing_format, ==, e->backing_format);
    g_assert_cmpstr(info.data_file, ==, e->data_file);
    g_assert_cmpint(info.data_file_raw, ==, e->data_file_raw);
    g_assert_cmpint(info.encrypted, ==, e->encryption != NULL);
    g_assert_cmpstr(info.encryption, ==, e->encryption);
    g_assert_cmphex(info.incompat_unknown, ==, 0);
    qv_probe_info_clear(&info);
}

#define RAW QV_FORMAT_RAW
#define NONE QV_FORMAT_NONE

static void
test_real_qcow(void)
{
    run_qemu_img("create -q -f raw base.raw 1M");
    run_qemu_img("create -q -f qcow2 base.qcow2 4M");
    run_qemu_img("create -q -f qcow plain.qcow 2M");
    run_qemu_img("create -q -f qcow -b base.raw -F raw child.qcow");
    run_qemu_img("create -q -f qcow2 -o compat=0.10 v2.qcow2 3M");
    run_qemu_img("create -q -f qcow2 -o compat=0.10 -b base.raw -F raw v2b.qcow2");
    run_qemu_img("create -q -f qcow2 -o compat=1.1 -b base.qcow2 -F qcow2 v3b.qcow2");
    run_qemu_img("create -q -f qcow2 -o data_file=data.raw df.qcow2 3M");
    run_qemu_img("create -q -f qcow2 -o data_file=data2.raw,data_file_raw=on dfr.qcow2 5M");
    run_qemu_img("create -q -f qcow2 --object secret,id=s0,data=x -o encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10 enc.qcow2 5M");

    check_file("base.raw", &(Expect){ RAW, RAW, 0, 1048576, NULL, NONE, NULL, false, NULL });
    check_file("base.qcow2", &(Expect){ QV_FORMAT_QCOW2, QV_FORMAT_QCOW2, 3, 4194304, NULL, NONE, NULL, false, NULL });
    check_file("plain.qcow", &(Expect){ QV_FORMAT_QCOW, QV_FORMAT_QCOW, 1, 2097152, NULL, NONE, NULL, false, NULL });
    check_file("child.qcow", &(Expect){ QV_FORMAT_QCOW, QV_FORMAT_QCOW, 1, 1048576, "base.raw", NONE, NULL, false, NULL });
    check_file("v2.qcow2", &(Expect){ QV_FORMAT_QCOW2, QV_FORMAT_QCOW2, 2, 3145728, NULL, NONE, NULL, false, NULL });
    check_file("v2b.qcow2", &(Expect){ QV_FORMAT_QCOW2, QV_FORMAT_QCOW2, 2, 1048576, "base.raw", RAW, NULL, false, NULL });
    check_file("v3b.qcow2", &(Expect){ QV_FORMAT_QCOW2, QV_FORMAT_QCOW2, 3, 4194304, "base.qcow2", QV_FORMAT_QCOW2, NULL, false, NULL });
    check_file("df.qcow2", &(Expect){ QV_FORMAT_QCOW2, QV_FORMAT_QCOW2, 3, 3145728, NULL, NONE, "data.raw", false, NULL });
    check_file("dfr.qcow2", &(Expect){ QV_FORMAT_QCOW2, QV_FORMAT_QCOW2, 3, 5242880, NULL, NONE, "data2.raw", true, NULL });
    check_file("enc.qcow2", &(Expect){ QV_FORMAT_QCOW2, QV_FORMAT_QCOW2, 3, 5242880, NULL, NONE, NULL, false, "luks" });
}

static void
test_real_qed(void)
{
    run_qemu_img("create -q -f raw qbase.raw 1M");
    run_qemu_img("create -q -f qcow2 qbase.qcow2 4M");
    run_qemu_img("create -q -f qed plain.qed 6M");
    run_qemu_img("create -q -f qed -b qbase.qcow2 -F qcow2 b.qed");
    run_qemu_img("create -q -f qed -b qbase.raw -F raw braw.qed");

    check_file("plain.qed", &(Expect){ QV_FORMAT_QED, QV_FORMAT_QED, 0, 6291456, NULL, NONE, NULL, false, NULL });
    /* qed records only "raw, do not probe" */
    check_file("b.qed", &(Expect){ QV_FORMAT_QED, QV_FORMAT_QED, 0, 4194304, "qbase.qcow2", NONE, NULL, false, NULL });
    check_file("braw.qed", &(Expect){ QV_FORMAT_QED, QV_FORMAT_QED, 0, 1048576, "qbase.raw", RAW, NULL, false, NULL });
}

static void
test_real_vmdk(void)
{
    const QvFormat V = QV_FORMAT_VMDK;

    run_qemu_img("create -q -f vmdk sparse.vmdk 10M");
    run_qemu_img("create -q -f vmdk -b sparse.vmdk -F vmdk child.vmdk");
    run_qemu_img("create -q -f vmdk -o subformat=monolithicFlat flat.vmdk 10M");
    run_qemu_img("create -q -f vmdk -o subformat=twoGbMaxExtentSparse two.vmdk 5G");
    run_qemu_img("create -q -f vmdk -o subformat=streamOptimized stream.vmdk 3M");

    check_file("sparse.vmdk", &(Expect){ V, V, 1, 10485760, NULL, NONE, NULL, false, NULL });
    check_file("child.vmdk", &(Expect){ V, V, 1, 10485760, "sparse.vmdk", V, NULL, false, NULL });
    check_file("flat.vmdk", &(Expect){ V, V, 1, 10485760, NULL, NONE, NULL, false, NULL });
    check_file("two.vmdk", &(Expect){ V, V, 1, 5368709120ULL, NULL, NONE, NULL, false, NULL });
    check_file("two-s002.vmdk", &(Expect){ V, V, 1, 2147483648ULL, NULL, NONE, NULL, false, NULL });
    check_file("stream.vmdk", &(Expect){ V, V, 3, 3145728, NULL, NONE, NULL, false, NULL });
    /* the flat extent is plain data */
    check_file("flat-flat.vmdk", &(Expect){ RAW, RAW, 0, 10485760, NULL, NONE, NULL, false, NULL });
}

static void
test_real_misc(void)
{
    g_autofree char *iso = g_build_filename(tmpdir, "hand.iso", NULL);
    g_autofree char *data = g_malloc0(65536);
    g_autoptr(GError) err = NULL;

    run_qemu_img("create -q -f vdi d.vdi 10M");
    run_qemu_img("create -q -f vpc dyn.vpc 10M");
    run_qemu_img("create -q -f vpc -o subformat=fixed fixed.vpc 10M");
    run_qemu_img("create -q -f vhdx d.vhdx 10M");
    /* hash-alg=sha512: QEMU 7.2's PBKDF benchmark starts with so few
     * rounds of sha256 that a fast machine finishes them before getrusage
     * sees any CPU time ("Unable to get accurate CPU usage", fixed in
     * QEMU 9.2.1); sha512's rounds take long enough to be seen */
    run_qemu_img("create -q -f luks --object secret,id=s0,data=x -o key-secret=s0,iter-time=10,hash-alg=sha512 d.luks 7M");
    memcpy(data + 0x8000, "\x01" "CD001" "\x01", 7);
    g_assert_true(g_file_set_contents(iso, data, 65536, &err));
    g_assert_no_error(err);

    check_file("d.vdi", &(Expect){ QV_FORMAT_VDI, QV_FORMAT_VDI, 1, 10485760, NULL, NONE, NULL, false, NULL });
    /* qemu-img rounds vpc sizes up to a CHS geometry */
    check_file("dyn.vpc", &(Expect){ QV_FORMAT_VPC, QV_FORMAT_VPC, 1, 10514432, NULL, NONE, NULL, false, NULL });
    /* QEMU, too, guesses a fixed vhd as raw */
    check_file("fixed.vpc", &(Expect){ RAW, QV_FORMAT_VPC, 1, 10514432, NULL, NONE, NULL, false, NULL });
    check_file("d.vhdx", &(Expect){ QV_FORMAT_VHDX, QV_FORMAT_VHDX, 1, 10485760, NULL, NONE, NULL, false, NULL });
    check_file("d.luks", &(Expect){ QV_FORMAT_LUKS, QV_FORMAT_LUKS, 1, 7340032, NULL, NONE, NULL, false, "luks" });
    check_file("hand.iso", &(Expect){ QV_FORMAT_ISO, QV_FORMAT_ISO, 0, 65536, NULL, NONE, NULL, false, NULL });
}

static void
remove_tmpdir(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    const char *ent;

    while (dir && (ent = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(tmpdir, ent, NULL);
        g_unlink(p);
    }
    g_rmdir(tmpdir);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-probe-XXXXXX", &err);
    g_assert_no_error(err);

    g_test_add_func("/probe/hostile/truncated", test_truncated);
    g_test_add_func("/probe/hostile/backing-name-huge", test_backing_name_huge);
    g_test_add_func("/probe/hostile/backing-offset-out", test_backing_offset_out);
    g_test_add_func("/probe/hostile/qcow2-extensions", test_qcow2_extensions);
    g_test_add_func("/probe/hostile/qcow2-header-fields", test_qcow2_header_fields);
    g_test_add_func("/probe/hostile/vmdk", test_vmdk_hostile);
    g_test_add_func("/probe/hostile/qed", test_qed_hostile);
    g_test_add_func("/probe/hostile/vhdx", test_vhdx_hostile);
    g_test_add_func("/probe/hostile/misc", test_misc_hostile);
    g_test_add_func("/probe/luks2-json", test_luks2_json);
    g_test_add_func("/probe/guess-and-raw", test_guess_and_raw);
    g_test_add_func("/probe/real/qcow", test_real_qcow);
    g_test_add_func("/probe/real/qed", test_real_qed);
    g_test_add_func("/probe/real/vmdk", test_real_vmdk);
    g_test_add_func("/probe/real/misc", test_real_misc);

    ret = g_test_run();
    remove_tmpdir();
    g_free(tmpdir);
    return ret;
}
