#!/usr/bin/env bash
# On the lent GPU machine (run by the device tool, carrying .gl and
# .devicekit-pack; see make-kit.sh): unpack the kit, install the Vulkan
# loader, then bench/backends.ts (webgpu and wasm beside PyTorch CUDA and
# CPU, alternating) and one real training run per backend choice through
# the trainer CLI. Everything lands in $OUT.
set -uo pipefail
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[[ -f $ICD ]] && export VK_DRIVER_FILES=$ICD
python3 -c "import tarfile; tarfile.open('.devicekit-pack/kit.tar.xz').extractall('/tmp/kit')"
export PATH=/tmp/kit/bin:$PATH
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
node -v; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
ROUNDS=${ROUNDS:-3}
node /tmp/kit/app/backends.js --backends webgpu,wasm --torch cuda,cpu --rounds "$ROUNDS" --steps 300 --batch 256 --out "$OUT/backends-b256.md" 2>&1 | tee "$OUT/bench.log"
node /tmp/kit/app/backends.js --backends webgpu --torch cuda,cpu --rounds "$ROUNDS" --steps 100 --batch 4096 --hidden 512 --out "$OUT/backends-b4096.md" 2>&1 | tee -a "$OUT/bench.log"
# The trainer CLI end to end: auto must pick webgpu on this machine, pass the self-check and train.
D=$(mktemp -d); cp templates/toy/model.ts "$D/"
echo '{"name":"gpu","variant":"wgan-gp","data":{"name":"8gaussians"},"training":{"steps":300}}' > "$D/gan.config.json"
node /tmp/kit/app/trainer.js train --config "$D/gan.config.json" --run-dir "$D/run" 2>&1 | tee "$OUT/train-auto.log" | grep -v '^step' | head -20
cp "$D/run/status.json" "$OUT/train-auto-status.json" 2>/dev/null
tail -1 "$D/run/metrics.jsonl" > "$OUT/train-auto-last-metrics.json" 2>/dev/null
