/// How serious a diagnostic is. Errors stop a rule set from loading; warnings never do.
public enum Severity: String, Sendable, Hashable {
    case error
    case warning
    case note
}

/// One finding from any phase (reading files, lexing, parsing, checking, reading a deal,
/// evaluating). The library returns these as values and never prints them.
public struct Diagnostic: Sendable, Hashable, Error {
    /// More about a diagnostic, somewhere else: `the first declaration` and where it is.
    public struct Note: Sendable, Hashable {
        /// What the place is.
        public var message: String
        /// The place.
        public var location: SourceLocation?
        package init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    /// Stable across versions (`check.unknown-field`); every code is in docs/diagnostics.md.
    public var code: DiagnosticCode
    /// Error, warning or note.
    public var severity: Severity
    /// Short, lower-case, no final period; the user's own words in backticks.
    public var message: String
    /// Where the problem is (none for a problem of the whole: a file that does not exist).
    public var location: SourceLocation?
    /// What to do about it: a suggestion, the right form, "did you mean".
    public var help: String?
    /// Other places that explain it.
    public var notes: [Note]
    /// For a finding of the rule-set analysis (`analysis.*`): the rules involved, the deal that
    /// shows it, the constraints that prove it.
    public var finding: Finding? {
        get { findingBox?.finding }
        set { findingBox = newValue.map(FindingBox.init) }
    }
    /// Kept out of line, so a diagnostic stays small: an error this size is thrown through
    /// generic, typed-throws async code in the service, where a larger one once overran its
    /// task frame (Swift 6.3, AddressSanitizer: heap-buffer-overflow in `HTTPService.batch`).
    private var findingBox: FindingBox?

    private final class FindingBox: Sendable, Hashable {
        let finding: Finding
        init(_ finding: Finding) { self.finding = finding }
        static func == (a: FindingBox, b: FindingBox) -> Bool { a.finding == b.finding }
        func hash(into h: inout Hasher) { h.combine(finding) }
    }

    /// What the rule-set analysis found, beyond the message (docs/analysis.md).
    public struct Finding: Sendable, Hashable {
        /// The names of the rules involved, the one the diagnostic points at first.
        public var rules: [String]
        /// A deal that shows the finding, as one line of JSON with only the facts that matter,
        /// decided by the evaluator before it was given; nil where no single deal can show it.
        public var witness: String?
        /// The constraints that prove it, each where it is written: for a rule that never
        /// fires, the comparisons that contradict.
        public var evidence: [Note]
    }

    package init(_ code: DiagnosticCode, _ message: String, at location: SourceLocation? = nil,
                severity: Severity? = nil, help: String? = nil, notes: [Note] = []) {
        self.code = code
        self.severity = severity ?? code.defaultSeverity
        self.message = message
        self.location = location
        self.help = help
        self.notes = notes
    }

    package var isError: Bool { severity == .error }
}

extension Array where Element == Diagnostic {
    package var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, then position, then severity: the order every output uses.
    package func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            switch (la, lb) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                if x.path != y.path { return x.path.utf8.lexicographicallyPrecedes(y.path.utf8) }
                if x.range.start != y.range.start { return x.range.start < y.range.start }
                return a.offset < b.offset
            }
        }.map(\.element)
    }
}

/// What goes wrong when rules (or a fact, an expression) are read: every diagnostic, errors
/// and warnings, sorted by file and position.
public struct LoadError: Error, Sendable, CustomStringConvertible {
    /// Every diagnostic, errors and warnings.
    public let diagnostics: [Diagnostic]
    /// The diagnostics as `dealrules check` prints them.
    public var description: String { DiagnosticRenderer().render(diagnostics) }
}
