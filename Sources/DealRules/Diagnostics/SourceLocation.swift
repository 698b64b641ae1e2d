/// Where something is written: a file (or a deal's text, or a line typed at the REPL) and a
/// range of its bytes. Rules, declarations, diagnostics and decisions all point with it; the
/// line and the column (counted from 1, columns in Unicode characters) are worked out from the
/// file's line table when they are shown.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The text it points into.
    package let file: SourceFile
    /// The bytes it spans.
    package let range: SourceRange

    package init(_ file: SourceFile, _ range: SourceRange) {
        self.file = file
        self.range = range
    }

    /// The one character at `offset`: where something starts (a rule's outcome keyword).
    package init(_ file: SourceFile, at offset: Int32) {
        self.init(file, SourceRange(Int(offset), Int(offset) + 1))
    }

    /// The file's path, as messages show it (relative to the rule set's root).
    public var path: String { file.path }
    /// Its line, counted from 1.
    public var line: Int { file.position(of: Int(range.start)).line }
    /// Its column on that line, counted from 1, in Unicode characters.
    public var column: Int { file.position(of: Int(range.start)).column }
    package var endLine: Int { file.position(of: Int(range.end)).line }
    package var endColumn: Int { file.position(of: Int(range.end)).column }
    /// The text of the line it starts on, for a caret under it.
    package var lineText: String { file.lineText(line) }

    /// `FILE:LINE:COL`
    public var description: String {
        file.locationString(of: Int(range.start))
    }

    /// The same place in the same file (two loads of one file point alike).
    public static func == (a: SourceLocation, b: SourceLocation) -> Bool {
        a.range == b.range && a.file.path == b.file.path
    }

    /// Hashes what `==` compares.
    public func hash(into h: inout Hasher) {
        h.combine(file.path)
        h.combine(range)
    }
}
