#!/usr/bin/env bash
# run.sh: installs what the benchmarks need, builds, runs every benchmark several times and writes tests/bench/results.md.
#
#   tests/bench/run.sh                  3 runs of each benchmark (a few minutes)
#   tests/bench/run.sh --runs N         N runs (1 to 10)
#   tests/bench/run.sh --build-dir DIR  build into (or use) DIR instead of build/
#   tests/bench/run.sh --original DIR   also time the original Python backend's encoder from a checkout of it
#   tests/bench/run.sh --no-install     install nothing (what is missing is skipped, and results.md says so)
#
# Never run by ./test.sh: the figures depend on the machine and on what else
# runs on it (results.md records the load average). Loads are bounded in count
# and time and use loopback addresses only. BENCH_NICE (default 19) is the
# nice level of the benchmarks, BENCH_BRIDGES (default 10000) the relay's load;
# BENCH_OUT=DIR keeps the raw outputs in DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=3
build=build
original=
install=1
while [ $# -gt 0 ]; do
	case $1 in
	--runs)
		[ $# -ge 2 ] && [[ $2 =~ ^([1-9]|10)$ ]] || { echo "run.sh: --runs wants 1 to 10" >&2; exit 2; }
		runs=$2
		shift
		;;
	--build-dir)
		[ $# -ge 2 ] || { echo "run.sh: --build-dir wants a directory" >&2; exit 2; }
		build=$2
		shift
		;;
	--original)
		[ $# -ge 2 ] && [ -d "$2" ] || { echo "run.sh: --original wants the checkout's directory" >&2; exit 2; }
		original=$(cd "$2" && pwd)
		shift
		;;
	--no-install) install=0 ;;
	-h | --help)
		sed -n '2,15s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "run.sh: unknown option $1 (see tests/bench/run.sh --help)" >&2
		exit 2
		;;
	esac
	shift
done

say() { echo "bench: $*" >&2; }

# ---- what the benchmarks need: the project's packages, Pillow for the Python
# reference, wkhtmltoimage (in wkhtmltopdf) and Chromium for the renderers
if [ $install = 1 ]; then
	if [ "$(id -u)" = 0 ]; then
		deploy/install-deps.sh
		for pkg in python3-pil wkhtmltopdf chromium linux-perf; do
			dpkg -s "$pkg" >/dev/null 2>&1 ||
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null ||
				say "could not install $pkg: what needs it is skipped"
		done
	else
		say "not root: installing nothing (what is missing is skipped)"
	fi
fi
# Pillow comes from Debian's python3-pil, for Debian's python3.
py=/usr/bin/python3
[ -x "$py" ] || py=python3

# ---- build
. tools/build-lib.sh
configure_tree "$build" CFLAGS="-O2 -g"
make -C "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
make -C "$build" tests/bench/bench_relay tests/bench/bench_http >/dev/null
make -C "$build/tests/unit" bench_render >/dev/null
have_codec=1
make -C "$build/tests/unit" bench_codec >/dev/null || have_codec=0

if [ -n "${BENCH_OUT:-}" ]; then
	# keep the raw outputs there (report.py can then be run again on them)
	out=$BENCH_OUT
	mkdir -p "$out"
else
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi
nice_level=${BENCH_NICE:-19}
[[ $nice_level =~ ^-?[0-9]+$ ]] || { echo "run.sh: BENCH_NICE must be a number" >&2; exit 2; }
bridges=${BENCH_BRIDGES:-10000}
[[ $bridges =~ ^[0-9]+$ ]] && [ "$bridges" -ge 1 ] && [ "$bridges" -le 15000 ] ||
	{ echo "run.sh: BENCH_BRIDGES must be 1 to 15000" >&2; exit 2; }
N=(nice -n "$nice_level")
date -u '+%Y-%m-%d %H:%M UTC' >"$out/date"
cut -d' ' -f1-3 /proc/loadavg >"$out/load-start"
echo "$runs" >"$out/runs"
echo "$nice_level" >"$out/nice"

# bench_codec's text page, rendered by sirius-codec, for the Python reference
for i in $(seq 0 599); do
	echo "Line $i: the quick brown fox jumps over the lazy dog, twice."
done >"$out/lines.txt"
"$build/tools/sirius-codec" render --no-template --type text/plain "$out/lines.txt" -o "$out/text.png" 2>/dev/null

have_pil=0
"$py" -c 'import PIL' 2>/dev/null && have_pil=1
[ $have_pil = 1 ] || say "Pillow is missing (python3-pil): no Python reference encoder, no photo print"
if [ $have_codec = 0 ]; then
	say "bench_codec did not build: the codec's own figures are skipped"
	echo "bench_codec did not build (make -C $build/tests/unit bench_codec)" >"$out/codec-missing"
fi

for i in $(seq "$runs"); do
	say "run $i of $runs: render"
	"${N[@]}" "$build/tests/unit/bench_render" >"$out/render-$i.txt"
	if [ $have_codec = 1 ]; then
		say "run $i of $runs: codec"
		"${N[@]}" "$build/tests/unit/bench_codec" >"$out/codec-$i.txt" || {
			say "bench_codec failed (run $i)"
			echo "bench_codec failed in run $i" >"$out/codec-missing"
		}
	fi
	if [ $have_pil = 1 ]; then
		say "run $i of $runs: Python reference encoder"
		"${N[@]}" "$py" tests/bench/ref_encoder.py --text-png "$out/text.png" --runs 1 \
			${original:+--original "$original"} --json "$out/ref-$i.json" >"$out/ref-$i.txt"
	fi
	say "run $i of $runs: relay with $bridges bridges"
	"${N[@]}" "$build/tests/bench/bench_relay" --relay "$build/relay/sirius-relay" --bridges "$bridges" \
		--heartbeat 5 --idle-seconds 5 --rates 100,1000 --prints 1000 --max-seconds 10 \
		--json "$out/relay-$i.json" >"$out/relay-$i.txt" || say "the relay benchmark failed (run $i)"
done

say "end to end through run.sh's stack"
mkdir -p "$out/perf"
perf_opt=()
command -v perf >/dev/null && perf_opt=(--perf "$out/perf")
photo=30
[ $have_pil = 1 ] || photo=0
"${N[@]}" "$py" tests/bench/e2e.py --build "$build" --printers 64 --requests 6000 --clients 1,16 \
	--photo-requests "$photo" --repeat "$runs" --seconds 10 "${perf_opt[@]}" --json "$out/e2e.json" \
	>"$out/e2e.txt" 2>&1 || say "the end-to-end benchmark failed: $(tail -3 "$out/e2e.txt")"
if [ -f "$out/perf/perf-text-16-clients.data" ]; then
	perf report -i "$out/perf/perf-text-16-clients.data" --no-children --sort comm,dso,sym --stdio -g none \
		2>/dev/null | grep -E '^ +[0-9]' | head -25 >"$out/perf-top.txt" || true
fi

say "renderers: sirius-codec, wkhtmltoimage, Chromium"
mkdir -p "$out/cases"
"$build/tests/unit/bench_render" --write-cases "$out/cases"
"${N[@]}" "$py" tests/bench/renderers.py --build "$build" --cases "$out/cases" --runs 2 \
	--json "$out/renderers.json" >"$out/renderers.txt" 2>&1 || say "the renderer comparison failed"

cp tests/bench/notes.md "$out/notes.md"
cut -d' ' -f1-3 /proc/loadavg >"$out/load-end"
"$py" tests/bench/report.py "$out" >tests/bench/results.md
say "wrote tests/bench/results.md"
