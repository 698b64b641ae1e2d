/*
 * The C interface from several threads on one loaded rule set: every thread decides every
 * line of a JSONL file many times, and each answer must equal the one decided alone first.
 *
 *   threads RULES DEALS.jsonl TODAY THREADS ROUNDS
 *
 * Prints "agree: LINES lines x THREADS threads x ROUNDS rounds" and exits 0, or names the
 * first line that differed and exits 1.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dealrules.h"

static dealrules_rules *rules;
static const char *today;
static char **lines;
static size_t *lengths;
static char **expected;
static size_t count;
static int rounds;
static int failed;

static void *work(void *arg) {
    (void)arg;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < count; i++) {
            char *got = NULL;
            dealrules_decide(rules, lines[i], lengths[i], today, DEALRULES_EXPLAIN, &got);
            if (strcmp(got, expected[i]) != 0) {
                fprintf(stderr, "line %zu differs:\n  alone:  %s\n  thread: %s\n", i, expected[i], got);
                __atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
            }
            dealrules_free(got);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s RULES DEALS.jsonl TODAY THREADS ROUNDS\n", argv[0]);
        return 2;
    }
    const char *paths[] = {argv[1]};
    char *diagnostics = NULL;
    rules = dealrules_load_paths(paths, 1, &diagnostics);
    dealrules_free(diagnostics);
    if (!rules) return 1;
    today = argv[3];
    int threads = atoi(argv[4]);
    rounds = atoi(argv[5]);

    FILE *f = fopen(argv[2], "rb");
    if (!f) return 1;
    char *line = NULL;
    size_t capacity = 0;
    ssize_t n;
    while ((n = getline(&line, &capacity, f)) > 0) {
        if (n <= 1) continue;
        lines = realloc(lines, (count + 1) * sizeof *lines);
        lengths = realloc(lengths, (count + 1) * sizeof *lengths);
        lines[count] = strndup(line, (size_t)n);
        lengths[count] = (size_t)n;
        count++;
    }
    free(line);
    fclose(f);

    expected = calloc(count, sizeof *expected);
    for (size_t i = 0; i < count; i++) dealrules_decide(rules, lines[i], lengths[i], today, DEALRULES_EXPLAIN, &expected[i]);

    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, work, NULL);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    free(ids);

    for (size_t i = 0; i < count; i++) {
        dealrules_free(expected[i]);
        free(lines[i]);
    }
    free(expected);
    dealrules_rules_free(rules);
    if (failed) return 1;
    printf("agree: %zu lines x %d threads x %d rounds\n", count, threads, rounds);
    return 0;
}
