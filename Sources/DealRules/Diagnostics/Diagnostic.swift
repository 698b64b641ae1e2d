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

/// Where a diagnostic points: a file and a span, resolved to lines and columns (counted from 1,
/// columns in Unicode characters), with the text of the first line for the caret display.
public struct DiagnosticLocation: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int
    public var endLine: Int
    public var endColumn: Int
    /// The source line the span starts on, for the caret display; nil when there is no text.
    public var sourceLine: String?

    public init(file: String, line: Int, column: Int, endLine: Int, endColumn: Int, sourceLine: String?) {
        self.file = file
        self.line = line
        self.column = column
        self.endLine = endLine
        self.endColumn = endColumn
        self.sourceLine = sourceLine
    }

    public init(_ source: SourceFile, _ range: SourceRange) {
        let (line, column) = source.position(of: Int(range.start))
        let (endLine, endColumn) = source.position(of: Int(range.end))
        self.init(file: source.path, line: line, column: column, endLine: endLine,
                  endColumn: endColumn, sourceLine: source.lineText(line))
    }

    /// `FILE:LINE:COL`
    public var description: String { "\(file):\(line):\(column)" }
}

/// One finding from any phase (reading files, lexing, parsing, checking, reading a deal,
/// evaluating). The library returns these as values and never prints them.
public struct Diagnostic: Sendable, Hashable, Error {
    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: DiagnosticLocation?
        public init(_ message: String, at location: DiagnosticLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var code: DiagnosticCode
    public var severity: Severity
    /// Short, lower-case, no final period; the user's own words in backticks.
    public var message: String
    public var location: DiagnosticLocation?
    /// What to do about it: a suggestion, the right form, "did you mean".
    public var help: String?
    public var notes: [Note]

    public init(_ code: DiagnosticCode, _ message: String, at location: DiagnosticLocation? = nil,
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
                if x.file != y.file { return x.file.utf8.lexicographicallyPrecedes(y.file.utf8) }
                if x.line != y.line { return x.line < y.line }
                if x.column != y.column { return x.column < y.column }
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
