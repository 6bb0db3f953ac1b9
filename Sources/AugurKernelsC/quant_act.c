// Activation quantization to 8-bit blocks (AVX2). Scalar twin: ActivationQuantReference.swift.
#include "AugurKernelsC.h"
#include "kernels_common.h"

// Quantizes 32 floats with inverse scale `id`; stores 32 int8 and returns their int32 sums
// (lanes hold partial sums; the caller reduces).
static inline __m256i quant32(const float *x, __m256 id, int8_t *qs, __m256i *sum16a, __m256i *sum16b) {
    __m256i v0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
    __m256i v1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), id));
    __m256i v2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), id));
    __m256i v3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), id));
    *sum16a = _mm256_add_epi32(v0, v1);
    *sum16b = _mm256_add_epi32(v2, v3);
    __m256i p01 = _mm256_packs_epi32(v0, v1);
    __m256i p23 = _mm256_packs_epi32(v2, v3);
    __m256i p = _mm256_packs_epi16(p01, p23);
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)qs, p);
    return _mm256_add_epi32(*sum16a, *sum16b);
}

static inline float amax_of(const float *x, int n) {
    const __m256 signMask = _mm256_set1_ps(-0.0f);
    __m256 mx = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8) mx = _mm256_max_ps(mx, _mm256_andnot_ps(signMask, _mm256_loadu_ps(x + i)));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

void augur_quantize_q8_32(const float *x, int K, int8_t *qs, float *d, int32_t *sums, int nbPad) {
    const int nb = K / 32;
    for (int b = 0; b < nb; b++) {
        float amax = amax_of(x + 32 * b, 32);
        d[b] = amax / 127.0f;
        __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
        __m256i sa, sb;
        __m256i s = quant32(x + 32 * b, id, qs + 32 * b, &sa, &sb);
        sums[b] = hsum_epi32(s);
    }
    for (int b = nb; b < nbPad; b++) { d[b] = 0.0f; sums[b] = 0; }
}

void augur_quantize_q8_256(const float *x, int K, int8_t *qs, float *d, int16_t *bsums) {
    const int nsb = K / 256;
    for (int s = 0; s < nsb; s++) {
        const float *xs = x + 256 * s;
        float amax = amax_of(xs, 256);
        d[s] = amax / 127.0f;
        __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
        for (int j = 0; j < 8; j++) {
            __m256i sa, sb;
            quant32(xs + 32 * j, id, qs + 256 * s + 32 * j, &sa, &sb);
            bsums[16 * s + 2 * j] = (int16_t)hsum_epi32(sa);
            bsums[16 * s + 2 * j + 1] = (int16_t)hsum_epi32(sb);
        }
    }
}

uint64_t augur_stream_read(const void *p, size_t bytes) {
    const __m256i *v = (const __m256i *)p;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < bytes / 32; i += 8) {
        a0 = _mm256_xor_si256(a0, _mm256_loadu_si256(v + i));
        a1 = _mm256_xor_si256(a1, _mm256_loadu_si256(v + i + 1));
        a2 = _mm256_xor_si256(a2, _mm256_loadu_si256(v + i + 2));
        a3 = _mm256_xor_si256(a3, _mm256_loadu_si256(v + i + 3));
        a0 = _mm256_xor_si256(a0, _mm256_loadu_si256(v + i + 4));
        a1 = _mm256_xor_si256(a1, _mm256_loadu_si256(v + i + 5));
        a2 = _mm256_xor_si256(a2, _mm256_loadu_si256(v + i + 6));
        a3 = _mm256_xor_si256(a3, _mm256_loadu_si256(v + i + 7));
    }
    __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    return (uint64_t)_mm256_extract_epi64(a, 0) ^ (uint64_t)_mm256_extract_epi64(a, 3);
}

int augur_atomic_fetch_add(int *p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
