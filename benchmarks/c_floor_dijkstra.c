/* The C floor of bench_routing.py: one single-source Dijkstra with an indexed
 * binary min-heap (decrease-key) on a CSR graph, timed without I/O.
 *
 * Input file (little-endian, as numpy writes it): int64 n, int64 m, int64 source,
 * int64 indptr[n + 1], int32 indices[m], float64 weight[m].
 * Prints: "<settled> <seconds> <checksum of finite distances>".
 *
 * Built and run by benchmarks/bench_routing.py with `gcc -O2`; not part of the
 * package.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double *dist;
static int32_t *heap;
static int32_t *pos; /* slot in the heap, -1 never reached, -2 settled */

static void sift_up(int32_t i, int32_t v, double d) {
    while (i > 0) {
        int32_t p = (i - 1) >> 1;
        int32_t w = heap[p];
        if (d < dist[w]) {
            heap[i] = w;
            pos[w] = i;
            i = p;
        } else {
            break;
        }
    }
    heap[i] = v;
    pos[v] = i;
}

static int32_t pop(int32_t size) {
    int32_t top = heap[0];
    size -= 1;
    if (size > 0) {
        int32_t v = heap[size];
        double d = dist[v];
        int32_t i = 0;
        for (;;) {
            int32_t c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && dist[heap[c + 1]] < dist[heap[c]]) c += 1;
            if (dist[heap[c]] < d) {
                heap[i] = heap[c];
                pos[heap[i]] = i;
                i = c;
            } else {
                break;
            }
        }
        heap[i] = v;
        pos[v] = i;
    }
    pos[top] = -2;
    return top;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s graph.bin\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    int64_t hdr[3];
    if (fread(hdr, sizeof(int64_t), 3, f) != 3) return 2;
    int64_t n = hdr[0], m = hdr[1], s = hdr[2];
    int64_t *indptr = malloc(sizeof(int64_t) * (n + 1));
    int32_t *indices = malloc(sizeof(int32_t) * m);
    double *weight = malloc(sizeof(double) * m);
    if (fread(indptr, sizeof(int64_t), n + 1, f) != (size_t)(n + 1)) return 2;
    if (fread(indices, sizeof(int32_t), m, f) != (size_t)m) return 2;
    if (fread(weight, sizeof(double), m, f) != (size_t)m) return 2;
    fclose(f);
    dist = malloc(sizeof(double) * n);
    heap = malloc(sizeof(int32_t) * n);
    pos = malloc(sizeof(int32_t) * n);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int64_t i = 0; i < n; i++) {
        dist[i] = INFINITY;
        pos[i] = -1;
    }
    int32_t size = 0;
    int64_t settled = 0;
    dist[s] = 0.0;
    sift_up(size++, (int32_t)s, 0.0);
    while (size > 0) {
        int32_t u = pop(size--);
        settled++;
        double du = dist[u];
        for (int64_t a = indptr[u]; a < indptr[u + 1]; a++) {
            int32_t v = indices[a];
            if (pos[v] == -2) continue;
            double nd = du + weight[a];
            if (nd < dist[v]) {
                dist[v] = nd;
                sift_up(pos[v] == -1 ? size++ : pos[v], v, nd);
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(dist[i])) sum += dist[i];
    printf("%lld %.6f %.6f\n", (long long)settled, (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), sum);
    return 0;
}
