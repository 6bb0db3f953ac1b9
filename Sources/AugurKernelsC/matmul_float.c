// AVX2 products of F32/F16/BF16 weights with fp32 activations. Scalar twin:
// MatmulReference.swift `dotReference_f32` (32 lanes, lane = k mod 32, same reduction order).
#include <math.h>
#include "AugurKernelsC.h"
#include "kernels_common.h"

AUGUR_INLINE float dot_f32(const float *w, const float *x, int K) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int i = 0;
    for (; i + 32 <= K; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    if (i < K) {
        float lanes[32];
        _mm256_storeu_ps(lanes, a0);
        _mm256_storeu_ps(lanes + 8, a1);
        _mm256_storeu_ps(lanes + 16, a2);
        _mm256_storeu_ps(lanes + 24, a3);
        for (int l = 0; i < K; i++, l++) lanes[l] = fmaf(w[i], x[i], lanes[l]);
        a0 = _mm256_loadu_ps(lanes);
        a1 = _mm256_loadu_ps(lanes + 8);
        a2 = _mm256_loadu_ps(lanes + 16);
        a3 = _mm256_loadu_ps(lanes + 24);
    }
    return hsum8_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

void augur_mm_float(int type, const void *w, size_t rowBytes, int r0, int r1, int K,
                    const float *x, int ldx, int M, float *y, int ldy, float *scratch) {
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * rowBytes;
        const float *wr = scratch;
        if (type == 0) {
            wr = (const float *)row;
        } else if (type == 1) {
            int i = 0;
            for (; i + 8 <= K; i += 8)
                _mm256_storeu_ps(scratch + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 2 * i))));
            for (; i < K; i++) scratch[i] = fp16_to_f32(row + 2 * i);
        } else {
            int i = 0;
            for (; i + 8 <= K; i += 8) {
                __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(row + 2 * i)));
                _mm256_storeu_ps(scratch + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
            }
            for (; i < K; i++) {
                uint16_t h;
                memcpy(&h, row + 2 * i, 2);
                uint32_t bits = (uint32_t)h << 16;
                memcpy(scratch + i, &bits, 4);
            }
        }
        for (int m = 0; m < M; m++) y[(size_t)m * ldy + r] = dot_f32(wr, x + (size_t)m * ldx, K);
    }
}
