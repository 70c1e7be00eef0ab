/* rng.c - xoshiro256** 1.0 with splitmix64 seeding (Blackman & Vigna,
 * "Scrambled linear pseudorandom number generators", 2018). Platform
 * independent, unlike rand(). */
#include "core/internal.h"

#include <math.h>

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void emb_rng_seed(emb_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

uint64_t emb_rng_next(emb_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Lemire's nearly divisionless bounded integer, with rejection: unbiased. */
uint32_t emb_rng_below(emb_rng *r, uint32_t n) {
    if (n == 0) return 0;
    uint64_t m = (uint64_t)(uint32_t)(emb_rng_next(r) >> 32) * n;
    uint32_t l = (uint32_t)m;
    if (l < n) {
        uint32_t t = -n % n;
        while (l < t) {
            m = (uint64_t)(uint32_t)(emb_rng_next(r) >> 32) * n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double emb_rng_uniform(emb_rng *r) {
    return (double)(emb_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Box-Muller; the second value is discarded to keep the state simple. */
double emb_rng_normal(emb_rng *r) {
    double u1 = emb_rng_uniform(r), u2 = emb_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void emb_rng_jump(emb_rng *r) {
    static const uint64_t JUMP[] = {0x180ec6d33cfd0abaull, 0xd5a61266f0c9392cull,
                                    0xa9582618e03fc9aaull, 0x39abdc4529b1661cull};
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (JUMP[i] & (1ull << b)) {
                s0 ^= r->s[0]; s1 ^= r->s[1]; s2 ^= r->s[2]; s3 ^= r->s[3];
            }
            emb_rng_next(r);
        }
    r->s[0] = s0; r->s[1] = s1; r->s[2] = s2; r->s[3] = s3;
}
