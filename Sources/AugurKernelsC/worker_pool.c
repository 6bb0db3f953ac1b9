// Persistent worker threads that spin briefly between jobs, then sleep.
//
// A decode step is ~100-170 matrix products and attention calls of 10-500 µs each. Handing each
// to parked threads (a futex wake-up per call, as GCD's concurrentPerform does) cost ~20-40 µs per
// call here, latency plus scheduler work on both cores: ~1/6 of a 0.5B step, ~6 ms of a 1.5B one.
// Here a worker that finished a job polls the job counter for up to ~2 ms (the gap between two
// products of one forward is a few µs), and only then waits on a condition variable. The caller
// always runs part 0 itself; every worker acknowledges every job (those without a part at once),
// so a job's fields are never read late.

#include "AugurKernelsC.h"
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct augur_pool {
    int workers;                 // threads owned by the pool (callers' parts 1...workers)
    int busy;                    // 1 while a job runs (one caller at a time)
    unsigned long generation;    // bumped once per job
    int parts;                   // parts of the current job, the caller's included
    int remaining;               // workers that have not yet finished with the current job
    int sleepers;                // workers waiting on `wake`
    augur_task_fn fn;
    void *ctx;
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

struct worker_arg {
    augur_pool *pool;
    int index;
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/// Waits until the generation differs from `seen`: polls for 2 ms, then sleeps.
static unsigned long wait_for_job(augur_pool *p, unsigned long seen) {
    unsigned long g = __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE);
    if (g != seen) return g;
    double deadline = now_seconds() + 0.002;
    for (unsigned spins = 1;; spins++) {
        _mm_pause();
        g = __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE);
        if (g != seen) return g;
        if ((spins & 1023) == 0 && now_seconds() > deadline) break;
    }
    pthread_mutex_lock(&p->lock);
    // Announce the sleep before the last check; the caller bumps the generation before reading
    // `sleepers` (both sequentially consistent), so one of the two sees the other.
    __atomic_add_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
    while ((g = __atomic_load_n(&p->generation, __ATOMIC_SEQ_CST)) == seen) {
        pthread_cond_wait(&p->wake, &p->lock);
    }
    __atomic_sub_fetch(&p->sleepers, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&p->lock);
    return g;
}

static void *worker_main(void *raw) {
    struct worker_arg arg = *(struct worker_arg *)raw;
    free(raw);
    augur_pool *p = arg.pool;
    unsigned long seen = 0;
    for (;;) {
        seen = wait_for_job(p, seen);
        // fn, ctx and parts were written before the generation (release/acquire), and stay until
        // every worker, this one included, has counted itself off: no worker lags a job behind.
        if (arg.index < p->parts) p->fn(p->ctx, arg.index);
        __atomic_sub_fetch(&p->remaining, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

augur_pool *augur_pool_create(int workers) {
    augur_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    for (int i = 0; i < workers; i++) {
        struct worker_arg *arg = malloc(sizeof *arg);
        pthread_t thread;
        if (!arg) break;
        arg->pool = p;
        arg->index = i + 1;
        if (pthread_create(&thread, NULL, worker_main, arg) != 0) {
            free(arg);
            break;
        }
        pthread_detach(thread);
        p->workers = i + 1;
    }
    return p;
}

int augur_pool_workers(const augur_pool *p) { return p ? p->workers : 0; }

int augur_pool_run(augur_pool *p, int parts, augur_task_fn fn, void *ctx) {
    if (!p || parts < 1 || parts - 1 > p->workers) return 0;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&p->busy, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 0;
    p->fn = fn;
    p->ctx = ctx;
    p->parts = parts;
    __atomic_store_n(&p->remaining, p->workers, __ATOMIC_RELAXED);
    __atomic_add_fetch(&p->generation, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&p->sleepers, __ATOMIC_SEQ_CST) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
    fn(ctx, 0);
    while (__atomic_load_n(&p->remaining, __ATOMIC_ACQUIRE) > 0) _mm_pause();
    __atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
    return 1;
}
