#!/usr/bin/env bash
# GPU check of the WebGPU depthwise programs, for a session lent a GPU machine (shared/device.md).
# Prepare on your own machine, in the repo root (all three are git-ignored via .git/info/exclude):
#   mkdir -p .dev && xz -T2 -6 -c "$(command -v deno || echo node_modules/deno/deno)" > .dev/deno.xz
#   deno bundle -o .dev/device_check.js bench/device_check.ts
#   .gl/: libvulkan1 & co as .deb (recipe in the device tool's README)
# Then one call:  run(command="bash bench/device_check.sh", carry=[".dev", ".gl"], timeout_s=480)
# Prints the correctness lines and the speed table (ours per family vs tfjs built-in, then
# PyTorch CUDA) and writes device_check.json and torch_cuda.json under $OUT.
set -uo pipefail
OUT="${OUT:-/tmp/device_check_out}"
mkdir -p "$OUT"
if [ -d .gl ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if [ -z "$(ldconfig -p | grep libvulkan)" ]; then echo "no libvulkan: carry .gl"; fi
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$ICD" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES="$ICD"; fi
DENO=/tmp/deno
xz -dc .dev/deno.xz > "$DENO" && chmod +x "$DENO"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
SCRIPT=.dev/device_check.js
[ -f "$SCRIPT" ] || SCRIPT=bench/device_check.ts
timeout 360 "$DENO" run -A --unstable-webgpu "$SCRIPT" --batch "${BATCH:-8}" --reps "${REPS:-20}" \
  --out "$OUT/device_check.json" 2>&1 | tee "$OUT/device_check.log"
status=${PIPESTATUS[0]}
echo
PYTHONUNBUFFERED=1 timeout 90 python3 bench/torch_depthwise_cuda.py --batch "${BATCH:-8}" \
  --reps "${REPS:-20}" --out "$OUT/torch_cuda.json" 2>&1 | tee "$OUT/torch_cuda.log"
exit "$status"
