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

/*
 * Advice about one deal, as the REPL gives it, in the JSON forms of docs/tools.md (fixed by
 * grammar/dealrules-advice.schema.json). Each reads the deal as dealrules_decide does and
 * answers the same way: 0 with the advice in `*result`; 1 with {"error": …} when the deal
 * cannot be read or the argument names something that is not there (an approval that is not
 * declared, a fact that cannot be applied); -1 on a misuse (a NULL handle, deal or argument,
 * a `today` that is not a date).
 */

/* The facts still missing, each with the rules that need it (`:missing`). */
int dealrules_missing(const dealrules_rules *rules, const char *deal_json, size_t length,
                      const char *today, char **result);

/* The decision explained (as with DEALRULES_EXPLAIN), with near misses (`:why`). */
int dealrules_why(const dealrules_rules *rules, const char *deal_json, size_t length,
                  const char *today, char **result);

/* What the facts would make appear and disappear, and the decision with them (`:whatif`).
   `facts`: as typed in the REPL, one a line or separated by ";" ("region = US; discount = 15%"). */
int dealrules_whatif(const dealrules_rules *rules, const char *deal_json, size_t length,
                     const char *facts, const char *today, char **result);

/* The checked changes that would remove an approval (`target` is its name) or every denial
   (`target` is "deny"), best first, each as a fact and as an edit of the deal's JSON (`:avoid`). */
int dealrules_avoid(const dealrules_rules *rules, const char *deal_json, size_t length,
                    const char *target, const char *today, char **result);

/* The scenario named `name` that holds the deal and what it gets now, for `dealrules test`
   (`:save FILE.rules NAME`). */
int dealrules_scenario(const dealrules_rules *rules, const char *deal_json, size_t length,
                       const char *name, const char *today, char **result);

/*
 * Re-approval: `deal_json` against `approved_json`, the version of the deal that was approved
 * (`dealrules eval --deal NEW --since APPROVED`). Each is decided on its own "today", else
 * `today`, else the local date; every approval the approved version needed counts as given.
 * `*result` receives the new decision with a "since" object (docs/tools.md): each approval
 * still covered, to ask again (with the changes behind it) or new; those no longer needed;
 * what changed. Returns 0 when every approval still stands, 3 when one must be asked for
 * (again or for the first time), 1 with {"error": …} when either deal cannot be read
 * (the approved one is named "approved" in the message), -1 on a misuse.
 */
int dealrules_since(const dealrules_rules *rules, const char *approved_json, size_t approved_length,
                    const char *deal_json, size_t length, const char *today, char **result);

/* Releases text returned by this library. NULL is allowed. */
void dealrules_free(char *text);

#ifdef __cplusplus
}
#endif

#endif /* DEALRULES_H */
