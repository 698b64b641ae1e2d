import DealRules

import Glibc

/// What the session says back to one input.
public struct Reply: Sendable, Equatable {
    public var output: String
    /// The input was wrong (a bad fact, an unknown command): scripted sessions exit 1.
    public var failed: Bool
    /// `:quit`.
    public var quit: Bool

    public init(_ output: String, failed: Bool = false, quit: Bool = false) {
        self.output = output
        self.failed = failed
        self.quit = quit
    }
}

/// A salesperson's live session: the rules in force, the current deal, and everything typed.
/// It takes complete inputs as text and returns text; it never touches a terminal, so every
/// behaviour is tested directly. The line editor and the loop around it are in `REPL`.
public final class Session {
    public struct Options: Sendable {
        /// Colour and styling in replies.
        public var color = false
        /// The date rules see as `today` unless the deal sets one (default: the local date).
        public var today: Day?
        public var limits = Limits.default
        /// Where the current deal is kept between sessions; nil keeps nothing.
        public var state: StateFolder?
        /// Whether to start from the deal kept there (false starts empty, and still keeps it).
        public var restoreDeal = true
        /// Whether the paths are the rule files found in the current folder, none having been
        /// given (`Session.rulesOfCurrentFolder()`): the greeting says so.
        public var rulesFound = false

        public init(color: Bool = false, today: Day? = nil, limits: Limits = .default, state: StateFolder? = nil,
                    restoreDeal: Bool = true) {
            self.color = color
            self.today = today
            self.limits = limits
            self.state = state
            self.restoreDeal = restoreDeal
        }
    }

    public let options: Options
    /// The rule files and folders loaded (`dealrules repl RULES…`, `:load`).
    public internal(set) var paths: [String]
    /// Declarations typed at the prompt, in order; they join the rules until `:reload`.
    public internal(set) var typed: [(name: String, text: String)] = []
    public private(set) var rules: RuleSet
    package private(set) var draft = DealDraft()
    /// The version of the deal recorded as approved (`:approved`): the decision line then says
    /// which teams must be asked again.
    package internal(set) var approved: DealDraft?
    /// Facts of the draft that the rules in force cannot read (after a reload).
    package private(set) var aside: [SetAside] = []
    private var undoStack: [(draft: DealDraft, approved: DealDraft?)] = []
    private var lastDecision: Decision?
    private var typedCount = 0
    /// Files behind the rules, with what they looked like when loaded.
    private var watched: [String: FileStamp] = [:]
    let style: Style
    /// What `init` had to say: rules loaded, the deal restored, problems.
    public private(set) var greeting = ""

    public init(paths: [String], options: Options = Options()) {
        self.options = options
        self.paths = paths
        self.style = Style(color: options.color)
        self.rules = Session.empty(options.limits)
        var notes: [String] = []
        if paths.isEmpty {
            notes.append(Session.noRules)
        } else {
            let result = RuleSet.load(paths: paths, limits: options.limits)
            if let set = result.ruleSet {
                rules = set
                notes.append((options.rulesFound ? "no rules were given: loaded the `*.rules` of this folder, " : "loaded ")
                    + Session.describe(set))
            } else {
                notes.append(render(result.diagnostics.filter(\.isError)) + "\n"
                    + style.warning("the rules do not load; fix them and they are reloaded before your next command"))
            }
            watchFiles(result.ruleSet?.files ?? [])
            if result.ruleSet == nil { watchPaths() }
        }
        if options.restoreDeal, let state = options.state, let bytes = readFile(state.dealPath), let value = try? DealValue.parse(json: bytes),
           case .object(let o) = value, !o.isEmpty {
            draft = DealDraft(jsonValue: value)
            refreshDeal()
            notes.append("restored the deal from last time (\(count(draft.fields.count, "fact"))); `:reset` starts over")
            if !aside.isEmpty { notes.append(asideNote()) }
            if let bytes = readFile(state.approvedPath), let value = try? DealValue.parse(json: bytes), case .object = value {
                approved = DealDraft(jsonValue: value)
                notes.append("with the version approved before (`:since` compares them)")
            }
        }
        if !draft.isEmpty { lastDecision = currentDecision() }
        greeting = notes.joined(separator: "\n")
    }

    /// A session over rules already loaded (embedding, fuzzing); it watches no files.
    public init(rules: RuleSet, options: Options = Options()) {
        self.options = options
        self.paths = []
        self.style = Style(color: options.color)
        self.rules = rules
    }

    /// What the session says when it has no rules.
    static let noRules = "no rules are loaded: `:load FOLDER` loads a rule set (or start with `dealrules FOLDER`)"

    /// The `*.rules` files of the current folder (not below it), sorted: what bare `dealrules`
    /// loads when it is given no rules.
    public static func rulesOfCurrentFolder() -> [String] {
        guard let d = opendir(".") else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            var st = stat()
            if !name.hasPrefix("."), name.hasSuffix(".rules"), stat(name, &st) == 0, st.st_mode & S_IFMT == S_IFREG {
                out.append(name)
            }
        }
        return out.sorted()
    }

    static func empty(_ limits: Limits) -> RuleSet {
        RuleSet.load(source: "", name: "<none>", limits: limits).ruleSet!
    }

    static func describe(_ set: RuleSet) -> String {
        let files = set.files.filter { $0.absolutePath != nil && !$0.isCatalog }.count
        return "\(count(set.rules.count, "rule")) from \(count(files, "file"))"
    }

    // MARK: One input

    /// Whether `text` stops where more must follow (an open bracket, a trailing `and`, …).
    public func needsMore(_ text: String) -> Bool {
        guard !text.trimmed.hasPrefix(":") else { return false }
        return InteractiveInput.classify(text) == .incomplete
    }

    /// Runs one complete input: a fact, a question, a declaration, or a `:command`.
    public func run(_ input: String) -> Reply {
        let text = input.trimmed
        if text.isEmpty { return Reply("") }
        if text.hasPrefix(":") { return command(text) }
        switch InteractiveInput.classify(text, ignoringEnd: true) {
        case .empty: return Reply("")
        case .fact: return fact(text)
        case .declaration: return declare(text)
        case .expression, .incomplete: return question(text)
        }
    }

    // MARK: Facts

    /// One fact, or several separated by `;` (as `:avoid` writes a change of two facts): all of
    /// them or, if one cannot be applied, none.
    func fact(_ text: String) -> Reply {
        var next = draft
        let facts = splitFacts(text)
        for fact in facts {
            do {
                try rules.apply(fact: fact, to: &next, today: options.today)
            } catch {
                let note = facts.count > 1 ? "\n  = note: none of the \(facts.count) facts on the line was applied" : ""
                return Reply(render(withHelpWhenNoRules(error.diagnostics)) + note, failed: true)
            }
        }
        // An item added again is updated, and a fact the deal already has changes nothing:
        // both are said, so neither looks like something new.
        let updates = rules.itemUpdates(from: draft, to: next)
        if !updates.isEmpty { return change(to: next, note: updates.joined(separator: "\n")) }
        return change(to: next, note: next == draft ? "nothing changed: the deal already says so" : nil)
    }

    /// Makes `next` the current deal (undoably) and says what the decision is now.
    func change(to next: DealDraft, note: String? = nil) -> Reply {
        undoStack.append((draft, approved))
        if undoStack.count > 200 { undoStack.removeFirst() }
        draft = next
        refreshDeal()
        persist()
        var out = note.map { $0 + "\n" } ?? ""
        out += decisionLine()
        return Reply(out)
    }

    /// The deal as the rules in force read it.
    var deal: Deal { rules.deal(from: draft).deal }

    func refreshDeal() {
        aside = rules.deal(from: draft).aside
    }

    func currentDecision(explain: Bool = false) -> Decision {
        rules.decide(deal, today: options.today, explain: explain)
    }

    /// The decision in one line, marking what appeared (+) or went (−) since the last one, and
    /// with an approved version, which teams must be asked again.
    func decisionLine() -> String {
        let decision = currentDecision()
        defer { lastDecision = decision }
        return style.arrow + " " + Summary(style: style).line(decision, since: lastDecision, approved: reapproval())
    }

    /// The deal against its approved version, when one was recorded.
    func reapproval() -> Reapproval? {
        guard let approved else { return nil }
        return rules.since(approved: rules.deal(from: approved).deal, deal: deal, today: options.today)
    }

    func persist() {
        guard let state = options.state, state.create() else { return }
        try? writeAtomically(Array((draft.json(pretty: true) + "\n").utf8), to: state.dealPath)
        if let approved {
            try? writeAtomically(Array((approved.json(pretty: true) + "\n").utf8), to: state.approvedPath)
        } else {
            unlink(state.approvedPath)
        }
    }

    // MARK: Questions

    func question(_ text: String) -> Reply {
        switch rules.evaluate(expression: text, deal: deal, today: options.today) {
        case .failure(let error):
            var diagnostics = withHelpWhenNoRules(error.diagnostics)
            if let help = promptHelp(text), !diagnostics.isEmpty { diagnostics[0].help = help }
            return Reply(render(diagnostics), failed: true)
        case .success(let r):
            // `error (overflow)` says it all; an unknown value names the errors behind it.
            if !r.errors.isEmpty, !r.value.isFailure { return Reply("\(r.text) — \(r.errors.joined(separator: ", "))") }
            if r.value == .unknown {
                var out = "unknown" + (r.missing.isEmpty ? "" : " — needs \(r.missing.joined(separator: ", "))")
                if let fact = factAskedAsQuestion(text), r.missing.contains(fact.field) {
                    out += "\n  = help: `\(text)` asks; to set it, type `\(fact.field) = \(fact.value)`"
                }
                return Reply(out)
            }
            return Reply(r.text)
        }
    }

    /// `FIELD is VALUE` about a deal field the deal does not have yet: a salesperson may well
    /// have meant to set it.
    func factAskedAsQuestion(_ text: String) -> (field: String, value: String)? {
        let words = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard words.count == 3, words[1] == "is" else { return nil }
        let field = String(words[0]), value = String(words[2]).trimmed
        guard rules.fields.contains(where: { $0.name == field }), draft.fields[field] == nil, !value.isEmpty,
              !value.hasPrefix("not ") else { return nil }
        return (field, value)
    }

    /// With no rules loaded, an unknown field is not a misspelling: say how to load rules.
    func withHelpWhenNoRules(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        guard rules.fields.isEmpty else { return diagnostics }
        return diagnostics.map { d in
            var d = d
            if d.code == .unknownField { d.help = Session.noRules }
            return d
        }
    }

    /// Better help, at the prompt, for two things people type that are not expressions: a
    /// meta-command without its `:` (`clear`, `reset`, `quit`), and an item's field set the way
    /// it is said (`seats of SIEM = 3`).
    func promptHelp(_ text: String) -> String? {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.count == 1 {
            let synonyms = ["clear": "reset", "new": "reset", "exit": "quit", "bye": "quit", "commands": "help"]
            let word = words[0].lowercased()
            let command = synonyms[word] ?? word
            guard Session.commands.contains(where: { $0.name == command }) else { return nil }
            return "commands start with `:`: type `:\(command)`" + (command == "help" ? "" : " (`:help` lists them all)")
        }
        // FIELD of NAME = VALUE
        guard words.count >= 5, words[1] == "of", let equals = words.firstIndex(of: "="), equals > 2, equals < words.count - 1 else {
            return nil
        }
        let field = words[0]
        let kinds = rules.itemKinds.filter { $0.fields.contains { $0.name == field } }
        guard kinds.count == 1 else { return nil }
        var name = words[2..<equals].joined(separator: " ")
        if !name.hasPrefix("\"") { name = "\"" + name + "\"" }
        let value = words[(equals + 1)...].joined(separator: " ")
        return "to change an item's field: `add \(kinds[0].name) \(name) with \(field) = \(value)`"
    }

    // MARK: Declarations typed at the prompt

    func declare(_ text: String) -> Reply {
        typedCount += 1
        let name = "<repl>"
        // Placed on line N of `<repl>` (so messages point at the line typed); an unnamed rule
        // is called `<repl>#N`, the Nth unnamed rule typed.
        let source = String(repeating: "\n", count: typedCount - 1) + text
        let result = RuleSet.load(paths: paths, sources: typed + [(name, source)], limits: options.limits)
        guard let set = result.ruleSet else {
            typedCount -= 1
            let mine = result.diagnostics.filter { $0.location?.path == name || $0.location == nil }
            let shown = mine.isEmpty ? result.diagnostics.filter(\.isError) : mine
            return Reply(render(shown.filter(\.isError), typedLineOffset: typedCount), failed: true)
        }
        typed.append((name, source))
        let added = set.rules.filter { $0.file == name }.map(\.name).filter { n in !rules.rules.contains { $0.name == n } }
        rules = set
        refreshDeal()
        let what = added.isEmpty ? "added to the session's rules" : "added rule \(added.joined(separator: ", ")) (until `:reload`; `:write FILE` keeps it)"
        return Reply(what + "\n" + decisionLine())
    }

    // MARK: Live reload

    struct FileStamp: Equatable {
        let modified: timespec
        let size: Int

        static func == (a: FileStamp, b: FileStamp) -> Bool {
            a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec && a.size == b.size
        }

        init?(_ path: String) {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            modified = st.st_mtim
            size = Int(st.st_size)
        }
    }

    private func watchFiles(_ files: [LoadedFile]) {
        watched = [:]
        for f in files {
            if let p = f.absolutePath { watched[p] = FileStamp(p) }
        }
    }

    /// When the rules did not load, watch every rule file under the paths so a fix is seen.
    private func watchPaths() {
        for p in paths {
            var isDirectory = stat()
            if stat(p, &isDirectory) == 0, isDirectory.st_mode & S_IFMT == S_IFDIR {
                for f in ruleFiles(under: p) { watched[f] = FileStamp(f) }
            } else {
                watched[p] = FileStamp(p)
            }
        }
    }

    private func ruleFiles(under dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            let path = dir + "/" + name
            if name.hasSuffix(".rules") { out.append(path) } else if e.pointee.d_type == UInt8(DT_DIR) { out += ruleFiles(under: path) }
        }
        return out
    }

    /// Reloads the rules when a file behind them changed on disk. Returns a notice to show
    /// before the next command, or nil. If the new version does not load, the rules in force
    /// stay, and the notice says why.
    public func reloadIfChanged() -> String? {
        let changed = watched.filter { FileStamp($0.key) != $0.value }.map(\.key)
        guard !changed.isEmpty else { return nil }
        let names = changed.map { path in rules.files.first { $0.absolutePath == path }?.path ?? path }.sorted()
        return reload(because: "\(names.joined(separator: ", ")) changed")
    }

    /// Loads the paths and typed declarations again; keeps the rules in force when they fail.
    /// `reason` (a file changed) opens the line that says so; `loaded` names what `:load` added
    /// (`loaded samples/northwind: 30 rules from 8 files`).
    func reload(because reason: String? = nil, loaded: String? = nil, dropTyped: Bool = false) -> String {
        let sources = dropTyped ? [] : typed
        let result = RuleSet.load(paths: paths, sources: sources, limits: options.limits)
        guard let set = result.ruleSet else {
            // Watch again so the next save is noticed, and keep what is in force.
            for key in watched.keys { watched[key] = FileStamp(key) }
            watchPaths()
            return render(result.diagnostics.filter(\.isError)) + "\n"
                + style.warning((reason.map { "\($0), but the new version does not load" } ?? "the rules do not load as they are now")
                                + ": the rules in force before the change stay")
        }
        if dropTyped {
            typed = []
            typedCount = 0
        }
        rules = set
        watchFiles(set.files)
        let oldAside = Set(aside)
        refreshDeal()
        var out = style.dim(loaded.map { "loaded \($0): \(Session.describe(set))" }
            ?? (reason.map { "\($0): " } ?? "") + "reloaded \(Session.describe(set))")
        if Set(aside) != oldAside, !aside.isEmpty { out += "\n" + asideNote() }
        if !draft.isEmpty { out += "\n" + decisionLine() }
        return out
    }

    func asideNote() -> String {
        style.warning("kept aside (they do not fit the rules in force; `:deal` shows them):\n")
            + aside.map { "  \($0.path) = \(literal($0.value)): \($0.reason)" }.joined(separator: "\n")
    }

    func literal(_ v: DealValue) -> String {
        switch v {
        case .text(let s): return "\"\(s)\""
        case .number(let n): return n
        case .bool(let b): return b ? "yes" : "no"
        case .null: return "unknown"
        case .list(let xs): return "[" + xs.map(literal).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { "\($0): \(literal(o[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    // MARK: Undo, reset

    func undo() -> Reply {
        guard let previous = undoStack.popLast() else { return Reply("nothing to undo") }
        draft = previous.draft
        approved = previous.approved
        refreshDeal()
        persist()
        return Reply(decisionLine())
    }

    func reset() -> Reply {
        guard !draft.isEmpty else { return Reply("the deal is already empty") }
        undoStack.append((draft, approved))
        draft = DealDraft()
        approved = nil
        refreshDeal()
        persist()
        lastDecision = nil
        return Reply("the deal is empty now (`:undo` brings it back)")
    }

    func replaceDraft(_ d: DealDraft, note: String) -> Reply {
        change(to: d, note: note)
    }

    // MARK: Rendering

    /// Diagnostics for what was typed: the line, a caret, the message and help, without a file
    /// name when the problem is in the input itself.
    func render(_ diagnostics: [Diagnostic], typedLineOffset: Int = 0) -> String {
        var out = ""
        for d in diagnostics {
            guard let loc = d.location, loc.path == "<input>" || loc.path == "<repl>" else {
                out += DiagnosticRenderer(color: options.color).render(d)
                continue
            }
            let line = loc.lineText
            if !line.isEmpty {
                let chars = Array(line)
                let pad = String(chars.prefix(max(0, loc.column - 1)).map { $0 == "\t" ? "\t" : " " })
                let width = max(1, (loc.endLine == loc.line ? loc.endColumn : chars.count + 1) - loc.column)
                out += "  \(line)\n  \(pad)\(style.caret("^" + String(repeating: "~", count: width - 1)))\n"
            }
            out += style.error("error") + ": \(d.message)\n"
            if let help = d.help { out += "  = help: \(help)\n" }
            for n in d.notes { out += "  = note: \(n.message)\n" }
        }
        return out.hasSuffix("\n") ? String(out.dropLast()) : out
    }
}

func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

extension String {
    var trimmed: String {
        let front = drop { $0.isWhitespace }
        return String(front.reversed().drop { $0.isWhitespace }.reversed())
    }
}

/// Colour for replies, when wanted.
struct Style {
    let color: Bool
    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func error(_ s: String) -> String { paint(s, "1;31") }
    func warning(_ s: String) -> String { paint(s, "33") }
    func dim(_ s: String) -> String { paint(s, "2") }
    func bold(_ s: String) -> String { paint(s, "1") }
    func caret(_ s: String) -> String { paint(s, "1;32") }
    func good(_ s: String) -> String { paint(s, "32") }
    func bad(_ s: String) -> String { paint(s, "33") }
    var arrow: String { paint("→", "2") }
}
