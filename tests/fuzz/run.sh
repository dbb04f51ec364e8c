#!/usr/bin/env bash
# run.sh: builds the libFuzzer harnesses with clang (ASan + UBSan) in build-fuzz/ and runs them all at once.
#
#   tests/fuzz/run.sh SECONDS [NAME...]   run every harness (or those named) for SECONDS each, concurrently
#   tests/fuzz/run.sh --merge [NAME...]   add what earlier runs found that covers new code to tests/fuzz/corpus/NAME
#
# Each harness fuzzes its own copy of its corpus (build-fuzz/fuzz-work/NAME/corpus,
# seeded from tests/fuzz/corpus/NAME) at nice 19, one process each, and writes
# what it finds (crash-*, leak-*, timeout-*, oom-*) to build-fuzz/fuzz-work/NAME/artifacts/.
# One line per harness (seconds, executions, findings) is printed and appended to
# build-fuzz/fuzz-work/runs.log. Exits 1 when anything was found.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)

all="bridge_message device_event printer_payload control frame_guard claim_code http render_html image"

# The dictionary of tokens each harness's mutations use, if any.
dict_of() {
	case $1 in
	bridge_message | control) echo tests/fuzz/json.dict ;;
	http) echo tests/fuzz/http.dict ;;
	render_html) echo tests/fuzz/html.dict ;;
	esac
}

# The longest input each harness is given: a little above what its parser meets in real traffic.
max_len() {
	case $1 in
	bridge_message) echo 8192 ;;
	device_event) echo 256 ;;
	printer_payload) echo 16384 ;;
	control) echo 4096 ;;
	claim_code) echo 128 ;;
	http) echo 8192 ;;
	render_html) echo 4096 ;;
	image) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

usage() {
	echo "usage: $0 SECONDS [NAME...] | --merge [NAME...]  (NAME: $all)" >&2
	exit 2
}

[ $# -ge 1 ] || usage
mode=run
if [ "$1" = --merge ]; then
	mode=merge
else
	case $1 in '' | *[!0-9]*) usage ;; esac
	seconds=$1
fi
shift
names=${*:-$all}
for n in $names; do
	case " $all " in *" $n "*) ;; *) usage ;; esac
done

command -v clang >/dev/null || { echo "$0: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
. tools/build-lib.sh
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
configure_tree build-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $sanitize" LDFLAGS="$sanitize"
make -C build-fuzz -j"$(nproc 2>/dev/null || echo 2)" shared/libsirius.a cgi/libcgi.a relay/librelay.a >/dev/null
make -C build-fuzz/tests/fuzz -j"$(nproc 2>/dev/null || echo 2)" fuzzers >/dev/null

# a smaller quarantine than ASan's 256 MB keeps eight fuzzers' memory in bounds
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=64
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1
work=$top/build-fuzz/fuzz-work
bin=$top/build-fuzz/tests/fuzz

if [ $mode = merge ]; then
	for n in $names; do
		[ -d "$work/$n/corpus" ] || { echo "$n: no run to merge from"; continue; }
		before=$(ls "tests/fuzz/corpus/$n" | wc -l)
		# -merge=1 adds to the first directory only the inputs of the others that reach new code
		nice -n 19 "$bin/fuzz_$n" -merge=1 -max_len="$(max_len "$n")" -rss_limit_mb=2048 -timeout=10 \
			"tests/fuzz/corpus/$n" "$work/$n/corpus" >"$work/$n/merge.log" 2>&1 ||
			{ echo "$n: merge failed, see $work/$n/merge.log"; exit 1; }
		echo "$n: $before -> $(ls "tests/fuzz/corpus/$n" | wc -l) inputs, $(du -sk "tests/fuzz/corpus/$n" | cut -f1) KB"
	done
	exit 0
fi

pids=""
for n in $names; do
	mkdir -p "$work/$n/corpus" "$work/$n/artifacts"
	cp -n "tests/fuzz/corpus/$n"/* "$work/$n/corpus/" 2>/dev/null || true
	dict=$(dict_of "$n")
	(
		start=$(date +%s)
		status=0
		nice -n 19 "$bin/fuzz_$n" "$work/$n/corpus" -max_total_time="$seconds" -max_len="$(max_len "$n")" \
			-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/$n/artifacts/" \
			${dict:+-dict="$dict"} >"$work/$n/fuzz.log" 2>&1 || status=$?
		echo $(($(date +%s) - start)) >"$work/$n/seconds"
		exit $status
	) &
	pids="$pids $!"
done
status=0
for p in $pids; do
	wait "$p" || status=1
done

for n in $names; do
	log=$work/$n/fuzz.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	took=$(cat "$work/$n/seconds" 2>/dev/null || true)
	found=$(find "$work/$n/artifacts" -type f | wc -l)
	line="$(date -u +%Y-%m-%dT%H:%MZ) $n seconds=${took:-?} execs=${execs:-?} findings=$found"
	echo "$line"
	echo "$line" >>"$work/runs.log"
	[ "$found" -eq 0 ] || { status=1; find "$work/$n/artifacts" -type f -printf '  %p\n'; }
done
exit $status
