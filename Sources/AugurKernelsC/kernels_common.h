// Shared helpers of the AVX2 kernels (private header).
#ifndef AUGUR_KERNELS_COMMON_H
#define AUGUR_KERNELS_COMMON_H
#include <immintrin.h>
#include <string.h>
#include <math.h>

// Results must equal the scalar Swift twins bit for bit: no silent fusing of a*b+c.
#pragma clang fp contract(off)

#define AUGUR_INLINE static inline __attribute__((always_inline))

AUGUR_INLINE int hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

/// Canonical 8-lane float reduction: ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
AUGUR_INLINE float hsum8_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/// Lane b of the result = horizontal sum of v[b] (exact integer arithmetic).
AUGUR_INLINE __m256i reduce8_epi32(__m256i v0, __m256i v1, __m256i v2, __m256i v3,
                                   __m256i v4, __m256i v5, __m256i v6, __m256i v7) {
    __m256i t0 = _mm256_hadd_epi32(v0, v1);
    __m256i t1 = _mm256_hadd_epi32(v2, v3);
    __m256i t2 = _mm256_hadd_epi32(v4, v5);
    __m256i t3 = _mm256_hadd_epi32(v6, v7);
    __m256i u0 = _mm256_hadd_epi32(t0, t1);
    __m256i u1 = _mm256_hadd_epi32(t2, t3);
    return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20), _mm256_permute2x128_si256(u0, u1, 0x31));
}

AUGUR_INLINE float fp16_to_f32(const void *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

#endif
