# fish completion for iommuctl(8).  Installed as
# .../fish/vendor_completions.d/iommuctl.fish.  What it offers comes from
# the iommuctl being completed: `iommuctl --complete -- WORD...` reads the
# words typed with iommuctl's own option table and prints what may come
# next (a first line "words", "nospace", "files" or "dirs" after a prefix,
# or "none", then "CANDIDATE<TAB>DESCRIPTION" lines), so nothing is offered
# that the binary refuses, and the commands, options, columns, groups and
# PCI addresses are always the binary's.

function __iommuctl_complete
    set -l tokens (commandline -opc)
    set -l bin $tokens[1]
    set -e tokens[1]
    set -l cur (commandline -ct)
    set -l out ($bin --complete -- $tokens $cur 2>/dev/null)
    or return
    set -l kind (string split -m 1 \t -- $out[1])
    switch $kind[1]
        case words nospace
            string join \n -- $out[2..-1]
        case dirs files
            set -l prefix $kind[2]
            set -l word (string replace -- "$prefix" '' "$cur")
            if test $kind[1] = dirs
                __fish_complete_directories "$word" | string replace -r -- '^' "$prefix"
            else
                __fish_complete_path "$word" | string replace -r -- '^' "$prefix"
            end
    end
end

complete -c iommuctl -f -a '(__iommuctl_complete)'
