// Multi-row (verification: M >= 2) products of Q4_K / Q6_K weights with Q8 (256) activations.
// Same integer lane sums and float order as matmul_qk.c / matmul_qk_m1.c and the scalar twins in
// MatmulReferenceK.swift, so every row is bit-identical to the M = 1 result.
//
// Past M ≈ 2 these products are bound by the integer multiplies, not by memory: the M = 1 scheme
// spends two per 32 elements and activation row (maddubs for the products, madd for the
// sub-block scale). Here two 32-element groups a, b (consecutive in the super-block) are applied
// together with three: the int32 lane l of the sums holds, from each group, the 4 elements
// 4l..4l+3 (times that group's scale for lane l). Rearranged per 32-bit lane as
//   X = (a[4l], a[4l+1], b[4l], b[4l+1]),   Y = (a[4l+2], a[4l+3], b[4l+2], b[4l+3]),
// maddubs(Xq, Xy) + maddubs(Yq, Yy) gives, in int16 lane 2l, the 4-element sum of a and in lane
// 2l+1 that of b (|sum| <= 4·63·127 = 32004: no saturation, Q6_K included), and one madd with the
// scales (s_a, s_b) yields exactly the lane-l contribution of both groups. The activations are
// rearranged once per call (thread-local copy), the weights once per super-block and pass.
//
// Two loop shapes: M = 2…8 (pr_*): one weight row at a time, all rows' sums and accumulators in
// registers; M >= 9 (tile_*): each super-block unpacked once into a pair_block and applied to
// the rows in passes of up to PAIR_MAXT, accumulators in memory.
#include <stdlib.h>
#include "AugurKernelsC.h"
#include "kernels_common.h"

/// Most activation rows per pass over a super-block: their int32 sums plus the weight pair and
/// scales fill the 16 vector registers. M = 9 (8 drafted tokens) in one pass measured 5-7 %
/// faster than 5 + 4.
#define PAIR_MAXT 10

/// X / Y rearrangement of two 32-byte groups (see the file comment); int16 blends only.
AUGUR_INLINE void pair_xy(__m256i a, __m256i b, __m256i *x, __m256i *y) {
    *x = _mm256_blend_epi16(a, _mm256_slli_epi32(b, 16), 0xAA);
    *y = _mm256_blend_epi16(_mm256_srli_epi32(a, 16), b, 0xAA);
}

static _Thread_local int8_t *pairBuf;
static _Thread_local size_t pairCap;

/// The activations of rows 0..<M rearranged into X/Y halves per 64 elements ([M][K] bytes,
/// thread-local, grown on first use of a larger shape), or NULL when allocation fails.
static const int8_t *paired_activations(const augur_act *a, int M, int K) {
    const size_t need = (size_t)M * (size_t)K;
    if (need > pairCap) {
        free(pairBuf);
        pairCap = 0;
        pairBuf = aligned_alloc(64, (need + 63) / 64 * 64);
        if (!pairBuf) return NULL;
        pairCap = need;
    }
    for (int m = 0; m < M; m++) {
        const int8_t *src = a->qs + (size_t)m * a->qsStride;
        int8_t *dst = pairBuf + (size_t)m * K;
        for (int c = 0; c < K; c += 64) {
            __m256i x, y;
            pair_xy(_mm256_loadu_si256((const __m256i *)(src + c)), _mm256_loadu_si256((const __m256i *)(src + c + 32)), &x, &y);
            _mm256_store_si256((__m256i *)(dst + c), x);
            _mm256_store_si256((__m256i *)(dst + c + 32), y);
        }
    }
    return pairBuf;
}

/// One super-block unpacked for the paired products: pair c (groups 2c, 2c+1) as X / Y weight
/// vectors and the int16 scale pattern (s_a, s_b) per 32-bit lane.
typedef struct {
    __m256i xq[4], yq[4], s[4];
} pair_block;

/// The scale part of a Q4_K super-block: u->s, `mins16` (each 6-bit min duplicated for the
/// 16-element bsums), `vd` = d and `vdminNeg` = −dmin broadcast.
AUGUR_INLINE void unpack_q4K_scales(const uint8_t *b, pair_block *u, __m256i *mins16, __m256 *vd, __m256 *vdminNeg) {
    __m128i scs, mns;
    k4_scale_min_bytes(b + 4, &scs, &mns);
    // int16 scales 0..7 in both 128-bit lanes; pair c uses 32-bit lane c (scales 2c, 2c+1).
    const __m256i scb = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scs));
    u->s[0] = _mm256_shuffle_epi32(scb, 0x00);
    u->s[1] = _mm256_shuffle_epi32(scb, 0x55);
    u->s[2] = _mm256_shuffle_epi32(scb, 0xAA);
    u->s[3] = _mm256_shuffle_epi32(scb, 0xFF);
    *mins16 = _mm256_cvtepu8_epi16(dup8_epi8(mns));
    k4_d_dmin(b, vd, vdminNeg);
}

/// Unpacks a Q4_K super-block (quants and scales).
AUGUR_INLINE void unpack_q4K(const uint8_t *b, pair_block *u, __m256i *mins16, __m256 *vd, __m256 *vdminNeg) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    unpack_q4K_scales(b, u, mins16, vd, vdminNeg);
    for (int c = 0; c < 4; c++) {
        const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * c));
        pair_xy(_mm256_and_si256(L, m4), _mm256_and_si256(_mm256_srli_epi16(L, 4), m4), &u->xq[c], &u->yq[c]);
    }
}

/// Unpacks a Q6_K super-block; `sc16` = the 16 int8 scales as int16, `vd` = d broadcast.
AUGUR_INLINE void unpack_q6K(const uint8_t *b, pair_block *u, __m256i *sc16, __m256 *vd) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    // Scale words of the pair (g, g+1), g = 0 or 2 within a half: low 128 bits (2g, 2g+2),
    // high 128 bits (2g+1, 2g+3) (elements 0-15 / 16-31 of a group).
    const __m256i sidx0 = _mm256_setr_epi8(0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5,
                                           2, 3, 6, 7, 2, 3, 6, 7, 2, 3, 6, 7, 2, 3, 6, 7);
    const __m256i sidx1 = _mm256_add_epi8(sidx0, _mm256_set1_epi8(8));
    for (int h = 0; h < 2; h++) {
        const __m256i L0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
        const __m256i L1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
        const __m256i H = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
        // Group g of the half: 4 low bits from L0 (g = 0, 2) or L1 (g = 1, 3), low or high
        // nibble; 2 high bits = bits 2g, 2g+1 of H, moved to bits 4-5.
        const __m256i q0 = _mm256_or_si256(_mm256_and_si256(L0, m4), _mm256_and_si256(_mm256_slli_epi16(H, 4), m30));
        const __m256i q1 = _mm256_or_si256(_mm256_and_si256(L1, m4), _mm256_and_si256(_mm256_slli_epi16(H, 2), m30));
        const __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L0, 4), m4), _mm256_and_si256(H, m30));
        const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L1, 4), m4),
                                           _mm256_and_si256(_mm256_srli_epi16(H, 2), m30));
        pair_xy(q0, q1, &u->xq[2 * h], &u->yq[2 * h]);
        pair_xy(q2, q3, &u->xq[2 * h + 1], &u->yq[2 * h + 1]);
        const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(b + 192 + 8 * h))));
        u->s[2 * h] = _mm256_shuffle_epi8(sc, sidx0);
        u->s[2 * h + 1] = _mm256_shuffle_epi8(sc, sidx1);
    }
    *sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192)));
    *vd = _mm256_set1_ps(fp16_to_f32(b + 208));
}

/// Exact int32 lane sums of an unpacked super-block with TM activation rows (`yb`: the paired
/// activations of the first row at this super-block; rows K bytes apart).
AUGUR_INLINE void pair_sums(const int TM, const pair_block *u, const int8_t *yb, int K, __m256i *is) {
    for (int t = 0; t < TM; t++) is[t] = _mm256_setzero_si256();
    // A real loop: unrolled, the compiler hoists loads and runs out of the 16 vector registers.
#pragma clang loop unroll(disable)
    for (int c = 0; c < 4; c++) {
        const __m256i xq = u->xq[c], yq = u->yq[c], s = u->s[c];
        for (int t = 0; t < TM; t++) {
            const int8_t *y = yb + (size_t)t * K + 64 * c;
            const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(xq, _mm256_load_si256((const __m256i *)y)),
                                               _mm256_maddubs_epi16(yq, _mm256_load_si256((const __m256i *)(y + 32))));
            is[t] = _mm256_add_epi32(is[t], _mm256_madd_epi16(p, s));
        }
    }
}

/// Q4_K super-block `sb` applied to activation rows m0..<m0+TM; acc[m]: 8 float lanes of row m.
AUGUR_INLINE void tile_q4K(const int TM, const pair_block *u, __m256i mins16, __m256 vd, __m256 vdminNeg,
                           const augur_act *a, const int8_t *py, int K, int sb, int m0, __m256 *acc) {
    __m256i is[PAIR_MAXT];
    pair_sums(TM, u, py + (size_t)m0 * K + (size_t)sb * 256, K, is);
    for (int t = 0; t < TM; t++) {
        const int m = m0 + t;
        const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
        const __m256i imin = _mm256_madd_epi16(bs, mins16);
        const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
        // Canonical order: the scaled-quant term, then the min term.
        __m256 s = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(is[t]), acc[m]);
        acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(vdminNeg, da), _mm256_cvtepi32_ps(imin), s);
    }
}

/// Q6_K super-block `sb` applied to activation rows m0..<m0+TM.
AUGUR_INLINE void tile_q6K(const int TM, const pair_block *u, __m256i sc16, __m256 vd,
                           const augur_act *a, const int8_t *py, int K, int sb, int m0, __m256 *acc) {
    __m256i is[PAIR_MAXT];
    pair_sums(TM, u, py + (size_t)m0 * K + (size_t)sb * 256, K, is);
    for (int t = 0; t < TM; t++) {
        const int m = m0 + t;
        // −32 · Σ sc·y per pair of 16-element sub-blocks, folded into the lane sums.
        const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
        const __m256i tot = _mm256_sub_epi32(is[t], _mm256_slli_epi32(_mm256_madd_epi16(bs, sc16), 5));
        const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
        acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(tot), acc[m]);
    }
}

/// M = 2…8: one weight row at a time, sums and accumulators in registers, each pair of groups
/// unpacked right where it is used. Measured (hot weights, one thread) 3-20 % faster than the
/// unpack-once path below up to M = 8, slower from M = 9 (spills). Q4_K row `b0` times rows
/// m0..<m0+TM.
AUGUR_INLINE void pr_q4K(const int TM, const uint8_t *b0, int nsb, const augur_act *a, const int8_t *py, int K,
                         int m0, float *out, int ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[8];
    for (int t = 0; t < TM; t++) acc[t] = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const uint8_t *b = b0 + (size_t)sb * 144;
        prefetch_q4K(b);
        pair_block u;  // only the scales are filled in
        __m256i mins16;
        __m256 vd, vdminNeg;
        unpack_q4K_scales(b, &u, &mins16, &vd, &vdminNeg);
        __m256i is[8];
        for (int t = 0; t < TM; t++) is[t] = _mm256_setzero_si256();
        const int8_t *yb = py + (size_t)m0 * K + (size_t)sb * 256;
#pragma clang loop unroll(disable)
        for (int c = 0; c < 4; c++) {
            const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * c));
            __m256i xq, yq;
            pair_xy(_mm256_and_si256(L, m4), _mm256_and_si256(_mm256_srli_epi16(L, 4), m4), &xq, &yq);
            const __m256i s = u.s[c];
            for (int t = 0; t < TM; t++) {
                const int8_t *y = yb + (size_t)t * K + 64 * c;
                const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(xq, _mm256_load_si256((const __m256i *)y)),
                                                   _mm256_maddubs_epi16(yq, _mm256_load_si256((const __m256i *)(y + 32))));
                is[t] = _mm256_add_epi32(is[t], _mm256_madd_epi16(p, s));
            }
        }
        for (int t = 0; t < TM; t++) {
            const int m = m0 + t;
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
            const __m256i imin = _mm256_madd_epi16(bs, mins16);
            const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(is[t]), acc[t]);
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(vdminNeg, da), _mm256_cvtepi32_ps(imin), acc[t]);
        }
    }
    for (int t = 0; t < TM; t++) out[(size_t)t * ldy] = hsum8_ps(acc[t]);
}

/// Small M, Q6_K row `b0` times rows m0..<m0+TM (see pr_q4K).
AUGUR_INLINE void pr_q6K(const int TM, const uint8_t *b0, int nsb, const augur_act *a, const int8_t *py, int K,
                         int m0, float *out, int ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    const __m256i sidx0 = _mm256_setr_epi8(0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5,
                                           2, 3, 6, 7, 2, 3, 6, 7, 2, 3, 6, 7, 2, 3, 6, 7);
    const __m256i sidx1 = _mm256_add_epi8(sidx0, _mm256_set1_epi8(8));
    __m256 acc[8];
    for (int t = 0; t < TM; t++) acc[t] = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const uint8_t *b = b0 + (size_t)sb * 210;
        __m256i is[8];
        for (int t = 0; t < TM; t++) is[t] = _mm256_setzero_si256();
        const int8_t *yb = py + (size_t)m0 * K + (size_t)sb * 256;
#pragma clang loop unroll(disable)
        for (int h = 0; h < 2; h++) {
            _mm_prefetch((const char *)b + AUGUR_PF + 128 * h, _MM_HINT_T0);
            _mm_prefetch((const char *)b + AUGUR_PF + 128 * h + 64, _MM_HINT_T0);
            const __m256i L0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
            const __m256i L1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
            const __m256i H = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
            const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(b + 192 + 8 * h))));
            for (int p = 0; p < 2; p++) {
                // Groups 2p (from L0) and 2p+1 (from L1): low nibbles for p = 0, high for p = 1.
                const __m256i lo0 = p ? _mm256_and_si256(_mm256_srli_epi16(L0, 4), m4) : _mm256_and_si256(L0, m4);
                const __m256i lo1 = p ? _mm256_and_si256(_mm256_srli_epi16(L1, 4), m4) : _mm256_and_si256(L1, m4);
                const __m256i hi0 = p ? H : _mm256_slli_epi16(H, 4);
                const __m256i hi1 = p ? _mm256_srli_epi16(H, 2) : _mm256_slli_epi16(H, 2);
                __m256i xq, yq;
                pair_xy(_mm256_or_si256(lo0, _mm256_and_si256(hi0, m30)), _mm256_or_si256(lo1, _mm256_and_si256(hi1, m30)), &xq, &yq);
                const __m256i s = _mm256_shuffle_epi8(sc, p ? sidx1 : sidx0);
                for (int t = 0; t < TM; t++) {
                    const int8_t *y = yb + (size_t)t * K + 128 * h + 64 * p;
                    const __m256i pr = _mm256_add_epi16(_mm256_maddubs_epi16(xq, _mm256_load_si256((const __m256i *)y)),
                                                        _mm256_maddubs_epi16(yq, _mm256_load_si256((const __m256i *)(y + 32))));
                    is[t] = _mm256_add_epi32(is[t], _mm256_madd_epi16(pr, s));
                }
            }
        }
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192)));
        const __m256 vd = _mm256_set1_ps(fp16_to_f32(b + 208));
        for (int t = 0; t < TM; t++) {
            const int m = m0 + t;
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
            const __m256i tot = _mm256_sub_epi32(is[t], _mm256_slli_epi32(_mm256_madd_epi16(bs, sc16), 5));
            const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(tot), acc[t]);
        }
    }
    for (int t = 0; t < TM; t++) out[(size_t)t * ldy] = hsum8_ps(acc[t]);
}

/// Splits M into passes of at most PAIR_MAXT rows, as even as possible (M = 17: 9 + 8).
AUGUR_INLINE int pass_rows(int M, int m0) {
    const int passes = (M + PAIR_MAXT - 1) / PAIR_MAXT;
    const int base = M / passes, extra = M % passes;
    const int p = m0 < extra * (base + 1) ? m0 / (base + 1) : extra + (m0 - extra * (base + 1)) / base;
    return base + (p < extra);
}

#define PAIR_DISPATCH(F, TM, ...) \
    switch (TM) { \
    case 1: F(1, __VA_ARGS__); break; case 2: F(2, __VA_ARGS__); break; \
    case 3: F(3, __VA_ARGS__); break; case 4: F(4, __VA_ARGS__); break; \
    case 5: F(5, __VA_ARGS__); break; case 6: F(6, __VA_ARGS__); break; \
    case 7: F(7, __VA_ARGS__); break; case 8: F(8, __VA_ARGS__); break; \
    case 9: F(9, __VA_ARGS__); break; default: F(10, __VA_ARGS__); break; }

int augur_mp_q4_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    const int8_t *py = paired_activations(a, M, K);
    if (!py) return 0;
    if (M <= 8) {  // M = 1 has its own kernel (matmul_qk_m1.c); it works here too
        for (int r = r0; r < r1; r++) {
            const uint8_t *row = (const uint8_t *)w + (size_t)r * rb;
            switch (M) {
            case 1: pr_q4K(1, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 2: pr_q4K(2, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 3: pr_q4K(3, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 4: pr_q4K(4, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 5: pr_q4K(5, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 6: pr_q4K(6, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 7: pr_q4K(7, row, K / 256, a, py, K, 0, y + r, ldy); break;
            default: pr_q4K(8, row, K / 256, a, py, K, 0, y + r, ldy); break;
            }
        }
        return 1;
    }
    const int nsb = K / 256;
    __m256 acc[64];
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * rb;
        for (int m = 0; m < M; m++) acc[m] = _mm256_setzero_ps();
        for (int sb = 0; sb < nsb; sb++) {
            const uint8_t *b = row + (size_t)sb * 144;
            prefetch_q4K(b);
            pair_block u;
            __m256i mins16;
            __m256 vd, vdminNeg;
            unpack_q4K(b, &u, &mins16, &vd, &vdminNeg);
            for (int m0 = 0; m0 < M;) {
                const int tm = pass_rows(M, m0);
                PAIR_DISPATCH(tile_q4K, tm, &u, mins16, vd, vdminNeg, a, py, K, sb, m0, acc);
                m0 += tm;
            }
        }
        for (int m = 0; m < M; m++) y[(size_t)m * ldy + r] = hsum8_ps(acc[m]);
    }
    return 1;
}

int augur_mp_q6_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    const int8_t *py = paired_activations(a, M, K);
    if (!py) return 0;
    if (M <= 8) {  // M = 1 has its own kernel (matmul_qk_m1.c); it works here too
        for (int r = r0; r < r1; r++) {
            const uint8_t *row = (const uint8_t *)w + (size_t)r * rb;
            switch (M) {
            case 1: pr_q6K(1, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 2: pr_q6K(2, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 3: pr_q6K(3, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 4: pr_q6K(4, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 5: pr_q6K(5, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 6: pr_q6K(6, row, K / 256, a, py, K, 0, y + r, ldy); break;
            case 7: pr_q6K(7, row, K / 256, a, py, K, 0, y + r, ldy); break;
            default: pr_q6K(8, row, K / 256, a, py, K, 0, y + r, ldy); break;
            }
        }
        return 1;
    }
    const int nsb = K / 256;
    __m256 acc[64];
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * rb;
        for (int m = 0; m < M; m++) acc[m] = _mm256_setzero_ps();
        for (int sb = 0; sb < nsb; sb++) {
            const uint8_t *b = row + (size_t)sb * 210;
            for (int l = 0; l < 4; l++) _mm_prefetch((const char *)b + AUGUR_PF + 64 * l, _MM_HINT_T0);
            pair_block u;
            __m256i sc16;
            __m256 vd;
            unpack_q6K(b, &u, &sc16, &vd);
            for (int m0 = 0; m0 < M;) {
                const int tm = pass_rows(M, m0);
                PAIR_DISPATCH(tile_q6K, tm, &u, sc16, vd, a, py, K, sb, m0, acc);
                m0 += tm;
            }
        }
        for (int m = 0; m < M; m++) y[(size_t)m * ldy + r] = hsum8_ps(acc[m]);
    }
    return 1;
}
