# fish completion for iommuctl(8).  Installed as
# .../fish/vendor_completions.d/iommuctl.fish.  Column names for -o/--output
# are asked of iommuctl itself (`iommuctl CMD --list-columns --raw
# --noheadings`), and so are the group numbers and PCI addresses explain takes
# (`iommuctl groups -r -n -o GROUP`, `iommuctl devices -r -n -o BDF,NAME`, on
# the --root given) and the PCI addresses check-vfio takes; the rest is
# listed here and checked against the binary by tests/check-docs.  swiotlb
# takes its options before its subcommand (stats or devices), and nothing
# after it.

# Prints the command of the command line being completed (groups, devices,
# topology, tree, explain, check-vfio, status, swiotlb, snapshot), or fails
# if there is none yet.
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

# True for snapshot before its DIR is given.
function __iommuctl_snapshot_needs_dir
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
            case --root --pci-ids
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    # the first word is the command itself
    test $seen = 1; and test (__iommuctl_command) = snapshot
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
            case --root --pci-ids
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
    set -l seen
    for line in $rows
        set -l f (string split ' ' -- $line)
        string match -qr '^[0-9]+$' -- $f[1]; or continue
        contains -- $f[1] $seen; and continue
        set -a seen $f[1]
        printf '%s\tIOMMU group of %s device%s\n' $f[1] $f[-1] (test "$f[-1]" = 1; or echo s)
    end
    __iommuctl_devices
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
complete -c iommuctl -n __iommuctl_no_command -l list-options -x -a 'groups devices topology tree explain check-vfio status swiotlb snapshot' -d 'Print the options of a command'

# The global options also accepted after a command
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status snapshot' -s j -l json -d 'JSON output'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status snapshot' -s p -l pretty -d 'Indented JSON output (implies --json)'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status snapshot' -l root -x -a '(__fish_complete_directories)' -d 'Read the system from DIR (a snapshot)'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status snapshot' -l numeric -d 'Show ids instead of names'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status snapshot' -l pci-ids -r -F -d 'Take names from this pci.ids file'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree explain check-vfio status snapshot' -s h -l help -d 'Show the help of the command'

# groups, devices, topology, tree and status (after them, -n is --noheadings)
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s o -l output -x -a '(__iommuctl_columns)' -d 'Columns to show (COLS, or +COLS to add to the defaults)'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -l list-columns -d 'List the columns and what they show'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s r -l raw -d 'Raw output: no alignment'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s P -l pairs -d 'KEY="value" output'
complete -c iommuctl -n '__iommuctl_using groups devices topology tree status' -s n -l noheadings -d 'Do not print headings'
complete -c iommuctl -n '__iommuctl_using groups' -s t -l tree -d 'Show a tree: each group with its devices under it'
complete -c iommuctl -n '__iommuctl_using groups' -l predict -d 'The groups the kernel would form, from topology, ACS and quirks'
complete -c iommuctl -n '__iommuctl_using groups' -l why -d 'Say why each group of several devices holds them'

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

# check-vfio [--script] {BDF... | --all}
complete -c iommuctl -n __iommuctl_check_vfio_can_all -l all -d 'Check every function vfio-pci could bind (every non-bridge)'
complete -c iommuctl -n '__iommuctl_using check-vfio' -l script -d 'Print only the steps, as a shell script to review and run'
complete -c iommuctl -n __iommuctl_check_vfio_without_all -a '(__iommuctl_devices)'

# snapshot [--force] DIR: a new or empty directory, or a snapshot to replace
complete -c iommuctl -n '__iommuctl_using snapshot' -l force -d 'Replace the snapshot DIR holds'
complete -c iommuctl -n __iommuctl_snapshot_needs_dir -x -a '(__fish_complete_directories)'
