# stack.sh: shell functions that start the whole server (relay, lighttpd, FastCGI programs) and stop it (sourced by run.sh).
#
# run.sh is the one user of these functions; the tests start the stack through
# `run.sh --no-build`, so that they run this very code. Call order:
#   stack_configure BUILD_DIR   settings from the environment, .env and sirius.conf
#   stack_claim                 the pid file: refuses a second stack on the same var
#   stack_start                 relay, then lighttpd; waits until both answer
#   stack_banner                where to point a browser and a bridge
#   stack_wait                  until a signal or until a program dies
# stack_stop (run from traps) stops everything stack_start started.

# Programs this file started, as "pid name" words, and whether stack_stop ran.
stack_pids=()
stack_names=()
stack_stopped=0

# stack_say TEXT...: a line on stderr from run.sh.
stack_say() {
	echo "run.sh: $*" >&2
}

# stack_die TEXT...: says why and exits non-zero (the EXIT trap stops what runs).
stack_die() {
	stack_say "$@"
	exit 1
}

# stack_configure BUILD_DIR: reads the settings through BUILD_DIR's sirius-config
# (environment first, then .env, then sirius.conf) and exports every variable
# the programs and deploy/lighttpd/sirius.conf need. Exits on a bad setting.
stack_configure() {
	local build=$1 out prog line
	stack_build=$(cd "$build" && pwd) || stack_die "no build directory $build"
	stack_source=$(pwd)
	for prog in relay/sirius-relay cgi/sirius-web cgi/sirius-api tools/sirius-config tools/sirius-fake \
		tools/sirius-scheduler; do
		[ -x "$stack_build/$prog" ] || stack_die "$stack_build/$prog is not built (run ./run.sh without --no-build)"
	done
	stack_lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	[ -x "$stack_lighttpd" ] || stack_die "lighttpd is not installed (apt-get install lighttpd)"

	# What is set anywhere, then the values in effect of what this file uses.
	out=$("$stack_build/tools/sirius-config" env) || exit 1
	eval "$out"
	out=$("$stack_build/tools/sirius-config" env SIRIUS_VAR SIRIUS_DB SIRIUS_RELAY_SOCKET SIRIUS_LISTEN \
		SIRIUS_HTTP_PORT SIRIUS_RELAY_LISTEN SIRIUS_WWW SIRIUS_API_PROCESSES) || exit 1
	eval "$out"
	export SIRIUS_VAR SIRIUS_DB SIRIUS_RELAY_SOCKET SIRIUS_LISTEN SIRIUS_HTTP_PORT SIRIUS_RELAY_LISTEN SIRIUS_WWW \
		SIRIUS_API_PROCESSES
	while read -r line; do
		[ -n "$line" ] && export "${line%%=*}"
	done <<<"$("$stack_build/tools/sirius-config" env)"

	# The numeric addresses the names resolve to (sirius-config check shows
	# them): what lighttpd and the relay bind is then what the check reported.
	SIRIUS_HTTP_BIND=$("$stack_build/tools/sirius-config" bind SIRIUS_LISTEN) || exit 1
	stack_relay_bind=$("$stack_build/tools/sirius-config" bind SIRIUS_RELAY_LISTEN) || exit 1

	# deploy/lighttpd/sirius.conf's own names for some of them.
	SIRIUS_RELAY_HOST=${stack_relay_bind%:*}
	SIRIUS_RELAY_PORT=${stack_relay_bind##*:}
	SIRIUS_RELAY_HOST=${SIRIUS_RELAY_HOST#[}
	SIRIUS_RELAY_HOST=${SIRIUS_RELAY_HOST%]}
	case $SIRIUS_RELAY_HOST in '' | '*' | 0.0.0.0) SIRIUS_RELAY_HOST=127.0.0.1 ;; '::') SIRIUS_RELAY_HOST=::1 ;; esac
	SIRIUS_BUILD_DIR=$stack_build
	export SIRIUS_HTTP_BIND SIRIUS_RELAY_HOST SIRIUS_RELAY_PORT SIRIUS_BUILD_DIR
	stack_pidfile=$SIRIUS_VAR/run.pid
}

# stack_alive PID: true when PID is a running run.sh (not a recycled pid).
stack_alive() {
	kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'run\.sh'
}

# stack_port_busy PORT [HOST]: true when something accepts connections on
# PORT of HOST (default: the address the web server binds) of this machine.
stack_port_busy() {
	local host=${2:-$SIRIUS_HTTP_BIND}
	case $host in 0.0.0.0 | '*' | '') host=127.0.0.1 ;; '::') host=::1 ;; esac
	(exec 3<>"/dev/tcp/$host/$1") 2>/dev/null
}

# stack_refuse_running VAR: exits 1 with a message when a live run.sh holds
# VAR/run.pid; returns the pid file's content (empty when there is none)
# otherwise, in stack_stale_pid.
stack_refuse_running() {
	local var=$1 pid=""
	[ -f "$var/run.pid" ] && pid=$(cat "$var/run.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && stack_alive "$pid"; then
		stack_say "sirius is already running from $var (run.sh, pid $pid)."
		stack_say "Stop it first: Ctrl-C in its terminal, or kill $pid."
		exit 1
	fi
	stack_stale_pid=$pid
}

# stack_early_var BUILD_DIR: the var directory a run would use, before
# anything is built: sirius-config's answer when BUILD_DIR has one that
# works, else $SIRIUS_VAR, else var/ in the checkout.
stack_early_var() {
	local var
	if [ -x "$1/tools/sirius-config" ] && var=$("$1/tools/sirius-config" get SIRIUS_VAR 2>/dev/null) &&
		[ -n "$var" ]; then
		echo "$var"
	else
		echo "${SIRIUS_VAR:-$(pwd)/var}"
	fi
}

# stack_claim: makes SIRIUS_VAR and takes its pid file. Refuses (exit 1) when
# a live run.sh holds it; cleans up the pid file and sockets a crash left.
stack_claim() {
	local pid
	mkdir -p "$SIRIUS_VAR" || stack_die "cannot make the var directory $SIRIUS_VAR"
	if [ -f "$stack_pidfile" ]; then
		stack_refuse_running "$SIRIUS_VAR"
		pid=$stack_stale_pid
		stack_say "removing the pid file and sockets of a run that did not stop cleanly (pid ${pid:-?})"
		rm -f "$stack_pidfile"
	fi
	# noclobber: of two run.sh starting at once, one wins the file.
	if ! (set -C && echo $$ >"$stack_pidfile") 2>/dev/null; then
		stack_die "another run.sh has just started with $SIRIUS_VAR (see $stack_pidfile)"
	fi
	stack_owns_pidfile=1
	rm -f "$SIRIUS_RELAY_SOCKET" "$SIRIUS_VAR"/sirius-web.sock* "$SIRIUS_VAR"/sirius-api.sock*
	if stack_port_busy "$SIRIUS_HTTP_PORT"; then
		stack_die "port $SIRIUS_HTTP_PORT is in use by another program: choose another with SIRIUS_HTTP_PORT=PORT"
	fi
	if stack_port_busy "$SIRIUS_RELAY_PORT" "$SIRIUS_RELAY_HOST"; then
		stack_die "port $SIRIUS_RELAY_PORT (the relay's) is in use by another program: choose another with SIRIUS_RELAY_PORT=PORT"
	fi
}

# stack_spawn NAME COMMAND...: starts COMMAND in the background in a process
# group of its own (so that stopping it stops what it started) and records it.
stack_spawn() {
	local name=$1
	shift
	set -m
	"$@" </dev/null &
	set +m
	stack_pids+=("$!")
	stack_names+=("$name")
}

# stack_wait_ready NAME PID TEST...: waits up to 60 s (a slow SD card, a busy
# machine) for the command TEST to succeed while PID lives; exits with a
# message when it dies or time runs out.
stack_wait_ready() {
	local name=$1 pid=$2 i
	shift 2
	for ((i = 0; i < 600; i++)); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || stack_die "$name exited during start-up (see its messages above)"
		sleep 0.1
	done
	stack_die "$name did not become ready within 60 s"
}

# stack_start: the relay (which makes the database from the built-in schema
# when there is none), then lighttpd with deploy/lighttpd/sirius.conf, which
# starts sirius-web and sirius-api as FastCGI servers and proxies
# /api/v1/connection to the relay.
stack_start() {
	local relay_args=(--listen "$stack_relay_bind" --socket "$SIRIUS_RELAY_SOCKET" --db "$SIRIUS_DB")
	[ -n "${SIRIUS_LOG:-}" ] && relay_args+=(--log "$SIRIUS_LOG")
	stack_spawn sirius-relay "$stack_build/relay/sirius-relay" "${relay_args[@]}"
	stack_wait_ready sirius-relay "${stack_pids[-1]}" test -S "$SIRIUS_RELAY_SOCKET"
	stack_wait_ready sirius-relay "${stack_pids[-1]}" stack_port_busy "$SIRIUS_RELAY_PORT" "$SIRIUS_RELAY_HOST"

	stack_spawn lighttpd "$stack_lighttpd" -D -f "$stack_source/deploy/lighttpd/sirius.conf"
	stack_wait_ready lighttpd "${stack_pids[-1]}" stack_port_busy "$SIRIUS_HTTP_PORT"

	# Publications' editions at their times (README, Publications).
	stack_spawn sirius-scheduler "$stack_build/tools/sirius-scheduler"
}

# stack_host: the host a browser or bridge elsewhere would use for SIRIUS_LISTEN.
stack_host() {
	local ip
	case $SIRIUS_LISTEN in
	0.0.0.0 | '*' | '' | ::)
		ip=$(hostname -I 2>/dev/null | awk '{ print $1 }')
		echo "${ip:-127.0.0.1}"
		;;
	*:*) echo "[$SIRIUS_LISTEN]" ;;
	*) echo "$SIRIUS_LISTEN" ;;
	esac
}

# stack_banner: where the server is and what to do next.
stack_banner() {
	local host url fake env_prefix=""
	host=$(stack_host)
	url="http://$host:$SIRIUS_HTTP_PORT/"
	fake=$stack_build/tools/sirius-fake
	[ "$SIRIUS_VAR" = "$stack_source/var" ] || env_prefix="SIRIUS_VAR=$SIRIUS_VAR "
	cat <<EOF

sirius is running (run.sh pid $$; Ctrl-C stops it).
  web UI:      ${SIRIUS_BASE_URL:-$url}
  bridges:     configure a bridge with $url
               (it connects to ws://$host:$SIRIUS_HTTP_PORT/api/v1/connection)
  state:       $SIRIUS_VAR (database $SIRIUS_DB)
EOF
	case $SIRIUS_LISTEN in
	127.* | ::1 | localhost)
		echo "  (only this machine can connect: SIRIUS_LISTEN=0.0.0.0 ./run.sh lets bridges on the network in)"
		;;
	esac
	cat <<EOF

Next steps, in another terminal:
  ${env_prefix}$fake user NAME --password PASSWORD    # an account, then log in at the web UI
  ${env_prefix}$fake printer                          # a printer without hardware: ADDRESS.printer
  ${env_prefix}$fake emulate ADDRESS.printer ws://$host:$SIRIUS_HTTP_PORT/api/v1/connection --out prints/
                                     # its bridge; claim it in the web UI with its claim code;
                                     # every print it receives is written as a PNG in prints/

EOF
}

# stack_group_alive PGID: true when a process of group PGID runs (zombies,
# whose parent has still to reap them, do not count).
stack_group_alive() {
	local pgid=$1 stat rest
	for stat in /proc/[0-9]*/stat; do
		# stderr first: a process that ends between the glob and the read is no error
		read -r rest 2>/dev/null <"$stat" || continue
		# after the command's name: state ppid pgrp ...
		rest=${rest##*) }
		# shellcheck disable=SC2086 # split on purpose: numbers and one-letter states, nothing to glob
		set -- $rest
		[ "$3" = "$pgid" ] && [ "$1" != Z ] && return 0
	done
	return 1
}

# stack_stop: stops every program stack_start started, and what they started
# (a TERM to each process group, a KILL after 10 s), then removes the pid
# file and sockets. Runs once, from the traps.
stack_stop() {
	local i pid deadline live
	[ "$stack_stopped" = 1 ] && return 0
	stack_stopped=1
	for pid in "${stack_pids[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	done
	deadline=$((SECONDS + 10))
	while :; do
		live=0
		for pid in "${stack_pids[@]}"; do
			stack_group_alive "$pid" && live=1
		done
		[ $live = 0 ] && break
		if [ $SECONDS -ge $deadline ]; then
			for i in "${!stack_pids[@]}"; do
				stack_group_alive "${stack_pids[$i]}" || continue
				stack_say "${stack_names[$i]} did not stop within 10 s: killing it"
				kill -KILL -- "-${stack_pids[$i]}" 2>/dev/null || true
			done
			sleep 0.5
			break
		fi
		sleep 0.1
	done
	for pid in "${stack_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${stack_owns_pidfile:-0}" = 1 ]; then
		rm -f "$SIRIUS_RELAY_SOCKET" "$SIRIUS_VAR"/sirius-web.sock* "$SIRIUS_VAR"/sirius-api.sock* "$stack_pidfile"
	fi
}

# stack_wait: waits until a signal (the traps stop the stack) or until one of
# the programs exits, which stops the others; returns 1 then.
stack_wait() {
	local i
	while :; do
		wait -n 2>/dev/null || true
		for i in "${!stack_pids[@]}"; do
			if ! kill -0 "${stack_pids[$i]}" 2>/dev/null; then
				stack_say "${stack_names[$i]} (pid ${stack_pids[$i]}) exited: stopping the rest"
				return 1
			fi
		done
	done
}

# stack_traps: stack_stop on exit and on INT, TERM and HUP (which then exit).
stack_traps() {
	trap 'stack_stop' EXIT
	trap 'stack_say "stopping"; stack_stop; exit 0' INT TERM HUP
}
