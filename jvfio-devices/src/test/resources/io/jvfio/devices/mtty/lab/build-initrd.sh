#!/bin/bash
# usage: build-initrd.sh <out.cpio.gz>   (stock Debian vfio modules + lab-built mtty.ko)
set -euo pipefail
H=/tmp/mtty-lab; L=$H; out=$1
KM=$(ls -d $L/root/lib/modules/*/kernel | head -n 1)
T=$(mktemp -d); mkdir -p $T/{bin,sbin,proc,sys,dev,tmp,lib/modules,streams}
cp /bin/busybox $T/bin/busybox
for a in $($T/bin/busybox --list); do [ -e $T/bin/$a ] || ln -s busybox $T/bin/$a; done
cp $H/init $T/init; chmod +x $T/init; cp $H/mttyprobe $T/bin/mttyprobe
cp $H/streams/* $T/streams/ 2>/dev/null || true
unxz -c $KM/virt/lib/irqbypass.ko.xz > $T/lib/modules/irqbypass.ko
for m in vfio/vfio vfio/vfio_iommu_type1 vfio/pci/vfio-pci-core vfio/pci/vfio-pci vfio/mdev/mdev; do
  unxz -c $KM/drivers/$m.ko.xz > $T/lib/modules/${m##*/}.ko; done
cp $L/mods/mtty/mtty.ko $T/lib/modules/
echo "irqbypass vfio vfio_iommu_type1 vfio-pci-core vfio-pci mdev mtty" > $T/lib/modules/order
for k in $T/lib/modules/*.ko; do modinfo -F sig_id $k | grep -q . || strip --strip-debug $k; done
(cd $T && find . | cpio -o -H newc --quiet | gzip -1) > $out
rm -rf $T; ls -la $out
