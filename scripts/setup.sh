#!/usr/bin/env bash
# Install what the plugin, its demo and its tests need; fast when already done.
# Debian 12 (QGIS 3.22) and Debian 13 (QGIS 3.40): only Debian's packages and PyPI are used.
#   - Debian packages: QGIS, GDAL, numpy/scipy for Debian's /usr/bin/python3, Qt tools
#   - .venv: /usr/bin/python3 with system site packages (sees qgis) + pytest-qgis, hypothesis
#   - the plugin made visible to QGIS as folder "spectralmatch" (a link to this checkout) in
#     .build/plugins (for QGIS_PLUGINPATH) and in the default QGIS profile (desktop), and
#     enabled for qgis_process
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$here/.venv"

# python3-dask, python3-distributed: the optional Dask cluster runs (SCHEDULER), and their tests
debs=(qgis python3-qgis qgis-providers gdal-bin python3-gdal python3-numpy python3-scipy
      python3-venv python3-pip qttools5-dev-tools pyqt5-dev-tools time
      python3-dask python3-distributed fusefat dosfstools)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating $venv (with system site packages: qgis, GDAL, numpy, scipy)"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if ! "$venv/bin/python" -c "import pytest_qgis, hypothesis" 2>/dev/null; then
  echo "setup: installing test tools into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements-dev.txt" 2>&1 \
    | grep -v "^WARNING: Location" || true
  "$venv/bin/python" -c "import pytest_qgis, hypothesis"
fi

# The plugin under the folder name QGIS expects.
mkdir -p "$here/.build/plugins"
ln -sfn "$here" "$here/.build/plugins/spectralmatch"
profile="${HOME}/.local/share/QGIS/QGIS3/profiles/default"
mkdir -p "$profile/python/plugins"
link="$profile/python/plugins/spectralmatch"
if [ -L "$link" ] || [ ! -e "$link" ]; then
  ln -sfn "$here" "$link"
else
  echo "setup: $link is an installed copy of the plugin; leaving it alone"
fi
if ! grep -qs "^spectralmatch=true" "$profile/QGIS/QGIS3.ini"; then
  QT_QPA_PLATFORM=offscreen qgis_process.bin plugins enable spectralmatch >/dev/null 2>&1 || true
  if grep -qs "^spectralmatch=true" "$profile/QGIS/QGIS3.ini"; then
    echo "setup: plugin spectralmatch enabled for qgis_process"
  else
    echo "setup: could not enable the plugin with qgis_process.bin plugins enable" >&2
    exit 1
  fi
fi

# Compiled translations, rebuilt when their source is newer.
for ts in "$here"/i18n/*.ts; do
  qm="${ts%.ts}.qm"
  if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then
    lrelease -silent "$ts" -qm "$qm"
  fi
done
