#ifndef AUGUR_KERNELS_C_H
#define AUGUR_KERNELS_C_H
#include <stdint.h>
#include <stddef.h>

// AVX2 kernels for quantized matrix products (see Sources/AugurKernels/Matmul.swift for the
// contract). Every kernel here has a scalar Swift twin in MatmulReference*.swift that computes the
// bit-identical result: integer block sums are exact, and the float combination follows the
// canonical order documented in MatmulReference.swift.

/// Activations of M rows quantized to 8 bits, as produced by augur_quantize_q8_32 / _q8_256.
/// Row m of each array starts at `m * <array>Stride` elements.
typedef struct {
    const int8_t *qs;       ///< quantized values, [M][qsStride], qsStride >= K
    const float *d;         ///< one scale per block (32 or 256 values), [M][dStride]
    const int32_t *sums;    ///< 32-blocks only: sum of each block's qs, [M][dStride]
    const int16_t *bsums;   ///< 256-blocks only: sum of each 16 consecutive qs, [M][bsumStride]
    const int8_t *gqs;      ///< 256-blocks, for grouped Q4_K weights only: qs rearranged by
                            ///< augur_group_q8_256, [M][qsStride]; NULL otherwise
    int qsStride;
    int dStride;            ///< >= number of blocks rounded up to a multiple of 8; padding is 0
    int bsumStride;
} augur_act;

/// Quantizes one row of K floats (K % 32 == 0) to 32-element blocks: d[b] = amax/127,
/// qs = round-to-nearest-even(x * (127/amax)), sums[b] = Σ qs of block b. Writes d and sums
/// up to `nbPad` blocks (extra entries are zero).
void augur_quantize_q8_32(const float *x, int K, int8_t *qs, float *d, int32_t *sums, int nbPad);

/// Quantizes one row of K floats (K % 256 == 0) to 256-element blocks (llama.cpp Q8_K style, but
/// with a float scale d = amax/127), bsums = Σ qs of each 16 consecutive elements.
void augur_quantize_q8_256(const float *x, int K, int8_t *qs, float *d, int16_t *bsums);

/// y[m * ldy + r] = Σ_k W[r][k] · x[m][k] for r in [rowBegin, rowEnd), m < M (M <= 64).
/// `w` is the start of row 0, `rowBytes` the stored bytes per row, K the row length in elements.
void augur_mm_q4_0(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);
void augur_mm_q4_1(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);
void augur_mm_q5_0(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);
void augur_mm_q8_0(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);
void augur_mm_q4_K(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);
void augur_mm_q5_K(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);
void augur_mm_q6_K(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);

/// Decode (M = 1) specialisations, same contract and bit-identical results as augur_mm_q4_K /
/// augur_mm_q6_K (which call them for M = 1, Q4_K also M = 2). They accept M <= 4 (fallback path).
void augur_mv_q4_K(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);
void augur_mv_q6_K(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                   const augur_act *a, int M, float *y, int ldy);

/// Multi-row (M >= 2, verification) products of Q4_K / Q6_K weights, same contract and
/// bit-identical results; two 32-element groups share one scale multiply (matmul_qk_mm.c).
/// augur_mm_q6_K calls it for M >= 2, augur_mm_q4_K for M >= 3.
/// Return 0 (computing nothing) when their thread-local scratch cannot be allocated.
int augur_mp_q4_K(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                  const augur_act *a, int M, float *y, int ldy);
int augur_mp_q6_K(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                  const augur_act *a, int M, float *y, int ldy);

/// Grouped Q4_K (matmul_q4k_grouped.c): the quants of each super-block rearranged so that the
/// int32 lane l of every product holds sub-block l alone. In the 128 quant bytes, byte 32t + 4l + r
/// holds element 8t + r of sub-block l in its low nibble and element 8t + 4 + r in its high
/// nibble (t < 4, l < 8, r < 4); the 16 header bytes (d, dmin, scales) are unchanged.
/// Rearranges `blocks` stored Q4_K super-blocks from `src` into `dst` (144 bytes each).
void augur_repack_q4_K_grouped(const void *src, void *dst, size_t blocks);
/// Rearranges one row of K (K % 256 == 0) Q8 (256) activation quants the same way: byte
/// 32i + 4l + r of a block = element 32l + 4i + r.
void augur_group_q8_256(const int8_t *src, int8_t *dst, int K);
/// Grouped Q4_K weights × Q8 (256) activations (needs a->gqs), any M; same contract as
/// augur_mm_q4_K, canonical order of MatmulReference.dotReference_q4KGrouped_q8K.
void augur_mm_q4_K_grouped(const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                           const augur_act *a, int M, float *y, int ldy);

/// Float-weight products: x is M × K fp32 (row stride ldx), `scratch` holds K floats (used to
/// widen one F16/BF16 row once for all M rows). `type`: 0 = F32, 1 = F16, 30 = BF16 (ggml ids).
void augur_mm_float(int type, const void *w, size_t rowBytes, int rowBegin, int rowEnd, int K,
                    const float *x, int ldx, int M, float *y, int ldy, float *scratch);

/// Reads `bytes` bytes (a multiple of 256) and returns a checksum, for bandwidth measurement.
uint64_t augur_stream_read(const void *p, size_t bytes);

/// Atomic fetch-and-add used to hand out row chunks to worker threads.
int augur_atomic_fetch_add(int *p, int v);

/// Persistent worker threads (worker_pool.c): between jobs each polls for ~2 ms, then sleeps.
typedef struct augur_pool augur_pool;
/// One part of a job: `part` is in 0..<parts, each called exactly once per job.
typedef void (*augur_task_fn)(void *ctx, int part);
/// Starts `workers` threads (fewer if the system refuses some; see augur_pool_workers). The pool
/// lives as long as the process. NULL if out of memory.
augur_pool *augur_pool_create(int workers);
/// Threads the pool got.
int augur_pool_workers(const augur_pool *pool);
/// Runs fn(ctx, 0) on the calling thread and fn(ctx, k) for 0 < k < parts on workers, and
/// returns 1 when all are done. Returns 0 without calling anything when parts - 1 exceeds the
/// workers or another job is running (the caller then runs the job some other way).
int augur_pool_run(augur_pool *pool, int parts, augur_task_fn fn, void *ctx);

#endif
