/*
 * qv-chain-compare: check a chain given in XML against the images.
 */
#pragma once

#include "storage/qv-source.h"

G_BEGIN_DECLS

/*
 * Read the images below @given (a local top with its chain as given) and
 * refuse a mismatch: a different file, format or network address, a
 * given chain that ends too early or goes on too long.  The error starts
 * with @label ("disk 'vda'") and names the first element that differs,
 * counted as libvirt's backingStore depth (1 below the top).
 */
bool qv_chain_compare_with_images(const QvStorageSource *given,
                                  const char *label, GError **error);

G_END_DECLS
