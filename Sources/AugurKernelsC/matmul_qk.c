// AVX2 products of K-quant weights (Q4_K, Q5_K, Q6_K; 256-element super-blocks) with Q8 (256)
// activations. Scalar twins: MatmulReferenceK.swift (bit-identical results).
// Q4_K here is the stored layout; a model's Q4_K matrices are normally rearranged at load and take
// matmul_q4k_grouped.c instead.
// Q4_K / Q6_K go to matmul_qk_m1.c (M = 1; Q4_K also M = 2) and matmul_qk_mm.c (larger M); the general kernel here
// serves Q5_K and is their fallback when the paired kernels cannot allocate their scratch.
//
// Loop: row → super-block (unpacked once: 8 vectors of 32 unsigned quants + 16-bit sub-block
// scales) → for activation rows in tiles of 4: maddubs/madd with the sub-block scales gives 8 exact
// int32 lane sums (lane l: elements with (e mod 32)/4 == l), the min/offset term comes from the
// activation's 16-element sums (bsums, lane l: sub-block l); both are scaled in float per lane:
// acc = fma(d_w·d_a, I, acc) [then fma(-(dmin_w·d_a), Imin, acc)]; 8-lane reduction at the end.
#include <stdlib.h>
#include "AugurKernelsC.h"
#include "kernels_common.h"

enum { T_Q4_K, T_Q5_K, T_Q6_K };

/// Q4_K/Q5_K: 8 six-bit scales (each broadcast to 16 int16 lanes) and 8 six-bit mins (each
/// duplicated, matching the 16 per-16 bsums) from the packed 12 bytes (ggml get_scale_min_k4).
AUGUR_INLINE void k4_scales(const uint8_t *p, __m256i sc[8], __m256i *mins16) {
    __m128i scs, mns;
    k4_scale_min_bytes(p, &scs, &mns);
    const __m256i scb = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scs));
    for (int i = 0; i < 8; i++)
        sc[i] = _mm256_shuffle_epi8(scb, _mm256_set1_epi16((short)(((2 * i + 1) << 8) | (2 * i))));
    *mins16 = _mm256_cvtepu8_epi16(dup8_epi8(mns));
}

/// Applies one unpacked super-block to activation rows m0..<m0+TM (TM known at compile time, so
/// the weight vectors are loaded once per TM rows). acc[m] holds 8 float lanes per row.
AUGUR_INLINE void qk_tile(const int T, const int TM, const __m256i q[8], const __m256i sc[8], __m256i mins16,
                          __m256 vd, __m256 vdminNeg, const augur_act *a, int sb, int m0, __m256 *acc) {
    const int8_t *ya[4];
    __m256i is[4];
    for (int t = 0; t < TM; t++) {
        ya[t] = a->qs + (size_t)(m0 + t) * a->qsStride + (size_t)sb * 256;
        is[t] = _mm256_setzero_si256();
    }
    if (TM == 1) {
        for (int j = 0; j < 8; j++) {
            const __m256i yv = _mm256_loadu_si256((const __m256i *)(ya[0] + 32 * j));
            is[0] = _mm256_add_epi32(is[0], _mm256_madd_epi16(_mm256_maddubs_epi16(q[j], yv), sc[j]));
        }
    } else {
        // A real loop over j: unrolled, the compiler hoists all products and spills (measured
        // with llvm-mca: 2x the cycles). Per j: 2 weight loads shared by TM rows.
#pragma clang loop unroll(disable)
        for (int j = 0; j < 8; j++) {
            const __m256i qj = q[j], sj = sc[j];
            for (int t = 0; t < TM; t++) {
                const __m256i yv = _mm256_loadu_si256((const __m256i *)(ya[t] + 32 * j));
                is[t] = _mm256_add_epi32(is[t], _mm256_madd_epi16(_mm256_maddubs_epi16(qj, yv), sj));
            }
        }
    }
    for (int t = 0; t < TM; t++) {
        const int m = m0 + t;
        const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
        const __m256i imin = _mm256_madd_epi16(bs, mins16);
        const __m256 da = _mm256_set1_ps(a->d[(size_t)m * a->dStride + sb]);
        if (T == T_Q6_K) {
            const __m256i tot = _mm256_sub_epi32(is[t], _mm256_slli_epi32(imin, 5));
            acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(tot), acc[m]);
        } else {
            acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(is[t]), acc[m]);
            acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(vdminNeg, da), _mm256_cvtepi32_ps(imin), acc[m]);
        }
    }
}

AUGUR_INLINE void mm_qk(const int T, const void *w, size_t rowBytes, int r0, int r1, int K,
                        const augur_act *a, int M, float *y, int ldy) {
    const int nsb = K / 256;
    const int bsz = T == T_Q4_K ? 144 : T == T_Q5_K ? 176 : 210;
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[64];
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * rowBytes;
        for (int m = 0; m < M; m++) acc[m] = _mm256_setzero_ps();
        for (int sb = 0; sb < nsb; sb++) {
            const uint8_t *b = row + (size_t)sb * bsz;
            __m256i q[8], sc[8], mins16;
            float d, dmin = 0;
            if (T == T_Q6_K) {
                const uint8_t *ql = b, *qh = b + 128;
                const __m256i m30 = _mm256_set1_epi8(0x30);
                for (int h = 0; h < 2; h++) {
                    const __m256i L0 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h));
                    const __m256i L1 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h + 32));
                    const __m256i H = _mm256_loadu_si256((const __m256i *)(qh + 32 * h));
                    q[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(L0, m4), _mm256_and_si256(_mm256_slli_epi16(H, 4), m30));
                    q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(L1, m4), _mm256_and_si256(_mm256_slli_epi16(H, 2), m30));
                    q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L0, 4), m4), _mm256_and_si256(H, m30));
                    q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L1, 4), m4),
                                                   _mm256_and_si256(_mm256_srli_epi16(H, 2), m30));
                }
                const __m256i all16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192)));
                const __m256i lo = _mm256_permute2x128_si256(all16, all16, 0x00);
                const __m256i hi = _mm256_permute2x128_si256(all16, all16, 0x11);
                for (int j = 0; j < 8; j++) {
                    const int e = 4 * (j & 3);
                    const __m256i idx = _mm256_set_m128i(_mm_set1_epi16((short)(((e + 3) << 8) | (e + 2))),
                                                         _mm_set1_epi16((short)(((e + 1) << 8) | e)));
                    sc[j] = _mm256_shuffle_epi8(j < 4 ? lo : hi, idx);
                }
                mins16 = all16;
                d = fp16_to_f32(b + 208);
            } else {
                d = fp16_to_f32(b);
                dmin = fp16_to_f32(b + 2);
                k4_scales(b + 4, sc, &mins16);
                if (T == T_Q4_K) {
                    for (int j = 0; j < 4; j++) {
                        const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * j));
                        q[2 * j] = _mm256_and_si256(L, m4);
                        q[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(L, 4), m4);
                    }
                } else {
                    const __m256i m10 = _mm256_set1_epi8(0x10);
                    __m256i H = _mm256_loadu_si256((const __m256i *)(b + 16));
                    for (int j = 0; j < 4; j++) {
                        const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 48 + 32 * j));
                        q[2 * j] = _mm256_or_si256(_mm256_and_si256(L, m4), _mm256_and_si256(_mm256_slli_epi16(H, 4), m10));
                        q[2 * j + 1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(L, 4), m4),
                                                       _mm256_and_si256(_mm256_slli_epi16(H, 3), m10));
                        H = _mm256_srli_epi16(H, 2);
                    }
                }
            }
            const __m256 vd = _mm256_set1_ps(d), vdminNeg = _mm256_set1_ps(-dmin);
            int m = 0;
            for (; m + 4 <= M; m += 4) qk_tile(T, 4, q, sc, mins16, vd, vdminNeg, a, sb, m, acc);
            if (M - m >= 2) { qk_tile(T, 2, q, sc, mins16, vd, vdminNeg, a, sb, m, acc); m += 2; }
            if (m < M) qk_tile(T, 1, q, sc, mins16, vd, vdminNeg, a, sb, m, acc);
        }
        for (int m = 0; m < M; m++) y[(size_t)m * ldy + r] = hsum8_ps(acc[m]);
    }
}

/// Benchmark aid: with the environment variable AUGUR_KQ_LEGACY set, Q4_K / Q6_K products take
/// the loop shapes from before the paired kernels (M <= 4: matmul_qk_m1.c, else mm_qk), so the
/// forward cost per M can be compared in one build. Results are the same bit for bit.
static int legacy_paths(void) {
    static int flag = -1;  // benign race: every thread computes the same value
    if (flag < 0) flag = getenv("AUGUR_KQ_LEGACY") != NULL;
    return flag;
}

void augur_mm_q4_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    // M = 2: the unpaired kernel measured faster for Q4_K (1.25 vs 1.45x of M = 1, hot, one thread).
    if (M <= 2 || (M <= 4 && legacy_paths())) { augur_mv_q4_K(w, rb, r0, r1, K, a, M, y, ldy); return; }
    if (!legacy_paths() && augur_mp_q4_K(w, rb, r0, r1, K, a, M, y, ldy)) return;  // else: no scratch, general path
    mm_qk(T_Q4_K, w, rb, r0, r1, K, a, M, y, ldy);
}
void augur_mm_q5_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_qk(T_Q5_K, w, rb, r0, r1, K, a, M, y, ldy);
}
void augur_mm_q6_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    if (M == 1 || (M <= 4 && legacy_paths())) { augur_mv_q6_K(w, rb, r0, r1, K, a, M, y, ldy); return; }
    if (!legacy_paths() && augur_mp_q6_K(w, rb, r0, r1, K, a, M, y, ldy)) return;  // else: no scratch, general path
    mm_qk(T_Q6_K, w, rb, r0, r1, K, a, M, y, ldy);
}
