#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (docs site and report screenshots), unless it is there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
# Parallel test workers may both find it missing: the second waits for the first's install, then finds it.
exec 9>"${TMPDIR:-/tmp}/ctdss-install-chromium.lock"
flock 9
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium
