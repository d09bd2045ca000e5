# Shared by the newcomer tests: the parsers of `remora --help` and of a
# verb's --help, the one form every --help follows (docs/man/README.md):
#   `remora --help`: after the first line, one line per verb, two spaces
#     then the verb name, then its synopsis;
#   `remora VERB --help`: one line per option, two to six spaces, then
#     "-X, --long ARG", "-X ARG" or "--long[=ARG] ARG", then two spaces and
#     the description.

# The verbs, one per line.
# (a verb with two usage lines, such as record, is named once)
help_verbs() { "$1" --help | sed -nE '2,$s/^  ([a-z][a-z0-9-]*)( .*)?$/\1/p' | awk '!seen[$0]++'; }

# The options of a verb's --help (or of a program's when VERB is empty),
# one per line: -X and --long.
help_options() {
    local prog=$1; shift
    local help
    help=$("$prog" "$@" --help) || return 1
    sed -nE '/^ {2,6}-/{ s/^ +//; s/  .*//; p }' <<<"$help" |
        { grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' || true; } | sed -E 's/^[ ,]//' | sort -u
}
