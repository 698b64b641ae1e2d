extension RuleSet {
    /// Loads and checks rule files and folders (every `*.rules` below a folder), then any
    /// `sources` (rule text that never was a file, such as rules typed in the REPL), whose
    /// includes and catalogs resolve against the current folder.
    ///
    /// `overrides` gives text to read instead of some files' contents (by path): to check an
    /// edit before it is saved.
    ///
    /// `threads` is how many threads may parse and check a large rule set (a file of 128 KiB or
    /// more, 1,000 rules or more); nil: one per processor. The result is the same for any number.
    public static func load(paths: [String], sources: [(name: String, text: String)] = [],
                            overrides: [String: String] = [:], limits: Limits = .default, threads: Int? = nil) -> LoadResult {
        load(paths: paths, sources: sources, overrides: overrides, limits: limits, threads: threads, compile: true)
    }

    /// Loads as `load(paths:sources:overrides:limits:threads:)` does; with `compile` false the
    /// rule set is checked but not compiled for deciding (`dealrules check`: making the plan is a
    /// fifth of a large load). Such a rule set cannot decide (`isCompiled`).
    package static func load(paths: [String], sources: [(name: String, text: String)] = [],
                             overrides: [String: String] = [:], limits: Limits = .default, threads: Int? = nil,
                             compile: Bool) -> LoadResult {
        var loader = Loader(limits: limits, evaluateConstant: Evaluator.constant)
        loader.threads = threads
        for (path, text) in overrides {
            let abs = FileSystem.absolute(path)
            loader.overrides[FileSystem.real(abs) ?? abs] = text
        }
        for p in paths { loader.load(path: p) }
        let root = FileSystem.absolute(".")
        for s in sources { loader.load(source: s.text, name: s.name, root: FileSystem.real(root) ?? root) }
        return LoadResult(loader.finish(), threads: threads,
                          origin: .paths(paths, sources: sources, overrides: overrides, limits: limits), compile: compile)
    }

    /// Loads as `load(paths:sources:overrides:)` does, for an editor (`dealrules lsp`): the
    /// diagnostics and the syntax tree of every rule file that was read (its bytes, or the
    /// override's), even when the rules do not load; the rule set is compiled only when asked
    /// for, so that the diagnostics can be shown first.
    package static func loadForEditor(paths: [String], overrides: [String: String], limits: Limits = .default) -> EditorLoad {
        var loader = Loader(limits: limits, evaluateConstant: Evaluator.constant)
        loader.trees = []
        for (path, text) in overrides {
            let abs = FileSystem.absolute(path)
            loader.overrides[FileSystem.real(abs) ?? abs] = text
        }
        for p in paths { loader.load(path: p) }
        let trees = loader.trees ?? []
        loader.trees = nil
        let (checked, diagnostics) = loader.finish()
        return EditorLoad(diagnostics: diagnostics, trees: trees, checked: checked,
                          origin: .paths(paths, sources: [], overrides: overrides, limits: limits))
    }

    /// Loads and checks rule text. `name` is how messages and unnamed rules name it; includes
    /// and catalog CSVs are read relative to `root` (default: the current folder) and may not leave it.
    public static func load(source: String, name: String = "rules", root: String? = nil, limits: Limits = .default,
                            threads: Int? = nil) -> LoadResult {
        var loader = Loader(limits: limits, evaluateConstant: Evaluator.constant)
        loader.threads = threads
        let rootPath = FileSystem.absolute(root ?? ".")
        loader.load(source: source, name: name, root: FileSystem.real(rootPath) ?? rootPath)
        return LoadResult(loader.finish(), threads: threads, origin: .source(source, name: name, root: root, limits: limits))
    }
}

/// How a rule set was loaded, to load it again: a copy of its own for another thread (see
/// `RuleSet.copy()`).
enum LoadOrigin: Sendable {
    case paths([String], sources: [(name: String, text: String)], overrides: [String: String], limits: Limits)
    case source(String, name: String, root: String?, limits: Limits)
}

extension RuleSet {
    /// The same rules loaded again, sharing no object with this rule set: threads that decide
    /// with one rule set each do not contend on its reference counts. nil when it cannot be
    /// loaded again as it was (it was not loaded by `load`, or its files changed since).
    package func copy(threads: Int? = 1) -> RuleSet? {
        let again: LoadResult
        switch origin {
        case .paths(let paths, let sources, let overrides, let limits)?:
            again = RuleSet.load(paths: paths, sources: sources, overrides: overrides, limits: limits, threads: threads)
        case .source(let text, let name, let root, let limits)?:
            again = RuleSet.load(source: text, name: name, root: root, limits: limits, threads: threads)
        case nil:
            return nil
        }
        guard let copy = again.ruleSet, copy.files == files, copy.rules.count == rules.count,
              zip(copy.rules, rules).allSatisfy({ $0.name == $1.name && $0.conditionText == $1.conditionText }),
              copy.approvals == approvals else { return nil }
        return copy
    }
}

/// What an editor's load found (`RuleSet.loadForEditor`).
package struct EditorLoad: Sendable {
    /// Every error and warning, sorted by file and position.
    package let diagnostics: [Diagnostic]
    /// Every rule file read, parsed.
    package let trees: [SyntaxTree]
    fileprivate let checked: CheckedRules?
    fileprivate let origin: LoadOrigin

    /// The rule set, compiled now; nil when the rules have errors.
    package func ruleSet() -> RuleSet? { checked.map { RuleSet($0, threads: nil, origin: origin) } }
}
