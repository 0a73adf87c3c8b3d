#!/bin/sh
# /init of the test guest (busybox ash).  Installed by tests/vm/run into the per-run cpio.
#
# Reads /etc/case.conf (the case's settings), loads modules, sets up VFIO / SR-IOV /
# traffic, waits for driver binding to settle, runs iommuctl, gathers the kernel's own
# answers independently, and sends everything as base64(tar.gz) over $DATA_PORT
# (/dev/ttyS1; the arm64 guests' one UART, the console, with the kernel's console
# messages off) between marker lines.  Then powers off.
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
# the arm64 base image holds busybox without its applet links (they cannot be listed
# on the host): install them
[ -e /bin/mount ] || /bin/busybox --install -s /bin
export IOMMUCTL_PCI_IDS=/usr/share/misc/pci.ids
export HOME=/root LC_ALL=C

log() { echo "vm: $*" >/dev/console; }
die() {
	log "FATAL: $*"
	sleep 1
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /root /run /var/tmp

[ -r /etc/case.conf ] || die "no /etc/case.conf"
DATA_PORT=/dev/ttyS1
. /etc/case.conf
log "case ${CASE_NAME} on $(uname -r)"

OUT=/tmp/out
mkdir -p $OUT/kernel $OUT/iommuctl
T0=$(cut -d' ' -f1 /proc/uptime)
echo "boot_to_init=$T0" >$OUT/timing.txt

# ---- settle: count of PCI driver links stable for SETTLE_SECS seconds -------------
settle() {
	stable=0 last=-1 waited=0
	while [ "$stable" -lt "${SETTLE_SECS:-3}" ] && [ "$waited" -lt "${SETTLE_MAX:-60}" ]; do
		n=$(ls -d /sys/bus/pci/devices/*/driver /sys/bus/virtio/devices/*/driver 2>/dev/null | wc -l)
		if [ "$n" = "$last" ]; then stable=$((stable + 1)); else stable=0; last=$n; fi
		sleep 1
		waited=$((waited + 1))
	done
	echo "settle_$1 links=$last waited=${waited}s" >>$OUT/timing.txt
	log "settled ($1): $last driver links after ${waited}s"
}

# ---- modules (order and dependencies computed on the host) -------------------------
if [ -r /etc/modules.order ]; then
	while read -r kind path opts; do
		case "$kind" in
		insmod)
			# shellcheck disable=SC2086
			insmod "$path" $opts 2>>$OUT/insmod-errors.txt ||
				echo "insmod $path failed" >>$OUT/insmod-errors.txt
			;;
		settle) settle early ;;
		esac
	done </etc/modules.order
fi

settle modules

# ---- SR-IOV: SRIOV="0000:02:00.0=2 ..."; SRIOV_AUTOPROBE=0 leaves VFs unbound -------
for spec in $SRIOV; do
	pf=${spec%%=*} nvf=${spec#*=}
	d=/sys/bus/pci/devices/$pf
	[ -e $d/sriov_numvfs ] || { log "SRIOV: $pf has no sriov_numvfs"; continue; }
	echo "${SRIOV_AUTOPROBE:-0}" >$d/sriov_drivers_autoprobe 2>/dev/null
	echo "$nvf" >$d/sriov_numvfs 2>>$OUT/sriov-errors.txt ||
		echo "sriov_numvfs=$nvf on $pf failed" >>$OUT/sriov-errors.txt
	log "SRIOV: $pf sriov_numvfs=$(cat $d/sriov_numvfs)"
done

# ---- VFIO_BIND="BDF ..." : driver_override=vfio-pci, unbind, drivers_probe ---------
for bdf in $VFIO_BIND; do
	d=/sys/bus/pci/devices/$bdf
	[ -e $d ] || { log "VFIO_BIND: no $bdf"; continue; }
	echo vfio-pci >$d/driver_override
	[ -e $d/driver ] && echo "$bdf" >$d/driver/unbind
	echo "$bdf" >/sys/bus/pci/drivers_probe 2>>$OUT/vfio-bind-errors.txt
	log "VFIO_BIND: $bdf -> $(basename "$(readlink $d/driver 2>/dev/null)" 2>/dev/null)"
done
[ -n "$SRIOV$VFIO_BIND" ] && settle binding

# ---- traffic ---------------------------------------------------------------------
if [ "${NET_UP:-0}" = 1 ]; then
	for n in /sys/class/net/*; do
		n=${n##*/}
		[ "$n" = lo ] && continue
		ip link set "$n" up 2>>$OUT/net-errors.txt
	done
	sleep 2
	log "NET_UP: $(ls /sys/class/net | tr '\n' ' ')"
fi
if [ "${READ_DISKS:-0}" = 1 ]; then
	for b in /sys/block/*; do
		b=${b##*/}
		case $b in loop* | ram* | zram*) continue ;; esac
		dd if=/dev/$b of=/dev/null bs=64k 2>/dev/null
		log "READ_DISKS: read /dev/$b"
	done
fi
settle final

# ---- iommuctl --------------------------------------------------------------------
IC=/usr/local/bin/iommuctl
run_ic() { # name args... (ash has no locals: ic_ names are run_ic's own)
	ic_name=$1
	shift
	"$IC" "$@" >$OUT/iommuctl/$ic_name.out 2>$OUT/iommuctl/$ic_name.err
	echo $? >$OUT/iommuctl/$ic_name.rc
}
if [ -x $IC ]; then
	run_ic list-commands --list-commands
	# /etc/iommuctl-commands: "NAME ARGS..." (from tests/vm/lib/vmcheck.py); each runs
	# only when iommuctl lists its command (the first word of ARGS not starting with
	# "-").  The options of every such command are kept in options-COMMAND.out, so that
	# the host can tell a missing option (skip) from a failing one.
	while read -r name args; do
		[ -n "$name" ] || continue
		cmd=""
		for a in $args; do
			case $a in -*) ;; *) cmd=$a; break ;; esac
		done
		# (one command a line: its name, a tab, its summary)
		cut -f1 $OUT/iommuctl/list-commands.out | grep -qx "$cmd" || continue
		[ -e $OUT/iommuctl/options-$cmd.rc ] || run_ic "options-$cmd" --list-options "$cmd"
		# shellcheck disable=SC2086
		run_ic "$name" $args
	done </etc/iommuctl-commands
	if cut -f1 $OUT/iommuctl/list-commands.out | grep -qx snapshot; then
		run_ic snapshot snapshot /tmp/snap
		[ -d /tmp/snap ] && mv /tmp/snap $OUT/snapshot
	fi
else
	echo "no iommuctl in the guest" >$OUT/iommuctl/missing
fi
echo "iommuctl_done=$(cut -d' ' -f1 /proc/uptime)" >>$OUT/timing.txt

# ---- the kernel's own answers, gathered with plain shell -------------------------
K=$OUT/kernel
# iommu groups: a line-based walk (parsed by vmcheck.py) and the _ref table
{
	for g in $(ls /sys/kernel/iommu_groups 2>/dev/null | sort -n); do
		G=/sys/kernel/iommu_groups/$g
		echo "group $g"
		echo "type $(cat $G/type 2>/dev/null || echo '?')"
		[ -r $G/name ] && echo "name $(cat $G/name)"
		for m in $(ls $G/devices | sort); do echo "member $m"; done
		while read -r line; do echo "resv $line"; done <$G/reserved_regions
	done
} >$K/iommu_groups.walk
for g in $(ls /sys/kernel/iommu_groups 2>/dev/null | sort -n); do
	G=/sys/kernel/iommu_groups/$g
	printf '%s\t%s\t%s\n' "$g" "$(cat $G/type 2>/dev/null)" "$(ls $G/devices | sort | tr '\n' ' ' | sed 's/ $//')"
done >$K/iommu_groups.txt
[ -d /sys/kernel/iommu_groups ] || echo "# /sys/kernel/iommu_groups absent" >$K/iommu_groups.walk

# every PCI device: bdf driver group iommu-unit ('-' when absent)
pci_walk() {
	for d in $(ls /sys/bus/pci/devices | sort); do
		p=/sys/bus/pci/devices/$d
		drv=- grp=- unit=-
		# -L: on AMD the IOMMU's own PCI function has a *directory* named iommu
		[ -L $p/driver ] && drv=$(basename "$(readlink $p/driver)")
		[ -L $p/iommu_group ] && grp=$(basename "$(readlink $p/iommu_group)")
		[ -L $p/iommu ] && unit=$(basename "$(readlink $p/iommu)")
		echo "$d $drv $grp $unit"
	done
}
pci_walk >$K/pci-devices.txt

# /sys/class/iommu: "unit NAME KIND" then "dev NAME BDF" lines
for u in $(ls /sys/class/iommu 2>/dev/null | sort); do
	U=/sys/class/iommu/$u
	kind=unknown
	if [ -d $U/intel-iommu ]; then
		kind=intel
	elif [ -d $U/amd-iommu ]; then
		kind=amd
	elif [ -L $U/device ] && [ -e "/sys/bus/virtio/drivers/virtio_iommu/$(basename "$(readlink $U/device)")" ]; then
		# virtio-iommu over virtio-pci is named after its PCI function (0000:00:02.0),
		# its parent is the virtio device (virtioN) bound to virtio_iommu
		kind=virtio
	elif [ -L $U/device/driver ]; then
		# Arm: the SMMU's platform device is bound to arm-smmu-v3 or arm-smmu
		kind=$(basename "$(readlink $U/device/driver)")
	fi
	echo "unit $u $kind"
	for m in $(ls $U/devices 2>/dev/null | sort); do echo "dev $u $m"; done
done >$K/class-iommu.txt

lspci -D -k >$K/lspci-D-k.txt 2>&1
lspci -D -nn >$K/lspci-D-nn.txt 2>&1
lspci -vvv -nn -D >$K/lspci-vvv-nn-D.txt 2>&1
lspci -tv >$K/lspci-tv.txt 2>&1

/usr/local/bin/vfio-status >$K/vfio-status.txt 2>&1
if [ -e /dev/vfio ] || [ -e /dev/iommu ]; then
	for f in $(find /dev/vfio /dev/iommu 2>/dev/null | sort); do
		if [ -d "$f" ]; then stat -c '%n %F' "$f"; else stat -c '%n %F %t:%T' "$f"; fi
	done >$K/dev-vfio.txt
else
	echo "# neither /dev/vfio nor /dev/iommu exist" >$K/dev-vfio.txt
fi

S=/sys/kernel/debug/swiotlb
if [ ! -d $S ]; then
	echo "# $S absent" >$K/swiotlb.txt
elif [ -z "$(ls $S)" ]; then
	echo "# $S empty" >$K/swiotlb.txt
else
	for f in $(ls $S | sort); do
		[ -f $S/$f ] && echo "$f $(cat $S/$f 2>/dev/null)"
	done >$K/swiotlb.txt
fi
if [ -d /sys/kernel/debug/iommu ]; then
	(cd /sys/kernel/debug && find iommu | sort) >$K/debugfs-iommu-listing.txt
else
	echo "# /sys/kernel/debug/iommu absent" >$K/debugfs-iommu-listing.txt
fi

cut -d' ' -f1 /proc/modules | sort >$K/modules.txt
cat /proc/cmdline >$K/cmdline.txt
cat /proc/interrupts >$K/interrupts.txt 2>&1
uname -r >$K/kernel-version.txt
ls /sys/class/net | sort >$K/net.txt
for f in /sys/kernel/iommu_groups /sys/class/iommu; do [ -d $f ] && echo "$f"; done >$K/dirs-present.txt
cat $OUT/insmod-errors.txt >/dev/console 2>/dev/null
echo "collected=$(cut -d' ' -f1 /proc/uptime)" >>$OUT/timing.txt
dmesg >$K/dmesg.txt

# ---- VFIO_APPLY_STEPS="BDF ...": carry out check-vfio's own steps, then ask again ------
# Only now, after everything above: the snapshot (and so fixtures/) and every other file
# in kernel/ show the state before the steps.  Files: iommuctl/steps-before.* (-j
# check-vfio BDF...), iommuctl/steps-script.* (check-vfio --script BDF...: .out is the
# script), steps-run.out/.rc (sh -x of that script), kernel/vfio-status-after.txt,
# kernel/pci-devices-after.txt, kernel/dmesg-steps.txt (dmesg lines added since
# dmesg.txt), iommuctl/steps-after.* (-j check-vfio BDF... again).
if [ -n "$VFIO_APPLY_STEPS" ] && [ -x $IC ] && cut -f1 $OUT/iommuctl/list-commands.out | grep -qx check-vfio; then
	# shellcheck disable=SC2086
	run_ic steps-before -j check-vfio $VFIO_APPLY_STEPS
	# shellcheck disable=SC2086
	run_ic steps-script check-vfio --script $VFIO_APPLY_STEPS
	sh -x $OUT/iommuctl/steps-script.out >$OUT/steps-run.out 2>&1
	echo $? >$OUT/steps-run.rc
	/usr/local/bin/vfio-status >$K/vfio-status-after.txt 2>&1
	pci_walk >$K/pci-devices-after.txt
	# shellcheck disable=SC2086
	run_ic steps-after -j check-vfio $VFIO_APPLY_STEPS
	dmesg | tail -n +$(($(wc -l <$K/dmesg.txt) + 1)) >$K/dmesg-steps.txt
	log "VFIO_APPLY_STEPS: script exit $(cat $OUT/steps-run.rc), check-vfio exit" \
		"$(cat $OUT/iommuctl/steps-before.rc) before, $(cat $OUT/iommuctl/steps-after.rc) after"
fi

# ---- ship -------------------------------------------------------------------------
tar -C /tmp -czf /tmp/out.tgz out
sum=$(md5sum /tmp/out.tgz | cut -d' ' -f1)
dmesg -n 1 2>/dev/null
stty -F $DATA_PORT raw -echo 2>/dev/null
{
	echo "===IOMMUCTL-VM-BEGIN==="
	base64 /tmp/out.tgz
	echo "===IOMMUCTL-VM-END=== $sum"
} >$DATA_PORT
log "sent $(wc -c </tmp/out.tgz) bytes"
sync
sleep 1
poweroff -f
