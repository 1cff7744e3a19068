#!/bin/bash
# Builds, on a CPU machine, what benches/gpu/check.sh runs on a GPU machine that has no Rust:
# burn-init's and burn-init-models' test suites (dev profile, every device) and the user-path
# and sampling criterion benches (release, wgpu with burn-init's device stream), stripped and packed into .gpu/bins.tar.xz (about 43 MB) beside
# a copy of check.sh. Loaders for Vulkan go in .gl/ (see the workplace's device notes: the
# machine has NVIDIA's Vulkan driver but may lack libvulkan1). Then, on the GPU machine, from the
# repository root with .gl and .gpu carried: `bash .gpu/check.sh` (about 5 minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
exe() { grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4; }
suite=$(cargo test -p burn-init --all-features --test suite --no-run --message-format=json 2>/dev/null | exe)
models=$(cargo test -p burn-init-models --all-features --test suite --no-run --message-format=json 2>/dev/null | exe)
bench=$(cargo bench -p burn-init-benches --features device-stream --bench user_path --no-run --message-format=json 2>/dev/null | exe)
sampling=$(cargo bench -p burn-init-benches --features device-stream --bench sampling --no-run --message-format=json 2>/dev/null | exe)
mkdir -p .gpu
cp "$suite" .gpu/suite
cp "$models" .gpu/models_suite
cp "$bench" .gpu/user_path
cp "$sampling" .gpu/sampling
cp benches/gpu/check.sh .gpu/check.sh
(cd .gpu && strip suite models_suite user_path sampling && tar cf - suite models_suite user_path sampling | xz -T2 -6 > bins.tar.xz && rm suite models_suite user_path sampling)
ls -la .gpu
