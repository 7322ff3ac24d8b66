# expect.sh: the assertion the CLI test scripts share (sourced, not run).
# expect NAME STATUS PATTERN-IN-OUTPUT -- COMMAND...
#   runs COMMAND and passes when it exits with STATUS and its output (stdout and stderr)
#   matches the extended regular expression PATTERN; counts in $pass and $fail.
pass=0
fail=0

expect() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local out
  out=$("$@" 2>&1)
  local got=$?
  if [[ $got -eq $want ]] && grep -qE -- "$pattern" <<<"$out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $got (want $want), output lacks /$pattern/:"
    sed 's/^/    /' <<<"$out"
  fi
}
