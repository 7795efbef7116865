#!/usr/bin/env bash
# Fetch the pinned reveal.js from the npm registry (with npm, the registry's own client) into
# vendor/reveal.js: the files an offline slides page loads, its licence and package.json.
# `make setup` runs it when this script changes (a new pin) or the folder is missing; slides pages
# copy what they load from there, so nothing is fetched from a CDN when a page is opened.
set -euo pipefail
VERSION=6.0.1   # the version manim-slides 5.7's page template is written for
INTEGRITY=sha512-9eacArNIgqO2HGWOK+93gJNn+gvdGDVbSq+i2u3Ja9kjiHps0XNLpgYTZTYjKRH91uXy3clGimeGiw4umHG/tg==
TARGET=${1:-vendor/reveal.js}

if ! command -v npm >/dev/null 2>&1; then
  bash "$(dirname "$0")/install_system_packages.sh" npm
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm pack "reveal.js@$VERSION" --pack-destination "$work" --silent >/dev/null
tarball="$work/reveal.js-$VERSION.tgz"
actual="sha512-$(python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "error: reveal.js-$VERSION.tgz does not match its pinned integrity ($actual)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/LICENSE package/package.json package/dist
rm -rf "$TARGET.new"
mkdir -p "$(dirname "$TARGET")"
mv "$work/package" "$TARGET.new"
rm -rf "$TARGET"
mv "$TARGET.new" "$TARGET"
touch "$TARGET/package.json"  # newer than this script: make sees it is done
echo "reveal.js $VERSION (MIT licence) in $TARGET"
