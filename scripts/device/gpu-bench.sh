#!/usr/bin/env bash
# On the lent GPU machine (run by the device tool, carrying .gl and
# .devicekit-pack; see make-kit.sh): unpack the kit, install the Vulkan
# loader, then bench/backends.ts side by side with PyTorch (CUDA and CPU),
# alternating: the MLP GAN and the DCGAN rows of issue #4, WebGPU with the
# trainer's pooled uploads and with tfjs's own; then one real DCGAN run on
# MNIST through the trainer CLI under 'auto' (it must pick webgpu, pass the
# self-check and train). Everything lands in $OUT.
set -uo pipefail
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[[ -f $ICD ]] && export VK_DRIVER_FILES=$ICD
python3 -c "import tarfile; tarfile.open('.devicekit-pack/kit.tar.xz').extractall('/tmp/kit')"
export PATH=/tmp/kit/bin:$PATH
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
node -v; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
B="node /tmp/kit/app/backends.js --python python3"
R=${ROUNDS:-2}
T=${TORCH:-cuda,cpu}
$B --model mlp --backends webgpu,webgpu-stock${MLP_WASM-,wasm} --torch "$T" --rounds "$R" --steps 300 --batch 256 --out "$OUT/mlp-b256.md" 2>&1 | tee "$OUT/bench.log"
$B --model dcgan --backends webgpu,webgpu-stock --torch "$T" --rounds "$R" --steps 40 --warmup 5 --batch 64 --out "$OUT/dcgan-b64.md" 2>&1 | tee -a "$OUT/bench.log"
$B --model dcgan --backends webgpu --torch "$T" --rounds "$R" --steps 20 --warmup 3 --batch 256 --out "$OUT/dcgan-b256.md" 2>&1 | tee -a "$OUT/bench.log"
$B --model dcgan --variant wgan-gp --backends webgpu --torch "$T" --rounds "$R" --steps 30 --warmup 3 --batch 64 --out "$OUT/wgangp-b64.md" 2>&1 | tee -a "$OUT/bench.log"
# The trainer CLI end to end on MNIST.
D=$(mktemp -d); cp templates/image/model.ts "$D/"
printf '{"name":"gpu","variant":"gan-ns","model":{"latentDim":64,"hidden":64,"depth":2},"data":{"kind":"mnist"},"training":{"steps":%s,"batchSize":64},"logging":{"metricsEvery":20,"samplesEvery":50,"evalSamples":1024}}' "${TRAIN_STEPS:-300}" > "$D/gan.config.json"
timeout 150 node /tmp/kit/app/trainer.js train --config "$D/gan.config.json" --run-dir "$D/run" 2>&1 | tee "$OUT/train-auto.log" | grep -v '^step' | head -20
tail -3 "$OUT/train-auto.log"
cp "$D/run/status.json" "$OUT/train-auto-status.json" 2>/dev/null
cp "$(ls "$D"/run/samples/step-*.png | tail -1)" "$OUT/train-auto-last.png" 2>/dev/null
