#!/usr/bin/env bash
# Copies the front-end files the UI uses from npm (versions pinned exactly in
# internal/web/assets/package.json + package-lock.json) into the embedded
# folder internal/web/ui/static/vendor, and axe-core (a devDependency: the
# browser tests' accessibility checker, never served by the app) into
# internal/testkit/axe. Both folders are committed, so `go build`, `go run`
# and `go test` never need npm; run this script only to change a version:
#
#   (cd internal/web/assets && npm install --save-exact bootstrap@X.Y.Z)
#   scripts/vendor-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

src=internal/web/assets
dst=internal/web/ui/static/vendor

(cd "$src" && npm ci --ignore-scripts --no-audit --no-fund)

rm -rf "$dst" internal/testkit/axe/vendor
mkdir -p "$dst"/{htmx,idiomorph,bootstrap,bootstrap-icons/fonts,chart.js,swagger-ui} internal/testkit/axe/vendor

nm="$src/node_modules"
version() { node -p "require('./$nm/$1/package.json').version"; }

cp "$nm/htmx.org/dist/htmx.min.js"                    "$dst/htmx/"
cp "$nm/htmx-ext-sse/dist/sse.min.js"                 "$dst/htmx/htmx-ext-sse.min.js"
cp "$nm/htmx.org/LICENSE"                             "$dst/htmx/LICENSE"
cp "$nm/idiomorph/dist/idiomorph-ext.min.js"          "$dst/idiomorph/"
cp "$nm/idiomorph/LICENSE"                            "$dst/idiomorph/"
cp "$nm/bootstrap/dist/css/bootstrap.min.css"         "$dst/bootstrap/"
cp "$nm/bootstrap/dist/js/bootstrap.bundle.min.js"    "$dst/bootstrap/"
cp "$nm/bootstrap/LICENSE"                            "$dst/bootstrap/"
cp "$nm/bootstrap-icons/font/bootstrap-icons.min.css" "$dst/bootstrap-icons/"
cp "$nm/bootstrap-icons/font/fonts/bootstrap-icons.woff2" "$dst/bootstrap-icons/fonts/"
cp "$nm/bootstrap-icons/LICENSE"                      "$dst/bootstrap-icons/"
cp "$nm/chart.js/dist/chart.umd.min.js"               "$dst/chart.js/"
cp "$nm/chart.js/LICENSE.md"                          "$dst/chart.js/"
cp "$nm/swagger-ui-dist/swagger-ui-bundle.js"         "$dst/swagger-ui/"
cp "$nm/swagger-ui-dist/swagger-ui.css"               "$dst/swagger-ui/"
cp "$nm/swagger-ui-dist/LICENSE"                      "$dst/swagger-ui/"
cp "$nm/axe-core/axe.min.js"                          internal/testkit/axe/vendor/
cp "$nm/axe-core/LICENSE"                             internal/testkit/axe/vendor/

# The icon font's CSS also points at a .woff fallback; every browser we
# support reads woff2, so drop that reference instead of shipping the file.
sed -i 's|,url("fonts/bootstrap-icons.woff?[^"]*") format("woff")||' "$dst/bootstrap-icons/bootstrap-icons.min.css"

# Source-map comments point at files we do not ship; browsers would 404 on them.
find "$dst" -type f \( -name '*.js' -o -name '*.css' \) -exec \
  sed -i -E '/^\/[/*]# sourceMappingURL=[^ ]*( \*\/)?$/d' {} +

{
  echo "# Vendored by scripts/vendor-assets.sh — do not edit by hand."
  for p in htmx.org htmx-ext-sse idiomorph bootstrap bootstrap-icons chart.js swagger-ui-dist; do
    echo "$p $(version $p)"
  done
} > "$dst/VERSIONS"
{
  echo "# Vendored by scripts/vendor-assets.sh — do not edit by hand."
  echo "axe-core $(version axe-core)"
} > internal/testkit/axe/vendor/VERSIONS
cat internal/testkit/axe/vendor/VERSIONS
cat "$dst/VERSIONS"
du -sh "$dst"
