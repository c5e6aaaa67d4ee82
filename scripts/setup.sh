#!/usr/bin/env bash
# Installs what Gongji needs beyond the .NET SDK: Debian's PostgreSQL server binaries, which the tests
# start as a throwaway cluster (initdb/pg_ctl in a temporary folder). Safe to run again.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK (dotnet) is needed and is not on PATH" >&2
  exit 1
fi

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
id postgres >/dev/null 2>&1 || missing+=(postgresql)

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]} from Debian"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
