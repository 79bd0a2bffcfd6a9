#!/usr/bin/env bash
# Renders every overlay with kubectl's kustomize and validates it offline (validate.mjs): the
# Kubernetes and KEDA schemas, the operators' required fields, and the practices every workload
# must follow. No cluster needed. Installs kubectl and Node.js from the distribution if missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=()
command -v kubectl >/dev/null || missing+=(kubectl)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The validators, at the versions package-lock.json pins; installed again only when it changes.
if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi

rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
status=0
for overlay in "$here"/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" > "$rendered/$name.yaml"
  node "$here/validate.mjs" "$name" "$rendered/$name.yaml" || status=1
done
exit $status
