#!/usr/bin/env bash
# Load test of the unit page: starts a release server on a fresh SQLite file with demo accounts, logs in,
# then runs wrk (Debian package `wrk`) with 64 connections for 20 s against one unit page. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release -p mtqg-cli --quiet
dir=$(mktemp -d)
port=18080
MTQG_LOG=warn target/release/mtqg --database-url "sqlite:$dir/bench.db" serve --demo --listen "127.0.0.1:$port" >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
cookie=$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"username":"admin","password":"mtqg-demo-2026"}' "http://127.0.0.1:$port/api/v1/session" \
  | grep -i '^set-cookie' | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
for path in "/units/00004?date=2026-06-01" "/units/384?date=2023-06-01"; do
  echo "== GET $path"
  wrk -t2 -c64 -d20s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$path" | grep -E "Requests/sec|Latency|99%|Non-2xx|requests in"
done
