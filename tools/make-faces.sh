#!/usr/bin/env bash
# make-faces.sh: redraws the personalities shipped in www/static/faces (run from the checkout after a build).
# Usage: tools/make-faces.sh [BUILD_DIR]   (default: build). The PNGs are committed; run this after
# changing tools/make-faces.c and commit what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
make -C "$build" tools/make-faces >/dev/null
"$build/tools/make-faces" www/static/faces
