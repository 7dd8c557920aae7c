#!/usr/bin/env bash
# Install the Debian packages that placesim's tests and report need:
#
#   chromium        headless browser: tests/test_report.py opens report.html and screenshots it
#   poppler-utils   pdftoppm and pdftotext: tests turn report.pdf into PNG pages and text
#   libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz0b, fontconfig, fonts-dejavu-core
#                   the system libraries and a font WeasyPrint (the PDF renderer, from PyPI)
#                   draws with; usually present already
#
# Idempotent: it asks dpkg what is missing and runs `apt-get update` and `apt-get install`
# only for that, so it returns at once when everything is there. Runs as root without
# sudo, and through sudo otherwise.
#
#   bash scripts/install_system_deps.sh            # install what is missing
#   bash scripts/install_system_deps.sh --check    # only say what is missing (exit 1 if any)
set -euo pipefail

PACKAGES=(chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fontconfig fonts-dejavu-core)

# Installed, or installed with only its triggers still to run (files in place).
present() {
    case "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" in
        installed|triggers-pending|triggers-awaited) return 0 ;;
        *) return 1 ;;
    esac
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    present "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install_system_deps: all present (${PACKAGES[*]})"
    exit 0
fi

if [ "${1:-}" = "--check" ]; then
    echo "install_system_deps: missing: ${missing[*]}"
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_system_deps: no apt-get on this machine; install these yourself: ${missing[*]}" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install_system_deps: not root and no sudo; as root run: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "install_system_deps: installing ${missing[*]}"
# Wait (up to 10 minutes) for another apt or dpkg run to finish instead of failing.
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
${SUDO[@]+"${SUDO[@]}"} "${APT[@]}" update -qq
${SUDO[@]+"${SUDO[@]}"} "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}"

for pkg in "${missing[@]}"; do
    if ! present "$pkg"; then
        echo "install_system_deps: $pkg did not install" >&2
        exit 1
    fi
done
echo "install_system_deps: done"
