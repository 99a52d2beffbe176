/*
 * test-header: the public headers compile alone in ISO C (built with
 * -std=c99 -pedantic and -std=c11), against nothing but include/ and
 * GLib, as libnbd's compile-iso-c99.c checks libnbd.h.  Each header is
 * included first once, so that each brings what it needs itself.
 */
#include <qvirt/qvirt-error.h>
#include <qvirt/qvirt-version.h>
#include <qvirt/qvirt.h>

#if !QVIRT_CHECK_VERSION(0, 2, 0)
#error "qvirt.h is older than the API it declares"
#endif
#if QVIRT_CHECK_VERSION(QVIRT_VERSION_MAJOR, QVIRT_VERSION_MINOR, QVIRT_VERSION_MICRO + 1)
#error "QVIRT_CHECK_VERSION accepts a newer version"
#endif

int
main(void)
{
    /* the calls are declared with the types a caller uses */
    int (*create)(QvirtDomain *, unsigned int, GError **) = qvirt_domain_create_with_flags;
    QvirtDomainInfo info = { 0 };
    int code = QVIRT_ERR_TIMEOUT;

    (void)create;
    (void)info;
    return code == 11 && QVIRT_DOMAIN_SHUTOFF == 5 ? 0 : 1;
}
