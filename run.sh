#!/usr/bin/env bash
# run.sh: installs what sirius-c needs, builds it and runs the whole server in the foreground until Ctrl-C.
#
#   ./run.sh                    install missing Debian packages (as root), build into build/, run
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
		sed -n '2,10s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "run.sh: unknown option $1 (see ./run.sh --help)" >&2
		exit 2
		;;
	esac
	shift
done

if [ $build = 1 ]; then
	deploy/install-deps.sh
	. tools/build-lib.sh
	configure_tree "$build_dir" CFLAGS="-O2 -g"
	make -C "$build_dir" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
fi

. tools/stack.sh
stack_configure "$build_dir"
stack_traps
stack_claim
stack_start
stack_banner
stack_wait || exit 1
