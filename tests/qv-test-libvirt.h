/*
 * qv-test-libvirt: checks against libvirt's own RelaxNG schemas (Debian's
 * libvirt0 installs them under /usr/share/libvirt/schemas, or
 * $QV_TEST_LIBVIRT_SCHEMAS), for the tests of what qvirt writes.
 */
#pragma once

/* @xml is well-formed and valid against libvirt's schema @file
 * ("domain.rng", "domainsnapshot.rng"), or the test fails naming @what,
 * the first error and the document.  Each schema is parsed once. */
void qv_test_assert_libvirt_valid(const char *file, const char *xml, const char *what);

/* Free the parsed schemas (at the end, for valgrind) */
void qv_test_libvirt_schemas_free(void);
