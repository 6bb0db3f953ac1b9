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

/// Software prefetch distance in bytes ahead of the super-block being read. The hardware
/// prefetcher alone left the M = 1 kernels at ~13 GB/s on one thread; 2-4 KiB ahead gave 15-18 GB/s
/// (1536→8960 Q4_K, 8960→1536 and 151936×1536 Q6_K, cold weights). Prefetches past the end of
/// the tensor are harmless (they never fault).
#ifndef AUGUR_PF
#define AUGUR_PF 3072
#endif

/// Prefetches the 144-byte Q4_K super-block AUGUR_PF bytes ahead of `b`.
AUGUR_INLINE void prefetch_q4K(const uint8_t *b) {
    _mm_prefetch((const char *)b + AUGUR_PF, _MM_HINT_T0);
    _mm_prefetch((const char *)b + AUGUR_PF + 64, _MM_HINT_T0);
    _mm_prefetch((const char *)b + AUGUR_PF + 128, _MM_HINT_T0);
}

/// d and −dmin of a Q4_K super-block (its first 4 bytes, two fp16), each broadcast to 8 lanes.
AUGUR_INLINE void k4_d_dmin(const uint8_t *b, __m256 *vd, __m256 *vdminNeg) {
    uint32_t dd;
    memcpy(&dd, b, 4);
    const __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)dd));  // [d, dmin, 0, 0]
    *vd = _mm256_broadcastss_ps(dm);
    *vdminNeg = _mm256_set1_ps(-_mm_cvtss_f32(_mm_movehdup_ps(dm)));
}

/// The 8 six-bit sub-block scales and mins of a Q4_K / Q5_K super-block from its 12 packed bytes at
/// `p` (ggml get_scale_min_k4), one per byte in the low 8 bytes of *sc and *mn.
AUGUR_INLINE void k4_scale_min_bytes(const uint8_t *p, __m128i *sc, __m128i *mn) {
    uint32_t u0, u1, u2;
    memcpy(&u0, p, 4);
    memcpy(&u1, p + 4, 4);
    memcpy(&u2, p + 8, 4);
    const uint32_t sl = u0 & 0x3f3f3f3fu;
    const uint32_t sh = (u2 & 0x0f0f0f0fu) | (((u0 >> 6) & 0x03030303u) << 4);
    const uint32_t ml = u1 & 0x3f3f3f3fu;
    const uint32_t mh = ((u2 >> 4) & 0x0f0f0f0fu) | (((u1 >> 6) & 0x03030303u) << 4);
    *sc = _mm_set_epi32(0, 0, (int)sh, (int)sl);
    *mn = _mm_set_epi32(0, 0, (int)mh, (int)ml);
}

/// Each of the 8 low bytes of `v` duplicated (bytes 0,0,1,1,…,7,7): per-sub-block values matched
/// to per-16-element sums.
AUGUR_INLINE __m128i dup8_epi8(__m128i v) {
    return _mm_shuffle_epi8(v, _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
}

AUGUR_INLINE float fp16_to_f32(const void *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

#endif
