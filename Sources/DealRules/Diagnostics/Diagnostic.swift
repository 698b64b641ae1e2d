/// How serious a diagnostic is. Errors stop a rule set from loading; warnings never do.
public enum Severity: String, Sendable, Hashable, Comparable {
    case error
    case warning
    case note

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }
}

/// One finding from any phase (reading files, lexing, parsing, checking, reading a deal,
/// evaluating). The library returns these as values and never prints them.
public struct Diagnostic: Sendable, Hashable, Error {
    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation?
        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var code: DiagnosticCode
    public var severity: Severity
    /// Short, lower-case, no final period; the user's own words in backticks.
    public var message: String
    public var location: SourceLocation?
    /// What to do about it: a suggestion, the right form, "did you mean".
    public var help: String?
    public var notes: [Note]

    public init(_ code: DiagnosticCode, _ message: String, at location: SourceLocation? = nil,
                severity: Severity? = nil, help: String? = nil, notes: [Note] = []) {
        self.code = code
        self.severity = severity ?? code.defaultSeverity
        self.message = message
        self.location = location
        self.help = help
        self.notes = notes
    }

    public var isError: Bool { severity == .error }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, then position, then severity: the order every output uses.
    public func sortedByLocation() -> [Diagnostic] {
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
    public let diagnostics: [Diagnostic]
    public var description: String { DiagnosticRenderer().render(diagnostics) }
}
