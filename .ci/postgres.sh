#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for the end-to-end tests and the `database` example.
#
#   eval "$(bash .ci/postgres.sh start)"   # install if missing, init, start; exports the env below
#   bash .ci/postgres.sh restart            # what the restart test runs (pg_ctl restart -m fast)
#   bash .ci/postgres.sh stop               # stop it and delete its data directory
#
# `start` prints, on stdout and nothing else:
#   export RETRY_TEST_PG='host=127.0.0.1 port=… user=postgres dbname=postgres'
#   export RETRY_TEST_PG_DATA=/tmp/retry-pg.…
# RETRY_TEST_PG is what the tests connect with (absent: they skip, saying so). RETRY_TEST_PG_DATA
# is what `restart` and `stop` act on. Progress goes to stderr.
#
# The server trusts every loopback connection and keeps its data in a temporary directory: it is
# for tests only. As root, it runs as the `postgres` user, since initdb refuses root.
set -euo pipefail

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

bin_dir() {
    # The newest installed major version.
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && printf '%s\n' "$dir"
}

install_if_missing() {
    bin_dir >/dev/null && return 0
    if [ "$(id -u)" != 0 ]; then
        log "PostgreSQL is not installed; as root: apt-get install postgresql"
        exit 1
    fi
    log "installing PostgreSQL (apt-get install postgresql)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bin_dir >/dev/null || { log "installed, but no initdb under /usr/lib/postgresql/*/bin"; exit 1; }
}

# Runs a PostgreSQL binary as the owner of the data directory.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_is_free() {
    # A refused connection means nobody listens there.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local port
    for port in $(seq "${RETRY_PG_PORT:-55432}" 55532); do
        if port_is_free "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    log "no free port in ${RETRY_PG_PORT:-55432}..55532"
    exit 1
}

start() {
    install_if_missing
    local bin data port
    bin=$(bin_dir)
    data=$(mktemp -d "${TMPDIR:-/tmp}/retry-pg.XXXXXX")
    [ "$(id -u)" = 0 ] && chown postgres: "$data"
    log "initdb in $data ($bin)"
    as_owner "$bin/initdb" --pgdata="$data" --username=postgres --auth=trust \
        --encoding=UTF8 --no-instructions >"$data.initdb.log" 2>&1 ||
        { cat "$data.initdb.log" >&2; exit 1; }
    port=$(free_port)
    # In the configuration file rather than on pg_ctl's command line, so `restart` keeps them.
    # fsync off: the data is thrown away, and a fast shutdown is clean anyway.
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
fsync = off
max_connections = 50
EOF
    log "starting on 127.0.0.1:$port"
    as_owner "$bin/pg_ctl" --pgdata="$data" --log="$data/server.log" --wait --timeout=60 start >&2 ||
        { cat "$data/server.log" >&2; exit 1; }
    printf "export RETRY_TEST_PG='host=127.0.0.1 port=%s user=postgres dbname=postgres'\n" "$port"
    printf 'export RETRY_TEST_PG_DATA=%s\n' "$data"
}

data_dir() {
    local data=${RETRY_TEST_PG_DATA:-}
    if [ -z "$data" ] || [ ! -f "$data/PG_VERSION" ]; then
        log "RETRY_TEST_PG_DATA does not name a data directory this script started"
        exit 1
    fi
    printf '%s\n' "$data"
}

restart() {
    local data
    data=$(data_dir)
    # -m fast: open sessions are cut, as in a failover or a crash-restart of the service.
    # --log again: without it the new server would keep our stderr open, and whoever waits for
    # this script's output to end would wait for the server to exit.
    as_owner "$(bin_dir)/pg_ctl" --pgdata="$data" --log="$data/server.log" --mode=fast --wait \
        --timeout=60 restart >&2
}

stop() {
    local data
    data=$(data_dir)
    as_owner "$(bin_dir)/pg_ctl" --pgdata="$data" --mode=fast --wait --timeout=60 stop >&2 || true
    rm -rf "$data" "$data.initdb.log"
}

case "${1:-start}" in
    start) start ;;
    restart) restart ;;
    stop) stop ;;
    *) log "usage: postgres.sh [start|restart|stop]"; exit 2 ;;
esac
