#!/usr/bin/env bash
# Installs what the workbook needs to build its programs, its tests and its book.
# Used by the README's first command (make setup) and by .ci/run.
# As root it installs with apt-get; otherwise it uses sudo when that works without a password,
# and failing both it prints the exact command to run and exits 1.
set -u

packages=(build-essential pkg-config check pandoc graphviz clang libclang-rt-14-dev valgrind
          chromium epubcheck                              # make test: the book in a browser, the EPUB checked
          libevent-dev libev-dev libuv1-dev gnuplot-nox   # bench/ (make bench)
          python3-twisted) # chapters 6 and 8: checked against real Twisted; bench/ too

# --list: the packages, one a line (tools/run-tests.sh reads them: under CI=true a test skipped because
# it "needs" one of them is a failure).
if [ "${1:-}" = --list ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed already"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: no apt-get here; install these with your package manager: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-deps: not root and no password-less sudo; run this, then try again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

apt_opts=(-o DPkg::Lock::Timeout=300 -q)
"${as_root[@]}" apt-get "${apt_opts[@]}" update || { sleep 5; "${as_root[@]}" apt-get "${apt_opts[@]}" update; } || {
  echo "install-deps: apt-get update failed twice" >&2
  exit 1
}
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" || {
  echo "install-deps: apt-get install failed for: ${missing[*]}" >&2
  exit 1
}
echo "install-deps: installed ${missing[*]}"
