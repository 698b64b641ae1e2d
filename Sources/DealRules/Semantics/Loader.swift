/// A file a rule set was loaded from: the path messages show, and where it is on disk.
package struct LoadedFile: Sendable, Hashable {
    /// As messages show it: relative to the rule set's root.
    package let path: String
    package let absolutePath: String?
    /// A catalog spreadsheet rather than a rule file.
    package var isCatalog = false
    /// The bytes that were loaded (shared with the parsed file, not copied): what a rule set's
    /// version is computed from (`dealrules serve`).
    package var bytes: [UInt8] = []
}

/// Finds and reads rule files: folders are walked for `*.rules` (in bytewise path order),
/// `include`s are loaded in place and only once, and no path may leave the rule set's root.
struct Loader {
    let limits: Limits
    var diagnostics: [Diagnostic] = []
    var units: [Checker.Unit] = []
    /// The rules read so far, in load order (see `Checker.RuleRun`).
    var ruleRuns: [Checker.RuleRun] = []
    var files: [LoadedFile] = []
    /// Real paths already loaded, and the chain of includes being loaded.
    private var loaded: Set<String> = []
    private var stack: [String] = []
    /// Roots by source path, for CSV and include resolution.
    private var roots: [String: String] = [:]
    /// Text to read instead of a file's contents, by real path: to check an edit before saving it.
    var overrides: [String: String] = [:]
    /// Every file's syntax tree, when asked for (an editor indexes them without parsing again).
    var trees: [SyntaxTree]?
    /// Threads that parse a large file and check the rules (`RuleSet.load`'s `threads:`); nil:
    /// one per processor for large inputs, else one.
    var threads: Int?
    /// A file parses in pieces, one thread each, when each piece has at least this many bytes.
    static let bytesPerThread = 128 * 1024

    /// The engine's evaluator, for the checker's constants (`Checker.ConstantEvaluator`).
    let evaluateConstant: Checker.ConstantEvaluator

    init(limits: Limits, evaluateConstant: @escaping Checker.ConstantEvaluator) {
        self.limits = limits
        self.evaluateConstant = evaluateConstant
    }

    mutating func load(path argument: String) {
        let abs = FileSystem.absolute(argument)
        switch FileSystem.kind(abs) {
        case .directory:
            let root = FileSystem.real(abs) ?? abs
            let found = FileSystem.ruleFiles(under: root)
            if found.isEmpty {
                diagnostics.append(Diagnostic(.noRuleFiles, "no `*.rules` file in `\(argument)`",
                                              help: "name a rule file or a folder that holds some"))
            }
            for rel in found {
                loadFile(root + "/" + rel, root: root, from: nil)
            }
        case .file:
            let real = FileSystem.real(abs) ?? abs
            loadFile(real, root: FileSystem.directory(of: real), from: nil)
        case .missing where overrides[abs] != nil:
            // A file open in an editor and not saved yet.
            loadFile(abs, root: FileSystem.directory(of: abs), from: nil)
        case .missing:
            diagnostics.append(Diagnostic(.fileNotFound, "`\(argument)` does not exist",
                                          help: "give a rule file or a folder of them; paths are relative to \(FileSystem.currentDirectory())"))
        case .other:
            diagnostics.append(Diagnostic(.fileUnreadable, "`\(argument)` is not a file or a folder"))
        }
    }

    /// Loads rule text that was never a file; includes and CSVs resolve against `root`.
    mutating func load(source text: String, name: String, root: String) {
        let src = SourceFile(path: name, absolutePath: nil, bytes: Array(text.utf8))
        roots[name] = root
        files.append(LoadedFile(path: name, absolutePath: nil, bytes: src.bytes))
        add(parse(src), of: src, root: root, directory: root)
    }

    private mutating func loadFile(_ real: String, root: String, from include: (SourceFile, SourceRange)?) {
        func fail(_ code: DiagnosticCode, _ message: String, help: String? = nil) {
            if let (src, range) = include {
                diagnostics.append(Diagnostic(code, message, at: SourceLocation(src, range), help: help))
            } else {
                diagnostics.append(Diagnostic(code, message, help: help))
            }
        }
        let display = FileSystem.relative(real, to: root) ?? real
        if stack.contains(real) {
            let chain = (stack.drop { $0 != real } + [real]).map { FileSystem.relative($0, to: root) ?? $0 }
            fail(.includeCycle, "`\(display)` includes itself: \(chain.joined(separator: " → "))",
                 help: "remove one of these includes; every file is loaded once anyway")
            return
        }
        if loaded.contains(real) { return }
        if files.count >= limits.maxFiles {
            fail(.limitExceeded, "the rule set has more than \(limits.maxFiles) files")
            return
        }
        let bytes: [UInt8]
        if let text = overrides[real] {
            bytes = Array(text.utf8)
        } else {
            if let size = FileSystem.size(real), threads(forBytes: size) > 1 {
                Allocator.beforeLoadingOnThreads()
                WorkerThreads.prepare()
            }
            switch FileSystem.read(real, maxBytes: limits.maxFileBytes) {
        case .success(let b): bytes = b
        case .failure(.missing):
            fail(.fileNotFound, "`\(display)` does not exist")
            return
        case .failure(.unreadable(let why)):
            fail(.fileUnreadable, "cannot read `\(display)`: \(why)")
            return
        case .failure(.tooLarge(let n)):
            fail(.limitExceeded, "`\(display)` is \(n) bytes; the limit is \(limits.maxFileBytes)",
                 help: "split it into several files, or raise the limit with `--max-file-bytes`")
            return
            }
        }
        guard SourceFile.isUTF8(bytes) else {
            fail(.notUTF8, "`\(display)` is not UTF-8 text", help: "save it as UTF-8")
            return
        }
        loaded.insert(real)
        files.append(LoadedFile(path: display, absolutePath: real, bytes: bytes))
        let src = SourceFile(path: display, absolutePath: real, bytes: bytes)
        roots[display] = root
        stack.append(real)
        add(parse(src), of: src, root: root, directory: FileSystem.directory(of: real))
        stack.removeLast()
    }

    /// How many threads parse a file of `count` bytes.
    private func threads(forBytes count: Int) -> Int { threads ?? threadsFor(count, each: Self.bytesPerThread) }

    /// Parses a file, in pieces on several threads when it is large (`bytesPerThread`).
    private func parse(_ src: SourceFile) -> [Parser.Piece] {
        let threads = threads(forBytes: src.bytes.count)
        if threads > 1 { Allocator.beforeLoadingOnThreads() }
        return Parser.parsePieces(src, limits: limits, parts: threads > 1 ? threads * partsPerThread : 1)
    }

    /// Adds a file's declarations, parsed in `pieces`: its rules as runs (`Checker.RuleRun`),
    /// the rest as units, each included file where it is included.
    private mutating func add(_ pieces: [Parser.Piece], of src: SourceFile, root: String, directory: String) {
        // In a whole parse, the lexer's messages come before the parser's.
        diagnostics += pieces.flatMap(\.lexed) + pieces.flatMap(\.parsed)
        if trees != nil { trees!.append(SyntaxTree(src, pieces: pieces)) }
        for piece in pieces {
            let declarations = piece.declarations
            var start = 0
            for (i, decl) in declarations.enumerated() {
                switch decl.kind {
                case .rule:
                    continue
                case .include(let path, let range):
                    // The rules before the include come before the included file's.
                    if start < i { ruleRuns.append(Checker.RuleRun(declarations: declarations, range: start..<i, source: src)) }
                    start = i + 1
                    switch resolve(path, range, src, root: root, directory: directory) {
                    case .success(let real): loadFile(real, root: root, from: (src, range))
                    case .failure(let d): diagnostics.append(d)
                    }
                case .choice, .deal, .item, .catalog, .catalogFile, .approval, .define, .scenario:
                    units.append(Checker.Unit(declaration: decl, source: src))
                }
            }
            if start < declarations.count {
                ruleRuns.append(Checker.RuleRun(declarations: declarations, range: start..<declarations.count, source: src))
            }
        }
    }

    /// A path named inside a file: relative to that file's folder, and inside the root.
    func resolve(_ path: String, _ range: SourceRange, _ src: SourceFile, root: String, directory: String) -> Result<String, Diagnostic> {
        let abs = FileSystem.absolute(path, relativeTo: directory)
        let real = FileSystem.real(abs)
        let rootReal = FileSystem.real(root) ?? root
        guard FileSystem.relative(abs, to: root) != nil || FileSystem.relative(abs, to: rootReal) != nil,
              real.map({ FileSystem.relative($0, to: rootReal) != nil }) ?? true else {
            return .failure(Diagnostic(.pathOutsideRoot, "`\(path)` is outside the rule set's folder",
                                       at: SourceLocation(src, range),
                                       help: "keep included files and catalogs inside the rule set's folder (the folder given on the command line, or the file's own)"))
        }
        // A file open in an editor and not saved yet exists only as an override.
        guard let real = real ?? (overrides[abs] != nil ? abs : nil) else {
            return .failure(Diagnostic(.fileNotFound, "`\(path)` does not exist", at: SourceLocation(src, range),
                                       help: "paths are relative to the file that names them (\(FileSystem.relative(directory, to: rootReal).map { $0.isEmpty ? "the rule set's folder" : $0 } ?? directory))"))
        }
        return .success(real)
    }

    /// Reads a catalog CSV named in `src`.
    func readCSV(_ path: String, _ range: SourceRange, _ src: SourceFile) -> Result<SourceFile, Diagnostic> {
        let root = roots[src.path] ?? FileSystem.currentDirectory()
        let directory = src.absolutePath.map(FileSystem.directory(of:)) ?? root
        let real: String
        switch resolve(path, range, src, root: root, directory: directory) {
        case .success(let r): real = r
        case .failure(let d): return .failure(d)
        }
        let display = FileSystem.relative(real, to: FileSystem.real(root) ?? root) ?? path
        switch FileSystem.read(real, maxBytes: limits.maxFileBytes) {
        case .success(let bytes):
            guard SourceFile.isUTF8(bytes) else {
                return .failure(Diagnostic(.notUTF8, "`\(display)` is not UTF-8 text", at: SourceLocation(src, range),
                                           help: "export the spreadsheet as \"CSV UTF-8\""))
            }
            return .success(SourceFile(path: display, absolutePath: real, bytes: bytes))
        case .failure(.tooLarge(let n)):
            return .failure(Diagnostic(.limitExceeded, "`\(display)` is \(n) bytes; the limit is \(limits.maxFileBytes)",
                                       at: SourceLocation(src, range)))
        case .failure(.unreadable(let why)):
            return .failure(Diagnostic(.fileUnreadable, "cannot read `\(display)`: \(why)", at: SourceLocation(src, range)))
        case .failure(.missing):
            return .failure(Diagnostic(.fileNotFound, "`\(path)` does not exist", at: SourceLocation(src, range)))
        }
    }

    /// Checks what was loaded: the checked rules when there is no error, and every diagnostic.
    mutating func finish() -> (CheckedRules?, [Diagnostic]) {
        // The checker becomes the declarations' only holder: it frees what it is done with.
        var units: [Checker.Unit] = [], ruleRuns: [Checker.RuleRun] = []
        swap(&units, &self.units)
        swap(&ruleRuns, &self.ruleRuns)
        let loader = self
        var checker = Checker(units: units, ruleRuns: ruleRuns, limits: limits, readCSV: { loader.readCSV($0, $1, $2) },
                              evaluateConstant: evaluateConstant)
        units = []
        ruleRuns = []
        checker.threads = threads
        // The checker runs even after syntax errors, so one run reports both kinds.
        var checked = checker.run()
        var all = (diagnostics + checker.diagnostics).sortedByLocation()
        // "No rules" says nothing new when the files did not load.
        if all.hasErrors { all.removeAll { $0.code == .emptyRuleSet } }
        checked?.files = files + checker.csvFiles
        return (all.hasErrors ? nil : checked, all)
    }
}
