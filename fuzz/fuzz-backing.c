/*
 * fuzz-backing: libFuzzer target for qv_backing_parse().
 *
 * Backing strings come from image headers anyone can write, so every
 * byte sequence must give a source or an error, never a crash, a leak or
 * undefined behaviour.  Seeds: fuzz/corpus/backing/, one string a file.
 */
#include "storage/qv-backing.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *name = g_malloc(size + 1);
    g_autoptr(GError) err = NULL;
    g_autoptr(QvStorageSource) src = NULL;

    memcpy(name, data, size);
    name[size] = '\0';
    src = qv_backing_parse(name, "/fuzz/top.qcow2", &err);
    /* Exactly one of the two is set */
    if (!src == !err)
        __builtin_trap();
    return 0;
}
