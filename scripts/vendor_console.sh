#!/usr/bin/env bash
# Download the admin console's third-party files again from the npm registry and check them against the digests
# in turms/admin/console/static/THIRD_PARTY.md (the versions are pinned here and there; change both together).
#
#   scripts/vendor_console.sh          re-vendor and verify (needs npm and the registry)
#
# The files are shipped as they are published: there is no JavaScript build step.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATIC="$ROOT/turms/admin/console/static"
HTMX_VERSION="2.0.11"
UPLOT_VERSION="1.6.32"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@$HTMX_VERSION" "uplot@$UPLOT_VERSION" >/dev/null
mkdir htmx uplot
tar xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar xzf "uplot-$UPLOT_VERSION.tgz" -C uplot
cp htmx/package/dist/htmx.min.js "$STATIC/htmx.min.js"
cp htmx/package/LICENSE "$STATIC/htmx.LICENSE"
cp uplot/package/dist/uPlot.iife.min.js uplot/package/dist/uPlot.min.css "$STATIC/"
cp uplot/package/LICENSE "$STATIC/uPlot.LICENSE"
cd "$STATIC"
status=0
for file in htmx.min.js uPlot.iife.min.js uPlot.min.css; do
  want="$(grep -F "\`$file\`" THIRD_PARTY.md | grep -o '`[0-9a-f]\{64\}`' | tr -d '`')"
  have="$(sha256sum "$file" | cut -d' ' -f1)"
  if [ "$want" != "$have" ]; then
    echo "vendor_console: $file is $have, THIRD_PARTY.md says $want" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "vendored htmx $HTMX_VERSION and uPlot $UPLOT_VERSION; digests match THIRD_PARTY.md"
exit "$status"
