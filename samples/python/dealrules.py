"""dealrules from Python, through the C interface (libDealRulesC.so) and ctypes.

    import dealrules
    rules = dealrules.RuleSet.load(["samples/northwind"])
    decision = rules.decide({"region": "EU", "discount": 25, "services": [{"name": "SIEM"}]})
    print(decision["decision"], decision["required"])

Build the library first: `swift build -c release --product DealRulesC`. The library is looked
for in $DEALRULES_LIB, then in the package's .build/release and .build/debug folders.

Run as a script, it decides a JSONL file of deals and prints one decision line per deal,
exactly as `dealrules eval RULES --deals FILE` does:

    python3 samples/python/dealrules.py samples/northwind --deals samples/deals/stream.jsonl
"""

import ctypes
import json
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))
EXPLAIN = 1


class DealRulesError(Exception):
    """Rules that do not load (`diagnostics` holds every diagnostic), or a misused call."""

    def __init__(self, message, diagnostics=None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


def _library():
    candidates = [os.environ.get("DEALRULES_LIB")] + [
        os.path.join(_ROOT, ".build", mode, "libDealRulesC.so") for mode in ("release", "debug")
    ]
    for path in candidates:
        if path and os.path.exists(path):
            lib = ctypes.CDLL(path)
            break
    else:
        # Installed (the Debian package, or the tarball's lib/ after ldconfig): the loader finds it.
        try:
            lib = ctypes.CDLL("libDealRulesC.so")
        except OSError:
            raise DealRulesError(
                "libDealRulesC.so not found; build it with `swift build -c release --product DealRulesC`, "
                "install the dealrules package, or set DEALRULES_LIB to its path"
            ) from None
    text = ctypes.POINTER(ctypes.c_char)
    lib.dealrules_version.restype = ctypes.c_char_p
    lib.dealrules_load_paths.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.POINTER(text)]
    lib.dealrules_load_paths.restype = ctypes.c_void_p
    lib.dealrules_load_string.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(text)]
    lib.dealrules_load_string.restype = ctypes.c_void_p
    lib.dealrules_rules_free.argtypes = [ctypes.c_void_p]
    lib.dealrules_decide.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                     ctypes.c_uint, ctypes.POINTER(text)]
    lib.dealrules_decide.restype = ctypes.c_int
    lib.dealrules_decide_batch.argtypes = lib.dealrules_decide.argtypes
    lib.dealrules_decide_batch.restype = ctypes.c_long
    for name in ("dealrules_missing", "dealrules_why"):
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(text)]
        getattr(lib, name).restype = ctypes.c_int
    for name in ("dealrules_whatif", "dealrules_avoid", "dealrules_scenario"):
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.POINTER(text)]
        getattr(lib, name).restype = ctypes.c_int
    lib.dealrules_since.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                    ctypes.c_char_p, ctypes.POINTER(text)]
    lib.dealrules_since.restype = ctypes.c_int
    lib.dealrules_free.argtypes = [text]
    return lib


_lib = None


def lib():
    global _lib
    if _lib is None:
        _lib = _library()
    return _lib


def version():
    return lib().dealrules_version().decode()


def _take(pointer):
    """The text the library returned, as str; the library's memory is released."""
    if not pointer:
        return None
    try:
        return ctypes.cast(pointer, ctypes.c_char_p).value.decode("utf-8")
    finally:
        lib().dealrules_free(pointer)


def _date(today):
    return None if today is None else str(today).encode()


class RuleSet:
    """A loaded rule set. Immutable: decide with it from any number of threads."""

    def __init__(self, handle, diagnostics):
        self._handle = handle
        self.diagnostics = diagnostics

    @classmethod
    def load(cls, paths):
        array = (ctypes.c_char_p * len(paths))(*[os.fsencode(p) for p in paths])
        diagnostics = ctypes.POINTER(ctypes.c_char)()
        handle = lib().dealrules_load_paths(array, len(paths), ctypes.byref(diagnostics))
        return cls._made(handle, json.loads(_take(diagnostics)))

    @classmethod
    def from_string(cls, source, name="rules", root=None):
        diagnostics = ctypes.POINTER(ctypes.c_char)()
        handle = lib().dealrules_load_string(source.encode(), name.encode(),
                                             None if root is None else os.fsencode(root), ctypes.byref(diagnostics))
        return cls._made(handle, json.loads(_take(diagnostics)))

    @classmethod
    def _made(cls, handle, diagnostics):
        if not handle:
            errors = [d for d in diagnostics if d["severity"] == "error"]
            first = errors[0]["message"] if errors else "the rules did not load"
            raise DealRulesError(f"{len(errors)} error(s) in the rules; first: {first}", diagnostics)
        return cls(handle, diagnostics)

    def close(self):
        """Releases the rule set (also done when the object is collected)."""
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.dealrules_rules_free(self._handle)
        self._handle = None

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, function, text, today, explain):
        """Calls dealrules_decide or dealrules_decide_batch; returns (its status, the JSON text)."""
        data = text.encode() if isinstance(text, str) else text
        result = ctypes.POINTER(ctypes.c_char)()
        status = function(self._handle, data, len(data), _date(today), EXPLAIN if explain else 0, ctypes.byref(result))
        answer = _take(result)
        if status < 0:
            raise DealRulesError(json.loads(answer)["error"]["message"])
        return status, answer

    def decide_json(self, deal_json, today=None, explain=False):
        """Decides one deal given as JSON text; returns (status, JSON text): 0 decided, 1 bad deal."""
        return self._call(lib().dealrules_decide, deal_json, today, explain)

    def decide(self, deal, today=None, explain=False):
        """Decides a deal given as a dict; returns the decision (or {"error": …}) as a dict."""
        return json.loads(self.decide_json(json.dumps(deal), today, explain)[1])

    def decide_batch(self, jsonl, today=None, explain=False):
        """Decides JSON lines; returns (number of bad lines, the decision lines as text)."""
        return self._call(lib().dealrules_decide_batch, jsonl, today, explain)

    def _advise(self, function, deal, argument, today):
        """Calls one of the advice functions; returns the advice (or {"error": …}) as a dict."""
        data = json.dumps(deal).encode() if isinstance(deal, dict) else (deal.encode() if isinstance(deal, str) else deal)
        result = ctypes.POINTER(ctypes.c_char)()
        args = [self._handle, data, len(data)] + ([] if argument is None else [argument.encode()])
        status = function(*args, _date(today), ctypes.byref(result))
        answer = json.loads(_take(result))
        if status < 0:
            raise DealRulesError(answer["error"]["message"])
        return answer

    def missing(self, deal, today=None):
        """The facts still missing, each with the rules that need it."""
        return self._advise(lib().dealrules_missing, deal, None, today)

    def why(self, deal, today=None):
        """The decision explained, with near misses."""
        return self._advise(lib().dealrules_why, deal, None, today)

    def whatif(self, deal, facts, today=None):
        """What the facts (a list, as typed in the REPL) would make appear and disappear."""
        return self._advise(lib().dealrules_whatif, deal, "\n".join(facts), today)

    def avoid(self, deal, target, today=None):
        """The checked changes that would remove an approval (its name) or every denial ("deny")."""
        return self._advise(lib().dealrules_avoid, deal, target, today)

    def scenario(self, deal, name, today=None):
        """The scenario text that holds the deal and what it gets now."""
        return self._advise(lib().dealrules_scenario, deal, name, today)

    def since(self, approved, deal, today=None):
        """The deal against the version that was approved: (must_ask, the decision with "since")."""
        def data(d):
            return json.dumps(d).encode() if isinstance(d, dict) else (d.encode() if isinstance(d, str) else d)
        a, b = data(approved), data(deal)
        result = ctypes.POINTER(ctypes.c_char)()
        status = lib().dealrules_since(self._handle, a, len(a), b, len(b), _date(today), ctypes.byref(result))
        answer = json.loads(_take(result))
        if status < 0:
            raise DealRulesError(answer["error"]["message"])
        return status == 3, answer


def apply_edit(deal, edit):
    """Applies an avoid suggestion's "edit" to a deal given as a dict (changed in place)."""
    op = edit["op"]
    if op == "set_field":
        deal[edit["field"]] = edit["value"]
        return deal
    items = deal.get(edit["list"], [])
    if op == "remove_item":
        deal[edit["list"]] = [i for i in items if i.get("name") != edit["item"]]
    for item in items:
        if item.get("name") == edit["item"]:
            if op == "set_item_field":
                item[edit["field"]] = edit["value"]
            elif op == "replace_item":
                item["name"] = edit["with"]
    return deal


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description="Decide deals with dealrules through its C library.")
    parser.add_argument("rules", nargs="+", help="rule files or folders")
    parser.add_argument("--deals", required=True, help="a JSONL file of deals (- for stdin)")
    parser.add_argument("--today", help="YYYY-MM-DD (default: the local date)")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    try:
        rules = RuleSet.load(args.rules)
    except DealRulesError as e:
        for d in e.diagnostics:
            if d["severity"] == "error":
                where = f"{d['file']}:{d['line']}:{d['column']}: " if d["file"] else ""
                print(f"{where}error: {d['message']}", file=sys.stderr)
        return 1
    data = sys.stdin.buffer.read() if args.deals == "-" else open(args.deals, "rb").read()
    bad, lines = rules.decide_batch(data, args.today, args.explain)
    sys.stdout.write(lines)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
