#!/usr/bin/env bash
# run.sh: installs what sirius-c needs, builds it into build/ and lists what was built.
# (Starting the whole stack comes with the [stack] work; see README.)
set -euo pipefail
cd "$(dirname "$0")"
deploy/install-deps.sh
. tools/build-lib.sh

configure_tree build CFLAGS="-O2 -g"
make -C build -j"$(nproc 2>/dev/null || echo 2)"

echo
echo "Built in $(pwd)/build:"
for prog in build/relay/sirius-relay build/tools/sirius-codec build/tools/sirius-fake build/cgi/*.fcgi; do
	[ -x "$prog" ] && echo "  $prog"
done
echo "  build/shared/libsirius.a (the project's library)"
