#!/usr/bin/env bash
# test.sh: installs what the server and the tests need (deploy/debian-runtime.txt
# and debian-test.txt), then builds and tests two trees side by side: plain
# (-O2, what run.sh serves) and under AddressSanitizer +
# UndefinedBehaviorSanitizer. Each tree is configured, built and tested in the
# background, logging to DIR/test-sh.log; running both at once keeps the two
# cores busy while the integration tests wait on their daemons. Every test
# runs in the sanitizer tree; the plain tree runs the unit suites, the fuzz
# replays and the integration scripts of the stack as served and installed.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
start=$SECONDS

deploy/install-deps.sh runtime test
. tools/build-lib.sh
# Once, before two configures run at the same time.
regenerate_build_system

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1

# say FLAVOUR TEXT: one progress line, with the seconds since test.sh started.
say() {
	echo "== $1: $2 ($((SECONDS - start)) s)"
}

# run_tree FLAVOUR DIR CFLAGS LDFLAGS TEST_CFLAGS TARGET [VAR=VALUE...]:
# configures, builds and tests one tree, saying each step; the commands'
# output goes to DIR/test-sh.log. The unit suites and fuzz replays are
# compiled with TEST_CFLAGS: the code under test is the library, built with
# CFLAGS, and unoptimised test code compiles in a third of the time (half of
# test.sh's compiling is the fifty-odd test programs of each tree). TARGET is
# the integration scripts' make target (check for all); the variables are set
# for the unit suites and the fuzz replays.
run_tree() {
	local flavour=$1 dir=$2 cflags=$3 ldflags=$4 test_cflags=$5 target=$6
	shift 6
	local log=$dir/test-sh.log
	mkdir -p "$dir"
	: >"$log"
	say "$flavour" "configuring $dir/ (full log: $log)"
	if ! configure_tree "$dir" CFLAGS="$cflags" LDFLAGS="$ldflags" >>"$log" 2>&1; then
		say "$flavour" "configure FAILED"
		return 1
	fi
	say "$flavour" "building"
	if ! make -C "$dir" -j"$jobs" >>"$log" 2>&1; then
		say "$flavour" "build FAILED"
		return 1
	fi
	say "$flavour" "running the tests"
	# The integration scripts spend much of their time waiting on their
	# daemons: the unit suites and the fuzz replays run beside them, not
	# after them (make check would take the directories one at a time).
	env "$@" make -C "$dir/tests/unit" -j"$jobs" check CFLAGS="$test_cflags" >>"$log" 2>&1 &&
		env "$@" make -C "$dir/tests/fuzz" -j"$jobs" check CFLAGS="$test_cflags" >>"$log" 2>&1 &
	local units=$! failed=0
	make -C "$dir/tests/integration" -j"$jobs" "$target" >>"$log" 2>&1 || failed=1
	wait $units || failed=1
	if [ $failed = 1 ]; then
		say "$flavour" "tests FAILED"
		return 1
	fi
	say "$flavour" "all tests passed"
}

# show_failures DIR: why a tree failed: the logs of every test that did not
# pass, or the end of the tree's log when it never got to its tests.
show_failures() {
	local dir=$1 trs
	trs=$(grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' "$dir"/tests/*/*.trs 2>/dev/null || true)
	if [ -z "$trs" ]; then
		echo "--- the end of $dir/test-sh.log"
		tail -60 "$dir/test-sh.log"
		return
	fi
	for trs in $trs; do
		echo "--- ${trs%.trs}.log"
		cat "${trs%.trs}.log"
	done
}

# Both trees run each unit suite in one process (CK_FORK=no), not a process
# per test: forking costs half of the plain suites' time, and in the sanitizer
# tree it copies the page tables of the shadow memory and runs the leak check
# again in every child. Leaks are checked when each suite's process exits.
#
# The plain tree is what run.sh serves: its unit suites, fuzz replays and the
# integration scripts of the stack as served and installed (check-served);
# every integration script runs in the sanitizer tree, which checks more.
run_tree plain build "-O2 -g" "" "-O0 -g" check-served CK_FORK=no &
plain=$!
# The sanitizer tree: line tables (-g1) are all its reports need. A suite's
# process frees what all of its tests allocated: a quarantine of 16 MB, not
# the default 256, keeps the last frees poisoned (where a use after free
# shows) while the allocator reuses older memory instead of faulting in new
# pages, a fifth of the suites' CPU.
run_tree asan build-asan "-O1 -g1 $sanitize" "$sanitize" "-O0 -g1 $sanitize" check CK_FORK=no \
	ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16" &
asan=$!

status=0
wait $plain || { status=1; show_failures build; }
wait $asan || { status=1; show_failures build-asan; }

echo "== summary ($((SECONDS - start)) s)"
summarize_tests build build-asan
exit $status
