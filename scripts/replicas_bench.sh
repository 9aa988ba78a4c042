#!/usr/bin/env bash
# Sync counter-sign latency (p50/p99) and throughput through the official Python SDK, one replica
# against three replicas on one PostgreSQL database (and one SQLite single process for reference).
# Starts its own PostgreSQL (the distribution's binaries) on a temporary folder and loopback port.
# Usage: scripts/replicas_bench.sh [SECONDS] [CLIENTS]   (needs .venv with tencentcloud-sdk-python-ess)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seconds="${1:-20}"
clients="${2:-6}"
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release --features postgres --bin countersign >&2
bin="$target/release/countersign"
python="$repo/.venv/bin/python3"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

work="$(mktemp -d /tmp/countersign-bench.XXXXXX)"
pids=()
as_pg=()
if [[ "$(id -u)" == 0 ]]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -U countersign --auth=trust >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-p $port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
url="postgres://countersign@127.0.0.1:$port/postgres"

config() { # $1: store line
    cat <<TOML
$1
rate_limit = 1000000
workers = 1
[[organizations]]
id = "bench"
quota = 100000000
credential = { key = "$repo/testdata/pki/demo.key.pem", certificates = "$repo/testdata/pki/demo.chain.pem" }
[[employees]]
user_id = "bench-user"
organization = "bench"
permissions = ["upload", "counter_sign"]
secrets = [{ id = "AKIDbench", key = "bench-secret" }]
TOML
}
config "store = \"sqlite\"" >"$work/sqlite.toml"
config "store = \"$url\"
blobs = \"$work/shared-files\"" >"$work/pg.toml"

start() { # $1: config, $2: data folder; sets $endpoint (host:port). Not in a subshell: $pids.
    mkdir -p "$work/logs"
    local log="$work/logs/$(basename "$2").log"
    "$bin" serve --listen 127.0.0.1:0 --config "$1" --data "$2" >"$log" 2>&1 &
    pids+=($!)
    until grep -qs '^Listening: ' "$log"; do sleep 0.1; done
    endpoint="$(sed -n 's|^Listening: http://||p' "$log")"
}
run() { # endpoints...
    SECRET_ID=AKIDbench SECRET_KEY=bench-secret USER_ID=bench-user \
        "$python" scripts/replicas_bench.py "$seconds" "$clients" testdata/pdf/classic.pdf "$@"
}
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; pids=(); }

echo "| store | replicas | clients | signed | per second | p50 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|---|---|"
start "$work/sqlite.toml" "$work/sqlite"
echo -n "| SQLite "; run "$endpoint"
stop_all
start "$work/pg.toml" "$work/r0"; one="$endpoint"
echo -n "| PostgreSQL "; run "$one"
start "$work/pg.toml" "$work/r1"; two="$endpoint"
start "$work/pg.toml" "$work/r2"; three="$endpoint"
echo -n "| PostgreSQL "; run "$one" "$two" "$three"
stop_all
