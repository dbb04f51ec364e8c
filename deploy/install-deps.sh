#!/usr/bin/env bash
# install-deps.sh: installs the Debian packages of the named lists (deploy/debian-LIST.txt) that are missing.
#
#   deploy/install-deps.sh [--log FILE] [LIST...]
#
# LIST is runtime (what the server needs to build and run; the default) or
# test (what only the tests need), or the path of a list file. run.sh installs
# the runtime list, test.sh both. Does nothing when everything is there.
# apt-get's output goes to FILE with --log, else to standard output.
#
# Packages are installed without starting or enabling their services:
# run.sh and the tests start lighttpd, apache2 and the rest themselves, with
# configurations of their own, and a system apache2 or lighttpd left running
# on port 80 would only be in the way (and start again at every boot).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

log=
lists=()
while [ $# -gt 0 ]; do
	case $1 in
	--log)
		[ $# -ge 2 ] || { echo "install-deps: --log wants a file" >&2; exit 2; }
		log=$2
		shift
		;;
	-h | --help)
		sed -n '2,9s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	-*)
		echo "install-deps: unknown option $1 (see --help)" >&2
		exit 2
		;;
	*) lists+=("$1") ;;
	esac
	shift
done
[ ${#lists[@]} -gt 0 ] || lists=(runtime)

# The packages of every list, in order, each once.
wanted=()
for list in "${lists[@]}"; do
	case $list in
	*/*) file=$list ;;
	*) file=$here/debian-$list.txt ;;
	esac
	[ -f "$file" ] || { echo "install-deps: no package list $file (lists: runtime, test)" >&2; exit 2; }
	while read -r pkg _; do
		case $pkg in '' | '#'*) continue ;; esac
		case " ${wanted[*]} " in *" $pkg "*) ;; *) wanted+=("$pkg") ;; esac
	done <"$file"
done

# One dpkg-query for the whole list (one per package took seconds).
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null |
	awk '/ install ok installed$/ { printf "%s ", $1 }' || true)"
missing=()
for pkg in "${wanted[@]}"; do
	case $installed in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
done

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: ${missing[*]}" >&2
	echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
if [ -n "$log" ]; then
	echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]} (apt-get's output: $log)" >&2
	exec 3>>"$log"
else
	echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
	exec 3>&1
fi

# No service starts during the installation: a policy-rc.d that says no
# (unless the machine has one of its own, which then decides).
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# written by sirius-c install-deps.sh for the length of an installation\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
	trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&3 2>&1
apt-get install -y -q --no-install-recommends "${missing[@]}" >&3 2>&1 || {
	echo "install-deps: apt-get install failed${log:+ (see $log)}" >&2
	exit 1
}

# Nor do they start at the next boot: disable the services of the packages
# just installed (packages that were there before are left as they were).
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	for pkg in "${missing[@]}"; do
		dpkg-query -L "$pkg" 2>/dev/null | grep -E '^/(usr/)?lib/systemd/system/[^/@]+\.service$' || true
	done | while read -r unit; do
		unit=${unit##*/}
		if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit" 2>/dev/null; then
			echo "install-deps: disabling $unit (run.sh and the tests run their own)" >&2
			systemctl disable --now --quiet "$unit" >&3 2>&1 || true
		fi
	done
fi
[ $own_policy = 1 ] && rm -f "$policy"
trap - EXIT
exit 0
