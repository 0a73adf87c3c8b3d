# bash completion for iommuctl(8)                          -*- shell-script -*-
# shellcheck shell=bash disable=SC2207
# (COMPREPLY=($(compgen ...)) is the bash-completion idiom: words never hold
# spaces here but for paths, which go through _filedir or IFS=newline.)
#
# Installed as .../bash-completion/completions/iommuctl.  Works with the
# bash-completion package (its _init_completion and _filedir) and without it.
# Column names for -o/--output are asked of iommuctl itself
# (`iommuctl CMD --list-columns --raw --noheadings`); the rest is listed here
# and checked against the binary by tests/check-docs.

# Prints the column names of list command $2, asking the iommuctl $1;
# nothing if that fails.
_iommuctl_columns()
{
    local line
    "$1" "$2" --list-columns --raw --noheadings 2>/dev/null |
        while IFS= read -r line; do
            [[ -n $line ]] && printf '%s\n' "${line%% *}"
        done
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
        _init_completion -s || return
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

    local commands="groups devices snapshot"
    # Before the command (-n is --numeric there).
    local global_opts="-j --json -p --pretty -n --numeric --root --pci-ids
        -V --version -h --help --list-commands --list-options"
    # The global options also accepted after a command.
    local after_opts="-j --json -p --pretty --root --numeric --pci-ids -h --help"
    # After a list command, -n is --noheadings.
    local groups_opts="-o --output -t --tree -r --raw -P --pairs -n --noheadings
        --list-columns $after_opts"
    local devices_opts="-o --output -r --raw -P --pairs -n --noheadings
        --list-columns $after_opts"
    local snapshot_opts="$after_opts"

    # The command: the first word that is neither an option nor the
    # argument of one; nargs: the words after it that are not options.
    local cmd='' i w skip=false nargs=0
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if $skip; then
            # ("--root = DIR" without bash-completion: '=' is a word break)
            [[ $w == = ]] || skip=false
            continue
        fi
        case $w in
        --root | --pci-ids | -o | --output) skip=true ;;
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
    --pci-ids)
        _iommuctl_paths files
        return
        ;;
    --list-options)
        [[ -z $cmd ]] && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
        ;;
    -o | --output)
        if [[ $cmd == groups || $cmd == devices ]]; then
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
