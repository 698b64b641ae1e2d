/*
 * Decides one deal with dealrules from C.
 *
 *   swift build -c release --product DealRulesC
 *   cc -I include samples/c/decide.c -L .build/release -lDealRulesC -Wl,-rpath,.build/release -o decide
 *   ./decide samples/northwind samples/deals/needs-approval.json 2026-12-01
 *
 * Prints the decision as JSON; exits 1 when the rules or the deal are bad.
 */
#include <stdio.h>
#include <stdlib.h>
#include "dealrules.h"

static char *read_file(const char *path, size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t capacity = 4096, used = 0;
    char *text = malloc(capacity);
    size_t n;
    while (text && (n = fread(text + used, 1, capacity - used, f)) > 0) {
        used += n;
        if (used == capacity) text = realloc(text, capacity *= 2);
    }
    fclose(f);
    *length = used;
    return text;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s RULES DEAL.json [YYYY-MM-DD]\n", argv[0]);
        return 2;
    }
    char *diagnostics = NULL;
    const char *paths[] = {argv[1]};
    dealrules_rules *rules = dealrules_load_paths(paths, 1, &diagnostics);
    if (!rules) {
        fprintf(stderr, "the rules did not load: %s\n", diagnostics);
        dealrules_free(diagnostics);
        return 1;
    }
    dealrules_free(diagnostics);

    size_t length = 0;
    char *deal = read_file(argv[2], &length);
    if (!deal) {
        perror(argv[2]);
        dealrules_rules_free(rules);
        return 1;
    }
    char *decision = NULL;
    int status = dealrules_decide(rules, deal, length, argc > 3 ? argv[3] : NULL, 0, &decision);
    printf("%s\n", decision);
    dealrules_free(decision);
    free(deal);
    dealrules_rules_free(rules);
    return status == 0 ? 0 : 1;
}
