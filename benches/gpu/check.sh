#!/bin/bash
# One device check for burn-init, run on a GPU machine from the repository root with .gl and
# .gpu carried (benches/gpu/pack.sh builds and packs them on a CPU machine).
# 1. wgpu on a real GPU: every per-device test of burn-init's and burn-init-models' suites
#    (the models' golden fingerprints among them: same key, same bits as the host), and GPT-2
#    small's 124 M weights under PyTorch's default drawn by burn-init's kernel against the host.
# 2. The user-path bench on wgpu: Burn's own init on the device vs burn-init's host draw + upload.
# 3. The device stream (issue 23): the uniform family and sampler version 2's normal and
#    truncated normal drawn by burn-init's kernel (`tensor/`) vs the host draw + upload
#    (`upload/`) vs Burn's `Tensor::random` (`burn/`, where Burn has the law), one 4096² weight
#    and GPT-2 small's shapes (PyTorch's default;
#    N(0, 0.02²) by version 2). Step 1 checked their bits, GPT-2's included, and version 2's
#    transform on all 2³² words against the host.
set -o pipefail
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f $icd ] && export VK_DRIVER_FILES=$icd
nvidia-smi -L; nproc
cd .gpu && tar xJf bins.tar.xz && ls -la  # packed by benches/gpu/pack.sh
t() { echo "== $1: $(( $(date +%s) - $2 )) s"; }
s=$(date +%s); timeout 150 ./suite wgpu:: --test-threads 8 > $OUT/suite.log 2>&1; echo "rc $?"; grep -E "^test result|FAILED|panicked" $OUT/suite.log | head -20; t suite $s
s=$(date +%s); timeout 90 ./suite gpt2_small_under --include-ignored > $OUT/gpt2_bits.log 2>&1; echo "rc $?"; grep -E "^test |^test result|panicked" $OUT/gpt2_bits.log | head; t gpt2_bits $s
s=$(date +%s); timeout 120 ./suite the_version_2_transform_is_the_hosts_on_all_words --include-ignored --nocapture > $OUT/all_words.log 2>&1; echo "rc $?"; grep -E "^test |differ|^test result|panicked" $OUT/all_words.log | head; t all_words $s
s=$(date +%s); timeout 100 ./models_suite wgpu:: --test-threads 8 > $OUT/models.log 2>&1; echo "rc $?"; grep -E "^test result|FAILED|panicked" $OUT/models.log | head -20; t models $s
s=$(date +%s); BURN_INIT_BENCH_DEVICE=wgpu timeout 290 ./user_path --bench --noplot > $OUT/bench.log 2>&1; echo "rc $?"; grep -E "time:|thrpt:|^wgpu|error|panick" $OUT/bench.log; t bench $s
s=$(date +%s); BURN_INIT_BENCH_DEVICE=wgpu timeout 150 ./sampling --bench --noplot 'wgpu/(weight_4096x4096/(tensor|upload|burn)/(uniform|normal|normal_v2|trunc_normal|trunc_normal_v2)$|model/(tensor|upload|burn)/gpt2_small(_uniform|_v2)?$)' > $OUT/stream.log 2>&1; echo "rc $?"; grep -E "time:|^wgpu|error|panick" $OUT/stream.log; t stream $s
