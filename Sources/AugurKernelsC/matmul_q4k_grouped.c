// Q4_K in the grouped layout (see AugurKernelsC.h) × Q8 (256) activations. Scalar twin:
// MatmulReference.dotReference_q4KGrouped_q8K (bit-identical at every M).
//
// Why a second layout: in the stored layout a 32-byte vector of quants is one sub-block, so its
// int16 products can only be summed within that sub-block, and every 32 elements per activation
// row cost a second multiply (madd with the sub-block scale; paired groups in matmul_qk_mm.c cut
// that to one per 64). Here the 8 vectors of a super-block each hold 4 elements of every
// sub-block, at the same byte positions, so the 8 maddubs results add up in int16 — int16 lanes
// 2l, 2l+1 hold sub-block l's 32 products (|sum| <= 32·15·127 / 2 = 30480: no overflow, since
// activation quants are within ±127) — and one madd with the scales gives int32 lane l = s_l ·
// Σ q·y of sub-block l. Per super-block and activation row: 8 maddubs + 7 adds + 1 madd, against
// 8 + 4 + 4 + 4 (+ pairing) before; measured 2.2 vs 3.3 ns per extra row (one thread, hot).
// The activations are rearranged once per product (augur_group_q8_256), the weights once at load.
//
// Float order per super-block and row (lane l): u = (−dmin)·Float(Imin_l); u = fma(d, Float(I_l), u);
// acc_l = fma(d_a, u, acc_l); the canonical 8-lane reduction at the end.
#include "AugurKernelsC.h"
#include "kernels_common.h"

/// Most activation rows per pass over a weight row. Up to 8 the int16 sums and accumulators stay in
/// registers; 9 and 10 spill a little but one pass still beats two (M = 9, one thread, K = 1536:
/// 26.6–27.0 ns per super-block against 31.6 as 5 + 4; M = 10: 31.3 against 34.7).
#ifndef GROUPED_MAXT
#define GROUPED_MAXT 10
#endif

/// 8×8 transpose of 32-bit words: out[i] word l = in[l] word i.
AUGUR_INLINE void transpose8x32(const __m256i in[8], __m256i out[8]) {
    __m256i t[8], u[8];
    for (int k = 0; k < 4; k++) {
        t[2 * k] = _mm256_unpacklo_epi32(in[2 * k], in[2 * k + 1]);
        t[2 * k + 1] = _mm256_unpackhi_epi32(in[2 * k], in[2 * k + 1]);
    }
    for (int h = 0; h < 2; h++) {
        u[4 * h + 0] = _mm256_unpacklo_epi64(t[4 * h], t[4 * h + 2]);
        u[4 * h + 1] = _mm256_unpackhi_epi64(t[4 * h], t[4 * h + 2]);
        u[4 * h + 2] = _mm256_unpacklo_epi64(t[4 * h + 1], t[4 * h + 3]);
        u[4 * h + 3] = _mm256_unpackhi_epi64(t[4 * h + 1], t[4 * h + 3]);
    }
    for (int i = 0; i < 4; i++) {
        out[i] = _mm256_permute2x128_si256(u[i], u[4 + i], 0x20);
        out[4 + i] = _mm256_permute2x128_si256(u[i], u[4 + i], 0x31);
    }
}

void augur_repack_q4_K_grouped(const void *src, void *dst, size_t blocks) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (size_t s = 0; s < blocks; s++) {
        const uint8_t *b = (const uint8_t *)src + 144 * s;
        uint8_t *o = (uint8_t *)dst + 144 * s;
        memcpy(o, b, 16);
        __m256i g[8], v[8];
        for (int c = 0; c < 4; c++) {  // sub-blocks 2c (low nibbles) and 2c+1 (high)
            const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * c));
            g[2 * c] = _mm256_and_si256(L, m4);
            g[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(L, 4), m4);
        }
        transpose8x32(g, v);  // v[i] word l = elements 4i..4i+3 of sub-block l
        for (int t = 0; t < 4; t++)
            _mm256_storeu_si256((__m256i *)(o + 16 + 32 * t), _mm256_or_si256(v[2 * t], _mm256_slli_epi16(v[2 * t + 1], 4)));
    }
}

void augur_group_q8_256(const int8_t *src, int8_t *dst, int K) {
    for (int s = 0; s < K; s += 256) {
        __m256i g[8], v[8];
        for (int l = 0; l < 8; l++) g[l] = _mm256_loadu_si256((const __m256i *)(src + s + 32 * l));
        transpose8x32(g, v);
        for (int i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *)(dst + s + 32 * i), v[i]);
    }
}

/// Grouped Q4_K weight row `b0` (nsb super-blocks) times activation rows m0..<m0+TM.
AUGUR_INLINE void row_q4G(const int TM, const uint8_t *b0, int nsb, const augur_act *a, int m0, float *out, int ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[GROUPED_MAXT];
    for (int t = 0; t < TM; t++) acc[t] = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const uint8_t *b = b0 + (size_t)sb * 144;
        prefetch_q4K(b);
        // Scales and mins, each duplicated into int16 lanes 2l, 2l+1.
        __m128i scs, mns;
        k4_scale_min_bytes(b + 4, &scs, &mns);
        const __m256i sc16 = _mm256_cvtepu8_epi16(dup8_epi8(scs));
        const __m256i mins16 = _mm256_cvtepu8_epi16(dup8_epi8(mns));
        __m256 vd, vdminNeg;
        k4_d_dmin(b, &vd, &vdminNeg);
        __m256i p[GROUPED_MAXT];
        const int8_t *yb = a->gqs + (size_t)m0 * a->qsStride + (size_t)sb * 256;
        {
            const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16));
            const __m256i lo = _mm256_and_si256(L, m4), hi = _mm256_and_si256(_mm256_srli_epi16(L, 4), m4);
            for (int t = 0; t < TM; t++) {
                const int8_t *y = yb + (size_t)t * a->qsStride;
                p[t] = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)y)),
                                        _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(y + 32))));
            }
        }
        // A real loop: unrolled, the compiler hoists the loads and spills.
#pragma clang loop unroll(disable)
        for (int c = 1; c < 4; c++) {
            const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * c));
            const __m256i lo = _mm256_and_si256(L, m4), hi = _mm256_and_si256(_mm256_srli_epi16(L, 4), m4);
            for (int t = 0; t < TM; t++) {
                const int8_t *y = yb + (size_t)t * a->qsStride + 64 * c;
                p[t] = _mm256_add_epi16(p[t], _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)y)),
                                                               _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(y + 32)))));
            }
        }
        for (int t = 0; t < TM; t++) {
            const int m = m0 + t;
            const __m256i isum = _mm256_madd_epi16(p[t], sc16);
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
            const __m256i imin = _mm256_madd_epi16(bs, mins16);
            const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
            __m256 u = _mm256_mul_ps(vdminNeg, _mm256_cvtepi32_ps(imin));
            u = _mm256_fmadd_ps(vd, _mm256_cvtepi32_ps(isum), u);
            acc[t] = _mm256_fmadd_ps(da, u, acc[t]);
        }
    }
    for (int t = 0; t < TM; t++) out[(size_t)t * ldy] = hsum8_ps(acc[t]);
}

#define GROUPED_CASE(TM) case TM: row_q4G(TM, row, nsb, a, m0, y + (size_t)m0 * ldy + r, ldy); break;

/// Weight rows taken together: when M needs several passes, each pass's activation rows (10 × K
/// bytes) are then read from L1/L2 for the whole block, where one weight row at a time read all M
/// rows (M × K bytes: 573 KB for a 64-row prefill chunk of K = 8960, more than L2) per weight row.
/// With one pass the order is the plain row order.
#ifndef GROUPED_ROW_BLOCK
#define GROUPED_ROW_BLOCK 16
#endif

void augur_mm_q4_K_grouped(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    const int nsb = K / 256;
    const int passes = (M + GROUPED_MAXT - 1) / GROUPED_MAXT;
    for (int rb0 = r0; rb0 < r1; rb0 += GROUPED_ROW_BLOCK) {
        const int rb1 = rb0 + GROUPED_ROW_BLOCK < r1 ? rb0 + GROUPED_ROW_BLOCK : r1;
        // Passes as even as possible (M = 17: 9 + 8); the block's weight rows stay in L1/L2 between
        // passes. Every (row, pass) product is computed as it would be alone: same results.
        for (int p = 0, m0 = 0; p < passes; p++) {
            const int tm = M / passes + (p < M % passes);
            for (int r = rb0; r < rb1; r++) {
                const uint8_t *row = (const uint8_t *)w + (size_t)r * rb;
                switch (tm) {
                GROUPED_CASE(1) GROUPED_CASE(2) GROUPED_CASE(3) GROUPED_CASE(4)
                GROUPED_CASE(5) GROUPED_CASE(6) GROUPED_CASE(7)
#if GROUPED_MAXT > 8
                GROUPED_CASE(8) GROUPED_CASE(9)
#endif
                default: row_q4G(GROUPED_MAXT, row, nsb, a, m0, y + (size_t)m0 * ldy + r, ldy); break;
                }
            }
            m0 += tm;
        }
    }
}
