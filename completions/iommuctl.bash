# bash completion for iommuctl(8)                          -*- shell-script -*-
# shellcheck shell=bash disable=SC2207
# (COMPREPLY=($(compgen ...)) is the bash-completion idiom: words never hold
# spaces here but for paths, which go through _filedir or IFS=newline.)
#
# Installed as .../bash-completion/completions/iommuctl.  Works with the
# bash-completion package (its _init_completion and _filedir) and without it.
# Column names for -o/--output are asked of iommuctl itself
# (`iommuctl CMD --list-columns --raw --noheadings`), and so are the group
# numbers and PCI addresses explain takes (`iommuctl groups -r -n -o GROUP`,
# `iommuctl devices -r -n -o BDF`, on the --root given), the PCI
# addresses check-vfio, dma-path and map-check take and the groups of
# map-check --group; the rest is listed here and checked against the binary
# by tests/check-docs.  swiotlb takes its options before its subcommand
# (stats or devices), and nothing after it; dma-path and map-check take
# their options before or after the BDF.  The STRING of --cmdline (cmdline,
# dma-path), the IOVA:SIZE of --range and the SIZE of --guest-ram are free
# text: nothing is offered for them.  simulate takes a TRACE file (or - for
# standard input), and its --format is a page-table format (status's and
# swiotlb's: text or prometheus).  diff takes OLD and NEW (snapshot
# directories) and --only a comma-separated list of areas.

# Prints the column names of list command (or status) $2, asking the
# iommuctl $1; nothing if that fails.
_iommuctl_columns()
{
    local line
    "$1" "$2" --list-columns --raw --noheadings 2>/dev/null |
        while IFS= read -r line; do
            [[ -n $line ]] && printf '%s\n' "${line%% *}"
        done
}

# Prints the group numbers and PCI addresses `explain` takes, asking the
# iommuctl $1 about the root $2 (none: the live system); with $3 = predict,
# the predicted groups.  Without IOMMU groups, explain explains the
# predicted ones: those are offered then.  Addresses are given whole
# (0000:05:00.0) and, when $4 is set, in the short form of domain 0
# (05:00.0).
_iommuctl_explain_targets()
{
    local -a root_opt=()
    [[ -n $2 ]] && root_opt=(--root "$2")
    local groups=''
    [[ $3 == predict ]] ||
        groups=$(_iommuctl_groups "$1" "$2")
    [[ -n $groups ]] ||
        groups=$("$1" "${root_opt[@]}" groups --predict -r -n -o GROUP 2>/dev/null)
    printf '%s\n' "$groups" | sort -un
    _iommuctl_devices "$1" "$2" "$4"
}

# Prints the IOMMU group numbers, asking the iommuctl $1 about the root $2
# (none: the live system).
_iommuctl_groups()
{
    local -a root_opt=()
    [[ -n $2 ]] && root_opt=(--root "$2")
    "$1" "${root_opt[@]}" groups -r -n -o GROUP 2>/dev/null | sort -un
}

# Prints the PCI addresses of the functions, asking the iommuctl $1 about
# the root $2 (none: the live system): whole (0000:05:00.0) or, when $3 is
# set, in the short form of domain 0 (05:00.0).
_iommuctl_devices()
{
    local -a root_opt=()
    [[ -n $2 ]] && root_opt=(--root "$2")
    local bdf
    "$1" "${root_opt[@]}" devices -r -n -o BDF 2>/dev/null |
        while IFS= read -r bdf; do
            [[ -n $bdf ]] || continue
            if [[ -n $3 ]]; then
                [[ $bdf == 0000:* ]] && printf '%s\n' "${bdf#0000:}"
            else
                printf '%s\n' "$bdf"
            fi
        done
}

# Sets COMPREPLY to explain's arguments ($1 = explain) or check-vfio's and
# dma-path's ($1 = devices) matching the word being completed, with the caller's
# words, cur, root and predict.  "05:" asks for the short addresses.
_iommuctl_targets()
{
    # Without bash-completion, ':' splits the word: take it from the line.
    local word=$cur bin=${words[0]} short='' i
    if ! declare -F _init_completion >/dev/null; then
        word=${COMP_LINE:0:COMP_POINT}
        word=${word##*[[:space:]]}
    fi
    # shellcheck disable=SC2088 # (a literal "~/" as typed)
    [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
    # shellcheck disable=SC2088
    [[ $root == "~/"* ]] && root=$HOME/${root#"~/"}
    [[ $word == [0-9a-fA-F][0-9a-fA-F]:* ]] && short=1
    if [[ $1 == explain ]]; then
        COMPREPLY=($(compgen -W "$(_iommuctl_explain_targets "$bin" "$root" "$predict" "$short")" -- "$word"))
    else
        COMPREPLY=($(compgen -W "$(_iommuctl_devices "$bin" "$root" "$short")" -- "$word"))
    fi
    # readline replaces only what follows the last ':'
    if [[ $word == *:* && ${COMP_WORDBREAKS-} == *:* ]]; then
        local colon_prefix=${word%"${word##*:}"}
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=${COMPREPLY[i]#"$colon_prefix"}
        done
    fi
}

# Sets COMPREPLY to the directories (or, with $1 = files, the files)
# matching $cur.
_iommuctl_paths()
{
    if declare -F _filedir >/dev/null; then
        if [[ $1 == files ]]; then _filedir; else _filedir -d; fi
        return
    fi
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    if [[ $1 == files ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        COMPREPLY=($(compgen -d -- "$cur"))
    fi
}

_iommuctl()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        # (-n :: PCI addresses are one word)
        _init_completion -s -n : || return
    else
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]} prev=
        ((cword > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
        # '=' is a word break: "--root=/t" arrives as "--root" "=" "/t"
        if [[ $cur == = ]]; then
            cur=
        elif [[ $prev == = ]] && ((cword > 1)); then
            prev=${COMP_WORDS[COMP_CWORD - 2]}
        fi
    fi

    local commands="groups devices topology tree explain check-vfio status swiotlb cmdline dma-path map-check simulate diff snapshot"
    # Before the command (-n is --numeric there).
    local global_opts="-j --json -p --pretty -n --numeric --root --pci-ids
        -V --version -h --help --list-commands --list-options"
    # The global options also accepted after a command.
    local after_opts="-j --json -p --pretty --root --numeric --pci-ids -h --help"
    # After a list command, -n is --noheadings.
    local groups_opts="-o --output -t --tree --predict --why -r --raw -P --pairs
        -n --noheadings --list-columns $after_opts"
    local devices_opts="-o --output -r --raw -P --pairs -n --noheadings
        --list-columns $after_opts"
    # topology, and tree (its alias)
    local topology_opts="-o --output -r --raw -P --pairs -n --noheadings
        --list-columns $after_opts"
    local explain_opts="--predict $after_opts"
    local check_vfio_opts="--all --script --accept-unknown-host-use $after_opts"
    # (after status, too, -n is --noheadings)
    local status_opts="-o --output -r --raw -P --pairs -n --noheadings
        --list-columns --format $after_opts"
    # swiotlb: --watch, --count and --format are for stats, -r, -P and -n
    # (--noheadings here too) for devices; all before the subcommand.
    local swiotlb_stats_opts="--watch --count --format"
    local swiotlb_devices_opts="-r --raw -P --pairs -n --noheadings"
    local cmdline_opts="--cmdline $after_opts"
    local dma_path_opts="--addr --size --direction --cmdline $after_opts"
    local simulate_opts="--format --aw --strict --lazy --forcedac --sac-every-map
        --iotlb-entries --totals $after_opts"
    # simulate --format: the page-table formats
    local simulate_formats="intel-vtd amd-v1 arm-lpae-4k arm-lpae-16k arm-lpae-64k"
    local map_check_opts="--group --range --guest-ram --machine $after_opts"
    local snapshot_opts="--force --from-lspci $after_opts"
    local diff_opts="--only $after_opts"
    # diff --only: a comma-separated list of these
    local diff_areas="groups devices types resv acs drivers vfio units host cmdline swiotlb"

    # The command: the first word that is neither an option nor the
    # argument of one; nargs: the words after it that are not options;
    # root: the --root DIR given, predict: whether --predict was, all:
    # whether --all was; swiotlb_for: the swiotlb subcommand its options
    # so far are for (stats or devices); group: whether --group was given.
    local cmd='' i w skip=false nargs=0 root='' root_next=false predict='' all='' swiotlb_for=''
    local group=''
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if $skip; then
            # ("--root = DIR" without bash-completion: '=' is a word break)
            [[ $w == = ]] && continue
            skip=false
            $root_next && root=$w
            root_next=false
            continue
        fi
        case $w in
        --root) skip=true root_next=true ;;
        --root=*) root=${w#--root=} ;;
        --pci-ids | -o | --output | --from-lspci) skip=true ;;
        # (cmdline, dma-path: their STRING, PHYS, N and DIR)
        --cmdline | --addr | --size | --direction) skip=true ;;
        # (simulate: its BITS and N)
        --aw | --iotlb-entries) skip=true ;;
        # (map-check: N, IOVA:SIZE, SIZE, TYPE)
        --group) skip=true group=group ;;
        --range | --guest-ram | --machine) skip=true ;;
        # (diff: AREAS)
        --only) skip=true ;;
        --predict) predict=predict ;;
        --all) all=all ;;
        --watch | --count | --format | --watch=* | --count=* | --format=*)
            if [[ $cmd == swiotlb ]]; then
                swiotlb_for=stats
                [[ $w == *=* ]] || skip=true
            elif [[ ($cmd == status || $cmd == simulate) && $w == --format ]]; then
                skip=true
            fi
            ;;
        -r | --raw | -P | --pairs | -n | --noheadings | -[rPn][rPn] | -[rPn][rPn][rPn])
            [[ $cmd == swiotlb ]] && swiotlb_for=devices
            ;;
        -*) ;;
        *)
            if [[ -z $cmd ]]; then
                cmd=$w
            else
                ((nargs++))
            fi
            ;;
        esac
    done

    case $prev in
    --root)
        _iommuctl_paths dirs
        return
        ;;
    --pci-ids | --from-lspci)
        # (--from-lspci: a file of lspci output, or - for standard input)
        _iommuctl_paths files
        return
        ;;
    --list-options)
        [[ -z $cmd ]] && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
        ;;
    --format)
        if [[ $cmd == swiotlb || $cmd == status ]]; then
            COMPREPLY=($(compgen -W "text prometheus" -- "$cur"))
        elif [[ $cmd == simulate ]]; then
            COMPREPLY=($(compgen -W "$simulate_formats" -- "$cur"))
        fi
        return
        ;;
    --watch | --count)
        # SECONDS, N: nothing to offer
        [[ $cmd == swiotlb ]] && return
        ;;
    --direction)
        [[ $cmd == dma-path ]] && COMPREPLY=($(compgen -W "to-device from-device bidirectional" -- "$cur"))
        return
        ;;
    --cmdline | --addr | --size)
        # STRING (a kernel command line), PHYS, N: nothing to offer
        [[ $cmd == cmdline || $cmd == dma-path ]] && return
        ;;
    --aw | --iotlb-entries)
        # BITS, N: nothing to offer
        [[ $cmd == simulate ]] && return
        ;;
    --machine)
        [[ $cmd == map-check ]] && COMPREPLY=($(compgen -W "q35 pc virt" -- "$cur"))
        return
        ;;
    --group)
        if [[ $cmd == map-check ]]; then
            local bin=${words[0]}
            # shellcheck disable=SC2088 # (a literal "~/" as typed)
            [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
            COMPREPLY=($(compgen -W "$(_iommuctl_groups "$bin" "$root")" -- "$cur"))
        fi
        return
        ;;
    --range | --guest-ram)
        # IOVA:SIZE, SIZE: nothing to offer
        [[ $cmd == map-check ]] && return
        ;;
    --only)
        if [[ $cmd == diff ]]; then
            # AREAS: a comma-separated list; complete its last name.
            local prefix=''
            [[ $cur == *,* ]] && prefix=${cur%,*},
            COMPREPLY=($(compgen -P "$prefix" -W "$diff_areas" -- "${cur##*,}"))
            compopt -o nospace 2>/dev/null
        fi
        return
        ;;
    -o | --output)
        [[ $cmd == tree ]] && cmd=topology
        if [[ $cmd == groups || $cmd == devices || $cmd == topology || $cmd == status ]]; then
            # COLS, +COLS: a comma-separated list; complete its last name.
            local prefix='' last=$cur bin=${words[0]}
            if [[ $last == +* ]]; then
                prefix=+
                last=${last#+}
            fi
            if [[ $last == *,* ]]; then
                prefix+=${last%,*},
                last=${last##*,}
            fi
            # shellcheck disable=SC2088 # (a literal "~/" as typed)
            [[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
            COMPREPLY=($(compgen -P "$prefix" -W "$(_iommuctl_columns "$bin" "$cmd")" -- "${last^^}"))
            compopt -o nospace 2>/dev/null
        fi
        return
        ;;
    esac
    $split && return

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    case $cmd in
    groups) COMPREPLY=($(compgen -W "$groups_opts" -- "$cur")) ;;
    devices) COMPREPLY=($(compgen -W "$devices_opts" -- "$cur")) ;;
    topology | tree) COMPREPLY=($(compgen -W "$topology_opts" -- "$cur")) ;;
    explain)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$explain_opts" -- "$cur"))
        else
            # GROUP or BDF
            _iommuctl_targets explain
        fi
        ;;
    check-vfio)
        if [[ $cur == -* ]]; then
            # (--all or addresses, not both)
            ((nargs > 0)) && check_vfio_opts=${check_vfio_opts/--all /}
            COMPREPLY=($(compgen -W "$check_vfio_opts" -- "$cur"))
        elif [[ -z $all ]]; then
            # BDF...
            _iommuctl_targets devices
        fi
        ;;
    status) COMPREPLY=($(compgen -W "$status_opts" -- "$cur")) ;;
    swiotlb)
        # Nothing after the subcommand.
        ((nargs > 0)) && return
        if [[ $cur == -* ]]; then
            case $swiotlb_for in
            stats) COMPREPLY=($(compgen -W "$swiotlb_stats_opts $after_opts" -- "$cur")) ;;
            devices) COMPREPLY=($(compgen -W "$swiotlb_devices_opts $after_opts" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "$swiotlb_stats_opts $swiotlb_devices_opts $after_opts" -- "$cur")) ;;
            esac
        else
            case $swiotlb_for in
            stats) COMPREPLY=($(compgen -W "stats" -- "$cur")) ;;
            devices) COMPREPLY=($(compgen -W "devices" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "stats devices" -- "$cur")) ;;
            esac
        fi
        ;;
    cmdline)
        # (no argument: options only)
        [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$cmdline_opts" -- "$cur"))
        ;;
    dma-path)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$dma_path_opts" -- "$cur"))
        elif ((nargs == 0)); then
            # BDF (the options may come before or after it)
            _iommuctl_targets devices
        fi
        ;;
    simulate)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$simulate_opts" -- "$cur"))
        elif ((nargs == 0)); then
            # TRACE: a file (or - for standard input)
            _iommuctl_paths files
        fi
        ;;
    map-check)
        if [[ $cur == -* ]]; then
            [[ -n $group ]] && map_check_opts=${map_check_opts/--group /}
            COMPREPLY=($(compgen -W "$map_check_opts" -- "$cur"))
        elif ((nargs == 0)) && [[ -z $group ]]; then
            # BDF, or --group N (the options may come before or after it)
            _iommuctl_targets devices
        fi
        ;;
    diff)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$diff_opts" -- "$cur"))
        elif ((nargs < 2)); then
            # OLD, NEW: snapshot directories (or /); options before or after
            _iommuctl_paths dirs
        fi
        ;;
    snapshot)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$snapshot_opts" -- "$cur"))
        elif ((nargs == 0)); then
            # DIR: a new or empty directory
            _iommuctl_paths dirs
        fi
        ;;
    esac
}
complete -F _iommuctl iommuctl
