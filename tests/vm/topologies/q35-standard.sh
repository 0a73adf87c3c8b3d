# shellcheck shell=bash disable=SC2054 # commas are QEMU option separators
# q35-standard: the standard topology of the shared real-kernel snapshots.
#
# Sourced by tests/vm/run (bash) with DISKS set to the cache's disk-image folder;
# appends QEMU arguments to the array TOPO_ARGS.  Knobs (from the case file):
#   TOPO_ACS=on|off        off adds disable-acs=on to every pcie-root-port
#   TOPO_NVME_SRIOV_VFS=N  N>0 turns 02:00.0 into an SR-IOV capable NVMe PF
#                          (nvme-subsys + sriov_max_vfs=N); VFs appear at 02:00.1.. once
#                          the guest writes sriov_numvfs (case setting SRIOV)
#
#   00:00.0 host bridge   00:01.0 VGA   00:1f.0/.2/.3 ICH9 LPC/SATA/SMBus
#   00:02.0 the IOMMU's own PCI function (AMD / virtio-iommu cases only)
#   00:03.0 rp -> 01:00.0 e1000e            00:04.0 rp -> 02:00.0 nvme
#   00:05.0 rp -> 03:00.0 virtio-net        00:06.0 rp -> 04:00.0 switch upstream
#           05:00.0 dsp -> 06:00.0 virtio-blk   05:01.0 dsp -> 07:00.0 e1000e
#   00:07.0 rp -> 08:00.0 e1000e + 08:00.1 virtio-net (one multifunction device)
#   00:08.0 rp -> 09:00.0 pcie-pci-bridge -> 0a:01.0 e1000, 0a:02.0 rtl8139
#   00:09.0 virtio-rng on the root bus
# MAC addresses are fixed (52:54:00:00:BUS:FN) so lspci/dmesg are reproducible.

_rp_acs=""
[ "${TOPO_ACS:-on}" = off ] && _rp_acs=",disable-acs=on"
_rp() { # id addr chassis
	TOPO_ARGS+=(-device "pcie-root-port,id=$1,bus=pcie.0,addr=$2,chassis=$3,port=$3$_rp_acs")
}

_rp rp1 0x3 1
TOPO_ARGS+=(-device e1000e,bus=rp1,addr=0x0,mac=52:54:00:00:01:00)

_rp rp2 0x4 2
TOPO_ARGS+=(-drive "file=$DISKS/nvme1.img,if=none,id=nvd1,format=raw,readonly=on")
if [ "${TOPO_NVME_SRIOV_VFS:-0}" -gt 0 ]; then
	_vfs=$TOPO_NVME_SRIOV_VFS
	# QEMU 7.2 rules: vq_flexible >= 2*vfs, max_ioqpairs >= vq_flexible+2,
	# vi_flexible >= vfs, msix_qsize >= vi_flexible+1.
	TOPO_ARGS+=(-device nvme-subsys,id=nvsub1,nqn=iommuctl-nvsub1
		-device "nvme,id=nvme1,bus=rp2,addr=0x0,serial=iommuctl-nvme1,subsys=nvsub1,sriov_max_vfs=$_vfs,sriov_vq_flexible=$((2 * _vfs)),sriov_vi_flexible=$_vfs,max_ioqpairs=$((2 * _vfs + 2)),msix_qsize=$((_vfs + 1))"
		-device nvme-ns,bus=nvme1,drive=nvd1,nsid=1,shared=false)
else
	TOPO_ARGS+=(-device nvme,bus=rp2,addr=0x0,drive=nvd1,serial=iommuctl-nvme1)
fi

_rp rp3 0x5 3
TOPO_ARGS+=(-device virtio-net-pci,bus=rp3,addr=0x0,mac=52:54:00:00:03:00)

_rp rp4 0x6 4
TOPO_ARGS+=(-device x3130-upstream,id=up1,bus=rp4,addr=0x0
	-device xio3130-downstream,id=dn1,bus=up1,addr=0x0,chassis=10,slot=0,port=0
	-device xio3130-downstream,id=dn2,bus=up1,addr=0x1,chassis=11,slot=0,port=1
	-drive "file=$DISKS/vblk1.img,if=none,id=vbd1,format=raw,readonly=on"
	-device virtio-blk-pci,bus=dn1,addr=0x0,drive=vbd1
	-device e1000e,bus=dn2,addr=0x0,mac=52:54:00:00:07:00)

_rp rp5 0x7 5
TOPO_ARGS+=(-device e1000e,bus=rp5,addr=0x0.0,multifunction=on,mac=52:54:00:00:08:00
	-device virtio-net-pci,bus=rp5,addr=0x0.1,mac=52:54:00:00:08:01)

_rp rp6 0x8 6
TOPO_ARGS+=(-device pcie-pci-bridge,id=pb1,bus=rp6,addr=0x0
	-device e1000,bus=pb1,addr=0x1,mac=52:54:00:00:0a:01
	-device rtl8139,bus=pb1,addr=0x2,mac=52:54:00:00:0a:02)

TOPO_ARGS+=(-device virtio-rng-pci,bus=pcie.0,addr=0x9)
unset -f _rp
