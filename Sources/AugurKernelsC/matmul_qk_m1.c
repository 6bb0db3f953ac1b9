// Single-activation-row (M = 1, decode) products of Q4_K / Q6_K weights with Q8 (256)
// activations. Same integer lane sums and float order as matmul_qk.c (and the scalar twins in
// MatmulReferenceK.swift), so results are bit-identical to the general kernel at any M.
//
// The general kernel unpacks a whole super-block (8 quant vectors + 8 scale vectors) into arrays
// before applying it to a tile of activation rows; at M = 1 that spills to the stack. Here each
// 32-byte group is unpacked and consumed at once (nothing kept across groups), and R weight rows
// are processed together so the activation loads, its scale and bsums are shared.
#include "AugurKernelsC.h"
#include "kernels_common.h"

/// Software prefetch distance in bytes ahead of the super-block being read. The hardware
/// prefetcher alone left the M = 1 kernels at ~13 GB/s on one thread; 2-4 KiB ahead gave 15-18 GB/s
/// (1536→8960 Q4_K, 8960→1536 and 151936×1536 Q6_K, cold weights). Prefetches past the end of
/// the tensor are harmless (they never fault).
#ifndef AUGUR_PF
#define AUGUR_PF 3072
#endif
/// Shuffle index broadcasting int16 element `i` (0..7 of a 128-bit lane) to all 16 lanes.
#define SPLAT16(i) _mm256_set1_epi16((short)(((2 * (i) + 1) << 8) | (2 * (i))))
/// The same for one 128-bit lane.
#define SPLAT16X(i) _mm_set1_epi16((short)(((2 * (i) + 1) << 8) | (2 * (i))))

/// Q4_K: R rows starting at `row0` (row stride `rb`), K = 256 * nsb; out[r] = row r · activation.
AUGUR_INLINE void mv_q4K_rows(const int R, const uint8_t *row0, size_t rb, int nsb, const augur_act *a, float *out) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m128i dupIdx = _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const int8_t *y = a->qs + (size_t)sb * 256;
        const __m256 da = _mm256_set1_ps(a->d[sb]);
        const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + 16 * sb));
        __m256i scb[4], is[4];
        for (int r = 0; r < R; r++) {
            const uint8_t *b = row0 + (size_t)r * rb + (size_t)sb * 144;
            _mm_prefetch((const char *)b + AUGUR_PF, _MM_HINT_T0);
            _mm_prefetch((const char *)b + AUGUR_PF + 64, _MM_HINT_T0);
            _mm_prefetch((const char *)b + AUGUR_PF + 128, _MM_HINT_T0);
            uint32_t u0, u2;
            memcpy(&u0, b + 4, 4);
            memcpy(&u2, b + 12, 4);
            const uint32_t sl = u0 & 0x3f3f3f3fu;
            const uint32_t sh = (u2 & 0x0f0f0f0fu) | (((u0 >> 6) & 0x03030303u) << 4);
            scb[r] = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)sh, (int)sl)));
            is[r] = _mm256_setzero_si256();
        }
        for (int j = 0; j < 4; j++) {
            const __m256i yl = _mm256_loadu_si256((const __m256i *)(y + 64 * j));
            const __m256i yh = _mm256_loadu_si256((const __m256i *)(y + 64 * j + 32));
            for (int r = 0; r < R; r++) {
                const uint8_t *b = row0 + (size_t)r * rb + (size_t)sb * 144;
                const __m256i L = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * j));
                const __m256i pl = _mm256_maddubs_epi16(_mm256_and_si256(L, m4), yl);
                const __m256i ph = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(L, 4), m4), yh);
                is[r] = _mm256_add_epi32(is[r], _mm256_madd_epi16(pl, _mm256_shuffle_epi8(scb[r], SPLAT16(2 * j))));
                is[r] = _mm256_add_epi32(is[r], _mm256_madd_epi16(ph, _mm256_shuffle_epi8(scb[r], SPLAT16(2 * j + 1))));
            }
        }
        for (int r = 0; r < R; r++) {
            const uint8_t *b = row0 + (size_t)r * rb + (size_t)sb * 144;
            uint32_t dd, u1, u2;
            memcpy(&dd, b, 4);
            memcpy(&u1, b + 8, 4);
            memcpy(&u2, b + 12, 4);
            const uint32_t ml = u1 & 0x3f3f3f3fu;
            const uint32_t mh = ((u2 >> 4) & 0x0f0f0f0fu) | (((u1 >> 6) & 0x03030303u) << 4);
            const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(_mm_set_epi32(0, 0, (int)mh, (int)ml), dupIdx));
            const __m256i imin = _mm256_madd_epi16(bs, mins16);
            const __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)dd));  // [d, dmin, 0, 0]
            const __m256 vd = _mm256_broadcastss_ps(dm);
            const __m256 vdminNeg = _mm256_set1_ps(-_mm_cvtss_f32(_mm_movehdup_ps(dm)));
            // Canonical order: the scaled-quant term, then the min term.
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(is[r]), acc[r]);
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(vdminNeg, da), _mm256_cvtepi32_ps(imin), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) out[r] = hsum8_ps(acc[r]);
}

/// Q6_K: R rows starting at `row0`; out[r] = row r · activation.
AUGUR_INLINE void mv_q6K_rows(const int R, const uint8_t *row0, size_t rb, int nsb, const augur_act *a, float *out) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int sb = 0; sb < nsb; sb++) {
        const int8_t *y = a->qs + (size_t)sb * 256;
        const __m256 da = _mm256_set1_ps(a->d[sb]);
        __m256i is[4];
        for (int r = 0; r < R; r++) is[r] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            // Group t of half h (32 elements) uses scales 8h+2t (low 128 bits) and 8h+2t+1 (high).
            const __m256i y0 = _mm256_loadu_si256((const __m256i *)(y + 128 * h));
            const __m256i y1 = _mm256_loadu_si256((const __m256i *)(y + 128 * h + 32));
            const __m256i y2 = _mm256_loadu_si256((const __m256i *)(y + 128 * h + 64));
            const __m256i y3 = _mm256_loadu_si256((const __m256i *)(y + 128 * h + 96));
            for (int r = 0; r < R; r++) {
                const uint8_t *b = row0 + (size_t)r * rb + (size_t)sb * 210;
                _mm_prefetch((const char *)b + AUGUR_PF + 128 * h, _MM_HINT_T0);
                _mm_prefetch((const char *)b + AUGUR_PF + 128 * h + 64, _MM_HINT_T0);
                const __m256i L0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
                const __m256i L1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
                const __m256i H = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
                // 8 scales of this half as int16, in both 128-bit lanes.
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
                __m256i t = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(q0, y0), s0),
                                             _mm256_madd_epi16(_mm256_maddubs_epi16(q1, y1), s1));
                t = _mm256_add_epi32(t, _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(q2, y2), s2),
                                                         _mm256_madd_epi16(_mm256_maddubs_epi16(q3, y3), s3)));
                is[r] = _mm256_add_epi32(is[r], t);
            }
        }
        const __m256i bs = _mm256_loadu_si256((const __m256i *)(a->bsums + 16 * sb));
        for (int r = 0; r < R; r++) {
            const uint8_t *b = row0 + (size_t)r * rb + (size_t)sb * 210;
            // −32 · Σ sc·y per 32-element group (lane l: group l), folded into the lane sums.
            const __m256i imin = _mm256_madd_epi16(bs, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192))));
            const __m256i tot = _mm256_sub_epi32(is[r], _mm256_slli_epi32(imin, 5));
            const __m256 vd = _mm256_set1_ps(fp16_to_f32(b + 208));
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(vd, da), _mm256_cvtepi32_ps(tot), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) out[r] = hsum8_ps(acc[r]);
}

/// Weight rows per inner loop. 2 (sharing the activation loads) measured slower with cold
/// weights (Q4_K 1536→8960: ~7 vs ~10.5 GB/s), so rows go one at a time.
#ifndef AUGUR_MV_ROWS
#define AUGUR_MV_ROWS 1
#endif

void augur_mv_q4_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, float *y) {
    const uint8_t *base = (const uint8_t *)w;
    int r = r0;
    for (; r + AUGUR_MV_ROWS <= r1; r += AUGUR_MV_ROWS) mv_q4K_rows(AUGUR_MV_ROWS, base + (size_t)r * rb, rb, K / 256, a, y + r);
    for (; r < r1; r++) mv_q4K_rows(1, base + (size_t)r * rb, rb, K / 256, a, y + r);
}

void augur_mv_q6_K(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, float *y) {
    const uint8_t *base = (const uint8_t *)w;
    int r = r0;
    for (; r + AUGUR_MV_ROWS <= r1; r += AUGUR_MV_ROWS) mv_q6K_rows(AUGUR_MV_ROWS, base + (size_t)r * rb, rb, K / 256, a, y + r);
    for (; r < r1; r++) mv_q6K_rows(1, base + (size_t)r * rb, rb, K / 256, a, y + r);
}
