// AVX2 products of 32-element-block weights (Q4_0, Q4_1, Q5_0, Q8_0) with Q8 (32) activations.
// Scalar twins: MatmulReference32.swift (same canonical float order, bit-identical results).
//
// Loop: row → group of 8 weight blocks (unpacked once) → for each activation row m: 8 integer
// block dots (maddubs/madd), reduced to one int32 per block, scaled by d_w·d_a in float lane
// (block mod 8) of an 8-lane accumulator.
#include "AugurKernelsC.h"
#include "kernels_common.h"

enum { T_Q4_0, T_Q4_1, T_Q5_0, T_Q8_0 };

AUGUR_INLINE __m256i unpack_nibbles(const uint8_t *qs) {
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    __m256i v = _mm256_set_m128i(_mm_srli_epi16(q, 4), q);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
}

/// 0x10 in byte e where bit e of the 32-bit little-endian `qh` is set.
AUGUR_INLINE __m256i q5_high_bits(const uint8_t *qh) {
    uint32_t h;
    memcpy(&h, qh, 4);
    __m256i v = _mm256_set1_epi32((int)h);
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    v = _mm256_shuffle_epi8(v, shuf);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

AUGUR_INLINE void unpack_block(const int T, const uint8_t *b, __m256i *q, __m256i *s) {
    switch (T) {
    case T_Q4_0: *q = unpack_nibbles(b + 2); break;
    case T_Q4_1: *q = unpack_nibbles(b + 4); break;
    case T_Q5_0: *q = _mm256_or_si256(unpack_nibbles(b + 6), q5_high_bits(b + 2)); break;
    default: {
        __m256i w = _mm256_loadu_si256((const __m256i *)(b + 2));
        *q = _mm256_abs_epi8(w);
        *s = w;
    }
    }
}

/// The fp16 at byte `off` of each of the first `ng` blocks (stride `bsz`), widened; 0 beyond.
/// Built in a register (eight scalar stores reloaded as one vector would stall store forwarding).
AUGUR_INLINE __m256 gather_halves(const uint8_t *b, int bsz, int off, int ng) {
    __m128i h = _mm_setzero_si128();
#define AUGUR_H(i) if (ng > i) h = _mm_insert_epi16(h, *(const uint16_t *)(b + (i) * bsz + off), i)
    AUGUR_H(0); AUGUR_H(1); AUGUR_H(2); AUGUR_H(3); AUGUR_H(4); AUGUR_H(5); AUGUR_H(6); AUGUR_H(7);
#undef AUGUR_H
    return _mm256_cvtph_ps(h);
}

/// Σ over 4-element groups of q·y (int32 × 8); exact.
AUGUR_INLINE __m256i block_dot(const int T, __m256i q, __m256i s, const int8_t *ya) {
    __m256i y = _mm256_loadu_si256((const __m256i *)ya);
    if (T == T_Q8_0) y = _mm256_sign_epi8(y, s);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q, y), _mm256_set1_epi16(1));
}

/// M = 1 (decode, used for Q8_0): the same arithmetic as mm_q32 with each block unpacked and consumed at once
/// (mm_q32 keeps a whole group of 8 unpacked blocks in arrays for its M loop, which spills), the
/// block sums reduced pairwise as they come, and a software prefetch 2 KiB ahead (Q8_0 151936×896,
/// cold: 6-8 → 10-11 GB/s on one thread).
AUGUR_INLINE void mv_q32(const int T, const void *w, size_t rowBytes, int r0, int r1, int K, const augur_act *a, float *y) {
    const int nb = K / 32;
    const int bsz = T == T_Q4_0 ? 18 : T == T_Q4_1 ? 20 : T == T_Q5_0 ? 22 : 34;
    const int offsetShift = T == T_Q4_0 ? 3 : 4;
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * rowBytes;
        __m256 acc = _mm256_setzero_ps();
        for (int g = 0; g < nb; g += 8) {
            const int ng = nb - g < 8 ? nb - g : 8;
            const uint8_t *gb = row + (size_t)g * bsz;
            for (int o = 0; o < 8 * bsz; o += 64) _mm_prefetch((const char *)gb + 2048 + o, _MM_HINT_T0);
            const int8_t *ya = a->qs + (size_t)g * 32;
            __m256i v[8];
            for (int i = 0; i < 8; i++) {
                __m256i q, sg = _mm256_setzero_si256();
                if (ng == 8 || i < ng) {
                    unpack_block(T, gb + (size_t)i * bsz, &q, &sg);
                    v[i] = block_dot(T, q, sg, ya + 32 * i);
                } else {
                    v[i] = _mm256_setzero_si256();
                }
            }
            __m256i isum = reduce8_epi32(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
            const __m256 dwv = gather_halves(gb, bsz, 0, ng);
            const __m256 da = _mm256_loadu_ps(a->d + g);
            if (T == T_Q8_0) {
                acc = _mm256_fmadd_ps(_mm256_mul_ps(dwv, da), _mm256_cvtepi32_ps(isum), acc);
            } else {
                const __m256i sy = _mm256_loadu_si256((const __m256i *)(a->sums + g));
                if (T == T_Q4_1) {
                    const __m256 mwv = gather_halves(gb, bsz, 2, ng);
                    acc = _mm256_fmadd_ps(_mm256_mul_ps(dwv, da), _mm256_cvtepi32_ps(isum), acc);
                    acc = _mm256_fmadd_ps(mwv, _mm256_mul_ps(da, _mm256_cvtepi32_ps(sy)), acc);
                } else {
                    isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(sy, offsetShift));
                    acc = _mm256_fmadd_ps(_mm256_mul_ps(dwv, da), _mm256_cvtepi32_ps(isum), acc);
                }
            }
        }
        y[r] = hsum8_ps(acc);
    }
}

AUGUR_INLINE void mm_q32(const int T, const void *w, size_t rowBytes, int r0, int r1, int K,
                         const augur_act *a, int M, float *y, int ldy) {
    const int nb = K / 32;
    const int bsz = T == T_Q4_0 ? 18 : T == T_Q4_1 ? 20 : T == T_Q5_0 ? 22 : 34;
    const int offsetShift = T == T_Q4_0 ? 3 : 4;  // weights stored unsigned: q - 8 or q - 16
    // M = 1: Q8_0 takes the streamed kernel (hot 1.85 → 1.28 ns per block); for the nibble types
    // it measured no faster (Q5_0 is bound by its bit unpacking), so they only get the prefetch.
    if (M == 1 && T == T_Q8_0) {
        mv_q32(T, w, rowBytes, r0, r1, K, a, y);
        return;
    }
    __m256 acc[64];
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * rowBytes;
        for (int m = 0; m < M; m++) acc[m] = _mm256_setzero_ps();
        for (int g = 0; g < nb; g += 8) {
            const int ng = nb - g < 8 ? nb - g : 8;
            __m256i q[8], s[8];
            const uint8_t *gb = row + (size_t)g * bsz;
            if (M == 1)
                for (int o = 0; o < 8 * bsz; o += 64) _mm_prefetch((const char *)gb + 2048 + o, _MM_HINT_T0);
            for (int i = 0; i < 8; i++) {
                s[i] = _mm256_setzero_si256();
                if (ng == 8 || i < ng) unpack_block(T, gb + (size_t)i * bsz, &q[i], &s[i]);
                else q[i] = _mm256_setzero_si256();
            }
            const __m256 dwv = gather_halves(gb, bsz, 0, ng);
            const __m256 mwv = T == T_Q4_1 ? gather_halves(gb, bsz, 2, ng) : _mm256_setzero_ps();
            for (int m = 0; m < M; m++) {
                // Padded blocks of a tail group have q = 0, so their (in-bounds, see
                // QuantizedActivations) activation bytes contribute nothing.
                const int8_t *ya = a->qs + (size_t)m * a->qsStride + (size_t)g * 32;
                __m256i v[8];
                for (int i = 0; i < 8; i++) v[i] = block_dot(T, q[i], s[i], ya + 32 * i);
                __m256i isum = reduce8_epi32(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
                const __m256 da = _mm256_loadu_ps(a->d + (size_t)m * a->dStride + g);
                if (T == T_Q4_0 || T == T_Q5_0 || T == T_Q4_1) {
                    const __m256i sy = _mm256_loadu_si256((const __m256i *)(a->sums + (size_t)m * a->dStride + g));
                    if (T == T_Q4_1) {
                        acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(dwv, da), _mm256_cvtepi32_ps(isum), acc[m]);
                        acc[m] = _mm256_fmadd_ps(mwv, _mm256_mul_ps(da, _mm256_cvtepi32_ps(sy)), acc[m]);
                    } else {
                        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(sy, offsetShift));
                        acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(dwv, da), _mm256_cvtepi32_ps(isum), acc[m]);
                    }
                } else {
                    acc[m] = _mm256_fmadd_ps(_mm256_mul_ps(dwv, da), _mm256_cvtepi32_ps(isum), acc[m]);
                }
            }
        }
        for (int m = 0; m < M; m++) y[(size_t)m * ldy + r] = hsum8_ps(acc[m]);
    }
}

void augur_mm_q4_0(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_q32(T_Q4_0, w, rb, r0, r1, K, a, M, y, ldy);
}
void augur_mm_q4_1(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_q32(T_Q4_1, w, rb, r0, r1, K, a, M, y, ldy);
}
void augur_mm_q5_0(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_q32(T_Q5_0, w, rb, r0, r1, K, a, M, y, ldy);
}
void augur_mm_q8_0(const void *w, size_t rb, int r0, int r1, int K, const augur_act *a, int M, float *y, int ldy) {
    mm_q32(T_Q8_0, w, rb, r0, r1, K, a, M, y, ldy);
}
