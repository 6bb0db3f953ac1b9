// Decode (M = 1; Q4_K also M = 2; up to 4 rows accepted for the fallback) products of Q4_K / Q6_K
// weights with Q8 (256) activations; larger verification batches take matmul_qk_mm.c. Same integer lane sums and float order as matmul_qk.c (and
// the scalar twins in MatmulReferenceK.swift), so results are bit-identical to it at any M.
//
// The general kernel unpacks a whole super-block (8 quant vectors + 8 scale vectors) into arrays
// before applying it to a tile of activation rows; at small M that spills to the stack. Here each
// 32-byte group is unpacked and applied to the TM activation rows at once (nothing kept across
// groups). Processing 2 weight rows together to share the activation loads measured slower with
// cold weights (Q4_K 1536→8960: ~7 vs ~10.5 GB/s), so weight rows go one at a time.
#include "AugurKernelsC.h"
#include "kernels_common.h"

/// Shuffle index broadcasting int16 element `i` (0..7 of a 128-bit lane) to all 16 lanes.
#define SPLAT16(i) _mm256_set1_epi16((short)(((2 * (i) + 1) << 8) | (2 * (i))))
/// The same for one 128-bit lane.
#define SPLAT16X(i) _mm_set1_epi16((short)(((2 * (i) + 1) << 8) | (2 * (i))))

/// Q4_K weight row `b0` (K = 256 * nsb) times activation rows m0..<m0+TM; out[t * ldy] = result t.
AUGUR_INLINE void mv_q4K(const int TM, const uint8_t *b0, int nsb, const augur_act *a, int m0, float *out, int ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[4];
    for (int t = 0; t < TM; t++) acc[t] = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const uint8_t *b = b0 + (size_t)sb * 144;
        prefetch_q4K(b);
        __m128i scs, mns;
        k4_scale_min_bytes(b + 4, &scs, &mns);
        const __m256i scb = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scs));
        __m256i is[4];
        for (int t = 0; t < TM; t++) is[t] = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * j));
            const __m256i ql = _mm256_and_si256(L, m4), qh = _mm256_and_si256(_mm256_srli_epi16(L, 4), m4);
            const __m256i sl16 = _mm256_shuffle_epi8(scb, SPLAT16(2 * j)), sh16 = _mm256_shuffle_epi8(scb, SPLAT16(2 * j + 1));
            for (int t = 0; t < TM; t++) {
                const int8_t *y = a->qs + (size_t)(m0 + t) * a->qsStride + (size_t)sb * 256 + 64 * j;
                const __m256i pl = _mm256_maddubs_epi16(ql, _mm256_loadu_si256((const __m256i *)y));
                const __m256i ph = _mm256_maddubs_epi16(qh, _mm256_loadu_si256((const __m256i *)(y + 32)));
                is[t] = _mm256_add_epi32(is[t], _mm256_add_epi32(_mm256_madd_epi16(pl, sl16), _mm256_madd_epi16(ph, sh16)));
            }
        }
        const __m256i mins16 = _mm256_cvtepu8_epi16(dup8_epi8(mns));
        __m256 vd, vdminNeg;
        k4_d_dmin(b, &vd, &vdminNeg);
        for (int t = 0; t < TM; t++) {
            const int m = m0 + t;
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
            const __m256i imin = _mm256_madd_epi16(bs, mins16);
            const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
            // Canonical order: the scaled-quant term, then the min term.
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(is[t]), acc[t]);
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(vdminNeg, da), _mm256_cvtepi32_ps(imin), acc[t]);
        }
    }
    for (int t = 0; t < TM; t++) out[(size_t)t * ldy] = hsum8_ps(acc[t]);
}

/// Q6_K weight row `b0` times activation rows m0..<m0+TM; out[t * ldy] = result t.
AUGUR_INLINE void mv_q6K(const int TM, const uint8_t *b0, int nsb, const augur_act *a, int m0, float *out, int ldy) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    __m256 acc[4];
    for (int t = 0; t < TM; t++) acc[t] = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const uint8_t *b = b0 + (size_t)sb * 210;
        __m256i is[4];
        for (int t = 0; t < TM; t++) is[t] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            _mm_prefetch((const char *)b + AUGUR_PF + 128 * h, _MM_HINT_T0);
            _mm_prefetch((const char *)b + AUGUR_PF + 128 * h + 64, _MM_HINT_T0);
            const __m256i L0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
            const __m256i L1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
            const __m256i H = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
            // 8 scales of this half as int16, in both 128-bit lanes. Group g (32 elements) uses
            // scales 8h+2g (low 128 bits) and 8h+2g+1 (high).
            const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(b + 192 + 8 * h))));
            for (int g = 0; g < 4; g++) {
                const __m256i L = g & 1 ? L1 : L0;
                const __m256i lo = g < 2 ? _mm256_and_si256(L, m4) : _mm256_and_si256(_mm256_srli_epi16(L, 4), m4);
                const __m256i hi = g == 0 ? _mm256_slli_epi16(H, 4) : g == 1 ? _mm256_slli_epi16(H, 2) : g == 2 ? H : _mm256_srli_epi16(H, 2);
                const __m256i q = _mm256_or_si256(lo, _mm256_and_si256(hi, m30));
                const __m256i s = _mm256_shuffle_epi8(sc, _mm256_set_m128i(SPLAT16X(2 * g + 1), SPLAT16X(2 * g)));
                for (int t = 0; t < TM; t++) {
                    const int8_t *y = a->qs + (size_t)(m0 + t) * a->qsStride + (size_t)sb * 256 + 128 * h + 32 * g;
                    is[t] = _mm256_add_epi32(is[t], _mm256_madd_epi16(_mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i *)y)), s));
                }
            }
        }
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192)));
        const __m256 vd = _mm256_set1_ps(fp16_to_f32(b + 208));
        for (int t = 0; t < TM; t++) {
            const int m = m0 + t;
            // −32 · Σ sc·y per 32-element group (lane l: group l), folded into the lane sums.
            const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
            const __m256i tot = _mm256_sub_epi32(is[t], _mm256_slli_epi32(_mm256_madd_epi16(bs, sc16), 5));
            const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
            acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(tot), acc[t]);
        }
    }
    for (int t = 0; t < TM; t++) out[(size_t)t * ldy] = hsum8_ps(acc[t]);
}

/// Q6_K weight row `b0` times activation row 0 (M = 1): the four groups of a half unpacked
/// together and their products summed as a tree (~5-10 % faster than mv_q6K with TM = 1).
AUGUR_INLINE float mv_q6K_1(const uint8_t *b0, int nsb, const augur_act *a) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    __m256 acc = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const int8_t *y = a->qs + (size_t)sb * 256;
        const uint8_t *b = b0 + (size_t)sb * 210;
        __m256i is = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            _mm_prefetch((const char *)b + AUGUR_PF + 128 * h, _MM_HINT_T0);
            _mm_prefetch((const char *)b + AUGUR_PF + 128 * h + 64, _MM_HINT_T0);
            const __m256i L0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
            const __m256i L1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
            const __m256i H = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
            const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(b + 192 + 8 * h))));
            const __m256i q0 = _mm256_or_si256(_mm256_and_si256(L0, m4), _mm256_and_si256(_mm256_slli_epi16(H, 4), m30));
            const __m256i q1 = _mm256_or_si256(_mm256_and_si256(L1, m4), _mm256_and_si256(_mm256_slli_epi16(H, 2), m30));
            const __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L0, 4), m4), _mm256_and_si256(H, m30));
            const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L1, 4), m4),
                                               _mm256_and_si256(_mm256_srli_epi16(H, 2), m30));
            const __m256i s0 = _mm256_shuffle_epi8(sc, _mm256_set_m128i(SPLAT16X(1), SPLAT16X(0)));
            const __m256i s1 = _mm256_shuffle_epi8(sc, _mm256_set_m128i(SPLAT16X(3), SPLAT16X(2)));
            const __m256i s2 = _mm256_shuffle_epi8(sc, _mm256_set_m128i(SPLAT16X(5), SPLAT16X(4)));
            const __m256i s3 = _mm256_shuffle_epi8(sc, _mm256_set_m128i(SPLAT16X(7), SPLAT16X(6)));
            const __m256i *yv = (const __m256i *)(y + 128 * h);
            __m256i t = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(q0, _mm256_loadu_si256(yv)), s0),
                                         _mm256_madd_epi16(_mm256_maddubs_epi16(q1, _mm256_loadu_si256(yv + 1)), s1));
            t = _mm256_add_epi32(t, _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(q2, _mm256_loadu_si256(yv + 2)), s2),
                                                     _mm256_madd_epi16(_mm256_maddubs_epi16(q3, _mm256_loadu_si256(yv + 3)), s3)));
            is = _mm256_add_epi32(is, t);
        }
        const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + 16 * sb));
        const __m256i imin = _mm256_madd_epi16(bs, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192))));
        const __m256i tot = _mm256_sub_epi32(is, _mm256_slli_epi32(imin, 5));
        const __m256 dd = _mm256_mul_ps(_mm256_set1_ps(fp16_to_f32(b + 208)), _mm256_set1_ps(a->d[sb]));
        acc = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(tot), acc);
    }
    return hsum8_ps(acc);
}

void augur_mv_q4_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    const uint8_t *base = (const uint8_t *)w;
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = base + (size_t)r * rb;
        switch (M) {
        case 1: mv_q4K(1, row, K / 256, a, 0, y + r, ldy); break;
        case 2: mv_q4K(2, row, K / 256, a, 0, y + r, ldy); break;
        case 3: mv_q4K(3, row, K / 256, a, 0, y + r, ldy); break;
        default: mv_q4K(4, row, K / 256, a, 0, y + r, ldy); break;
        }
    }
}

void augur_mv_q6_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    const uint8_t *base = (const uint8_t *)w;
    if (M == 1) {
        for (int r = r0; r < r1; r++) y[r] = mv_q6K_1(base + (size_t)r * rb, K / 256, a);
        return;
    }
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = base + (size_t)r * rb;
        switch (M) {
        case 2: mv_q6K(2, row, K / 256, a, 0, y + r, ldy); break;
        case 3: mv_q6K(3, row, K / 256, a, 0, y + r, ldy); break;
        default: mv_q6K(4, row, K / 256, a, 0, y + r, ldy); break;
        }
    }
}
