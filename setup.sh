#!/usr/bin/env bash
# Create .venv with Python 3.12+ (Mesa 3.5 needs it) and install Locality with its test tools.
# Safe to run again: it reuses a good .venv and only reinstalls the project.
set -euo pipefail
cd "$(dirname "$0")"

is_new_enough() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
    local candidates=()
    [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
    candidates+=(python3.13 python3.12)
    for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv; do
        [ -n "$root" ] && candidates+=("$root"/versions/3.1[2-9]*/bin/python3)
    done
    candidates+=(python3)
    for py in "${candidates[@]}"; do
        if command -v "$py" >/dev/null 2>&1 && is_new_enough "$py"; then echo "$py"; return 0; fi
        if [ "$py" = python3.12 ] && PYENV_VERSION=3.12.1 is_new_enough python3.12; then
            echo "env PYENV_VERSION=3.12.1 python3.12"; return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ] || ! is_new_enough .venv/bin/python; then
    if ! PY=$(find_python); then
        echo "setup.sh: Locality needs Python 3.12 or newer (Mesa 3.5 requires it) and found none." >&2
        echo "Install one (for example 'pyenv install 3.12') or point PYTHON at it: PYTHON=/path/to/python3.12 ./setup.sh" >&2
        exit 1
    fi
    rm -rf .venv
    echo "setup.sh: creating .venv with $($PY --version 2>&1)" >&2
    $PY -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
fi
# setuptools prints a banner about editable installs of top-level packages; it is not an error.
PYTHONWARNINGS=ignore::UserWarning .venv/bin/python -m pip install --quiet -e '.[test]'

# Solara's Markdown (on every page of the app) loads KaTeX through Solara's CDN proxy, and
# solara-assets lacks the version this solara asks for: offline that is a 404 per file in the
# browser. Put the same package from the npm registry into Solara's asset cache.
read -r cdn_dir katex < <(.venv/bin/python -c 'import inspect, re, solara.components.markdown as md, solara.server.settings as s
print(s.assets.proxy_cache_dir, re.search(r"katex@[0-9.]+", inspect.getsource(md)).group())')
if [ ! -f "$cdn_dir/$katex/dist/katex.min.js" ]; then
    echo "setup.sh: adding $katex (npm pack) to Solara's offline assets in $cdn_dir" >&2
    pack=$(mktemp -d)
    if command -v npm >/dev/null 2>&1 && (cd "$pack" && npm pack --silent "$katex" >/dev/null 2>&1); then
        mkdir -p "$cdn_dir/$katex"
        tar xzf "$pack"/*.tgz -C "$cdn_dir/$katex" --strip-components=1
    else
        echo "setup.sh: could not fetch $katex with npm; the app works, but its pages log 404s for KaTeX offline" >&2
    fi
    rm -rf "$pack"
fi

# The browser test (tests/test_browser.py) drives Debian's chromium. Install it when it is
# missing and we can (root with apt-get, as on CI); otherwise that one test is skipped.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: installing chromium for the browser test (apt-get, about a minute)" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1; then
        echo "setup.sh: could not install chromium; the browser test will be skipped" >&2
    fi
fi
