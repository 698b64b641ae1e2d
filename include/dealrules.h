/*
 * dealrules.h: the C interface of dealrules (libDealRulesC.so).
 *
 * Load a rule set once, then decide deals with it from any number of threads. Everything
 * crosses this interface as UTF-8 JSON text: deals in, decisions and diagnostics out, in the
 * shapes of docs/tools.md (the same bytes `dealrules eval --format json` prints).
 *
 * Ownership: a handle from dealrules_load_* is released with dealrules_rules_free; every
 * char * this library hands back is released with dealrules_free, and nothing else.
 * A loaded rule set never changes: deciding with one handle from several threads at once
 * is safe. Freeing a handle while another thread still uses it is not.
 */
#ifndef DEALRULES_H
#define DEALRULES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised when a function of this header changes in a way old callers would notice. */
#define DEALRULES_ABI_VERSION 1

/* A loaded, checked rule set. Opaque. */
typedef struct dealrules_rules dealrules_rules;

/* Flags for dealrules_decide and dealrules_decide_batch. */
enum {
    /* Each outcome and undetermined entry also carries "condition" and "values",
       as `dealrules eval --explain` prints them. */
    DEALRULES_EXPLAIN = 1u << 0
};

/* The library's version, such as "0.2.0". Static: do not free. */
const char *dealrules_version(void);

/* The DEALRULES_ABI_VERSION the library was built with. */
int dealrules_abi_version(void);

/*
 * Loads and checks rule files and folders (every *.rules below a folder), as
 * `dealrules check` does. Returns a handle, or NULL when the rules have errors.
 * When `diagnostics` is not NULL it receives a JSON list of every diagnostic, warnings
 * included (the shape of `dealrules check --format json`; "[]" when there are none),
 * to be released with dealrules_free.
 */
dealrules_rules *dealrules_load_paths(const char *const *paths, size_t count, char **diagnostics);

/*
 * Loads and checks rule text. `name` names it in messages (NULL: "rules"); includes and
 * catalog CSVs are read relative to the folder `root` (NULL: the current folder).
 * Returns NULL on errors; `diagnostics` as for dealrules_load_paths.
 */
dealrules_rules *dealrules_load_string(const char *source, const char *name, const char *root,
                                       char **diagnostics);

/* Releases a handle. NULL is allowed. */
void dealrules_rules_free(dealrules_rules *rules);

/*
 * Decides one deal, given as `length` bytes of JSON. `today` is "YYYY-MM-DD", or NULL for
 * the local date (a deal's own "today" wins). `*result` always receives a JSON object to be
 * released with dealrules_free:
 *   returns 0:  the decision ({"decision": …, "required": …, "outcomes": …, "undetermined": …});
 *   returns 1:  the deal could not be read: {"error": {"code", "message", "help"}};
 *   returns -1: a misuse (NULL handle, NULL deal, a `today` that is not a date):
 *               {"error": {"code": "api.invalid-argument", "message": …}}.
 */
int dealrules_decide(const dealrules_rules *rules, const char *deal_json, size_t length,
                     const char *today, unsigned flags, char **result);

/*
 * Decides a JSONL batch: one deal per line (blank lines, CRLF and a leading BOM accepted).
 * `*result` receives one JSON line per deal, in order, each with its "index" (and "id"):
 * the decision, or for a line that could not be read {"index": N, "error": {…}} in its
 * place. Returns the number of such bad lines (0 when every line was decided), or -1 on
 * a misuse as for dealrules_decide.
 */
long dealrules_decide_batch(const dealrules_rules *rules, const char *jsonl, size_t length,
                            const char *today, unsigned flags, char **result);

/* Releases text returned by this library. NULL is allowed. */
void dealrules_free(char *text);

#ifdef __cplusplus
}
#endif

#endif /* DEALRULES_H */
