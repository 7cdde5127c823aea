#!/bin/sh
# Builds the dashboard with Debian 12's own Node.js 18 and npm 9 (unpacked from Debian's packages
# into a scratch directory, never installed), to show the README's Node >= 18 claim holds on a
# stock Debian 12 machine. Needs root (a private mount namespace puts Debian's node modules at
# /usr/share/nodejs, where Debian's node looks for them) and apt's package lists. By hand:
#   sudo sh tools/check_node18.sh
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances npm 2>/dev/null | grep -E '^(node-|npm|gyp|libjs-)' | sort -u)
apt-get download -q nodejs=18.20.4+dfsg-1~deb12u3 libnode108=18.20.4+dfsg-1~deb12u3 $pkgs >/dev/null 2>&1
for f in *.deb; do dpkg -x "$f" root; done
cp -r "$src/web" web && rm -rf web/node_modules web/dist
mkdir -p /usr/share/nodejs
unshare -m sh -c "mount --bind '$scratch/root/usr/share/nodejs' /usr/share/nodejs &&
  export PATH='$scratch/root/usr/bin':\$PATH LD_LIBRARY_PATH='$scratch/root/usr/lib/x86_64-linux-gnu' &&
  cd web && echo node \$(node --version) npm \$(node /usr/share/nodejs/npm/bin/npm-cli.js --version) &&
  node /usr/share/nodejs/npm/bin/npm-cli.js ci --no-audit --no-fund &&
  node /usr/share/nodejs/npm/bin/npm-cli.js run build"
rmdir /usr/share/nodejs 2>/dev/null || true
test -f web/dist/index.html && echo "dashboard built with Debian 12's node 18"
