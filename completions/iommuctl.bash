# bash completion for iommuctl(8)                          -*- shell-script -*-
# shellcheck shell=bash disable=SC2207
#
# Installed as .../bash-completion/completions/iommuctl.  What it offers
# comes from the iommuctl being completed: `iommuctl --complete -- WORD...`
# reads the words typed with iommuctl's own option table and prints what
# may come next (a first line "words", "nospace", "files" or "dirs" after a
# prefix, or "none", then "CANDIDATE<TAB>DESCRIPTION" lines), so nothing is
# offered that the binary refuses, and the commands, options, columns,
# groups and PCI addresses are always the binary's.  Works with the
# bash-completion package and without it.

_iommuctl()
{
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null; then
        # (-n := keeps PCI addresses and --opt=value one word)
        _get_comp_words_by_ref -n := cur words cword
    else
        # COMP_WORDS splits at ':' and '=': split the line at blanks instead
        local line=${COMP_LINE:0:COMP_POINT}
        read -ra words <<<"$line"
        [[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
        cword=$((${#words[@]} - 1)) cur=${words[cword]}
    fi
    # ("~/" as typed: iommuctl gets the path the shell would give it)
    local i bin=${words[0]}
    for i in "${!words[@]}"; do
        # shellcheck disable=SC2088
        [[ ${words[i]} == "~/"* ]] && words[i]=$HOME/${words[i]#"~/"}
    done
    [[ ${bin} == "~/"* ]] && bin=$HOME/${bin#"~/"}

    local out kind prefix=''
    out=$("$bin" --complete -- "${words[@]:1:cword}" 2>/dev/null) || return
    kind=${out%%$'\n'*}
    [[ $kind == *$'\t'* ]] && prefix=${kind#*$'\t'} kind=${kind%%$'\t'*}
    case $kind in
    files | dirs)
        local IFS=$'\n' word=${cur#"$prefix"}
        compopt -o filenames 2>/dev/null
        if [[ $kind == dirs ]]; then
            COMPREPLY=($(compgen -d -- "$word"))
        else
            COMPREPLY=($(compgen -f -- "$word"))
        fi
        COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
        ;;
    words | nospace)
        local line
        COMPREPLY=()
        while IFS= read -r line; do
            line=${line%%$'\t'*}
            [[ -n $line && $line == "$cur"* ]] && COMPREPLY+=("$line")
        done < <(printf '%s\n' "$out" | tail -n +2)
        # a comma list goes on; an option's value follows its '='
        if [[ $kind == nospace || (${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *=) ]]; then
            compopt -o nospace 2>/dev/null
        fi
        ;;
    *) return ;;
    esac
    # readline replaces only what follows the last word break (':' or '=')
    local c
    for c in : =; do
        if [[ $cur == *"$c"* && ${COMP_WORDBREAKS-} == *"$c"* ]]; then
            local head=${cur%"${cur##*"$c"}"}
            COMPREPLY=("${COMPREPLY[@]#"$head"}")
        fi
    done
}
complete -F _iommuctl iommuctl
