#!/usr/bin/env bash
# test.sh: installs what the server and the tests need (deploy/debian-runtime.txt
# and debian-test.txt), builds the tree twice (plain, and under
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs every test in both.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

deploy/install-deps.sh runtime test
. tools/build-lib.sh

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1

status=0
for flavour in plain asan; do
	case $flavour in
	plain) dir=build; cflags="-O2 -g"; ldflags="" ;;
	asan) dir=build-asan; cflags="-O1 -g $sanitize"; ldflags="$sanitize" ;;
	esac
	echo "== $flavour build in $dir/"
	configure_tree "$dir" CFLAGS="$cflags" LDFLAGS="$ldflags"
	make -C "$dir" -j"$jobs"
	echo "== $flavour tests"
	if ! make -C "$dir" -j"$jobs" check; then
		status=1
		# Show why: the logs of every test that did not pass.
		grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' "$dir"/tests/*/*.trs 2>/dev/null |
			while read -r trs; do echo "--- ${trs%.trs}.log"; cat "${trs%.trs}.log"; done
	fi
done

echo "== summary"
summarize_tests build build-asan
exit $status
