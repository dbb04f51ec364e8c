# build-lib.sh: shell functions shared by run.sh and test.sh (sourced, not run).

# regenerate_build_system: runs autoreconf when configure is missing or older
# than configure.ac or a Makefile.am (test.sh runs it once before configuring
# two trees at the same time, which must not both regenerate).
regenerate_build_system() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] ||
		[ -n "$(find . -name Makefile.am -newer configure -not -path './build*' | head -1)" ]; then
		autoreconf -fi
	fi
}

# configure_tree DIR [VAR=VALUE...]: regenerates the build system when its
# sources changed, then configures an out-of-tree build in DIR when it has none
# or when it was configured with other settings or before Check was installed
# (run.sh's trees have no unit tests until test.sh installs it).
configure_tree() {
	local dir=$1
	shift
	regenerate_build_system
	mkdir -p "$dir"
	local wanted="$*"
	pkg-config --exists check 2>/dev/null && wanted="$wanted (with check)"
	if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configured-with" 2>/dev/null)" != "$wanted" ] ||
		[ configure -nt "$dir/Makefile" ]; then
		(cd "$dir" && ../configure --quiet "$@") && printf '%s' "$wanted" >"$dir/.configured-with"
	fi
}

# summarize_tests DIR...: prints Check's summary line of every unit test run in
# the given build trees, then one total line "N passed, N failed". The
# numbers are taken with bash's own matching: a process or three per log
# cost seconds at the end of test.sh.
summarize_tests() {
	local passed=0 failed=0 dir log name line checks failures errors
	for dir in "$@"; do
		for log in "$dir"/tests/*/*.log; do
			[ -f "$log" ] || continue
			case $log in */test-suite.log) continue ;; esac
			name=${log##*/}
			name=${name%.log}
			# the last matching line
			line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" || true)
			line=${line##*$'\n'}
			if [[ $line =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]; then
				echo "$dir: $name: $line"
				checks=${BASH_REMATCH[1]} failures=${BASH_REMATCH[2]} errors=${BASH_REMATCH[3]}
				passed=$((passed + checks - failures - errors))
				failed=$((failed + failures + errors))
			elif line=$(grep -E '^Ran [0-9]+ tests? in' "$log") && line=${line##*$'\n'} &&
				[[ $line =~ ^Ran\ ([0-9]+) ]]; then
				# A Python unittest script: count its tests, not the script.
				checks=${BASH_REMATCH[1]}
				failures=0
				if ! grep -q '^:test-result: PASS' "${log%.log}.trs" 2>/dev/null; then
					failures=$(grep -oE '(failures|errors)=[0-9]+' "$log" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }')
					[ -n "$failures" ] && [ "$failures" -gt 0 ] || failures=1
				fi
				echo "$dir: $name: $checks tests, $failures failed"
				passed=$((passed + checks - failures))
				failed=$((failed + failures))
			elif grep -q '^:test-result: PASS' "${log%.log}.trs" 2>/dev/null; then
				echo "$dir: $name: passed"
				passed=$((passed + 1))
			else
				echo "$dir: $name: FAILED"
				failed=$((failed + 1))
			fi
		done
	done
	echo "$passed passed, $failed failed"
}
