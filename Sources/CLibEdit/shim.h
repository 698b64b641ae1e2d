// shim.h — the libedit operations dealrules uses, as plain (non-variadic) C functions that
// Swift can call. el_set, el_get and history are variadic, which Swift refuses.
#ifndef DEALRULES_LIBEDIT_SHIM_H
#define DEALRULES_LIBEDIT_SHIM_H

#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

/// Makes the locale's character type UTF-8 (Swift never calls setlocale; without it libedit
/// mangles `café`), then starts an editor on the standard streams.
static inline EditLine *dealrules_el_init(const char *program) {
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    if (codeset == NULL || strcmp(codeset, "UTF-8") != 0) {
        if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) setlocale(LC_CTYPE, "en_US.UTF-8");
    }
    return el_init(program, stdin, stdout, stderr);
}

static inline void dealrules_el_end(EditLine *el) { el_end(el); }

static inline int dealrules_el_set_prompt(EditLine *el, char *(*prompt)(EditLine *)) {
    return el_set(el, EL_PROMPT, prompt);
}

static inline int dealrules_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}

/// With signal handling on, libedit restores the terminal when it is stopped or killed
/// while reading, and follows window resizes.
static inline int dealrules_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }

static inline int dealrules_el_set_clientdata(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}

static inline void *dealrules_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}

static inline int dealrules_el_addfn(EditLine *el, const char *name, const char *help,
                                     unsigned char (*fn)(EditLine *, int)) {
    return el_set(el, EL_ADDFN, name, help, fn);
}

static inline int dealrules_el_bind(EditLine *el, const char *key, const char *fn) {
    return el_set(el, EL_BIND, key, fn, NULL);
}

/// `dealrules_el_setty(el, "-d", "-isig")`: in edit mode ^C is a key, not SIGINT.
static inline int dealrules_el_setty(EditLine *el, const char *mode, const char *setting) {
    return el_set(el, EL_SETTY, mode, setting, NULL);
}

/// The line with its `\n`, and its length in bytes (0 at end of input, -1 on an error). The
/// buffer is libedit's: copy it.
static inline const char *dealrules_el_gets(EditLine *el, int *count) { return el_gets(el, count); }

static inline const LineInfo *dealrules_el_line(EditLine *el) { return el_line(el); }

static inline int dealrules_el_insertstr(EditLine *el, const char *text) { return el_insertstr(el, text); }

static inline void dealrules_el_deletestr(EditLine *el, int count) { el_deletestr(el, count); }

static inline void dealrules_el_resize(EditLine *el) { el_resize(el); }

static inline History *dealrules_history_init(int size) {
    History *h = history_init();
    if (h == NULL) return NULL;
    HistEvent ev;
    history(h, &ev, H_SETSIZE, size);
    history(h, &ev, H_SETUNIQUE, 1);
    return h;
}

static inline int dealrules_history_enter(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}

static inline void dealrules_history_end(History *h) { history_end(h); }

static inline int dealrules_el_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}

#endif
