#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, on a unix socket in a fresh temp dir (no TCP port to collide on).
#   pg_temp.sh start STATE_DIR   starts it; writes STATE_DIR/url (a libpq URI of the "postgres" database) and
#                                STATE_DIR/dir; without PostgreSQL binaries it writes STATE_DIR/skip (the reason)
#                                and exits 0, so tests can skip saying why
#   pg_temp.sh stop STATE_DIR    stops it and removes the temp dir
# postgres refuses to run as root: as root the server runs as the `postgres` user (runuser).
set -euo pipefail
cmd=${1:?usage: pg_temp.sh start|stop STATE_DIR}
state=${2:?usage: pg_temp.sh start|stop STATE_DIR}

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [[ -x $d/pg_ctl && -x $d/initdb ]]; then bindir=$d; break; fi
done
if [[ -z $bindir ]] && command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
  bindir=$(dirname "$(command -v pg_ctl)")
fi

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
  start)
    [[ -f $state/dir ]] && "$0" stop "$state"  # a server left by an interrupted run
    mkdir -p "$state"
    rm -f "$state/url" "$state/dir" "$state/skip"
    if [[ -z $bindir ]]; then
      echo "PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql (scripts/setup does)" \
        | tee "$state/skip"
      exit 0
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
      echo "running as root and there is no 'postgres' user to run PostgreSQL as" | tee "$state/skip"
      exit 0
    fi
    dir=$(mktemp -d /tmp/gb-pg.XXXXXX)
    echo "$dir" >"$state/dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    cd "$dir"  # the postgres user may not be allowed into the caller's working directory
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses= -F -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql:///postgres?host=$dir&user=postgres" >"$state/url"
    cat "$state/url"
    ;;
  stop)
    [[ -f $state/dir ]] || exit 0
    dir=$(cat "$state/dir")
    cd /
    if [[ -n $bindir && -d $dir/data ]]; then
      as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    rm -f "$state/url" "$state/dir"
    ;;
  *)
    echo "usage: pg_temp.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
