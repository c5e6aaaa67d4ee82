#!/usr/bin/env bash
# Installs what Gongji needs beyond the .NET SDK, from Debian: the PostgreSQL server binaries (the tests
# start a throwaway cluster with initdb/pg_ctl), Chromium and a Chinese font (the browser tests drive
# /usr/bin/chromium with Playwright), wrk (the identity-flag load measurement), and Node.js/npm if
# missing (the web app's ECharts is built from npm). Safe to run again.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK (dotnet) is needed and is not on PATH" >&2
  exit 1
fi

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
id postgres >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || missing+=(fonts-wqy-microhei)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]} from Debian"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web app's front-end libraries (src/Gongji.App/web/package-lock.json); the build runs this too.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$here/src/Gongji.App/web/node_modules/echarts/package.json" ]; then
  (cd "$here/src/Gongji.App/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
