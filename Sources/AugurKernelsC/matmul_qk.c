// AVX2 products of K-quant weights (Q4_K, Q5_K, Q6_K; 256-element super-blocks) with Q8 (256)
// activations. Scalar twins: MatmulReferenceK.swift (bit-identical results).
//
// Loop: row → super-block (unpacked once: 8 vectors of 32 unsigned quants + 16-bit sub-block
// scales) → for each activation row m: maddubs/madd with the sub-block scales gives an exact
// int32 sum, the min/offset term comes from the activation's 16-element sums (bsums); both are
// scaled in float: acc = fma(d_w·d_a, I, acc) [then fma(-(dmin_w·d_a), Imin, acc)].
#include "AugurKernelsC.h"
#include "kernels_common.h"

enum { T_Q4_K, T_Q5_K, T_Q6_K };

/// Q4_K/Q5_K: 8 six-bit scales (each broadcast to 16 int16 lanes) and 8 six-bit mins (each
/// duplicated, matching the 16 per-16 bsums) from the packed 12 bytes (ggml get_scale_min_k4).
AUGUR_INLINE void k4_scales(const uint8_t *p, __m256i sc[8], __m256i *mins16) {
    uint32_t u0, u1, u2;
    memcpy(&u0, p, 4);
    memcpy(&u1, p + 4, 4);
    memcpy(&u2, p + 8, 4);
    const uint32_t sl = u0 & 0x3f3f3f3fu;
    const uint32_t sh = (u2 & 0x0f0f0f0fu) | (((u0 >> 6) & 0x03030303u) << 4);
    const uint32_t ml = u1 & 0x3f3f3f3fu;
    const uint32_t mh = ((u2 >> 4) & 0x0f0f0f0fu) | (((u1 >> 6) & 0x03030303u) << 4);
    const __m256i scb = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)sh, (int)sl)));
    for (int i = 0; i < 8; i++)
        sc[i] = _mm256_shuffle_epi8(scb, _mm256_set1_epi16((short)(((2 * i + 1) << 8) | (2 * i))));
    __m128i mn = _mm_set_epi32(0, 0, (int)mh, (int)ml);
    mn = _mm_shuffle_epi8(mn, _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
    *mins16 = _mm256_cvtepu8_epi16(mn);
}

AUGUR_INLINE void mm_qk(const int T, const void *w, size_t rowBytes, int r0, int r1, int K,
                        const augur_act *a, int M, float *y, int ldy) {
    const int nsb = K / 256;
    const int bsz = T == T_Q4_K ? 144 : T == T_Q5_K ? 176 : 210;
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    float acc[64];
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * rowBytes;
        for (int m = 0; m < M; m++) acc[m] = 0.0f;
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
            for (int m = 0; m < M; m++) {
                const int8_t *ya = a->qs + (size_t)m * a->qsStride + (size_t)sb * 256;
                __m256i p[8];
                for (int j = 0; j < 8; j++)
                    p[j] = _mm256_madd_epi16(_mm256_maddubs_epi16(q[j], _mm256_loadu_si256((const __m256i *)(ya + 32 * j))), sc[j]);
                __m256i isum = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(p[0], p[1]), _mm256_add_epi32(p[2], p[3])),
                                                _mm256_add_epi32(_mm256_add_epi32(p[4], p[5]), _mm256_add_epi32(p[6], p[7])));
                const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + (size_t)m * a->bsumStride + 16 * sb));
                const __m256i imin = _mm256_madd_epi16(bs, mins16);
                const float da = a->d[(size_t)m * a->dStride + sb];
                if (T == T_Q6_K) {
                    const int I = hsum_epi32(_mm256_sub_epi32(isum, _mm256_slli_epi32(imin, 5)));
                    acc[m] = fmaf(d * da, (float)I, acc[m]);
                } else {
                    const __m256i h = _mm256_hadd_epi32(isum, imin);
                    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
                    s = _mm_hadd_epi32(s, s);
                    const int I = _mm_cvtsi128_si32(s), Imin = _mm_extract_epi32(s, 1);
                    acc[m] = fmaf(d * da, (float)I, acc[m]);
                    acc[m] = fmaf(-(dmin * da), (float)Imin, acc[m]);
                }
            }
        }
        for (int m = 0; m < M; m++) y[(size_t)m * ldy + r] = acc[m];
    }
}

void augur_mm_q4_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_qk(T_Q4_K, w, rb, r0, r1, K, a, M, y, ldy);
}
void augur_mm_q5_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_qk(T_Q5_K, w, rb, r0, r1, K, a, M, y, ldy);
}
void augur_mm_q6_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_qk(T_Q6_K, w, rb, r0, r1, K, a, M, y, ldy);
}
