#!/usr/bin/env python3
"""Check the direction of includes between the folders of src/.

The layers, lowest first:
    util <- storage <- conf <- locking, security, qemu <- supervisor <- lib <- tools
A file may include headers of its own layer and of the layers below it,
never of a layer above, nor of a peer (locking, security and qemu do not
know each other).  Includes of the project's headers name their folder
("conf/qv-domain.h"); a bare "qv-x.h" is refused so the rule cannot be
dodged by the include path.  The public header include/qvirt/qvirt.h
includes no project header at all.

tools/ builds against src/lib only: it may include the public headers
(qvirt/...), its own, and headers of src/lib, and a src/lib header that
tools include must itself include nothing but public headers, so that no
header of a lower layer reaches the CLI through it.

Run by `meson test` with the source root as argument; prints one line
per violation and exits 1 when there is any.
"""
import os
import re
import sys

# layer -> the layers it may include (itself included)
BELOW = {
    'util': {'util'},
    'storage': {'util', 'storage'},
    'conf': {'util', 'storage', 'conf'},
    'locking': {'util', 'storage', 'conf', 'locking'},
    'security': {'util', 'storage', 'conf', 'security'},
    'qemu': {'util', 'storage', 'conf', 'qemu'},
    'supervisor': {'util', 'storage', 'conf', 'locking', 'security', 'qemu', 'supervisor'},
    'lib': {'util', 'storage', 'conf', 'locking', 'security', 'qemu', 'supervisor', 'lib'},
}
BELOW['tools'] = {'lib', 'tools'}
# tests and fuzzers may include any layer
BELOW['tests'] = BELOW['lib'] | {'tools'}
BELOW['fuzz'] = BELOW['lib'] | {'tools'}

# headers that live beside their users, outside src/
LOCAL = {'qvirt-cli.h', 'qv-test-util.h', 'qv-test-guest.h', 'qv-test-sanlock.h', 'qv-test-libvirt.h',
         'qvirt-config.h'}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    parts = path.split(os.sep)
    if parts[0] == 'src' and len(parts) > 2:
        return parts[1]
    return parts[0]


def check_file(root, rel, errors):
    layer = layer_of(rel)
    allowed = BELOW.get(layer)
    with open(os.path.join(root, rel), encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            inc = m.group(1)
            where = '%s:%d' % (rel, lineno)
            if rel.startswith('include' + os.sep):
                errors.append('%s: the public header includes the project header "%s"' % (where, inc))
                continue
            if inc in LOCAL or inc.startswith('qvirt/'):
                continue
            if '/' not in inc:
                errors.append('%s: "%s" does not name its folder (write "FOLDER/%s")' % (where, inc, inc))
                continue
            target = inc.split('/')[0]
            if target not in BELOW['lib']:
                errors.append('%s: "%s" is not in a folder of src/' % (where, inc))
            elif allowed is None:
                errors.append('%s: file outside the known layers includes "%s"' % (where, inc))
            elif target not in allowed:
                if layer == 'tools':
                    errors.append('%s: tools include "%s"; the CLI uses only the public API and src/lib'
                                  % (where, inc))
                else:
                    errors.append('%s: %s includes "%s", a header of the higher layer %s'
                                  % (where, layer, inc, target))
            elif layer == 'tools' and target == 'lib':
                check_cli_header(root, where, inc, errors)


def check_cli_header(root, where, inc, errors):
    """A src/lib header the CLI includes shows it public headers only."""
    path = os.path.join(root, 'src', inc)
    if not os.path.exists(path):
        return
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line) or re.match(r'^\s*#\s*include\s+<(qvirt/[^>]+)>', line)
            if m and not m.group(1).startswith('qvirt/'):
                errors.append('%s: "%s" is included by tools but includes "%s" (src/%s:%d)'
                              % (where, inc, m.group(1), inc, lineno))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    errors = []
    nfiles = 0
    for top in ('include', 'src', 'tools', 'tests', 'fuzz'):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith(('.c', '.h')):
                    rel = os.path.relpath(os.path.join(dirpath, name), root)
                    check_file(root, rel, errors)
                    nfiles += 1
    for e in errors:
        print(e)
    if nfiles == 0:
        print('no sources found under %s' % root)
        return 1
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
