/*
 * qv-api-device: the device calls of the public API (attach, detach,
 * detach by alias, update).  A placeholder until the real calls land:
 * each fails with QVIRT_ERR_UNSUPPORTED.
 */
#include "qvirt/qvirt.h"

int
qvirt_domain_attach_device_flags(QvirtDomain *dom, const char *xml,
                                 unsigned int flags, GError **error)
{
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_UNSUPPORTED,
                "attaching a device to domain '%s' is not implemented yet",
                qvirt_domain_get_name(dom));
    return -1;
}

int
qvirt_domain_detach_device_flags(QvirtDomain *dom, const char *xml,
                                 unsigned int flags, GError **error)
{
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_UNSUPPORTED,
                "detaching a device from domain '%s' is not implemented yet",
                qvirt_domain_get_name(dom));
    return -1;
}

int
qvirt_domain_detach_device_alias(QvirtDomain *dom, const char *alias,
                                 unsigned int flags, GError **error)
{
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_UNSUPPORTED,
                "detaching device '%s' from domain '%s' is not implemented yet",
                alias, qvirt_domain_get_name(dom));
    return -1;
}

int
qvirt_domain_update_device_flags(QvirtDomain *dom, const char *xml,
                                 unsigned int flags, GError **error)
{
    g_set_error(error, QVIRT_ERROR, QVIRT_ERR_UNSUPPORTED,
                "updating a device of domain '%s' is not implemented yet",
                qvirt_domain_get_name(dom));
    return -1;
}
