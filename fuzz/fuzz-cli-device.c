/*
 * fuzz-cli-device: libFuzzer target for the disk XML of the device
 * commands (src/lib/qv-cli-device.h).
 *
 * Both halves take what a user types or what a domain's XML holds, so
 * every input must give a result or an error, never a crash, a leak or
 * undefined behaviour.  An input starting with "<" is a domain XML
 * document: its trays are read, and the disks vda, hdc and sdc are looked
 * up and, when removable, ejected, updated and filled, each result
 * well-formed.  Any other input is attach-disk's options, one a line
 * (SOURCE, TARGET, --address, --source-host-name, --wwn, --iothread,
 * --serial, --alias, --source-protocol, --source-host-transport,
 * --source-host-socket, --type): the element built must be well-formed.
 * Seeds: fuzz/corpus/cli-device/.
 */
#include <stdint.h>
#include <string.h>

#include "conf/qv-xml-util.h"
#include "lib/qv-cli-device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @xml (NULL or not) and @err: exactly one set; @xml well-formed */
static void
check(char *xml, GError *err)
{
    g_autoptr(GError) perr = NULL;
    g_autoptr(QvXmlDoc) doc = NULL;

    if (!xml == !err)
        __builtin_trap();
    if (!xml)
        return;
    if (!(doc = qv_xml_read(xml, strlen(xml), "fuzz-out", &perr)))
        __builtin_trap();
}

static void
fuzz_media(const char *disk, const char *path)
{
    static const QvCliMediaAction actions[] = { QV_CLI_MEDIA_EJECT, QV_CLI_MEDIA_UPDATE, QV_CLI_MEDIA_INSERT };

    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *xml = qv_cli_media_xml(disk, path, actions[i], "/images/new.iso", i == 1, &err);

        check(xml, err);
    }
}

static void
fuzz_domain(const char *doc)
{
    static const char *const paths[] = { "vda", "hdc", "sdc" };
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) trays = qv_cli_disk_trays(doc, &err);

    if (!trays == !err)
        __builtin_trap();
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        for (int removable = 0; removable < 2; removable++) {
            g_autoptr(GError) ferr = NULL;
            g_autofree char *disk = qv_cli_find_disk(doc, paths[i], removable, &ferr);

            check(disk, ferr);
            if (disk && removable)
                fuzz_media(disk, paths[i]);
        }
    }
}

static void
fuzz_options(const char *text)
{
    g_auto(GStrv) f = g_strsplit(text, "\n", 13);
    const char *v[12] = { NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(v) && f[i]; i++)
        v[i] = f[i];
    {
        const QvCliAttachDisk o = {
            .source = v[0], .target = v[1], .address = v[2], .source_host_name = v[3], .wwn = v[4],
            .iothread = v[5], .serial = v[6], .alias = v[7], .source_protocol = v[8],
            .source_host_transport = v[9], .source_host_socket = v[10], .type = v[11],
            .multifunction = v[2] && strlen(v[2]) % 2, .rawio = v[11] && strcmp(v[11], "lun") == 0,
        };

        xml = qv_cli_attach_disk_xml(&o, &err);
    }
    check(xml, err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_malloc(size + 1);

    memcpy(text, data, size);
    text[size] = '\0';
    if (text[0] == '<')
        fuzz_domain(text);
    else
        fuzz_options(text);
    return 0;
}
