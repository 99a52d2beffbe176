#!/bin/bash
# Install what is missing, build, and show what qvirt does so far: a
# backing chain made with qemu-img, read natively by `qvirt chain` in
# every view, and the errors that protect the host.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -f build/build.ninja ] || { rm -rf build; meson setup build >/dev/null; }
meson compile -C build >/dev/null

QVIRT=$PWD/build/qvirt
DEMO=$(mktemp -d /tmp/qvirt-demo-XXXXXX)
trap 'rm -rf "$DEMO"' EXIT
cd "$DEMO"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@" || true; }

say "qemu-img: base.raw <- mid.qcow2 <- top.qcow2 (relative backing names)"
qemu-img create -q -f raw base.raw 64M
qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2
qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2

run "$QVIRT" chain --format qcow2 top.qcow2
run "$QVIRT" chain --format qcow2 --flat top.qcow2
run "$QVIRT" chain --format qcow2 --xml top.qcow2
run "$QVIRT" chain --format qcow2 --xml --flat top.qcow2
say "$QVIRT chain --format qcow2 --json top.qcow2 | jq -c '.elements[] | {index, parent, path, format, \"backing-name\"}'"
"$QVIRT" chain --format qcow2 --json top.qcow2 | jq -c '.elements[] | {index, parent, path, format, "backing-name"}'

say "a backing file on the network ends the walk: it is reported, not probed"
qemu-img create -q -f qcow2 -u -b nbd://nbd.example.org:10809/golden -F raw net.qcow2 64M
run "$QVIRT" chain --format qcow2 --xml net.qcow2

say "a 'raw' guest disk whose guest wrote a qcow2 header naming /etc/shadow"
qemu-img create -q -f qcow2 -u -b /etc/shadow -F raw guest.img 64M
run "$QVIRT" chain guest.img
run "$QVIRT" chain --format raw guest.img

say "a missing backing file is named, with the image that needs it"
qemu-img create -q -f qcow2 -u -b snap1.qcow2 -F qcow2 snap2.qcow2 64M
run "$QVIRT" chain --format qcow2 snap2.qcow2

say "a chain of 1,000 layers"
qemu-img create -q -f qcow2 -o cluster_size=512 l0.qcow2 64M
for i in $(seq 1 999); do
    qemu-img create -q -f qcow2 -o cluster_size=512 -u -b l$((i-1)).qcow2 -F qcow2 l$i.qcow2 64M
done
say "time $QVIRT chain --format qcow2 --json l999.qcow2 | jq '.elements | length'"
time ("$QVIRT" chain --format qcow2 --json l999.qcow2 | jq '.elements | length')
