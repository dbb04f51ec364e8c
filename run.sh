#!/usr/bin/env bash
# run.sh: installs what sirius-c needs, builds it and runs the whole server in the foreground until Ctrl-C.
#
#   ./run.sh                    install missing Debian packages (as root), build into build/, run
#                               (the full log of the installation and the build: var/build.log)
#   ./run.sh --no-build         run what is built already (the integration tests start the stack so)
#   ./run.sh --build-dir DIR    build into (or run from) DIR instead of build/
#
# Settings (README, Configuration) come from the environment, then .env, then
# sirius.conf in the checkout: SIRIUS_HTTP_PORT (8080), SIRIUS_RELAY_PORT
# (8081), SIRIUS_LISTEN (127.0.0.1), SIRIUS_VAR (var/) and the rest.
set -euo pipefail
cd "$(dirname "$0")"

build=1
build_dir=build
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) build=0 ;;
	--build-dir)
		[ $# -ge 2 ] || { echo "run.sh: --build-dir wants a directory" >&2; exit 2; }
		build_dir=$2
		shift
		;;
	-h | --help)
		sed -n '2,11s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "run.sh: unknown option $1 (see ./run.sh --help)" >&2
		exit 2
		;;
	esac
	shift
done

. tools/stack.sh

# build_step TEXT...: one line of progress.
build_step() {
	echo "run.sh: $*" >&2
}

# build_failed WHAT: the end of the log (if any), where it is, and exit 1.
build_failed() {
	if [ -s "$log" ]; then
		build_step "$1 failed; the last lines of $log:"
		tail -n 25 "$log" >&2
	fi
	build_step "$1 failed (the full log is $log)"
	exit 1
}

# build_tree: make in $build_dir, its output in $log, with a line of progress
# (files compiled of those make has to compile; rewritten in place on a
# terminal, every 25 % otherwise).
build_tree() {
	local total compiled=0 shown=0 line now
	total=$(make -n -C "$build_dir" 2>/dev/null | grep -c -e ' -MF ' || true)
	case $total in
	0) build_step "building in $build_dir/: nothing to compile" ;;
	1) build_step "building in $build_dir/: 1 file to compile" ;;
	*) build_step "building in $build_dir/: $total files to compile" ;;
	esac
	make -C "$build_dir" -j"$(nproc 2>/dev/null || echo 2)" 2>&1 | while IFS= read -r line; do
		printf '%s\n' "$line" >>"$log"
		case $line in "  CC "*) ;; *) continue ;; esac
		compiled=$((compiled + 1))
		[ "$compiled" -le "$total" ] || continue
		now=$((compiled * 100 / total))
		if [ -t 2 ]; then
			printf '\rrun.sh: compiled %d of %d (%d%%)' "$compiled" "$total" "$now" >&2
			[ "$compiled" -lt "$total" ] || printf '\n' >&2
		elif [ "$now" -ge $((shown + 25)) ]; then
			shown=$((now - now % 25))
			build_step "compiled $compiled of $total ($now%)"
		fi
	done
	local rc=${PIPESTATUS[0]}
	# a failure halfway leaves the terminal's progress line unfinished
	if [ "$rc" -ne 0 ] && [ -t 2 ]; then
		printf '\n' >&2
	fi
	return "$rc"
}

if [ $build = 1 ]; then
	# Before minutes of installing and building: is one running already?
	var=$(stack_early_var "$build_dir")
	stack_refuse_running "$var"
	mkdir -p "$var"
	log=$var/build.log
	: >"$log"
	build_step "checking the Debian packages of deploy/debian-runtime.txt (full log: $log)"
	deploy/install-deps.sh --log "$log" runtime || build_failed "installing the packages"
	. tools/build-lib.sh
	build_step "configuring $build_dir/"
	configure_tree "$build_dir" CFLAGS="-O2 -g" >>"$log" 2>&1 || build_failed "configure"
	build_tree || build_failed "the build"
	build_step "built"
fi

stack_configure "$build_dir"
stack_traps
stack_claim
stack_say "starting sirius-relay and lighttpd"
stack_start
stack_banner
stack_wait || exit 1
