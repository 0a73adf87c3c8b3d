# fish completion for iommuctl(8).  Installed as
# .../fish/vendor_completions.d/iommuctl.fish.  Column names for -o/--output
# are asked of iommuctl itself (`iommuctl CMD --list-columns --raw
# --noheadings`); the rest is listed here and checked against the binary by
# tests/check-docs.

# Prints the command of the command line being completed (groups, devices,
# snapshot), or fails if there is none yet.
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
complete -c iommuctl -n __iommuctl_no_command -l list-options -x -a 'groups devices snapshot' -d 'Print the options of a command'

# The global options also accepted after a command
complete -c iommuctl -n '__iommuctl_using groups devices snapshot' -s j -l json -d 'JSON output'
complete -c iommuctl -n '__iommuctl_using groups devices snapshot' -s p -l pretty -d 'Indented JSON output (implies --json)'
complete -c iommuctl -n '__iommuctl_using groups devices snapshot' -l root -x -a '(__fish_complete_directories)' -d 'Read the system from DIR (a snapshot)'
complete -c iommuctl -n '__iommuctl_using groups devices snapshot' -l numeric -d 'Show ids instead of names'
complete -c iommuctl -n '__iommuctl_using groups devices snapshot' -l pci-ids -r -F -d 'Take names from this pci.ids file'
complete -c iommuctl -n '__iommuctl_using groups devices snapshot' -s h -l help -d 'Show the help of the command'

# groups and devices (after a list command, -n is --noheadings)
complete -c iommuctl -n '__iommuctl_using groups devices' -s o -l output -x -a '(__iommuctl_columns)' -d 'Columns to show (COLS, or +COLS to add to the defaults)'
complete -c iommuctl -n '__iommuctl_using groups devices' -l list-columns -d 'List the columns and what they show'
complete -c iommuctl -n '__iommuctl_using groups devices' -s r -l raw -d 'Raw output: no alignment'
complete -c iommuctl -n '__iommuctl_using groups devices' -s P -l pairs -d 'KEY="value" output'
complete -c iommuctl -n '__iommuctl_using groups devices' -s n -l noheadings -d 'Do not print headings'
complete -c iommuctl -n '__iommuctl_using groups' -s t -l tree -d 'Show a tree: each group with its devices under it'

# snapshot DIR: a new or empty directory
complete -c iommuctl -n __iommuctl_snapshot_needs_dir -x -a '(__fish_complete_directories)'
