# fish completion for iommuctl(8).  Installed as
# .../fish/vendor_completions.d/iommuctl.fish.  Column names for -o/--output
# are asked of iommuctl itself (`iommuctl CMD --list-columns --raw
# --noheadings`), and so are the group numbers and PCI addresses explain takes
# (`iommuctl groups -r -n -o GROUP`, `iommuctl devices -r -n -o BDF,NAME`, on
# the --root given), the PCI addresses check-vfio, dma-path and map-check
# take and the groups of map-check --group; the rest is listed here and
# checked against the binary by tests/check-docs.  swiotlb takes its options
# before its subcommand (stats or devices), and nothing after it; dma-path
# and map-check take their options before or after the BDF.  The STRING of
# --cmdline (cmdline, dma-path), the IOVA:SIZE of --range and the SIZE of
# --guest-ram are free text: nothing is offered for them.  simulate takes a
# TRACE file (or - for standard input).  diff takes OLD and NEW (snapshot
# directories) and --only a comma-separated list of areas.

# Prints the command of the command line being completed (groups, devices,
# topology, tree, explain, check-vfio, status, swiotlb, cmdline, dma-path,
# map-check, simulate, diff, snapshot), or fails if there is none yet.
function __iommuctl_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --pci-ids -o --output
                set skip 1
            case '-*'
            case '*'
                echo $t
                return 0
        end
    end
    return 1
end

function __iommuctl_no_command
    not __iommuctl_command >/dev/null
end

# True if the command is one of $argv.
function __iommuctl_using
    set -l cmd (__iommuctl_command)
    or return 1
    contains -- $cmd $argv
end

# Prints how many words of the command line are neither options nor the
# values of --root, --pci-ids or diff's --only (the command itself counts).
function __iommuctl_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l seen 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --pci-ids --only --from-lspci
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    echo $seen
end

# True for snapshot before its DIR is given.
function __iommuctl_snapshot_needs_dir
    test (__iommuctl_words) = 1; and test (__iommuctl_command) = snapshot
end

# True for diff before its OLD and NEW are given (its --only may come
# before or after them).
function __iommuctl_diff_needs_state
    test "$(__iommuctl_command)" = diff; and test (__iommuctl_words) -lt 3
end

# True for swiotlb before its subcommand (stats or devices) is given: its
# options go there, and nothing after the subcommand.
function __iommuctl_swiotlb_no_subcommand
    test "$(__iommuctl_command)" = swiotlb; or return 1
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l seen 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --pci-ids --watch --count --format
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    # the first word is the command itself
    test $seen = 1
end

# The --root given on the command line being completed, as the two words
# "--root DIR" (nothing without one).
function __iommuctl_root_option
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l next_root 0
    set -l root
    for t in $tokens
        if test $next_root = 1
            set root --root $t
            set next_root 0
            continue
        end
        switch $t
            case --root
                set next_root 1
            case '--root=*'
                set root --root (string replace -- '--root=' '' $t)
        end
    end
    printf '%s\n' $root
end

# The PCI functions as "BDF<TAB>name", from the iommuctl being completed, on
# the --root given.
function __iommuctl_devices
    set -l bin (commandline -opc)[1]
    set -l root (__iommuctl_root_option)
    for line in ($bin $root devices -r -n -o BDF,NAME 2>/dev/null)
        set -l f (string split -m 1 ' ' -- $line)
        test -n "$f[1]"; or continue
        printf '%s\t%s\n' $f[1] (string replace -a '\x20' ' ' -- $f[2])
    end
end

# True for check-vfio before --all is given (its addresses and --all
# exclude each other).
function __iommuctl_check_vfio_without_all
    __iommuctl_using check-vfio; or return 1
    not contains -- --all (commandline -opc)
end

# True for check-vfio before --all or an address is given.
function __iommuctl_check_vfio_can_all
    __iommuctl_check_vfio_without_all; or return 1
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l seen 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --pci-ids --from-lspci
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    # the first word is the command itself
    test $seen = 1
end

# True for command $argv[1] (dma-path, map-check) before its BDF is given
# (its options may come before or after it); map-check --group takes the
# place of the BDF.
function __iommuctl_needs_bdf
    __iommuctl_using $argv[1]; or return 1
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l seen 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --pci-ids --addr --size --direction --cmdline --range --guest-ram --machine
                set skip 1
            case --group
                return 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    # the first word is the command itself
    test $seen = 1
end

# True for simulate before its TRACE is given.
function __iommuctl_simulate_needs_trace
    __iommuctl_using simulate; or return 1
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l seen 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --root --pci-ids --format --aw --iotlb-entries
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    # the first word is the command itself
    test $seen = 1
end

# explain's arguments: "NUMBER<TAB>IOMMU group" and "BDF<TAB>name", from the
# iommuctl being completed, on the --root given.  Without IOMMU groups, or
# after --predict, the predicted groups (explain explains those then).
function __iommuctl_explain_targets
    set -l bin (commandline -opc)[1]
    set -l root (__iommuctl_root_option)
    set -l predict 0
    contains -- --predict (commandline -opc); and set predict 1
    set -l rows
    if test $predict = 0
        set rows ($bin $root groups -r -n -o GROUP,NDEV 2>/dev/null)
    end
    if test (count $rows) = 0
        set rows ($bin $root groups --predict -r -n -o GROUP,NDEV 2>/dev/null)
    end
    __iommuctl_describe_groups $rows
    __iommuctl_devices
end

# Prints "GROUP<TAB>IOMMU group of N devices" for each row "GROUP NDEV" of
# $argv, once each.
function __iommuctl_describe_groups
    set -l seen
    for line in $argv
        set -l f (string split ' ' -- $line)
        string match -qr '^[0-9]+$' -- $f[1]; or continue
        contains -- $f[1] $seen; and continue
        set -a seen $f[1]
        printf '%s\tIOMMU group of %s device%s\n' $f[1] $f[-1] (test "$f[-1]" = 1; or echo s)
    end
end

# map-check --group: the IOMMU groups.
function __iommuctl_group_numbers
    set -l bin (commandline -opc)[1]
    __iommuctl_describe_groups ($bin (__iommuctl_root_option) groups -r -n -o GROUP,NDEV 2>/dev/null)
end

# Column names for -o/--output: COLS or +COLS, a comma-separated list.
# Prints "PREFIXNAME<TAB>description" for the last name of the list.
function __iommuctl_columns
    set -l cmd (__iommuctl_command)
    or set cmd groups
    set -l bin (commandline -opc)[1]
    set -l token (commandline -ct)
    set token (string replace -r -- '^(--output=|-o)' '' $token)
    set -l prefix (string match -r -- '^\+?(?:[^,]*,)*' $token)
    for line in ($bin $cmd --list-columns --raw --noheadings 2>/dev/null)
        set -l name (string split -m 1 ' ' -- $line)[1]
        set -l desc (string replace -a '\x20' ' ' -- (string split -m 1 ' ' -- $line)[2])
        test -n "$name"; and printf '%s%s\t%s\n' $prefix $name $desc
    end
end

complete -c iommuctl -f

# Commands
complete -c iommuctl -n __iommuctl_no_command -a groups -d 'List IOMMU groups and their devices'
complete -c iommuctl -n __iommuctl_no_command -a devices -d 'List every PCI function with its group, driver and IOMMU'
complete -c iommuctl -n __iommuctl_no_command -a topology -d 'Show the PCI hierarchy with port types, groups and ACS'
complete -c iommuctl -n __iommuctl_no_command -a tree -d 'Alias of topology'
complete -c iommuctl -n __iommuctl_no_command -a explain -d 'Explain why devices share an IOMMU group'
complete -c iommuctl -n __iommuctl_no_command -a check-vfio -d 'Say whether VFIO can take each device, and the steps if not yet'
complete -c iommuctl -n __iommuctl_no_command -a status -d 'Check the IOMMU, interrupt remapping and VFIO: PASS, WARN or FAIL'
complete -c iommuctl -n __iommuctl_no_command -a swiotlb -d 'Show how full the swiotlb bounce buffers are, and which devices bounce'
complete -c iommuctl -n __iommuctl_no_command -a cmdline -d 'Explain the IOMMU, DMA, swiotlb, ACS and VFIO parameters of the kernel command line'
complete -c iommuctl -n __iommuctl_no_command -a dma-path -d 'Predict one DMA mapping of a device: direct, bounced, translated or failed'
complete -c iommuctl -n __iommuctl_no_command -a simulate -d 'Replay a trace of IOMMU operations through the page-table, IOVA and IOTLB models'
complete -c iommuctl -n __iommuctl_no_command -a map-check -d 'Check a VFIO mapping layout against a group\'s reserved regions and IOMMU limits'
complete -c iommuctl -n __iommuctl_no_command -a diff -d 'Say what changed between two snapshots (or a snapshot and this machine), and whether it matters'
complete -c iommuctl -n __iommuctl_no_command -a snapshot -d 'Copy everything iommuctl reads into DIR'

# Global options, before the command (-n is --numeric there)
complete -c iommuctl -n __iommuctl_no_command -s j -l json -d 'JSON output'
complete -c iommuctl -n __iommuctl_no_command -s p -l pretty -d 'Indented JSON output (implies --json)'
complete -c iommuctl -n __iommuctl_no_command -s n -l numeric -d 'Show ids instead of names'
complete -c iommuctl -n __iommuctl_no_command -l root -x -a '(__fish_complete_directories)' -d 'Read the system from DIR (a snapshot)'
complete -c iommuctl -n __iommuctl_no_command -l pci-ids -r -F -d 'Take names from this pci.ids file'
complete -c iommuctl -n __iommuctl_no_command -s V -l version -d 'Print the version'
complete -c iommuctl -n __iommuctl_no_command -s h -l help -d 'Show the help'
complete -c iommuctl -n __iommuctl_no_command -l list-commands -d 'Print the command names'
complete -c iommuctl -n __iommuctl_no_command -l list-options -x -a 'groups devices topology tree explain check-vfio status swiotlb cmdline dma-path map-check simulate diff snapshot' -d 'Print the options of a command'

# The global options also accepted after a command
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status cmdline dma-path map-check simulate diff snapshot' -s j -l json -d 'JSON output'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status cmdline dma-path map-check simulate diff snapshot' -s p -l pretty -d 'Indented JSON output (implies --json)'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status cmdline dma-path map-check simulate diff snapshot' -l root -x -a '(__fish_complete_directories)' -d 'Read the system from DIR (a snapshot)'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status cmdline dma-path map-check simulate diff snapshot' -l numeric -d 'Show ids instead of names'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status cmdline dma-path map-check simulate diff snapshot' -l pci-ids -r -F -d 'Take names from this pci.ids file'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status cmdline dma-path map-check simulate diff snapshot' -s h -l help -d 'Show the help of the command'

# groups, devices, topology, tree and status (after them, -n is --noheadings)
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s o -l output -x -a '(__iommuctl_columns)' -d 'Columns to show (COLS, or +COLS to add to the defaults)'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -l list-columns -d 'List the columns and what they show'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s r -l raw -d 'Raw output: no alignment'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s P -l pairs -d 'KEY="value" output'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s n -l noheadings -d 'Do not print headings'
complete -c iommuctl -n '__iommuctl_using groups' -s t -l tree -d 'Show a tree: each group with its devices under it'
complete -c iommuctl -n '__iommuctl_using groups' -l predict -d 'The groups the kernel would form, from topology, ACS and quirks'
complete -c iommuctl -n '__iommuctl_using groups' -l why -d 'Say why each group of several devices holds them'
complete -c iommuctl -n '__iommuctl_using status' -l format -x -a 'text prometheus' -d 'text or prometheus (node_exporter textfile collector)'

# explain [--predict] [GROUP|BDF]...
complete -c iommuctl -n '__iommuctl_using explain' -l predict -d 'Explain the groups the kernel would form'
complete -c iommuctl -n '__iommuctl_using explain' -a '(__iommuctl_explain_targets)'

# swiotlb [OPTIONS] [stats | devices]: the options before the subcommand
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -a stats -d 'The pools: size, use, high-water mark, forcing, sizing advice (the default)'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -a devices -d 'Each function: does its DMA bounce, and why'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -l watch -x -d 'stats: sample every SECONDS (a table, or JSON lines with -j)'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -l count -x -d 'stats: stop after N samples (with --watch)'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -l format -x -a 'text prometheus' -d 'stats: text or prometheus (node_exporter textfile collector)'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -s r -l raw -d 'devices: raw output, no alignment'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -s P -l pairs -d 'devices: KEY="value" output'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -s n -l noheadings -d 'devices: do not print headings (nor the summary)'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -s j -l json -d 'JSON output'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -s p -l pretty -d 'Indented JSON output (implies --json)'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -l root -x -a '(__fish_complete_directories)' -d 'Read the system from DIR (a snapshot)'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -l numeric -d 'Show ids instead of names'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -l pci-ids -r -F -d 'Take names from this pci.ids file'
complete -c iommuctl -n __iommuctl_swiotlb_no_subcommand -s h -l help -d 'Show the help of the command'

# check-vfio [--script] [--accept-unknown-host-use] {BDF... | --all}
complete -c iommuctl -n __iommuctl_check_vfio_can_all -l all -d 'Check every function vfio-pci could bind (every non-bridge)'
complete -c iommuctl -n '__iommuctl_using check-vfio' -l script -d 'Print only the steps, as a shell script to review and run'
complete -c iommuctl -n '__iommuctl_using check-vfio' -l accept-unknown-host-use -d 'Give the steps for a device whose use by the host could not be read'
complete -c iommuctl -n __iommuctl_check_vfio_without_all -a '(__iommuctl_devices)'

# cmdline [--cmdline STRING]
complete -c iommuctl -n '__iommuctl_using cmdline' -l cmdline -x -d 'Explain this kernel command line instead of /proc/cmdline'

# dma-path BDF --addr PHYS [--size N] [--direction DIR] [--cmdline STRING]
complete -c iommuctl -n '__iommuctl_using dma-path' -l addr -x -d 'Physical address of the buffer (decimal or 0x hex; required)'
complete -c iommuctl -n '__iommuctl_using dma-path' -l size -x -d 'Its length in bytes, or with K, M, G (default 4096)'
complete -c iommuctl -n '__iommuctl_using dma-path' -l direction -x -a 'to-device from-device bidirectional' -d 'Direction of the transfer (default bidirectional)'
complete -c iommuctl -n '__iommuctl_using dma-path' -l cmdline -x -d 'What-if: the same mapping after a reboot with this kernel command line'
complete -c iommuctl -n '__iommuctl_needs_bdf dma-path' -a '(__iommuctl_devices)'

# map-check (BDF | --group N) (--range IOVA:SIZE... | --guest-ram SIZE [--machine q35|pc|virt])
complete -c iommuctl -n '__iommuctl_using map-check' -l group -x -a '(__iommuctl_group_numbers)' -d 'Check this IOMMU group instead of a PCI function\'s'
complete -c iommuctl -n '__iommuctl_using map-check' -l range -x -d 'One VFIO_IOMMU_MAP_DMA: IOVA:SIZE (bytes, 0x hex, or with K, M, G, T)'
complete -c iommuctl -n '__iommuctl_using map-check' -l guest-ram -x -d 'Check the guest RAM layout QEMU builds for this much RAM (e.g. 16G)'
complete -c iommuctl -n '__iommuctl_using map-check' -l machine -x -a 'q35 pc virt' -d 'With --guest-ram: the QEMU machine type (default: virt on Arm, else q35)'
complete -c iommuctl -n '__iommuctl_needs_bdf map-check' -a '(__iommuctl_devices)'

# simulate [--format FMT] [--aw BITS] [--strict|--lazy] [--forcedac]
#          [--sac-every-map] [--iotlb-entries N] [--totals] [TRACE|-]
complete -c iommuctl -n '__iommuctl_using simulate' -l format -x -a 'intel-vtd\t"Intel VT-d second-stage tables" amd-v1\t"AMD-Vi v1 tables" arm-lpae-4k\t"Arm LPAE stage 1, 4 KiB granule" arm-lpae-16k\t"Arm LPAE stage 1, 16 KiB granule" arm-lpae-64k\t"Arm LPAE stage 1, 64 KiB granule"' -d 'Page-table format (default intel-vtd)'
complete -c iommuctl -n '__iommuctl_using simulate' -l aw -x -d 'Input address width in bits (default 48)'
complete -c iommuctl -n '__iommuctl_using simulate' -l strict -d 'Strict invalidation (a DMA domain): dma_unmap invalidates at once'
complete -c iommuctl -n '__iommuctl_using simulate' -l lazy -d 'Lazy invalidation through a flush queue (a DMA-FQ domain; the default)'
complete -c iommuctl -n '__iommuctl_using simulate' -l forcedac -d 'As iommu.forcedac=1: no 32-bit IOVAs first'
complete -c iommuctl -n '__iommuctl_using simulate' -l sac-every-map -d 'As kernels before 6.6: 32-bit IOVAs first on every dma_map'
complete -c iommuctl -n '__iommuctl_using simulate' -l iotlb-entries -x -d 'IOTLB size in entries (a power of two; default 512)'
complete -c iommuctl -n '__iommuctl_using simulate' -l totals -d 'Print only the totals (for long traces)'
complete -c iommuctl -n __iommuctl_simulate_needs_trace -F

# diff [--only AREAS] OLD [NEW]: snapshot directories (or /)
complete -c iommuctl -n '__iommuctl_using diff' -l only -x -a '(__fish_complete_list , "echo groups\ndevices\ntypes\nresv\nacs\ndrivers\nvfio\nunits\nhost\ncmdline\nswiotlb")' -d 'Compare only these areas (comma-separated)'
complete -c iommuctl -n __iommuctl_diff_needs_state -x -a '(__fish_complete_directories)'

# snapshot [--force] [--from-lspci FILE]... DIR: a new or empty directory, or a snapshot to replace
complete -c iommuctl -n '__iommuctl_using snapshot' -l force -d 'Replace the snapshot DIR holds'
complete -c iommuctl -n '__iommuctl_using snapshot' -l from-lspci -r -F -d 'Build it from lspci -vvnn or -xxxx output (- for stdin)'
complete -c iommuctl -n __iommuctl_snapshot_needs_dir -x -a '(__fish_complete_directories)'
