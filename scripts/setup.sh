#!/usr/bin/env bash
# Install what the plugin, its demo and its tests need, once; fast when already done.
# Debian 12 (QGIS 3.22) and Debian 13 (QGIS 3.40) both work: only Debian's packages and PyPI.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SPECTRALMATCH_VENV:-$here/.venv}"

debs=(qgis python3-qgis qgis-providers gdal-bin python3-gdal python3-scipy python3-venv
      python3-pip qttools5-dev-tools time)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating venv $venv (system site packages: qgis, GDAL, numpy, scipy)"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if ! "$venv/bin/python" -c "import pytest_qgis, hypothesis" 2>/dev/null; then
  echo "setup: installing test tools into the venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements-dev.txt"
fi
